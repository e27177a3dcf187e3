/* viewer.js - the nsgproof map viewer: draws the map document embedded in
 * the same HTML file (script#nsgproof-map, schema in docs/map.md) as SVG:
 * virtual networks, subnets and NICs nested, peerings, and in the traffic
 * layer the possible traffic (observed / never observed / unknown).
 * Filters as in Defender for Cloud's network map (network zone, severity,
 * recommendations), reset, hover details, a side pane on click, and
 * subnets with many NICs collapsed into a counted node (click to expand).
 * Written small and without libraries: the map is one self-contained file
 * that must open offline, and the layout (nested grids) is simple enough
 * not to need a graph-layout library. */
(function () {
  'use strict';
  var T0 = performance.now();
  var doc = JSON.parse(document.getElementById('nsgproof-map').textContent);
  var SVGNS = 'http://www.w3.org/2000/svg';
  var NW = 150, NH = 44, GAP = 10, PAD = 12, SUBHEAD = 34, VHEAD = 40;
  var EW = 200, EH = 40, MAX_LABELS = 40; // more edges: labels on hover only
  var SEVS = ['high', 'medium', 'low'];

  // ---- the document ----------------------------------------------------
  var byId = {}, kids = {}, nsgs = {}, groups = {};
  doc.nodes.forEach(function (n) {
    byId[n.id] = n;
    var p = n.parent || '';
    (kids[p] = kids[p] || []).push(n);
  });
  (doc.nsgs || []).forEach(function (g) { nsgs[g.id] = g; });
  if (doc.traffic) doc.traffic.groups.forEach(function (g) { groups[g.id] = g; });
  var recIds = doc.recommendations.map(function (r) { return r.id; });
  var recCount = {};
  doc.nodes.forEach(function (n) {
    (n.findings || []).forEach(function (f) {
      recCount[f.recommendation] = (recCount[f.recommendation] || 0) + 1;
    });
  });

  function vnetOf(n) {
    while (n && n.kind !== 'vnet') n = n.parent ? byId[n.parent] : null;
    return n;
  }
  function childrenOf(id, kind) {
    return (kids[id] || []).filter(function (c) { return c.kind === kind; });
  }

  // ---- state -------------------------------------------------------------
  function defaults() {
    var s = { zone: 'all', sev: { high: true, medium: true, low: true },
              clean: true, recs: {}, expanded: {}, selected: null,
              layer: doc.view === 'traffic' ? 'traffic' : 'topology' };
    recIds.forEach(function (r) { s.recs[r] = true; });
    return s;
  }
  var state = defaults();

  // ---- filters -------------------------------------------------------------
  function findingsOk(n) {
    var f = n.findings || [];
    if (!f.length) return state.clean;
    return f.some(function (x) {
      return state.sev[x.severity] && state.recs[x.recommendation];
    });
  }
  // zone test of a node on its own (containers are also shown when a
  // child is)
  function zoneOk(n) {
    var z = state.zone;
    if (z === 'all') return true;
    if (z === 'facing') return n.kind === 'nic' && !!n.internet_facing;
    if (z === 'internal') return n.kind === 'nic' && !n.internet_facing;
    var v = vnetOf(n);
    if (z === 'peered') return !!(v && v.peered);
    if (z.indexOf('vnet:') === 0) return !!(v && v.id === z.slice(5));
    return true;
  }
  var vis = {};
  function computeVisible() {
    vis = {};
    function walk(n) {
      var any = false;
      (kids[n.id] || []).forEach(function (c) { if (walk(c)) any = true; });
      var own = zoneOk(n) && findingsOk(n);
      if (n.kind === 'nic') any = own;
      else if (n.kind === 'vnet' || n.kind === 'subnet') any = any || own;
      else return false; // traffic nodes: decided by their edges
      if (any) vis[n.id] = true;
      return any;
    }
    (kids[''] || []).forEach(walk);
  }

  // ---- layout ----------------------------------------------------------------
  var box = {};   // node id -> {x, y, w, h}
  var alias = {}; // hidden member NIC id -> cluster id
  var clusters = {}; // cluster id -> {subnet, members}

  function layoutSubnet(s) {
    var nics = childrenOf(s.id, 'nic').filter(function (n) { return vis[n.id]; });
    var items = nics;
    if (nics.length > doc.collapse && !state.expanded[s.id]) {
      var cid = s.id + '~vms';
      clusters[cid] = { subnet: s, members: nics };
      nics.forEach(function (n) { alias[n.id] = cid; });
      items = [{ id: cid, cluster: true }];
    }
    var cols = Math.max(1, Math.min(4, Math.ceil(Math.sqrt(items.length))));
    var rows = Math.ceil(items.length / cols);
    var w = Math.max(210, PAD * 2 + cols * NW + (cols - 1) * GAP);
    var h = SUBHEAD + (rows ? rows * (NH + GAP) - GAP + PAD : 6);
    return { w: w, h: h, place: function (x, y) {
      box[s.id] = { x: x, y: y, w: w, h: h };
      items.forEach(function (it, i) {
        box[it.id] = { x: x + PAD + (i % cols) * (NW + GAP),
                       y: y + SUBHEAD + Math.floor(i / cols) * (NH + GAP),
                       w: NW, h: NH };
      });
    } };
  }

  // Children laid out as a grid of rows; returns {w, h, place}.
  function gridOf(parts, head, minW, gap) {
    var GAP = gap || 10;
    var cols = Math.max(1, Math.ceil(Math.sqrt(parts.length)));
    var rows = [], w = minW, h = head;
    for (var i = 0; i < parts.length; i += cols) rows.push(parts.slice(i, i + cols));
    rows.forEach(function (r) {
      var rw = PAD, rh = 0;
      r.forEach(function (p) { rw += p.w + GAP; rh = Math.max(rh, p.h); });
      w = Math.max(w, rw - GAP + PAD);
      h += rh + GAP;
      r.rh = rh;
    });
    h += PAD - (rows.length ? GAP : 0);
    if (!rows.length) h = head + 8;
    return { w: w, h: h, place: function (x, y) {
      var cy = y + head;
      rows.forEach(function (r) {
        var cx = x + PAD;
        r.forEach(function (p) { p.place(cx, cy); cx += p.w + GAP; });
        cy += r.rh + GAP;
      });
    } };
  }

  var content = { x: 0, y: 0, w: 100, h: 100 };
  function layout() {
    box = {}; alias = {}; clusters = {};
    var tops = [];
    (kids[''] || []).forEach(function (n) {
      if (!vis[n.id]) return;
      if (n.kind === 'vnet') {
        var subs = childrenOf(n.id, 'subnet').filter(function (s) { return vis[s.id]; })
          .map(layoutSubnet);
        var g = gridOf(subs, VHEAD, 240);
        tops.push({ w: g.w, h: g.h, place: function (x, y) {
          box[n.id] = { x: x, y: y, w: g.w, h: g.h };
          g.place(x, y);
        } });
      } else if (n.kind === 'subnet') {
        tops.push(layoutSubnet(n));
      } else if (n.kind === 'nic') {
        tops.push({ w: NW, h: NH, place: function (x, y) {
          box[n.id] = { x: x, y: y, w: NW, h: NH };
        } });
      }
    });
    var top = gridOf(tops, 0, 0, 70);
    top.place(0, 0);
    content = { x: 0, y: 0, w: top.w, h: top.h };
    if (state.layer !== 'traffic' || !doc.traffic) return;
    // traffic nodes: outside blocks on the left, ASGs on the right
    var ext = [], asg = [];
    doc.nodes.forEach(function (n) {
      if (n.kind === 'external') ext.push(n);
      if (n.kind === 'asg') asg.push(n);
    });
    var used = {};
    trafficEdges().forEach(function (e) { used[e.from] = used[e.to] = true; });
    var ey = 0, ay = 0;
    ext.forEach(function (n) {
      if (!used[n.id]) return;
      vis[n.id] = true;
      box[n.id] = { x: -EW - 90, y: ey, w: EW, h: EH };
      ey += EH + GAP;
    });
    asg.forEach(function (n) {
      if (!used[n.id]) return;
      vis[n.id] = true;
      box[n.id] = { x: top.w + 90, y: ay, w: EW, h: EH };
      ay += EH + GAP;
    });
    if (ey) { content.x = -EW - 100; content.w += EW + 100; }
    if (ay) content.w += EW + 100;
    content.h = Math.max(content.h, ey, ay);
  }

  // ---- edges -------------------------------------------------------------------
  function end(id) { return alias[id] || id; }
  // Traffic edges between visible ends (cluster members redirected),
  // merged when they coincide.
  function trafficEdges() {
    var out = [], seen = {};
    doc.edges.forEach(function (e) {
      if (e.kind !== 'traffic') return;
      var f = end(e.from), t = end(e.to);
      var fv = vis[f] || clusters[f] || byId[f] && byId[f].kind !== 'nic' &&
               byId[f].kind !== 'subnet' && byId[f].kind !== 'vnet';
      var tv = vis[t] || clusters[t] || byId[t] && byId[t].kind !== 'nic' &&
               byId[t].kind !== 'subnet' && byId[t].kind !== 'vnet';
      if (!fv || !tv) return;
      var key = f + '|' + t + '|' + e.status + '|' + e.label;
      if (seen[key]) { seen[key].merged.push(e); return; }
      var x = { from: f, to: t, status: e.status, label: e.label, e: e, merged: [e] };
      seen[key] = x;
      out.push(x);
    });
    return out;
  }
  function peeringEdges() {
    return doc.edges.filter(function (e) {
      return e.kind === 'peering' && vis[e.from] && vis[e.to];
    }).map(function (e) {
      return { from: e.from, to: e.to, status: 'peering', label: 'peering', e: e, merged: [e] };
    });
  }

  // ---- drawing -------------------------------------------------------------------
  var svg = document.getElementById('map');
  function el(tag, attrs, parent) {
    var x = document.createElementNS(SVGNS, tag);
    for (var k in attrs) x.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(x);
    return x;
  }
  function cut(s, n) { s = String(s || ''); return s.length > n ? s.slice(0, n - 1) + '\u2026' : s; }

  function drawNode(n, layer) {
    var b = box[n.id], cls = ['node', n.kind];
    if (n.severity) cls.push('sev-' + n.severity);
    if (n.internet_facing) cls.push('facing');
    if (n.kind === 'vnet' && n.in_corpus === false) cls.push('stub');
    if (state.selected === n.id) cls.push('selected');
    var g = el('g', { 'class': cls.join(' '), 'data-id': n.id }, layer);
    el('rect', { x: b.x, y: b.y, width: b.w, height: b.h, rx: n.kind === 'nic' ? 6 : 9 }, g);
    var t1 = el('text', { x: b.x + 8, y: b.y + 16, 'class': 'title' }, g);
    var sub = el('text', { x: b.x + 8, y: b.y + 30, 'class': 'sub' }, g);
    if (n.kind === 'vnet' || n.kind === 'subnet') {
      t1.textContent = cut((n.kind === 'vnet' ? 'VNet ' : 'Subnet ') + n.name, b.w / 7);
      sub.textContent = cut((n.addresses || []).join(', ') +
        (n.in_corpus === false ? ' (not in the corpus)' : ''), b.w / 5.5);
    } else {
      t1.textContent = cut(n.name, n.kind === 'nic' ? 20 : b.w / 7.2);
      sub.textContent = cut(n.kind === 'nic' ? (n.addresses || []).join(', ')
                            : n.kind === 'asg' ? 'application security group'
                            : (n.addresses || []).join(', '), b.w / 5.5);
    }
    if (n.internet_facing) {
      var bd = el('g', { 'class': 'badge' }, g);
      el('circle', { cx: b.x + b.w - 10, cy: b.y + 10, r: 7 }, bd);
      el('text', { x: b.x + b.w - 14, y: b.y + 13 }, bd).textContent = 'IF';
    }
  }

  function drawCluster(cid, layer) {
    var c = clusters[cid], b = box[cid], worst = null, facing = 0;
    c.members.forEach(function (m) {
      if (SEVS.indexOf(m.severity) >= 0 &&
          (!worst || SEVS.indexOf(m.severity) < SEVS.indexOf(worst))) worst = m.severity;
      if (m.internet_facing) facing++;
    });
    var cls = 'node cluster' + (worst ? ' sev-' + worst : '') +
              (state.selected === cid ? ' selected' : '');
    var g = el('g', { 'class': cls, 'data-id': cid, 'data-count': c.members.length }, layer);
    el('rect', { x: b.x, y: b.y, width: b.w, height: b.h, rx: 6 }, g);
    el('text', { x: b.x + 8, y: b.y + 16, 'class': 'title' }, g).textContent =
      c.members.length + ' VMs';
    el('text', { x: b.x + 8, y: b.y + 30, 'class': 'sub' }, g).textContent =
      facing ? facing + ' internet-facing' : 'click to expand';
  }

  // Where the segment from the centre of b towards (px, py) leaves b.
  function rim(b, px, py) {
    var cx = b.x + b.w / 2, cy = b.y + b.h / 2, dx = px - cx, dy = py - cy;
    if (!dx && !dy) return [cx, cy];
    var s = Math.min(Math.abs(b.w / 2 / (dx || 1e-9)), Math.abs(b.h / 2 / (dy || 1e-9)));
    s = Math.min(s, 1);
    return [cx + dx * s, cy + dy * s];
  }

  function drawEdges(list, layer, labels) {
    var pairs = {};
    list.forEach(function (x) {
      var a = box[x.from], b = box[x.to];
      if (!a || !b) return;
      var key = x.from < x.to ? x.from + '|' + x.to : x.to + '|' + x.from;
      var k = pairs[key] = (pairs[key] || 0) + 1;
      var cls = 'edge ' + (x.status === 'peering' ? 'peering' +
                (x.e.routes ? '' : ' noroute') : 'traffic ' + x.status);
      var d, lx, ly;
      if (x.from === x.to) { // every NIC of a subnet to every other
        var r = 14 + 6 * k, ox = a.x + a.w - 30, oy = a.y;
        d = 'M' + ox + ' ' + oy + ' c ' + r + ' ' + (-2 * r) + ' ' + (3 * r) + ' ' + (-r) +
            ' ' + (1.4 * r) + ' ' + (0.8 * r);
        lx = ox + r; ly = oy - r;
      } else {
        var ax = a.x + a.w / 2, ay = a.y + a.h / 2, bx = b.x + b.w / 2, by = b.y + b.h / 2;
        var off = (k % 2 ? 1 : -1) * Math.floor(k / 2) * 22;
        var len = Math.hypot(bx - ax, by - ay) || 1;
        var cx = (ax + bx) / 2 - (by - ay) / len * off, cy = (ay + by) / 2 + (bx - ax) / len * off;
        var p = rim(a, cx, cy), q = rim(b, cx, cy);
        d = 'M' + p[0] + ' ' + p[1] + ' Q' + cx + ' ' + cy + ' ' + q[0] + ' ' + q[1];
        lx = (p[0] + 2 * cx + q[0]) / 4; ly = (p[1] + 2 * cy + q[1]) / 4;
      }
      var dim = state.selected && state.layer === 'traffic' && x.status !== 'peering' &&
                !touches(x, state.selected);
      var path = el('path', { d: d, 'class': cls + (dim ? ' dim' : ''),
        'data-from': x.from, 'data-to': x.to, 'data-status': x.status,
        'marker-end': 'url(#arr-' + x.status + ')' }, layer);
      if (x.status === 'peering') path.setAttribute('marker-start', 'url(#arr-peering)');
      path.__edge = x;
      if (labels && !dim)
        el('text', { x: lx, y: ly, 'class': 'elabel' }, layer).textContent = cut(x.label, 40);
    });
  }
  function touches(x, id) {
    if (x.from === id || x.to === id) return true;
    var n = byId[id];
    return !!(n && n.kind === 'subnet' && [x.from, x.to].some(function (e) {
      var m = byId[e];
      return m && m.parent === id || clusters[e] && clusters[e].subnet.id === id;
    }));
  }

  function defs() {
    var d = el('defs', {}, svg);
    [['peering', '#3a5a8c'], ['observed', '#1b7f3b'], ['unobserved', '#c05000'],
     ['unknown', '#777']].forEach(function (m) {
      var mk = el('marker', { id: 'arr-' + m[0], viewBox: '0 0 10 10', refX: 9, refY: 5,
        markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, d);
      el('path', { d: 'M0 0 L10 5 L0 10 z', fill: m[1] }, mk);
    });
  }

  var shown = { nodes: 0, edges: 0 };
  function render() {
    computeVisible();
    layout();
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    defs();
    var vp = el('g', { id: 'viewport' }, svg);
    // edges between the containers and the leaves: nodes stay clickable
    var containers = el('g', {}, vp), edges = el('g', {}, vp), leaves = el('g', {}, vp);
    var order = doc.nodes.filter(function (n) { return vis[n.id] && box[n.id]; });
    order.forEach(function (n) {
      drawNode(n, n.kind === 'vnet' || n.kind === 'subnet' ? containers : leaves);
    });
    Object.keys(clusters).forEach(function (c) { drawCluster(c, leaves); });
    var list = peeringEdges();
    if (state.layer === 'traffic' && doc.traffic) list = list.concat(trafficEdges());
    drawEdges(list, edges, list.length <= MAX_LABELS);
    shown = { nodes: svg.querySelectorAll('.node').length,
              edges: svg.querySelectorAll('.edge').length };
    document.getElementById('status').textContent =
      shown.nodes + ' nodes, ' + shown.edges + ' edges shown';
    applyView();
  }

  // ---- zoom and pan ------------------------------------------------------------------
  var view = null;
  function fit() {
    var m = 30;
    view = { x: content.x - m, y: content.y - m, w: Math.max(content.w + 2 * m, 200),
             h: Math.max(content.h + 2 * m, 150) };
    applyView();
  }
  // refocus the map on one node (its box with a margin)
  function zoomTo(id) {
    var b = box[id];
    if (!b) return;
    var m = Math.max(b.w, b.h);
    view = { x: b.x - m, y: b.y - m, w: b.w + 2 * m, h: b.h + 2 * m };
    applyView();
  }
  function applyView() {
    if (!view) return fit();
    svg.setAttribute('viewBox', [view.x, view.y, view.w, view.h].join(' '));
  }
  svg.addEventListener('wheel', function (ev) {
    ev.preventDefault();
    var r = svg.getBoundingClientRect(), f = ev.deltaY > 0 ? 1.15 : 1 / 1.15;
    var px = view.x + (ev.clientX - r.left) / r.width * view.w;
    var py = view.y + (ev.clientY - r.top) / r.height * view.h;
    view = { x: px - (px - view.x) * f, y: py - (py - view.y) * f, w: view.w * f, h: view.h * f };
    applyView();
  }, { passive: false });
  var drag = null;
  svg.addEventListener('mousedown', function (ev) {
    drag = { x: ev.clientX, y: ev.clientY, v: view, moved: false };
  });
  window.addEventListener('mousemove', function (ev) {
    if (!drag) return;
    var r = svg.getBoundingClientRect();
    var dx = (ev.clientX - drag.x) / r.width * drag.v.w, dy = (ev.clientY - drag.y) / r.height * drag.v.h;
    if (Math.abs(ev.clientX - drag.x) + Math.abs(ev.clientY - drag.y) > 3) {
      drag.moved = true;
      svg.classList.add('panning');
    }
    view = { x: drag.v.x - dx, y: drag.v.y - dy, w: drag.v.w, h: drag.v.h };
    applyView();
  });
  window.addEventListener('mouseup', function () {
    setTimeout(function () { drag = null; svg.classList.remove('panning'); }, 0);
  });

  // ---- tooltip ---------------------------------------------------------------------------
  var tip = document.getElementById('tip');
  function esc(s) {
    return String(s == null ? '' : s).replace(/[&<>"]/g, function (c) {
      return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c];
    });
  }
  function nodeTip(id) {
    if (clusters[id]) {
      var c = clusters[id];
      return '<b>' + c.members.length + ' VMs</b> in subnet ' + esc(c.subnet.name) +
             '<br>click to expand';
    }
    var n = byId[id], rows = ['<b>' + esc(n.name) + '</b> (' + esc(n.kind) + ')'];
    if (n.subscription) rows.push('subscription ' + esc(n.subscription));
    if (n.resource_group) rows.push('resource group ' + esc(n.resource_group));
    if (n.addresses && n.addresses.length) rows.push('addresses ' + esc(n.addresses.join(', ')));
    if (n.nsgs && n.nsgs.length)
      rows.push('NSGs ' + esc(n.nsgs.map(function (g) { return g.level + ': ' + g.name; }).join(', ')));
    if (n.internet_facing) rows.push('internet-facing');
    if (n.findings && n.findings.length) rows.push(n.findings.length + ' finding(s)');
    return rows.join('<br>');
  }
  svg.addEventListener('mouseover', function (ev) {
    var g = ev.target.closest && ev.target.closest('.node');
    var html = g ? nodeTip(g.getAttribute('data-id')) : null;
    if (!g && ev.target.__edge) {
      var x = ev.target.__edge;
      html = '<b>' + esc(x.label) + '</b><br>' + esc(x.status) +
             (x.e.flows ? ' (' + x.e.flows + ' flow tuples)' : '');
    }
    if (!html) return;
    tip.innerHTML = html;
    tip.hidden = false;
  });
  svg.addEventListener('mousemove', function (ev) {
    tip.style.left = ev.clientX + 14 + 'px';
    tip.style.top = ev.clientY + 12 + 'px';
  });
  svg.addEventListener('mouseout', function () { tip.hidden = true; });

  // ---- the side pane ------------------------------------------------------------------------
  var pane = document.getElementById('pane');
  function row(k, v) { return v == null || v === '' ? '' : '<tr><th>' + esc(k) + '</th><td>' + v + '</td></tr>'; }
  function findingsHtml(n) {
    var f = n.findings || [];
    if (!f.length) return '<p>No findings.</p>';
    return '<ul class="findings">' + f.map(function (x) {
      return '<li><span class="sev ' + x.severity + '">' + x.severity + '</span><b>' +
             esc(x.title) + '</b><br>' + esc(x.message) +
             (x.via ? ' <i>(NSG ' + esc(x.via) + ')</i>' : '') + '</li>';
    }).join('') + '</ul>';
  }
  function rulesHtml(n) {
    var levels = (n.nsgs || []);
    if (!levels.length) return '<p>No NSG: every packet passes this level.</p>';
    return levels.map(function (l) {
      var g = l.ref ? nsgs[l.ref] : null;
      var h = '<h4>' + esc(l.level) + ' level: NSG ' + esc(l.name) + '</h4>';
      if (!g) return h + '<p>Not in the corpus: its rules are unknown.</p>';
      return h + '<table class="rules"><tr><th>Prio</th><th>Name</th><th>Access</th><th>Dir</th>' +
        '<th>Proto</th><th>Source</th><th>Destination</th><th>Ports</th></tr>' +
        g.rules.map(function (r) {
          return '<tr><td>' + r.priority + '</td><td>' + esc(r.name) + '</td><td class="' +
            r.access.toLowerCase() + '">' + r.access + '</td><td>' + r.direction.slice(0, 3) +
            '</td><td>' + esc(r.protocol) + '</td><td title="' + esc(r.source_expanded) + '">' +
            esc(r.source) + '</td><td title="' + esc(r.destination_expanded) + '">' +
            esc(r.destination) + '</td><td>' + esc(r.destination_ports) + '</td></tr>';
        }).join('') + '</table>';
    }).join('');
  }
  function portsText(list) {
    return (list || []).map(function (p) {
      return p.protocol + (p.ports ? ' ' + p.ports : '') +
             (p.source_ports && p.source_ports !== '*' ? ' from ports ' + p.source_ports : '');
    }).join('; ');
  }
  function trafficHtml(id) {
    var t = doc.traffic && doc.traffic.resources[id];
    if (!t) return '';
    if (t.error) return '<h3>Traffic</h3><p>Unknown: ' + esc(t.error) + '</p>';
    function list(entries, dirWord) {
      if (!entries.length) return '<p>Nothing ' + dirWord + '.</p>';
      return '<table class="traffic"><tr><th>' + (dirWord === 'in' ? 'From' : 'To') +
        '</th><th>Protocols and ports</th><th>Status</th></tr>' +
        entries.map(function (e) {
          var g = groups[e.group] || {};
          var txt = portsText(e.allow) || '';
          if (e.unknown && e.unknown.length)
            txt += (txt ? '; ' : '') + 'unknown: ' + portsText(e.unknown);
          return '<tr class="' + e.status + '"><td title="' + esc((g.cidrs || []).join(', ')) + '">' +
            esc(g.name) + '</td><td>' + esc(txt) + '</td><td>' + e.status +
            (e.flows ? ' (' + e.flows + ')' : '') + '</td></tr>';
        }).join('') + '</table>';
    }
    return '<h3>Traffic: who may reach it</h3>' + list(t.inbound, 'in') +
           '<h3>Traffic: whom it may reach</h3>' + list(t.outbound, 'out');
  }
  function openPane(id) {
    state.selected = id;
    var html;
    if (clusters[id]) {
      var c = clusters[id];
      state.expanded[c.subnet.id] = true;
      state.selected = c.subnet.id;
      return openPane(c.subnet.id);
    }
    var n = byId[id];
    html = '<button class="close" id="pane-close">close</button>' +
      '<button class="close" id="pane-zoom">zoom to</button><h2>' + esc(n.name) + '</h2>' +
      '<div class="kind">' + esc(n.kind === 'nic' ? 'network interface ' + (n.nic || '') +
      (n.vm ? ' \u00b7 virtual machine ' + n.vm : '') : n.kind) + '</div>';
    html += '<h3>Details</h3><table class="details">' +
      row('Resource id', esc(n.resource_id)) + row('Subscription', esc(n.subscription)) +
      row('Resource group', esc(n.resource_group)) + row('Location', esc(n.location)) +
      row('Addresses', esc((n.addresses || []).join(', ')));
    if (n.kind === 'nic') {
      html += row('Internet-facing', n.internet_facing ? 'yes: ' + esc(n.facing_reasons.join('; ')) : 'no') +
        row('Exposed to the Internet', n.exposed == null ? 'unknown' : n.exposed ? 'yes: ' + esc(n.exposed_ports) : 'no') +
        row('IP forwarding', n.ip_forwarding ? 'enabled' : 'disabled');
    }
    if (n.nsgs) html += row('NSGs', esc(n.nsgs.map(function (g) { return g.level + ': ' + g.name; }).join(', ') || 'none'));
    html += row('Flow-log coverage', esc(n.flow_log_coverage)) + row('Error', esc(n.error)) + '</table>';
    if (n.kind === 'subnet' && state.expanded[n.id])
      html += '<p><button id="pane-collapse">collapse its VMs</button></p>';
    html += '<h3>Findings</h3>' + findingsHtml(n);
    if (n.kind === 'nic' || n.kind === 'subnet') html += '<h3>Effective rules</h3>' + rulesHtml(n);
    if (n.kind === 'asg') html += '<h3>Members</h3><p>' + esc((n.members || []).map(function (m) {
      return byId[m] ? byId[m].name : m; }).join(', ')) + '</p>';
    if (n.kind === 'external') html += '<h3>Addresses</h3><p>' + esc((n.addresses || []).join(', ')) + '</p>';
    if (n.kind === 'nic') html += trafficHtml(id);
    pane.innerHTML = html;
    pane.hidden = false;
    pane.setAttribute('data-id', id);
    document.getElementById('pane-close').onclick = function () { closePane(); render(); };
    document.getElementById('pane-zoom').onclick = function () { zoomTo(id); };
    var col = document.getElementById('pane-collapse');
    if (col) col.onclick = function () { delete state.expanded[n.id]; render(); };
    render();
  }
  function closePane() {
    state.selected = null;
    pane.hidden = true;
    pane.removeAttribute('data-id');
  }
  svg.addEventListener('click', function (ev) {
    if (drag && drag.moved) return;
    var g = ev.target.closest && ev.target.closest('.node');
    if (g) openPane(g.getAttribute('data-id'));
  });

  // ---- the filter bar ---------------------------------------------------------------------
  var bar = document.getElementById('bar');
  function h(tag, attrs, text) {
    var x = document.createElement(tag);
    for (var k in attrs) x.setAttribute(k, attrs[k]);
    if (text != null) x.textContent = text;
    return x;
  }
  function check(parent, id, label, on, fn) {
    var l = h('label', {}), c = h('input', { type: 'checkbox', id: id });
    c.checked = on;
    c.onchange = function () { fn(c.checked); render(); };
    l.appendChild(c);
    l.appendChild(document.createTextNode(' ' + label));
    parent.appendChild(l);
    return c;
  }
  function buildBar() {
    bar.innerHTML = '';
    bar.appendChild(h('h1', {}, doc.title));
    if (doc.traffic) {
      var lf = h('fieldset', { id: 'layers' });
      lf.appendChild(h('legend', {}, 'Layer'));
      ['topology', 'traffic'].forEach(function (l) {
        var b = h('button', { id: 'layer-' + l, 'class': state.layer === l ? 'on' : '' },
                  l === 'topology' ? 'Topology' : 'Traffic');
        b.onclick = function () { state.layer = l; buildBar(); render(); fit(); };
        lf.appendChild(b);
      });
      bar.appendChild(lf);
    }
    var zf = h('fieldset', {});
    zf.appendChild(h('legend', {}, 'Network zone'));
    var sel = h('select', { id: 'zone' });
    [['all', 'Everything'], ['facing', 'Internet-facing'], ['internal', 'Internal'],
     ['peered', 'Peered VNets']].concat(doc.nodes.filter(function (n) {
      return n.kind === 'vnet' && n.in_corpus !== false;
    }).map(function (v) { return ['vnet:' + v.id, 'VNet ' + v.name]; })).forEach(function (o) {
      var opt = h('option', { value: o[0] }, o[1]);
      if (state.zone === o[0]) opt.selected = true;
      sel.appendChild(opt);
    });
    sel.onchange = function () { state.zone = sel.value; render(); fit(); };
    zf.appendChild(sel);
    bar.appendChild(zf);
    var sf = h('fieldset', { id: 'severity' });
    sf.appendChild(h('legend', {}, 'Security health'));
    SEVS.forEach(function (s) {
      check(sf, 'sev-' + s, s[0].toUpperCase() + s.slice(1), state.sev[s],
            function (v) { state.sev[s] = v; });
    });
    check(sf, 'sev-none', 'No findings', state.clean, function (v) { state.clean = v; });
    bar.appendChild(sf);
    var rf = h('fieldset', { id: 'recs' });
    rf.appendChild(h('legend', {}, 'Recommendations'));
    doc.recommendations.forEach(function (r) {
      if (!recCount[r.id]) return;
      check(rf, 'rec-' + r.id, r.id + ' (' + recCount[r.id] + ')', state.recs[r.id],
            function (v) { state.recs[r.id] = v; }).title = r.title;
    });
    bar.appendChild(rf);
    var reset = h('button', { id: 'reset' }, 'Reset');
    reset.onclick = function () { state = defaults(); closePane(); buildBar(); render(); fit(); };
    bar.appendChild(reset);
    var fitb = h('button', { id: 'fit' }, 'Fit');
    fitb.onclick = fit;
    bar.appendChild(fitb);
    bar.appendChild(h('span', { id: 'status' }));
  }

  buildBar();
  render();
  fit();
  // for tests and benchmarks
  window.nsgMap = {
    doc: doc,
    state: function () { return state; },
    counts: function () { return { nodes: shown.nodes, edges: shown.edges }; },
    render: render,
    renderMs: performance.now() - T0
  };
  document.body.setAttribute('data-ready', '1');
})();
