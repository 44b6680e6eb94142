// The fleet subcommands' work, once `bitbench fleet` has checked its flags: the EC2 calls
// (the AWS SDK loads here, on first use) and what they print or write.
import { buildCheckReport, formatCheckReport, unknownTypesMessage, vcpusField } from '../fleet/check-report.js';
import { writeMatrixSnippet } from '../fleet/matrix-snippet.js';
import { clientRegion, createEc2Client } from '../fleet/ec2-client.js';
import { FleetError } from '../fleet/ec2-errors.js';
import { describeInstanceTypes, ec2InstanceTypes, LOCAL_INSTANCE_TYPE } from '../fleet/instance-types.js';
import { estimateModelJobBytes } from '../fleet/model-memory.js';
import { classifyInstances, describeBitbenchInstances, expiredIds, formatReapPlan, terminateInstances } from '../fleet/reap-instances.js';
import { fetchSpotPrices, formatSpotPriceTable, lowestSpotPrices, pricesField } from '../fleet/spot-prices.js';
import { loadMatrix } from '../matrix/load-matrix.js';
import type { FleetDependencies, Subcommand } from './fleet-command.js';
import { jsonLine } from './json-output.js';

export interface FleetFlags {
  region?: string | undefined;
  json?: boolean | undefined;
  write?: string | undefined;
  apply?: boolean | undefined;
}

export async function runFleetSubcommand(
  subcommand: Subcommand,
  rest: readonly string[],
  values: FleetFlags,
  dependencies: FleetDependencies,
  write: (text: string) => void,
): Promise<void> {
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
  write(values.json ? jsonLine({ region: table.region ?? null, ...pricesField(table), missing: table.missing }) : formatSpotPriceTable(table));
  if (values.write !== undefined) writeMatrixSnippet(values.write, pricesField(table));
}
