/* cmd_check.c - `nsgproof check`: Network Watcher's IP flow verify.  Is
 * this packet allowed through a NIC's NSG levels (or one NSG), and by which
 * rule?  One query from the options, or one per line of a JSONL file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../sim/sim.h"
#include "cli.h"
#include "cli_opt.h"

#define DEFAULT_SPORT 49152 /* first port of the IANA ephemeral range */

static const char *const synopsis[] = {
    "--corpus DIR (--nic NAME | --nsg NAME [--vnet NAME])\n"
    "         --direction inbound|outbound --protocol tcp|udp|icmp|esp|ah|icmpv6|N\n"
    "         --src IP [--sport P] --dst IP [--dport P] [--at TIME]\n"
    "         [--proposed FILE]... [--trace] [--format text|json]",
    "--corpus DIR --batch FILE.jsonl [--at TIME]\n"
    "         [--proposed FILE]... [--format text|json]",
    NULL};
static const struct cli_command_help help = {
    "check", synopsis,
    "Is this packet allowed through a NIC's NSG levels (or one NSG), and by\n"
    "which rule?  (Network Watcher's IP flow verify, offline.)",
    "--nic takes a NIC's name or id, or vm:NAME (the VM's NIC that holds\n"
    "the NIC-side address).  --dport is required for tcp and udp; --sport\n"
    "defaults to 49152.  --corpus may be left out with --proposed (no\n"
    "virtual network context then).\n"
    "Batch lines (FILE or - for standard input): {\"nic\"|\"nsg\", \"vnet\",\n"
    "\"direction\", \"protocol\", \"src\", \"sport\", \"dst\", \"dport\"};\n"
    "options given on the command line are defaults for every line.\n"
    "JSON schema: docs/check.md.\n"
    "Exit: 0 allowed (batch: all answered), 1 denied, 2 usage or input "
    "error,\n3 unknown (a security admin rule whose application cannot be\n"
    "established).\n",
    NULL};

/* One question, as text (from options or from a batch line). */
struct query {
    const char *nic, *nsg, *vnet, *dir, *proto, *src, *dst;
    const char *sport, *dport; /* NULL when not given */
};

struct run {
    struct nsg_topology *t;
    struct nsg_sim *sim;
    bool trace;
    GPtrArray *owned; /* placeholder vnets (nsg_vnet_free) */
};


static nsg_rc parse_port(const char *what, const char *s, uint16_t *out,
                         struct nsg_err *err)
{
    long v;
    if (!cli_parse_long(s, 0, 65535, &v))
        return nsg_err_set(err, NSG_E_USAGE,
                           "%s must be a port number 0-65535, not '%s'", what,
                           s ? s : "");
    *out = (uint16_t)v;
    return NSG_OK;
}

/* Turn the text of a query into a packet. */
static nsg_rc make_packet(const struct query *q, struct nsg_packet *p,
                          struct nsg_err *err)
{
    int dir = cli_parse_direction(q->dir);

    memset(p, 0, sizeof(*p));
    if (!q->dir)
        return nsg_err_set(err, NSG_E_USAGE, "direction is required "
                                             "(inbound or outbound)");
    if (dir < 0)
        return nsg_err_set(err, NSG_E_USAGE,
                           "direction must be inbound or outbound, not '%s'",
                           q->dir);
    p->dir = (enum nsg_dir)dir;
    p->proto = q->proto ? nsg_proto_parse(q->proto) : -2;
    if (p->proto < 0)
        return nsg_err_set(err, NSG_E_USAGE,
                           "protocol must be tcp, udp, icmp, esp, ah, icmpv6 "
                           "or a number 0-255, not '%s'",
                           q->proto ? q->proto : "");
    if (!q->src || nsg_ip_parse(q->src, &p->src))
        return nsg_err_set(err, NSG_E_INPUT,
                           "source '%s' is not an IPv4 or IPv6 address",
                           q->src ? q->src : "");
    if (!q->dst || nsg_ip_parse(q->dst, &p->dst))
        return nsg_err_set(err, NSG_E_INPUT,
                           "destination '%s' is not an IPv4 or IPv6 address",
                           q->dst ? q->dst : "");
    if (p->src.family != p->dst.family)
        return nsg_err_set(err, NSG_E_INPUT,
                           "source %s and destination %s are of different "
                           "address families",
                           q->src, q->dst);
    if (!nsg_proto_has_ports(p->proto))
        return NSG_OK; /* ports do not apply */
    if (!q->dport)
        return nsg_err_set(err, NSG_E_USAGE,
                           "destination port is required for tcp and udp");
    p->sport = DEFAULT_SPORT;
    if (q->sport && parse_port("source port", q->sport, &p->sport, err))
        return err ? err->code : NSG_E_USAGE;
    return parse_port("destination port", q->dport, &p->dport, err);
}

