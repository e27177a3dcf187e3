/* slv_query.c - parser of the verify query language (docs/queries.md):
 * QUANT SRC -> DST [SERVICE] [from port PORTS], with errors that name the
 * line, the column and what was expected.  A hand-written scanner: the
 * grammar is a handful of words, no generator needed. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "verify.h"

const char *nsg_q_quant_name(enum nsg_q_quant q)
{
    return q == NSG_Q_NEVER ? "never" : q == NSG_Q_CAN ? "can" : "always";
}

static const char *const kind_names[] = {"any", "cidr", "tag",  "nic",
                                         "subnet", "vnet", "asg", "vm"};

const char *nsg_ep_kind_name(enum nsg_ep_kind k)
{
    return kind_names[k];
}

/* The scanner: the text, the position, and where to report. */
struct scan {
    const char *s;
    size_t pos, end; /* end: where a comment starts, or the length */
    int line;
    struct nsg_err *err;
};

static void skip_ws(struct scan *sc)
{
    while (sc->pos < sc->end && isspace((unsigned char)sc->s[sc->pos]))
        sc->pos++;
}

static bool at_arrow(const struct scan *sc, size_t p)
{
    return p + 1 < sc->end && sc->s[p] == '-' && sc->s[p + 1] == '>';
}

/* The next word (up to blank, "->" or the end), newly allocated; NULL at
 * the end.  *col receives its 1-based column. */
static char *next_word(struct scan *sc, int *col)
{
    skip_ws(sc);
    size_t b = sc->pos;
    *col = (int)b + 1;
    while (sc->pos < sc->end && !isspace((unsigned char)sc->s[sc->pos]) &&
           !at_arrow(sc, sc->pos))
        sc->pos++;
    if (sc->pos == b)
        return NULL;
    return g_strndup(sc->s + b, sc->pos - b);
}

/* "expected X, found 'Y'" (or "found the end of the query"). */
static nsg_rc expected(struct scan *sc, int col, const char *what,
                       const char *found)
{
    if (found)
        return nsg_err_set(sc->err, NSG_E_INPUT,
                           "line %d, column %d: expected %s, found '%s'",
                           sc->line, col, what, found);
    return nsg_err_set(sc->err, NSG_E_INPUT,
                       "line %d, column %d: expected %s, found the end of "
                       "the query",
                       sc->line, col, what);
}

/* Peek: the word at the scanner, without consuming (for errors). */
static char *peek_word(struct scan *sc, int *col)
{
    size_t save = sc->pos;
    char *w = next_word(sc, col);
    if (!w && sc->pos < sc->end) { /* "->" where a word should be */
        w = g_strndup(sc->s + sc->pos, 2);
    }
    sc->pos = save;
    return w;
}

#define EP_EXPECTED                                                       \
    "an endpoint (an IP or CIDR, '*', 'any', a service tag, or nic:, "    \
    "subnet:, vnet:, asg:, vm: and a name)"

static bool is_tag_name(const char *w)
{
    if (!isalpha((unsigned char)w[0]))
        return false;
    for (const char *p = w; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '.' && *p != '_' &&
            *p != '-')
            return false;
    return true;
}

static nsg_rc parse_endpoint(struct scan *sc, const char *which,
                             struct nsg_endpoint *ep)
{
    static const struct {
        const char *name;
        enum nsg_ep_kind kind;
    } kinds[] = {{"nic", NSG_EP_NIC},   {"subnet", NSG_EP_SUBNET},
                 {"vnet", NSG_EP_VNET}, {"asg", NSG_EP_ASG},
                 {"vm", NSG_EP_VM}};
    char what[256];
    int col;
    char *w = next_word(sc, &col);
    snprintf(what, sizeof(what), "a %s endpoint: %s", which, EP_EXPECTED);
    if (!w) {
        char *p = peek_word(sc, &col);
        nsg_rc rc = expected(sc, col, what, p);
        g_free(p);
        return rc;
    }
    ep->text = nsg_xstrdup(w);
    ep->col = col;
    const char *colon = strchr(w, ':');
    if (!strcmp(w, "*") || !strcasecmp(w, "any")) {
        ep->kind = NSG_EP_ANY;
        goto ok;
    }
    if (colon && colon != w && isalpha((unsigned char)w[0])) {
        size_t klen = (size_t)(colon - w);
        for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
            if (strlen(kinds[i].name) == klen &&
                !strncasecmp(w, kinds[i].name, klen)) {
                if (!colon[1]) {
                    char e[64];
                    snprintf(e, sizeof(e), "a name after '%s:'",
                             kinds[i].name);
                    nsg_rc rc = expected(sc, col + (int)klen + 1, e, NULL);
                    g_free(w);
                    return rc;
                }
                ep->kind = kinds[i].kind;
                ep->name = nsg_xstrdup(colon + 1);
                goto ok;
            }
    }
    if (nsg_cidr_parse(w, &ep->cidr) == 0) {
        ep->kind = NSG_EP_CIDR;
        goto ok;
    }
    if (!colon && !strchr(w, '/') && is_tag_name(w)) {
        ep->kind = NSG_EP_TAG;
        ep->name = nsg_xstrdup(w);
        goto ok;
    }
    {
        nsg_rc rc;
        size_t klen = colon ? (size_t)(colon - w) : 0;
        if (colon && klen && strspn(w, "0123456789abcdefABCDEF") < klen)
            rc = nsg_err_set(sc->err, NSG_E_INPUT,
                             "line %d, column %d: unknown endpoint kind "
                             "'%.*s' (expected nic, subnet, vnet, asg or vm)",
                             sc->line, col, (int)klen, w);
        else if (isdigit((unsigned char)w[0]) || colon || strchr(w, '/'))
            rc = nsg_err_set(sc->err, NSG_E_INPUT,
                             "line %d, column %d: '%s' is not a valid IP "
                             "address or prefix",
                             sc->line, col, w);
        else
            rc = expected(sc, col, what, w);
        g_free(w);
        return rc;
    }
ok:
    g_free(w);
    return NSG_OK;
}

