// The stack's configuration (`pulumi config set KEY VALUE` under the `bitbench` namespace),
// validated before any resource is declared, so a typo fails `pulumi preview` with the key
// named instead of half a fleet later.
import { z } from 'zod';

export const CONFIG_NAMESPACE = 'bitbench';

export const PURCHASE_OPTIONS = ['spot', 'on-demand'] as const;
export const BROKER_MODES = ['elasticache', 'ec2'] as const;
export type PurchaseOption = (typeof PURCHASE_OPTIONS)[number];
export type BrokerMode = (typeof BROKER_MODES)[number];

export const DEFAULT_TTL_MINUTES = 180;
/** A fleet forgotten for a week costs more than any benchmark is worth. */
export const MAX_TTL_MINUTES = 7 * 24 * 60;
/** Instances of one type; more is a typo more often than a plan. */
export const MAX_COUNT_PER_TYPE = 20;
/**
 * The broker takes jobs for every runner; a password alone does not keep the internet's
 * scanners off it, so the operator range must be an address or a network, never "anywhere".
 */
export const WIDEST_OPERATOR_PREFIX = 8;

/** Keys read as plain strings; every other key holds JSON (numbers, lists, objects). */
const STRING_KEYS = new Set(['region', 'brokerMode', 'operatorCidr', 'imageTag', 'vpcId']);

// Zod reports a missing key as a wrong type; say "required" for that case instead.
const expected = (what: string) => (issue: { input?: unknown }) => (issue.input === undefined ? 'required' : `expected ${what}`);

const positiveInteger = (max: number) =>
  z
    .number({ error: expected('a positive integer') })
    .int({ error: 'expected a positive integer' })
    .positive({ error: 'expected a positive integer' })
    .max(max, { error: `expected at most ${max}` });

/** Instances per type when an entry gives no count. */
export const DEFAULT_COUNT_PER_TYPE = 2;

const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;

const instanceTypeEntry = z.strictObject(
  {
    type: z.string({ error: expected('an EC2 instance type such as c7i.large') }).regex(INSTANCE_TYPE, {
      error: 'expected an EC2 instance type such as c7i.large',
    }),
    // Two by default: one host per type cannot tell the type's spread from that host's luck
    // (the report shows between-host beside within-host spread).
    count: positiveInteger(MAX_COUNT_PER_TYPE).default(DEFAULT_COUNT_PER_TYPE),
    purchase: z.enum(PURCHASE_OPTIONS, { error: expected(`one of ${PURCHASE_OPTIONS.join(', ')}`) }),
  },
  { error: expected('an object { type, count, purchase }') },
);

function cidrProblem(text: string): string | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
  if (!match) return 'expected an IPv4 CIDR such as 203.0.113.7/32';
  if (match.slice(1, 5).some((octet) => Number(octet) > 255) || Number(match[5]) > 32) return 'expected an IPv4 CIDR such as 203.0.113.7/32';
  if (Number(match[5]) < WIDEST_OPERATOR_PREFIX) {
    return `${text} opens the broker to far too much of the internet: use your own address (/32) or your network (at least /${WIDEST_OPERATOR_PREFIX})`;
  }
  return undefined;
}

