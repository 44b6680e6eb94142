// The Pulumi program under mocks, default broker (ElastiCache): mocks first, then the program.
import * as pulumi from '@pulumi/pulumi';
import { beforeAll, describe, expect, it } from 'vitest';
import { STACK_TAG as REAPER_STACK_TAG, TTL_TAG as REAPER_TTL_TAG, parseTtl } from '../../coordinator/fleet/reap-instances.js';
import { decodeUserData, installMocks, REDIS_PASSWORD, secretInput, settled, valueOf, type MockedProgram } from './pulumi-mocks.js';

const CONFIG = {
  region: 'us-east-1',
  instanceTypes: [
    { type: 'c7i.large', count: 2, purchase: 'spot' },
    { type: 'c7g.large', count: 1, purchase: 'on-demand' },
    { type: 'm7g.medium', purchase: 'spot' },
  ],
  ttlMinutes: 120,
  operatorCidr: '203.0.113.7/32',
  imageTag: 'v1',
};

let mocked: MockedProgram;
let program: typeof import('../../infra/index.js');
// The program reads the clock while it runs: its TTL lies between these two readings plus 120 min.
let startedAt: number;
let finishedAt: number;

beforeAll(async () => {
  mocked = await installMocks(CONFIG);
  startedAt = Date.now();
  program = await import('../../infra/index.js');
  await valueOf(program.instanceIds);
  await settled(mocked);
  finishedAt = Date.now();
});

const templates = () => mocked.ofType('aws:ec2/launchTemplate:LaunchTemplate');
const templateFor = (type: string) => templates().find((template) => template.inputs.instanceType === type)!;
const runnerInstances = () => mocked.ofType('aws:ec2/instance:Instance');

