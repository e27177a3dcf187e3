/* cmd_show.c - `nsgproof show`: one resource of a corpus as stored, its
 * associations (where an NSG is applied, a NIC's subnet, VM and ASGs, a
 * subnet's NICs, an ASG's members ...) and with --history every version
 * with its capture time.  NAME, id or KIND:NAME; vm:NAME shows the VM and
 * each of its NICs; an unknown name suggests the nearest ones. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "cli_opt.h"

static const char *const synopsis[] = {
    "--corpus DIR NAME|ID|KIND:NAME [--history] [--at TIME]\n"
    "         [--format text|json]",
    NULL};
static const struct cli_command_help help = {
    "show", synopsis,
    "One resource as stored in a corpus, with its associations and, with\n"
    "--history, every version and its capture time.",
    "KIND: nsg, nic, vnet, subnet, asg, vm, publicip, routetable, tag.\n"
    "vm:NAME shows the VM and each of its NICs.  JSON schema: docs/show.md.\n"
    "Exit: 0 shown, 2 usage or input error (an unknown name suggests the\n"
    "nearest names).\n",
    "NAME"};

static const struct {
    const char *word;
    int type; /* -1: service tag */
} kinds[] = {
    {"nsg", NSG_RES_NSG},         {"vnet", NSG_RES_VNET},
    {"subnet", NSG_RES_SUBNET},   {"nic", NSG_RES_NIC},
    {"publicip", NSG_RES_PIP},    {"pip", NSG_RES_PIP},
    {"vm", NSG_RES_VM},           {"asg", NSG_RES_ASG},
    {"routetable", NSG_RES_ROUTE_TABLE},
    {"route-table", NSG_RES_ROUTE_TABLE},
    {"tag", -1},
};

static const char *res_id(const void *res)
{
    return ((char *const *)res)[0]; /* every resource starts with id, name */
}

static const char *res_name(const void *res)
{
    return ((char *const *)res)[1];
}

/* Find spec: KIND:NAME, an id, or a name of any kind (an error naming the
 * candidates when several kinds have it). */
static nsg_rc resolve(const struct nsg_topology *t, const char *spec,
                      int *type, void **res, struct nsg_err *err)
{
    const char *colon = strchr(spec, ':');
    for (size_t i = 0; colon && i < sizeof(kinds) / sizeof(*kinds); i++) {
        if (strlen(kinds[i].word) != (size_t)(colon - spec) ||
            strncasecmp(spec, kinds[i].word, (size_t)(colon - spec)))
            continue;
        *type = kinds[i].type;
        if (*type < 0) {
            *res = (void *)nsg_topo_tag(t, colon + 1);
            return *res ? NSG_OK
                        : nsg_err_set(err, NSG_E_NOTFOUND,
                                      "no service tag named '%s' in the "
                                      "corpus (nsgproof list --corpus DIR "
                                      "service-tags lists them)",
                                      colon + 1);
        }
        return cli_find(t, *type, colon + 1, res, err);
    }
    char *key = nsg_xstrdup_lower(spec);
    const struct nsg_res_ref *ref = g_hash_table_lookup(t->by_id, key);
    free(key);
    if (ref) {
        *type = ref->type;
        *res = ref->ptr;
        return NSG_OK;
    }
    struct nsg_buf b = NSG_BUF_INIT;
    int hits = 0;
    for (int ty = 0; ty < NSG_RES_TYPE_COUNT; ty++)
        for (guint i = 0; i < t->res[ty]->len; i++) {
            const char *n = res_name(t->res[ty]->pdata[i]);
            if (n && !strcasecmp(n, spec)) {
                if (!hits++) {
                    *type = ty;
                    *res = t->res[ty]->pdata[i];
                }
                nsg_buf_addf(&b, "%s%s:%s", hits > 1 ? ", " : "",
                             nsg_res_type_name((enum nsg_res_type)ty), n);
            }
        }
    nsg_rc rc = NSG_OK;
    if (hits > 1)
        rc = nsg_err_set(err, NSG_E_INPUT,
                         "'%s' names several resources: %s; give KIND:NAME "
                         "(or the id)",
                         spec, b.buf);
    else if (!hits && nsg_topo_tag(t, spec)) {
        *type = -1;
        *res = (void *)nsg_topo_tag(t, spec);
    } else if (!hits) {
        nsg_buf_reset(&b);
        cli_suggest(t, -1, colon ? colon + 1 : spec, &b);
        rc = nsg_err_set(err, NSG_E_NOTFOUND,
                         "nothing named '%s' in the corpus%s%s (nsgproof list "
                         "shows what it holds)",
                         spec, b.len ? ": " : "", b.len ? b.buf : "");
    }
    nsg_buf_release(&b);
    return rc;
}

