// A job taken from the queue is data from the network: before anything runs, its kind must be
// one this worker knows, its spec must pass the protocol schema (which checks the id hashes
// from the spec), and it must belong to this worker's instance type. Anything else fails at
// once as unrecoverable, with the reason: no retry can fix a bad spec.
import { UnrecoverableError } from 'bullmq';
import { JobSpecError, parseJobSpec, type JobSpec } from '../protocol/job-spec.js';
import { queueJobIdFor } from '../protocol/queue-name.js';

export const JOB_KINDS = ['kernel', 'model'] as const;

export interface QueueJobLike {
  id?: string | undefined;
  name: string;
  data: unknown;
}

export function specFromQueueJob(job: QueueJobLike, instanceType: string): JobSpec {
  if (!(JOB_KINDS as readonly string[]).includes(job.name)) {
    throw new UnrecoverableError(`job ${job.id ?? '?'}: unknown job kind '${String(job.name).slice(0, 64)}' (this worker runs ${JOB_KINDS.join(', ')})`);
  }
  let spec: JobSpec;
  try {
    spec = parseJobSpec(job.data);
  } catch (error) {
    const detail = error instanceof JobSpecError ? error.message.replace(/\n\s*/g, '; ') : String(error);
    throw new UnrecoverableError(`job ${job.id ?? '?'}: ${detail}`);
  }
  if (spec.kind !== job.name) {
    throw new UnrecoverableError(`job ${job.id ?? '?'}: queued as '${job.name}' but its spec is a '${spec.kind}' job`);
  }
  if (job.id !== queueJobIdFor(spec.id)) {
    throw new UnrecoverableError(`job ${job.id ?? '?'}: the queue id differs from the spec's id ${spec.id}`);
  }
  if (spec.instanceType !== instanceType) {
    throw new UnrecoverableError(`job ${spec.id}: meant for instance type ${spec.instanceType}, but this worker is ${instanceType}`);
  }
  return spec;
}
