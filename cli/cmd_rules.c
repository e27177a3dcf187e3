/* cmd_rules.c - `nsgproof rules`: the effective security rules of a NIC as
 * Network Watcher shows them: per level (subnet NSG, NIC NSG) every rule in
 * evaluation order with its addresses as written and expanded to prefixes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../sim/sim.h"
#include "cli.h"
#include "cli_opt.h"

static const char *const synopsis[] = {
    "--corpus DIR --nic NAME [--at TIME] [--format text|json]", NULL};
static const struct cli_command_help help = {
    "rules", synopsis,
    "The effective security rules of a NIC, as Network Watcher shows them:\n"
    "the subnet's NSG then the NIC's NSG, inbound then outbound, in\n"
    "evaluation order (user rules by priority, then the default rules);\n"
    "tags and ASGs expanded to prefixes.",
    "Exit: 0 printed, 2 usage or input error.\n", NULL};

static void emit_cidr(const struct nsg_cidr *c, void *ctx)
{
    char s[NSG_CIDR_STRLEN];
    nsg_cidr_format(c, s);
    cJSON_AddItemToArray(ctx, cJSON_CreateString(s));
}

static cJSON *ports_json(const struct nsg_portrange *p, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    char s[16];
    for (size_t i = 0; i < n; i++) {
        if (p[i].lo == 0 && p[i].hi == 65535)
            snprintf(s, sizeof(s), "*");
        else if (p[i].lo == p[i].hi)
            snprintf(s, sizeof(s), "%u", p[i].lo);
        else
            snprintf(s, sizeof(s), "%u-%u", p[i].lo, p[i].hi);
        cJSON_AddItemToArray(a, cJSON_CreateString(s));
    }
    return a;
}

/* One side: "sourceAddressPrefixes" as written, ASG ids, the expansion, and
 * the first tag that is not known (Unknown...). */
static void side_json(cJSON *o, const char *side,
                      const struct nsg_addr_item *it, size_t n,
                      char *const *asgs, size_t n_asgs,
                      const struct nsg_addrset *set, const char *unknown)
{
    char key[64];
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(it[i].text));
    snprintf(key, sizeof(key), "%sAddressPrefixes", side);
    cJSON_AddItemToObject(o, key, a);
    a = cJSON_CreateArray();
    for (size_t i = 0; i < n_asgs; i++)
        cJSON_AddItemToArray(a, cJSON_CreateString(asgs[i]));
    snprintf(key, sizeof(key), "%sApplicationSecurityGroups", side);
    cJSON_AddItemToObject(o, key, a);
    a = cJSON_CreateArray();
    nsg_addrset_to_cidrs(set, emit_cidr, a);
    snprintf(key, sizeof(key), "expanded%c%sAddressPrefixes",
             side[0] - 'a' + 'A', side + 1);
    cJSON_AddItemToObject(o, key, a);
    snprintf(key, sizeof(key), "%sUnknownTag", side);
    if (unknown)
        cJSON_AddStringToObject(o, key, unknown);
    else
        cJSON_AddNullToObject(o, key);
}

static cJSON *rule_json(const struct nsg_crule *cr)
{
    const struct nsg_rule *r = cr->rule;
    cJSON *o = cJSON_CreateObject();
    char pb[8];
    cJSON_AddStringToObject(o, "name", r->name);
    cJSON_AddBoolToObject(o, "default", r->is_default);
    cJSON_AddNumberToObject(o, "priority", r->priority);
    cJSON_AddStringToObject(o, "direction", nsg_dir_name(r->dir));
    cJSON_AddStringToObject(o, "access", nsg_access_name(r->access));
    cJSON_AddStringToObject(o, "protocol", nsg_proto_name(r->proto, pb));
    cJSON_AddItemToObject(o, "sourcePortRanges",
                          ports_json(r->sports, r->n_sports));
    cJSON_AddItemToObject(o, "destinationPortRanges",
                          ports_json(r->dports, r->n_dports));
    side_json(o, "source", r->src, r->n_src, r->src_asgs, r->n_src_asgs,
              &cr->src, cr->src_unknown);
    side_json(o, "destination", r->dst, r->n_dst, r->dst_asgs, r->n_dst_asgs,
              &cr->dst, cr->dst_unknown);
    return o;
}