/* PORTS: range {',' range}; col is the column of the first. */
static nsg_rc parse_ports(struct scan *sc, const char *text, int col,
                          struct nsg_portrange **out, size_t *n)
{
    const char *p = text;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        char *item = g_strndup(p, len);
        struct nsg_portrange r;
        int c = col + (int)(p - text);
        if (!len || nsg_portrange_parse(item, &r) != 0) {
            nsg_rc rc = expected(sc, c,
                                 "a port (0-65535) or a range such as "
                                 "1000-2000",
                                 len ? item : NULL);
            g_free(item);
            return rc;
        }
        g_free(item);
        *out = nsg_xrealloc(*out, (*n + 1) * sizeof(**out));
        (*out)[(*n)++] = r;
        if (!comma)
            return NSG_OK;
        p = comma + 1;
    }
}

#define PROTO_EXPECTED                                                     \
    "a service: 'any', '*', tcp, udp, icmp, esp, ah or a protocol number " \
    "0-255, with '/PORTS' for tcp and udp"

static nsg_rc parse_service(struct scan *sc, const char *w, int col,
                            struct nsg_query *q)
{
    const char *slash = strchr(w, '/');
    char *name = g_strndup(w, slash ? (size_t)(slash - w) : strlen(w));
    nsg_rc rc = NSG_OK;
    int proto = -2;
    if (!strcasecmp(name, "any") || !strcmp(name, "*"))
        proto = NSG_PROTO_ANY;
    else if (!strcasecmp(name, "icmpv6"))
        proto = NSG_PROTO_ICMPV6;
    else if (strcasecmp(name, "all") && name[0])
        proto = nsg_proto_parse(name);
    if (proto == -2) {
        rc = expected(sc, col, PROTO_EXPECTED, name[0] ? name : w);
        goto out;
    }
    q->proto = proto;
    if (slash) {
        if (!nsg_proto_has_ports(proto)) {
            rc = nsg_err_set(sc->err, NSG_E_INPUT,
                             "line %d, column %d: ports are only allowed "
                             "with tcp or udp, not '%s'",
                             sc->line, col + (int)(slash - w), name);
            goto out;
        }
        rc = parse_ports(sc, slash + 1, col + (int)(slash - w) + 1,
                         &q->dports, &q->n_dports);
    }
out:
    g_free(name);
    return rc;
}

/* "from port PORTS" after the service. */
static nsg_rc parse_from(struct scan *sc, struct nsg_query *q)
{
    int col;
    char *w = next_word(sc, &col);
    nsg_rc rc = NSG_OK;
    if (!w || strcasecmp(w, "port")) {
        rc = expected(sc, col, "'port' after 'from'", w);
        goto out;
    }
    g_free(w);
    w = next_word(sc, &col);
    if (!w) {
        rc = expected(sc, col, "source ports after 'from port'", NULL);
        goto out;
    }
    if (!nsg_proto_has_ports(q->proto)) {
        rc = nsg_err_set(sc->err, NSG_E_INPUT,
                         "line %d, column %d: source ports need the "
                         "service tcp or udp",
                         sc->line, col);
        goto out;
    }
    rc = parse_ports(sc, w, col, &q->sports, &q->n_sports);
out:
    g_free(w);
    return rc;
}

