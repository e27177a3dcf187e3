/* replay_util.c - small helpers of replay and what-if: logged rule names,
 * logged decisions, reason names and the proposed-NSG substitution. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "replay.h"

static const char *const reason_names[NSG_RR_COUNT] = {
    "unknown_nsg",   "unknown_mac", "unknown_vnet",
    "platform_rule", "admin_rule",  "unknown_tag",
};

const char *nsg_replay_reason_name(enum nsg_replay_reason r)
{
    return r < NSG_RR_COUNT ? reason_names[r] : "?";
}

enum nsg_logged_rule nsg_replay_rule_kind(const char *logged,
                                          const char **plain)
{
    static const char user[] = "UserRule_", def[] = "DefaultRule_";
    if (!logged)
        logged = "";
    *plain = logged;
    if (!strncasecmp(logged, user, sizeof(user) - 1)) {
        *plain = logged + sizeof(user) - 1;
        return NSG_LR_USER;
    }
    if (!strncasecmp(logged, def, sizeof(def) - 1)) {
        *plain = logged + sizeof(def) - 1;
        return NSG_LR_DEFAULT;
    }
    if (!strcasecmp(logged, "PlatformRule"))
        return NSG_LR_PLATFORM;
    return NSG_LR_ADMIN;
}

int nsg_replay_rule_agrees(const char *logged, const char *sim_name)
{
    const char *plain;
    (void)nsg_replay_rule_kind(logged, &plain);
    return nsg_sem_logged_name_agrees(plain, (size_t)(plain - logged),
                                      sim_name);
}

bool nsg_replay_flow_denied(const struct nsg_flow *f)
{
    return nsg_flow_denied(f);
}

bool nsg_replay_inexact(const struct nsg_cnsg *c, const struct nsg_flow *f)
{
    const struct nsg_packet p = {f->dir, f->proto, f->src,
                                 f->dst, f->sport, f->dport};
    return f->sport_span && nsg_sim_sport_splits(c, &p, nsg_flow_sport_max(f));
}

void nsg_replay_sport_json(cJSON *o, const struct nsg_flow *f)
{
    if (f->sport_span && nsg_proto_has_ports(f->proto))
        cJSON_AddNumberToObject(o, "sport_max", nsg_flow_sport_max(f));
}

nsg_rc nsg_replay_propose(struct nsg_topology *t, struct nsg_nsg *n,
                          struct nsg_err *err)
{
    struct nsg_nsg *old = NULL;
    nsg_rc rc;

    if (n->id)
        old = nsg_topo_get(t, NSG_RES_NSG, n->id);
    if (!old) {
        if (!n->name)
            return nsg_err_set(err, NSG_E_INPUT,
                               "proposed NSG has neither id nor name");
        rc = nsg_topo_find(t, NSG_RES_NSG, n->name, (void **)&old, err);
        if (rc == NSG_E_NOTFOUND)
            return nsg_err_set(err, NSG_E_NOTFOUND,
                               "proposed NSG %s is not in the corpus "
                               "(no NSG with that id or name)",
                               n->id ? n->id : n->name);
        if (rc)
            return rc;
    }
    /* Take the stored id, so the replacement lands on the same resource and
     * the subnets and NICs that reference it keep doing so. */
    free(n->id);
    n->id = nsg_xstrdup(old->id);
    if (!n->guid && old->guid)
        n->guid = nsg_xstrdup(old->guid);
    nsg_topo_add(t, NSG_RES_NSG, n);
    nsg_topo_link(t);
    return NSG_OK;
}

guint nsg_replay_ci_hash(gconstpointer s)
{
    guint h = 5381;
    for (const unsigned char *p = s; *p; p++)
        h = h * 33 + (guint)g_ascii_tolower(*p);
    return h;
}

gboolean nsg_replay_ci_equal(gconstpointer a, gconstpointer b)
{
    return !g_ascii_strcasecmp(a, b);
}

cJSON *nsg_replay_proto_json(int proto)
{
    return nsg_sim_proto_json(proto, NSG_PJ_PROTO_TCPUDP);
}
