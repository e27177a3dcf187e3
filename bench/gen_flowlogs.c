/* gen_flowlogs.c - deterministic generator of realistic NSG flow-log (v2)
 * blob trees as downloaded from a storage account:
 *   OUT/resourceId=/SUBSCRIPTIONS/<SUB>/RESOURCEGROUPS/<RG>/PROVIDERS/
 *     MICROSOFT.NETWORK/NETWORKSECURITYGROUPS/<NSG>/y=/m=/d=/h=/m=00/
 *     macAddress=<MAC>/PT1H.json
 * Each blob holds one record per minute; each record a few rules with
 * connections that begin (B), continue every five minutes (C) and end (E),
 * denied attempts (D, state B), inbound and outbound, TCP and UDP.
 * usage: gen_flowlogs OUT SIZE_MB [--blob-mb N] [--seed N] [--pretty]
 *                     [--plan FILE] [--tuples N]
 * --plan FILE: the NICs to log, one line each "NSG-ID MAC ADDRESS" (as
 * gen_subscription writes them): blob i logs NIC i mod N of the plan, for
 * hour i / N; --tuples N: stop at N tuples instead of SIZE_MB.
 * Prints "files N bytes N tuples N". */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct rng {
    uint64_t s;
};
static uint64_t next(struct rng *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
static unsigned below(struct rng *r, unsigned n)
{
    return (unsigned)(next(r) % n);
}

struct conn {
    char src[40], dst[40];
    unsigned sport, dport;
    char proto, dir, decision;
    int rule;
    int state; /* 0 not started, 1 open, 2 ended */
    int64_t last;
};

static const char *rules_in[] = {"UserRule_AllowHttps", "UserRule_AllowSSH",
                                 "DefaultRule_DenyAllInBound",
                                 "DefaultRule_AllowVnetInBound"};
static const char *rules_out[] = {"DefaultRule_AllowInternetOutBound",
                                  "UserRule_AllowSql",
                                  "DefaultRule_AllowVnetOutBound"};

static int mkdirs(const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0755) && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(tmp, 0755) && errno != EEXIST ? -1 : 0;
}

static void make_conn(struct rng *r, struct conn *c, const char *vm_ip)
{
    memset(c, 0, sizeof(*c));
    unsigned kind = below(r, 100);
    c->proto = below(r, 10) < 8 ? 'T' : 'U';
    c->sport = 1024 + below(r, 64000);
    if (kind < 55) { /* inbound from the internet to 443 / 22 */
        snprintf(c->src, sizeof(c->src), "%u.%u.%u.%u", 20 + below(r, 180),
                 below(r, 256), below(r, 256), 1 + below(r, 254));
        snprintf(c->dst, sizeof(c->dst), "%s", vm_ip);
        c->dir = 'I';
        c->dport = below(r, 10) < 8 ? 443 : 22;
        c->rule = c->dport == 443 ? 0 : 1;
        c->decision = 'A';
    } else if (kind < 70) { /* denied scans */
        snprintf(c->src, sizeof(c->src), "%u.%u.%u.%u", 40 + below(r, 150),
                 below(r, 256), below(r, 256), 1 + below(r, 254));
        snprintf(c->dst, sizeof(c->dst), "%s", vm_ip);
        c->dir = 'I';
        c->dport = 1 + below(r, 10000);
        c->rule = 2;
        c->decision = 'D';
    } else if (kind < 80) { /* vnet inbound */
        snprintf(c->src, sizeof(c->src), "10.0.%u.%u", below(r, 4),
                 4 + below(r, 200));
        snprintf(c->dst, sizeof(c->dst), "%s", vm_ip);
        c->dir = 'I';
        c->dport = 8080;
        c->rule = 3;
        c->decision = 'A';
    } else { /* outbound */
        snprintf(c->src, sizeof(c->src), "%s", vm_ip);
        unsigned o = below(r, 3);
        if (o == 1)
            snprintf(c->dst, sizeof(c->dst), "10.0.9.%u", 4 + below(r, 20));
        else
            snprintf(c->dst, sizeof(c->dst), "%u.%u.%u.%u", 13 + below(r, 100),
                     below(r, 256), below(r, 256), 1 + below(r, 254));
        c->dir = 'O';
        c->dport = o == 1 ? 1433 : (below(r, 2) ? 443 : 80);
        c->rule = 4 + (int)o % 3;
        c->decision = 'A';
    }
}

