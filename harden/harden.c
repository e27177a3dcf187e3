/* harden.c - `harden` as a library call: learn from the flow store, then
 * recommend; and the --exclude-sources list (CIDRs one per line, or a JSON
 * array of CIDR strings). */
#include <stdlib.h>
#include <string.h>

#include "learn.h"

static nsg_rc add_exclude(struct nsg_harden_opts *o, const char *s,
                          const char *path, long line, struct nsg_err *err)
{
    struct nsg_cidr c;
    char buf[NSG_CIDR_STRLEN];
    if (nsg_cidr_parse(s, &c))
        return nsg_err_set(err, NSG_E_INPUT,
                           "%s: line %ld: '%s' is not a CIDR or an IP "
                           "address",
                           path, line, s);
    nsg_addrset_add_cidr(&o->exclude, &c);
    nsg_cidr_format(&c, buf);
    o->exclude_prefixes = nsg_xrealloc(
        o->exclude_prefixes, (o->n_exclude_prefixes + 1) * sizeof(char *));
    o->exclude_prefixes[o->n_exclude_prefixes++] = nsg_xstrdup(buf);
    return NSG_OK;
}

nsg_rc nsg_harden_read_exclude(const char *path, struct nsg_harden_opts *o,
                               struct nsg_err *err)
{
    struct nsg_buf b = NSG_BUF_INIT;
    nsg_rc rc = nsg_buf_read_file(&b, path, 256u << 20, err);
    const char *s = b.buf;
    if (rc)
        return rc;
    while (s && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
        s++;
    o->exclude_file = path;
    if (s && *s == '[') {
        cJSON *j = cJSON_ParseWithLength(b.buf, b.len), *e;
        long i = 0;
        if (!cJSON_IsArray(j))
            rc = nsg_err_set(err, NSG_E_INPUT,
                             "%s: not valid JSON (a JSON array of CIDR "
                             "strings, or one CIDR per line)",
                             path);
        cJSON_ArrayForEach(e, j)
        {
            if (rc)
                break;
            if (!cJSON_IsString(e))
                rc = nsg_err_set(err, NSG_E_INPUT,
                                 "%s: $[%ld]: must be a CIDR string", path, i);
            else if (nsg_cidr_parse(e->valuestring, &(struct nsg_cidr){0}))
                rc = nsg_err_set(err, NSG_E_INPUT,
                                 "%s: $[%ld]: '%s' is not a CIDR or an IP "
                                 "address",
                                 path, i, e->valuestring);
            else
                rc = add_exclude(o, e->valuestring, path, i + 1, err);
            i++;
        }
        cJSON_Delete(j);
    } else if (s) {
        char **lines = g_strsplit(b.buf, "\n", -1);
        for (long i = 0; lines[i] && !rc; i++) {
            char *l = lines[i], *hash = strchr(l, '#');
            if (hash)
                *hash = '\0';
            g_strstrip(l);
            if (*l)
                rc = add_exclude(o, l, path, i + 1, err);
        }
        g_strfreev(lines);
    }
    nsg_buf_release(&b);
    return rc;
}

void nsg_harden_opts_release(struct nsg_harden_opts *o)
{
    nsg_plan_ports_release(&o->ports);
    nsg_addrset_release(&o->exclude);
    hd_strv_free(o->exclude_prefixes, o->n_exclude_prefixes);
    o->exclude_prefixes = NULL;
    o->n_exclude_prefixes = 0;
}

nsg_rc nsg_harden_run(struct nsg_corpus *c, const struct nsg_topology *t,
                      const struct nsg_harden_opts *o, struct nsg_plan **out,
                      struct nsg_err *err)
{
    struct hd_run r;
    nsg_rc rc = hd_learn_init(&r, c, t, o, err);
    *out = NULL;
    if (!rc)
        rc = hd_learn_flows(&r, err);
    if (!rc)
        rc = hd_recommend(&r, out, err);
    hd_learn_release(&r);
    return rc;
}
