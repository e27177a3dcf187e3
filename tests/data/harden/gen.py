#!/usr/bin/env python3
"""gen.py - generated topologies for the hardening tests (tests/t_harden.sh).

Writes an Azure topology (ARM JSON) and weeks of NSG flow logs v2 whose
logged decisions come from the small, independent NSG evaluator below
(Python's ipaddress module, REFERENCE.md section 1: first match by priority,
inbound subnet NSG then NIC NSG, both must allow).  It shares no code with
nsgproof.  The topology:

  vnet-h 10.20.0.0/16
    front 10.20.1.0/24  [front-nsg, shared by front-0..front-3]
      front-0 has its own NIC NSG nic0-nsg (protocol "*", every port)
    shared 10.20.2.0/24 [shared-nsg]
      sh-0 (public IP, every day), sh-1 (no public IP, 5 days of flows):
      shared-nsg must not be narrowed (sh-1 has too little data)
    back 10.20.3.0/24   (no subnet NSG)
      back-0 [back-nsg]
      lb-0 [lb-nsg], behind the public load balancer lb-pub

usage: gen.py OUTDIR [--days N] [--seed N]
       gen.py --check OUTDIR PLAN.json [--exclude FILE]
         replays every observed flow against the plan applied (this file's
         evaluator) and prints a JSON verdict: flows the current rules allow
         and the plan denies (legitimate = logged allowed, source not
         excluded), and checks of the plan's shape.
"""
import ipaddress
import json
import os
import random
import sys

SUB = "00000000-0000-0000-0000-0000000000bb"
RG = "rg-harden"
PFX = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Network"
T0 = 1790812800  # 2026-10-01T00:00:00Z
VNET = ipaddress.ip_network("10.20.0.0/16")
LB = ipaddress.ip_address("168.63.129.16")
NOT_INTERNET = [ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "25.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8",
    "169.254.0.0/16", "172.16.0.0/12", "192.0.2.0/24", "192.168.0.0/16",
    "198.18.0.0/15", "224.0.0.0/3")]

DEFAULTS = [
    ("AllowVnetInBound", 65000, "Allow", "*", ["VirtualNetwork"],
     ["VirtualNetwork"], ["*"]),
    ("AllowAzureLoadBalancerInBound", 65001, "Allow", "*",
     ["AzureLoadBalancer"], ["*"], ["*"]),
    ("DenyAllInBound", 65500, "Deny", "*", ["*"], ["*"], ["*"]),
]


def R(name, prio, access, proto, src, dst, dports):
    return dict(name=name, priority=prio, access=access, protocol=proto,
                src=src, dst=dst, dports=dports, sports=["*"])


NSGS = {
    "front-nsg": [
        R("AllowHttps", 100, "Allow", "Tcp", ["*"], ["*"], ["443"]),
        R("AllowSsh", 200, "Allow", "Tcp", ["*"], ["10.20.1.0/24"], ["22"]),
        R("DenyBadNet", 205, "Deny", "*", ["45.0.0.0/8"], ["*"], ["*"]),
        R("AllowRdp", 210, "Allow", "Tcp", ["Internet"], ["*"], ["3389"]),
        R("AllowSqlPartners", 220, "Allow", "Tcp",
          ["52.0.0.0/8", "20.0.0.0/8"], ["*"], ["1433", "3306"]),
        R("AllowDnsUdp", 230, "Allow", "Udp", ["*"], ["*"], ["53"]),
        R("AllowWinRm", 240, "Allow", "Tcp", ["VirtualNetwork"], ["*"],
          ["5985-5986"]),
    ],
    "nic0-nsg": [
        R("AllowAllIn", 300, "Allow", "*", ["*"], ["*"], ["*"]),
    ],
    "shared-nsg": [
        R("AllowSshShared", 200, "Allow", "Tcp", ["*"], ["*"], ["22"]),
    ],
    "back-nsg": [
        R("AllowSshRdp", 100, "Allow", "Tcp", ["Internet"], ["*"],
          ["22", "3389"]),
    ],
    "lb-nsg": [
        R("AllowSshAll", 200, "Allow", "Tcp", ["*"], ["*"], ["22"]),
    ],
}

