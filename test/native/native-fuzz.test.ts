// Throws random wrong types and values at every function the raw addon exports. Each call
// must return (or resolve) or throw (or reject) a JS Error: never crash, hang or leave a
// promise unsettled. The main loop runs in a child node process so that a crash (SIGSEGV,
// SIGILL, abort) is a clean test failure rather than a dead test worker.
//
// The fuzz core is plain JavaScript kept in a string: the child is a bare `node` (no
// TypeScript loader), and the same source is imported in-process for a smaller run.
// Last, worker threads that load the addon exit or are terminated (also in a child).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { addon, addonPath } from '../../native/addon.js';

const CHILD_ITERATIONS = 400;
const IN_PROCESS_ITERATIONS = 80;
const CHILD_TIMEOUT_MS = 90_000;

/**
 * Exports `fuzz(addon, { seed, iterations })` -> { calls, returned, threw, resolved,
 * rejected, errorClasses, violations }. Numbers that are valid are kept small (n, k, batch,
 * threads <= 8; coldBytes only with cache 'hot' or a few KiB) so no valid call allocates
 * much or runs long; everything else is chosen to be wrong.
 */
const FUZZ_CORE_SOURCE = String.raw`
import { types } from 'node:util';

const PATHS = ['baseline', 'cached-f32', 'cached-bf16', 'fused'];
const ALLOWED_ERROR_NAMES = new Set(['Error', 'TypeError', 'RangeError', 'GetterBoom']);
const GETTER_STRING = 'getter threw a string';

class GetterBoom extends Error {
  constructor() {
    super('a getter threw on purpose');
    this.name = 'GetterBoom';
  }
}

function makeRng(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (bound) => Math.floor(next() * bound);
  return { next, int, pick: (items) => items[int(items.length)], chance: (p) => next() < p };
}

function detachedUint8Array(length) {
  const view = new Uint8Array(length);
  structuredClone(view.buffer, { transfer: [view.buffer] });
  return view;
}

function revokedProxy() {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

// Values wrong for every field, or valid but tiny. No number here is a valid size above 3
// except ones past every field's maximum.
function junkValues(rng) {
  return [
    undefined, null, true, false,
    0, -0, -1, -7, 0.5, 1.5, NaN, Infinity, -Infinity, 1e300, -1e300, 2 ** 64, -(2 ** 64),
    Number.MAX_VALUE, Number.MIN_VALUE, 1, 2, 3,
    '', '4', '1', 'hot', 'cold', 'fused', 'scalar', 'x'.repeat(300), '\u0000', '\ud800',
    Symbol('fuzz'), 10n, -1n, 2n ** 70n,
    {}, [], [1, 2, 3], [[]], () => 4, new Date(0), /x/, new Map(), new Error('a value'),
    new Number(4), new String('4'), new Boolean(true), Object.create(null),
    new Uint8Array(0), new Uint8Array(3), new Int8Array(4), new Uint8ClampedArray(4),
    new Float32Array(5), new Float64Array(2), new Uint16Array(2), new Int32Array(3),
    new BigInt64Array(1), new DataView(new ArrayBuffer(8)), new ArrayBuffer(8),
    new Uint8Array(new SharedArrayBuffer(8)), new Float32Array(new ArrayBuffer(64), 8, 3),
    new Uint8Array(new ArrayBuffer(8, { maxByteLength: 64 })), Buffer.from('abc'),
    detachedUint8Array(16),
    throwingGetters(rng), new Proxy({}, { get() { throw new GetterBoom(); } }),
    revokedProxy(),
  ];
}

function throwingGetters() {
  const object = {};
  for (const key of ['n', 'k', 'batch', 'threads', 'path', 'isa', 'packed', 'x', 'length'])
    Object.defineProperty(object, key, { enumerable: true, get() { throw new GetterBoom(); } });
  return object;
}

// Per field: values that are wrong or small-and-valid, never undefined where a default would
// be large (coldBytes 1 GiB, minTimeMs 200 ms, maxSamples 1000).
function fieldJunk(rng, key, base) {
  const junk = junkValues(rng).filter((v) => !(typeof v === 'string' && v === 'cold'));
  switch (key) {
    case 'path': return rng.pick([...PATHS, 'fast', 'Fused', '', 'fused-i8', ...junk]);
    case 'isa': return rng.pick(['scalar', 'avx2', 'avx512', 'neon', 'sse9', 'AVX2', ...junk]);
    case 'cache': return rng.pick(['hot', 'warm', 'HOT', 5, null, {}, [], true, NaN]);
    case 'coldBytes': case 'minTimeMs': case 'maxSamples': case 'minSamples': case 'warmup':
      return rng.pick(junk.filter((v) => v !== undefined));
    case 'packed': return rng.pick([
      new Float32Array(base.packed.length), new Int8Array(base.packed.length),
      new Uint8Array(base.packed.length + 1), new Uint8Array(Math.max(0, base.packed.length - 1)),
      new Uint8Array(base.packed.length).fill(0xff), // code 3 everywhere
      Uint8Array.from(base.packed, (b) => b ^ 0x01), // other codes, padding broken
      ...junk]);
    case 'x': return rng.pick([
      new Uint8Array(base.x.length * 4), new Float64Array(base.x.length),
      new Float32Array(base.x.length + 1), new Float32Array(base.x.length).fill(NaN),
      new Float32Array(base.x.length).fill(Infinity), ...junk]);
    case 'scale': return rng.pick([NaN, Infinity, 1e30, -1e30, 1e31, 0, -0, 5e-324, '0.5', ...junk]);
    case 'seed': return rng.pick([0, 1, 2 ** 53, 2 ** 53 + 2, -1, 1.5, ...junk]);
    case 'useBlas': return rng.pick([true, false, 'true', 1, 0, null, ...junk]);
    default: return rng.pick(junk);
  }
}

function randomCode(rng) { return rng.int(3); }

// A valid request: n, k, batch, threads small; arrays of the right kinds and lengths, some
// of them views at an offset into a larger buffer.
let supportedIsas = ['scalar'];

function validSpec(rng, forBenchmark) {
  const n = 1 + rng.int(8);
  const k = 1 + rng.int(40);
  const batch = 1 + rng.int(3);
  const rowBytes = Math.ceil(k / 4);
  const packedBuffer = new ArrayBuffer(n * rowBytes + 16);
  const packed = new Uint8Array(packedBuffer, rng.int(16), n * rowBytes);
  for (let row = 0; row < n; row++)
    for (let j = 0; j < rowBytes; j++) {
      let byte = 0;
      for (let m = 0; m < 4; m++) byte |= (4 * j + m < k ? randomCode(rng) : 1) << (6 - 2 * m);
      packed[row * rowBytes + j] = byte;
    }
  const x = new Float32Array(batch * k);
  for (let i = 0; i < x.length; i++) x[i] = rng.next() * 2 - 1;
  const spec = { path: rng.pick(PATHS), n, k, batch, threads: 1 + rng.int(3) };
  if (rng.chance(0.5)) spec.isa = rng.pick(supportedIsas);
  if (rng.chance(0.5)) spec.scale = rng.next() * 4 - 2;
  if (rng.chance(0.3)) spec.useBlas = rng.chance(0.5);
  if (forBenchmark) {
    Object.assign(spec, { cache: 'hot', minSamples: 1, maxSamples: 1, minTimeMs: 0, warmup: 0 });
    if (rng.chance(0.2)) Object.assign(spec, { cache: 'cold', coldBytes: 1 + rng.int(16384) });
    if (rng.chance(0.5)) spec.packed = packed;
    if (rng.chance(0.3)) spec.seed = rng.int(1000);
  } else {
    spec.packed = packed;
    spec.x = x;
  }
  return { spec, packed, x };
}

const KERNEL_KEYS = ['path', 'isa', 'n', 'k', 'batch', 'threads', 'scale', 'useBlas', 'packed', 'x'];
const BENCH_KEYS = [...KERNEL_KEYS.filter((key) => key !== 'x'), 'cache', 'coldBytes', 'warmup',
  'minSamples', 'maxSamples', 'minTimeMs', 'seed'];

// A field's value without running a getter the fuzz may have put there.
function ownValue(object, key) {
  const descriptor = Object.getOwnPropertyDescriptor(object, key);
  return descriptor && 'value' in descriptor ? descriptor.value : undefined;
}

function mutatedSpec(rng, forBenchmark) {
  const { spec, packed, x } = validSpec(rng, forBenchmark);
  const base = { packed, x };
  const keys = forBenchmark ? BENCH_KEYS : KERNEL_KEYS;
  const mutations = rng.pick([0, 0, 0, 1, 1, 1, 2, 3]);
  for (let i = 0; i < mutations; i++) {
    const key = rng.pick(keys);
    const style = rng.int(10);
    if (style === 0) {
      Object.defineProperty(spec, key, { enumerable: true, configurable: true, get() { throw new GetterBoom(); } });
    } else if (style === 1) {
      Object.defineProperty(spec, key, { enumerable: true, configurable: true, get() { throw GETTER_STRING; } });
    } else if (style === 2) {
      // A getter that answers differently on each read (the addon may read a key twice).
      const answers = [ownValue(spec, key), fieldJunk(rng, key, base), undefined];
      let reads = 0;
      Object.defineProperty(spec, key, { enumerable: true, configurable: true,
        get() { return answers[Math.min(reads++, answers.length - 1)]; } });
      if ((key === 'minTimeMs' || key === 'maxSamples' || key === 'coldBytes') && forBenchmark) {
        // undefined there means a large default: answer the first value forever instead.
        const first = answers[0];
        Object.defineProperty(spec, key, { enumerable: true, configurable: true, get() { return first; } });
      }
    } else {
      Object.defineProperty(spec, key, { value: fieldJunk(rng, key, base), enumerable: true, writable: true, configurable: true });
    }
  }
  if (forBenchmark && ownValue(spec, 'cache') === 'cold') {
    const bytes = Object.getOwnPropertyDescriptor(spec, 'coldBytes');
    if (!bytes || !('value' in bytes) || (typeof bytes.value === 'number' && bytes.value > 65536))
      Object.defineProperty(spec, 'coldBytes', { value: 4096, enumerable: true, writable: true, configurable: true });
  }
  if (rng.chance(0.1)) spec.unknownField = fieldJunk(rng, 'other', base);
  const wrap = rng.int(12);
  if (wrap === 0) return new Proxy(spec, {});
  if (wrap === 1) return new Proxy(spec, { get(target, key) { if (key === rng.pick(keys)) throw new GetterBoom(); return target[key]; } });
  if (wrap === 2) return Object.create(spec); // every field inherited
  if (wrap === 3) return Object.freeze(spec);
  return spec;
}

function describeValue(value) {
  try {
    if (typeof value === 'symbol' || typeof value === 'bigint') return String(value);
    if (types.isNativeError(value)) return value.name + ': ' + value.message;
    return typeof value + ' ' + String(value).slice(0, 80);
  } catch {
    return typeof value;
  }
}

function checkThrown(error, where, stats) {
  if (error === GETTER_STRING) { stats.getterValues++; return; }
  if (!types.isNativeError(error)) {
    stats.violations.push(where + ': threw a non-Error ' + describeValue(error));
    return;
  }
  stats.errorClasses[error.name] = (stats.errorClasses[error.name] || 0) + 1;
  if (!ALLOWED_ERROR_NAMES.has(error.name))
    stats.violations.push(where + ': threw ' + error.name + ' (' + error.message + ')');
  else if (typeof error.message !== 'string' || error.message.length === 0)
    stats.violations.push(where + ': threw ' + error.name + ' with an empty message');
}

function checkResolved(name, value, where, stats) {
  if (name === 'runKernel' && !(value instanceof Float32Array))
    stats.violations.push(where + ': runKernel resolved to ' + describeValue(value));
  if (name === 'benchmarkKernel' &&
      !(value && value.samplesNs instanceof Float64Array && value.samplesNs.length >= 1 && typeof value.kernel === 'string'))
    stats.violations.push(where + ': benchmarkKernel resolved to ' + describeValue(value));
}

const SETTLE_TIMEOUT_MS = 20000;

export async function fuzz(addon, { seed, iterations }) {
  const rng = makeRng(seed);
  const stats = { calls: 0, returned: 0, threw: 0, resolved: 0, rejected: 0, getterValues: 0,
    errorClasses: {}, violations: [] };
  const names = ['cpuFeatures', 'implementations', 'buildInfo', 'runKernel', 'benchmarkKernel'];
  supportedIsas = addon.implementations().filter((impl) => impl.supported).map((impl) => impl.name);
  for (const name of names)
    if (typeof addon[name] !== 'function') stats.violations.push('addon.' + name + ' is not a function');
  let pending = [];

  const settleAll = async () => {
    const batch = pending;
    pending = [];
    let timer;
    const timeout = new Promise((resolve) => { timer = setTimeout(() => resolve('timeout'), SETTLE_TIMEOUT_MS); });
    const all = Promise.all(batch.map(({ promise, name, where }) =>
      promise.then(
        (value) => { stats.resolved++; checkResolved(name, value, where, stats); },
        (error) => { stats.rejected++; checkThrown(error, where + ' (rejected)', stats); })));
    if ((await Promise.race([all, timeout])) === 'timeout')
      stats.violations.push('promises did not settle within ' + SETTLE_TIMEOUT_MS + ' ms');
    clearTimeout(timer);
  };

  for (let i = 0; i < iterations; i++) {
    const name = rng.pick([...names, 'runKernel', 'benchmarkKernel', 'runKernel']);
    const fn = addon[name];
    let args;
    const kind = rng.int(10);
    const kernel = name === 'runKernel' || name === 'benchmarkKernel';
    if (kernel && kind < 7) {
      args = [mutatedSpec(rng, name === 'benchmarkKernel')];
      if (rng.chance(0.1)) args.push(...junkValues(rng).slice(0, rng.int(4)));
    } else {
      const junk = junkValues(rng);
      args = Array.from({ length: rng.int(4) }, () => rng.pick(junk));
    }
    const where = 'iteration ' + i + ' ' + name + '(' + args.map(describeValue).join(', ') + ')';
    stats.calls++;
    let result;
    try {
      const how = rng.int(20);
      if (how === 0) result = Reflect.construct(fn, args);
      else if (how === 1) result = fn.apply(rng.pick(junkValues(rng)), args);
      else result = fn(...args);
    } catch (error) {
      stats.threw++;
      checkThrown(error, where, stats);
      continue;
    }
    stats.returned++;
    if (kernel) {
      if (!(result instanceof Promise)) stats.violations.push(where + ': returned ' + describeValue(result) + ', not a Promise');
      else pending.push({ promise: result, name, where });
    } else if (result === null || typeof result !== 'object') {
      stats.violations.push(where + ': returned ' + describeValue(result));
    }
    // Let several kernel calls run at once now and then (libuv pool plus the kernel pool).
    if (pending.length >= 1 + rng.int(8)) await settleAll();
  }
  await settleAll();

  // Still healthy after all that: a known product comes out right.
  const y = await addon.runKernel({ path: 'fused', n: 2, k: 5, batch: 1, threads: 2, scale: 2,
    packed: Uint8Array.from([0b10011010, 0b10010101, 0b00000000, 0b01010101]),
    x: Float32Array.from([1, 2, 3, 4, 5]) });
  // Row 0: [1, 0, 1, 1, 1] . x = 13; row 1: [-1, -1, -1, -1, 0] . x = -10; times scale 2.
  if (y[0] !== 26 || y[1] !== -20) stats.violations.push('final check: got ' + Array.from(y).join(', ') + ', expected 26, -20');
  return stats;
}
`;

