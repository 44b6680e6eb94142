// What a worker hands back for a finished job (BullMQ stores it as the job's return value): the
// sandbox's result with the fingerprint of the machine that measured it. The collector reads it
// from Redis, so it is parsed like any other input; the store checks the result's own fields.
import * as z from 'zod';

const jsonObject = z.record(z.string(), z.unknown());

export const jobOutcomeSchema = z.strictObject({
  jobId: z.string().min(1),
  runId: z.string().min(1),
  instanceType: z.string().min(1),
  workerId: z.string().min(1),
  /** The ISA that actually ran. */
  isa: z.string().min(1),
  /** KernelResult or ModelResult, samples included. */
  result: jsonObject,
  fingerprint: jsonObject,
  startedAt: z.iso.datetime(),
  finishedAt: z.iso.datetime(),
  /** Wall time of the sandbox run alone: the rest of the job's time is the worker's overhead. */
  sandboxMs: z.number().nonnegative(),
});

export type JobOutcome = z.infer<typeof jobOutcomeSchema>;
