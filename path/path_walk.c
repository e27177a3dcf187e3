/* path_walk.c - walks a packet from its origin to where Azure delivers
 * or drops it: the source subnet's route (longest prefix match), the
 * virtual network, peerings (Connected both ways, virtual network access,
 * forwarded traffic), forwarding appliances (a NIC with IP forwarding, an
 * internal load balancer in front of them), the Internet (outbound
 * connectivity, source NAT), public IPs and load balancers (rules, inbound
 * NAT rules, DNAT, floating IP, Standard SKU closed without an NSG),
 * gateways and appliances nsgproof does not model (the path is open:
 * "not verified").  Load balancers fork the walk: one path per rule and
 * backend, each with the protocol and port it carries. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "path_int.h"

static const char *const hop_names[] = {"subnet",    "peering", "lb",
                                        "nat-rule",  "appliance", "gateway",
                                        "internet",  "platform"};
static const char *const end_names[] = {"nic",  "host", "internet", "platform",
                                        "outside", "drop", "open"};

const char *nsg_phop_kind_name(enum nsg_phop_kind k)
{
    return hop_names[k];
}

const char *nsg_pend_name(enum nsg_pend e)
{
    return end_names[e];
}

void nsg_pview_apply(const struct nsg_pview *v, struct nsg_packet *p)
{
    if (v->set & NSG_PV_SRC)
        p->src = v->src;
    if (v->set & NSG_PV_DST)
        p->dst = v->dst;
    if ((v->set & NSG_PV_DPORT) && nsg_proto_has_ports(p->proto))
        p->dport = v->dport;
}

static bool item_match(const struct nsg_psvc_item *it,
                       const struct nsg_packet *p)
{
    if (it->proto != NSG_PROTO_ANY && it->proto != p->proto)
        return false;
    if (it->lo == 0 && it->hi == 65535)
        return true;
    return nsg_proto_has_ports(p->proto) && p->dport >= it->lo &&
           p->dport <= it->hi;
}

bool nsg_psvc_match(const struct nsg_psvc *s, const struct nsg_packet *p)
{
    bool any = false;
    if (!s->n)
        return !s->negate;
    for (size_t i = 0; i < s->n && !any; i++)
        any = item_match(&s->items[i], p);
    return any != s->negate;
}

static void psvc_release(struct nsg_psvc *s)
{
    free(s->items);
    memset(s, 0, sizeof(*s));
}

static void psvc_copy(struct nsg_psvc *d, const struct nsg_psvc *s)
{
    d->n = s->n;
    d->negate = s->negate;
    d->items = s->n ? nsg_xmalloc(s->n * sizeof(*s->items)) : NULL;
    if (s->n)
        memcpy(d->items, s->items, s->n * sizeof(*s->items));
}

static void psvc_add(struct nsg_psvc *s, int proto, uint16_t lo, uint16_t hi)
{
    s->items = nsg_xrealloc(s->items, (s->n + 1) * sizeof(*s->items));
    s->items[s->n++] = (struct nsg_psvc_item){proto, lo, hi};
}

static void hop_release(struct nsg_phop *h)
{
    free(h->resource);
    free(h->name);
    free(h->detail);
}

void nsg_path_release(struct nsg_path *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_hops; i++)
        hop_release(&p->hops[i]);
    free(p->hops);
    psvc_release(&p->svc);
    psvc_release(&p->reach_svc);
    nsg_addrset_release(&p->reach);
    free(p->reason);
    free(p->note);
    free(p->missing);
    memset(p, 0, sizeof(*p));
}

void nsg_paths_release(struct nsg_paths *ps)
{
    if (!ps)
        return;
    for (size_t i = 0; i < ps->n; i++)
        nsg_path_release(&ps->p[i]);
    free(ps->p);
    ps->p = NULL;
    ps->n = 0;
}

/* ---- the walk state -------------------------------------------------------- */
#define MAX_APPLIANCES 8

struct walk {
    const struct nsg_pnet *n;
    const struct nsg_origin *o;
    struct nsg_ip dst;
    struct nsg_paths *out;
    struct nsg_phop *hops; /* the path so far */
    size_t n_hops, cap;
    struct nsg_pview view; /* translations so far */
    struct nsg_psvc svc;   /* the service condition so far */
    bool forked;           /* a load balancer already split the walk */
    bool forwarded;        /* an appliance forwarded the packet */
    bool unknown;          /* passed something not modelled */
    const char *unknown_why;
    const struct nsg_nic *visited[MAX_APPLIANCES];
    size_t n_visited;
    char *note; /* owned */
};

/* What a fork restores. */
struct mark {
    size_t n_hops;
    struct nsg_pview view;
    size_t svc_n;
    bool svc_negate, forked, forwarded, unknown;
    const char *unknown_why;
    size_t n_visited;
};

static struct mark mark(const struct walk *w)
{
    return (struct mark){w->n_hops,    w->view,     w->svc.n,
                         w->svc.negate, w->forked,  w->forwarded,
                         w->unknown,   w->unknown_why, w->n_visited};
}

static void restore(struct walk *w, const struct mark *m)
{
    while (w->n_hops > m->n_hops)
        hop_release(&w->hops[--w->n_hops]);
    w->view = m->view;
    w->svc.n = m->svc_n;
    w->svc.negate = m->svc_negate;
    w->forked = m->forked;
    w->forwarded = m->forwarded;
    w->unknown = m->unknown;
    w->unknown_why = m->unknown_why;
    w->n_visited = m->n_visited;
}

static struct nsg_phop *hop(struct walk *w, enum nsg_phop_kind k,
                            const char *resource, const char *name)
{
    if (w->n_hops == w->cap) {
        w->cap = w->cap ? w->cap * 2 : 8;
        w->hops = nsg_xrealloc(w->hops, w->cap * sizeof(*w->hops));
    }
    struct nsg_phop *h = &w->hops[w->n_hops++];
    memset(h, 0, sizeof(*h));
    h->kind = k;
    h->resource = nsg_xstrdup(resource);
    h->name = nsg_xstrdup(name);
    return h;
}

static void detail(struct nsg_phop *h, const char *fmt, ...) NSG_PRINTF(2, 3);
static void detail(struct nsg_phop *h, const char *fmt, ...)
{
    va_list ap;
    free(h->detail);
    va_start(ap, fmt);
    h->detail = g_strdup_vprintf(fmt, ap);
    va_end(ap);
}

static void eval_at(struct nsg_phop *h, const struct nsg_nic *nic,
                    const struct nsg_subnet *s, enum nsg_dir d,
                    const struct nsg_pview *view)
{
    struct nsg_peval *e = &h->eval[h->n_eval++];
    e->nic = nic;
    e->subnet = nic ? NULL : s;
    e->dir = d;
    e->view = *view;
}

