// What goes into the result store and what comes out: runs, results (one per job, first one
// wins), trials (one per trial of a job, first one wins) and failures (one per attempt).
export const DEFAULT_STORE_FILE = './bitbench-results/bitbench.sqlite';

export const RUN_STATUSES = ['running', 'finished', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];
export const RESULT_KINDS = ['kernel', 'model'] as const;
export type ResultKind = (typeof RESULT_KINDS)[number];

export interface NewRun {
  id: string;
  startedAt: string;
  matrixName: string;
  /** The validated matrix as run (a JSON object). */
  matrix: unknown;
  /** Seed of the randomized job order, so the run can be replayed. */
  orderSeed: number;
  /** Job ids in the order they are run (the first round's order when jobs run as trials). */
  order: string[];
  instanceType: string;
  fingerprint: unknown;
  toolVersion: string;
}

export interface StoredRun extends NewRun {
  finishedAt: string | null;
  status: RunStatus;
}

export interface StoredResult {
  jobId: string;
  runId: string;
  kind: ResultKind;
  instanceType: string;
  path: string;
  /** The ISA that actually ran. */
  isa: string;
  spec: unknown;
  /** The full result (KernelResult or ModelResult, every trial and sample included). */
  result: unknown;
  fingerprint: unknown;
  medianNs?: number;
  tokensPerS?: number;
  noisy: boolean;
  startedAt: string;
  finishedAt: string;
  /**
   * Host identity (EC2 instance id, else the hostname) of the machine that measured it. Absent:
   * the result's own `host`, else the fingerprint's instance id, else unknown.
   */
  host?: string;
}

/** One trial of a job, stored as it finishes (so a resumed run keeps finished trials). */
export interface NewTrial {
  jobId: string;
  runId: string;
  /** 0-based; in an interleaved run also its round. */
  trial: number;
  /** Place in its round's order (0-based). */
  position?: number;
  host?: string;
  /** The trial's own result (one sitting's KernelResult or ModelResult). */
  result: unknown;
  startedAt: string;
  finishedAt: string;
}

export type StoredTrial = NewTrial;

export interface NewFailure {
  jobId: string;
  runId: string;
  /** What happened: 'timeout after 60 s', 'exit code 1', the error message. */
  reason: string;
  /** The signal that ended the sandbox process (SIGSEGV, SIGKILL), if one did. */
  signal?: string | null;
  /** When it failed (default: now). */
  at?: string;
  /** Where it failed, when the run spans several instance types (a fleet run). */
  instanceType?: string;
}

export interface StoredFailure {
  jobId: string;
  runId: string;
  reason: string;
  signal: string | null;
  at: string;
  /** 1 for the job's first failure in its run, 2 for its second, ... */
  attempt: number;
  /** Where it failed; null for a failure of a run on one instance type (the run's). */
  instanceType: string | null;
}

export interface OpenOptions {
  /** Open for reading only (implies mustExist): what export and reports use. */
  readonly?: boolean;
  /** Refuse a missing file instead of creating an empty store. */
  mustExist?: boolean;
  /**
   * Told about each stored row that cannot be read (it is skipped, never fatal to a listing or
   * a report). Default: one line on stderr.
   */
  onWarning?: (message: string) => void;
}

/** The store file asked for does not exist (and was not created). */
export class StoreNotFoundError extends Error {
  override name = 'StoreNotFoundError';
  readonly code = 'ERR_BITBENCH_NO_STORE';
  constructor(readonly file: string) {
    super(`No bitbench result store at ${file}`);
  }
}