# NIC: (subnet, ip, nic nsg, public ip?, mac, days of flows)
NICS = {
    "front-0": ("front", "10.20.1.4", "nic0-nsg", True, "000D3A200104"),
    "front-1": ("front", "10.20.1.5", None, True, "000D3A200105"),
    "front-2": ("front", "10.20.1.6", None, True, "000D3A200106"),
    "front-3": ("front", "10.20.1.7", None, True, "000D3A200107"),
    "sh-0": ("shared", "10.20.2.4", None, True, "000D3A200204"),
    "sh-1": ("shared", "10.20.2.5", None, False, "000D3A200205"),
    "back-0": ("back", "10.20.3.4", "back-nsg", True, "000D3A200304"),
    # no public IP of its own: internet-facing through a public load
    # balancer frontend (rule tcp/22 to its backend pool)
    "lb-0": ("back", "10.20.3.5", "lb-nsg", False, "000D3A200305"),
}
SUBNETS = {"front": ("10.20.1.0/24", "front-nsg"),
           "shared": ("10.20.2.0/24", "shared-nsg"),
           "back": ("10.20.3.0/24", None)}


def rid(kind, name):
    return f"{PFX}/{kind}/{name}"


# ---- the evaluator (independent of nsgproof) ------------------------------
def in_tag(tag, ip):
    if tag == "*":
        return True
    if tag == "VirtualNetwork":
        return ip in VNET or ip == LB
    if tag == "AzureLoadBalancer":
        return ip == LB
    if tag == "Internet":
        return ip not in VNET and not any(ip in n for n in NOT_INTERNET)
    return ip in ipaddress.ip_network(tag, strict=False)


def port_in(p, ranges):
    for r in ranges:
        if r == "*":
            return True
        lo, _, hi = r.partition("-")
        if int(lo) <= p <= int(hi or lo):
            return True
    return False


def rule_matches(r, proto, src, dst, sport, dport):
    if r["protocol"] != "*" and r["protocol"].lower() != proto.lower():
        return False
    if not any(in_tag(a, src) for a in r["src"]):
        return False
    if not any(in_tag(a, dst) for a in r["dst"]):
        return False
    return port_in(dport, r["dports"]) and port_in(sport, r["sports"])


def all_rules(nsg, extra=()):
    rules = list(NSGS[nsg]) + list(extra)
    rules.sort(key=lambda r: r["priority"])
    return rules + [R(n, p, a, pr, s, d, dp) for n, p, a, pr, s, d, dp
                    in DEFAULTS]


def eval_nsg(nsg, pkt, extra=()):
    for r in all_rules(nsg, extra):
        if rule_matches(r, *pkt):
            return r["access"], r["name"], r["priority"] >= 65000
    return "Deny", "none", True


def eval_nic(nic, pkt, extra=None):
    """Inbound: subnet NSG then NIC NSG.  Returns (access, nsg, rule, dflt)."""
    extra = extra or {}
    sub, _, nicnsg, _, _ = NICS[nic]
    levels = [SUBNETS[sub][1], nicnsg]
    last = None
    for nsg in levels:
        if not nsg:
            continue
        a, rule, dflt = eval_nsg(nsg, pkt, extra.get(nsg, ()))
        last = (a, nsg, rule, dflt)
        if a == "Deny":
            return last
    return last or ("Allow", None, None, False)


# ---- the topology ------------------------------------------------------------
def arm_rule(nsg, r, default=False):
    p = dict(priority=r["priority"], direction="Inbound", access=r["access"],
             protocol=r["protocol"])
    for side, key in (("src", "sourceAddressPrefix"),
                      ("dst", "destinationAddressPrefix")):
        if len(r[side]) == 1:
            p[key] = r[side][0]
        else:
            p[key + "es"] = r[side]
    p["sourcePortRange"] = "*"
    if len(r["dports"]) == 1:
        p["destinationPortRange"] = r["dports"][0]
    else:
        p["destinationPortRanges"] = r["dports"]
    kind = "defaultSecurityRules" if default else "securityRules"
    return {"name": r["name"],
            "id": rid("networkSecurityGroups", nsg) + f"/{kind}/{r['name']}",
            "properties": p}


