// Exporting stored results: JSON lines, CSV quoting, the llama-bench-like Markdown table.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { csvField, exportResults, viewOf } from '../../coordinator/store/export-results.js';
import { ResultStore, type NewRun, type StoredResult } from '../../coordinator/store/result-store.js';

let store: ResultStore;

const fingerprint = { instanceType: 'c7i.large', cpu: { vendor: 'GenuineIntel', modelName: 'Intel(R) Xeon(R) Platinum 8488C' } };

function run(id: string, instanceType = 'c7i.large'): NewRun {
  return {
    id,
    startedAt: '2025-03-01T10:00:00.000Z',
    matrixName: 'quick',
    matrix: { kernels: {} },
    orderSeed: 7,
    order: [],
    instanceType,
    fingerprint,
    toolVersion: '0.1.0',
  };
}

function kernel(jobId: string, runId: string, over: Partial<StoredResult> = {}, result: Record<string, unknown> = {}): StoredResult {
  return {
    jobId,
    runId,
    kind: 'kernel',
    instanceType: 'c7i.large',
    path: 'fused',
    isa: 'avx512',
    spec: { path: 'fused', n: 4096, k: 4096, batch: 1, threads: 2, cache: 'cold' },
    result: {
      path: 'fused', isa: 'avx512', n: 4096, k: 4096, batch: 1, threads: 2, cache: 'cold',
      samples: [235_000, 236_000], medianNs: 235_000, ci95Ns: [234_000, 236_400], cv: 0.012, gops: 142.8, weightGBs: 17.85,
      ...result,
    },
    fingerprint,
    medianNs: 235_000,
    noisy: false,
    startedAt: '2025-03-01T10:00:01.000Z',
    finishedAt: '2025-03-01T10:00:02.000Z',
    ...over,
  };
}

function model(jobId: string, runId: string): StoredResult {
  return {
    jobId,
    runId,
    kind: 'model',
    instanceType: 'c7i.large',
    path: 'cached-bf16',
    isa: 'avx512',
    spec: { preset: 'bitnet-b1.58-2b-4t', path: 'cached-bf16', batch: 1, prompt: 32, tokens: 64, threads: 2, kv: 'int8' },
    result: { preset: 'bitnet-b1.58-2b-4t', batch: 1, threads: 2, kv: 'int8', decodeTokS: 12.345, prefillTokS: 80, rooflineFraction: 0.634, stepNs: [8e7, 8.1e7] },
    fingerprint,
    tokensPerS: 12.345,
    noisy: true,
    startedAt: '2025-03-01T10:01:00.000Z',
    finishedAt: '2025-03-01T10:01:30.000Z',
  };
}