/* The virtual network an NSG is applied in (through its subnets or its
 * NICs' subnets): *vnet NULL when it is applied nowhere; an error when it
 * is applied in several.  Applied to a NIC the corpus lacks: a
 * placeholder of its unknown virtual network (in owned). */
static nsg_rc vnet_of_nsg(const struct nsg_topology *t,
                          const struct nsg_nsg *n, struct nsg_vnet **vnet,
                          GPtrArray *owned, struct nsg_err *err)
{
    GPtrArray *vnets = g_ptr_array_new();
    nsg_rc rc = NSG_OK;

    cli_nsg_contexts(t, n, vnets, owned);
    *vnet = vnets->len ? vnets->pdata[0] : NULL;
    if (vnets->len > 1) {
        struct nsg_buf b = NSG_BUF_INIT;
        for (guint i = 0; i < vnets->len; i++)
            nsg_buf_addf(&b, "%s%s", i ? ", " : "",
                         ((struct nsg_vnet *)vnets->pdata[i])->name);
        rc = nsg_err_set(err, NSG_E_INPUT,
                         "NSG %s is applied in several virtual networks (%s), "
                         "so the VirtualNetwork tag is ambiguous: ask with "
                         "--nic NAME or --vnet NAME instead",
                         n->name, b.buf);
        nsg_buf_release(&b);
    }
    g_ptr_array_free(vnets, TRUE);
    return rc;
}

