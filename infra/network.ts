// Where the fleet runs: a small VPC of its own (or an existing one by id) and two security
// groups. Runners accept nothing inbound; the broker accepts Redis (6379) only from the runners'
// group and from the operator's CIDR.
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export const REDIS_PORT = 6379;
const VPC_CIDR = '10.42.0.0/16';
/** Two zones: an ElastiCache subnet group wants more than one, and spot capacity differs by zone. */
const SUBNET_CIDRS = ['10.42.0.0/20', '10.42.16.0/20'] as const;

export interface NetworkArgs {
  stack: string;
  operatorCidr: string;
  /** An existing VPC; with it, `subnetIds` (subnets whose instances reach the internet). */
  existingVpc?: { vpcId: string; subnetIds: string[] };
}

export class Network extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly subnetIds: pulumi.Output<string[]>;
  readonly runnerSecurityGroupId: pulumi.Output<string>;
  readonly brokerSecurityGroupId: pulumi.Output<string>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super('bitbench:infra:Network', name, {}, opts);
    const child = { parent: this };

    if (args.existingVpc) {
      this.vpcId = pulumi.output(args.existingVpc.vpcId);
      this.subnetIds = pulumi.output(args.existingVpc.subnetIds);
    } else {
      const created = this.createVpc(name, args.stack);
      this.vpcId = created.vpcId;
      this.subnetIds = created.subnetIds;
    }

    const runners = new aws.ec2.SecurityGroup(`${name}-runners`, {
      vpcId: this.vpcId,
      description: `bitbench ${args.stack} runners: no inbound traffic`,
      tags: { Name: `bitbench-${args.stack}-runners` },
    }, child);
    const broker = new aws.ec2.SecurityGroup(`${name}-broker`, {
      vpcId: this.vpcId,
      description: `bitbench ${args.stack} broker: Redis from the runners and the operator only`,
      tags: { Name: `bitbench-${args.stack}-broker` },
    }, child);

    // Egress is open so instances reach ECR, SSM and the package mirrors; the provider removes
    // AWS's default egress rule from groups it creates, so it is stated here.
    for (const [label, group] of [['runners', runners], ['broker', broker]] as const) {
      new aws.vpc.SecurityGroupEgressRule(`${name}-${label}-egress`, {
        securityGroupId: group.id,
        ipProtocol: '-1',
        cidrIpv4: '0.0.0.0/0',
        description: 'outbound to AWS APIs, ECR and package mirrors',
      }, child);
    }
    new aws.vpc.SecurityGroupIngressRule(`${name}-redis-from-runners`, {
      securityGroupId: broker.id,
      referencedSecurityGroupId: runners.id,
      ipProtocol: 'tcp',
      fromPort: REDIS_PORT,
      toPort: REDIS_PORT,
      description: 'Redis from the bitbench runners',
    }, child);
    new aws.vpc.SecurityGroupIngressRule(`${name}-redis-from-operator`, {
      securityGroupId: broker.id,
      cidrIpv4: args.operatorCidr,
      ipProtocol: 'tcp',
      fromPort: REDIS_PORT,
      toPort: REDIS_PORT,
      description: 'Redis from the operator (enqueue, status, collect)',
    }, child);

    this.runnerSecurityGroupId = runners.id;
    this.brokerSecurityGroupId = broker.id;
    this.registerOutputs({
      vpcId: this.vpcId,
      subnetIds: this.subnetIds,
      runnerSecurityGroupId: this.runnerSecurityGroupId,
      brokerSecurityGroupId: this.brokerSecurityGroupId,
    });
  }

  /** Public subnets only: instances get public addresses to reach AWS APIs, so no NAT gateway (about $0.05/hour) is needed. */
  private createVpc(name: string, stack: string): { vpcId: pulumi.Output<string>; subnetIds: pulumi.Output<string[]> } {
    const child = { parent: this };
    const vpc = new aws.ec2.Vpc(`${name}-vpc`, {
      cidrBlock: VPC_CIDR,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: `bitbench-${stack}` },
    }, child);
    const gateway = new aws.ec2.InternetGateway(`${name}-gateway`, { vpcId: vpc.id, tags: { Name: `bitbench-${stack}` } }, child);
    const routes = new aws.ec2.RouteTable(`${name}-routes`, {
      vpcId: vpc.id,
      routes: [{ cidrBlock: '0.0.0.0/0', gatewayId: gateway.id }],
      tags: { Name: `bitbench-${stack}` },
    }, child);
    const zones = aws.getAvailabilityZonesOutput({ state: 'available', filters: [{ name: 'zone-type', values: ['availability-zone'] }] }, child);
    const subnets = SUBNET_CIDRS.map((cidrBlock, index) => {
      const subnet = new aws.ec2.Subnet(`${name}-subnet-${index}`, {
        vpcId: vpc.id,
        cidrBlock,
        availabilityZone: zones.names.apply((names) => {
          const zone = names[index % names.length];
          if (zone === undefined) throw new Error('The region reports no available zones');
          return zone;
        }),
        mapPublicIpOnLaunch: true,
        tags: { Name: `bitbench-${stack}-${index}` },
      }, child);
      new aws.ec2.RouteTableAssociation(`${name}-subnet-${index}-routes`, { subnetId: subnet.id, routeTableId: routes.id }, child);
      return subnet;
    });
    return { vpcId: vpc.id, subnetIds: pulumi.all(subnets.map((subnet) => subnet.id)) };
  }
}
