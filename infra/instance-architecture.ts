// Which CPU architecture an EC2 instance type has, from its name alone, so that `pulumi preview`
// knows every AMI and image platform without calling AWS. `bitbench fleet check` asks EC2 itself
// (DescribeInstanceTypes) before anyone pays; this rule and that answer agree for every current
// family.

export type Architecture = 'x86_64' | 'arm64';

/** The Docker platform of an architecture (the runner image is built for both). */
export function dockerPlatformOf(architecture: Architecture): 'linux/amd64' | 'linux/arm64' {
  return architecture === 'arm64' ? 'linux/arm64' : 'linux/amd64';
}

/**
 * Graviton families carry a `g` among the letters after their generation digit: c7g, m7gd,
 * c6gn, r8g, t4g, x2gd, im4gn, is4gen, g5g (Graviton with a GPU), hpc7g. The x86 families
 * never do (c7i, m7a, c5n, g4dn, g6, x2iedn, m7i-flex). `a1` is the first Graviton, named
 * before the rule.
 */
export function architectureOf(instanceType: string): Architecture {
  const family = instanceType.trim().toLowerCase().split('.')[0] ?? '';
  if (family.startsWith('mac')) {
    throw new RangeError(`Instance type ${instanceType} runs macOS; the runner image needs Linux`);
  }
  const match = /^([a-z]+?)(\d+)([a-z]*)/.exec(family);
  if (!match) throw new RangeError(`Expected an EC2 instance type such as c7i.large but received '${instanceType}'`);
  const [, letters, generation, suffix] = match;
  if (letters === 'a' && generation === '1') return 'arm64';
  return suffix!.includes('g') ? 'arm64' : 'x86_64';
}
