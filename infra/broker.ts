// The BullMQ broker: Redis with a generated password, `maxmemory-policy noeviction` (an
// evicted key is a lost job), reachable only through the network's broker security group.
// `elasticache` (the default): a managed single-node replication group with TLS in transit.
// `ec2`: one small instance running Amazon Linux's Redis with AOF on, for a cheaper broker
// that the operator can reach over the internet (ElastiCache has no public endpoint).
// The runners' Redis URL goes to an SSM SecureString parameter that they read at boot.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import { amazonLinux2023Ami } from './amazon-linux-ami.js';
import { bitbenchTags, KEEP_TTL_TAG, ttlUtc } from './bitbench-tags.js';
import { renderBrokerUserData } from './broker-user-data.js';
import { architectureOf } from './instance-architecture.js';
import { REDIS_PORT } from './network.js';
import { parameterPath } from './resource-names.js';
import type { BrokerMode } from './stack-config.js';

export const CACHE_NODE_TYPE = 'cache.t4g.micro';
export const BROKER_INSTANCE_TYPE = 't4g.small';
const REDIS_ENGINE_VERSION = '7.1';
const REDIS_PARAMETER_FAMILY = 'redis7';
/** The ec2 broker outlives the runners by this much, so `bitbench collect` can still read results. */
export const BROKER_GRACE_MINUTES = 60;

export interface BrokerArgs {
  mode: BrokerMode;
  stack: string;
  region: string;
  subnetIds: pulumi.Input<string[]>;
  securityGroupId: pulumi.Input<string>;
  /** The runners' TTL; the ec2 broker's is BROKER_GRACE_MINUTES longer. */
  ttlMinutes: number;
  /** When `pulumi up` ran: the TTL tags count from it. */
  deployedAt: Date;
}

interface Endpoints {
  /** The URL the operator's `bitbench enqueue|status|collect` use. */
  operatorUrl: pulumi.Output<string>;
  /** The URL the runners use, inside the VPC. */
  runnerUrl: pulumi.Output<string>;
}

export class Broker extends pulumi.ComponentResource {
  /** Secret: it holds the password. */
  readonly redisUrl: pulumi.Output<string>;
  readonly redisUrlParameterName: pulumi.Output<string>;
  readonly redisUrlParameterArn: pulumi.Output<string>;

  constructor(name: string, args: BrokerArgs, opts?: pulumi.ComponentResourceOptions) {
    super('bitbench:infra:Broker', name, {}, opts);
    // Letters and digits only: valid as an ElastiCache AUTH token and safe inside a URL.
    const password = new random.RandomPassword(`${name}-password`, { length: 40, special: false }, { parent: this });
    const secretPassword = pulumi.secret(password.result);

    const endpoints = args.mode === 'elasticache' ? this.createElastiCache(name, args, secretPassword) : this.createInstance(name, args, secretPassword);

    const parameter = new aws.ssm.Parameter(`${name}-redis-url`, {
      name: parameterPath(args.stack, 'redis-url'),
      type: aws.ssm.ParameterType.SecureString,
      value: endpoints.runnerUrl,
      description: `bitbench ${args.stack}: the Redis URL the runners read at boot`,
    }, { parent: this });

    this.redisUrl = pulumi.secret(endpoints.operatorUrl);
    this.redisUrlParameterName = parameter.name;
    this.redisUrlParameterArn = parameter.arn;
    this.registerOutputs({ redisUrl: this.redisUrl, redisUrlParameterName: this.redisUrlParameterName, redisUrlParameterArn: this.redisUrlParameterArn });
  }

