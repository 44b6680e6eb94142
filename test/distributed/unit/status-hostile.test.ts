// `bitbench status` shows what workers on other machines report about themselves (hostname,
// CPU model) and what a matrix calls itself: printed, none of it may drive the terminal.
import { describe, expect, it } from 'vitest';
import { formatStatus } from '../../../coordinator/distributed/format-status.js';
import type { StatusSnapshot } from '../../../coordinator/distributed/run-status.js';
import type { WorkerRecord } from '../../../runner/broker/worker-registry.js';
import { terminalText } from '../../../reports/text-safety/terminal-text.js';
import { BIDI_OVERRIDE, NUL_BYTE, RAW_CONTROL, TERMINAL_SEQUENCES } from '../../helpers/hostile-text.js';

const hostileWorker: WorkerRecord = {
  id: `w-${TERMINAL_SEQUENCES}`,
  instanceType: 'c7g.large',
  instanceTypeSource: 'flag',
  queue: 'bitbench-c7g.large',
  host: `host\r${BIDI_OVERRIDE}`,
  pid: 1,
  cpu: { model: `${TERMINAL_SEQUENCES} ${NUL_BYTE}`, microarchitecture: BIDI_OVERRIDE, isa: 'neon\u009b2J', logicalCpus: 2 },
  startedAt: '2025-01-01T10:00:00.000Z',
  lastSeen: '2025-01-01T10:05:00.000Z',
  state: 'busy',
  currentJob: `job\x1b[1A`,
  jobsDone: 1,
  jobsFailed: 0,
  busyMs: 0,
  fingerprint: {},
};

const snapshot: StatusSnapshot = {
  at: '2025-01-01T10:05:00.000Z',
  hiddenComplete: 0,
  runs: [{ runId: 'run-1', matrixName: `m ${BIDI_OVERRIDE} \u009b2J`, createdAt: '2025-01-01T10:00:00.000Z', cancelled: false, etaSeconds: 10, queues: [] }],
  workers: [hostileWorker],
};

describe('status text with hostile worker and matrix strings', () => {
  it('prints every line, with no control character left to act', () => {
    const text = formatStatus(snapshot);
    const printed = terminalText(text);
    expect(printed).not.toMatch(RAW_CONTROL);
    expect(printed.split('\n')).toHaveLength(text.split('\n').length);
    expect(printed).toContain('\\u001b]0;pwned');
  });
});
