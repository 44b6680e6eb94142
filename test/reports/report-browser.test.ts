// The report in a real browser: headless Chromium (Debian's `chromium`, driven by
// playwright-core) opens the file offline: no console error, no script run, no request beyond
// the file, every chart drawn with marks; a screenshot is kept as a test artifact
// (BITBENCH_TEST_ARTIFACTS, default a folder under the system temp dir).
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResultStore } from '../../coordinator/store/result-store.js';
import { buildReport } from '../../reports/build-report.js';
import { fillFleetStore } from '../fixtures/reports/fleet-fixture.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = process.env.BITBENCH_TEST_ARTIFACTS ?? join(tmpdir(), 'bitbench-test-artifacts');

describe.skipIf(!existsSync(CHROMIUM))('the HTML report in headless Chromium', () => {
  let dir: string;
  let file: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bitbench-browser-'));
    const store = ResultStore.open(':memory:');
    try {
      // With llama.cpp rows: its bars in the model charts, the engine comparison tables.
      const fleet = fillFleetStore(store, { llamaQuants: ['tq2_0', 'bf16'] });
      const { html } = await buildReport({
        runs: fleet.runIds.map((id) => store.getRun(id)!),
        results: store.results({ runIds: fleet.runIds }),
        failures: store.failures(),
        baseline: { runs: [store.getRun(fleet.baselineRunId)!], results: store.results({ runIds: [fleet.baselineRunId] }) },
      });
      file = join(dir, 'report.html');
      writeFileSync(file, html);
    } finally {
      store.close();
    }
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('opens offline with no error, runs nothing and draws every chart', async () => {
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const errors: string[] = [];
      const dialogs: string[] = [];
      const requests: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error') errors.push(message.text());
      });
      page.on('pageerror', (error) => errors.push(String(error)));
      page.on('dialog', (dialog) => {
        dialogs.push(dialog.message());
        void dialog.dismiss();
      });
      page.on('request', (request) => requests.push(request.url()));
      const url = pathToFileURL(file).href;
      await page.goto(url, { waitUntil: 'load' });

      const charts = await page.evaluate(() =>
        [...document.querySelectorAll('figure.chart')].map((figure) => ({
          svg: figure.querySelector('svg') !== null,
          marks: figure.querySelectorAll('[aria-roledescription="bar"], [aria-roledescription="line mark"], [aria-roledescription="tick"], [aria-roledescription="point"], [aria-roledescription="rect mark"], g.mark-symbol.role-mark > path').length,
          width: figure.querySelector('svg')?.getBoundingClientRect().width ?? 0,
        })),
      );
      const scripts = await page.evaluate(() => document.querySelectorAll('script').length);
      const hostileImages = await page.evaluate(() => document.querySelectorAll('img').length);
      const engineTables = await page.evaluate(() => [...document.querySelectorAll('table.engines')].map((t) => t.querySelectorAll('tbody tr').length));

      mkdirSync(ARTIFACTS, { recursive: true });
      await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });

      expect(errors).toEqual([]);
      expect(dialogs).toEqual([]);
      expect(requests).toEqual([url]);
      expect(scripts).toBe(0);
      expect(hostileImages).toBe(0);
      expect(charts.length).toBeGreaterThanOrEqual(18);
      // The fleet table (3 instance types x 2 batches), then one per instance type.
      expect(engineTables).toEqual([6, 2, 2, 2]);
      for (const chart of charts) {
        expect(chart.svg).toBe(true);
        expect(chart.marks).toBeGreaterThan(0);
        expect(chart.width).toBeGreaterThan(0);
      }
    } finally {
      await browser.close();
    }
  });
});
