/* path_json.c - the JSON form of paths and routes (docs/path.md), shared
 * by `nsgproof path` and the witnesses of `nsgproof verify`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "path_int.h"

static cJSON *str_or_null(const char *s)
{
    return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

cJSON *nsg_proute_json(const struct nsg_proute *r)
{
    cJSON *o = cJSON_CreateObject();
    char b[NSG_CIDR_STRLEN], ipb[NSG_IP_STRLEN];
    nsg_cidr_format(&r->prefix, b);
    cJSON_AddStringToObject(o, "prefix", b);
    cJSON_AddStringToObject(o, "next_hop_type",
                            r->hop == NSG_NH_OTHER && r->type_text
                                ? r->type_text
                                : nsg_nexthop_name(r->hop));
    if (r->has_ip) {
        nsg_ip_format(&r->ip, ipb);
        cJSON_AddStringToObject(o, "next_hop_ip", ipb);
    } else {
        cJSON_AddNullToObject(o, "next_hop_ip");
    }
    cJSON_AddStringToObject(o, "source", r->user ? "User" : "Default");
    cJSON_AddItemToObject(o, "name", str_or_null(r->name));
    cJSON_AddItemToObject(o, "route_table", str_or_null(r->table_id));
    if (r->tag)
        cJSON_AddStringToObject(o, "service_tag", r->tag);
    return o;
}

cJSON *nsg_plevel_json(const char *nic, const char *subnet, enum nsg_dir dir,
                       const struct nsg_level *l)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "nic", str_or_null(nic));
    if (!nic)
        cJSON_AddItemToObject(o, "subnet", str_or_null(subnet));
    cJSON_AddStringToObject(o, "direction", nsg_dir_name(dir));
    cJSON_AddStringToObject(o, "level", l->level ? l->level : "subnet");
    if (l->nsg) {
        const struct nsg_crule *cr = l->m.rule;
        cJSON_AddStringToObject(o, "nsg", l->nsg->name ? l->nsg->name
                                                       : l->nsg->id);
        cJSON_AddItemToObject(
            o, "rule",
            str_or_null(cr && cr->rule && cr->rule->name ? cr->rule->name
                                                         : NULL));
        if (cr)
            cJSON_AddNumberToObject(o, "priority", cr->priority);
        cJSON_AddStringToObject(o, "decision", nsg_decision_name(l->m.decision));
    } else {
        cJSON_AddNullToObject(o, "nsg");
        cJSON_AddNullToObject(o, "rule");
        cJSON_AddStringToObject(o, "decision", "Allow");
    }
    return o;
}

/* The first fields of a stage's object: where it was decided. */
static cJSON *stage_head(const char *nic, const char *subnet, enum nsg_dir dir,
                         const char *level)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddItemToObject(o, "nic", str_or_null(nic));
    if (!nic)
        cJSON_AddItemToObject(o, "subnet", str_or_null(subnet));
    cJSON_AddStringToObject(o, "direction", nsg_dir_name(dir));
    cJSON_AddStringToObject(o, "level", level);
    return o;
}

static void admin_fields(cJSON *o, const struct nsg_admin_rule *ar)
{
    cJSON_AddItemToObject(o, "configuration", str_or_null(ar->configuration));
    cJSON_AddNullToObject(o, "nsg");
    cJSON_AddStringToObject(o, "rule", ar->name ? ar->name : "");
    cJSON_AddNumberToObject(o, "priority", ar->r.priority);
    cJSON_AddStringToObject(o, "access", nsg_admin_access_name(ar->access));
}

void nsg_pverdict_json(cJSON *a, const char *nic, const char *subnet,
                       enum nsg_dir dir, const struct nsg_verdict *v)
{
    cJSON *o;
    if (v->platform) {
        o = stage_head(nic, subnet, dir, "platform");
        cJSON_AddStringToObject(o, "platform", nsg_platform_name(v->platform));
        cJSON_AddNullToObject(o, "nsg");
        cJSON_AddNullToObject(o, "rule");
        cJSON_AddStringToObject(o, "decision", nsg_decision_name(v->decision));
        cJSON_AddItemToArray(a, o);
        return;
    }
    if (v->admin.rule) {
        o = stage_head(nic, subnet, dir, "admin");
        admin_fields(o, v->admin.rule->ar);
        cJSON_AddStringToObject(o, "decision",
                                nsg_decision_name(v->admin.ends
                                                      ? v->decision
                                                      : NSG_DEC_ALLOW));
        cJSON_AddItemToArray(a, o);
        if (v->admin.ends)
            return;
    }
    for (size_t m = 0; m < v->n_levels; m++)
        cJSON_AddItemToArray(a, nsg_plevel_json(nic, subnet, dir,
                                                &v->levels[m]));
}

cJSON *nsg_path_hops_json(const struct nsg_path *p, const struct nsg_ptrace *t)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < p->n_hops; i++) {
        const struct nsg_phop *h = &p->hops[i];
        cJSON *o = cJSON_CreateObject(), *lv;
        cJSON_AddStringToObject(o, "kind", nsg_phop_kind_name(h->kind));
        cJSON_AddItemToObject(o, "resource", str_or_null(h->resource));
        cJSON_AddItemToObject(o, "name", str_or_null(h->name));
        if (h->detail)
            cJSON_AddStringToObject(o, "detail", h->detail);
        if (h->route)
            cJSON_AddItemToObject(o, "route", nsg_proute_json(h->route));
        lv = cJSON_AddArrayToObject(o, "levels");
        for (size_t k = 0; t && k < h->n_eval; k++)
            for (size_t j = 0; j < t->n; j++) {
                if (t->v[j].at != &h->eval[k])
                    continue;
                const struct nsg_peval *e = &h->eval[k];
                nsg_pverdict_json(
                    lv, e->nic ? (e->nic->name ? e->nic->name : e->nic->id)
                               : NULL,
                    e->subnet ? e->subnet->name : NULL, e->dir, &t->v[j].v);
            }
        cJSON_AddItemToArray(a, o);
    }
    return a;
}
