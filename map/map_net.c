/* map_net.c - the analysed network: every NIC with its VM, subnet, virtual
 * network and NSG levels, whether it is internet-facing, and every private
 * address with the traffic it may receive and send (the sides, computed
 * in map_side.c).  Also the address-set helpers map/ shares. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "map_int.h"

bool nsg_map_same_id(const char *a, const char *b)
{
    return a && b && !strcasecmp(a, b);
}

/* ---- address-set helpers ----------------------------------------------- */

void nsg_map_addrset_and(struct nsg_addrset *dst, const struct nsg_addrset *a,
                         const struct nsg_addrset *b)
{
    struct nsg_addrset outside = NSG_ADDRSET_INIT;
    nsg_addrset_copy(&outside, a);
    nsg_addrset_subtract(&outside, b); /* a \ b */
    nsg_addrset_copy(dst, a);
    nsg_addrset_subtract(dst, &outside); /* a \ (a \ b) */
    nsg_addrset_release(&outside);
}

bool nsg_map_addrset_meets(const struct nsg_addrset *a,
                           const struct nsg_addrset *b)
{
    size_t i = 0, j = 0;
    while (i < a->n && j < b->n) {
        const struct nsg_range *x = &a->r[i], *y = &b->r[j];
        if (x->family != y->family) {
            if (x->family < y->family)
                i++;
            else
                j++;
        } else if (x->hi < y->lo) {
            i++;
        } else if (y->hi < x->lo) {
            j++;
        } else {
            return true;
        }
    }
    return false;
}

bool nsg_map_addrset_within(const struct nsg_addrset *a,
                            const struct nsg_addrset *b)
{
    struct nsg_addrset rest = NSG_ADDRSET_INIT;
    nsg_addrset_copy(&rest, a);
    nsg_addrset_subtract(&rest, b);
    bool in = rest.n == 0;
    nsg_addrset_release(&rest);
    return in;
}

static void emit_json(const struct nsg_cidr *c, void *ctx)
{
    char s[NSG_CIDR_STRLEN];
    nsg_cidr_format(c, s);
    cJSON_AddItemToArray(ctx, cJSON_CreateString(s));
}

void nsg_map_addrset_json(const struct nsg_addrset *s, cJSON *arr)
{
    nsg_addrset_to_cidrs(s, emit_json, arr);
}

struct text_ctx {
    struct nsg_buf *out;
    size_t n, max;
};

static void emit_text(const struct nsg_cidr *c, void *ctx)
{
    struct text_ctx *x = ctx;
    char s[NSG_CIDR_STRLEN];
    if (x->n++ < x->max) {
        nsg_cidr_format(c, s);
        nsg_buf_addf(x->out, "%s%s", x->n > 1 ? ", " : "", s);
    }
}

void nsg_map_addrset_text(const struct nsg_addrset *s, size_t max,
                          struct nsg_buf *out)
{
    struct text_ctx x = {out, 0, max};
    nsg_addrset_to_cidrs(s, emit_text, &x);
    if (x.n > max)
        nsg_buf_addf(out, " +%zu more", x.n - max);
    if (!x.n)
        nsg_buf_adds(out, "(none)");
}

/* ---- routing between virtual networks ---------------------------------- */

/* The peering of a that names b, or NULL. */
static const struct nsg_peering *peering_to(const struct nsg_vnet *a,
                                            const struct nsg_vnet *b)
{
    for (size_t i = 0; i < a->n_peerings; i++)
        if (nsg_map_same_id(a->peerings[i].remote_vnet_id, b->id))
            return &a->peerings[i];
    return NULL;
}

static bool peering_open(const struct nsg_peering *p)
{
    return p && p->allow_vnet_access && p->state &&
           !strcasecmp(p->state, "Connected");
}

bool nsg_map_vnets_route(const struct nsg_topology *t,
                         const struct nsg_vnet *a, const struct nsg_vnet *b)
{
    (void)t;
    if (!a || !b)
        return false;
    if (a == b)
        return true;
    const struct nsg_peering *ab = peering_to(a, b), *ba = peering_to(b, a);
    /* a side that is in the corpus must allow it; one side suffices to
     * say the peering is connected (Azure shows Connected on both) */
    if ((ab && !peering_open(ab)) || (ba && !peering_open(ba)))
        return false;
    return peering_open(ab) || peering_open(ba);
}

/* ---- the network ------------------------------------------------------- */

static int nic_cmp(const void *pa, const void *pb)
{
    const struct nsg_nic *a = *(const struct nsg_nic *const *)pa;
    const struct nsg_nic *b = *(const struct nsg_nic *const *)pb;
    const char *x = a->id ? a->id : a->name, *y = b->id ? b->id : b->name;
    return strcasecmp(x, y);
}

