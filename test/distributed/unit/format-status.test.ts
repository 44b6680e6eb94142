// `bitbench status` as text, from a snapshot made by hand: what a person reads while a fleet run
// is going must show every count, the ETA or why there is none, and what each worker runs on.
import { describe, expect, it } from 'vitest';
import { formatDuration, formatStatus } from '../../../coordinator/distributed/format-status.js';
import type { QueueStatus, StatusSnapshot } from '../../../coordinator/distributed/run-status.js';
import type { WorkerRecord } from '../../../runner/broker/worker-registry.js';

function queue(overrides: Partial<QueueStatus> & Pick<QueueStatus, 'queue' | 'instanceType'>): QueueStatus {
  return {
    total: 0,
    waiting: 0,
    retrying: 0,
    active: 0,
    completed: 0,
    failed: 0,
    collected: 0,
    missing: 0,
    workers: 0,
    etaSeconds: 0,
    etaNote: null,
    ...overrides,
  };
}

function worker(overrides: Partial<WorkerRecord> & Pick<WorkerRecord, 'id' | 'instanceType'>): WorkerRecord {
  return {
    instanceTypeSource: 'flag',
    queue: `bitbench-${overrides.instanceType}`,
    host: 'host-a',
    pid: 4242,
    cpu: { model: 'Intel(R) Xeon(R) Platinum 8488C', microarchitecture: 'sapphirerapids', isa: 'avx512', logicalCpus: 2 },
    startedAt: '2025-01-01T10:00:00.000Z',
    lastSeen: '2025-01-01T10:05:00.000Z',
    state: 'idle',
    currentJob: null,
    jobsDone: 0,
    jobsFailed: 0,
    busyMs: 0,
    fingerprint: {},
    ...overrides,
  };
}

const snapshot: StatusSnapshot = {
  at: '2025-01-01T10:05:00.000Z',
  hiddenComplete: 0,
  runs: [
    {
      runId: 'sweep-0a1b2c3d',
      matrixName: 'sweep',
      createdAt: '2025-01-01T10:00:00.000Z',
      cancelled: false,
      etaSeconds: 150,
      queues: [
        queue({ queue: 'bitbench-c7i.large', instanceType: 'c7i.large', total: 20, waiting: 5, retrying: 1, active: 1, completed: 3, failed: 1, collected: 9, workers: 1, etaSeconds: 150 }),
        queue({ queue: 'bitbench-c7g.large', instanceType: 'c7g.large', total: 20, waiting: 20, etaSeconds: null, etaNote: 'no worker' }),
      ],
    },
    {
      runId: 'old-run',
      matrixName: 'old.yaml',
      createdAt: '2024-12-31T09:00:00.000Z',
      cancelled: true,
      etaSeconds: 0,
      queues: [queue({ queue: 'bitbench-m7i.large', instanceType: 'm7i.large', total: 4, collected: 1, missing: 3 })],
    },
  ],
  workers: [
    worker({ id: 'host-a-4242-beef', instanceType: 'c7i.large', instanceTypeSource: 'imds', state: 'busy', currentJob: '0123456789abcdef', jobsDone: 12, jobsFailed: 1 }),
    worker({ id: 'laptop-7-cafe', instanceType: 'c7g.large', cpu: { model: 'Neoverse-V1', microarchitecture: 'neoverse-v1', isa: null, logicalCpus: 2 } }),
  ],
};

/** The line that starts with `prefix` after its indentation; fails the test when there is none. */
function lineStarting(text: string, prefix: string): string {
  const line = text.split('\n').find((l) => l.trimStart().startsWith(prefix));
  expect(line, `a line starting with '${prefix}' in:\n${text}`).toBeDefined();
  return line!;
}

/** The whitespace-separated cells of a table row. */
const cells = (line: string) => line.trim().split(/\s+/);

describe('formatStatus', () => {
  const text = formatStatus(snapshot);

  it('heads each run with its id, matrix, enqueue time and state', () => {
    expect(text.split('\n')[0]).toBe('run sweep-0a1b2c3d (sweep, enqueued 2025-01-01T10:00:00.000Z): ETA 2 min 30 s');
    expect(text).toContain('run old-run (old.yaml, enqueued 2024-12-31T09:00:00.000Z): cancelled');
  });

  it('has a header naming every column', () => {
    expect(cells(lineStarting(text, 'queue'))).toEqual(['queue', 'waiting', 'retrying', 'active', 'finished', 'failed', 'collected', 'workers', 'ETA']);
  });

  it('prints each queue with its counts in column order and its ETA', () => {
    expect(cells(lineStarting(text, 'bitbench-c7i.large'))).toEqual(['bitbench-c7i.large', '5', '1', '1', '3', '1', '9', '1', '2', 'min', '30', 's']);
  });

  it('says why a queue has no ETA', () => {
    expect(lineStarting(text, 'bitbench-c7g.large')).toMatch(/ 20 +0 +0 +0 +0 +0 +0 +no worker$/);
  });

  it('counts the finished jobs that wait for collect, and the jobs gone from a queue', () => {
    expect(text).toContain('  4 finished jobs wait for bitbench collect');
    expect(text).toContain('3 jobs neither queued nor collected (cancelled or removed)');
  });

  it('says a run with nothing left is done rather than giving it an ETA', () => {
    const done = formatStatus({ ...snapshot, runs: [{ ...snapshot.runs[1]!, cancelled: false }] });
    expect(done.split('\n')[0]).toBe('run old-run (old.yaml, enqueued 2024-12-31T09:00:00.000Z): nothing left to run');
  });

  it('lists the live workers with their CPU tags and where their instance type came from', () => {
    expect(text).toContain('workers: 2 live');
    const busy = lineStarting(text, 'host-a-4242-beef');
    expect(busy).toContain('c7i.large (from EC2 metadata)');
    expect(busy).toContain('busy job 0123456789abcdef');
    expect(busy).toContain('Intel(R) Xeon(R) Platinum 8488C (sapphirerapids, avx512, 2 CPUs)');
    expect(busy).toContain('12 done, 1 failed');
    const idle = lineStarting(text, 'laptop-7-cafe');
    expect(idle).toContain('c7g.large (claimed)');
    expect(idle).toContain('Neoverse-V1 (neoverse-v1, no ISA, 2 CPUs)');
  });

  it('tells how to add a run when the broker has none', () => {
    expect(formatStatus({ at: snapshot.at, runs: [], hiddenComplete: 0, workers: [] })).toBe(
      'no runs on this broker (bitbench enqueue MATRIX adds one)\n\nworkers: 0 live\n',
    );
  });

  it('says how many fully collected runs it left out, and how to see them', () => {
    expect(formatStatus({ at: snapshot.at, runs: [], hiddenComplete: 2, workers: [] })).toBe(
      '2 run(s) fully collected, not shown (--all shows them)\n\nworkers: 0 live\n',
    );
  });
});

describe('formatDuration', () => {
  it.each([
    [null, '?'],
    [0, '0 s'],
    [4.4, '4 s'],
    [59, '59 s'],
    [60, '1 min 0 s'],
    [150, '2 min 30 s'],
    [3599, '59 min 59 s'],
    [3600, '1 h 0 min'],
    [5400, '1 h 30 min'],
    [90_000, '25 h 0 min'],
  ])('%s s reads %j', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  // Rounded before splitting into units: just under a minute or an hour never reads '60'.
  it.each([
    [59.6, '1 min 0 s'],
    [119.7, '2 min 0 s'],
    [7199, '2 h 0 min'],
  ])('%s s reads %j, never 60 of a unit', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});
