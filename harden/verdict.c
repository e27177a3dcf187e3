/* verdict.c - one NIC's adaptive-hardening verdict from a plan, as
 * `assess` reports the recommendation: "unhealthy" (the plan narrows rules
 * that govern it, an alert concerns it, or one of its rules can only be
 * narrowed by a person) is a finding; "unscanned" (its flow data cannot be
 * relied on) is not evaluated, with the plan's reasons; "healthy", and a
 * NIC the plan does not cover, is neither. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "harden_int.h"

static const struct nsg_plan_nic *plan_nic(const struct nsg_plan *p,
                                           const struct nsg_nic *nic)
{
    for (size_t i = 0; i < p->n_nics; i++) {
        const struct nsg_plan_nic *pn = &p->nics[i];
        if (nic->id ? pn->id && !strcasecmp(pn->id, nic->id)
                    : pn->name && nic->name && !strcmp(pn->name, nic->name))
            return pn;
    }
    return NULL;
}

static bool rec_affects(const struct nsg_plan_rec *rec, const char *name)
{
    for (size_t k = 0; name && k < rec->n_nics; k++)
        if (!strcmp(rec->nics[k], name))
            return true;
    return false;
}

/* "; "-joined strings of a JSON array, or "" */
static char *joined(const cJSON *a)
{
    GString *s = g_string_new(NULL);
    const cJSON *e;
    cJSON_ArrayForEach(e, a)
    {
        if (cJSON_IsString(e))
            g_string_append_printf(s, "%s%s", s->len ? "; " : "",
                                   e->valuestring);
    }
    return g_string_free(s, FALSE);
}

void nsg_plan_nic_verdict(const struct nsg_plan *p, const struct nsg_nic *nic,
                          char **message, cJSON **details, char **unscanned)
{
    const struct nsg_plan_nic *pn = plan_nic(p, nic);
    *message = *unscanned = NULL;
    *details = NULL;
    if (!pn || !pn->status || !strcmp(pn->status, "healthy"))
        return;
    const cJSON *reasons = cJSON_GetObjectItemCaseSensitive(pn->extra,
                                                            "reasons");
    if (!strcmp(pn->status, "unscanned")) {
        char *r = joined(reasons);
        *unscanned = g_strdup(*r ? r : "its flow data cannot be relied on");
        g_free(r);
        return;
    }
    /* unhealthy: what harden would do for it */
    GString *m = g_string_new(NULL);
    cJSON *d = cJSON_CreateObject(), *recs = cJSON_CreateArray();
    char pb[16];
    size_t n = 0;
    for (size_t i = 0; i < p->n_recs; i++) {
        const struct nsg_plan_rec *rec = &p->recs[i];
        if (!rec_affects(rec, pn->name))
            continue;
        cJSON *x = cJSON_CreateObject(), *ports = cJSON_CreateArray();
        cJSON_AddStringToObject(x, "nsg", rec->nsg_name ? rec->nsg_name : "");
        cJSON_AddStringToObject(x, "rule", rec->r.name ? rec->r.name : "");
        cJSON_AddNumberToObject(x, "priority", rec->r.priority);
        for (size_t k = 0; k < rec->ports.n; k++) {
            nsg_plan_port_text(&rec->ports.r[k], pb);
            cJSON_AddItemToArray(ports, cJSON_CreateString(pb));
        }
        cJSON_AddItemToObject(x, "covered_ports", ports);
        cJSON_AddNumberToObject(x, "rules_added", (double)rec->n_rules);
        cJSON_AddItemToArray(recs, x);
        g_string_append_printf(m, "%s%s of NSG %s", n++ ? ", " : "",
                               rec->r.name ? rec->r.name : "?",
                               rec->nsg_name ? rec->nsg_name : "?");
    }
    double alerts = cJSON_GetNumberValue(
        cJSON_GetObjectItemCaseSensitive(pn->extra, "alerts"));
    char *r = joined(reasons);
    GString *msg = g_string_new(NULL);
    if (n)
        g_string_append_printf(msg, "adaptive hardening would narrow %zu "
                                    "rule%s to the observed sources: %s",
                               n, n == 1 ? "" : "s", m->str);
    if (alerts > 0)
        g_string_append_printf(msg, "%s%.0f observed flow tuple%s outside "
                                    "the recommended ranges",
                               msg->len ? "; " : "", alerts,
                               alerts == 1 ? "" : "s");
    if (*r)
        g_string_append_printf(msg, "%s%s", msg->len ? "; " : "", r);
    if (!msg->len)
        g_string_append(msg, "adaptive hardening finds something to harden");
    cJSON_AddStringToObject(d, "status", pn->status);
    cJSON_AddItemToObject(d, "recommendations", recs);
    cJSON_AddNumberToObject(d, "alerts", alerts);
    cJSON_AddItemToObject(d, "reasons", reasons ? cJSON_Duplicate(reasons, 1)
                                                : cJSON_CreateArray());
    *message = g_string_free(msg, FALSE);
    *details = d;
    g_free(r);
    g_string_free(m, TRUE);
}
