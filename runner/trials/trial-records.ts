// One trial of a cell, as it is kept: its own samples and summary, and where it ran. A trial is
// one full sitting (preparation, warm-up, samples until its own stopping rule); a cell's result
// holds every trial (see combine-kernel-trials.ts and combine-model-trials.ts).
import type { KernelResult } from '../kernel-job.js';
import type { ModelResult } from '../model-job.js';

/** Where and when a trial ran. */
export interface TrialPlacement {
  /** 0-based; in an interleaved run also its round. */
  trial: number;
  /** Place in its round's order (0-based); absent when trials were not run in rounds. */
  position?: number;
  /** Host identity: EC2 instance id, else the hostname. */
  host?: string;
  startedAt: string;
  finishedAt: string;
}

export interface KernelTrial extends TrialPlacement {
  samples: number[];
  medianNs: number;
  ci95Ns: [number, number];
  cv: number;
  p10Ns: number;
  p90Ns: number;
  outliers: number;
  steal: number;
  prepareMs: number;
  noisy: boolean;
}

export interface ModelTrial extends TrialPlacement {
  decodeTokS: number;
  prefillTokS: number;
  ttftMs: number;
  p50Ms: number;
  /** Every decode step (ns). */
  stepNs: number[];
  buildMs: number;
  peakRssBytes: number;
}

export function kernelTrialOf(result: KernelResult, placement: TrialPlacement): KernelTrial {
  return {
    ...placement,
    samples: result.samples,
    medianNs: result.medianNs,
    ci95Ns: result.ci95Ns,
    cv: result.cv,
    p10Ns: result.p10Ns,
    p90Ns: result.p90Ns,
    outliers: result.outliers.length,
    steal: result.steal,
    prepareMs: result.prepareMs,
    noisy: result.noisy,
  };
}

export function modelTrialOf(result: ModelResult, placement: TrialPlacement): ModelTrial {
  return {
    ...placement,
    decodeTokS: result.decodeTokS,
    prefillTokS: result.prefillTokS,
    ttftMs: result.ttftMs,
    p50Ms: result.p50Ms,
    stepNs: result.stepNs,
    buildMs: result.buildMs,
    peakRssBytes: result.peakRssBytes,
  };
}
