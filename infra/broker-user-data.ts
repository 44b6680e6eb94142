// The boot script of the `ec2` broker: Redis from Amazon Linux's own package, with a password
// read from SSM Parameter Store (never in this script), append-only file on, and noeviction,
// the policy BullMQ needs (an evicted job key is a lost job).
import { RETRY_FUNCTION, selfDestructLine, shellConstants } from './shell-text.js';

/** Amazon Linux 2023 packages Redis as `redis6`: service, binary and config carry that name. */
export const REDIS_PACKAGE = 'redis6';
export const REDIS_CONFIG_FILE = '/etc/redis6/redis6.conf';

export interface BrokerUserDataInput {
  region: string;
  /** Name of the SecureString parameter holding the Redis password. */
  passwordParameter: string;
  ttlMinutes: number;
}

/** Settings appended to the packaged config; in redis.conf a later line wins. */
export const BROKER_REDIS_SETTINGS = ['bind 0.0.0.0', 'port 6379', 'protected-mode yes', 'appendonly yes', 'appendfsync everysec', 'maxmemory-policy noeviction'] as const;

export function renderBrokerUserData(input: BrokerUserDataInput): string {
  const constants = shellConstants({
    REGION: input.region,
    PASSWORD_PARAMETER: input.passwordParameter,
    REDIS_CONFIG: REDIS_CONFIG_FILE,
  });
  const settings = BROKER_REDIS_SETTINGS.map((line) => `  echo '${line}'`).join('\n');
  return `#!/bin/bash
# bitbench broker (Redis for BullMQ), rendered by infra/broker-user-data.ts.
set -euo pipefail

# Before anything that can fail (see selfDestructLine).
${selfDestructLine(input.ttlMinutes)}

${constants}

${RETRY_FUNCTION}

retry dnf install -y ${REDIS_PACKAGE}
PASSWORD="$(retry aws ssm get-parameter --region "$REGION" --name "$PASSWORD_PARAMETER" --with-decryption --query Parameter.Value --output text)"

# printf is a shell builtin: the password never shows in a process list.
{
${settings}
  printf 'requirepass %s\\n' "$PASSWORD"
} >> "$REDIS_CONFIG"
unset PASSWORD

systemctl enable --now ${REDIS_PACKAGE}
`;
}
