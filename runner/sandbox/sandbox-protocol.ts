// Messages between the runner and its sandbox child process (Node IPC, structured clone).
import type { KernelJobSpec, KernelResult } from '../kernel-job.js';
import type { ModelJobSpec, ModelResult } from '../model-job.js';

export type SandboxJob =
  | { id: string; kind: 'kernel'; spec: KernelJobSpec }
  | { id: string; kind: 'model'; spec: ModelJobSpec };

export type SandboxResult = KernelResult | ModelResult;

export type ToSandbox = { type: 'run'; job: SandboxJob };

export type FromSandbox =
  | { type: 'ready' }
  | { type: 'progress'; id: string; done: number; total: number }
  | { type: 'result'; id: string; result: SandboxResult }
  /** The job's error as plain data: `code` (ERR_BITBENCH_...) tells what a retry could fix. */
  | { type: 'error'; id: string; message: string; name: string; code?: string };