/* ---- associations --------------------------------------------------------- */

static bool same(const char *a, const char *b)
{
    return a && b && !strcasecmp(a, b);
}

static void ref(cJSON *a, const struct nsg_topology *t, int type,
                const char *id)
{
    void *r = id ? nsg_topo_get(t, (enum nsg_res_type)type, id) : NULL;
    cJSON *o = cJSON_CreateObject();
    char *nm = r ? NULL : nsg_id_name(id);
    cJSON_AddStringToObject(o, "kind", nsg_res_type_name((enum nsg_res_type)type));
    cJSON_AddStringToObject(o, "name", r ? res_name(r) : nm ? nm : "?");
    cJSON_AddStringToObject(o, "id", id ? id : "");
    cJSON_AddBoolToObject(o, "in_corpus", r != NULL);
    cJSON_AddItemToArray(a, o);
    free(nm);
}

static void ip_text(const struct nsg_ipconfig *ic, char *buf)
{
    if (ic->has_ip)
        nsg_ip_format(&ic->ip, buf);
    else
        strcpy(buf, "?");
}

static cJSON *associations(const struct nsg_topology *t, int type,
                           const void *res)
{
    cJSON *o = cJSON_CreateObject();
    char ip[NSG_IP_STRLEN];
    switch (type) {
    case NSG_RES_NSG: {
        const struct nsg_nsg *n = res;
        cJSON *s = cJSON_AddArrayToObject(o, "subnets");
        cJSON *c = cJSON_AddArrayToObject(o, "nics");
        for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_SUBNET); i++) {
            const struct nsg_subnet *x = NSG_TOPO_AT(t, NSG_RES_SUBNET, i);
            if (same(x->nsg_id, n->id))
                ref(s, t, NSG_RES_SUBNET, x->id);
        }
        for (size_t i = 0; i < n->n_subnet_ids; i++)
            if (!nsg_topo_get(t, NSG_RES_SUBNET, n->subnet_ids[i]))
                ref(s, t, NSG_RES_SUBNET, n->subnet_ids[i]);
        for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_NIC); i++) {
            const struct nsg_nic *x = NSG_TOPO_AT(t, NSG_RES_NIC, i);
            if (same(x->nsg_id, n->id))
                ref(c, t, NSG_RES_NIC, x->id);
        }
        for (size_t i = 0; i < n->n_nic_ids; i++)
            if (!nsg_topo_get(t, NSG_RES_NIC, n->nic_ids[i]))
                ref(c, t, NSG_RES_NIC, n->nic_ids[i]);
        break;
    }
    case NSG_RES_VNET: {
        const struct nsg_vnet *v = res;
        cJSON *s = cJSON_AddArrayToObject(o, "subnets");
        for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_SUBNET); i++) {
            const struct nsg_subnet *x = NSG_TOPO_AT(t, NSG_RES_SUBNET, i);
            if (same(x->vnet_id, v->id))
                ref(s, t, NSG_RES_SUBNET, x->id);
        }
        cJSON *p = cJSON_AddArrayToObject(o, "peerings");
        for (size_t i = 0; i < v->n_peerings; i++)
            ref(p, t, NSG_RES_VNET, v->peerings[i].remote_vnet_id);
        break;
    }
    case NSG_RES_SUBNET: {
        const struct nsg_subnet *s = res;
        ref(cJSON_AddArrayToObject(o, "vnet"), t, NSG_RES_VNET, s->vnet_id);
        cJSON *a = cJSON_AddArrayToObject(o, "nsg");
        if (s->nsg_id)
            ref(a, t, NSG_RES_NSG, s->nsg_id);
        a = cJSON_AddArrayToObject(o, "route_table");
        if (s->route_table_id)
            ref(a, t, NSG_RES_ROUTE_TABLE, s->route_table_id);
        a = cJSON_AddArrayToObject(o, "nics");
        for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_NIC); i++) {
            const struct nsg_nic *x = NSG_TOPO_AT(t, NSG_RES_NIC, i);
            for (size_t k = 0; k < x->n_ipconfigs; k++)
                if (same(x->ipconfigs[k].subnet_id, s->id)) {
                    ref(a, t, NSG_RES_NIC, x->id);
                    break;
                }
        }
        break;
    }
    case NSG_RES_NIC: {
        const struct nsg_nic *n = res;
        cJSON *a = cJSON_AddArrayToObject(o, "vm");
        if (n->vm_id)
            ref(a, t, NSG_RES_VM, n->vm_id);
        a = cJSON_AddArrayToObject(o, "nsg");
        if (n->nsg_id)
            ref(a, t, NSG_RES_NSG, n->nsg_id);
        cJSON *ics = cJSON_AddArrayToObject(o, "ip_configurations");
        for (size_t i = 0; i < n->n_ipconfigs; i++) {
            const struct nsg_ipconfig *ic = &n->ipconfigs[i];
            cJSON *x = cJSON_CreateObject();
            ip_text(ic, ip);
            cJSON_AddStringToObject(x, "name", ic->name ? ic->name : "");
            cJSON_AddStringToObject(x, "private_ip", ip);
            cJSON_AddBoolToObject(x, "primary", ic->primary);
            ref(cJSON_AddArrayToObject(x, "subnet"), t, NSG_RES_SUBNET,
                ic->subnet_id);
            cJSON *p = cJSON_AddArrayToObject(x, "public_ip");
            if (ic->public_ip_id)
                ref(p, t, NSG_RES_PIP, ic->public_ip_id);
            cJSON *g = cJSON_AddArrayToObject(x, "asgs");
            for (size_t k = 0; k < ic->n_asg_ids; k++)
                ref(g, t, NSG_RES_ASG, ic->asg_ids[k]);
            cJSON_AddItemToArray(ics, x);
        }
        break;
    }
    case NSG_RES_VM: {
        const struct nsg_vm *v = res;
        cJSON *a = cJSON_AddArrayToObject(o, "nics");
        for (size_t i = 0; i < v->n_nic_ids; i++)
            ref(a, t, NSG_RES_NIC, v->nic_ids[i]);
        break;
    }
    case NSG_RES_ASG: {
        cJSON *a = cJSON_AddArrayToObject(o, "members");
        for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_NIC); i++) {
            const struct nsg_nic *x = NSG_TOPO_AT(t, NSG_RES_NIC, i);
            for (size_t k = 0; k < x->n_ipconfigs; k++)
                for (size_t g = 0; g < x->ipconfigs[k].n_asg_ids; g++)
                    if (same(x->ipconfigs[k].asg_ids[g], res_id(res))) {
                        cJSON *m = cJSON_CreateObject();
                        ip_text(&x->ipconfigs[k], ip);
                        cJSON_AddStringToObject(m, "nic", x->name);
                        cJSON_AddStringToObject(m, "private_ip", ip);
                        cJSON_AddItemToArray(a, m);
                    }
        }
        break;
    }
    case NSG_RES_ROUTE_TABLE: {
        cJSON *a = cJSON_AddArrayToObject(o, "subnets");
        for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_SUBNET); i++) {
            const struct nsg_subnet *x = NSG_TOPO_AT(t, NSG_RES_SUBNET, i);
            if (same(x->route_table_id, res_id(res)))
                ref(a, t, NSG_RES_SUBNET, x->id);
        }
        break;
    }
    case NSG_RES_PIP: {
        const struct nsg_pip *p = res;
        cJSON *a = cJSON_AddArrayToObject(o, "ip_configuration");
        if (p->ipconfig_id)
            cJSON_AddItemToArray(a, cJSON_CreateString(p->ipconfig_id));
        break;
    }
    default:
        break;
    }
    return o;
}

