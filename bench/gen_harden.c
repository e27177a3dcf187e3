/* gen_harden.c - corpora for the hardening benchmarks (bench_harden.sh).
 *
 *   gen_harden topo OUT.json NICS RULES
 *     an ARM topology: NICS internet-facing NICs, ten per subnet; each
 *     subnet has a subnet NSG and a NIC-level NSG shared by its NICs (an
 *     NSG pair), each of RULES user rules: hardening candidates (SSH,
 *     RDP, SQL, DNS, HTTPS) then deterministic random filler rules.
 *   gen_harden flows CORPUS NICS FLOWS DAYS
 *     adds one flow segment of FLOWS distinct flow records over DAYS days
 *     to the corpus (imported topology), in one corpus transaction: client
 *     clusters on covered ports, HTTPS, outbound, scans; each record's
 *     logged decision is the simulator's (so replay agrees).
 * Written directly as a segment (not as flow-log JSON): 10^7 records of
 * JSON would be ~2 GB to write and import before measuring anything. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../corpus/flowstore.h"
#include "../sim/sim.h"

#define T0 1790812800 /* 2026-10-01T00:00:00Z */
#define SUBPFX                                                                 \
    "/subscriptions/00000000-0000-0000-0000-0000000000cc/resourceGroups/"    \
    "rg-bench/providers/Microsoft.Network"

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint32_t rnd(void) /* xorshift64*: deterministic */
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 2685821657736338717ull) >> 32);
}

static cJSON *rule(const char *name, int prio, const char *access,
                   const char *proto, const char *src, const char *dports)
{
    cJSON *r = cJSON_CreateObject(), *p = cJSON_CreateObject();
    char **s = g_strsplit(src, ",", -1), **d = g_strsplit(dports, ",", -1);
    cJSON_AddStringToObject(r, "name", name);
    cJSON_AddNumberToObject(p, "priority", prio);
    cJSON_AddStringToObject(p, "direction", "Inbound");
    cJSON_AddStringToObject(p, "access", access);
    cJSON_AddStringToObject(p, "protocol", proto);
    if (g_strv_length(s) == 1)
        cJSON_AddStringToObject(p, "sourceAddressPrefix", s[0]);
    else
        cJSON_AddItemToObject(p, "sourceAddressPrefixes",
                              cJSON_CreateStringArray((const char **)s,
                                                      (int)g_strv_length(s)));
    cJSON_AddStringToObject(p, "sourcePortRange", "*");
    cJSON_AddStringToObject(p, "destinationAddressPrefix", "*");
    if (g_strv_length(d) == 1)
        cJSON_AddStringToObject(p, "destinationPortRange", d[0]);
    else
        cJSON_AddItemToObject(p, "destinationPortRanges",
                              cJSON_CreateStringArray((const char **)d,
                                                      (int)g_strv_length(d)));
    cJSON_AddItemToObject(r, "properties", p);
    g_strfreev(s);
    g_strfreev(d);
    return r;
}

/* A filler port that is not one of the covered ports used here. */
static unsigned filler_port(void)
{
    for (;;) {
        unsigned p = 1024 + rnd() % 8000;
        if (p != 1433 && p != 3306 && p != 3389 && p != 5432 && p != 5900 &&
            p != 5985 && p != 5986 && p != 6379 && p != 7000 && p != 7001 &&
            p != 7199 && p != 8081 && p != 8089 && p != 8545 && p != 1434 &&
            p != 1900 && p != 2049 && p != 2301 && p != 2323 && p != 2381 &&
            p != 3268 && p != 4333 && p != 5353 && p != 5555 && p != 5800)
            return p;
    }
}

