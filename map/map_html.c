/* map_html.c - placeholder */
#include "map_int.h"
nsg_rc nsg_map_write_html(const cJSON *doc, FILE *f, const char *name, struct nsg_err *err) { (void)doc; (void)f; return nsg_err_set(err, NSG_E_INTERNAL, "%s: not yet", name); }
