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
                "the answer depends on '%s' (NSG %s, rule %s, e.g. for %s): "
                "%s",
                tag ? tag : "?", nsg && nsg->name ? nsg->name : "?",
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
    nsg_sim_eval(d->c, p, &sm);
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
                         b.buf, nsg_decision_name(fd), fr,
                         nsg_decision_name(sm.decision),
                         nsg_slv_rule_name(sm.rule));
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
    uint64_t a;
    nsg_rc rc = nsg_slv_eval(s, p, d->allow, &a, err);
    if (rc)
        return rc;
    rc = nsg_sim_eval_nic(sim, d->nic, p, &sv, err);
    if (rc)
        return rc;
    if (v)
        *v = sv;
    if (sv.decision == NSG_DEC_UNKNOWN)
        for (size_t i = 0; i < sv.n_levels; i++)
            if (sv.levels[i].m.decision == NSG_DEC_UNKNOWN)
                return unknown_tag_error(sv.levels[i].cnsg,
                                         sv.levels[i].m.rule,
                                         sv.levels[i].m.unknown_tag, p, err);
    enum nsg_decision fd = a ? NSG_DEC_ALLOW : NSG_DEC_DENY;
    if (sv.decision != fd) {
        struct nsg_buf b = NSG_BUF_INIT;
        nsg_slv_packet_format(p, &b);
        const char *rule = "(no NSG)";
        if (sv.deciding >= 0)
            rule = nsg_slv_rule_name(sv.levels[sv.deciding].m.rule);
        rc = nsg_err_set(err, NSG_E_INTERNAL,
                         "internal inconsistency at NIC %s for %s: solver "
                         "says %s, simulator says %s (rule %s)",
                         d->nic->name ? d->nic->name : "?", b.buf, nsg_decision_name(fd),
                         nsg_decision_name(sv.decision), rule);
        nsg_buf_release(&b);
    }
    return rc;
}
