/* apply_compare.c - are two versions of an NSG the same?  Decoded by the
 * model's ARM decoder, compiled by the simulator in each virtual network
 * the NSG is applied in (its VirtualNetwork tag differs between them) and
 * compared by the solver's diff: equivalence is proven, a difference comes
 * with witness packets, each replayed by the simulator.  The rule names
 * added, removed and changed are listed beside it for people. */
#include <string.h>

#include "../model/model_arm.h"
#include "apply_int.h"

#define MAX_WITNESSES 5

nsg_rc ap_decode(const cJSON *json, const char *where, struct nsg_nsg **out,
                 struct nsg_err *err)
{
    *out = NULL;
    if (!cJSON_IsObject(json))
        return nsg_err_set(err, NSG_E_INPUT, "%s: not an NSG resource", where);
    return nsg_model_parse_nsg(json, where, out, err);
}

const char *ap_etag(const cJSON *res)
{
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(res, "etag");
    return cJSON_IsString(e) && *e->valuestring ? e->valuestring : NULL;
}

void ap_set_str(cJSON *item, const char *key, const char *s)
{
    cJSON_DeleteItemFromObjectCaseSensitive(item, key);
    cJSON_AddItemToObject(item, key,
                          s ? cJSON_CreateString(s) : cJSON_CreateNull());
}

cJSON *ap_put_json(const struct nsg_cap_put *put)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "status", (double)put->status);
    ap_set_str(o, "operation", put->operation);
    cJSON_AddNumberToObject(o, "polls", put->polls);
    return o;
}

static cJSON *side_json(enum nsg_decision d, const struct nsg_crule *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "decision", nsg_decision_name(d));
    if (r && r->rule) {
        cJSON_AddStringToObject(o, "rule", r->rule->name ? r->rule->name : "");
        cJSON_AddNumberToObject(o, "priority", r->priority);
    } else {
        cJSON_AddNullToObject(o, "rule");
    }
    return o;
}

static void diff_json(const struct nsg_slv_diff *d, cJSON *o)
{
    cJSON *ws = cJSON_AddArrayToObject(o, "differences");
    cJSON *rs = cJSON_AddArrayToObject(o, "regions");
    for (size_t i = 0; i < d->n_w; i++) {
        const struct nsg_slv_witness *w = &d->w[i];
        cJSON *x = cJSON_CreateObject();
        nsg_sim_packet_to_json(x, &w->p, NSG_PJ_PROTO_NAMED);
        cJSON_AddItemToObject(x, "a", side_json(w->a, w->ra));
        cJSON_AddItemToObject(x, "b", side_json(w->b, w->rb));
        cJSON_AddItemToArray(ws, x);
    }
    for (size_t i = 0; i < d->n_regions; i++) {
        const struct nsg_slv_region *r = &d->regions[i];
        cJSON *x = cJSON_CreateObject();
        cJSON_AddStringToObject(x, "direction", nsg_dir_name(r->dir));
        cJSON_AddItemToObject(x, "a", side_json(r->a, r->ra));
        cJSON_AddItemToObject(x, "b", side_json(r->b, r->rb));
        cJSON_AddItemToArray(rs, x);
    }
    cJSON_AddBoolToObject(o, "regions_complete", d->regions_complete);
}

nsg_rc ap_compare(const struct nsg_topology *t, struct nsg_slv *slv,
                  const char *id, const struct nsg_nsg *a,
                  const struct nsg_nsg *b, const char *label_a,
                  const char *label_b, bool *equal, cJSON **diff,
                  struct nsg_err *err)
{
    const struct nsg_nsg *tn = nsg_topo_get(t, NSG_RES_NSG, id);
    GPtrArray *vnets = g_ptr_array_new();
    /* a fresh simulator: its cache is keyed by the NSGs' addresses */
    struct nsg_sim *sim = nsg_sim_new(t);
    cJSON *o = cJSON_CreateObject();
    const struct nsg_vnet *where = NULL;
    struct nsg_slv_diff d = NSG_SLV_DIFF_INIT;
    nsg_rc rc = NSG_OK;

    *equal = true;
    *diff = NULL;
    nsg_topo_vnets_of_nsg(t, tn ? tn : a, vnets);
    if (!vnets->len)
        g_ptr_array_add(vnets, NULL);
    cJSON_AddStringToObject(o, "a", label_a);
    cJSON_AddStringToObject(o, "b", label_b);
    for (guint i = 0; !rc && *equal && i < vnets->len; i++) {
        const struct nsg_vnet *v = vnets->pdata[i];
        const struct nsg_cnsg *ca, *cb;
        rc = nsg_sim_get(sim, a, v, &ca, err);
        if (rc) {
            nsg_err_prefix(err, "%s", label_a);
            break;
        }
        rc = nsg_sim_get(sim, b, v, &cb, err);
        if (rc) {
            nsg_err_prefix(err, "%s", label_b);
            break;
        }
        nsg_slv_diff_release(&d);
        d = (struct nsg_slv_diff)NSG_SLV_DIFF_INIT;
        rc = nsg_slv_diff(slv, ca, cb, MAX_WITNESSES, 0, &d, err);
        if (!rc && !d.equivalent) {
            *equal = false;
            where = v;
        }
    }
    if (!rc) {
        cJSON_AddBoolToObject(o, "equivalent", *equal);
        cJSON_AddNumberToObject(o, "contexts", vnets->len);
        if (where && where->name)
            cJSON_AddStringToObject(o, "vnet", where->name);
        else
            cJSON_AddNullToObject(o, "vnet");
        if (*equal) {
            cJSON_AddArrayToObject(o, "differences");
            cJSON_AddArrayToObject(o, "regions");
            cJSON_AddBoolToObject(o, "regions_complete", true);
        } else {
            diff_json(&d, o); /* before the simulator's rules are freed */
        }
        nsg_harden_rule_changes(a, b, o);
        *diff = o;
        o = NULL;
    }
    cJSON_Delete(o);
    nsg_slv_diff_release(&d);
    nsg_sim_free(sim);
    g_ptr_array_free(vnets, TRUE);
    return rc;
}

nsg_rc ap_compare_json(const struct nsg_topology *t, struct nsg_slv *slv,
                       const char *id, const cJSON *a, const cJSON *b,
                       const char *label_a, const char *label_b, bool *equal,
                       cJSON **diff, struct nsg_err *err)
{
    struct nsg_nsg *na = NULL, *nb = NULL;
    nsg_rc rc = ap_decode(a, label_a, &na, err);
    if (!rc)
        rc = ap_decode(b, label_b, &nb, err);
    if (!rc)
        rc = ap_compare(t, slv, id, na, nb, label_a, label_b, equal, diff, err);
    else
        *diff = NULL;
    nsg_nsg_free(na);
    nsg_nsg_free(nb);
    return rc;
}