static nsg_rc parse_body(struct scan *sc, struct nsg_query *q)
{
    int col;
    nsg_rc rc;
    char *w = next_word(sc, &col);
    if (!w)
        return expected(sc, col, "'never', 'can' or 'always'", NULL);
    if (!strcasecmp(w, "never"))
        q->quant = NSG_Q_NEVER;
    else if (!strcasecmp(w, "can"))
        q->quant = NSG_Q_CAN;
    else if (!strcasecmp(w, "always"))
        q->quant = NSG_Q_ALWAYS;
    else {
        rc = expected(sc, col, "'never', 'can' or 'always'", w);
        g_free(w);
        return rc;
    }
    g_free(w);
    rc = parse_endpoint(sc, "source", &q->src);
    if (rc)
        return rc;
    skip_ws(sc);
    if (!at_arrow(sc, sc->pos)) {
        char *p = peek_word(sc, &col);
        rc = expected(sc, col, "'->'", p);
        g_free(p);
        return rc;
    }
    sc->pos += 2;
    rc = parse_endpoint(sc, "destination", &q->dst);
    if (rc)
        return rc;
    q->proto = NSG_PROTO_ANY;
    w = next_word(sc, &col);
    if (w && strcasecmp(w, "from")) {
        rc = parse_service(sc, w, col, q);
        g_free(w);
        if (rc)
            return rc;
        w = next_word(sc, &col);
    }
    if (w && !strcasecmp(w, "from")) {
        g_free(w);
        rc = parse_from(sc, q);
        if (rc)
            return rc;
        w = next_word(sc, &col);
    }
    if (!w) {
        skip_ws(sc);
        if (sc->pos < sc->end) /* a stray "->" */
            w = g_strndup(sc->s + sc->pos, 2), col = (int)sc->pos + 1;
    }
    if (w) {
        rc = expected(sc, col, "the end of the query", w);
        g_free(w);
        return rc;
    }
    return NSG_OK;
}

nsg_rc nsg_query_parse(const char *text, int line, struct nsg_query *out,
                       struct nsg_err *err)
{
    struct scan sc = {text, 0, strlen(text), line, err};
    const char *hash = strchr(text, '#');
    if (hash)
        sc.end = (size_t)(hash - text);
    memset(out, 0, sizeof(*out));
    out->line = line;
    nsg_rc rc = parse_body(&sc, out);
    if (rc) {
        nsg_query_release(out);
        return rc;
    }
    /* text: without the comment and the outer blanks */
    size_t b = 0, e = sc.end;
    while (b < e && isspace((unsigned char)text[b]))
        b++;
    while (e > b && isspace((unsigned char)text[e - 1]))
        e--;
    out->text = g_strndup(text + b, e - b);
    return NSG_OK;
}

static void endpoint_release(struct nsg_endpoint *ep)
{
    free(ep->name);
    free(ep->text);
    ep->name = ep->text = NULL;
}

void nsg_query_release(struct nsg_query *q)
{
    if (!q)
        return;
    g_free(q->text);
    endpoint_release(&q->src);
    endpoint_release(&q->dst);
    free(q->dports);
    free(q->sports);
    memset(q, 0, sizeof(*q));
}

static bool blank_or_comment(const char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    return !*s || *s == '#';
}

nsg_rc nsg_queries_parse(const char *text, struct nsg_queries *out,
                         struct nsg_err *err)
{
    char **lines = g_strsplit(text, "\n", -1);
    nsg_rc rc = NSG_OK;
    out->q = NULL;
    out->n = 0;
    for (size_t i = 0; lines[i]; i++) {
        size_t len = strlen(lines[i]);
        if (len && lines[i][len - 1] == '\r')
            lines[i][len - 1] = 0;
        if (blank_or_comment(lines[i]))
            continue;
        out->q = nsg_xrealloc(out->q, (out->n + 1) * sizeof(*out->q));
        rc = nsg_query_parse(lines[i], (int)i + 1, &out->q[out->n], err);
        if (rc)
            break;
        out->n++;
    }
    g_strfreev(lines);
    if (!rc && out->n == 0)
        rc = nsg_err_set(err, NSG_E_INPUT, "no query in the file (only "
                                           "comments and blank lines)");
    if (rc)
        nsg_queries_release(out);
    return rc;
}

void nsg_queries_release(struct nsg_queries *qs)
{
    if (!qs)
        return;
    for (size_t i = 0; i < qs->n; i++)
        nsg_query_release(&qs->q[i]);
    free(qs->q);
    qs->q = NULL;
    qs->n = 0;
}
