/* map_write.c - the JSON writer of the map document, and the file-writing
 * helpers the writers share. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "map_int.h"

nsg_rc nsg_map_write_json(const cJSON *doc, FILE *f, const char *name,
                          struct nsg_err *err)
{
    char *s = cJSON_Print(doc);
    if (!s)
        return nsg_err_set(err, NSG_E_NOMEM, "%s: cannot format the map", name);
    bool ok = fputs(s, f) >= 0 && fputc('\n', f) != EOF;
    free(s);
    if (!ok)
        return nsg_err_set(err, NSG_E_IO, "%s: %s", name, strerror(errno));
    return NSG_OK;
}
