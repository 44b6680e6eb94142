// `threads: all` in a fleet matrix needs each instance type's vCPU count, read from AWS's size
// names where they say it, from the matrix's `vcpus` map otherwise, and never guessed.
import { describe, expect, it } from 'vitest';
import { fleetVcpus, vcpusFromInstanceTypeName } from '../../../coordinator/distributed/instance-vcpus.js';
import { MatrixError } from '../../../coordinator/matrix/matrix-error.js';

describe('vcpusFromInstanceTypeName', () => {
  it.each([
    ['c7i.large', 2],
    ['m7i-flex.large', 2],
    ['c7g.xlarge', 4],
    ['c7i.2xlarge', 8],
    ['r7iz.12xlarge', 48],
    ['c7i.48xlarge', 192],
    ['u-6tb1.112xlarge', 448],
  ])('%s has %i vCPUs', (name, vcpus) => {
    expect(vcpusFromInstanceTypeName(name)).toBe(vcpus);
  });

  it.each([
    // Sizes below large do not follow the rule (t3.medium has 2, c7g.medium 1).
    'c7g.medium',
    't3.nano',
    't3.micro',
    // metal is as many as the host has: nothing in the name says how many.
    'c7i.metal-24xl',
    'm7g.metal',
    // Not AWS's pattern, or not a size the rule covers.
    'local',
    'my-box',
    'c7i.2large',
    'c7i.0xlarge',
    'c7i.xlarge.extra',
    'C7I.LARGE',
    '',
  ])('%j: the name does not tell (null)', (name) => {
    expect(vcpusFromInstanceTypeName(name)).toBeNull();
  });
});

describe('fleetVcpus', () => {
  it('reads the count from the name when the matrix gives none', () => {
    const vcpus = fleetVcpus('fleet.yaml', undefined);
    expect(vcpus('c7i.4xlarge')).toBe(16);
  });

  it("takes the matrix's vcpus map first, even over what the name says", () => {
    // A user who pins 'all' to fewer vCPUs (a capped container, say) must get what they wrote.
    const vcpus = fleetVcpus('fleet.yaml', { 'c7i.4xlarge': 12, 'c7g.medium': 1 });
    expect(vcpus('c7i.4xlarge')).toBe(12);
    expect(vcpus('c7g.medium')).toBe(1);
    expect(vcpus('m7i.large')).toBe(2);
  });

  it('throws a MatrixError naming vcpus.<type> and the file for a name it cannot read', () => {
    const vcpus = fleetVcpus('fleet.yaml', { 'c7i.large': 2 });
    let caught: unknown;
    try {
      vcpus('my-box');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MatrixError);
    const error = caught as MatrixError;
    expect(error.source).toBe('fleet.yaml');
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]!.path).toBe('vcpus.my-box');
    expect(error.problems[0]!.message).toMatch(/threads: all/);
    expect(error.message).toContain('vcpus.my-box');
    expect(error.exitCode).toBe(2);
  });
});
