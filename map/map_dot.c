/* map_dot.c - the map document as Graphviz DOT: virtual networks and
 * subnets as nested clusters, NICs inside (a subnet with more NICs than
 * the document's collapse threshold shows one counted node), peerings
 * between virtual networks, and in the traffic view one edge per traffic
 * (solid: observed, dashed: allowed but never observed, dotted: unknown).
 * The fill colour of a node is its highest finding's severity; a double
 * border marks an internet-facing NIC.  Renders with `dot -Tsvg`. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "map_int.h"

struct dot {
    FILE *f;
    const cJSON *doc;
    GHashTable *node;     /* id -> cJSON node */
    GHashTable *children; /* parent id -> GPtrArray of cJSON nodes */
    GHashTable *alias;    /* NIC id -> collapsed node id */
    GHashTable *drawn;    /* "from|to|label|status" of collapsed edges */
    unsigned collapse;
};

static const char *jstr(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static bool jtrue(const cJSON *o, const char *k)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, k));
}

/* A DOT double-quoted string (newlines as \n). */
static void q(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        if (*s == '\n') {
            fputs("\\n", f);
            continue;
        }
        fputc(*s, f);
    }
    fputc('"', f);
}

static const char *fill(const char *sev)
{
    if (!sev)
        return "#e3f1e3";
    if (!strcmp(sev, "high"))
        return "#f4b4b4";
    if (!strcmp(sev, "medium"))
        return "#ffd59e";
    return "#fff2a8";
}

static int sev_rank(const char *sev)
{
    return !sev ? 0 : !strcmp(sev, "high") ? 3 : !strcmp(sev, "medium") ? 2 : 1;
}

/* First address, or "" */
static const char *first_addr(const cJSON *n)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(n, "addresses");
    return cJSON_IsArray(a) && a->child && cJSON_IsString(a->child)
               ? a->child->valuestring
               : "";
}

static void nic_node(struct dot *d, const cJSON *n, int depth)
{
    char *label = g_strdup_printf("%s\n%s%s", jstr(n, "name"), first_addr(n),
                                  jtrue(n, "internet_facing")
                                      ? "\n(internet-facing)"
                                      : "");
    fprintf(d->f, "%*s%s [label=", depth * 2, "", jstr(n, "id"));
    q(d->f, label);
    fprintf(d->f, ", fillcolor=\"%s\"%s, tooltip=", fill(jstr(n, "severity")),
            jtrue(n, "internet_facing") ? ", peripheries=2" : "");
    q(d->f, jstr(n, "resource_id"));
    fprintf(d->f, "];\n");
    g_free(label);
}

static void cluster(struct dot *d, const cJSON *n, int depth)
{
    const char *id = jstr(n, "id");
    const char *kind = jstr(n, "kind");
    GPtrArray *kids = g_hash_table_lookup(d->children, id);
    struct nsg_buf label = NSG_BUF_INIT;
    const cJSON *a;

    nsg_buf_addf(&label, "%s %s", kind, jstr(n, "name"));
    cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(n, "addresses"))
        nsg_buf_addf(&label, "\n%s", a->valuestring);
    fprintf(d->f, "%*ssubgraph cluster_%s {\n", depth * 2, "", id);
    fprintf(d->f, "%*slabel=", depth * 2 + 2, "");
    q(d->f, label.buf);
    fprintf(d->f, "; style=\"rounded,filled\"; fillcolor=\"%s\"; "
                  "color=\"%s\";\n",
            !strcmp(kind, "vnet") ? "#f3f6fb" : "#ffffff",
            jstr(n, "severity") ? fill(jstr(n, "severity")) : "#8a9bb5");
    fprintf(d->f, "%*s%s [shape=point, style=invis, width=0.01];\n",
            depth * 2 + 2, "", id);
    nsg_buf_release(&label);

    size_t nics = 0;
    for (guint i = 0; kids && i < kids->len; i++)
        nics += !strcmp(jstr(kids->pdata[i], "kind"), "nic");
    if (!strcmp(kind, "subnet") && nics > d->collapse) {
        /* one counted node for the subnet's NICs */
        const char *worst = NULL;
        size_t facing = 0;
        char *cid = g_strdup_printf("%s_nics", id);
        for (guint i = 0; i < kids->len; i++) {
            const cJSON *k = kids->pdata[i];
            if (sev_rank(jstr(k, "severity")) > sev_rank(worst))
                worst = jstr(k, "severity");
            facing += jtrue(k, "internet_facing");
            g_hash_table_insert(d->alias, (void *)jstr(k, "id"), cid);
        }
        char *l = g_strdup_printf("%zu VMs%s", nics,
                                  facing ? "\n(some internet-facing)" : "");
        fprintf(d->f, "%*s%s [label=", depth * 2 + 2, "", cid);
        q(d->f, l);
        fprintf(d->f, ", shape=box3d, fillcolor=\"%s\"%s];\n", fill(worst),
                facing ? ", peripheries=2" : "");
        g_free(l);
    } else {
        for (guint i = 0; kids && i < kids->len; i++)
            if (!strcmp(jstr(kids->pdata[i], "kind"), "nic"))
                nic_node(d, kids->pdata[i], depth + 1);
    }
    for (guint i = 0; kids && i < kids->len; i++)
        if (strcmp(jstr(kids->pdata[i], "kind"), "nic"))
            cluster(d, kids->pdata[i], depth + 1);
    fprintf(d->f, "%*s}\n", depth * 2, "");
}

