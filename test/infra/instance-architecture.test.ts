import { describe, expect, it } from 'vitest';
import { architectureOf, dockerPlatformOf } from '../../infra/instance-architecture.js';

describe('architectureOf', () => {
  it.each(['c7g.large', 'm7g.medium', 'r7g.2xlarge', 'c6g.xlarge', 't4g.small', 'c7gd.large', 'c6gn.16xlarge', 'm8g.large', 'x2gd.medium', 'im4gn.large', 'is4gen.medium', 'g5g.xlarge', 'hpc7g.4xlarge', 'a1.large'])(
    '%s is arm64',
    (type) => expect(architectureOf(type)).toBe('arm64'),
  );

  it.each(['c7i.large', 'm7a.xlarge', 'c5n.large', 'g4dn.xlarge', 'g6.xlarge', 'gr6.4xlarge', 'x2iedn.xlarge', 'm7i-flex.large', 'u7i-12tb.224xlarge', 't3.micro', 'c6in.large', 'r7iz.large', 'inf2.xlarge'])(
    '%s is x86_64',
    (type) => expect(architectureOf(type)).toBe('x86_64'),
  );

  it('refuses macOS types and names that are not instance types', () => {
    expect(() => architectureOf('mac2.metal')).toThrow(/runs macOS/);
    expect(() => architectureOf('large')).toThrow(/Expected an EC2 instance type such as c7i.large but received 'large'/);
  });

  it('maps architectures to Docker platforms', () => {
    expect(dockerPlatformOf('arm64')).toBe('linux/arm64');
    expect(dockerPlatformOf('x86_64')).toBe('linux/amd64');
  });
});