static void add_note(struct walk *w, const char *fmt, ...) NSG_PRINTF(2, 3);
static void add_note(struct walk *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (w->note && strstr(w->note, s)) {
        g_free(s);
        return;
    }
    char *joined = w->note ? g_strdup_printf("%s; %s", w->note, s) : s;
    if (w->note) {
        g_free(w->note);
        g_free(s);
    }
    w->note = joined;
}

/* Finish a path.  reason is formatted (NULL: none). */
static struct nsg_path *emit(struct walk *w, enum nsg_pend end,
                             const struct pn_ic *ic,
                             const struct nsg_subnet *s, const char *fmt, ...)
    NSG_PRINTF(5, 6);
static struct nsg_path *emit(struct walk *w, enum nsg_pend end,
                             const struct pn_ic *ic,
                             const struct nsg_subnet *s, const char *fmt, ...)
{
    struct nsg_paths *out = w->out;
    out->p = nsg_xrealloc(out->p, (out->n + 1) * sizeof(*out->p));
    struct nsg_path *p = &out->p[out->n++];
    memset(p, 0, sizeof(*p));
    p->n_hops = w->n_hops;
    p->hops = nsg_xcalloc(w->n_hops ? w->n_hops : 1, sizeof(*p->hops));
    for (size_t i = 0; i < w->n_hops; i++) {
        p->hops[i] = w->hops[i];
        p->hops[i].resource = nsg_xstrdup(w->hops[i].resource);
        p->hops[i].name = nsg_xstrdup(w->hops[i].name);
        p->hops[i].detail = nsg_xstrdup(w->hops[i].detail);
    }
    p->end = end;
    p->unknown = w->unknown || end == NSG_PEND_OPEN;
    p->dst_nic = ic ? ic->nic : NULL;
    p->dst_ic = ic ? ic->ic : NULL;
    p->dst_subnet = ic ? ic->subnet : s;
    p->delivered = w->view;
    psvc_copy(&p->svc, &w->svc);
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        char *r = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        p->reason = nsg_xstrdup(r);
        g_free(r);
    } else if (w->unknown_why) {
        p->reason = nsg_xstrdup(w->unknown_why);
    }
    p->note = nsg_xstrdup(w->note);
    return p;
}

static struct nsg_path *missing(struct walk *w, const char *what,
                                const char *id)
{
    struct nsg_path *p =
        emit(w, NSG_PEND_OPEN, NULL, NULL, "%s %s is not in the corpus", what,
             id);
    p->missing = nsg_xstrdup(id);
    return p;
}

static const char *ip_text(const struct nsg_ip *ip, char buf[NSG_IP_STRLEN])
{
    nsg_ip_format(ip, buf);
    return buf;
}

static const char *cidr_text(const struct nsg_cidr *c, char buf[NSG_CIDR_STRLEN])
{
    nsg_cidr_format(c, buf);
    return buf;
}

static const char *appl_kind(enum nsg_res_type t)
{
    return t == NSG_RES_FIREWALL ? "Azure Firewall"
           : t == NSG_RES_APPGW  ? "Application Gateway"
                                 : "Bastion";
}

static void send_from(struct walk *w, const struct nsg_subnet *s,
                      const struct pn_ic *sender);

/* ---- arriving in a virtual network ---------------------------------------- */
static void lb_fork(struct walk *w, const struct nsg_lb *lb,
                    const struct nsg_lb_frontend *fe, bool public,
                    bool to_appliance);

static void appliance_open(struct walk *w, const struct pn_entry *e)
{
    hop(w, NSG_PHOP_APPLIANCE, e->appl->id, e->appl->name);
    emit(w, NSG_PEND_OPEN, NULL, NULL, "via %s %s: an appliance, not verified",
         appl_kind(e->appl_type), pn_name(e->appl->name, e->appl->id));
}

/* The packet is in vnet v, addressed to w->dst: deliver it. */
static void deliver(struct walk *w, const struct nsg_vnet *v)
{
    const GPtrArray *priv = pn_private_at(w->n, &w->dst);
    const GPtrArray *ics = pn_ics_at(w->n, &w->dst);
    const struct nsg_subnet *s;

    for (guint i = 0; priv && i < priv->len; i++) {
        const struct pn_entry *e = priv->pdata[i];
        if (e->vnet != v)
            continue;
        if (e->kind == PN_E_LB) {
            lb_fork(w, e->lb, e->fe, false, false);
            return;
        }
        if (e->kind == PN_E_APPLIANCE) {
            appliance_open(w, e);
            return;
        }
    }
    for (guint i = 0; ics && i < ics->len; i++) {
        const struct pn_ic *ic = ics->pdata[i];
        if (ic->vnet != v)
            continue;
        struct nsg_phop *h = hop(w, NSG_PHOP_SUBNET,
                                 ic->subnet ? ic->subnet->id : NULL,
                                 ic->subnet ? ic->subnet->name : NULL);
        eval_at(h, ic->nic, NULL, NSG_DIR_IN, &w->view);
        emit(w, NSG_PEND_NIC, ic, NULL, NULL);
        return;
    }
    s = pn_subnet_at(w->n, v, &w->dst);
    if (s) {
        struct nsg_phop *h = hop(w, NSG_PHOP_SUBNET, s->id, s->name);
        eval_at(h, NULL, s, NSG_DIR_IN, &w->view);
        emit(w, NSG_PEND_HOST, NULL, s, NULL);
        return;
    }
    emit(w, NSG_PEND_DROP, NULL, NULL,
         "no subnet of virtual network %s holds the destination",
         pn_name(v->name, v->id));
}

/* ---- Standard SKU: closed without an NSG ------------------------------------ */
/* True when the path stops here (emitted). */
static bool closed(struct walk *w, const struct pn_ic *ic, const char *sku,
                   const char *what, const char *name)
{
    if (pn_has_nsg(w->n, ic))
        return false;
    if (!sku) {
        emit(w, NSG_PEND_OPEN, NULL, NULL,
             "the SKU of %s %s is not in the corpus and NIC %s has no NSG: "
             "a Standard SKU is closed to inbound traffic unless an NSG "
             "allows it, a Basic SKU is open (import the resource with its "
             "\"sku\")",
             what, name, pn_name(ic->nic->name, ic->nic->id));
        return true;
    }
    if (!strcasecmp(sku, "Standard")) {
        emit(w, NSG_PEND_DROP, NULL, NULL,
             "%s %s is Standard SKU, closed to inbound traffic unless an NSG "
             "allows it, and NIC %s has no NSG at either level",
             what, name, pn_name(ic->nic->name, ic->nic->id));
        return true;
    }
    return false;
}