static cJSON *str_or_null(const char *s)
{
    return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *packet_json(const struct nsg_packet *p)
{
    cJSON *j = cJSON_CreateObject();
    nsg_sim_packet_to_json(j, p, NSG_PJ_PROTO_TEXT | NSG_PJ_PORTS_IF_USED);
    return j;
}

/* Every rule evaluated at one level, in order, up to the first match. */
static cJSON *trace_json(const struct nsg_level *l, const struct nsg_packet *p)
{
    cJSON *rules = cJSON_CreateArray();
    const struct nsg_cnsg *c = l->cnsg;
    int d = p->dir == NSG_DIR_OUT;

    for (size_t i = 0; c && i < c->n[d]; i++) {
        const struct nsg_crule *r = &c->rules[d][i];
        int m = nsg_crule_match(r, p);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", r->rule->name);
        cJSON_AddNumberToObject(o, "priority", r->priority);
        cJSON_AddStringToObject(o, "access", nsg_access_name(r->access));
        cJSON_AddBoolToObject(o, "default", r->rule->is_default);
        cJSON_AddBoolToObject(o, "matched", m != 0);
        cJSON_AddItemToArray(rules, o);
        if (m)
            break;
    }
    return rules;
}

static cJSON *level_json(const struct nsg_level *l, const struct nsg_packet *p,
                         bool trace)
{
    cJSON *o = cJSON_CreateObject();
    const struct nsg_crule *r = l->m.rule;
    cJSON_AddStringToObject(o, "level", l->level);
    if (l->note)
        cJSON_AddStringToObject(o, "note", l->note);
    cJSON_AddItemToObject(o, "nsg", str_or_null(l->nsg ? l->nsg->name : NULL));
    cJSON_AddItemToObject(o, "nsg_id", str_or_null(l->nsg ? l->nsg->id : NULL));
    cJSON_AddStringToObject(o, "decision", nsg_decision_name(l->m.decision));
    cJSON_AddItemToObject(o, "rule", str_or_null(r ? r->rule->name : NULL));
    if (r)
        cJSON_AddNumberToObject(o, "priority", r->priority);
    else
        cJSON_AddNullToObject(o, "priority");
    if (trace && l->nsg)
        cJSON_AddItemToObject(o, "trace", trace_json(l, p));
    return o;
}

/* The admin rule of a verdict: {configuration, collection, rule, access}. */
static cJSON *admin_json(const struct nsg_admin_crule *a, const char *level)
{
    cJSON *o = cJSON_CreateObject();
    const struct nsg_admin_rule *ar = a->ar;
    if (level)
        cJSON_AddStringToObject(o, "level", level);
    cJSON_AddItemToObject(o, "configuration", str_or_null(ar->configuration));
    cJSON_AddItemToObject(o, "collection", str_or_null(ar->collection));
    cJSON_AddStringToObject(o, "rule", ar->name ? ar->name : "");
    cJSON_AddItemToObject(o, "rule_id", str_or_null(ar->id));
    cJSON_AddNumberToObject(o, "priority", ar->r.priority);
    cJSON_AddStringToObject(o, "access", nsg_admin_access_name(ar->access));
    return o;
}

/* The admin rules evaluated, in order, up to the first match. */
static cJSON *admin_trace_json(const struct nsg_admin_stage *st,
                               const struct nsg_packet *p)
{
    cJSON *rules = cJSON_CreateArray();
    int d = p->dir == NSG_DIR_OUT;
    for (size_t i = 0; st && i < st->n[d]; i++) {
        const struct nsg_admin_crule *a = &st->rules[d][i];
        int m = nsg_crule_match(&a->c, p);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", a->ar->name);
        cJSON_AddNumberToObject(o, "priority", a->ar->r.priority);
        cJSON_AddStringToObject(o, "access", nsg_admin_access_name(a->ar->access));
        cJSON_AddBoolToObject(o, "matched", m != 0);
        cJSON_AddItemToArray(rules, o);
        if (m)
            break;
    }
    return rules;
}

static cJSON *verdict_json(const struct nsg_verdict *v,
                           const struct nsg_packet *p, bool trace,
                           const struct nsg_admin_stage *admin)
{
    cJSON *j = cJSON_CreateObject();
    const struct nsg_level *dl = v->deciding >= 0 ? &v->levels[v->deciding]
                                                  : NULL;
    const struct nsg_admin_crule *ar = v->admin.rule;
    cJSON_AddStringToObject(j, "decision", nsg_decision_name(v->decision));
    cJSON_AddItemToObject(j, "nsg", str_or_null(dl ? dl->nsg->name : NULL));
    if (ar && v->admin.ends)
        cJSON_AddStringToObject(j, "rule", ar->ar->name);
    else
        cJSON_AddItemToObject(j, "rule",
                              str_or_null(dl && dl->m.rule ? dl->m.rule->rule->name
                                                           : NULL));
    cJSON_AddItemToObject(j, "platform",
                          str_or_null(v->platform ? nsg_platform_name(v->platform)
                                                  : NULL));
    if (ar && v->admin.ends)
        cJSON_AddItemToObject(j, "admin", admin_json(ar, NULL));
    else
        cJSON_AddNullToObject(j, "admin");
    cJSON *levels = cJSON_AddArrayToObject(j, "levels");
    if (ar && !v->admin.ends) { /* an Allow admin rule handed the packet on */
        cJSON *o = admin_json(ar, "admin");
        cJSON_AddStringToObject(o, "decision", "Allow");
        if (trace)
            cJSON_AddItemToObject(o, "trace", admin_trace_json(admin, p));
        cJSON_AddItemToArray(levels, o);
    }
    for (size_t i = 0; i < v->n_levels; i++)
        cJSON_AddItemToArray(levels, level_json(&v->levels[i], p, trace));
    if (trace && admin && (admin->n[0] || admin->n[1]) &&
        (!ar || v->admin.ends)) /* no match, or it ended */
        cJSON_AddItemToObject(j, "admin_trace", admin_trace_json(admin, p));
    cJSON_AddItemToObject(j, "packet", packet_json(p));
    if (v->private_endpoint)
        cJSON_AddBoolToObject(j, "private_endpoint", true);
    return j;
}

/* The NIC-side address (destination inbound, source outbound) should be
 * one of the NIC's private addresses: NSGs see private addresses (inbound
 * after DNAT, outbound before SNAT).  A public IP of the NIC is an error
 * naming the private address to use; another address gets a note. */
static nsg_rc check_nic_side(const struct nsg_topology *t,
                             const struct nsg_nic *nic,
                             const struct nsg_packet *p, const char **note,
                             struct nsg_err *err)
{
    const struct nsg_ip *a = p->dir == NSG_DIR_IN ? &p->dst : &p->src;
    char pub[NSG_IP_STRLEN], priv[NSG_IP_STRLEN];

    for (size_t i = 0; i < nic->n_ipconfigs; i++)
        if (nic->ipconfigs[i].has_ip && !nsg_ip_cmp(&nic->ipconfigs[i].ip, a))
            return NSG_OK;
    for (size_t i = 0; i < nic->n_ipconfigs; i++) {
        const struct nsg_ipconfig *ic = &nic->ipconfigs[i];
        const struct nsg_pip *pip =
            nsg_topo_get(t, NSG_RES_PIP, ic->public_ip_id);
        if (pip && pip->has_ip && !nsg_ip_cmp(&pip->ip, a) && ic->has_ip) {
            nsg_ip_format(a, pub);
            nsg_ip_format(&ic->ip, priv);
            return nsg_err_set(err, NSG_E_INPUT,
                               "%s is the public IP of NIC %s; NSGs see the "
                               "private address: use %s instead",
                               pub, nic->name, priv);
        }
    }
    *note = p->dir == NSG_DIR_IN
                ? "the destination is not an address of the NIC; evaluated "
                  "with the primary ip configuration's subnet"
                : "the source is not an address of the NIC; evaluated with "
                  "the primary ip configuration's subnet";
    return NSG_OK;
}

/* The answer to one query as a JSON object; an answer that depends on a
 * tag, an ASG or a part of the context that the corpus lacks is an input
 * error naming it (and how to import it). */
static nsg_rc answer(struct run *run, const struct query *q, cJSON **out,
                     struct nsg_err *err)
{
    struct nsg_packet p;
    struct nsg_verdict v;
    struct nsg_vnet *vnet = NULL;
    void *res = NULL;
    const char *note = NULL;
    GPtrArray *notes;
    const struct nsg_admin_stage *admin = NULL;
    nsg_rc rc;

    *out = NULL;
    if (!q->nic == !q->nsg)
        return nsg_err_set(err, NSG_E_USAGE,
                           "give exactly one of --nic NAME or --nsg NAME");
    if (q->nic && q->vnet)
        return nsg_err_set(err, NSG_E_USAGE,
                           "--vnet goes with --nsg (a NIC's virtual network "
                           "is its subnet's)");
    rc = make_packet(q, &p, err);
    if (rc)
        return rc;
    notes = g_ptr_array_new_with_free_func(g_free);
    if (q->nic) {
        struct nsg_nic *nic = NULL;
        rc = cli_find_nic(run->t, q->nic,
                          p.dir == NSG_DIR_IN ? &p.dst : &p.src, &nic, err);
        if (!rc)
            rc = check_nic_side(run->t, nic, &p, &note, err);
        if (!rc)
            rc = nsg_sim_eval_nic(run->sim, nic, &p, &v, err);
        if (!rc) { /* the admin stage in force at the NIC, for --trace */
            const struct nsg_ipconfig *ic = nsg_sim_pick_ipconfig(
                nic, p.dir == NSG_DIR_IN ? &p.dst : &p.src);
            struct nsg_nic_plan pl;
            rc = nsg_sim_nic_plan(run->sim, nic, ic, &pl, err);
            admin = rc ? NULL : pl.admin;
        }
    } else {
        rc = cli_find(run->t, NSG_RES_NSG, q->nsg, &res, err);
        if (!rc && q->vnet) {
            void *vp = NULL;
            rc = cli_find(run->t, NSG_RES_VNET, q->vnet, &vp, err);
            vnet = vp;
        } else if (!rc) {
            rc = vnet_of_nsg(run->t, res, &vnet, run->owned, err);
        }
        if (!rc && !vnet)
            note = "the NSG is not applied to any subnet or NIC in the "
                   "corpus: no virtual network context (VirtualNetwork "
                   "holds only 168.63.129.16)";
        if (!rc)
            rc = nsg_sim_eval_nsg(run->sim, res, vnet, &p, &v, err);
    }
    if (rc)
        goto out;
    if (v.decision == NSG_DEC_UNKNOWN && v.admin.decision == NSG_DEC_UNKNOWN) {
        if (v.admin.unknown_tag)
            rc = nsg_err_set(err, NSG_E_INPUT,
                             "the answer depends on service tag '%s' in "
                             "security admin rule '%s', which is not "
                             "known: import a Service Tags file "
                             "(ServiceTags_Public_*.json) that defines it",
                             v.admin.unknown_tag, v.admin.rule->ar->name);
        else
            rc = nsg_err_set(err, NSG_E_UNKNOWN,
                             "unknown: the answer depends on security admin "
                             "rule '%s' (priority %d, %s), whose application "
                             "to this virtual network cannot be established: "
                             "%s",
                             v.admin.rule->ar->name,
                             v.admin.rule->ar->r.priority,
                             nsg_admin_access_name(v.admin.rule->ar->access),
                             v.unknown_reason ? v.unknown_reason : "?");
        goto out;
    }
    if (v.decision == NSG_DEC_UNKNOWN) {
        const struct nsg_level *l = &v.levels[v.deciding];
        struct nsg_buf why = NSG_BUF_INIT;
        nsg_ctx_unknown_hint(run->t, l->vnet, l->m.unknown_tag, &why);
        rc = nsg_err_set(err, NSG_E_INPUT,
                         "the answer depends on '%s' in rule '%s' of NSG "
                         "%s: %s",
                         l->m.unknown_tag, l->m.rule->rule->name,
                         l->nsg->name, why.buf);
        nsg_buf_release(&why);
        goto out;
    }
    if (!note && v.platform == NSG_PLAT_VNET_BLOCKED)
        note = "the virtual network drops GRE, IP-in-IP, multicast and "
               "broadcast traffic whatever the NSGs say";
    else if (!note && v.platform)
        note = "platform traffic: not subject to NSG rules unless a rule "
               "names its service tag (none matched)";
    else if (!note && v.admin.rule && v.admin.ends)
        note = v.admin.decision == NSG_DEC_DENY
                   ? "a security admin Deny rule ends the evaluation: the "
                     "NSGs are not consulted"
                   : "a security admin AlwaysAllow rule ends the evaluation: "
                     "the NSGs are not consulted";
    if (note)
        g_ptr_array_add(notes, g_strdup(note));
    for (size_t i = 0; i < v.n_levels; i++)
        if (v.levels[i].nsg)
            cli_context_note(run->t, v.levels[i].vnet, notes);
    *out = verdict_json(&v, &p, run->trace, admin);
    /* same-name NSGs: the text names them with their resource group */
    cJSON *lv;
    size_t k = 0;
    cJSON_ArrayForEach(lv, cJSON_GetObjectItem(*out, "levels"))
    {
        char label[512];
        if (!strcmp(cli_json_str(lv, "level", ""), "admin"))
            continue; /* the admin stage's Allow, before the NSG levels */
        const struct nsg_nsg *n = v.levels[k++].nsg;
        if (n && strcmp(cli_nsg_label(run->t, n, label, sizeof(label)),
                        n->name ? n->name : ""))
            cJSON_AddStringToObject(lv, "label", label);
    }
    if (q->nsg)
        cJSON_AddItemToObject(*out, "vnet",
                              str_or_null(vnet ? vnet->name : NULL));
    if (notes->len) {
        g_ptr_array_add(notes, NULL);
        char *all = g_strjoinv("; ", (char **)notes->pdata);
        cJSON_AddStringToObject(*out, "note", all);
        g_free(all);
    }
out:
    g_ptr_array_free(notes, TRUE);
    return rc;
}

/* ---- human output ------------------------------------------------------ */

/* cli_json_str(, NULL) that never returns NULL (for printing). */
static const char *jv(const cJSON *o, const char *key)
{
    const char *s = cli_json_str(o, key, NULL);
    return s ? s : "";
}

/* The rules of a --trace array, one line each after indent; access is
 * printed in a field of width aw (NSG rules 5, admin rules 11). */
static void print_trace(const cJSON *trace, const char *indent, int aw)
{
    const cJSON *t;
    cJSON_ArrayForEach(t, trace)
        printf("%s%-9s %5d  %-*s  %s\n", indent,
               cJSON_IsTrue(cJSON_GetObjectItem(t, "matched")) ? "MATCH"
                                                                : "no match",
               cJSON_GetObjectItem(t, "priority")->valueint, aw,
               jv(t, "access"), jv(t, "name"));
}

static void print_text(const cJSON *j)
{
    const char *rule = cli_json_str(j, "rule", NULL), *nsg = cli_json_str(j, "nsg", NULL);
    const char *plat = cli_json_str(j, "platform", NULL);
    const cJSON *l, *adm = cJSON_GetObjectItem(j, "admin");

    cli_word(jv(j, "decision"), 0);
    if (plat)
        printf("  platform traffic (%s)\n", plat);
    else if (cJSON_IsObject(adm))
        printf("  security admin rule %s (%s) of configuration %s\n",
               jv(adm, "rule"), jv(adm, "access"), jv(adm, "configuration"));
    else if (rule)
        printf("  rule %s of NSG %s\n", rule, nsg ? nsg : "");
    else
        printf("  no NSG applies\n");
    print_trace(cJSON_GetObjectItem(j, "admin_trace"), "  admin   ", 11);
    cJSON_ArrayForEach(l, cJSON_GetObjectItem(j, "levels"))
    {
        if (!strcmp(jv(l, "level"), "admin")) {
            printf("  admin   %-24s  ", jv(l, "configuration"));
            cli_word("Allow", 5);
            printf("  %s (priority %d): handed on to the NSGs\n",
                   jv(l, "rule"), cJSON_GetObjectItem(l, "priority")->valueint);
            print_trace(cJSON_GetObjectItem(l, "trace"), "      ", 11);
            continue;
        }
        const char *ln = cli_json_str(l, "label", cli_json_str(l, "nsg", NULL));
        const char *lr = cli_json_str(l, "rule", NULL);
        const cJSON *prio = cJSON_GetObjectItem(l, "priority");
        printf("  %-6s  %-24s  ", jv(l, "level"), ln ? ln : "(no NSG)");
        cli_word(jv(l, "decision"), 5);
        if (lr)
            printf("  %s (priority %d)", lr, prio->valueint);
        if (cli_json_str(l, "note", NULL))
            printf("  (%s)", jv(l, "note"));
        printf("\n");
        print_trace(cJSON_GetObjectItem(l, "trace"), "      ", 5);
    }
    if (cli_json_str(j, "note", NULL))
        printf("  note: %s\n", jv(j, "note"));
}

/* One batch answer as a single text line. */
static void print_line(long line, const cJSON *j)
{
    const char *rule = cli_json_str(j, "rule", NULL);
    printf("line %ld: ", line);
    cli_word(jv(j, "decision"), 0);
    if (cli_json_str(j, "platform", NULL))
        printf(" platform traffic (%s)", jv(j, "platform"));
    else if (cJSON_IsObject(cJSON_GetObjectItem(j, "admin")))
        printf(" security admin rule %s", rule ? rule : "");
    else if (rule)
        printf(" rule %s of NSG %s", rule, jv(j, "nsg"));
    else
        printf(" (no NSG applies)");
    printf("\n");
}

/* ---- batch ------------------------------------------------------------- */

/* A batch value that may be a string or a number (ports). */
static const char *jstr_or_num(const cJSON *o, const char *key, char *buf,
                               size_t cap)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
    if (cJSON_IsNumber(x)) {
        snprintf(buf, cap, "%.17g", x->valuedouble);
        return buf;
    }
    if (cJSON_IsString(x))
        return x->valuestring;
    if (x && !cJSON_IsNull(x))
        return ""; /* wrong type: rejected by the parsers */
    return NULL;
}

