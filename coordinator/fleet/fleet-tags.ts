// The tags that mark a bitbench fleet's instances, and the states `fleet reap` looks at: plain
// names, so `bitbench fleet --help` prints them without loading the AWS SDK.
export const STACK_TAG = 'bitbench:stack';
export const TTL_TAG = 'bitbench:ttl-utc';
export const REAPABLE_STATES = ['pending', 'running', 'stopped'] as const;
