/* cap_arm_capture.c - `capture arm`: lists every resource type the corpus
 * models from Azure Resource Manager (subscription or resource groups),
 * following nextLink; the children that ARM lists under their parents
 * (network watchers' flow logs, network managers' admin configurations,
 * rule collections, rules, network groups and static members); each
 * virtual network's effective security admin rules (POST, skipToken
 * paging: admin configurations may live in another scope); Service Tags
 * for a region when asked.  Every page goes through the importer that
 * reads files (nsg_imp_config_parse), and everything is stored in one
 * corpus transaction after the last page arrived: all or nothing. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../importer/importer.h"
#include "cap_int.h"

#define API_NET "2024-05-01"
#define API_COMPUTE "2024-07-01"

/* One list call: a provider type listed per scope, or a child segment
 * listed under each resource of its parent entry. */
struct arm_list {
    const char *label;   /* report key */
    const char *path;    /* "Microsoft.Network/x" or a child segment */
    const char *api;
    int parent;          /* index of the parent entry, -1: top level */
    bool sub_scope;      /* always listed for the whole subscription */
};

/* Parents come before their children. */
static const struct arm_list lists[] = {
    {"networkSecurityGroups", "Microsoft.Network/networkSecurityGroups", API_NET, -1, false},
    {"virtualNetworks", "Microsoft.Network/virtualNetworks", API_NET, -1, false},
    {"networkInterfaces", "Microsoft.Network/networkInterfaces", API_NET, -1, false},
    {"publicIPAddresses", "Microsoft.Network/publicIPAddresses", API_NET, -1, false},
    {"applicationSecurityGroups", "Microsoft.Network/applicationSecurityGroups", API_NET, -1, false},
    {"routeTables", "Microsoft.Network/routeTables", API_NET, -1, false},
    {"loadBalancers", "Microsoft.Network/loadBalancers", API_NET, -1, false},
    {"natGateways", "Microsoft.Network/natGateways", API_NET, -1, false},
    {"azureFirewalls", "Microsoft.Network/azureFirewalls", API_NET, -1, false},
    {"applicationGateways", "Microsoft.Network/applicationGateways", API_NET, -1, false},
    {"bastionHosts", "Microsoft.Network/bastionHosts", API_NET, -1, false},
    {"virtualMachines", "Microsoft.Compute/virtualMachines", API_COMPUTE, -1, false},
    /* 12 */ {"networkWatchers", "Microsoft.Network/networkWatchers", API_NET, -1, true},
    {"flowLogs", "flowLogs", API_NET, 12, false},
    /* 14 */ {"networkManagers", "Microsoft.Network/networkManagers", API_NET, -1, false},
    /* 15 */ {"securityAdminConfigurations", "securityAdminConfigurations", API_NET, 14, false},
    /* 16 */ {"ruleCollections", "ruleCollections", API_NET, 15, false},
    {"rules", "rules", API_NET, 16, false},
    /* 18 */ {"networkGroups", "networkGroups", API_NET, 14, false},
    {"staticMembers", "staticMembers", API_NET, 18, false},
};
#define N_LISTS G_N_ELEMENTS(lists)
#define VNET_LIST 1

/* Types ARM returns inside another list (not listed on their own). */
static const char *const embedded[] = {
    "Microsoft.Network/virtualNetworks/subnets",
    "Microsoft.Network/virtualNetworks/virtualNetworkPeerings",
};

bool cap_arm_type_listed(const char *arm_type)
{
    for (size_t i = 0; i < G_N_ELEMENTS(embedded); i++)
        if (!g_ascii_strcasecmp(arm_type, embedded[i]))
            return true;
    for (size_t i = 0; i < N_LISTS; i++) {
        /* the full type: the parents' paths, then this one's */
        GString *t = g_string_new(lists[i].path);
        for (int p = lists[i].parent; p >= 0; p = lists[p].parent) {
            g_string_prepend_c(t, '/');
            g_string_prepend(t, lists[p].path);
        }
        bool same = !g_ascii_strcasecmp(t->str, arm_type);
        g_string_free(t, TRUE);
        if (same)
            return true;
    }
    return false;
}

struct page {
    char *name;        /* for messages: "GET /subscriptions/.../x (page 2)" */
    char *vnet_id;     /* effective admin rules: the VNet they apply to */
    struct nsg_imp_config *cfg;
};

