// `bitbench model`: the full BitNet b1.58 model on one compute path: prefill, then decode.
import { parseArgs } from 'node:util';
import { ISAS, PATHS, type IsaName } from '../../native/index.js';
import { PRESET_NAMES } from '../../runner/model-config.js';
import { ENGINES, runModelJob, type ModelResult } from '../../runner/model-job.js';
import { ggufCacheDirectory, LLAMA_QUANTS } from '../../runner/llama/synthetic-gguf.js';
import { UsageError } from './cli-error.js';
import { formatBytes } from '../../runner/memory-guard.js';
import { oneOf, positiveInteger, threadCount } from './option-parsing.js';
import { progressLine } from './progress-line.js';

export const modelHelp = `Usage: bitbench model [options]

Runs the BitNet b1.58 decoder (synthetic weights from a seed; nothing is downloaded) with every
ternary linear layer on one compute path: prefills a prompt for each sequence, then decodes
tokens for all sequences in lockstep. Prints prefill and decode tokens/s, time to first token,
per-step latency p50/p99, peak RSS, bytes read per token and the memory-bandwidth roofline.
A run that would not fit in available memory is refused before anything is allocated.

Options:
  --preset NAME        ${PRESET_NAMES.join(' | ')}   (default: bitnet-b1.58-2b-4t)
  --config FILE        a Hugging Face config.json instead of a preset
  --engine NAME        ${ENGINES.join(' | ')}: who runs the model           (default: bitbench)
  --path NAME          baseline | cached-f32 | cached-bf16 | fused       (default: fused; bitbench only)
  --quant NAME         ${LLAMA_QUANTS.join(' | ')}: llama.cpp's type for the ternary layers
                       (default: tq2_0; llama.cpp only)
  --gguf-cache DIR     where llama.cpp's model files are cached
                       (default: $BITBENCH_GGUF_CACHE, else ${ggufCacheDirectory().replace(process.env.HOME ?? '\0', '~')})
  --batch B            sequences decoded in lockstep                     (default: 1)
  --prompt P           prompt tokens per sequence                        (default: 32)
  --tokens T           tokens decoded per sequence                       (default: 64)
  --threads T|all      threads                                           (default: all)
  --isa NAME           ${ISAS.join(' | ')}
                       (default: BITBENCH_ISA, else the best)
  --kv bf16|int8       KV cache dtype                                    (default: bf16)
  --lm-head bf16|int8  LM head dtype (tied to the embedding)             (default: bf16)
  --seed N             seed of the synthetic weights and prompt          (default: 1)
  --no-blas            dense fp32 through the builtin loop instead of OpenBLAS
  --json               print one JSON object instead of text
  -h, --help           this help
`;

