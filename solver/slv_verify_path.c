/* slv_verify_path.c - verify along real paths.  The source endpoint is
 * split into origins (NICs, other subnet addresses, the Internet,
 * on-premises, ...), the destinations each origin can address are split by
 * the path model into classes that take one path each, and every class
 * becomes a branch: its packets (source, destination, the protocol and
 * port its load balancer rule takes), the query's class in the view as
 * sent or as delivered after translation, and the conjunction of every NSG
 * level on its path, each seeing the packet as translated so far.
 * Branches are grouped by where they end (a NIC, a subnet address, the
 * Internet through a source NIC), by "no path" and by "not verified"; one
 * Z3 check per group.  Every witness is walked again concretely (its path
 * must be its class's path) and replayed through the simulator level by
 * level. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "slv_int.h"
#include "slv_verify_int.h"

enum gkind { G_DEF, G_DROP, G_OPEN };

struct branch {
    const struct nsg_origin *o;
    size_t cls;       /* index into the classes */
    enum gkind kind;
    Z3_ast dom;       /* source, destination and service of the class */
    Z3_ast query;     /* the query's class on this branch */
    Z3_ast allow;     /* every NSG level on the path allows */
};

struct group {
    enum gkind kind;
    char *name; /* the NIC / subnet / source where the property fails */
    GArray *b;  /* size_t: branch indexes */
};

struct run {
    struct nsg_verifier *v;
    const struct nsg_query *q;
    struct nsg_origins origins;
    struct nsg_pclasses classes;
    size_t *cls_origin;         /* class index -> origin index */
    GArray *branches;           /* struct branch */
    GPtrArray *groups;          /* struct group * */
    bool dst_res;
    struct nsg_ep_members dstm; /* resource destination: its NICs */
    struct nsg_addrset dst_priv;
};

static void group_free(void *p)
{
    struct group *g = p;
    free(g->name);
    g_array_free(g->b, TRUE);
    free(g);
}

static const char *nic_name(const struct nsg_nic *n)
{
    return n->name ? n->name : n->id;
}

/* ---- endpoints ------------------------------------------------------------- */
/* An endpoint's addresses in ctx.  Along paths, `Internet` is where
 * packets come from and go to on the public Internet: the Azure host
 * (168.63.129.16), which the tag also holds (docs/semantics.md T3), sends
 * and receives from the platform, not the Internet - name it to ask about
 * it. */
static nsg_rc ep_addrs(const struct nsg_ctx *ctx, const struct nsg_endpoint *ep,
                       struct nsg_addrset *out, struct nsg_err *err)
{
    struct nsg_addrset a = NSG_ADDRSET_INIT;
    nsg_rc rc = nsg_verify_addrs(ctx, ep, &a, err);
    if (ep->kind == NSG_EP_TAG && !strcasecmp(ep->name, "Internet"))
        nsg_sem_without_azure_host(&a);
    nsg_addrset_union(out, &a);
    nsg_addrset_release(&a);
    return rc;
}

/* An address endpoint in every context of the corpus (each vnet's, and
 * none): the origins and destinations are split on this superset, each
 * branch then keeps the part its own context resolves. */
static nsg_rc addrs_everywhere(struct nsg_verifier *v,
                               const struct nsg_endpoint *ep,
                               struct nsg_addrset *out, struct nsg_err *err)
{
    const struct nsg_ctx *ctx;
    nsg_rc rc = slv_vf_ctx(v, NULL, &ctx, err);
    if (!rc)
        rc = ep_addrs(ctx, ep, out, err);
    if (ep->kind != NSG_EP_TAG)
        return rc;
    for (guint i = 0; !rc && i < NSG_TOPO_N(v->t, NSG_RES_VNET); i++) {
        rc = slv_vf_ctx(v, NSG_TOPO_AT(v->t, NSG_RES_VNET, i), &ctx, err);
        if (!rc)
            rc = ep_addrs(ctx, ep, out, err);
    }
    return rc;
}

static nsg_rc locate(const struct nsg_query *q, const struct nsg_endpoint *ep,
                     struct nsg_err *err)
{
    return nsg_err_prefix(err, "line %d, column %d", q->line, ep->col);
}

/* A path starts or ends at a NIC only where the corpus knows its subnet
 * and virtual network (routes, peerings and address spaces come from
 * them): otherwise an answer would rest on what is missing. */
static nsg_rc members_known(const struct nsg_topology *t,
                            const struct nsg_ep_members *ms,
                            struct nsg_err *err)
{
    for (size_t i = 0; i < ms->n; i++) {
        const struct nsg_nic *nic = ms->m[i].nic;
        for (size_t k = 0; k < nic->n_ipconfigs; k++) {
            const char *sid = nic->ipconfigs[k].subnet_id;
            if (!sid)
                continue;
            const struct nsg_subnet *sub = nsg_topo_get(t, NSG_RES_SUBNET, sid);
            const struct nsg_vnet *vn =
                sub ? nsg_topo_vnet_of_subnet(t, sub) : NULL;
            if (sub && nsg_sim_vnet_known(vn))
                continue;
            char *vid = vn && vn->id ? NULL : nsg_id_parent(sid);
            nsg_rc rc = nsg_err_set(
                err, NSG_E_NOTFOUND,
                "NIC %s: its virtual network %s is not in the corpus (its "
                "routes, peerings and address space decide the paths): import "
                "it (az network vnet list -o json, or its ARM JSON)",
                nic_name(nic), vid ? vid : vn->id);
            free(vid);
            return rc;
        }
    }
    return NSG_OK;
}

