// AWS errors reworded for a person at a terminal: which call, which region, what to check.
// The SDK's own retry strategy already retries throttling before an error gets here.

const DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'AuthFailure']);
const NO_CREDENTIALS = new Set(['CredentialsProviderError']);

export class FleetError extends Error {
  override name = 'FleetError';
}

/** A FleetError naming the EC2 action and region; the AWS message is kept after it. */
export function describeEc2Error(error: unknown, action: string, region: string | undefined): FleetError {
  const name = (error as { name?: string }).name ?? '';
  const message = error instanceof Error ? error.message : String(error);
  const where = region ? ` in ${region}` : '';
  if (DENIED.has(name)) {
    return new FleetError(`AWS denied ec2:${action}${where}: ${message} (the credentials' IAM policy must allow ec2:${action})`, { cause: error });
  }
  if (NO_CREDENTIALS.has(name)) {
    return new FleetError(`No AWS credentials for ec2:${action}${where}: ${message}`, { cause: error });
  }
  return new FleetError(`ec2:${action}${where} failed: ${name ? `${name}: ` : ''}${message}`, { cause: error });
}

/** Runs an EC2 call, turning its failures into a FleetError. */
export async function ec2Call<T>(action: string, region: string | undefined, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw describeEc2Error(error, action, region);
  }
}