static nsg_rc batch_line(struct run *run, const struct query *defaults,
                         const char *text, cJSON **out, struct nsg_err *err)
{
    cJSON *o = cJSON_Parse(text);
    struct query q = *defaults;
    char sp[32], dp[32];
    nsg_rc rc;

    if (!cJSON_IsObject(o)) {
        cJSON_Delete(o);
        return nsg_err_set(err, NSG_E_INPUT, "not a JSON object");
    }
    if (cli_json_str(o, "nic", NULL) || cli_json_str(o, "nsg", NULL)) {
        q.nic = cli_json_str(o, "nic", NULL);
        q.nsg = cli_json_str(o, "nsg", NULL);
    }
#define FIELD(f, key)                                                          \
    if (cJSON_GetObjectItemCaseSensitive(o, key))                              \
        q.f = cli_json_str(o, key, NULL) ? cli_json_str(o, key, NULL) : "";
    FIELD(vnet, "vnet")
    FIELD(dir, "direction")
    FIELD(proto, "protocol")
    FIELD(src, "src")
    FIELD(dst, "dst")
#undef FIELD
    if (cJSON_GetObjectItemCaseSensitive(o, "sport"))
        q.sport = jstr_or_num(o, "sport", sp, sizeof(sp));
    if (cJSON_GetObjectItemCaseSensitive(o, "dport"))
        q.dport = jstr_or_num(o, "dport", dp, sizeof(dp));
    rc = answer(run, &q, out, err);
    cJSON_Delete(o);
    return rc;
}

