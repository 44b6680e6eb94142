import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeInstancesCommand,
  DescribeInstanceTypesCommand,
  DescribeSpotPriceHistoryCommand,
  EC2Client,
  TerminateInstancesCommand,
  type InstanceTypeInfo,
  type Instance,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { parse } from 'yaml';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { fleetCommand, type FleetDependencies } from '../../coordinator/cli/fleet-command.js';
import { UsageError } from '../../coordinator/cli/cli-error.js';
import { buildCheckReport } from '../../coordinator/fleet/check-report.js';
import { createEc2Client, MAX_ATTEMPTS } from '../../coordinator/fleet/ec2-client.js';
import { FleetError } from '../../coordinator/fleet/ec2-errors.js';
import { describeInstanceTypes } from '../../coordinator/fleet/instance-types.js';
import { classifyInstances, parseTtl } from '../../coordinator/fleet/reap-instances.js';
import { lowestSpotPrices } from '../../coordinator/fleet/spot-prices.js';
import { parseMatrixText } from '../../coordinator/matrix/load-matrix.js';
import { expandMatrix } from '../../coordinator/matrix/expand-matrix.js';
import { fleetVcpus } from '../../coordinator/distributed/instance-vcpus.js';

// Never reach AWS: every client below is mocked, and these keep the SDK from looking further.
process.env.AWS_REGION = 'us-east-1';
process.env.AWS_ACCESS_KEY_ID = 'AKIDTESTONLY';
process.env.AWS_SECRET_ACCESS_KEY = 'test-only-secret';
delete process.env.AWS_PROFILE;

const ec2 = mockClient(EC2Client);
beforeEach(() => ec2.reset());