struct run {
    const struct nsg_cap_arm_opts *o;
    struct cap_http *http;
    struct cap_conn *conn;
    struct cap_cred *cred;
    struct cap_arm *arm;
    GPtrArray *pages;           /* struct page * */
    GPtrArray *ids[N_LISTS];    /* char *: ids listed per entry */
    cJSON *report, *types, *notes;
    GChecksum *sha;             /* of every page's bytes */
};

static void page_free(gpointer p)
{
    struct page *pg = p;
    g_free(pg->name);
    g_free(pg->vnet_id);
    nsg_imp_config_free(pg->cfg);
    g_free(pg);
}

/* The importer reads the page like a file (vnet_id: the VNet whose
 * effective admin rules the page holds, which the answer does not name:
 * what `import --vnet` gives for a file). */
static nsg_rc import_page(struct run *r, const char *name, const char *text,
                          size_t len, const char *vnet_id, struct nsg_err *err)
{
    struct page *pg = g_new0(struct page, 1);
    struct nsg_imp_opts opts = {vnet_id};
    nsg_rc rc = nsg_imp_config_parse_opts(name, text, len, &opts, &pg->cfg,
                                          err);
    if (rc) {
        page_free(pg);
        return rc;
    }
    g_checksum_update(r->sha, (const guchar *)text, (gssize)len);
    pg->name = g_strdup(name);
    pg->vnet_id = g_strdup(vnet_id);
    g_ptr_array_add(r->pages, pg);
    return NSG_OK;
}

static bool not_registered(const struct nsg_err *err)
{
    return strstr(err->msg, "MissingSubscriptionRegistration") ||
           strstr(err->msg, "NoRegisteredProviderFound");
}

/* GET every page of one list; ids of the listed resources to `ids`. */
static nsg_rc list_pages(struct run *r, size_t li, const char *first,
                         struct nsg_err *err)
{
    char *url = g_strdup(first);
    cJSON *t = cJSON_GetObjectItemCaseSensitive(r->types, lists[li].label);
    nsg_rc rc = NSG_OK;
    for (int page = 1; url; page++) {
        char *body = NULL;
        size_t len = 0;
        rc = cap_arm_call(r->arm, "GET", url, NULL, &body, &len, err);
        if (rc && page == 1 && not_registered(err)) {
            char *note = g_strdup_printf("%s: the resource provider is not "
                                         "registered in the subscription: "
                                         "none listed",
                                         lists[li].label);
            cJSON_AddItemToArray(r->notes, cJSON_CreateString(note));
            g_free(note);
            rc = NSG_OK;
            break;
        }
        if (rc)
            break;
        cJSON *j = cJSON_ParseWithLength(body, len);
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(j, "value");
        const cJSON *next = cJSON_GetObjectItemCaseSensitive(j, "nextLink");
        char *shown = cap_url_redact(url);
        if (!cJSON_IsArray(value)) {
            rc = cap_err(err, NSG_E_INPUT,
                         "GET %s: the answer is not an ARM list "
                         "({\"value\": [...]})",
                         shown);
        } else {
            const cJSON *el;
            cJSON_ArrayForEach(el, value)
            {
                const cJSON *id = cJSON_GetObjectItemCaseSensitive(el, "id");
                if (cJSON_IsString(id))
                    g_ptr_array_add(r->ids[li], g_strdup(id->valuestring));
            }
            char *name = g_strdup_printf("GET %s (page %d)", shown, page);
            rc = import_page(r, name, body, len, NULL, err);
            g_free(name);
            cap_json_bump(t, "pages", 1);
            cap_json_bump(t, "resources", cJSON_GetArraySize(value));
            cap_http_progress(r->http, "%s: %d resources, %d pages",
                              lists[li].label,
                              (int)cJSON_GetObjectItemCaseSensitive(t, "resources")
                                  ->valuedouble,
                              (int)cJSON_GetObjectItemCaseSensitive(t, "pages")
                                  ->valuedouble);
        }
        g_free(url);
        url = !rc && cJSON_IsString(next) && *next->valuestring
                  ? g_strdup(next->valuestring)
                  : NULL;
        g_free(shown);
        cJSON_Delete(j);
        g_free(body);
    }
    g_free(url);
    return rc;
}

static char *scope_path(const struct nsg_cap_arm_opts *o, const char *rg)
{
    char *sub = cap_url_escape(o->subscription, false);
    char *out;
    if (rg) {
        char *e = cap_url_escape(rg, false);
        out = g_strdup_printf("/subscriptions/%s/resourceGroups/%s", sub, e);
        g_free(e);
    } else {
        out = g_strdup_printf("/subscriptions/%s", sub);
    }
    g_free(sub);
    return out;
}

