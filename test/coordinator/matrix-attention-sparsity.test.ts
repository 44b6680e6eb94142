// Attention sparsity as a matrix axis: `none`, a mode with its level, or a window with its global
// tokens, travelling together like the activation axis; bitbench only; and the fields the model
// job reads, in the job spec, the sandbox message and the fleet's memory jobs.
import { describe, expect, it } from 'vitest';
import { expandMatrix } from '../../coordinator/matrix/expand-matrix.js';
import { MatrixError, parseMatrixText } from '../../coordinator/matrix/load-matrix.js';
import { DEFAULT_ATTENTION_GLOBAL } from '../../runner/protocol/names.js';
import { modelMemoryJobs } from '../../coordinator/fleet/check-report.js';
import { MODEL_COMMAND_DEFAULTS } from '../../coordinator/cli/model-command.js';
import { parseJobSpec, type JobSpec, type JobSpecOf } from '../../runner/protocol/job-spec.js';
import { jobIdFor } from '../../runner/protocol/job-id.js';
import { describeJob, sandboxJobFor } from '../../runner/sandbox/sandbox-job.js';
import type { Fingerprint } from '../../runner/fingerprint/fingerprint.js';

const modelsOf = (jobs: JobSpec[]) => jobs.filter((job): job is JobSpecOf<'model'> => job.kind === 'model');
const parse = (text: string) => parseMatrixText(text, 'inline.yaml', 'yaml');
const expand = (text: string) => modelsOf(expandMatrix(parse(text), { runId: 'r', hardwareThreads: 2 }));

function problemsOf(text: string): string[] {
  try {
    parse(text);
  } catch (error) {
    expect(error).toBeInstanceOf(MatrixError);
    return (error as MatrixError).problems.map((p) => `${p.path}: ${p.message}`);
  }
  throw new Error('expected a MatrixError, but the matrix was accepted');
}

const AXIS = '[none, { mode: window, window: 64 }, { mode: top-k, level: 0.5 }, { mode: threshold, level: 0.01 }, { mode: dynamic, level: 0.9 }]';
const SECTION = 'presets: [tiny], engines: [bitbench, llama.cpp], batch: [1], prompt: 8, tokens: 4, threads: [1], context: [256]';
const MODELS = `models: { ${SECTION}, attentionSparsity: ${AXIS} }\n`;
const withAxis = (value: string) => `models: { ${SECTION}, attentionSparsity: ${value} }\n`;

/** How a job's attention setting reads in these tests: 'dense', 'window 64+4', 'top-k 0.5'. */
function attentionOf(value: object): string {
  const job = value as Record<string, unknown>;
  if (job.attentionSparsity === undefined) return 'dense';
  if (job.attentionSparsity === 'window') return `window ${job.attentionWindow}+${job.attentionGlobal}`;
  return `${job.attentionSparsity} ${job.attentionLevel}`;
}

