"""nsg_flow_aggregate.py - aggregate NSG and VNet flow logs where they live
(the storage account, read by Spark: Databricks, Synapse, HDInsight, or any
Spark 3 with the ABFS driver) into nsgproof's aggregate interchange format
v1 (docs/aggregates.md), written as CSV or JSON Lines part files that
`nsgproof import` reads.

Steps: read the PT1H.json blobs as multiLine JSON with an explicit schema
(no schema inference pass over terabytes), keep closed hours only (Azure
appends to a blob during its hour), explode records -> flow groups ->
tuples, split each tuple into the normalised `flow_tuples` view, and run
aggregate.sql (the same query the tests run under SQLite) over it and the
`sport_buckets` view.

    spark-submit --files aggregate.sql nsg_flow_aggregate.py \\
      --nsg-logs 'abfss://insights-logs-networksecuritygroupflowevent@ACCOUNT.dfs.core.windows.net/' \\
      --vnet-logs 'abfss://insights-logs-flowlogflowevent@ACCOUNT.dfs.core.windows.net/' \\
      --from 2026-11-20T00:00:00Z --to 2026-11-21T00:00:00Z \\
      --sport-boundaries "$(nsgproof sport-boundaries --corpus DIR --list)" \\
      --format csv --out 'abfss://aggregates@ACCOUNT.dfs.core.windows.net/2026-11-20/'

See README.md for the options and what each column means.
"""
import argparse
import datetime as dt
import os

from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

# ---- explicit schemas (only the fields the aggregation reads) -------------

_TUPLES = T.ArrayType(T.StringType())

NSG_SCHEMA = T.StructType([
    T.StructField("records", T.ArrayType(T.StructType([
        T.StructField("time", T.StringType()),
        T.StructField("resourceId", T.StringType()),
        T.StructField("macAddress", T.StringType()),
        T.StructField("category", T.StringType()),
        T.StructField("properties", T.StructType([
            T.StructField("Version", T.LongType()),
            T.StructField("flows", T.ArrayType(T.StructType([
                T.StructField("rule", T.StringType()),
                T.StructField("flows", T.ArrayType(T.StructType([
                    T.StructField("mac", T.StringType()),
                    T.StructField("flowTuples", _TUPLES),
                ]))),
            ]))),
        ])),
    ]))),
])

VNET_SCHEMA = T.StructType([
    T.StructField("records", T.ArrayType(T.StructType([
        T.StructField("time", T.StringType()),
        T.StructField("macAddress", T.StringType()),
        T.StructField("category", T.StringType()),
        T.StructField("flowLogResourceID", T.StringType()),
        T.StructField("targetResourceID", T.StringType()),
        T.StructField("flowRecords", T.StructType([
            T.StructField("flows", T.ArrayType(T.StructType([
                T.StructField("aclID", T.StringType()),
                T.StructField("flowGroups", T.ArrayType(T.StructType([
                    T.StructField("rule", T.StringType()),
                    T.StructField("flowTuples", _TUPLES),
                ]))),
            ]))),
        ])),
    ]))),
])

COLUMNS = ["nsg", "mac", "direction", "protocol", "src_ip", "dst_ip",
           "dst_port", "src_port_min", "src_port_max", "decision", "rule",
           "tuples", "flows", "packets_src_dst", "bytes_src_dst",
           "packets_dst_src", "bytes_dst_src", "first_seen_ms",
           "last_seen_ms"]

# the blob's hour, from its name: .../y=2026/m=11/d=20/h=13/m=00/...
_HOUR_RE = r"/y=(\d{4})/m=(\d{2})/d=(\d{2})/h=(\d{2})/"


def parse_time(text):
    """ISO 8601 (UTC) into an aware datetime."""
    t = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return t if t.tzinfo else t.replace(tzinfo=dt.timezone.utc)


