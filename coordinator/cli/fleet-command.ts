// `bitbench fleet`: checks and chores for the EC2 fleet, before `pulumi up` and after it.
import { parseArgs } from 'node:util';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { ModelBytesEstimator } from '../fleet/check-report.js';
import { REAPABLE_STATES, STACK_TAG, TTL_TAG } from '../fleet/fleet-tags.js';
import { UsageError } from './cli-error.js';
import { printOut } from '../../reports/text-safety/terminal-text.js';

export const fleetHelp = `Usage: bitbench fleet <check|prices|reap> [options]

Talks to EC2 with the usual AWS credentials (environment, profile, SSO). The region is --region,
else AWS_REGION or the profile's.

Commands:
  check MATRIX     every instance type of the matrix: whether the region offers it, its
                   architecture, vCPUs and memory; warns where a model job will not fit in
                   memory (less a 10% margin); fails when a type is unknown
  prices MATRIX    the lowest current Linux spot price of each instance type across the
                   region's zones
  reap             instances tagged ${STACK_TAG} (${REAPABLE_STATES.join(', ')}) whose
                   ${TTL_TAG} time has passed; a dry run unless --apply. Instances without
                   a valid TTL tag are listed and never terminated

Options:
  --region REGION  the AWS region
  --json           prices: print JSON instead of a table
  --write FILE     check: write a \`vcpus:\` block for the matrix (what threads: all becomes
                   per type in bitbench enqueue); prices: a \`prices:\` block (JSON for .json,
                   else YAML)
  --apply          reap: terminate the expired instances
  -h, --help       this help
`;

export interface FleetDependencies {
  /** The EC2 client for a region (undefined: the SDK's default); tests pass a mocked one. */
  createClient?: (region: string | undefined) => EC2Client;
  write?: (text: string) => void;
  now?: () => Date;
  estimateModelBytes?: ModelBytesEstimator;
}

export const SUBCOMMANDS = ['check', 'prices', 'reap'] as const;
export type Subcommand = (typeof SUBCOMMANDS)[number];

const FLAGS_BY_SUBCOMMAND: Record<Subcommand, readonly string[]> = {
  check: ['region', 'write'],
  prices: ['region', 'json', 'write'],
  reap: ['region', 'apply'],
};

export async function fleetCommand(args: string[], dependencies: FleetDependencies = {}): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    strict: true,
    allowPositionals: true,
    options: {
      region: { type: 'string' },
      json: { type: 'boolean' },
      write: { type: 'string' },
      apply: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const write = dependencies.write ?? ((text: string) => printOut(text));
  if (values.help) {
    write(fleetHelp);
    return;
  }
  const [name, ...rest] = positionals;
  if (name === undefined) throw new UsageError(`fleet: expected a command (${SUBCOMMANDS.join(', ')})`);
  if (!(SUBCOMMANDS as readonly string[]).includes(name)) {
    throw new UsageError(`fleet: unknown command '${name}' (commands: ${SUBCOMMANDS.join(', ')})`);
  }
  const subcommand = name as Subcommand;
  for (const flag of ['region', 'json', 'write', 'apply'] as const) {
    if (values[flag] !== undefined && !FLAGS_BY_SUBCOMMAND[subcommand].includes(flag)) {
      throw new UsageError(`--${flag}: not an option of 'fleet ${subcommand}'`);
    }
  }
  if (values.region !== undefined && !/^[a-z]{2}(-[a-z]+)+-\d+$/.test(values.region)) {
    throw new UsageError(`--region: expected an AWS region such as us-east-1 but received '${values.region}'`);
  }
  if (values.write === '') throw new UsageError(`--write: expected a file name but received ''`);

  const expectedPositionals = subcommand === 'reap' ? 0 : 1;
  if (rest.length < expectedPositionals) throw new UsageError(`fleet ${subcommand}: expected a matrix file (MATRIX)`);
  if (rest.length > expectedPositionals) throw new UsageError(`fleet ${subcommand}: unexpected argument '${rest[expectedPositionals]}'`);

  // The AWS SDK and the matrix machinery load only once there is work for them, not for --help.
  const { runFleetSubcommand } = await import('./fleet-subcommands.js');
  await runFleetSubcommand(subcommand, rest, values, dependencies, write);
}
