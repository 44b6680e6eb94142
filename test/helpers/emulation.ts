// Running native code on CPUs this host is not: finding the qemu user-mode emulators and the
// AArch64 cross compiler, and running a child process to completion with its exit status,
// signal and output (a SIGILL must show up as a signal, not as a thrown error).
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file is test/helpers/emulation.ts). */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The absolute path of `command` on PATH, or undefined. */
export function findExecutable(command: string, pathVariable = process.env.PATH ?? ''): string | undefined {
  for (const dir of pathVariable.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface ToolLookup {
  /** Absolute paths by command name, for the commands that were found. */
  paths: Record<string, string>;
  /** Why a test needing these tools must skip, or undefined when all are present. */
  skipReason: string | undefined;
}

/** Looks up every command; the skip reason names the missing ones and how to get them. */
export function requireTools(commands: readonly string[], install: string): ToolLookup {
  const paths: Record<string, string> = {};
  const missing: string[] = [];
  for (const command of commands) {
    const found = findExecutable(command);
    if (found) paths[command] = found;
    else missing.push(command);
  }
  const skipReason =
    missing.length === 0 ? undefined : `skipped: ${missing.join(' and ')} not found on PATH (${install})`;
  return { paths, skipReason };
}

export interface ChildOutcome {
  /** Exit status, or null when a signal ended the child. */
  status: number | null;
  /** The signal that ended the child (SIGILL for an instruction the CPU lacks), or null. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  wallMs: number;
}

/**
 * The environment for a child running on an emulated CPU: this one without the variables that
 * force a library's kernels for the host's CPU. OPENBLAS_CORETYPE=Haswell (set on some hosts)
 * makes OpenBLAS run AVX2 code under `-cpu Nehalem`, a SIGILL that would be blamed on bitbench.
 */
export function emulatedCpuEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.OPENBLAS_CORETYPE;
  return env;
}

/** Runs a command to completion; never rejects for a non-zero status or a signal. */
export function runChild(
  command: string,
  args: readonly string[],
  options: { cwd?: string; timeoutMs: number; env?: NodeJS.ProcessEnv },
): Promise<ChildOutcome> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd ?? repoRoot,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    // A hung child would otherwise hold the test until vitest's timeout, with no output.
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr, wallMs: performance.now() - started });
    });
  });
}

/** The command line and its output, for an assertion message that explains a failure. */
export function describeOutcome(label: string, outcome: ChildOutcome, tailChars = 4000): string {
  const tail = (text: string) => (text.length > tailChars ? '…' + text.slice(-tailChars) : text);
  return (
    `${label}: status ${String(outcome.status)}, signal ${String(outcome.signal)}, ` +
    `${(outcome.wallMs / 1000).toFixed(1)} s\n--- stdout ---\n${tail(outcome.stdout)}\n--- stderr ---\n${tail(outcome.stderr)}`
  );
}

/** Runs a command and throws, with its output, unless it exits with status 0. */
export async function runChecked(
  command: string,
  args: readonly string[],
  options: { cwd?: string; timeoutMs: number },
): Promise<ChildOutcome> {
  const outcome = await runChild(command, args, options);
  if (outcome.status !== 0) throw new Error(describeOutcome(`${command} ${args.join(' ')}`, outcome));
  return outcome;
}
