import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { renderBrokerUserData } from '../../infra/broker-user-data.js';
import type { Architecture } from '../../infra/instance-architecture.js';
import { registryOf, renderRunnerUserData, type RunnerUserDataInput } from '../../infra/runner-user-data.js';
import { selfDestructLine, shellQuote } from '../../infra/shell-text.js';
import type { PurchaseOption } from '../../infra/stack-config.js';

const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/bitbench-runner:latest@sha256:0123abcd';

function runnerInput(architecture: Architecture, purchase: PurchaseOption): RunnerUserDataInput {
  return {
    instanceType: architecture === 'arm64' ? 'c7g.large' : 'c7i.large',
    architecture,
    purchase,
    region: 'us-east-1',
    imageRef: IMAGE,
    redisUrlParameter: '/bitbench/dev/redis-url',
    ttlMinutes: 180,
  };
}

const VARIANTS = (['x86_64', 'arm64'] as const).flatMap((architecture) => (['spot', 'on-demand'] as const).map((purchase) => [architecture, purchase] as const));

// Debian's shellcheck; absent, the lint tests say so and skip rather than pass silently.
const shellcheckFound = spawnSync('shellcheck', ['--version'], { encoding: 'utf8' }).status === 0;
if (!shellcheckFound) console.warn('shellcheck not found (apt-get install shellcheck): the user-data lint tests are skipped');

function shellcheck(script: string) {
  return spawnSync('shellcheck', ['--shell=bash', '--severity=style', '-'], { input: script, encoding: 'utf8' });
}

describe('runner user data', () => {
  it.each(VARIANTS)('%s %s: schedules the TTL first, pulls the image for the platform, reads the URL from SSM', (architecture, purchase) => {
    const script = renderRunnerUserData(runnerInput(architecture, purchase));
    const lines = script.split('\n');
    expect(lines[0]).toBe('#!/bin/bash');
    const firstCommand = lines.findIndex((line) => line !== '' && !line.startsWith('#') && line !== 'set -euo pipefail');
    expect(lines[firstCommand]).toBe("shutdown -h +180 'bitbench: TTL of 180 minutes reached'");
    expect(script).toContain(`readonly PLATFORM='${architecture === 'arm64' ? 'linux/arm64' : 'linux/amd64'}'`);
    expect(script).toContain(`readonly IMAGE='${IMAGE}'`);
    expect(script).toContain("readonly REGISTRY='123456789012.dkr.ecr.us-east-1.amazonaws.com'");
    expect(script).toMatch(/aws ssm get-parameter --region "\$REGION" --name "\$REDIS_URL_PARAMETER" --with-decryption/);
    expect(script).toMatch(/docker run [^\n]*\\\n[^\n]*--env BITBENCH_REDIS_URL \\\n\s+"\$IMAGE" --instance-type auto\n/);
    expect(script).not.toMatch(/redis:\/\//);
    expect(script).toContain(`(${architecture}, ${purchase})`);
  });

  it('quotes values so nothing in them is run', () => {
    const script = renderRunnerUserData({ ...runnerInput('x86_64', 'spot'), redisUrlParameter: "/x/$(reboot)'`id`" });
    expect(script).toContain(`readonly REDIS_URL_PARAMETER='/x/$(reboot)'\\''\`id\`'`);
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
  });

  it('rejects an image without a registry and a TTL that is not a positive integer', () => {
    expect(() => registryOf('bitbench-runner:latest')).toThrow(/with a registry/);
    expect(() => selfDestructLine(0)).toThrow(/positive integer for the TTL minutes but received 0/);
    expect(() => renderRunnerUserData({ ...runnerInput('arm64', 'spot'), ttlMinutes: 1.5 })).toThrow(/TTL minutes/);
  });

  it.skipIf(!shellcheckFound).each(VARIANTS)('%s %s: shellcheck-clean', (architecture, purchase) => {
    const result = shellcheck(renderRunnerUserData(runnerInput(architecture, purchase)));
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('broker user data', () => {
  const script = renderBrokerUserData({ region: 'eu-west-1', passwordParameter: '/bitbench/dev/redis-password', ttlMinutes: 240 });

  it('schedules the TTL, sets AOF, noeviction and a password read from SSM', () => {
    expect(script).toContain("shutdown -h +240 'bitbench: TTL of 240 minutes reached'");
    for (const setting of ['appendonly yes', 'maxmemory-policy noeviction', 'protected-mode yes']) expect(script).toContain(`echo '${setting}'`);
    expect(script).toContain("printf 'requirepass %s\\n' \"$PASSWORD\"");
    expect(script).toMatch(/--name "\$PASSWORD_PARAMETER" --with-decryption/);
    expect(script).toContain('systemctl enable --now redis6');
  });

  it.skipIf(!shellcheckFound)('is shellcheck-clean', () => {
    const result = shellcheck(script);
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
