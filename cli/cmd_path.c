/* cmd_path.c - `nsgproof path`: the path(s) one packet takes and every
 * decision on the way: Network Watcher's "next hop" and "IP flow verify",
 * offline, from a NIC or an address to a NIC or an address. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../path/path.h"
#include "../solver/solver.h"
#include "cli.h"
#include "cli_opt.h"
#include "cli_path.h"

#define DEFAULT_SPORT 49152 /* first port of the IANA ephemeral range */

static const char *const synopsis[] = {
    "--corpus DIR --src IP|nic:NAME --dst IP|nic:NAME\n"
    "         [--protocol tcp|udp|icmp|esp|ah|icmpv6|N [--dport P] [--sport P]] "
    "[--format text|json]",
    NULL};
static const struct cli_command_help help = {
    "path", synopsis,
    "The path(s) a packet takes through the corpus's networks (routes,\n"
    "peerings, public IPs, load balancers, appliances) and every NSG\n"
    "decision on the way (Network Watcher's next hop and IP flow verify,\n"
    "offline).",
    "nic:NAME as source sends from the NIC's primary address; as\n"
    "destination it is the NIC's private address, or, from the Internet,\n"
    "its public IP (or a public load balancer frontend that leads to it).\n"
    "Without --protocol only the path is shown (no NSG is evaluated).\n"
    "--dport is required for tcp and udp.  Semantics: docs/path.md.\n"
    "Exit: 0 every path allows, 1 a path denies or the packet has no path,\n"
    "2 usage or input error, 3 a path is not verified (a gateway, an\n"
    "appliance outside the corpus).\n",
    NULL};

struct opts {
    const char *corpus, *src, *dst, *proto, *dport, *sport;
    struct cli_output fmt; /* --format text|json (--json) */
};

static bool is_nic(const char *s)
{
    return !strncasecmp(s, "nic:", 4) && s[4];
}

static nsg_rc find_nic(const struct nsg_topology *t, const char *spec,
                       const struct nsg_nic **out, struct nsg_err *err)
{
    void *p = NULL;
    nsg_rc rc = nsg_topo_find(t, NSG_RES_NIC, spec + 4, &p, err);
    *out = p;
    return rc;
}

static const struct nsg_ipconfig *primary(const struct nsg_nic *nic)
{
    const struct nsg_ipconfig *pick = NULL;
    for (size_t i = 0; i < nic->n_ipconfigs; i++)
        if (nic->ipconfigs[i].has_ip &&
            (!pick || (nic->ipconfigs[i].primary && !pick->primary)))
            pick = &nic->ipconfigs[i];
    return pick;
}

/* The origin of the source: one NIC ip configuration, or the class of an
 * address (an address held by NICs of several vnets is ambiguous). */
static nsg_rc source(const struct nsg_pnet *n, const char *spec,
                     struct nsg_origins *os, struct nsg_origin **o,
                     struct nsg_ip *addr, struct nsg_err *err)
{
    const struct nsg_topology *t = nsg_pnet_topology(n);
    struct nsg_addrset one = NSG_ADDRSET_INIT;
    nsg_rc rc;

    *o = NULL;
    if (is_nic(spec)) {
        const struct nsg_nic *nic;
        const struct nsg_ipconfig *ic;
        if ((rc = find_nic(t, spec, &nic, err)))
            return nsg_err_prefix(err, "--src");
        if (!(ic = primary(nic)))
            return nsg_err_set(err, NSG_E_INPUT,
                               "--src: NIC %s has no private address",
                               nic->name);
        *addr = ic->ip;
    } else if (nsg_ip_parse(spec, addr)) {
        return nsg_err_set(err, NSG_E_USAGE,
                           "--src must be an IP address or nic:NAME, not '%s'",
                           spec);
    }
    nsg_addrset_add_range(&one, addr->family, addr->v, addr->v);
    nsg_pnet_origins(n, &one, os);
    nsg_addrset_release(&one);
    if (os->n > 1) {
        struct nsg_buf b = NSG_BUF_INIT;
        for (size_t i = 0; i < os->n; i++)
            if (os->o[i].nic)
                nsg_buf_addf(&b, " %s", os->o[i].nic->name);
        rc = nsg_err_set(err, NSG_E_INPUT,
                         "--src %s: the address is held by several NICs "
                         "(overlapping address spaces):%s; name one with "
                         "nic:NAME",
                         spec, b.buf ? b.buf : "");
        nsg_buf_release(&b);
        return rc;
    }
    *o = &os->o[0];
    return NSG_OK;
}

