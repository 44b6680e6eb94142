import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { microarchitecture, parseCpuInfo, readCpuInfo, type CpuInfo } from '../../runner/fingerprint/cpu-info.js';

function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/cpuinfo/${name}`, import.meta.url), 'utf8');
}

describe('parseCpuInfo', () => {
  it('reads an AMD EPYC guest (Zen 4, family 25 model 17) with its masked model name', () => {
    const info = parseCpuInfo(fixture('zen4-epyc-kvm.txt'));
    expect(info).toMatchObject({ arch: 'x86', vendor: 'AuthenticAMD', modelName: 'AMD EPYC', family: 25, model: 17, stepping: 1, microcode: '0x1000065' });
    expect(info.arch === 'x86' && info.flags).toEqual(expect.arrayContaining(['avx512f', 'avx512_bf16', 'hypervisor']));
    expect(microarchitecture(info)).toBe('zen4');
  });

  it.each([
    ['sapphirerapids-8488c.txt', 'Intel(R) Xeon(R) Platinum 8488C', 143, 8, 'sapphirerapids'],
    ['emeraldrapids-8580.txt', 'INTEL(R) XEON(R) PLATINUM 8580', 207, 2, 'emeraldrapids'],
    ['cascadelake-8259cl.txt', 'Intel(R) Xeon(R) Platinum 8259CL CPU @ 2.50GHz', 85, 7, 'cascadelake'],
  ])('reads %s', (file, modelName, model, stepping, name) => {
    const info = parseCpuInfo(fixture(file));
    expect(info).toMatchObject({ arch: 'x86', vendor: 'GenuineIntel', modelName, family: 6, model, stepping });
    expect(microarchitecture(info)).toBe(name);
  });

  it('keeps the AMX and VNNI flags the kernel lists', () => {
    const info = parseCpuInfo(fixture('sapphirerapids-8488c.txt'));
    expect(info.arch === 'x86' && info.flags).toEqual(expect.arrayContaining(['amx_tile', 'amx_int8', 'amx_bf16', 'avx_vnni', 'avx512_vnni']));
  });

  it('reads a Graviton3 (Neoverse V1): implementer 0x41, part 0xd40', () => {
    const info = parseCpuInfo(fixture('neoverse-v1-graviton3.txt'));
    expect(info).toMatchObject({ arch: 'arm', vendor: 'ARM', modelName: null, implementer: 0x41, part: 0xd40, variant: 1, revision: 1, parts: [0xd40] });
    expect(info.arch === 'arm' && info.features).toEqual(expect.arrayContaining(['asimddp', 'sve', 'i8mm', 'bf16']));
    expect(microarchitecture(info)).toBe('neoverse-v1');
  });

  it('lists every part of a big.LITTLE CPU and takes Features from an old kernel\'s trailing block', () => {
    const text = [
      'processor\t: 0\nCPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x0\nCPU part\t: 0xd05\nCPU revision\t: 0',
      'processor\t: 1\nCPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x1\nCPU part\t: 0xd0b\nCPU revision\t: 0',
      'Features\t: fp asimd asimddp\nHardware\t: Some SoC',
    ].join('\n\n');
    const info = parseCpuInfo(text);
    expect(info).toMatchObject({ arch: 'arm', part: 0xd05, parts: [0xd05, 0xd0b], features: ['fp', 'asimd', 'asimddp'] });
    expect(microarchitecture(info)).toBe('cortex-a55');
  });

  it('names the implementer by its code when it is not known', () => {
    const info = parseCpuInfo('processor : 0\nCPU implementer : 0x99\nCPU part : 0x001\n');
    expect(info).toMatchObject({ arch: 'arm', vendor: '0x99' });
    expect(microarchitecture(info)).toBe('unknown');
  });

  it.each(['', 'garbage without colons', 'processor : 0\nvendor_id : GenuineIntel\ncpu family : six\nmodel : 85\n'])(
    'says unknown for what it cannot read: %j',
    (text) => {
      const info = parseCpuInfo(text);
      expect(info.arch).toBe('unknown');
      expect(microarchitecture(info)).toBe('unknown');
    },
  );

  it('reads /proc/cpuinfo under an injected root or reader', () => {
    const files: Record<string, string> = { '/fake/proc/cpuinfo': fixture('neoverse-v1-graviton3.txt') };
    expect(readCpuInfo({ root: '/fake', readText: (path) => files[path] })).toMatchObject({ arch: 'arm', part: 0xd40 });
    expect(readCpuInfo({ readText: () => undefined })).toEqual({ arch: 'unknown', vendor: null, modelName: null });
  });
});

describe('microarchitecture', () => {
  const x86 = (vendor: string, family: number, model: number, stepping: number | null = 1): CpuInfo => ({
    arch: 'x86', vendor, modelName: null, family, model, stepping, microcode: null, flags: [],
  });
  const arm = (implementer: number, part: number): CpuInfo => ({
    arch: 'arm', vendor: 'x', modelName: null, implementer, part, variant: null, revision: null, features: [], parts: [part],
  });

  it.each([
    [0x3f, 2, 'haswell'],
    [0x4f, 1, 'broadwell'],
    [0x55, 4, 'skylakex'],
    [0x55, 5, 'cascadelake'],
    [0x55, 7, 'cascadelake'],
    [0x55, 11, 'cooperlake'],
    [0x55, null, 'skylakex'],
    [0x6a, 6, 'icelake'],
    [0x6c, 1, 'icelake'],
    [0x7e, 5, 'icelake-client'],
    [0x8f, 8, 'sapphirerapids'],
    [0xcf, 2, 'emeraldrapids'],
    [0xad, 1, 'graniterapids'],
    [0xae, 1, 'graniterapids'],
    [0x9e, 9, 'kabylake'],
    [0x9e, 10, 'coffeelake'],
    [0x9e, 13, 'coffeelake'],
    [0x97, 2, 'alderlake'],
    [0x01, 1, 'unknown'],
  ])('Intel family 6 model %s stepping %s is %s', (model, stepping, name) => {
    expect(microarchitecture(x86('GenuineIntel', 6, model, stepping))).toBe(name);
  });

  it('does not trust a model number its AMX flags contradict (a masked guest)', () => {
    const withFlags = (info: CpuInfo, flags: string[]): CpuInfo => (info.arch === 'x86' ? { ...info, flags } : info);
    const guest = withFlags(x86('GenuineIntel', 6, 0xa7), ['avx512f', 'amx_tile', 'amx_int8']);
    expect(microarchitecture(guest)).toBe('sapphirerapids-or-later');
    expect(microarchitecture(withFlags(x86('GenuineIntel', 6, 0x8f, 8), ['amx_tile']))).toBe('sapphirerapids');
    expect(microarchitecture(x86('GenuineIntel', 6, 0xa7))).toBe('rocketlake');
  });

  it('does not name Intel family 15 or 19 parts from a family 6 table', () => {
    expect(microarchitecture(x86('GenuineIntel', 15, 0x55))).toBe('unknown');
    expect(microarchitecture(x86('GenuineIntel', 19, 0x01))).toBe('unknown');
  });

  it.each([
    [0x17, 0x01, 'zen'],
    [0x17, 0x11, 'zen'],
    [0x17, 0x08, 'zen+'],
    [0x17, 0x18, 'zen+'],
    [0x17, 0x31, 'zen2'],
    [0x17, 0x71, 'zen2'],
    [0x17, 0xa0, 'zen2'],
    [0x17, 0xf0, 'unknown'],
    [0x19, 0x01, 'zen3'],
    [0x19, 0x21, 'zen3'],
    [0x19, 0x50, 'zen3'],
    [0x19, 0x10, 'zen4'],
    [0x19, 0x11, 'zen4'],
    [0x19, 0x61, 'zen4'],
    [0x19, 0x7f, 'zen4'],
    [0x19, 0xa0, 'zen4'],
    [0x19, 0xaf, 'zen4'],
    [0x19, 0xb0, 'unknown'],
    [0x1a, 0x02, 'zen5'],
    [0x1a, 0x11, 'zen5'],
    [0x1a, 0x44, 'zen5'],
    [0x1a, 0x50, 'zen6'],
    [0x15, 0x02, 'unknown'],
  ])('AMD family %s model %s is %s', (family, model, name) => {
    expect(microarchitecture(x86('AuthenticAMD', family, model))).toBe(name);
  });

  it('tells this host and the other test host apart from their numbers', () => {
    expect(microarchitecture(x86('AuthenticAMD', 25, 17))).toBe('zen4');
    expect(microarchitecture(x86('GenuineIntel', 6, 207))).toBe('emeraldrapids');
  });

  it.each([
    [0x41, 0xd0c, 'neoverse-n1'],
    [0x41, 0xd40, 'neoverse-v1'],
    [0x41, 0xd49, 'neoverse-n2'],
    [0x41, 0xd4f, 'neoverse-v2'],
    [0x41, 0x123, 'unknown'],
    [0x61, 0x023, 'apple'],
    [0xc0, 0xac3, 'ampere-one'],
    [0xc0, 0x001, 'unknown'],
    [0x51, 0x001, 'unknown'],
  ])('Arm implementer %s part %s is %s', (implementer, part, name) => {
    expect(microarchitecture(arm(implementer, part))).toBe(name);
  });

  it('knows no vendor it has no table for', () => {
    expect(microarchitecture(x86('CentaurHauls', 6, 0x0f))).toBe('unknown');
    expect(microarchitecture({ arch: 'unknown', vendor: null, modelName: null })).toBe('unknown');
  });
});
