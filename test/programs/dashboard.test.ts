// The live dashboard in a real browser (Debian's Chromium driven by playwright-core): under
// load, its charts must show the traffic. A screenshot is kept in .test-artifacts/.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { get, until } from '../helpers/http';
import { steadyLoad } from '../helpers/load';
import { FIXTURES, ROOT, startApp } from '../helpers/processes';

const BROWSER_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

test('the first frame shows the figures, before any fetch of the page has returned', async () => {
  const app = await startApp(join(FIXTURES, 'pool-app.js'), ['--info-url', '/_gopool', '--monitor-token', 'dash', '--name', 'first-frame']);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: BROWSER_ARGS });
  try {
    for (let i = 0; i < 20; i++) await get(`${app.url}/thread`);
    // Two history points at least, so that the charts have a line to draw.
    await until(async () => (await get(`${app.url}/_gopool/history?token=dash`)).json().length >= 2);
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    // The page's own requests for figures are held for the whole test: whatever it shows comes
    // with the page itself.
    let held = 0;
    await page.route(
      (url) => url.pathname === '/_gopool' || url.pathname === '/_gopool/history',
      () => {
        held++;
      },
    );
    await page.goto(`${app.url}/_gopool/dashboard?token=dash`, { waitUntil: 'load' });
    const seen = (await page.evaluate(`(() => {
      const d = window.gopoolDashboard;
      const canvas = document.getElementById('throughput');
      const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let ink = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i + 3] > 200 && Math.abs(data[i] - 0x38) < 30 && Math.abs(data[i + 1] - 0xbd) < 30 && Math.abs(data[i + 2] - 0xf8) < 30) ink++;
      return {
        firstFrame: d.firstFrame, updates: d.updates, points: d.series.t.length, ink,
        title: document.getElementById('title').textContent,
        state: document.getElementById('state').textContent,
        threads: document.getElementById('threads').textContent,
        routes: [...document.querySelectorAll('#route-table tbody tr td:first-child')].map((td) => td.textContent),
      };
    })()`)) as { firstFrame: boolean; updates: number; points: number; ink: number; title: string; state: string; threads: string; routes: string[] };
    mkdirSync(join(ROOT, '.test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(ROOT, '.test-artifacts', `dashboard-first-frame-node${process.versions.node.split('.')[0]}.png`), fullPage: true });
    await until(async () => held >= 1); // the page does poll: its requests were held
    assert.equal(seen.firstFrame, true);
    assert.equal(seen.updates, 0, 'no fetch has returned');
    assert.equal(seen.title, 'gopool · first-frame');
    assert.equal(seen.state, 'ready');
    assert.match(seen.threads, /^\d+ \/ \d+$/);
    assert.ok(seen.routes.includes('GET /thread'), `routes listed: ${seen.routes.join(', ')}`);
    assert.ok(seen.points >= 3, `history and the snapshot charted: ${seen.points} points`);
    assert.ok(seen.ink > 50, `throughput line drawn: ${seen.ink} pixels`);
  } finally {
    await browser.close();
    await app.stop();
  }
});

test('the dashboard charts throughput, latency and threads live, under load', async () => {
  const app = await startApp(join(FIXTURES, 'pool-app.js'), ['--info-url', '/_gopool', '--monitor-token', 'dash', '--max-threads', '2']);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: BROWSER_ARGS });
  // The load lasts until the page has charted it, however long the browser takes to get there
  // on a busy machine (bounded by the 60 s of the loads).
  const cheap = steadyLoad(`${app.url}/thread`, { connections: 4, durationMs: 60_000 });
  const heavy = steadyLoad(`${app.url}/spin/20`, { connections: 2, durationMs: 60_000 });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${app.url}/_gopool/dashboard?token=dash`);
    // Wait for several live updates showing traffic, then look at what was drawn.
    await page.waitForFunction(
      '(() => { const d = window.gopoolDashboard; return d.updates >= 4 && d.series.rps.at(-1) > 10 && d.series.threads.at(-1) >= 1; })()',
      undefined,
      { timeout: 20_000 },
    );
    // Browser-side code as a string: the test's TypeScript is compiled with helpers that do not
    // exist in the page.
    const seen = (await page.evaluate(`(() => {
      const d = window.gopoolDashboard;
      // Pixels in the chart colour of each series: the lines were really drawn.
      // Series can overlap exactly (threads == busy), so count any of a chart's colours.
      const inked = (id, ...colours) => {
        const canvas = document.getElementById(id);
        const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
        let n = 0;
        for (let i = 0; i < data.length; i += 4) {
          if (data[i + 3] > 200 && colours.some((rgb) => Math.abs(data[i] - rgb[0]) < 30 && Math.abs(data[i + 1] - rgb[1]) < 30 && Math.abs(data[i + 2] - rgb[2]) < 30)) n++;
        }
        return n;
      };
      return {
        errors: d.errors,
        maxRps: Math.max(...d.series.rps),
        maxP99: Math.max(...d.series.p99),
        maxThreads: Math.max(...d.series.threads),
        throughputInk: inked('throughput', [0x38, 0xbd, 0xf8]),
        latencyInk: inked('latency', [0xf4, 0x72, 0xb6]),
        poolInk: inked('pool', [0x38, 0xbd, 0xf8], [0xfa, 0xcc, 0x15], [0xf8, 0x71, 0x71]),
        routes: [...document.querySelectorAll('#route-table tbody tr td:first-child')].map((td) => td.textContent),
        threadRows: document.querySelectorAll('#thread-table tbody tr').length,
        state: document.getElementById('state').textContent,
      };
    })()`)) as {
      errors: number;
      maxRps: number;
      maxP99: number;
      maxThreads: number;
      throughputInk: number;
      latencyInk: number;
      poolInk: number;
      routes: string[];
      threadRows: number;
      state: string;
    };
    mkdirSync(join(ROOT, '.test-artifacts'), { recursive: true });
    await page.screenshot({ path: join(ROOT, '.test-artifacts', `dashboard-node${process.versions.node.split('.')[0]}.png`), fullPage: true });
    assert.equal(seen.errors, 0);
    assert.equal(seen.state, 'ready');
    assert.ok(seen.maxRps > 10, `throughput charted: ${seen.maxRps}`);
    assert.ok(seen.maxP99 >= 20, `latency of the 20 ms route charted: ${seen.maxP99}`);
    assert.ok(seen.maxThreads >= 1);
    assert.ok(seen.throughputInk > 50 && seen.latencyInk > 50 && seen.poolInk > 50, `lines drawn: ${JSON.stringify(seen)}`);
    assert.ok(seen.routes.includes('GET /thread') && seen.routes.includes('GET /spin/:ms'), `routes listed: ${seen.routes.join(', ')}`);
    assert.ok(seen.threadRows >= 1);
  } finally {
    cheap.stop();
    heavy.stop();
    await Promise.all([cheap.done, heavy.done]);
    await browser.close();
    await app.stop();
  }
});
