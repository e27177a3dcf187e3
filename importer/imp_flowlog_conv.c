/* imp_flowlog_conv.c - turns the tuples of one parsed flow-log record into
 * flow-store records (the group part from nsg_fstore_group: NSG id /
 * aclID / target / rule, MAC; then the tokenized tuple fields) handed to
 * the writer, and keeps the report's tallies (bad tuples with their byte
 * offsets, unknown NSGs and MACs, admin rules). */
#include <stdio.h>
#include <string.h>

#include "imp_flowlog.h"

#define ZERO_GUID "00000000-0000-0000-0000-000000000000"

void nsg_imp_fl_problem(struct nsg_imp_fl_ctx *x, uint64_t off,
                        const char *what)
{
    x->n_problems++;
    if (cJSON_GetArraySize(x->problems) >= NSG_IMP_FL_MAX_PROBLEMS)
        return;
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "file", x->file);
    cJSON_AddNumberToObject(p, "offset", (double)off);
    cJSON_AddStringToObject(p, "problem", what);
    cJSON_AddItemToArray(x->problems, p);
}

static void count_unknown(GHashTable *h, const char *key, uint64_t n)
{
    guint64 *c = g_hash_table_lookup(h, key);
    if (!c) {
        c = g_new0(guint64, 1);
        g_hash_table_insert(h, g_strdup(key), c);
    }
    *c += n;
}

/* Is the NSG / MAC / aclID known to the topology?  Cached per string. */
static bool known(struct nsg_imp_fl_ctx *x, char kind, const char *s)
{
    int k = kind == 'n' ? 0 : kind == 'm' ? 1 : 2;
    if (x->known_last[k] && !strcmp(x->known_last[k], s))
        return x->known_last_ok[k];
    char *key = g_strdup_printf("%c:%s", kind, s);
    gpointer v = g_hash_table_lookup(x->known, key);
    g_free(x->known_last[k]);
    x->known_last[k] = g_strdup(s);
    if (v) {
        g_free(key);
        return (x->known_last_ok[k] = GPOINTER_TO_INT(v) == 1);
    }
    bool ok = false;
    if (kind == 'n')
        ok = nsg_topo_get(x->t, NSG_RES_NSG, s) != NULL;
    else if (kind == 'm')
        ok = nsg_topo_nic_by_mac(x->t, s) != NULL;
    else if (!strcmp(s, ZERO_GUID))
        ok = true; /* platform rules */
    else if (s[0] == '/')
        ok = nsg_topo_get(x->t, NSG_RES_NSG, s) != NULL;
    else
        ok = nsg_topo_nsg_by_guid(x->t, s) != NULL;
    g_hash_table_insert(x->known, key, GINT_TO_POINTER(ok ? 1 : 2));
    return (x->known_last_ok[k] = ok);
}

static bool is_admin_rule(const char *rule)
{
    if (!rule)
        return false;
    return strncmp(rule, "UserRule_", 9) && strncmp(rule, "DefaultRule_", 12) &&
           strcmp(rule, "PlatformRule");
}

/* Per flow group: what every tuple of the group shares. */
struct group {
    uint32_t frame;
    struct nsg_flowrec base;
    bool admin, unknown_nsg, unknown_mac;
    const char *nsg_key, *mac_key;
    char mac_norm[13];
};

static void group_setup(struct nsg_imp_fl_ctx *x,
                        const struct nsg_imp_fl_record *r, uint32_t frame,
                        struct group *g)
{
    const char *rule, *mac, *acl;
    nsg_imp_fl_record_context(r, frame, &rule, &mac, &acl);
    memset(g, 0, sizeof(*g));
    g->frame = frame;
    if (r->vnet)
        nsg_fstore_group(x->w, &g->base, NULL, acl, r->target, rule, mac);
    else
        nsg_fstore_group(x->w, &g->base, r->resource_id, NULL, NULL, rule, mac);
    if (r->vnet) {
        g->admin = is_admin_rule(rule);
        g->nsg_key = acl;
        g->unknown_nsg = x->t && acl && !known(x, 'a', acl);
    } else {
        g->admin = is_admin_rule(rule);
        g->nsg_key = r->resource_id;
        g->unknown_nsg =
            x->t && r->resource_id && !known(x, 'n', r->resource_id);
    }
    /* unknown MACs are reported normalized (one entry per NIC) */
    g->mac_key =
        mac && !nsg_mac_normalize(mac, g->mac_norm) ? g->mac_norm : mac;
    g->unknown_mac = x->t && mac && !known(x, 'm', g->mac_key);
}

