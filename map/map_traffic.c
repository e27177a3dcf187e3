/* map_traffic.c - the traffic view: for every NIC address, who may reach it
 * and whom it may reach, with protocols and ports, exactly.
 *
 * Between two NIC addresses that can route to each other (same virtual
 * network or a connected peering), a packet passes when the source's
 * outbound levels and the destination's inbound levels both allow it: the
 * region is the intersection of the destination's part holding the source
 * and the source's part holding the destination (map_side.c).  Every other
 * address is outside the corpus's NICs: there only the NIC's own levels
 * apply.  Entries are aggregated so the view stays readable: NIC sources
 * with one answer are grouped by subnet (all of its NICs), then by
 * application security group, then per NIC; outside addresses by the
 * Internet tag of the context and address blocks.  A group's set is
 * exactly the addresses it stands for, so every entry is a claim that
 * `check` can confirm for any of its addresses and ports. */
#include <stdlib.h>
#include <string.h>

#include "map_int.h"

/* The answer for one (source part, destination part) pair. */
struct pairres {
    struct nsg_map_region allow, unknown;
    const char *tag;
    size_t seq; /* creation order: a deterministic sort key */
};

struct pair {
    uint32_t src, dst; /* address indexes */
    const struct pairres *r;
};

static void pairres_free(void *p)
{
    struct pairres *r = p;
    nsg_map_region_release(&r->allow);
    nsg_map_region_release(&r->unknown);
    free(r);
}

static guint ptrpair_hash(gconstpointer k)
{
    const uintptr_t *p = k;
    return (guint)(p[0] * 31u ^ p[1]);
}

static gboolean ptrpair_equal(gconstpointer a, gconstpointer b)
{
    const uintptr_t *x = a, *y = b;
    return x[0] == y[0] && x[1] == y[1];
}

/* allowed = A_in & A_out; unknown = (A_in|U_in) & (A_out|U_out) - allowed */
static struct pairres *pair_answer(const struct nsg_map_part *in,
                                   const struct nsg_map_part *out,
                                   const char *tag)
{
    struct pairres *r = nsg_xcalloc(1, sizeof(*r));
    struct nsg_map_region ai, ao, both;
    nsg_map_region_combine(&in->allow, &out->allow, NSG_MAP_AND, &r->allow);
    nsg_map_region_combine(&in->allow, &in->unknown, NSG_MAP_OR, &ai);
    nsg_map_region_combine(&out->allow, &out->unknown, NSG_MAP_OR, &ao);
    nsg_map_region_combine(&ai, &ao, NSG_MAP_AND, &both);
    nsg_map_region_combine(&both, &r->allow, NSG_MAP_MINUS, &r->unknown);
    nsg_map_region_release(&ai);
    nsg_map_region_release(&ao);
    nsg_map_region_release(&both);
    r->tag = tag;
    return r;
}

/* ---- groups -------------------------------------------------------------- */

static void group_free(void *p)
{
    struct nsg_map_group *g = p;
    nsg_addrset_release(&g->set);
    g_free(g->label);
    free(g);
}

static void set_key(struct nsg_buf *b, const struct nsg_addrset *s)
{
    for (size_t i = 0; i < s->n; i++) {
        char lo[NSG_IP_STRLEN], hi[NSG_IP_STRLEN];
        struct nsg_ip x = {s->r[i].family, s->r[i].lo};
        struct nsg_ip y = {s->r[i].family, s->r[i].hi};
        nsg_ip_format(&x, lo);
        nsg_ip_format(&y, hi);
        nsg_buf_addf(b, "%s-%s,", lo, hi);
    }
}

/* The index of the group (kind, res, set), created with label when new
 * (label and set are copied). */
