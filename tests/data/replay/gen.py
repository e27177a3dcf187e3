#!/usr/bin/env python3
"""gen.py - generator for the replay end-to-end test (tests/t_replay.sh).

Writes a small Azure topology (ARM JSON), two versions of one NSG, NSG flow
logs v2 and a VNet flow log in the blob layout, proposed NSGs for what-if,
and expected.json.  The logged decisions come from the small, independent
NSG evaluator below (Python's ipaddress module, REFERENCE.md section 1): it
shares no code with nsgproof.

usage: gen.py OUTDIR [--flip K] [--seed N] [--conns N]
(--conns: connections to generate, 400 by default; bench_replay.sh uses
more for an end-to-end figure)
"""
import ipaddress
import json
import os
import random
import sys

SUB = "00000000-0000-0000-0000-0000000000aa"
RG = "rg-replay"
PFX = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Network"
T0 = 1763640000          # 2025-11-20T12:00:00Z: topology and web-nsg v1
T1 = T0 + 2 * 3600       # 2025-11-20T14:00:00Z: web-nsg v2
T_END = T0 + 4 * 3600
VNET_SPACE = ["10.10.0.0/16"]
WIRESERVER = "168.63.129.16"
NOT_INTERNET = [ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8",
    "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/4",
    "240.0.0.0/4")]

DEFAULTS = [
    ("AllowVnetInBound", 65000, "Inbound", "VirtualNetwork", "VirtualNetwork",
     "Allow"),
    ("AllowAzureLoadBalancerInBound", 65001, "Inbound", "AzureLoadBalancer",
     "*", "Allow"),
    ("DenyAllInBound", 65500, "Inbound", "*", "*", "Deny"),
    ("AllowVnetOutBound", 65000, "Outbound", "VirtualNetwork",
     "VirtualNetwork", "Allow"),
    ("AllowInternetOutBound", 65001, "Outbound", "*", "Internet", "Allow"),
    ("DenyAllOutBound", 65500, "Outbound", "*", "*", "Deny"),
]


def rid(kind, name):
    return f"{PFX}/{kind}/{name}"


def rule(name, prio, direction, access, proto, src, dst, dports, sports="*"):
    return dict(name=name, priority=prio, direction=direction, access=access,
                protocol=proto, src=src if isinstance(src, list) else [src],
                dst=dst if isinstance(dst, list) else [dst],
                dports=dports if isinstance(dports, list) else [dports],
                sports=sports if isinstance(sports, list) else [sports])


# ---- the NSGs ---------------------------------------------------------------
SUB_NSG = [
    rule("AllowWebIn", 100, "Inbound", "Allow", "Tcp", "*", "10.10.1.0/24",
         ["80", "443"]),
    rule("AllowSshFromOffice", 110, "Inbound", "Allow", "Tcp",
         ["52.10.0.0/16", "20.30.40.0/24"], "*", "22"),
    rule("DenyBadNet", 120, "Inbound", "Deny", "*", "45.0.0.0/8", "*", "*"),
    rule("AllowDnsUdp", 130, "Inbound", "Allow", "Udp", "Internet", "*", "53"),
    rule("AllowHighPorts", 140, "Inbound", "Allow", "Tcp", "*", "*",
         "8000-8100"),
    rule("DenySmtpOut", 100, "Outbound", "Deny", "Tcp", "*", "Internet", "25"),
]
WEB_V1 = [
    rule("AllowHttpIn", 100, "Inbound", "Allow", "Tcp", "Internet", "*",
         ["80", "443"]),
    rule("AllowSshOffice", 110, "Inbound", "Allow", "Tcp", "52.10.0.0/16",
         "*", "22"),
    rule("AllowAppPortsFromPartnersAndTheOldDatacenterRangeAndTheBranchOffices", 120, "Inbound",
         "Allow", "Tcp", ["20.30.40.0/24", "91.0.0.0/8"], "*", "8000-8050"),
    rule("DenyOutToBadNet", 100, "Outbound", "Deny", "*", "*", "45.0.0.0/8",
         "*"),
]
WEB_V2 = [  # SSH from the office removed, HTTP (80) closed, a new deny
    rule("AllowHttpsIn", 100, "Inbound", "Allow", "Tcp", "Internet", "*",
         "443"),
    rule("DenyHighFromOldDc", 105, "Inbound", "Deny", "Tcp", "91.0.0.0/8",
         "*", "8000-8100"),
    rule("AllowAppPortsFromPartnersAndTheOldDatacenterRangeAndTheBranchOffices", 120, "Inbound",
         "Allow", "Tcp", ["20.30.40.0/24", "91.0.0.0/8"], "*", "8000-8050"),
    rule("DenyOutToBadNet", 100, "Outbound", "Deny", "*", "*", "45.0.0.0/8",
         "*"),
]
APP_NSG = [
    rule("AllowFromFront", 100, "Inbound", "Allow", "Tcp", "10.10.1.0/24",
         "*", ["5432", "6379"]),
    rule("DenyInternetIn", 200, "Inbound", "Deny", "*", "Internet", "*", "*"),
    rule("AllowUdpSyslogOut", 100, "Outbound", "Allow", "Udp", "*",
         "52.0.0.0/8", "514"),
]
GUIDS = {"sub-nsg": "5b0d7c1e-0000-4000-8000-000000000001",
         "web-nsg": "5b0d7c1e-0000-4000-8000-000000000002",
         "app-nsg": "5b0d7c1e-0000-4000-8000-000000000003"}