/* Tokenize and aggregate every tuple of the record. */
nsg_rc nsg_imp_fl_record_tuples(struct nsg_imp_fl_ctx *x, uint64_t rec_off,
                                struct nsg_err *err)
{
    const struct nsg_imp_fl_record *r = &x->rec;
    enum nsg_imp_fl_kind kind =
        r->vnet ? NSG_IMP_FL_KIND_VNET : NSG_IMP_FL_KIND_NSG;
    struct group g;
    /* room for every tuple up front, written in place (g_array_append_val
     * per tuple was a library call and a copy: ~7 % of the import) */
    size_t used = 0;
    struct nsg_flowrec *out = nsg_fstore_reserve(x->w, r->spans->len);
    bool have_g = false;
    uint64_t n_nsg_unknown = 0, n_mac_unknown = 0;
    const char *last_nsg = NULL, *last_mac = NULL;

    for (guint i = 0; i < r->spans->len; i++) {
        const struct nsg_imp_fl_span *sp =
            &g_array_index(r->spans, struct nsg_imp_fl_span, i);
        struct nsg_imp_fl_tuple tu;
        const char *why;
        x->tuples++;
        if (!have_g || g.frame != sp->frame) {
            if (have_g && n_nsg_unknown)
                count_unknown(x->unknown_nsg, last_nsg, n_nsg_unknown);
            if (have_g && n_mac_unknown)
                count_unknown(x->unknown_mac, last_mac, n_mac_unknown);
            n_nsg_unknown = n_mac_unknown = 0;
            group_setup(x, r, sp->frame, &g);
            have_g = true;
            last_nsg = g.nsg_key;
            last_mac = g.mac_key;
        }
        if (nsg_imp_fl_tuple_parse(sp->p, sp->len, kind, &tu, &why)) {
            char msg[256];
            uint64_t off = rec_off;
            if (sp->p >= r->text && sp->p < r->text + r->len)
                off += (uint64_t)(sp->p - r->text);
            snprintf(msg, sizeof(msg), "bad flow tuple \"%.*s\": %s",
                     (int)(sp->len > 80 ? 80 : sp->len), sp->p, why);
            nsg_imp_fl_problem(x, off, msg);
            x->tuples_bad++;
            continue;
        }
        struct nsg_flowrec *fr = &out[used++];
        memcpy(fr, &g.base, sizeof(*fr)); /* padding too: the key is bytes */
        fr->version = tu.version;
        fr->dir = tu.dir;
        fr->proto = tu.proto;
        fr->decision = (uint8_t)tu.decision;
        fr->state = (uint8_t)tu.state;
        nsg_flowrec_set_ip(&tu.src, &fr->src_fam, fr->src);
        nsg_flowrec_set_ip(&tu.dst, &fr->dst_fam, fr->dst);
        fr->sport = tu.sport;
        fr->dport = tu.dport;
        fr->first_seen = fr->last_seen = tu.time;
        fr->count = 1;
        fr->packets_sd = tu.c[0];
        fr->bytes_sd = tu.c[1];
        fr->packets_ds = tu.c[2];
        fr->bytes_ds = tu.c[3];
        if (g.admin)
            x->admin_tuples++;
        if (g.unknown_nsg)
            n_nsg_unknown++;
        if (g.unknown_mac)
            n_mac_unknown++;
    }
    nsg_rc rc = nsg_fstore_put(x->w, used, err);
    if (rc)
        return rc;
    if (have_g && n_nsg_unknown)
        count_unknown(x->unknown_nsg, last_nsg, n_nsg_unknown);
    if (have_g && n_mac_unknown)
        count_unknown(x->unknown_mac, last_mac, n_mac_unknown);
    return NSG_OK;
}
