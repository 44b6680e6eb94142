// The one place a real EC2 client is made; commands take one injected so tests use a mock.
import { EC2Client } from '@aws-sdk/client-ec2';

/** Throttling (RequestLimitExceeded) is retried by the SDK's standard strategy; a few more tries ride out a busy account. */
export const MAX_ATTEMPTS = 6;

/** A client for `region`, or for the SDK's own choice (AWS_REGION, the profile) when none is given. */
export function createEc2Client(region: string | undefined): EC2Client {
  return new EC2Client({ maxAttempts: MAX_ATTEMPTS, ...(region ? { region } : {}) });
}

/** The region the client will call, for messages; undefined when the SDK cannot resolve one. */
export async function clientRegion(client: EC2Client): Promise<string | undefined> {
  try {
    return await client.config.region();
  } catch {
    return undefined;
  }
}