static nsg_rc build_origins(struct run *run, struct nsg_err *err)
{
    struct nsg_verifier *v = run->v;
    const struct nsg_query *q = run->q;
    nsg_rc rc;
    if (nsg_ep_is_resource(q->src.kind)) {
        struct nsg_ep_members ms = NSG_EP_MEMBERS_INIT;
        rc = nsg_verify_members(v->t, &q->src, &ms, err);
        if (!rc)
            rc = members_known(v->t, &ms, err);
        for (size_t i = 0; !rc && i < ms.n; i++)
            nsg_pnet_nic_origins(v->pnet, ms.m[i].nic, &ms.m[i].addrs,
                                 &run->origins);
        nsg_ep_members_release(&ms);
    } else {
        struct nsg_addrset s = NSG_ADDRSET_INIT;
        rc = addrs_everywhere(v, &q->src, &s, err);
        if (!rc)
            nsg_pnet_origins(v->pnet, &s, &run->origins);
        nsg_addrset_release(&s);
    }
    return rc ? locate(q, &q->src, err) : NSG_OK;
}

static bool is_member(const struct run *run, const struct nsg_nic *nic)
{
    for (size_t i = 0; i < run->dstm.n; i++)
        if (run->dstm.m[i].nic == nic)
            return true;
    return false;
}

/* The destinations origin o can address.  A resource is named by the
 * address its source would use: from inside Azure (or on-premises) its
 * NICs' private addresses and the internal load balancer frontends that
 * lead to them; from the Internet the public IPs and public frontends that
 * lead to them, or, for a NIC without any, its private address (which has
 * no path: that is the answer).  An address endpoint is the addresses and
 * whatever translates into them. */
static void dst_of_origin(struct run *run, const struct nsg_origin *o,
                          const struct nsg_addrset *qd, struct nsg_addrset *out)
{
    if (!run->dst_res) {
        nsg_addrset_union(out, qd);
        nsg_pnet_translated_addrs(run->v->pnet, qd, out);
        return;
    }
    for (size_t i = 0; i < run->dstm.n; i++) {
        const struct nsg_nic *nic = run->dstm.m[i].nic;
        struct nsg_addrset e = NSG_ADDRSET_INIT;
        bool internet = o->kind == NSG_ORIGIN_INTERNET;
        nsg_pnet_nic_entry_addrs(run->v->pnet, nic, internet, &e);
        if (!internet || nsg_addrset_is_empty(&e))
            nsg_addrset_union(out, &run->dstm.m[i].addrs);
        if (internet) /* appliances that may lead to it: not verified */
            nsg_pnet_nic_appliance_addrs(run->v->pnet, nic, &e);
        nsg_addrset_union(out, &e);
        nsg_addrset_release(&e);
    }
}

/* ---- terms ------------------------------------------------------------------ */
/* A term with the view's fields replaced by constants. */
static Z3_ast in_view(struct nsg_verifier *v, Z3_ast t,
                      const struct nsg_pview *view)
{
    struct nsg_slv *s = v->slv;
    const struct nsg_slv_pkt *pk = nsg_slv_pkt(s);
    if (view->set & NSG_PV_SRC)
        t = nsg_slv_substitute(s, t, pk->src, nsg_slv_num(s, view->src.v, 128));
    if (view->set & NSG_PV_DST)
        t = nsg_slv_substitute(s, t, pk->dst, nsg_slv_num(s, view->dst.v, 128));
    if (view->set & NSG_PV_DPORT)
        t = nsg_slv_substitute(
            s, t, pk->dport,
            nsg_slv_mk_ite(s, nsg_slv_has_ports(s),
                           nsg_slv_num(s, view->dport, 16), pk->dport));
    return t;
}

static Z3_ast svc_term(struct nsg_verifier *v, const struct nsg_psvc *svc)
{
    struct nsg_slv *s = v->slv;
    Z3_ast *items = nsg_xcalloc(svc->n ? svc->n : 1, sizeof(*items));
    for (size_t i = 0; i < svc->n; i++) {
        const struct nsg_psvc_item *it = &svc->items[i];
        Z3_ast p = nsg_slv_proto(s, it->proto);
        if (!(it->lo == 0 && it->hi == 65535)) {
            struct nsg_portrange r = {it->lo, it->hi};
            p = nsg_slv_and2(s, p, nsg_slv_and2(s, nsg_slv_has_ports(s),
                                        nsg_slv_ports(s, NSG_SLV_DST, &r, 1)));
        }
        items[i] = p;
    }
    Z3_ast any = svc->n ? nsg_slv_orv(s, items, svc->n)
                        : s->f;
    free(items);
    return svc->negate ? nsg_slv_not(s, any)
           : svc->n    ? any
                       : s->t;
}

/* The NSGs of one evaluation point allow (the packet as this point sees
 * it). */
static nsg_rc point_allow(struct nsg_verifier *v, const struct nsg_peval *e,
                          Z3_ast *out, struct nsg_err *err)
{
    struct nsg_slv *s = v->slv;
    Z3_ast t;
    if (e->nic) {
        const struct slv_nic_terms *nt;
        nsg_rc rc = slv_vf_nic(v, e->nic, &nt, err);
        if (rc)
            return rc;
        t = nt->allow[e->dir];
    } else { /* an address no NIC holds: its subnet's NSG alone, after
                the same stages (platform, admin) */
        nsg_rc rc = nsg_slv_decide_subnet(s, v->sim, e->subnet, &t, err);
        if (rc)
            return rc;
        /* the direction fixed as this point sees the packet */
        t = nsg_slv_substitute(s, t, s->pkt.out,
                               e->dir == NSG_DIR_OUT ? s->t : s->f);
    }
    *out = in_view(v, t, &e->view);
    return NSG_OK;
}

