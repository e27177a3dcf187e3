#!/usr/bin/env python3
# expect.py - an independent reading of the flow-log samples next to it
# (json + ipaddress, written from the Azure format pages, not from
# nsgproof): prints, for FILE, the flows nsgproof must store, one per line,
# sorted: identical tuples of one hour merged (count, first/last seen,
# counters summed).  Usage: expect.py FILE > FILE.expect
import ipaddress, json, sys

def records(doc):
    """Records of a document; an element that is itself a {"records": [...]}
    document (as in the v1 sample of the NSG flow log page) is flattened."""
    for r in doc.get("records", []):
        if "records" in r and "time" not in r:
            yield from records(r)
        else:
            yield r

def num(s):
    return int(s) if s != "" else 0

def tuples(r):
    """(nsg, acl, target, rule, mac, fields, vnet) for every tuple."""
    if "flowRecords" in r or r.get("category") == "FlowLogFlowEvent":
        for f in r["flowRecords"]["flows"]:
            for g in f["flowGroups"]:
                for t in g["flowTuples"]:
                    yield ("", f.get("aclID", ""), r.get("targetResourceID", ""),
                           g["rule"], r.get("macAddress", ""), t.split(","), True)
    else:
        for g in r["properties"]["flows"]:
            for f in g["flows"]:
                mac = f.get("mac", r.get("macAddress", ""))
                for t in f["flowTuples"]:
                    yield (r["resourceId"], "", "", g["rule"], mac,
                           t.split(","), False)

flows = {}
for r in records(json.load(open(sys.argv[1], encoding="utf-8-sig"))):
    for nsg, acl, target, rule, mac, f, vnet in tuples(r):
        t = int(f[0])
        if t > 99999999999:          # VNet flow logs: milliseconds
            t //= 1000
        src, dst = ipaddress.ip_address(f[1]), ipaddress.ip_address(f[2])
        if vnet:                     # time,src,dst,sport,dport,proto,dir,state,enc,4 counters
            proto, d, state = int(f[5]), f[6], f[7]
            decision = "D" if state == "D" else "A"
            version, c = 4, [num(x) for x in f[9:13]]
        else:                        # time,src,dst,sport,dport,T/U,dir,A/D[,state,4 counters]
            proto = {"T": 6, "U": 17}[f[5]]
            d, decision = f[6], f[7]
            version = 1 if len(f) == 8 else 2
            state = f[8] if version == 2 else "-"
            c = [num(x) for x in f[9:13]] if version == 2 else [0, 0, 0, 0]
        key = (nsg, acl, target, rule, mac.replace("-", "").replace(":", "").upper(),
               version, d, proto, str(src), int(f[3]), str(dst), int(f[4]),
               decision, state, t // 3600)
        v = flows.setdefault(key, [t, t, 0, 0, 0, 0, 0])
        v[0], v[1] = min(v[0], t), max(v[1], t)
        v[2] += 1
        for i in range(4):
            v[3 + i] += c[i]
for k, v in flows.items():
    print("|".join(str(x) for x in k[:-1] + tuple(v)))
