import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MEMORY_MARGIN,
  MemoryGuardError,
  availableMemoryBytes,
  checkMemoryFits,
  formatBytes,
  type MemorySources,
} from '../../runner/memory-guard.js';

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;

function meminfo(availableKib: number): string {
  return `MemTotal:       32000000 kB\nMemFree:         1000000 kB\nMemAvailable:   ${availableKib} kB\nBuffers:           10000 kB\n`;
}

/** A fake /proc and /sys/fs/cgroup: only the files listed exist. */
function fakeSystem(files: Record<string, string>, freemem = () => 3 * GIB): MemorySources {
  return {
    readText: (path) => files[path],
    procRoot: '/proc',
    cgroupRoot: '/sys/fs/cgroup',
    freemem,
  };
}

describe('availableMemoryBytes', () => {
  it('uses MemAvailable when there is no cgroup limit', () => {
    const sources = fakeSystem({ '/proc/meminfo': meminfo(16 * 1024 * 1024), '/proc/self/cgroup': '0::/\n' });
    expect(availableMemoryBytes(sources)).toEqual({ bytes: 16 * GIB, source: 'MemAvailable' });
  });

  it('falls back to os.freemem() without /proc/meminfo', () => {
    expect(availableMemoryBytes(fakeSystem({}))).toEqual({ bytes: 3 * GIB, source: 'os.freemem()' });
  });

  it('falls back to os.freemem() when meminfo has no MemAvailable line (old kernels)', () => {
    expect(availableMemoryBytes(fakeSystem({ '/proc/meminfo': 'MemTotal: 1000 kB\n' })).source).toBe('os.freemem()');
  });

  it('takes a cgroup v2 limit minus usage when that is smaller', () => {
    const sources = fakeSystem({
      '/proc/meminfo': meminfo(16 * 1024 * 1024),
      '/proc/self/cgroup': '0::/\n',
      '/sys/fs/cgroup/memory.max': `${4 * GIB}\n`,
      '/sys/fs/cgroup/memory.current': `${1 * GIB}\n`,
    });
    expect(availableMemoryBytes(sources)).toEqual({ bytes: 3 * GIB, source: 'cgroup v2 memory.max minus usage' });
  });

  it('does not count inactive page cache as used', () => {
    const sources = fakeSystem({
      '/proc/meminfo': meminfo(16 * 1024 * 1024),
      '/sys/fs/cgroup/memory.max': `${4 * GIB}`,
      '/sys/fs/cgroup/memory.current': `${3 * GIB}`,
      '/sys/fs/cgroup/memory.stat': `anon ${GIB}\nfile ${2 * GIB}\nactive_file ${GIB}\ninactive_file ${GIB}\n`,
    });
    expect(availableMemoryBytes(sources).bytes).toBe(2 * GIB);
  });

  it("ignores a cgroup v2 limit of 'max'", () => {
    const sources = fakeSystem({
      '/proc/meminfo': meminfo(16 * 1024 * 1024),
      '/proc/self/cgroup': '0::/\n',
      '/sys/fs/cgroup/memory.max': 'max\n',
      '/sys/fs/cgroup/memory.current': `${15 * GIB}\n`,
    });
    expect(availableMemoryBytes(sources)).toEqual({ bytes: 16 * GIB, source: 'MemAvailable' });
  });

  it('keeps MemAvailable when the cgroup leaves more room than the host has', () => {
    const sources = fakeSystem({
      '/proc/meminfo': meminfo(2 * 1024 * 1024),
      '/sys/fs/cgroup/memory.max': `${64 * GIB}`,
      '/sys/fs/cgroup/memory.current': `${GIB}`,
    });
    expect(availableMemoryBytes(sources)).toEqual({ bytes: 2 * GIB, source: 'MemAvailable' });
  });

  it("finds the limit on the process's own cgroup and on its ancestors", () => {
    const base = {
      '/proc/meminfo': meminfo(16 * 1024 * 1024),
      '/proc/self/cgroup': '0::/user.slice/session-1.scope\n',
      '/sys/fs/cgroup/memory.max': 'max',
      '/sys/fs/cgroup/user.slice/memory.max': `${8 * GIB}`,
      '/sys/fs/cgroup/user.slice/memory.current': `${6 * GIB}`,
      '/sys/fs/cgroup/user.slice/session-1.scope/memory.max': 'max',
      '/sys/fs/cgroup/user.slice/session-1.scope/memory.current': `${GIB}`,
    };
    expect(availableMemoryBytes(fakeSystem(base)).bytes).toBe(2 * GIB);
    const tighter = {
      ...base,
      '/sys/fs/cgroup/user.slice/session-1.scope/memory.max': `${1.5 * GIB}`,
    };
    expect(availableMemoryBytes(fakeSystem(tighter)).bytes).toBe(0.5 * GIB);
  });

  it('reads a cgroup v1 limit, ignoring the unlimited sentinel', () => {
    const sources = fakeSystem({
      '/proc/meminfo': meminfo(16 * 1024 * 1024),
      '/proc/self/cgroup': '4:memory:/docker/abc\n1:cpu,cpuacct:/docker/abc\n0::/\n',
      // Inside the container the mount root is the container's own cgroup; /docker/abc is not there.
      '/sys/fs/cgroup/memory/memory.limit_in_bytes': `${6 * GIB}\n`,
      '/sys/fs/cgroup/memory/memory.usage_in_bytes': `${2 * GIB}\n`,
      '/sys/fs/cgroup/memory/memory.stat': `cache ${GIB}\ninactive_file 1\ntotal_inactive_file ${GIB}\n`,
    });
    expect(availableMemoryBytes(sources)).toEqual({ bytes: 5 * GIB, source: 'cgroup v1 memory.limit_in_bytes minus usage' });

    const unlimited = fakeSystem({
      '/proc/meminfo': meminfo(16 * 1024 * 1024),
      '/sys/fs/cgroup/memory/memory.limit_in_bytes': '9223372036854771712\n',
      '/sys/fs/cgroup/memory/memory.usage_in_bytes': `${15 * GIB}\n`,
    });
    expect(availableMemoryBytes(unlimited).source).toBe('MemAvailable');
  });

  it('reports no room, not negative room, when usage is over the limit', () => {
    const sources = fakeSystem({
      '/proc/meminfo': meminfo(16 * 1024 * 1024),
      '/sys/fs/cgroup/memory.max': `${GIB}`,
      '/sys/fs/cgroup/memory.current': `${2 * GIB}`,
    });
    expect(availableMemoryBytes(sources).bytes).toBe(0);
  });

  it('ignores unreadable or garbled cgroup files', () => {
    const sources = fakeSystem({
      '/proc/meminfo': meminfo(16 * 1024 * 1024),
      '/sys/fs/cgroup/memory.max': 'garbage',
      '/sys/fs/cgroup/memory.current': `${GIB}`,
      '/sys/fs/cgroup/memory/memory.limit_in_bytes': `${GIB}`,
    });
    expect(availableMemoryBytes(sources)).toEqual({ bytes: 16 * GIB, source: 'MemAvailable' });
  });

  it('reads the real machine without throwing', () => {
    const real = availableMemoryBytes();
    expect(real.bytes).toBeGreaterThanOrEqual(0);
    expect(Number.isFinite(real.bytes)).toBe(true);
    expect(real.source).toMatch(/MemAvailable|os\.freemem|cgroup/);
  });
});

