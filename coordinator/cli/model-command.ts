// `bitbench model`: the full BitNet b1.58 model on one compute path: prefill, then decode.
import { parseArgs } from 'node:util';
import { ISAS, PATHS, type IsaName } from '../../native/index.js';
import { isPresetName, MODEL_PRESETS, PRESET_NAMES } from '../../runner/model-config.js';
import { DEFAULT_ATTENTION_GLOBAL, KV_DTYPES, KV_FILLS, MAX_CONTEXT } from '../../runner/protocol/names.js';
import { ENGINES, type ModelResult } from '../../runner/model-job.js';
import { MAX_TRIALS, SAMPLING_DEFAULTS } from '../../runner/protocol/sampling-defaults.js';
import { MAX_MODEL_TOKENS, MAX_SEQUENCES } from '../../runner/protocol/limits.js';
import { runModelTrials } from '../../runner/trials/run-cli-trials.js';
import { ggufCacheDirectory, LLAMA_QUANTS } from '../../runner/llama/synthetic-gguf.js';
import { UsageError } from './cli-error.js';
import { formatBytes } from '../../runner/memory-guard.js';
import { oneOf, positiveInteger, positiveNumber, ratio, threadCount } from './option-parsing.js';
import { ACTIVATION_SPARSITY_MODES, ATTENTION_SPARSITY_MODES } from '../../native/model.js';
import { progressLine } from './progress-line.js';
import { printOut } from '../../reports/text-safety/terminal-text.js';
import { jsonLine } from './json-output.js';

// What `bitbench model` runs unless told; the help prints these.
export const MODEL_COMMAND_DEFAULTS = {
  preset: 'bitnet-b1.58-2b-4t', engine: 'bitbench', path: 'fused', quant: 'tq2_0', batch: 1, prompt: 32, tokens: 64,
  threads: 'all', kv: 'bf16', fill: 'tiled', lmHead: 'bf16', seed: 1, sparsity: 'none', attentionSparsity: 'none',
  attentionGlobal: DEFAULT_ATTENTION_GLOBAL,
} as const;