static nsg_rc list_all(struct run *r, struct nsg_err *err)
{
    const struct nsg_cap_arm_opts *o = r->o;
    nsg_rc rc = NSG_OK;
    for (size_t li = 0; !rc && li < N_LISTS; li++) {
        const struct arm_list *l = &lists[li];
        cJSON *t = cJSON_AddObjectToObject(r->types, l->label);
        cJSON_AddNumberToObject(t, "pages", 0);
        cJSON_AddNumberToObject(t, "resources", 0);
        if (l->parent >= 0) {
            GPtrArray *parents = r->ids[l->parent];
            for (guint i = 0; !rc && i < parents->len; i++) {
                char *p = cap_url_escape(parents->pdata[i], true);
                char *url = g_strdup_printf("%s/%s?api-version=%s", p, l->path,
                                            l->api);
                rc = list_pages(r, li, url, err);
                g_free(url);
                g_free(p);
            }
            continue;
        }
        size_t n_scopes = l->sub_scope || !o->n_resource_groups
                              ? 1
                              : o->n_resource_groups;
        for (size_t s = 0; !rc && s < n_scopes; s++) {
            char *scope = scope_path(o, l->sub_scope || !o->n_resource_groups
                                            ? NULL
                                            : o->resource_groups[s]);
            char *url = g_strdup_printf("%s/providers/%s?api-version=%s", scope,
                                        l->path, l->api);
            rc = list_pages(r, li, url, err);
            g_free(url);
            g_free(scope);
        }
    }
    return rc;
}

/* POST listNetworkManagerEffectiveSecurityAdminRules for every VNet; the
 * pages of one VNet (skipToken) are one answer: their rules are imported
 * together, as the VNet's one set of effective admin rules. */
static nsg_rc effective_admin(struct run *r, struct nsg_err *err)
{
    GPtrArray *vnets = r->ids[VNET_LIST];
    cJSON *e = cJSON_AddObjectToObject(r->report, "effective_admin_rules");
    long n_rules = 0;
    nsg_rc rc = NSG_OK;
    for (guint i = 0; !rc && i < vnets->len; i++) {
        const char *vnet = vnets->pdata[i];
        char *p = cap_url_escape(vnet, true);
        char *url = g_strdup_printf(
            "%s/listNetworkManagerEffectiveSecurityAdminRules?api-version=%s", p,
            API_NET);
        char *skip = g_strdup("");
        cJSON *all = cJSON_CreateObject();
        cJSON *rules = cJSON_AddArrayToObject(all, "value");
        int pages = 0;
        for (int page = 1; !rc && skip; page++) {
            cJSON *req = cJSON_CreateObject();
            if (*skip)
                cJSON_AddStringToObject(req, "skipToken", skip);
            char *reqs = cJSON_PrintUnformatted(req);
            char *body = NULL;
            size_t len = 0;
            cJSON_Delete(req);
            rc = cap_arm_call(r->arm, "POST", url, reqs, &body, &len, err);
            free(reqs);
            g_free(skip);
            skip = NULL;
            if (rc)
                break;
            pages = page;
            cJSON *j = cJSON_ParseWithLength(body, len);
            cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "value");
            const cJSON *st = cJSON_GetObjectItemCaseSensitive(j, "skipToken");
            if (!cJSON_IsArray(v)) {
                rc = cap_err(err, NSG_E_INPUT,
                             "POST %s/listNetworkManagerEffectiveSecurityAdmin"
                             "Rules (page %d): the answer has no \"value\" "
                             "list",
                             vnet, page);
            } else {
                cJSON *x;
                while ((x = cJSON_DetachItemFromArray(v, 0)) != NULL) {
                    cJSON_AddItemToArray(rules, x);
                    n_rules++;
                }
            }
            if (cJSON_IsString(st) && *st->valuestring)
                skip = g_strdup(st->valuestring);
            cJSON_Delete(j);
            g_free(body);
        }
        if (!rc) {
            char *text = cJSON_PrintUnformatted(all);
            char *name = g_strdup_printf(
                "POST %s/listNetworkManagerEffectiveSecurityAdminRules (%d "
                "pages)",
                vnet, pages);
            rc = import_page(r, name, text, strlen(text), vnet, err);
            g_free(name);
            free(text);
        }
        cJSON_Delete(all);
        g_free(skip);
        g_free(url);
        g_free(p);
    }
    cJSON_AddNumberToObject(e, "vnets", vnets->len);
    cJSON_AddNumberToObject(e, "rules", (double)n_rules);
    return rc;
}

