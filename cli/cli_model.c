/* cli_model.c - what the subcommands share about the model they load:
 * the corpus at a time (--at) with notes on resources first captured
 * later, finding resources by name, id or KIND:NAME (vm:NAME for a VM's
 * NICs) with did-you-mean suggestions, labels that tell same-name NSGs
 * apart, notes on missing context, and NSG files given on the command
 * line (--proposed, "-" for standard input). */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../importer/importer.h"
#include "../sim/replay.h"
#include "../sim/sim.h"
#include "../solver/solver.h"
#include "cli.h"

const char *cli_path(const char *arg)
{
    return arg && !strcmp(arg, "-") ? "/dev/stdin" : arg;
}

/* ---- the model at a time -------------------------------------------------- */

/* Resources of the model whose first version is later than `at`. */
static void later_notes(struct nsg_corpus *c, const struct nsg_topology *t,
                        int64_t at, GPtrArray *notes)
{
    struct nsg_buf b = NSG_BUF_INIT;
    size_t n = 0;
    char when[32], iso[32];

    for (int ty = 0; ty < NSG_RES_TYPE_COUNT; ty++) {
        for (guint i = 0; i < t->res[ty]->len; i++) {
            /* every resource struct starts with its id and name */
            char *const *head = t->res[ty]->pdata[i];
            struct nsg_version *v = NULL;
            size_t nv = 0;
            if (!head[0] || nsg_corpus_history(c, head[0], &v, &nv, NULL)) {
                free(v);
                continue; /* a placeholder or a resource inside another */
            }
            if (nv && v[0].captured_at > at) {
                if (n < 8) {
                    nsg_corpus_time_format(v[0].captured_at, when);
                    nsg_buf_addf(&b, "%s%s %s (%s)", n ? ", " : "",
                                 nsg_res_type_name((enum nsg_res_type)ty),
                                 head[1] ? head[1] : head[0], when);
                }
                n++;
            }
            free(v);
        }
    }
    if (n) {
        nsg_corpus_time_format(at, iso);
        g_ptr_array_add(notes,
                        g_strdup_printf("%zu resource%s first captured after "
                                        "%s, taken as first seen: %s%s",
                                        n, n == 1 ? " was" : "s were", iso,
                                        b.buf, n > 8 ? ", ..." : ""));
    }
    nsg_buf_release(&b);
}

nsg_rc cli_load_model(const char *dir, int64_t at, struct nsg_corpus **c,
                      struct nsg_topology **t, GPtrArray *notes,
                      struct nsg_err *err)
{
    nsg_rc rc = nsg_corpus_open(dir, false, c, err);
    if (rc)
        return rc;
    rc = nsg_corpus_load(*c, at, t, err);
    if (rc) {
        nsg_corpus_close(*c);
        *c = NULL;
        return rc;
    }
    if (at != NSG_TIME_LATEST && notes)
        later_notes(*c, *t, at, notes);
    return NSG_OK;
}

/* ---- finding resources ------------------------------------------------------ */

/* Edit distance of two short strings, case-insensitive (for suggestions). */
static size_t distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 200 || lb > 200)
        return 1000;
    size_t *row = nsg_xcalloc(lb + 1, sizeof(*row));
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = g_ascii_tolower(a[i - 1]) != g_ascii_tolower(b[j - 1]);
            size_t best = diag + cost;
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    size_t d = row[lb];
    free(row);
    return d;
}

