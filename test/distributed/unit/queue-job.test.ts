// A job taken from Redis is data from the network. The worker runs it only when its kind is
// known, its spec passes the protocol schema, its id hashes from that spec and matches the queue
// id, and it is for this worker's instance type; anything else is unrecoverable (no retry can
// fix it), with a reason a person can act on.
import { UnrecoverableError } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { expandMatrix } from '../../../coordinator/matrix/expand-matrix.js';
import { matrixSchema } from '../../../coordinator/matrix/matrix-schema.js';
import type { JobSpec } from '../../../runner/protocol/job-spec.js';
import { queueJobIdFor } from '../../../runner/protocol/queue-name.js';
import { specFromQueueJob, type QueueJobLike } from '../../../runner/worker/queue-job.js';

const INSTANCE_TYPE = 'c7i.large';

const matrix = matrixSchema.parse({
  instanceTypes: [INSTANCE_TYPE],
  kernels: { paths: ['fused'], shapes: [[8, 16]], batch: [1], threads: ['all'], cache: ['hot'] },
  models: { presets: ['tiny'], paths: ['fused'], batch: [1], prompt: 4, tokens: 4, threads: [1] },
});
const jobs = expandMatrix(matrix, { runId: 'queue-job-test', hardwareThreads: () => 2 });
const kernel = jobs.find((job) => job.kind === 'kernel')!;
const kernelQueueId = queueJobIdFor(kernel.id);
const model = jobs.find((job) => job.kind === 'model')!;

/** How BullMQ hands the job over when enqueue added it: named by kind, under the spec's queue id. */
function queued(spec: JobSpec | Record<string, unknown>, overrides: Partial<QueueJobLike> = {}): QueueJobLike {
  const data = JSON.parse(JSON.stringify(spec)) as Record<string, unknown>;
  return { id: queueJobIdFor(String(data.id)), name: String(data.kind), data, ...overrides };
}

/** The error specFromQueueJob throws; fails the test when it throws nothing. */
function rejection(job: QueueJobLike, instanceType = INSTANCE_TYPE): UnrecoverableError {
  try {
    specFromQueueJob(job, instanceType);
  } catch (error) {
    expect(error).toBeInstanceOf(UnrecoverableError);
    return error as UnrecoverableError;
  }
  throw new Error('expected specFromQueueJob to reject the job');
}

describe('specFromQueueJob', () => {
  it('accepts a kernel and a model job as expandMatrix made them, after a trip through JSON', () => {
    expect(jobs).toHaveLength(2);
    expect(specFromQueueJob(queued(kernel), INSTANCE_TYPE)).toEqual(kernel);
    expect(specFromQueueJob(queued(model), INSTANCE_TYPE)).toEqual(model);
  });

  it('refuses a job kind it does not know, naming it and the kinds it runs', () => {
    const error = rejection(queued(kernel, { name: 'shell' }));
    expect(error.message).toBe(`job ${kernelQueueId}: unknown job kind 'shell' (this worker runs kernel, model)`);
  });

  it('does not echo an unknown kind at any length', () => {
    const error = rejection(queued(kernel, { name: 'x'.repeat(10_000) }));
    expect(error.message.length).toBeLessThan(200);
  });

  it('refuses an invalid spec, naming the field and what was expected', () => {
    const error = rejection(queued({ ...kernel, n: -3 }));
    expect(error.message).toMatch(new RegExp(`^job ${kernelQueueId}: Invalid job spec ${kernel.id}`));
    expect(error.message).toContain('n: expected a positive integer');
    // One line: the worker logs it and BullMQ stores it as the failed reason.
    expect(error.message).not.toContain('\n');
  });

  it('refuses a spec with a key the protocol does not have (a job is data, not a command)', () => {
    const error = rejection(queued({ ...kernel, command: 'rm -rf /' }));
    expect(error.message).toContain("unknown key 'command'");
  });

  it.each([
    ['null', null],
    ['a string', 'kernel'],
    ['a list', [kernel]],
  ])('refuses data that is %s', (_label, data) => {
    const error = rejection({ id: kernelQueueId, name: 'kernel', data });
    expect(error.message).toMatch(new RegExp(`^job ${kernelQueueId}: `));
  });

  it('refuses a spec queued under another kind', () => {
    const error = rejection(queued(kernel, { name: 'model' }));
    expect(error.message).toContain("queued as 'model' but its spec is a 'kernel' job");
  });

  it.each([
    ["another job's queue id", 'jffffffffffffffff'],
    ['the bare spec id (BullMQ ids carry a letter in front)', kernel.id],
    ['no id', undefined],
  ])("refuses a job whose queue id is not its spec's: %s", (_label, id) => {
    const error = rejection(queued(kernel, { id }));
    expect(error.message).toBe(`job ${id ?? '?'}: the queue id differs from the spec's id ${kernel.id}`);
  });

  it('refuses a tampered spec whose id no longer hashes from it', () => {
    // The id stays the one enqueue computed; the spec asks for a much larger product.
    const error = rejection(queued({ ...kernel, n: 65_536 }));
    expect(error.message).toMatch(/id: does not match the spec \(which hashes to [0-9a-f]{16}\)/);
  });

  it('refuses a job meant for another instance type', () => {
    const error = rejection(queued(kernel), 'm7i.large');
    expect(error.message).toBe(`job ${kernel.id}: meant for instance type ${INSTANCE_TYPE}, but this worker is m7i.large`);
  });
});