/* The destination address; *note says why a NIC's public IP was used. */
static nsg_rc destination(const struct nsg_pnet *n, const char *spec,
                          const struct nsg_origin *o, struct nsg_ip *addr,
                          const char **note, struct nsg_err *err)
{
    const struct nsg_topology *t = nsg_pnet_topology(n);
    const struct nsg_nic *nic;
    const struct nsg_ipconfig *ic;
    nsg_rc rc;

    *note = NULL;
    if (!is_nic(spec)) {
        if (nsg_ip_parse(spec, addr))
            return nsg_err_set(err, NSG_E_USAGE,
                               "--dst must be an IP address or nic:NAME, "
                               "not '%s'",
                               spec);
        return NSG_OK;
    }
    if ((rc = find_nic(t, spec, &nic, err)))
        return nsg_err_prefix(err, "--dst");
    if (!(ic = primary(nic)))
        return nsg_err_set(err, NSG_E_INPUT,
                           "--dst: NIC %s has no private address", nic->name);
    *addr = ic->ip;
    if (o->kind == NSG_ORIGIN_INTERNET) {
        struct nsg_addrset pub = NSG_ADDRSET_INIT;
        nsg_pnet_nic_entry_addrs(n, nic, true, &pub);
        for (size_t i = 0; i < pub.n; i++)
            if (pub.r[i].family == o->addrs.r[0].family) {
                addr->family = pub.r[i].family;
                addr->v = pub.r[i].lo;
                *note = "from the Internet the NIC is addressed by a public "
                        "IP that leads to it";
                break;
            }
        nsg_addrset_release(&pub);
    }
    return NSG_OK;
}

static nsg_rc make_packet(const struct opts *o, const struct nsg_ip *src,
                          const struct nsg_ip *dst, struct nsg_packet *p,
                          struct nsg_err *err)
{
    long v;
    memset(p, 0, sizeof(*p));
    p->src = *src;
    p->dst = *dst;
    p->dir = NSG_DIR_OUT;
    p->proto = nsg_proto_parse(o->proto);
    if (p->proto < 0)
        return nsg_err_set(err, NSG_E_USAGE,
                           "--protocol must be tcp, udp, icmp, esp, ah, icmpv6 or "
                           "a number 0-255, not '%s'",
                           o->proto);
    if (!nsg_proto_has_ports(p->proto)) {
        if (o->dport || o->sport)
            return nsg_err_set(err, NSG_E_USAGE,
                               "ports are only allowed with tcp or udp");
        return NSG_OK;
    }
    if (!o->dport)
        return nsg_err_set(err, NSG_E_USAGE,
                           "--dport is required for tcp and udp");
    if (!cli_parse_long(o->dport, 0, 65535, &v))
        return nsg_err_set(err, NSG_E_USAGE,
                           "--dport must be a port number 0-65535, not '%s'",
                           o->dport);
    p->dport = (uint16_t)v;
    p->sport = DEFAULT_SPORT;
    if (o->sport) {
        if (!cli_parse_long(o->sport, 0, 65535, &v))
            return nsg_err_set(err, NSG_E_USAGE,
                               "--sport must be a port number 0-65535, not "
                               "'%s'",
                               o->sport);
        p->sport = (uint16_t)v;
    }
    return NSG_OK;
}

enum outcome { OUT_ALLOWED, OUT_DENIED, OUT_NOPATH, OUT_UNKNOWN, OUT_SHOWN };
static const char *const outcome_names[] = {"allowed", "denied", "no path",
                                            "not verified", "path only"};