static void add_named(struct nsg_map_net *n, int proto)
{
    size_t k = 0;
    if (proto < 0 || proto > 255)
        return;
    while (k < n->n_named && n->named[k] < proto)
        k++;
    if (k < n->n_named && n->named[k] == proto)
        return;
    n->named = nsg_xrealloc(n->named, (n->n_named + 1) * sizeof(*n->named));
    memmove(n->named + k + 1, n->named + k,
            (n->n_named - k) * sizeof(*n->named));
    n->named[k] = proto;
    n->n_named++;
}

static const struct nsg_vm *vm_of(const struct nsg_topology *t,
                                  const struct nsg_nic *nic)
{
    const struct nsg_vm *vm = nsg_topo_get(t, NSG_RES_VM, nic->vm_id);
    if (vm)
        return vm;
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_VM); i++) {
        vm = NSG_TOPO_AT(t, NSG_RES_VM, i);
        for (size_t k = 0; k < vm->n_nic_ids; k++)
            if (nsg_map_same_id(vm->nic_ids[k], nic->id))
                return vm;
    }
    return NULL;
}

/* The NSG levels of a NIC; an NSG named but not in the corpus (or a
 * subnet not in it) is an error message for this NIC only. */
static void nic_levels(struct nsg_map_net *n, struct nsg_map_nic *m)
{
    const struct nsg_topology *t = n->t;
    const struct nsg_nic *nic = m->nic;
    const char *name = nic->name ? nic->name : nic->id;

    m->subnet = nsg_topo_subnet_of_nic(t, nic);
    m->vnet = nsg_topo_vnet_of_subnet(t, m->subnet);
    m->has_nsg = nic->nsg_id || (m->subnet && m->subnet->nsg_id);
    m->nsg_nic = nsg_topo_get(t, NSG_RES_NSG, nic->nsg_id);
    m->nsg_subnet = m->subnet ? nsg_topo_get(t, NSG_RES_NSG, m->subnet->nsg_id)
                              : NULL;
    for (size_t i = 0; i < nic->n_ipconfigs && !m->error; i++) {
        const char *sid = nic->ipconfigs[i].subnet_id;
        const struct nsg_subnet *s = nsg_topo_get(t, NSG_RES_SUBNET, sid);
        if (sid && !s)
            m->error = g_strdup_printf(
                "NIC %s is in subnet %s, which is not in the corpus: import "
                "its virtual network",
                name, sid);
        else if (s && s->nsg_id && !nsg_topo_get(t, NSG_RES_NSG, s->nsg_id))
            m->error = g_strdup_printf(
                "subnet %s uses NSG %s, which is not in the corpus: import it",
                s->name, s->nsg_id);
    }
    if (!m->error && nic->nsg_id && !m->nsg_nic)
        m->error = g_strdup_printf(
            "NIC %s uses NSG %s, which is not in the corpus: import it", name,
            nic->nsg_id);
}

static void add_addrs(struct nsg_map_net *n, size_t idx)
{
    struct nsg_map_nic *m = &n->nics[idx];
    m->first_addr = n->n_addrs;
    for (size_t i = 0; i < m->nic->n_ipconfigs; i++) {
        const struct nsg_ipconfig *ic = &m->nic->ipconfigs[i];
        if (!ic->has_ip)
            continue;
        n->addrs = nsg_xrealloc(n->addrs, (n->n_addrs + 1) * sizeof(*n->addrs));
        struct nsg_map_addr *a = &n->addrs[n->n_addrs++];
        memset(a, 0, sizeof(*a));
        a->nic = idx;
        a->ic = ic;
        a->ip = ic->ip;
        a->subnet = nsg_topo_get(n->t, NSG_RES_SUBNET, ic->subnet_id);
        a->vnet = nsg_topo_vnet_of_subnet(n->t, a->subnet);
        m->n_addrs++;
    }
}

static void free_ctx(void *p)
{
    nsg_ctx_release(p);
    free(p);
}

const struct nsg_addrset *nsg_map_net_internet(struct nsg_map_net *n,
                                               const struct nsg_vnet *vnet)
{
    const void *key = vnet ? (const void *)vnet : (const void *)n;
    struct nsg_ctx *c = g_hash_table_lookup(n->ctxs, key);
    if (!c) {
        c = nsg_xcalloc(1, sizeof(*c));
        if (nsg_ctx_init(c, n->t, vnet, NULL))
            memset(c, 0, sizeof(*c)); /* cannot fail today; empty then */
        /* the public Internet: the Azure host's traffic is the platform's */
        nsg_sem_without_azure_host(&c->internet);
        g_hash_table_insert(n->ctxs, (void *)key, c);
    }
    return &c->internet;
}

