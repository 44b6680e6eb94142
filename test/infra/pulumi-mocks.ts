// Pulumi's mocks for the infra tests: every resource and data-source call is answered here, in
// process, so no provider plugin, cloud or network is involved. Call installMocks, then
// `await import()` the program (Pulumi reads mocks and config when resources are declared).
import * as pulumi from '@pulumi/pulumi';

export const ACCOUNT = '123456789012';
export const REDIS_PASSWORD = 'MockRedisPassword0123456789abcdefABCDEFGH';
export const ECR_PASSWORD = 'mock-ecr-login-token';

export interface RecordedResource {
  type: string;
  name: string;
  // Inputs as the program declared them, after Pulumi resolved them.
  inputs: any;
}

export interface MockedProgram {
  resources: RecordedResource[];
  calls: pulumi.runtime.MockCallArgs[];
  ofType(type: string): RecordedResource[];
}

const arn = (service: string, resource: string) => `arn:aws:${service}:us-east-1:${ACCOUNT}:${resource}`;
function stateFor(type: string, name: string, inputs: any): { id: string; state: Record<string, unknown> } {
  switch (type) {
    case 'random:index/randomPassword:RandomPassword':
      return { id: name, state: { ...inputs, result: REDIS_PASSWORD } };
    case 'aws:ecr/repository:Repository':
      return {
        id: inputs.name,
        state: { ...inputs, arn: arn('ecr', `repository/${inputs.name}`), registryId: ACCOUNT, repositoryUrl: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/${inputs.name}` },
      };
    case 'docker-build:index:Image':
      return { id: name, state: { ...inputs, digest: 'sha256:0123abcd', ref: `${inputs.tags[0]}@sha256:0123abcd` } };
    case 'aws:ssm/parameter:Parameter':
      return { id: inputs.name, state: { ...inputs, arn: arn('ssm', `parameter${inputs.name}`) } };
    case 'aws:elasticache/replicationGroup:ReplicationGroup':
      return { id: name, state: { ...inputs, primaryEndpointAddress: 'master.bitbench-mock.use1.cache.amazonaws.com' } };
    case 'aws:ec2/launchTemplate:LaunchTemplate':
      return { id: `lt-${name}`, state: { ...inputs, latestVersion: 1 } };
    case 'aws:ec2/instance:Instance':
      return { id: `i-${name}`, state: { ...inputs, publicIp: '198.51.100.20', privateIp: '10.42.0.20' } };
    default:
      return { id: `${name}-id`, state: { ...inputs, arn: arn('mock', name), name: inputs.name ?? name } };
  }
}
function answerCall(token: string, inputs: any): Record<string, unknown> {
  switch (token) {
    case 'aws:ec2/getAmi:getAmi': {
      const architecture = inputs.filters?.find((filter: any) => filter.name === 'architecture')?.values?.[0];
      if (architecture !== 'arm64' && architecture !== 'x86_64') throw new Error(`getAmi without an architecture filter: ${JSON.stringify(inputs)}`);
      return { id: `ami-al2023-${architecture}`, architecture, imageId: `ami-al2023-${architecture}` };
    }
    case 'aws:ecr/getAuthorizationToken:getAuthorizationToken':
      return { userName: 'AWS', password: ECR_PASSWORD, proxyEndpoint: `https://${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com`, authorizationToken: 'QVdTOnRva2Vu' };
    case 'aws:index/getAvailabilityZones:getAvailabilityZones':
      return { names: ['us-east-1a', 'us-east-1b', 'us-east-1c'], zoneIds: ['use1-az1', 'use1-az2', 'use1-az4'] };
    case 'aws:iam/getPolicyDocument:getPolicyDocument':
      // The statements as JSON, so tests can read what each role may do.
      return { json: JSON.stringify({ Statement: inputs.statements }) };
    default:
      throw new Error(`Unmocked data source ${token}`);
  }
}

/** Installs mocks and the stack config (keys without the `bitbench:` namespace). */
export async function installMocks(config: Record<string, unknown>): Promise<MockedProgram> {
  const resources: RecordedResource[] = [];
  const calls: pulumi.runtime.MockCallArgs[] = [];
  pulumi.runtime.setAllConfig(
    Object.fromEntries(Object.entries(config).map(([key, value]) => [`bitbench:${key}`, typeof value === 'string' ? value : JSON.stringify(value)])),
  );
  await pulumi.runtime.setMocks(
    {
      newResource: ({ type, name, inputs }) => {
        resources.push({ type, name, inputs });
        return stateFor(type, name, inputs);
      },
      call: (args) => {
        calls.push(args);
        return answerCall(args.token, args.inputs);
      },
    },
    'bitbench',
    'test',
    false,
  );
  return { resources, calls, ofType: (type) => resources.filter((resource) => resource.type === type) };
}

export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((value) => resolve(value)));
}

/** Resolves once no resource has been registered for a few turns of the event loop. */
export async function settled(program: MockedProgram): Promise<void> {
  let quietTurns = 0;
  let seen = -1;
  while (quietTurns < 5) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    quietTurns = program.resources.length === seen ? quietTurns + 1 : 0;
    seen = program.resources.length;
  }
}

// How Pulumi marks a secret value on the wire (and in the inputs the mocks receive).
const SECRET_SIGNATURE_KEY = '4dabf18193072939515e22adb298388d';
const SECRET_SIGNATURE = '1b47061264138c4ac30d75fd1eb44270';

/** The value of a secret input; undefined when the input was not marked secret. */
export function secretInput(input: unknown): unknown {
  if (typeof input !== 'object' || input === null) return undefined;
  const record = input as Record<string, unknown>;
  return record[SECRET_SIGNATURE_KEY] === SECRET_SIGNATURE ? record.value : undefined;
}

export function decodeUserData(base64: string): string {
  return Buffer.from(base64, 'base64').toString('utf8');
}
