// Whether two sets of raw samples differ: the two-sided Mann-Whitney U test (no assumption of
// normality, which timing samples with their long right tails do not meet), with the normal
// approximation and the tie correction. Below MIN_SAMPLES per side the approximation is poor,
// so the comparison says it has too few samples rather than inventing a p-value.

export const MIN_SAMPLES = 5;

export interface SampleComparison {
  /** Two-sided p-value; null when either side has fewer than MIN_SAMPLES samples. */
  pValue: number | null;
  u: number | null;
  sizes: [number, number];
  note: 'ok' | 'too few samples';
}

// Abramowitz and Stegun 7.1.26: |error| < 1.5e-7, plenty for a significance mark.
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * z);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const value = poly * Math.exp(-z * z);
  return x >= 0 ? value : 2 - value;
}

export function mannWhitneyU(a: readonly number[], b: readonly number[]): SampleComparison {
  const sizes: [number, number] = [a.length, b.length];
  if (a.length < MIN_SAMPLES || b.length < MIN_SAMPLES) return { pValue: null, u: null, sizes, note: 'too few samples' };
  const all = [...a.map((value) => ({ value, first: true })), ...b.map((value) => ({ value, first: false }))].sort((x, y) => x.value - y.value);
  const n = all.length;
  let rankSumA = 0;
  let tieTerm = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && all[j + 1]!.value === all[i]!.value) j++;
    const rank = (i + j + 2) / 2; // ranks are 1-based; ties share the mean rank
    const count = j - i + 1;
    tieTerm += count ** 3 - count;
    for (let m = i; m <= j; m++) if (all[m]!.first) rankSumA += rank;
    i = j + 1;
  }
  const [na, nb] = sizes;
  const uA = rankSumA - (na * (na + 1)) / 2;
  const mean = (na * nb) / 2;
  const variance = ((na * nb) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  if (variance <= 0) return { pValue: 1, u: uA, sizes, note: 'ok' };
  // Continuity correction of 0.5 toward the mean.
  const z = Math.max(0, Math.abs(uA - mean) - 0.5) / Math.sqrt(variance);
  return { pValue: Math.min(1, erfc(z / Math.SQRT2)), u: uA, sizes, note: 'ok' };
}