void cli_suggest(const struct nsg_topology *t, int type, const char *name,
                 struct nsg_buf *out)
{
    size_t best = (size_t)-1;
    GPtrArray *cands = g_ptr_array_new();
    for (int ty = 0; ty < NSG_RES_TYPE_COUNT; ty++) {
        if (type >= 0 && ty != type)
            continue;
        for (guint i = 0; i < t->res[ty]->len; i++) {
            char *const *head = t->res[ty]->pdata[i];
            const char *n = head[1];
            if (!n)
                continue;
            size_t d = distance(name, n);
            /* a typo, or one name inside the other ("web-1-nic" for the
             * NIC web-1) */
            if ((strcasestr(n, name) && strlen(name) >= 3) ||
                (strcasestr(name, n) && strlen(n) >= 3))
                d = d < 2 ? d : 2;
            size_t longer = strlen(n) > strlen(name) ? strlen(n) : strlen(name);
            if (d > 3 || d * 3 > longer || d > best)
                continue;
            if (d < best) {
                best = d;
                g_ptr_array_set_size(cands, 0);
            }
            if (cands->len < 3 && !g_ptr_array_find_with_equal_func(
                                      cands, n, g_str_equal, NULL))
                g_ptr_array_add(cands, (char *)n);
        }
    }
    for (guint i = 0; i < cands->len; i++)
        nsg_buf_addf(out, "%s%s", i ? (i + 1 == cands->len ? " or " : ", ")
                                    : "did you mean ",
                     (const char *)cands->pdata[i]);
    if (cands->len)
        nsg_buf_adds(out, "?");
    g_ptr_array_free(cands, TRUE);
}

nsg_rc cli_find(const struct nsg_topology *t, int type, const char *name,
                void **out, struct nsg_err *err)
{
    nsg_rc rc = nsg_topo_find(t, (enum nsg_res_type)type, name, out, err);
    if (rc == NSG_E_NOTFOUND && err) {
        struct nsg_buf b = NSG_BUF_INIT;
        cli_suggest(t, type, name, &b);
        if (b.len)
            nsg_buf_addf(&b, " (nsgproof list shows what the corpus holds)");
        else
            nsg_buf_adds(&b, "nsgproof list shows what the corpus holds");
        size_t l = strlen(err->msg);
        snprintf(err->msg + l, sizeof(err->msg) - l, ": %s", b.buf);
        nsg_buf_release(&b);
    }
    return rc;
}

/* The NICs of a VM, in its order; NSG_E_NOTFOUND when one is missing. */
static nsg_rc vm_nics(const struct nsg_topology *t, const struct nsg_vm *vm,
                      GPtrArray *out, struct nsg_err *err)
{
    for (size_t i = 0; i < vm->n_nic_ids; i++) {
        struct nsg_nic *nic = nsg_topo_get(t, NSG_RES_NIC, vm->nic_ids[i]);
        if (!nic)
            return nsg_err_set(err, NSG_E_NOTFOUND,
                               "NIC %s of VM %s is not in the corpus: import "
                               "it (az network nic list -o json)",
                               vm->nic_ids[i], vm->name);
        g_ptr_array_add(out, nic);
    }
    if (!out->len)
        return nsg_err_set(err, NSG_E_INPUT, "VM %s has no NIC in the corpus",
                           vm->name);
    return NSG_OK;
}

nsg_rc cli_find_nics(const struct nsg_topology *t, const char *spec,
                     GPtrArray *out, struct nsg_err *err)
{
    void *p;
    nsg_rc rc;
    if (!strncasecmp(spec, "vm:", 3)) {
        rc = cli_find(t, NSG_RES_VM, spec + 3, &p, err);
        return rc ? rc : vm_nics(t, p, out, err);
    }
    if (!strncasecmp(spec, "nic:", 4))
        spec += 4;
    rc = cli_find(t, NSG_RES_NIC, spec, &p, err);
    if (!rc)
        g_ptr_array_add(out, p);
    return rc;
}

static bool nic_has(const struct nsg_nic *nic, const struct nsg_ip *ip)
{
    for (size_t i = 0; i < nic->n_ipconfigs; i++)
        if (nic->ipconfigs[i].has_ip && !nsg_ip_cmp(&nic->ipconfigs[i].ip, ip))
            return true;
    return false;
}

