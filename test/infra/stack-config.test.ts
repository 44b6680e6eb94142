import { describe, expect, it } from 'vitest';
import { configKeyName, namespaceEntries, parseStackConfig, StackConfigError } from '../../infra/stack-config.js';

const VALID = {
  region: 'us-east-1',
  instanceTypes: JSON.stringify([{ type: 'c7i.large', count: 2, purchase: 'spot' }, { type: 'c7g.large', purchase: 'on-demand' }]),
  operatorCidr: '203.0.113.7/32',
};

function problemsOf(raw: Record<string, string | undefined>): string[] {
  try {
    parseStackConfig(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(StackConfigError);
    return (error as StackConfigError).problems;
  }
  throw new Error('expected the config to be rejected');
}

describe('stack config', () => {
  it('fills the defaults', () => {
    expect(parseStackConfig(VALID)).toEqual({
      region: 'us-east-1',
      instanceTypes: [
        { type: 'c7i.large', count: 2, purchase: 'spot' },
        // No count given: the default, two (host-to-host spread needs two).
        { type: 'c7g.large', count: 2, purchase: 'on-demand' },
      ],
      ttlMinutes: 180,
      brokerMode: 'elasticache',
      operatorCidr: '203.0.113.7/32',
      imageTag: 'latest',
    });
  });

  it('reads numbers, lists and modes as Pulumi stores them (strings)', () => {
    const config = parseStackConfig({ ...VALID, ttlMinutes: '45', brokerMode: 'ec2', imageTag: '2024', vpcId: 'vpc-0abc', subnetIds: '["subnet-01"]' });
    expect(config).toMatchObject({ ttlMinutes: 45, brokerMode: 'ec2', imageTag: '2024', vpcId: 'vpc-0abc', subnetIds: ['subnet-01'] });
  });

  it.each([
    ['bitbench:instanceTypes[1].count: expected a positive integer', { instanceTypes: JSON.stringify([{ type: 'c7i.large', purchase: 'spot' }, { type: 'c7g.large', count: 0, purchase: 'spot' }]) }],
    ['bitbench:instanceTypes[0].count: expected a positive integer', { instanceTypes: JSON.stringify([{ type: 'c7i.large', count: 1.5, purchase: 'spot' }]) }],
    ['bitbench:instanceTypes[0].count: expected a positive integer', { instanceTypes: JSON.stringify([{ type: 'c7i.large', count: '2', purchase: 'spot' }]) }],
    ['bitbench:instanceTypes[0].purchase: required', { instanceTypes: JSON.stringify([{ type: 'c7i.large' }]) }],
    ['bitbench:instanceTypes[0].purchase: expected one of spot, on-demand', { instanceTypes: JSON.stringify([{ type: 'c7i.large', purchase: 'reserved' }]) }],
    ['bitbench:instanceTypes[0].type: expected an EC2 instance type such as c7i.large', { instanceTypes: JSON.stringify([{ type: 'C7I LARGE', purchase: 'spot' }]) }],
    ['bitbench:instanceTypes[0].zone: unknown key (known keys: type, count, purchase)', { instanceTypes: JSON.stringify([{ type: 'c7i.large', purchase: 'spot', zone: 'a' }]) }],
    ['bitbench:instanceTypes[1].type: c7i.large is already listed at instanceTypes[0]', { instanceTypes: JSON.stringify([{ type: 'c7i.large', purchase: 'spot' }, { type: 'c7i.large', purchase: 'on-demand' }]) }],
    ['bitbench:instanceTypes: expected at least one instance type', { instanceTypes: '[]' }],
    ['bitbench:instanceTypes: expected a list of { type, count, purchase }', { instanceTypes: 'c7i.large' }],
    ['bitbench:instanceTypes: required', { instanceTypes: undefined }],
    ['bitbench:region: expected an AWS region such as us-east-1', { region: 'Virginia' }],
    ['bitbench:region: required', { region: undefined }],
    ['bitbench:ttlMinutes: expected a positive integer', { ttlMinutes: '0' }],
    ['bitbench:ttlMinutes: expected a positive integer', { ttlMinutes: 'three hours' }],
    ['bitbench:ttlMinutes: expected at most 10080', { ttlMinutes: '20000' }],
    ['bitbench:brokerMode: expected one of elasticache, ec2', { brokerMode: 'memcached' }],
    ['bitbench:operatorCidr: required', { operatorCidr: undefined }],
    ['bitbench:operatorCidr: 0.0.0.0/0 opens the broker to far too much of the internet', { operatorCidr: '0.0.0.0/0' }],
    ['bitbench:operatorCidr: 10.0.0.0/7 opens the broker', { operatorCidr: '10.0.0.0/7' }],
    ['bitbench:operatorCidr: expected an IPv4 CIDR such as 203.0.113.7/32', { operatorCidr: '300.1.1.1/32' }],
    ['bitbench:operatorCidr: expected an IPv4 CIDR', { operatorCidr: '203.0.113.7' }],
    ['bitbench:imageTag: expected a Docker tag', { imageTag: 'has space' }],
    ['bitbench:subnetIds: required with vpcId', { vpcId: 'vpc-0abc' }],
    ['bitbench:vpcId: required with subnetIds', { subnetIds: '["subnet-01"]' }],
    ['bitbench:subnetIds[0]: expected a subnet id', { vpcId: 'vpc-0abc', subnetIds: '["sub-1"]' }],
    ['bitbench:ttlMinute: unknown key (known keys: region, instanceTypes, ttlMinutes', { ttlMinute: '60' }],
  ])('%s', (message, change) => {
    const problems = problemsOf({ ...VALID, ...change });
    expect(problems.some((problem) => problem.startsWith(message)), `${problems.join('\n')}\ndoes not start with\n${message}`).toBe(true);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf({ region: 'nowhere', operatorCidr: '0.0.0.0/0' });
    expect(problems).toHaveLength(3);
  });

  it('names keys as `pulumi config set --path` does', () => {
    expect(configKeyName(['instanceTypes', 1, 'count'])).toBe('bitbench:instanceTypes[1].count');
    expect(configKeyName([])).toBe('bitbench');
    expect(namespaceEntries({ 'bitbench:region': 'x', 'aws:region': 'y' })).toEqual({ region: 'x' });
  });
});
