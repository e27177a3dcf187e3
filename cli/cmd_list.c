/* cmd_list.c - `nsgproof list`: what a corpus holds.  Per kind (NSGs,
 * NICs, virtual networks, subnets, ASGs, route tables, VMs, public IPs,
 * service tags) the names, resource groups, ids and a few facts; for flows
 * the NSGs and MACs covered, with their hours and tuple counts. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../corpus/flowstore.h"
#include "cli.h"
#include "cli_opt.h"

static const char *const synopsis[] = {
    "--corpus DIR [KIND] [--at TIME] [--format text|json]", NULL};
static const struct cli_command_help help = {
    "list", synopsis,
    "What a corpus holds: names, resource groups and ids of one kind of\n"
    "resource (or of every kind), or the flows stored per NSG and MAC.",
    "KIND: nsgs, nics, vnets, subnets, asgs, route-tables, vms, publicips,\n"
    "service-tags or flows (default: every kind of resource, as counts and\n"
    "names).  JSON schema: docs/list.md.\n"
    "Exit: 0 listed, 2 usage or input error.\n",
    "KIND"};

/* The kinds, as the user writes them, and the model's types. */
static const struct {
    const char *word;
    int type; /* enum nsg_res_type, or -1 for service tags, -2 flows */
    const char *title;
} kinds[] = {
    {"nsgs", NSG_RES_NSG, "NSGs"},
    {"vnets", NSG_RES_VNET, "virtual networks"},
    {"subnets", NSG_RES_SUBNET, "subnets"},
    {"nics", NSG_RES_NIC, "NICs"},
    {"publicips", NSG_RES_PIP, "public IPs"},
    {"vms", NSG_RES_VM, "VMs"},
    {"asgs", NSG_RES_ASG, "application security groups"},
    {"route-tables", NSG_RES_ROUTE_TABLE, "route tables"},
    {"service-tags", -1, "service tags"},
    {"flows", -2, "flows"},
};
#define N_KINDS (sizeof(kinds) / sizeof(*kinds))

static int kind_of(const char *w)
{
    for (size_t i = 0; i < N_KINDS; i++)
        if (!strcasecmp(w, kinds[i].word) ||
            (!strncasecmp(w, kinds[i].word, strlen(w)) &&
             strlen(w) + 1 == strlen(kinds[i].word))) /* singular */
            return (int)i;
    if (!strcasecmp(w, "routetables") || !strcasecmp(w, "route-table"))
        return 7;
    if (!strcasecmp(w, "tags"))
        return 8;
    return -1;
}

static void add_str(cJSON *o, const char *k, const char *v)
{
    if (v)
        cJSON_AddStringToObject(o, k, v);
    else
        cJSON_AddNullToObject(o, k);
}

static void add_cidrs(cJSON *o, const char *k, const struct nsg_cidr *c,
                      size_t n)
{
    cJSON *a = cJSON_AddArrayToObject(o, k);
    for (size_t i = 0; i < n; i++)
        cli_emit_cidr(&c[i], a);
}

static const char *name_of(const struct nsg_topology *t, int type,
                           const char *id)
{
    char *const *h = id ? nsg_topo_get(t, (enum nsg_res_type)type, id) : NULL;
    return h ? h[1] : NULL;
}

