// Which machine measured a result: the EC2 instance id where there is one (two instances of one
// type are two hosts, whatever their hostnames), else the hostname. The report compares hosts of
// one instance type with this.
import { hostname } from 'node:os';

export function hostIdentity(fingerprint: { instance?: object } | undefined): string {
  const id = (fingerprint?.instance as { instanceId?: unknown } | undefined)?.instanceId;
  return typeof id === 'string' && id.trim() !== '' ? id : hostname();
}