def read_blobs(spark, root, schema, start, end):
    """Every closed PT1H.json blob under root whose hour is in [start, end)
    and ended at least an hour ago (Azure appends to a blob during its
    hour), with its records exploded."""
    # hour H is over at H+1h; like nsgproof, wait one hour more for late
    # appends: H is read once H + 2h <= now
    last = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=2)).replace(
        minute=0, second=0, microsecond=0)
    end = min(end, last + dt.timedelta(hours=1))
    df = (spark.read.schema(schema)
          .option("multiLine", True)
          .option("recursiveFileLookup", True)
          .option("pathGlobFilter", "PT1H.json")
          .json(root)
          .withColumn("blob", F.input_file_name()))
    hour = F.to_timestamp(F.concat_ws(
        "-", F.regexp_extract("blob", _HOUR_RE, 1),
        F.regexp_extract("blob", _HOUR_RE, 2),
        F.regexp_extract("blob", _HOUR_RE, 3),
        F.regexp_extract("blob", _HOUR_RE, 4)), "yyyy-MM-dd-HH")
    start_s = start.strftime("%Y-%m-%d %H:%M:%S")
    end_s = end.strftime("%Y-%m-%d %H:%M:%S")
    return (df.withColumn("blob_hour", hour)
            .where((F.col("blob_hour") >= F.lit(start_s).cast("timestamp")) &
                   (F.col("blob_hour") < F.lit(end_s).cast("timestamp")))
            .select(F.explode("records").alias("r")))


def field(f, i):
    """Field i of a split tuple, NULL when absent (version 1 tuples are
    shorter) -- never an out-of-bounds error under ANSI mode."""
    return F.when(F.size(f) > i, f.getItem(i))


def number(f, i):
    """Field i as a long; NULL when absent or empty (B tuples)."""
    v = field(f, i)
    return F.when(v.isNotNull() & (v != ""), v.cast("long"))


def norm_mac(c):
    """12 upper-case hex digits, as nsgproof stores a MAC (so that the
    spellings of one MAC group together)."""
    return F.upper(F.regexp_replace(c, "[-:.]", ""))


def tuple_columns(f):
    """The columns every tuple shape shares (f: the split tuple)."""
    t = number(f, 0)
    return [
        F.when(t > 99999999999, t).otherwise(t * 1000).alias("time_ms"),
        field(f, 1).alias("src_ip"),
        field(f, 2).alias("dst_ip"),
        number(f, 3).cast("int").alias("src_port"),
        number(f, 4).cast("int").alias("dst_port"),
        number(f, 9).alias("packets_src_dst"),
        number(f, 10).alias("bytes_src_dst"),
        number(f, 11).alias("packets_dst_src"),
        number(f, 12).alias("bytes_dst_src"),
    ]


def nsg_tuples(records):
    """NSG flow logs v1/v2: records -> rule groups -> MAC groups -> tuples."""
    g = (records
         .select(F.col("r.resourceId").alias("nsg"),
                 F.col("r.macAddress").alias("record_mac"),
                 F.explode("r.properties.flows").alias("g"))
         .select("nsg", "record_mac", F.col("g.rule").alias("rule"),
                 F.explode("g.flows").alias("m"))
         .select("nsg", "rule",
                 norm_mac(F.coalesce(F.col("m.mac"), F.col("record_mac")))
                 .alias("mac"),
                 F.explode("m.flowTuples").alias("tuple"))
         .withColumn("f", F.split("tuple", ",")))
    f = F.col("f")
    proto = field(f, 5)
    return g.select(
        "nsg", "mac", "rule",
        F.when(F.size(f) == 8, 1).otherwise(2).alias("version"),
        *tuple_columns(f),
        F.when(proto == "T", 6).when(proto == "U", 17)
         .otherwise(number(f, 5).cast("int")).alias("protocol"),
        field(f, 6).alias("direction"),
        field(f, 7).alias("decision"),
        F.coalesce(field(f, 8), F.lit("")).alias("state"))