/* One resource of the model as a list entry. */
static cJSON *entry(const struct nsg_topology *t, int type, void *res)
{
    char *const *head = res; /* every resource starts with id, name */
    cJSON *o = cJSON_CreateObject();
    char *rg = cli_resource_group(head[0]);
    add_str(o, "name", head[1]);
    add_str(o, "resource_group", rg);
    add_str(o, "id", head[0]);
    g_free(rg);
    switch (type) {
    case NSG_RES_NSG: {
        const struct nsg_nsg *n = res;
        size_t user = 0;
        for (size_t i = 0; i < n->n_rules; i++)
            user += !n->rules[i].is_default;
        cJSON_AddNumberToObject(o, "rules", (double)user);
        GPtrArray *vs = g_ptr_array_new();
        cli_vnets_of_nsg(t, n, vs);
        cJSON *a = cJSON_AddArrayToObject(o, "vnets");
        for (guint i = 0; i < vs->len; i++)
            cJSON_AddItemToArray(a, cJSON_CreateString(
                                        ((struct nsg_vnet *)vs->pdata[i])->name));
        g_ptr_array_free(vs, TRUE);
        break;
    }
    case NSG_RES_VNET: {
        const struct nsg_vnet *v = res;
        add_cidrs(o, "address_space", v->space, v->n_space);
        cJSON_AddBoolToObject(o, "in_corpus", nsg_sim_vnet_known(v));
        break;
    }
    case NSG_RES_SUBNET: {
        const struct nsg_subnet *s = res;
        add_cidrs(o, "prefixes", s->prefixes, s->n_prefixes);
        add_str(o, "vnet", name_of(t, NSG_RES_VNET, s->vnet_id));
        add_str(o, "nsg", name_of(t, NSG_RES_NSG, s->nsg_id));
        break;
    }
    case NSG_RES_NIC: {
        const struct nsg_nic *n = res;
        cJSON *a = cJSON_AddArrayToObject(o, "private_ips");
        for (size_t i = 0; i < n->n_ipconfigs; i++)
            if (n->ipconfigs[i].has_ip) {
                char ip[NSG_IP_STRLEN];
                nsg_ip_format(&n->ipconfigs[i].ip, ip);
                cJSON_AddItemToArray(a, cJSON_CreateString(ip));
            }
        const struct nsg_subnet *s = nsg_topo_subnet_of_nic(t, n);
        add_str(o, "subnet", s ? s->name : NULL);
        add_str(o, "nsg", name_of(t, NSG_RES_NSG, n->nsg_id));
        add_str(o, "vm", name_of(t, NSG_RES_VM, n->vm_id));
        add_str(o, "mac", n->mac[0] ? n->mac : NULL);
        break;
    }
    case NSG_RES_PIP: {
        const struct nsg_pip *p = res;
        char ip[NSG_IP_STRLEN] = "";
        if (p->has_ip)
            nsg_ip_format(&p->ip, ip);
        add_str(o, "ip", p->has_ip ? ip : NULL);
        break;
    }
    case NSG_RES_VM: {
        const struct nsg_vm *v = res;
        cJSON *a = cJSON_AddArrayToObject(o, "nics");
        for (size_t i = 0; i < v->n_nic_ids; i++) {
            const char *nm = name_of(t, NSG_RES_NIC, v->nic_ids[i]);
            char *fallback = nm ? NULL : nsg_id_name(v->nic_ids[i]);
            cJSON_AddItemToArray(a, cJSON_CreateString(nm ? nm : fallback));
            free(fallback);
        }
        break;
    }
    case NSG_RES_ROUTE_TABLE: {
        const struct nsg_route_table *r = res;
        cJSON_AddNumberToObject(o, "routes", (double)r->n_routes);
        break;
    }
    default:
        break;
    }
    return o;
}

static cJSON *list_kind(const struct nsg_topology *t, int type)
{
    cJSON *a = cJSON_CreateArray();
    for (guint i = 0; i < t->res[type]->len; i++)
        cJSON_AddItemToArray(a, entry(t, type, t->res[type]->pdata[i]));
    return a;
}

static int cmp_tag(const void *a, const void *b)
{
    const struct nsg_service_tag *x = *(void *const *)a, *y = *(void *const *)b;
    return strcasecmp(x->name, y->name);
}

static cJSON *list_tags(const struct nsg_topology *t)
{
    cJSON *a = cJSON_CreateArray();
    GPtrArray *all = g_ptr_array_new();
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, t->tags);
    while (g_hash_table_iter_next(&it, &k, &v))
        g_ptr_array_add(all, v);
    if (all->len) /* pdata is NULL when empty */
        qsort(all->pdata, all->len, sizeof(void *), cmp_tag);
    for (guint i = 0; i < all->len; i++) {
        const struct nsg_service_tag *st = all->pdata[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", st->name);
        cJSON_AddNumberToObject(o, "ranges", (double)st->set.n);
        cJSON_AddItemToArray(a, o);
    }
    g_ptr_array_free(all, TRUE);
    return a;
}

/* ---- flows ------------------------------------------------------------- */

struct cover {
    char *nsg, *mac; /* owned */
    GHashTable *hours; /* hour (int64 seconds / 3600) set */
    int64_t first, last;
    uint64_t flows, tuples;
};

static void cover_free(void *p)
{
    struct cover *c = p;
    g_free(c->nsg);
    g_free(c->mac);
    g_hash_table_destroy(c->hours);
    free(c);
}

/* The NSG a flow was logged by: its name when the corpus holds it. */
static const char *flow_nsg(const struct nsg_topology *t,
                            const struct nsg_flow *f)
{
    const struct nsg_nsg *n = NULL;
    if (f->nsg_id)
        n = nsg_topo_get(t, NSG_RES_NSG, f->nsg_id);
    if (!n && f->acl_id)
        n = nsg_topo_nsg_by_guid(t, f->acl_id);
    if (!n && f->acl_id)
        n = nsg_topo_get(t, NSG_RES_NSG, f->acl_id);
    if (n)
        return n->name;
    return f->nsg_id ? f->nsg_id : f->acl_id ? f->acl_id : "(none)";
}

