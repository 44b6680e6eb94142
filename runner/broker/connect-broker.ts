// One connection to the broker that has answered PING, or an error that says why not with the
// password redacted. The worker and every coordinator command connect through it.
import { Redis } from 'ioredis';
import { redactSecrets, type BrokerAddress } from './redis-url.js';

export const CONNECT_TIMEOUT_MS = 10_000;

export class BrokerUnreachableError extends Error {
  override name = 'BrokerUnreachableError';
  readonly code = 'ERR_BITBENCH_BROKER';
}

/** Connects and checks the server answers; rejects with BrokerUnreachableError, the URL redacted. */
export async function connectBroker(address: BrokerAddress): Promise<Redis> {
  const redis = new Redis({ ...address.options, lazyConnect: true });
  let lastError = '';
  // Also keeps ioredis from printing "Unhandled error event" while it reconnects later on.
  redis.on('error', (error: Error) => {
    lastError = redactSecrets(error.message, address);
  });
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      redis.connect().then(() => redis.ping()),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(lastError || `no answer within ${CONNECT_TIMEOUT_MS / 1000} s`)), CONNECT_TIMEOUT_MS);
      }),
    ]);
  } catch (error) {
    redis.disconnect();
    // The connection's own error (WRONGPASS, a certificate problem) says more than the
    // "Connection is closed" that connect() rejects with after it.
    const raw = error instanceof Error ? error.message : String(error);
    const message = lastError && /closed|no answer/i.test(raw) ? lastError : redactSecrets(raw, address);
    throw new BrokerUnreachableError(`cannot reach Redis at ${address.display}: ${message}`);
  } finally {
    clearTimeout(timer);
  }
  return redis;
}