def topology():
    res = []
    subnets = []
    for s, (pfx, nsg) in SUBNETS.items():
        p = {"addressPrefix": pfx}
        if nsg:
            p["networkSecurityGroup"] = {"id": rid("networkSecurityGroups",
                                                   nsg)}
        subnets.append({"name": s, "id": rid("virtualNetworks", "vnet-h") +
                        f"/subnets/{s}", "properties": p})
    res.append({"name": "vnet-h", "id": rid("virtualNetworks", "vnet-h"),
                "type": "Microsoft.Network/virtualNetworks",
                "location": "westeurope",
                "properties": {"addressSpace": {"addressPrefixes":
                                                ["10.20.0.0/16"]},
                               "subnets": subnets}})
    for nsg, rules in NSGS.items():
        res.append({
            "name": nsg, "id": rid("networkSecurityGroups", nsg),
            "type": "Microsoft.Network/networkSecurityGroups",
            "location": "westeurope", "etag": f'W/"{nsg}-1"',
            "tags": {"owner": "netops", "env": "test"},
            "properties": {
                "securityRules": [arm_rule(nsg, r) for r in rules],
                "someFutureProperty": {"kept": True}}})
    for i, (nic, (sub, ip, nicnsg, pub, mac)) in enumerate(NICS.items()):
        ipc = {"privateIPAddress": ip, "primary": True,
               "subnet": {"id": rid("virtualNetworks", "vnet-h") +
                          f"/subnets/{sub}"}}
        if pub:
            ipc["publicIPAddress"] = {"id": rid("publicIPAddresses",
                                                f"pip-{nic}")}
            res.append({"name": f"pip-{nic}",
                        "id": rid("publicIPAddresses", f"pip-{nic}"),
                        "type": "Microsoft.Network/publicIPAddresses",
                        "properties": {"ipAddress": f"20.60.0.{10 + i}"}})
        p = {"macAddress": "-".join(mac[k:k + 2] for k in range(0, 12, 2)),
             "ipConfigurations": [{"name": "ipconfig1",
                                   "id": rid("networkInterfaces", nic) +
                                   "/ipConfigurations/ipconfig1",
                                   "properties": ipc}]}
        if nicnsg:
            p["networkSecurityGroup"] = {"id": rid("networkSecurityGroups",
                                                   nicnsg)}
        res.append({"name": nic, "id": rid("networkInterfaces", nic),
                    "type": "Microsoft.Network/networkInterfaces",
                    "properties": p})
    lb = rid("loadBalancers", "lb-pub")
    res.append({"name": "pip-lb", "id": rid("publicIPAddresses", "pip-lb"),
                "type": "Microsoft.Network/publicIPAddresses",
                "properties": {"ipAddress": "20.60.0.99"}})
    res.append({
        "name": "lb-pub", "id": lb, "type": "Microsoft.Network/loadBalancers",
        "sku": {"name": "Standard"},
        "properties": {
            "frontendIPConfigurations": [{
                "name": "fe", "id": lb + "/frontendIPConfigurations/fe",
                "properties": {"publicIPAddress": {
                    "id": rid("publicIPAddresses", "pip-lb")}}}],
            "backendAddressPools": [{
                "name": "pool", "id": lb + "/backendAddressPools/pool",
                "properties": {"backendIPConfigurations": [{
                    "id": rid("networkInterfaces", "lb-0") +
                    "/ipConfigurations/ipconfig1"}]}}],
            "loadBalancingRules": [{
                "name": "ssh", "id": lb + "/loadBalancingRules/ssh",
                "properties": {
                    "frontendIPConfiguration": {
                        "id": lb + "/frontendIPConfigurations/fe"},
                    "backendAddressPool": {
                        "id": lb + "/backendAddressPools/pool"},
                    "protocol": "Tcp", "frontendPort": 22,
                    "backendPort": 22}}]}})
    return {"value": res}


