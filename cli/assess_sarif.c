/* assess_sarif.c - the assessment as SARIF 2.1.0 (OASIS Static Analysis
 * Results Interchange Format), for code-scanning dashboards: one rule per
 * recommendation, one result per finding, located logically at the Azure
 * resource id.  Levels: High -> error, Medium -> warning, Low -> note, with
 * the numeric "security-severity" property dashboards sort by. */
#include <string.h>

#include "assess_sarif.h"

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

static cJSON *text(const char *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "text", s);
    return o;
}

static cJSON *rule_json(const struct nsg_map_rec_info *ri)
{
    cJSON *r = cJSON_CreateObject();
    cJSON_AddStringToObject(r, "id", ri->id);
    cJSON_AddItemToObject(r, "shortDescription", text(ri->title));
    cJSON_AddItemToObject(r, "fullDescription", text(ri->title));
    cJSON_AddItemToObject(r, "help", text(ri->remediation));
    cJSON *dc = cJSON_AddObjectToObject(r, "defaultConfiguration");
    cJSON_AddStringToObject(dc, "level", level_of(ri->sev));
    cJSON *p = cJSON_AddObjectToObject(r, "properties");
    cJSON_AddStringToObject(p, "security-severity", score_of(ri->sev));
    cJSON_AddStringToObject(p, "severity", nsg_map_sev_name(ri->sev));
    cJSON *tags = cJSON_AddArrayToObject(p, "tags");
    cJSON_AddItemToArray(tags, cJSON_CreateString("security"));
    cJSON_AddItemToArray(tags, cJSON_CreateString("network"));
    return r;
}

static cJSON *result_json(const struct nsg_topology *t,
                          const struct nsg_map_finding *f)
{
    const struct nsg_map_rec_info *ri = nsg_map_rec(f->rec);
    const char *id = *(char *const *)f->res, *name = ((char *const *)f->res)[1];
    struct nsg_buf msg = NSG_BUF_INIT;
    char fp[65];
    cJSON *r = cJSON_CreateObject();

    nsg_map_res_label(t, f->type, f->res, &msg);
    nsg_buf_addf(&msg, ": %s", f->message);
    cJSON_AddStringToObject(r, "ruleId", ri->id);
    cJSON_AddNumberToObject(r, "ruleIndex", (double)f->rec);
    cJSON_AddStringToObject(r, "level", level_of(ri->sev));
    cJSON_AddItemToObject(r, "message", text(msg.buf));
    cJSON *locs = cJSON_AddArrayToObject(r, "locations");
    cJSON *loc = cJSON_CreateObject();
    cJSON *ll = cJSON_AddArrayToObject(loc, "logicalLocations");
    cJSON *l = cJSON_CreateObject();
    cJSON_AddStringToObject(l, "fullyQualifiedName", id ? id : "");
    cJSON_AddStringToObject(l, "name", name ? name : "");
    cJSON_AddStringToObject(l, "kind", "resource");
    cJSON_AddItemToArray(ll, l);
    cJSON_AddItemToArray(locs, loc);
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
    return r;
}

cJSON *cli_assess_sarif(const struct nsg_map_assessment *a,
                        const struct nsg_topology *t)
{
    size_t n;
    const struct nsg_map_finding *f = nsg_map_findings(a, &n);
    cJSON *root = cJSON_CreateObject();

    cJSON_AddStringToObject(root, "$schema",
                            "https://json.schemastore.org/sarif-2.1.0.json");
    cJSON_AddStringToObject(root, "version", "2.1.0");
    cJSON *runs = cJSON_AddArrayToObject(root, "runs");
    cJSON *run = cJSON_CreateObject();
    cJSON_AddItemToArray(runs, run);
    cJSON *driver =
        cJSON_AddObjectToObject(cJSON_AddObjectToObject(run, "tool"), "driver");
    cJSON_AddStringToObject(driver, "name", "nsgproof");
    cJSON *rules = cJSON_AddArrayToObject(driver, "rules");
    for (int r = 0; r < NSG_MAP_REC_COUNT; r++)
        cJSON_AddItemToArray(rules, rule_json(nsg_map_rec((enum nsg_map_rec)r)));
    cJSON *results = cJSON_AddArrayToObject(run, "results");
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(results, result_json(t, &f[i]));
    cJSON_AddStringToObject(run, "columnKind", "unicodeCodePoints");
    return root;
}
