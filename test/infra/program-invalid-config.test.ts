// The program refuses an invalid stack before declaring anything, naming each bad key.
import { expect, it } from 'vitest';
import { installMocks } from './pulumi-mocks.js';

it('rejects an invalid stack config with every key named, and declares no resource', async () => {
  const mocked = await installMocks({
    region: 'us-east-1',
    instanceTypes: [{ type: 'c7i.large', purchase: 'spot' }, { type: 'c7g.large', count: 0, purchase: 'spot' }],
    operatorCidr: '0.0.0.0/0',
    ttlMinute: '60',
  });
  const failure = await import('../../infra/index.js').then(
    () => undefined,
    (error: unknown) => error as Error,
  );
  expect(failure?.name).toBe('StackConfigError');
  expect(failure?.message).toContain('bitbench:instanceTypes[1].count: expected a positive integer');
  expect(failure?.message).toContain('bitbench:operatorCidr: 0.0.0.0/0 opens the broker to far too much of the internet');
  expect(failure?.message).toMatch(/bitbench:ttlMinute: unknown key/);
  expect(mocked.resources).toEqual([]);
});