static cJSON *nsg(const char *name, int rules, bool nic_level)
{
    cJSON *n = cJSON_CreateObject(), *p = cJSON_CreateObject();
    cJSON *rs = cJSON_CreateArray();
    char id[512];
    snprintf(id, sizeof(id), SUBPFX "/networkSecurityGroups/%s", name);
    cJSON_AddStringToObject(n, "name", name);
    cJSON_AddStringToObject(n, "id", id);
    cJSON_AddStringToObject(n, "type",
                            "Microsoft.Network/networkSecurityGroups");
    cJSON_AddStringToObject(n, "location", "westeurope");
    cJSON_AddStringToObject(n, "etag", "W/\"1\"");
    /* the candidates, with room above each */
    cJSON_AddItemToArray(rs, rule("AllowSsh", 200, "Allow", "Tcp", "*", "22"));
    cJSON_AddItemToArray(rs, rule("AllowRdp", 220, "Allow", "Tcp",
                                  nic_level ? "*" : "Internet", "3389"));
    cJSON_AddItemToArray(rs, rule("AllowSql", 240, "Allow", "Tcp",
                                  "52.0.0.0/8,20.0.0.0/8", "1433,3306"));
    cJSON_AddItemToArray(rs, rule("AllowDns", 260, "Allow", "Udp", "*", "53"));
    cJSON_AddItemToArray(rs, rule("AllowHttps", 280, "Allow", "Tcp", "*",
                                  "443"));
    for (int i = 5; i < rules; i++) {
        char nm[32], src[64], port[32];
        int len = 16 + (int)(rnd() % 13);
        snprintf(nm, sizeof(nm), "Filler%04d", i);
        snprintf(src, sizeof(src), "%u.%u.%u.0/%d", 60 + rnd() % 100,
                 rnd() % 256, rnd() % 256, len);
        if (rnd() % 4 == 0) {
            unsigned lo = filler_port();
            snprintf(port, sizeof(port), "%u-%u", lo, lo + rnd() % 20);
        } else {
            snprintf(port, sizeof(port), "%u", filler_port());
        }
        cJSON_AddItemToArray(rs, rule(nm, 300 + 3 * i,
                                      rnd() % 3 ? "Allow" : "Deny",
                                      rnd() % 4 ? "Tcp" : "Udp", src, port));
    }
    cJSON_AddItemToObject(p, "securityRules", rs);
    cJSON_AddItemToObject(n, "properties", p);
    return n;
}

static void mac_of(int k, char out[13])
{
    snprintf(out, 13, "000D3A64%04X", (unsigned)k & 0xffffu);
}