describe('runner fleet', () => {
  it('has one launch template per instance type, and count instances of each', async () => {
    expect(templates().map((template) => template.inputs.instanceType).sort()).toEqual(['c7g.large', 'c7i.large', 'm7g.medium']);
    const ids = await valueOf(program.instanceIds);
    expect(Object.fromEntries(Object.entries(ids).map(([type, list]) => [type, list.length]))).toEqual({ 'c7i.large': 2, 'c7g.large': 1, 'm7g.medium': 2 }); // m7g.medium: no count, the default two
    expect(runnerInstances()).toHaveLength(5);
    for (const instance of runnerInstances()) expect(instance.inputs.launchTemplate.id).toMatch(/^lt-/);
  });

  it('gives Graviton types an arm64 AMI and x86 types an x86_64 one', () => {
    expect(templateFor('c7g.large').inputs.imageId).toBe('ami-al2023-arm64');
    expect(templateFor('m7g.medium').inputs.imageId).toBe('ami-al2023-arm64');
    expect(templateFor('c7i.large').inputs.imageId).toBe('ami-al2023-x86_64');
    const amiCalls = mocked.calls.filter((call) => call.token === 'aws:ec2/getAmi:getAmi');
    for (const call of amiCalls) expect(call.inputs.owners).toEqual(['amazon']);
    expect(decodeUserData(templateFor('c7g.large').inputs.userData)).toContain("readonly PLATFORM='linux/arm64'");
    expect(decodeUserData(templateFor('c7i.large').inputs.userData)).toContain("readonly PLATFORM='linux/amd64'");
  });

  it('requires IMDSv2 with hop limit 2 and terminates on instance-initiated shutdown', () => {
    for (const template of templates()) {
      expect(template.inputs.metadataOptions).toMatchObject({ httpTokens: 'required', httpPutResponseHopLimit: 2, httpEndpoint: 'enabled' });
      expect(template.inputs.instanceInitiatedShutdownBehavior).toBe('terminate');
    }
  });

  it('buys spot or on-demand as configured', () => {
    expect(templateFor('c7i.large').inputs.instanceMarketOptions).toMatchObject({ marketType: 'spot', spotOptions: { instanceInterruptionBehavior: 'terminate' } });
    expect(templateFor('c7g.large').inputs.instanceMarketOptions).toBeUndefined();
  });

  it('tags every runner for the reaper with a TTL it parses, and schedules the self-destruct', () => {
    expect([REAPER_STACK_TAG, REAPER_TTL_TAG]).toEqual(['bitbench:stack', 'bitbench:ttl-utc']);
    for (const instance of runnerInstances()) {
      expect(instance.inputs.tags[REAPER_STACK_TAG]).toBe('test');
      const ttl = parseTtl(instance.inputs.tags[REAPER_TTL_TAG]);
      expect(ttl).toBeDefined();
      // Whole minutes or seconds may be dropped by the tag's format: a minute of slack each side.
      expect(ttl!.getTime()).toBeGreaterThanOrEqual(startedAt + 119 * 60_000);
      expect(ttl!.getTime()).toBeLessThanOrEqual(finishedAt + 121 * 60_000);
    }
    for (const template of templates()) expect(decodeUserData(template.inputs.userData)).toContain("shutdown -h +120 'bitbench: TTL of 120 minutes reached'");
  });

  it('runs the worker with the Redis URL read from SSM, never written in user data', async () => {
    const parameter = mocked.ofType('aws:ssm/parameter:Parameter').find((p) => p.inputs.name === '/bitbench/test/redis-url')!;
    expect(parameter.inputs.type).toBe('SecureString');
    expect(secretInput(parameter.inputs.value)).toBe(`rediss://:${REDIS_PASSWORD}@master.bitbench-mock.use1.cache.amazonaws.com:6379`);
    for (const template of templates()) {
      const script = decodeUserData(template.inputs.userData);
      expect(script).not.toContain(REDIS_PASSWORD);
      expect(script).not.toMatch(/rediss?:\/\//);
      expect(script).toContain("readonly REDIS_URL_PARAMETER='/bitbench/test/redis-url'");
      expect(script).toContain('"$IMAGE" --instance-type auto');
      expect(script).toContain(`readonly IMAGE='${await valueOf(program.imageUri)}'`);
    }
  });

  it('lets the runners read only their own parameter and pull only their repository', () => {
    const policy = mocked.ofType('aws:iam/rolePolicy:RolePolicy').find((p) => p.name === 'runners-policy')!;
    const statements = JSON.parse(policy.inputs.policy).Statement as { actions: string[]; resources: string[] }[];
    const ssm = statements.filter((statement) => statement.actions.some((action) => action.startsWith('ssm:')));
    expect(ssm).toEqual([expect.objectContaining({ actions: ['ssm:GetParameter'], resources: [`arn:aws:ssm:us-east-1:123456789012:parameter/bitbench/test/redis-url`] })]);
    const pulls = statements.find((statement) => statement.actions.includes('ecr:BatchGetImage'))!;
    expect(pulls.resources).toEqual(['arn:aws:ecr:us-east-1:123456789012:repository/bitbench-runner-test']);
  });
});

describe('broker (ElastiCache)', () => {
  it('sets maxmemory-policy noeviction in its parameter group, and uses it', () => {
    const [group] = mocked.ofType('aws:elasticache/parameterGroup:ParameterGroup');
    expect(group!.inputs.parameters).toEqual([{ name: 'maxmemory-policy', value: 'noeviction' }]);
    const [replication] = mocked.ofType('aws:elasticache/replicationGroup:ReplicationGroup');
    expect(replication!.inputs.parameterGroupName).toBe(group!.inputs.name ?? `${group!.name}`);
  });

  it('requires TLS in transit and the generated AUTH token', () => {
    const [replication] = mocked.ofType('aws:elasticache/replicationGroup:ReplicationGroup');
    expect(replication!.inputs).toMatchObject({ transitEncryptionEnabled: true, atRestEncryptionEnabled: true, engine: 'redis', port: 6379 });
    expect(secretInput(replication!.inputs.authToken)).toBe(REDIS_PASSWORD);
  });

  it('exports the Redis URL as a secret', async () => {
    expect(await pulumi.isSecret(program.redisUrl)).toBe(true);
    expect(await valueOf(program.redisUrl)).toBe(`rediss://:${REDIS_PASSWORD}@master.bitbench-mock.use1.cache.amazonaws.com:6379`);
  });

  it('opens 6379 only to the runners\' security group and the operator CIDR', () => {
    const rules = mocked.ofType('aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule');
    expect(rules).toHaveLength(2);
    const sources = rules.map((rule) => rule.inputs.cidrIpv4 ?? `group ${rule.inputs.referencedSecurityGroupId}`).sort();
    expect(sources).toEqual(['203.0.113.7/32', 'group network-runners-id']);
    for (const rule of rules) expect(rule.inputs).toMatchObject({ ipProtocol: 'tcp', fromPort: 6379, toPort: 6379 });
    const openToAll = [
      ...rules.filter((rule) => rule.inputs.cidrIpv4 === '0.0.0.0/0' || rule.inputs.cidrIpv6 === '::/0'),
      ...mocked.ofType('aws:ec2/securityGroupRule:SecurityGroupRule').filter((rule) => rule.inputs.type === 'ingress'),
      ...mocked.ofType('aws:ec2/securityGroup:SecurityGroup').filter((group) => (group.inputs.ingress ?? []).length > 0),
    ];
    expect(openToAll).toEqual([]);
  });
});

describe('outputs', () => {
  it('names the queue of every instance type and the image by digest', async () => {
    expect(program.queueNames).toEqual({ 'c7i.large': 'bitbench-c7i.large', 'c7g.large': 'bitbench-c7g.large', 'm7g.medium': 'bitbench-m7g.medium' });
    expect(await valueOf(program.imageUri)).toBe('123456789012.dkr.ecr.us-east-1.amazonaws.com/bitbench-runner-test:v1@sha256:0123abcd');
  });

  it('builds the image for both platforms from runner/Dockerfile', () => {
    const [image] = mocked.ofType('docker-build:index:Image');
    expect(image!.inputs.platforms).toEqual(['linux/amd64', 'linux/arm64']);
    expect(image!.inputs.push).toBe(true);
    expect(image!.inputs.dockerfile.location).toMatch(/\/runner\/Dockerfile$/);
    // The commit goes into the image, since .git does not: results name the code that measured them.
    expect(image!.inputs.buildArgs).toEqual({ BITBENCH_GIT_SHA: expect.stringMatching(/^[0-9a-f]{7,40}$/) });
  });

  it('creates a VPC of its own when none is given', () => {
    expect(mocked.ofType('aws:ec2/vpc:Vpc')).toHaveLength(1);
    expect(mocked.ofType('aws:ec2/subnet:Subnet')).toHaveLength(2);
  });
});
