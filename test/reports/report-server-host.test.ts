// `bitbench serve` against a hostile browser and hostile input: DNS rebinding (a Host header
// that does not name this server) answers 403; malformed run ids 400, unknown ones 404, never
// a 500; stored hostile text reaches the page escaped.
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAllowedHost } from '../../coordinator/serve/host-check.js';
import { createReportServer } from '../../coordinator/serve/report-server.js';
import { ResultStore } from '../../coordinator/store/result-store.js';
import { BIDI_OVERRIDE, MARKUP, RAW_CONTROL } from '../helpers/hostile-text.js';

const dir = mkdtempSync(join(tmpdir(), 'bitbench-serve-host-'));
const db = join(dir, 'results.sqlite');
const HOSTILE_MATRIX = `${MARKUP} \u009b31m ${BIDI_OVERRIDE}`;
let port = 0;

const server = (() => {
  const store = ResultStore.open(db);
  store.createRun({
    id: 'run-1',
    startedAt: '2025-03-01T10:00:00.000Z',
    matrixName: HOSTILE_MATRIX,
    matrix: { kernels: {} },
    orderSeed: 1,
    order: [],
    instanceType: 'local',
    fingerprint: { cpu: { modelName: MARKUP } },
    toolVersion: '0.1.0',
  });
  store.close();
  return createReportServer(db);
})();

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

/** A GET with exactly the Host header given (fetch would not let a test set it). */
function get(path: string, host: string | null = `127.0.0.1:${port}`): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (host !== null) headers.host = host;
    const req = request({ host: '127.0.0.1', port, path, headers, setHost: host !== null }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('serve: the Host header', () => {
  it('answers requests that name it: localhost, 127.0.0.1, [::1], with its port', async () => {
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `LOCALHOST:${port}`]) expect((await get('/', host)).status).toBe(200);
  });

  it('refuses a rebound name, another port, a missing or malformed header with 403', async () => {
    for (const host of [`evil.example:${port}`, `localhost.evil.example:${port}`, `127.0.0.1.nip.io:${port}`, 'localhost', `localhost:${port + 1}`, `localhost:${port}@evil`, `localhost:${port}, evil.example`]) {
      const { status, body } = await get('/', host);
      expect({ host, status }).toEqual({ host, status: 403 });
      expect(body).not.toContain('run-1');
    }
    const reportRebound = await get('/report?run=run-1', `evil.example:${port}`);
    expect(reportRebound.status).toBe(403);
    // No Host at all: Node refuses an HTTP/1.1 request without one (400) before the handler runs.
    const missing = await get('/', null);
    expect([400, 403]).toContain(missing.status);
    expect(missing.body).not.toContain('run-1');
  });

  it.each([
    ['localhost:8080', { port: 8080 }, true],
    ['[::1]:8080', { port: 8080 }, true],
    ['127.0.0.1:8080', { port: 8080, localAddress: '::ffff:127.0.0.1' }, true],
    ['10.0.0.5:8080', { port: 8080, localAddress: '10.0.0.5', listenHost: '0.0.0.0' }, true],
    ['[fe80::1]:8080', { port: 8080, localAddress: 'fe80::1' }, true],
    ['bench.lan:8080', { port: 8080, listenHost: 'bench.lan' }, true],
    ['localhost', { port: 80 }, true],
    ['0.0.0.0:8080', { port: 8080, listenHost: '0.0.0.0' }, false],
    ['10.0.0.6:8080', { port: 8080, localAddress: '10.0.0.5' }, false],
    ['evil.example:8080', { port: 8080, localAddress: '127.0.0.1' }, false],
    [undefined, { port: 8080 }, false],
  ])('isAllowedHost(%j, %j) is %j', (header, check, allowed) => {
    expect(isAllowedHost(header, check)).toBe(allowed);
  });
});

describe('serve: ids and hostile text', () => {
  it('answers malformed run ids with 400 and unknown ones with 404, never 500', async () => {
    for (const path of ['/report?run=%00', '/report?run=%1b%5b2J', '/report?run=%E2%80%AEabc', `/report?run=${'a'.repeat(300)}`, '/report?run=run-1&baseline=%20', '/report?run=%20%20']) {
      const { status, body } = await get(path);
      expect(status, path).toBe(400);
      expect(body).not.toMatch(RAW_CONTROL);
    }
    for (const path of ['/report?run=nope', '/report?run=%3Cscript%3E', '/report?run=run-1&baseline=other', '/report?run=%E0%A4%A', '/report', '/report?run=', '/nowhere']) {
      const { status, body } = await get(path);
      expect(status, path).toBe(404);
      expect(body).not.toMatch(/<script/i);
    }
    expect((await get('http://[/report')).status).toBe(400);
  });

  it('lists and renders stored hostile text escaped, with no control character', async () => {
    for (const path of ['/', '/report?run=run-1']) {
      const { status, body } = await get(path);
      expect(status, path).toBe(200);
      expect(body).not.toMatch(/<script|<img/i);
      expect(body).not.toMatch(RAW_CONTROL);
      expect(body).toContain('&lt;script&gt;');
    }
  });
});