static int topo(const char *out, int nics, int rules)
{
    cJSON *doc = cJSON_CreateObject(), *v = cJSON_CreateArray();
    cJSON *vnet = cJSON_CreateObject(), *vp = cJSON_CreateObject();
    cJSON *subnets = cJSON_CreateArray();
    int nsub = (nics + 9) / 10;
    char id[512], buf[256];
    cJSON_AddStringToObject(vnet, "name", "vnet-bench");
    cJSON_AddStringToObject(vnet, "id", SUBPFX "/virtualNetworks/vnet-bench");
    cJSON_AddStringToObject(vnet, "type", "Microsoft.Network/virtualNetworks");
    cJSON_AddItemToObject(vp, "addressSpace",
                          cJSON_Parse("{\"addressPrefixes\":[\"10.64.0.0/16\"]}"));
    for (int s = 0; s < nsub; s++) {
        cJSON *sn = cJSON_CreateObject(), *sp = cJSON_CreateObject();
        snprintf(buf, sizeof(buf), "snet-%d", s);
        cJSON_AddStringToObject(sn, "name", buf);
        snprintf(id, sizeof(id), SUBPFX "/virtualNetworks/vnet-bench/subnets/%s",
                 buf);
        cJSON_AddStringToObject(sn, "id", id);
        snprintf(buf, sizeof(buf), "10.64.%d.0/24", s);
        cJSON_AddStringToObject(sp, "addressPrefix", buf);
        snprintf(id, sizeof(id), SUBPFX "/networkSecurityGroups/sub-%d-nsg", s);
        cJSON_AddItemToObject(sp, "networkSecurityGroup",
                              cJSON_CreateObject());
        cJSON_AddStringToObject(cJSON_GetObjectItem(sp, "networkSecurityGroup"),
                                "id", id);
        cJSON_AddItemToObject(sn, "properties", sp);
        cJSON_AddItemToArray(subnets, sn);
        snprintf(buf, sizeof(buf), "sub-%d-nsg", s);
        cJSON_AddItemToArray(v, nsg(buf, rules, false));
        snprintf(buf, sizeof(buf), "nic-%d-nsg", s);
        cJSON_AddItemToArray(v, nsg(buf, rules, true));
    }
    cJSON_AddItemToObject(vp, "subnets", subnets);
    cJSON_AddItemToObject(vnet, "properties", vp);
    cJSON_AddItemToArray(v, vnet);
    for (int k = 0; k < nics; k++) {
        cJSON *n = cJSON_CreateObject(), *np = cJSON_CreateObject();
        cJSON *ic = cJSON_CreateObject(), *icp = cJSON_CreateObject();
        cJSON *pip = cJSON_CreateObject(), *pp = cJSON_CreateObject();
        char mac[13], name[32];
        int s = k / 10;
        snprintf(name, sizeof(name), "nic-%d", k);
        cJSON_AddStringToObject(n, "name", name);
        snprintf(id, sizeof(id), SUBPFX "/networkInterfaces/%s", name);
        cJSON_AddStringToObject(n, "id", id);
        cJSON_AddStringToObject(n, "type", "Microsoft.Network/networkInterfaces");
        mac_of(k, mac);
        cJSON_AddStringToObject(np, "macAddress", mac);
        snprintf(buf, sizeof(buf), "10.64.%d.%d", s, 4 + k % 10);
        cJSON_AddStringToObject(icp, "privateIPAddress", buf);
        cJSON_AddBoolToObject(icp, "primary", true);
        snprintf(id, sizeof(id),
                 SUBPFX "/virtualNetworks/vnet-bench/subnets/snet-%d", s);
        cJSON_AddItemToObject(icp, "subnet", cJSON_CreateObject());
        cJSON_AddStringToObject(cJSON_GetObjectItem(icp, "subnet"), "id", id);
        snprintf(id, sizeof(id), SUBPFX "/publicIPAddresses/pip-%d", k);
        cJSON_AddItemToObject(icp, "publicIPAddress", cJSON_CreateObject());
        cJSON_AddStringToObject(cJSON_GetObjectItem(icp, "publicIPAddress"),
                                "id", id);
        cJSON_AddStringToObject(ic, "name", "ipconfig1");
        cJSON_AddItemToObject(ic, "properties", icp);
        cJSON_AddItemToObject(np, "ipConfigurations", cJSON_CreateArray());
        cJSON_AddItemToArray(cJSON_GetObjectItem(np, "ipConfigurations"), ic);
        snprintf(id, sizeof(id), SUBPFX "/networkSecurityGroups/nic-%d-nsg", s);
        cJSON_AddItemToObject(np, "networkSecurityGroup", cJSON_CreateObject());
        cJSON_AddStringToObject(cJSON_GetObjectItem(np, "networkSecurityGroup"),
                                "id", id);
        cJSON_AddItemToObject(n, "properties", np);
        cJSON_AddItemToArray(v, n);
        snprintf(buf, sizeof(buf), "pip-%d", k);
        cJSON_AddStringToObject(pip, "name", buf);
        snprintf(id, sizeof(id), SUBPFX "/publicIPAddresses/%s", buf);
        cJSON_AddStringToObject(pip, "id", id);
        cJSON_AddStringToObject(pip, "type",
                                "Microsoft.Network/publicIPAddresses");
        snprintf(buf, sizeof(buf), "20.90.%d.%d", k / 250, k % 250);
        cJSON_AddStringToObject(pp, "ipAddress", buf);
        cJSON_AddItemToObject(pip, "properties", pp);
        cJSON_AddItemToArray(v, pip);
    }
    cJSON_AddItemToObject(doc, "value", v);
    char *s = cJSON_PrintUnformatted(doc);
    FILE *f = fopen(out, "w");
    if (!f || fputs(s, f) < 0 || fclose(f)) {
        perror(out);
        return 1;
    }
    free(s);
    cJSON_Delete(doc);
    return 0;
}

/* ---- flows ---------------------------------------------------------------- */

struct gen {
    struct nsg_topology *t;
    struct nsg_sim *sim;
    const struct nsg_nic **nics;
    int n_nics;
};

static void put_ip(uint8_t *b, uint32_t v)
{
    b[0] = (uint8_t)(v >> 24);
    b[1] = (uint8_t)(v >> 16);
    b[2] = (uint8_t)(v >> 8);
    b[3] = (uint8_t)v;
}

/* One distinct flow record i of NIC k at time t. */
static int make(struct gen *g, uint64_t i, int k, int64_t t,
                struct nsg_flowrec *r)
{
    const struct nsg_nic *nic = g->nics[k];
    uint32_t me = (uint32_t)nic->ipconfigs[0].ip.v, other;
    unsigned kind = rnd() % 100, port, proto = NSG_PROTO_TCP;
    struct nsg_packet p;
    struct nsg_verdict v;
    static const unsigned ports[] = {22, 3389, 1433, 3306, 53};