static cJSON *level_json(const char *level, const struct nsg_nsg *nsg,
                         const struct nsg_cnsg *c)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "level", level);
    cJSON_AddItemToObject(o, "nsg", nsg ? cJSON_CreateString(nsg->name)
                                        : cJSON_CreateNull());
    cJSON_AddItemToObject(o, "nsg_id", nsg && nsg->id
                                           ? cJSON_CreateString(nsg->id)
                                           : cJSON_CreateNull());
    cJSON *rules = cJSON_AddArrayToObject(o, "rules");
    for (int d = 0; c && d < 2; d++)
        for (size_t i = 0; i < c->n[d]; i++)
            cJSON_AddItemToArray(rules, rule_json(&c->rules[d][i]));
    return o;
}

/* Text of a platform class's packets, from the table the simulator uses. */
static void platform_text(const struct nsg_platform_def *d, struct nsg_buf *b)
{
    nsg_buf_reset(b);
    nsg_buf_addf(b, "outbound %s%s%s", d->udp ? "UDP" : "", d->udp && d->tcp ? "/" : "",
                 d->tcp ? "TCP" : "");
    if (d->sport >= 0)
        nsg_buf_addf(b, " from port %d", d->sport);
    nsg_buf_adds(b, " to ");
    for (size_t i = 0; i < d->n_dst4; i++) {
        struct nsg_ip ip = {4, d->dst4[i]};
        char a[NSG_IP_STRLEN];
        nsg_ip_format(&ip, a);
        nsg_buf_addf(b, "%s%s", i ? ", " : "", a);
    }
    nsg_buf_adds(b, " port ");
    for (size_t i = 0; i < d->n_dports; i++)
        nsg_buf_addf(b, "%s%u", i ? ", " : "", d->dports[i]);
}

/* The platform stage at this NIC: every class, whether it is on, and the
 * rules of the NIC's NSGs that name its tag (only those apply to it). */
static cJSON *platform_json(const struct nsg_nic_plan *pl)
{
    cJSON *a = cJSON_CreateArray();
    struct nsg_buf b = NSG_BUF_INIT;
    size_t n;
    const struct nsg_platform_def *defs = nsg_platform_defs(&n);
    for (size_t i = 0; i <= n; i++) {
        cJSON *o = cJSON_CreateObject();
        enum nsg_platform cls = i < n ? defs[i].cls : NSG_PLAT_VNET_BLOCKED;
        const char *tag = nsg_platform_tag(cls);
        cJSON_AddStringToObject(o, "class", nsg_platform_name(cls));
        if (i < n) {
            platform_text(&defs[i], &b);
            cJSON_AddStringToObject(o, "traffic", b.buf);
            cJSON_AddStringToObject(o, "decision", "Allow");
        } else {
            cJSON_AddStringToObject(o, "traffic",
                                    "GRE (47), IP-in-IP (4), multicast and "
                                    "broadcast destinations, both directions");
            cJSON_AddStringToObject(o, "decision", "Deny");
        }
        cJSON_AddItemToObject(o, "tag", tag ? cJSON_CreateString(tag)
                                            : cJSON_CreateNull());
        cJSON_AddBoolToObject(o, "on", i >= n || !defs[i].kms || pl->kms_on);
        cJSON *rules = cJSON_AddArrayToObject(o, "rules");
        for (int lv = 0; lv < 2; lv++)
            for (int d = 0; pl->cnsg[lv] && d < 2; d++)
                for (size_t k = 0; k < pl->cnsg[lv]->n[d]; k++) {
                    const struct nsg_crule *r = &pl->cnsg[lv]->rules[d][k];
                    if (!((r->plat_tags >> cls) & 1u))
                        continue;
                    cJSON *x = cJSON_CreateObject();
                    cJSON_AddStringToObject(x, "level", lv ? "nic" : "subnet");
                    cJSON_AddStringToObject(x, "nsg", pl->nsg[lv]->name);
                    cJSON_AddStringToObject(x, "rule", r->rule->name);
                    cJSON_AddNumberToObject(x, "priority", r->priority);
                    cJSON_AddStringToObject(x, "access",
                                            nsg_access_name(r->access));
                    cJSON_AddItemToArray(rules, x);
                }
        cJSON_AddItemToArray(a, o);
    }
    nsg_buf_release(&b);
    return a;
}

