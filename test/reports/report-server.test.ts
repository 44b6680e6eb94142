// `bitbench serve`: read-only, loopback, lists runs, renders reports and comparisons, escapes
// what results carry, refuses writes and unknown runs.
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReportServer } from '../../coordinator/serve/report-server.js';
import { ResultStore } from '../../coordinator/store/result-store.js';
import { fillFleetStore, HOSTILE_CPU_MODEL, type FleetFixture } from '../fixtures/reports/fleet-fixture.js';

let base = '';
let fleet: FleetFixture;
const server = (() => {
  const dir = mkdtempSync(join(tmpdir(), 'bitbench-serve-'));
  const db = join(dir, 'results.sqlite');
  const store = ResultStore.open(db);
  fleet = fillFleetStore(store);
  store.close();
  return createReportServer(db);
})();

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('report server', () => {
  it('lists every run with links to its report and a comparison with the previous run', async () => {
    const response = await fetch(`${base}/`);
    expect(response.status).toBe(200);
    const html = await response.text();
    for (const id of [...fleet.runIds, fleet.baselineRunId]) expect(html).toContain(`/report?run=${id}`);
    expect(html).toContain(`baseline=${fleet.baselineRunId}`);
    expect(html).not.toMatch(/<script/i);
  });

  it('renders a report of several runs, escaped, with no script', async () => {
    const query = fleet.runIds.map((id) => `run=${encodeURIComponent(id)}`).join('&');
    const response = await fetch(`${base}/report?${query}`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('<svg');
    expect(html).not.toContain(HOSTILE_CPU_MODEL);
    expect(html).not.toMatch(/<script/i);
  });

  it('renders a comparison with a baseline run', async () => {
    const response = await fetch(`${base}/report?run=${fleet.runIds[0]}&baseline=${fleet.baselineRunId}`);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/regress/i);
  });

  it('answers unknown runs with 404 naming them, and refuses writes', async () => {
    const missing = await fetch(`${base}/report?run=%3Cimg%20src%3Dx%3E`);
    expect(missing.status).toBe(404);
    const text = await missing.text();
    expect(text).toContain('&lt;img src=x&gt;');
    expect((await fetch(`${base}/nowhere`)).status).toBe(404);
    const post = await fetch(`${base}/report`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
  });
});