const scratch = mkdtempSync(join(tmpdir(), 'bitbench-fleet-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function matrixFile(name: string, text: string): string {
  const file = join(scratch, name);
  writeFileSync(file, text);
  return file;
}

const MATRIX_YAML = `instanceTypes: [c7i.large, c7g.medium, t3.nano]
models:
  presets: [seed-7b]
  paths: [fused, cached-f32]
  batch: [1]
  prompt: 32
  tokens: 64
  threads: [all]
`;

function typeInfo(type: string, architecture: 'x86_64' | 'arm64', vCpus: number, memoryMiB: number): InstanceTypeInfo {
  return {
    InstanceType: type as InstanceTypeInfo['InstanceType'],
    ProcessorInfo: { SupportedArchitectures: architecture === 'x86_64' ? ['i386', 'x86_64'] : ['arm64'] },
    VCpuInfo: { DefaultVCpus: vCpus },
    MemoryInfo: { SizeInMiB: memoryMiB },
  };
}

/** Runs the command with a client for the requested region and captures what it prints. */
async function runFleet(args: string[], extra: FleetDependencies = {}) {
  let output = '';
  const regions: (string | undefined)[] = [];
  const clients: EC2Client[] = [];
  let error: unknown;
  try {
    await fleetCommand(args, {
      createClient: (region) => {
        regions.push(region);
        const client = new EC2Client(region ? { region } : {});
        clients.push(client);
        return client;
      },
      write: (text) => (output += text),
      now: () => new Date('2030-01-01T12:00:00Z'),
      ...extra,
    });
  } catch (caught) {
    error = caught;
  }
  return { output, regions, clients, error };
}

describe('fleet check', () => {
  let file: string;
  beforeAll(() => {
    file = matrixFile('check.yaml', MATRIX_YAML);
  });

  it('reports every type, follows pages, passes the region, and warns where a model path will not fit', async () => {
    ec2
      .on(DescribeInstanceTypesCommand)
      .resolvesOnce({ InstanceTypes: [typeInfo('c7i.large', 'x86_64', 2, 4096)], NextToken: 'page-2' })
      .resolvesOnce({ InstanceTypes: [typeInfo('c7g.medium', 'arm64', 1, 2048), typeInfo('t3.nano', 'x86_64', 2, 512)] });
    const run = await runFleet(['check', file, '--region', 'eu-west-1']);
    expect(run.error).toBeUndefined();
    expect(run.regions).toEqual(['eu-west-1']);
    expect(await run.clients[0]!.config.region()).toBe('eu-west-1');

    const calls = ec2.commandCalls(DescribeInstanceTypesCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0]!.args[0].input.Filters).toEqual([{ Name: 'instance-type', Values: ['c7i.large', 'c7g.medium', 't3.nano'] }]);
    expect(calls[1]!.args[0].input.NextToken).toBe('page-2');

    expect(run.output).toMatch(/Region eu-west-1/);
    expect(run.output).toMatch(/c7i\.large\s+yes\s+x86_64\s+2\s+4\.0/);
    expect(run.output).toMatch(/c7g\.medium\s+yes\s+arm64\s+1\s+2\.0/);
    // seed-7b on cached-f32 needs about 26 GB: a warning on every type; fused (~2 GB) fits 4 GiB but not 512 MiB.
    expect(run.output).toMatch(/warning: c7i\.large: seed-7b on cached-f32: 1 of 1 job\(s\) will not fit in 3\.60 GiB usable/);
    expect(run.output).not.toMatch(/warning: c7i\.large: seed-7b on fused/);
    expect(run.output).toMatch(/warning: t3\.nano: seed-7b on fused/);
  });

  it('writes a vcpus block that lets enqueue resolve threads: all for names that do not say it', async () => {
    ec2.on(DescribeInstanceTypesCommand).resolves({
      InstanceTypes: [typeInfo('c7i.large', 'x86_64', 2, 4096), typeInfo('c7g.medium', 'arm64', 1, 2048), typeInfo('t3.nano', 'x86_64', 2, 512)],
    });
    const out = join(mkdtempSync(join(tmpdir(), 'bitbench-vcpus-')), 'vcpus.yaml');
    const run = await runFleet(['check', file, '--write', out], { estimateModelBytes: () => 1 });
    expect(run.error).toBeUndefined();
    const snippet = readFileSync(out, 'utf8');
    expect(parse(snippet)).toEqual({ vcpus: { 'c7i.large': 2, 'c7g.medium': 1, 't3.nano': 2 } });
    // Without the block, c7g.medium and t3.nano have no vCPU count for enqueue; with it they do.
    const bare = parseMatrixText(MATRIX_YAML, 'inline.yaml', 'yaml');
    expect(() => expandMatrix(bare, { runId: 'r', hardwareThreads: fleetVcpus('inline.yaml', bare.vcpus) })).toThrow(/vcpus\.c7g\.medium: is required/);
    const merged = parseMatrixText(`${MATRIX_YAML}${snippet}`, 'inline.yaml', 'yaml');
    const jobs = expandMatrix(merged, { runId: 'r', hardwareThreads: fleetVcpus('inline.yaml', merged.vcpus) });
    expect(new Map(jobs.map((j) => [j.instanceType, j.threads]))).toEqual(new Map([['c7i.large', 2], ['c7g.medium', 1], ['t3.nano', 2]]));
  });

  it('fails naming every unknown type, after printing what it found', async () => {
    ec2.on(DescribeInstanceTypesCommand).resolves({ InstanceTypes: [typeInfo('c7i.large', 'x86_64', 2, 4096)] });
    const run = await runFleet(['check', file], { estimateModelBytes: () => 1 });
    expect(run.error).toBeInstanceOf(FleetError);
    expect((run.error as Error).message).toBe(
      'Unknown instance type(s) in us-east-1: c7g.medium, t3.nano (misspelt, or not offered in us-east-1)',
    );
    expect(run.output).toMatch(/c7g\.medium\s+NO/);
    expect(run.output).not.toMatch(/warning/);
  });

  it('resolves threads: all to the vCPUs of each type for the estimate', () => {
    const matrix = parseMatrixText(MATRIX_YAML, 'inline.yaml', 'yaml');
    const seen: number[] = [];
    buildCheckReport(matrix, ['c7i.large'], [typeInfo('c7i.large', 'x86_64', 8, 16384)], (job) => (seen.push(job.threads), 0));
    expect(new Set(seen)).toEqual(new Set([8]));
  });

  it('reports access denied with the action and the region', async () => {
    ec2.on(DescribeInstanceTypesCommand).rejects(Object.assign(new Error('You are not authorized to perform this operation.'), { name: 'UnauthorizedOperation' }));
    const run = await runFleet(['check', file, '--region', 'us-west-2']);
    expect((run.error as Error).message).toMatch(/^AWS denied ec2:DescribeInstanceTypes in us-west-2: You are not authorized.*IAM policy/);
  });

  it('rejects a matrix with only local, and bad flags', async () => {
    const local = matrixFile('local.yaml', 'instanceTypes: [local]\nkernels:\n  paths: [fused]\n  shapes: [[64, 64]]\n  batch: [1]\n  threads: [1]\n  cache: [hot]\n');
    expect((await runFleet(['check', local])).error).toBeInstanceOf(FleetError);
    expect((await runFleet(['check', file, '--apply'])).error).toBeInstanceOf(UsageError);
    expect((await runFleet(['check'])).error).toBeInstanceOf(UsageError);
    expect((await runFleet(['launch'])).error).toBeInstanceOf(UsageError);
    expect((await runFleet(['check', file, '--region', 'Mars'])).error).toBeInstanceOf(UsageError);
    expect(ec2.calls()).toHaveLength(0);
  });
});

