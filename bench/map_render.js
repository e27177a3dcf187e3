// map_render.js - how long headless Chromium takes to show an HTML map:
// from navigation start until the viewer has drawn the map and the browser
// has painted it (two animation frames after the viewer's ready mark).
// usage: node bench/map_render.js MAP.html [RUNS]
// Prints one line per run and "median_ms N nodes N edges N".
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const puppeteer = require('puppeteer-core'); // from NODE_PATH (build/node)

const [file, runsArg] = process.argv.slice(2);
const runs = Number(runsArg || 5);
(async () => {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'nsgproof-bench-'));
  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
           '--disable-component-update', '--disable-sync', '--no-first-run',
           '--user-data-dir=' + profile],
  });
  const times = [];
  let counts = null;
  for (let i = 0; i < runs; i++) {
    const page = await browser.newPage();
    await page.setViewport({ width: 1600, height: 1000 });
    await page.goto('file://' + path.resolve(file), { waitUntil: 'domcontentloaded' });
    await page.waitForSelector('body[data-ready="1"]', { timeout: 60000 });
    const r = await page.evaluate(() => new Promise((res) =>
      requestAnimationFrame(() => requestAnimationFrame(() => res({
        total: performance.now(),
        viewer: window.nsgMap.renderMs,
        counts: window.nsgMap.counts(),
      })))));
    console.log(`run ${i + 1}: ${r.total.toFixed(0)} ms to painted (viewer script ${r.viewer.toFixed(0)} ms)`);
    times.push(r.total);
    counts = r.counts;
    await page.close();
  }
  await browser.close();
  fs.rmSync(profile, { recursive: true, force: true });
  times.sort((a, b) => a - b);
  console.log(`median_ms ${times[Math.floor(times.length / 2)].toFixed(0)} nodes ${counts.nodes} edges ${counts.edges}`);
})().catch((e) => { console.error(e); process.exit(1); });