static int run_batch(struct run *run, const struct query *defaults,
                     const char *path, bool json)
{
    FILE *f = fopen(cli_path(path), "r");
    char *line = NULL;
    size_t cap = 0;
    long n = 0, bad = 0, asked = 0;
    int status;

    if (!f) {
        cli_error("cannot open %s: %s", path,
                strerror(errno));
        return CLI_EXIT_INPUT;
    }
    while (getline(&line, &cap, f) >= 0) {
        struct nsg_err err = NSG_ERR_INIT;
        cJSON *res = NULL;
        n++;
        g_strstrip(line);
        if (!line[0])
            continue;
        asked++;
        if (batch_line(run, defaults, line, &res, &err)) {
            bad++;
            cli_error("%s: line %ld: %s", path, n,
                    err.msg);
            if (json) {
                cJSON *e = cJSON_CreateObject();
                cJSON_AddNumberToObject(e, "line", (double)n);
                cJSON_AddStringToObject(e, "error", err.msg);
                char *s = cJSON_PrintUnformatted(e);
                printf("%s\n", s);
                free(s);
                cJSON_Delete(e);
            } else {
                printf("line %ld: error\n", n);
            }
            continue;
        }
        if (json) {
            cJSON_AddNumberToObject(res, "line", (double)n);
            char *s = cJSON_PrintUnformatted(res);
            printf("%s\n", s);
            free(s);
        } else {
            print_line(n, res);
        }
        cJSON_Delete(res);
    }
    status = bad ? CLI_EXIT_INPUT : CLI_EXIT_OK;
    if (ferror(f)) {
        cli_error("cannot read %s: %s", path,
                strerror(errno));
        status = CLI_EXIT_INPUT;
    } else if (!asked) {
        cli_error("%s: no queries (every line is blank)", path);
        status = CLI_EXIT_INPUT;
    }
    free(line);
    fclose(f);
    return status;
}

