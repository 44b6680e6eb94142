// A fleet boots its runners and its broker together, and an operator may start `collect
// --follow` before `pulumi up` has finished: a broker that does not answer yet is waited for,
// up to a deadline. What waiting cannot fix (the credentials, the certificate) fails at once.
import { setTimeout as delay } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { connectBroker } from './connect-broker.js';
import type { BrokerAddress } from './redis-url.js';

/** `--wait-for-broker`'s default, in seconds. */
export const DEFAULT_BROKER_WAIT_S = 300;
const RETRY_MS = 2_000;

const PERMANENT_BROKER_ERROR = /WRONGPASS|NOAUTH|invalid username-password|certificate|self-signed|ERR_TLS/i;

export interface WaitForBrokerOptions {
  waitMs: number;
  /** Called once per distinct reason the broker is not there yet. */
  onWaiting?: (message: string) => void;
}

export async function waitForBroker(address: BrokerAddress, options: WaitForBrokerOptions): Promise<Redis> {
  const deadline = Date.now() + options.waitMs;
  let said = '';
  for (;;) {
    try {
      return await connectBroker(address);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (PERMANENT_BROKER_ERROR.test(message) || Date.now() >= deadline) throw error;
      if (message !== said) options.onWaiting?.(message);
      said = message;
      await delay(RETRY_MS);
    }
  }
}
