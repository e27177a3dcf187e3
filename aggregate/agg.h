/* agg.h - the aggregate interchange format, version 1 (docs/aggregates.md):
 * flow-log tuples aggregated where the logs live (Azure Data Explorer, Log
 * Analytics with Traffic Analytics, Spark over the storage account) into
 * rows of one key -- NSG, MAC, direction, protocol, addresses, destination
 * port, source-port range, decision, rule -- with sums, as CSV (RFC 4180,
 * header) or JSON Lines (also `az monitor log-analytics query -o json`
 * arrays).  Reading rows (nsg_agg_open/next), importing files into the flow
 * store through its writer with content-hash checkpoints (nsg_agg_import),
 * and writing the stored flows back in the same format (nsg_agg_export).
 * A row becomes one struct nsg_flow of version NSG_FLOW_AGGREGATE. */
#ifndef NSG_AGG_H
#define NSG_AGG_H

#include <stdio.h>

#include <cjson/cJSON.h>

#include "../corpus/flowstore.h"

/* The columns of version 1, in the order export writes them. */
enum nsg_agg_col {
    NSG_AGG_NSG,
    NSG_AGG_MAC,
    NSG_AGG_DIRECTION,
    NSG_AGG_PROTOCOL,
    NSG_AGG_SRC_IP,
    NSG_AGG_DST_IP,
    NSG_AGG_DST_PORT,
    NSG_AGG_SPORT_MIN,
    NSG_AGG_SPORT_MAX,
    NSG_AGG_DECISION,
    NSG_AGG_RULE,
    NSG_AGG_TUPLES,
    NSG_AGG_FLOWS,
    NSG_AGG_PACKETS_SD,
    NSG_AGG_BYTES_SD,
    NSG_AGG_PACKETS_DS,
    NSG_AGG_BYTES_DS,
    NSG_AGG_FIRST_SEEN,
    NSG_AGG_LAST_SEEN,
    NSG_AGG_NCOLS
};
/* "nsg", "mac", ... "last_seen_ms". */
const char *nsg_agg_column_name(enum nsg_agg_col c);

/* ---- one row (agg_row.c) ------------------------------------------------ */
/* A row's values as text (NULL or "" = empty = unknown), borrowed. */
struct nsg_agg_text {
    const char *v[NSG_AGG_NCOLS];
};
/* Turn a row's text into an aggregate flow.  Strings of *f point into the
 * text or into `scratch` (the expanded NSG id; valid until its next use).
 * Errors (NSG_E_INPUT) name the column and the value. */
nsg_rc nsg_agg_row_parse(const struct nsg_agg_text *t, struct nsg_flow *f,
                         char scratch[512], struct nsg_err *err) NSG_WUR;

/* ---- reading files (agg_read.c, agg_csv.c, agg_json.c) ------------------ */
enum nsg_agg_shape {
    NSG_AGG_CSV,   /* RFC 4180 with a header line */
    NSG_AGG_JSONL, /* one object per line (or pretty objects one after
                      another) */
    NSG_AGG_ARRAY, /* a JSON array of objects (`az ... -o json`: every
                      value a string, null written "None") */
};
const char *nsg_agg_shape_name(enum nsg_agg_shape s); /* "csv", ... */

/* Is this the beginning of an aggregate file (n bytes from its start)?
 * CSV: a header line naming src_ip and dst_ip; JSON: an object, or an
 * array of objects, whose first object has the keys "src_ip" and
 * "dst_ip".  A UTF-8 BOM and blanks before are allowed. */
bool nsg_agg_sniff(const char *head, size_t n);
/* The same for the first kilobytes of a file (false when unreadable). */
bool nsg_agg_sniff_file(const char *path);

struct nsg_agg_reader;
/* Open an aggregate file: its shape is sniffed; a CSV header is read and
 * checked (required columns: direction, protocol, src_ip, dst_ip,
 * decision, first_seen_ms; a column named twice is an error). */
nsg_rc nsg_agg_open(const char *path, struct nsg_agg_reader **out,
                    struct nsg_err *err) NSG_WUR;
/* 1: the next row in *f (strings valid until the next call); 0: the end;
 * <0: -code with err naming the file and line.  Blank lines are skipped. */
int nsg_agg_next(struct nsg_agg_reader *rd, struct nsg_flow *f,
                 struct nsg_err *err);
enum nsg_agg_shape nsg_agg_reader_shape(const struct nsg_agg_reader *rd);
uint64_t nsg_agg_reader_line(const struct nsg_agg_reader *rd); /* of the
                                                                  last row */
void nsg_agg_close(struct nsg_agg_reader *rd); /* NULL-safe */

/* ---- importing (agg_import.c) ------------------------------------------- */
/* Read every row of the files into the transaction's flow store (one
 * writer, one new segment; opt may be NULL).  A file is named in the
 * store by the hash of its content (key NSG_FSTORE_CONTENT_KEY and
 * nsg_fstore_fhash): one already imported (by an earlier import, or
 * earlier in this one) is not read again.  Any bad row fails the whole
 * call, nothing of it staying in the transaction (err names the file and
 * line).  `report` (may be NULL) receives the counts documented in
 * docs/aggregates.md ("Import report"). */
nsg_rc nsg_agg_import(struct nsg_txn *txn, const struct nsg_fstore_opts *opt,
                      const char *const *paths, size_t n_paths, cJSON *report,
                      struct nsg_err *err) NSG_WUR;

/* ---- exporting (agg_export.c) ------------------------------------------- */
enum nsg_agg_format { NSG_AGG_OUT_CSV, NSG_AGG_OUT_JSONL };
struct nsg_agg_export_opts {
    enum nsg_agg_format format;
    int64_t since;         /* only flows last seen at or after (unix s) */
    const unsigned *sport_bounds; /* sorted boundaries (first port of a new
                                     bucket), or NULL: one range per key */
    size_t n_bounds;
};
/* Write every stored flow of c as rows: stored flows are grouped by the
 * row key and the hour of their first_seen (the store's own hour), summed;
 * a row's source-port range is the smallest holding its logged tuples'
 * ports (within one bucket of sport_bounds when given); an imported row
 * keeps its range (its range is part of its group's key).  Rows come
 * sorted.  *rows receives how many were written. */
nsg_rc nsg_agg_export(struct nsg_corpus *c,
                      const struct nsg_agg_export_opts *opt, FILE *out,
                      uint64_t *rows, struct nsg_err *err) NSG_WUR;

#endif