/** A minimal RFC 4180 reader, to check that what we write reads back as the same fields. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  expect(field).toBe('');
  return rows;
}

beforeEach(() => {
  store = ResultStore.open(':memory:');
  store.createRun(run('run-1'));
  store.createRun(run('run-2', 'm7g.large'));
});

afterEach(() => store.close());

describe('jsonl', () => {
  it('writes one object per result with every field and the JSON parsed', () => {
    store.saveResults([kernel('k1', 'run-1'), model('m1', 'run-1'), kernel('k2', 'run-2', { instanceType: 'm7g.large', isa: 'neon' })]);
    const lines = exportResults(store, { format: 'jsonl' }).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(3);
    const objects = lines.map((line) => JSON.parse(line));
    expect(objects[0]).toEqual({ ...kernel('k1', 'run-1'), tokensPerS: null, host: null });
    expect(objects[1]).toEqual({ ...model('m1', 'run-1'), medianNs: null, host: null });
    expect(Object.keys(objects[1]).sort()).toEqual(Object.keys(objects[0]).sort());
    expect(objects[1].result.stepNs).toEqual([8e7, 8.1e7]);
  });

  it("writes the stored result's host, as stored or as the result names it", () => {
    store.saveResults([
      kernel('k-host', 'run-1', { host: 'i-0abc' }),
      kernel('k-result-host', 'run-1', {}, { host: 'ip-10-0-0-7' }),
      kernel('k-none', 'run-1'),
    ]);
    const byJob = Object.fromEntries(exportResults(store, { format: 'jsonl' }).trim().split('\n').map((line) => JSON.parse(line)).map((o) => [o.jobId, o]));
    expect(byJob['k-host'].host).toBe('i-0abc');
    expect(byJob['k-result-host'].host).toBe('ip-10-0-0-7');
    expect(byJob['k-none']).toHaveProperty('host', null);
  });

  it('exports only the runs asked for, and refuses an unknown one', () => {
    store.saveResults([kernel('k1', 'run-1'), kernel('k2', 'run-2')]);
    const only = exportResults(store, { format: 'jsonl', runIds: ['run-2'] });
    expect(only.trim().split('\n').map((l) => JSON.parse(l).jobId)).toEqual(['k2']);
    expect(() => exportResults(store, { format: 'jsonl', runIds: ['run-2', 'run-9'] })).toThrow(/No run 'run-9'/);
    expect(exportResults(store, { format: 'jsonl', runIds: [] })).toBe('');
  });

  it('refuses an unknown format', () => {
    expect(() => exportResults(store, { format: 'xml' as never })).toThrow(/Expected one of jsonl, csv, md for format but received 'xml'/);
  });
});

describe('csv', () => {
  it('quotes commas, quotes and newlines so every row reads back as the same fields', () => {
    const tricky = 'AMD EPYC 9R14, "Genoa"\n96-Core';
    store.saveResults([
      kernel('k1', 'run-1'),
      kernel('k,2', 'run-1', { fingerprint: { cpu: { modelName: tricky } }, spec: { note: 'a "b", c' } }),
      model('m1', 'run-1'),
    ]);
    const text = exportResults(store, { format: 'csv' });
    const rows = parseCsv(text);
    const [header, ...data] = rows;
    expect(header!.slice(0, 7)).toEqual(['job_id', 'run_id', 'kind', 'instance_type', 'cpu_model', 'path', 'isa']);
    expect(data).toHaveLength(3);
    for (const row of data) expect(row).toHaveLength(header!.length);
    const column = (name: string) => header!.indexOf(name);
    const byJob = new Map(data.map((row) => [row[0]!, row]));
    expect(byJob.get('k,2')![column('cpu_model')]).toBe(tricky);
    expect(JSON.parse(byJob.get('k,2')![column('spec_json')]!)).toEqual({ note: 'a "b", c' });
    expect(text).toContain('"AMD EPYC 9R14, ""Genoa""\n96-Core"');

    const k1 = byJob.get('k1')!;
    expect(k1[column('median_ns')]).toBe('235000');
    expect(k1[column('ci95_low_ns')]).toBe('234000');
    expect(k1[column('gops')]).toBe('142.8');
    expect(k1[column('n')]).toBe('4096');
    expect(k1[column('noisy')]).toBe('false');
    expect(k1[column('tokens_per_s')]).toBe('');
    const m1 = byJob.get('m1')!;
    expect(m1[column('tokens_per_s')]).toBe('12.345');
    expect(m1[column('preset')]).toBe('bitnet-b1.58-2b-4t');
    expect(m1[column('roofline_fraction')]).toBe('0.634');
    expect(m1[column('median_ns')]).toBe('');
    expect(m1[column('noisy')]).toBe('true');
  });

  it('appends the trial figures, the host and the model settings after the older columns, the spec last', () => {
    const trial = (index: number, host: string, decodeTokS: number) => ({ trial: index, host, decodeTokS, stepNs: [8e7] });
    store.saveResults([
      {
        ...model('m-long', 'run-1'),
        result: {
          ...model('m-long', 'run-1').result as Record<string, unknown>,
          prompt: 32, context: 8192, lmHead: 'i8',
          decodeTokSCi95: [12.1, 12.6], decodeTokSRerun95: [11.9, 12.8], intervalSource: 'trials', withinTrialCv: 0.02, betweenTrialCv: 0.011,
          sparsity: { mode: 'top-k', level: 0.7, zeroFraction: 0.3 },
          attentionSparsity: { mode: 'window', window: 512, global: 4, sparsity: 0.9, cosineMin: 0.99 },
          host: 'i-0abc', trials: [trial(0, 'i-0abc', 12.2), trial(1, 'i-0abc', 12.4), trial(2, 'i-0abc', 12.45)],
        },
      },
      kernel('k-trials', 'run-1', {}, {
        rerun95Ns: [233_000, 237_500], intervalSource: 'trials', withinTrialCv: 0.012, betweenTrialCv: 0.004, host: 'i-0def',
        sparsity: { requested: 0.5, zeroFraction: 0.5 }, trials: [{ trial: 0, medianNs: 235_000 }, { trial: 1, medianNs: 235_500 }],
      }),
    ]);
    const [header, ...data] = parseCsv(exportResults(store, { format: 'csv' }));
    const added = [
      'trials', 'interval_source', 'within_trial_cv', 'between_trial_cv', 'rerun95_low_ns', 'rerun95_high_ns',
      'decode_tok_s_ci95_low', 'decode_tok_s_ci95_high', 'decode_tok_s_rerun95_low', 'decode_tok_s_rerun95_high',
      'host', 'context', 'lm_head', 'activation_sparsity', 'attention_sparsity',
    ];
    // The older columns keep their places; the new ones follow finished_at; spec_json stays last.
    expect(header!.slice(header!.indexOf('finished_at') + 1)).toEqual([...added, 'spec_json']);
    expect(header!.indexOf('finished_at')).toBe(28);
    const column = (row: string[], name: string) => row[header!.indexOf(name)];
    const m = data.find((row) => row[0] === 'm-long')!;
    expect(added.map((name) => column(m, name))).toEqual([
      '3', 'trials', '0.02', '0.011', '', '', '12.1', '12.6', '11.9', '12.8', 'i-0abc', '8192', 'i8', 'top-k 0.7', 'window 512+4',
    ]);
    const k = data.find((row) => row[0] === 'k-trials')!;
    expect(added.map((name) => column(k, name))).toEqual([
      '2', 'trials', '0.012', '0.004', '233000', '237500', '', '', '', '', 'i-0def', '', '', '0.5', '',
    ]);
    expect(JSON.parse(column(k, 'spec_json')!)).toMatchObject({ n: 4096, cache: 'cold' });
  });

  it('leaves malformed figures empty instead of failing', () => {
    store.saveResults([
      kernel('k-bad', 'run-1', { medianNs: undefined }, {
        medianNs: 'fast', ci95Ns: [1, 2, 3], rerun95Ns: [1, 'x'], gops: '142', cv: null, withinTrialCv: 'low', betweenTrialCv: [0.1],
        intervalSource: 'guess', trials: 'three', host: 7, sparsity: { requested: 'half' },
      }),
      {
        ...model('m-bad', 'run-1'),
        tokensPerS: undefined,
        result: {
          preset: 'bitnet-b1.58-2b-4t', kv: 8, decodeTokS: '12', decodeTokSCi95: [NaN, 1], decodeTokSRerun95: [1, 2, 3], prefillTokS: {},
          context: 'long', lmHead: ['i8'], sparsity: 'top-k', attentionSparsity: { mode: 3, window: -1 }, trials: [null, 'x', { trial: 'a' }],
        },
      },
    ]);
    const text = exportResults(store, { format: 'csv' });
    const [header, ...data] = parseCsv(text);
    for (const row of data) expect(row).toHaveLength(header!.length);
    const column = (row: string[], name: string) => row[header!.indexOf(name)];
    const k = data.find((row) => row[0] === 'k-bad')!;
    for (const name of ['median_ns', 'ci95_low_ns', 'ci95_high_ns', 'gops', 'cv', 'within_trial_cv', 'between_trial_cv', 'interval_source',
      'rerun95_low_ns', 'rerun95_high_ns', 'trials', 'host', 'activation_sparsity']) {
      expect([name, column(k, name)]).toEqual([name, '']);
    }
    const m = data.find((row) => row[0] === 'm-bad')!;
    for (const name of ['tokens_per_s', 'prefill_tokens_per_s', 'decode_tok_s_ci95_low', 'decode_tok_s_ci95_high', 'decode_tok_s_rerun95_low',
      'decode_tok_s_rerun95_high', 'context', 'lm_head', 'activation_sparsity', 'attention_sparsity']) {
      expect([name, column(m, name)]).toEqual([name, '']);
    }
    // A malformed result field falls back to the spec's; of the trials only the object is a trial record.
    expect(column(m, 'kv')).toBe('int8');
    expect(column(m, 'trials')).toBe('1');
    // NaN does not survive the store's JSON; read in memory, it is as absent as any malformed figure.
    const view = viewOf({ ...kernel('k-nan', 'run-1', { medianNs: NaN }, { medianNs: NaN, ci95Ns: [NaN, 1], rerun95Ns: [1, 2, 3], withinTrialCv: NaN }) });
    expect([view.medianNs, view.ci95Ns, view.rerun95Ns, view.withinTrialCv]).toEqual([undefined, undefined, undefined, undefined]);
    const md = exportResults(store, { format: 'md' }).trimEnd().split('\n');
    expect(md).toHaveLength(4);
    expect(md.find((line) => line.includes('| model '))).toMatch(/\| model +\| bitnet-b1\.58-2b-4t \| +1 \| +2 \| kv int8 \| +- \|/);
  });

  it('writes just the header when there is nothing to export', () => {
    const text = exportResults(store, { format: 'csv' });
    expect(text.split('\n')).toHaveLength(2);
    expect(text.startsWith('job_id,run_id,kind,')).toBe(true);
  });

  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['cr\r', '"cr\r"'],
    [' padded', '" padded"'],
    [12.5, '12.5'],
    [NaN, ''],
    [undefined, ''],
    [null, ''],
    [true, 'true'],
  ])('csvField(%j) is %j', (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });
});

describe('md', () => {
  it('prints a llama-bench-like table: aligned columns, numbers right, one row per result', () => {
    store.saveResults([
      kernel('k-fused', 'run-1'),
      kernel('k-base', 'run-1', { path: 'baseline', medianNs: 53_460_000, noisy: true }, { path: 'baseline', medianNs: 53_460_000, ci95Ns: [53_000_000, 54_000_000], gops: 0.63 }),
      model('m1', 'run-1'),
      kernel('k-arm', 'run-2', { instanceType: 'm7g.large', isa: 'neon', fingerprint: { cpu: { modelName: 'Neoverse-V1 | r1p1' } } }),
    ]);
    const lines = exportResults(store, { format: 'md' }).trimEnd().split('\n');
    expect(lines).toHaveLength(2 + 4);
    const cells = (line: string) => line.slice(2, -2).split(/ (?<!\\)\| /).map((c) => c.trim());
    expect(cells(lines[0]!)).toEqual([
      'instance type', 'cpu model', 'path', 'isa', 'kind', 'shape/preset', 'batch', 'threads', 'cache',
      'median ms or tok/s ± CI', 'GOPS or roofline', 'noisy', 'bound',
    ]);
    // Every line the same width, and the separator marks numeric columns right-aligned.
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
    expect(lines[1]).toMatch(/^\| -+ \| -+ \| -+ \| -+ \| -+ \| -+ \| -+: \| -+: \| -+ \| -+: \| -+: \| -+ \| -+ \|$/);

    const rows = lines.slice(2).map(cells);
    // Grouped by instance type, then kind, shape, ..., path.
    expect(rows.map((r) => [r[0], r[4], r[2]])).toEqual([
      ['c7i.large', 'kernel', 'baseline'],
      ['c7i.large', 'kernel', 'fused'],
      ['c7i.large', 'model', 'cached-bf16'],
      ['m7g.large', 'kernel', 'fused'],
    ]);
    // The bound needs the fingerprint's ceilings; these results carry none, except the model's own roofline share.
    expect(rows[0]).toEqual(['c7i.large', 'Intel(R) Xeon(R) Platinum 8488C', 'baseline', 'avx512', 'kernel', '4096x4096', '1', '2', 'cold', '53.460 ± 0.500 ms', '0.63 GOPS', 'noisy', '-']);
    expect(rows[1]!.slice(5)).toEqual(['4096x4096', '1', '2', 'cold', '0.2350 ± 0.0012 ms', '142.80 GOPS', '', '-']);
    expect(rows[2]!.slice(5)).toEqual(['bitnet-b1.58-2b-4t', '1', '2', 'kv int8', '12.35 tok/s', '63.4% roofline', 'noisy', 'memory-bound at 63% of the memory ceiling']);
    // A pipe inside a cell is escaped, so it does not add a column.
    expect(rows[3]![1]).toBe('Neoverse-V1 \\| r1p1');
  });

  it("names a model row's context past the prompt, its LM head and its sparsity, and a kernel's share zeroed", () => {
    const settings = (jobId: string, over: Record<string, unknown>): StoredResult => {
      const base = model(jobId, 'run-1');
      return { ...base, noisy: false, result: { ...(base.result as Record<string, unknown>), prompt: 32, context: 32, lmHead: 'bf16', ...over } };
    };
    store.saveResults([
      settings('m-plain', {}),
      settings('m-long', { context: 8192 }),
      settings('m-act', { lmHead: 'i8', sparsity: { mode: 'top-k', level: 0.7 } }),
      settings('m-attn', { context: 8192, attentionSparsity: { mode: 'window', window: 512, global: 4 } }),
      settings('m-attn-k', { attentionSparsity: { mode: 'top-k', level: 0.25 } }),
      kernel('k-sparse', 'run-1', {}, { sparsity: { requested: 0.5 } }),
    ]);
    const lines = exportResults(store, { format: 'md' }).trimEnd().split('\n').slice(2);
    const cacheOf = (line: string) => line.slice(2, -2).split(/ (?<!\\)\| /).map((c) => c.trim())[8];
    expect(lines.map(cacheOf).sort()).toEqual([
      'cold 50% zero',
      'kv int8',
      'kv int8 @8192',
      'kv int8 @8192, attn window 512+4',
      'kv int8, attn top-k 0.25',
      'kv int8, head i8, act top-k 0.7',
    ]);
  });

  it('fills what a result lacks with a dash instead of failing', () => {
    store.saveResult({
      ...kernel('bare', 'run-1', { fingerprint: {}, spec: {} }),
      result: { samples: 'not an array', ci95Ns: [1], gops: 'fast' },
      medianNs: undefined,
    });
    store.saveResult({ ...model('bare-model', 'run-1'), result: {}, spec: {}, tokensPerS: undefined });
    const lines = exportResults(store, { format: 'md' }).trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[2]).toMatch(/^\| c7i\.large +\| - +\| fused +\| avx512 \| kernel +\| - +\| +- \| +- \| - +\| +- \| +- \| +\| - +\|$/);
    expect(lines[3]).toContain('| model ');
    expect(exportResults(store, { format: 'csv' }).split('\n')).toHaveLength(4);
    expect(exportResults(store, { format: 'jsonl' }).trim().split('\n')).toHaveLength(2);
  });

  it('prints the header and separator alone for an empty store', () => {
    expect(exportResults(store, { format: 'md' }).trimEnd().split('\n')).toHaveLength(2);
  });
});
