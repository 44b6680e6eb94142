// The bitbench fleet: `cd infra && pulumi up`. This file only composes the components; each
// lives in its own file. Stack outputs: the Redis URL (secret), the queue per instance type,
// the instance ids per type and the runner image.
import { fileURLToPath } from 'node:url';
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
// The one import from the rest of bitbench: the queue naming the workers and `enqueue` share.
import { queueNameFor } from '../runner/protocol/queue-name.js';
import { STACK_TAG, ttlUtc } from './bitbench-tags.js';
import { Broker } from './broker.js';
import { Network } from './network.js';
import { readStackConfig } from './read-stack-config.js';
import { RunnerFleet } from './runner-fleet.js';
import { RunnerImage } from './runner-image.js';
import { commitOf } from './git-commit.js';

const config = readStackConfig();
const stack = pulumi.getStack();
const deployedAt = new Date();
const repositoryRoot = fileURLToPath(new URL('..', import.meta.url));

// Every resource goes to the configured region and carries the stack tag (cost reports, reap).
const provider = new aws.Provider('aws', { region: config.region as aws.Region, defaultTags: { tags: { [STACK_TAG]: stack } } });
const inRegion = { providers: { aws: provider } };

const network = new Network('network', {
  stack,
  operatorCidr: config.operatorCidr,
  existingVpc: config.vpcId && config.subnetIds ? { vpcId: config.vpcId, subnetIds: config.subnetIds } : undefined,
}, inRegion);

const broker = new Broker('broker', {
  mode: config.brokerMode,
  stack,
  region: config.region,
  subnetIds: network.subnetIds,
  securityGroupId: network.brokerSecurityGroupId,
  ttlMinutes: config.ttlMinutes,
  deployedAt,
}, inRegion);

const image = new RunnerImage('runner-image', {
  stack,
  contextDir: repositoryRoot,
  dockerfile: fileURLToPath(new URL('../runner/Dockerfile', import.meta.url)),
  tag: config.imageTag,
  gitSha: commitOf(repositoryRoot),
}, inRegion);

const fleet = new RunnerFleet('runners', {
  stack,
  region: config.region,
  instanceTypes: config.instanceTypes,
  ttlMinutes: config.ttlMinutes,
  deployedAt,
  subnetIds: network.subnetIds,
  securityGroupId: network.runnerSecurityGroupId,
  imageRef: image.imageRef,
  repositoryArn: image.repositoryArn,
  redisUrlParameterName: broker.redisUrlParameterName,
  redisUrlParameterArn: broker.redisUrlParameterArn,
}, inRegion);

export const region = config.region;
export const brokerMode = config.brokerMode;
export const redisUrl = broker.redisUrl;
export const queueNames = Object.fromEntries(config.instanceTypes.map((entry) => [entry.type, queueNameFor(entry.type)]));
export const instanceIds = fleet.instanceIds;
export const imageUri = image.imageRef;
/** When the runners' TTL ends (their `bitbench:ttl-utc` tag). */
export const runnerTtlUtc = ttlUtc(deployedAt, config.ttlMinutes);
