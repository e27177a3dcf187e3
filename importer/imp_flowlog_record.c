/* imp_flowlog_record.c - walks the JSON text of one flow-log record (NSG
 * v1/v2 or VNet) without building a tree: it keeps the envelope strings
 * (resourceId, macAddress, category, targetResourceID, version) and, for
 * every object, the rule / mac / aclID it names, and records each
 * flowTuples string as a span of the record text for the tuple tokenizer.
 * Keys may come in any order (spans are resolved after the walk).  A
 * trailing comma inside a record is accepted and counted. */
#include <string.h>
#include <strings.h>

#include "imp_flowlog.h"
#include "imp_jstr.h"

#define MAX_DEPTH 64

struct walk {
    struct nsg_imp_fl_record *r;
    const char *s;
    size_t n, i;
    const char *why;
};

void nsg_imp_fl_record_init(struct nsg_imp_fl_record *r)
{
    memset(r, 0, sizeof(*r));
    r->spans = g_array_new(FALSE, FALSE, sizeof(struct nsg_imp_fl_span));
    r->frames = g_array_new(FALSE, FALSE, sizeof(struct nsg_imp_fl_frame));
    r->arena = g_string_chunk_new(4096);
}

void nsg_imp_fl_record_release(struct nsg_imp_fl_record *r)
{
    if (r->spans)
        g_array_free(r->spans, TRUE);
    if (r->frames)
        g_array_free(r->frames, TRUE);
    if (r->arena)
        g_string_chunk_free(r->arena);
    memset(r, 0, sizeof(*r));
}

static void ws(struct walk *w)
{
    while (w->i < w->n) {
        char c = w->s[w->i];
        if (c != ' ' && c != '\n' && c != '\r' && c != '\t')
            return;
        w->i++;
    }
}

static int fail(struct walk *w, const char *why)
{
    if (!w->why)
        w->why = why;
    return -1;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/* Scan a string at w->i ('"').  Sets *p and *len to its raw bytes and *esc when
 * it holds escapes. */
static int str_raw(struct walk *w, const char **p, size_t *len, bool *esc)
{
    const char *start = w->s + ++w->i;
    const char *q = nsg_imp_jstr_end(start, w->s + w->n, esc);
    if (!q)
        return fail(w, "unterminated string");
    /* raw control characters are not checked (the tuple tokenizer rejects
     * them in tuples; elsewhere they are harmless) */
    *p = start;
    *len = (size_t)(q - start);
    w->i = (size_t)(q - w->s) + 1;
    return 0;
}

/* Unescaped, NUL-terminated copy in the arena. */
static const char *str_copy(struct walk *w, const char *p, size_t len, bool esc)
{
    if (!esc)
        return g_string_chunk_insert_len(w->r->arena, p, (gssize)len);
    GString *g = g_string_sized_new(len);
    for (size_t k = 0; k < len; k++) {
        if (p[k] != '\\') {
            g_string_append_c(g, p[k]);
            continue;
        }
        if (++k == len)
            break;
        switch (p[k]) {
        case 'b':
            g_string_append_c(g, '\b');
            break;
        case 'f':
            g_string_append_c(g, '\f');
            break;
        case 'n':
            g_string_append_c(g, '\n');
            break;
        case 'r':
            g_string_append_c(g, '\r');
            break;
        case 't':
            g_string_append_c(g, '\t');
            break;
        case 'u': {
            unsigned v = 0;
            int ok = k + 4 < len;
            for (int d = 1; ok && d <= 4; d++) {
                int h = hexval(p[k + (size_t)d]);
                ok = h >= 0;
                v = v * 16 + (unsigned)(h < 0 ? 0 : h);
            }
            if (ok) {
                g_string_append_unichar(g, v);
                k += 4;
            }
            break;
        }
        default:
            g_string_append_c(g, p[k]);
            break;
        }
    }
    const char *out =
        g_string_chunk_insert_len(w->r->arena, g->str, (gssize)g->len);
    g_string_free(g, TRUE);
    return out;
}

static bool key_is(const char *k, size_t kl, const char *want)
{
    return strlen(want) == kl && !strncasecmp(k, want, kl);
}

static int value(struct walk *w, int depth, int frame, const char *key,
                 size_t kl);

static int literal(struct walk *w)
{
    static const char *lits[] = {"true", "false", "null"};
    for (int k = 0; k < 3; k++) {
        size_t l = strlen(lits[k]);
        if (w->n - w->i >= l && !memcmp(w->s + w->i, lits[k], l)) {
            w->i += l;
            return 0;
        }
    }
    return fail(w, "unexpected character");
}

static int number(struct walk *w, long long *out)
{
    size_t st = w->i;
    long long v = 0;
    bool neg = false, frac = false;
    if (w->i < w->n && w->s[w->i] == '-') {
        neg = true;
        w->i++;
    }
    while (w->i < w->n) {
        char c = w->s[w->i];
        if (c >= '0' && c <= '9') {
            if (!frac && v < 100000000000000000LL)
                v = v * 10 + (c - '0');
        } else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
            frac = true;
        } else {
            break;
        }
        w->i++;
    }
    if (w->i == st || (neg && w->i == st + 1))
        return fail(w, "bad number");
    *out = neg ? -v : v;
    return 0;
}