def arm_rule(nsg, r, default=False):
    p = dict(priority=r["priority"], direction=r["direction"],
             access=r["access"], protocol=r["protocol"],
             provisioningState="Succeeded")
    for side, key in (("src", "sourceAddressPrefix"),
                      ("dst", "destinationAddressPrefix")):
        if len(r[side]) == 1:
            p[key] = r[side][0]
        else:
            p[key + "es"] = r[side]
    for side, key in (("sports", "sourcePortRange"),
                      ("dports", "destinationPortRange")):
        if len(r[side]) == 1:
            p[key] = r[side][0]
        else:
            p[key + "s"] = r[side]
    kind = "defaultSecurityRules" if default else "securityRules"
    return {"name": r["name"],
            "id": rid("networkSecurityGroups", nsg) + f"/{kind}/{r['name']}",
            "etag": 'W/"1"', "properties": p}


def default_rules():
    return [rule(n, p, d, a, "*", s, t, "*") for n, p, d, s, t, a in DEFAULTS]


def arm_nsg(name, rules, subnets=(), nics=()):
    return {"name": name, "id": rid("networkSecurityGroups", name),
            "type": "Microsoft.Network/networkSecurityGroups",
            "location": "westeurope", "etag": 'W/"1"',
            "properties": {
                "resourceGuid": GUIDS[name],
                "securityRules": [arm_rule(name, r) for r in rules],
                "defaultSecurityRules": [arm_rule(name, r, True)
                                         for r in default_rules()],
                "subnets": [{"id": s} for s in subnets],
                "networkInterfaces": [{"id": n} for n in nics]}}


VNET = rid("virtualNetworks", "vnet-replay")
SUBNETS = {"front": ("10.10.1.0/24", "sub-nsg"), "back": ("10.10.2.0/24", None)}
NICS = {  # name: (ip, subnet, nic nsg, mac)
    "web1": ("10.10.1.4", "front", "web-nsg", "000D3A7A0001"),
    "web2": ("10.10.1.5", "front", None, "000D3A7A0002"),
    "app1": ("10.10.2.4", "back", "app-nsg", "000D3A7A0003"),
}
GHOST_MAC = "000D3A7AFFFF"  # a NIC that is not in the corpus


def subnet_id(s):
    return f"{VNET}/subnets/{s}"


def arm_topology():
    subnets = []
    for s, (pfx, nsg) in SUBNETS.items():
        p = {"addressPrefix": pfx}
        if nsg:
            p["networkSecurityGroup"] = {"id": rid("networkSecurityGroups",
                                                   nsg)}
        subnets.append({"name": s, "id": subnet_id(s), "properties": p})
    res = [{"name": "vnet-replay", "id": VNET,
            "type": "Microsoft.Network/virtualNetworks",
            "location": "westeurope",
            "properties": {"addressSpace": {"addressPrefixes": VNET_SPACE},
                           "subnets": subnets}}]
    for n, (ip, s, nsg, mac) in NICS.items():
        p = {"macAddress": "-".join(mac[i:i + 2] for i in range(0, 12, 2)),
             "ipConfigurations": [{
                 "name": "ipconfig1",
                 "id": rid("networkInterfaces", n) +
                 "/ipConfigurations/ipconfig1",
                 "properties": {"privateIPAddress": ip, "primary": True,
                                "subnet": {"id": subnet_id(s)}}}]}
        if nsg:
            p["networkSecurityGroup"] = {"id": rid("networkSecurityGroups",
                                                   nsg)}
        res.append({"name": n, "id": rid("networkInterfaces", n),
                    "type": "Microsoft.Network/networkInterfaces",
                    "location": "westeurope", "properties": p})
    res.append(arm_nsg("sub-nsg", SUB_NSG, [subnet_id("front")]))
    res.append(arm_nsg("app-nsg", APP_NSG, [], [rid("networkInterfaces",
                                                     "app1")]))
    return {"value": res}