/* ---- appliances ------------------------------------------------------------- */
static void via_nic(struct walk *w, const struct pn_ic *ic)
{
    struct nsg_phop *h;
    for (size_t i = 0; i < w->n_visited; i++)
        if (w->visited[i] == ic->nic) {
            emit(w, NSG_PEND_DROP, NULL, NULL,
                 "routing loop: the packet returns to appliance %s",
                 pn_name(ic->nic->name, ic->nic->id));
            return;
        }
    h = hop(w, NSG_PHOP_APPLIANCE, ic->nic->id, ic->nic->name);
    if (!ic->nic->ip_forwarding) {
        emit(w, NSG_PEND_DROP, NULL, NULL,
             "NIC %s does not have IP forwarding enabled "
             "(enableIPForwarding): Azure drops packets not addressed to it",
             pn_name(ic->nic->name, ic->nic->id));
        return;
    }
    if (w->n_visited == MAX_APPLIANCES) {
        emit(w, NSG_PEND_OPEN, NULL, NULL,
             "more than %d appliances on one path are not followed",
             MAX_APPLIANCES);
        return;
    }
    eval_at(h, ic->nic, NULL, NSG_DIR_IN, &w->view);
    eval_at(h, ic->nic, NULL, NSG_DIR_OUT, &w->view);
    w->visited[w->n_visited++] = ic->nic;
    w->forwarded = true;
    if (!ic->subnet) {
        missing(w, "subnet", ic->ic->subnet_id ? ic->ic->subnet_id : "?");
        return;
    }
    send_from(w, ic->subnet, ic);
}

/* A route to a virtual appliance at r->ip, sent from vnet v. */
static void via_appliance(struct walk *w, const struct nsg_vnet *v,
                          const struct nsg_proute *r)
{
    char ipb[NSG_IP_STRLEN];
    if (!r->has_ip) {
        hop(w, NSG_PHOP_APPLIANCE, NULL, NULL);
        emit(w, NSG_PEND_OPEN, NULL, NULL,
             "route %s has no next hop IP address: via an appliance, not "
             "verified",
             r->name ? r->name : "?");
        return;
    }
    const GPtrArray *priv = pn_private_at(w->n, &r->ip);
    for (guint i = 0; priv && i < priv->len; i++) {
        const struct pn_entry *e = priv->pdata[i];
        if (!pn_vnets_joined(w->n, v, e->vnet))
            continue;
        if (e->kind == PN_E_LB) {
            lb_fork(w, e->lb, e->fe, false, true);
            return;
        }
        if (e->kind == PN_E_APPLIANCE) {
            appliance_open(w, e);
            return;
        }
    }
    const GPtrArray *ics = pn_ics_at(w->n, &r->ip);
    const struct pn_ic *pick = NULL;
    for (guint i = 0; ics && i < ics->len; i++) {
        const struct pn_ic *ic = ics->pdata[i];
        if (ic->vnet == v)
            pick = ic;
        else if (!pick && pn_vnets_joined(w->n, v, ic->vnet))
            pick = ic;
    }
    if (pick) {
        via_nic(w, pick);
        return;
    }
    hop(w, NSG_PHOP_APPLIANCE, NULL, ip_text(&r->ip, ipb));
    emit(w, NSG_PEND_OPEN, NULL, NULL,
         "next hop %s is not a NIC of the corpus reachable from virtual "
         "network %s: via an appliance, not verified",
         ipb, pn_name(v->name, v->id));
}

/* ---- load balancers ----------------------------------------------------------- */
static const struct pn_ic *nat_backend(const struct nsg_pnet *n,
                                       const struct nsg_lb_nat_rule *r)
{
    const struct pn_ic *ic = pn_ic_by_id(n, r->ipconfig_id);
    if (ic)
        return ic;
    for (guint i = 0; i < n->ics->len; i++) {
        const struct pn_ic *x = n->ics->pdata[i];
        for (size_t k = 0; k < x->ic->n_lb_nat_rule_ids; k++)
            if (pn_same_id(x->ic->lb_nat_rule_ids[k], r->id))
                return x;
    }
    return NULL;
}

/* The packet reaches backend ic of a load balancer. */
static void to_backend(struct walk *w, const struct nsg_lb *lb,
                       const struct pn_ic *ic, bool public, bool floating,
                       uint16_t bport, bool keep_port, bool to_appliance)
{
    if (to_appliance) {
        via_nic(w, ic);
        return;
    }
    if (!ic->ic->has_ip) {
        emit(w, NSG_PEND_DROP, NULL, NULL,
             "backend ip configuration %s has no private address",
             pn_name(ic->ic->name, ic->ic->id));
        return;
    }
    if (!floating) {
        w->view.set |= NSG_PV_DST;
        w->view.dst = ic->ic->ip;
        if (!keep_port) {
            w->view.set |= NSG_PV_DPORT;
            w->view.dport = bport;
        }
    }
    if (public && closed(w, ic, lb->sku, "load balancer",
                         pn_name(lb->name, lb->id)))
        return;
    struct nsg_phop *h = hop(w, NSG_PHOP_SUBNET,
                             ic->subnet ? ic->subnet->id : NULL,
                             ic->subnet ? ic->subnet->name : NULL);
    eval_at(h, ic->nic, NULL, NSG_DIR_IN, &w->view);
    emit(w, NSG_PEND_NIC, ic, NULL, NULL);
}

static void port_text(char *b, size_t cap, const struct nsg_ip *ip,
                      int proto, uint16_t lo, uint16_t hi)
{
    char ipb[NSG_IP_STRLEN], pb[8];
    nsg_ip_format(ip, ipb);
    if (lo == 0 && hi == 65535)
        snprintf(b, cap, "%s (%s, every port)", ipb,
                 proto == NSG_PROTO_ANY ? "all" : nsg_proto_name(proto, pb));
    else if (lo == hi)
        snprintf(b, cap, "%s%s%s:%u", ip->family == 6 ? "[" : "", ipb,
                 ip->family == 6 ? "]" : "", lo);
    else
        snprintf(b, cap, "%s ports %u-%u", ipb, lo, hi);
}

