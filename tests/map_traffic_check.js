// map_traffic_check.js - confirms the traffic view with `nsgproof check`
// (the simulator, which the traffic computation does not use):
//  - soundness: random traffic entries of the map; for each, a random
//    packet inside it (an address of its group, a protocol and ports of its
//    region) must be allowed by the NIC's levels, and by the other NIC's
//    levels when both ends are NICs of the corpus;
//  - the same for random drawn edges (any NIC they reach, any address of
//    their groups, any protocol and ports of their label);
//  - completeness: random packets; every one that check allows (at both
//    ends when both are routed NICs) must lie in some entry of the map.
// usage: node map_traffic_check.js NSGPROOF CORPUS MAP.json WORKDIR SEED N
// Plain Node (no packages).  Prints "N passed, M failed" last.
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const [nsgproof, corpus, mapFile, work, seedArg, nArg] = process.argv.slice(2);
const doc = JSON.parse(fs.readFileSync(mapFile, 'utf8'));
const N = Number(nArg || 150);
let seed = Number(seedArg || 1) >>> 0;
function rnd(n) { // xorshift32
  seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0;
  return seed % n;
}
function pick(a) { return a[rnd(a.length)]; }
let passed = 0, failed = 0;
function fail(msg) { failed++; if (failed <= 30) console.log('FAIL: ' + msg); }

// ---- addresses -------------------------------------------------------------
function parseIp(s) {
  if (s.includes(':')) {
    let [head, tail] = s.split('::');
    const h = head ? head.split(':') : [], t = tail !== undefined && tail ? tail.split(':') : [];
    const parts = tail === undefined ? h : h.concat(Array(8 - h.length - t.length).fill('0'), t);
    return { fam: 6, v: parts.reduce((a, p) => (a << 16n) + BigInt(parseInt(p || '0', 16)), 0n) };
  }
  return { fam: 4, v: s.split('.').reduce((a, p) => (a << 8n) + BigInt(Number(p)), 0n) };
}
function fmtIp(ip) {
  if (ip.fam === 4)
    return [24n, 16n, 8n, 0n].map((s) => String((ip.v >> s) & 255n)).join('.');
  const p = [];
  for (let i = 7; i >= 0; i--) p.push(((ip.v >> BigInt(16 * i)) & 0xffffn).toString(16));
  return p.join(':');
}
function cidr(s) {
  const [a, l] = s.split('/');
  const ip = parseIp(a), bits = ip.fam === 4 ? 32 : 128, len = l === undefined ? bits : Number(l);
  const size = 1n << BigInt(bits - len);
  return { fam: ip.fam, lo: ip.v, hi: ip.v + size - 1n, size };
}
function inCidrs(list, ip) {
  return list.some((c) => { const x = cidr(c); return x.fam === ip.fam && ip.v >= x.lo && ip.v <= x.hi; });
}
function randBig(n) { // uniform-ish in [0, n)
  let v = 0n;
  for (let i = 0; i < 5; i++) v = (v << 30n) + BigInt(rnd(1 << 30));
  return v % n;
}
function randIn(list) {
  const x = cidr(pick(list));
  return { fam: x.fam, v: x.lo + randBig(x.size) };
}

// ---- regions ---------------------------------------------------------------
function ranges(text) {
  if (text === '*') return [[0, 65535]];
  return text.split(',').map((r) => r.split('-').map(Number)).map((r) => [r[0], r.length > 1 ? r[1] : r[0]]);
}
function inRanges(text, v) { return ranges(text).some(([lo, hi]) => v >= lo && v <= hi); }
function randPort(text) { const [lo, hi] = pick(ranges(text)); return lo + rnd(hi - lo + 1); }
const named = new Set(doc.traffic.other_protocols_except);
const PROTO = { Tcp: 6, Udp: 17, Icmp: 1, Esp: 50, Ah: 51 };
function protoNum(name) {
  if (name in PROTO) return PROTO[name];
  if (name === 'other') {
    for (;;) { const p = rnd(256); if (!named.has(p)) return p; }
  }
  return Number(name);
}
function boxHas(b, proto, sport, dport) {
  const cls = named.has(proto) ? proto : 'other';
  const bp = b.protocol === 'other' ? 'other' : protoNum(b.protocol);
  if (bp !== cls) return false;
  if (proto !== 6 && proto !== 17) return true;
  return inRanges(b.ports, dport) && inRanges(b.source_ports, sport);
}