static nsg_rc path_allow(struct nsg_verifier *v, const struct nsg_path *p,
                         Z3_ast *out, struct nsg_err *err)
{
    struct nsg_slv *s = v->slv;
    Z3_ast acc = s->t;
    for (size_t i = 0; i < p->n_hops; i++)
        for (size_t k = 0; k < p->hops[i].n_eval; k++) {
            Z3_ast a = NULL;
            nsg_rc rc = point_allow(v, &p->hops[i].eval[k], &a, err);
            if (rc)
                return rc;
            acc = nsg_slv_and2(s, acc, a);
        }
    *out = acc;
    return nsg_slv_z3_status(s, "encoding a path", err);
}

static Z3_ast dports(struct nsg_slv *s, const struct nsg_query *q)
{
    return q->n_dports ? nsg_slv_ports(s, NSG_SLV_DST, q->dports, q->n_dports)
                       : s->t;
}

/* The reach of an appliance meets the destination and its services? */
static bool reach_meets(const struct run *run, const struct nsg_path *p,
                        const struct nsg_addrset *qd)
{
    struct nsg_addrset x = NSG_ADDRSET_INIT;
    bool hit, svc = !p->reach_svc.n;
    nsg_addrset_intersect(&x, &p->reach, run->dst_res ? &run->dst_priv : qd);
    hit = !nsg_addrset_is_empty(&x);
    nsg_addrset_release(&x);
    for (size_t i = 0; hit && !svc && i < p->reach_svc.n; i++) {
        const struct nsg_psvc_item *it = &p->reach_svc.items[i];
        bool proto = run->q->proto == NSG_PROTO_ANY ||
                     it->proto == NSG_PROTO_ANY || it->proto == run->q->proto;
        bool port = !run->q->n_dports || !nsg_proto_has_ports(it->proto);
        for (size_t k = 0; !port && k < run->q->n_dports; k++)
            port = run->q->dports[k].lo <= it->hi &&
                   it->lo <= run->q->dports[k].hi;
        svc = proto && port;
    }
    return hit && svc;
}

/* The query's class on a branch: protocol and source ports as sent; the
 * destination as sent, or as delivered after translation. */
static Z3_ast query_term(struct run *run, const struct nsg_path *p,
                         const struct nsg_addrset *qd)
{
    struct nsg_slv *s = run->v->slv;
    const struct nsg_query *q = run->q;
    Z3_ast sent, dst;
    Z3_ast base = nsg_slv_proto(s, q->proto);
    if (q->n_sports)
        base = nsg_slv_and2(s, base,
                        nsg_slv_ports(s, NSG_SLV_SRC, q->sports, q->n_sports));
    if (p->end == NSG_PEND_OPEN && p->reach.n) {
        /* an appliance: what it may reach decides, and, for an address,
         * the destination as sent */
        Z3_ast far = reach_meets(run, p, qd) ? base : s->f;
        if (run->dst_res)
            return far;
        sent = nsg_slv_and2(s, nsg_slv_addrset(s, NSG_SLV_DST, qd), dports(s, q));
        return nsg_slv_or2(s, far, nsg_slv_and2(s, base, sent));
    }
    if (run->dst_res) {
        sent = dports(s, q); /* the destination is one the origin can
                                address (the class's own range) */
        bool member = p->end == NSG_PEND_NIC && is_member(run, p->dst_nic);
        dst = member ? nsg_slv_or2(s, sent, in_view(run->v, sent, &p->delivered))
                     : sent;
    } else {
        sent = nsg_slv_and2(s, nsg_slv_addrset(s, NSG_SLV_DST, qd), dports(s, q));
        dst = p->delivered.set
                  ? nsg_slv_or2(s, sent, in_view(run->v, sent, &p->delivered))
                  : sent;
    }
    return nsg_slv_and2(s, base, dst);
}

/* ---- branches and groups ----------------------------------------------------- */
static const struct nsg_vnet *branch_vnet(const struct nsg_verifier *v,
                                          const struct nsg_origin *o,
                                          const struct nsg_path *p)
{
    if ((p->end == NSG_PEND_NIC || p->end == NSG_PEND_HOST) && p->dst_subnet)
        return nsg_topo_vnet_of_subnet(v->t, p->dst_subnet);
    return o->vnet;
}

static char *group_name(const struct nsg_origin *o, const struct nsg_path *p,
                        enum gkind k)
{
    if (k == G_DROP)
        return nsg_xstrdup("(no path)");
    if (k == G_OPEN)
        return nsg_xstrdup("(not verified)");
    if (p->end == NSG_PEND_NIC)
        return nsg_xstrdup(nic_name(p->dst_nic));
    if (p->end == NSG_PEND_HOST)
        return g_strdup_printf("subnet %s", p->dst_subnet->name);
    if (o->kind == NSG_ORIGIN_NIC)
        return nsg_xstrdup(nic_name(o->nic));
    if (o->kind == NSG_ORIGIN_HOST)
        return g_strdup_printf("subnet %s", o->subnet->name);
    return nsg_xstrdup(nsg_origin_kind_name(o->kind));
}

