/* importer.h - turns what users already have into corpus entries: ARM JSON
 * (REST responses, exports, REST API example files, templates), az CLI and
 * PowerShell output and Service Tags files, normalized to the ARM GET shape
 * that the model decodes (model/model_arm.h), and NSG / VNet flow logs. */
#ifndef NSG_IMPORTER_H
#define NSG_IMPORTER_H

#include <cjson/cJSON.h>

#include "../corpus/corpus.h"
#include "../model/model.h"

/* Largest configuration file read whole (flow logs are streamed). */
#define NSG_IMP_MAX_JSON_BYTES (512u * 1024u * 1024u)

/* What a file holds, guessed from its first bytes. */
enum nsg_imp_kind {
    NSG_IMP_KIND_CONFIG,  /* ARM / az CLI / Service Tags JSON */
    NSG_IMP_KIND_FLOWLOG, /* NSG flow log (v1/v2) or VNet flow log */
    NSG_IMP_KIND_UNKNOWN, /* not JSON we know (skipped, with a reason) */
};
enum nsg_imp_kind nsg_imp_sniff(const char *path);

/* ---- configuration (imp_arm*.c) ---------------------------------------- */

/* One resource found in a file, normalized to the ARM GET shape
 * ({id, name, type, location, etag, properties{...}}, az's flattened
 * fields moved under properties, singular/plural fields kept as given). */
struct nsg_imp_item {
    enum nsg_res_type type;
    cJSON *json; /* owned */
    char *jpath; /* where it was in the file, e.g. "$.value[3]" */
};
/* Everything found in one configuration file. */
struct nsg_imp_config {
    GPtrArray *items;    /* struct nsg_imp_item * */
    cJSON *service_tags; /* normalized Service Tags document, or NULL */
    GPtrArray *skipped;  /* char *: "$.value[2]: type Microsoft.Web/sites
                            is not a network resource" */
    GPtrArray *warnings; /* char * */
};
void nsg_imp_config_free(struct nsg_imp_config *cfg); /* NULL-safe */

/* Read and validate a configuration file: every resource is parsed into a
 * scratch model, so a bad CIDR, a priority out of range, a duplicate
 * priority, a rule mixing IPv4 and IPv6, a bad id... fail here with an
 * error naming the file, the JSON path and the problem (NSG_E_INPUT). */
nsg_rc nsg_imp_config_read(const char *path, struct nsg_imp_config **out,
                           struct nsg_err *err) NSG_WUR;
/* The same from a buffer already in memory (name used in messages). */
nsg_rc nsg_imp_config_parse(const char *name, const char *text, size_t len,
                            struct nsg_imp_config **out,
                            struct nsg_err *err) NSG_WUR;
/* What a file cannot say about itself, given on the command line. */
struct nsg_imp_opts {
    /* The virtual network whose effective security admin rules the file
     * holds (the listNetworkManagerEffectiveSecurityAdminRules response
     * does not name it); NULL: such a file is an error. */
    const char *vnet_id;
};
nsg_rc nsg_imp_config_parse_opts(const char *name, const char *text,
                                 size_t len, const struct nsg_imp_opts *opts,
                                 struct nsg_imp_config **out,
                                 struct nsg_err *err) NSG_WUR;

/* Load a file holding exactly one NSG (any shape nsg_imp_config_read
 * reads), for `diff` and `replay --proposed` (imp_nsg_file.c).  *out is
 * owned by the caller (nsg_nsg_free). */
nsg_rc nsg_imp_load_nsg_file(const char *path, struct nsg_nsg **out,
                             struct nsg_err *err) NSG_WUR;

/* ---- flow logs (imp_flowlog*.c) ---------------------------------------- */

/* Stream the flow-log files into the transaction through the flow-store
 * writer (corpus/flowstore.h: a new segment, updated checkpoints).
 * NSGPROOF_FLOW_TABLE (environment) bounds the aggregation table.  `report` is
 * the import report's object for these files (counts, skipped records with file
 * and byte offset, unknown NSGs/MACs). `t` is the corpus model, used to attach
 * flows to NICs and NSGs. */
nsg_rc nsg_imp_flowlogs(struct nsg_txn *txn, struct nsg_corpus *c,
                        const struct nsg_topology *t, const char *const *paths,
                        size_t n_paths, cJSON *report,
                        struct nsg_err *err) NSG_WUR;

/* The same fed blob by blob with the bytes of each as they arrive (a
 * download): begin (one flow-store writer in txn), one stream per blob,
 * end (the segment written and `report` filled as nsg_imp_flowlogs does;
 * the session is freed) or abort. */
struct nsg_imp_flowlog_session;
nsg_rc nsg_imp_flowlog_begin(struct nsg_txn *txn, const struct nsg_topology *t,
                             struct nsg_imp_flowlog_session **out,
                             struct nsg_err *err) NSG_WUR;
/* Read the blob `name` (a flow-log blob name: its checkpoint is named from
 * it) from fd to its end; the first byte read is byte `start` of the blob:
 * 0, or the offset of the blob's checkpointed record, which must come
 * first, unchanged.  From 0, records already imported (by their hashes)
 * are skipped.  Only the current record is held in memory.  fd is not
 * closed. */
nsg_rc nsg_imp_flowlog_stream(struct nsg_imp_flowlog_session *s,
                              const char *name, int fd, uint64_t start,
                              struct nsg_err *err) NSG_WUR;
nsg_rc nsg_imp_flowlog_end(struct nsg_imp_flowlog_session *s, cJSON *report,
                           struct nsg_err *err) NSG_WUR;
void nsg_imp_flowlog_abort(struct nsg_imp_flowlog_session *s); /* NULL-safe */
#endif