static const char *rule_name(const struct conn *c)
{
    return c->rule < 4 ? rules_in[c->rule] : rules_out[c->rule - 4];
}

struct planned {
    char id[256], mac[13], ip[40];
};

/* The plan's lines (NULL when none); *n their count. */
static struct planned *read_plan(const char *path, size_t *n)
{
    FILE *f = fopen(path, "r");
    struct planned *v = NULL;
    size_t cap = 0;
    char line[512];
    *n = 0;
    if (!f) {
        fprintf(stderr, "gen_flowlogs: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    while (fgets(line, sizeof(line), f)) {
        if (*n == cap) {
            cap = cap ? 2 * cap : 1024;
            v = realloc(v, cap * sizeof(*v));
        }
        if (sscanf(line, "%255s %12s %39s", v[*n].id, v[*n].mac, v[*n].ip) == 3)
            (*n)++;
    }
    fclose(f);
    if (!*n) {
        fprintf(stderr, "gen_flowlogs: %s: no NIC\n", path);
        exit(1);
    }
    return v;
}

int main(int argc, char **argv)
{
    double blob_mb = 8;
    uint64_t seed = 42, max_tuples = 0;
    int pretty = 0;
    struct planned *plan = NULL;
    size_t n_plan = 0;
    if (argc < 3) {
        fprintf(stderr, "usage: gen_flowlogs OUT SIZE_MB [--blob-mb N] "
                        "[--seed N] [--pretty]\n");
        return 2;
    }
    const char *out = argv[1];
    double size_mb = atof(argv[2]);
    for (int i = 3; i < argc; i++) {
        if (!strcmp(argv[i], "--blob-mb") && i + 1 < argc)
            blob_mb = atof(argv[++i]);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = strtoull(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--pretty"))
            pretty = 1;
        else if (!strcmp(argv[i], "--plan") && i + 1 < argc)
            plan = read_plan(argv[++i], &n_plan);
        else if (!strcmp(argv[i], "--tuples") && i + 1 < argc)
            max_tuples = strtoull(argv[++i], NULL, 10);
        else {
            fprintf(stderr, "gen_flowlogs: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    struct rng r = {seed};
    uint64_t target = (uint64_t)(size_mb * 1048576.0);
    uint64_t blob_target = (uint64_t)(blob_mb * 1048576.0);
    uint64_t total = 0, tuples = 0, files = 0;
    const size_t POOL = 4096;
    struct conn *pool = calloc(POOL, sizeof(*pool));
    const char *nl = pretty ? "\n" : "", *ind = pretty ? "  " : "";
    /* tuples per record so that 60 records fill a blob (~64 bytes each) */
    unsigned per_rec = (unsigned)(blob_target / 60 / 66);
    if (per_rec < 4)
        per_rec = 4;

    for (unsigned blob = 0;
         max_tuples ? tuples < max_tuples : total < target; blob++) {
        unsigned nsg = blob / 8, nic = blob % 8, hour = nsg % 24;
        unsigned day = 1 + (nsg / 24) % 28;
        char mac[13], vm_ip[40], rid[300], dir[4096], path[4200];
        snprintf(mac, sizeof(mac), "000D3A%02X%02X%02X", nsg & 0xff,
                 (nsg >> 8) & 0xff, nic);
        snprintf(vm_ip, sizeof(vm_ip), "10.0.%u.%u", nsg % 4, 4 + nic);
        snprintf(rid, sizeof(rid),
                 "/SUBSCRIPTIONS/00000000-1111-2222-3333-444444444444/"
                 "RESOURCEGROUPS/RG-PROD/PROVIDERS/MICROSOFT.NETWORK/"
                 "NETWORKSECURITYGROUPS/APP%u-NSG",
                 nsg / 24);
        if (plan) { /* NIC blob % N of the plan, hour blob / N */
            const struct planned *pl = &plan[blob % n_plan];
            unsigned h = blob / (unsigned)n_plan;
            hour = h % 24;
            day = 1 + (h / 24) % 28;
            snprintf(mac, sizeof(mac), "%s", pl->mac);
            snprintf(vm_ip, sizeof(vm_ip), "%s", pl->ip);
            snprintf(rid, sizeof(rid), "%s", pl->id);
        }
        snprintf(dir, sizeof(dir),
                 "%s/resourceId=%s/y=2026/m=11/d=%02u/h=%02u/m=00/"
                 "macAddress=%s",
                 out, rid, day, hour, mac);
        if (mkdirs(dir)) {
            fprintf(stderr, "gen_flowlogs: %s: %s\n", dir, strerror(errno));
            return 1;
        }
        snprintf(path, sizeof(path), "%s/PT1H.json", dir);
        FILE *f = fopen(path, "w");
        if (!f) {
            fprintf(stderr, "gen_flowlogs: %s: %s\n", path, strerror(errno));
            return 1;
        }
        setvbuf(f, NULL, _IOFBF, 1 << 20);
        for (size_t i = 0; i < POOL; i++)
            make_conn(&r, &pool[i], vm_ip);
        int64_t t0 =
            1763596800 + (int64_t)(day - 1) * 86400 + (int64_t)hour * 3600;
        fprintf(f, "{\"records\":[%s", nl);
        for (int m = 0; m < 60; m++) {
            int64_t now = t0 + m * 60;
            fprintf(f,
                    "%s{\"time\":\"2026-11-%02uT%02u:%02d:%02d.%07uZ\","
                    "\"systemId\":\"5a4b3c2d-%04x-4e5f-8a9b-0c1d2e3f4a5b\","
                    "\"macAddress\":\"%s\",\"category\":"
                    "\"NetworkSecurityGroupFlowEvent\",\"resourceId\":"
                    "\"%s\",\"operationName\":"
                    "\"NetworkSecurityGroupFlowEvents\",\"properties\":"
                    "{\"Version\":2,\"flows\":[%s",
                    m ? "," : "", day, hour, m, (int)below(&r, 60),
                    below(&r, 10000000), nsg & 0xffff, mac, rid, nl);
            /* pick this minute's tuples, grouped by rule */
            static unsigned picks[1 << 16];
            unsigned n = per_rec;
            if (n > (1u << 16))
                n = 1u << 16;
            for (unsigned k = 0; k < n; k++)
                picks[k] = below(&r, (unsigned)POOL);
            int first_rule = 1;
            for (int rule = 0; rule < 7; rule++) {
                int opened = 0;
                for (unsigned k = 0; k < n; k++) {
                    struct conn *c = &pool[picks[k]];
                    if (c->rule != rule)
                        continue;
                    if (c->state == 2) { /* ended: reuse with a new port */
                        c->sport = 1024 + below(&r, 64000);
                        c->state = 0;
                    }
                    char st = c->state == 0 ? 'B' : (below(&r, 4) ? 'C' : 'E');
                    if (c->decision == 'D')
                        st = 'B';
                    if (!opened) {
                        fprintf(f,
                                "%s%s{\"rule\":\"%s\",\"flows\":[{\"mac\":"
                                "\"%s\",\"flowTuples\":[",
                                first_rule ? "" : ",", ind, rule_name(c), mac);
                        opened = 1;
                        first_rule = 0;
                    } else {
                        fputc(',', f);
                    }
                    int64_t ts = now + below(&r, 60);
                    if (st == 'B')
                        fprintf(f, "\"%lld,%s,%s,%u,%u,%c,%c,%c,B,,,,\"",
                                (long long)ts, c->src, c->dst, c->sport,
                                c->dport, c->proto, c->dir, c->decision);
                    else
                        fprintf(f,
                                "\"%lld,%s,%s,%u,%u,%c,%c,%c,%c,%u,%u,%u,"
                                "%u\"",
                                (long long)ts, c->src, c->dst, c->sport,
                                c->dport, c->proto, c->dir, c->decision, st,
                                1 + below(&r, 400), 60 + below(&r, 500000),
                                1 + below(&r, 400), 60 + below(&r, 900000));
                    if (c->decision == 'A')
                        c->state = st == 'E' ? 2 : 1;
                    tuples++;
                }
                if (opened)
                    fprintf(f, "]}]}%s", nl);
            }
            fprintf(f, "]}}%s", nl);
        }
        fprintf(f, "]}\n");
        total += (uint64_t)ftell(f);
        files++;
        if (fclose(f)) {
            fprintf(stderr, "gen_flowlogs: %s: write failed\n", path);
            return 1;
        }
    }
    free(pool);
    free(plan);
    printf("files %llu bytes %llu tuples %llu\n", (unsigned long long)files,
           (unsigned long long)total, (unsigned long long)tuples);
    return 0;
}
