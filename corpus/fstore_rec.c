/* fstore_rec.c - building flow records (struct nsg_flowrec, the layout
 * segments and the aggregation table share): the key part a flow group's
 * records have in common, with its padding zeroed because the key is
 * compared and hashed as bytes, MACs in network order, and a whole
 * struct nsg_flow turned into a record (addresses: nsg_flowrec_set_ip,
 * inline in flowstore.h because it runs twice per tuple). */
#include <string.h>

#include "fstore_int.h"

/* Six bytes of a MAC in any notation nsg_mac_normalize accepts. */
static bool mac_bytes(const char *mac, uint8_t out[6])
{
    char norm[13];
    if (!mac || nsg_mac_normalize(mac, norm))
        return false;
    for (int i = 0; i < 6; i++) {
        unsigned hi = (unsigned)g_ascii_xdigit_value(norm[2 * i]);
        unsigned lo = (unsigned)g_ascii_xdigit_value(norm[2 * i + 1]);
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

void nsg_fstore_group(struct nsg_fstore_writer *w, struct nsg_flowrec *base,
                      const char *nsg_id, const char *acl_id,
                      const char *target_id, const char *rule, const char *mac)
{
    memset(base, 0, sizeof(*base));
    base->nsg = nsg_fstore_intern(w, nsg_id);
    base->acl = nsg_fstore_intern(w, acl_id);
    base->target = nsg_fstore_intern(w, target_id);
    base->rule = nsg_fstore_intern(w, rule);
    base->has_mac = mac_bytes(mac, base->mac);
}

nsg_rc nsg_fstore_add_flow(struct nsg_fstore_writer *w,
                           const struct nsg_flow *f, struct nsg_err *err)
{
    struct nsg_flowrec base;
    if (f->src.family != f->dst.family ||
        (f->src.family != 4 && f->src.family != 6))
        return nsg_err_set(err, NSG_E_INPUT,
                           "a flow needs IPv4 or IPv6 source and destination "
                           "of one family");
    if (f->last_seen < f->first_seen || !f->count)
        return nsg_err_set(err, NSG_E_INPUT,
                           "a flow needs a count of at least 1 and "
                           "last_seen >= first_seen");
    if ((unsigned)f->sport + f->sport_span > 65535 ||
        (f->unknown & ~NSG_FLOW_UNKNOWN_ALL) ||
        (f->version != NSG_FLOW_AGGREGATE &&
         (f->sport_span || f->unknown || f->flows)))
        return nsg_err_set(err, NSG_E_INPUT,
                           "a source-port span, unknown sums or a flow count "
                           "belong to aggregate rows (version 0), and "
                           "source ports end at 65535");
    nsg_fstore_group(w, &base, f->nsg_id, f->acl_id, f->target_id, f->rule,
                     f->mac[0] ? f->mac : NULL);
    struct nsg_flowrec *r = nsg_fstore_reserve(w, 1);
    memcpy(r, &base, sizeof(*r));
    r->version = f->version;
    r->dir = f->dir == NSG_DIR_OUT ? 1 : 0;
    r->proto = (uint8_t)f->proto;
    r->decision = (uint8_t)f->decision;
    r->state = (uint8_t)f->state;
    nsg_flowrec_set_ip(&f->src, &r->src_fam, r->src);
    nsg_flowrec_set_ip(&f->dst, &r->dst_fam, r->dst);
    r->sport = f->sport;
    r->dport = f->dport;
    r->first_seen = f->first_seen;
    r->last_seen = f->last_seen;
    r->count = f->count;
    r->packets_sd = f->packets_sd;
    r->bytes_sd = f->bytes_sd;
    r->packets_ds = f->packets_ds;
    r->bytes_ds = f->bytes_ds;
    r->sport_span = f->sport_span;
    r->unknown = f->unknown;
    r->flows = f->flows;
    return nsg_fstore_put(w, 1, err);
}