const CHILD_MAIN_SOURCE = String.raw`
import { createRequire } from 'node:module';
const [addonPath, coreUrl, seed, iterations] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const addon = require(addonPath);
const { fuzz } = await import(coreUrl);
const stats = await fuzz(addon, { seed: Number(seed), iterations: Number(iterations) });
process.stdout.write(JSON.stringify(stats) + '\n');
process.exitCode = stats.violations.length === 0 ? 0 : 1;
`;

// Worker threads that load the addon: node unloads (dlclose) an addon when the last worker
// that loaded it exits, and the kernel calls of a terminated worker complete into a dying
// environment. Neither may take the process down. argv: addonPath, mode, rounds.
//   exit:      each worker runs kernels on threads: 2 (the shared kernel thread pool), then
//              process.exit()s right after the last call resolved.
//   terminate: each worker starts kernel calls on threads: 1 (no kernel pool) and is
//              terminated by the parent while they are in flight.
const WORKER_MAIN_SOURCE = String.raw`
import { Worker } from 'node:worker_threads';
const [addonPath, mode, rounds] = process.argv.slice(2);
const exitSource = [
  'const addon = require(' + JSON.stringify(addonPath) + ');',
  'const packed = new Uint8Array(64 * 64 / 4).fill(0x55);',
  'const x = new Float32Array(2 * 64);',
  'let left = 20;',
  "const next = () => addon.runKernel({ path: 'fused', n: 64, k: 64, batch: 2, threads: 2, packed, x })",
  '  .then(() => (--left > 0 ? next() : process.exit(0)));',
  'next();',
].join('\n');
const terminateSource = [
  'const addon = require(' + JSON.stringify(addonPath) + ');',
  'const n = 256, k = 1024;',
  'const packed = new Uint8Array(n * k / 4).fill(0x55);',
  'const x = new Float32Array(4 * k);',
  "for (let i = 0; i < 8; i++) addon.runKernel({ path: 'baseline', n, k, batch: 4, threads: 1, packed, x });",
  "require('node:worker_threads').parentPort.postMessage('started');",
].join('\n');
for (let round = 0; round < Number(rounds); round++) {
  const worker = new Worker(mode === 'exit' ? exitSource : terminateSource, { eval: true });
  const exited = new Promise((resolve) => worker.once('exit', resolve));
  worker.on('error', (error) => { console.error('worker error', error); process.exitCode = 1; });
  if (mode === 'terminate') {
    await new Promise((resolve) => worker.once('message', resolve));
    await worker.terminate();
  }
  await exited;
}
process.stdout.write('survived ' + rounds + ' workers\n');
`;

