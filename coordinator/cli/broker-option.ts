// `--redis URL` for the distributed commands, falling back to $BITBENCH_REDIS_URL (how the
// container gets it: from SSM, into the environment, never onto a command line or into a log).
import { parseRedisUrl, RedisUrlError, REDIS_URL_ENV, type BrokerAddress } from '../../runner/broker/redis-url.js';
import { BrokerSession } from '../distributed/broker-session.js';
import { UsageError } from './cli-error.js';

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

/** Opens a session for a command, printing the broker's warnings on stderr. */
export function openBroker(flag: string | undefined): Promise<BrokerSession> {
  return BrokerSession.open(brokerAddress(flag), { onWarning: (line) => process.stderr.write(`${line}\n`) });
}