/* The security admin stage at this NIC (null: none applies). */
static cJSON *admin_json(const struct nsg_nic_plan *pl)
{
    const struct nsg_admin_stage *st = pl->admin;
    if (!st || (!st->n[0] && !st->n[1]))
        return cJSON_CreateNull();
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "source", st->from_effective
                                             ? "effective"
                                             : "configuration");
    cJSON *rules = cJSON_AddArrayToObject(o, "rules");
    for (int d = 0; d < 2; d++)
        for (size_t i = 0; i < st->n[d]; i++) {
            const struct nsg_admin_crule *a = &st->rules[d][i];
            cJSON *x = rule_json(&a->c);
            cJSON_ReplaceItemInObject(
                x, "access",
                cJSON_CreateString(nsg_admin_access_name(a->ar->access)));
            cJSON_AddItemToObject(x, "configuration",
                                  a->ar->configuration
                                      ? cJSON_CreateString(a->ar->configuration)
                                      : cJSON_CreateNull());
            cJSON_AddItemToObject(x, "collection",
                                  a->ar->collection
                                      ? cJSON_CreateString(a->ar->collection)
                                      : cJSON_CreateNull());
            cJSON_AddBoolToObject(x, "applies_unknown", a->maybe);
            if (a->why)
                cJSON_AddStringToObject(x, "why", a->why);
            cJSON_AddItemToArray(rules, x);
        }
    return o;
}

static nsg_rc effective_rules(const struct nsg_topology *t,
                              const struct nsg_nic *nic, cJSON **out,
                              struct nsg_err *err)
{
    const struct nsg_vnet *vnet;
    struct nsg_nic_plan pl;
    struct nsg_sim *sim;
    nsg_rc rc = NSG_OK;

    sim = nsg_sim_new(t);
    rc = nsg_sim_nic_plan(sim, nic, nsg_sim_pick_ipconfig(nic, NULL), &pl,
                          err);
    if (rc) {
        nsg_sim_free(sim);
        return rc;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "nic", nic->name);
    cJSON_AddItemToObject(o, "nic_id", nic->id ? cJSON_CreateString(nic->id)
                                               : cJSON_CreateNull());
    cJSON_AddItemToObject(o, "subnet", pl.subnet
                                           ? cJSON_CreateString(pl.subnet->name)
                                           : cJSON_CreateNull());
    cJSON_AddItemToObject(o, "vnet", pl.vnet ? cJSON_CreateString(pl.vnet->name)
                                             : cJSON_CreateNull());
    cJSON_AddItemToObject(o, "admin", admin_json(&pl));
    cJSON *levels = cJSON_AddArrayToObject(o, "levels");
    static const char *const lvname[2] = {"subnet", "nic"};
    for (int i = 0; i < 2; i++) {
        cJSON *l = level_json(lvname[i], pl.nsg[i], pl.cnsg[i]);
        if (i == 0 && pl.subnet_note)
            cJSON_AddStringToObject(l, "note", pl.subnet_note);
        cJSON_AddItemToArray(levels, l);
    }
    cJSON_AddItemToObject(o, "platform", platform_json(&pl));
    /* tags the corpus cannot resolve in full are listed unknown per rule
     * (Internet only when the virtual network itself is missing) */
    struct nsg_buf why = NSG_BUF_INIT;
    cJSON *jn = cJSON_AddArrayToObject(o, "notes");
    vnet = pl.vnet;
    if (nsg_ctx_gaps(t, vnet, &why)) {
        char *n = g_strdup_printf("the corpus lacks part of the context, so "
                                  "%s known only in part: %s",
                                  nsg_sim_vnet_known(vnet)
                                      ? "VirtualNetwork is"
                                      : "VirtualNetwork and Internet are",
                                  why.buf);
        cJSON_AddItemToArray(jn, cJSON_CreateString(n));
        g_free(n);
    }
    nsg_buf_release(&why);
    nsg_sim_free(sim);
    *out = o;
    return NSG_OK;
}

/* "a,b,c" of a string array, at most max items then "(+N more)". */
static void join(const cJSON *a, size_t max, struct nsg_buf *b)
{
    const cJSON *x;
    size_t n = 0, total = (size_t)cJSON_GetArraySize(a);
    nsg_buf_reset(b);
    nsg_buf_adds(b, "");
    cJSON_ArrayForEach(x, a)
    {
        if (n == max) {
            nsg_buf_addf(b, " (+%zu more)", total - max);
            break;
        }
        nsg_buf_addf(b, "%s%s", n++ ? "," : "", x->valuestring);
    }
}

