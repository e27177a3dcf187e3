/* assess_sarif.c - the assessment as SARIF 2.1.0 (OASIS Static Analysis
 * Results Interchange Format), for code-scanning dashboards: one rule per
 * recommendation, one result per finding, located logically at the Azure
 * resource id.  Levels: High -> error, Medium -> warning, Low -> note, with
 * the numeric "security-severity" property dashboards sort by. */
#include <string.h>

#include "assess_sarif.h"
#include "cli.h"

static const char *level_of(enum nsg_map_sev s)
{
    return s == NSG_MAP_SEV_HIGH     ? "error"
           : s == NSG_MAP_SEV_MEDIUM ? "warning"
                                     : "note";
}

static const char *score_of(enum nsg_map_sev s)
{
    return s == NSG_MAP_SEV_HIGH ? "8.0" : s == NSG_MAP_SEV_MEDIUM ? "5.0" : "2.0";
}

/* The recommendation's rule, with the severity dashboards sort by. */
static void add_rule(cJSON *rules, const struct nsg_map_rec_info *ri)
{
    int i = cli_sarif_rule(rules, ri->id, ri->title, level_of(ri->sev));
    cJSON *r = cJSON_GetArrayItem(rules, i);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(r, "fullDescription"),
                            "text", ri->title);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(r, "help"), "text",
                            ri->remediation);
    cJSON *p = cJSON_AddObjectToObject(r, "properties");
    cJSON_AddStringToObject(p, "security-severity", score_of(ri->sev));
    cJSON_AddStringToObject(p, "severity", nsg_map_sev_name(ri->sev));
    cJSON *tags = cJSON_AddArrayToObject(p, "tags");
    cJSON_AddItemToArray(tags, cJSON_CreateString("security"));
    cJSON_AddItemToArray(tags, cJSON_CreateString("network"));
}

static void add_result(cJSON *results, const struct nsg_topology *t,
                       const struct nsg_map_finding *f)
{
    const struct nsg_map_rec_info *ri = nsg_map_rec(f->rec);
    const char *id = *(char *const *)f->res, *name = ((char *const *)f->res)[1];
    struct nsg_buf msg = NSG_BUF_INIT;
    char fp[65];

    nsg_map_res_label(t, f->type, f->res, &msg);
    nsg_buf_addf(&msg, ": %s", f->message);
    cJSON *r = cli_sarif_result(results, ri->id, (int)f->rec,
                                level_of(ri->sev), NULL, msg.buf);
    cli_sarif_logical_kind(r, id ? id : "", name ? name : "", "resource");
    /* stable across runs: the resource and the recommendation */
    nsg_buf_reset(&msg);
    nsg_buf_addf(&msg, "%s|%s", ri->id, id ? id : "");
    nsg_sha256_hex(msg.buf, msg.len, fp);
    cJSON *pf = cJSON_AddObjectToObject(r, "partialFingerprints");
    cJSON_AddStringToObject(pf, "nsgproofFinding/v1", fp);
    cJSON *p = cJSON_AddObjectToObject(r, "properties");
    cJSON_AddStringToObject(p, "severity", nsg_map_sev_name(ri->sev));
    cJSON_AddStringToObject(p, "resourceType", nsg_res_type_name(f->type));
    if (f->details)
        cJSON_AddItemToObject(p, "details", cJSON_Duplicate(f->details, true));
    nsg_buf_release(&msg);
}

cJSON *cli_assess_sarif(const struct nsg_map_assessment *a,
                        const struct nsg_topology *t)
{
    size_t n;
    const struct nsg_map_finding *f = nsg_map_findings(a, &n);
    cJSON *rules, *results;
    cJSON *root = cli_sarif_new("assess", &rules, &results);

    for (int r = 0; r < NSG_MAP_REC_COUNT; r++)
        add_rule(rules, nsg_map_rec((enum nsg_map_rec)r));
    for (size_t i = 0; i < n; i++)
        add_result(results, t, &f[i]);
    return root;
}