/* ---- the stored versions ------------------------------------------------------ */

/* The stored object of the resource (or of the resource holding it: a
 * subnet listed inside its virtual network) and its history. */
static nsg_rc stored(struct nsg_corpus *c, const struct nsg_topology *t,
                     int type, const void *res, int64_t at, bool history,
                     cJSON *o, struct nsg_err *err)
{
    struct nsg_version *v = NULL;
    size_t n = 0, in_force = 0;
    const char *id = res_id(res), *holder = NULL;
    const cJSON *obj;
    nsg_rc rc;

    if (nsg_corpus_history(c, id, &v, &n, NULL)) {
        free(v);
        v = NULL;
        /* a subnet stored inside its virtual network */
        const struct nsg_subnet *s = type == NSG_RES_SUBNET ? res : NULL;
        if (!s || !s->vnet_id || nsg_corpus_history(c, s->vnet_id, &v, &n, NULL)) {
            free(v);
            cJSON_AddNullToObject(o, "stored");
            cJSON_AddStringToObject(o, "note",
                                    "not stored in the corpus: named by "
                                    "other resources only");
            return NSG_OK;
        }
        holder = s->vnet_id;
    }
    for (size_t i = 0; i < n; i++)
        if (v[i].captured_at <= at)
            in_force = i;
    char iso[32];
    nsg_corpus_time_format(v[in_force].captured_at, iso);
    cJSON_AddStringToObject(o, "captured_at", iso);
    cJSON_AddNumberToObject(o, "version", (double)in_force + 1);
    cJSON_AddNumberToObject(o, "versions", (double)n);
    if (holder)
        cJSON_AddStringToObject(o, "stored_in", holder);
    if (history) {
        cJSON *h = cJSON_AddArrayToObject(o, "history");
        for (size_t i = 0; i < n; i++) {
            cJSON *x = cJSON_CreateObject();
            nsg_corpus_time_format(v[i].captured_at, iso);
            cJSON_AddStringToObject(x, "captured_at", iso);
            cJSON_AddStringToObject(x, "object", v[i].object);
            cJSON_AddBoolToObject(x, "in_force", i == in_force);
            cJSON_AddItemToArray(h, x);
        }
    }
    if (v[0].captured_at > at) {
        char a[32];
        nsg_corpus_time_format(at, a);
        cJSON_AddStringToObject(o, "note", "first captured after the --at time: "
                                           "shown as first seen");
    }
    rc = nsg_corpus_object(c, v[in_force].object, &obj, err);
    if (!rc)
        cJSON_AddItemToObject(o, "stored", cJSON_Duplicate(obj, true));
    free(v);
    (void)t;
    return rc;
}