nsg_rc cli_find_nic(const struct nsg_topology *t, const char *spec,
                    const struct nsg_ip *addr, struct nsg_nic **out,
                    struct nsg_err *err)
{
    GPtrArray *nics = g_ptr_array_new();
    nsg_rc rc = cli_find_nics(t, spec, nics, err);
    *out = NULL;
    for (guint i = 0; !rc && i < nics->len && !*out; i++)
        if (nics->len == 1 || (addr && nic_has(nics->pdata[i], addr)))
            *out = nics->pdata[i];
    if (!rc && !*out) {
        struct nsg_buf b = NSG_BUF_INIT;
        for (guint i = 0; i < nics->len; i++)
            nsg_buf_addf(&b, "%s%s", i ? ", " : "",
                         ((struct nsg_nic *)nics->pdata[i])->name);
        rc = nsg_err_set(err, NSG_E_INPUT,
                         "%s has several NICs (%s) and the NIC-side address "
                         "is not one of theirs: name the NIC",
                         spec, b.buf);
        nsg_buf_release(&b);
    }
    g_ptr_array_free(nics, TRUE);
    return rc;
}

/* ---- labels ------------------------------------------------------------------ */

char *cli_resource_group(const char *id)
{
    const char *p = id ? strcasestr(id, "/resourceGroups/") : NULL;
    if (!p)
        return NULL;
    p += strlen("/resourceGroups/");
    return g_strndup(p, strcspn(p, "/"));
}

const char *cli_nsg_label(const struct nsg_topology *t,
                          const struct nsg_nsg *n, char *buf, size_t cap)
{
    const char *name = n->name ? n->name : n->id ? n->id : "?";
    size_t same = 0;
    for (guint i = 0; t && n->name && i < NSG_TOPO_N(t, NSG_RES_NSG); i++) {
        const struct nsg_nsg *o = NSG_TOPO_AT(t, NSG_RES_NSG, i);
        same += o->name && !strcasecmp(o->name, n->name);
    }
    char *rg = same > 1 ? cli_resource_group(n->id) : NULL;
    if (rg)
        snprintf(buf, cap, "%s (resource group %s)", name, rg);
    else
        snprintf(buf, cap, "%s", name);
    g_free(rg);
    return buf;
}

/* ---- missing context ----------------------------------------------------------- */

bool cli_context_note(const struct nsg_topology *t, const struct nsg_vnet *v,
                      GPtrArray *notes)
{
    struct nsg_buf why = NSG_BUF_INIT;
    bool gaps = nsg_ctx_gaps(t, v, &why);
    if (gaps) {
        char *n = g_strdup_printf("the corpus lacks part of the context: %s; "
                                  "this answer does not depend on it",
                                  why.buf);
        if (!g_ptr_array_find_with_equal_func(notes, n, g_str_equal, NULL))
            g_ptr_array_add(notes, n);
        else
            g_free(n);
    }
    nsg_buf_release(&why);
    return gaps;
}

/* ---- NSG files --------------------------------------------------------------------- */

nsg_rc cli_propose(struct nsg_topology *t, const char *path, char **name,
                   struct nsg_err *err)
{
    struct nsg_nsg *n = NULL;
    nsg_rc rc = nsg_imp_load_nsg_file(cli_path(path), &n, err);
    if (rc)
        return rc;
    if (name)
        *name = nsg_xstrdup(n->name);
    rc = nsg_replay_propose(t, n, err);
    if (rc == NSG_E_NOTFOUND) { /* a new NSG: added, applied nowhere */
        nsg_topo_add(t, NSG_RES_NSG, n);
        nsg_topo_link(t);
        return NSG_OK;
    }
    if (rc) {
        nsg_nsg_free(n);
        if (name) {
            free(*name);
            *name = NULL;
        }
        if (!strstr(err->msg, path))
            nsg_err_prefix(err, "%s", path);
    }
    return rc;
}

/* ---- scopes: the packets an NSG can see -------------------------------------- */

static bool same(const char *a, const char *b)
{
    return a && b && !strcasecmp(a, b);
}

static void add_nic_addrs(const struct nsg_nic *nic, struct nsg_addrset *set)
{
    for (size_t i = 0; i < nic->n_ipconfigs; i++)
        if (nic->ipconfigs[i].has_ip) {
            const struct nsg_ip *ip = &nic->ipconfigs[i].ip;
            nsg_addrset_add_range(set, ip->family, ip->v, ip->v);
        }
}