describe('fleet prices', () => {
  const spot = (type: string, zone: string, price: string) => ({
    InstanceType: type as InstanceTypeInfo['InstanceType'],
    AvailabilityZone: zone,
    SpotPrice: price,
    ProductDescription: 'Linux/UNIX' as const,
    Timestamp: new Date('2030-01-01T11:00:00Z'),
  });

  it('keeps the lowest price per type across zones and pages, and writes a prices snippet', async () => {
    const file = matrixFile('prices.yaml', MATRIX_YAML);
    ec2
      .on(DescribeSpotPriceHistoryCommand)
      .resolvesOnce({ SpotPriceHistory: [spot('c7i.large', 'us-east-1a', '0.0400'), spot('c7g.medium', 'us-east-1a', '0.0150')], NextToken: 'more' })
      .resolvesOnce({ SpotPriceHistory: [spot('c7i.large', 'us-east-1b', '0.0312'), spot('c7g.medium', 'us-east-1c', '0.0180')] });
    const yamlFile = join(scratch, 'out', 'prices.yaml');
    const run = await runFleet(['prices', file, '--write', yamlFile]);
    expect(run.error).toBeUndefined();

    const calls = ec2.commandCalls(DescribeSpotPriceHistoryCommand);
    expect(calls).toHaveLength(2);
    const input = calls[0]!.args[0].input;
    expect(input.StartTime).toEqual(new Date('2030-01-01T12:00:00Z'));
    expect(input.ProductDescriptions).toEqual(['Linux/UNIX']);
    expect(input.InstanceTypes).toEqual(['c7i.large', 'c7g.medium', 't3.nano']);
    expect(calls[1]!.args[0].input.NextToken).toBe('more');

    expect(run.output).toMatch(/c7i\.large\s+0\.0312\s+us-east-1b/);
    expect(run.output).toMatch(/c7g\.medium\s+0\.0150\s+us-east-1a/);
    expect(run.output).toMatch(/no spot price: t3\.nano/);

    const snippet = readFileSync(yamlFile, 'utf8');
    expect(snippet).toBe('prices:\n  c7i.large: 0.0312\n  c7g.medium: 0.015\n');
    // The snippet is a valid matrix field.
    const withPrices = parseMatrixText(`${MATRIX_YAML}${snippet}`, 'inline.yaml', 'yaml');
    expect(withPrices.prices).toEqual({ 'c7i.large': 0.0312, 'c7g.medium': 0.015 });
  });

  it('prints JSON and writes a JSON snippet for a .json file', async () => {
    const file = matrixFile('prices-json.yaml', MATRIX_YAML);
    ec2.on(DescribeSpotPriceHistoryCommand).resolves({ SpotPriceHistory: [spot('t3.nano', 'us-east-1d', '0.0016')] });
    const jsonFile = join(scratch, 'prices.json');
    const run = await runFleet(['prices', file, '--json', '--write', jsonFile, '--region', 'ap-south-1']);
    expect(run.error).toBeUndefined();
    expect(JSON.parse(run.output)).toEqual({ region: 'ap-south-1', prices: { 't3.nano': 0.0016 }, missing: ['c7i.large', 'c7g.medium'] });
    expect(JSON.parse(readFileSync(jsonFile, 'utf8'))).toEqual({ prices: { 't3.nano': 0.0016 } });
    expect(parse(readFileSync(jsonFile, 'utf8'))).toEqual({ prices: { 't3.nano': 0.0016 } });
  });

  it('ignores unparseable prices and other products', () => {
    const table = lowestSpotPrices(['a.large'], [
      spot('a.large', 'z1', 'n/a'),
      { ...spot('a.large', 'z2', '0.001'), ProductDescription: 'Windows' },
      spot('a.large', 'z3', '0.5'),
    ]);
    expect(table.prices).toEqual([{ instanceType: 'a.large', usdPerHour: 0.5, availabilityZone: 'z3' }]);
  });
});