describe('checkMemoryFits', () => {
  const available = { bytes: 16e9, source: 'MemAvailable' };

  it('returns the details when the estimate fits with the margin', () => {
    const fit = checkMemoryFits(10e9, 'fused on tiny', available);
    expect(fit).toEqual({
      estimateBytes: 10e9,
      availableBytes: 16e9,
      marginBytes: 1.6e9,
      source: 'MemAvailable',
      spareBytes: 16e9 - 1.6e9 - 10e9,
    });
  });

  it('keeps at least the minimum margin', () => {
    const small = { bytes: 2 * GIB, source: 'MemAvailable' };
    expect(checkMemoryFits(GIB, 'x', small).marginBytes).toBe(512 * MIB);
    expect(checkMemoryFits(1.5 * GIB, 'x', small).spareBytes).toBe(0);
    expect(() => checkMemoryFits(1.5 * GIB + 1, 'x', small)).toThrow(MemoryGuardError);
  });

  it('refuses an estimate that fits only without the margin', () => {
    expect(() => checkMemoryFits(15e9, 'x', available)).toThrow(MemoryGuardError);
  });

  it('explains a run that does not fit, in GB', () => {
    let caught: unknown;
    try {
      checkMemoryFits(8.4e9, 'cached-f32 on bitnet-b1.58-2b-4t', { bytes: 5.1e9, source: 'MemAvailable' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MemoryGuardError);
    const error = caught as MemoryGuardError;
    expect(error.name).toBe('MemoryGuardError');
    expect(error.estimateBytes).toBe(8.4e9);
    expect(error.availableBytes).toBe(5.1e9);
    expect(error.marginBytes).toBe(512 * MIB);
    expect(error.source).toBe('MemAvailable');
    expect(error.message).toBe(
      'cached-f32 on bitnet-b1.58-2b-4t needs about 8.4 GB but only 5.1 GB is available (MemAvailable) with a 0.5 GB margin; ' +
        'try a smaller preset, the fused or cached-bf16 path, or free memory',
    );
  });

  it('names a cgroup limit as the source', () => {
    expect(() => checkMemoryFits(4e9, 'x', { bytes: 3e9, source: 'cgroup v2 memory.max minus usage' })).toThrow(
      /3\.0 GB is available \(cgroup v2 memory\.max minus usage\)/,
    );
  });

  it('takes a custom margin', () => {
    expect(checkMemoryFits(16e9, 'x', available, { fraction: 0, minBytes: 0 }).spareBytes).toBe(0);
    expect(() => checkMemoryFits(1, 'x', available, { fraction: 0.5, minBytes: 16e9 })).toThrow(MemoryGuardError);
  });

  it('uses the documented default margin', () => {
    expect(DEFAULT_MEMORY_MARGIN).toEqual({ fraction: 0.1, minBytes: 512 * MIB });
  });

  it.each([NaN, -1, Infinity])('rejects an estimate of %s', (estimate) => {
    expect(() => checkMemoryFits(estimate, 'x', available)).toThrow(
      `Expected a non-negative finite number for estimateBytes but received ${estimate}`,
    );
  });

  it('rejects a bad margin', () => {
    expect(() => checkMemoryFits(1, 'x', available, { fraction: 1, minBytes: 0 })).toThrow(/margin\.fraction/);
    expect(() => checkMemoryFits(1, 'x', available, { fraction: 0.1, minBytes: -1 })).toThrow(/margin\.minBytes/);
  });

  it('checks against this machine by default', () => {
    expect(checkMemoryFits(0, 'nothing').estimateBytes).toBe(0);
    expect(() => checkMemoryFits(Number.MAX_SAFE_INTEGER, 'everything')).toThrow(MemoryGuardError);
  });
});

describe('formatBytes', () => {
  it.each([
    [8.4e9, '8.4 GB'],
    [8.44e9, '8.4 GB'],
    [512 * MIB, '0.5 GB'],
    [1e8, '0.1 GB'],
    [12.34e6, '12.3 MB'],
    [0, '0.0 MB'],
    [1.2e12, '1200.0 GB'],
  ])('formats %d as %s', (n, text) => {
    expect(formatBytes(n)).toBe(text);
  });
});
