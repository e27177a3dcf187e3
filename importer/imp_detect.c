/* imp_detect.c - guesses what a file holds from its first few kilobytes:
 * configuration JSON (ARM, az, Service Tags), a flow log, or neither. */
#include <stdio.h>
#include <string.h>

#include "importer.h"

#define SNIFF_BYTES 8192

/* True when the quoted key occurs in the text ("key" then optional blanks
 * and a colon). */
static bool has_key(const char *s, const char *key)
{
    char pat[64];
    size_t n = (size_t)snprintf(pat, sizeof(pat), "\"%s\"", key);
    for (const char *p = strstr(s, pat); p; p = strstr(p + 1, pat)) {
        const char *q = p + n;
        while (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n')
            q++;
        if (*q == ':')
            return true;
    }
    return false;
}

/* True when s is an object whose first key is `key`. */
static bool first_key_is(const char *s, const char *key)
{
    size_t n = strlen(key);
    if (*s++ != '{')
        return false;
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    return *s == '"' && !strncmp(s + 1, key, n) && s[n + 1] == '"';
}

enum nsg_imp_kind nsg_imp_sniff(const char *path)
{
    char buf[SNIFF_BYTES + 1];
    FILE *f = fopen(path, "rb");
    size_t n;
    const char *s;

    if (!f)
        return NSG_IMP_KIND_UNKNOWN;
    n = fread(buf, 1, SNIFF_BYTES, f);
    fclose(f);
    buf[n] = '\0';
    /* UTF-16 with a byte-order mark (Windows PowerShell's `>`): sniff its
     * ASCII characters (others become '?') */
    const unsigned char *u = (const unsigned char *)buf;
    bool le = n >= 2 && u[0] == 0xFF && u[1] == 0xFE;
    bool be = n >= 2 && u[0] == 0xFE && u[1] == 0xFF;
    if (le || be) {
        size_t k = 0;
        for (size_t i = 2; i + 1 < n; i += 2) {
            unsigned char lo = (unsigned char)buf[le ? i : i + 1];
            unsigned char hi = (unsigned char)buf[le ? i + 1 : i];
            buf[k++] = hi == 0 && lo != 0 && lo < 0x80 ? (char)lo : '?';
        }
        n = k;
        buf[n] = '\0';
    }
    /* NUL bytes: binary, not JSON */
    if (memchr(buf, '\0', n))
        return NSG_IMP_KIND_UNKNOWN;
    s = buf;
    if (n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3))
        s += 3;
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    /* Azure writes flow logs as PT1H.json blobs; one just created may hold
     * only its opening '{"records":[' and no tuple yet. */
    const char *base = strrchr(path, '/');
    if (!strcmp(base ? base + 1 : path, "PT1H.json"))
        return NSG_IMP_KIND_FLOWLOG;
    if (*s == '\0')
        return NSG_IMP_KIND_CONFIG; /* empty: let the reader report it */
    if (*s == ',') { /* a blob fragment: records appended after others */
        s++;
        while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
            s++;
    }
    if (*s != '{' && *s != '[')
        return NSG_IMP_KIND_UNKNOWN;
    if (first_key_is(s, "records") ||
        strstr(s, "\"NetworkSecurityGroupFlowEvent\"") ||
        strstr(s, "\"FlowLogFlowEvent\"") || has_key(s, "flowTuples") ||
        has_key(s, "flowRecords"))
        return NSG_IMP_KIND_FLOWLOG;
    return NSG_IMP_KIND_CONFIG;
}
