// Which trial of which job runs when: randomized multiple interleaved trials (RMIT). Round i
// holds trial i of every job that asks for more than i trials, in a fresh seeded random order,
// and every job's round i runs before any job's round i+1; so slow drift of the machine (heat,
// turbo budget, a neighbour) lands on every cell alike instead of on whichever ran last, and each
// cell's trials are spread over the whole run. Round 0's order is the run's recorded job order;
// every round's seed follows from the run's seed, so the whole schedule can be replayed.
import { trialsOf, type JobSpec } from '../../runner/protocol/job-spec.js';
import { runOrder } from '../matrix/run-order.js';

export interface TrialSlot {
  job: JobSpec;
  /** 0-based trial index, which is also the round. */
  trial: number;
  /** Place in the round's order (0-based). */
  position: number;
}

/** Round 0 uses the run's seed itself (the recorded order); later rounds a seed mixed from it. */
export function roundSeed(runSeed: number, round: number): number {
  if (round === 0) return runSeed;
  // A multiplicative hash step (Knuth's golden ratio constant), kept in 32 bits.
  return (Math.imul((runSeed ^ Math.imul(round, 0x9e3779b9)) >>> 0, 0x85ebca6b) ^ round) >>> 0;
}

/** Every round, each a permutation of the jobs that have a trial in it. */
export function trialRounds(jobs: readonly JobSpec[], runSeed: number): TrialSlot[][] {
  const rounds: TrialSlot[][] = [];
  const most = jobs.reduce((m, job) => Math.max(m, trialsOf(job)), 0);
  for (let round = 0; round < most; round++) {
    const inRound = jobs.filter((job) => trialsOf(job) > round);
    rounds.push(runOrder(inRound, roundSeed(runSeed, round)).map((job, position) => ({ job, trial: round, position })));
  }
  return rounds;
}