static void scope_families(const struct nsg_vnet *v,
                           const struct nsg_addrset *governed,
                           struct nsg_slv_scope *sc)
{
    sc->v4 = sc->v6 = false;
    for (size_t i = 0; v && i < v->n_space; i++) {
        sc->v4 |= v->space[i].family == 4;
        sc->v6 |= v->space[i].family == 6;
    }
    for (size_t i = 0; !sc->v4 && !sc->v6 && i < governed->n; i++) {
        sc->v4 |= governed->r[i].family == 4;
        sc->v6 |= governed->r[i].family == 6;
    }
    if (!sc->v4 && !sc->v6)
        sc->v4 = sc->v6 = true;
}

void cli_nsg_scope(const struct nsg_topology *t, const struct nsg_nsg *n,
                   const struct nsg_vnet *v, struct nsg_addrset *governed,
                   struct nsg_slv_scope *sc)
{
    for (guint i = 0; n && i < NSG_TOPO_N(t, NSG_RES_SUBNET); i++) {
        const struct nsg_subnet *s = NSG_TOPO_AT(t, NSG_RES_SUBNET, i);
        if (!same(s->nsg_id, n->id) ||
            (v && nsg_topo_vnet_of_subnet(t, s) != v))
            continue;
        for (size_t k = 0; k < s->n_prefixes; k++)
            nsg_addrset_add_cidr(governed, &s->prefixes[k]);
    }
    for (guint i = 0; n && i < NSG_TOPO_N(t, NSG_RES_NIC); i++) {
        const struct nsg_nic *nic = NSG_TOPO_AT(t, NSG_RES_NIC, i);
        if (same(nic->nsg_id, n->id) &&
            (!v || nsg_topo_vnet_of_subnet(
                       t, nsg_topo_subnet_of_nic(t, nic)) == v))
            add_nic_addrs(nic, governed);
    }
    scope_families(v, governed, sc);
    sc->governed = governed->n ? governed : NULL;
}

void cli_nic_scope(const struct nsg_topology *t, const struct nsg_nic *nic,
                   struct nsg_addrset *governed, struct nsg_slv_scope *sc)
{
    add_nic_addrs(nic, governed);
    scope_families(nsg_topo_vnet_of_subnet(t, nsg_topo_subnet_of_nic(t, nic)),
                   governed, sc);
    sc->governed = governed->n ? governed : NULL;
}

/* ---- the check command that reproduces a packet's answer --------------------- */

static const char *proto_word(int proto, char buf[8])
{
    switch (proto) {
    case NSG_PROTO_TCP: return "tcp";
    case NSG_PROTO_UDP: return "udp";
    case NSG_PROTO_ICMP: return "icmp";
    case NSG_PROTO_ESP: return "esp";
    case NSG_PROTO_AH: return "ah";
    default:
        snprintf(buf, 8, "%d", proto);
        return buf;
    }
}

cJSON *cli_check_json(const struct cli_check_ref *r, const struct nsg_packet *p)
{
    cJSON *o = cJSON_CreateObject();
    char a[NSG_IP_STRLEN], pb[8];
    if (r->nic)
        cJSON_AddStringToObject(o, "nic", r->nic);
    else
        cJSON_AddStringToObject(o, "nsg", r->nsg);
    if (r->vnet)
        cJSON_AddStringToObject(o, "vnet", r->vnet);
    cJSON_AddStringToObject(o, "direction",
                            p->dir == NSG_DIR_OUT ? "outbound" : "inbound");
    cJSON_AddStringToObject(o, "protocol", proto_word(p->proto, pb));
    nsg_ip_format(&p->src, a);
    cJSON_AddStringToObject(o, "src", a);
    if (nsg_proto_has_ports(p->proto))
        cJSON_AddNumberToObject(o, "sport", p->sport);
    nsg_ip_format(&p->dst, a);
    cJSON_AddStringToObject(o, "dst", a);
    if (nsg_proto_has_ports(p->proto))
        cJSON_AddNumberToObject(o, "dport", p->dport);
    return o;
}

