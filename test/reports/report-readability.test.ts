// Reports read as a person reads them, in headless Chromium (Debian's `chromium`, driven by
// playwright-core): for a local run and for a fleet, no chart axis prints two equal tick labels,
// no text of a chart spills out of its SVG, the hostile strings stay text, and the sections a
// reader comes for are there (headline cards, the fleet overview, a roofline per instance type,
// checks apart). With BITBENCH_REPORT_SHOTS=DIR each section of the fleet report is also saved as
// a PNG there.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResultStore } from '../../coordinator/store/result-store.js';
import { buildReport } from '../../reports/build-report.js';
import { fillFleetStore, HOSTILE_CPU_MODEL } from '../fixtures/reports/fleet-fixture.js';
import { localRunInput } from '../fixtures/reports/local-run-fixture.js';

const CHROMIUM = '/usr/bin/chromium';

interface ChartFacts {
  title: string;
  duplicateTicks: string[];
  overflowing: string[];
}

async function fleetHtml(): Promise<string> {
  const store = ResultStore.open(':memory:');
  try {
    const fleet = fillFleetStore(store, { llamaQuants: ['tq2_0'] });
    const { html } = await buildReport({
      runs: fleet.runIds.map((id) => store.getRun(id)!),
      results: store.results({ runIds: fleet.runIds }),
      failures: store.failures(),
    }, { title: 'bitbench fleet report' });
    return html;
  } finally {
    store.close();
  }
}

