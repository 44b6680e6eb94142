// The tags `bitbench fleet reap` looks for (coordinator/fleet/reap-instances.ts reads the same
// names; test/infra checks that they agree). infra imports nothing of the coordinator, so the
// names are written out here.

export const STACK_TAG = 'bitbench:stack';
export const TTL_TAG = 'bitbench:ttl-utc';

/**
 * The moment the TTL ends, as the reaper parses it: ISO 8601 in UTC with the zone (`Z`), to
 * the second. Measured from `pulumi up`, a minute or two before the instance boots and starts
 * its own `shutdown -h +N` clock, so the reaper never acts before the instance would have.
 */
export function ttlUtc(now: Date, ttlMinutes: number): string {
  return new Date(now.getTime() + ttlMinutes * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function bitbenchTags(stack: string, ttl: string, name: string): Record<string, string> {
  return { Name: name, [STACK_TAG]: stack, [TTL_TAG]: ttl };
}

/**
 * The TTL tag is written when an instance is created and never moved: a later `pulumi up` would
 * otherwise push the tag past the instance's own `shutdown -h` clock, which started at boot.
 */
export const KEEP_TTL_TAG = [`tags["${TTL_TAG}"]`, `tagsAll["${TTL_TAG}"]`];