static void frame_set(struct walk *w, int frame, const char *key, size_t kl,
                      const char *v)
{
    struct nsg_imp_fl_frame *f =
        &g_array_index(w->r->frames, struct nsg_imp_fl_frame, frame);
    if (key_is(key, kl, "rule"))
        f->rule = v;
    else if (key_is(key, kl, "mac"))
        f->mac = v;
    else if (key_is(key, kl, "aclID"))
        f->acl = v;
    if (frame != 0)
        return;
    if (key_is(key, kl, "resourceId"))
        w->r->resource_id = v;
    else if (key_is(key, kl, "macAddress"))
        w->r->mac = v;
    else if (key_is(key, kl, "category"))
        w->r->category = v;
    else if (key_is(key, kl, "targetResourceID"))
        w->r->target = v;
    else if (key_is(key, kl, "flowLogResourceID"))
        w->r->flowlog_id = v;
}

static bool envelope_key(const char *k, size_t kl)
{
    static const char *keys[] = {"rule",
                                 "mac",
                                 "aclID",
                                 "resourceId",
                                 "macAddress",
                                 "category",
                                 "targetResourceID",
                                 "flowLogResourceID"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (key_is(k, kl, keys[i]))
            return true;
    return false;
}

static int object(struct walk *w, int depth, int parent)
{
    struct nsg_imp_fl_frame fr = {parent, NULL, NULL, NULL};
    int me = (int)w->r->frames->len;
    g_array_append_val(w->r->frames, fr);
    w->i++; /* '{' */
    ws(w);
    if (w->i < w->n && w->s[w->i] == '}') {
        w->i++;
        return 0;
    }
    for (;;) {
        const char *k;
        size_t kl;
        bool esc;
        ws(w);
        if (w->i >= w->n || w->s[w->i] != '"')
            return fail(w, "expected a key");
        if (str_raw(w, &k, &kl, &esc))
            return -1;
        ws(w);
        if (w->i >= w->n || w->s[w->i] != ':')
            return fail(w, "expected ':'");
        w->i++;
        ws(w);
        if (w->i < w->n && w->s[w->i] == '"' && envelope_key(k, kl)) {
            const char *p;
            size_t l;
            if (str_raw(w, &p, &l, &esc))
                return -1;
            frame_set(w, me, k, kl, str_copy(w, p, l, esc));
        } else if (value(w, depth + 1, me, k, kl)) {
            return -1;
        }
        ws(w);
        if (w->i >= w->n)
            return fail(w, "unterminated object");
        if (w->s[w->i] == '}') {
            w->i++;
            return 0;
        }
        if (w->s[w->i] != ',')
            return fail(w, "expected ',' or '}'");
        w->i++;
        ws(w);
        if (w->i < w->n && w->s[w->i] == '}') {
            if (!w->r->n_trailing++)
                w->r->trailing_off = w->i;
            w->i++;
            return 0;
        }
    }
}

/* Tuple spans are gathered on the stack and appended to r->spans in
 * bulk: g_array_append_val per tuple was a library call each (~4 % of an
 * import's instructions). */
#define SPANBUF 128
struct spanbuf {
    struct nsg_imp_fl_span v[SPANBUF];
    guint n;
};

static void span_flush(struct walk *w, struct spanbuf *sb)
{
    if (sb->n)
        g_array_append_vals(w->r->spans, sb->v, sb->n);
    sb->n = 0;
}

static int array_body(struct walk *w, int depth, int frame, bool tuples,
                      struct spanbuf *sb);

static int array(struct walk *w, int depth, int frame, bool tuples)
{
    if (!tuples)
        return array_body(w, depth, frame, false, NULL);
    struct spanbuf sb;
    sb.n = 0;
    int rc = array_body(w, depth, frame, true, &sb);
    span_flush(w, &sb);
    return rc;
}

static int array_body(struct walk *w, int depth, int frame, bool tuples,
                      struct spanbuf *sb)
{
    w->i++; /* '[' */
    ws(w);
    if (w->i < w->n && w->s[w->i] == ']') {
        w->i++;
        return 0;
    }
    for (;;) {
        ws(w);
        if (tuples && w->i < w->n && w->s[w->i] == '"') {
            const char *p;
            size_t l;
            bool esc;
            if (str_raw(w, &p, &l, &esc))
                return -1;
            if (esc) {
                p = str_copy(w, p, l, true);
                l = strlen(p);
            }
            if (sb->n == SPANBUF)
                span_flush(w, sb);
            sb->v[sb->n++] =
                (struct nsg_imp_fl_span){p, (uint32_t)l, (uint32_t)frame};
        } else if (value(w, depth + 1, frame, NULL, 0)) {
            return -1;
        }
        ws(w);
        if (w->i >= w->n)
            return fail(w, "unterminated array");
        if (w->s[w->i] == ']') {
            w->i++;
            return 0;
        }
        if (w->s[w->i] != ',')
            return fail(w, "expected ',' or ']'");
        w->i++;
        ws(w);
        if (w->i < w->n && w->s[w->i] == ']') {
            if (!w->r->n_trailing++)
                w->r->trailing_off = w->i;
            w->i++;
            return 0;
        }
    }
}

static int value(struct walk *w, int depth, int frame, const char *key,
                 size_t kl)
{
    if (depth > MAX_DEPTH)
        return fail(w, "nested too deeply");
    ws(w);
    if (w->i >= w->n)
        return fail(w, "missing value");
    char c = w->s[w->i];
    if (c == '{')
        return object(w, depth, frame);
    if (c == '[') {
        if (key && key_is(key, kl, "flowRecords"))
            w->r->vnet = true;
        return array(w, depth, frame, key && key_is(key, kl, "flowTuples"));
    }
    if (c == '"') {
        const char *p;
        size_t l;
        bool esc;
        return str_raw(w, &p, &l, &esc);
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        long long v;
        if (number(w, &v))
            return -1;
        if (key &&
            (key_is(key, kl, "version") || key_is(key, kl, "flowLogVersion")))
            w->r->version = (int)v;
        return 0;
    }
    return literal(w);
}

int nsg_imp_fl_record_parse(struct nsg_imp_fl_record *r, const char *text,
                            size_t len, size_t *where, const char **why)
{
    struct walk w = {r, text, len, 0, NULL};
    g_array_set_size(r->spans, 0);
    g_array_set_size(r->frames, 0);
    g_string_chunk_clear(r->arena);
    r->text = text;
    r->len = len;
    r->resource_id = r->mac = r->category = r->target = r->flowlog_id = NULL;
    r->version = 0;
    r->vnet = false;
    r->n_trailing = r->trailing_off = 0;
    ws(&w);
    if (w.i >= len || text[w.i] != '{') {
        *where = w.i;
        *why = "a record is not an object";
        return -1;
    }
    if (object(&w, 0, -1)) {
        *where = w.i;
        *why = w.why ? w.why : "bad JSON";
        return -1;
    }
    ws(&w);
    if (w.i != len) {
        *where = w.i;
        *why = "bytes after the record";
        return -1;
    }
    if (r->category && !strcasecmp(r->category, "FlowLogFlowEvent"))
        r->vnet = true;
    return 0;
}

void nsg_imp_fl_record_context(const struct nsg_imp_fl_record *r,
                               uint32_t frame, const char **rule,
                               const char **mac, const char **acl)
{
    *rule = *mac = *acl = NULL;
    for (int f = (int)frame; f >= 0;) {
        const struct nsg_imp_fl_frame *fr =
            &g_array_index(r->frames, struct nsg_imp_fl_frame, (guint)f);
        if (!*rule)
            *rule = fr->rule;
        if (!*mac)
            *mac = fr->mac;
        if (!*acl)
            *acl = fr->acl;
        f = fr->parent;
    }
    if (!*mac)
        *mac = r->mac;
}
