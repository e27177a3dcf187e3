/* imp_arm_item.c - the list of resources found in one configuration file:
 * adding a normalized resource (the same resource twice keeps the later
 * one, with a warning), its key, and notes for the skipped and warnings
 * lists.  Shared by the walkers (imp_arm.c, imp_arm_group.c,
 * imp_arm_template.c). */
#include <stdarg.h>
#include <stdlib.h>

#include "imp_arm.h"

void nsg_imp_note(GPtrArray *list, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_ptr_array_add(list, nsg_xstrdup(s));
    g_free(s);
}

/* ---- items ------------------------------------------------------------- */

char *nsg_imp_item_key(enum nsg_res_type type, const cJSON *json)
{
    const cJSON *id = nsg_model_json_field(json, "id");
    const cJSON *name = nsg_model_json_field(json, "name");
    const char *k = cJSON_IsString(id) && *id->valuestring ? id->valuestring
                    : cJSON_IsString(name)                 ? name->valuestring
                                                           : NULL;
    if (!k)
        return NULL;
    char *lower = nsg_xstrdup_lower(k);
    char *key = g_strdup_printf("%d|%s", (int)type, lower);
    free(lower);
    return key;
}

/* Add a normalized resource (json owned).  The same resource twice in one
 * file (REST examples repeat it for 200 and 201) keeps the later one. */
void nsg_imp_add_item(struct imp_walk *w, enum nsg_res_type type, cJSON *json,
                      const cJSON *orig, const char *jpath)
{
    char *key = nsg_imp_item_key(type, json);
    struct nsg_imp_item *old = key ? g_hash_table_lookup(w->seen, key) : NULL;

    if (old) {
        if (!cJSON_Compare(old->json, json, true))
            nsg_imp_note(
                w->cfg->warnings,
                "%s: %s: the same %s appears again at %s; the later one is "
                "kept",
                w->name, old->jpath, nsg_res_type_name(type), jpath);
        for (guint i = 0; i < w->cfg->items->len; i++)
            if (w->cfg->items->pdata[i] == old)
                w->orig->pdata[i] = (void *)orig;
        cJSON_Delete(old->json);
        old->json = json;
        free(old->jpath);
        old->jpath = nsg_xstrdup(jpath);
        g_free(key);
        return;
    }
    struct nsg_imp_item *it = nsg_xcalloc(1, sizeof(*it));
    it->type = type;
    it->json = json;
    it->jpath = nsg_xstrdup(jpath);
    g_ptr_array_add(w->cfg->items, it);
    g_ptr_array_add(w->orig, (void *)orig);
    if (key)
        g_hash_table_insert(w->seen, key, it);
}
