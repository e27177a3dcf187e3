/* agg_export.c - the stored flows of a corpus written as aggregate rows
 * (CSV or JSON Lines, docs/aggregates.md): every stored flow -- a logged
 * tuple aggregate or an imported row -- is grouped by the row key and the
 * hour of its first_seen (the flow store's own hour, so that importing an
 * export gives back the same stored flows), with tuples, flows and
 * counters summed, seen times widened and the source-port range the
 * smallest that holds the group's ports (within one bucket of the given
 * boundaries).  An imported row keeps its own range: rows of one key with
 * other ranges (cut at boundaries that made them exact) stay apart.  What a logged tuple does not know is written empty:
 * version-1 tuples have no counters and no flow states. */
#include <stdlib.h>
#include <string.h>

#include "agg_int.h"

struct ekey {
    const char *nsg, *rule; /* interned ("" when none) */
    char mac[13];
    uint8_t dir;
    char decision;
    int proto;
    struct nsg_ip src, dst;
    uint16_t dport;
    uint32_t bucket; /* source-port bucket (0 without boundaries) */
    bool row;        /* an imported row: its range is part of the key */
    uint16_t row_sport, row_span;
    int64_t hour;
};

struct erow {
    struct ekey k;
    unsigned sport_min, sport_max;
    uint64_t tuples, flows, c[4];
    int64_t first, last;
    uint8_t unknown; /* NSG_FLOW_NO_* of any flow of the row */
};

static guint ekey_hash(gconstpointer p)
{
    const struct ekey *k = p;
    guint h = g_direct_hash(k->nsg) * 31 + g_direct_hash(k->rule);
    h = h * 31 + g_str_hash(k->mac);
    h = h * 31 + (guint)k->dir * 7 + (guint)k->proto + (guint)k->decision;
    h = h * 31 + (guint)(k->src.v ^ (k->src.v >> 64));
    h = h * 31 + (guint)(k->dst.v ^ (k->dst.v >> 64));
    h = h * 31 + ((guint)k->dport << 16 ^ k->bucket);
    h = h * 31 + ((guint)k->row_sport << 16 ^ k->row_span) + k->row;
    return h * 31 + (guint)k->hour;
}

static gboolean ekey_equal(gconstpointer a, gconstpointer b)
{
    const struct ekey *x = a, *y = b;
    return x->nsg == y->nsg && x->rule == y->rule && x->dir == y->dir &&
           x->decision == y->decision && x->proto == y->proto &&
           x->dport == y->dport && x->bucket == y->bucket &&
           x->row == y->row && x->row_sport == y->row_sport &&
           x->row_span == y->row_span &&
           x->hour == y->hour && !strcmp(x->mac, y->mac) &&
           !nsg_ip_cmp(&x->src, &y->src) && !nsg_ip_cmp(&x->dst, &y->dst);
}

/* The bucket of port p: how many boundaries are at or below it. */
static uint32_t bucket_of(const struct nsg_agg_export_opts *o, unsigned p)
{
    size_t lo = 0, hi = o->n_bounds;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (o->sport_bounds[mid] <= p)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (uint32_t)lo;
}

/* What a stored flow adds to its row. */
static void add_flow(struct erow *r, const struct nsg_flow *f, bool fresh)
{
    uint8_t unknown = 0;
    uint64_t flows = 0;
    if (f->version == NSG_FLOW_AGGREGATE) {
        unknown = f->unknown;
        flows = f->flows;
    } else if (f->version == 1) { /* no states, no counters */
        unknown = NSG_FLOW_NO_FLOWS | NSG_FLOW_NO_COUNTERS;
    } else if (f->state == 'B' || f->state == 'D') {
        flows = f->count; /* a flow begins (VNet D: a denied one) */
    }
    unsigned lo = f->sport, hi = nsg_flow_sport_max(f);
    if (fresh) {
        r->sport_min = lo;
        r->sport_max = hi;
        r->first = f->first_seen;
        r->last = f->last_seen;
    }
    if (lo < r->sport_min)
        r->sport_min = lo;
    if (hi > r->sport_max)
        r->sport_max = hi;
    if (f->first_seen < r->first)
        r->first = f->first_seen;
    if (f->last_seen > r->last)
        r->last = f->last_seen;
    r->unknown |= unknown;
    r->tuples += f->count;
    r->flows += flows;
    r->c[0] += f->packets_sd;
    r->c[1] += f->bytes_sd;
    r->c[2] += f->packets_ds;
    r->c[3] += f->bytes_ds;
}