static void add_to_group(struct run *run, size_t bi)
{
    const struct branch *b = &g_array_index(run->branches, struct branch, bi);
    const struct nsg_path *p = &run->classes.c[b->cls].path;
    char *name = group_name(b->o, p, b->kind);
    for (guint i = 0; i < run->groups->len; i++) {
        struct group *g = run->groups->pdata[i];
        if (g->kind == b->kind && !strcmp(g->name, name)) {
            g_array_append_val(g->b, bi);
            free(name);
            return;
        }
    }
    struct group *g = nsg_xcalloc(1, sizeof(*g));
    g->kind = b->kind;
    g->name = name;
    g->b = g_array_new(FALSE, FALSE, sizeof(size_t));
    g_array_append_val(g->b, bi);
    g_ptr_array_add(run->groups, g);
}

static nsg_rc build_branches(struct run *run, struct nsg_err *err)
{
    struct nsg_verifier *v = run->v;
    struct nsg_slv *s = v->slv;
    const struct nsg_query *q = run->q;
    nsg_rc rc = NSG_OK;
    for (size_t ci = 0; !rc && ci < run->classes.n; ci++) {
        const struct nsg_origin *o = &run->origins.o[run->cls_origin[ci]];
        const struct nsg_pclass *c = &run->classes.c[ci];
        const struct nsg_path *p = &c->path;
        const struct nsg_ctx *ctx;
        struct nsg_addrset src = NSG_ADDRSET_INIT, qd = NSG_ADDRSET_INIT;
        struct branch b = {o, ci, G_DEF, NULL, NULL, NULL};

        if (run->dst_res && p->end == NSG_PEND_NIC && !is_member(run, p->dst_nic))
            continue; /* another backend of a load balancer */
        if (p->missing) {
            return nsg_err_set(err, NSG_E_NOTFOUND,
                               "line %d: a path of '%s' needs %s, which is "
                               "not in the corpus: import it (%s)",
                               q->line, q->text, p->missing,
                               p->reason ? p->reason : "");
        }
        rc = slv_vf_ctx(v, branch_vnet(v, o, p), &ctx, err);
        if (rc)
            break;
        nsg_addrset_copy(&src, &o->addrs);
        if (!nsg_ep_is_resource(q->src.kind)) {
            struct nsg_addrset qs = NSG_ADDRSET_INIT;
            rc = ep_addrs(ctx, &q->src, &qs, err);
            nsg_addrset_intersect(&src, &o->addrs, &qs);
            nsg_addrset_release(&qs);
            if (rc) {
                locate(q, &q->src, err);
                nsg_addrset_release(&src);
                break;
            }
        }
        if (!run->dst_res && (rc = ep_addrs(ctx, &q->dst, &qd, err))) {
            locate(q, &q->dst, err);
            nsg_addrset_release(&src);
            break;
        }
        if (!nsg_addrset_is_empty(&src)) {
            b.kind = p->end == NSG_PEND_DROP ? G_DROP
                     : p->unknown            ? G_OPEN
                                             : G_DEF;
            b.dom = nsg_slv_and2(s, nsg_slv_addrset(s, NSG_SLV_SRC, &src),
                             nsg_slv_and2(s, nsg_slv_addrset(s, NSG_SLV_DST, &c->dst),
                                      svc_term(v, &p->svc)));
            b.query = query_term(run, p, &qd);
            rc = path_allow(v, p, &b.allow, err);
            if (!rc) {
                g_array_append_val(run->branches, b);
                add_to_group(run, run->branches->len - 1);
            }
        }
        nsg_addrset_release(&src);
        nsg_addrset_release(&qd);
    }
    return rc;
}

static gint group_cmp(gconstpointer a, gconstpointer b)
{
    const struct group *x = *(struct group *const *)a,
                       *y = *(struct group *const *)b;
    return (int)x->kind - (int)y->kind;
}

static nsg_rc build(struct run *run, struct nsg_err *err)
{
    struct nsg_verifier *v = run->v;
    const struct nsg_query *q = run->q;
    struct nsg_addrset qd = NSG_ADDRSET_INIT;
    nsg_rc rc = build_origins(run, err);
    if (rc)
        return rc;
    run->dst_res = nsg_ep_is_resource(q->dst.kind);
    if (run->dst_res) {
        rc = nsg_verify_members(v->t, &q->dst, &run->dstm, err);
        if (!rc)
            rc = members_known(v->t, &run->dstm, err);
        if (rc)
            return locate(q, &q->dst, err);
        for (size_t i = 0; i < run->dstm.n; i++)
            nsg_addrset_union(&run->dst_priv, &run->dstm.m[i].addrs);
    } else if ((rc = addrs_everywhere(v, &q->dst, &qd, err))) {
        return locate(q, &q->dst, err);
    }
    for (size_t i = 0; i < run->origins.n; i++) {
        struct nsg_addrset d = NSG_ADDRSET_INIT;
        size_t before = run->classes.n;
        dst_of_origin(run, &run->origins.o[i], &qd, &d);
        nsg_pnet_classes(v->pnet, &run->origins.o[i], &d, &run->classes);
        run->cls_origin = nsg_xrealloc(run->cls_origin,
                                       (run->classes.n + 1) * sizeof(size_t));
        for (size_t k = before; k < run->classes.n; k++)
            run->cls_origin[k] = i;
        nsg_addrset_release(&d);
    }
    nsg_addrset_release(&qd);
    rc = build_branches(run, err);
    /* definite paths first, then those without a path, then the open */
    g_ptr_array_sort(run->groups, group_cmp);
    if (!rc && run->groups->len == 0 && !run->dst_res &&
        !nsg_ep_is_resource(q->src.kind))
        rc = nsg_err_set(err, NSG_E_INPUT,
                         "line %d: no NIC of the topology is on a path of "
                         "'%s' (no packet of the class enters, leaves or "
                         "crosses the corpus's networks, or both endpoints "
                         "are the same NIC)",
                         q->line, q->text ? q->text : "");
    return rc;
}

