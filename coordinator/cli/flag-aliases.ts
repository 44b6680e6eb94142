// Flags spelled another way by older commands and scripts. Every command names a run with
// `--run ID` (export and report always did; `--run-id` was the fleet commands' spelling), and
// the old spelling keeps working everywhere, so no pasted command line breaks.
export const FLAG_ALIASES: Readonly<Record<string, string>> = { '--run-id': '--run' };

/** The arguments with each alias replaced by its flag (`--run-id X`, `--run-id=X`). */
export function normalizeFlagAliases(args: readonly string[]): string[] {
  const out: string[] = [];
  for (const [i, arg] of args.entries()) {
    // After `--`, everything is a positional.
    if (arg === '--') return [...out, ...args.slice(i)];
    const eq = arg.indexOf('=');
    const flag = eq === -1 ? arg : arg.slice(0, eq);
    const canonical = FLAG_ALIASES[flag];
    out.push(canonical === undefined ? arg : canonical + arg.slice(flag.length));
  }
  return out;
}
