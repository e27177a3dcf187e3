#!/usr/bin/env python3
"""baseline_prove.py - the baseline of bench_harden.sh: what a user would
otherwise run to check a hardening change against observed traffic - one
Python process that evaluates each observed flow through both NSG levels
(first match by priority, subnet NSG then NIC NSG inbound), with the
proposed rules and, when they deny, the current ones.

usage: baseline_prove.py FLOWS.csv DIR SUBNET_NSG NIC_NSG
  FLOWS.csv  nic,dir,proto,src,dst,sport,dport,decision (gen_harden csv)
  DIR        the `enforce --out` directory: NSG.json (proposed) and
             NSG.rollback.json (current) for both NSGs
Prints: flow records read, inbound allowed ones evaluated, newly denied,
seconds, flow records per second (the rate the 10^7 figure is
extrapolated from).
"""
import ipaddress
import json
import os
import sys
import time

VNET = ipaddress.ip_network("10.64.0.0/16")
LB = ipaddress.ip_address("168.63.129.16")
PRIVATE = [ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8",
    "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16", "224.0.0.0/3")]
DEFAULTS = [(65000, "Allow", "*", ["VirtualNetwork"], ["VirtualNetwork"],
             ["*"]),
            (65001, "Allow", "*", ["AzureLoadBalancer"], ["*"], ["*"]),
            (65500, "Deny", "*", ["*"], ["*"], ["*"])]


def addr_match(items, ip):
    for a in items:
        if a == "*":
            return True
        if a == "VirtualNetwork":
            if ip in VNET or ip == LB:
                return True
        elif a == "AzureLoadBalancer":
            if ip == LB:
                return True
        elif a == "Internet":
            if ip not in VNET and not any(ip in n for n in PRIVATE):
                return True
        elif ip.version == 4 and ip in ipaddress.ip_network(a, strict=False):
            return True
    return False


def ports(items):
    out = []
    for p in items:
        if p == "*":
            out.append((0, 65535))
        else:
            lo, _, hi = p.partition("-")
            out.append((int(lo), int(hi or lo)))
    return out


def one(p, key):
    v = p.get(key)
    return [v] if isinstance(v, str) and v else []


def load(path):
    j = json.load(open(path))
    rules = []
    for r in j["properties"]["securityRules"]:
        p = r["properties"]
        if p["direction"] != "Inbound":
            continue
        rules.append((p["priority"], p["access"], p["protocol"],
                      one(p, "sourceAddressPrefix") +
                      p.get("sourceAddressPrefixes", []),
                      one(p, "destinationAddressPrefix") +
                      p.get("destinationAddressPrefixes", []),
                      ports(one(p, "destinationPortRange") +
                            p.get("destinationPortRanges", []))))
    rules.sort(key=lambda r: r[0])
    return rules + [(a, b, c, d, e, ports(f)) for a, b, c, d, e, f in DEFAULTS]


def allows(rules, proto, src, dst, dport):
    for _, access, rp, s, d, ps in rules:
        if rp != "*" and rp.lower() != proto:
            continue
        if not any(lo <= dport <= hi for lo, hi in ps):
            continue
        if addr_match(s, src) and addr_match(d, dst):
            return access == "Allow"
    return False


def main():
    flows, d, sub, nic = sys.argv[1:5]
    prop = [load(os.path.join(d, sub + ".json")),
            load(os.path.join(d, nic + ".json"))]
    cur = [load(os.path.join(d, sub + ".rollback.json")),
           load(os.path.join(d, nic + ".rollback.json"))]
    names = {6: "tcp", 17: "udp"}
    n = newly = lines = 0
    t0 = time.time()
    for line in open(flows):
        lines += 1
        _, dr, proto, src, dst, sport, dport, dec = line.strip().split(",")
        if dr != "I" or dec != "A":
            continue
        proto = names.get(int(proto), proto)
        s, t, dp = ipaddress.ip_address(src), ipaddress.ip_address(dst), int(dport)
        n += 1
        if all(allows(r, proto, s, t, dp) for r in prop):
            continue
        if all(allows(r, proto, s, t, dp) for r in cur):
            newly += 1
    dt = time.time() - t0
    print(f"records {lines} inbound_allowed {n} newly_denied {newly} "
          f"seconds {dt:.2f} flows_per_second {lines / dt if dt else 0:.0f}")


if __name__ == "__main__":
    main()