/* ---- witnesses ----------------------------------------------------------------- */
static bool holds_on(struct nsg_verifier *v, Z3_ast t,
                     const struct nsg_packet *p)
{
    uint64_t val = 0;
    return nsg_slv_eval(v->slv, p, t, &val, NULL) == NSG_OK && val;
}

/* Replay witness p (as sent) on branch b: its path walked again, every
 * NSG level through the simulator; formula, simulator and the expected
 * decision (NSG_DEC_UNKNOWN: none) must agree.  Fills r. */
static nsg_rc replay(struct run *run, const struct branch *b,
                     const struct nsg_packet *p, enum nsg_decision expect,
                     struct nsg_vresult *r, struct nsg_err *err)
{
    struct nsg_verifier *v = run->v;
    const struct nsg_path *cp = &run->classes.c[b->cls].path;
    struct nsg_paths ps = NSG_PATHS_INIT;
    char *want = nsg_path_key(cp);
    bool same = false;
    struct nsg_buf pb = NSG_BUF_INIT;
    nsg_rc rc = NSG_OK;

    nsg_slv_flow_format(p, &pb);
    nsg_pnet_trace(v->pnet, b->o, p, &ps);
    for (size_t i = 0; i < ps.n && !same; i++) {
        char *k = nsg_path_key(&ps.p[i]);
        same = !strcmp(k, want);
        free(k);
    }
    nsg_paths_release(&ps);
    free(want);
    if (!same) {
        rc = nsg_err_set(err, NSG_E_INTERNAL,
                         "internal inconsistency in the path model for %s: "
                         "walking it again does not give the path of its "
                         "class",
                         pb.buf);
        goto out;
    }
    /* every level through the simulator, against its formula */
    enum nsg_decision sim = NSG_DEC_ALLOW;
    for (size_t i = 0; i < cp->n_hops; i++)
        for (size_t k = 0; k < cp->hops[i].n_eval; k++) {
            const struct nsg_peval *e = &cp->hops[i].eval[k];
            struct nsg_packet pk = *p;
            pk.dir = e->dir;
            nsg_pview_apply(&e->view, &pk);
            if (e->nic) {
                const struct slv_nic_terms *nt;
                struct nsg_verdict vd;
                rc = slv_vf_nic(v, e->nic, &nt, err);
                if (!rc)
                    rc = nsg_slv_replay_nic(v->slv, v->sim, &nt->d, &pk, &vd,
                                            err);
                if (!rc && vd.decision != NSG_DEC_ALLOW)
                    sim = NSG_DEC_DENY;
            } else {
                Z3_ast allow;
                struct nsg_verdict vd;
                rc = nsg_slv_decide_subnet(v->slv, v->sim, e->subnet, &allow,
                                           err);
                if (!rc)
                    rc = nsg_slv_replay_subnet(v->slv, v->sim, e->subnet,
                                               allow, &pk, &vd, err);
                if (!rc && vd.decision != NSG_DEC_ALLOW)
                    sim = NSG_DEC_DENY;
            }
            if (rc)
                goto out;
        }
    enum nsg_decision form = holds_on(v, b->allow, p) ? NSG_DEC_ALLOW
                                                      : NSG_DEC_DENY;
    if (form != sim || (expect != NSG_DEC_UNKNOWN && sim != expect)) {
        rc = nsg_err_set(err, NSG_E_INTERNAL,
                         "internal inconsistency on a path of %s: the "
                         "witness should be %s (formula says %s), the "
                         "simulator says %s",
                         pb.buf,
                         expect == NSG_DEC_UNKNOWN ? "either"
                                                   : nsg_decision_name(expect),
                         nsg_decision_name(form), nsg_decision_name(sim));
        goto out;
    }
    /* the result */
    nsg_vresult_release(r);
    r->has_witness = r->has_path = true;
    nsg_path_copy(&r->path, cp);
    rc = nsg_pnet_eval(v->pnet, v->sim, &r->path, p, &r->trace, err);
    if (rc)
        goto out;
    r->sent = *p;
    r->witness = *p;
    bool delivered = cp->end == NSG_PEND_NIC || cp->end == NSG_PEND_HOST;
    bool inside = b->o->kind == NSG_ORIGIN_NIC || b->o->kind == NSG_ORIGIN_HOST;
    r->sent.dir = inside ? NSG_DIR_OUT : NSG_DIR_IN;
    r->witness.dir = delivered || !inside ? NSG_DIR_IN : NSG_DIR_OUT;
    if (cp->end == NSG_PEND_NIC || cp->end == NSG_PEND_HOST)
        nsg_pview_apply(&cp->delivered, &r->witness);
    r->decision = sim;
    r->no_path = b->kind == G_DROP;
out:
    nsg_buf_release(&pb);
    return rc;
}