static void lb_fork(struct walk *w, const struct nsg_lb *lb,
                    const struct nsg_lb_frontend *fe, bool public,
                    bool to_appliance)
{
    const char *lbname = pn_name(lb->name, lb->id);
    struct nsg_psvc all = {0};
    struct mark m;
    char fb[96], bb[96];

    if (w->forked) {
        hop(w, NSG_PHOP_LB, lb->id, lb->name);
        emit(w, NSG_PEND_OPEN, NULL, NULL,
             "a second load balancer (%s) on one path is not modelled",
             lbname);
        return;
    }
    m = mark(w);
    for (size_t i = 0; i < lb->n_rules; i++) {
        const struct nsg_lb_rule *r = &lb->rules[i];
        bool ha = r->frontend_port == 0 && r->backend_port == 0;
        uint16_t lo = ha ? 0 : r->frontend_port, hi = ha ? 65535 : r->frontend_port;
        bool any_backend = false;
        if (!pn_same_id(r->frontend_id, fe->id))
            continue;
        psvc_add(&all, r->proto, lo, hi);
        for (size_t j = 0; j < r->n_pool_ids; j++) {
            const GPtrArray *mem = pn_pool_members(w->n, r->pool_ids[j]);
            for (guint k = 0; mem && k < mem->len; k++) {
                const struct pn_ic *ic = mem->pdata[k];
                struct nsg_phop *h;
                any_backend = true;
                w->forked = true;
                psvc_add(&w->svc, r->proto, lo, hi);
                h = hop(w, NSG_PHOP_LB, lb->id, lb->name);
                port_text(fb, sizeof(fb), &w->dst, r->proto, lo, hi);
                if (ic->ic->has_ip)
                    port_text(bb, sizeof(bb), &ic->ic->ip, r->proto,
                              ha ? lo : r->backend_port,
                              ha ? hi : r->backend_port);
                else
                    snprintf(bb, sizeof(bb), "%s", "?");
                detail(h, "rule %s: frontend %s -> backend %s%s",
                       pn_name(r->name, r->id), fb, bb,
                       r->floating_ip ? " (floating IP: the backend sees "
                                        "the frontend address and port)"
                                      : "");
                to_backend(w, lb, ic, public, r->floating_ip,
                           r->backend_port, ha, to_appliance);
                restore(w, &m);
            }
        }
        if (!any_backend) {
            w->forked = true;
            psvc_add(&w->svc, r->proto, lo, hi);
            hop(w, NSG_PHOP_LB, lb->id, lb->name);
            emit(w, NSG_PEND_DROP, NULL, NULL,
                 "the backend pool of rule %s of load balancer %s holds no "
                 "ip configuration of the corpus",
                 pn_name(r->name, r->id), lbname);
            restore(w, &m);
        }
    }
    for (size_t i = 0; !to_appliance && i < lb->n_nat_rules; i++) {
        const struct nsg_lb_nat_rule *r = &lb->nat_rules[i];
        struct nsg_phop *h;
        if (!pn_same_id(r->frontend_id, fe->id))
            continue;
        w->forked = true;
        if (r->pool_id && r->range_hi) {
            psvc_add(&all, r->proto, r->range_lo, r->range_hi);
            psvc_add(&w->svc, r->proto, r->range_lo, r->range_hi);
            h = hop(w, NSG_PHOP_NAT_RULE, r->id, r->name);
            detail(h, "frontend ports %u-%u -> backend port %u of pool %s",
                   r->range_lo, r->range_hi, r->backend_port, r->pool_id);
            struct nsg_path *p = emit(
                w, NSG_PEND_OPEN, NULL, NULL,
                "inbound NAT rule %s maps a port range to the members of a "
                "backend pool; which port reaches which member is not in the "
                "corpus",
                pn_name(r->name, r->id));
            const GPtrArray *mem = pn_pool_members(w->n, r->pool_id);
            for (guint k = 0; mem && k < mem->len; k++) {
                const struct pn_ic *ic = mem->pdata[k];
                if (ic->ic->has_ip)
                    nsg_addrset_add_range(&p->reach, ic->ic->ip.family,
                                          ic->ic->ip.v, ic->ic->ip.v);
            }
            psvc_add(&p->reach_svc, r->proto, r->backend_port,
                     r->backend_port);
            restore(w, &m);
            continue;
        }
        psvc_add(&all, r->proto, r->frontend_port, r->frontend_port);
        psvc_add(&w->svc, r->proto, r->frontend_port, r->frontend_port);
        const struct pn_ic *ic = nat_backend(w->n, r);
        h = hop(w, NSG_PHOP_NAT_RULE, r->id, r->name);
        port_text(fb, sizeof(fb), &w->dst, r->proto, r->frontend_port,
                  r->frontend_port);
        if (ic && ic->ic->has_ip)
            port_text(bb, sizeof(bb), &ic->ic->ip, r->proto, r->backend_port,
                      r->backend_port);
        detail(h, "frontend %s -> backend %s%s", fb, ic ? bb : "(none)",
               r->floating_ip ? " (floating IP)" : "");
        if (!ic)
            emit(w, NSG_PEND_DROP, NULL, NULL,
                 "inbound NAT rule %s has no backend ip configuration",
                 pn_name(r->name, r->id));
        else
            to_backend(w, lb, ic, public, r->floating_ip, r->backend_port,
                       false, false);
        restore(w, &m);
    }
    /* packets no rule takes */
    w->forked = true;
    for (size_t i = 0; i < all.n; i++)
        psvc_add(&w->svc, all.items[i].proto, all.items[i].lo,
                 all.items[i].hi);
    w->svc.negate = true;
    hop(w, NSG_PHOP_LB, lb->id, lb->name);
    emit(w, NSG_PEND_DROP, NULL, NULL,
         "no load-balancing rule or inbound NAT rule of load balancer %s "
         "takes this protocol and port at this frontend",
         lbname);
    restore(w, &m);
    psvc_release(&all);
}

/* ---- the Internet ------------------------------------------------------------- */
enum snat_kind { SN_NONE, SN_NATGW, SN_PIP, SN_LB_OUT, SN_LB_RULE, SN_DEFAULT,
                 SN_UNKNOWN };
struct snat {
    enum snat_kind kind;
    const struct nsg_pip *pip;     /* SN_PIP */
    const char *by;                /* the resource's name */
    char why[256];                 /* SN_NONE / SN_UNKNOWN */
};

static bool pool_has(const struct nsg_pnet *n, const char *pool_id,
                     const struct pn_ic *ic)
{
    const GPtrArray *a = pn_pool_members(n, pool_id);
    return a && g_ptr_array_find((GPtrArray *)a, ic, NULL);
}

static bool lb_public(const struct nsg_pnet *n, const struct nsg_lb *lb,
                      const char *fe_id, uint8_t fam)
{
    for (size_t i = 0; i < lb->n_frontends; i++)
        if (pn_same_id(lb->frontends[i].id, fe_id)) {
            const struct nsg_pip *p =
                nsg_topo_get(n->t, NSG_RES_PIP, lb->frontends[i].public_ip_id);
            return p && (!p->has_ip || p->ip.family == fam);
        }
    return false;
}

/* Outbound connectivity of an ip configuration (NULL: an address of the
 * subnet no NIC of the corpus holds), in Azure's order of precedence: NAT
 * gateway, instance public IP, load balancer outbound rule, load balancer
 * rule's SNAT, default outbound access. */