export async function modelCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      preset: { type: 'string' },
      config: { type: 'string' },
      engine: { type: 'string' },
      path: { type: 'string' },
      quant: { type: 'string' },
      'gguf-cache': { type: 'string' },
      batch: { type: 'string' },
      prompt: { type: 'string' },
      tokens: { type: 'string' },
      threads: { type: 'string' },
      isa: { type: 'string' },
      kv: { type: 'string' },
      'lm-head': { type: 'string' },
      seed: { type: 'string' },
      'no-blas': { type: 'boolean' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(modelHelp);
    return;
  }
  const engine = oneOf('engine', values.engine, ENGINES, 'bitbench');
  const quant = values.quant === undefined ? undefined : oneOf('quant', values.quant, LLAMA_QUANTS, 'tq2_0');
  if (engine === 'bitbench' && quant !== undefined) {
    throw new UsageError(`--quant: only llama.cpp takes a quant (bitbench's paths are chosen with --path); add --engine llama.cpp`);
  }
  if (engine === 'bitbench' && values['gguf-cache'] !== undefined) {
    throw new UsageError(`--gguf-cache: only --engine llama.cpp uses model files`);
  }
  if (engine === 'llama.cpp' && values.path !== undefined) {
    throw new UsageError(`--path: llama.cpp runs its own kernels; choose its weight type with --quant`);
  }
  const isa = values.isa === undefined ? undefined : oneOf<IsaName>('isa', values.isa, ISAS, 'scalar');
  const preset = values.config === undefined ? values.preset ?? 'bitnet-b1.58-2b-4t' : values.preset;
  const tokens = values.tokens === '0' ? 0 : positiveInteger('tokens', values.tokens, 64);
  const spec = {
    ...(preset !== undefined ? { preset } : {}),
    ...(values.config !== undefined ? { config: values.config } : {}),
    path: oneOf('path', values.path, PATHS, 'fused'),
    batch: positiveInteger('batch', values.batch, 1),
    prompt: positiveInteger('prompt', values.prompt, 32),
    tokens,
    threads: threadCount(values.threads),
    kv: oneOf('kv', values.kv, ['bf16', 'int8'] as const, 'bf16'),
    lmHead: oneOf('lm-head', values['lm-head'], ['bf16', 'int8'] as const, 'bf16'),
    seed: values.seed === '0' ? 0 : positiveInteger('seed', values.seed, 1),
    useBlas: !values['no-blas'],
    ...(isa ? { isa } : {}),
    ...(engine === 'llama.cpp' ? { engine, quant: quant ?? 'tq2_0' } : {}),
    ...(values['gguf-cache'] !== undefined ? { ggufCache: values['gguf-cache'] } : {}),
  };
  const label = engine === 'llama.cpp' ? `llama.cpp ${spec.quant}` : spec.path;
  const progress = progressLine(`${label} on ${preset ?? values.config}`);
  const result = await runModelJob(spec, progress.update);
  progress.done();
  process.stdout.write(values.json ? JSON.stringify(result) + '\n' : describeModelResult(result));
}

/** Three significant digits: 0.0213 ms and 46.2 ms both say something. */
function ms(value: number): string {
  return value >= 100 ? value.toFixed(0) : value.toPrecision(3);
}

export function describeModelResult(r: ModelResult): string {
  const lines = [
    `${r.preset}: ${r.path} (${r.isa}), batch ${r.batch}, prompt ${r.prompt}, ${r.tokens} tokens, ${r.threads} thread${r.threads === 1 ? '' : 's'}, KV ${r.kv}, LM head ${r.lmHead}`,
    `  kernel     ${r.kernel}`,
    ...(r.llama
      ? [
          `  llama.cpp  ${r.llama.llamaCppRelease} via node-llama-cpp ${r.llama.nodeLlamaCppVersion}, CPU variant ${r.llama.cpuVariant}, architecture ${r.llama.architecture}, KV ${r.llama.kvType}`,
          `  model file ${r.llama.ggufPath} (${formatBytes(r.llama.ggufBytes)}${r.llama.ggufWriteMs > 0 ? `, written in ${(r.llama.ggufWriteMs / 1000).toFixed(1)} s` : ', cached'})`,
        ]
      : []),
    `  decode     ${r.decodeTokS.toFixed(2)} tokens/s  (step p50 ${ms(r.p50Ms)} ms, p99 ${ms(r.p99Ms)} ms)`,
    `  prefill    ${r.prefillTokS.toFixed(1)} tokens/s  (time to first token ${ms(r.ttftMs)} ms)`,
    `  roofline   ${r.rooflineTokS.toFixed(2)} tokens/s at ${r.bandwidthGBs.toFixed(1)} GB/s measured; reached ${(100 * r.rooflineFraction).toFixed(0)}%`,
    `  per token  ${formatBytes(r.bytesPerToken)} read (weights ${formatBytes(r.weightBytesPerStep)} and KV ${formatBytes(r.kvBytesPerStep)} per step)`,
    `  memory     peak RSS ${formatBytes(r.peakRssBytes)} (estimated ${formatBytes(r.estimateBytes)}); weights ${r.engine === 'llama.cpp' ? 'loaded' : 'built'} in ${(r.buildMs / 1000).toFixed(1)} s`,
  ];
  return lines.join('\n') + '\n';
}
