/* agg_int.h - internals of the aggregate format shared by its files (not
 * for use outside aggregate/; tests may use it): the buffered input the
 * CSV and JSON readers share, and their entry points. */
#ifndef NSG_AGG_INT_H
#define NSG_AGG_INT_H

#include <glib.h>

#include "agg.h"

/* The column with this name (any case), or -1. */
int nsg_agg_column_find(const char *s, size_t n);

/* Buffered input with line counting: buf[pos, len) is unread; more is read
 * by nsg_agg_in_more (which may move the unread bytes to the front). */
struct nsg_agg_in {
    int fd;
    const char *path;
    char *buf;
    size_t cap, pos, len;
    bool eof;
    uint64_t line; /* line number of buf[pos] (1-based) */
};
/* Read more bytes after buf[len) (growing the buffer when the unread part
 * fills it, up to NSG_AGG_MAX_RECORD).  1: more bytes; 0: end of file;
 * <0: error (err names the file). */
#define NSG_AGG_MAX_RECORD (64u << 20)
int nsg_agg_in_more(struct nsg_agg_in *in, struct nsg_err *err);
/* Where the item (a CSV record, a JSON object) starting at in->pos ends:
 * *end (index after it, or of its line break), *nls the line breaks
 * inside.  1: found; 0: more input needed; -1: not closed at the end. */
typedef int (*nsg_agg_find_fn)(const struct nsg_agg_in *in, size_t *end,
                               unsigned *nls);
/* Call find, reading more input while it asks for it.  1: found; 0: the
 * item is not closed before the end of the file; <0: read error. */
int nsg_agg_in_find(struct nsg_agg_in *in, nsg_agg_find_fn find, size_t *end,
                    unsigned *nls, struct nsg_err *err);

struct nsg_agg_reader {
    char *path;
    struct nsg_agg_in in;
    enum nsg_agg_shape shape;
    uint64_t row_line; /* first line of the row just returned */
    /* CSV: the header's field count, and each column's field (-1: none) */
    size_t n_header;
    int field_of[NSG_AGG_NCOLS];
    GArray *fields; /* char *: the current record's fields (in buf) */
    /* JSON */
    bool array_started, array_ended;
    bool need_comma, after_comma; /* array: an object was just read / a
                                     comma was */
    cJSON *obj;        /* the current row's object */
    GStringChunk *num; /* numbers of the current row as text */
    char scratch[512]; /* an expanded NSG id */
};

/* CSV (agg_csv.c): read the header (set n_header, field_of) / the next
 * record's text.  1 / 0 (end) / <0 error. */
nsg_rc nsg_agg_csv_header(struct nsg_agg_reader *rd,
                          struct nsg_err *err) NSG_WUR;
int nsg_agg_csv_next(struct nsg_agg_reader *rd, struct nsg_agg_text *t,
                     struct nsg_err *err);
/* JSON Lines and arrays (agg_json.c). */
int nsg_agg_json_next(struct nsg_agg_reader *rd, struct nsg_agg_text *t,
                      struct nsg_err *err);

#endif