static void outbound(const struct nsg_pnet *n, const struct nsg_subnet *s,
                     const struct pn_ic *ic, uint8_t fam, struct snat *o)
{
    const struct nsg_natgw *g = pn_natgw_of(n, s);
    memset(o, 0, sizeof(*o));
    if (g && fam == 4) {
        o->kind = SN_NATGW;
        o->by = pn_name(g->name, g->id);
        return;
    }
    if (ic) {
        const struct nsg_pip *p =
            nsg_topo_get(n->t, NSG_RES_PIP, ic->ic->public_ip_id);
        if (p && (!p->has_ip || p->ip.family == fam)) {
            o->kind = SN_PIP;
            o->pip = p->has_ip ? p : NULL;
            o->by = pn_name(p->name, p->id);
            return;
        }
        for (guint i = 0; i < NSG_TOPO_N(n->t, NSG_RES_LB); i++) {
            const struct nsg_lb *lb = NSG_TOPO_AT(n->t, NSG_RES_LB, i);
            for (size_t j = 0; j < lb->n_outbound; j++) {
                const struct nsg_lb_outbound *r = &lb->outbound[j];
                bool fe = false;
                for (size_t k = 0; k < r->n_frontend_ids; k++)
                    fe = fe || lb_public(n, lb, r->frontend_ids[k], fam);
                if (fe && pool_has(n, r->pool_id, ic)) {
                    o->kind = SN_LB_OUT;
                    o->by = pn_name(lb->name, lb->id);
                    return;
                }
            }
            for (size_t j = 0; j < lb->n_rules; j++) {
                const struct nsg_lb_rule *r = &lb->rules[j];
                if (r->disable_outbound_snat ||
                    !lb_public(n, lb, r->frontend_id, fam))
                    continue;
                for (size_t k = 0; k < r->n_pool_ids; k++)
                    if (pool_has(n, r->pool_ids[k], ic)) {
                        o->kind = SN_LB_RULE;
                        o->by = pn_name(lb->name, lb->id);
                        return;
                    }
            }
        }
    }
    if (fam == 4 && s && !s->private_subnet) {
        o->kind = SN_DEFAULT;
        return;
    }
    if (!ic && s && fam == 4) {
        o->kind = SN_UNKNOWN;
        snprintf(o->why, sizeof(o->why),
                 "subnet %s is private (defaultOutboundAccess false) and no "
                 "NIC of the corpus holds the source address: whether it has "
                 "a public IP is not known",
                 pn_name(s->name, s->id));
        return;
    }
    o->kind = SN_NONE;
    if (fam == 6)
        snprintf(o->why, sizeof(o->why),
                 "no outbound connectivity for IPv6: the ip configuration has "
                 "no public IPv6 address and no load balancer gives it one "
                 "(default outbound access is IPv4 only)");
    else
        snprintf(o->why, sizeof(o->why),
                 "no outbound connectivity: subnet %s is private "
                 "(defaultOutboundAccess false) and the ip configuration has "
                 "no public IP, NAT gateway or load balancer outbound rule",
                 s ? pn_name(s->name, s->id) : "?");
}

static const char *snat_text(const struct snat *o, char *b, size_t cap)
{
    char ipb[NSG_IP_STRLEN];
    switch (o->kind) {
    case SN_NATGW: snprintf(b, cap, "source NAT by NAT gateway %s", o->by); break;
    case SN_PIP:
        if (o->pip)
            snprintf(b, cap, "source NAT to public IP %s (%s)", o->by,
                     ip_text(&o->pip->ip, ipb));
        else
            snprintf(b, cap, "source NAT to public IP %s", o->by);
        break;
    case SN_LB_OUT:
        snprintf(b, cap, "source NAT by an outbound rule of load balancer %s",
                 o->by);
        break;
    case SN_LB_RULE:
        snprintf(b, cap, "source NAT by a load-balancing rule of load "
                         "balancer %s", o->by);
        break;
    case SN_DEFAULT:
        snprintf(b, cap, "source NAT by default outbound access");
        break;
    default: snprintf(b, cap, "%s", o->why); break;
    }
    return b;
}

static void from_internet(struct walk *w);

/* Route next hop Internet from subnet s (sender ic or NULL). */
static void to_internet(struct walk *w, const struct nsg_subnet *s,
                        const struct pn_ic *sender)
{
    char sb[384];
    struct snat o;
    const GPtrArray *pub = pn_public_at(w->n, &w->dst);
    const struct nsg_vnet *v = pn_subnet(w->n, s) ? pn_subnet(w->n, s)->vnet
                                                  : NULL;

    if (!pub && !nsg_addrset_contains(&w->n->internet, &w->dst)) {
        hop(w, NSG_PHOP_INTERNET, NULL, NULL);
        emit(w, NSG_PEND_DROP, NULL, NULL,
             "the destination is not an Internet address (private or "
             "reserved): the Internet does not route it");
        return;
    }
    outbound(w->n, s, sender, w->dst.family, &o);
    if (o.kind == SN_NONE) {
        emit(w, NSG_PEND_DROP, NULL, NULL, "%s", o.why);
        return;
    }
    if (o.kind == SN_UNKNOWN) {
        emit(w, NSG_PEND_OPEN, NULL, NULL, "%s", o.why);
        return;
    }
    struct nsg_phop *h = hop(w, NSG_PHOP_INTERNET,
                             o.kind == SN_PIP && o.pip ? o.pip->id : NULL,
                             o.kind == SN_PIP && o.pip ? o.pip->name : NULL);
    detail(h, "%s", snat_text(&o, sb, sizeof(sb)));
    if (v && pn_vnet_has_gateway(w->n, v))
        add_note(w, "virtual network %s has a gateway: a route it learned "
                    "(BGP, not in the corpus) could send this traffic "
                    "elsewhere",
                 pn_name(v->name, v->id));
    if (!pub) {
        emit(w, NSG_PEND_INTERNET, NULL, NULL, NULL);
        return;
    }
    /* a public address of the corpus: back in through the Internet */
    if (o.kind != SN_PIP || !o.pip) {
        struct nsg_path *p = emit(
            w, NSG_PEND_OPEN, NULL, NULL,
            "the destination is a public address of the corpus; after %s "
            "the source address and port its NSGs see are not known",
            snat_text(&o, sb, sizeof(sb)));
        /* where it may arrive: the ip configurations behind the address */
        for (guint i = 0; i < pub->len; i++) {
            const struct pn_entry *e = pub->pdata[i];
            if (e->kind == PN_E_NIC && e->ic->ic->has_ip)
                nsg_addrset_add_range(&p->reach, e->ic->ic->ip.family,
                                      e->ic->ic->ip.v, e->ic->ic->ip.v);
            for (size_t k = 0; e->kind == PN_E_LB && k < e->lb->n_pools; k++) {
                const GPtrArray *m = pn_pool_members(w->n, e->lb->pools[k].id);
                for (guint j = 0; m && j < m->len; j++) {
                    const struct pn_ic *ic = m->pdata[j];
                    if (ic->ic->has_ip)
                        nsg_addrset_add_range(&p->reach, ic->ic->ip.family,
                                              ic->ic->ip.v, ic->ic->ip.v);
                }
            }
        }
        return;
    }
    w->view.set |= NSG_PV_SRC;
    w->view.src = o.pip->ip;
    from_internet(w);
}

