// How many times a benchmark goes over all its cells (BITBENCH_ROUNDS, default 3), each figure
// then the median of its cell's rounds: on a shared host one cell now and then runs at half
// speed for its whole measurement (a worker thread left on the caller's core, a neighbour's
// burst), and a single pass would print that as the kernel's figure. A bad value stops the
// benchmark before any timing, naming the variable and what it expected.
export function benchRounds(bench: string, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.BITBENCH_ROUNDS;
  const rounds = Number(raw ?? 3);
  if (!Number.isInteger(rounds) || rounds < 1) {
    console.error(`${bench}: BITBENCH_ROUNDS: expected a whole number of at least 1 but received '${raw}'`);
    process.exit(2);
  }
  return rounds;
}