describe('the attentionSparsity axis', () => {
  it('multiplies the jobs, each with the fields the model job reads; window takes the default global tokens', () => {
    const jobs = expand(MODELS);
    const bitbench = jobs.filter((job) => job.engine === undefined);
    expect(bitbench.map((job) => attentionOf(job))).toEqual(['dense', 'window 64+4', 'top-k 0.5', 'threshold 0.01', 'dynamic 0.9']);
    expect(new Set(bitbench.map((job) => job.id)).size).toBe(5);
    const window = bitbench.find((job) => attentionOf(job) === 'window 64+4')! as Record<string, unknown>;
    expect(window).not.toHaveProperty('attentionLevel');
    const topK = bitbench.find((job) => attentionOf(job) === 'top-k 0.5')! as Record<string, unknown>;
    expect(topK).not.toHaveProperty('attentionWindow');
    expect(topK).not.toHaveProperty('attentionGlobal');
    // An explicit global, 0 included, is kept.
    expect(expand(withAxis('[{ mode: window, window: 64, global: 0 }]')).map((job) => attentionOf(job))).toEqual(['window 64+0']);
  });

  it('the default global tokens are bitbench model\'s', () => {
    expect(DEFAULT_ATTENTION_GLOBAL).toBe(MODEL_COMMAND_DEFAULTS.attentionGlobal);
  });

  it('none writes no field, so a dense job keeps the id it had before the axis', () => {
    const before = expand(`models: { ${SECTION} }\n`);
    const dense = expand(MODELS).filter((job) => (job as Record<string, unknown>).attentionSparsity === undefined);
    expect(dense.map((job) => job.id)).toEqual(before.map((job) => job.id));
    for (const job of dense) expect(Object.keys(job).some((key) => key.startsWith('attention'))).toBe(false);
  });

  it('llama.cpp drops no attention positions: its cells run dense attention only, as with activation sparsity', () => {
    const llama = expand(MODELS).filter((job) => job.engine === 'llama.cpp');
    expect(llama.map((job) => attentionOf(job))).toEqual(['dense']);
    // A llama.cpp-only section with sparse attention alone makes no job, and is not an error.
    expect(expand(`models: { ${SECTION.replace('[bitbench, llama.cpp]', '[llama.cpp]')}, attentionSparsity: [{ mode: top-k, level: 0.5 }] }\n`)).toEqual([]);
  });

  it('an exclude entry names the mode', () => {
    const jobs = expand(`models: { ${SECTION}, attentionSparsity: ${AXIS}, exclude: [{ attentionSparsity: [threshold, dynamic] }, { engine: llama.cpp }] }\n`);
    expect(jobs.map((job) => attentionOf(job))).toEqual(['dense', 'window 64+4', 'top-k 0.5']);
    expect(problemsOf(`models: { ${SECTION}, exclude: [{ attentionSparsity: sliding }] }\n`)).toEqual([
      'models.exclude[0].attentionSparsity: expected an attention sparsity mode (none, top-k, threshold, window, dynamic) or a list of them, got "sliding"',
    ]);
  });

  it('bad values name the field and what was expected', () => {
    const bad = (entry: string) => problemsOf(withAxis(`[none, ${entry}]`));
    expect(bad('{ mode: sliding, level: 0.5 }')).toEqual(['models.attentionSparsity[1].mode: expected one of top-k, threshold, window, dynamic']);
    expect(bad('{ mode: top-k, level: 0 }')).toEqual(['models.attentionSparsity[1].level: expected a ratio in (0, 1]']);
    expect(bad('{ mode: dynamic, level: 1.5 }')).toEqual(['models.attentionSparsity[1].level: expected a ratio in (0, 1]']);
    expect(bad('{ mode: threshold }')).toEqual(['models.attentionSparsity[1].level: is required with mode threshold (a ratio in (0, 1])']);
    expect(bad('{ mode: window, window: 0 }')).toEqual(['models.attentionSparsity[1].window: expected a positive integer']);
    expect(bad('{ mode: window, window: 64, global: -1 }')).toEqual(['models.attentionSparsity[1].global: expected a non-negative integer']);
    expect(bad('{ mode: window }')).toEqual(['models.attentionSparsity[1].window: is required with mode window (positions kept at the end, >= 1)']);
    expect(bad('{ mode: window, window: 64, level: 0.5 }')).toEqual(['models.attentionSparsity[1].level: is not used by mode window (it takes window and global)']);
    expect(bad('{ mode: top-k, level: 0.5, window: 64 }')).toEqual(['models.attentionSparsity[1].window: is used by mode window only (top-k takes a level)']);
    expect(bad('{ mode: top-k, level: 0.5, global: 4 }')).toEqual(['models.attentionSparsity[1].global: is used by mode window only (top-k takes a level)']);
    expect(bad('{ mode: top-k, level: 0.5, keep: 3 }')[0]).toMatch(/^models\.attentionSparsity\[1\]: unknown key 'keep'/);
    expect(bad('window')[0]).toMatch(/^models\.attentionSparsity\[1\]: expected none, \{ mode: top-k\|threshold\|dynamic, level: X \} or \{ mode: window, window: N, global: G \}, got "window"/);
    expect(problemsOf(withAxis('[]'))).toEqual(['models.attentionSparsity: must not be empty']);
  });

  it('refuses a window that with its global tokens keeps every position below the context, as bitbench model does', () => {
    // 252 + 4 = 256 reaches the context; 251 + 4 does not.
    expect(problemsOf(withAxis('[none, { mode: window, window: 252 }]'))).toEqual([
      'models.attentionSparsity[1].window: 252 plus 4 global tokens keeps every position below the context (256); use a smaller window or a longer context',
    ]);
    expect(expand(withAxis('[{ mode: window, window: 251 }]'))).toHaveLength(1);
    // Without a context axis, decode starts right after the prompt.
    expect(problemsOf(`models: { ${SECTION.replace(', context: [256]', '')}, attentionSparsity: [{ mode: window, window: 4 }] }\n`)).toEqual([
      'models.attentionSparsity[0].window: 4 plus 4 global tokens keeps every position below the prompt (8) with no context axis; use a smaller window or a longer context',
    ]);
    // Reported once per window, for the first context it covers; llama.cpp cells are not checked (they make no job).
    expect(problemsOf(`models: { ${SECTION.replace('[256]', '[256, 128, 64]')}, attentionSparsity: [{ mode: window, window: 200 }] }\n`)).toEqual([
      'models.attentionSparsity[0].window: 200 plus 4 global tokens keeps every position below the context (128); use a smaller window or a longer context',
    ]);
  });

  it('the jobs parse as job specs, reach the sandbox, and describe themselves apart', () => {
    const bitbench = expand(MODELS).filter((job) => job.engine === undefined);
    for (const job of bitbench) expect(parseJobSpec(JSON.parse(JSON.stringify(job)))).toEqual(job);
    const window = bitbench.find((job) => attentionOf(job) === 'window 64+4')!;
    const sandbox = sandboxJobFor(window, {} as Fingerprint);
    expect(sandbox.kind === 'model' && sandbox.spec).toMatchObject({ attentionSparsity: 'window', attentionWindow: 64, attentionGlobal: 4 });
    const topK = bitbench.find((job) => attentionOf(job) === 'top-k 0.5')!;
    const topKSandbox = sandboxJobFor(topK, {} as Fingerprint);
    expect(topKSandbox.kind === 'model' && topKSandbox.spec).toMatchObject({ attentionSparsity: 'top-k', attentionLevel: 0.5 });
    expect(new Set(bitbench.map(describeJob)).size).toBe(bitbench.length);
    expect(describeJob(window)).toContain('attention window 64+4');
    expect(describeJob(topK)).toContain('attention top-k 0.5');
  });

  it('a job spec whose attention fields do not fit its mode is refused, naming the field', () => {
    const topK = expand(MODELS).find((job) => attentionOf(job) === 'top-k 0.5')!;
    const refused = (change: Record<string, unknown>) => {
      const bad = { ...topK, ...change } as Record<string, unknown>;
      for (const [key, value] of Object.entries(change)) if (value === undefined) delete bad[key];
      return () => parseJobSpec({ ...bad, id: jobIdFor({ ...(bad as { runId: string; instanceType: string }) }) });
    };
    expect(refused({ attentionLevel: 1.5 })).toThrow(/attentionLevel: expected a ratio in \(0, 1\]/);
    expect(refused({ attentionLevel: undefined })).toThrow(/attentionLevel: is required with attentionSparsity top-k/);
    expect(refused({ attentionWindow: 64 })).toThrow(/attentionWindow: needs attentionSparsity window/);
    expect(refused({ attentionSparsity: 'window', attentionLevel: undefined, attentionWindow: 300 })).toThrow(/attentionWindow: 300 plus 0 global tokens keeps every position below the context \(256\)/);
    expect(refused({ engine: 'llama.cpp', path: undefined, quant: 'tq2_0' })).toThrow(/attentionSparsity: only bitbench's attention drops positions/);
  });

  it('reaches the fleet memory check as the job carries it', () => {
    const jobs = modelMemoryJobs(parse(MODELS), 2);
    const bitbench = jobs.filter((job) => job.engine === 'bitbench');
    expect(bitbench.map((job) => attentionOf(job))).toEqual(['dense', 'window 64+4', 'top-k 0.5', 'threshold 0.01', 'dynamic 0.9']);
    expect(jobs.filter((job) => job.engine === 'llama.cpp')).toHaveLength(1);
  });
});
