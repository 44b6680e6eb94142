// The Redis keys bitbench keeps beside BullMQ's own (`bull:<queue>:...`): what a run is, which of
// its jobs were collected, whether it was cancelled, and the live workers. Both the worker and
// the coordinator read them, so they are named here once.

const ROOT = 'bitbench';

export const brokerKeys = {
  /** Set of every run id enqueued on this broker. */
  runs: `${ROOT}:runs`,
  /** JSON: the run's matrix, seed, queues and job counts (written by enqueue). */
  run: (runId: string) => `${ROOT}:run:${runId}`,
  /** Set of the run's job ids already moved into a store: never enqueued or collected again. */
  collected: (runId: string) => `${ROOT}:run:${runId}:collected`,
  /** Present once the run is cancelled: workers skip its jobs. */
  cancelled: (runId: string) => `${ROOT}:run:${runId}:cancelled`,
  /** JSON heartbeat of one worker, expiring unless renewed. */
  worker: (workerId: string) => `${ROOT}:worker:${workerId}`,
  workerPattern: `${ROOT}:worker:*`,
} as const;