static int erow_cmp(gconstpointer a, gconstpointer b)
{
    const struct erow *x = *(struct erow *const *)a;
    const struct erow *y = *(struct erow *const *)b;
    int d = (x->k.hour > y->k.hour) - (x->k.hour < y->k.hour);
    if (!d)
        d = strcmp(x->k.nsg, y->k.nsg);
    if (!d)
        d = strcmp(x->k.mac, y->k.mac);
    if (!d)
        d = (int)x->k.dir - (int)y->k.dir;
    if (!d)
        d = x->k.proto - y->k.proto;
    if (!d)
        d = nsg_ip_cmp(&x->k.src, &y->k.src);
    if (!d)
        d = nsg_ip_cmp(&x->k.dst, &y->k.dst);
    if (!d)
        d = (int)x->k.dport - (int)y->k.dport;
    if (!d)
        d = (int)x->sport_min - (int)y->sport_min;
    if (!d)
        d = (int)x->sport_max - (int)y->sport_max;
    if (!d)
        d = (int)x->k.row - (int)y->k.row;
    if (!d)
        d = x->k.decision - y->k.decision;
    if (!d)
        d = strcmp(x->k.rule, y->k.rule);
    return d;
}

/* ---- writing ------------------------------------------------------------ */

/* A CSV field: quoted (quotes doubled) only when it must be. */
static void csv_str(FILE *out, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', out);
        fputc(*s, out);
    }
    fputc('"', out);
}

