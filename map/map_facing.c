/* map_facing.c - the internet-facing predicate, in one place: a NIC is
 * internet-facing when one of its ip configurations has a public IP
 * address.  When load balancers join the model, a NIC in the backend pool
 * of a load balancer with a public frontend is internet-facing too: that
 * rule belongs here (see the marked spot), so that assess, map and every
 * other command agree. */
#include <glib.h>

#include "map_int.h"

static void say(GPtrArray *why, char *text)
{
    if (why)
        g_ptr_array_add(why, text);
    else
        g_free(text);
}

static char *pip_text(const struct nsg_pip *pip, const char *id,
                      const struct nsg_ipconfig *ic)
{
    char ip[NSG_IP_STRLEN] = "";
    const char *ic_name = ic->name ? ic->name : "ip configuration";
    if (!pip)
        return g_strdup_printf("public IP %s on %s (the public IP resource "
                               "is not in the corpus)",
                               id, ic_name);
    if (pip->has_ip)
        nsg_ip_format(&pip->ip, ip);
    return g_strdup_printf("public IP %s%s%s%s on %s", pip->name,
                           ip[0] ? " (" : "", ip, ip[0] ? ")" : "", ic_name);
}

bool nsg_map_nic_facing(const struct nsg_topology *t, const struct nsg_nic *nic,
                        GPtrArray *why)
{
    bool facing = false;

    for (size_t i = 0; i < nic->n_ipconfigs; i++) {
        const struct nsg_ipconfig *ic = &nic->ipconfigs[i];
        /* the ip configuration names its public IP */
        if (ic->public_ip_id) {
            facing = true;
            say(why, pip_text(nsg_topo_get(t, NSG_RES_PIP, ic->public_ip_id),
                              ic->public_ip_id, ic));
        }
        /* a public IP names the ip configuration (the other side of the
         * same association: exports may carry only one side) */
        for (guint k = 0; ic->id && k < NSG_TOPO_N(t, NSG_RES_PIP); k++) {
            const struct nsg_pip *pip = NSG_TOPO_AT(t, NSG_RES_PIP, k);
            if (nsg_map_same_id(pip->ipconfig_id, ic->id) &&
                !nsg_map_same_id(pip->id, ic->public_ip_id)) {
                facing = true;
                say(why, pip_text(pip, pip->id, ic));
            }
        }
        /* Load balancers: a NIC ip configuration in the backend pool of a
         * load balancer whose frontend has a public IP is internet-facing
         * ("behind public load balancer LB (frontend FE, 20.1.2.3)").
         * Add that test here when load balancers are in the model. */
    }
    return facing;
}