const struct nsg_map_nic *nsg_map_net_nic(const struct nsg_map_net *n,
                                          const struct nsg_nic *nic)
{
    size_t i = GPOINTER_TO_SIZE(g_hash_table_lookup(n->nic_of, nic));
    return i ? &n->nics[i - 1] : NULL;
}

nsg_rc nsg_map_net_new(const struct nsg_topology *t, struct nsg_map_net **out,
                       struct nsg_err *err)
{
    struct nsg_map_net *n = nsg_xcalloc(1, sizeof(*n));
    guint nn = NSG_TOPO_N(t, NSG_RES_NIC);
    const struct nsg_nic **sorted = nsg_xcalloc(nn + 1, sizeof(*sorted));
    nsg_rc rc = NSG_OK;

    n->t = t;
    n->sim = nsg_sim_new(t);
    n->sides = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                     nsg_map_side_free);
    n->ctxs = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                    free_ctx);
    n->nic_of = g_hash_table_new(g_direct_hash, g_direct_equal);
    add_named(n, NSG_PROTO_ICMP);
    add_named(n, NSG_PROTO_TCP);
    add_named(n, NSG_PROTO_UDP);
    /* the virtual network drops them whatever the rules say: their own
     * classes */
    add_named(n, NSG_PROTO_GRE);
    add_named(n, NSG_PROTO_IPIP);
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_NSG); i++) {
        const struct nsg_nsg *g = NSG_TOPO_AT(t, NSG_RES_NSG, i);
        for (size_t k = 0; k < g->n_rules; k++)
            add_named(n, g->rules[k].proto);
    }
    /* security admin rules, configured or effective ones */
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_ADMIN_RULE); i++) {
        const struct nsg_admin_rule *ar = NSG_TOPO_AT(t, NSG_RES_ADMIN_RULE, i);
        add_named(n, ar->r.proto);
    }
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_ADMIN_EFFECTIVE); i++) {
        const struct nsg_admin_effective *e =
            NSG_TOPO_AT(t, NSG_RES_ADMIN_EFFECTIVE, i);
        for (size_t k = 0; k < e->n_rules; k++)
            add_named(n, e->rules[k].r.proto);
    }
    for (guint i = 0; i < nn; i++)
        sorted[i] = NSG_TOPO_AT(t, NSG_RES_NIC, i);
    qsort(sorted, nn, sizeof(*sorted), nic_cmp);
    n->nics = nsg_xcalloc(nn + 1, sizeof(*n->nics));
    n->n_nics = nn;
    for (guint i = 0; i < nn; i++) {
        struct nsg_map_nic *m = &n->nics[i];
        m->nic = sorted[i];
        m->vm = vm_of(t, m->nic);
        m->why = g_ptr_array_new_with_free_func(g_free);
        m->facing = nsg_path_nic_facing(t, m->nic, m->why);
        nic_levels(n, m);
        add_addrs(n, i);
        g_hash_table_insert(n->nic_of, (void *)m->nic, GSIZE_TO_POINTER(i + 1));
    }
    free(sorted);
    for (size_t i = 0; i < n->n_addrs && !rc; i++) {
        struct nsg_map_addr *a = &n->addrs[i];
        a->internet = nsg_map_net_internet(n, a->vnet);
        if (n->nics[a->nic].error)
            continue;
        rc = nsg_map_side_get(n, a, NSG_DIR_IN, true, &a->side[NSG_DIR_IN],
                              err);
        if (!rc)
            rc = nsg_map_side_get(n, a, NSG_DIR_OUT, true,
                                  &a->side[NSG_DIR_OUT], err);
        if (!rc)
            rc = nsg_map_side_get(n, a, NSG_DIR_IN, false, &a->side_nsgs, err);
    }
    if (rc) {
        nsg_map_net_free(n);
        n = NULL;
    }
    *out = n;
    return rc;
}

void nsg_map_net_free(struct nsg_map_net *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n_nics; i++) {
        g_ptr_array_free(n->nics[i].why, TRUE);
        g_free(n->nics[i].error);
    }
    free(n->nics);
    free(n->addrs);
    free(n->named);
    g_hash_table_destroy(n->sides);
    g_hash_table_destroy(n->ctxs);
    g_hash_table_destroy(n->nic_of);
    nsg_sim_free(n->sim);
    free(n);
}

const struct nsg_topology *nsg_map_net_topology(const struct nsg_map_net *n)
{
    return n->t;
}

const int *nsg_map_net_protocols(const struct nsg_map_net *n, size_t *count)
{
    *count = n->n_named;
    return n->named;
}
