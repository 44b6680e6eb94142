// How `cd infra && pulumi up` finds and loads the program (checked by reading the files; the
// Pulumi CLI is not installed where the tests run).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { architectureOf } from '../../infra/instance-architecture.js';
import { namespaceEntries, parseStackConfig } from '../../infra/stack-config.js';

const read = (path: string) => readFileSync(new URL(`../../infra/${path}`, import.meta.url), 'utf8');

describe('the Pulumi project', () => {
  it('runs on the nodejs runtime under the bitbench config namespace', () => {
    const project = parse(read('Pulumi.yaml'));
    expect(project.name).toBe('bitbench');
    expect(project.runtime.name).toBe('nodejs');
  });

  it('is its own ES module package whose main is index.ts, with no dependencies of its own', () => {
    // Without it Pulumi would read the repository's package.json, whose main is the addon's API.
    const pkg = JSON.parse(read('package.json'));
    expect(pkg).toMatchObject({ type: 'module', main: 'index.ts' });
    expect(pkg.dependencies).toBeUndefined();
    expect(pkg.devDependencies).toBeUndefined();
  });

  it('can get the ts-node ESM loader that Pulumi registers for a "type": "module" program', () => {
    // Pulumi's launcher resolves it from @pulumi/pulumi's own folder; without it, loading
    // index.ts fails with ERR_UNKNOWN_FILE_EXTENSION.
    const fromPulumi = createRequire(createRequire(import.meta.url).resolve('@pulumi/pulumi/package.json'));
    expect(() => fromPulumi.resolve('ts-node/esm')).not.toThrow();
  });

  it('ships an example stack that validates once the operator CIDR is set, matching the fleet matrix', () => {
    const stack = parse(read('Pulumi.example.yaml')).config as Record<string, unknown>;
    // As Pulumi hands config to the program: structured values as JSON text.
    const raw = namespaceEntries(Object.fromEntries(Object.entries(stack).map(([key, value]) => [key, typeof value === 'string' ? value : JSON.stringify(value)])));
    expect(() => parseStackConfig(raw)).toThrow(/bitbench:operatorCidr: required/);
    const config = parseStackConfig({ ...raw, operatorCidr: '203.0.113.7/32' });
    const matrix = parse(readFileSync(new URL('../../matrices/paths-by-instance.yaml', import.meta.url), 'utf8')) as { instanceTypes: string[] };
    expect(config.instanceTypes.map((entry) => entry.type)).toEqual(matrix.instanceTypes);
    expect(config.instanceTypes.some((entry) => architectureOf(entry.type) === 'arm64')).toBe(true);
  });
});
