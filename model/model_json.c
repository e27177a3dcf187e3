/* model_json.c - path-aware JSON accessors (model_json.h). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "model.h"
#include "model_json.h"

const char *nsg_model_json_kind(const cJSON *j)
{
    if (!j || cJSON_IsNull(j))
        return "null";
    if (cJSON_IsObject(j))
        return "object";
    if (cJSON_IsArray(j))
        return "array";
    if (cJSON_IsString(j))
        return "string";
    if (cJSON_IsNumber(j))
        return "number";
    if (cJSON_IsBool(j))
        return "true/false";
    return "invalid value";
}

void nsg_model_jpath_printf(char out[NSG_JPATH_MAX], const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, NSG_JPATH_MAX, fmt, ap);
    va_end(ap);
}

void nsg_model_jpath_key(char out[NSG_JPATH_MAX], const char *where,
                         const char *key)
{
    nsg_model_jpath_printf(out, "%s.%s", where, key);
}

void nsg_model_jpath_idx(char out[NSG_JPATH_MAX], const char *where, size_t i)
{
    nsg_model_jpath_printf(out, "%s[%zu]", where, i);
}

nsg_rc nsg_model_json_fail(struct nsg_err *err, const char *where,
                           const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return nsg_err_set(err, NSG_E_INPUT, "%s: %s", where, msg);
}

const cJSON *nsg_model_json_field(const cJSON *obj, const char *key)
{
    const cJSON *j;

    if (!cJSON_IsObject(obj))
        return NULL;
    /* exact case first (the common case), then any case */
    j = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!j)
        j = cJSON_GetObjectItem(obj, key);
    return j && !cJSON_IsNull(j) ? j : NULL;
}

static nsg_rc missing(struct nsg_err *err, const char *where, const char *key)
{
    char p[NSG_JPATH_MAX];
    nsg_model_jpath_key(p, where, key);
    return nsg_model_json_fail(err, p, "missing required field \"%s\"", key);
}

const char *nsg_model_json_hint(const cJSON *got)
{
    if (cJSON_IsString(got) &&
        (!strncmp(got->valuestring, "Microsoft.Azure.Commands.", 25) ||
         !strncmp(got->valuestring, "System.Collections.", 19)))
        return " (PowerShell's type name in place of the object: export "
               "with ConvertTo-Json -Depth 10)";
    return "";
}

static nsg_rc wrong(struct nsg_err *err, const char *where, const char *key,
                    const char *want, const cJSON *got)
{
    char p[NSG_JPATH_MAX];
    nsg_model_jpath_key(p, where, key);
    return nsg_model_json_fail(err, p, "expected %s, got %s%s", want,
                               nsg_model_json_kind(got),
                               nsg_model_json_hint(got));
}

nsg_rc nsg_model_json_str(const cJSON *obj, const char *key, const char *where,
                          bool required, const char **out, struct nsg_err *err)
{
    const cJSON *j = nsg_model_json_field(obj, key);

    *out = NULL;
    if (!j)
        return required ? missing(err, where, key) : NSG_OK;
    if (!cJSON_IsString(j))
        return wrong(err, where, key, "a string", j);
    *out = j->valuestring;
    return NSG_OK;
}

/* A decimal integer in text: optional sign, digits, optional spaces. */
static int parse_int_text(const char *s, int64_t *out)
{
    char *end;
    long long v;

    while (*s == ' ')
        s++;
    if (!*s)
        return -1;
    v = strtoll(s, &end, 10);
    while (*end == ' ')
        end++;
    if (*end || end == s)
        return -1;
    *out = v;
    return 0;
}

nsg_rc nsg_model_json_int(const cJSON *obj, const char *key, const char *where,
                          bool required, bool *present, int64_t *out,
                          struct nsg_err *err)
{
    const cJSON *j = nsg_model_json_field(obj, key);
    char p[NSG_JPATH_MAX];