static int cmp_cover(const void *a, const void *b)
{
    const struct cover *x = *(void *const *)a, *y = *(void *const *)b;
    int c = strcmp(x->nsg, y->nsg);
    return c ? c : strcmp(x->mac, y->mac);
}

static gint cmp_hour(gconstpointer a, gconstpointer b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static nsg_rc list_flows(struct nsg_corpus *c, const struct nsg_topology *t,
                         cJSON **out, struct nsg_err *err)
{
    struct nsg_flow_iter *it = NULL;
    const struct nsg_flow *f;
    GHashTable *by = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                           cover_free);
    nsg_rc rc = nsg_flows_open(c, &it, err);
    int r = 0;
    while (!rc && (r = nsg_flows_next(it, &f, err)) > 0) {
        const char *nsg = flow_nsg(t, f);
        char *key = g_strdup_printf("%s\t%s", nsg, f->mac);
        struct cover *cv = g_hash_table_lookup(by, key);
        if (!cv) {
            cv = nsg_xcalloc(1, sizeof(*cv));
            cv->nsg = g_strdup(nsg);
            cv->mac = g_strdup(f->mac);
            cv->hours = g_hash_table_new_full(g_int64_hash, g_int64_equal,
                                              g_free, NULL);
            cv->first = f->first_seen;
            cv->last = f->last_seen;
            g_hash_table_insert(by, key, cv);
        } else {
            g_free(key);
        }
        int64_t *h = g_new(int64_t, 1);
        *h = f->first_seen / 3600 * 3600;
        g_hash_table_add(cv->hours, h);
        if (f->first_seen < cv->first)
            cv->first = f->first_seen;
        if (f->last_seen > cv->last)
            cv->last = f->last_seen;
        cv->flows++;
        cv->tuples += f->count ? f->count : 1;
    }
    if (r < 0)
        rc = err ? err->code : NSG_E_INPUT;
    nsg_flows_close(it);
    if (!rc) {
        GPtrArray *all = g_ptr_array_new();
        GHashTableIter hi;
        gpointer k, v;
        g_hash_table_iter_init(&hi, by);
        while (g_hash_table_iter_next(&hi, &k, &v))
            g_ptr_array_add(all, v);
        if (all->len)
            qsort(all->pdata, all->len, sizeof(void *), cmp_cover);
        *out = cJSON_CreateArray();
        for (guint i = 0; i < all->len; i++) {
            const struct cover *cv = all->pdata[i];
            cJSON *o = cJSON_CreateObject();
            char iso[32];
            cJSON_AddStringToObject(o, "nsg", cv->nsg);
            add_str(o, "mac", cv->mac[0] ? cv->mac : NULL);
            const struct nsg_nic *nic =
                cv->mac[0] ? nsg_topo_nic_by_mac(t, cv->mac) : NULL;
            add_str(o, "nic", nic ? nic->name : NULL);
            GList *hs = g_list_sort(g_hash_table_get_keys(cv->hours), cmp_hour);
            cJSON *ha = cJSON_AddArrayToObject(o, "hours");
            for (GList *l = hs; l; l = l->next) {
                nsg_corpus_time_format(*(int64_t *)l->data, iso);
                cJSON_AddItemToArray(ha, cJSON_CreateString(iso));
            }
            g_list_free(hs);
            nsg_corpus_time_format(cv->first, iso);
            cJSON_AddStringToObject(o, "first_seen", iso);
            nsg_corpus_time_format(cv->last, iso);
            cJSON_AddStringToObject(o, "last_seen", iso);
            cJSON_AddNumberToObject(o, "flows", (double)cv->flows);
            cJSON_AddNumberToObject(o, "tuples", (double)cv->tuples);
            cJSON_AddItemToArray(*out, o);
        }
        g_ptr_array_free(all, TRUE);
    }
    g_hash_table_destroy(by);
    return rc;
}

/* ---- text ---------------------------------------------------------------- */

static void print_resources(const char *title, const cJSON *a, int type)
{
    const cJSON *e;
    printf("%s (%d):\n", title, cJSON_GetArraySize(a));
    cJSON_ArrayForEach(e, a)
    {
        printf("  %-24s %-16s", cli_json_str(e, "name", "?"),
               cli_json_str(e, "resource_group", "-"));
        if (type == NSG_RES_NSG)
            printf(" %3g rules", cli_json_num(e, "rules"));
        else if (type == NSG_RES_NIC) {
            const cJSON *ip;
            printf(" subnet %s", cli_json_str(e, "subnet", "?"));
            cJSON_ArrayForEach(ip, cJSON_GetObjectItem(e, "private_ips"))
                printf(" %s", ip->valuestring);
        } else if (type == NSG_RES_VNET) {
            const cJSON *p;
            if (!cJSON_IsTrue(cJSON_GetObjectItem(e, "in_corpus")))
                printf(" (not in the corpus: named by its subnets or NSGs)");
            cJSON_ArrayForEach(p, cJSON_GetObjectItem(e, "address_space"))
                printf(" %s", p->valuestring);
        } else if (type == NSG_RES_SUBNET) {
            const cJSON *p;
            printf(" vnet %s", cli_json_str(e, "vnet", "?"));
            cJSON_ArrayForEach(p, cJSON_GetObjectItem(e, "prefixes"))
                printf(" %s", p->valuestring);
        }
        printf("\n    %s\n", cli_json_str(e, "id", ""));
    }
}

