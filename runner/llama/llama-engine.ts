// llama.cpp as a second engine: node-llama-cpp's prebuilt CPU binaries (never a GPU, never a
// build from source, nothing downloaded) run bitbench's synthetic model from its GGUF, timed
// the way the native model loop times bitbench's paths: the prompt of every sequence in one
// pass (time to first token), then decode steps in lockstep, one token per sequence per step,
// each step timed whole; token ids are fed directly and the next token is the greedy argmax.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import type { KvDtype } from '../protocol/names.js';
import type { ControlledEvaluateInputItem } from 'node-llama-cpp';
import { mulberry32 } from '../seeded-random.js';
import { llamaContextShape } from './llama-memory.js';

export interface LlamaRunSpec {
  ggufPath: string;
  sequences: number;
  prompt: number;
  tokens: number;
  threads: number;
  kv: KvDtype;
  vocab: number;
  seed: number;
}

export interface LlamaEngineInfo {
  nodeLlamaCppVersion: string;
  /** The llama.cpp release node-llama-cpp's binaries were built from. */
  llamaCppRelease: string;
  /** The ggml CPU backend variant loaded for this CPU (haswell, skylakex, zen4, ...), from the process's mapped libraries. */
  cpuVariant: string;
  /** ggml's feature line for the loaded backend. */
  systemInfo: string;
  /** The architecture llama.cpp loaded the model under. */
  architecture: string;
  /** KV cache type llama.cpp ran with. */
  kvType: string;
}

export interface LlamaRun {
  loadNs: number;
  prefillNs: number;
  stepNs: number[];
  peakRssBytes: number;
  lastTokens: number[];
  /** Every token chosen: the prefill's next token per sequence, then each step's, step-major. */
  generated: number[];
  engine: LlamaEngineInfo;
}

export class LlamaEngineError extends Error {
  override name = 'LlamaEngineError';
}

function nodeLlamaCppVersion(): string {
  // The package's exports do not include package.json: walk up from its entry point.
  let directory = dirname(createRequire(import.meta.url).resolve('node-llama-cpp'));
  for (;;) {
    const candidate = join(directory, 'package.json');
    if (existsSync(candidate)) {
      const manifest = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'node-llama-cpp' && manifest.version) return manifest.version;
    }
    const parent = dirname(directory);
    if (parent === directory) return 'unknown';
    directory = parent;
  }
}

/** Which libggml-cpu-<variant>.so this process mapped (Linux); 'unknown' elsewhere. */
export function loadedCpuVariant(): string {
  try {
    const maps = readFileSync('/proc/self/maps', 'utf8');
    const variants = new Set([...maps.matchAll(/libggml-cpu-([A-Za-z0-9_]+)\.so/g)].map((m) => m[1]!));
    return variants.size ? [...variants].sort().join('+') : 'builtin';
  } catch {
    return 'unknown';
  }
}

function resetPeakRss(): void {
  try {
    // 5 resets VmHWM: the run's peak, not whatever this process touched before.
    writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // not Linux, or not permitted: the lifetime peak below is still an upper bound
  }
}

function peakRssBytes(): number {
  try {
    const status = readFileSync('/proc/self/status', 'utf8');
    const match = /VmHWM:\s+(\d+) kB/.exec(status);
    if (match) return Number(match[1]) * 1024;
  } catch {
    // fall through
  }
  return process.resourceUsage().maxRSS * 1024;
}

/** Prompt tokens per sequence from the seed (ids above the control and byte tokens). */
export function llamaPromptTokens(seed: number, sequences: number, prompt: number, vocab: number): number[][] {
  const random = mulberry32(seed);
  const first = Math.min(259, vocab - 1);
  return Array.from({ length: sequences }, () => Array.from({ length: prompt }, () => first + Math.floor(random() * (vocab - first))));
}

