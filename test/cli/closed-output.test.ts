// A reader that closes early (`bitbench isa | head -0`) leaves the CLI's exit status and stderr
// as they would be: no stack trace from the failed write, no status 1.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('../../bin/bitbench.js', import.meta.url));

function runWithStdoutClosed(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stderr })));
}

describe('output to a closed reader', () => {
  it.each([[['--help']], [['isa']], [['kernel', '--n', '64', '--k', '64', '--trials', '1', '--json']]])(
    'bitbench %j exits 0 without a trace',
    async (args) => {
      const { code, stderr } = await runWithStdoutClosed(args);
      expect(stderr).not.toMatch(/EPIPE|Unhandled 'error'|node:events/);
      expect(code).toBe(0);
    },
  );

  it('keeps the exit status of a failed command', async () => {
    const { code, stderr } = await runWithStdoutClosed(['kernel', '--n', '0']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/--n/);
  });
});