static size_t group_get(struct nsg_map_traffic *tr, enum nsg_map_gkind kind,
                        const void *res, const struct nsg_addrset *set,
                        const char *label)
{
    struct nsg_buf key = NSG_BUF_INIT;
    nsg_buf_addf(&key, "%d|%p|", (int)kind, res);
    set_key(&key, set);
    size_t idx = GPOINTER_TO_SIZE(g_hash_table_lookup(tr->gindex, key.buf));
    if (idx) {
        nsg_buf_release(&key);
        return idx - 1;
    }
    struct nsg_map_group *g = nsg_xcalloc(1, sizeof(*g));
    g->kind = kind;
    g->res = res;
    nsg_addrset_copy(&g->set, set);
    g->label = g_strdup(label);
    g_ptr_array_add(tr->groups, g);
    g_hash_table_insert(tr->gindex, nsg_buf_detach(&key),
                        GSIZE_TO_POINTER(tr->groups->len));
    return tr->groups->len - 1;
}

static void add_entry(struct nsg_map_traffic *tr, size_t nic, size_t local,
                      enum nsg_dir dir, size_t group,
                      const struct nsg_map_region *allow,
                      const struct nsg_map_region *unknown, const char *tag)
{
    struct nsg_map_entry e;
    memset(&e, 0, sizeof(e));
    e.nic = nic;
    e.local = local;
    e.dir = dir;
    e.group = group;
    nsg_map_region_copy(&e.allow, allow);
    nsg_map_region_copy(&e.unknown, unknown);
    e.tag = nsg_map_region_empty(unknown) ? NULL : tag;
    guint idx = tr->entries->len;
    g_array_append_val(tr->entries, e);
    g_array_append_val(tr->by_nic[dir][nic], idx);
}

/* ---- outside addresses --------------------------------------------------- */

/* The smallest imported service tag holding the block: "Sql.WestEurope"
 * (whole, within the block's family) or "part of Storage"; false when no
 * tag holds it. */
static bool tag_label(const struct nsg_topology *t, const struct nsg_addrset *b,
                      struct nsg_buf *out)
{
    GHashTableIter it;
    gpointer k, v;
    const struct nsg_service_tag *best = NULL;
    nsg_u128 best_size = 0;
    g_hash_table_iter_init(&it, t->tags);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        const struct nsg_service_tag *tag = v;
        if (!nsg_map_addrset_within(b, &tag->set))
            continue;
        nsg_u128 size = 0;
        for (size_t i = 0; i < tag->set.n; i++)
            size += tag->set.r[i].hi - tag->set.r[i].lo;
        if (!best || size < best_size ||
            (size == best_size && strcmp(tag->name, best->name) < 0)) {
            best = tag;
            best_size = size;
        }
    }
    if (!best)
        return false;
    struct nsg_addrset fam = NSG_ADDRSET_INIT, in = NSG_ADDRSET_INIT;
    nsg_addrset_add_all(&fam, b->n ? b->r[0].family : 4);
    nsg_map_addrset_and(&in, &best->set, &fam);
    nsg_buf_addf(out, "%s%s", nsg_addrset_equal(&in, b) ? "" : "part of ",
                 best->name);
    nsg_addrset_release(&fam);
    nsg_addrset_release(&in);
    return true;
}

/* A readable name for a block of addresses outside the NICs: "free
 * addresses of subnet S" when it lies in one subnet, else the virtual
 * networks it touches and the rest as prefixes. */
static void block_label(const struct nsg_topology *t,
                        const struct nsg_addrset *b, struct nsg_buf *out)
{
    struct nsg_addrset sp = NSG_ADDRSET_INIT, rest = NSG_ADDRSET_INIT;
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_SUBNET); i++) {
        const struct nsg_subnet *s = NSG_TOPO_AT(t, NSG_RES_SUBNET, i);
        nsg_addrset_clear(&sp);
        for (size_t k = 0; k < s->n_prefixes; k++)
            nsg_addrset_add_cidr(&sp, &s->prefixes[k]);
        if (sp.n && nsg_map_addrset_within(b, &sp)) {
            nsg_buf_addf(out, "free addresses of subnet %s", s->name);
            nsg_addrset_release(&sp);
            return;
        }
    }
    nsg_addrset_copy(&rest, b);
    size_t named = 0;
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_VNET); i++) {
        const struct nsg_vnet *v = NSG_TOPO_AT(t, NSG_RES_VNET, i);
        nsg_addrset_clear(&sp);
        for (size_t k = 0; k < v->n_space; k++)
            nsg_addrset_add_cidr(&sp, &v->space[k]);
        if (!nsg_map_addrset_meets(b, &sp))
            continue;
        nsg_buf_addf(out, "%s%s", named++ ? ", " : "", v->name);
        nsg_addrset_subtract(&rest, &sp);
    }
    if (named && rest.n)
        nsg_buf_adds(out, ", ");
    if (rest.n || !named)
        nsg_map_addrset_text(&rest, 2, out);
    if (named)
        nsg_buf_adds(out, " (not NICs)");
    nsg_addrset_release(&sp);
    nsg_addrset_release(&rest);
}

