/* agg_json.c - aggregate rows as JSON objects: JSON Lines (objects one
 * after another, one per line or pretty-printed) or one JSON array of
 * objects (`az monitor log-analytics query -o json`, where every value is
 * a string and a null is written "None").  Each object's extent is found
 * by a string-aware brace count over the read buffer (so that its line is
 * known and the file is streamed), then cJSON parses it.  Keys are the
 * column names (any case); other keys are ignored. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "agg_int.h"

static int fail(struct nsg_agg_reader *rd, uint64_t line, struct nsg_err *err,
                const char *what)
{
    nsg_err_set(err, NSG_E_INPUT, "%s: line %llu: %s", rd->path,
                (unsigned long long)line, what);
    return -NSG_E_INPUT;
}

/* The end (index after '}') of the object at in->pos, and the line breaks
 * inside it.  1: found; 0: more input needed; -1: not closed at the end. */
static int object_end(const struct nsg_agg_in *in, size_t *end, unsigned *nls)
{
    int depth = 0;
    bool str = false, esc = false;
    *nls = 0;
    for (size_t i = in->pos; i < in->len; i++) {
        char c = in->buf[i];
        if (c == '\n')
            (*nls)++;
        if (str) {
            if (esc)
                esc = false;
            else if (c == '\\')
                esc = true;
            else if (c == '"')
                str = false;
        } else if (c == '"') {
            str = true;
        } else if (c == '{' || c == '[') {
            depth++;
        } else if ((c == '}' || c == ']') && --depth == 0) {
            *end = i + 1;
            return 1;
        }
    }
    return in->eof ? -1 : 0;
}

/* The value of one column as text (NULL: unknown), or an error. */
static int value_text(struct nsg_agg_reader *rd, const cJSON *v,
                      const char **out, struct nsg_err *err)
{
    char buf[64];
    *out = NULL;
    if (cJSON_IsNull(v))
        return 0;
    if (cJSON_IsString(v)) {
        /* az writes every value as a string, a null as "None" */
        if (!(rd->shape == NSG_AGG_ARRAY && !strcmp(v->valuestring, "None")))
            *out = v->valuestring;
        return 0;
    }
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (d == floor(d) && fabs(d) < 1e19)
            snprintf(buf, sizeof(buf), "%.0f", d);
        else
            snprintf(buf, sizeof(buf), "%.17g", d);
        *out = g_string_chunk_insert(rd->num, buf);
        return 0;
    }
    char what[128];
    snprintf(what, sizeof(what),
             "key \"%.40s\": not a string, a number or null", v->string);
    return fail(rd, rd->row_line, err, what);
}

/* Parse the object text [s, s+n) into t. */
static int object_text(struct nsg_agg_reader *rd, const char *s, size_t n,
                       struct nsg_agg_text *t, struct nsg_err *err)
{
    const cJSON *v;
    bool seen[NSG_AGG_NCOLS] = {false};
    cJSON_Delete(rd->obj);
    g_string_chunk_clear(rd->num);
    memset(t, 0, sizeof(*t));
    rd->obj = cJSON_ParseWithLength(s, n);
    if (!cJSON_IsObject(rd->obj)) {
        const char *at = cJSON_GetErrorPtr();
        uint64_t line = rd->row_line;
        for (const char *p = s; at && p >= s && p < at && p < s + n; p++)
            line += *p == '\n';
        return fail(rd, line, err, "not a valid JSON object");
    }
    cJSON_ArrayForEach(v, rd->obj)
    {
        int c = nsg_agg_column_find(v->string, strlen(v->string));
        if (c < 0)
            continue; /* extra keys are ignored */
        if (seen[c]) {
            char what[96];
            snprintf(what, sizeof(what), "key \"%s\" given twice",
                     nsg_agg_column_name(c));
            return fail(rd, rd->row_line, err, what);
        }
        seen[c] = true;
        int k = value_text(rd, v, &t->v[c], err);
        if (k < 0)
            return k;
    }
    return 1;
}

int nsg_agg_json_next(struct nsg_agg_reader *rd, struct nsg_agg_text *t,
                      struct nsg_err *err)
{
    struct nsg_agg_in *in = &rd->in;
    bool arr = rd->shape == NSG_AGG_ARRAY;
    for (;;) {
        if (in->pos >= in->len) {
            int m = nsg_agg_in_more(in, err);
            if (m < 0)
                return m;
            if (m == 0) {
                if (arr && !rd->array_ended)
                    return fail(rd, in->line, err,
                                "the array is not closed (no ']')");
                return 0;
            }
            continue;
        }
        char c = in->buf[in->pos];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            in->line += c == '\n';
            in->pos++;
            continue;
        }
        if (arr && !rd->array_started && c == '[') {
            rd->array_started = true;
            in->pos++;
            continue;
        }
        if (rd->array_ended)
            return fail(rd, in->line, err, "text after the end of the array");
        /* in an array: objects separated by commas, then ']' */
        if (arr && c == ']' && !rd->after_comma) {
            rd->array_ended = true;
            in->pos++;
            continue;
        }
        if (arr && c == ',' && rd->need_comma) {
            rd->need_comma = false;
            rd->after_comma = true;
            in->pos++;
            continue;
        }
        if (c != '{' || rd->need_comma)
            return fail(rd, in->line, err,
                        !arr ? "expected a JSON object (one per line)"
                        : rd->need_comma ? "expected ',' or ']' after an "
                                           "object"
                                         : "expected an object");
        size_t end;
        unsigned nls;
        int k = nsg_agg_in_find(in, object_end, &end, &nls, err);
        if (k < 0)
            return k;
        if (k == 0)
            return fail(rd, in->line, err,
                        "an object is not closed before the end of the file");
        rd->row_line = in->line;
        rd->need_comma = arr;
        rd->after_comma = false;
        const char *s = in->buf + in->pos;
        in->pos = end;
        in->line += nls;
        return object_text(rd, s, (size_t)(in->buf + end - s), t, err);
    }
}
