/* apply.h - a proven hardening plan sent to Azure, and put back
 * (`enforce --apply`, `enforce --rollback`; docs/enforce.md).  For each
 * NSG: read it again through capture's ARM client and compare its etag
 * with the version the corpus captured; PUT the new NSG (the body
 * `enforce --out` writes) with If-Match; poll its operation to the end;
 * read it again and prove with the solver's diff that Azure now decides
 * every packet as the proven NSG does.  The rollback copies, the PUT
 * bodies and a journal (DIR/apply.json) are written before the first PUT.
 * The library never prints: everything goes into the report. */
#ifndef NSG_APPLY_H
#define NSG_APPLY_H

#include <cjson/cJSON.h>

#include "../capture/capture.h"
#include "../harden/harden.h"

/* The journal of an apply, in its directory. */
#define NSG_APPLY_JOURNAL "apply.json"
/* api-version of the NSG GET and PUT requests. */
#define NSG_APPLY_API "2024-05-01"

enum nsg_apply_status {
    NSG_APPLY_OK,       /* every NSG applied (restored) and verified */
    NSG_APPLY_STALE,    /* an NSG changed since it was captured (or since
                           it was applied): nothing sent */
    NSG_APPLY_CONFLICT, /* a PUT was answered 412: the etag moved */
    NSG_APPLY_FAILED,   /* a PUT was refused or its operation failed */
    NSG_APPLY_MISMATCH, /* Azure holds what was not proven (or it could not
                           be verified) */
};
/* "applied", "stale", "conflict", "failed", "mismatch" */
const char *nsg_apply_status_name(enum nsg_apply_status s);

struct nsg_apply_opts {
    struct nsg_cap_common common; /* ca_file, login_endpoint, hooks */
    const char *arm_endpoint;     /* NULL: https://management.azure.com */
    const char *dir;              /* the PUT bodies, rollback copies and
                                     the journal */
    const char *corpus_path;      /* recorded in the journal */
    const char *plan_path;        /* recorded in the journal */
    bool forced;                  /* the plan was not proven */
    unsigned timeout_ms;          /* per solver check of a verification */
};

/* Apply the plan p (proven on c by the caller, or forced) as described
 * above; `report` gets {status, dir, journal, arm_endpoint, credential,
 * nsgs[], http} (docs/enforce.md) also when an error stops it, and *st
 * the outcome.  Errors (connection, credentials, files, the model) stop
 * at once: the report and the journal say what was sent. */
nsg_rc nsg_apply_plan(struct nsg_corpus *c, const struct nsg_plan *p,
                      const struct nsg_apply_opts *o, cJSON *report,
                      enum nsg_apply_status *st, struct nsg_err *err) NSG_WUR;

/* Put the rollback copies of o->dir back: the NSGs the apply changed (all
 * of them for a directory written by `enforce --out`, which has no
 * journal), each checked first (what Azure holds must be what was
 * applied), PUT with If-Match, polled, read again and verified against
 * the rollback copy.  c: the corpus, for the context of the comparisons
 * (tags, ASGs, virtual networks). */
nsg_rc nsg_apply_rollback(struct nsg_corpus *c, const struct nsg_apply_opts *o,
                          cJSON *report, enum nsg_apply_status *st,
                          struct nsg_err *err) NSG_WUR;

/* The corpus directory the journal of `dir` names (*out g_free'd), or
 * NSG_E_NOTFOUND when there is no journal. */
nsg_rc nsg_apply_journal_corpus(const char *dir, char **out,
                                struct nsg_err *err) NSG_WUR;

#endif