/* From the Internet to w->dst (a public address of the corpus, or not). */
static void from_internet(struct walk *w)
{
    char ipb[NSG_IP_STRLEN], pb[NSG_IP_STRLEN];
    const GPtrArray *pub = pn_public_at(w->n, &w->dst);
    struct mark m = mark(w);

    if (!pub) {
        if (nsg_addrset_contains(&w->n->internet, &w->dst))
            return; /* from the Internet to the Internet: not the corpus */
        hop(w, NSG_PHOP_INTERNET, NULL, NULL);
        emit(w, NSG_PEND_DROP, NULL, NULL,
             "the destination is a private or reserved address: it is not "
             "reachable from the Internet");
        return;
    }
    for (guint i = 0; i < pub->len; i++) {
        const struct pn_entry *e = pub->pdata[i];
        struct nsg_phop *h =
            hop(w, NSG_PHOP_INTERNET, e->pip->id, e->pip->name);
        switch (e->kind) {
        case PN_E_NIC:
            detail(h, "public IP %s -> private %s",
                   ip_text(&e->pip->ip, pb), ip_text(&e->ic->ic->ip, ipb));
            w->view.set |= NSG_PV_DST;
            w->view.dst = e->ic->ic->ip;
            if (closed(w, e->ic, e->pip->sku, "public IP",
                       pn_name(e->pip->name, e->pip->id)))
                break;
            h = hop(w, NSG_PHOP_SUBNET,
                    e->ic->subnet ? e->ic->subnet->id : NULL,
                    e->ic->subnet ? e->ic->subnet->name : NULL);
            eval_at(h, e->ic->nic, NULL, NSG_DIR_IN, &w->view);
            emit(w, NSG_PEND_NIC, e->ic, NULL, NULL);
            break;
        case PN_E_LB:
            detail(h, "public IP %s of load balancer %s",
                   ip_text(&e->pip->ip, pb), pn_name(e->lb->name, e->lb->id));
            lb_fork(w, e->lb, e->fe, true, false);
            break;
        case PN_E_APPLIANCE: {
            const struct nsg_appliance *a = e->appl;
            hop(w, NSG_PHOP_APPLIANCE, a->id, a->name);
            struct nsg_path *p =
                emit(w, NSG_PEND_OPEN, NULL, NULL,
                     "via %s %s: an appliance, not verified",
                     appl_kind(e->appl_type), pn_name(a->name, a->id));
            pn_appliance_reach(w->n, e, &p->reach);
            if (e->appl_type == NSG_RES_APPGW && a->n_backend_ports)
                for (size_t j = 0; j < a->n_backend_ports; j++)
                    psvc_add(&p->reach_svc, NSG_PROTO_TCP,
                             a->backend_ports[j], a->backend_ports[j]);
            else if (e->appl_type == NSG_RES_BASTION &&
                     (!a->sku || !strcasecmp(a->sku, "Basic") ||
                      !strcasecmp(a->sku, "Developer"))) {
                psvc_add(&p->reach_svc, NSG_PROTO_TCP, 22, 22);
                psvc_add(&p->reach_svc, NSG_PROTO_TCP, 3389, 3389);
            } else if (e->appl_type != NSG_RES_FIREWALL)
                psvc_add(&p->reach_svc, NSG_PROTO_TCP, 0, 65535);
            break;
        }
        case PN_E_NATGW:
            emit(w, NSG_PEND_DROP, NULL, NULL,
                 "%s belongs to NAT gateway %s, which accepts no inbound "
                 "connections",
                 ip_text(&e->pip->ip, pb), pn_name(e->natgw->name, e->natgw->id));
            break;
        }
        restore(w, &m);
    }
}

/* ---- routing ------------------------------------------------------------------- */
static bool is_platform(const struct nsg_ip *ip)
{
    struct nsg_ip a, b;
    nsg_ip_parse("168.63.129.16", &a);
    nsg_ip_parse("169.254.169.254", &b);
    return !nsg_ip_cmp(ip, &a) || !nsg_ip_cmp(ip, &b);
}

static bool state_connected(const struct nsg_peering *p)
{
    return p && p->state && !strcasecmp(p->state, "Connected");
}

static void cross_peering(struct walk *w, const struct nsg_vnet *v,
                          const struct nsg_proute *r)
{
    const struct pn_peer *pp = pn_peer_of(w->n, v, r->peering);
    const struct nsg_peering *p = r->peering;
    const char *vn = pn_name(v->name, v->id);
    char *pid = g_strdup_printf("%s/virtualNetworkPeerings/%s",
                                v->id ? v->id : vn, p->name ? p->name : "?");
    struct nsg_phop *h = hop(w, NSG_PHOP_PEERING, pid, p->name);
    g_free(pid);

    if (!p->allow_vnet_access) {
        emit(w, NSG_PEND_DROP, NULL, NULL,
             "peering %s of virtual network %s does not allow virtual "
             "network access (allowVirtualNetworkAccess false)",
             p->name ? p->name : "?", vn);
        return;
    }
    if (!pp || !pp->to) {
        detail(h, "to %s (not in the corpus)",
               p->remote_vnet_id ? p->remote_vnet_id : "?");
        add_note(w, "virtual network %s is not in the corpus: the peering "
                    "state and remote address space of %s's side are used",
                 p->remote_vnet_id ? p->remote_vnet_id : "?", vn);
        emit(w, NSG_PEND_OUTSIDE, NULL, NULL, NULL);
        return;
    }
    const char *tn = pn_name(pp->to->name, pp->to->id);
    detail(h, "%s -> %s", vn, tn);
    if (!pp->back) {
        emit(w, NSG_PEND_DROP, NULL, NULL,
             "virtual network %s has no peering back to %s", tn, vn);
        return;
    }
    if (!state_connected(pp->back)) {
        emit(w, NSG_PEND_DROP, NULL, NULL,
             "peering %s of virtual network %s is %s, not Connected",
             pp->back->name ? pp->back->name : "?", tn,
             pp->back->state ? pp->back->state : "without a state");
        return;
    }
    if (!pp->back->allow_vnet_access) {
        emit(w, NSG_PEND_DROP, NULL, NULL,
             "peering %s of virtual network %s does not allow virtual "
             "network access (allowVirtualNetworkAccess false)",
             pp->back->name ? pp->back->name : "?", tn);
        return;
    }
    if (w->forwarded && !pp->back->allow_forwarded) {
        emit(w, NSG_PEND_DROP, NULL, NULL,
             "the packet was forwarded by an appliance and peering %s of "
             "virtual network %s does not allow forwarded traffic "
             "(allowForwardedTraffic false)",
             pp->back->name ? pp->back->name : "?", tn);
        return;
    }
    deliver(w, pp->to);
}

