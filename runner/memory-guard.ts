// Whether a run's allocation fits in memory, decided before the native side allocates it: an
// OOM kill takes the whole runner with it, a MemoryGuardError fails one job with a reason.
// The native model supplies the exact byte estimate; this module only decides.
import { readFileSync } from 'node:fs';
import { freemem } from 'node:os';

const MIB = 1024 ** 2;

/** Where availableMemoryBytes looks; tests inject a reader and roots. */
export interface MemorySources {
  /** Returns a file's text, or undefined when it cannot be read. */
  readText?: (path: string) => string | undefined;
  procRoot?: string;
  cgroupRoot?: string;
  freemem?: () => number;
}

export interface AvailableMemory {
  bytes: number;
  /** What bounded the figure: `MemAvailable`, `os.freemem()`, or a cgroup limit. */
  source: string;
}

function readTextOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

// cgroup v1 writes "no limit" as a page-rounded 2^63 - 1 (9223372036854771712), v2 as "max".
// Anything above 1 PiB is treated as no limit too.
const NO_LIMIT_ABOVE = 2 ** 50;

function parseByteCount(text: string | undefined): number | undefined {
  const trimmed = text?.trim();
  if (!trimmed || !/^\d+$/.test(trimmed)) return undefined;
  return Number(trimmed);
}

function statValue(text: string | undefined, key: string): number | undefined {
  const match = text === undefined ? null : new RegExp(`^${key} (\\d+)$`, 'm').exec(text);
  return match ? Number(match[1]) : undefined;
}

/** The process's cgroup directory and every ancestor up to the mount root, deepest first. */
function cgroupDirectories(root: string, cgroupPath: string | undefined): string[] {
  const parts = (cgroupPath ?? '/').split('/').filter((p) => p !== '' && p !== '.' && p !== '..');
  const dirs: string[] = [];
  for (let depth = parts.length; depth >= 0; depth--) {
    dirs.push([root, ...parts.slice(0, depth)].join('/'));
  }
  return dirs;
}

interface CgroupLayout {
  version: 'v2' | 'v1';
  root: string;
  path: string | undefined;
  limitFile: string;
  usageFile: string;
  /** Page cache the kernel reclaims before it OOM-kills: usage minus this is the working set (as kubelet counts it). */
  inactiveFileKeys: string[];
}

function cgroupHeadroom(read: (path: string) => string | undefined, procRoot: string, cgroupRoot: string): AvailableMemory | undefined {
  const membership = read(`${procRoot}/self/cgroup`) ?? '';
  let v2Path: string | undefined;
  let v1Path: string | undefined;
  for (const line of membership.split('\n')) {
    const match = /^(\d+):([^:]*):(.*)$/.exec(line.trim());
    if (!match) continue;
    if (match[1] === '0' && match[2] === '') v2Path = match[3];
    else if (match[2]!.split(',').includes('memory')) v1Path = match[3];
  }
  const layouts: CgroupLayout[] = [
    { version: 'v2', root: cgroupRoot, path: v2Path, limitFile: 'memory.max', usageFile: 'memory.current', inactiveFileKeys: ['inactive_file'] },
    {
      version: 'v1', root: `${cgroupRoot}/memory`, path: v1Path, limitFile: 'memory.limit_in_bytes', usageFile: 'memory.usage_in_bytes',
      inactiveFileKeys: ['total_inactive_file', 'inactive_file'],
    },
  ];

  let best: AvailableMemory | undefined;
  for (const layout of layouts) {
    // Every ancestor's limit binds too (a systemd slice, a pod above a container). Inside a
    // container without its own cgroup namespace the listed path does not exist under the
    // mount, whose root is then the container's own cgroup; checking the root covers that.
    for (const dir of cgroupDirectories(layout.root, layout.path)) {
      const limit = parseByteCount(read(`${dir}/${layout.limitFile}`));
      if (limit === undefined || limit > NO_LIMIT_ABOVE) continue;
      const usage = parseByteCount(read(`${dir}/${layout.usageFile}`));
      if (usage === undefined) continue;
      const stat = read(`${dir}/memory.stat`);
      let inactiveFile = 0;
      for (const key of layout.inactiveFileKeys) {
        const value = statValue(stat, key);
        if (value !== undefined) {
          inactiveFile = value;
          break;
        }
      }
      const workingSet = Math.max(0, usage - inactiveFile);
      const headroom = Math.max(0, limit - workingSet);
      if (best === undefined || headroom < best.bytes) {
        best = { bytes: headroom, source: `cgroup ${layout.version} ${layout.limitFile} minus usage` };
      }
    }
  }
  return best;
}

