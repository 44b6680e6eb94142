// `bitbench fleet`: checks and chores for the EC2 fleet, before `pulumi up` and after it.
import { parseArgs } from 'node:util';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { buildCheckReport, formatCheckReport, unknownTypesMessage, vcpusField, type ModelBytesEstimator } from '../fleet/check-report.js';
import { writeMatrixSnippet } from '../fleet/matrix-snippet.js';
import { clientRegion, createEc2Client } from '../fleet/ec2-client.js';
import { FleetError } from '../fleet/ec2-errors.js';
import { describeInstanceTypes, ec2InstanceTypes, LOCAL_INSTANCE_TYPE } from '../fleet/instance-types.js';
import { estimateModelJobBytes } from '../fleet/model-memory.js';
import {
  classifyInstances,
  describeBitbenchInstances,
  expiredIds,
  formatReapPlan,
  REAPABLE_STATES,
  STACK_TAG,
  terminateInstances,
  TTL_TAG,
} from '../fleet/reap-instances.js';
import { fetchSpotPrices, formatSpotPriceTable, lowestSpotPrices, pricesField } from '../fleet/spot-prices.js';
import { loadMatrix } from '../matrix/load-matrix.js';
import { UsageError } from './cli-error.js';

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

const SUBCOMMANDS = ['check', 'prices', 'reap'] as const;
type Subcommand = (typeof SUBCOMMANDS)[number];

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
  const write = dependencies.write ?? ((text: string) => process.stdout.write(text));
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

  const client = (dependencies.createClient ?? createEc2Client)(values.region);
  const region = values.region ?? (await clientRegion(client));
  const now = dependencies.now?.() ?? new Date();

  if (subcommand === 'reap') {
    const candidates = classifyInstances(await describeBitbenchInstances(client, region), now);
    write(formatReapPlan(candidates, now, values.apply === true));
    const ids = expiredIds(candidates);
    if (values.apply && ids.length > 0) {
      const changes = await terminateInstances(client, ids, region);
      write(`Terminating ${changes.length} instance(s): ${changes.map((c) => `${c.InstanceId} (${c.CurrentState?.Name ?? '?'})`).join(', ')}\n`);
    }
    return;
  }

  const matrixFile = rest[0]!;
  const matrix = loadMatrix(matrixFile);
  const types = ec2InstanceTypes(matrix.instanceTypes);
  if (types.length === 0) {
    throw new FleetError(`${matrixFile} names no EC2 instance types (only '${LOCAL_INSTANCE_TYPE}'); list them under instanceTypes`);
  }

  if (subcommand === 'check') {
    const infos = await describeInstanceTypes(client, types, region);
    const report = buildCheckReport(matrix, types, infos, dependencies.estimateModelBytes ?? estimateModelJobBytes, region);
    write(formatCheckReport(report));
    const unknown = unknownTypesMessage(report);
    if (unknown) throw new FleetError(unknown);
    if (values.write !== undefined) writeMatrixSnippet(values.write, vcpusField(report));
    return;
  }

  const table = lowestSpotPrices(types, await fetchSpotPrices(client, types, now, region), region);
  write(values.json ? `${JSON.stringify({ region: table.region ?? null, ...pricesField(table), missing: table.missing }, null, 2)}\n` : formatSpotPriceTable(table));
  if (values.write !== undefined) writeMatrixSnippet(values.write, pricesField(table));
}
