// One connection to the broker for a coordinator command (enqueue, status, collect, cancel), and
// the BullMQ queues it touches, sharing that connection. A broker that does not answer at first
// is a clear error; after that, a broker that goes away is waited for (ioredis reconnects).
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { redactSecrets, type BrokerAddress } from '../../runner/broker/redis-url.js';
import { brokerWarning } from '../../runner/broker/broker-check.js';

export const CONNECT_TIMEOUT_MS = 10_000;

export class BrokerUnreachableError extends Error {
  override name = 'BrokerUnreachableError';
  readonly code = 'ERR_BITBENCH_BROKER';
}

export class BrokerSession {
  private readonly queues = new Map<string, Queue>();
  private lastError = '';

  private constructor(
    readonly address: BrokerAddress,
    readonly redis: Redis,
  ) {}

  /** Connects and checks the server answers; rejects with the URL redacted. */
  static async open(address: BrokerAddress, options: { onWarning?: (line: string) => void } = {}): Promise<BrokerSession> {
    const redis = new Redis({ ...address.options, lazyConnect: true });
    const session = new BrokerSession(address, redis);
    redis.on('error', (error: Error) => {
      session.lastError = redactSecrets(error.message, address);
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        redis.connect().then(() => redis.ping()),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(session.lastError || `no answer within ${CONNECT_TIMEOUT_MS / 1000} s`)), CONNECT_TIMEOUT_MS);
        }),
      ]);
    } catch (error) {
      redis.disconnect();
      // The connection's own error (WRONGPASS, a certificate problem) says more than the
      // "Connection is closed" that connect() rejects with after it.
      const raw = error instanceof Error ? error.message : String(error);
      const message = session.lastError && /closed|no answer/i.test(raw) ? session.lastError : redactSecrets(raw, address);
      throw new BrokerUnreachableError(`cannot reach Redis at ${address.display}: ${message}`);
    } finally {
      clearTimeout(timer);
    }
    const warning = await brokerWarning(redis, address.display).catch(() => null);
    if (warning) options.onWarning?.(warning);
    return session;
  }

  /** The BullMQ queue of that name, on this session's connection. */
  queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.redis });
      queue.on('error', () => undefined); // the shared connection's own handler reports it
      this.queues.set(name, queue);
    }
    return queue;
  }

  async close(): Promise<void> {
    // Queues on a shared connection do not close it; the session does, once.
    await Promise.all([...this.queues.values()].map((queue) => queue.close().catch(() => undefined)));
    this.redis.disconnect();
  }
}