/* Entries for the parts of a side outside the NIC addresses `inside`. */
static void outside_entries(struct nsg_map_traffic *tr, size_t ai,
                            enum nsg_dir dir, const struct nsg_addrset *inside)
{
    const struct nsg_map_net *n = tr->net;
    const struct nsg_map_addr *a = &n->addrs[ai];
    const struct nsg_map_side *s = a->side[dir];
    struct nsg_addrset fam = NSG_ADDRSET_INIT, inet = NSG_ADDRSET_INIT,
                       e = NSG_ADDRSET_INIT, part = NSG_ADDRSET_INIT;
    struct nsg_buf label = NSG_BUF_INIT;

    nsg_addrset_add_all(&fam, a->ip.family);
    nsg_map_addrset_and(&inet, a->internet, &fam);
    for (size_t i = 0; i < s->n; i++) {
        const struct nsg_map_part *p = &s->p[i];
        nsg_addrset_copy(&e, &p->set);
        nsg_addrset_subtract(&e, inside);
        if (!e.n)
            continue;
        /* the Internet part, whole or as a block */
        nsg_map_addrset_and(&part, &e, &inet);
        if (part.n) {
            size_t g;
            if (nsg_addrset_equal(&part, &inet)) {
                g = group_get(tr, NSG_MAP_G_INTERNET, NULL, &part, "Internet");
            } else {
                nsg_buf_reset(&label);
                if (!tag_label(n->t, &part, &label)) {
                    nsg_buf_adds(&label, "Internet: ");
                    nsg_map_addrset_text(&part, 2, &label);
                }
                g = group_get(tr, NSG_MAP_G_BLOCK, NULL, &part, label.buf);
            }
            add_entry(tr, a->nic, ai, dir, g, &p->allow, &p->unknown, s->tag);
        }
        /* the rest: private, platform and reserved addresses */
        nsg_addrset_subtract(&e, &inet);
        if (e.n) {
            nsg_buf_reset(&label);
            block_label(n->t, &e, &label);
            size_t g = group_get(tr, NSG_MAP_G_BLOCK, NULL, &e, label.buf);
            add_entry(tr, a->nic, ai, dir, g, &p->allow, &p->unknown, s->tag);
        }
    }
    nsg_buf_release(&label);
    nsg_addrset_release(&fam);
    nsg_addrset_release(&inet);
    nsg_addrset_release(&e);
    nsg_addrset_release(&part);
}

/* ---- NIC pairs ------------------------------------------------------------ */

/* Member lists that keep aggregation linear. */
struct index {
    GHashTable *subnet; /* const struct nsg_subnet * -> GArray of size_t */
    GArray **asg;       /* per ASG of the topology: GArray of size_t */
    guint n_asg;
};

static void arr_free(void *p)
{
    g_array_free(p, TRUE);
}