interface FuzzStats {
  calls: number;
  returned: number;
  threw: number;
  resolved: number;
  rejected: number;
  getterValues: number;
  errorClasses: Record<string, number>;
  violations: string[];
}

const workDir = mkdtempSync(join(tmpdir(), 'bitbench-fuzz-'));
const corePath = join(workDir, 'fuzz-core.mjs');
const mainPath = join(workDir, 'fuzz-main.mjs');
const workerMainPath = join(workDir, 'worker-main.mjs');
writeFileSync(corePath, FUZZ_CORE_SOURCE);
writeFileSync(mainPath, CHILD_MAIN_SOURCE);
writeFileSync(workerMainPath, WORKER_MAIN_SOURCE);

afterAll(() => rmSync(workDir, { recursive: true, force: true }));

function runChild(seed: number, iterations: number) {
  const child = spawnSync(process.execPath, [mainPath, addonPath, pathToFileURL(corePath).href, String(seed), String(iterations)], {
    encoding: 'utf8',
    timeout: CHILD_TIMEOUT_MS,
    maxBuffer: 16 * 1024 * 1024,
  });
  const lastLine = child.stdout.trim().split('\n').pop() ?? '';
  let stats: FuzzStats | undefined;
  try {
    stats = JSON.parse(lastLine) as FuzzStats;
  } catch {
    stats = undefined;
  }
  return { child, stats };
}

