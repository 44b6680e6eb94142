// `bitbench model` as a user runs it: figures in text and JSON, bad configs, the memory guard.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { addon } from '../../native/addon.js';
import { availableMemoryBytes } from '../../runner/memory-guard.js';
import { MODEL_PRESETS } from '../../runner/model-config.js';
import { modelSpecFor, runModelJob } from '../../runner/model-job.js';

const cli = fileURLToPath(new URL('../../bin/bitbench.js', import.meta.url));

function bitbench(args: string[]) {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, BITBENCH_ISA: '' }, timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('bitbench model', () => {
  it('prints one JSON object with the figures the issue names', () => {
    const run = bitbench(['model', '--preset', 'tiny', '--prompt', '5', '--tokens', '6', '--batch', '2', '--threads', '2', '--kv', 'int8', '--json']);
    expect(run.status, run.stderr).toBe(0);
    const r = JSON.parse(run.stdout);
    expect(r).toMatchObject({ preset: 'tiny', path: 'fused', batch: 2, threads: 2, prompt: 5, tokens: 6, kv: 'int8', lmHead: 'bf16' });
    for (const key of ['prefillTokS', 'decodeTokS', 'ttftMs', 'p50Ms', 'p99Ms', 'peakRssBytes', 'bytesPerToken', 'rooflineTokS', 'bandwidthGBs']) {
      expect(r[key], key).toBeGreaterThan(0);
    }
    // Three trials (the default) of six decode steps, every step kept, trial after trial.
    expect(r.stepNs).toHaveLength(18);
    expect(r.trials.map((t: { trial: number; stepNs: number[] }) => [t.trial, t.stepNs.length])).toEqual([[0, 6], [1, 6], [2, 6]]);
    expect(r.decodeTokSCi95[0]).toBeLessThanOrEqual(r.decodeTokS);
    expect(r.decodeTokSCi95[1]).toBeGreaterThanOrEqual(r.decodeTokS);
    expect(r.p99Ms).toBeGreaterThanOrEqual(r.p50Ms);
    expect(typeof r.isa).toBe('string');
  });

  it('prints the figures as text', () => {
    const run = bitbench(['model', '--preset', 'tiny', '--path', 'cached-bf16', '--prompt', '3', '--tokens', '3', '--lm-head', 'int8']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/decode\s+[\d.]+ tokens\/s/);
    expect(run.stdout).toMatch(/roofline\s+[\d.]+ tokens\/s at [\d.]+ GB\/s measured/);
    expect(run.stdout).toContain('LM head int8');
  });

  it('reads a Hugging Face config.json', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bitbench-config-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ hidden_size: 32, intermediate_size: 48, num_hidden_layers: 1, num_attention_heads: 2, num_key_value_heads: 1, vocab_size: 50 }));
    const run = bitbench(['model', '--config', file, '--prompt', '2', '--tokens', '2', '--json']);
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).dims).toMatchObject({ hidden: 32, ffn: 48, layers: 1, heads: 2, kvHeads: 1, vocab: 50 });
  });

  it('rejects a bad config before allocating anything, naming every bad field, exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bitbench-config-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ hidden_size: 30, intermediate_size: 48, num_hidden_layers: 1, num_attention_heads: 4, num_key_value_heads: 3, vocab_size: 50 }));
    const run = bitbench(['model', '--config', file]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('num_attention_heads');
    expect(run.stderr).toContain('num_key_value_heads');
  });

  it.each([
    [['--preset', 'gpt-5'], /unknown preset/],
    [['--preset', 'tiny', '--config', 'x.json'], /preset/],
    [['--kv', 'fp8'], /--kv: expected one of bf16, int8, fp8-e4m3, fp8-e5m2/],
    [['--prompt', '32', '--context', '16'], /--context: expected 32 \(the prompt\) to 131072 but received 16/],
    [['--context', '200000'], /--context: expected .* to 131072/],
    [['--context', '0'], /--context: expected a positive integer/],
    [['--fill', 'random'], /--fill: expected one of tiled, prefill/],
    [['--engine', 'llama.cpp', '--context', '1024'], /--context: only bitbench/],
    [['--engine', 'llama.cpp', '--kv', 'fp8-e4m3'], /--kv: llama.cpp has no fp8 KV cache/],
    [['--batch', '0'], /--batch: expected a positive integer/],
    // The native core's limits (runner/protocol/limits.ts), refused by flag before any trial.
    [['--batch', '4097'], /--batch: expected a positive integer of at most 4096 but received '4097'/],
    [['--threads', '4097'], /--threads: expected a positive integer of at most 4096/],
    [['--prompt', '65537'], /--prompt: expected a positive integer of at most 65536/],
    [['--tokens', '65537'], /--tokens: expected a positive integer of at most 65536/],
    [['--preset', 'tiny', '--prompt', '500', '--tokens', '13'], /--tokens: --prompt 500 \+ --tokens 13 exceeds tiny's 512 positions/],
    [['--attention-sparsity', 'strided'], /--attention-sparsity: expected one of none, top-k, threshold, window, dynamic/],
    [['--attention-sparsity', 'top-k'], /--attention-level: required with --attention-sparsity top-k/],
    [['--attention-sparsity', 'top-k', '--attention-level', '0'], /--attention-level: expected a ratio in \(0, 1\]/],
    [['--attention-sparsity', 'dynamic', '--attention-level', '1.5'], /--attention-level: expected a ratio in \(0, 1\]/],
    [['--attention-sparsity', 'threshold', '--attention-level', 'x'], /--attention-level: expected a ratio/],
    [['--attention-level', '0.5'], /--attention-level: needs --attention-sparsity/],
    [['--attention-sparsity', 'window'], /--attention-window: required/],
    [['--attention-sparsity', 'window', '--attention-window', '0'], /--attention-window: expected a positive integer/],
    [['--attention-sparsity', 'window', '--attention-window', '-4'], /--attention-window: expected a positive integer/],
    [['--attention-sparsity', 'window', '--attention-window', '40', '--prompt', '32'], /--attention-window: 40 plus 4 global tokens keeps every position/],
    [['--attention-sparsity', 'top-k', '--attention-level', '0.5', '--attention-window', '8'], /--attention-window: needs --attention-sparsity window/],
    [['--engine', 'llama.cpp', '--attention-sparsity', 'top-k', '--attention-level', '0.5'], /--attention-sparsity: only bitbench/],
  ])('rejects %j with exit 2', (args, message) => {
    const run = bitbench(['model', ...args]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
  });

  it('measures decode at a context position with an fp8 cache: attention share, KV bytes, quality', () => {
    const run = bitbench(['model', '--preset', 'tiny', '--prompt', '8', '--tokens', '3', '--context', '300', '--kv', 'fp8-e5m2', '--threads', '2', '--trials', '1', '--json']);
    expect(run.status, run.stderr).toBe(0);
    const r = JSON.parse(run.stdout);
    const d = MODEL_PRESETS.tiny;
    expect(r).toMatchObject({ kv: 'fp8-e5m2', context: 300, fill: 'tiled' });
    // One byte per element and one fp32 scale per position, head, key and value, every layer.
    expect(r.kvBytesPerSequence).toBe(300 * d.layers * 2 * d.kvHeads * (d.hidden / d.heads + 4));
    expect(r.attentionShare).toBeGreaterThan(0);
    expect(r.attentionShare).toBeLessThanOrEqual(1);
    expect(r.kvCosineMin).toBeGreaterThan(0.99);
    expect(r.kvCosineMin).toBeLessThanOrEqual(1 + 1e-9);
  });

  it('says where a decode step went: ternary layers, LM head, attention and the rest, inside the step', () => {
    const args = ['model', '--preset', 'tiny', '--path', 'fused-i8', '--lm-head', 'int8', '--prompt', '4', '--tokens', '4', '--threads', '2', '--trials', '1'];
    const run = bitbench([...args, '--json']);
    expect(run.status, run.stderr).toBe(0);
    const r = JSON.parse(run.stdout);
    const meanStepMs = r.stepNs.reduce((a: number, b: number) => a + b, 0) / r.stepNs.length / 1e6;
    for (const [time, share] of [[r.projectionMsPerStep, r.projectionShare], [r.lmHeadMsPerStep, r.lmHeadShare], [r.attentionMsPerStep, r.attentionShare]]) {
      expect(time).toBeGreaterThan(0);
      // Each is timed inside the step, so its share is its time over the mean step.
      expect(share).toBeCloseTo(time / meanStepMs, 6);
    }
    // Timed inside the steps, apart from each other: together never more than the steps.
    expect(r.projectionShare + r.lmHeadShare + r.attentionShare).toBeLessThanOrEqual(1);
    const text = bitbench(args);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^ {2}step {7}ternary layers [\d.]+ ms \(\d+%\), LM head [\d.]+ ms \(\d+%\), attention [\d.]+ ms \(\d+%\), the rest [\d.]+ ms \(\d+%\)$/m);
  });

  it.each([
    [['--attention-sparsity', 'top-k', '--attention-level', '0.25'], { mode: 'top-k', level: 0.25 }],
    [['--attention-sparsity', 'window', '--attention-window', '64', '--attention-global', '4'], { mode: 'window', window: 64, global: 4 }],
  ])('sparse attention %j: scores dropped and cosine against dense in JSON and text', (flags, expected) => {
    const args = ['model', '--preset', 'tiny', '--prompt', '8', '--tokens', '3', '--context', '300', '--threads', '2', '--trials', '1', ...flags];
    const run = bitbench([...args, '--json']);
    expect(run.status, run.stderr).toBe(0);
    const r = JSON.parse(run.stdout);
    expect(r.attentionSparsity).toMatchObject(expected);
    // top-k 0.25 drops about three quarters; the window keeps 68 of 301..303 positions.
    expect(r.attentionSparsity.sparsity).toBeGreaterThan(0.7);
    expect(r.attentionSparsity.sparsity).toBeLessThan(0.8);
    expect(r.attentionSparsity.cosineMin).toBeGreaterThan(0);
    expect(r.attentionSparsity.cosineMin).toBeLessThanOrEqual(1 + 1e-9);
    expect(r.attentionMsPerStep).toBeGreaterThan(0);
    const text = bitbench(args);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/sparse att .*: \d+\.\d% of scores dropped; min cosine vs dense attention [01]\.\d{5}/);
  });

  it('fills the cache by real prefill when asked, and prints the KV lines', () => {
    const run = bitbench(['model', '--preset', 'tiny', '--prompt', '4', '--tokens', '2', '--context', '20', '--fill', 'prefill', '--kv', 'int8', '--threads', '1', '--trials', '1']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/context +20 positions \(prefill fill/);
    expect(run.stdout).toMatch(/min cosine vs bf16 attention 0\.99\d+/);
    expect(run.stdout).toMatch(/attention +[\d.]+ ms per step \(\d+% of the step\)/);
  });

  it('refuses a run that cannot fit in memory, before allocating it', () => {
    // seed-7b on cached-f32 needs about 26 GB (the figure).
    const spec = { preset: 'seed-7b', path: 'cached-f32' as const, batch: 1, prompt: 32, tokens: 64, threads: 2 };
    const estimate = addon.estimateModelBytes(modelSpecFor(spec, MODEL_PRESETS['seed-7b'], 'scalar'));
    expect(estimate).toBeGreaterThan(25e9);
    expect(estimate).toBeLessThan(29e9);
    if (availableMemoryBytes().bytes > estimate * 1.2) return; // a machine this large can run it
    // The memory guard's message is the proof it refused before allocating (26 GB would not fit).
    const run = bitbench(['model', '--preset', 'seed-7b', '--path', 'cached-f32']);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/cached-f32 on seed-7b .* needs about 2\d\.\d GB but only .* available/);
  });

  it('estimates what it allocates: the 2B-4T cached-f32 path is about 8 GB', () => {
    const dims = MODEL_PRESETS['bitnet-b1.58-2b-4t'];
    const estimate = (path: 'cached-f32' | 'fused') =>
      addon.estimateModelBytes(modelSpecFor({ path, batch: 1, prompt: 32, tokens: 64, threads: 2 }, dims, 'scalar'));
    expect(estimate('cached-f32')).toBeGreaterThan(8e9);
    expect(estimate('cached-f32')).toBeLessThan(10e9);
    expect(estimate('fused')).toBeLessThan(estimate('cached-f32') / 5);
  });

  it('reports progress in tokens to the caller', async () => {
    const seen: [number, number][] = [];
    const result = await runModelJob({ preset: 'tiny', path: 'fused', batch: 3, prompt: 4, tokens: 5, threads: 1 }, (done, total) => seen.push([done, total]));
    expect(result.decodeTokS).toBeGreaterThan(0);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen[seen.length - 1]).toEqual([27, 27]);
  });
});