/* ---- main -------------------------------------------------------------- */

int cmd_check(int argc, char **argv)
{
    struct query q = {0};
    const char *corpus = NULL, *batch = NULL;
    struct cli_output fmt = CLI_OUTPUT_INIT;
    struct cli_strv proposed = CLI_STRV_INIT;
    int64_t at = NSG_TIME_LATEST;
    struct run run = {0};
    run.owned = g_ptr_array_new_with_free_func((GDestroyNotify)nsg_vnet_free);
    struct cli_option opts[] = {
        CLI_OPT_STR("corpus", &corpus, "DIR", "the corpus"),
        CLI_OPT_STR("nic", &q.nic, "NAME",
                    "a NIC (name, id or vm:NAME): both NSG levels"),
        CLI_OPT_STR("nsg", &q.nsg, "NAME", "one NSG (name or id) alone"),
        CLI_OPT_STR("vnet", &q.vnet, "NAME",
                    "with --nsg: the virtual network whose tags apply "
                    "(default: where the NSG is applied)"),
        CLI_OPT_STR("direction", &q.dir, "DIR", "inbound or outbound"),
        CLI_OPT_STR("protocol", &q.proto, "P",
                    "tcp, udp, icmp, esp, ah, icmpv6 or a number 0-255"),
        CLI_OPT_STR("src", &q.src, "IP", "source address"),
        CLI_OPT_STR("sport", &q.sport, "P", "source port (default 49152)"),
        CLI_OPT_STR("dst", &q.dst, "IP", "destination address"),
        CLI_OPT_STR("dport", &q.dport, "P", "destination port (tcp, udp)"),
        CLI_OPT_STR("batch", &batch, "FILE",
                    "one JSON query per line (JSON Lines; - for standard "
                    "input)"),
        CLI_OPT_TIME("at", &at, "the rules in force at TIME (ISO 8601 or "
                                "unix seconds; default: the newest)"),
        CLI_OPT_STRS("proposed", &proposed, "FILE",
                     "an NSG file (ARM or az JSON) in place of the NSG of "
                     "the same id or name"),
        CLI_OPT_FLAG("trace", &run.trace, "every rule evaluated, per level"),
        CLI_OPT_OUTPUT(&fmt),
        CLI_OPT_ENDMARK};
    struct nsg_corpus *c = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    GPtrArray *notes = g_ptr_array_new_with_free_func(g_free);
    cJSON *res = NULL;
    bool json;
    int status;

    status = cli_opt_parse(&help, opts, argc, argv, NULL, NULL);
    if (status) {
        status = cli_opt_status(status);
        goto out;
    }
    json = fmt.format == CLI_FORMAT_JSON;
    if (!corpus && !proposed.n) {
        status = cli_opt_error(&help, "--corpus DIR is required");
        goto out;
    }
    if (!corpus && at != NSG_TIME_LATEST) {
        status = cli_opt_error(&help, "--at needs --corpus");
        goto out;
    }
    if (!batch && !q.nic == !q.nsg) {
        status = cli_opt_error(&help, "give exactly one of --nic or --nsg");
        goto out;
    }
    if (!batch) { /* usage errors before loading the corpus */
        struct nsg_packet p;
        if (q.nic && q.vnet) {
            status = cli_opt_error(&help, "--vnet goes with --nsg, not --nic");
            goto out;
        }
        if (make_packet(&q, &p, &err) == NSG_E_USAGE) {
            status = cli_opt_error(&help, "%s", err.msg);
            goto out;
        }
    }
    if (corpus && cli_load_model(corpus, at, &c, &run.t, notes, &err)) {
        status = cli_fail(&err);
        goto out;
    }
    if (!corpus)
        run.t = nsg_topo_new();
    for (size_t i = 0; i < proposed.n; i++)
        if (cli_propose(run.t, proposed.v[i], NULL, &err)) {
            status = cli_fail(&err);
            goto out;
        }
    cli_notes(notes);
    run.sim = nsg_sim_new(run.t);
    if (batch) {
        status = run_batch(&run, &q, batch, json);
    } else if (answer(&run, &q, &res, &err)) {
        status = cli_fail(&err);
    } else {
        if (json)
            cli_print_json(res);
        else
            print_text(res);
        status = strcmp(cli_json_str(res, "decision", NULL), "Allow")
                     ? CLI_EXIT_FOUND
                     : CLI_EXIT_OK;
    }
out:
    cJSON_Delete(res);
    nsg_sim_free(run.sim);
    g_ptr_array_free(run.owned, TRUE);
    nsg_topo_free(run.t);
    nsg_corpus_close(c);
    cli_strv_release(&proposed);
    g_ptr_array_free(notes, TRUE);
    return status;
}