static nsg_rc describe(struct nsg_corpus *c, const struct nsg_topology *t,
                       int type, const void *res, int64_t at, bool history,
                       cJSON **out, struct nsg_err *err)
{
    cJSON *o = cJSON_CreateObject();
    nsg_rc rc = NSG_OK;
    if (type < 0) { /* a service tag: from the Service Tags file */
        const struct nsg_service_tag *st = res;
        cJSON_AddStringToObject(o, "kind", "tag");
        cJSON_AddStringToObject(o, "name", st->name);
        cJSON *p = cJSON_AddArrayToObject(o, "prefixes");
        nsg_addrset_to_cidrs(&st->set, cli_emit_cidr, p);
        *out = o;
        return NSG_OK;
    }
    char *rg = cli_resource_group(res_id(res));
    cJSON_AddStringToObject(o, "kind", nsg_res_type_name((enum nsg_res_type)type));
    cJSON_AddStringToObject(o, "name", res_name(res) ? res_name(res) : "");
    if (rg)
        cJSON_AddStringToObject(o, "resource_group", rg);
    else
        cJSON_AddNullToObject(o, "resource_group");
    g_free(rg);
    cJSON_AddStringToObject(o, "id", res_id(res) ? res_id(res) : "");
    cJSON_AddItemToObject(o, "associations", associations(t, type, res));
    rc = stored(c, t, type, res, at, history, o, err);
    if (rc) {
        cJSON_Delete(o);
        return rc;
    }
    *out = o;
    return NSG_OK;
}

