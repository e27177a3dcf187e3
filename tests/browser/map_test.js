// map_test.js - drives the HTML map of the sample in a real browser
// (Debian's chromium, headless, through puppeteer-core; no browser is
// downloaded): node and edge counts, every filter, reset, hover, the side
// pane, collapsing and expanding, the traffic layer, no network request,
// no script error; screenshots into the output directory.
// usage: node map_test.js TOPOLOGY.html TRAFFIC.html COLLAPSED.html OUTDIR
// Prints "N passed, M failed" last; exits 1 on any failure.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const puppeteer = require('puppeteer-core');

const [topo, traffic, collapsed, outDir] = process.argv.slice(2);
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
let passed = 0, failed = 0;

function ok(cond, what) {
  if (cond) passed++;
  else { failed++; console.log('FAIL: ' + what); }
}
function eq(got, want, what) {
  const g = JSON.stringify(got), w = JSON.stringify(want);
  ok(g === w, `${what}: got ${g}, want ${w}`);
}

async function open(browser, file, errors, requests) {
  const page = await browser.newPage();
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('request', (r) => requests.push(r.url()));
  await page.setViewport({ width: 1600, height: 1000 });
  await page.goto('file://' + path.resolve(file));
  await page.waitForSelector('body[data-ready="1"]', { timeout: 15000 });
  return page;
}

const counts = (page) => page.evaluate(() => ({
  nodes: document.querySelectorAll('#map .node').length,
  edges: document.querySelectorAll('#map .edge').length,
}));
// Names of the shown nodes of a kind, sorted.
const shown = (page, kind) => page.evaluate((k) => {
  const doc = window.nsgMap.doc;
  return Array.from(document.querySelectorAll('#map .node.' + k))
    .map((g) => doc.nodes.find((n) => n.id === g.getAttribute('data-id')).name).sort();
}, kind);

async function setZone(page, value) {
  await page.select('#zone', value);
}
async function setCheck(page, id, on) {
  const cur = await page.$eval('#' + id, (c) => c.checked);
  if (cur !== on) await page.click('#' + id);
}

