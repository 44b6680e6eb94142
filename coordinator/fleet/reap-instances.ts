// Instances bitbench started whose TTL passed. The user data's own `shutdown -h` normally ends
// them; this catches the ones it missed (a stopped instance, a failed boot). Only an instance
// with a TTL tag that parses and has passed is ever terminated.
import {
  paginateDescribeInstances,
  TerminateInstancesCommand,
  type EC2Client,
  type Instance,
  type InstanceStateChange,
} from '@aws-sdk/client-ec2';
import { ec2Call } from './ec2-errors.js';

import { REAPABLE_STATES, STACK_TAG, TTL_TAG } from './fleet-tags.js';

export { REAPABLE_STATES, STACK_TAG, TTL_TAG };
/** TerminateInstances takes many ids; small batches keep one bad id from hiding the rest. */
export const TERMINATE_BATCH = 50;

export type ReapStatus = 'expired' | 'live' | 'no valid TTL';

export interface ReapCandidate {
  instanceId: string;
  instanceType: string;
  state: string;
  stack: string;
  /** The TTL tag as written; undefined when absent. */
  ttlTag: string | undefined;
  ttl: Date | undefined;
  status: ReapStatus;
}

// A time zone is required: "2025-01-01T10:00" would be read in the reaper's local time.
const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i;

/** The TTL tag as a time; undefined when it is not an ISO 8601 time with a zone. */
export function parseTtl(text: string | undefined): Date | undefined {
  if (text === undefined || !ISO_WITH_ZONE.test(text.trim())) return undefined;
  const time = Date.parse(text.trim());
  return Number.isFinite(time) ? new Date(time) : undefined;
}

export async function describeBitbenchInstances(client: EC2Client, region?: string): Promise<Instance[]> {
  return ec2Call('DescribeInstances', region, async () => {
    const instances: Instance[] = [];
    const pages = paginateDescribeInstances(
      { client, pageSize: 1000 },
      {
        Filters: [
          { Name: 'tag-key', Values: [STACK_TAG] },
          { Name: 'instance-state-name', Values: [...REAPABLE_STATES] },
        ],
      },
    );
    for await (const page of pages) for (const reservation of page.Reservations ?? []) instances.push(...(reservation.Instances ?? []));
    return instances;
  });
}

export function classifyInstance(instance: Instance, now: Date): ReapCandidate {
  const tag = (key: string) => instance.Tags?.find((t) => t.Key === key)?.Value;
  const ttlTag = tag(TTL_TAG);
  const ttl = parseTtl(ttlTag);
  const status: ReapStatus = ttl === undefined ? 'no valid TTL' : ttl.getTime() <= now.getTime() ? 'expired' : 'live';
  return {
    instanceId: instance.InstanceId ?? '',
    instanceType: instance.InstanceType ?? '',
    state: instance.State?.Name ?? '',
    stack: tag(STACK_TAG) ?? '',
    ttlTag,
    ttl,
    status,
  };
}

export function classifyInstances(instances: readonly Instance[], now: Date): ReapCandidate[] {
  return instances.filter((instance) => instance.InstanceId).map((instance) => classifyInstance(instance, now));
}

export function expiredIds(candidates: readonly ReapCandidate[]): string[] {
  return candidates.filter((c) => c.status === 'expired').map((c) => c.instanceId);
}

export async function terminateInstances(client: EC2Client, ids: readonly string[], region?: string): Promise<InstanceStateChange[]> {
  const changes: InstanceStateChange[] = [];
  for (let start = 0; start < ids.length; start += TERMINATE_BATCH) {
    const InstanceIds = ids.slice(start, start + TERMINATE_BATCH);
    const output = await ec2Call('TerminateInstances', region, () => client.send(new TerminateInstancesCommand({ InstanceIds })));
    changes.push(...(output.TerminatingInstances ?? []));
  }
  return changes;
}

function describeAge(ttl: Date, now: Date): string {
  const minutes = Math.round(Math.abs(now.getTime() - ttl.getTime()) / 60_000);
  const span = minutes < 120 ? `${minutes} min` : `${(minutes / 60).toFixed(1)} h`;
  return ttl.getTime() <= now.getTime() ? `expired ${span} ago` : `${span} left`;
}

export function formatReapPlan(candidates: readonly ReapCandidate[], now: Date, apply: boolean): string {
  if (candidates.length === 0) return `No instances tagged ${STACK_TAG} (${REAPABLE_STATES.join(', ')}).\n`;
  const action = apply ? 'terminate' : 'would terminate';
  const lines = candidates.map((c) => {
    const what = `${c.instanceId}  ${c.instanceType}  ${c.state}  stack ${c.stack || '?'}`;
    if (c.status === 'no valid TTL') return `${what}  no valid TTL (${c.ttlTag === undefined ? 'no tag' : `'${c.ttlTag}'`}): kept`;
    const age = describeAge(c.ttl!, now);
    return c.status === 'expired' ? `${what}  ${age}: ${action}` : `${what}  ${age}: kept`;
  });
  const count = candidates.filter((c) => c.status === 'expired').length;
  const tail = apply ? '' : count > 0 ? `Dry run: ${count} instance(s) would be terminated; run again with --apply.` : 'Nothing has expired.';
  return `${lines.join('\n')}\n${tail ? `${tail}\n` : ''}`;
}
