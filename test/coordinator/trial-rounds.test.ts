// The interleaved trial schedule: every round a permutation of the jobs that have a trial in it,
// every job's round i before any job's round i+1, seeded (replayable), round 0 the recorded order.
import { describe, expect, it } from 'vitest';
import { roundSeed, trialRounds } from '../../coordinator/local/trial-rounds.js';
import { runOrder } from '../../coordinator/matrix/run-order.js';
import { REPETITION_DEFAULTS, type JobSpec } from '../../runner/protocol/job-spec.js';

function kernelJob(id: string, trials: number | undefined): JobSpec {
  return {
    kind: 'kernel', id, runId: 'run-1', instanceType: 'local', path: 'fused', n: 64, k: 64, batch: 1, threads: 1, cache: 'hot',
    repetitions: { ...REPETITION_DEFAULTS, ...(trials === undefined ? { trials: undefined } : { trials }) },
  } as JobSpec;
}

const jobs = Array.from({ length: 12 }, (_, i) => kernelJob(`job-${i}`, i < 4 ? 5 : 3));

describe('trialRounds', () => {
  it('makes every round a permutation of the jobs with a trial in it, positions in order', () => {
    const rounds = trialRounds(jobs, 1234);
    expect(rounds).toHaveLength(5);
    for (const [round, slots] of rounds.entries()) {
      const expected = jobs.filter((j) => (j.kind === 'kernel' ? j.repetitions.trials! : 1) > round).map((j) => j.id).sort();
      expect(slots.map((s) => s.job.id).sort()).toEqual(expected);
      expect(slots.map((s) => s.trial)).toEqual(slots.map(() => round));
      expect(slots.map((s) => s.position)).toEqual(slots.map((_, i) => i));
    }
  });

  it('is seeded: the same seed replays the schedule, another seed gives another, rounds differ', () => {
    const order = (seed: number) => trialRounds(jobs, seed).map((round) => round.map((s) => s.job.id));
    expect(order(1234)).toEqual(order(1234));
    expect(order(1234)).not.toEqual(order(4321));
    const [first, second] = order(1234);
    expect(first).not.toEqual(second);
  });

  it("uses the run's seed for round 0, so the recorded job order is round 0's", () => {
    expect(roundSeed(99, 0)).toBe(99);
    expect(trialRounds(jobs, 99)[0]!.map((s) => s.job.id)).toEqual(runOrder(jobs, 99).map((j) => j.id));
  });

  it('runs a spec from before trials (no count) as one trial', () => {
    const rounds = trialRounds([kernelJob('old', undefined), kernelJob('new', 2)], 7);
    expect(rounds.map((r) => r.map((s) => s.job.id).sort())).toEqual([['new', 'old'], ['new']]);
  });
});