    if (present)
        *present = false;
    *out = 0;
    if (!j)
        return required ? missing(err, where, key) : NSG_OK;
    nsg_model_jpath_key(p, where, key);
    if (cJSON_IsNumber(j)) {
        double d = j->valuedouble;
        if (!isfinite(d) || d != floor(d) || fabs(d) > 9.0e15)
            return nsg_model_json_fail(err, p, "%s %g is not an integer", key,
                                       d);
        *out = (int64_t)d;
    } else if (cJSON_IsString(j)) {
        if (parse_int_text(j->valuestring, out))
            return nsg_model_json_fail(err, p, "%s \"%s\" is not an integer",
                                       key, j->valuestring);
    } else {
        return wrong(err, where, key, "an integer", j);
    }
    if (present)
        *present = true;
    return NSG_OK;
}

nsg_rc nsg_model_json_bool(const cJSON *obj, const char *key, const char *where,
                           bool def, bool *out, struct nsg_err *err)
{
    const cJSON *j = nsg_model_json_field(obj, key);

    *out = def;
    if (!j)
        return NSG_OK;
    if (cJSON_IsBool(j)) {
        *out = cJSON_IsTrue(j);
        return NSG_OK;
    }
    if (cJSON_IsString(j) && !strcasecmp(j->valuestring, "true")) {
        *out = true;
        return NSG_OK;
    }
    if (cJSON_IsString(j) && !strcasecmp(j->valuestring, "false")) {
        *out = false;
        return NSG_OK;
    }
    return wrong(err, where, key, "true or false", j);
}

nsg_rc nsg_model_json_arr(const cJSON *obj, const char *key, const char *where,
                          bool required, const cJSON **out, struct nsg_err *err)
{
    const cJSON *j = nsg_model_json_field(obj, key);

    *out = NULL;
    if (!j)
        return required ? missing(err, where, key) : NSG_OK;
    if (!cJSON_IsArray(j))
        return wrong(err, where, key, "an array", j);
    *out = j;
    return NSG_OK;
}

nsg_rc nsg_model_json_obj(const cJSON *obj, const char *key, const char *where,
                          bool required, const cJSON **out, struct nsg_err *err)
{
    const cJSON *j = nsg_model_json_field(obj, key);

    *out = NULL;
    if (!j)
        return required ? missing(err, where, key) : NSG_OK;
    if (!cJSON_IsObject(j))
        return wrong(err, where, key, "an object", j);
    *out = j;
    return NSG_OK;
}

nsg_rc nsg_model_json_arr_str(const cJSON *arr, size_t i, const char *where,
                              const char **out, struct nsg_err *err)
{
    const cJSON *j = cJSON_GetArrayItem(arr, (int)i);
    char p[NSG_JPATH_MAX];

    *out = NULL;
    if (!cJSON_IsString(j)) {
        nsg_model_jpath_idx(p, where, i);
        return nsg_model_json_fail(err, p, "expected a string, got %s",
                                   nsg_model_json_kind(j));
    }
    *out = j->valuestring;
    return NSG_OK;
}

nsg_rc nsg_model_json_check_id(const char *id, const char *where,
                               struct nsg_err *err)
{
    if (nsg_id_is_valid(id))
        return NSG_OK;
    return nsg_model_json_fail(
        err, where,
        "\"%s\" is not an Azure resource id (expected "
        "/subscriptions/{sub}/resourceGroups/{rg}/providers/"
        "{namespace}/{type}/{name})",
        id);
}

/* The id of one {"id": ...} reference object found at `where`. */
static nsg_rc ref_id(const cJSON *ref, const char *where, char **out,
                     struct nsg_err *err)
{
    const char *id;
    char p[NSG_JPATH_MAX];
    nsg_rc rc;

    *out = NULL;
    if (!cJSON_IsObject(ref))
        return nsg_model_json_fail(
            err, where, "expected an object {\"id\": ...}, got %s%s",
            nsg_model_json_kind(ref), nsg_model_json_hint(ref));
    rc = nsg_model_json_str(ref, "id", where, false, &id, err);
    if (rc || !id || !*id)
        return rc;
    nsg_model_jpath_key(p, where, "id");
    rc = nsg_model_json_check_id(id, p, err);
    if (!rc)
        *out = nsg_xstrdup(id);
    return rc;
}