export const modelHelp = `Usage: bitbench model [options]

Runs the BitNet b1.58 decoder (synthetic weights from a seed; nothing is downloaded) with every
ternary linear layer on one compute path: prefills a prompt for each sequence, then decodes
tokens for all sequences in lockstep. Prints prefill and decode tokens/s, time to first token,
per-step latency p50/p99, peak RSS, bytes read per token and the memory-bandwidth roofline.
A run that would not fit in available memory is refused before anything is allocated.

Options:
  --preset NAME        ${PRESET_NAMES.join(' | ')}   (default: ${MODEL_COMMAND_DEFAULTS.preset})
  --config FILE        a Hugging Face config.json instead of a preset
  --engine NAME        ${ENGINES.join(' | ')}: who runs the model           (default: ${MODEL_COMMAND_DEFAULTS.engine})
  --path NAME          ${PATHS.join(' | ')}
                       (default: ${MODEL_COMMAND_DEFAULTS.path}; bitbench only)
  --quant NAME         ${LLAMA_QUANTS.join(' | ')}: llama.cpp's type for the ternary layers
                       (default: ${MODEL_COMMAND_DEFAULTS.quant}; llama.cpp only)
  --gguf-cache DIR     where llama.cpp's model files are cached
                       (default: $BITBENCH_GGUF_CACHE, else ${ggufCacheDirectory().replace(process.env.HOME ?? '\0', '~')})
  --batch B            sequences decoded in lockstep                     (default: ${MODEL_COMMAND_DEFAULTS.batch})
  --prompt P           prompt tokens per sequence                        (default: ${MODEL_COMMAND_DEFAULTS.prompt})
  --tokens T           tokens decoded per sequence                       (default: ${MODEL_COMMAND_DEFAULTS.tokens})
  --threads T|all      threads                                           (default: ${MODEL_COMMAND_DEFAULTS.threads})
  --isa NAME           ${ISAS.join(' | ')}
                       (default: BITBENCH_ISA, else the best)
  --kv NAME            KV cache format: ${KV_DTYPES.join(' | ')}
                       (int8 and fp8 keep one scale per position and head)  (default: ${MODEL_COMMAND_DEFAULTS.kv})
  --context N          measure decode at KV cache position N (prompt .. ${MAX_CONTEXT}; default: the prompt);
                       bitbench only
  --fill NAME          ${KV_FILLS.join(' | ')}: how the cache reaches --context: the prompt's real
                       entries repeated (seconds), or every position through the layers
                       (minutes at 8K on two cores)           (default: ${MODEL_COMMAND_DEFAULTS.fill})
  --no-kv-quality      skip the short untimed pass comparing each layer's attention output
                       with attention over a bf16 cache (int8 and fp8), and sparse attention's
                       with dense attention
  --lm-head bf16|int8  LM head dtype (tied to the embedding)             (default: ${MODEL_COMMAND_DEFAULTS.lmHead})
  --seed N             seed of the synthetic weights and prompt          (default: ${MODEL_COMMAND_DEFAULTS.seed})
  --sparsity MODE      ${ACTIVATION_SPARSITY_MODES.join(' | ')}: zero entries of the input of every
                       ternary layer (threshold: |x| below the level; top-k: keep that ratio of
                       each token's entries, by magnitude; adaptive: keep the level times the
                       token's normalized entropy of |x|; top-k-blocks: keep that ratio of the
                       sparse kernel's column blocks (256 columns for AVX-512 VNNI fused-i8,
                       72 for fused on AVX-512, 60 on AVX2, 64 elsewhere), those of largest sum of
                       squares, and zero the others whole).
                       fused and fused-i8 skip the weights of all-zero column blocks: scattered
                       zeros (top-k) rarely empty a block, top-k-blocks always does; fused-i8
                       on every x86 ISA but scalar, and on NEON dotprod, also skips single
                       zero columns where at least 45% are zero (the squared ReLU's zeros
                       before the down projection).
                       Each timed step also runs dense, for decode tokens/s and logits cosine
                       against dense                            (default: ${MODEL_COMMAND_DEFAULTS.sparsity})
  --sparsity-level X   threshold: a value above 0; top-k, adaptive, top-k-blocks: a ratio in (0, 1]
  --attention-sparsity MODE
                       ${ATTENTION_SPARSITY_MODES.join(' | ')}: which cached positions each query
                       head's softmax keeps (top-k: that ratio of the largest scores; threshold:
                       positions whose probability is at least the level; dynamic: top-k with
                       the level times the head's normalized entropy; window: the last
                       --attention-window positions and the first --attention-global). Prints
                       the scores dropped, attention ms per step and, from the untimed quality
                       pass, the attention-output cosine against dense attention
                       (default: ${MODEL_COMMAND_DEFAULTS.attentionSparsity}; bitbench only)
  --attention-level X  top-k, threshold, dynamic: a ratio in (0, 1]
  --attention-window N window: positions kept at the end (>= 1, with the global tokens below --context)
  --attention-global G window: first positions always kept (default: ${MODEL_COMMAND_DEFAULTS.attentionGlobal})
  --no-blas            dense fp32 through the builtin loop instead of OpenBLAS
  --trials N           independent trials (each builds the model and runs it anew); decode
                       tokens/s and its 95% interval come from all of them (default: ${SAMPLING_DEFAULTS.trials})
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
      context: { type: 'string' },
      fill: { type: 'string' },
      'no-kv-quality': { type: 'boolean' },
      'lm-head': { type: 'string' },
      sparsity: { type: 'string' },
      'sparsity-level': { type: 'string' },
      'attention-sparsity': { type: 'string' },
      'attention-level': { type: 'string' },
      'attention-window': { type: 'string' },
      'attention-global': { type: 'string' },
      seed: { type: 'string' },
      'no-blas': { type: 'boolean' },
      trials: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(modelHelp);
    return;
  }
  const engine = oneOf('engine', values.engine, ENGINES, MODEL_COMMAND_DEFAULTS.engine);
  const quant = values.quant === undefined ? undefined : oneOf('quant', values.quant, LLAMA_QUANTS, MODEL_COMMAND_DEFAULTS.quant);
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
  const trials = positiveInteger('trials', values.trials, SAMPLING_DEFAULTS.trials);
  if (trials > MAX_TRIALS) throw new UsageError(`--trials: at most ${MAX_TRIALS}`);
  const preset = values.config === undefined ? values.preset ?? MODEL_COMMAND_DEFAULTS.preset : values.preset;
  const tokens = values.tokens === '0' ? 0 : positiveInteger('tokens', values.tokens, MODEL_COMMAND_DEFAULTS.tokens, MAX_MODEL_TOKENS);
  const prompt = positiveInteger('prompt', values.prompt, MODEL_COMMAND_DEFAULTS.prompt, MAX_MODEL_TOKENS);
  // A preset's positions are known here (a --config's only once it is read, by the job).
  if (values.config === undefined && preset !== undefined && isPresetName(preset) && prompt + tokens > MODEL_PRESETS[preset].maxPositions) {
    throw new UsageError(`--tokens: --prompt ${prompt} + --tokens ${tokens} exceeds ${preset}'s ${MODEL_PRESETS[preset].maxPositions} positions`);
  }
  const kv = oneOf('kv', values.kv, KV_DTYPES, MODEL_COMMAND_DEFAULTS.kv);
  const context = values.context === undefined ? undefined : positiveInteger('context', values.context, prompt);
  if (context !== undefined && (context < prompt || context > MAX_CONTEXT)) {
    throw new UsageError(`--context: expected ${prompt} (the prompt) to ${MAX_CONTEXT} but received ${context}`);
  }
  const fill = values.fill === undefined ? undefined : oneOf('fill', values.fill, KV_FILLS, MODEL_COMMAND_DEFAULTS.fill);
  if (engine === 'llama.cpp' && (context !== undefined || fill !== undefined)) {
    throw new UsageError(`--${context !== undefined ? 'context' : 'fill'}: only bitbench fills the KV cache to a context position`);
  }
  if (engine === 'llama.cpp' && kv !== 'bf16' && kv !== 'int8') {
    throw new UsageError(`--kv: llama.cpp has no fp8 KV cache; use bf16 or int8`);
  }
  const sparsity = activationSparsity(values.sparsity, values['sparsity-level']);
  if (engine === 'llama.cpp' && sparsity) throw new UsageError(`--sparsity: only bitbench's paths zero activations`);
  const sparseAttention = attentionSparsity(values, context ?? prompt);
  if (engine === 'llama.cpp' && sparseAttention) throw new UsageError(`--attention-sparsity: only bitbench's attention drops positions`);
  const spec = {
    ...(preset !== undefined ? { preset } : {}),
    ...(values.config !== undefined ? { config: values.config } : {}),
    path: oneOf('path', values.path, PATHS, MODEL_COMMAND_DEFAULTS.path),
    batch: positiveInteger('batch', values.batch, MODEL_COMMAND_DEFAULTS.batch, MAX_SEQUENCES),
    prompt,
    tokens,
    threads: threadCount(values.threads, MODEL_COMMAND_DEFAULTS.threads),
    kv,
    ...(context !== undefined ? { context } : {}),
    ...(fill !== undefined ? { fill } : {}),
    ...(values['no-kv-quality'] ? { kvQuality: false } : {}),
    lmHead: oneOf('lm-head', values['lm-head'], ['bf16', 'int8'] as const, MODEL_COMMAND_DEFAULTS.lmHead),
    seed: values.seed === '0' ? 0 : positiveInteger('seed', values.seed, MODEL_COMMAND_DEFAULTS.seed),
    useBlas: !values['no-blas'],
    ...(sparsity ?? {}),
    ...(sparseAttention ?? {}),
    ...(isa ? { isa } : {}),
    ...(engine === 'llama.cpp' ? { engine, quant: quant ?? MODEL_COMMAND_DEFAULTS.quant } : {}),
    ...(values['gguf-cache'] !== undefined ? { ggufCache: values['gguf-cache'] } : {}),
  };
  const label = engine === 'llama.cpp' ? `llama.cpp ${spec.quant}` : spec.path;
  const progress = progressLine(`${label} on ${preset ?? values.config}`);
  const result = await runModelTrials(spec, trials, progress.update);
  progress.done();
  printOut(values.json ? jsonLine(result) : describeModelResult(result));
}

