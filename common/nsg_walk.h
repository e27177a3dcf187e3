/* nsg_walk.h - the one directory walker: every command and importer that
 * takes "a file or a directory" expands it the same way. */
#ifndef NSG_WALK_H
#define NSG_WALK_H

#include <glib.h>

#include "nsg.h"

/* Append to out (char *, g_strdup'd: give the array g_free) the files
 * under path:
 *  - path itself when it is not a directory (whatever its name or kind:
 *    the caller named it);
 *  - for a directory, its regular files and those of its subdirectories,
 *    depth first, the entries of each directory in byte order (strcmp) of
 *    their names; entries whose name starts with '.' are skipped (hidden
 *    files and directories, editors' and sync tools' leftovers); symbolic
 *    links are followed, and a directory already read in this walk (a
 *    link back up the tree, or a second link to it) is not read again, so
 *    a symlink loop ends; entries that are neither regular files nor
 *    directories (FIFOs, sockets, devices) are skipped;
 *  - with suffix (e.g. ".json"), only the files found in directories whose
 *    name ends with it.
 * NSG_E_IO naming the path when path, an entry (a dangling link) or a
 * directory cannot be read; out then holds what was found before. */
nsg_rc nsg_walk_files(const char *path, const char *suffix, GPtrArray *out,
                      struct nsg_err *err) NSG_WUR;

#endif
