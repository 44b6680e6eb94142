// One spelling per flag, the old one kept as an alias: `--run-id` reaches every command as `--run`.
import { describe, expect, it } from 'vitest';
import { normalizeFlagAliases } from '../../coordinator/cli/flag-aliases.js';

describe('normalizeFlagAliases', () => {
  it('rewrites --run-id, with its value apart or after =', () => {
    expect(normalizeFlagAliases(['--run-id', 'a', '--db', 'x'])).toEqual(['--run', 'a', '--db', 'x']);
    expect(normalizeFlagAliases(['--run-id=a'])).toEqual(['--run=a']);
  });

  it('leaves other flags, values and everything after -- alone', () => {
    expect(normalizeFlagAliases(['--run', 'a', '--run-ids', 'b'])).toEqual(['--run', 'a', '--run-ids', 'b']);
    expect(normalizeFlagAliases(['--', '--run-id', 'a'])).toEqual(['--', '--run-id', 'a']);
  });
});