/**
 * Memory a new allocation can take now: the smaller of the kernel's MemAvailable (os.freemem()
 * where /proc/meminfo is missing) and the headroom under any cgroup memory limit on this
 * process (limit minus usage, not counting inactive page cache).
 */
export function availableMemoryBytes(sources: MemorySources = {}): AvailableMemory {
  const read = sources.readText ?? readTextOrUndefined;
  const procRoot = sources.procRoot ?? '/proc';
  const cgroupRoot = sources.cgroupRoot ?? '/sys/fs/cgroup';

  const meminfo = read(`${procRoot}/meminfo`);
  const kib = meminfo === undefined ? null : /^MemAvailable:\s+(\d+)\s*kB$/m.exec(meminfo);
  let host: AvailableMemory = kib
    ? { bytes: Number(kib[1]) * 1024, source: 'MemAvailable' }
    : { bytes: (sources.freemem ?? freemem)(), source: 'os.freemem()' };

  const cgroup = cgroupHeadroom(read, procRoot, cgroupRoot);
  if (cgroup !== undefined && cgroup.bytes < host.bytes) host = cgroup;
  return host;
}

export interface MemoryMargin {
  /** Fraction of the available memory kept free. */
  fraction: number;
  /** Never keep less than this free. */
  minBytes: number;
}

// A tenth of what is free (at least 512 MiB) stays for the OS, the Node heap, allocator
// slack and whatever else shares the machine; the estimate itself is exact.
export const DEFAULT_MEMORY_MARGIN: Readonly<MemoryMargin> = Object.freeze({ fraction: 0.1, minBytes: 512 * MIB });

export interface MemoryFit {
  estimateBytes: number;
  availableBytes: number;
  marginBytes: number;
  source: string;
  /** What is left after the estimate and the margin; never negative when checkMemoryFits returns. */
  spareBytes: number;
}

export class MemoryGuardError extends Error {
  override name = 'MemoryGuardError';
  /** The same machine refuses the same run every time: a queue job fails at once (runner/errors.ts). */
  readonly code = 'ERR_BITBENCH_MEMORY_GUARD';
  readonly estimateBytes: number;
  readonly availableBytes: number;
  readonly marginBytes: number;
  readonly source: string;

  constructor(what: string, fit: Omit<MemoryFit, 'spareBytes'>) {
    super(
      `${what} needs about ${formatBytes(fit.estimateBytes)} but only ${formatBytes(fit.availableBytes)} is available ` +
        `(${fit.source}) with a ${formatBytes(fit.marginBytes)} margin; ` +
        'try a smaller preset, the fused or cached-bf16 path, or free memory',
    );
    this.estimateBytes = fit.estimateBytes;
    this.availableBytes = fit.availableBytes;
    this.marginBytes = fit.marginBytes;
    this.source = fit.source;
  }
}

function requireNonNegative(value: number, name: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`Expected a non-negative finite number for ${name} but received ${String(value)}`);
  }
}

/**
 * Throws a MemoryGuardError when `estimateBytes` plus the margin exceeds the available memory;
 * `what` names the run in the message (e.g. "cached-f32 on bitnet-b1.58-2b-4t").
 */
export function checkMemoryFits(
  estimateBytes: number,
  what: string,
  available: AvailableMemory = availableMemoryBytes(),
  margin: MemoryMargin = DEFAULT_MEMORY_MARGIN,
): MemoryFit {
  requireNonNegative(estimateBytes, 'estimateBytes');
  requireNonNegative(available.bytes, 'available.bytes');
  requireNonNegative(margin.minBytes, 'margin.minBytes');
  if (!(margin.fraction >= 0 && margin.fraction < 1)) {
    throw new RangeError(`Expected a number from 0 up to (not including) 1 for margin.fraction but received ${String(margin.fraction)}`);
  }
  const marginBytes = Math.max(margin.minBytes, margin.fraction * available.bytes);
  const fit = { estimateBytes, availableBytes: available.bytes, marginBytes, source: available.source };
  const spareBytes = available.bytes - marginBytes - estimateBytes;
  if (spareBytes < 0) throw new MemoryGuardError(what, fit);
  return { ...fit, spareBytes };
}

/** Decimal units, one decimal: "8.4 GB" from 0.1 GB up, "12.3 MB" below. */
export function formatBytes(n: number): string {
  if (Math.abs(n) >= 1e8) return `${(n / 1e9).toFixed(1)} GB`;
  return `${(n / 1e6).toFixed(1)} MB`;
}
