// The status snapshot as text: one table per run, then the live workers with their CPU tags.
import type { StatusSnapshot } from './run-status.js';
import { maxOf } from '../../reports/number-extremes.js';

export function formatDuration(seconds: number | null): string {
  if (seconds === null) return '?';
  // Rounded first, so 59.6 s reads '1 min 0 s', never '60 s'.
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  const m = Math.round(seconds / 60);
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

const COLUMNS = ['waiting', 'retrying', 'active', 'finished', 'failed', 'collected', 'workers', 'ETA'] as const;

export function formatStatus(snapshot: StatusSnapshot): string {
  const lines: string[] = [];
  if (snapshot.runs.length === 0 && snapshot.hiddenComplete === 0) lines.push('no runs on this broker (bitbench enqueue MATRIX adds one)');
  if (snapshot.hiddenComplete > 0) lines.push(`${snapshot.hiddenComplete} run(s) fully collected, not shown (--all shows them)`);
  for (const run of snapshot.runs) {
    const done = run.queues.every((q) => q.waiting + q.retrying + q.active === 0);
    const state = run.cancelled ? 'cancelled' : done ? 'nothing left to run' : `ETA ${formatDuration(run.etaSeconds)}`;
    lines.push(`run ${run.runId} (${run.matrixName}, enqueued ${run.createdAt}): ${state}`);
    const width = maxOf(run.queues.map((q) => q.queue.length), 24);
    lines.push(`  ${'queue'.padEnd(width)} ${COLUMNS.map((c) => c.padStart(9)).join(' ')}`);
    for (const q of run.queues) {
      const eta = q.etaNote ?? formatDuration(q.etaSeconds);
      const cells = [q.waiting, q.retrying, q.active, q.completed, q.failed, q.collected, q.workers].map((n) => String(n).padStart(9));
      lines.push(`  ${q.queue.padEnd(width)} ${cells.join(' ')} ${eta.padStart(9)}`);
      if (q.missing > 0) lines.push(`  ${''.padEnd(width)} ${q.missing} jobs neither queued nor collected (cancelled or removed)`);
    }
    const uncollected = run.queues.reduce((sum, q) => sum + q.completed + q.failed, 0);
    if (uncollected > 0) lines.push(`  ${uncollected} finished jobs wait for bitbench collect`);
  }
  lines.push('');
  lines.push(`workers: ${snapshot.workers.length} live`);
  for (const w of snapshot.workers) {
    const job = w.currentJob ? ` job ${w.currentJob}` : '';
    lines.push(
      `  ${w.id}  ${w.instanceType} (${w.instanceTypeSource === 'imds' ? 'from EC2 metadata' : 'claimed'})  ${w.state}${job}  ` +
        `${w.cpu.model} (${w.cpu.microarchitecture}, ${w.cpu.isa ?? 'no ISA'}, ${w.cpu.logicalCpus} CPUs)  ${w.jobsDone} done, ${w.jobsFailed} failed`,
    );
  }
  return lines.join('\n') + '\n';
}
