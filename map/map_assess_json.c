/* map_assess_json.c - the assessment report as JSON (docs/assess.md):
 * summary, the recommendation catalogue with counts, findings, per-NIC
 * facts (internet-facing, exposure, NSG levels, coverage), flow-log
 * coverage state, undetermined checks and checks not evaluated. */
#include <string.h>

#include "map_int.h"

static cJSON *str_or_null(const char *s)
{
    return s ? cJSON_CreateString(s) : cJSON_CreateNull();
}

static cJSON *res_json(const struct nsg_topology *t, enum nsg_res_type type,
                       const void *res)
{
    cJSON *o = cJSON_CreateObject();
    const char *id = *(char *const *)res, *name = ((char *const *)res)[1];
    cJSON_AddStringToObject(o, "type", nsg_res_type_name(type));
    cJSON_AddItemToObject(o, "id", str_or_null(id));
    cJSON_AddItemToObject(o, "name", str_or_null(name));
    if (type == NSG_RES_NIC) {
        const struct nsg_vm *vm =
            nsg_topo_get(t, NSG_RES_VM, ((const struct nsg_nic *)res)->vm_id);
        cJSON_AddItemToObject(o, "vm", str_or_null(vm ? vm->name : NULL));
    }
    return o;
}

void nsg_map_nic_facts_json(const struct nsg_map_assessment *a, size_t i,
                            cJSON *o, bool ports_text)
{
    const struct nsg_map_nic *m = &a->net->nics[i];
    const struct nsg_map_nic_assess *x = &a->nics[i];
    cJSON_AddBoolToObject(o, "internet_facing", m->facing);
    cJSON *why = cJSON_AddArrayToObject(o, "facing_reasons");
    for (guint k = 0; k < m->why->len; k++)
        cJSON_AddItemToArray(why, cJSON_CreateString(m->why->pdata[k]));
    if (m->error) {
        cJSON_AddNullToObject(o, "exposed");
        cJSON_AddStringToObject(o, "error", m->error);
        return;
    }
    cJSON_AddBoolToObject(o, "exposed", x->exposed);
    if (!ports_text) {
        cJSON_AddItemToObject(o, "exposed_ports",
                              nsg_map_region_json(&x->exposed_ports));
        return;
    }
    struct nsg_buf b = NSG_BUF_INIT;
    nsg_map_region_text(&x->exposed_ports, &b);
    cJSON_AddStringToObject(o, "exposed_ports", x->exposed ? b.buf : "");
    nsg_buf_release(&b);
}

static cJSON *nic_json(const struct nsg_map_assessment *a, size_t i)
{
    const struct nsg_map_nic *m = &a->net->nics[i];
    const struct nsg_map_nic_assess *x = &a->nics[i];
    cJSON *o = res_json(a->net->t, NSG_RES_NIC, m->nic);
    nsg_map_nic_facts_json(a, i, o, false);
    cJSON *nsgs = cJSON_AddObjectToObject(o, "nsgs");
    const char *sub_id = m->subnet ? m->subnet->nsg_id : NULL;
    cJSON_AddItemToObject(nsgs, "subnet",
                          str_or_null(m->nsg_subnet ? m->nsg_subnet->name
                                                    : sub_id));
    cJSON_AddItemToObject(nsgs, "nic",
                          str_or_null(m->nsg_nic ? m->nsg_nic->name
                                                 : m->nic->nsg_id));
    cJSON_AddBoolToObject(o, "ip_forwarding", m->nic->ip_forwarding);
    cJSON_AddStringToObject(o, "flow_log_coverage",
                            nsg_map_cover_name(x->cover));
    return o;
}

