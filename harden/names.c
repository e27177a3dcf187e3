/* names.c - names of generated rules: "harden-<replaced rule>-<role>", at
 * most 65 characters (flow logs record names that long whole), a valid
 * Azure name, and new in its NSG.  A long replaced name is cut and a short
 * hash of the whole name added, so two long names stay distinct. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "harden_int.h"
#include "names.h"

#define PREFIX "harden-"

char *hd_rule_name(const char *replaced, const char *role,
                   bool (*taken)(const char *name, void *ctx), void *ctx)
{
    size_t room = NSG_PLAN_NAME_MAX - strlen(PREFIX) - strlen(role) - 1;
    char *base, *name = NULL;
    char hash[65];

    if (strlen(replaced) <= room) {
        base = g_strdup_printf(PREFIX "%s-%s", replaced, role);
    } else {
        nsg_sha256_hex(replaced, strlen(replaced), hash);
        base = g_strdup_printf(PREFIX "%.*s.%.4s-%s", (int)(room - 5),
                               replaced, hash, role);
    }
    /* Azure names contain letters, digits, '_', '.', '-' only */
    for (char *q = base; *q; q++)
        if (!g_ascii_isalnum(*q) && !strchr("_.-", *q))
            *q = '_';
    for (int i = 1; i < 10000; i++) {
        free(name);
        if (i == 1) {
            name = nsg_xstrdup(base);
        } else {
            char sfx[16];
            size_t n = (size_t)snprintf(sfx, sizeof(sfx), "%d", i);
            size_t keep = strlen(base);
            if (keep + n > NSG_PLAN_NAME_MAX)
                keep = NSG_PLAN_NAME_MAX - n;
            name = nsg_xmalloc(keep + n + 1);
            memcpy(name, base, keep);
            memcpy(name + keep, sfx, n + 1);
        }
        if (!taken || !taken(name, ctx))
            break;
    }
    g_free(base);
    return name;
}