static bool is_cluster(const cJSON *n)
{
    const char *k = jstr(n, "kind");
    return !strcmp(k, "vnet") || !strcmp(k, "subnet");
}

/* Is node a inside (or equal to) cluster c? */
static bool inside(struct dot *d, const char *a, const char *c)
{
    while (a) {
        if (!strcmp(a, c))
            return true;
        const cJSON *n = g_hash_table_lookup(d->node, a);
        a = n ? jstr(n, "parent") : NULL;
    }
    return false;
}

static void edge(struct dot *d, const cJSON *e)
{
    const char *from = jstr(e, "from"), *to = jstr(e, "to");
    const char *kind = jstr(e, "kind"), *status = jstr(e, "status");
    const char *fa = g_hash_table_lookup(d->alias, from);
    const char *ta = g_hash_table_lookup(d->alias, to);
    const cJSON *fn = g_hash_table_lookup(d->node, from);
    const cJSON *tn = g_hash_table_lookup(d->node, to);
    const char *label = !strcmp(kind, "peering") ? "peering" : jstr(e, "label");

    if (!fn || !tn)
        return;
    if (fa || ta) { /* collapsed: one edge per (ends, label, status) */
        char *key = g_strdup_printf("%s|%s|%s|%s", fa ? fa : from,
                                    ta ? ta : to, label, status ? status : "");
        if (!g_hash_table_add(d->drawn, key))
            return;
    }
    fprintf(d->f, "  %s -> %s [label=", fa ? fa : from, ta ? ta : to);
    q(d->f, label);
    if (!fa && is_cluster(fn) && strcmp(from, to) && !inside(d, to, from))
        fprintf(d->f, ", ltail=cluster_%s", from);
    if (!ta && is_cluster(tn) && strcmp(from, to) && !inside(d, from, to))
        fprintf(d->f, ", lhead=cluster_%s", to);
    if (!strcmp(kind, "peering"))
        fprintf(d->f, ", dir=both, penwidth=2, color=\"#3a5a8c\"%s",
                jtrue(e, "routes") ? "" : ", style=dashed");
    else if (!strcmp(status, "observed"))
        fprintf(d->f, ", color=\"#1b7f3b\", penwidth=1.5");
    else if (!strcmp(status, "unobserved"))
        fprintf(d->f, ", color=\"#c05000\", style=dashed");
    else
        fprintf(d->f, ", color=\"#777777\", style=dotted");
    fprintf(d->f, ", fontsize=8];\n");
}

nsg_rc nsg_map_write_dot(const cJSON *doc, FILE *f, const char *name,
                         struct nsg_err *err)
{
    struct dot d = {f, doc, NULL, NULL, NULL, NULL, NSG_MAP_COLLAPSE_DEFAULT};
    const cJSON *n, *e;
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(doc, "collapse");

    if (cJSON_IsNumber(c) && c->valuedouble >= 1)
        d.collapse = (unsigned)c->valuedouble;
    d.node = g_hash_table_new(g_str_hash, g_str_equal);
    d.children = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
                                       (GDestroyNotify)g_ptr_array_unref);
    d.alias = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, NULL);
    d.drawn = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    GPtrArray *owned = g_ptr_array_new_with_free_func(g_free);
    cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(doc, "nodes"))
    {
        g_hash_table_insert(d.node, (void *)jstr(n, "id"), (void *)n);
        const char *p = jstr(n, "parent");
        if (!p)
            continue;
        GPtrArray *kids = g_hash_table_lookup(d.children, p);
        if (!kids) {
            kids = g_ptr_array_new();
            g_hash_table_insert(d.children, (void *)p, kids);
        }
        g_ptr_array_add(kids, (void *)n);
    }

    fprintf(f, "digraph nsgproof {\n  graph [rankdir=LR, compound=true, "
               "fontname=\"Helvetica\", labelloc=t, label=");
    q(f, jstr(doc, "title"));
    fprintf(f, "];\n  node [shape=box, style=\"rounded,filled\", "
               "fontname=\"Helvetica\", fontsize=10];\n"
               "  edge [fontname=\"Helvetica\"];\n");
    cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(doc, "nodes"))
    {
        const char *kind = jstr(n, "kind");
        if (jstr(n, "parent"))
            continue;
        if (is_cluster(n)) {
            cluster(&d, n, 1);
        } else if (!strcmp(kind, "nic")) {
            nic_node(&d, n, 1);
        } else {
            fprintf(f, "  %s [label=", jstr(n, "id"));
            q(f, jstr(n, "name"));
            fprintf(f, ", shape=%s, fillcolor=\"%s\"];\n",
                    !strcmp(kind, "asg") ? "hexagon" : "ellipse",
                    !strcmp(kind, "asg") ? "#e6e0f5" : "#eeeeee");
        }
    }
    /* cluster ids (anchors) of collapsed NICs' names keep their memory */
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, d.alias);
    GHashTable *uniq = g_hash_table_new(g_direct_hash, g_direct_equal);
    while (g_hash_table_iter_next(&it, &k, &v))
        if (g_hash_table_add(uniq, v))
            g_ptr_array_add(owned, v);
    g_hash_table_destroy(uniq);
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(doc, "edges"))
        edge(&d, e);
    fprintf(f, "}\n");

    g_hash_table_destroy(d.node);
    g_hash_table_destroy(d.children);
    g_hash_table_destroy(d.alias);
    g_hash_table_destroy(d.drawn);
    g_ptr_array_free(owned, TRUE);
    if (ferror(f))
        return nsg_err_set(err, NSG_E_IO, "%s: %s", name, strerror(errno));
    return NSG_OK;
}
