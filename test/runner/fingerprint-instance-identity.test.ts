// EC2 identity through IMDSv2, against a loopback emulator. No test here may reach
// 169.254.169.254: every call names a 127.0.0.1 endpoint, and the environment's default
// points at a closed loopback port in case one forgets.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { instanceIdentity } from '../../runner/fingerprint/instance-identity.js';

const TOKEN = 'AQAEAKZ-test-token==';

interface Emulator {
  endpoint: string;
  requests: { method: string; url: string; token: string | undefined; ttl: string | undefined }[];
  close(): Promise<void>;
}

const servers: Server[] = [];

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; endpoint: string }> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

async function close(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** IMDSv2 as EC2 serves it: a PUT for a token, then GETs that must carry it (401 without). */
async function imdsEmulator(metadata: Record<string, string>, options: { tokenStatus?: number } = {}): Promise<Emulator> {
  const requests: Emulator['requests'] = [];
  const { server, endpoint } = await listen((req, res) => {
    const token = req.headers['x-aws-ec2-metadata-token'] as string | undefined;
    const ttl = req.headers['x-aws-ec2-metadata-token-ttl-seconds'] as string | undefined;
    requests.push({ method: req.method!, url: req.url!, token, ttl });
    if (req.url === '/latest/api/token') {
      if (req.method !== 'PUT') return void res.writeHead(405).end();
      if (options.tokenStatus) return void res.writeHead(options.tokenStatus).end();
      if (!ttl || !/^\d+$/.test(ttl)) return void res.writeHead(400).end();
      return void res.writeHead(200, { 'content-type': 'text/plain' }).end(TOKEN);
    }
    if (token !== TOKEN) return void res.writeHead(401).end();
    const key = req.url!.replace(/^\/latest\/meta-data\//, '');
    const value = metadata[key];
    if (req.method !== 'GET' || value === undefined) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/plain' }).end(value);
  });
  return { endpoint, requests, close: () => close(server) };
}

const SPOT_M7I = {
  'instance-type': 'm7i.large',
  'instance-id': 'i-0123456789abcdef0',
  'placement/region': 'us-east-1',
  'placement/availability-zone': 'us-east-1b',
  'instance-life-cycle': 'spot',
};

let savedEndpoint: string | undefined;
beforeAll(() => {
  savedEndpoint = process.env.BITBENCH_IMDS_ENDPOINT;
  process.env.BITBENCH_IMDS_ENDPOINT = 'http://127.0.0.1:9';
});
afterAll(() => {
  if (savedEndpoint === undefined) delete process.env.BITBENCH_IMDS_ENDPOINT;
  else process.env.BITBENCH_IMDS_ENDPOINT = savedEndpoint;
});
afterEach(async () => {
  for (const server of servers.splice(0)) if (server.listening) await close(server);
});

describe('instanceIdentity', () => {
  it('reads type, id, region, zone and lifecycle with an IMDSv2 token', async () => {
    const imds = await imdsEmulator(SPOT_M7I);
    const identity = await instanceIdentity({ endpoint: imds.endpoint, timeoutMs: 2000 });
    expect(identity).toEqual({
      source: 'imds',
      instanceType: 'm7i.large',
      instanceId: 'i-0123456789abcdef0',
      region: 'us-east-1',
      zone: 'us-east-1b',
      lifecycle: 'spot',
    });
    expect(imds.requests[0]).toEqual({ method: 'PUT', url: '/latest/api/token', token: undefined, ttl: '21600' });
    const gets = imds.requests.slice(1);
    expect(gets.map((r) => r.url).sort()).toEqual(
      ['instance-type', 'instance-id', 'placement/region', 'placement/availability-zone', 'instance-life-cycle'].map((k) => `/latest/meta-data/${k}`).sort(),
    );
    expect(gets.every((r) => r.method === 'GET' && r.token === TOKEN)).toBe(true);
  });

  it('the emulator refuses a GET without the token, as IMDSv2 does', async () => {
    const imds = await imdsEmulator(SPOT_M7I);
    const res = await fetch(`${imds.endpoint}/latest/meta-data/instance-type`);
    expect(res.status).toBe(401);
  });

  it('leaves a missing key null (an older instance without instance-life-cycle)', async () => {
    const { 'instance-life-cycle': _, ...rest } = SPOT_M7I;
    const imds = await imdsEmulator(rest);
    expect(await instanceIdentity({ endpoint: imds.endpoint, timeoutMs: 2000 })).toMatchObject({
      source: 'imds', instanceType: 'm7i.large', lifecycle: null,
    });
  });

  it('is local when the token is refused (IMDS disabled, or a hop limit a container cannot reach)', async () => {
    const imds = await imdsEmulator(SPOT_M7I, { tokenStatus: 403 });
    expect(await instanceIdentity({ endpoint: imds.endpoint, timeoutMs: 2000 })).toEqual({
      source: 'none', instanceType: 'local', reason: 'no IMDSv2 token (HTTP 403)',
    });
  });

  it('is local when something else answers with a page (a proxy, a captive portal)', async () => {
    const { endpoint } = await listen((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Sign in</body></html>'));
    expect(await instanceIdentity({ endpoint, timeoutMs: 2000 })).toMatchObject({ source: 'none', instanceType: 'local' });
  });

  it('is local, at once, when nothing listens', async () => {
    const { server, endpoint } = await listen(() => {});
    await close(server);
    const identity = await instanceIdentity({ endpoint, timeoutMs: 2000 });
    expect(identity).toMatchObject({ source: 'none', instanceType: 'local' });
    // The refusal itself is the reason: the lookup ended on it, not on the deadline.
    expect(identity.source === 'none' && identity.reason).toMatch(/ECONNREFUSED/);
    expect(identity.source === 'none' && identity.reason).not.toMatch(/within/);
  });

  it('is local within the deadline when the service accepts but never answers', async () => {
    let asked = 0;
    const { endpoint } = await listen(() => void asked++);
    const identity = await instanceIdentity({ endpoint, timeoutMs: 200 });
    // The service was reached and never answered: only the deadline can have ended the lookup.
    expect(asked).toBeGreaterThan(0);
    expect(identity).toEqual({ source: 'none', instanceType: 'local', reason: expect.stringMatching(/no answer from 127\.0\.0\.1:\d+ within 200 ms/) });
  });

  it('keeps one deadline for the whole exchange, not one per request', async () => {
    const { endpoint } = await listen((req, res) => {
      const answer = req.url === '/latest/api/token' ? TOKEN : 'm7i.large';
      setTimeout(() => res.writeHead(200).end(answer), 150);
    });
    // Each request answers well inside 250 ms, the token and the GETs after it together do not:
    // a deadline per request would accept this, one for the exchange refuses it. A loaded
    // machine only makes the exchange slower, so this cannot pass by chance.
    const identity = await instanceIdentity({ endpoint, timeoutMs: 250 });
    expect(identity).toMatchObject({ source: 'none', instanceType: 'local' });
    expect(identity.source === 'none' && identity.reason).toMatch(/within 250 ms/);
  });

  it('uses BITBENCH_IMDS_ENDPOINT when no endpoint is given', async () => {
    const imds = await imdsEmulator({ 'instance-type': 'c7g.xlarge' });
    const identity = await instanceIdentity({ env: { BITBENCH_IMDS_ENDPOINT: imds.endpoint }, timeoutMs: 2000 });
    expect(identity).toMatchObject({ source: 'imds', instanceType: 'c7g.xlarge', instanceId: null });
  });

  it('asks nothing when AWS_EC2_METADATA_DISABLED=true', async () => {
    const imds = await imdsEmulator(SPOT_M7I);
    const identity = await instanceIdentity({ env: { BITBENCH_IMDS_ENDPOINT: imds.endpoint, AWS_EC2_METADATA_DISABLED: 'true' } });
    expect(identity).toEqual({ source: 'none', instanceType: 'local', reason: 'AWS_EC2_METADATA_DISABLED=true' });
    expect(imds.requests).toHaveLength(0);
  });

  it('is local for an endpoint that is not an http URL, and rejects a bad timeout', async () => {
    expect(await instanceIdentity({ endpoint: 'not a url' })).toMatchObject({ source: 'none', reason: 'not a URL: not a url' });
    expect(await instanceIdentity({ endpoint: 'https://127.0.0.1:1' })).toMatchObject({ source: 'none', reason: expect.stringMatching(/plain http/) });
    await expect(instanceIdentity({ endpoint: 'http://127.0.0.1:9', timeoutMs: 0 })).rejects.toThrow(/positive number for timeoutMs/);
  });
});
