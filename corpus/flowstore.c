/* flowstore.c - iterate over every stored flow of a corpus: the segments
 * listed in the manifest's "flows" section, one after the other. */
#include <stdlib.h>
#include <string.h>

#include "fstore_int.h"

struct nsg_flow_iter {
    struct nsg_corpus *c;
    char **paths; /* absolute segment paths */
    size_t n, next;
    struct nsg_flowseg_reader *rd;
    struct nsg_flowrec rec;
    struct nsg_flow flow;
};

nsg_rc nsg_flows_open(struct nsg_corpus *c, struct nsg_flow_iter **out,
                      struct nsg_err *err)
{
    struct nsg_flow_iter *it = nsg_xcalloc(1, sizeof(*it));
    const cJSON *sec = nsg_corpus_section(c, "flows");
    const cJSON *segs =
        sec ? cJSON_GetObjectItemCaseSensitive(sec, "segments") : NULL;
    const cJSON *s;
    *out = NULL;
    it->c = c;
    const cJSON *fmt =
        sec ? cJSON_GetObjectItemCaseSensitive(sec, "format") : NULL;
    if (fmt &&
        (!cJSON_IsNumber(fmt) ||
         (fmt->valuedouble != 1 && fmt->valuedouble != NSG_FSTORE_FORMAT))) {
        free(it);
        if (!cJSON_IsNumber(fmt))
            return nsg_err_set(err, NSG_E_INPUT,
                               "manifest.json: $.flows.format is not a number");
        return nsg_err_set(err, NSG_E_INPUT,
                           "manifest.json: $.flows.format: the stored flows "
                           "have format %g, this nsgproof reads 1 and %d",
                           fmt->valuedouble, NSG_FSTORE_FORMAT);
    }
    if (segs && !cJSON_IsArray(segs)) {
        free(it);
        return nsg_err_set(err, NSG_E_INPUT,
                           "manifest.json: $.flows.segments is not an array");
    }
    it->paths =
        nsg_xcalloc((size_t)cJSON_GetArraySize(segs) + 1, sizeof(char *));
    cJSON_ArrayForEach(s, segs)
    {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(s, "name");
        if (!cJSON_IsString(name) ||
            !nsg_corpus_safe_rel(name->valuestring, NSG_FSTORE_SECTION)) {
            size_t at = it->n;
            nsg_flows_close(it);
            return nsg_err_set(err, NSG_E_INPUT,
                               "manifest.json: $.flows.segments[%zu]: no name "
                               "of a file under flows/",
                               at);
        }
        it->paths[it->n++] = nsg_corpus_path(c, name->valuestring);
    }
    *out = it;
    return NSG_OK;
}

int nsg_flows_next(struct nsg_flow_iter *it, const struct nsg_flow **f,
                   struct nsg_err *err)
{
    for (;;) {
        if (!it->rd) {
            if (it->next == it->n)
                return 0;
            nsg_rc rc = nsg_flowseg_open(it->paths[it->next++], &it->rd, err);
            if (rc)
                return -rc;
        }
        int k = nsg_flowseg_next(it->rd, &it->rec, err);
        if (k < 0)
            return k;
        if (k == 1) {
            nsg_flowrec_to_flow(it->rd, &it->rec, &it->flow);
            *f = &it->flow;
            return 1;
        }
        nsg_flowseg_close(it->rd);
        it->rd = NULL;
    }
}

void nsg_flows_close(struct nsg_flow_iter *it)
{
    if (!it)
        return;
    nsg_flowseg_close(it->rd);
    for (size_t i = 0; i < it->n; i++)
        free(it->paths[i]);
    free(it->paths);
    free(it);
}
