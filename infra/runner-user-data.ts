// The boot script of a runner instance: start Docker, log into ECR, pull the runner image for
// this instance's architecture, read the Redis URL from SSM Parameter Store, run the worker.
// A pure function of plain values, so it is tested (and shellchecked) without Pulumi.
import { dockerPlatformOf, type Architecture } from './instance-architecture.js';
import type { PurchaseOption } from './stack-config.js';
import { RETRY_FUNCTION, selfDestructLine, shellConstants } from './shell-text.js';

export const WORKER_CONTAINER = 'bitbench-worker';
/** The variable the worker reads when `--redis` is absent. */
export const REDIS_URL_VARIABLE = 'BITBENCH_REDIS_URL';

export interface RunnerUserDataInput {
  instanceType: string;
  architecture: Architecture;
  purchase: PurchaseOption;
  region: string;
  /** The image by digest (`registry/repo:tag@sha256:...`), so every instance runs the same build. */
  imageRef: string;
  /** Name of the SecureString parameter holding the Redis URL; the URL itself never appears here. */
  redisUrlParameter: string;
  ttlMinutes: number;
}

/** `123456789012.dkr.ecr.us-east-1.amazonaws.com` of `123456789012.dkr.ecr.us-east-1.amazonaws.com/bitbench:tag`. */
export function registryOf(imageRef: string): string {
  const slash = imageRef.indexOf('/');
  if (slash <= 0) throw new RangeError(`Expected an image reference with a registry (host/repository:tag) but received '${imageRef}'`);
  return imageRef.slice(0, slash);
}

export function renderRunnerUserData(input: RunnerUserDataInput): string {
  const constants = shellConstants({
    REGION: input.region,
    IMAGE: input.imageRef,
    REGISTRY: registryOf(input.imageRef),
    PLATFORM: dockerPlatformOf(input.architecture),
    REDIS_URL_PARAMETER: input.redisUrlParameter,
  });
  return `#!/bin/bash
# bitbench runner: ${input.instanceType} (${input.architecture}, ${input.purchase}), rendered by infra/runner-user-data.ts.
# The Redis URL is read from SSM Parameter Store at boot and is not in this script: user data
# is readable by anyone allowed ec2:DescribeInstanceAttribute, and it is logged at boot.
set -euo pipefail

# Before anything that can fail (see selfDestructLine).
${selfDestructLine(input.ttlMinutes)}

${constants}

${RETRY_FUNCTION}

ecr_login() {
  aws ecr get-login-password --region "$REGION" | docker login --username AWS --password-stdin "$REGISTRY"
}

retry dnf install -y docker
systemctl enable --now docker
retry ecr_login
retry docker pull --platform "$PLATFORM" "$IMAGE"

${REDIS_URL_VARIABLE}="$(retry aws ssm get-parameter --region "$REGION" --name "$REDIS_URL_PARAMETER" --with-decryption --query Parameter.Value --output text)"
export ${REDIS_URL_VARIABLE}

# --env NAME without a value copies the variable from this shell: the URL stays off every
# command line. The worker finds its instance type through IMDSv2 (hop limit 2 lets a
# container reach it) and takes jobs from that type's queue.
docker run --detach --name ${WORKER_CONTAINER} --restart on-failure:5 \\
  --platform "$PLATFORM" --env ${REDIS_URL_VARIABLE} \\
  "$IMAGE" --instance-type auto
`;
}