    memset(r, 0, sizeof(*r));
    r->nsg = 1;
    r->rule = 2;
    r->has_mac = 1;
    for (int b = 0; b < 6; b++) {
        unsigned x;
        sscanf(nic->mac + 2 * b, "%2x", &x);
        r->mac[b] = (uint8_t)x;
    }
    r->version = 2;
    r->state = 'B';
    r->src_fam = r->dst_fam = 4;
    if (kind < 60) { /* clients of a covered port: 4 clusters of 16 */
        unsigned which = rnd() % 5, cl = rnd() % 4;
        port = ports[which];
        proto = port == 53 ? NSG_PROTO_UDP : NSG_PROTO_TCP;
        other = (52u << 24) | ((unsigned)(k % 200) << 16) |
                ((which * 4 + cl) << 8) | (cl * 32 + rnd() % 16);
        r->dir = 0;
    } else if (kind < 80) { /* HTTPS from anywhere */
        port = 443;
        other = ((20u + rnd() % 180) << 24) | (rnd() & 0xffffff);
        r->dir = 0;
    } else if (kind < 90) { /* outbound */
        port = 443;
        other = ((20u + rnd() % 180) << 24) | (rnd() & 0xffffff);
        r->dir = 1;
    } else { /* scans of telnet (no rule admits it) */
        port = 23;
        other = ((45u) << 24) | (rnd() & 0xffffff);
        r->dir = 0;
    }
    r->proto = (uint8_t)proto;
    r->sport = (uint16_t)(1024 + (i % 64000));
    r->dport = (uint16_t)port;
    if (r->dir == 0) {
        put_ip(r->src, other);
        put_ip(r->dst, me);
    } else {
        put_ip(r->src, me);
        put_ip(r->dst, other);
        uint16_t x = r->sport;
        r->sport = r->dport;
        r->dport = x;
        r->sport = (uint16_t)(1024 + (i % 64000));
        r->dport = 443;
    }
    r->first_seen = t;
    r->last_seen = t + (int64_t)(rnd() % 300);
    r->count = 1;
    p.dir = r->dir ? NSG_DIR_OUT : NSG_DIR_IN;
    p.proto = (int)proto;
    p.src.family = p.dst.family = 4;
    p.src.v = r->dir ? me : other;
    p.dst.v = r->dir ? other : me;
    p.sport = r->sport;
    p.dport = r->dport;
    if (nsg_sim_eval_nic(g->sim, nic, &p, &v, NULL))
        return -1;
    r->decision = v.decision == NSG_DEC_DENY ? 'D' : 'A';
    return 0;
}

static int recs_cmp(const void *a, const void *b)
{
    return nsg_flowrec_cmp(a, b);
}

