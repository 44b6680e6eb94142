// The runner image: an ECR repository and one multi-platform build (linux/amd64 and
// linux/arm64) of runner/Dockerfile, made and pushed at `pulumi up` with Docker Buildx. The
// addon picks its kernels at run time, so one amd64 image serves every x86 type and one arm64
// image every Graviton type. Instances pull it by digest.
import * as aws from '@pulumi/aws';
import * as dockerBuild from '@pulumi/docker-build';
import * as pulumi from '@pulumi/pulumi';

export const IMAGE_PLATFORMS = [dockerBuild.Platform.Linux_amd64, dockerBuild.Platform.Linux_arm64];
/** Registry build cache next to the image: a rebuild after a TypeScript change skips the C++ build. */
const CACHE_TAG = 'buildcache';

export interface RunnerImageArgs {
  stack: string;
  /** The build context: the repository root. */
  contextDir: string;
  /** runner/Dockerfile, as a path. */
  dockerfile: string;
  tag: string;
  /** The commit being built, recorded in the image for every result's tool version ('' if unknown). */
  gitSha?: string;
}

export class RunnerImage extends pulumi.ComponentResource {
  readonly repositoryUrl: pulumi.Output<string>;
  readonly repositoryArn: pulumi.Output<string>;
  /** `registry/repository:tag@sha256:...`: the exact build. */
  readonly imageRef: pulumi.Output<string>;

  constructor(name: string, args: RunnerImageArgs, opts?: pulumi.ComponentResourceOptions) {
    super('bitbench:infra:RunnerImage', name, {}, opts);
    const child = { parent: this };
    const repository = new aws.ecr.Repository(`${name}-repository`, {
      name: `bitbench-runner-${args.stack}`.toLowerCase(),
      // `pulumi destroy` removes the images too; they are rebuilt from the repository.
      forceDelete: true,
      imageScanningConfiguration: { scanOnPush: true },
    }, child);
    const token = aws.ecr.getAuthorizationTokenOutput({ registryId: repository.registryId }, child);
    const image = new dockerBuild.Image(`${name}-image`, {
      context: { location: args.contextDir },
      dockerfile: { location: args.dockerfile },
      platforms: IMAGE_PLATFORMS,
      buildArgs: { BITBENCH_GIT_SHA: args.gitSha ?? '' },
      push: true,
      tags: [pulumi.interpolate`${repository.repositoryUrl}:${args.tag}`],
      registries: [{ address: repository.repositoryUrl, username: token.userName, password: pulumi.secret(token.password) }],
      cacheFrom: [{ registry: { ref: pulumi.interpolate`${repository.repositoryUrl}:${CACHE_TAG}` } }],
      // ECR takes a registry cache only as an image manifest with OCI media types.
      cacheTo: [{ registry: { ref: pulumi.interpolate`${repository.repositoryUrl}:${CACHE_TAG}`, imageManifest: true, ociMediaTypes: true, mode: dockerBuild.CacheMode.Max } }],
    }, child);

    this.repositoryUrl = repository.repositoryUrl;
    this.repositoryArn = repository.arn;
    this.imageRef = image.ref;
    this.registerOutputs({ repositoryUrl: this.repositoryUrl, repositoryArn: this.repositoryArn, imageRef: this.imageRef });
  }
}
