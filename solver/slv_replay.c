/* slv_replay.c - every model is replayed through the concrete simulator;
 * a disagreement is an internal error carrying both answers. */
#include <stdlib.h>

#include "slv_int.h"

nsg_rc nsg_slv_formula_rule(struct nsg_slv *s, const struct nsg_slv_nsg *d,
                            const struct nsg_packet *p, size_t *idx,
                            bool *allow, struct nsg_err *err)
{
    uint64_t a, r;
    nsg_rc rc = nsg_slv_eval(s, p, d->allow, &a, err);
    if (!rc)
        rc = nsg_slv_eval(s, p, d->rule, &r, err);
    if (rc)
        return rc;
    *idx = (size_t)r;
    *allow = a != 0;
    return NSG_OK;
}

/* The answer for packet p depends on a tag, an ASG or a part of the
 * virtual network context that the corpus lacks. */
static nsg_rc unknown_tag_error(const struct nsg_cnsg *c,
                                const struct nsg_crule *rule, const char *tag,
                                const struct nsg_packet *p, struct nsg_err *err)
{
    struct nsg_buf b = NSG_BUF_INIT, why = NSG_BUF_INIT;
    const struct nsg_nsg *nsg = c ? c->nsg : NULL;
    nsg_slv_packet_format(p, &b);
    nsg_ctx_unknown_hint(c ? c->t : NULL, c ? c->vnet : NULL, tag, &why);
    nsg_err_set(err, NSG_E_INPUT,
                "the answer depends on '%s' (%s%s, rule %s, e.g. for %s): "
                "%s",
                tag ? tag : "?", c ? "NSG " : "security admin rules",
                c ? (nsg && nsg->name ? nsg->name : "?") : "",
                nsg_slv_rule_name(rule), b.buf, why.buf);
    nsg_buf_release(&b);
    nsg_buf_release(&why);
    return NSG_E_INPUT;
}

nsg_rc nsg_slv_replay(struct nsg_slv *s, const struct nsg_slv_nsg *d,
                      const struct nsg_packet *p, struct nsg_match *m,
                      struct nsg_err *err)
{
    struct nsg_match sm;
    size_t idx;
    bool allow;
    nsg_rc rc = nsg_slv_formula_rule(s, d, p, &idx, &allow, err);
    if (rc)
        return rc;
    nsg_sim_eval_class(d->c, p, nsg_platform_class(p, d->kms_on), &sm);
    if (m)
        *m = sm;
    if (sm.decision == NSG_DEC_UNKNOWN)
        return unknown_tag_error(d->c, sm.rule, sm.unknown_tag, p, err);
    long sidx = nsg_slv_rule_index(d->c, p->dir, sm.rule);
    enum nsg_decision fd = allow ? NSG_DEC_ALLOW : NSG_DEC_DENY;
    long fidx = idx < d->n[p->dir] ? (long)idx : -1;
    if (sm.decision != fd || sidx != fidx) {
        struct nsg_buf b = NSG_BUF_INIT;
        nsg_slv_packet_format(p, &b);
        const char *fr = idx < d->n[p->dir]
                             ? nsg_slv_rule_name(&d->c->rules[p->dir][idx])
                             : "(none)";
        rc = nsg_err_set(err, NSG_E_INTERNAL,
                         "internal inconsistency in NSG %s for %s: solver "
                         "says %s by rule %s, simulator says %s by rule %s",
                         d->c->nsg && d->c->nsg->name ? d->c->nsg->name : "?",
                         b.buf, nsg_decision_name(fd), fr, nsg_decision_name(sm.decision),
                         sm.rule ? nsg_slv_rule_name(sm.rule)
                                 : sm.platform ? nsg_platform_name(sm.platform)
                                               : "(none)");
        nsg_buf_release(&b);
    }
    return rc;
}

