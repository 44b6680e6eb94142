// The trial interval on simulated cells whose truth is known: trial medians scatter around the
// cell's true median with a known between-trial spread, samples scatter within each trial. Over
// many simulated cells the 95% interval must cover the truth about 95% of the time; a
// percentile bootstrap over so few trials would not (the widening is what makes it honest).
// Everything is seeded: the same figures on every machine.
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../runner/seeded-random.js';
import { smallSampleWidening, trialInterval } from '../../runner/trial-statistics.js';
import { studentTCdf, studentTQuantile } from '../../runner/student-t.js';

function normal(random: () => number): number {
  // Box-Muller.
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** `trials` trials of `samples` samples: trial level truth * (1 + between N(0,1)), samples lognormal within. */
function simulateCell(random: () => number, trials: number, samples: number, truth: number, between: number, within: number): number[][] {
  return Array.from({ length: trials }, () => {
    const level = truth * (1 + between * normal(random));
    // Lognormal with median `level`: the trial's median is its level.
    return Array.from({ length: samples }, () => level * Math.exp(within * normal(random)));
  });
}

function coverage(trials: number, cells: number, seed: number): number {
  const random = mulberry32(seed);
  let covered = 0;
  for (let c = 0; c < cells; c++) {
    const data = simulateCell(random, trials, 21, 1000, 0.03, 0.02);
    const interval = trialInterval(data, { resamples: 400, seed: c + 1 });
    if (interval.ci95[0] <= 1000 && 1000 <= interval.ci95[1]) covered++;
  }
  return covered / cells;
}

/** How often a second, independent run's estimate lies in the first run's interval of each kind. */
function rerunCoverage(trials: number, pairs: number, seed: number): { confidence: number; rerun: number } {
  const random = mulberry32(seed);
  let confidence = 0;
  let rerun = 0;
  for (let c = 0; c < pairs; c++) {
    const first = trialInterval(simulateCell(random, trials, 21, 1000, 0.03, 0.02), { resamples: 400, seed: c + 1 });
    const second = trialInterval(simulateCell(random, trials, 21, 1000, 0.03, 0.02), { resamples: 400, seed: c + 7 });
    const inside = ([lo, hi]: [number, number]) => lo <= second.estimate && second.estimate <= hi;
    if (inside(first.ci95)) confidence++;
    if (inside(first.rerun95)) rerun++;
  }
  return { confidence: confidence / pairs, rerun: rerun / pairs };
}

describe('Student t', () => {
  it('has the textbook quantiles', () => {
    expect(studentTQuantile(0.975, 2)).toBeCloseTo(4.303, 3);
    expect(studentTQuantile(0.975, 4)).toBeCloseTo(2.776, 3);
    expect(studentTQuantile(0.975, 30)).toBeCloseTo(2.042, 3);
    expect(studentTCdf(0, 5)).toBeCloseTo(0.5, 12);
    expect(studentTCdf(-2.776445, 4)).toBeCloseTo(0.025, 5);
  });
});

describe('trialInterval', () => {
  it('covers the true median at about the nominal rate with 3 and with 5 trials', () => {
    const three = coverage(3, 300, 11);
    const five = coverage(5, 300, 12);
    // 95% nominal; 300 cells give a standard error of about 1.3 points.
    expect(three).toBeGreaterThan(0.9);
    expect(three).toBeLessThan(0.995);
    expect(five).toBeGreaterThan(0.9);
    expect(five).toBeLessThan(0.995);
  });

  it('a plain percentile bootstrap over the same trials would undercover (why the widening exists)', () => {
    expect(smallSampleWidening(3)).toBeGreaterThan(2);
    expect(smallSampleWidening(1000)).toBeCloseTo(1, 2);
  });

  it('reports the estimate, both CVs, and falls back to the samples with one trial', () => {
    const one = trialInterval([[10, 11, 12, 13, 14]]);
    expect(one.source).toBe('samples');
    expect(one.betweenTrialCv).toBeNull();
    expect(one.estimate).toBe(12);
    expect(one.ci95[0]).toBeLessThanOrEqual(12);
    expect(one.ci95[1]).toBeGreaterThanOrEqual(12);
    const three = trialInterval([[10, 10, 10], [20, 20, 20], [30, 30, 30]]);
    expect(three.source).toBe('trials');
    expect(three.estimate).toBe(20);
    expect(three.withinTrialCv).toBe(0);
    expect(three.betweenTrialCv).toBeCloseTo(0.5, 10);
    expect(three.trialEstimates).toEqual([10, 20, 30]);
  });

  it('the re-run interval holds a repeat run\'s figure about 95% of the time; the confidence interval cannot', () => {
    const three = rerunCoverage(3, 300, 21);
    const five = rerunCoverage(5, 300, 22);
    const ten = rerunCoverage(10, 300, 23);
    for (const c of [three, five, ten]) {
      expect(c.rerun).toBeGreaterThan(0.92);
      expect(c.rerun).toBeLessThan(0.995);
      expect(c.confidence).toBeLessThan(c.rerun);
    }
    // Theory: a calibrated confidence interval holds a re-run P(|t(R-1)| < t(R-1, 0.975) / sqrt 2)
    // of the time: about 86% with 10 trials, tending to 83%.
    expect(ten.confidence).toBeLessThan(0.9);
    const one = trialInterval([[10, 11, 12, 13, 14, 15, 16]]);
    expect(one.rerun95[0]).toBeLessThanOrEqual(one.ci95[0]);
    expect(one.rerun95[1]).toBeGreaterThanOrEqual(one.ci95[1]);
  });

  it('is deterministic for a seed', () => {
    const data = simulateCell(mulberry32(5), 4, 30, 100, 0.05, 0.05);
    expect(trialInterval(data, { seed: 3 })).toEqual(trialInterval(data, { seed: 3 }));
  });
});
