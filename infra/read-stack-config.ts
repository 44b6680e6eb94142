// Reads the `bitbench:*` keys through pulumi.Config and validates them (stack-config.ts).
// The full config map is consulted too, so a misspelt key (`ttlMinute`) is an error rather
// than a silently ignored setting.
import * as pulumi from '@pulumi/pulumi';
import { CONFIG_NAMESPACE, namespaceEntries, parseStackConfig, type StackConfig } from './stack-config.js';

export function readStackConfig(): StackConfig {
  const config = new pulumi.Config(CONFIG_NAMESPACE);
  const keys = Object.keys(namespaceEntries(pulumi.runtime.allConfig()));
  return parseStackConfig(Object.fromEntries(keys.map((key) => [key, config.get(key)])));
}
