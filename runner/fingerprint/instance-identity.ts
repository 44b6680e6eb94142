// Which EC2 instance this is, from the instance metadata service (IMDSv2: a session token from
// a PUT, then GETs that carry it). Off EC2 nothing answers at 169.254.169.254, so one short
// deadline covers the whole exchange and any failure means `local`: a fingerprint must never
// hang or fail because the machine is not a cloud instance.
import { request } from 'node:http';

export const DEFAULT_IMDS_ENDPOINT = 'http://169.254.169.254';
export const DEFAULT_IMDS_TIMEOUT_MS = 300;
const TOKEN_TTL_SECONDS = '21600';
// IMDS answers are a few bytes; anything longer is not IMDS.
const MAX_BODY_BYTES = 64 * 1024;

export interface InstanceIdentityOptions {
  /** Base URL of the metadata service; default BITBENCH_IMDS_ENDPOINT, else http://169.254.169.254. */
  endpoint?: string;
  /** Deadline for the whole exchange (token and every GET), in ms; default 300. */
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface Ec2Identity {
  source: 'imds';
  instanceType: string;
  instanceId: string | null;
  region: string | null;
  zone: string | null;
  /** 'spot' or 'on-demand' (what instance-life-cycle says). */
  lifecycle: string | null;
}

export interface LocalIdentity {
  source: 'none';
  instanceType: 'local';
  /** Why no identity: not asked, disabled, timed out, refused, not IMDS... */
  reason: string;
}

export type InstanceIdentity = Ec2Identity | LocalIdentity;

export function localIdentity(reason: string): LocalIdentity {
  return { source: 'none', instanceType: 'local', reason };
}

interface Reply {
  status: number;
  body: string;
}

function call(method: 'GET' | 'PUT', url: URL, headers: Record<string, string>, signal: AbortSignal): Promise<Reply> {
  return new Promise((resolve, reject) => {
    // agent: false: one connection per request, nothing pooled that could keep the process alive.
    const req = request(url, { method, headers, signal, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BODY_BYTES) {
          req.destroy(new Error('reply too large for IMDS'));
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

// What IMDS returns for these keys: short tokens without spaces ("m7i.large", "i-0abc...",
// "us-east-1", "us-east-1a", "spot"). A captive portal or proxy answering with a page is not IMDS.
function plausibleValue(text: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/.test(text);
}

/** An IMDSv2 session: a token from a PUT, then GETs that carry it; null without a token. */
async function openSession(base: URL, signal: AbortSignal): Promise<{ status: number; get: (key: string) => Promise<Reply> } | { status: number; get: null }> {
  const token = await call('PUT', new URL('/latest/api/token', base), { 'X-aws-ec2-metadata-token-ttl-seconds': TOKEN_TTL_SECONDS }, signal);
  const tokenText = token.body.trim();
  if (token.status !== 200 || tokenText === '' || /\s/.test(tokenText)) return { status: token.status, get: null };
  const headers = { 'X-aws-ec2-metadata-token': tokenText };
  return { status: token.status, get: (key: string) => call('GET', new URL(`/latest/meta-data/${key}`, base), headers, signal) };
}

async function fetchIdentity(base: URL, signal: AbortSignal): Promise<InstanceIdentity> {
  const session = await openSession(base, signal);
  if (!session.get) return localIdentity(`no IMDSv2 token (HTTP ${session.status})`);
  const read = session.get;
  const get = async (key: string): Promise<string | null> => {
    const reply = await read(key);
    const text = reply.body.trim();
    return reply.status === 200 && plausibleValue(text) ? text : null;
  };
  const [instanceType, instanceId, region, zone, lifecycle] = await Promise.all(
    ['instance-type', 'instance-id', 'placement/region', 'placement/availability-zone', 'instance-life-cycle'].map(get),
  );
  if (!instanceType) return localIdentity('IMDS gave no instance-type');
  return { source: 'imds', instanceType, instanceId: instanceId ?? null, region: region ?? null, zone: zone ?? null, lifecycle: lifecycle ?? null };
}

/**
 * This machine's EC2 identity through IMDSv2, or `{ instanceType: 'local', source: 'none' }`
 * on any failure or after `timeoutMs`; rejects only for a timeoutMs that is not a positive
 * number. AWS_EC2_METADATA_DISABLED=true (the AWS SDKs' switch) skips the request.
 */
function imdsBase(options: InstanceIdentityOptions): { base: URL; timeoutMs: number } | { skip: string } {
  const env = options.env ?? process.env;
  if (env.AWS_EC2_METADATA_DISABLED?.trim().toLowerCase() === 'true') return { skip: 'AWS_EC2_METADATA_DISABLED=true' };
  const endpoint = options.endpoint ?? (env.BITBENCH_IMDS_ENDPOINT?.trim() || DEFAULT_IMDS_ENDPOINT);
  const timeoutMs = options.timeoutMs ?? DEFAULT_IMDS_TIMEOUT_MS;
  if (!(Number.isFinite(timeoutMs) && timeoutMs > 0)) {
    throw new RangeError(`Expected a positive number for timeoutMs but received ${String(timeoutMs)}`);
  }
  let base: URL;
  try {
    base = new URL(endpoint);
  } catch {
    return { skip: `not a URL: ${endpoint}` };
  }
  if (base.protocol !== 'http:') return { skip: `IMDS is plain http, not ${base.protocol} (${endpoint})` };
  return { base, timeoutMs };
}

/**
 * One metadata key's text (e.g. 'spot/instance-action'), or null when IMDS is off, unreachable,
 * or answers anything but 200 (a 404 is how IMDS says "no such thing yet").
 */
export async function readImdsKey(key: string, options: InstanceIdentityOptions = {}): Promise<string | null> {
  const where = imdsBase(options);
  if ('skip' in where) return null;
  try {
    const session = await openSession(where.base, AbortSignal.timeout(where.timeoutMs));
    if (!session.get) return null;
    const reply = await session.get(key);
    return reply.status === 200 ? reply.body : null;
  } catch {
    return null;
  }
}

export async function instanceIdentity(options: InstanceIdentityOptions = {}): Promise<InstanceIdentity> {
  const where = imdsBase(options);
  if ('skip' in where) return localIdentity(where.skip);
  const { base, timeoutMs } = where;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    return await fetchIdentity(base, signal);
  } catch (error) {
    if (signal.aborted) return localIdentity(`no answer from ${base.host} within ${timeoutMs} ms`);
    const code = (error as { code?: string }).code;
    return localIdentity(`${base.host}: ${code ?? (error instanceof Error ? error.message : String(error))}`);
  }
}