describe.skipIf(!existsSync(CHROMIUM))('reports in headless Chromium: readable charts and sections', () => {
  let dir: string;
  let browser: Browser;
  const files: Record<'local' | 'fleet', string> = { local: '', fleet: '' };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bitbench-readability-'));
    files.local = join(dir, 'local.html');
    writeFileSync(files.local, (await buildReport(localRunInput(), { title: 'bitbench local run' })).html);
    files.fleet = join(dir, 'fleet.html');
    writeFileSync(files.fleet, await fleetHtml());
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function open(which: 'local' | 'fleet') {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto(pathToFileURL(files[which]).href, { waitUntil: 'load' });
    return { page, dialogs };
  }

  async function chartFacts(which: 'local' | 'fleet'): Promise<ChartFacts[]> {
    const { page } = await open(which);
    try {
      return await page.evaluate(() =>
        [...document.querySelectorAll('figure.chart')].map((figure) => {
          const svg = figure.querySelector('svg')!;
          const box = svg.getBoundingClientRect();
          const duplicateTicks: string[] = [];
          for (const axis of svg.querySelectorAll('g.role-axis')) {
            const labels = [...axis.querySelectorAll('g.role-axis-label text')].map((t) => t.textContent ?? '').filter((t) => t !== '');
            const seen = new Set<string>();
            for (const label of labels) {
              if (seen.has(label)) duplicateTicks.push(label);
              seen.add(label);
            }
          }
          const overflowing: string[] = [];
          for (const text of svg.querySelectorAll('text')) {
            const r = text.getBoundingClientRect();
            if (r.width === 0 && r.height === 0) continue;
            if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1) overflowing.push(text.textContent ?? '');
          }
          return { title: figure.querySelector('figcaption')?.textContent ?? '', duplicateTicks, overflowing };
        }),
      );
    } finally {
      await page.close();
    }
  }

  it.each(['local', 'fleet'] as const)('%s report: no axis repeats a tick label and no chart text leaves its SVG', async (which) => {
    const charts = await chartFacts(which);
    expect(charts.length).toBeGreaterThan(3);
    for (const chart of charts) {
      expect(chart.duplicateTicks, `${chart.title}: repeated tick labels`).toEqual([]);
      expect(chart.overflowing, `${chart.title}: text outside the SVG`).toEqual([]);
    }
    expect(charts.some((c) => /roofline/.test(c.title))).toBe(true);
  }, 60_000);

  it('fleet report: headline cards, overview maps, rankings and a roofline per instance type; hostile text stays text', async () => {
    const { page, dialogs } = await open('fleet');
    try {
      const facts = await page.evaluate(() => ({
        cards: [...document.querySelectorAll('#headline .headline-card h3')].map((h) => h.textContent),
        maps: [...document.querySelectorAll('#overview figure.chart figcaption')].map((f) => f.textContent),
        winners: document.querySelectorAll('#overview table.winners tbody tr').length,
        rankings: document.querySelectorAll('#overview .ranking').length,
        rooflines: [...document.querySelectorAll('section[id^="instance-"] figure.chart figcaption')].filter((f) => /roofline/.test(f.textContent ?? '')).length,
        verdictWords: document.querySelector('#overview table.winners')?.textContent ?? '',
        scripts: document.querySelectorAll('script').length,
        images: document.querySelectorAll('img').length,
        hostile: document.body.textContent?.includes('<script>alert(1)</script>') ?? false,
      }));
      expect(facts.cards).toEqual(['c7a.large', 'c7g.large', 'c7i.large']);
      expect(facts.maps).toEqual(['Decode tokens/s per instance type and path', 'Speedup over baseline per instance type and path', 'What bounds each path (decode)']);
      expect(facts.winners).toBe(5);
      expect(facts.rankings).toBe(5);
      expect(facts.rooflines).toBe(3);
      expect(facts.verdictWords).toMatch(/memory-bound at \d+% of the memory ceiling/);
      expect(facts.verdictWords).toMatch(/compute-bound at \d+% of the \S+ fp32 peak/);
      expect(facts.scripts).toBe(0);
      expect(facts.images).toBe(0);
      expect(facts.hostile).toBe(true);
      expect(dialogs).toEqual([]);

      const shots = process.env.BITBENCH_REPORT_SHOTS;
      if (shots) {
        mkdirSync(shots, { recursive: true });
        await page.setViewportSize({ width: 1400, height: 900 });
        for (const [name, selector] of [
          ['1-headline', '#headline'],
          ['2-fleet-overview', '#overview'],
          ['3-machines', '#machines'],
          ['4-instance-c7a-large', '#instance-c7a-large'],
          ['5-instance-c7g-large', '#instance-c7g-large'],
          ['6-instance-c7i-large', '#instance-c7i-large'],
          ['7-roofline-c7g-large', '#instance-c7g-large .roofline'],
        ] as const) {
          const element = page.locator(selector).first();
          if (name === '3-machines') {
            // The machine cards and the fleet-wide charts after them: from the heading to the first instance section.
            const clip = await page.evaluate(() => {
              const top = document.querySelector('#machines')!.getBoundingClientRect().top + window.scrollY;
              const bottom = document.querySelector('section[id^="instance-"]')!.getBoundingClientRect().top + window.scrollY;
              return { x: 0, y: top, width: 1400, height: Math.min(bottom - top, 6000) };
            });
            await page.screenshot({ path: join(shots, `${name}.png`), clip, fullPage: true });
          } else {
            await element.screenshot({ path: join(shots, `${name}.png`) });
          }
        }
      }
    } finally {
      await page.close();
    }
    expect(HOSTILE_CPU_MODEL).toContain('<script>');
  }, 60_000);

  it('local report: checks kept apart and marked, out of the charts and the headline', async () => {
    const { page } = await open('local');
    try {
      const facts = await page.evaluate(() => ({
        checkHeadings: [...document.querySelectorAll('h4')].filter((h) => h.querySelector('.check')).map((h) => h.textContent),
        chartText: [...document.querySelectorAll('figure.chart svg')].map((s) => s.textContent ?? '').join(' '),
        headline: document.querySelector('#headline .cards')?.textContent ?? '',
        timeUnits: [...document.querySelectorAll('figure.chart svg g.role-axis-title text')].map((t) => t.textContent ?? '').filter((t) => /per call/.test(t)),
      }));
      expect(facts.checkHeadings).toEqual(['Kernel checks check', 'Model checks check']);
      expect(facts.chartText).not.toContain('64x64');
      expect(facts.chartText).not.toMatch(/\btiny\b/);
      expect(facts.headline).toContain('bitnet-b1.58-2b-4t');
      expect(facts.headline).not.toMatch(/\btiny\b/);
      expect(facts.timeUnits.length).toBeGreaterThan(0);
      for (const title of facts.timeUnits) expect(title).toMatch(/^median (µs|ms) per call/);
    } finally {
      await page.close();
    }
  }, 60_000);
});
