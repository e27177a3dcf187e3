/* gen_network.c - deterministic generator of a large Azure network as ARM
 * list responses, for the map benchmark: a hub virtual network peered with
 * spokes, each with subnets of NICs (three tiers: web subnets with public
 * IPs on some NICs, app and data subnets), one NSG per subnet with tier
 * rules, application security groups per tier, and Network Watcher
 * flow-log configuration.
 * usage: gen_network OUTDIR NICS [NICS_PER_SUBNET]   (default 10 per subnet)
 * Writes OUTDIR/{vnets,nsgs,nics,publicips,asgs,flowlogs}.json and prints
 * "vnets N subnets N nics N". */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SUB "/subscriptions/33333333-3333-3333-3333-333333333333"
#define RG SUB "/resourceGroups/rg-bench/providers/Microsoft.Network"
#define SUBNETS_PER_VNET 10

static FILE *open_out(const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "gen_network: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    fputs("{\"value\": [\n", f);
    return f;
}

static void close_out(FILE *f)
{
    fputs("\n]}\n", f);
    if (fclose(f)) {
        perror("gen_network");
        exit(1);
    }
}

static const char *tier(int s)
{
    return s < 3 ? "web" : s < 7 ? "app" : "data";
}

static void rule(FILE *f, int *first, const char *name, int prio,
                 const char *dir, const char *access, const char *proto,
                 const char *src, const char *dst, const char *ports)
{
    fprintf(f,
            "%s{\"name\": \"%s\", \"properties\": {\"priority\": %d, "
            "\"direction\": \"%s\", \"access\": \"%s\", \"protocol\": \"%s\", "
            "\"sourcePortRange\": \"*\", %s, %s, \"destinationPortRange\": "
            "\"%s\"}}",
            *first ? "" : ",\n   ", name, prio, dir, access, proto, src, dst,
            ports);
    *first = 0;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: gen_network OUTDIR NICS [NICS_PER_SUBNET]\n");
        return 2;
    }
    const char *dir = argv[1];
    int nics = atoi(argv[2]), per = argc > 3 ? atoi(argv[3]) : 10;
    if (nics < 1 || per < 1) {
        fprintf(stderr, "gen_network: bad counts\n");
        return 2;
    }
    int subnets = (nics + per - 1) / per;
    int vnets = (subnets + SUBNETS_PER_VNET - 1) / SUBNETS_PER_VNET;
    mkdir(dir, 0777);

    FILE *fv = open_out(dir, "vnets.json");
    for (int v = 0; v < vnets; v++) {
        fprintf(fv,
                "%s{\"name\": \"vnet-%d\", \"id\": \"" RG
                "/virtualNetworks/vnet-%d\", \"type\": "
                "\"Microsoft.Network/virtualNetworks\", \"location\": "
                "\"westeurope\", \"properties\": {\"addressSpace\": "
                "{\"addressPrefixes\": [\"10.%d.0.0/16\"]}, \"subnets\": [",
                v ? ",\n" : "", v, v, v);
        for (int s = 0; s < SUBNETS_PER_VNET && v * SUBNETS_PER_VNET + s < subnets;
             s++)
            fprintf(fv,
                    "%s{\"name\": \"snet-%s-%d\", \"id\": \"" RG
                    "/virtualNetworks/vnet-%d/subnets/snet-%s-%d\", "
                    "\"properties\": {\"addressPrefix\": \"10.%d.%d.0/24\", "
                    "\"networkSecurityGroup\": {\"id\": \"" RG
                    "/networkSecurityGroups/nsg-%d-%d\"}}}",
                    s ? ", " : "", tier(s), s, v, tier(s), s, v, s, v, s);
        fputs("], \"virtualNetworkPeerings\": [", fv);
        /* the hub (vnet-0) peers with every spoke */
        for (int p = 0; p < vnets; p++) {
            if (p == v || (v && p))
                continue;
            fprintf(fv,
                    "%s{\"name\": \"vnet-%d-to-vnet-%d\", \"properties\": "
                    "{\"remoteVirtualNetwork\": {\"id\": \"" RG
                    "/virtualNetworks/vnet-%d\"}, \"remoteAddressSpace\": "
                    "{\"addressPrefixes\": [\"10.%d.0.0/16\"]}, "
                    "\"peeringState\": \"Connected\", "
                    "\"allowVirtualNetworkAccess\": true}}",
                    (v == 0 && p > 1) ? ", " : "", v, p, p, p);
        }
        fputs("]}}", fv);
    }
    close_out(fv);

    FILE *fn = open_out(dir, "nsgs.json");
    for (int v = 0, k = 0; v < vnets; v++)
        for (int s = 0; s < SUBNETS_PER_VNET && k < subnets; s++, k++) {
            int first = 1;
            fprintf(fn,
                    "%s{\"name\": \"nsg-%d-%d\", \"id\": \"" RG
                    "/networkSecurityGroups/nsg-%d-%d\", \"type\": "
                    "\"Microsoft.Network/networkSecurityGroups\", "
                    "\"location\": \"westeurope\", \"properties\": "
                    "{\"securityRules\": [",
                    k ? ",\n" : "", v, s, v, s);
            char asg[256];
            snprintf(asg, sizeof(asg),
                     "\"destinationApplicationSecurityGroups\": [{\"id\": "
                     "\"" RG "/applicationSecurityGroups/asg-%s-%d\"}]",
                     tier(s), v);
            if (!strcmp(tier(s), "web")) {
                rule(fn, &first, "AllowHttps", 100, "Inbound", "Allow", "Tcp",
                     "\"sourceAddressPrefix\": \"Internet\"", asg, "443");
                rule(fn, &first, "AllowHttp", 110, "Inbound", "Allow", "Tcp",
                     "\"sourceAddressPrefix\": \"Internet\"", asg, "80");
                rule(fn, &first, "AllowSshOffice", 120, "Inbound", "Allow",
                     "Tcp", "\"sourceAddressPrefix\": \"203.0.113.0/24\"",
                     "\"destinationAddressPrefix\": \"*\"", "22");
            } else if (!strcmp(tier(s), "app")) {
                rule(fn, &first, "AllowFromWeb", 100, "Inbound", "Allow", "Tcp",
                     "\"sourceAddressPrefix\": \"10.0.0.0/8\"", asg, "8080");
            } else {
                rule(fn, &first, "AllowSql", 100, "Inbound", "Allow", "Tcp",
                     "\"sourceAddressPrefix\": \"VirtualNetwork\"", asg, "1433");
            }
            rule(fn, &first, "AllowMgmt", 200, "Inbound", "Allow", "Tcp",
                 "\"sourceAddressPrefix\": \"10.0.250.0/24\"",
                 "\"destinationAddressPrefix\": \"*\"", "22");
            rule(fn, &first, "DenyVnetIn", 4000, "Inbound", "Deny", "*",
                 "\"sourceAddressPrefix\": \"VirtualNetwork\"",
                 "\"destinationAddressPrefix\": \"*\"", "*");
            rule(fn, &first, "DenyInternetOut", 4000, "Outbound", "Deny", "*",
                 "\"sourceAddressPrefix\": \"*\"",
                 "\"destinationAddressPrefix\": \"Internet\"", "*");
            fputs("]}}", fn);
        }
    close_out(fn);

    FILE *fa = open_out(dir, "asgs.json");
    for (int v = 0, k = 0; v < vnets; v++)
        for (int t = 0; t < 3; t++, k++) {
            const char *tn = t == 0 ? "web" : t == 1 ? "app" : "data";
            fprintf(fa,
                    "%s{\"name\": \"asg-%s-%d\", \"id\": \"" RG
                    "/applicationSecurityGroups/asg-%s-%d\", \"type\": "
                    "\"Microsoft.Network/applicationSecurityGroups\", "
                    "\"location\": \"westeurope\", \"properties\": {}}",
                    k ? ",\n" : "", tn, v, tn, v);
        }
    close_out(fa);

    FILE *fi = open_out(dir, "nics.json");
    FILE *fp = open_out(dir, "publicips.json");
    int pips = 0;
    for (int i = 0; i < nics; i++) {
        int k = i / per, v = k / SUBNETS_PER_VNET, s = k % SUBNETS_PER_VNET;
        int host = 4 + i % per;
        char pip[512] = "";
        if (!strcmp(tier(s), "web") && host % 3 == 1) {
            snprintf(pip, sizeof(pip),
                     ", \"publicIPAddress\": {\"id\": \"" RG
                     "/publicIPAddresses/pip-%d\"}",
                     i);
            fprintf(fp,
                    "%s{\"name\": \"pip-%d\", \"id\": \"" RG
                    "/publicIPAddresses/pip-%d\", \"type\": "
                    "\"Microsoft.Network/publicIPAddresses\", \"location\": "
                    "\"westeurope\", \"properties\": {\"ipAddress\": "
                    "\"20.%d.%d.%d\", \"publicIPAllocationMethod\": "
                    "\"Static\"}}",
                    pips++ ? ",\n" : "", i, i, 100 + v, s, host);
        }
        fprintf(fi,
                "%s{\"name\": \"nic-%d\", \"id\": \"" RG
                "/networkInterfaces/nic-%d\", \"type\": "
                "\"Microsoft.Network/networkInterfaces\", \"location\": "
                "\"westeurope\", \"properties\": {\"macAddress\": "
                "\"00-0D-3A-%02X-%02X-%02X\", \"enableIPForwarding\": false, "
                "\"ipConfigurations\": [{\"name\": \"ipconfig1\", \"id\": \"" RG
                "/networkInterfaces/nic-%d/ipConfigurations/ipconfig1\", "
                "\"properties\": {\"privateIPAddress\": \"10.%d.%d.%d\", "
                "\"primary\": true, \"subnet\": {\"id\": \"" RG
                "/virtualNetworks/vnet-%d/subnets/snet-%s-%d\"}, "
                "\"applicationSecurityGroups\": [{\"id\": \"" RG
                "/applicationSecurityGroups/asg-%s-%d\"}]%s}}]}}",
                i ? ",\n" : "", i, i, (i >> 16) & 255, (i >> 8) & 255, i & 255,
                i, v, s, host, v, tier(s), s, tier(s), v, pip);
    }
    close_out(fi);
    close_out(fp);

    FILE *ff = open_out(dir, "flowlogs.json");
    for (int v = 0; v < vnets; v += 2) /* every other VNet recorded */
        fprintf(ff,
                "%s{\"name\": \"fl-vnet-%d\", \"id\": \"" SUB
                "/resourceGroups/NetworkWatcherRG/providers/"
                "Microsoft.Network/networkWatchers/NetworkWatcher_westeurope/"
                "flowLogs/fl-vnet-%d\", \"type\": "
                "\"Microsoft.Network/networkWatchers/flowLogs\", \"location\": "
                "\"westeurope\", \"properties\": {\"targetResourceId\": \"" RG
                "/virtualNetworks/vnet-%d\", \"storageId\": \"" SUB
                "/resourceGroups/rg-bench/providers/Microsoft.Storage/"
                "storageAccounts/stbench\", \"enabled\": true}}",
                v ? ",\n" : "", v, v, v);
    close_out(ff);
    printf("vnets %d subnets %d nics %d\n", vnets, subnets, nics);
    return 0;
}