# ---- the independent evaluator ---------------------------------------------
def in_vnet_tag(ip):
    return ip == ipaddress.ip_address(WIRESERVER) or any(
        ip in ipaddress.ip_network(n) for n in VNET_SPACE)


def addr_match(items, ip):
    for it in items:
        if it == "*":
            return True
        if it == "VirtualNetwork":
            if in_vnet_tag(ip):
                return True
        elif it == "Internet":
            if not in_vnet_tag(ip) and not any(ip in n for n in NOT_INTERNET):
                return True
        elif it == "AzureLoadBalancer":
            if ip == ipaddress.ip_address(WIRESERVER):
                return True
        elif ip in ipaddress.ip_network(it, strict=False):
            return True
    return False


def port_match(ranges, port):
    for r in ranges:
        if r == "*":
            return True
        lo, _, hi = r.partition("-")
        if int(lo) <= port <= int(hi or lo):
            return True
    return False


def evaluate(rules, d, proto, src, sport, dst, dport):
    """First match among the NSG's rules then the defaults: (access, logged
    rule name)."""
    cands = [(r, "UserRule_") for r in rules] + \
        [(r, "DefaultRule_") for r in default_rules()]
    cands = sorted((c for c in cands if c[0]["direction"] == d),
                   key=lambda c: c[0]["priority"])
    s, t = ipaddress.ip_address(src), ipaddress.ip_address(dst)
    for r, prefix in cands:
        if r["protocol"] != "*" and r["protocol"] != proto:
            continue
        if not addr_match(r["src"], s) or not addr_match(r["dst"], t):
            continue
        if not port_match(r["sports"], sport) or \
                not port_match(r["dports"], dport):
            continue
        return r["access"], prefix + r["name"]
    raise AssertionError("no default rule matched")


def nsg_rules(name, t):
    if name == "web-nsg":
        return WEB_V1 if t < T1 else WEB_V2
    return {"sub-nsg": SUB_NSG, "app-nsg": APP_NSG}[name]


def levels(nic, d):
    ip, s, nicnsg, mac = NICS[nic]
    subnsg = SUBNETS[s][1]
    order = [subnsg, nicnsg] if d == "Inbound" else [nicnsg, subnsg]
    return [n for n in order if n]


# ---- flows ------------------------------------------------------------------
PUBLIC = ["52.10.3.4", "52.10.200.9", "20.30.40.7", "91.2.3.4", "91.200.1.1",
          "45.6.7.8", "8.8.8.8", "13.107.4.50", "104.16.1.1", "52.99.1.2"]
INTERNAL = ["10.10.1.4", "10.10.1.5", "10.10.2.4", "10.10.3.9"]
PORTS = [22, 25, 53, 80, 443, 514, 3389, 5432, 6379, 8000, 8040, 8060, 8443]


def conn_times(rng):
    start = rng.randrange(T0, T_END - 1800)
    dur = rng.choice([0, 0, 600, 1500, 5400])
    return start, min(start + dur, T_END - 1)