static Z3_ast x_any(const struct branch *b, struct nsg_slv *s);

/* The first branch of group g on which term x holds for p. */
static const struct branch *branch_of(struct run *run, const struct group *g,
                                      Z3_ast (*x)(const struct branch *,
                                                  struct nsg_slv *),
                                      const struct nsg_packet *p)
{
    for (guint i = 0; i < g->b->len; i++) {
        const struct branch *b = &g_array_index(
            run->branches, struct branch, g_array_index(g->b, size_t, i));
        Z3_ast t = nsg_slv_and2(run->v->slv, nsg_slv_and2(run->v->slv, b->dom, b->query),
                            x(b, run->v->slv));
        if (holds_on(run->v, t, p))
            return b;
    }
    return NULL;
}

static Z3_ast x_allow(const struct branch *b, struct nsg_slv *s)
{
    (void)s;
    return b->allow;
}

static Z3_ast x_deny(const struct branch *b, struct nsg_slv *s)
{
    return nsg_slv_not(s, b->allow);
}

static Z3_ast x_any(const struct branch *b, struct nsg_slv *s)
{
    (void)b;
    return s->t;
}

/* A realistic packet of branch b (source from its origin, destination
 * from its class, the query's protocol and ports: TCP first, source port
 * 49152, the lowest destination port), tried against the branch's own
 * formula and the packet domain: when one satisfies dom, query and x, the
 * group is settled without the solver, and the witness depends on the
 * branch alone (not on what the solver saw before). */
static bool concrete(struct run *run, const struct branch *b,
                     Z3_ast (*x)(const struct branch *, struct nsg_slv *),
                     struct nsg_packet *out)
{
    enum { MAXA = 3 };
    struct nsg_slv *s = run->v->slv;
    const struct nsg_query *q = run->q;
    const struct nsg_addrset *dst = &run->classes.c[b->cls].dst;
    static const int any[] = {NSG_PROTO_TCP, NSG_PROTO_UDP, 1};
    int protos[3];
    size_t np = 0;
    if (q->proto == NSG_PROTO_ANY)
        for (size_t i = 0; i < 3; i++)
            protos[np++] = any[i];
    else
        protos[np++] = q->proto;
    unsigned sport = 49152, dport = 1;
    if (q->n_sports) {
        sport = q->sports[0].lo;
        for (size_t i = 0; i < q->n_sports; i++)
            if (q->sports[i].hi >= 49152) {
                sport = q->sports[i].lo > 49152 ? q->sports[i].lo : 49152;
                break;
            }
    }
    if (q->n_dports)
        dport = q->dports[0].lo ? q->dports[0].lo
                : q->dports[0].hi ? 1u
                                  : 0u;
    Z3_ast parts[4] = {nsg_slv_pkt_domain(s), b->dom, b->query, x(b, s)};
    Z3_ast f = nsg_slv_andv(s, parts, 4);
    for (int fam = 4; fam <= 6; fam += 2) {
        nsg_u128 sa[MAXA], da[MAXA];
        size_t ns = nsg_slv_host_cands(&b->o->addrs, fam, sa, MAXA);
        size_t nd = nsg_slv_host_cands(dst, fam, da, MAXA);
        for (size_t k = 0; k < np; k++)
            for (size_t i = 0; i < nd; i++)
                for (size_t j = 0; j < ns; j++) {
                    struct nsg_packet p;
                    memset(&p, 0, sizeof(p));
                    bool inside = b->o->kind == NSG_ORIGIN_NIC ||
                                  b->o->kind == NSG_ORIGIN_HOST;
                    p.dir = inside ? NSG_DIR_OUT : NSG_DIR_IN;
                    p.proto = protos[k];
                    p.src.family = p.dst.family = (uint8_t)fam;
                    p.src.v = sa[j];
                    p.dst.v = da[i];
                    if (nsg_proto_has_ports(p.proto)) {
                        p.sport = (uint16_t)sport;
                        p.dport = (uint16_t)dport;
                    }
                    if (holds_on(run->v, f, &p)) {
                        *out = p;
                        return true;
                    }
                }
    }
    return false;
}

/* Is there a packet of group g for which x holds?  On sat, the witness is
 * replayed into r unless r already has one (or keep is false). */