def vnet_tuples(records):
    """VNet flow logs: records -> aclID flows -> rule groups -> tuples."""
    g = (records
         .select(norm_mac(F.col("r.macAddress")).alias("mac"),
                 F.explode("r.flowRecords.flows").alias("a"))
         .select("mac", F.col("a.aclID").alias("nsg"),
                 F.explode("a.flowGroups").alias("g"))
         .select("mac", "nsg", F.col("g.rule").alias("rule"),
                 F.explode("g.flowTuples").alias("tuple"))
         .withColumn("f", F.split("tuple", ",")))
    f = F.col("f")
    state = field(f, 7)
    return g.select(
        "nsg", "mac", "rule", F.lit(4).alias("version"),
        *tuple_columns(f),
        number(f, 5).cast("int").alias("protocol"),
        field(f, 6).alias("direction"),
        F.when(state == "D", "D").otherwise("A").alias("decision"),
        state.alias("state"))


def sport_buckets(spark, text):
    """The buckets of a boundary list "1024,49152": (bucket, lo, hi) rows
    covering 0-65535."""
    bounds = sorted({int(x) for x in text.split(",") if x.strip()})
    if any(b < 1 or b > 65535 for b in bounds):
        raise SystemExit("--sport-boundaries: ports 1-65535 only")
    edges = [0] + bounds + [65536]
    rows = [(i, edges[i], edges[i + 1] - 1) for i in range(len(edges) - 1)]
    return spark.createDataFrame(rows, "bucket INT, lo INT, hi INT")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--nsg-logs", help="root of the NSG flow-log container")
    ap.add_argument("--vnet-logs", help="root of the VNet flow-log container")
    ap.add_argument("--from", dest="start", required=True,
                    help="first hour (ISO 8601 UTC, inclusive)")
    ap.add_argument("--to", dest="end", required=True,
                    help="end (ISO 8601 UTC, exclusive)")
    ap.add_argument("--sport-boundaries", default="",
                    help="`nsgproof sport-boundaries --list` output")
    ap.add_argument("--format", choices=["csv", "jsonl"], default="csv")
    ap.add_argument("--out", required=True, help="output directory")
    ap.add_argument("--sql", default=None,
                    help="aggregate.sql (default: beside this file, or the "
                         "copy --files shipped)")
    args = ap.parse_args()
    if not args.nsg_logs and not args.vnet_logs:
        raise SystemExit("give --nsg-logs, --vnet-logs or both")

    spark = SparkSession.builder.appName("nsgproof-aggregates").getOrCreate()
    start, end = parse_time(args.start), parse_time(args.end)
    parts = []
    if args.nsg_logs:
        parts.append(nsg_tuples(
            read_blobs(spark, args.nsg_logs, NSG_SCHEMA, start, end)))
    if args.vnet_logs:
        parts.append(vnet_tuples(
            read_blobs(spark, args.vnet_logs, VNET_SCHEMA, start, end)))
    tuples = parts[0]
    for p in parts[1:]:
        tuples = tuples.unionByName(p)
    tuples.createOrReplaceTempView("flow_tuples")
    sport_buckets(spark, args.sport_boundaries).createOrReplaceTempView(
        "sport_buckets")

    sql_path = args.sql or os.path.join(os.path.dirname(
        os.path.abspath(__file__)), "aggregate.sql")
    if not os.path.exists(sql_path):
        sql_path = "aggregate.sql"  # shipped with --files
    with open(sql_path, encoding="utf-8") as f:
        query = f.read().strip().rstrip(";")
    rows = spark.sql(query).select(*COLUMNS)

    writer = rows.write.mode("overwrite")
    if args.format == "csv":
        # RFC 4180: a header in every part file, quotes doubled (Spark's
        # default escape is a backslash), nulls empty
        (writer.option("header", True).option("quote", '"')
         .option("escape", '"').option("nullValue", "")
         .csv(args.out))
    else:
        writer.json(args.out)  # JSON Lines; null values are left out
    spark.stop()


if __name__ == "__main__":
    main()