def make_connections(rng, n):
    conns = []
    for i in range(n):
        nic = rng.choice(list(NICS))
        ip = NICS[nic][0]
        d = rng.choice(["Inbound", "Inbound", "Outbound"])
        proto = rng.choice(["Tcp", "Tcp", "Tcp", "Udp"])
        peer = rng.choice(PUBLIC + INTERNAL)
        if peer == ip:
            peer = PUBLIC[0]
        sport = 20000 + i % 45000
        dport = rng.choice(PORTS)
        src, dst = (peer, ip) if d == "Inbound" else (ip, peer)
        start, end = conn_times(rng)
        conns.append(dict(nic=nic, d=d, proto=proto, src=src, dst=dst,
                          sport=sport, dport=dport, start=start, end=end,
                          both=rng.random() < 0.5))
    for i, src in enumerate(["8.8.8.8", "13.107.4.50", "104.16.1.1",
                             "8.8.8.8"]):  # HTTPS to web1, for the what-if
        start, end = conn_times(rng)
        conns.append(dict(nic="web1", d="Inbound", proto="Tcp", src=src,
                          dst=NICS["web1"][0], sport=10000 + i, dport=443,
                          start=start, end=end, both=i % 2 == 0))
    return conns


def tuple_times(c):
    """B at start, C every 5 minutes, E at the end (one B when no end or
    when the connection is denied at its start)."""
    out = [("B", c["start"])]
    denied = any(a == "Deny" for _, (a, _) in decide(c, c["start"],
                                                    c["start"]))
    if c["end"] > c["start"] and not denied:
        t = c["start"] + 300
        while t < c["end"]:
            out.append(("C", t))
            t += 300
        out.append(("E", c["end"]))
    return out


def decide(c, t, started):
    """The NSG levels' results for a connection at time t.  Established
    connections keep the decision of the rules in force when they began."""
    res = []
    for n in levels(c["nic"], c["d"]):
        rules = nsg_rules(n, started)
        res.append((n, evaluate(rules, c["d"], c["proto"], c["src"],
                                c["sport"], c["dst"], c["dport"])))
        if res[-1][1][0] == "Deny":
            break
    return res


