/* flowpass.c - finding the NIC of a stored flow by its MAC in a hash (the
 * model's own lookup scans every NIC, too slow for 10^7 flows), and the
 * count formatting shared by the reports. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harden_int.h"

struct hd_macmap {
    GHashTable *by_mac; /* 12-digit MAC -> const struct nsg_nic * */
    char last[13];
    const struct nsg_nic *last_nic;
};

struct hd_macmap *hd_macmap_new(const struct nsg_topology *t)
{
    struct hd_macmap *m = nsg_xcalloc(1, sizeof(*m));
    m->by_mac = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_NIC); i++) {
        struct nsg_nic *n = NSG_TOPO_AT(t, NSG_RES_NIC, i);
        if (n->mac[0] && !g_hash_table_contains(m->by_mac, n->mac))
            g_hash_table_insert(m->by_mac, n->mac, n);
    }
    return m;
}

void hd_macmap_free(struct hd_macmap *m)
{
    if (!m)
        return;
    g_hash_table_destroy(m->by_mac);
    free(m);
}

const struct nsg_nic *hd_macmap_get(struct hd_macmap *m, const char *mac)
{
    if (!mac[0])
        return NULL;
    if (strcmp(mac, m->last)) { /* flows come grouped by MAC: cache */
        g_strlcpy(m->last, mac, sizeof(m->last));
        m->last_nic = g_hash_table_lookup(m->by_mac, mac);
    }
    return m->last_nic;
}

void hd_count_text(double n, char out[32])
{
    if (n < 1e15)
        snprintf(out, 32, "%.0f", n);
    else
        snprintf(out, 32, "%.3g", n);
}