static void send_from(struct walk *w, const struct nsg_subnet *s,
                      const struct pn_ic *sender)
{
    char cb[NSG_CIDR_STRLEN];
    const struct pn_subnet *ps = pn_subnet(w->n, s);
    const struct nsg_vnet *v = ps ? ps->vnet : NULL;
    const struct nsg_proute *r;

    if (!v) {
        missing(w, "virtual network", s->vnet_id ? s->vnet_id : "?");
        return;
    }
    if (s->route_table_id &&
        !nsg_topo_get(w->n->t, NSG_RES_ROUTE_TABLE, s->route_table_id)) {
        missing(w, "route table", s->route_table_id);
        return;
    }
    if (!w->forwarded && is_platform(&w->dst)) {
        hop(w, NSG_PHOP_PLATFORM, NULL, "Azure host");
        emit(w, NSG_PEND_PLATFORM, NULL, NULL, NULL);
        return;
    }
    r = nsg_pnet_route(w->n, s, &w->dst);
    if (w->n_hops)
        w->hops[w->n_hops - 1].route = r;
    if (ps->unknown_tag &&
        (!r || (!r->user && (r->hop == NSG_NH_INTERNET ||
                             r->hop == NSG_NH_NONE)))) {
        emit(w, NSG_PEND_OPEN, NULL, NULL,
             "a route of subnet %s names service tag '%s', which is not "
             "known: import a Service Tags file that defines it",
             pn_name(s->name, s->id), ps->unknown_tag);
        return;
    }
    if (!r) {
        emit(w, NSG_PEND_DROP, NULL, NULL,
             "subnet %s has no route for the destination",
             pn_name(s->name, s->id));
        return;
    }
    switch (r->hop) {
    case NSG_NH_VNETLOCAL:
        if (!pn_in_space(v, &w->dst)) {
            emit(w, NSG_PEND_DROP, NULL, NULL,
                 "route %s sends the destination to the virtual network, "
                 "which does not hold it",
                 cidr_text(&r->prefix, cb));
            return;
        }
        deliver(w, v);
        return;
    case NSG_NH_PEERING:
        cross_peering(w, v, r);
        return;
    case NSG_NH_INTERNET:
        to_internet(w, s, sender);
        return;
    case NSG_NH_NONE:
        if (!r->user && pn_vnet_has_gateway(w->n, v)) {
            hop(w, NSG_PHOP_GATEWAY, v->id, v->name);
            emit(w, NSG_PEND_OPEN, NULL, NULL,
                 "virtual network %s has a gateway, whose routes (BGP, "
                 "local network gateways) are not in the corpus: reachable "
                 "through the gateway, not verified",
                 pn_name(v->name, v->id));
            return;
        }
        emit(w, NSG_PEND_DROP, NULL, NULL, "%s route %s: next hop None",
             r->user ? "user-defined" : "system", cidr_text(&r->prefix, cb));
        return;
    case NSG_NH_APPLIANCE:
        via_appliance(w, v, r);
        return;
    case NSG_NH_GATEWAY:
        hop(w, NSG_PHOP_GATEWAY, v->id, v->name);
        emit(w, NSG_PEND_OPEN, NULL, NULL,
             "route %s sends it to the virtual network gateway: reachable "
             "through the gateway, not verified",
             cidr_text(&r->prefix, cb));
        return;
    default:
        emit(w, NSG_PEND_OPEN, NULL, NULL,
             "next hop type '%s' of route %s is not modelled",
             r->type_text ? r->type_text : "?", r->name ? r->name : "?");
        return;
    }
}

/* ---- origins ------------------------------------------------------------------ */
static bool addrs_of_family(const struct nsg_addrset *a, uint8_t fam)
{
    for (size_t i = 0; i < a->n; i++)
        if (a->r[i].family == fam)
            return true;
    return false;
}

/* Do the user-defined routes of v's subnets cover an address of a (the
 * VirtualNetwork tag holds them: on-premises ranges routed from Azure)? */
static bool udr_covers(const struct nsg_pnet *n, const struct nsg_vnet *v,
                       const struct nsg_addrset *a)
{
    const GPtrArray *ss = pn_vnet_subnets(n, v);
    for (guint i = 0; ss && i < ss->len; i++) {
        const struct pn_subnet *ps = pn_subnet(n, ss->pdata[i]);
        for (size_t k = 0; ps && k < ps->n_routes; k++) {
            struct nsg_addrset x = NSG_ADDRSET_INIT, both = NSG_ADDRSET_INIT;
            if (!ps->routes[k].user)
                continue;
            nsg_addrset_add_cidr(&x, &ps->routes[k].prefix);
            nsg_addrset_intersect(&both, &x, a);
            bool covered = !nsg_addrset_is_empty(&both);
            nsg_addrset_release(&x);
            nsg_addrset_release(&both);
            if (covered)
                return true;
        }
    }
    return false;
}

static void from_onprem(struct walk *w)
{
    const struct nsg_topology *t = w->n->t;
    struct mark m = mark(w);
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_VNET); i++) {
        const struct nsg_vnet *v = NSG_TOPO_AT(t, NSG_RES_VNET, i);
        if (!pn_in_space(v, &w->dst))
            continue;
        if (pn_vnet_has_gateway(w->n, v) || udr_covers(w->n, v, &w->o->addrs)) {
            hop(w, NSG_PHOP_GATEWAY, v->id, v->name);
            w->unknown = true;
            w->unknown_why = "from outside Azure (on-premises) through the "
                             "virtual network gateway: reachable through the "
                             "gateway, not verified";
            deliver(w, v);
        } else {
            emit(w, NSG_PEND_DROP, NULL, NULL,
                 "the source is a private address outside every virtual "
                 "network of the corpus, and virtual network %s has no "
                 "gateway to on-premises networks",
                 pn_name(v->name, v->id));
        }
        restore(w, &m);
    }
}

static void from_platform(struct walk *w)
{
    const GPtrArray *ics = pn_ics_at(w->n, &w->dst);
    struct mark m = mark(w);
    for (guint i = 0; ics && i < ics->len; i++) {
        const struct pn_ic *ic = ics->pdata[i];
        hop(w, NSG_PHOP_PLATFORM, NULL, "Azure host");
        struct nsg_phop *h = hop(w, NSG_PHOP_SUBNET,
                                 ic->subnet ? ic->subnet->id : NULL,
                                 ic->subnet ? ic->subnet->name : NULL);
        eval_at(h, ic->nic, NULL, NSG_DIR_IN, &w->view);
        emit(w, NSG_PEND_NIC, ic, NULL, NULL);
        restore(w, &m);
    }
}