static void index_build(struct index *x, const struct nsg_map_net *n)
{
    const struct nsg_topology *t = n->t;
    x->subnet = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                      arr_free);
    x->n_asg = NSG_TOPO_N(t, NSG_RES_ASG);
    x->asg = nsg_xcalloc(x->n_asg + 1, sizeof(*x->asg));
    GHashTable *asg_of = g_hash_table_new_full(g_str_hash, g_str_equal, free,
                                               NULL);
    for (guint i = 0; i < x->n_asg; i++) {
        const struct nsg_asg *a = NSG_TOPO_AT(t, NSG_RES_ASG, i);
        x->asg[i] = g_array_new(FALSE, FALSE, sizeof(size_t));
        if (a->id)
            g_hash_table_insert(asg_of, nsg_xstrdup_lower(a->id),
                                GUINT_TO_POINTER(i + 1));
    }
    for (size_t k = 0; k < n->n_addrs; k++) {
        const struct nsg_map_addr *a = &n->addrs[k];
        if (a->subnet) {
            GArray *l = g_hash_table_lookup(x->subnet, a->subnet);
            if (!l) {
                l = g_array_new(FALSE, FALSE, sizeof(size_t));
                g_hash_table_insert(x->subnet, (void *)a->subnet, l);
            }
            g_array_append_val(l, k);
        }
        for (size_t q = 0; q < a->ic->n_asg_ids; q++) {
            char *key = nsg_xstrdup_lower(a->ic->asg_ids[q]);
            guint i = GPOINTER_TO_UINT(g_hash_table_lookup(asg_of, key));
            free(key);
            if (i)
                g_array_append_val(x->asg[i - 1], k);
        }
    }
    g_hash_table_destroy(asg_of);
}

static void index_free(struct index *x)
{
    g_hash_table_destroy(x->subnet);
    for (guint i = 0; i < x->n_asg; i++)
        g_array_free(x->asg[i], TRUE);
    free(x->asg);
}

static bool usable(const struct nsg_map_net *n, size_t ai)
{
    const struct nsg_map_addr *a = &n->addrs[ai];
    return a->side[NSG_DIR_IN] && a->side[NSG_DIR_OUT];
}

static bool routes(const struct nsg_map_net *n, size_t x, size_t y)
{
    const struct nsg_map_addr *a = &n->addrs[x], *b = &n->addrs[y];
    return a->nic != b->nic && a->ip.family == b->ip.family &&
           nsg_map_vnets_route(n->t, a->vnet, b->vnet);
}

static void add_ip(struct nsg_addrset *s, const struct nsg_ip *ip)
{
    nsg_addrset_add_range(s, ip->family, ip->v, ip->v);
}

/* One object per distinct answer, so that addresses with equal answers
 * group together whatever parts they came from. */
static struct pairres *canonical(GHashTable *canon, struct pairres *r)
{
    struct nsg_buf key = NSG_BUF_INIT;
    nsg_map_region_text(&r->allow, &key);
    nsg_buf_adds(&key, "|");
    nsg_map_region_text(&r->unknown, &key);
    nsg_buf_addf(&key, "|%s", r->tag && !nsg_map_region_empty(&r->unknown)
                                 ? r->tag
                                 : "");
    struct pairres *c = g_hash_table_lookup(canon, key.buf);
    if (c) {
        pairres_free(r);
        nsg_buf_release(&key);
        return c;
    }
    r->seq = g_hash_table_size(canon);
    g_hash_table_insert(canon, nsg_buf_detach(&key), r);
    return r;
}

/* Every pair (src, dst) of addresses that route, with its answer. */
static GArray *all_pairs(struct nsg_map_traffic *tr, GHashTable *cache,
                         GHashTable *canon)
{
    const struct nsg_map_net *n = tr->net;
    GArray *pairs = g_array_new(FALSE, FALSE, sizeof(struct pair));
    for (size_t d = 0; d < n->n_addrs; d++) {
        if (!usable(n, d))
            continue;
        const struct nsg_map_addr *x = &n->addrs[d];
        for (size_t s = 0; s < n->n_addrs; s++) {
            if (!usable(n, s) || !routes(n, s, d))
                continue;
            const struct nsg_map_addr *y = &n->addrs[s];
            long k = nsg_map_side_find(x->side[NSG_DIR_IN], &y->ip);
            long j = nsg_map_side_find(y->side[NSG_DIR_OUT], &x->ip);
            if (k < 0 || j < 0)
                continue;
            const struct nsg_map_part *pin = &x->side[NSG_DIR_IN]->p[k];
            const struct nsg_map_part *pout = &y->side[NSG_DIR_OUT]->p[j];
            uintptr_t key[2] = {(uintptr_t)pin, (uintptr_t)pout};
            struct pairres *r = g_hash_table_lookup(cache, key);
            if (!r) {
                const char *tag = x->side[NSG_DIR_IN]->tag
                                      ? x->side[NSG_DIR_IN]->tag
                                      : y->side[NSG_DIR_OUT]->tag;
                r = canonical(canon, pair_answer(pin, pout, tag));
                uintptr_t *kc = nsg_xmalloc(sizeof(key));
                memcpy(kc, key, sizeof(key));
                g_hash_table_insert(cache, kc, r);
            }
            if (nsg_map_region_empty(&r->allow) &&
                nsg_map_region_empty(&r->unknown))
                continue;
            struct pair p = {(uint32_t)s, (uint32_t)d, r};
            g_array_append_val(pairs, p);
        }
    }
    return pairs;
}

