// `--redis URL` for the distributed commands, falling back to $BITBENCH_REDIS_URL (how the
// container gets it: from SSM, into the environment, never onto a command line or into a log).
import { parseRedisUrl, RedisUrlError, REDIS_URL_ENV, type BrokerAddress } from '../../runner/broker/redis-url.js';
import { BrokerSession } from '../distributed/broker-session.js';
import { DEFAULT_BROKER_WAIT_S } from '../../runner/broker/wait-for-broker.js';
import { positiveInteger } from './option-parsing.js';
import { UsageError } from './cli-error.js';
import { terminalText } from '../../reports/text-safety/terminal-text.js';

export const REDIS_OPTION_HELP = `  --redis URL          the broker: redis://[:PASSWORD@]HOST:PORT[/DB], or rediss:// for TLS
                       (default: $${REDIS_URL_ENV}); the password is never printed`;

export function brokerAddress(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): BrokerAddress {
  const text = flag ?? env[REDIS_URL_ENV];
  if (text === undefined || text.trim() === '') {
    throw new UsageError(`--redis: expected the broker's URL (redis://HOST:6379), or $${REDIS_URL_ENV} set`);
  }
  try {
    return parseRedisUrl(text.trim(), flag === undefined ? `$${REDIS_URL_ENV}` : '--redis');
  } catch (error) {
    if (error instanceof RedisUrlError) throw new UsageError(error.message);
    throw error;
  }
}

export const WAIT_FOR_BROKER_OPTION_HELP = `  --wait-for-broker S  seconds to keep trying a broker that does not answer yet (default:
                       ${DEFAULT_BROKER_WAIT_S}); a wrong password or certificate fails at once`;

/** --wait-for-broker in milliseconds. */
export function brokerWaitMs(text: string | undefined): number {
  return positiveInteger('wait-for-broker', text, DEFAULT_BROKER_WAIT_S) * 1000;
}

/** A line on stderr, stamped: what a long-running command (worker, collect --follow) logs. */
export function logLine(text: string): void {
  process.stderr.write(`${new Date().toISOString()} ${terminalText(text)}\n`);
}

/**
 * Opens a session for a command, printing the broker's warnings on stderr. With waitMs, a
 * broker that does not answer yet is waited for (saying so once per reason).
 */
export function openBroker(flag: string | undefined, waitMs?: number): Promise<BrokerSession> {
  const address = brokerAddress(flag);
  return BrokerSession.open(address, {
    onWarning: (line) => process.stderr.write(`${terminalText(line)}\n`),
    ...(waitMs ? { wait: { waitMs, onWaiting: (message: string) => logLine(`${message}; waiting for it (up to ${Math.round(waitMs / 1000)} s)`) } } : {}),
  });
}
