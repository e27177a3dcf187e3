/* cli_path.c - prints a path hop by hop with the NSG levels decided at
 * each hop (shared by `path` and `verify`). */
#include <stdio.h>

#include "cli_path.h"

/* "NIC web-1 Inbound, " or "subnet web Inbound, " after indent. */
static void print_where(const char *indent, const char *nic,
                        const char *subnet, enum nsg_dir dir)
{
    if (nic)
        printf("%sNIC %s %s, ", indent, nic, nsg_dir_name(dir));
    else
        printf("%ssubnet %s %s, ", indent, subnet ? subnet : "?",
               nsg_dir_name(dir));
}

void cli_print_verdict(const char *indent, const char *nic, const char *subnet,
                       enum nsg_dir dir, const struct nsg_verdict *v)
{
    if (v->platform) {
        print_where(indent, nic, subnet, dir);
        printf("platform traffic (%s) -> %s\n", nsg_platform_name(v->platform),
               nsg_decision_name(v->decision));
        return;
    }
    if (v->admin.rule) {
        const struct nsg_admin_rule *ar = v->admin.rule->ar;
        print_where(indent, nic, subnet, dir);
        printf("security admin rule %s (%s, priority %d)", ar->name,
               nsg_admin_access_name(ar->access), ar->r.priority);
        if (v->admin.ends)
            printf(" -> %s\n", nsg_decision_name(v->decision));
        else
            printf(": handed on to the NSGs\n");
        if (v->admin.ends)
            return;
    }
    for (size_t m = 0; m < v->n_levels; m++) {
        const struct nsg_level *l = &v->levels[m];
        print_where(indent, nic, subnet, dir);
        if (!l->nsg) {
            printf("%s level: no NSG (Allow)\n", l->level ? l->level : "subnet");
            continue;
        }
        const struct nsg_crule *cr = l->m.rule;
        printf("%s NSG %s: rule %s", l->level ? l->level : "subnet",
               l->nsg->name ? l->nsg->name : l->nsg->id,
               cr && cr->rule && cr->rule->name ? cr->rule->name : "(none)");
        if (cr)
            printf(" (priority %d)", cr->priority);
        printf(" -> %s", nsg_decision_name(l->m.decision));
        if (l->note)
            printf(" (%s)", l->note);
        printf("\n");
    }
}

static void print_point(const char *indent, const struct nsg_pverdict *pv)
{
    const struct nsg_peval *e = pv->at;
    cli_print_verdict(indent,
                      e->nic ? (e->nic->name ? e->nic->name : e->nic->id)
                             : NULL,
                      e->subnet ? (e->subnet->name ? e->subnet->name
                                                   : e->subnet->id)
                                : NULL,
                      e->dir, &pv->v);
}

const char *cli_path_end_text(const struct nsg_path *p, char *buf, size_t cap)
{
    switch (p->end) {
    case NSG_PEND_NIC:
        snprintf(buf, cap, "delivered to NIC %s",
                 p->dst_nic->name ? p->dst_nic->name : p->dst_nic->id);
        break;
    case NSG_PEND_HOST:
        snprintf(buf, cap,
                 "delivered into subnet %s (no NIC of the corpus holds the "
                 "address)",
                 p->dst_subnet->name ? p->dst_subnet->name : p->dst_subnet->id);
        break;
    case NSG_PEND_INTERNET: snprintf(buf, cap, "leaves to the Internet"); break;
    case NSG_PEND_PLATFORM:
        snprintf(buf, cap, "to the Azure host (platform address)");
        break;
    case NSG_PEND_OUTSIDE:
        snprintf(buf, cap, "into a peered virtual network outside the corpus");
        break;
    case NSG_PEND_DROP: snprintf(buf, cap, "dropped"); break;
    case NSG_PEND_OPEN: snprintf(buf, cap, "not verified"); break;
    }
    return buf;
}

static void route_text(const struct nsg_proute *r)
{
    char b[NSG_CIDR_STRLEN], ipb[NSG_IP_STRLEN];
    nsg_cidr_format(&r->prefix, b);
    printf("route %s -> %s", b,
           r->hop == NSG_NH_OTHER && r->type_text ? r->type_text
                                                  : nsg_nexthop_name(r->hop));
    if (r->has_ip) {
        nsg_ip_format(&r->ip, ipb);
        printf(" %s", ipb);
    }
    printf(" (%s%s%s)", r->user ? "user-defined" : "system", r->name ? " " : "",
           r->name ? r->name : "");
}

static void print_end(const struct nsg_path *p, const struct nsg_ptrace *t,
                      const char *indent)
{
    char eb[256];
    if (t && t->decision == NSG_DEC_DENY)
        printf("%s=> denied (the path leads: %s)", indent,
               cli_path_end_text(p, eb, sizeof(eb)));
    else
        printf("%s=> %s", indent, cli_path_end_text(p, eb, sizeof(eb)));
    if (p->reason)
        printf(": %s", p->reason);
    printf("\n");
    if (p->note)
        printf("%snote: %s\n", indent, p->note);
}

void cli_print_path_brief(const struct nsg_path *p, const struct nsg_ptrace *t,
                          const char *indent)
{
    for (size_t j = 0; t && j < t->n; j++)
        print_point(indent, &t->v[j]);
    printf("%spath:", indent);
    for (size_t i = 0; i < p->n_hops; i++) {
        const struct nsg_phop *h = &p->hops[i];
        const char *what = h->name ? h->name : h->resource;
        printf("%s %s%s%s", i ? " ->" : "", nsg_phop_kind_name(h->kind),
               what ? " " : "", what ? what : "");
        if (h->detail || h->route) {
            printf(" [");
            if (h->detail)
                printf("%s%s", h->detail, h->route ? "; " : "");
            if (h->route)
                route_text(h->route);
            printf("]");
        }
    }
    printf("\n");
    print_end(p, t, indent);
}

void cli_print_path(const struct nsg_path *p, const struct nsg_ptrace *t,
                    const char *indent)
{
    char sub[64];
    snprintf(sub, sizeof(sub), "%s  ", indent);
    for (size_t i = 0; i < p->n_hops; i++) {
        const struct nsg_phop *h = &p->hops[i];
        const char *what = h->name ? h->name : h->resource;
        printf("%s%s%s%s", indent, nsg_phop_kind_name(h->kind),
               what ? " " : "", what ? what : "");
        if (h->detail)
            printf(": %s", h->detail);
        if (h->route) {
            printf("%s", h->detail ? "; " : ": ");
            route_text(h->route);
        }
        printf("\n");
        for (size_t k = 0; t && k < h->n_eval; k++)
            for (size_t j = 0; j < t->n; j++)
                if (t->v[j].at == &h->eval[k])
                    print_point(sub, &t->v[j]);
    }
    print_end(p, t, indent);
}