/** --sparsity and --sparsity-level, checked together: the level's meaning depends on the mode. */
function activationSparsity(modeText: string | undefined, levelText: string | undefined) {
  const mode = oneOf('sparsity', modeText, ACTIVATION_SPARSITY_MODES, MODEL_COMMAND_DEFAULTS.sparsity);
  if (mode === 'none') {
    if (levelText !== undefined) throw new UsageError(`--sparsity-level: needs --sparsity ${ACTIVATION_SPARSITY_MODES.slice(1).join('|')}`);
    return undefined;
  }
  if (levelText === undefined) throw new UsageError(`--sparsity-level: required with --sparsity ${mode}`);
  const sparsityLevel = mode === 'threshold' ? positiveNumber('sparsity-level', levelText) : ratio('sparsity-level', levelText);
  return { sparsity: mode, sparsityLevel };
}

/** --attention-sparsity with its level, or its window and global tokens. */
function attentionSparsity(values: Record<string, string | boolean | undefined>, context: number) {
  const text = (flag: string) => values[flag] as string | undefined;
  const mode = oneOf('attention-sparsity', text('attention-sparsity'), ATTENTION_SPARSITY_MODES, MODEL_COMMAND_DEFAULTS.attentionSparsity);
  const windowFlags = ['attention-window', 'attention-global'].filter((flag) => text(flag) !== undefined);
  if (mode !== 'window' && windowFlags.length > 0) throw new UsageError(`--${windowFlags[0]}: needs --attention-sparsity window`);
  if (mode === 'none' || mode === 'window') {
    if (text('attention-level') !== undefined) throw new UsageError(`--attention-level: needs --attention-sparsity top-k|threshold|dynamic`);
  }
  if (mode === 'none') return undefined;
  if (mode === 'window') {
    if (text('attention-window') === undefined) throw new UsageError(`--attention-window: required with --attention-sparsity window`);
    const attentionWindow = positiveInteger('attention-window', text('attention-window'), 1);
    const global = text('attention-global');
    const attentionGlobal = global?.trim() === '0' ? 0 : positiveInteger('attention-global', global, MODEL_COMMAND_DEFAULTS.attentionGlobal);
    if (attentionWindow + attentionGlobal >= context) {
      throw new UsageError(`--attention-window: ${attentionWindow} plus ${attentionGlobal} global tokens keeps every position below the context (${context}); use a smaller window or a longer --context`);
    }
    return { attentionSparsity: mode, attentionWindow, attentionGlobal };
  }
  if (text('attention-level') === undefined) throw new UsageError(`--attention-level: required with --attention-sparsity ${mode}`);
  return { attentionSparsity: mode, attentionLevel: ratio('attention-level', text('attention-level')!) };
}

