-- aggregate.sql - the aggregation of nsgproof's aggregate interchange
-- format v1 (docs/aggregates.md) as one plain SQL query, run by Spark SQL
-- (nsg_flow_aggregate.py) and by SQLite (tests), over two relations:
--
--   flow_tuples    one row per flow tuple: nsg, mac, rule, version,
--                  time_ms, src_ip, dst_ip, src_port, dst_port, protocol,
--                  direction, decision, state, packets_src_dst,
--                  bytes_src_dst, packets_dst_src, bytes_dst_src
--                  (flatten_tuples.jq documents each column)
--   sport_buckets  bucket, lo, hi: the source-port buckets that
--                  `nsgproof sport-boundaries --list` gives (one row
--                  0, 0, 65535 when there are no boundaries); they must
--                  cover 0-65535 without overlapping
--
-- One row per key, hour and source-port bucket.  Version 1 tuples have no
-- flow state and no counters: a row holding one has flows and counters
-- NULL (unknown, written empty).  A flow begins with a B tuple (VNet: D
-- for a denied one).  Hours are those of the tuples' times, as nsgproof's
-- flow store keeps them.
SELECT t.nsg AS nsg,
       t.mac AS mac,
       t.direction AS direction,
       t.protocol AS protocol,
       t.src_ip AS src_ip,
       t.dst_ip AS dst_ip,
       t.dst_port AS dst_port,
       MIN(t.src_port) AS src_port_min,
       MAX(t.src_port) AS src_port_max,
       t.decision AS decision,
       t.rule AS rule,
       COUNT(*) AS tuples,
       CASE WHEN SUM(CASE WHEN t.version = 1 THEN 1 ELSE 0 END) > 0 THEN NULL
            ELSE SUM(CASE WHEN t.state IN ('B', 'D') THEN 1 ELSE 0 END) END AS flows,
       CASE WHEN SUM(CASE WHEN t.version = 1 THEN 1 ELSE 0 END) > 0 THEN NULL
            ELSE SUM(COALESCE(t.packets_src_dst, 0)) END AS packets_src_dst,
       CASE WHEN SUM(CASE WHEN t.version = 1 THEN 1 ELSE 0 END) > 0 THEN NULL
            ELSE SUM(COALESCE(t.bytes_src_dst, 0)) END AS bytes_src_dst,
       CASE WHEN SUM(CASE WHEN t.version = 1 THEN 1 ELSE 0 END) > 0 THEN NULL
            ELSE SUM(COALESCE(t.packets_dst_src, 0)) END AS packets_dst_src,
       CASE WHEN SUM(CASE WHEN t.version = 1 THEN 1 ELSE 0 END) > 0 THEN NULL
            ELSE SUM(COALESCE(t.bytes_dst_src, 0)) END AS bytes_dst_src,
       MIN(t.time_ms) AS first_seen_ms,
       MAX(t.time_ms) AS last_seen_ms
FROM flow_tuples t
JOIN sport_buckets b ON t.src_port BETWEEN b.lo AND b.hi
GROUP BY t.nsg, t.mac, t.direction, t.protocol, t.src_ip, t.dst_ip,
         t.dst_port, t.decision, t.rule, CAST(t.time_ms / 3600000 AS BIGINT),
         b.bucket