static nsg_rc service_tags(struct run *r, struct nsg_err *err)
{
    const char *loc = r->o->service_tags_location;
    char *sub = cap_url_escape(r->o->subscription, false);
    char *l = cap_url_escape(loc, false);
    char *url = g_strdup_printf("/subscriptions/%s/providers/Microsoft.Network/"
                                "locations/%s/serviceTags?api-version=%s",
                                sub, l, API_NET);
    long n = 0;
    nsg_rc rc = NSG_OK;
    for (int page = 1; !rc && url; page++) {
        char *body = NULL;
        size_t len = 0;
        rc = cap_arm_call(r->arm, "GET", url, NULL, &body, &len, err);
        if (rc)
            break;
        cJSON *j = cJSON_ParseWithLength(body, len);
        const cJSON *next = cJSON_GetObjectItemCaseSensitive(j, "nextLink");
        n += cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(j, "values"));
        char *name = g_strdup_printf("GET serviceTags of %s (page %d)", loc, page);
        rc = import_page(r, name, body, len, NULL, err);
        g_free(name);
        g_free(url);
        url = !rc && cJSON_IsString(next) && *next->valuestring
                  ? g_strdup(next->valuestring)
                  : NULL;
        cJSON_Delete(j);
        g_free(body);
    }
    cJSON *st = cJSON_AddObjectToObject(r->report, "service_tags");
    cJSON_AddStringToObject(st, "location", loc);
    cJSON_AddNumberToObject(st, "tags", (double)n);
    g_free(url);
    g_free(sub);
    g_free(l);
    return rc;
}

/* ---- the transaction ---------------------------------------------------- */

static nsg_rc store(struct run *r, struct nsg_txn *txn, struct nsg_err *err)
{
    long res[3] = {0, 0, 0};
    cJSON *by_type = cJSON_CreateObject();
    cJSON *skipped = cJSON_AddArrayToObject(r->report, "skipped");
    nsg_rc rc = NSG_OK;
    for (guint i = 0; !rc && i < r->pages->len; i++) {
        const struct page *pg = r->pages->pdata[i];
        const struct nsg_imp_config *cfg = pg->cfg;
        for (guint k = 0; !rc && k < cfg->items->len; k++) {
            const struct nsg_imp_item *it = cfg->items->pdata[k];
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(it->json, "id");
            bool existed = cJSON_IsString(id) &&
                           nsg_txn_has_resource(txn, id->valuestring);
            bool changed = false;
            rc = nsg_txn_add_resource(txn, it->type, it->json,
                                      r->o->captured_at, &changed, err);
            if (rc) {
                nsg_err_prefix(err, "%s: %s", pg->name, it->jpath);
                break;
            }
            res[!changed ? 2 : existed ? 1 : 0]++;
            cap_json_bump(by_type, nsg_res_type_name(it->type), 1);
        }
        if (!rc && cfg->service_tags) {
            bool changed;
            rc = nsg_txn_add_service_tags(txn, cfg->service_tags, &changed, err);
        }
        for (guint k = 0; cfg->skipped && k < cfg->skipped->len; k++)
            if (cJSON_GetArraySize(skipped) < 100)
                cJSON_AddItemToArray(skipped,
                                     cJSON_CreateString(cfg->skipped->pdata[k]));
    }
    cJSON *imp = cJSON_AddObjectToObject(r->report, "resources");
    cJSON_AddNumberToObject(imp, "new", (double)res[0]);
    cJSON_AddNumberToObject(imp, "changed", (double)res[1]);
    cJSON_AddNumberToObject(imp, "unchanged", (double)res[2]);
    cJSON_AddItemToObject(r->report, "imported", by_type);
    if (!rc) {
        char *src = g_strdup_printf("capture arm %s/subscriptions/%s",
                                    cap_arm_endpoint(r->arm), r->o->subscription);
        rc = nsg_txn_add_source(txn, src, g_checksum_get_string(r->sha),
                                by_type, err);
        g_free(src);
    }
    return rc;
}

