/* model_json.h - path-aware JSON accessors: every getter checks the type
 * of one field and, on a mismatch, fills the error with "WHERE.key:
 * problem", where WHERE is the file and JSON path of the object
 * ("web.json: $.value[2].properties").  The ARM decoder (model_arm.h) reads
 * resources with them; the importer uses them to find resources in a file.
 *
 * Conventions: a JSON null counts as absent.  `required` makes an absent
 * field an NSG_E_INPUT error ("missing required field").  Returned strings
 * and nodes are borrowed from the cJSON tree.  Keys are matched
 * case-insensitively (az prints "privateIpAddress" or "privateIPAddress"
 * depending on its version). */
#ifndef NSG_MODEL_JSON_H
#define NSG_MODEL_JSON_H

#include <cjson/cJSON.h>

#include "../common/nsg.h"

/* Longest JSON location kept for messages; longer ones are cut. */
#define NSG_JPATH_MAX 768

/* "object", "array", "string", "number", "true/false", "null". */
const char *nsg_model_json_kind(const cJSON *j);

/* "" or, for a string PowerShell writes in place of an object nested
 * deeper than ConvertTo-Json's -Depth ("Microsoft.Azure.Commands...."), a
 * hint to append to an "expected an object" message. */
const char *nsg_model_json_hint(const cJSON *got);

/* out = "where.key" (or "where[i]" with nsg_model_jpath_idx). */
void nsg_model_jpath_key(char out[NSG_JPATH_MAX], const char *where,
                         const char *key);
void nsg_model_jpath_idx(char out[NSG_JPATH_MAX], const char *where, size_t i);
/* out = the formatted text, cut to NSG_JPATH_MAX - 1 bytes. */
void nsg_model_jpath_printf(char out[NSG_JPATH_MAX], const char *fmt, ...)
    NSG_PRINTF(2, 3);

/* NSG_E_INPUT with "where: <message>". */
nsg_rc nsg_model_json_fail(struct nsg_err *err, const char *where,
                           const char *fmt, ...) NSG_PRINTF(3, 4);

/* Field lookup (case-insensitive); NULL when absent or null. */
const cJSON *nsg_model_json_field(const cJSON *obj, const char *key);

/* A string field; *out = NULL when absent and not required. */
nsg_rc nsg_model_json_str(const cJSON *obj, const char *key, const char *where,
                          bool required, const char **out,
                          struct nsg_err *err) NSG_WUR;
/* An integer field: a JSON number without fraction, or a string holding a
 * decimal integer ("100").  *present tells whether it was there. */
nsg_rc nsg_model_json_int(const cJSON *obj, const char *key, const char *where,
                          bool required, bool *present, int64_t *out,
                          struct nsg_err *err) NSG_WUR;
/* A boolean field (true/false or "true"/"false"); def when absent. */
nsg_rc nsg_model_json_bool(const cJSON *obj, const char *key, const char *where,
                           bool def, bool *out, struct nsg_err *err) NSG_WUR;
/* An array field; *out = NULL when absent and not required. */
nsg_rc nsg_model_json_arr(const cJSON *obj, const char *key, const char *where,
                          bool required, const cJSON **out,
                          struct nsg_err *err) NSG_WUR;
/* An object field; *out = NULL when absent and not required. */
nsg_rc nsg_model_json_obj(const cJSON *obj, const char *key, const char *where,
                          bool required, const cJSON **out,
                          struct nsg_err *err) NSG_WUR;
/* Element i of an array must be a string (where = the array's path). */
nsg_rc nsg_model_json_arr_str(const cJSON *arr, size_t i, const char *where,
                              const char **out, struct nsg_err *err) NSG_WUR;

/* A reference field {"id": "..."}: *out_id newly allocated (NULL when
 * absent); the id must be an Azure resource id. */
nsg_rc nsg_model_json_ref(const cJSON *obj, const char *key, const char *where,
                          char **out_id, struct nsg_err *err) NSG_WUR;
/* An array of references [{"id": ...}, ...]: appends newly allocated ids to
 * *ids / *n (duplicates, compared case-insensitively, are dropped). */
nsg_rc nsg_model_json_refs(const cJSON *obj, const char *key, const char *where,
                           char ***ids, size_t *n, struct nsg_err *err) NSG_WUR;
/* Validate an id string found at `where` (message names the bad value). */
nsg_rc nsg_model_json_check_id(const char *id, const char *where,
                               struct nsg_err *err) NSG_WUR;

/* Parse text as JSON (after an optional UTF-8 BOM).  Failure names the file,
 * the line, the column and the byte offset where parsing stopped. */
nsg_rc nsg_model_json_parse(const char *name, const char *text, size_t len,
                            cJSON **out, struct nsg_err *err) NSG_WUR;

#endif