static void from_peer(struct walk *w)
{
    const struct nsg_vnet *v = w->o->vnet;
    const struct nsg_peering *p = w->o->peering;
    if (!pn_in_space(v, &w->dst))
        return;
    struct nsg_phop *h = hop(w, NSG_PHOP_PEERING, p->remote_vnet_id, p->name);
    detail(h, "from %s (not in the corpus)",
           p->remote_vnet_id ? p->remote_vnet_id : "?");
    add_note(w, "virtual network %s is not in the corpus: the peering state "
                "and remote address space of %s's side are used",
             p->remote_vnet_id ? p->remote_vnet_id : "?",
             pn_name(v->name, v->id));
    if (!state_connected(p) || !p->allow_vnet_access) {
        emit(w, NSG_PEND_DROP, NULL, NULL,
             "peering %s of virtual network %s is %s%s",
             p->name ? p->name : "?", pn_name(v->name, v->id),
             p->state ? p->state : "without a state",
             p->allow_vnet_access ? "" : " without virtual network access");
        return;
    }
    deliver(w, v);
}

void nsg_pnet_walk(const struct nsg_pnet *n, const struct nsg_origin *o,
                   const struct nsg_ip *dst, struct nsg_paths *out)
{
    struct walk w;
    memset(&w, 0, sizeof(w));
    w.n = n;
    w.o = o;
    w.dst = *dst;
    w.out = out;
    if (!addrs_of_family(&o->addrs, dst->family))
        return;
    switch (o->kind) {
    case NSG_ORIGIN_NIC: {
        for (size_t i = 0; i < o->nic->n_ipconfigs; i++)
            if (o->nic->ipconfigs[i].has_ip &&
                !nsg_ip_cmp(&o->nic->ipconfigs[i].ip, dst))
                return; /* a NIC to itself: no path, no NSG */
        struct pn_ic me = {o->nic, o->ic, o->subnet, o->vnet};
        const struct pn_ic *sender = pn_ic_by_id(n, o->ic->id);
        struct nsg_phop *h = hop(&w, NSG_PHOP_SUBNET,
                                 o->subnet ? o->subnet->id : o->ic->subnet_id,
                                 o->subnet ? o->subnet->name : NULL);
        eval_at(h, o->nic, NULL, NSG_DIR_OUT, &w.view);
        if (!o->subnet)
            missing(&w, "subnet", o->ic->subnet_id ? o->ic->subnet_id : "?");
        else
            send_from(&w, o->subnet, sender ? sender : &me);
        break;
    }
    case NSG_ORIGIN_HOST: {
        struct nsg_phop *h =
            hop(&w, NSG_PHOP_SUBNET, o->subnet->id, o->subnet->name);
        eval_at(h, NULL, o->subnet, NSG_DIR_OUT, &w.view);
        send_from(&w, o->subnet, NULL);
        break;
    }
    case NSG_ORIGIN_INTERNET: from_internet(&w); break;
    case NSG_ORIGIN_PLATFORM: from_platform(&w); break;
    case NSG_ORIGIN_ONPREM: from_onprem(&w); break;
    case NSG_ORIGIN_PEER: from_peer(&w); break;
    case NSG_ORIGIN_NONE:
        emit(&w, NSG_PEND_DROP, NULL, NULL, "no path from the source: %s",
             o->why ? o->why : "it cannot send");
        break;
    }
    restore(&w, &(struct mark){0});
    free(w.hops);
    psvc_release(&w.svc);
    g_free(w.note);
}

void nsg_pnet_trace(const struct nsg_pnet *n, const struct nsg_origin *o,
                    const struct nsg_packet *p, struct nsg_paths *out)
{
    struct nsg_paths all = NSG_PATHS_INIT;
    nsg_pnet_walk(n, o, &p->dst, &all);
    for (size_t i = 0; i < all.n; i++) {
        if (nsg_psvc_match(&all.p[i].svc, p)) {
            out->p = nsg_xrealloc(out->p, (out->n + 1) * sizeof(*out->p));
            out->p[out->n++] = all.p[i];
        } else {
            nsg_path_release(&all.p[i]);
        }
    }
    free(all.p);
}

/* ---- keys ---------------------------------------------------------------------- */
static void view_key(struct nsg_buf *b, const struct nsg_pview *v)
{
    char ipb[NSG_IP_STRLEN];
    if (v->set & NSG_PV_SRC)
        nsg_buf_addf(b, "s%s", ip_text(&v->src, ipb));
    if (v->set & NSG_PV_DST)
        nsg_buf_addf(b, "d%s", ip_text(&v->dst, ipb));
    if (v->set & NSG_PV_DPORT)
        nsg_buf_addf(b, "p%u", v->dport);
}

char *nsg_path_key(const struct nsg_path *p)
{
    struct nsg_buf b = NSG_BUF_INIT;
    for (size_t i = 0; i < p->n_hops; i++) {
        const struct nsg_phop *h = &p->hops[i];
        nsg_buf_addf(&b, "%d|%s|%s|%p|", (int)h->kind,
                     h->resource ? h->resource : "", h->detail ? h->detail : "",
                     (const void *)h->route);
        for (size_t k = 0; k < h->n_eval; k++) {
            nsg_buf_addf(&b, "e%p,%p,%d,", (const void *)h->eval[k].nic,
                         (const void *)h->eval[k].subnet, (int)h->eval[k].dir);
            view_key(&b, &h->eval[k].view);
        }
        nsg_buf_adds(&b, ";");
    }
    nsg_buf_addf(&b, "#%d%d|%p|%p|", (int)p->end, (int)p->unknown,
                 (const void *)p->dst_ic, (const void *)p->dst_subnet);
    view_key(&b, &p->delivered);
    nsg_buf_addf(&b, "|%s|%s|%s|%d", p->reason ? p->reason : "",
                 p->note ? p->note : "", p->missing ? p->missing : "",
                 (int)p->svc.negate);
    for (size_t i = 0; i < p->svc.n; i++)
        nsg_buf_addf(&b, ",%d:%u-%u", p->svc.items[i].proto,
                     p->svc.items[i].lo, p->svc.items[i].hi);
    return nsg_buf_detach(&b);
}

void nsg_path_copy(struct nsg_path *dst, const struct nsg_path *src)
{
    *dst = *src;
    dst->hops = nsg_xcalloc(src->n_hops ? src->n_hops : 1, sizeof(*dst->hops));
    for (size_t i = 0; i < src->n_hops; i++) {
        dst->hops[i] = src->hops[i];
        dst->hops[i].resource = nsg_xstrdup(src->hops[i].resource);
        dst->hops[i].name = nsg_xstrdup(src->hops[i].name);
        dst->hops[i].detail = nsg_xstrdup(src->hops[i].detail);
    }
    psvc_copy(&dst->svc, &src->svc);
    psvc_copy(&dst->reach_svc, &src->reach_svc);
    dst->reach = (struct nsg_addrset)NSG_ADDRSET_INIT;
    nsg_addrset_copy(&dst->reach, &src->reach);
    dst->reason = nsg_xstrdup(src->reason);
    dst->note = nsg_xstrdup(src->note);
    dst->missing = nsg_xstrdup(src->missing);
}
