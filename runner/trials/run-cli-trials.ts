// Trials for `bitbench kernel` and `bitbench model --trials N`: one cell, trial after trial.
// Kernel trials run each in a fresh sandbox process by default ('fresh'), as re-runs would;
// 'same' runs them in this process (each still prepares and allocates anew), to see what the
// process boundary changes (`npm run bench:repeatability` compares both). Model trials run in
// this process: a model trial already builds its weights and KV cache anew, and a fresh process
// per 2B-4T trial would add seconds for nothing the build does not already redo.
import { hostname } from 'node:os';
import { runKernelJob, type KernelJobSpec, type KernelResult } from '../kernel-job.js';
import { runModelJob, type ModelJobSpec, type ModelResult } from '../model-job.js';
import { JobSandbox } from '../sandbox/job-sandbox.js';
import { combineKernelTrials } from './combine-kernel-trials.js';
import { combineModelTrials } from './combine-model-trials.js';
import { runSandboxTrials } from './run-job-trials.js';

export const TRIAL_PROCESS_MODES = ['fresh', 'same'] as const;
export type TrialProcessMode = (typeof TRIAL_PROCESS_MODES)[number];

// A trial is seconds; this only catches a hung kernel.
const TRIAL_TIMEOUT_MS = 30 * 60_000;

export async function runKernelTrials(spec: KernelJobSpec, trials: number, mode: TrialProcessMode): Promise<KernelResult> {
  const host = hostname();
  const targetCv = spec.targetCv ?? 0;
  if (mode === 'fresh') {
    const sandbox = new JobSandbox();
    try {
      const outcome = await runSandboxTrials(sandbox, { id: 'kernel', kind: 'kernel', spec }, { trials, timeoutMs: TRIAL_TIMEOUT_MS, host, targetCv });
      if (!outcome.ok) throw new Error(outcome.reason);
      return outcome.result as KernelResult;
    } finally {
      sandbox.close();
    }
  }
  const measured = [];
  for (let trial = 0; trial < trials; trial++) {
    const startedAt = new Date().toISOString();
    const result = await runKernelJob(spec);
    measured.push({ result, placement: { trial, host, startedAt, finishedAt: new Date().toISOString() } });
  }
  return combineKernelTrials(measured, targetCv);
}

export async function runModelTrials(
  spec: ModelJobSpec,
  trials: number,
  onProgress?: (tokensDone: number, tokensTotal: number) => void,
): Promise<ModelResult> {
  const host = hostname();
  const measured = [];
  for (let trial = 0; trial < trials; trial++) {
    const startedAt = new Date().toISOString();
    const result = await runModelJob(spec, onProgress);
    measured.push({ result, placement: { trial, host, startedAt, finishedAt: new Date().toISOString() } });
  }
  return combineModelTrials(measured);
}
