// Host to host against within a host, per CPU model: kernel cells by their median time, model
// cells by their decode tokens/s, the two kinds apart; and the table the report renders of it.
import { describe, expect, it } from 'vitest';
import { hostSpread, type HostSpreadInput } from '../../reports/host-spread.js';
import { renderHostSpread } from '../../reports/render-host-spread.js';

const fingerprint = { cpu: { modelName: 'Intel(R) Xeon(R) Platinum 8488C' } };

function kernel(host: string, medianNs: number, over: Record<string, unknown> = {}): HostSpreadInput {
  return {
    kind: 'kernel', path: 'fused', isa: 'avx512', fingerprint, host,
    result: { n: 4096, k: 4096, batch: 1, threads: 2, cache: 'cold', medianNs, betweenTrialCv: 0.01, ...over },
  };
}

function model(host: string | undefined, decodeTokS: unknown, over: Record<string, unknown> = {}): HostSpreadInput {
  return {
    kind: 'model', path: 'fused', isa: 'avx512', fingerprint,
    ...(host === undefined ? {} : { host }),
    result: {
      preset: 'bitnet-b1.58-2b-4t', batch: 1, threads: 2, kv: 'int8', context: 32, lmHead: 'bf16', decodeTokS, betweenTrialCv: 0.02, ...over,
    },
  };
}

const escapeHtml = (value: unknown) => String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

describe('hostSpread', () => {
  it('spreads a model cell measured on two hosts by its decode tokens/s, apart from the kernels', () => {
    const spread = hostSpread([kernel('i-1', 1_000_000), kernel('i-2', 1_100_000), model('i-1', 10), model('i-2', 12)]);
    expect(spread.map((s) => [s.cpuModel, s.kind, s.hosts, s.sharedCells])).toEqual([
      [fingerprint.cpu.modelName, 'kernel', ['i-1', 'i-2'], 1],
      [fingerprint.cpu.modelName, 'model', ['i-1', 'i-2'], 1],
    ]);
    // Two hosts at 10 and 12 tokens/s: sample SD sqrt(2) over the mean 11.
    expect(spread[1]!.betweenHostCv).toBeCloseTo(Math.SQRT2 / 11, 12);
    expect(spread[1]!.withinHostCv).toBeCloseTo(0.02, 12);
    expect(spread[0]!.betweenHostCv).toBeCloseTo((Math.SQRT2 * 50_000) / 1_050_000, 12);
  });

  it('keeps model cells of other settings apart, and reads the host from the result where the store has none', () => {
    const spread = hostSpread([
      model(undefined, 10, { host: 'i-1' }),
      model(undefined, 12, { host: 'i-2' }),
      // Same preset and path on a third host, but each at another setting: no shared cell.
      model('i-3', 5, { context: 8192 }),
      model('i-3', 6, { sparsity: { mode: 'top-k', level: 0.7 } }),
      model('i-3', 7, { attentionSparsity: { mode: 'window', window: 512, global: 4 } }),
      model('i-3', 8, { lmHead: 'i8' }),
      model('i-3', 9, { kv: 'bf16' }),
      model('i-4', 6, { sparsity: { mode: 'top-k', level: 0.5 } }),
    ]);
    expect(spread).toHaveLength(1);
    expect(spread[0]).toMatchObject({ kind: 'model', hosts: ['i-1', 'i-2', 'i-3', 'i-4'], sharedCells: 1 });
    expect(spread[0]!.betweenHostCv).toBeCloseTo(Math.SQRT2 / 11, 12);
  });

  it("takes a model's trials' rates where its own is unreadable, and skips what has no figure or host", () => {
    const spread = hostSpread([
      model('i-1', 'fast', { trials: [{ trial: 0, decodeTokS: 9 }, { trial: 1, decodeTokS: 11 }], betweenTrialCv: 'low' }),
      model('i-2', 12, { betweenTrialCv: null }),
      model('i-3', NaN),
      model(undefined, 11),
      { ...model('i-4', 11), result: 'garbage' },
      { ...kernel('i-5', 1), kind: 'bandwidth' },
    ]);
    expect(spread).toHaveLength(1);
    expect(spread[0]).toMatchObject({ kind: 'model', hosts: ['i-1', 'i-2'], sharedCells: 1, withinHostCv: null });
    expect(spread[0]!.betweenHostCv).toBeCloseTo(Math.SQRT2 / 11, 12);
  });
});

describe('renderHostSpread', () => {
  it('shows the model rows beside the kernel rows', () => {
    const html = renderHostSpread(hostSpread([kernel('i-1', 1e6), kernel('i-2', 1.1e6), model('i-1', 10), model('i-2', 12)]), escapeHtml);
    expect(html).toContain('<th>measured</th>');
    const rows = html.split('<tr>').slice(2);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toContain('<td>kernel median</td><td>2</td><td>1</td>');
    expect(rows[1]).toContain('<td>model decode tok/s</td><td>2</td><td>1</td><td>12.9%</td><td>2.0%</td>');
  });

  it('shows nothing where no CPU model had two hosts', () => {
    expect(renderHostSpread(hostSpread([model('i-1', 10), kernel('i-1', 1e6)]), escapeHtml)).toBe('');
  });
});