function describeAttentionSparsity(r: ModelResult): string[] {
  const a = r.attentionSparsity;
  if (!a) return [];
  const setting = a.mode === 'window' ? `window ${a.window} + ${a.global} global` : `${a.mode} ${a.level}`;
  const cosine = a.cosineMin === null ? 'quality pass skipped' : `min cosine vs dense attention ${a.cosineMin.toFixed(5)}`;
  return [`  sparse att ${setting}: ${(100 * a.sparsity).toFixed(1)}% of scores dropped; ${cosine}`];
}

function describeSparsity(r: ModelResult): string[] {
  const s = r.sparsity;
  if (!s) return [];
  const cosine = s.logitsCosineMin === null ? 'no decode steps' : `logits cosine vs dense min ${s.logitsCosineMin.toFixed(4)}, mean ${s.logitsCosineMean!.toFixed(4)}`;
  return [
    `  sparsity   ${s.mode} ${s.level}: ${(100 * s.zeroFraction).toFixed(1)}% of ternary-layer inputs zero (the squared ReLU's own zeros included), ${(100 * s.zeroBlockFraction).toFixed(1)}% of column blocks; sparse kernel on ${(100 * s.sparseCallFraction).toFixed(0)}% of calls`,
    `  vs dense   ${s.denseDecodeTokS.toFixed(2)} tokens/s dense (interleaved steps): ${s.speedup.toFixed(3)}x; ${cosine}`,
  ];
}

/** Three significant digits: 0.0213 ms and 46.2 ms both say something. */
function ms(value: number): string {
  return value >= 100 ? value.toFixed(0) : value.toPrecision(3);
}

/**
 * Where a decode step's time went (bitbench engine): the ternary projections, the LM head,
 * attention, and the rest (norms, RoPE, KV writes, sparsity selection, residual adds), each
 * per step and as a share of it, all from the same trial.
 */