function expectUseful(stats: FuzzStats, iterations: number): void {
  expect(stats.violations).toEqual([]);
  expect(stats.calls).toBe(iterations);
  // The fuzz must reach the kernels, not only the argument checks.
  expect(stats.resolved).toBeGreaterThan(iterations / 20);
  expect(stats.threw + stats.rejected).toBeGreaterThan(iterations / 4);
  expect(Object.keys(stats.errorClasses)).toEqual(expect.arrayContaining(['TypeError', 'RangeError']));
}

describe('native addon fuzz', () => {
  it.each([1, 2])(`child process, seed %i: ${CHILD_ITERATIONS} random calls, no crash, only JS Errors`, (seed) => {
    const { child, stats } = runChild(seed, CHILD_ITERATIONS);
    const diagnosis = `status ${child.status}, signal ${child.signal}, error ${child.error?.message}\n` +
      `stdout: ${child.stdout.slice(-2000)}\nstderr: ${child.stderr.slice(-4000)}`;
    expect(child.error, diagnosis).toBeUndefined();
    expect(child.signal, diagnosis).toBeNull();
    expect(child.status, diagnosis).toBe(0);
    expect(stats, diagnosis).toBeDefined();
    expectUseful(stats!, CHILD_ITERATIONS);
  });

  it(`in process: ${IN_PROCESS_ITERATIONS} random calls, no crash, only JS Errors`, async () => {
    const core = (await import(/* @vite-ignore */ pathToFileURL(corePath).href)) as {
      fuzz(target: unknown, options: { seed: number; iterations: number }): Promise<FuzzStats>;
    };
    const stats = await core.fuzz(addon, { seed: 3, iterations: IN_PROCESS_ITERATIONS });
    expect(stats.violations).toEqual([]);
    expect(stats.calls).toBe(IN_PROCESS_ITERATIONS);
  });

  it('every export answers no arguments and junk arguments', () => {
    for (const name of ['cpuFeatures', 'implementations', 'buildInfo'] as const) {
      for (const args of [[], [1], ['x'], [null], [undefined, {}, []]]) {
        const result = (addon[name] as (...a: unknown[]) => unknown)(...args);
        expect(typeof result, name).toBe('object');
      }
    }
    for (const name of ['runKernel', 'benchmarkKernel'] as const) {
      const fn = addon[name] as (...a: unknown[]) => unknown;
      expect(() => fn(), name).toThrow(TypeError);
      expect(() => fn(), name).toThrow(/for spec/);
      for (const bad of [1, 'x', null, [], new Uint8Array(2), () => 1]) expect(() => fn(bad), name).toThrow(TypeError);
      expect(() => fn({}), name).toThrow(/batch/);
    }
  });
});

