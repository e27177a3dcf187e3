/* names.h - generated rule names (names.c). */
#ifndef NSG_HARDEN_NAMES_H
#define NSG_HARDEN_NAMES_H

#include <stdbool.h>

/* "harden-<replaced>-<role>" cut to 65 characters, unique by `taken`
 * (which may be NULL); caller frees with free(). */
char *hd_rule_name(const char *replaced, const char *role,
                   bool (*taken)(const char *name, void *ctx), void *ctx);

#endif
