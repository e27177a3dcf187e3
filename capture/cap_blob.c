/* cap_blob.c - the List Blobs answer (EnumerationResults XML): each blob's
 * name, ETag, length and last-modified time, and NextMarker for the next
 * page.  Parsed with GLib's GMarkup (a well-kept parser, entities
 * decoded); unknown elements are ignored. */
#include <stdlib.h>
#include <string.h>

#include "cap_int.h"

struct lp {
    GPtrArray *out;
    struct cap_blob *cur;
    char *next_marker;
    GString *text;
    int depth_blob; /* inside <Blob> */
    const char *stack[8];
    int depth;
};

void cap_blob_free(struct cap_blob *b)
{
    if (!b)
        return;
    g_free(b->name);
    g_free(b->etag);
    g_free(b);
}

static void on_start(GMarkupParseContext *ctx, const char *el, const char **an,
                     const char **av, gpointer data, GError **error)
{
    struct lp *p = data;
    (void)ctx;
    (void)an;
    (void)av;
    (void)error;
    if (p->depth < 8)
        p->stack[p->depth] = g_intern_string(el);
    p->depth++;
    g_string_truncate(p->text, 0);
    if (!strcmp(el, "Blob")) {
        p->cur = g_new0(struct cap_blob, 1);
    }
}

static void on_end(GMarkupParseContext *ctx, const char *el, gpointer data,
                   GError **error)
{
    struct lp *p = data;
    (void)ctx;
    (void)error;
    p->depth--;
    const char *t = p->text->str;
    if (p->cur) {
        if (!strcmp(el, "Name") && p->depth >= 1 &&
            p->stack[p->depth - 1] == g_intern_string("Blob"))
            p->cur->name = g_strdup(t);
        else if (!strcmp(el, "Etag"))
            p->cur->etag = g_strdup(t);
        else if (!strcmp(el, "Content-Length"))
            p->cur->size = g_ascii_strtoull(t, NULL, 10);
        else if (!strcmp(el, "Last-Modified"))
            p->cur->last_modified = (int64_t)curl_getdate(t, NULL);
        else if (!strcmp(el, "Blob")) {
            if (p->cur->name)
                g_ptr_array_add(p->out, p->cur);
            else
                cap_blob_free(p->cur);
            p->cur = NULL;
        }
    } else if (!strcmp(el, "NextMarker") && *t) {
        g_free(p->next_marker);
        p->next_marker = g_strdup(t);
    }
    g_string_truncate(p->text, 0);
}

static void on_text(GMarkupParseContext *ctx, const char *text, gsize len,
                    gpointer data, GError **error)
{
    (void)ctx;
    (void)error;
    g_string_append_len(((struct lp *)data)->text, text, (gssize)len);
}

nsg_rc cap_blob_parse_list(const char *xml, size_t len, GPtrArray *out,
                           char **next_marker, struct nsg_err *err)
{
    static const GMarkupParser parser = {on_start, on_end, on_text, NULL, NULL};
    struct lp p;
    GError *ge = NULL;
    memset(&p, 0, sizeof(p));
    p.out = out;
    p.text = g_string_new(NULL);
    *next_marker = NULL;
    if (len >= 3 && !memcmp(xml, "\xef\xbb\xbf", 3)) {
        xml += 3;
        len -= 3;
    }
    /* GMarkup does not take the XML declaration: skip it */
    if (len > 5 && !strncmp(xml, "<?xml", 5)) {
        const char *e = g_strstr_len(xml, (gssize)len, "?>");
        if (e) {
            len -= (size_t)(e + 2 - xml);
            xml = e + 2;
        }
    }
    GMarkupParseContext *ctx = g_markup_parse_context_new(&parser, 0, &p, NULL);
    gboolean ok = g_markup_parse_context_parse(ctx, xml, (gssize)len, &ge) &&
                  g_markup_parse_context_end_parse(ctx, &ge);
    g_markup_parse_context_free(ctx);
    cap_blob_free(p.cur);
    g_string_free(p.text, TRUE);
    if (!ok) {
        nsg_rc rc = cap_err(err, NSG_E_INPUT,
                            "the blob list is not the XML Azure sends: %s",
                            ge ? ge->message : "?");
        g_clear_error(&ge);
        g_free(p.next_marker);
        return rc;
    }
    *next_marker = p.next_marker;
    return NSG_OK;
}