async function topologyTests(browser) {
  const errors = [], requests = [];
  const page = await open(browser, topo, errors, requests);
  eq(await counts(page), { nodes: 14, edges: 1 }, 'topology: all nodes and the peering');
  eq(await shown(page, 'vnet'), ['vnet-hub', 'vnet-spoke'], 'topology: vnets');
  eq((await shown(page, 'nic')).length, 8, 'topology: 8 NICs');
  eq(await page.$$eval('#map .nic.facing', (a) => a.length), 3, 'three internet-facing NICs marked');
  eq(await page.$eval('#map .node[data-id]', () =>
    document.querySelector('#map .nic.sev-high') !== null), true, 'a High NIC is coloured');
  const fill = await page.evaluate(() => {
    const f = (sel) => getComputedStyle(document.querySelector(sel + ' > rect')).fill;
    return { high: f('#map .nic.sev-high'), none: f('#map .nic:not([class*="sev-"])') };
  });
  ok(fill.high !== fill.none, `severity colour differs: ${fill.high} vs ${fill.none}`);
  await page.screenshot({ path: path.join(outDir, 'topology.png') });

  // network zones
  await setZone(page, 'facing');
  eq(await shown(page, 'nic'), ['vm-jump-1', 'vm-web-1', 'vm-web-2'], 'zone internet-facing: NICs');
  eq(await counts(page), { nodes: 6, edges: 0 }, 'zone internet-facing: counts');
  await page.screenshot({ path: path.join(outDir, 'zone-internet-facing.png') });
  await setZone(page, 'internal');
  eq(await shown(page, 'nic'), ['vm-app-1', 'vm-app-2', 'vm-db-1', 'vm-db-2', 'vm-nva-1'],
     'zone internal: NICs');
  eq(await counts(page), { nodes: 10, edges: 1 }, 'zone internal: counts');
  await setZone(page, 'peered');
  eq(await counts(page), { nodes: 14, edges: 1 }, 'zone peered: both vnets are peered');
  const spoke = await page.evaluate(() =>
    window.nsgMap.doc.nodes.find((n) => n.name === 'vnet-spoke').id);
  await setZone(page, 'vnet:' + spoke);
  eq(await shown(page, 'nic'), ['vm-app-1', 'vm-app-2', 'vm-db-1', 'vm-db-2'], 'zone one vnet: NICs');
  eq(await counts(page), { nodes: 7, edges: 0 }, 'zone one vnet: counts');
  await setZone(page, 'all');

  // severities: only resources with recommendations of chosen severities
  await setCheck(page, 'sev-none', false);
  eq(await shown(page, 'nic'), ['vm-jump-1', 'vm-nva-1', 'vm-web-1', 'vm-web-2'],
     'with findings only: NICs');
  eq(await shown(page, 'subnet'), ['snet-db', 'snet-mgmt', 'snet-web'], 'with findings only: subnets');
  await setCheck(page, 'sev-medium', false);
  await setCheck(page, 'sev-low', false);
  eq(await shown(page, 'nic'), ['vm-web-1', 'vm-web-2'], 'High only: NICs');
  eq(await counts(page), { nodes: 4, edges: 0 }, 'High only: counts');
  await page.screenshot({ path: path.join(outDir, 'high-only.png') });

  // recommendations: only the chosen ones
  await page.click('#reset');
  eq(await counts(page), { nodes: 14, edges: 1 }, 'reset restores the map');
  eq(await page.$eval('#sev-medium', (c) => c.checked), true, 'reset restores the filters');
  await setCheck(page, 'sev-none', false);
  const recs = await page.$$eval('#recs input', (a) => a.map((c) => c.id));
  for (const r of recs) await setCheck(page, r, r === 'rec-ip-forwarding');
  eq(await shown(page, 'nic'), ['vm-nva-1'], 'recommendation ip-forwarding: NICs');
  eq(await counts(page), { nodes: 3, edges: 0 }, 'recommendation ip-forwarding: counts');
  await page.click('#reset');
  eq(await counts(page), { nodes: 14, edges: 1 }, 'reset after recommendations');

  // hover: name, subscription, resource group, addresses, NSGs
  const web1 = await page.evaluate(() =>
    window.nsgMap.doc.nodes.find((n) => n.name === 'vm-web-1').id);
  await page.hover(`#map .node[data-id="${web1}"]`);
  const tip = await page.$eval('#tip', (t) => ({ hidden: t.hidden, text: t.textContent }));
  ok(!tip.hidden, 'hover shows the tooltip');
  for (const s of ['vm-web-1', 'resource group rg-demo', '10.0.1.4', 'web-1-nsg',
                   'subscription 00000000-0000-0000-0000-000000000000'])
    ok(tip.text.includes(s), `tooltip has "${s}": ${tip.text}`);

  // click: the side pane with details, findings and effective rules
  await page.click(`#map .node[data-id="${web1}"]`);
  const pane = await page.$eval('#pane', (p) => ({ hidden: p.hidden, text: p.textContent,
    id: p.getAttribute('data-id') }));
  ok(!pane.hidden && pane.id === web1, 'click opens the pane for the node');
  for (const s of ['vm-web-1', 'public IP pip-web-1 (20.50.10.11)', 'Tcp 443',
                   'All network ports should be restricted',
                   'every Internet address may reach Tcp 443', 'Effective rules',
                   'NSG web-nsg', 'NSG web-1-nsg', 'AllowWebInbound', 'DenySshRdpInbound',
                   'rg-demo', 'partial'])
    ok(pane.text.includes(s), `pane has "${s}"`);
  eq(await page.$$eval('#map .node.selected', (a) => a.length), 1, 'the clicked node is selected');
  await page.screenshot({ path: path.join(outDir, 'pane-web-1.png') });
  const before = await page.$eval('#map', (s) => s.getAttribute('viewBox'));
  await page.click('#pane-zoom');
  const after = await page.$eval('#map', (s) => s.getAttribute('viewBox'));
  ok(Number(after.split(' ')[2]) < Number(before.split(' ')[2]) / 2,
     `zoom to narrows the view: ${before} -> ${after}`);
  await page.screenshot({ path: path.join(outDir, 'zoom-web-1.png') });
  await page.click('#fit');
  eq(await page.$eval('#map', (s) => s.getAttribute('viewBox')), before, 'fit restores the view');
  await page.click('#pane-close');
  ok(await page.$eval('#pane', (p) => p.hidden), 'close hides the pane');

  ok(errors.length === 0, 'no script error: ' + errors.join('; '));
  const foreign = requests.filter((u) => !u.startsWith('file://') && !u.startsWith('data:'));
  eq(foreign, [], 'no network request');
  eq(requests.length, 1, 'only the map file itself is loaded');
  await page.close();
}

async function collapsedTests(browser) {
  const errors = [], requests = [];
  const page = await open(browser, collapsed, errors, requests);
  // --collapse 1: every subnet (2 NICs each) is one counted node
  eq(await counts(page), { nodes: 10, edges: 1 }, 'collapsed: 2 vnets, 4 subnets, 4 clusters');
  eq(await page.$$eval('#map .cluster', (a) => a.map((g) => g.getAttribute('data-count'))),
     ['2', '2', '2', '2'], 'collapsed: each cluster counts 2 VMs');
  eq(await shown(page, 'nic'), [], 'collapsed: no NIC drawn');
  const web = await page.evaluate(() => {
    const s = window.nsgMap.doc.nodes.find((n) => n.name === 'snet-web');
    return s.id + '~vms';
  });
  ok(await page.$eval(`#map .cluster[data-id="${web}"]`, (g) => g.classList.contains('sev-high')),
     'a cluster shows the highest severity of its VMs');
  await page.screenshot({ path: path.join(outDir, 'collapsed.png') });
  await page.click(`#map .cluster[data-id="${web}"]`);
  eq(await shown(page, 'nic'), ['vm-web-1', 'vm-web-2'], 'click expands the cluster');
  eq(await counts(page), { nodes: 11, edges: 1 }, 'expanded: one cluster became two NICs');
  ok((await page.$eval('#pane', (p) => p.textContent)).includes('snet-web'),
     'the pane shows the expanded subnet');
  await page.click('#pane-collapse');
  eq(await counts(page), { nodes: 10, edges: 1 }, 'collapse again');
  ok(errors.length === 0, 'collapsed: no script error: ' + errors.join('; '));
  await page.close();
}

