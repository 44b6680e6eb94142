// llama.cpp through node-llama-cpp's prebuilt CPU binaries on bitbench's synthetic model: it
// loads the GGUF under the bitnet architecture and decodes, the same seed gives the same
// tokens, and what cannot work (a corrupt or truncated file, a full disk, a bad flag) ends with
// a clear message and a non-zero exit.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runLlamaEngine } from '../../runner/llama/llama-engine.js';
import { prepareSyntheticGguf } from '../../runner/llama/synthetic-gguf.js';
import { MODEL_PRESETS } from '../../runner/model-config.js';

const cli = fileURLToPath(new URL('../../bin/bitbench.js', import.meta.url));
const cache = mkdtempSync(join(tmpdir(), 'bitbench-llama-'));
afterAll(() => rmSync(cache, { recursive: true, force: true }));

function bitbench(args: string[]) {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const dims = MODEL_PRESETS['tiny-256'];
// One trial: these tests are about the engine's figures and facts (trials are tested with bitbench's own paths).
const tinyArgs = ['model', '--engine', 'llama.cpp', '--preset', 'tiny-256', '--prompt', '4', '--tokens', '5', '--threads', '2', '--trials', '1', '--gguf-cache', cache];

describe('llama.cpp engine', () => {
  it('loads the tiny-256 GGUF and decodes; the same seed gives the same tokens', async () => {
    const gguf = await prepareSyntheticGguf({ name: 'tiny-256', dims, seed: 1, quant: 'tq2_0', lmHead: 'bf16' }, cache);
    const run = (seed: number) => runLlamaEngine({ ggufPath: gguf.path, sequences: 2, prompt: 4, tokens: 6, threads: 2, kv: 'bf16', vocab: dims.vocab, seed });
    const a = await run(5);
    const b = await run(5);
    expect(a.generated).toHaveLength(2 * 7);
    for (const token of a.generated) expect(token).toBeGreaterThanOrEqual(0), expect(token).toBeLessThan(dims.vocab);
    expect(b.generated).toEqual(a.generated);
    expect(a.stepNs).toHaveLength(6);
    expect(a.engine.architecture).toBe('bitnet');
    expect(a.engine.nodeLlamaCppVersion).toBe('3.21.1');
    expect(a.engine.cpuVariant).not.toBe('unknown');
  });

  it.each(['tq2_0', 'tq1_0', 'bf16', 'f16'])('bitbench model --engine llama.cpp --quant %s prints the figures and the engine facts', (quant) => {
    const run = bitbench([...tinyArgs, '--quant', quant, '--batch', '2', '--json']);
    expect(run.status, run.stderr).toBe(0);
    const r = JSON.parse(run.stdout);
    expect(r).toMatchObject({ engine: 'llama.cpp', quant, path: `llama.cpp:${quant}`, preset: 'tiny-256', batch: 2, prompt: 4, tokens: 5 });
    expect(r.llama).toMatchObject({ architecture: 'bitnet', nodeLlamaCppVersion: '3.21.1' });
    expect(r.llama.llamaCppRelease).toMatch(/llama\.cpp@/);
    for (const key of ['prefillTokS', 'decodeTokS', 'ttftMs', 'p50Ms', 'p99Ms', 'peakRssBytes', 'bytesPerToken', 'rooflineTokS', 'rooflineFraction']) {
      expect(r[key], key).toBeGreaterThan(0);
    }
    expect(r.stepNs).toHaveLength(5);
  });

  it('a truncated cached model is a clear error and exit 1', async () => {
    const own = join(cache, 'truncated');
    const gguf = await prepareSyntheticGguf({ name: 'tiny-256', dims, seed: 1, quant: 'tq2_0', lmHead: 'bf16' }, own);
    truncateSync(gguf.path, Math.floor(statSync(gguf.path).size / 2));
    const run = bitbench(['model', '--engine', 'llama.cpp', '--preset', 'tiny-256', '--prompt', '2', '--tokens', '2', '--threads', '1', '--gguf-cache', own]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/not a usable GGUF file: .*truncated/);
    expect(run.stderr).toContain(gguf.path);
  });

  it('a model that does not fit in llama.cpp\'s blocks or vocabulary is named, exit 1', () => {
    const run = bitbench(['model', '--engine', 'llama.cpp', '--preset', 'tiny', '--prompt', '2', '--tokens', '2', '--threads', '1', '--gguf-cache', cache]);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/256/);
  });

  // A real full disk: a 64 KiB tmpfs as the cache (root only; elsewhere the writer's unit test covers the check).
  const canMount = process.getuid?.() === 0 && spawnSync('mount', ['--version']).status === 0;
  it.skipIf(!canMount)('a full disk is a clear error and exit 1', () => {
    const small = join(cache, 'small-disk');
    mkdirSync(small);
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', small]);
    if (mounted.status !== 0) return; // not permitted in this container
    try {
      const run = bitbench(['model', '--engine', 'llama.cpp', '--preset', 'tiny-256', '--prompt', '2', '--tokens', '2', '--threads', '1', '--gguf-cache', small]);
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/Not enough disk space .* needs .* free/);
    } finally {
      spawnSync('umount', [small]);
    }
  });

  it.each([
    [['--engine', 'vllm'], /--engine: expected one of bitbench, llama\.cpp but received 'vllm'/],
    [['--engine', 'llama.cpp', '--quant', 'q4_0'], /--quant: expected one of tq2_0, tq1_0, bf16, f16 but received 'q4_0'/],
    [['--quant', 'tq2_0'], /--quant: only llama\.cpp takes a quant/],
    [['--engine', 'llama.cpp', '--path', 'fused'], /--path: llama\.cpp runs its own kernels/],
  ])('flag error %j: exit 2 naming the flag', (flags, message) => {
    const run = bitbench(['model', '--preset', 'tiny-256', ...flags]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(message);
  });
});