cJSON *nsg_map_assessment_json(const struct nsg_map_assessment *a)
{
    const struct nsg_topology *t = a->net->t;
    cJSON *j = cJSON_CreateObject();
    size_t n, counts[NSG_MAP_REC_COUNT] = {0}, sev[4] = {0}, facing = 0;
    const struct nsg_map_finding *f = nsg_map_findings(a, &n);
    GHashTable *with = g_hash_table_new(g_direct_hash, g_direct_equal);

    for (size_t i = 0; i < n; i++) {
        counts[f[i].rec]++;
        sev[nsg_map_rec(f[i].rec)->sev]++;
        g_hash_table_add(with, (void *)f[i].res);
    }
    for (size_t i = 0; i < a->net->n_nics; i++)
        facing += a->net->nics[i].facing;
    cJSON *s = cJSON_AddObjectToObject(j, "summary");
    cJSON_AddNumberToObject(s, "high", (double)sev[NSG_MAP_SEV_HIGH]);
    cJSON_AddNumberToObject(s, "medium", (double)sev[NSG_MAP_SEV_MEDIUM]);
    cJSON_AddNumberToObject(s, "low", (double)sev[NSG_MAP_SEV_LOW]);
    cJSON_AddNumberToObject(s, "resources_with_findings",
                            (double)g_hash_table_size(with));
    cJSON_AddNumberToObject(s, "nics", (double)a->net->n_nics);
    cJSON_AddNumberToObject(s, "internet_facing", (double)facing);
    g_hash_table_destroy(with);

    cJSON *recs = cJSON_AddArrayToObject(j, "recommendations");
    for (int r = 0; r < NSG_MAP_REC_COUNT; r++) {
        const struct nsg_map_rec_info *ri = nsg_map_rec((enum nsg_map_rec)r);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "id", ri->id);
        cJSON_AddStringToObject(o, "title", ri->title);
        cJSON_AddStringToObject(o, "severity", nsg_map_sev_name(ri->sev));
        cJSON_AddStringToObject(o, "remediation", ri->remediation);
        cJSON_AddNumberToObject(o, "count", (double)counts[r]);
        cJSON_AddItemToArray(recs, o);
    }

    cJSON *fs = cJSON_AddArrayToObject(j, "findings");
    for (size_t i = 0; i < n; i++) {
        const struct nsg_map_rec_info *ri = nsg_map_rec(f[i].rec);
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "recommendation", ri->id);
        cJSON_AddStringToObject(o, "severity", nsg_map_sev_name(ri->sev));
        cJSON_AddItemToObject(o, "resource", res_json(t, f[i].type, f[i].res));
        cJSON_AddStringToObject(o, "message", f[i].message);
        cJSON_AddItemToObject(o, "details",
                              f[i].details ? cJSON_Duplicate(f[i].details, true)
                                           : cJSON_CreateObject());
        cJSON_AddItemToArray(fs, o);
    }

    cJSON *nics = cJSON_AddArrayToObject(j, "nics");
    for (size_t i = 0; i < a->net->n_nics; i++)
        cJSON_AddItemToArray(nics, nic_json(a, i));

    cJSON *cov = cJSON_AddObjectToObject(j, "flow_log_coverage");
    cJSON_AddNumberToObject(cov, "flow_logs", (double)a->n_flowlogs);
    cJSON_AddStringToObject(cov, "state", a->n_flowlogs ? "known" : "unknown");
    if (!a->n_flowlogs)
        cJSON_AddStringToObject(
            cov, "note",
            "the corpus holds no Network Watcher flow-log configuration: "
            "coverage is unknown; import it (az network watcher flow-log "
            "list --location LOCATION > flowlogs.json; nsgproof import "
            "--corpus DIR flowlogs.json)");

    cJSON *u = cJSON_AddArrayToObject(j, "undetermined");
    for (guint i = 0; i < a->undetermined->len; i++)
        cJSON_AddItemToArray(u, cJSON_CreateString(a->undetermined->pdata[i]));
    cJSON_AddItemToObject(j, "not_evaluated",
                          cJSON_Duplicate(a->not_evaluated, true));
    return j;
}
