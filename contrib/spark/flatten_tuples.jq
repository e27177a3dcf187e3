# flatten_tuples.jq - flow-log blobs (NSG flow logs v1/v2, VNet flow logs)
# into the normalised tuples view that aggregate.sql reads: one object per
# flow tuple, with the fields of nsgproof's aggregate key.  For local runs
# (sqlite3, DuckDB) and tests; the PySpark job builds the same view.
#
#   jq -c -f flatten_tuples.jq PT1H.json                  # JSON Lines
#   jq -r --arg format csv -f flatten_tuples.jq PT1H.json # CSV, no header
#
# Columns: nsg (the record's resourceId; VNet: the tuple's aclID), mac
# (12 upper-case hex digits, as nsgproof stores it, so that spellings of one
# MAC group together),
# rule, version (1 or 2 by the tuple's field count; 4 for VNet), time_ms
# (times above 10^11 are already milliseconds), src_ip, dst_ip, src_port,
# dst_port, protocol (IANA number; T = 6, U = 17), direction (I/O),
# decision (A/D; VNet: D for state D), state (B/C/E/D, "" for version 1),
# packets_src_dst, bytes_src_dst, packets_dst_src, bytes_dst_src (null
# when the tuple has none).  A blob must be complete (closed with "]}").
def recs: if type == "object" and has("records") then .records[] | recs
          elif type == "array" then .[] | recs
          else . end;
def num: if . == null or . == "" then null else tonumber end;
# MACs as nsgproof stores them: 12 upper-case hex digits, no separators
def mac: if . == null then null else gsub("[-:.]"; "") | ascii_upcase end;
def ms: num | if . > 99999999999 then . else . * 1000 end;
def counters($t): {packets_src_dst: ($t[9] | num), bytes_src_dst: ($t[10] | num),
                   packets_dst_src: ($t[11] | num), bytes_dst_src: ($t[12] | num)};
def nsg_tuples:
  . as $r
  | $r.properties.flows[]? as $g
  | $g.flows[]? as $m
  | $m.flowTuples[]?
  | split(",") as $t
  | {nsg: $r.resourceId, mac: ($m.mac // $r.macAddress | mac), rule: $g.rule,
     version: (if ($t | length) == 8 then 1 else 2 end),
     time_ms: ($t[0] | ms), src_ip: $t[1], dst_ip: $t[2],
     src_port: ($t[3] | num), dst_port: ($t[4] | num),
     protocol: (if $t[5] == "T" then 6 elif $t[5] == "U" then 17 else ($t[5] | num) end),
     direction: $t[6], decision: $t[7], state: ($t[8] // "")}
    + counters($t);
def vnet_tuples:
  . as $r
  | $r.flowRecords.flows[]? as $a
  | $a.flowGroups[]? as $g
  | $g.flowTuples[]?
  | split(",") as $t
  | {nsg: $a.aclID, mac: ($r.macAddress | mac), rule: $g.rule, version: 4,
     time_ms: ($t[0] | ms), src_ip: $t[1], dst_ip: $t[2],
     src_port: ($t[3] | num), dst_port: ($t[4] | num), protocol: ($t[5] | num),
     direction: $t[6], decision: (if $t[7] == "D" then "D" else "A" end),
     state: $t[7]}
    + counters($t);
recs
| if has("flowRecords") then vnet_tuples else nsg_tuples end
| if ($ARGS.named.format // "json") == "csv"
  then [.nsg, .mac, .rule, .version, .time_ms, .src_ip, .dst_ip, .src_port,
        .dst_port, .protocol, .direction, .decision, .state, .packets_src_dst,
        .bytes_src_dst, .packets_dst_src, .bytes_dst_src] | @csv
  else . end