static enum outcome outcome_of(const struct nsg_path *p,
                               const struct nsg_ptrace *t)
{
    if (t && t->decision == NSG_DEC_DENY)
        return OUT_DENIED;
    if (p->end == NSG_PEND_DROP)
        return OUT_NOPATH;
    if (p->unknown)
        return OUT_UNKNOWN;
    return t ? OUT_ALLOWED : OUT_SHOWN;
}

static cJSON *svc_json(const struct nsg_psvc *s)
{
    cJSON *o = cJSON_CreateObject(), *a = cJSON_AddArrayToObject(o, "items");
    char pb[8];
    cJSON_AddBoolToObject(o, "negate", s->negate);
    for (size_t i = 0; i < s->n; i++) {
        cJSON *it = cJSON_CreateObject();
        cJSON_AddStringToObject(it, "protocol",
                                s->items[i].proto == NSG_PROTO_ANY
                                    ? "*"
                                    : nsg_proto_name(s->items[i].proto, pb));
        cJSON_AddNumberToObject(it, "port_lo", s->items[i].lo);
        cJSON_AddNumberToObject(it, "port_hi", s->items[i].hi);
        cJSON_AddItemToArray(a, it);
    }
    return o;
}

static cJSON *path_json(const struct nsg_path *p, const struct nsg_ptrace *t,
                        const struct nsg_packet *pkt, enum outcome oc)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "result", outcome_names[oc]);
    cJSON_AddStringToObject(o, "end", nsg_pend_name(p->end));
    cJSON_AddBoolToObject(o, "not_verified", p->unknown);
    if (t)
        cJSON_AddStringToObject(o, "decision", nsg_decision_name(t->decision));
    else
        cJSON_AddNullToObject(o, "decision");
    if (p->dst_nic)
        cJSON_AddStringToObject(o, "nic", p->dst_nic->name);
    if (pkt && (p->end == NSG_PEND_NIC || p->end == NSG_PEND_HOST)) {
        struct nsg_packet d = *pkt;
        d.dir = NSG_DIR_IN;
        nsg_pview_apply(&p->delivered, &d);
        cJSON *dj = cJSON_CreateObject();
        nsg_sim_packet_to_json(dj, &d, NSG_PJ_PROTO_TEXT | NSG_PJ_PORTS_IF_USED);
        cJSON_AddItemToObject(o, "delivered", dj);
    }
    if (!pkt && (p->svc.n || p->svc.negate))
        cJSON_AddItemToObject(o, "carries", svc_json(&p->svc));
    if (p->reason)
        cJSON_AddStringToObject(o, "reason", p->reason);
    if (p->note)
        cJSON_AddStringToObject(o, "note", p->note);
    cJSON_AddItemToObject(o, "hops", nsg_path_hops_json(p, t));
    return o;
}

static void print_svc(const struct nsg_psvc *s)
{
    char pb[8];
    printf("  carries %s", s->negate ? "every packet but " : "");
    for (size_t i = 0; i < s->n; i++) {
        const struct nsg_psvc_item *it = &s->items[i];
        printf("%s%s", i ? ", " : "",
               it->proto == NSG_PROTO_ANY ? "any protocol"
                                          : nsg_proto_name(it->proto, pb));
        if (!(it->lo == 0 && it->hi == 65535))
            printf(it->lo == it->hi ? "/%u" : "/%u-%u", it->lo, it->hi);
    }
    printf("\n");
}