  private createElastiCache(name: string, args: BrokerArgs, password: pulumi.Output<string>): Endpoints {
    const child = { parent: this };
    const parameters = new aws.elasticache.ParameterGroup(`${name}-parameters`, {
      family: REDIS_PARAMETER_FAMILY,
      description: 'bitbench: BullMQ needs noeviction',
      parameters: [{ name: 'maxmemory-policy', value: 'noeviction' }],
    }, child);
    const subnets = new aws.elasticache.SubnetGroup(`${name}-subnets`, {
      subnetIds: args.subnetIds,
      description: `bitbench ${args.stack} broker`,
    }, child);
    const group = new aws.elasticache.ReplicationGroup(`${name}-redis`, {
      description: `bitbench ${args.stack} broker`,
      engine: 'redis',
      engineVersion: REDIS_ENGINE_VERSION,
      nodeType: CACHE_NODE_TYPE,
      numCacheClusters: 1,
      port: REDIS_PORT,
      parameterGroupName: parameters.name,
      subnetGroupName: subnets.name,
      securityGroupIds: [args.securityGroupId],
      transitEncryptionEnabled: true,
      atRestEncryptionEnabled: true,
      authToken: password,
      automaticFailoverEnabled: false,
      applyImmediately: true,
    }, child);
    // rediss: TLS. The same endpoint serves runners and operator (the latter inside the VPC's reach).
    const url = pulumi.interpolate`rediss://:${password}@${group.primaryEndpointAddress}:${REDIS_PORT}`;
    return { operatorUrl: url, runnerUrl: url };
  }

  private createInstance(name: string, args: BrokerArgs, password: pulumi.Output<string>): Endpoints {
    const child = { parent: this };
    const passwordParameter = new aws.ssm.Parameter(`${name}-redis-password`, {
      name: parameterPath(args.stack, 'redis-password'),
      type: aws.ssm.ParameterType.SecureString,
      value: password,
      description: `bitbench ${args.stack}: the password the ec2 broker's Redis requires`,
    }, child);
    const role = new aws.iam.Role(`${name}-role`, {
      assumeRolePolicy: aws.iam.assumeRolePolicyForPrincipal({ Service: 'ec2.amazonaws.com' }),
      description: `bitbench ${args.stack} broker: reads its password parameter, nothing else`,
    }, child);
    new aws.iam.RolePolicy(`${name}-read-password`, {
      role: role.id,
      policy: aws.iam.getPolicyDocumentOutput({
        statements: [{ actions: ['ssm:GetParameter'], resources: [passwordParameter.arn] }],
      }, child).json,
    }, child);
    const profile = new aws.iam.InstanceProfile(`${name}-profile`, { role: role.name }, child);

    const ttlMinutes = args.ttlMinutes + BROKER_GRACE_MINUTES;
    const userData = passwordParameter.name.apply((passwordParameterName) =>
      renderBrokerUserData({ region: args.region, passwordParameter: passwordParameterName, ttlMinutes }),
    );
    const instance = new aws.ec2.Instance(`${name}-instance`, {
      instanceType: BROKER_INSTANCE_TYPE,
      ami: amazonLinux2023Ami(architectureOf(BROKER_INSTANCE_TYPE), child),
      subnetId: pulumi.output(args.subnetIds).apply((ids) => ids[0]!),
      vpcSecurityGroupIds: [args.securityGroupId],
      associatePublicIpAddress: true,
      iamInstanceProfile: profile.name,
      userData,
      userDataReplaceOnChange: true,
      instanceInitiatedShutdownBehavior: 'terminate',
      metadataOptions: { httpTokens: 'required', httpEndpoint: 'enabled', httpPutResponseHopLimit: 1 },
      rootBlockDevice: { volumeType: 'gp3', volumeSize: 8, encrypted: true },
      tags: bitbenchTags(args.stack, ttlUtc(args.deployedAt, ttlMinutes), `bitbench-${args.stack}-broker`),
    }, { ...child, ignoreChanges: KEEP_TTL_TAG });
    // No TLS on a self-hosted Redis without a certificate the clients trust: the password and
    // the job data cross the network in clear between the operator's CIDR and the broker.
    return {
      operatorUrl: pulumi.interpolate`redis://:${password}@${instance.publicIp}:${REDIS_PORT}`,
      runnerUrl: pulumi.interpolate`redis://:${password}@${instance.privateIp}:${REDIS_PORT}`,
    };
  }
}
