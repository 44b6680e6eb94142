// The newest Amazon Linux 2023 AMI of an architecture (standard image: it carries the AWS CLI
// the user data uses; the `minimal` image does not). Looked up at `pulumi up`, so every
// instance of one deployment boots the same image.
import * as aws from '@pulumi/aws';
import type * as pulumi from '@pulumi/pulumi';
import type { Architecture } from './instance-architecture.js';

export function amazonLinux2023Ami(architecture: Architecture, opts: pulumi.InvokeOutputOptions): pulumi.Output<string> {
  return aws.ec2
    .getAmiOutput(
      {
        owners: ['amazon'],
        mostRecent: true,
        filters: [
          { name: 'name', values: [`al2023-ami-2023.*-kernel-*-${architecture}`] },
          { name: 'architecture', values: [architecture] },
          { name: 'state', values: ['available'] },
        ],
      },
      opts,
    )
    .apply((ami) => ami.id);
}
