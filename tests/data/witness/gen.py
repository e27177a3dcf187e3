#!/usr/bin/env python3
"""gen.py - random scenarios for tests/t_witness.sh: a topology (ARM JSON)
with one or two virtual networks (IPv4, sometimes dual stack), subnets and
NICs with NSGs on both levels, ASGs, random rules (prefixes inside and
outside the networks, the VirtualNetwork, Internet and AzureLoadBalancer
tags, ASGs, single ports, ranges and "*"), a proposed edit of one NSG for
diff, and verify queries.  Source ports are never constrained, so every
witness must use an ephemeral source port.

usage: gen.py OUTDIR SEED
"""
import json
import os
import random
import sys

SUB = "00000000-0000-0000-0000-0000000000ee"
RG = "rg-witness"
PFX = f"/subscriptions/{SUB}/resourceGroups/{RG}/providers/Microsoft.Network"


def rid(kind, name):
    return f"{PFX}/{kind}/{name}"


def main():
    out, seed = sys.argv[1], int(sys.argv[2])
    rnd = random.Random(seed)
    os.makedirs(out, exist_ok=True)
    vnets, nsgs, nics, asgs = [], [], [], []
    asg_names = ["asg-a", "asg-b"]
    for a in asg_names:
        asgs.append({"id": rid("applicationSecurityGroups", a), "name": a,
                     "location": "westeurope", "properties": {}})
    n_vnets = rnd.choice([1, 2])
    nic_no = 0
    nsg_names = []
    for v in range(n_vnets):
        dual = rnd.random() < 0.4
        space = [f"10.{20 + v}.0.0/16"] + ([f"fd00:{20 + v}::/48"] if dual else [])
        subnets = []
        for s in range(rnd.choice([1, 2])):
            sname = f"snet-{v}-{s}"
            nsg = f"nsg-{v}-{s}"
            nsg_names.append(nsg)
            prefixes = [f"10.{20 + v}.{s + 1}.0/24"] + (
                [f"fd00:{20 + v}:0:{s + 1}::/64"] if dual else [])
            sid = rid("virtualNetworks", f"vnet-{v}") + f"/subnets/{sname}"
            subnets.append({"name": sname, "id": sid, "properties": {
                "addressPrefixes": prefixes,
                "networkSecurityGroup": {"id": rid("networkSecurityGroups", nsg)}}})
            for k in range(rnd.choice([1, 2])):
                nic_no += 1
                nname = f"nic-{nic_no}"
                nicnsg = None
                if rnd.random() < 0.4:
                    nicnsg = f"nicnsg-{nic_no}"
                    nsg_names.append(nicnsg)
                ipcs = [{"name": "ipconfig1", "id": rid("networkInterfaces", nname)
                         + "/ipConfigurations/ipconfig1", "properties": {
                    "primary": True,
                    "privateIPAddress": f"10.{20 + v}.{s + 1}.{4 + k}",
                    "subnet": {"id": sid},
                    "applicationSecurityGroups": [  # both ASGs have members
                        {"id": rid("applicationSecurityGroups", a)}
                        for a in (asg_names if nic_no == 1
                                  else [rnd.choice(asg_names)])]}}]
                if dual:
                    ipcs.append({"name": "ipconfig6", "id": rid("networkInterfaces", nname)
                                 + "/ipConfigurations/ipconfig6", "properties": {
                        "primary": False,
                        "privateIPAddress": f"fd00:{20 + v}:0:{s + 1}::{4 + k}",
                        "privateIPAddressVersion": "IPv6",
                        "subnet": {"id": sid}}})
                props = {"macAddress": "00-0D-3A-%02X-00-%02X" % (v, nic_no),
                         "ipConfigurations": ipcs}
                if nicnsg:
                    props["networkSecurityGroup"] = {"id": rid("networkSecurityGroups", nicnsg)}
                nics.append({"id": rid("networkInterfaces", nname), "name": nname,
                             "location": "westeurope", "properties": props})
        vnets.append({"id": rid("virtualNetworks", f"vnet-{v}"), "name": f"vnet-{v}",
                      "location": "westeurope", "properties": {
                          "addressSpace": {"addressPrefixes": space},
                          "subnets": subnets}})
    if n_vnets == 2 and rnd.random() < 0.6:  # a connected peering both ways
        for a, b in ((0, 1), (1, 0)):
            vnets[a]["properties"]["virtualNetworkPeerings"] = [{
                "name": f"peer-{a}-{b}", "properties": {
                    "remoteVirtualNetwork": {"id": vnets[b]["id"]},
                    "remoteAddressSpace": vnets[b]["properties"]["addressSpace"],
                    "peeringState": "Connected",
                    "allowVirtualNetworkAccess": True}}]

    pool_v4 = ["10.20.0.0/16", "10.21.0.0/16", "10.20.1.0/24", "10.21.1.4",
               "10.20.2.0/25", "203.0.113.0/24", "198.51.100.7", "52.0.0.0/8",
               "0.0.0.0/0", "192.168.0.0/16"]
    tags = ["VirtualNetwork", "Internet", "AzureLoadBalancer", "*"]

    def rand_rules(prefix, n):
        rules, used = [], set()
        for i in range(n):
            prio = rnd.randrange(100, 4000)
            while prio in used:
                prio = rnd.randrange(100, 4000)
            used.add(prio)
            direction = rnd.choice(["Inbound", "Outbound"])
            props = {"priority": prio, "direction": direction,
                     "access": rnd.choice(["Allow", "Deny"]),
                     "protocol": rnd.choice(["Tcp", "Tcp", "Udp", "*", "Icmp"]),
                     "sourcePortRange": "*"}
            for side in ("source", "destination"):
                r = rnd.random()
                if r < 0.15:
                    props[side + "ApplicationSecurityGroups"] = [
                        {"id": rid("applicationSecurityGroups", rnd.choice(asg_names))}]
                elif r < 0.5:
                    props[side + "AddressPrefix"] = rnd.choice(tags)
                else:
                    props[side + "AddressPrefixes"] = rnd.sample(pool_v4, rnd.choice([1, 2]))
            pr = rnd.random()
            if pr < 0.3:
                props["destinationPortRange"] = "*"
            elif pr < 0.7:
                props["destinationPortRange"] = str(rnd.choice([22, 80, 443, 1433, 3389, 53]))
            else:
                lo = rnd.randrange(1000, 9000)
                props["destinationPortRange"] = f"{lo}-{lo + rnd.randrange(1, 500)}"
            rules.append({"name": f"{prefix}{i}", "properties": props})
        return rules

    for n in nsg_names:
        nsgs.append({"id": rid("networkSecurityGroups", n), "name": n,
                     "location": "westeurope",
                     "properties": {"securityRules": rand_rules("r", rnd.randrange(2, 7))}})
    # the proposed edit: the first NSG, one rule dropped, one changed, one new
    prop = json.loads(json.dumps(nsgs[0]))
    rules = prop["properties"]["securityRules"]
    if len(rules) > 1:
        rules.pop(rnd.randrange(len(rules)))
    rules[0]["properties"]["access"] = (
        "Deny" if rules[0]["properties"]["access"] == "Allow" else "Allow")
    new = rand_rules("new", 1)[0]
    new["properties"]["priority"] = 4001
    rules.append(new)

    def dump(name, obj):
        with open(os.path.join(out, name), "w") as f:
            json.dump(obj, f, indent=1)
    os.makedirs(os.path.join(out, "capture"), exist_ok=True)
    dump("capture/vnets.json", {"value": vnets})
    dump("capture/nsgs.json", {"value": nsgs})
    dump("capture/nics.json", {"value": nics})
    dump("capture/asgs.json", {"value": asgs})
    dump("proposed.json", prop)
    queries = []
    names = [n["name"] for n in nics]
    for _ in range(6):
        q = rnd.choice(["never", "can", "always"])
        src = rnd.choice(["Internet", "*", "10.20.0.0/16", "nic:" + rnd.choice(names),
                          "203.0.113.0/24", "VirtualNetwork"])
        dst = "nic:" + rnd.choice(names)
        svc = rnd.choice(["tcp/22", "tcp/80", "tcp/443", "udp/53", "tcp/1433", "tcp",
                          "tcp/1000-9000"])
        queries.append(f"{q} {src} -> {dst} {svc}")
    with open(os.path.join(out, "queries.txt"), "w") as f:
        f.write("\n".join(queries) + "\n")
    with open(os.path.join(out, "pairs.txt"), "w") as f:  # NSGs of one vnet
        by_vnet = {}
        for n in nsg_names:
            by_vnet.setdefault(n.split("-")[1] if n.startswith("nsg-") else None,
                               []).append(n)
        for v, ns in by_vnet.items():
            if v is not None and len(ns) >= 2:
                f.write(f"{ns[0]} {ns[1]}\n")


main()