/* Does a side name tags or ASGs (anything but "*" and prefixes)? */
static bool has_names(const cJSON *r, int side)
{
    const cJSON *x;
    struct nsg_cidr c;
    if (cJSON_GetArraySize(cJSON_GetObjectItem(
            r, side ? "destinationApplicationSecurityGroups"
                    : "sourceApplicationSecurityGroups")) > 0)
        return true;
    cJSON_ArrayForEach(x, cJSON_GetObjectItem(r, side ? "destinationAddress"
                                                        "Prefixes"
                                                      : "sourceAddressPrefixes"))
        if (strcmp(x->valuestring, "*") && nsg_cidr_parse(x->valuestring, &c))
            return true;
    return false;
}

/* One rule row and its expansions. */
static void print_rule(const cJSON *r, struct nsg_buf *a, struct nsg_buf *b)
{
    const cJSON *asg;
    printf("  %-8s %5d  %-5s  %-4s  ", cli_json_str(r, "direction", NULL),
           cJSON_GetObjectItem(r, "priority")->valueint,
           cli_json_str(r, "access", NULL), cli_json_str(r, "protocol", NULL));
    for (int side = 0; side < 2; side++) {
        join(cJSON_GetObjectItem(r, side ? "destinationAddressPrefixes"
                                         : "sourceAddressPrefixes"),
             8, a);
        cJSON_ArrayForEach(asg, cJSON_GetObjectItem(
                                    r, side ? "destinationApplication"
                                              "SecurityGroups"
                                            : "sourceApplicationSecurity"
                                              "Groups"))
        {
            char *nm = nsg_id_name(asg->valuestring);
            nsg_buf_addf(a, "%sasg:%s", a->len ? "," : "", nm);
            free(nm);
        }
        join(cJSON_GetObjectItem(r, side ? "destinationPortRanges"
                                         : "sourcePortRanges"),
             8, b);
        printf("%s%s:%s", side ? " -> " : "", a->buf, b->buf);
    }
    printf("  %s\n", cli_json_str(r, "name", NULL));
    for (int side = 0; side < 2; side++) {
        if (!has_names(r, side))
            continue; /* prefixes only: the expansion adds nothing */
        const char *unk = cli_json_str(
            r, side ? "destinationUnknownTag" : "sourceUnknownTag", NULL);
        join(cJSON_GetObjectItem(r, side ? "expandedDestination"
                                           "AddressPrefixes"
                                         : "expandedSourceAddress"
                                           "Prefixes"),
             6, a);
        printf("                     %s = %s%s%s%s\n", side ? "dst" : "src",
               a->buf, unk ? (a->len ? ", " : "") : "",
               unk ? "unknown tag " : "", unk ? unk : "");
    }
}