nsg_rc nsg_model_json_ref(const cJSON *obj, const char *key, const char *where,
                          char **out_id, struct nsg_err *err)
{
    const cJSON *j = nsg_model_json_field(obj, key);
    char p[NSG_JPATH_MAX];

    *out_id = NULL;
    if (!j)
        return NSG_OK;
    nsg_model_jpath_key(p, where, key);
    return ref_id(j, p, out_id, err);
}

nsg_rc nsg_model_json_refs(const cJSON *obj, const char *key, const char *where,
                           char ***ids, size_t *n, struct nsg_err *err)
{
    const cJSON *arr;
    char p[NSG_JPATH_MAX], pi[NSG_JPATH_MAX];
    nsg_rc rc = nsg_model_json_arr(obj, key, where, false, &arr, err);
    size_t i = 0;
    const cJSON *el;

    if (rc || !arr)
        return rc;
    nsg_model_jpath_key(p, where, key);
    cJSON_ArrayForEach(el, arr)
    {
        char *id;
        bool dup = false;
        nsg_model_jpath_idx(pi, p, i++);
        rc = ref_id(el, pi, &id, err);
        if (rc)
            return rc;
        if (!id)
            continue;
        for (size_t k = 0; k < *n && !dup; k++)
            dup = !strcasecmp((*ids)[k], id);
        if (dup) {
            free(id);
            continue;
        }
        *ids = nsg_xrealloc(*ids, (*n + 1) * sizeof(**ids));
        (*ids)[(*n)++] = id;
    }
    return NSG_OK;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* How much of the text after a syntax error to quote: up to 20 bytes, not
 * past the end of the line. */
static int near_len(const char *s, size_t left)
{
    int n = 0;
    while ((size_t)n < left && n < 20 && s[n] != '\n' && s[n] != '\r')
        n++;
    return n;
}

/* True when the text stops inside a string, an object or an array: the
 * file was cut short (a copy interrupted, a blob still being written). */
static bool is_unfinished(const char *s, size_t len)
{
    long depth = 0;
    bool in_str = false;

    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++;
            else if (c == '"')
                in_str = false;
        } else if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if (c == '}' || c == ']') {
            depth--;
        }
    }
    return in_str || depth > 0;
}

nsg_rc nsg_model_json_parse(const char *name, const char *text, size_t len,
                            cJSON **out, struct nsg_err *err)
{
    const char *end = NULL, *p;
    size_t line = 1, col = 1, off, bom = 0;

    *out = NULL;
    if (len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3)) {
        bom = 3; /* byte offsets in messages still count it */
        text += 3;
        len -= 3;
    }
    for (p = text; p < text + len && is_space(*p); p++)
        ;
    if (p == text + len)
        return nsg_err_set(err, NSG_E_INPUT, "%s: $: file is empty", name);
    *out = cJSON_ParseWithLengthOpts(text, len, &end, false);
    if (*out) {
        /* trailing garbage after the document */
        for (p = end; p < text + len && is_space(*p); p++)
            ;
        if (p == text + len || !*p)
            return NSG_OK;
        end = p;
        cJSON_Delete(*out);
        *out = NULL;
    }
    if (!end || end < text || end > text + len)
        end = text + len;
    off = (size_t)(end - text);
    for (p = text; p < end; p++) {
        if (*p == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    if (off >= len || is_unfinished(text, len))
        return nsg_err_set(err, NSG_E_INPUT,
                           "%s: $: malformed JSON: the document ends too early "
                           "(truncated file?) at line %zu, column %zu "
                           "(byte %zu)",
                           name, line, col, off + bom);
    return nsg_err_set(err, NSG_E_INPUT,
                       "%s: $: malformed JSON at line %zu, column %zu "
                       "(byte %zu, near \"%.*s\")",
                       name, line, col, off + bom, near_len(end, len - off),
                       end);
}