static void json_str(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

/* The row's values as text (NULL: unknown, written empty / null) and
 * whether each is a JSON string. */
static void row_text(const struct erow *r, char buf[NSG_AGG_NCOLS][64],
                     const char *v[NSG_AGG_NCOLS], bool str[NSG_AGG_NCOLS])
{
    memset(str, 0, NSG_AGG_NCOLS * sizeof(bool));
    for (int c = 0; c < NSG_AGG_NCOLS; c++)
        v[c] = buf[c];
    v[NSG_AGG_NSG] = r->k.nsg[0] ? r->k.nsg : NULL;
    v[NSG_AGG_MAC] = r->k.mac[0] ? r->k.mac : NULL;
    v[NSG_AGG_RULE] = r->k.rule[0] ? r->k.rule : NULL;
    str[NSG_AGG_NSG] = str[NSG_AGG_MAC] = str[NSG_AGG_RULE] = true;
    str[NSG_AGG_DIRECTION] = str[NSG_AGG_DECISION] = true;
    str[NSG_AGG_SRC_IP] = str[NSG_AGG_DST_IP] = true;
    strcpy(buf[NSG_AGG_DIRECTION], r->k.dir == NSG_DIR_OUT ? "O" : "I");
    snprintf(buf[NSG_AGG_PROTOCOL], 64, "%d", r->k.proto);
    nsg_ip_format(&r->k.src, buf[NSG_AGG_SRC_IP]);
    nsg_ip_format(&r->k.dst, buf[NSG_AGG_DST_IP]);
    snprintf(buf[NSG_AGG_DST_PORT], 64, "%u", (unsigned)r->k.dport);
    snprintf(buf[NSG_AGG_SPORT_MIN], 64, "%u", r->sport_min);
    snprintf(buf[NSG_AGG_SPORT_MAX], 64, "%u", r->sport_max);
    snprintf(buf[NSG_AGG_DECISION], 64, "%c", r->k.decision);
    snprintf(buf[NSG_AGG_TUPLES], 64, "%llu", (unsigned long long)r->tuples);
    snprintf(buf[NSG_AGG_FLOWS], 64, "%llu", (unsigned long long)r->flows);
    for (int i = 0; i < 4; i++)
        snprintf(buf[NSG_AGG_PACKETS_SD + i], 64, "%llu",
                 (unsigned long long)r->c[i]);
    snprintf(buf[NSG_AGG_FIRST_SEEN], 64, "%lld000", (long long)r->first);
    snprintf(buf[NSG_AGG_LAST_SEEN], 64, "%lld000", (long long)r->last);
    if (r->unknown & NSG_FLOW_NO_TUPLES)
        v[NSG_AGG_TUPLES] = NULL;
    if (r->unknown & NSG_FLOW_NO_FLOWS)
        v[NSG_AGG_FLOWS] = NULL;
    if (r->unknown & NSG_FLOW_NO_COUNTERS)
        for (int i = 0; i < 4; i++)
            v[NSG_AGG_PACKETS_SD + i] = NULL;
}

static void write_row(FILE *out, enum nsg_agg_format fmt,
                      const struct erow *r)
{
    char buf[NSG_AGG_NCOLS][64];
    const char *v[NSG_AGG_NCOLS];
    bool str[NSG_AGG_NCOLS];
    row_text(r, buf, v, str);
    if (fmt == NSG_AGG_OUT_CSV) {
        for (int c = 0; c < NSG_AGG_NCOLS; c++) {
            if (c)
                fputc(',', out);
            if (v[c])
                csv_str(out, v[c]);
        }
        fputs("\r\n", out);
        return;
    }
    fputc('{', out);
    for (int c = 0; c < NSG_AGG_NCOLS; c++) {
        fprintf(out, "%s\"%s\":", c ? "," : "", nsg_agg_column_name(c));
        if (!v[c])
            fputs("null", out);
        else if (str[c])
            json_str(out, v[c]);
        else
            fputs(v[c], out);
    }
    fputs("}\n", out);
}

nsg_rc nsg_agg_export(struct nsg_corpus *c,
                      const struct nsg_agg_export_opts *opt, FILE *out,
                      uint64_t *rows, struct nsg_err *err)
{
    GHashTable *h = g_hash_table_new_full(ekey_hash, ekey_equal, NULL, free);
    GStringChunk *strs = g_string_chunk_new(4096);
    struct nsg_flow_iter *it = NULL;
    const struct nsg_flow *f;
    nsg_rc rc = nsg_flows_open(c, &it, err);
    int k = 0;

    *rows = 0;
    while (!rc && (k = nsg_flows_next(it, &f, err)) == 1) {
        struct ekey key;
        if (f->last_seen < opt->since)
            continue;
        memset(&key, 0, sizeof(key));
        key.nsg = g_string_chunk_insert_const(
            strs, f->nsg_id ? f->nsg_id : f->acl_id ? f->acl_id : "");
        key.rule = g_string_chunk_insert_const(strs, f->rule ? f->rule : "");
        memcpy(key.mac, f->mac, sizeof(key.mac));
        key.dir = (uint8_t)f->dir;
        key.decision = nsg_flow_denied(f) ? 'D' : 'A';
        key.proto = f->proto;
        key.src = f->src;
        key.dst = f->dst;
        key.dport = f->dport;
        if (f->version == NSG_FLOW_AGGREGATE) {
            key.row = true; /* its range as imported */
            key.row_sport = f->sport;
            key.row_span = f->sport_span;
        } else if (opt->n_bounds) {
            key.bucket = bucket_of(opt, f->sport);
        }
        key.hour = f->first_seen / 3600;
        struct erow *r = g_hash_table_lookup(h, &key);
        bool fresh = !r;
        if (fresh) {
            r = nsg_xcalloc(1, sizeof(*r));
            r->k = key;
            g_hash_table_add(h, r);
        }
        add_flow(r, f, fresh);
    }
    if (!rc && k < 0)
        rc = (nsg_rc)-k;
    nsg_flows_close(it);
    if (!rc) {
        GPtrArray *all = g_ptr_array_sized_new(g_hash_table_size(h));
        GHashTableIter hi;
        gpointer kk, vv;
        g_hash_table_iter_init(&hi, h);
        while (g_hash_table_iter_next(&hi, &kk, &vv))
            g_ptr_array_add(all, vv);
        g_ptr_array_sort(all, erow_cmp);
        if (opt->format == NSG_AGG_OUT_CSV)
            for (int col = 0; col < NSG_AGG_NCOLS; col++)
                fprintf(out, "%s%s", nsg_agg_column_name(col),
                        col == NSG_AGG_NCOLS - 1 ? "\r\n" : ",");
        for (guint i = 0; i < all->len; i++)
            write_row(out, opt->format, all->pdata[i]);
        *rows = all->len;
        g_ptr_array_free(all, TRUE);
    }
    g_hash_table_destroy(h);
    g_string_chunk_free(strs);
    return rc;
}
