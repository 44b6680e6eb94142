// One connection to the broker for a coordinator command (enqueue, status, collect, cancel), and
// the BullMQ queues it touches, sharing that connection. A broker that does not answer at first
// is a clear error (or, when the command asks, waited for up to a deadline); after that, a
// broker that goes away is waited for (ioredis reconnects).
import type { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import { type BrokerAddress } from '../../runner/broker/redis-url.js';
import { brokerWarning } from '../../runner/broker/broker-check.js';
import { connectBroker } from '../../runner/broker/connect-broker.js';
import { waitForBroker, type WaitForBrokerOptions } from '../../runner/broker/wait-for-broker.js';

export { BrokerUnreachableError, CONNECT_TIMEOUT_MS } from '../../runner/broker/connect-broker.js';

export interface OpenBrokerOptions {
  onWarning?: (line: string) => void;
  /** Keep trying a broker that does not answer yet (collect --follow); default: fail at once. */
  wait?: WaitForBrokerOptions;
}

export class BrokerSession {
  private readonly queues = new Map<string, Queue>();

  private constructor(
    readonly address: BrokerAddress,
    readonly redis: Redis,
  ) {}

  /** Connects and checks the server answers; rejects with the URL redacted. */
  static async open(address: BrokerAddress, options: OpenBrokerOptions = {}): Promise<BrokerSession> {
    const redis = options.wait ? await waitForBroker(address, options.wait) : await connectBroker(address);
    const session = new BrokerSession(address, redis);
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