static void print_text(const cJSON *o)
{
    const cJSON *l, *r, *adm = cJSON_GetObjectItem(o, "admin");
    struct nsg_buf a = NSG_BUF_INIT, b = NSG_BUF_INIT;
    const cJSON *note;
    printf("Effective security rules of NIC %s (subnet %s, vnet %s)\n",
           cli_json_str(o, "nic", NULL), cli_json_str(o, "subnet", NULL) ? cli_json_str(o, "subnet", NULL) : "?",
           cli_json_str(o, "vnet", NULL) ? cli_json_str(o, "vnet", NULL) : "?");
    cJSON_ArrayForEach(note, cJSON_GetObjectItem(o, "notes"))
        printf("note: %s\n", note->valuestring);
    if (cJSON_IsObject(adm)) {
        printf("\nsecurity admin rules (%s; evaluated before the NSGs):\n",
               cli_json_str(adm, "source", NULL));
        cJSON_ArrayForEach(r, cJSON_GetObjectItem(adm, "rules"))
        {
            print_rule(r, &a, &b);
            if (cli_json_str(r, "why", NULL))
                printf("                     may apply (unknown): %s\n",
                       cli_json_str(r, "why", NULL));
        }
    }
    cJSON_ArrayForEach(l, cJSON_GetObjectItem(o, "levels"))
    {
        printf("\n%s level: %s\n", cli_json_str(l, "level", NULL),
               cli_json_str(l, "nsg", NULL) ? cli_json_str(l, "nsg", NULL) : "(no NSG: allows everything)");
        if (cli_json_str(l, "note", NULL))
            printf("  (%s)\n", cli_json_str(l, "note", NULL));
        cJSON_ArrayForEach(r, cJSON_GetObjectItem(l, "rules"))
            print_rule(r, &a, &b);
    }
    printf("\nplatform (not in Azure's effective rules; NSG rules apply only "
           "when they name the tag):\n");
    cJSON_ArrayForEach(r, cJSON_GetObjectItem(o, "platform"))
    {
        const char *tag = cli_json_str(r, "tag", NULL);
        printf("  %-12s %-5s  %s%s%s%s\n", cli_json_str(r, "class", NULL),
               cli_json_str(r, "decision", NULL),
               cli_json_str(r, "traffic", NULL), tag ? " (tag " : "",
               tag ? tag : "", tag ? ")" : "");
        if (!cJSON_IsTrue(cJSON_GetObjectItem(r, "on")))
            printf("               off: the subnet has a 0.0.0.0/0 route\n");
        cJSON_ArrayForEach(l, cJSON_GetObjectItem(r, "rules"))
            printf("               %s rule %s (priority %d, %s) of NSG %s\n",
                   cli_json_str(l, "level", NULL), cli_json_str(l, "rule", NULL),
                   cJSON_GetObjectItem(l, "priority")->valueint,
                   cli_json_str(l, "access", NULL), cli_json_str(l, "nsg", NULL));
    }
    nsg_buf_release(&a);
    nsg_buf_release(&b);
}

int cmd_rules(int argc, char **argv)
{
    const char *corpus = NULL, *nic = NULL;
    struct cli_output fmt = CLI_OUTPUT_INIT;
    int64_t at = NSG_TIME_LATEST;
    struct cli_option opts[] = {
        CLI_OPT_STR("corpus", &corpus, "DIR", "the corpus"),
        CLI_OPT_STR("nic", &nic, "NAME",
                    "the NIC (name, id, or vm:NAME for each NIC of a VM)"),
        CLI_OPT_TIME("at", &at, "the rules in force at TIME (default: the "
                                "newest)"),
        CLI_OPT_OUTPUT(&fmt),
        CLI_OPT_ENDMARK};
    struct nsg_corpus *c = NULL;
    struct nsg_topology *t = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    GPtrArray *nics = g_ptr_array_new(), *notes;
    cJSON *out = NULL, *arr = cJSON_CreateArray();
    int status = cli_opt_parse(&help, opts, argc, argv, NULL, NULL);

    notes = g_ptr_array_new_with_free_func(g_free);
    if (status) {
        status = cli_opt_status(status);
        goto out;
    }
    if (!corpus || !nic) {
        status = cli_opt_error(&help, !corpus ? "--corpus DIR is required"
                                              : "--nic NAME is required");
        goto out;
    }
    if (cli_load_model(corpus, at, &c, &t, notes, &err) ||
        cli_find_nics(t, nic, nics, &err)) {
        status = cli_fail(&err);
        goto out;
    }
    cli_notes(notes);
    for (guint i = 0; i < nics->len; i++) {
        if (effective_rules(t, nics->pdata[i], &out, &err)) {
            status = cli_fail(&err);
            goto out;
        }
        cJSON_AddItemToArray(arr, out);
    }
    if (fmt.format == CLI_FORMAT_JSON && nics->len == 1) {
        cli_print_json(arr->child);
    } else if (fmt.format == CLI_FORMAT_JSON) { /* vm:NAME, several NICs */
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "vm", nic + 3);
        cJSON_AddItemToObject(o, "nics", arr);
        arr = NULL;
        cli_print_json(o);
        cJSON_Delete(o);
    } else {
        for (const cJSON *x = arr->child; x; x = x->next) {
            if (x != arr->child)
                printf("\n");
            print_text(x);
        }
    }
out:
    cJSON_Delete(arr);
    g_ptr_array_free(nics, TRUE);
    g_ptr_array_free(notes, TRUE);
    nsg_topo_free(t);
    nsg_corpus_close(c);
    return status;
}
