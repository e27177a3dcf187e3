/* imp_flowlog_conv.c - turns the tuples of one parsed flow-log record into
 * aggregation records: the flow group's shared fields (interned NSG id /
 * aclID / target / rule, MAC), the tokenized tuple fields, and the report's
 * tallies (bad tuples with their byte offsets, unknown NSGs and MACs, admin
 * rules). */
#include <stdio.h>
#include <string.h>

#include "imp_flowlog.h"

#define ZERO_GUID "00000000-0000-0000-0000-000000000000"

void fl_problem(struct fl_ctx *x, uint64_t off, const char *what)
{
    x->n_problems++;
    if (cJSON_GetArraySize(x->problems) >= FL_MAX_PROBLEMS)
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
static bool known(struct fl_ctx *x, char kind, const char *s)
{
    char *key = g_strdup_printf("%c:%s", kind, s);
    gpointer v = g_hash_table_lookup(x->known, key);
    if (v) {
        g_free(key);
        return GPOINTER_TO_INT(v) == 1;
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
    return ok;
}

static bool is_admin_rule(const char *rule)
{
    if (!rule)
        return false;
    return strncmp(rule, "UserRule_", 9) && strncmp(rule, "DefaultRule_", 12) &&
           strcmp(rule, "PlatformRule");
}

static void ip_bytes(const struct nsg_ip *ip, uint8_t *fam, uint8_t out[16])
{
    size_t n = ip->family == 6 ? 16 : 4;
    if (n == 4) {
        uint32_t v = (uint32_t)ip->v;
        *fam = 4;
        out[0] = (uint8_t)(v >> 24);
        out[1] = (uint8_t)(v >> 16);
        out[2] = (uint8_t)(v >> 8);
        out[3] = (uint8_t)v;
        return;
    }
    nsg_u128 v = ip->v;
    *fam = ip->family;
    for (size_t i = 0; i < n; i++) {
        out[n - 1 - i] = (uint8_t)(v & 0xff);
        v >>= 8;
    }
}

static bool mac_bytes(const char *mac, uint8_t out[6])
{
    char norm[13];
    if (!mac || nsg_mac_normalize(mac, norm))
        return false;
    for (int i = 0; i < 6; i++) {
        unsigned hi = (unsigned)g_ascii_xdigit_value(norm[2 * i]);
        unsigned lo = (unsigned)g_ascii_xdigit_value(norm[2 * i + 1]);
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

/* Per flow group: what every tuple of the group shares. */
struct group {
    uint32_t frame;
    struct nsg_flowrec base;
    bool admin, unknown_nsg, unknown_mac;
    const char *nsg_key, *mac_key;
    char mac_norm[13];
};

static void group_setup(struct fl_ctx *x, const struct fl_record *r,
                        uint32_t frame, struct group *g)
{
    const char *rule, *mac, *acl;
    fl_record_context(r, frame, &rule, &mac, &acl);
    memset(g, 0, sizeof(*g));
    g->frame = frame;
    g->base.rule = fl_agg_intern(x->agg, rule);
    g->base.has_mac = mac_bytes(mac, g->base.mac);
    if (r->vnet) {
        g->base.acl = fl_agg_intern(x->agg, acl);
        g->base.target = fl_agg_intern(x->agg, r->target);
        g->admin = is_admin_rule(rule);
        g->nsg_key = acl;
        g->unknown_nsg = x->t && acl && !known(x, 'a', acl);
    } else {
        g->base.nsg = fl_agg_intern(x->agg, r->resource_id);
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
nsg_rc fl_record_tuples(struct fl_ctx *x, uint64_t rec_off, struct nsg_err *err)
{
    const struct fl_record *r = &x->rec;
    enum fl_kind kind = r->vnet ? FL_KIND_VNET : FL_KIND_NSG;
    struct group g;
    GArray *batch = fl_pipe_batch(x->pipe);
    /* room for every tuple up front, written in place (g_array_append_val
     * per tuple was a library call and a copy: ~7 % of the import) */
    size_t base = batch->len, used = 0;
    g_array_set_size(batch, base + r->spans->len);
    struct nsg_flowrec *out = &g_array_index(batch, struct nsg_flowrec, base);
    bool have_g = false;
    uint64_t n_nsg_unknown = 0, n_mac_unknown = 0;
    const char *last_nsg = NULL, *last_mac = NULL;

    for (guint i = 0; i < r->spans->len; i++) {
        const struct fl_span *sp = &g_array_index(r->spans, struct fl_span, i);
        struct fl_tuple tu;
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
        if (fl_tuple_parse(sp->p, sp->len, kind, &tu, &why)) {
            char msg[256];
            uint64_t off = rec_off;
            if (sp->p >= r->text && sp->p < r->text + r->len)
                off += (uint64_t)(sp->p - r->text);
            snprintf(msg, sizeof(msg), "bad flow tuple \"%.*s\": %s",
                     (int)(sp->len > 80 ? 80 : sp->len), sp->p, why);
            fl_problem(x, off, msg);
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
        ip_bytes(&tu.src, &fr->src_fam, fr->src);
        ip_bytes(&tu.dst, &fr->dst_fam, fr->dst);
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
    g_array_set_size(batch, base + used);
    nsg_rc rc = fl_pipe_send(x->pipe, false, err);
    if (rc)
        return rc;
    if (have_g && n_nsg_unknown)
        count_unknown(x->unknown_nsg, last_nsg, n_nsg_unknown);
    if (have_g && n_mac_unknown)
        count_unknown(x->unknown_mac, last_mac, n_mac_unknown);
    return NSG_OK;
}