/* ---- text ---------------------------------------------------------------------- */

static void print_refs(const char *label, const cJSON *a, const char *indent)
{
    const cJSON *r;
    if (!cJSON_GetArraySize(a))
        return;
    printf("%s%s:", indent, label);
    cJSON_ArrayForEach(r, a)
        printf(" %s%s", cli_json_str(r, "name", "?"),
               cJSON_IsTrue(cJSON_GetObjectItem(r, "in_corpus"))
                   ? ""
                   : " (not in the corpus)");
    printf("\n");
}

static void print_text(const cJSON *o)
{
    const cJSON *x, *a = cJSON_GetObjectItem(o, "associations");
    printf("%s %s", cli_json_str(o, "kind", ""), cli_json_str(o, "name", ""));
    if (cli_json_str(o, "resource_group", NULL))
        printf("  (resource group %s)", cli_json_str(o, "resource_group", ""));
    printf("\n");
    if (cli_json_str(o, "id", NULL))
        printf("  id: %s\n", cli_json_str(o, "id", ""));
    if (cli_json_str(o, "captured_at", NULL))
        printf("  version %g of %g, captured %s%s%s\n", cli_json_num(o, "version"),
               cli_json_num(o, "versions"), cli_json_str(o, "captured_at", ""),
               cli_json_str(o, "stored_in", NULL) ? ", stored in " : "",
               cli_json_str(o, "stored_in", ""));
    if (cli_json_str(o, "note", NULL))
        printf("  note: %s\n", cli_json_str(o, "note", ""));
    cJSON_ArrayForEach(x, a)
    {
        if (!strcmp(x->string, "ip_configurations")) {
            const cJSON *ic;
            cJSON_ArrayForEach(ic, x)
            {
                printf("  ip configuration %s: %s%s\n",
                       cli_json_str(ic, "name", ""),
                       cli_json_str(ic, "private_ip", ""),
                       cJSON_IsTrue(cJSON_GetObjectItem(ic, "primary"))
                           ? " (primary)"
                           : "");
                print_refs("subnet", cJSON_GetObjectItem(ic, "subnet"), "    ");
                print_refs("public IP", cJSON_GetObjectItem(ic, "public_ip"),
                           "    ");
                print_refs("ASGs", cJSON_GetObjectItem(ic, "asgs"), "    ");
            }
        } else if (!strcmp(x->string, "members")) {
            const cJSON *m;
            printf("  members:");
            cJSON_ArrayForEach(m, x)
                printf(" %s (%s)", cli_json_str(m, "nic", ""),
                       cli_json_str(m, "private_ip", ""));
            printf("%s\n", cJSON_GetArraySize(x) ? "" : " none in the corpus");
        } else if (cJSON_IsArray(x) && x->child &&
                   cJSON_IsString(x->child)) {
            printf("  %s: %s\n", x->string, x->child->valuestring);
        } else if (cJSON_IsArray(x)) {
            print_refs(x->string, x, "  ");
        }
    }
    const cJSON *p = cJSON_GetObjectItem(o, "prefixes");
    if (p) {
        printf("  %d prefixes:", cJSON_GetArraySize(p));
        int n = 0;
        cJSON_ArrayForEach(x, p) if (n++ < 12) printf(" %s", x->valuestring);
        printf("%s\n", n > 12 ? " ..." : "");
    }
    const cJSON *h = cJSON_GetObjectItem(o, "history");
    if (h) {
        printf("  history:\n");
        cJSON_ArrayForEach(x, h)
            printf("    %s  %s%s\n", cli_json_str(x, "captured_at", ""),
                   cli_json_str(x, "object", ""),
                   cJSON_IsTrue(cJSON_GetObjectItem(x, "in_force"))
                       ? "  (in force)"
                       : "");
    }
    const cJSON *s = cJSON_GetObjectItem(o, "stored");
    if (cJSON_IsObject(s)) {
        char *txt = cJSON_Print(s);
        printf("  stored JSON:\n%s\n", txt);
        free(txt);
    }
}

