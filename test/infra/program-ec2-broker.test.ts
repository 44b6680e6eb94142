// The Pulumi program under mocks with the `ec2` broker and an existing VPC.
import * as pulumi from '@pulumi/pulumi';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseTtl } from '../../coordinator/fleet/reap-instances.js';
import { decodeUserData, installMocks, REDIS_PASSWORD, secretInput, settled, valueOf, type MockedProgram } from './pulumi-mocks.js';

let mocked: MockedProgram;
let program: typeof import('../../infra/index.js');

beforeAll(async () => {
  mocked = await installMocks({
    region: 'eu-west-1',
    instanceTypes: [{ type: 'c7a.xlarge', count: 1, purchase: 'on-demand' }],
    brokerMode: 'ec2',
    operatorCidr: '198.51.100.0/24',
    vpcId: 'vpc-0abc',
    subnetIds: ['subnet-0a', 'subnet-0b'],
  });
  program = await import('../../infra/index.js');
  await valueOf(program.instanceIds);
  await valueOf(program.redisUrl);
  await settled(mocked);
});

const instances = () => mocked.ofType('aws:ec2/instance:Instance');
const brokerInstance = () => instances().find((instance) => instance.name === 'broker-instance')!;

describe('ec2 broker', () => {
  it('is one small Graviton instance on an arm64 AMI, with IMDSv2 and terminate on shutdown', () => {
    expect(mocked.ofType('aws:elasticache/replicationGroup:ReplicationGroup')).toEqual([]);
    expect(brokerInstance().inputs).toMatchObject({
      instanceType: 't4g.small',
      ami: 'ami-al2023-arm64',
      associatePublicIpAddress: true,
      instanceInitiatedShutdownBehavior: 'terminate',
      metadataOptions: { httpTokens: 'required' },
      subnetId: 'subnet-0a',
    });
  });

  it('runs Redis with AOF, noeviction and a password read from SSM, outliving the runners by an hour', () => {
    const script = brokerInstance().inputs.userData as string;
    expect(script).toContain("echo 'appendonly yes'");
    expect(script).toContain("echo 'maxmemory-policy noeviction'");
    expect(script).toContain("readonly PASSWORD_PARAMETER='/bitbench/test/redis-password'");
    expect(script).not.toContain(REDIS_PASSWORD);
    expect(script).toContain('shutdown -h +240 ');
    const brokerTtl = parseTtl(brokerInstance().inputs.tags['bitbench:ttl-utc'])!;
    const runner = instances().find((instance) => instance.name !== 'broker-instance')!;
    const runnerTtl = parseTtl(runner.inputs.tags['bitbench:ttl-utc'])!;
    expect(brokerTtl.getTime() - runnerTtl.getTime()).toBe(60 * 60_000);
  });

  it('keeps the password in a SecureString only the broker may read', () => {
    const password = mocked.ofType('aws:ssm/parameter:Parameter').find((p) => p.inputs.name === '/bitbench/test/redis-password')!;
    expect(password.inputs.type).toBe('SecureString');
    expect(secretInput(password.inputs.value)).toBe(REDIS_PASSWORD);
    const policy = mocked.ofType('aws:iam/rolePolicy:RolePolicy').find((p) => p.name === 'broker-read-password')!;
    expect(JSON.parse(policy.inputs.policy).Statement).toEqual([
      { actions: ['ssm:GetParameter'], resources: ['arn:aws:ssm:us-east-1:123456789012:parameter/bitbench/test/redis-password'] },
    ]);
  });

  it('gives the operator the public address and the runners the private one, both secret', async () => {
    expect(await pulumi.isSecret(program.redisUrl)).toBe(true);
    expect(await valueOf(program.redisUrl)).toBe(`redis://:${REDIS_PASSWORD}@198.51.100.20:6379`);
    const runnerUrl = mocked.ofType('aws:ssm/parameter:Parameter').find((p) => p.inputs.name === '/bitbench/test/redis-url')!;
    expect(secretInput(runnerUrl.inputs.value)).toBe(`redis://:${REDIS_PASSWORD}@10.42.0.20:6379`);
  });

  it('opens 6379 to the operator CIDR and the runners only', () => {
    const rules = mocked.ofType('aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule');
    expect(rules.map((rule) => rule.inputs.cidrIpv4 ?? rule.inputs.referencedSecurityGroupId).sort()).toEqual(['198.51.100.0/24', 'network-runners-id']);
    expect(rules.every((rule) => rule.inputs.securityGroupId === 'network-broker-id')).toBe(true);
  });
});

describe('existing VPC', () => {
  it('creates no VPC and places instances in the given subnets', () => {
    expect(mocked.ofType('aws:ec2/vpc:Vpc')).toEqual([]);
    expect(mocked.ofType('aws:ec2/subnet:Subnet')).toEqual([]);
    for (const group of mocked.ofType('aws:ec2/securityGroup:SecurityGroup')) expect(group.inputs.vpcId).toBe('vpc-0abc');
    const runner = instances().find((instance) => instance.name === 'runners-c7a-xlarge-0')!;
    expect(runner.inputs.subnetId).toBe('subnet-0a');
  });

  it('deploys to the configured region through its own provider', () => {
    const [provider] = mocked.ofType('pulumi:providers:aws');
    expect(provider!.inputs.region).toBe('eu-west-1');
    expect(decodeUserData(mocked.ofType('aws:ec2/launchTemplate:LaunchTemplate')[0]!.inputs.userData)).toContain("readonly REGION='eu-west-1'");
  });
});
