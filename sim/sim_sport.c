/* sim_sport.c - source ports of aggregate rows.  A row of the aggregate
 * interchange format stands for a range of source ports, not one: its
 * answer is exact only when no rule that could decide it tells ports of
 * that range apart (docs/aggregates.md, "What is lost").  Here: whether a
 * compiled NSG's rules split a range for a packet, and the boundaries
 * between source ports that an NSG's rules tell apart (what a job must
 * group by so that every row is exact). */
#include "sim.h"

/* Does the range [lo, hi] hold some ports of [a, b] but not all? */
static bool splits(unsigned lo, unsigned hi, unsigned a, unsigned b)
{
    bool overlaps = lo <= b && a <= hi;
    bool contains = lo <= a && b <= hi;
    return overlaps && !contains;
}

bool nsg_sim_sport_splits(const struct nsg_cnsg *c, const struct nsg_packet *p,
                          unsigned sport_max)
{
    int d = p->dir == NSG_DIR_OUT;
    unsigned a = p->sport, b = sport_max;

    if (b <= a || !nsg_proto_has_ports(p->proto))
        return false; /* one port, or ports do not matter */
    for (size_t i = 0; i < c->n[d]; i++) {
        const struct nsg_crule *r = &c->rules[d][i];
        for (size_t k = 0; k < r->n_sports; k++) {
            unsigned lo = r->sports[k].lo, hi = r->sports[k].hi;
            if (!splits(lo, hi, a, b))
                continue;
            /* the rule holds some ports of the row: does it match the
             * row otherwise?  Ask at a port of the overlap (an unresolved
             * tag, -1, counts as a match: it might). */
            struct nsg_packet q = *p;
            q.sport = (uint16_t)(lo > a ? lo : a);
            if (nsg_crule_match(r, &q))
                return true;
        }
    }
    return false;
}

bool nsg_sim_verdict_sport_splits(const struct nsg_verdict *v,
                                  const struct nsg_packet *p,
                                  unsigned sport_max)
{
    for (size_t i = 0; i < v->n_levels; i++)
        if (v->levels[i].cnsg &&
            nsg_sim_sport_splits(v->levels[i].cnsg, p, sport_max))
            return true;
    return false;
}

static void add_boundary(GArray *out, unsigned b)
{
    if (b == 0 || b > 65535)
        return; /* the ends of the port space separate nothing */
    guint v = b;
    g_array_append_val(out, v);
}

size_t nsg_sim_sport_boundaries(const struct nsg_rule *r, GArray *out)
{
    guint before = out->len;
    for (size_t k = 0; k < r->n_sports; k++) {
        add_boundary(out, r->sports[k].lo);
        add_boundary(out, (unsigned)r->sports[k].hi + 1);
    }
    return out->len - before;
}
