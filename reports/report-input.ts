// What a report is built from: the stored runs, results and failures, typed structurally (the
// coordinator's StoredRun/StoredResult/StoredFailure fit), so reports do not import the
// coordinator. Results arrive from remote machines and from older or newer runners: every
// field past these is read defensively (read-json.ts).

export interface ReportRunInput {
  id: string;
  startedAt: string;
  finishedAt?: string | null;
  status?: string;
  matrixName?: string;
  instanceType: string;
  fingerprint?: unknown;
  toolVersion?: string;
  /** The run's matrix (its `prices` give the cost table). */
  matrix?: unknown;
}

export interface ReportResultInput {
  jobId: string;
  runId: string;
  kind: string;
  instanceType: string;
  path: string;
  isa: string;
  spec: unknown;
  result: unknown;
  fingerprint: unknown;
  medianNs?: number;
  tokensPerS?: number;
  noisy: boolean;
}

export interface ReportFailureInput {
  jobId: string;
  runId: string;
  reason: string;
  signal?: string | null;
  at: string;
  attempt?: number;
  /** Where it failed, for a fleet run; else the run's instance type is meant. */
  instanceType?: string | null;
}

export interface ReportInput {
  runs: readonly ReportRunInput[];
  results: readonly ReportResultInput[];
  failures?: readonly ReportFailureInput[];
  /** Results of the runs to compare against (`--baseline RUN_ID`): each cell's change. */
  baseline?: { runs: readonly ReportRunInput[]; results: readonly ReportResultInput[] };
}
