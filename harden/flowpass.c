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

/* ---- the verdict cache ----------------------------------------------------
 * Observed flows repeat (a client connects again and again from new
 * ephemeral ports), and a decision depends on the NIC, direction,
 * protocol, addresses, destination port and only the class of the source
 * port among the boundaries of the rules' source port ranges.  A
 * direct-mapped cache keyed by exactly those fields saves evaluations; a
 * hit is verified against the whole key, so it is exact. */

struct hd_cache {
    size_t mask, psize, slot;
    unsigned char *slots;
    uint16_t *sport_class; /* 65536 entries */
    uint64_t hits, misses;
};

struct slot_head {
    struct hd_pkey k;
    bool used;
};

static void sport_cuts(const struct nsg_topology *t, GArray *cuts)
{
    for (guint i = 0; t && i < NSG_TOPO_N(t, NSG_RES_NSG); i++) {
        const struct nsg_nsg *n = NSG_TOPO_AT(t, NSG_RES_NSG, i);
        for (size_t k = 0; k < n->n_rules; k++)
            for (size_t j = 0; j < n->rules[k].n_sports; j++) {
                unsigned lo = n->rules[k].sports[j].lo;
                unsigned hi = (unsigned)n->rules[k].sports[j].hi + 1;
                g_array_append_val(cuts, lo);
                g_array_append_val(cuts, hi);
            }
    }
}

struct hd_cache *hd_cache_new(unsigned log2, size_t payload,
                              const struct nsg_topology *a,
                              const struct nsg_topology *b)
{
    struct hd_cache *c = nsg_xcalloc(1, sizeof(*c));
    GArray *cuts = g_array_new(FALSE, FALSE, sizeof(unsigned));
    unsigned reserved[] = {65330, 65331}; /* the host's UDP source port */
    uint8_t *cut = nsg_xcalloc(65537, 1);
    uint16_t cls = 0;
    c->mask = ((size_t)1 << log2) - 1;
    c->psize = payload;
    c->slot = (sizeof(struct slot_head) + payload + 15) & ~(size_t)15;
    c->slots = nsg_xcalloc(c->mask + 1, c->slot);
    c->sport_class = nsg_xcalloc(65536, sizeof(uint16_t));
    sport_cuts(a, cuts);
    sport_cuts(b, cuts);
    g_array_append_vals(cuts, reserved, 2);
    for (guint i = 0; i < cuts->len; i++)
        cut[g_array_index(cuts, unsigned, i)] = 1;
    for (unsigned p = 0; p < 65536; p++) {
        if (p && cut[p])
            cls++;
        c->sport_class[p] = cls;
    }
    free(cut);
    g_array_free(cuts, TRUE);
    return c;
}

void hd_cache_free(struct hd_cache *c)
{
    if (!c)
        return;
    free(c->slots);
    free(c->sport_class);
    free(c);
}

void *hd_cache_find(struct hd_cache *c, const void *nic,
                    const struct nsg_packet *p, bool *hit)
{
    struct hd_pkey k;
    struct slot_head *s;
    uint64_t h;
    memset(&k, 0, sizeof(k));
    k.nic = nic;
    k.dir = (uint8_t)p->dir;
    k.fam = p->src.family;
    k.proto = (int16_t)p->proto;
    k.sport_class = c->sport_class[p->sport];
    k.dport = p->dport;
    k.src = p->src.v;
    k.dst = p->dst.v;
    h = (uint64_t)(uintptr_t)nic * 0x9e3779b97f4a7c15ull;
    h ^= ((uint64_t)k.dir << 56 | (uint64_t)(uint16_t)k.proto << 32 |
          (uint64_t)k.sport_class << 16 | k.dport) *
         0xc2b2ae3d27d4eb4full;
    h ^= (uint64_t)k.src * 0x165667b19e3779f9ull;
    h ^= (uint64_t)(k.src >> 64) * 0x27d4eb2f165667c5ull;
    h ^= (uint64_t)k.dst * 0x85ebca77c2b2ae63ull;
    h ^= (uint64_t)(k.dst >> 64) * 0xff51afd7ed558ccdull;
    h ^= h >> 29;
    s = (struct slot_head *)(c->slots + (h & c->mask) * c->slot);
    if (s->used && !memcmp(&s->k, &k, sizeof(k))) {
        c->hits++;
        *hit = true;
    } else {
        c->misses++;
        s->k = k;
        s->used = true;
        memset(s + 1, 0, c->psize);
        *hit = false;
    }
    return s + 1;
}

void hd_cache_stats(const struct hd_cache *c, uint64_t *hits,
                    uint64_t *misses)
{
    *hits = c->hits;
    *misses = c->misses;
}