static nsg_rc check_group(struct run *run, const struct group *g,
                          Z3_ast (*x)(const struct branch *, struct nsg_slv *),
                          enum nsg_decision expect, bool keep, bool *hit,
                          struct nsg_vresult *r, struct nsg_err *err)
{
    struct nsg_slv *s = run->v->slv;
    struct nsg_packet p;
    /* a realistic packet of one of its branches settles it, no solver */
    bool want = keep && !r->has_witness;
    for (guint i = 0; i < g->b->len; i++) {
        const struct branch *b = &g_array_index(
            run->branches, struct branch, g_array_index(g->b, size_t, i));
        if (concrete(run, b, x, &p)) {
            *hit = true;
            return want ? replay(run, b, &p, expect, r, err) : NSG_OK;
        }
    }
    Z3_ast *v = nsg_xcalloc(g->b->len, sizeof(*v));
    /* Branches whose NSG levels are the same terms (e.g. many source NICs
     * behind one subnet NSG) differ only in their classes: one disjunct
     * each, (dom1 | dom2 | ...) & query & x, not one per branch */
    GHashTable *same = g_hash_table_new(g_direct_hash, g_direct_equal);
    GPtrArray *keys = g_ptr_array_new();
    size_t nv = 0;
    for (guint i = 0; i < g->b->len; i++) {
        const struct branch *b = &g_array_index(
            run->branches, struct branch, g_array_index(g->b, size_t, i));
        Z3_ast xb = x(b, s);
        Z3_ast key = nsg_slv_and2(s, b->query, xb);
        GPtrArray *doms = g_hash_table_lookup(same, key);
        if (!doms) {
            doms = g_ptr_array_new();
            g_hash_table_insert(same, key, doms);
            g_ptr_array_add(keys, key); /* first-seen order */
        }
        g_ptr_array_add(doms, b->dom);
    }
    for (guint i = 0; i < keys->len; i++) {
        GPtrArray *doms = g_hash_table_lookup(same, keys->pdata[i]);
        Z3_ast d = nsg_slv_orv(s, (Z3_ast *)doms->pdata, doms->len);
        v[nv++] = nsg_slv_and2(s, d, keys->pdata[i]);
        g_ptr_array_free(doms, TRUE);
    }
    g_ptr_array_free(keys, TRUE);
    g_hash_table_destroy(same);
    Z3_ast f = nsg_slv_orv(s, v, nv);
    free(v);
    /* a model (and its polish) only when a witness is still wanted */
    nsg_rc rc = nsg_slv_check(s, &f, 1, hit, want ? &p : NULL, err);
    if (rc || !*hit || !want)
        return rc;
    const struct branch *b = branch_of(run, g, x, &p);
    if (!b) /* the model rests on a tag that is not known: the replay
               through the simulator names it */
        b = branch_of(run, g, x_any, &p);
    for (guint i = 0; !b && i < g->b->len; i++) {
        /* ask each branch alone for its own witness */
        const struct branch *c = &g_array_index(
            run->branches, struct branch, g_array_index(g->b, size_t, i));
        Z3_ast parts[3] = {c->dom, c->query, x(c, s)};
        Z3_ast one = nsg_slv_andv(s, parts, 3);
        bool sat = false;
        nsg_rc rc = nsg_slv_check(s, &one, 1, &sat, &p, err);
        if (rc)
            return rc;
        if (sat)
            b = c;
    }
    if (!b)
        return nsg_err_set(err, NSG_E_INTERNAL,
                           "internal inconsistency: the solver found a "
                           "packet for a group of paths and for none of its "
                           "paths alone");
    return replay(run, b, &p, expect, r, err);
}

/* ---- answers --------------------------------------------------------------------- */
static void add_str(char ***v, size_t *n, const char *s)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp((*v)[i], s))
            return;
    *v = nsg_xrealloc(*v, (*n + 1) * sizeof(char *));
    (*v)[(*n)++] = nsg_xstrdup(s);
}

/* Record the reasons of the open branches of g that the class meets. */
static nsg_rc note_open(struct run *run, const struct group *g,
                        Z3_ast (*x)(const struct branch *, struct nsg_slv *),
                        struct nsg_vresult *r, struct nsg_err *err)
{
    struct nsg_slv *s = run->v->slv;
    for (guint i = 0; i < g->b->len; i++) {
        const struct branch *b = &g_array_index(
            run->branches, struct branch, g_array_index(g->b, size_t, i));
        const struct nsg_path *p = &run->classes.c[b->cls].path;
        Z3_ast parts[3] = {b->dom, b->query, x(b, s)};
        Z3_ast f = nsg_slv_andv(s, parts, 3);
        bool sat;
        nsg_rc rc = nsg_slv_check(s, &f, 1, &sat, NULL, err);
        if (rc)
            return rc;
        if (sat)
            add_str(&r->open, &r->n_open,
                    p->reason ? p->reason : "a path is not verified");
    }
    return NSG_OK;
}

static void reason_open(struct nsg_vresult *r, const char *lead)
{
    struct nsg_buf b = NSG_BUF_INIT;
    for (size_t i = 0; i < r->n_open && i < 3; i++)
        nsg_buf_addf(&b, "%s%s", i ? "; " : "", r->open[i]);
    if (r->n_open > 3)
        nsg_buf_addf(&b, "; and %zu more", r->n_open - 3);
    snprintf(r->reason, sizeof(r->reason), "%s: %s", lead, b.buf ? b.buf : "");
    nsg_buf_release(&b);
}

/* A solver timeout, or a witness that rests on a security admin rule
 * whose application is unknown, makes the group unknown; other errors
 * pass. */
static nsg_rc timeout(struct nsg_vresult *r, const struct group *g, nsg_rc rc,
                      struct nsg_err *uerr)
{
    if (rc != NSG_E_UNKNOWN)
        return rc;
    bool admin = strstr(uerr->msg, "security admin rule") != NULL;
    if (!r->n_unknown++)
        snprintf(r->reason, sizeof(r->reason), "%s %s%.200s: %.700s",
                 admin ? "unknown" : "the solver gave up",
                 g->kind == G_DEF    ? "at "
                 : g->kind == G_DROP ? "on the packets without a path"
                                     : "on the paths not verified",
                 g->kind == G_DEF ? g->name : "", uerr->msg);
    return NSG_OK;
}

static nsg_rc answer(struct run *run, struct nsg_vresult *r,
                     struct nsg_err *err)
{
    const struct nsg_query *q = run->q;
    struct nsg_err uerr = NSG_ERR_INIT;
    bool found = false, open = false;
    nsg_rc rc = NSG_OK;