const stackConfigSchema = z
  .strictObject({
    region: z.string({ error: expected('an AWS region such as us-east-1') }).regex(/^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d+$/, {
      error: 'expected an AWS region such as us-east-1',
    }),
    instanceTypes: z
      .array(instanceTypeEntry, { error: expected('a list of { type, count, purchase }') })
      .min(1, { error: 'expected at least one instance type' }),
    ttlMinutes: positiveInteger(MAX_TTL_MINUTES).default(DEFAULT_TTL_MINUTES),
    brokerMode: z.enum(BROKER_MODES, { error: expected(`one of ${BROKER_MODES.join(', ')}`) }).default('elasticache'),
    operatorCidr: z.string({ error: expected('an IPv4 CIDR such as 203.0.113.7/32') }).superRefine((text, context) => {
      const problem = cidrProblem(text);
      if (problem) context.addIssue({ code: 'custom', message: problem });
    }),
    imageTag: z
      .string({ error: expected('a Docker tag') })
      .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/, { error: 'expected a Docker tag (letters, digits, _ . -; at most 128)' })
      .default('latest'),
    vpcId: z.string({ error: expected('a VPC id such as vpc-0123abcd') }).regex(/^vpc-[0-9a-f]+$/, { error: 'expected a VPC id such as vpc-0123abcd' }).optional(),
    subnetIds: z
      .array(z.string().regex(/^subnet-[0-9a-f]+$/, { error: 'expected a subnet id such as subnet-0123abcd' }), {
        error: expected('a list of subnet ids'),
      })
      .min(1, { error: 'expected at least one subnet id' })
      .optional(),
  })
  .superRefine((config, context) => {
    config.instanceTypes.forEach((entry, index) => {
      const first = config.instanceTypes.findIndex((other) => other.type === entry.type);
      if (first !== index) {
        context.addIssue({ code: 'custom', path: ['instanceTypes', index, 'type'], message: `${entry.type} is already listed at instanceTypes[${first}]; raise its count instead` });
      }
    });
    if (config.vpcId !== undefined && config.subnetIds === undefined) {
      context.addIssue({ code: 'custom', path: ['subnetIds'], message: 'required with vpcId: the subnets (with a route to the internet) the fleet runs in' });
    }
    if (config.vpcId === undefined && config.subnetIds !== undefined) {
      context.addIssue({ code: 'custom', path: ['vpcId'], message: 'required with subnetIds: the VPC those subnets belong to' });
    }
  });

export type StackConfig = z.infer<typeof stackConfigSchema>;
export type InstanceTypeEntry = StackConfig['instanceTypes'][number];

export class StackConfigError extends Error {
  override name = 'StackConfigError';
  constructor(readonly problems: string[]) {
    super(`Invalid stack configuration:\n  ${problems.join('\n  ')}`);
  }
}

/** `bitbench:instanceTypes[1].count` for the path ['instanceTypes', 1, 'count']. */
export function configKeyName(path: readonly PropertyKey[]): string {
  let name = CONFIG_NAMESPACE;
  path.forEach((part, index) => {
    name += typeof part === 'number' ? `[${part}]` : `${index === 0 ? ':' : '.'}${String(part)}`;
  });
  return name;
}

function parseValue(key: string, text: string): unknown {
  if (STRING_KEYS.has(key)) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text; // the schema then says which type it expected
  }
}

/**
 * Validates the raw config (key without namespace -> the string Pulumi stores). Every problem is
 * reported at once, each line naming its key: `bitbench:instanceTypes[1].count: expected a positive integer`.
 */
export function parseStackConfig(raw: Readonly<Record<string, string | undefined>>): StackConfig {
  const values = Object.fromEntries(
    Object.entries(raw)
      .filter((entry): entry is [string, string] => entry[1] !== undefined)
      .map(([key, text]) => [key, parseValue(key, text)]),
  );
  const result = stackConfigSchema.safeParse(values);
  if (result.success) return result.data;
  const problems = result.error.issues.flatMap((issue) => {
    if (issue.code === 'unrecognized_keys') {
      // Top level, or inside an instanceTypes entry (the only nested object).
      const known = Object.keys(issue.path.length === 0 ? stackConfigSchema.shape : instanceTypeEntry.shape).join(', ');
      return issue.keys.map((key) => `${configKeyName([...issue.path, key])}: unknown key (known keys: ${known})`);
    }
    return [`${configKeyName(issue.path)}: ${issue.message}`];
  });
  throw new StackConfigError(problems);
}

/** The namespace's entries of a full Pulumi config map (`bitbench:region` -> `region`). */
export function namespaceEntries(all: Readonly<Record<string, string>>): Record<string, string> {
  const prefix = `${CONFIG_NAMESPACE}:`;
  return Object.fromEntries(Object.entries(all).filter(([key]) => key.startsWith(prefix)).map(([key, value]) => [key.slice(prefix.length), value]));
}