# ---- traffic -----------------------------------------------------------------
def hosts(net, n, rnd):
    net = ipaddress.ip_network(net)
    all_h = list(net.hosts()) if net.num_addresses > 2 else list(net)
    return [str(h) for h in (all_h if n >= len(all_h)
                             else rnd.sample(all_h, n))]


def traffic(rnd):
    """Per NIC: list of (proto, src, dport, days) sources."""
    t = {}
    for i in range(4):
        nic = f"front-{i}"
        t[nic] = [
            # each front NIC has its own SSH clients: the shared subnet NSG
            # must keep every NIC's sources
            ("T", hosts(f"52.10.{20 + i}.0/29", 8, rnd), 22),
            ("T", hosts(f"40.1.{i}.0/24", 3, rnd), 22),
            ("T", hosts("20.30.40.0/28", 5, rnd), 3389),
            ("T", hosts("52.200.1.0/30", 4, rnd), 1433),
            ("U", hosts("8.8.0.0/16", 6, rnd), 53),
            ("T", [str(LB)], 5985),
            ("T", hosts("203.0.113.0/24", 4, rnd), 443),
            # scanners: allowed by AllowSsh (source *), a threat list names
            # them (--exclude-sources)
            ("T", hosts("185.220.101.0/24", 6, rnd), 22),
            # denied: a bad network on RDP
            ("T", hosts("45.1.2.0/24", 3, rnd), 3389),
        ]
    t["sh-0"] = [("T", hosts("52.77.0.0/28", 4, rnd), 22)]
    t["sh-1"] = [("T", hosts("52.78.0.0/28", 4, rnd), 22)]
    t["back-0"] = [("T", hosts("52.80.1.0/29", 6, rnd), 22),
                   ("T", hosts("52.80.2.0/30", 2, rnd), 3389)]
    t["lb-0"] = [("T", hosts("52.81.1.0/29", 5, rnd), 22)]
    return t