static int run(const struct opts *o, struct nsg_err *err)
{
    struct nsg_corpus *c = NULL;
    struct nsg_topology *t = NULL;
    struct nsg_pnet *n = NULL;
    struct nsg_sim *sim = NULL;
    struct nsg_origins os = NSG_ORIGINS_INIT;
    struct nsg_origin *org;
    struct nsg_paths ps = NSG_PATHS_INIT;
    struct nsg_ptrace *tr = NULL;
    struct nsg_ip src, dst;
    struct nsg_packet pkt;
    const char *note;
    int status = CLI_EXIT_OK;
    char sb[NSG_IP_STRLEN], db[NSG_IP_STRLEN];
    bool any[5] = {false};
    nsg_rc rc;

    if ((rc = cli_load_corpus(o->corpus, &c, &t, err)))
        return cli_fail(err);
    n = nsg_pnet_new(t);
    sim = nsg_sim_new(t);
    rc = source(n, o->src, &os, &org, &src, err);
    if (!rc)
        rc = destination(n, o->dst, org, &dst, &note, err);
    if (!rc && src.family != dst.family)
        rc = nsg_err_set(err, NSG_E_INPUT,
                         "source and destination are of different address "
                         "families");
    if (!rc && o->proto)
        rc = make_packet(o, &src, &dst, &pkt, err);
    if (rc) {
        status = cli_fail(err);
        goto out;
    }
    if (o->proto) {
        if (org->kind != NSG_ORIGIN_NIC && org->kind != NSG_ORIGIN_HOST)
            pkt.dir = NSG_DIR_IN;
        nsg_pnet_trace(n, org, &pkt, &ps);
    } else {
        nsg_pnet_walk(n, org, &dst, &ps);
    }
    nsg_ip_format(&src, sb);
    nsg_ip_format(&dst, db);
    if (ps.n == 0) {
        rc = nsg_err_set(err, NSG_E_INPUT,
                         "no path of the corpus: %s -> %s %s",
                         sb, db,
                         org->kind == NSG_ORIGIN_NIC &&
                                 !nsg_ip_cmp(&src, &dst)
                             ? "is a NIC to itself"
                             : "does not enter, leave or cross the corpus's "
                               "networks");
        status = cli_fail(err);
        goto out;
    }
    tr = nsg_xcalloc(ps.n, sizeof(*tr));
    for (size_t i = 0; o->proto && i < ps.n; i++) {
        if (ps.p[i].missing) {
            rc = nsg_err_set(err, NSG_E_NOTFOUND,
                             "the path needs %s, which is not in the corpus: "
                             "import it",
                             ps.p[i].missing);
            break;
        }
        rc = nsg_pnet_eval(n, sim, &ps.p[i], &pkt, &tr[i], err);
        if (!rc && tr[i].decision == NSG_DEC_UNKNOWN)
            rc = nsg_err_set(err, NSG_E_INPUT,
                             "a decision on the path depends on a service tag "
                             "or ASG that is not known: import a Service "
                             "Tags file that defines it (see 'nsgproof check "
                             "--trace')");
        if (rc)
            break;
    }
    if (rc) {
        status = cli_fail(err);
        goto out;
    }
    for (size_t i = 0; i < ps.n; i++)
        any[outcome_of(&ps.p[i], o->proto ? &tr[i] : NULL)] = true;
    enum outcome all = any[OUT_DENIED]    ? OUT_DENIED
                       : any[OUT_NOPATH]  ? OUT_NOPATH
                       : any[OUT_UNKNOWN] ? OUT_UNKNOWN
                       : any[OUT_SHOWN]   ? OUT_SHOWN
                                          : OUT_ALLOWED;
    status = all == OUT_DENIED || all == OUT_NOPATH ? CLI_EXIT_FOUND
             : all == OUT_UNKNOWN                   ? CLI_EXIT_UNKNOWN
                                                    : CLI_EXIT_OK;
    if (o->fmt.format == CLI_FORMAT_JSON) {
        cJSON *root = cJSON_CreateObject();
        cJSON_AddStringToObject(root, "src", sb);
        cJSON_AddStringToObject(root, "dst", db);
        cJSON_AddStringToObject(root, "origin", nsg_origin_kind_name(org->kind));
        if (note)
            cJSON_AddStringToObject(root, "note", note);
        if (o->proto) {
            cJSON *pj = cJSON_CreateObject();
            nsg_sim_packet_to_json(pj, &pkt,
                                   NSG_PJ_PROTO_TEXT | NSG_PJ_PORTS_IF_USED);
            cJSON_AddItemToObject(root, "packet", pj);
        } else {
            cJSON_AddNullToObject(root, "packet");
        }
        cJSON_AddStringToObject(root, "result", outcome_names[all]);
        cJSON *arr = cJSON_AddArrayToObject(root, "paths");
        for (size_t i = 0; i < ps.n; i++)
            cJSON_AddItemToArray(
                arr, path_json(&ps.p[i], o->proto ? &tr[i] : NULL,
                               o->proto ? &pkt : NULL,
                               outcome_of(&ps.p[i], o->proto ? &tr[i] : NULL)));
        cli_print_json(root);
        cJSON_Delete(root);
        goto out;
    }
    if (o->proto) {
        struct nsg_buf b = NSG_BUF_INIT;
        nsg_slv_flow_format(&pkt, &b);
        printf("packet: %s (from %s)\n", b.buf,
               nsg_origin_kind_name(org->kind));
        nsg_buf_release(&b);
    } else {
        printf("from %s (%s) to %s: paths only, no NSG evaluated "
               "(give --protocol)\n",
               sb, nsg_origin_kind_name(org->kind), db);
    }
    if (note)
        printf("note: %s\n", note);
    for (size_t i = 0; i < ps.n; i++) {
        enum outcome oc = outcome_of(&ps.p[i], o->proto ? &tr[i] : NULL);
        printf("path %zu of %zu: %s\n", i + 1, ps.n, outcome_names[oc]);
        if (!o->proto && (ps.p[i].svc.n || ps.p[i].svc.negate))
            print_svc(&ps.p[i].svc);
        cli_print_path(&ps.p[i], o->proto ? &tr[i] : NULL, "  ");
    }
    printf("result: %s\n", outcome_names[all]);
out:
    for (size_t i = 0; tr && i < ps.n; i++)
        nsg_ptrace_release(&tr[i]);
    free(tr);
    nsg_paths_release(&ps);
    nsg_origins_release(&os);
    nsg_sim_free(sim);
    nsg_pnet_free(n);
    nsg_topo_free(t);
    nsg_corpus_close(c);
    return status;
}