describe('fleet reap', () => {
  const instance = (id: string, ttl: string | undefined, state = 'running'): Instance => ({
    InstanceId: id,
    InstanceType: 'c7i.large',
    State: { Name: state as 'running' },
    Tags: [{ Key: 'bitbench:stack', Value: 'dev' }, ...(ttl === undefined ? [] : [{ Key: 'bitbench:ttl-utc', Value: ttl }])],
  });
  const expired = [
    instance('i-expired1', '2030-01-01T09:00:00Z'),
    instance('i-expired2', '2030-01-01T11:59:00+00:00', 'stopped'),
  ];
  const kept = [instance('i-live', '2030-01-01T15:00:00Z'), instance('i-notag', undefined), instance('i-garbage', 'tomorrow'), instance('i-nozone', '2029-01-01T00:00:00')];

  function mockInstances(instances: Instance[]) {
    // Two pages, so pagination is exercised.
    const half = Math.ceil(instances.length / 2);
    ec2
      .on(DescribeInstancesCommand)
      .resolvesOnce({ Reservations: [{ Instances: instances.slice(0, half) }], NextToken: 'next' })
      .resolvesOnce({ Reservations: [{ Instances: instances.slice(half) }] });
  }

  it('dry run lists what it would terminate and terminates nothing', async () => {
    mockInstances([...expired, ...kept]);
    const run = await runFleet(['reap', '--region', 'eu-central-1']);
    expect(run.error).toBeUndefined();
    expect(run.regions).toEqual(['eu-central-1']);
    expect(ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(0);
    const calls = ec2.commandCalls(DescribeInstancesCommand);
    expect(calls).toHaveLength(2);
    expect(calls[0]!.args[0].input.Filters).toEqual([
      { Name: 'tag-key', Values: ['bitbench:stack'] },
      { Name: 'instance-state-name', Values: ['pending', 'running', 'stopped'] },
    ]);
    expect(run.output).toMatch(/i-expired1 .*expired 3.0 h ago: would terminate/);
    expect(run.output).toMatch(/i-expired2 .*expired 1 min ago: would terminate/);
    expect(run.output).toMatch(/i-live .*: kept/);
    expect(run.output).toMatch(/i-notag .*no valid TTL \(no tag\): kept/);
    expect(run.output).toMatch(/i-garbage .*no valid TTL \('tomorrow'\): kept/);
    expect(run.output).toMatch(/i-nozone .*no valid TTL/);
    expect(run.output).toMatch(/Dry run: 2 instance\(s\) would be terminated/);
  });

  it('--apply terminates only the expired instances', async () => {
    mockInstances([...expired, ...kept]);
    ec2.on(TerminateInstancesCommand).callsFake((input: { InstanceIds: string[] }) => ({
      TerminatingInstances: input.InstanceIds.map((InstanceId) => ({ InstanceId, CurrentState: { Name: 'shutting-down' } })),
    }));
    const run = await runFleet(['reap', '--apply']);
    expect(run.error).toBeUndefined();
    const terminated = ec2.commandCalls(TerminateInstancesCommand).flatMap((call) => call.args[0].input.InstanceIds);
    expect(terminated).toEqual(['i-expired1', 'i-expired2']);
    expect(run.output).toMatch(/Terminating 2 instance\(s\): i-expired1 \(shutting-down\), i-expired2 \(shutting-down\)/);
  });

  it('terminates in batches of at most 50', async () => {
    const many = Array.from({ length: 120 }, (_, i) => instance(`i-${String(i).padStart(3, '0')}`, '2030-01-01T00:00:00Z'));
    mockInstances(many);
    ec2.on(TerminateInstancesCommand).resolves({});
    const run = await runFleet(['reap', '--apply']);
    expect(run.error).toBeUndefined();
    const batches = ec2.commandCalls(TerminateInstancesCommand).map((call) => call.args[0].input.InstanceIds!.length);
    expect(batches).toEqual([50, 50, 20]);
  });

  it('parses only ISO times with a zone', () => {
    expect(parseTtl('2030-01-01T10:00:00Z')?.toISOString()).toBe('2030-01-01T10:00:00.000Z');
    expect(parseTtl('2030-01-01T12:00:00.5+02:00')?.toISOString()).toBe('2030-01-01T10:00:00.500Z');
    for (const bad of [undefined, '', 'tomorrow', '2030-01-01', '2030-01-01T10:00:00', '2030-13-45T99:00:00Z']) expect(parseTtl(bad)).toBeUndefined();
    const [candidate] = classifyInstances([instance('i-edge', '2030-01-01T12:00:00Z')], new Date('2030-01-01T12:00:00Z'));
    expect(candidate!.status).toBe('expired');
  });
});

describe('throttling', () => {
  // The mock above replaces send() and with it the SDK's retry middleware; here the real client
  // runs its whole middleware stack against a fake HTTP handler answering EC2's XML, offline.
  const xml = (statusCode: number, body: string) => ({
    response: { statusCode, reason: '', headers: { 'content-type': 'text/xml;charset=UTF-8' }, body: Readable.from([Buffer.from(body)]) },
  });
  const throttled = () =>
    xml(503, '<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors><RequestID>r-1</RequestID></Response>');
  const described = () =>
    xml(
      200,
      '<DescribeInstanceTypesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-2</requestId><instanceTypeSet><item>' +
        '<instanceType>c7i.large</instanceType><vCpuInfo><defaultVCpus>2</defaultVCpus></vCpuInfo><memoryInfo><sizeInMiB>4096</sizeInMiB></memoryInfo>' +
        '</item></instanceTypeSet></DescribeInstanceTypesResponse>',
    );

  function clientAnswering(answers: (request: number) => ReturnType<typeof xml>) {
    ec2.restore(); // the next beforeEach's reset() mocks send() again
    const client = createEc2Client('us-east-1');
    const handler = { requests: 0, handle: async () => answers(++handler.requests) };
    (client.config as { requestHandler: unknown }).requestHandler = handler;
    return { client, handler };
  }

  beforeEach(() => {
    // No back-off waits: the strategy's jitter is Math.random() times the delay.
    const random = vi.spyOn(Math, 'random').mockReturnValue(0);
    return () => random.mockRestore();
  });

  it('retries RequestLimitExceeded and succeeds', async () => {
    const { client, handler } = clientAnswering((request) => (request <= 2 ? throttled() : described()));
    const infos = await describeInstanceTypes(client, ['c7i.large'], 'us-east-1');
    expect(handler.requests).toBe(3);
    expect(infos.map((info) => [info.InstanceType, info.VCpuInfo?.DefaultVCpus, info.MemoryInfo?.SizeInMiB])).toEqual([['c7i.large', 2, 4096]]);
  });

  it('gives up after the configured attempts, naming the action, region and AWS error', async () => {
    const { client, handler } = clientAnswering(() => throttled());
    const error = await describeInstanceTypes(client, ['c7i.large'], 'us-east-1').catch((caught: unknown) => caught);
    expect(handler.requests).toBe(MAX_ATTEMPTS);
    expect(error).toBeInstanceOf(FleetError);
    expect((error as Error).message).toBe('ec2:DescribeInstanceTypes in us-east-1 failed: RequestLimitExceeded: Request limit exceeded.');
  });
});
