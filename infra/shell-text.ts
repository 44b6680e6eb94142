// Pieces the two user-data renderers share: quoting values into bash, and a retry for the
// network steps of a boot (package mirrors, ECR and SSM all have bad seconds).

/** A bash single-quoted word holding exactly `value`. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `readonly NAME='value'` lines, so the script below uses names, not pasted values. */
export function shellConstants(values: Readonly<Record<string, string>>): string {
  return Object.entries(values)
    .map(([name, value]) => `readonly ${name}=${shellQuote(value)}`)
    .join('\n');
}

export const RETRY_FUNCTION = `# Runs a command up to 5 times, 5 s, 10 s, ... apart.
retry() {
  local attempt
  for attempt in 1 2 3 4 5; do
    if "$@"; then return 0; fi
    echo "bitbench: attempt $attempt of '$*' failed" >&2
    sleep $((attempt * 5))
  done
  return 1
}`;

/**
 * The self-destruct: scheduled before anything that can fail, so the instance ends after its TTL
 * whatever happens next. With instance-initiated shutdown = terminate, halting terminates it.
 */
export function selfDestructLine(minutes: number): string {
  if (!Number.isInteger(minutes) || minutes <= 0) throw new RangeError(`Expected a positive integer for the TTL minutes but received ${minutes}`);
  return `shutdown -h +${minutes} 'bitbench: TTL of ${minutes} minutes reached'`;
}
