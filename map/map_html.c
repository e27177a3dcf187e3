/* map_html.c - the map document as one self-contained HTML file: the
 * viewer's style and script (map/assets/, embedded in the binary at build
 * time) inline, the document inline as JSON, and a Content-Security-Policy
 * that forbids fetching anything, so the map opens offline and nothing
 * leaves the machine when it is viewed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "map_assets.h"
#include "map_int.h"

/* Text for an HTML element. */
static void html_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* JSON inside <script>: '<', '>' and '&' (which only occur inside JSON
 * strings) as \u escapes, so no "</script>" can end the element early. */
static void script_json(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '<')
            fputs("\\u003c", f);
        else if (*s == '>')
            fputs("\\u003e", f);
        else if (*s == '&')
            fputs("\\u0026", f);
        else
            fputc(*s, f);
    }
}

static bool ends_script(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i + 8 <= n; i++)
        if (s[i] == '<' && s[i + 1] == '/' &&
            !g_ascii_strncasecmp((const char *)s + i + 2, "script", 6))
            return true;
    return false;
}

nsg_rc nsg_map_write_html(const cJSON *doc, FILE *f, const char *name,
                          struct nsg_err *err)
{
    const cJSON *title = cJSON_GetObjectItemCaseSensitive(doc, "title");
    char *json;

    if (ends_script(nsg_map_asset_viewer_js, nsg_map_asset_viewer_js_len))
        return nsg_err_set(err, NSG_E_INTERNAL,
                           "the embedded viewer script contains </script>");
    json = cJSON_PrintUnformatted(doc);
    if (!json)
        return nsg_err_set(err, NSG_E_NOMEM, "%s: cannot format the map", name);
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
          "'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
          "img-src data:\">\n"
          "<meta name=\"viewport\" content=\"width=device-width\">\n"
          "<meta name=\"generator\" content=\"nsgproof\">\n<title>",
          f);
    html_text(f, cJSON_IsString(title) ? title->valuestring : "nsgproof map");
    fputs("</title>\n<style>\n", f);
    fwrite(nsg_map_asset_viewer_css, 1, nsg_map_asset_viewer_css_len, f);
    fputs("</style>\n</head>\n<body>\n<header id=\"bar\"></header>\n<main>"
          "<svg id=\"map\" xmlns=\"http://www.w3.org/2000/svg\" "
          "role=\"img\"></svg><aside id=\"pane\" hidden></aside></main>\n"
          "<div id=\"tip\" hidden></div>\n"
          "<script type=\"application/json\" id=\"nsgproof-map\">",
          f);
    script_json(f, json);
    fputs("</script>\n<script>\n", f);
    fwrite(nsg_map_asset_viewer_js, 1, nsg_map_asset_viewer_js_len, f);
    fputs("</script>\n</body>\n</html>\n", f);
    free(json);
    if (ferror(f))
        return nsg_err_set(err, NSG_E_IO, "%s: %s", name, strerror(errno));
    return NSG_OK;
}