static void print_flows(const cJSON *a)
{
    const cJSON *e;
    printf("%-24s %-14s %-10s %6s %10s  %s\n", "NSG", "MAC", "NIC", "hours",
           "tuples", "first seen .. last seen");
    cJSON_ArrayForEach(e, a)
        printf("%-24s %-14s %-10s %6d %10.0f  %s .. %s\n",
               cli_json_str(e, "nsg", ""), cli_json_str(e, "mac", "-"),
               cli_json_str(e, "nic", "-"),
               cJSON_GetArraySize(cJSON_GetObjectItem(e, "hours")),
               cli_json_num(e, "tuples"), cli_json_str(e, "first_seen", ""),
               cli_json_str(e, "last_seen", ""));
    if (!cJSON_GetArraySize(a))
        printf("(no flow logs in the corpus)\n");
}

int cmd_list(int argc, char **argv)
{
    const char *corpus = NULL;
    struct cli_output fmt = CLI_OUTPUT_INIT;
    struct cli_strv pos = CLI_STRV_INIT;
    int64_t at = NSG_TIME_LATEST;
    struct cli_option opts[] = {
        CLI_OPT_STR("corpus", &corpus, "DIR", "the corpus"),
        CLI_OPT_TIME("at", &at, "the resources as of TIME (default: the "
                                "newest)"),
        CLI_OPT_OUTPUT(&fmt),
        CLI_OPT_ENDMARK};
    struct nsg_corpus *c = NULL;
    struct nsg_topology *t = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    GPtrArray *notes = g_ptr_array_new_with_free_func(g_free);
    cJSON *root = NULL;
    int k = -1, status = cli_opt_parse(&help, opts, argc, argv, &pos, NULL);

    if (status) {
        status = cli_opt_status(status);
        goto out;
    }
    if (!corpus) {
        status = cli_opt_error(&help, "--corpus DIR is required");
        goto out;
    }
    if (pos.n > 1) {
        status = cli_opt_error(&help, "give one KIND, not %zu", pos.n);
        goto out;
    }
    if (pos.n && (k = kind_of(pos.v[0])) < 0) {
        status = cli_opt_error(&help,
                               "unknown kind '%s': nsgs, nics, vnets, subnets, "
                               "asgs, route-tables, vms, publicips, "
                               "service-tags or flows",
                               pos.v[0]);
        goto out;
    }
    if (cli_load_model(corpus, at, &c, &t, notes, &err)) {
        status = cli_fail(&err);
        goto out;
    }
    cli_notes(notes);
    root = cJSON_CreateObject();
    for (size_t i = 0; i < N_KINDS; i++) {
        if ((k >= 0 && (int)i != k) || (k < 0 && kinds[i].type == -2))
            continue;
        cJSON *a = NULL;
        if (kinds[i].type >= 0)
            a = list_kind(t, kinds[i].type);
        else if (kinds[i].type == -1)
            a = list_tags(t);
        else if (list_flows(c, t, &a, &err)) {
            status = cli_fail(&err);
            goto out;
        }
        if (fmt.format == CLI_FORMAT_TEXT) {
            if (kinds[i].type == -2)
                print_flows(a);
            else if (kinds[i].type == -1 && k < 0)
                printf("service tags: %d\n", cJSON_GetArraySize(a));
            else if (kinds[i].type == -1) {
                const cJSON *e;
                cJSON_ArrayForEach(e, a)
                    printf("  %-40s %6g ranges\n", cli_json_str(e, "name", ""),
                           cli_json_num(e, "ranges"));
            } else
                print_resources(kinds[i].title, a, kinds[i].type);
        }
        cJSON_AddItemToObject(root, kinds[i].word, a);
    }
    if (fmt.format == CLI_FORMAT_JSON)
        cli_print_json(root);
out:
    cJSON_Delete(root);
    nsg_topo_free(t);
    nsg_corpus_close(c);
    cli_strv_release(&pos);
    g_ptr_array_free(notes, TRUE);
    return status;
}