export async function runLlamaEngine(spec: LlamaRunSpec, onProgress?: (done: number, total: number) => void): Promise<LlamaRun> {
  const { getLlama, LlamaLogLevel } = await import('node-llama-cpp');
  resetPeakRss();
  const llama = await getLlama({
    gpu: false,
    build: 'never',
    usePrebuiltBinaries: true,
    skipDownload: true,
    progressLogs: false,
    logLevel: LlamaLogLevel.error,
    maxThreads: spec.threads,
    vramPadding: 0,
  });
  const total = spec.sequences * (spec.prompt + spec.tokens);
  const kvType = spec.kv === 'int8' ? 'Q8_0' : 'F16';
  try {
    const loadStart = process.hrtime.bigint();
    let model;
    try {
      model = await llama.loadModel({ modelPath: spec.ggufPath, gpuLayers: 0 });
    } catch (error) {
      throw new LlamaEngineError(`llama.cpp could not load ${spec.ggufPath}: ${(error as Error).message}`);
    }
    // The shape the memory estimate assumes (llama-memory.ts), so the two cannot drift.
    const { contextSize, batchSize } = llamaContextShape(spec);
    const context = await model.createContext({
      sequences: spec.sequences,
      contextSize,
      batchSize,
      threads: { ideal: spec.threads, min: spec.threads },
      experimentalKvCacheKeyType: kvType,
      experimentalKvCacheValueType: kvType,
    });
    const loadNs = Number(process.hrtime.bigint() - loadStart);
    const sequences = Array.from({ length: spec.sequences }, () => context.getSequence());
    const greedy = { generateNext: { token: true, options: { temperature: 0 } } } as const;
    const prompts = llamaPromptTokens(spec.seed, spec.sequences, spec.prompt, spec.vocab);

    // One untimed prefill and step first, then a clean cache: llama.cpp sizes and allocates
    // its compute graphs on first use, which is set-up (counted in loadNs), not inference.
    const warmStart = process.hrtime.bigint();
    await Promise.all(sequences.map((sequence, s) => sequence.controlledEvaluate(prompts[s]!.map((token, i) => (i === prompts[s]!.length - 1 ? [token, greedy] : token)) as unknown as ControlledEvaluateInputItem[])));
    await Promise.all(sequences.map((sequence, s) => sequence.controlledEvaluate([[prompts[s]![0]!, greedy]] as unknown as ControlledEvaluateInputItem[])));
    for (const sequence of sequences) await sequence.clearHistory();
    const warmNs = Number(process.hrtime.bigint() - warmStart);

    const prefillStart = process.hrtime.bigint();
    const prefill = await Promise.all(
      sequences.map((sequence, s) => {
        const tokens = prompts[s]!;
        // Token is a branded number in node-llama-cpp's types; ids here are checked against the vocabulary.
        const items = [...tokens.slice(0, -1), [tokens[tokens.length - 1]!, greedy]] as unknown as ControlledEvaluateInputItem[];
        return sequence.controlledEvaluate(items);
      }),
    );
    const prefillNs = Number(process.hrtime.bigint() - prefillStart);
    let next: number[] = prefill.map((result) => result[spec.prompt - 1]?.next?.token ?? -1);
    const generated = [...next];
    let done = spec.sequences * spec.prompt;
    onProgress?.(done, total);

    const stepNs: number[] = [];
    for (let t = 0; t < spec.tokens; t++) {
      const start = process.hrtime.bigint();
      const step = await Promise.all(sequences.map((sequence, s) => sequence.controlledEvaluate([[next[s]!, greedy]] as unknown as ControlledEvaluateInputItem[])));
      stepNs.push(Number(process.hrtime.bigint() - start));
      next = step.map((result) => result[0]?.next?.token ?? -1);
      generated.push(...next);
      done += spec.sequences;
      onProgress?.(done, total);
    }
    if (next.some((token) => token < 0)) throw new LlamaEngineError('llama.cpp returned no next token for a sequence');
    const engine: LlamaEngineInfo = {
      nodeLlamaCppVersion: nodeLlamaCppVersion(),
      llamaCppRelease: `${llama.llamaCppRelease.repo}@${llama.llamaCppRelease.release}`,
      cpuVariant: loadedCpuVariant(),
      systemInfo: llama.systemInfo.trim(),
      architecture: String(model.fileInfo.metadata.general?.architecture ?? 'unknown'),
      kvType,
    };
    const result = { loadNs: loadNs + warmNs, prefillNs, stepNs, peakRssBytes: peakRssBytes(), lastTokens: next, generated, engine };
    await context.dispose();
    await model.dispose();
    return result;
  } finally {
    await llama.dispose();
  }
}