def generate(out, flip, seed, nconns=400):
    rng = random.Random(seed)
    conns = make_connections(rng, nconns)
    logs = {}      # (nsg, mac, hour) -> list of (rule, tuple text)
    vnet_logs = {}  # (mac, hour) -> list of (aclID, rule, tuple text)
    exp = dict(flows_total=0, agree=0, disagree=0, established=0, v1_only=0,
               unevaluated=0, unevaluated_reasons={}, per_nsg={})
    tuples = []  # logged NSG B tuples expected to agree, for flipping
    exp["agree_truncated"] = 0

    def count(nsg, key, n=1):
        exp[key] += n
        p = exp["per_nsg"].setdefault(nsg, dict(flows_total=0, agree=0,
                                                established=0, unevaluated=0))
        p["flows_total"] += n
        if key != "disagree":
            p[key] += n

    for c in conns:
        for state, t in tuple_times(c):
            res = decide(c, t, c["start"])
            # a C/E after the change, begun before it: evaluated with v2 by
            # nsgproof; "established" when v2 would answer differently
            now = decide(c, t, t)
            vnet = c["nic"] == "app1"
            for i, (nsg, (access, rname)) in enumerate(res):
                # which NSG of two logs an allowed flow is not guaranteed:
                # the second level logs it, the first one sometimes does
                if len(res) == 2 and i == 0 and access == "Allow" and \
                        not c["both"]:
                    continue
                a = "A" if access == "Allow" else "D"
                hour = t - t % 3600
                same = now[i][1] if i < len(now) else None
                cls = "established" if nsg == "web-nsg" and \
                    same != (access, rname) else "agree"
                if nsg == "web-nsg" and t < T1 and (access, rname) != \
                        evaluate(WEB_V2, c["d"], c["proto"], c["src"],
                                 c["sport"], c["dst"], c["dport"]):
                    exp["v1_only"] += 1  # agrees only with the older rules
                count(nsg, cls)
                if vnet:
                    st = "D" if a == "D" else state
                    counters = "" if st in "BD" else "7,900,5,700"
                    proto = "6" if c["proto"] == "Tcp" else "17"
                    txt = (f"{t * 1000},{c['src']},{c['dst']},{c['sport']},"
                           f"{c['dport']},{proto},{c['d'][0]},{st},NX,"
                           f"{counters or '0,0,0,0'}")
                    vnet_logs.setdefault((NICS[c['nic']][3], hour), []).append(
                        (GUIDS[nsg], rname, txt))
                    continue
                counters = ",,," if state == "B" else "7,900,5,700"
                txt = (f"{t},{c['src']},{c['dst']},{c['sport']},"
                       f"{c['dport']},{c['proto'][0]},{c['d'][0]},{a},"
                       f"{state},{counters}")
                # Azure truncates long rule names in its logs: the logged
                # name (prefix included) is cut at 65 characters
                logged = rname[:65]
                if cls == "agree" and logged != rname:
                    exp["agree_truncated"] += 1
                entry = [logged, txt, a]
                logs.setdefault((nsg, NICS[c["nic"]][3], hour),
                                []).append(entry)
                # flip only B tuples: each is its own aggregate and none can
                # count as an established connection
                if cls == "agree" and state == "B" and logged == rname:
                    tuples.append(entry)
    # unevaluable tuples: an unknown NIC, platform and admin rules
    ghost = [("UserRule_AllowWebIn",
              f"{T0 + 100},8.8.8.8,10.10.1.77,40000,80,T,I,A,B,,,,", "A")]
    logs[("sub-nsg", GHOST_MAC, T0)] = [list(g) for g in ghost]
    count("sub-nsg", "unevaluated")
    exp["unevaluated_reasons"]["unknown_mac"] = 1
    mac = NICS["app1"][3]
    vnet_logs.setdefault((mac, T0), []).extend([
        ("00000000-0000-0000-0000-000000000000", "PlatformRule",
         f"{(T0 + 50) * 1000},10.10.2.4,168.63.129.16,40001,53,17,O,B,NX,"
         "0,0,0,0"),
        (GUIDS["app-nsg"], "BlockTelnetEverywhere",
         f"{(T0 + 60) * 1000},52.1.1.1,10.10.2.4,40002,23,6,I,D,NX,0,0,0,0"),
    ])
    exp["unevaluated"] += 2
    exp["flows_total"] += 2
    exp["unevaluated_reasons"]["platform_rule"] = 1
    exp["unevaluated_reasons"]["admin_rule"] = 1
    exp["per_nsg"]["app-nsg"]["flows_total"] += 1
    exp["per_nsg"]["app-nsg"]["unevaluated"] += 1
    exp["flows_total"] = exp["agree"] + exp["established"] + \
        exp["unevaluated"]

    exp["whatif"] = whatif_expect(logs)
    # flip K logged decisions of distinct tuples
    flipped = rng.sample(range(len(tuples)), flip) if flip else []
    for k in flipped:
        rname, txt, a = tuples[k]
        f = txt.split(",")
        f[7] = "D" if a == "A" else "A"
        tuples[k][1] = ",".join(f)
    exp["flipped"] = len(flipped)
    exp["agree"] -= len(flipped)
    exp["disagree"] += len(flipped)

    write_flowlogs(out, logs, vnet_logs)
    write_configs(out)
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(exp, f, indent=1, sort_keys=True)


def whatif_expect(logs):
    """Expected what-if counts of proposed-block.json (web-nsg v2 without
    AllowHttpsIn): flows through web1 whose decision changes, deduplicated
    per NIC, state and hour as observed in the logs."""
    seen, per_log = {}, {}
    for (nsg, mac, hour), items in logs.items():
        if mac != NICS["web1"][3]:
            continue
        for rname, txt, a in items:
            f = txt.split(",")
            key = tuple(f[1:7]) + (f[8], hour)
            seen[key] = f
            per_log[(nsg, key)] = per_log.get((nsg, key), 0) + 1
    counts = {}
    for (nsg, key), n in per_log.items():  # same tuple in two logs: once
        counts[key] = max(counts.get(key, 0), n)
    prop = [r for r in WEB_V2 if r["name"] != "AllowHttpsIn"]
    denied, srcs = 0, set()
    for key, f in seen.items():
        d = "Inbound" if f[6] == "I" else "Outbound"
        proto = "Tcp" if f[5] == "T" else "Udp"
        args = (d, proto, f[1], int(f[3]), f[2], int(f[4]))

        def through(web):
            for n in levels("web1", d):
                rules = web if n == "web-nsg" else nsg_rules(n, T_END)
                if evaluate(rules, *args)[0] == "Deny":
                    return "Deny"
            return "Allow"
        if through(WEB_V2) == "Allow" and through(prop) == "Deny":
            denied += counts[key]
            srcs.add(f[1])
    return dict(newly_denied=denied, distinct_sources=len(srcs))