/* Sort by the local address (dst for inbound, src for outbound), then by
 * answer, then by the remote address. */
static enum nsg_dir sort_dir;
static int pair_cmp(const void *pa, const void *pb)
{
    const struct pair *a = pa, *b = pb;
    uint32_t la = sort_dir == NSG_DIR_IN ? a->dst : a->src;
    uint32_t lb = sort_dir == NSG_DIR_IN ? b->dst : b->src;
    if (la != lb)
        return la < lb ? -1 : 1;
    if (a->r != b->r)
        return a->r->seq < b->r->seq ? -1 : 1;
    uint32_t ra = sort_dir == NSG_DIR_IN ? a->src : a->dst;
    uint32_t rb = sort_dir == NSG_DIR_IN ? b->src : b->dst;
    return (ra > rb) - (ra < rb);
}

/* The addresses (indexes) that may stand for `local` in a group: usable,
 * routing to it. */
static bool eligible(const struct nsg_map_net *n, size_t local, size_t other)
{
    return usable(n, other) && routes(n, local, other);
}

/* Are all eligible addresses of list l in C?  (true for an empty list) */
static bool all_in(const struct nsg_map_net *n, size_t local, const GArray *l,
                   const bool *in_c, size_t *count)
{
    *count = 0;
    for (guint i = 0; i < l->len; i++) {
        size_t k = g_array_index(l, size_t, i);
        if (!eligible(n, local, k))
            continue;
        (*count)++;
        if (!in_c[k])
            return false;
    }
    return true;
}

/* Take the eligible addresses of l out of C into set. */
static void take(const struct nsg_map_net *n, size_t local, const GArray *l,
                 bool *in_c, struct nsg_addrset *set)
{
    struct nsg_addrset tmp = NSG_ADDRSET_INIT;
    tmp.r = nsg_xmalloc((l->len + 1) * sizeof(*tmp.r));
    tmp.cap = l->len + 1;
    for (guint i = 0; i < l->len; i++) {
        size_t k = g_array_index(l, size_t, i);
        if (!eligible(n, local, k))
            continue;
        const struct nsg_ip *ip = &n->addrs[k].ip;
        tmp.r[tmp.n++] = (struct nsg_range){ip->family, ip->v, ip->v};
        in_c[k] = false;
    }
    nsg_addrset_clear(set);
    nsg_addrset_union(set, &tmp);
    nsg_addrset_release(&tmp);
}

/* Aggregate the remote addresses C (flags over all addresses, listed in
 * members) of one answer for the local address: subnets whose every
 * eligible address is in C, then ASGs (two members or more), then NICs. */