def flows(outdir, days, rnd):
    obs = []
    blobs = {}
    for nic, plan in traffic(rnd).items():
        ip = NICS[nic][1]
        ndays = 5 if nic == "sh-1" else days
        for d in range(days - ndays, days):
            base = T0 + d * 86400 + 12 * 3600
            for proto, srcs, dport in plan:
                for k, src in enumerate(srcs):
                    if rnd.random() < 0.3 and len(srcs) > 2:
                        continue  # not every source every day
                    t = base + rnd.randrange(0, 3000)
                    sport = 40000 + rnd.randrange(0, 20000)
                    pkt = ("Tcp" if proto == "T" else "Udp",
                           ipaddress.ip_address(src),
                           ipaddress.ip_address(ip), sport, dport)
                    a, nsg, rule, dflt = eval_nic(nic, pkt)
                    if nsg is None:
                        continue
                    dec = "A" if a == "Allow" else "D"
                    obs.append([nic, proto, src, ip, sport, dport, dec, t])
                    name = ("DefaultRule_" if dflt else "UserRule_") + rule
                    key = (nsg, NICS[nic][4], base // 3600)
                    tup = f"{t},{src},{ip},{sport},{dport},{proto},I,{dec},B,,,,"
                    blobs.setdefault(key, {}).setdefault(name, []).append(tup)
    for (nsg, mac, hour), rules in blobs.items():
        import time
        tm = time.gmtime(hour * 3600)
        d = os.path.join(
            outdir, "flows", "resourceId=", "SUBSCRIPTIONS", SUB,
            "RESOURCEGROUPS", RG.upper(), "PROVIDERS", "MICROSOFT.NETWORK",
            "NETWORKSECURITYGROUPS", nsg.upper(), f"y={tm.tm_year}",
            f"m={tm.tm_mon:02d}", f"d={tm.tm_mday:02d}",
            f"h={tm.tm_hour:02d}", "m=00", f"macAddress={mac}")
        os.makedirs(d, exist_ok=True)
        rec = {"time": f"{tm.tm_year}-{tm.tm_mon:02d}-{tm.tm_mday:02d}T"
                       f"{tm.tm_hour:02d}:00:00.000Z",
               "systemId": "00000000-0000-0000-0000-000000000001",
               "macAddress": mac,
               "category": "NetworkSecurityGroupFlowEvent",
               "resourceId": rid("networkSecurityGroups", nsg).upper(),
               "operationName": "NetworkSecurityGroupFlowEvents",
               "properties": {"Version": 2, "flows": [
                   {"rule": name, "flows": [{"mac": mac,
                                              "flowTuples": tups}]}
                   for name, tups in rules.items()]}}
        with open(os.path.join(d, "PT1H.json"), "w") as f:
            json.dump({"records": [rec]}, f)
    return obs


# ---- checking a plan -----------------------------------------------------------
def plan_rules(plan):
    """NSG name -> the plan's rules in this evaluator's form."""
    out = {}
    for rec in plan["recommendations"]:
        for r in rec["rules"]:
            out.setdefault(rec["nsg"], []).append(dict(
                name=r["name"], priority=r["priority"], access=r["access"],
                protocol=r["protocol"], src=r["source"], dst=r["destination"],
                dports=r["destination_ports"], sports=r["source_ports"]))
    return out


def check(outdir, plan_path, exclude_path):
    with open(os.path.join(outdir, "observed.json")) as f:
        obs = json.load(f)
    with open(plan_path) as f:
        plan = json.load(f)
    excl = []
    if exclude_path:
        with open(exclude_path) as f:
            excl = [ipaddress.ip_network(l.strip()) for l in f
                    if l.strip() and not l.startswith("#")]
    extra = plan_rules(plan)
    res = {"legit_allowed": 0, "blocked": [], "excluded_blocked": 0,
           "excluded_still_allowed": 0, "problems": []}
    for nic, proto, src, dst, sport, dport, dec, t in obs:
        if dec != "A":
            continue
        pkt = ("Tcp" if proto == "T" else "Udp", ipaddress.ip_address(src),
               ipaddress.ip_address(dst), sport, dport)
        now = eval_nic(nic, pkt)[0]
        new = eval_nic(nic, pkt, extra)[0]
        excluded = any(ipaddress.ip_address(src) in n for n in excl)
        if excluded:
            if new == "Deny":
                res["excluded_blocked"] += 1
            else:
                res["excluded_still_allowed"] += 1
            continue
        res["legit_allowed"] += 1
        if now == "Allow" and new == "Deny":
            res["blocked"].append([nic, src, dport])
    # the shape of the plan
    for rec in plan["recommendations"]:
        R = rec["replaces"]
        for r in rec["rules"]:
            if len(r["name"]) > 65:
                res["problems"].append(f"name over 65: {r['name']}")
            if r["priority"] >= R["priority"]:
                res["problems"].append(f"{r['name']} not above {R['name']}")
            if r["access"] == "Deny":
                for k in ("protocol", "source", "destination"):
                    if r[k] != R[k]:
                        res["problems"].append(f"deny {r['name']} {k} differs")
    res["nsgs"] = sorted({rec["nsg"] for rec in plan["recommendations"]})
    res["statuses"] = {n["name"]: n["status"] for n in plan["nics"]}
    print(json.dumps(res, indent=1))


def main():
    args = sys.argv[1:]
    if args and args[0] == "--check":
        exclude = None
        if "--exclude" in args:
            exclude = args[args.index("--exclude") + 1]
        check(args[1], args[2], exclude)
        return
    out = args[0]
    days = int(args[args.index("--days") + 1]) if "--days" in args else 35
    seed = int(args[args.index("--seed") + 1]) if "--seed" in args else 7
    rnd = random.Random(seed)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "topology.json"), "w") as f:
        json.dump(topology(), f, indent=1)
    obs = flows(out, days, rnd)
    with open(os.path.join(out, "observed.json"), "w") as f:
        json.dump(obs, f)


if __name__ == "__main__":
    main()
