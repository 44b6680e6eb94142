// The cartesian product of a section's axes, as written (threads may be 'all', isa 'auto'),
// and the exclude rules over it. Validation counts with these before anything runs; expansion
// turns each surviving combination into a job.
import type { CacheMode, EngineName, KvDtype, LlamaQuant, LmHeadDtype, PathName, PresetName, SparsityPattern } from '../../runner/protocol/names.js';
import {
  valueList,
  type IsaChoice,
  type KernelExclude,
  type KernelSection,
  type ModelAttentionSparsityChoice,
  type ModelExclude,
  type ModelSection,
  type ModelSparsityChoice,
  type Shape,
  type ThreadsValue,
} from './matrix-schema.js';

export interface KernelCombination {
  path: PathName;
  shape: Shape;
  batch: number;
  threads: ThreadsValue;
  isa: IsaChoice;
  cache: CacheMode;
  sparsity: number | undefined;
  sparsityPattern: SparsityPattern | undefined;
}

export interface ModelCombination {
  preset: PresetName;
  engine: EngineName;
  /** bitbench's path, or llama.cpp's quant: which one the engine reads. */
  path: PathName;
  quant: LlamaQuant;
  batch: number;
  prompt: number;
  tokens: number;
  threads: ThreadsValue;
  isa: IsaChoice;
  kv: KvDtype;
  context: number | undefined;
  lmHead: LmHeadDtype;
  sparsity: ModelSparsityChoice;
  attentionSparsity: ModelAttentionSparsityChoice;
}

type Axes<T> = { [K in keyof T]: readonly T[K][] };

/** Every combination, first axis outermost, in the order the axes list their values. */
function* product<T extends object>(axes: Axes<T>): Generator<T> {
  const keys = Object.keys(axes) as (keyof T)[];
  const current = {} as T;
  function* walk(depth: number): Generator<T> {
    if (depth === keys.length) {
      yield { ...current };
      return;
    }
    const key = keys[depth]!;
    for (const value of axes[key]) {
      current[key] = value;
      yield* walk(depth + 1);
    }
  }
  yield* walk(0);
}

function axisSize<T extends object>(axes: Axes<T>): number {
  return Object.values<readonly unknown[]>(axes).reduce((size, values) => size * values.length, 1);
}

function kernelAxes(section: KernelSection): Axes<KernelCombination> {
  return {
    path: section.paths,
    shape: section.shapes,
    batch: section.batch,
    threads: section.threads,
    isa: section.isa,
    cache: section.cache,
    sparsity: section.sparsity ?? [undefined],
    sparsityPattern: section.sparsityPattern ?? [undefined],
  };
}

function modelAxes(section: ModelSection): Axes<ModelCombination> {
  return {
    preset: section.presets,
    engine: section.engines,
    path: section.paths,
    quant: section.quants,
    batch: section.batch,
    prompt: valueList(section.prompt),
    tokens: valueList(section.tokens),
    threads: section.threads,
    isa: section.isa,
    kv: section.kv,
    context: section.context ?? [undefined],
    lmHead: section.lmHead,
    sparsity: section.sparsity,
    attentionSparsity: section.attentionSparsity,
  };
}

/** Size of the product before excludes (to refuse absurd matrices without enumerating them). */
export function kernelProductSize(section: KernelSection): number {
  return axisSize(kernelAxes(section));
}

export function modelProductSize(section: ModelSection): number {
  return axisSize(modelAxes(section));
}

export function kernelCombinations(section: KernelSection): Generator<KernelCombination> {
  return product(kernelAxes(section));
}

export function modelCombinations(section: ModelSection): Generator<ModelCombination> {
  return product(modelAxes(section));
}

function isShape(value: unknown): value is Shape {
  return Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number');
}

/** An exclude value as the list of axis values it names ([n, k] is one shape, not two values). */
function ruleValues(key: string, rule: unknown): unknown[] {
  if (key === 'shape') return isShape(rule) ? [rule] : (rule as unknown[]);
  return valueList(rule);
}

/** A model's activation or attention sparsity setting as an exclude names it: by its mode. */
function sparsityModeOf(value: unknown): unknown {
  return typeof value === 'object' && value !== null && 'mode' in value ? (value as { mode: unknown }).mode : value;
}

function sameAxisValue(a: unknown, b: unknown): boolean {
  if (isShape(a) && isShape(b)) return a[0] === b[0] && a[1] === b[1];
  if (typeof a === 'object' && a !== null && 'mode' in a) return sparsityModeOf(a) === b;
  return a === b;
}

/** True when every axis the entry names holds (one of) its values in the combination. */
export function matchesExclude(combination: object, entry: KernelExclude | ModelExclude): boolean {
  const values = combination as Record<string, unknown>;
  return Object.entries(entry).every(([key, rule]) => {
    if (rule === undefined) return true;
    return ruleValues(key, rule).some((value) => sameAxisValue(values[key], value));
  });
}

export function isExcluded(combination: object, excludes: readonly (KernelExclude | ModelExclude)[] | undefined): boolean {
  return excludes !== undefined && excludes.some((entry) => matchesExclude(combination, entry));
}