async function trafficTests(browser) {
  const errors = [], requests = [];
  const page = await open(browser, traffic, errors, requests);
  const doc = await page.evaluate(() => window.nsgMap.doc);
  const want = { nodes: doc.nodes.length,
                 edges: doc.edges.length };
  eq(await counts(page), want, 'traffic: every node and edge of the document drawn');
  const st = await page.$$eval('#map .edge.traffic', (a) => {
    const c = {};
    a.forEach((p) => { c[p.getAttribute('data-status')] = (c[p.getAttribute('data-status')] || 0) + 1; });
    return c;
  });
  const docSt = {};
  doc.edges.filter((e) => e.kind === 'traffic').forEach((e) => { docSt[e.status] = (docSt[e.status] || 0) + 1; });
  eq(st, docSt, 'traffic: edges per status');
  ok(st.observed > 0 && st.unobserved > 0, 'traffic: observed and never-observed edges both present');
  const dash = await page.evaluate(() => ({
    obs: getComputedStyle(document.querySelector('#map .edge.observed')).strokeDasharray,
    un: getComputedStyle(document.querySelector('#map .edge.unobserved')).strokeDasharray,
  }));
  ok(dash.obs === 'none' && dash.un !== 'none',
     `observed drawn solid, never-observed dashed: ${JSON.stringify(dash)}`);
  await page.screenshot({ path: path.join(outDir, 'traffic.png') });

  // select a NIC: its traffic lists, other edges dimmed
  const web2 = doc.nodes.find((n) => n.name === 'vm-web-2').id;
  await page.click(`#map .node[data-id="${web2}"]`);
  const text = await page.$eval('#pane', (p) => p.textContent);
  for (const s of ['Traffic: who may reach it', 'Traffic: whom it may reach', 'Internet',
                   'Tcp 80,443', 'observed', 'unobserved'])
    ok(text.includes(s), `traffic pane has "${s}"`);
  const rows = await page.$$eval('#pane table.traffic tr', (a) => a.length);
  const res = doc.traffic.resources[web2];
  eq(rows, res.inbound.length + res.outbound.length + 2, 'traffic pane lists every entry');
  const dim = await page.$$eval('#map .edge.traffic', (a) => [
    a.filter((p) => p.classList.contains('dim')).length,
    a.filter((p) => !p.classList.contains('dim')).length]);
  ok(dim[0] > 0 && dim[1] > 0, `selection dims the other edges: ${dim}`);
  await page.screenshot({ path: path.join(outDir, 'traffic-web-2.png') });

  // the topology layer of the same file hides traffic edges
  await page.click('#layer-topology');
  eq(await page.$$eval('#map .edge.traffic', (a) => a.length), 0, 'topology layer: no traffic edge');
  await page.click('#layer-traffic');
  eq(await counts(page), want, 'back to the traffic layer');

  // filters apply to traffic: internet-facing zone keeps only their edges
  await page.select('#zone', 'facing');
  const ends = await page.$$eval('#map .edge.traffic', (a) => a.map((p) =>
    [p.getAttribute('data-from'), p.getAttribute('data-to')]));
  const facing = new Set(doc.nodes.filter((n) => n.internet_facing).map((n) => n.id));
  const kinds = Object.fromEntries(doc.nodes.map((n) => [n.id, n.kind]));
  ok(ends.length > 0 && ends.every(([f, t]) =>
       (kinds[f] !== 'nic' || facing.has(f)) && (kinds[t] !== 'nic' || facing.has(t))),
     'zone internet-facing: traffic edges only touch internet-facing NICs');
  ok(errors.length === 0, 'traffic: no script error: ' + errors.join('; '));
  eq(requests.length, 1, 'traffic: only the map file itself is loaded');
  await page.close();
}

(async () => {
  fs.mkdirSync(outDir, { recursive: true });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'nsgproof-chromium-'));
  let browser;
  try {
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
             '--disable-component-update', '--disable-sync', '--no-first-run',
             '--disable-quic', '--user-data-dir=' + profile],
    });
    await topologyTests(browser);
    await collapsedTests(browser);
    await trafficTests(browser);
  } catch (e) {
    failed++;
    console.log('FAIL: ' + (e && e.stack || e));
  } finally {
    if (browser) await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})();