def blob_dir(out, kind, rid_upper, hour, mac):
    import time
    tm = time.gmtime(hour)
    p = os.path.join(out, "flows", f"{kind}={rid_upper}",
                     f"y={tm.tm_year}", f"m={tm.tm_mon:02d}",
                     f"d={tm.tm_mday:02d}", f"h={tm.tm_hour:02d}", "m=00",
                     f"macAddress={mac}")
    os.makedirs(p, exist_ok=True)
    return os.path.join(p, "PT1H.json")


def iso(t):
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(t))


def write_flowlogs(out, logs, vnet_logs):
    for (nsg, mac, hour), items in sorted(logs.items()):
        nid = rid("networkSecurityGroups", nsg).upper()
        by_rule = {}
        for rname, txt, a in items:
            by_rule.setdefault(rname, []).append(txt)
        rec = {"time": iso(hour + 59), "systemId": "sys-" + GUIDS[nsg],
               "macAddress": mac,
               "category": "NetworkSecurityGroupFlowEvent",
               "resourceId": nid,
               "operationName": "NetworkSecurityGroupFlowEvents",
               "properties": {"Version": 2, "flows": [
                   {"rule": r, "flows": [{"mac": mac, "flowTuples": tl}]}
                   for r, tl in sorted(by_rule.items())]}}
        with open(blob_dir(out, "resourceId", nid, hour, mac), "w") as f:
            json.dump({"records": [rec]}, f)
    flrid = (f"/SUBSCRIPTIONS/{SUB}/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/"
             "MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_WESTEUROPE/"
             "FLOWLOGS/VNETFLOWLOG")
    for (mac, hour), items in sorted(vnet_logs.items()):
        acls = {}
        for acl, rname, txt in items:
            acls.setdefault(acl, {}).setdefault(rname, []).append(txt)
        rec = {"time": iso(hour + 59), "flowLogVersion": 4,
               "flowLogGUID": "6a2b1c3d-0000-4000-8000-00000000f10e",
               "macAddress": mac, "category": "FlowLogFlowEvent",
               "flowLogResourceID": flrid,
               "targetResourceID": rid("networkInterfaces", "app1"),
               "operationName": "FlowLogFlowEvent",
               "flowRecords": {"flows": [
                   {"aclID": acl, "flowGroups": [
                       {"rule": r, "flowTuples": tl}
                       for r, tl in sorted(groups.items())]}
                   for acl, groups in sorted(acls.items())]}}
        with open(blob_dir(out, "flowLogResourceID", flrid, hour, mac),
                  "w") as f:
            json.dump({"records": [rec]}, f)


def write_configs(out):
    def dump(name, obj):
        with open(os.path.join(out, name), "w") as f:
            json.dump(obj, f, indent=1)
    dump("topology.json", arm_topology())
    web_nic = [rid("networkInterfaces", "web1")]
    dump("web-nsg-v1.json", arm_nsg("web-nsg", WEB_V1, [], web_nic))
    dump("web-nsg-v2.json", arm_nsg("web-nsg", WEB_V2, [], web_nic))
    block = arm_nsg("web-nsg", [r for r in WEB_V2
                                if r["name"] != "AllowHttpsIn"], [], web_nic)
    dump("proposed-block.json", block)
    harmless = arm_nsg("web-nsg", WEB_V2 + [rule(
        "DenyUnusedPort", 4000, "Inbound", "Deny", "Tcp", "*", "*", "5999")],
        [], web_nic)
    dump("proposed-harmless.json", harmless)
    ghost = arm_nsg("web-nsg", WEB_V2)
    ghost["name"] = "no-such-nsg"
    ghost["id"] = rid("networkSecurityGroups", "no-such-nsg")
    dump("proposed-unknown.json", ghost)
    with open(os.path.join(out, "proposed-bad.json"), "w") as f:
        f.write('{"name": "web-nsg", "properties": {"securityRules": [')


def main():
    args = sys.argv[1:]
    out, flip, seed = args[0], 0, 7
    if "--flip" in args:
        flip = int(args[args.index("--flip") + 1])
    if "--seed" in args:
        seed = int(args[args.index("--seed") + 1])
    nconns = int(args[args.index("--conns") + 1]) if "--conns" in args else 400
    os.makedirs(out, exist_ok=True)
    generate(out, flip, seed, nconns)


if __name__ == "__main__":
    main()
