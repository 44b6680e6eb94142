// `npm run bench:startup`: what `bitbench --help` and `bitbench export --help` cost against Node's
// own start-up (`node -e 0`), median wall time and peak RSS of several runs each. The target is
// 0.3 s and 80 MB: help must not load the addon, SQLite's queries, BullMQ, Vega or the AWS SDK.
// Peak RSS comes from GNU time (/usr/bin/time -f %M) where it is installed.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../native/package-root.js';
import { cpuModel } from './cpu-model.js';

const RUNS = Number(process.env.BITBENCH_STARTUP_RUNS ?? 9);
const GNU_TIME = '/usr/bin/time';
const cli = join(packageRoot(), 'bin', 'bitbench.js');

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** One run: wall seconds, and peak RSS in MB where GNU time can say. */
function runOnce(args: string[]): { seconds: number; rssMB: number | null } {
  const useTime = existsSync(GNU_TIME);
  const [command, argv] = useTime ? [GNU_TIME, ['-f', '%M', process.execPath, ...args]] : [process.execPath, args];
  const started = performance.now();
  const run = spawnSync(command, argv, { encoding: 'utf8' });
  const seconds = (performance.now() - started) / 1000;
  if (run.status !== 0) throw new Error(`node ${args.join(' ')} exited ${run.status}: ${run.stderr}`);
  const kb = useTime ? Number(run.stderr.trim().split('\n').at(-1)) : NaN;
  return { seconds, rssMB: Number.isFinite(kb) ? kb / 1024 : null };
}

function measure(label: string, args: string[]): void {
  runOnce(args); // warms the file cache, as a user's second call would find it
  const runs = Array.from({ length: RUNS }, () => runOnce(args));
  const rss = runs.map((r) => r.rssMB).filter((v): v is number => v !== null);
  const rssText = rss.length ? `${median(rss).toFixed(1).padStart(6)} MB` : '   (no GNU time: RSS not measured)';
  console.log(`${label.padEnd(26)} ${median(runs.map((r) => r.seconds)).toFixed(3)} s  ${rssText}`);
}

console.log(`${cpuModel()}, ${availableParallelism()} CPUs, node ${process.version}; median of ${RUNS} runs`);
measure('node -e 0', ['-e', '0']);
measure('bitbench --help', [cli, '--help']);
measure('bitbench export --help', [cli, 'export', '--help']);