static void aggregate(struct nsg_map_traffic *tr, const struct index *x,
                      size_t local, enum nsg_dir dir, bool *in_c,
                      GArray *members, const struct pairres *r)
{
    const struct nsg_map_net *n = tr->net;
    const struct nsg_topology *t = n->t;
    struct nsg_addrset set = NSG_ADDRSET_INIT;
    size_t nic = n->addrs[local].nic, count;
    GHashTable *seen = g_hash_table_new(g_direct_hash, g_direct_equal);

    for (guint m = 0; m < members->len; m++) {
        size_t ai = g_array_index(members, size_t, m);
        const struct nsg_subnet *s = n->addrs[ai].subnet;
        if (!in_c[ai] || !s || g_hash_table_contains(seen, s))
            continue;
        g_hash_table_add(seen, (void *)s);
        const GArray *l = g_hash_table_lookup(x->subnet, s);
        if (!all_in(n, local, l, in_c, &count))
            continue;
        take(n, local, l, in_c, &set);
        char *label = g_strdup_printf("subnet %s", s->name);
        size_t g = group_get(tr, NSG_MAP_G_SUBNET, s, &set, label);
        g_free(label);
        add_entry(tr, nic, local, dir, g, &r->allow, &r->unknown, r->tag);
    }
    g_hash_table_destroy(seen);
    for (guint ai = 0; ai < x->n_asg; ai++) {
        const struct nsg_asg *asg = NSG_TOPO_AT(t, NSG_RES_ASG, ai);
        if (!all_in(n, local, x->asg[ai], in_c, &count) || count < 2)
            continue;
        take(n, local, x->asg[ai], in_c, &set);
        char *label = g_strdup_printf("ASG %s", asg->name);
        size_t g = group_get(tr, NSG_MAP_G_ASG, asg, &set, label);
        g_free(label);
        add_entry(tr, nic, local, dir, g, &r->allow, &r->unknown, r->tag);
    }
    for (guint m = 0; m < members->len; m++) {
        size_t ai = g_array_index(members, size_t, m);
        if (!in_c[ai])
            continue;
        size_t other = n->addrs[ai].nic;
        const struct nsg_map_nic *on = &n->nics[other];
        nsg_addrset_clear(&set);
        for (size_t k = on->first_addr; k < on->first_addr + on->n_addrs; k++)
            if (in_c[k]) {
                add_ip(&set, &n->addrs[k].ip);
                in_c[k] = false;
            }
        char *label = g_strdup(on->vm ? on->vm->name : on->nic->name);
        size_t g = group_get(tr, NSG_MAP_G_NIC, GSIZE_TO_POINTER(other + 1),
                             &set, label);
        g_free(label);
        add_entry(tr, nic, local, dir, g, &r->allow, &r->unknown, r->tag);
    }
    nsg_addrset_release(&set);
}

static void pair_entries(struct nsg_map_traffic *tr, const struct index *x,
                         GArray *pairs, enum nsg_dir dir)
{
    const struct nsg_map_net *n = tr->net;
    bool *in_c = nsg_xcalloc(n->n_addrs + 1, sizeof(*in_c));
    GArray *members = g_array_new(FALSE, FALSE, sizeof(size_t));

    sort_dir = dir;
    g_array_sort(pairs, pair_cmp);
    for (guint i = 0; i < pairs->len;) {
        const struct pair *p0 = &g_array_index(pairs, struct pair, i);
        size_t local = dir == NSG_DIR_IN ? p0->dst : p0->src;
        guint j = i;
        g_array_set_size(members, 0);
        for (; j < pairs->len; j++) {
            const struct pair *p = &g_array_index(pairs, struct pair, j);
            size_t l = dir == NSG_DIR_IN ? p->dst : p->src;
            if (l != local || p->r != p0->r)
                break;
            size_t remote = dir == NSG_DIR_IN ? p->src : p->dst;
            in_c[remote] = true;
            g_array_append_val(members, remote);
        }
        aggregate(tr, x, local, dir, in_c, members, p0->r);
        for (guint m = 0; m < members->len; m++)
            in_c[g_array_index(members, size_t, m)] = false;
        i = j;
    }
    g_array_free(members, TRUE);
    free(in_c);
}

/* ---- the traffic ----------------------------------------------------------- */

static void free_set(void *p)
{
    nsg_addrset_release(p);
    free(p);
}

/* The usable NIC addresses that address a routes to (its family), cached
 * per virtual network and family. */
