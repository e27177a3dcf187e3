/* cli_sarif.c - SARIF 2.1.0 logs (OASIS Static Analysis Results
 * Interchange Format) for lint and verify, so CI systems can annotate
 * findings.  Written with cJSON rather than a SARIF library: the few
 * objects used here are short, and no C SARIF library is packaged in
 * Debian.  tests/t_sarif.sh validates every log against the committed
 * schema (tests/data/sarif/sarif-schema-2.1.0.json). */
#include <string.h>

#include "cli.h"

#define SARIF_SCHEMA                                                           \
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"     \
    "sarif-schema-2.1.0.json"

cJSON *cli_sarif_new(const char *command, cJSON **rules, cJSON **results)
{
    cJSON *log = cJSON_CreateObject();
    cJSON_AddStringToObject(log, "$schema", SARIF_SCHEMA);
    cJSON_AddStringToObject(log, "version", "2.1.0");
    cJSON *run = cJSON_CreateObject();
    cJSON_AddItemToArray(cJSON_AddArrayToObject(log, "runs"), run);
    cJSON *driver = cJSON_AddObjectToObject(
        cJSON_AddObjectToObject(run, "tool"), "driver");
    cJSON_AddStringToObject(driver, "name", "nsgproof");
    cJSON_AddStringToObject(driver, "version", NSGPROOF_VERSION);
    cJSON_AddStringToObject(driver, "semanticVersion", NSGPROOF_VERSION);
    *rules = cJSON_AddArrayToObject(driver, "rules");
    cJSON *inv = cJSON_CreateObject();
    cJSON_AddItemToArray(cJSON_AddArrayToObject(run, "invocations"), inv);
    cJSON *cmd = cJSON_AddArrayToObject(inv, "arguments");
    cJSON_AddItemToArray(cmd, cJSON_CreateString(command));
    cJSON_AddBoolToObject(inv, "executionSuccessful", true);
    cJSON_AddArrayToObject(inv, "toolExecutionNotifications");
    *results = cJSON_AddArrayToObject(run, "results");
    return log;
}

int cli_sarif_rule(cJSON *rules, const char *id, const char *text,
                   const char *level)
{
    int i = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, rules)
    {
        if (!strcmp(cli_json_str(r, "id", ""), id))
            return i;
        i++;
    }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", id);
    cJSON_AddStringToObject(o, "name", id);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "shortDescription"),
                            "text", text);
    cJSON_AddStringToObject(
        cJSON_AddObjectToObject(o, "defaultConfiguration"), "level", level);
    cJSON_AddItemToArray(rules, o);
    return i;
}

cJSON *cli_sarif_result(cJSON *results, const char *rule_id, int rule_index,
                        const char *level, const char *kind,
                        const char *message)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "ruleId", rule_id);
    cJSON_AddNumberToObject(o, "ruleIndex", rule_index);
    if (kind)
        cJSON_AddStringToObject(o, "kind", kind);
    cJSON_AddStringToObject(o, "level", level);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(o, "message"), "text",
                            message);
    cJSON_AddItemToArray(results, o);
    return o;
}

void cli_sarif_logical(cJSON *result, const char *fqn, const char *name)
{
    cli_sarif_logical_kind(result, fqn, name, "member");
}

void cli_sarif_logical_kind(cJSON *result, const char *fqn, const char *name,
                            const char *kind)
{
    cJSON *locs = cJSON_GetObjectItemCaseSensitive(result, "locations");
    if (!locs)
        locs = cJSON_AddArrayToObject(result, "locations");
    cJSON *loc = cJSON_CreateObject();
    cJSON *ll = cJSON_CreateObject();
    cJSON_AddStringToObject(ll, "name", name);
    cJSON_AddStringToObject(ll, "fullyQualifiedName", fqn);
    cJSON_AddStringToObject(ll, "kind", kind);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(loc, "logicalLocations"), ll);
    cJSON_AddItemToArray(locs, loc);
}

void cli_sarif_notification(cJSON *log, const char *level, const char *text)
{
    cJSON *run = cJSON_GetArrayItem(cJSON_GetObjectItem(log, "runs"), 0);
    cJSON *inv = cJSON_GetArrayItem(cJSON_GetObjectItem(run, "invocations"), 0);
    cJSON *n = cJSON_CreateObject();
    cJSON_AddStringToObject(n, "level", level);
    cJSON_AddStringToObject(cJSON_AddObjectToObject(n, "message"), "text",
                            text);
    cJSON_AddItemToArray(cJSON_GetObjectItem(inv, "toolExecutionNotifications"),
                         n);
    if (!strcmp(level, "error"))
        cJSON_ReplaceItemInObjectCaseSensitive(inv, "executionSuccessful",
                                               cJSON_CreateBool(false));
}

char *cli_rule_id(const struct nsg_nsg *n, const struct nsg_rule *r)
{
    if (r->id)
        return g_strdup(r->id);
    return g_strdup_printf("%s/%s/%s", n->id ? n->id : n->name,
                           r->is_default ? "defaultSecurityRules"
                                         : "securityRules",
                           r->name ? r->name : "?");
}

char *cli_rule_pointer(const struct nsg_nsg *n, const struct nsg_rule *r)
{
    size_t k = 0;
    for (size_t i = 0; i < n->n_rules && &n->rules[i] != r; i++)
        k += n->rules[i].is_default == r->is_default;
    return g_strdup_printf("/properties/%s/%zu",
                           r->is_default ? "defaultSecurityRules"
                                         : "securityRules",
                           k);
}