int cmd_show(int argc, char **argv)
{
    const char *corpus = NULL;
    bool history = false;
    struct cli_output fmt = CLI_OUTPUT_INIT;
    struct cli_strv pos = CLI_STRV_INIT;
    int64_t at = NSG_TIME_LATEST;
    struct cli_option opts[] = {
        CLI_OPT_STR("corpus", &corpus, "DIR", "the corpus"),
        CLI_OPT_FLAG("history", &history,
                     "every stored version with its capture time"),
        CLI_OPT_TIME("at", &at, "the version in force at TIME (default: the "
                                "newest)"),
        CLI_OPT_OUTPUT(&fmt),
        CLI_OPT_ENDMARK};
    struct nsg_corpus *c = NULL;
    struct nsg_topology *t = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    GPtrArray *notes = g_ptr_array_new_with_free_func(g_free);
    cJSON *out = NULL;
    void *res = NULL;
    int type = 0;
    int status = cli_opt_parse(&help, opts, argc, argv, &pos, NULL);

    if (status) {
        status = cli_opt_status(status);
        goto done;
    }
    if (!corpus) {
        status = cli_opt_error(&help, "--corpus DIR is required");
        goto done;
    }
    if (pos.n != 1) {
        status = cli_opt_error(&help, "give one NAME, ID or KIND:NAME");
        goto done;
    }
    if (cli_load_model(corpus, at, &c, &t, NULL, &err) ||
        resolve(t, pos.v[0], &type, &res, &err) ||
        describe(c, t, type, res, at, history, &out, &err)) {
        status = cli_fail(&err);
        goto done;
    }
    if (type == NSG_RES_VM) { /* vm:NAME: the VM and each of its NICs */
        const struct nsg_vm *vm = res;
        cJSON *nics = cJSON_AddArrayToObject(out, "nics");
        for (size_t i = 0; i < vm->n_nic_ids; i++) {
            void *nic = nsg_topo_get(t, NSG_RES_NIC, vm->nic_ids[i]);
            cJSON *one = NULL;
            if (!nic)
                continue;
            if (describe(c, t, NSG_RES_NIC, nic, at, history, &one, &err)) {
                status = cli_fail(&err);
                goto done;
            }
            cJSON_AddItemToArray(nics, one);
        }
    }
    if (fmt.format == CLI_FORMAT_JSON) {
        cli_print_json(out);
    } else {
        const cJSON *n;
        print_text(out);
        cJSON_ArrayForEach(n, cJSON_GetObjectItem(out, "nics"))
        {
            printf("\n");
            print_text(n);
        }
    }
done:
    cJSON_Delete(out);
    nsg_topo_free(t);
    nsg_corpus_close(c);
    cli_strv_release(&pos);
    g_ptr_array_free(notes, TRUE);
    return status;
}
