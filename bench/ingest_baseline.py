#!/usr/bin/env python3
"""ingest_baseline.py - the Python baselines of bench/bench_ingest.sh: one
interpreter over every flow-log file named in LIST (one path a line).

  load   json.load of every file (parse only)
  split  json.load, then every flow tuple split into its fields
  agg    json.load, split, and every tuple aggregated into a dict keyed as
         nsgproof aggregates (hour, NSG, rule, MAC, version, direction,
         protocol, decision, state, addresses, ports; one string per key)
         with count, first and last seen and the four counters summed

Prints "<mode> files N tuples N keys N"."""
import json
import sys


def main():
    mode, listfile = sys.argv[1], sys.argv[2]
    files = open(listfile).read().split("\n")
    files = [f for f in files if f]
    tuples = 0
    agg = {}
    for path in files:
        with open(path, "rb") as f:
            doc = json.load(f)
        if mode == "load":
            continue
        for rec in doc["records"]:
            nsg = rec.get("resourceId")
            props = rec["properties"]
            ver = props.get("Version", 1)
            for rule in props["flows"]:
                rname = rule.get("rule")
                for grp in rule["flows"]:
                    mac = grp.get("mac")
                    for t in grp["flowTuples"]:
                        f = t.split(",")
                        tuples += 1
                        if mode != "agg":
                            continue
                        ts = int(f[0])
                        # one string per key (a tuple of 13 strings per
                        # key would need ~8 GB for the 1 GB bench input)
                        key = "%d|%s|%s|%s|%s|%s" % (
                            ts // 3600, nsg, rname, mac, ver,
                            ",".join(f[1:9]))
                        c = [int(x) if x else 0 for x in f[9:13]] \
                            if len(f) > 9 else [0, 0, 0, 0]
                        e = agg.get(key)
                        if e is None:
                            agg[key] = [1, ts, ts, c[0], c[1], c[2], c[3]]
                        else:
                            e[0] += 1
                            if ts < e[1]:
                                e[1] = ts
                            if ts > e[2]:
                                e[2] = ts
                            e[3] += c[0]
                            e[4] += c[1]
                            e[5] += c[2]
                            e[6] += c[3]
    print("%s files %d tuples %d keys %d" % (mode, len(files), tuples,
                                               len(agg)))


if __name__ == "__main__":
    main()