describe('worker threads that use the addon', () => {
  function runWorkers(mode: 'exit' | 'terminate', rounds: number) {
    const child = spawnSync(process.execPath, [workerMainPath, addonPath, mode, String(rounds)], {
      encoding: 'utf8',
      timeout: CHILD_TIMEOUT_MS,
    });
    const diagnosis = `status ${child.status}, signal ${child.signal}, error ${child.error?.message}\n` +
      `stdout: ${child.stdout.slice(-2000)}\nstderr: ${child.stderr.slice(-4000)}`;
    expect(child.error, diagnosis).toBeUndefined();
    expect(child.signal, diagnosis).toBeNull();
    expect(child.status, diagnosis).toBe(0);
    expect(child.stdout, diagnosis).toContain(`survived ${rounds} workers`);
  }

  // The addon is unloaded when the worker's environment goes; its kernel thread pool must not
  // be left running code that is no longer mapped.
  it('workers that ran kernels on two threads can exit; the process survives', () => {
    runWorkers('exit', 20);
  });

  // Completions of calls still in flight arrive while the worker's environment is torn down:
  // they must be dropped, not turned into an uncaught C++ exception (std::terminate).
  it('terminating a worker with kernel calls in flight leaves the process alive', () => {
    runWorkers('terminate', 5);
  });
});