static nsg_rc commit(struct run *r, struct nsg_err *err)
{
    struct nsg_corpus *c = NULL;
    struct nsg_txn *txn = NULL;
    nsg_rc rc = nsg_corpus_open(r->o->common.corpus, true, &c, err);
    if (rc)
        return rc;
    if (r->o->common.lock_wait_ms >= 0)
        nsg_corpus_set_lock_wait(c, r->o->common.lock_wait_ms);
    rc = nsg_corpus_begin(c, &txn, err);
    if (!rc)
        rc = store(r, txn, err);
    if (!rc)
        rc = nsg_corpus_commit(&txn, err);
    else
        nsg_corpus_rollback(txn);
    cJSON_AddBoolToObject(r->report, "committed", rc == NSG_OK);
    nsg_corpus_close(c);
    return rc;
}

static bool plain_name(const char *s, const char *extra)
{
    if (!s || !*s || strlen(s) > 90)
        return false;
    for (; *s; s++)
        if (!g_ascii_isalnum(*s) && !strchr(extra, *s))
            return false;
    return true;
}

nsg_rc nsg_cap_arm(const struct nsg_cap_arm_opts *o, cJSON *report,
                   struct nsg_err *err)
{
    struct run r;
    nsg_rc rc;
    memset(&r, 0, sizeof(r));
    if (!plain_name(o->subscription, "-"))
        return cap_err(err, NSG_E_USAGE,
                       "--subscription: '%s' is not a subscription id",
                       o->subscription ? o->subscription : "");
    for (size_t i = 0; i < o->n_resource_groups; i++)
        if (!plain_name(o->resource_groups[i], "-_.()"))
            return cap_err(err, NSG_E_USAGE,
                           "--resource-group: '%s' is not a resource group name",
                           o->resource_groups[i]);
    if (o->service_tags_location && !plain_name(o->service_tags_location, ""))
        return cap_err(err, NSG_E_USAGE,
                       "--service-tags: '%s' is not a location name (e.g. "
                       "westeurope)",
                       o->service_tags_location);
    if (o->arm_endpoint && (rc = cap_url_check(o->arm_endpoint,
                                               "--arm-endpoint", err)))
        return rc;
    if (o->common.login_endpoint &&
        (rc = cap_url_check(o->common.login_endpoint, "--login-endpoint", err)))
        return rc;
    rc = cap_http_for(&o->common, &r.http, err);
    if (rc)
        return rc;
    r.o = o;
    r.conn = cap_conn_new(r.http);
    r.report = report;
    r.pages = g_ptr_array_new_with_free_func(page_free);
    r.sha = g_checksum_new(G_CHECKSUM_SHA256);
    for (size_t i = 0; i < N_LISTS; i++)
        r.ids[i] = g_ptr_array_new_with_free_func(g_free);
    cJSON_AddStringToObject(report, "subscription", o->subscription);
    cJSON *rgs = cJSON_AddArrayToObject(report, "resource_groups");
    for (size_t i = 0; i < o->n_resource_groups; i++)
        cJSON_AddItemToArray(rgs, cJSON_CreateString(o->resource_groups[i]));
    char when[32];
    nsg_corpus_time_format(o->captured_at, when);
    cJSON_AddStringToObject(report, "captured_at", when);
    rc = cap_cred_from_env(o->common.login_endpoint, &r.cred, err);
    if (!rc)
        rc = cap_arm_new(o->arm_endpoint, r.cred, r.conn, &r.arm, err);
    if (!rc) {
        cJSON_AddStringToObject(report, "arm_endpoint", cap_arm_endpoint(r.arm));
        cJSON_AddStringToObject(report, "credential",
                                cap_cred_kind_name(cap_cred_kind(r.cred)));
        r.types = cJSON_AddObjectToObject(report, "lists");
        r.notes = cJSON_AddArrayToObject(report, "notes");
        rc = list_all(&r, err);
    }
    if (!rc)
        rc = effective_admin(&r, err);
    if (!rc && o->service_tags_location)
        rc = service_tags(&r, err);
    if (!rc)
        rc = commit(&r, err);
    else
        cJSON_AddBoolToObject(report, "committed", false);
    cap_http_report(r.http, report);
    for (size_t i = 0; i < N_LISTS; i++)
        g_ptr_array_free(r.ids[i], TRUE);
    g_ptr_array_free(r.pages, TRUE);
    g_checksum_free(r.sha);
    cap_arm_free(r.arm);
    cap_cred_free(r.cred);
    cap_conn_free(r.conn);
    cap_http_free(r.http);
    return rc;
}