static int flows(const char *dir, int nics, uint64_t n, int days)
{
    struct nsg_corpus *c = NULL;
    struct nsg_txn *txn = NULL;
    struct nsg_flowseg_writer *w = NULL;
    struct nsg_err err = NSG_ERR_INIT;
    struct gen g = {0};
    char *abs = NULL, *rel = NULL;
    uint64_t hours = (uint64_t)days * 24, done = 0, nf = 0, nb = 0;
    const char *strings[2] = {
        SUBPFX "/networkSecurityGroups/sub-0-nsg", "UserRule_bench"};
    struct nsg_flowrec *batch = NULL;
    nsg_rc rc;

    rc = nsg_corpus_open(dir, false, &c, &err);
    if (!rc)
        rc = nsg_corpus_load(c, NSG_TIME_LATEST, &g.t, &err);
    if (rc)
        goto out;
    g.sim = nsg_sim_new(g.t);
    g.nics = calloc((size_t)nics, sizeof(*g.nics));
    for (int k = 0; k < nics; k++) {
        char name[32];
        snprintf(name, sizeof(name), "nic-%d", k);
        rc = nsg_topo_find(g.t, NSG_RES_NIC, name, (void **)&g.nics[k], &err);
        if (rc)
            goto out;
    }
    rc = nsg_corpus_begin(c, &txn, &err);
    if (!rc)
        rc = nsg_txn_new_file(txn, "flows", ".seg", &abs, &rel, &err);
    if (!rc)
        rc = nsg_flowseg_create(abs, &w, &err);
    if (rc)
        goto out;
    batch = malloc((size_t)(n / hours + 2) * sizeof(*batch));
    for (uint64_t h = 0; h < hours && !rc; h++) {
        uint64_t upto = n * (h + 1) / hours, m = 0;
        for (; done < upto; done++, m++)
            if (make(&g, done, (int)(done % (uint64_t)nics),
                     T0 + (int64_t)h * 3600 + (int64_t)(rnd() % 3000),
                     &batch[m])) {
                rc = nsg_err_set(&err, NSG_E_INTERNAL, "evaluation failed");
                break;
            }
        qsort(batch, m, sizeof(*batch), recs_cmp);
        for (uint64_t j = 0; j < m && !rc; j++)
            rc = nsg_flowseg_add(w, &batch[j], &err);
    }
    if (!rc) {
        rc = nsg_flowseg_finish(w, strings, 2, &nf, &nb, &err);
        w = NULL;
    }
    if (!rc) {
        cJSON *sec = nsg_txn_section(txn, "flows"), *segs, *s;
        if (!cJSON_GetObjectItem(sec, "format"))
            cJSON_AddNumberToObject(sec, "format", NSG_FLOWSEG_VERSION);
        segs = cJSON_GetObjectItem(sec, "segments");
        if (!segs)
            segs = cJSON_AddArrayToObject(sec, "segments");
        s = cJSON_CreateObject();
        cJSON_AddStringToObject(s, "name", rel);
        cJSON_AddNumberToObject(s, "flows", (double)nf);
        cJSON_AddNumberToObject(s, "tuples", (double)nf);
        cJSON_AddNumberToObject(s, "bytes", (double)nb);
        cJSON_AddNumberToObject(s, "created", (double)time(NULL));
        cJSON_AddItemToArray(segs, s);
        rc = nsg_corpus_commit(&txn, &err);
    }
out:
    if (rc)
        fprintf(stderr, "gen_harden: %s\n", err.msg);
    nsg_flowseg_abort(w);
    nsg_corpus_rollback(txn);
    free(batch);
    free(abs);
    free(rel);
    free(g.nics);
    nsg_sim_free(g.sim);
    nsg_topo_free(g.t);
    nsg_corpus_close(c);
    if (!rc)
        printf("%llu flow records, %llu bytes\n", (unsigned long long)nf,
               (unsigned long long)nb);
    return rc ? 1 : 0;
}

/* The first n stored flows as CSV: nic,dir,proto,src,dst,sport,dport,
 * decision (the Python baseline's input). */
static int csv(const char *dir, uint64_t n, const char *out)
{
    struct nsg_corpus *c = NULL;
    struct nsg_topology *t = NULL;
    struct nsg_flow_iter *it = NULL;
    const struct nsg_flow *f;
    struct nsg_err err = NSG_ERR_INIT;
    FILE *o = fopen(out, "w");
    uint64_t k = 0;
    if (!o || nsg_corpus_open(dir, false, &c, &err) ||
        nsg_corpus_load(c, NSG_TIME_LATEST, &t, &err) ||
        nsg_flows_open(c, &it, &err)) {
        fprintf(stderr, "gen_harden: %s\n", err.msg);
        return 1;
    }
    while (k < n && nsg_flows_next(it, &f, &err) > 0) {
        const struct nsg_nic *nic = nsg_topo_nic_by_mac(t, f->mac);
        char s[NSG_IP_STRLEN], d[NSG_IP_STRLEN];
        if (!nic)
            continue;
        nsg_ip_format(&f->src, s);
        nsg_ip_format(&f->dst, d);
        fprintf(o, "%s,%s,%d,%s,%s,%u,%u,%c\n", nic->name,
                f->dir == NSG_DIR_IN ? "I" : "O", f->proto, s, d, f->sport,
                f->dport, f->decision);
        k++;
    }
    nsg_flows_close(it);
    nsg_topo_free(t);
    nsg_corpus_close(c);
    return fclose(o) ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc == 5 && !strcmp(argv[1], "csv"))
        return csv(argv[2], strtoull(argv[3], NULL, 10), argv[4]);
    if (argc == 5 && !strcmp(argv[1], "topo"))
        return topo(argv[2], atoi(argv[3]), atoi(argv[4]));
    if (argc == 6 && !strcmp(argv[1], "flows"))
        return flows(argv[2], atoi(argv[3]), strtoull(argv[4], NULL, 10),
                     atoi(argv[5]));
    fprintf(stderr, "usage: gen_harden topo OUT.json NICS RULES\n"
                    "       gen_harden flows CORPUS NICS FLOWS DAYS\n"
                    "       gen_harden csv CORPUS N OUT.csv\n");
    return 2;
}