/* A shell word: as is when it holds only safe characters, else quoted. */
static void shell_word(const char *w, struct nsg_buf *out)
{
    if (w[0] && strspn(w, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                          "0123456789_./:=,@+-%") == strlen(w)) {
        nsg_buf_adds(out, w);
        return;
    }
    nsg_buf_adds(out, "'");
    for (const char *c = w; *c; c++)
        if (*c == '\'')
            nsg_buf_adds(out, "'\\''");
        else
            nsg_buf_add(out, c, 1);
    nsg_buf_adds(out, "'");
}

static void arg(struct nsg_buf *out, const char *opt, const char *val)
{
    nsg_buf_addf(out, " --%s ", opt);
    shell_word(val, out);
}

void cli_check_text(const struct cli_check_ref *r, const struct nsg_packet *p,
                    struct nsg_buf *out)
{
    char a[NSG_IP_STRLEN], n[16], pb[8];
    nsg_buf_adds(out, "nsgproof check");
    if (r->corpus)
        arg(out, "corpus", r->corpus);
    if (r->at != NSG_TIME_LATEST) {
        char iso[32];
        nsg_corpus_time_format(r->at, iso);
        arg(out, "at", iso);
    }
    if (r->proposed)
        arg(out, "proposed", r->proposed);
    arg(out, r->nic ? "nic" : "nsg", r->nic ? r->nic : r->nsg);
    if (r->vnet)
        arg(out, "vnet", r->vnet);
    arg(out, "direction", p->dir == NSG_DIR_OUT ? "outbound" : "inbound");
    arg(out, "protocol", proto_word(p->proto, pb));
    nsg_ip_format(&p->src, a);
    arg(out, "src", a);
    if (nsg_proto_has_ports(p->proto)) {
        snprintf(n, sizeof(n), "%u", p->sport);
        arg(out, "sport", n);
    }
    nsg_ip_format(&p->dst, a);
    arg(out, "dst", a);
    if (nsg_proto_has_ports(p->proto)) {
        snprintf(n, sizeof(n), "%u", p->dport);
        arg(out, "dport", n);
    }
}

const char *cli_nsg_ref(const struct nsg_topology *t, const struct nsg_nsg *n)
{
    size_t same_name = 0;
    for (guint i = 0; t && n->name && i < NSG_TOPO_N(t, NSG_RES_NSG); i++) {
        const struct nsg_nsg *o = NSG_TOPO_AT(t, NSG_RES_NSG, i);
        same_name += o->name && !strcasecmp(o->name, n->name);
    }
    return same_name > 1 || !n->name ? n->id : n->name;
}

void cli_vnets_of_nsg(const struct nsg_topology *t, const struct nsg_nsg *n,
                      GPtrArray *out)
{
    nsg_topo_vnets_of_nsg(t, n, out);
}

void cli_emit_cidr(const struct nsg_cidr *c, void *array)
{
    char s[NSG_CIDR_STRLEN];
    nsg_cidr_format(c, s);
    cJSON_AddItemToArray(array, cJSON_CreateString(s));
}

void cli_nsg_contexts(const struct nsg_topology *t, const struct nsg_nsg *n,
                      GPtrArray *out, GPtrArray *owned)
{
    cli_vnets_of_nsg(t, n, out);
    for (size_t i = 0; n && !out->len && i < n->n_nic_ids; i++) {
        if (nsg_topo_get(t, NSG_RES_NIC, n->nic_ids[i]))
            continue;
        /* applied to a NIC the corpus lacks: its virtual network is not
         * known either (a placeholder without address space) */
        struct nsg_vnet *v = nsg_xcalloc(1, sizeof(*v));
        v->name = g_strdup_printf("of NIC %s", n->nic_ids[i]);
        g_ptr_array_add(owned, v);
        g_ptr_array_add(out, v);
    }
}