// ---- the map's NICs ------------------------------------------------------------
const nodes = Object.fromEntries(doc.nodes.map((n) => [n.id, n]));
const groups = Object.fromEntries(doc.traffic.groups.map((g) => [g.id, g]));
const nics = doc.nodes.filter((n) => n.kind === 'nic');
const owner = {}; // address text -> NIC node
nics.forEach((n) => n.addresses.forEach((a) => { owner[fmtIp(parseIp(a))] = n; }));
function vnetOf(n) { while (n && n.kind !== 'vnet') n = nodes[n.parent]; return n; }
const routesTo = {};
doc.edges.filter((e) => e.kind === 'peering' && e.routes).forEach((e) => {
  routesTo[e.from + '|' + e.to] = routesTo[e.to + '|' + e.from] = true;
});
function routes(a, b) {
  const va = vnetOf(a), vb = vnetOf(b);
  return !!(va && vb && (va === vb || routesTo[va.id + '|' + vb.id]));
}

// ---- check, in batches -------------------------------------------------------------
function runChecks(queries) {
  const file = path.join(work, 'batch.jsonl');
  fs.writeFileSync(file, queries.map((q) => JSON.stringify(q)).join('\n') + '\n');
  let out;
  try {
    out = execFileSync(nsgproof, ['check', '--corpus', corpus, '--batch', file, '--json'],
                       { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 });
  } catch (e) {
    out = e.stdout; // exit 2 when a line is an error (unknown tag): still answered
  }
  const res = [];
  out.trim().split('\n').forEach((l) => { const j = JSON.parse(l); res[j.line - 1] = j; });
  return res;
}
function query(nic, dir, proto, src, sport, dst, dport) {
  const q = { nic: nic.resource_id, direction: dir, protocol: String(proto),
              src: fmtIp(src), dst: fmtIp(dst) };
  if (proto === 6 || proto === 17) { q.sport = sport; q.dport = dport; }
  return q;
}

// ---- soundness: random entries -----------------------------------------------------
const entries = [];
nics.forEach((n) => {
  const r = doc.traffic.resources[n.id];
  ['inbound', 'outbound'].forEach((dir) => r[dir].forEach((e) => {
    if (e.allow.length) entries.push({ nic: n, dir, e });
  }));
});
const claims = [], qs = [];
for (let i = 0; i < N && entries.length; i++) {
  const { nic, dir, e } = pick(entries);
  const g = groups[e.group], b = pick(e.allow);
  const proto = protoNum(b.protocol);
  const sport = proto === 6 || proto === 17 ? randPort(b.source_ports) : 0;
  const dport = proto === 6 || proto === 17 ? randPort(b.ports) : 0;
  const remote = randIn(g.cidrs), local = parseIp(e.local);
  const inbound = dir === 'inbound';
  const src = inbound ? remote : local, dst = inbound ? local : remote;
  const c = { what: `${nic.name} ${dir} ${g.name} ${b.protocol} ${fmtIp(src)}:${sport}->${fmtIp(dst)}:${dport}`,
              qs: [] };
  c.qs.push(qs.length);
  qs.push(query(nic, dir, proto, src, sport, dst, dport));
  const other = owner[fmtIp(remote)];
  if (['nic', 'subnet', 'asg'].includes(g.kind)) {
    if (!other) fail(`${c.what}: group ${g.name} holds an address of no NIC`);
    else {
      c.qs.push(qs.length);
      qs.push(query(other, inbound ? 'outbound' : 'inbound', proto, src, sport, dst, dport));
    }
  }
  claims.push(c);
}
let res = runChecks(qs);
claims.forEach((c) => {
  const bad = c.qs.filter((k) => !res[k] || res[k].decision !== 'Allow');
  if (bad.length)
    fail(`map says allowed, check says ${bad.map((k) => res[k] ? res[k].decision || res[k].error : 'nothing').join(', ')}: ${c.what}`);
  else passed++;
});

