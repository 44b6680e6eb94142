// The runners: per instance type, a launch template for that type's architecture (AMI, image
// platform), then `count` instances of it. Every instance requires IMDSv2 (hop limit 2, so the
// worker inside its container can read the instance type), terminates itself after the TTL
// (`shutdown -h` with instance-initiated shutdown = terminate), and carries the tags that
// `bitbench fleet reap` uses to catch any that did not.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { amazonLinux2023Ami } from './amazon-linux-ami.js';
import { bitbenchTags, KEEP_TTL_TAG, ttlUtc } from './bitbench-tags.js';
import { architectureOf } from './instance-architecture.js';
import { instanceTypeSlug } from './resource-names.js';
import { renderRunnerUserData } from './runner-user-data.js';
import type { InstanceTypeEntry } from './stack-config.js';

/** The image, the addon and a model's working set fit with room; gp3 costs the same per GB at any size. */
const ROOT_VOLUME_GB = 16;
/** One hop for the host, one for Docker's bridge: the container reaches IMDSv2. */
export const METADATA_HOP_LIMIT = 2;

export interface RunnerFleetArgs {
  stack: string;
  region: string;
  instanceTypes: readonly InstanceTypeEntry[];
  ttlMinutes: number;
  /** When `pulumi up` ran: the TTL tag counts from it. */
  deployedAt: Date;
  subnetIds: pulumi.Input<string[]>;
  securityGroupId: pulumi.Input<string>;
  imageRef: pulumi.Input<string>;
  repositoryArn: pulumi.Input<string>;
  redisUrlParameterName: pulumi.Input<string>;
  redisUrlParameterArn: pulumi.Input<string>;
}

export class RunnerFleet extends pulumi.ComponentResource {
  /** Instance ids by instance type. */
  readonly instanceIds: pulumi.Output<Record<string, string[]>>;
  readonly launchTemplateIds: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: RunnerFleetArgs, opts?: pulumi.ComponentResourceOptions) {
    super('bitbench:infra:RunnerFleet', name, {}, opts);
    const profile = this.createInstanceProfile(name, args);
    const subnetIds = pulumi.output(args.subnetIds);
    const ttl = ttlUtc(args.deployedAt, args.ttlMinutes);

    const idsByType: Record<string, pulumi.Output<string[]>> = {};
    const templatesByType: Record<string, pulumi.Output<string>> = {};
    for (const entry of args.instanceTypes) {
      const slug = instanceTypeSlug(entry.type);
      const template = this.createLaunchTemplate(`${name}-${slug}`, entry, args, profile);
      const instances = Array.from({ length: entry.count }, (_, index) =>
        new aws.ec2.Instance(`${name}-${slug}-${index}`, {
          launchTemplate: { id: template.id, version: template.latestVersion.apply(String) },
          // Spread over the subnets' zones: spot capacity and type availability differ by zone.
          subnetId: subnetIds.apply((ids) => ids[index % ids.length]!),
          tags: bitbenchTags(args.stack, ttl, `bitbench-${args.stack}-${slug}-${index}`),
        }, { parent: this, ignoreChanges: KEEP_TTL_TAG }),
      );
      idsByType[entry.type] = pulumi.all(instances.map((instance) => instance.id));
      templatesByType[entry.type] = template.id;
    }

    this.instanceIds = pulumi.all(idsByType);
    this.launchTemplateIds = pulumi.all(templatesByType);
    this.registerOutputs({ instanceIds: this.instanceIds, launchTemplateIds: this.launchTemplateIds });
  }

  /** The runners may pull from the image's repository and read the Redis URL parameter, nothing else. */
  private createInstanceProfile(name: string, args: RunnerFleetArgs): aws.iam.InstanceProfile {
    const child = { parent: this };
    const role = new aws.iam.Role(`${name}-role`, {
      assumeRolePolicy: aws.iam.assumeRolePolicyForPrincipal({ Service: 'ec2.amazonaws.com' }),
      description: `bitbench ${args.stack} runners: pull the runner image, read the Redis URL`,
    }, child);
    new aws.iam.RolePolicy(`${name}-policy`, {
      role: role.id,
      policy: aws.iam.getPolicyDocumentOutput({
        statements: [
          { sid: 'ReadRedisUrl', actions: ['ssm:GetParameter'], resources: [args.redisUrlParameterArn] },
          // The login token is account-wide by AWS's design; the pulls are limited to one repository.
          { sid: 'EcrLogin', actions: ['ecr:GetAuthorizationToken'], resources: ['*'] },
          {
            sid: 'PullRunnerImage',
            actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'],
            resources: [args.repositoryArn],
          },
        ],
      }, child).json,
    }, child);
    return new aws.iam.InstanceProfile(`${name}-profile`, { role: role.name }, child);
  }

  private createLaunchTemplate(name: string, entry: InstanceTypeEntry, args: RunnerFleetArgs, profile: aws.iam.InstanceProfile): aws.ec2.LaunchTemplate {
    const architecture = architectureOf(entry.type);
    const userData = pulumi.all([args.imageRef, args.redisUrlParameterName]).apply(([imageRef, redisUrlParameter]) =>
      Buffer.from(
        renderRunnerUserData({
          instanceType: entry.type,
          architecture,
          purchase: entry.purchase,
          region: args.region,
          imageRef,
          redisUrlParameter,
          ttlMinutes: args.ttlMinutes,
        }),
      ).toString('base64'),
    );
    return new aws.ec2.LaunchTemplate(name, {
      namePrefix: `${name}-`,
      description: `bitbench ${args.stack}: ${entry.type} (${architecture}, ${entry.purchase})`,
      imageId: amazonLinux2023Ami(architecture, { parent: this }),
      instanceType: entry.type,
      iamInstanceProfile: { arn: profile.arn },
      vpcSecurityGroupIds: [args.securityGroupId],
      userData,
      instanceInitiatedShutdownBehavior: 'terminate',
      instanceMarketOptions:
        entry.purchase === 'spot'
          ? { marketType: 'spot', spotOptions: { spotInstanceType: 'one-time', instanceInterruptionBehavior: 'terminate' } }
          : undefined,
      metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: METADATA_HOP_LIMIT },
      blockDeviceMappings: [
        { deviceName: '/dev/xvda', ebs: { volumeSize: ROOT_VOLUME_GB, volumeType: 'gp3', encrypted: 'true', deleteOnTermination: 'true' } },
      ],
      updateDefaultVersion: true,
    }, { parent: this });
  }
}