function describeStep(r: ModelResult): string[] {
  const parts = [
    ['ternary layers', r.projectionMsPerStep, r.projectionShare],
    ['LM head', r.lmHeadMsPerStep, r.lmHeadShare],
    ['attention', r.attentionMsPerStep, r.attentionShare],
  ] as const;
  if (!parts.every(([, time, share]) => Number.isFinite(time) && Number.isFinite(share) && share! > 0)) return [];
  const stepMs = r.projectionMsPerStep! / r.projectionShare!;
  const restShare = Math.max(0, 1 - parts.reduce((sum, [, , share]) => sum + share!, 0));
  const describe = (name: string, time: number, share: number) => `${name} ${ms(time)} ms (${(100 * share).toFixed(0)}%)`;
  return [`  step       ${[...parts.map(([name, time, share]) => describe(name, time!, share!)), describe('the rest', restShare * stepMs, restShare)].join(', ')}`];
}

/** The KV cache lines: where decode ran, what attention cost there, how close to bf16. */
function describeKv(r: ModelResult): string[] {
  if (r.context === undefined || r.kvBytesPerSequence === undefined) return [];
  const share = r.attentionShare !== undefined && Number.isFinite(r.attentionShare) ? ` (${(100 * r.attentionShare).toFixed(0)}% of the step)` : '';
  const attention = r.attentionMsPerStep !== undefined && Number.isFinite(r.attentionMsPerStep) ? `${ms(r.attentionMsPerStep)} ms per step${share}, ${r.attentionKernel ?? ''} kernels` : 'no decode steps';
  const quality = r.kvCosineMin === null || r.kvCosineMin === undefined ? 'quality pass skipped' : `min cosine vs bf16 attention ${r.kvCosineMin.toFixed(5)}`;
  return [
    `  context    ${r.context} positions (${r.fill} fill${r.fillMs !== undefined && r.fillMs > 0 ? `, ${(r.fillMs / 1000).toFixed(1)} s` : ''}); KV ${r.kv} ${formatBytes(r.kvBytesPerSequence)} per sequence; ${quality}`,
    `  attention  ${attention}`,
  ];
}

/** Where the roofline's bandwidth came from (runner/roofline.ts). */
function rooflineBandwidthText(r: ModelResult): string {
  const at = `${r.bandwidthGBs.toFixed(1)} GB/s`;
  if (r.bandwidthSource !== 'run' || r.probeBandwidthGBs === undefined) return `${at} measured`;
  return `${at}, this run's own reads (the bandwidth probe read ${r.probeBandwidthGBs.toFixed(1)} GB/s around it: a shared or busy memory system)`;
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
    ...(r.trials && r.trials.length > 1 && r.decodeTokSCi95
      ? [`  trials     ${r.trials.length} (${r.trials.map((t) => t.decodeTokS.toFixed(2)).join(', ')} tokens/s); 95% CI ${r.decodeTokSCi95[0].toFixed(2)} .. ${r.decodeTokSCi95[1].toFixed(2)}; CV within ${(100 * (r.withinTrialCv ?? 0)).toFixed(1)}%, between ${(100 * (r.betweenTrialCv ?? 0)).toFixed(1)}%` +
          (r.decodeTokSRerun95 ? `; a repeat run: ${r.decodeTokSRerun95[0].toFixed(2)} .. ${r.decodeTokSRerun95[1].toFixed(2)}` : '')]
      : []),
    `  prefill    ${r.prefillTokS.toFixed(1)} tokens/s  (time to first token ${ms(r.ttftMs)} ms)`,
    `  roofline   ${r.rooflineTokS.toFixed(2)} tokens/s at ${rooflineBandwidthText(r)}; reached ${(100 * r.rooflineFraction).toFixed(0)}%`,
    ...describeStep(r),
    ...describeKv(r),
    ...describeAttentionSparsity(r),
    ...describeSparsity(r),
    `  per token  ${formatBytes(r.bytesPerToken)} read (weights ${formatBytes(r.weightBytesPerStep)} and KV ${formatBytes(r.kvBytesPerStep)} per step)`,
    `  memory     peak RSS ${formatBytes(r.peakRssBytes)} (estimated ${formatBytes(r.estimateBytes)}); weights ${r.engine === 'llama.cpp' ? 'loaded' : 'built'} in ${(r.buildMs / 1000).toFixed(1)} s`,
  ];
  return lines.join('\n') + '\n';
}