// ---- soundness, as drawn: random edges of the traffic view ---------------------------
// An edge from a group to a NIC (or to every NIC of a subnet), or from a NIC
// to an outside group: any address of one of its groups, any protocol and
// ports of its label, any NIC it reaches.
const drawn = doc.edges.filter((e) => e.kind === 'traffic' && e.status !== 'unknown');
const eclaims = [], eqs = [];
for (let i = 0; i < N && drawn.length; i++) {
  const e = pick(drawn);
  const gid = pick(e.groups), g = groups[gid], b = pick(e.ports);
  const remote = randIn(g.cidrs);
  const to = nodes[e.to], from = nodes[e.from];
  const inbound = to.kind === 'nic' || to.kind === 'subnet';
  const dir = inbound ? 'inbound' : 'outbound';
  // the NICs it reaches (one, or every NIC of a subnet) that have an
  // entry for this group (a subnet's own NICs each see the others)
  const reached = inbound ? (to.kind === 'nic' ? [to] : nics.filter((n) => n.parent === to.id)) : [from];
  const lost = reached.filter((n) => !doc.traffic.resources[n.id][dir].some((x) => e.groups.includes(x.group)));
  if (lost.length) { fail(`edge ${e.id} to ${to.name}: ${lost.map((n) => n.name)} have none of its entries`); continue; }
  const cand = reached.filter((n) => doc.traffic.resources[n.id][dir].some((x) => x.group === gid));
  if (!cand.length) { fail(`edge ${e.id}: no NIC it reaches has an entry of group ${gid}`); continue; }
  const nic = pick(cand);
  const r = doc.traffic.resources[nic.id][dir].filter((x) => x.group === gid);
  const local = parseIp(pick(r).local);
  const proto = protoNum(b.protocol);
  const sport = proto === 6 || proto === 17 ? randPort(b.source_ports) : 0;
  const dport = proto === 6 || proto === 17 ? randPort(b.ports) : 0;
  const src = inbound ? remote : local, dst = inbound ? local : remote;
  const c = { what: `edge ${e.id} ${from.name} -> ${to.name} (${e.label}): ${nic.name} ${dir} ` +
                    `${fmtIp(src)}:${sport}->${fmtIp(dst)}:${dport} proto ${proto}`, qs: [] };
  c.qs.push(eqs.length);
  eqs.push(query(nic, dir, proto, src, sport, dst, dport));
  const other = owner[fmtIp(remote)];
  if (['nic', 'subnet', 'asg'].includes(g.kind) && other) {
    c.qs.push(eqs.length);
    eqs.push(query(other, inbound ? 'outbound' : 'inbound', proto, src, sport, dst, dport));
  }
  eclaims.push(c);
}
res = runChecks(eqs);
eclaims.forEach((c) => {
  const bad = c.qs.filter((k) => !res[k] || res[k].decision !== 'Allow');
  if (bad.length)
    fail(`the map draws it allowed, check says ${bad.map((k) => res[k] ? res[k].decision || res[k].error : 'nothing').join(', ')}: ${c.what}`);
  else passed++;
});

// ---- completeness: random packets ---------------------------------------------------
const allCidrs = doc.traffic.groups.map((g) => g.cidrs).filter((c) => c.length);
const probes = [], pq = [];
for (let i = 0; i < N; i++) {
  const nic = pick(nics);
  if (!nic.addresses.length || doc.traffic.resources[nic.id].error) continue;
  const local = parseIp(pick(nic.addresses));
  const dir = rnd(2) ? 'inbound' : 'outbound';
  let remote;
  const k = rnd(3);
  if (k === 0) remote = parseIp(pick(Object.keys(owner)));
  else if (k === 1 && allCidrs.length) remote = randIn(pick(allCidrs));
  else remote = local.fam === 4 ? { fam: 4, v: randBig(1n << 32n) } : randIn(['2000::/3']);
  if (remote.fam !== local.fam || owner[fmtIp(remote)] === nic) continue;
  const proto = pick([6, 6, 6, 17, 17, 1, 50, 47, 58]);
  const sport = proto === 6 || proto === 17 ? pick([49152, 1024, 53, 65000]) : 0;
  const dport = proto === 6 || proto === 17 ? pick([22, 80, 443, 1433, 3389, 8080, 53, 5000, 65535]) : 0;
  const inbound = dir === 'inbound';
  const src = inbound ? remote : local, dst = inbound ? local : remote;
  const p = { nic, dir, proto, sport, dport, remote, local, src, dst, qs: [] };
  p.qs.push(pq.length);
  pq.push(query(nic, dir, proto, src, sport, dst, dport));
  const other = owner[fmtIp(remote)];
  if (other && routes(nic, other)) {
    p.qs.push(pq.length);
    pq.push(query(other, inbound ? 'outbound' : 'inbound', proto, src, sport, dst, dport));
  }
  probes.push(p);
}
res = runChecks(pq);
let allowedSeen = 0;
probes.forEach((p) => {
  const ans = p.qs.map((k) => res[k] || {});
  if (ans.some((a) => a.error)) return; // depends on an unknown tag: not decided
  const allowed = ans.every((a) => a.decision === 'Allow');
  const entriesOf = doc.traffic.resources[p.nic.id][p.dir];
  const covered = entriesOf.some((e) => fmtIp(parseIp(e.local)) === fmtIp(p.local) &&
    inCidrs(groups[e.group].cidrs, p.remote) &&
    e.allow.some((b) => boxHas(b, p.proto, p.sport, p.dport)));
  allowedSeen += allowed;
  const what = `${p.nic.name} ${p.dir} proto ${p.proto} ${fmtIp(p.src)}:${p.sport}->${fmtIp(p.dst)}:${p.dport}`;
  if (allowed !== covered)
    fail(`check says ${allowed ? 'allowed' : 'denied'}, the map ${covered ? 'lists' : 'does not list'} it: ${what}`);
  else passed++;
});
if (!allowedSeen) fail('no random packet was allowed: the completeness probe proves nothing');
console.log(`(${allowedSeen} of ${probes.length} random packets allowed)`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