    for (guint i = 0; i < run->groups->len; i++) {
        const struct group *g = run->groups->pdata[i];
        bool hit = false;
        if (g->kind == G_DROP && q->quant != NSG_Q_ALWAYS)
            continue;
        r->n_units++;
        if (q->quant == NSG_Q_ALWAYS) {
            /* a denied packet (also where the known part of an open path
             * denies), or one without a path */
            if (g->kind == G_DROP)
                rc = check_group(run, g, x_any, NSG_DEC_UNKNOWN, true, &hit,
                                 r, &uerr);
            else
                rc = check_group(run, g, x_deny, NSG_DEC_DENY, true, &hit, r,
                                 &uerr);
            if (!rc && !hit && g->kind == G_OPEN) {
                rc = check_group(run, g, x_any, NSG_DEC_UNKNOWN, false, &hit,
                                 r, &uerr);
                if (!rc && hit) {
                    open = true;
                    hit = false;
                    rc = note_open(run, g, x_any, r, &uerr);
                }
            }
        } else {
            rc = check_group(run, g, x_allow, NSG_DEC_ALLOW,
                             g->kind == G_DEF, &hit, r, &uerr);
            if (!rc && hit && g->kind == G_OPEN) {
                open = true;
                hit = false;
                rc = note_open(run, g, x_allow, r, &uerr);
            }
        }
        if (rc == NSG_E_UNKNOWN)
            hit = false; /* not a witness: the group is unknown */
        rc = timeout(r, g, rc, &uerr);
        if (rc) {
            *err = uerr;
            return rc;
        }
        if (hit) {
            found = true;
            if (q->quant == NSG_Q_CAN)
                break;
            add_str(&r->failing, &r->n_failing, g->name);
        }
    }
    if (q->quant == NSG_Q_CAN) {
        if (found) {
            r->status = NSG_V_HOLDS;
            snprintf(r->reason, sizeof(r->reason),
                     "an allowed packet exists on a path (example below)");
        } else if (open) {
            r->status = NSG_V_UNKNOWN;
            reason_open(r, "no verified path allows a packet of the class; "
                           "paths that are not verified might");
        } else if (r->n_unknown) {
            r->status = NSG_V_UNKNOWN;
        } else {
            r->status = NSG_V_VIOLATED;
            for (guint i = 0; i < run->groups->len; i++) {
                const struct group *g = run->groups->pdata[i];
                if (g->kind == G_DEF)
                    add_str(&r->failing, &r->n_failing, g->name);
            }
            /* a denied sample, else one without a path */
            for (int pass = 0; pass < 2 && !r->has_witness; pass++)
                for (guint i = 0; !rc && i < run->groups->len &&
                                  !r->has_witness;
                     i++) {
                    const struct group *g = run->groups->pdata[i];
                    bool hit;
                    if (g->kind != (pass ? G_DROP : G_DEF))
                        continue;
                    rc = check_group(run, g, x_any, NSG_DEC_UNKNOWN, true,
                                     &hit, r, err);
                    if (rc == NSG_E_UNKNOWN)
                        rc = NSG_OK; /* only an illustration */
                }
            snprintf(r->reason, sizeof(r->reason), "%s",
                     !r->has_witness ? "the class of packets is empty"
                     : r->no_path    ? "no packet of the class has a path "
                                       "(a sample below)"
                                     : "every packet of the class is denied "
                                       "or has no path (a denied sample "
                                       "below)");
        }
    } else if (r->n_failing) {
        r->status = NSG_V_VIOLATED;
        snprintf(r->reason, sizeof(r->reason), "%s%s",
                 q->quant == NSG_Q_NEVER
                     ? "a packet of the class is allowed on a path"
                 : r->no_path ? "a packet of the class has no path"
                              : "a packet of the class is denied",
                 r->no_path ? "" : slv_vf_stage_note(r));
    } else if (open) {
        r->status = NSG_V_UNKNOWN;
        reason_open(r, q->quant == NSG_Q_NEVER
                           ? "no verified path allows a packet of the class, "
                             "but paths that are not verified might"
                           : "every verified path allows the class, but "
                             "paths that are not verified decide the rest");
    } else if (r->n_unknown) {
        r->status = NSG_V_UNKNOWN;
    } else {
        r->status = NSG_V_HOLDS;
        snprintf(r->reason, sizeof(r->reason), "%s",
                 q->quant == NSG_Q_NEVER
                     ? "no packet of the class is allowed on any path"
                     : "every packet of the class has a path and is allowed");
    }
    return rc;
}

nsg_rc slv_verify_paths(struct nsg_verifier *v, const struct nsg_query *q,
                        struct nsg_vresult *r, struct nsg_err *err)
{
    struct run run;
    memset(&run, 0, sizeof(run));
    run.v = v;
    run.q = q;
    run.branches = g_array_new(FALSE, TRUE, sizeof(struct branch));
    run.groups = g_ptr_array_new_with_free_func(group_free);
    nsg_rc rc = build(&run, err);
    if (!rc)
        rc = answer(&run, r, err);
    g_ptr_array_free(run.groups, TRUE);
    g_array_free(run.branches, TRUE);
    free(run.cls_origin);
    nsg_pclasses_release(&run.classes);
    nsg_origins_release(&run.origins);
    nsg_ep_members_release(&run.dstm);
    nsg_addrset_release(&run.dst_priv);
    return rc;
}