int cmd_path(int argc, char **argv)
{
    struct opts o = {.fmt = CLI_OUTPUT_INIT};
    struct cli_option opts[] = {
        CLI_OPT_STR("corpus", &o.corpus, "DIR", "the corpus"),
        CLI_OPT_STR("src", &o.src, "IP|nic:NAME", "where the packet comes from"),
        CLI_OPT_STR("dst", &o.dst, "IP|nic:NAME", "where it is sent"),
        CLI_OPT_STR("protocol", &o.proto, "P",
                    "tcp, udp, icmp, esp, ah, icmpv6 or a number 0-255 (evaluates "
                    "the NSGs)"),
        CLI_OPT_STR("dport", &o.dport, "P", "destination port (tcp, udp)"),
        CLI_OPT_STR("sport", &o.sport, "P", "source port (default 49152)"),
        CLI_OPT_OUTPUT(&o.fmt),
        CLI_OPT_ENDMARK};
    struct nsg_err err = NSG_ERR_INIT;
    int status = cli_opt_parse(&help, opts, argc, argv, NULL, NULL);
    if (status)
        return cli_opt_status(status);
    if (!o.corpus)
        return cli_opt_error(&help, "--corpus DIR is required");
    if (!o.src || !o.dst)
        return cli_opt_error(&help, "--src and --dst are required");
    if (!o.proto && (o.dport || o.sport))
        return cli_opt_error(&help, "--dport and --sport need --protocol");
    if (o.proto) {
        struct nsg_packet p;
        struct nsg_ip any = {4, 0};
        if (make_packet(&o, &any, &any, &p, &err) == NSG_E_USAGE)
            return cli_opt_error(&help, "%s", err.msg);
    }
    if (!is_nic(o.src)) {
        struct nsg_ip a;
        if (nsg_ip_parse(o.src, &a))
            return cli_opt_error(&help, "--src must be an IP address or "
                                        "nic:NAME, not '%s'",
                                 o.src);
    }
    if (!is_nic(o.dst)) {
        struct nsg_ip a;
        if (nsg_ip_parse(o.dst, &a))
            return cli_opt_error(&help, "--dst must be an IP address or "
                                        "nic:NAME, not '%s'",
                                 o.dst);
    }
    return run(&o, &err);
}