/* The simulator's verdict sv at one evaluation point (where: "NIC x",
 * "subnet y") against the formula allow: an unknown answer is an error
 * naming what it depends on; a disagreement is an internal error. */
static nsg_rc replay_point(struct nsg_slv *s, Z3_ast allow, const char *where,
                           const struct nsg_verdict *sv,
                           const struct nsg_packet *p, struct nsg_err *err)
{
    uint64_t a;
    nsg_rc rc = nsg_slv_eval(s, p, allow, &a, err);
    if (rc)
        return rc;
    if (sv->decision == NSG_DEC_UNKNOWN) {
        struct nsg_buf b = NSG_BUF_INIT;
        if (sv->admin.decision == NSG_DEC_UNKNOWN && sv->admin.unknown_tag)
            return unknown_tag_error(NULL, &sv->admin.rule->c,
                                     sv->admin.unknown_tag, p, err);
        if (sv->admin.decision == NSG_DEC_UNKNOWN) {
            nsg_slv_packet_format(p, &b);
            rc = nsg_err_set(err, NSG_E_UNKNOWN,
                             "the answer for %s at %s depends on "
                             "security admin rule %s, whose application "
                             "is unknown: %s",
                             b.buf, where, sv->admin.rule->ar->name,
                             sv->unknown_reason ? sv->unknown_reason : "?");
            nsg_buf_release(&b);
            return rc;
        }
        for (size_t i = 0; i < sv->n_levels; i++)
            if (sv->levels[i].m.decision == NSG_DEC_UNKNOWN)
                return unknown_tag_error(sv->levels[i].cnsg,
                                         sv->levels[i].m.rule,
                                         sv->levels[i].m.unknown_tag, p, err);
    }
    enum nsg_decision fd = a ? NSG_DEC_ALLOW : NSG_DEC_DENY;
    if (sv->decision != fd) {
        struct nsg_buf b = NSG_BUF_INIT;
        nsg_slv_packet_format(p, &b);
        const char *rule = "(no NSG)";
        if (sv->deciding >= 0)
            rule = nsg_slv_rule_name(sv->levels[sv->deciding].m.rule);
        else if (sv->platform)
            rule = nsg_platform_name(sv->platform);
        else if (sv->admin.rule)
            rule = sv->admin.rule->ar->name;
        rc = nsg_err_set(err, NSG_E_INTERNAL,
                         "internal inconsistency at %s for %s: solver "
                         "says %s, simulator says %s (rule %s)",
                         where, b.buf, nsg_decision_name(fd),
                         nsg_decision_name(sv->decision), rule);
        nsg_buf_release(&b);
    }
    return rc;
}

nsg_rc nsg_slv_replay_nic(struct nsg_slv *s, struct nsg_sim *sim,
                          const struct nsg_slv_nic *d,
                          const struct nsg_packet *p, struct nsg_verdict *v,
                          struct nsg_err *err)
{
    struct nsg_verdict sv;
    nsg_rc rc = nsg_sim_eval_nic(sim, d->nic, p, &sv, err);
    if (rc)
        return rc;
    if (v)
        *v = sv;
    char *where = g_strdup_printf("NIC %s", d->nic->name ? d->nic->name : "?");
    rc = replay_point(s, d->allow, where, &sv, p, err);
    g_free(where);
    return rc;
}

nsg_rc nsg_slv_replay_subnet(struct nsg_slv *s, struct nsg_sim *sim,
                             const struct nsg_subnet *sub, Z3_ast allow,
                             const struct nsg_packet *p, struct nsg_verdict *v,
                             struct nsg_err *err)
{
    struct nsg_verdict sv;
    nsg_rc rc = nsg_sim_eval_subnet(sim, sub, p, &sv, err);
    if (rc)
        return rc;
    if (v)
        *v = sv;
    char *where = g_strdup_printf("subnet %s", sub->name ? sub->name : "?");
    rc = replay_point(s, allow, where, &sv, p, err);
    g_free(where);
    return rc;
}