static const struct nsg_addrset *reach_set(const struct nsg_map_net *n,
                                           GHashTable *cache, size_t a)
{
    const struct nsg_map_addr *x = &n->addrs[a];
    char *key = g_strdup_printf("%p|%d", (const void *)x->vnet, x->ip.family);
    struct nsg_addrset *s = g_hash_table_lookup(cache, key);
    if (s) {
        g_free(key);
        return s;
    }
    struct nsg_addrset tmp = NSG_ADDRSET_INIT;
    s = nsg_xcalloc(1, sizeof(*s));
    tmp.r = nsg_xmalloc((n->n_addrs + 1) * sizeof(*tmp.r));
    tmp.cap = n->n_addrs + 1;
    for (size_t b = 0; b < n->n_addrs; b++) {
        const struct nsg_map_addr *y = &n->addrs[b];
        if (usable(n, b) && y->ip.family == x->ip.family &&
            nsg_map_vnets_route(n->t, x->vnet, y->vnet))
            tmp.r[tmp.n++] = (struct nsg_range){y->ip.family, y->ip.v, y->ip.v};
    }
    nsg_addrset_union(s, &tmp);
    nsg_addrset_release(&tmp);
    g_hash_table_insert(cache, key, s);
    return s;
}

nsg_rc nsg_map_traffic_new(struct nsg_map_net *net,
                           struct nsg_map_traffic **out, struct nsg_err *err)
{
    struct nsg_map_traffic *tr = nsg_xcalloc(1, sizeof(*tr));
    GHashTable *cache = g_hash_table_new_full(ptrpair_hash, ptrpair_equal,
                                              free, NULL);
    GHashTable *canon = g_hash_table_new_full(g_str_hash, g_str_equal, free,
                                              pairres_free);
    (void)err;
    tr->net = net;
    tr->groups = g_ptr_array_new_with_free_func(group_free);
    tr->gindex = g_hash_table_new_full(g_str_hash, g_str_equal, free, NULL);
    tr->entries = g_array_new(FALSE, FALSE, sizeof(struct nsg_map_entry));
    tr->unmatched = cJSON_CreateArray();
    for (int d = 0; d < 2; d++) {
        tr->by_nic[d] = nsg_xcalloc(net->n_nics + 1, sizeof(GArray *));
        for (size_t i = 0; i < net->n_nics; i++)
            tr->by_nic[d][i] = g_array_new(FALSE, FALSE, sizeof(guint));
    }
    /* outside addresses: each address's side minus the NIC addresses it
     * routes to and its own NIC's */
    GHashTable *reach = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                              free_set);
    struct nsg_addrset inside = NSG_ADDRSET_INIT;
    for (size_t a = 0; a < net->n_addrs; a++) {
        if (!usable(net, a))
            continue;
        const struct nsg_map_nic *own = &net->nics[net->addrs[a].nic];
        nsg_addrset_copy(&inside, reach_set(net, reach, a));
        for (size_t k = own->first_addr; k < own->first_addr + own->n_addrs;
             k++)
            add_ip(&inside, &net->addrs[k].ip);
        outside_entries(tr, a, NSG_DIR_IN, &inside);
        outside_entries(tr, a, NSG_DIR_OUT, &inside);
    }
    nsg_addrset_release(&inside);
    g_hash_table_destroy(reach);
    struct index x;
    index_build(&x, net);
    GArray *pairs = all_pairs(tr, cache, canon);
    pair_entries(tr, &x, pairs, NSG_DIR_IN);
    pair_entries(tr, &x, pairs, NSG_DIR_OUT);
    g_array_free(pairs, TRUE);
    index_free(&x);
    g_hash_table_destroy(cache);
    g_hash_table_destroy(canon);
    *out = tr;
    return NSG_OK;
}

void nsg_map_traffic_free(struct nsg_map_traffic *tr)
{
    if (!tr)
        return;
    for (guint i = 0; i < tr->entries->len; i++) {
        struct nsg_map_entry *e =
            &g_array_index(tr->entries, struct nsg_map_entry, i);
        nsg_map_region_release(&e->allow);
        nsg_map_region_release(&e->unknown);
        if (e->seen_ports)
            g_array_free(e->seen_ports, TRUE);
    }
    g_array_free(tr->entries, TRUE);
    for (int d = 0; d < 2; d++) {
        for (size_t i = 0; i < tr->net->n_nics; i++)
            g_array_free(tr->by_nic[d][i], TRUE);
        free(tr->by_nic[d]);
    }
    g_ptr_array_free(tr->groups, TRUE);
    g_hash_table_destroy(tr->gindex);
    cJSON_Delete(tr->unmatched);
    free(tr);
}
