/* apply_journal.c - the journal of an apply: DIR/apply.json says which
 * NSGs were sent, with which etags, and how each ended, so that
 * `enforce --rollback DIR` knows what to put back.  Written atomically
 * (the reader sees the old journal or the new one) after every step. */
#include <string.h>

#include "apply_int.h"

nsg_rc ap_journal_write(const char *dir, const cJSON *journal,
                        struct nsg_err *err)
{
    char *path = g_build_filename(dir, NSG_APPLY_JOURNAL, NULL);
    nsg_rc rc = nsg_enforce_write_json(path, journal, err);
    g_free(path);
    return rc;
}

nsg_rc ap_journal_read(const char *dir, cJSON **out, struct nsg_err *err)
{
    char *path = g_build_filename(dir, NSG_APPLY_JOURNAL, NULL);
    struct nsg_buf b = NSG_BUF_INIT;
    nsg_rc rc = NSG_OK;
    const cJSON *n;
    *out = NULL;
    if (!g_file_test(path, G_FILE_TEST_EXISTS)) {
        rc = nsg_err_set(err, NSG_E_NOTFOUND, "%s: no such file", path);
        goto out;
    }
    rc = nsg_buf_read_file(&b, path, 64u << 20, err);
    if (rc)
        goto out;
    *out = cJSON_ParseWithLength(b.buf, b.len);
    n = cJSON_GetObjectItemCaseSensitive(*out, "nsgs");
    if (!cJSON_IsObject(*out) || !cJSON_IsArray(n)) {
        cJSON_Delete(*out);
        *out = NULL;
        rc = nsg_err_set(err, NSG_E_INPUT,
                         "%s: not a journal of nsgproof enforce --apply (a "
                         "JSON object with \"nsgs\")",
                         path);
    }
out:
    nsg_buf_release(&b);
    g_free(path);
    return rc;
}

nsg_rc nsg_apply_journal_corpus(const char *dir, char **out,
                                struct nsg_err *err)
{
    cJSON *j = NULL;
    nsg_rc rc = ap_journal_read(dir, &j, err);
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(j, "corpus");
    *out = NULL;
    if (!rc && !cJSON_IsString(c))
        rc = nsg_err_set(err, NSG_E_INPUT, "%s/%s: names no corpus", dir,
                         NSG_APPLY_JOURNAL);
    if (!rc)
        *out = g_strdup(c->valuestring);
    cJSON_Delete(j);
    return rc;
}

const char *nsg_apply_status_name(enum nsg_apply_status s)
{
    switch (s) {
    case NSG_APPLY_OK:
        return "applied";
    case NSG_APPLY_STALE:
        return "stale";
    case NSG_APPLY_CONFLICT:
        return "conflict";
    case NSG_APPLY_FAILED:
        return "failed";
    case NSG_APPLY_MISMATCH:
        return "mismatch";
    }
    return "?";
}
