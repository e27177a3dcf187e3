/* map_assess.c - the networking recommendations of Defender for Cloud,
 * computed offline with their severities, per resource:
 *   management ports open to the Internet (Medium), internet-facing VMs
 *   without NSG (High), internet-facing VMs with ports open to all of the
 *   Internet (High), subnets without NSG (Low), IP forwarding (Medium),
 *   internal VMs without NSG (Low), adaptive hardening (High, through a
 *   hook), flow-log coverage gaps (Medium, map_cover.c).
 * "Open to the Internet" is decided exactly from the NIC's inbound traffic
 * sides (both NSG levels): a check that depends on a tag the corpus does
 * not define is reported as undetermined, never guessed. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "map_int.h"

static const struct nsg_map_rec_info recs[NSG_MAP_REC_COUNT] = {
    [NSG_MAP_REC_MGMT_PORTS] =
        {"management-ports",
         "Management ports should be closed on your virtual machines",
         "Close the management ports (SSH 22, RDP 3389, WinRM 5985/5986) to "
         "the Internet, or open them just in time from known addresses.",
         NSG_MAP_SEV_MEDIUM},
    [NSG_MAP_REC_FACING_NSG] =
        {"internet-facing-vm-nsg",
         "Internet-facing virtual machines should be protected with network "
         "security groups",
         "Associate an NSG with the NIC or its subnet that admits only the "
         "traffic the VM serves.",
         NSG_MAP_SEV_HIGH},
    [NSG_MAP_REC_RESTRICT_PORTS] =
        {"restrict-all-ports",
         "All network ports should be restricted on network security groups "
         "associated to your internet-facing virtual machine",
         "Narrow the allow rules that admit every Internet address to the "
         "sources that need them.",
         NSG_MAP_SEV_HIGH},
    [NSG_MAP_REC_SUBNET_NSG] =
        {"subnet-nsg", "Subnets should be associated with a network security "
                       "group",
         "Associate an NSG with the subnet.", NSG_MAP_SEV_LOW},
    [NSG_MAP_REC_IP_FORWARDING] =
        {"ip-forwarding", "IP forwarding on your virtual machine should be "
                          "disabled",
         "Disable enableIPForwarding on the NIC unless the VM is a network "
         "virtual appliance.",
         NSG_MAP_SEV_MEDIUM},
    [NSG_MAP_REC_INTERNAL_NSG] =
        {"internal-vm-nsg",
         "Non-internet-facing virtual machines should be protected with "
         "network security groups",
         "Associate an NSG with the NIC or its subnet.", NSG_MAP_SEV_LOW},
    [NSG_MAP_REC_HARDENING] =
        {"adaptive-hardening",
         "Adaptive network hardening recommendations should be applied on "
         "internet facing virtual machines",
         "Apply the narrowed allow rules learned from the observed traffic.",
         NSG_MAP_SEV_HIGH},
    [NSG_MAP_REC_FLOW_LOGS] =
        {"flow-log-coverage",
         "Flow logs should record the traffic of every network security "
         "group and virtual network",
         "Enable a VNet flow log on the virtual network (or an NSG flow log "
         "on the NSG).",
         NSG_MAP_SEV_MEDIUM},
};

static const uint16_t mgmt_ports[] = {22, 3389, 5985, 5986};

/* Subnets where Azure does not support (or needs no) NSG. */
static const char *const exempt_subnets[] = {
    "GatewaySubnet", "AzureFirewallSubnet", "AzureFirewallManagementSubnet",
    "RouteServerSubnet"};

const struct nsg_map_rec_info *nsg_map_rec(enum nsg_map_rec r)
{
    return r < NSG_MAP_REC_COUNT ? &recs[r] : NULL;
}

const char *nsg_map_sev_name(enum nsg_map_sev s)
{
    return s == NSG_MAP_SEV_HIGH     ? "High"
           : s == NSG_MAP_SEV_MEDIUM ? "Medium"
                                     : "Low";
}

void nsg_map_res_label(const struct nsg_topology *t, enum nsg_res_type type,
                       const void *res, struct nsg_buf *out)
{
    switch (type) {
    case NSG_RES_NIC: {
        const struct nsg_nic *nic = res;
        const struct nsg_vm *vm = nsg_topo_get(t, NSG_RES_VM, nic->vm_id);
        if (vm)
            nsg_buf_addf(out, "%s (NIC %s)", vm->name, nic->name);
        else
            nsg_buf_addf(out, "NIC %s", nic->name);
        break;
    }
    case NSG_RES_SUBNET: {
        const struct nsg_subnet *s = res;
        const struct nsg_vnet *v = nsg_topo_vnet_of_subnet(t, s);
        nsg_buf_addf(out, "subnet %s%s%s", v ? v->name : "", v ? "/" : "",
                     s->name);
        break;
    }
    case NSG_RES_VNET:
        nsg_buf_addf(out, "virtual network %s",
                     ((const struct nsg_vnet *)res)->name);
        break;
    case NSG_RES_NSG:
        nsg_buf_addf(out, "NSG %s", ((const struct nsg_nsg *)res)->name);
        break;
    default:
        nsg_buf_addf(out, "%s %s", nsg_res_type_name(type),
                     *(char *const *)res ? *(char *const *)res : "?");
        break;
    }
}

void nsg_map_add_finding(struct nsg_map_assessment *a, enum nsg_map_rec rec,
                         enum nsg_res_type type, const void *res,
                         char *message, cJSON *details)
{
    struct nsg_map_finding f = {rec, type, res, message, details};
    g_array_append_val(a->findings, f);
}

static void undetermined(struct nsg_map_assessment *a, enum nsg_map_rec rec,
                         const struct nsg_map_nic *m, const char *why)
{
    struct nsg_buf b = NSG_BUF_INIT;
    nsg_map_res_label(a->net->t, NSG_RES_NIC, m->nic, &b);
    g_ptr_array_add(a->undetermined,
                    g_strdup_printf("%s: %s: %s", recs[rec].id, b.buf, why));
    if (recs[rec].sev == NSG_MAP_SEV_HIGH)
        a->high_undetermined = true;
    nsg_buf_release(&b);
}

/* Does the region admit TCP to this destination port (any source port)? */
static bool has_tcp_port(const struct nsg_map_region *r, uint16_t port)
{
    for (size_t i = 0; i < r->n; i++) {
        if (r->b[i].proto != NSG_PROTO_TCP)
            continue;
        for (size_t k = 0; k < r->b[i].dports.n; k++)
            if (r->b[i].dports.r[k].lo <= port &&
                port <= r->b[i].dports.r[k].hi)
                return true;
    }
    return false;
}

static void region_or(struct nsg_map_region *acc, const struct nsg_map_region *x)
{
    struct nsg_map_region t;
    nsg_map_region_combine(acc, x, NSG_MAP_OR, &t);
    nsg_map_region_release(acc);
    *acc = t;
}

static void region_and(struct nsg_map_region *acc,
                       const struct nsg_map_region *x)
{
    struct nsg_map_region t;
    nsg_map_region_combine(acc, x, NSG_MAP_AND, &t);
    nsg_map_region_release(acc);
    *acc = t;
}

/* What the Internet may reach on one address: ports admitted from some
 * Internet address (any) and from every Internet address (all), each also
 * with the undecidable part added (any_u, all_u); the Internet prefixes
 * admitted to a management port go to mgmt_src[port index]. */
struct exposure {
    struct nsg_map_region any, any_u, all, all_u;
    struct nsg_map_region all_exact, all_exact_u; /* every stage */
    struct nsg_addrset inet; /* the Internet of the NIC's families */
    struct nsg_addrset mgmt_src[4];
    bool mgmt_unknown[4];
    const char *tag;
};

/* What every address of inet may reach through side s (allowed, and with
 * the undecidable part): added to all / all_u when every address of inet
 * lies in some part. */
static void every_address(const struct nsg_map_side *s,
                          const struct nsg_addrset *inet,
                          struct nsg_map_region *all_out,
                          struct nsg_map_region *all_u_out)
{
    struct nsg_map_region all = NSG_MAP_REGION_INIT, all_u = NSG_MAP_REGION_INIT;
    struct nsg_addrset covered = NSG_ADDRSET_INIT;
    bool first = true;
    for (size_t i = 0; s && i < s->n && inet->n; i++) {
        const struct nsg_map_part *p = &s->p[i];
        struct nsg_map_region au;
        if (!nsg_map_addrset_meets(&p->set, inet))
            continue;
        nsg_map_region_combine(&p->allow, &p->unknown, NSG_MAP_OR, &au);
        if (first) {
            nsg_map_region_copy(&all, &p->allow);
            nsg_map_region_copy(&all_u, &au);
            first = false;
        } else {
            region_and(&all, &p->allow);
            region_and(&all_u, &au);
        }
        nsg_addrset_union(&covered, &p->set);
        nsg_map_region_release(&au);
    }
    /* every Internet address must lie in some part for "all" */
    if (!first && nsg_map_addrset_within(inet, &covered)) {
        region_or(all_out, &all);
        region_or(all_u_out, &all_u);
    }
    nsg_map_region_release(&all);
    nsg_map_region_release(&all_u);
    nsg_addrset_release(&covered);
}

/* The exposure of one address: what some Internet address may reach
 * (every stage: the security admin rules too), and what every Internet
 * address may reach through the NSGs (restrict-all-ports judges the NSG
 * rules, as Defender does: an admin Deny of a few addresses does not make
 * an NSG that admits the Internet any better). */
static void expose_addr(const struct nsg_map_addr *a, struct exposure *x)
{
    const struct nsg_map_side *s = a->side[NSG_DIR_IN];
    struct nsg_addrset part_in = NSG_ADDRSET_INIT;
    struct nsg_addrset inet = NSG_ADDRSET_INIT, fam = NSG_ADDRSET_INIT;

    /* the Internet of the address's own family */
    nsg_addrset_add_all(&fam, a->ip.family);
    nsg_map_addrset_and(&inet, a->internet, &fam);
    nsg_addrset_release(&fam);
    nsg_addrset_union(&x->inet, &inet);
    for (size_t i = 0; i < s->n && inet.n; i++) {
        const struct nsg_map_part *p = &s->p[i];
        struct nsg_map_region au;
        if (!nsg_map_addrset_meets(&p->set, &inet))
            continue;
        nsg_map_region_combine(&p->allow, &p->unknown, NSG_MAP_OR, &au);
        region_or(&x->any, &p->allow);
        region_or(&x->any_u, &au);
        nsg_map_addrset_and(&part_in, &p->set, &inet);
        for (int k = 0; k < 4; k++) {
            if (has_tcp_port(&p->allow, mgmt_ports[k]))
                nsg_addrset_union(&x->mgmt_src[k], &part_in);
            else if (has_tcp_port(&p->unknown, mgmt_ports[k]))
                x->mgmt_unknown[k] = true;
        }
        if (!nsg_map_region_empty(&p->unknown) && !x->tag)
            x->tag = s->tag;
        nsg_map_region_release(&au);
    }
    every_address(a->side_nsgs, &inet, &x->all, &x->all_u);
    every_address(s, &inet, &x->all_exact, &x->all_exact_u);
    nsg_addrset_release(&part_in);
    nsg_addrset_release(&inet);
}

static void exposure_release(struct exposure *x)
{
    nsg_map_region_release(&x->any);
    nsg_map_region_release(&x->any_u);
    nsg_map_region_release(&x->all);
    nsg_map_region_release(&x->all_u);
    nsg_map_region_release(&x->all_exact);
    nsg_map_region_release(&x->all_exact_u);
    for (int k = 0; k < 4; k++)
        nsg_addrset_release(&x->mgmt_src[k]);
    nsg_addrset_release(&x->inet);
}

static cJSON *cidr_array(const struct nsg_addrset *s)
{
    cJSON *a = cJSON_CreateArray();
    nsg_map_addrset_json(s, a);
    return a;
}

static void assess_exposure(struct nsg_map_assessment *a, size_t i)
{
    const struct nsg_map_net *n = a->net;
    const struct nsg_map_nic *m = &n->nics[i];
    struct exposure x;
    struct nsg_buf b = NSG_BUF_INIT;
    char why[640];

    memset(&x, 0, sizeof(x));
    if (m->error) {
        snprintf(why, sizeof(why), "%s", m->error);
        undetermined(a, NSG_MAP_REC_MGMT_PORTS, m, why);
        if (m->facing)
            undetermined(a, NSG_MAP_REC_RESTRICT_PORTS, m, why);
        return;
    }
    for (size_t k = 0; k < m->n_addrs; k++)
        expose_addr(&n->addrs[m->first_addr + k], &x);
    a->nics[i].exposed = !nsg_map_region_empty(&x.any);
    nsg_map_region_copy(&a->nics[i].exposed_ports, &x.any);
    snprintf(why, sizeof(why),
             "depends on service tag '%s', which the corpus does not define "
             "(import a Service Tags file that defines it)",
             x.tag ? x.tag : "?");

    /* management ports */
    cJSON *ports = cJSON_CreateArray(), *srcs = cJSON_CreateObject();
    bool unknown = false;
    bool said[4] = {false, false, false, false};
    for (int k = 0; k < 4; k++) {
        if (x.mgmt_src[k].n) {
            char key[8];
            snprintf(key, sizeof(key), "%u", mgmt_ports[k]);
            cJSON_AddItemToArray(ports, cJSON_CreateNumber(mgmt_ports[k]));
            cJSON_AddItemToObject(srcs, key, cidr_array(&x.mgmt_src[k]));
        } else if (x.mgmt_unknown[k]) {
            unknown = true;
        }
    }
    /* "TCP 22, 3389 from the whole Internet; TCP 5985 from 198.51.100.0/24" */
    for (int k = 0; k < 4; k++) {
        if (!x.mgmt_src[k].n || said[k])
            continue;
        nsg_buf_addf(&b, "%sTCP %u", b.len ? "; " : "", mgmt_ports[k]);
        for (int q = k + 1; q < 4; q++)
            if (!said[q] && nsg_addrset_equal(&x.mgmt_src[q], &x.mgmt_src[k])) {
                nsg_buf_addf(&b, ", %u", mgmt_ports[q]);
                said[q] = true;
            }
        if (nsg_addrset_equal(&x.mgmt_src[k], &x.inet)) {
            nsg_buf_adds(&b, " from the whole Internet");
        } else {
            nsg_buf_adds(&b, " from ");
            nsg_map_addrset_text(&x.mgmt_src[k], 3, &b);
        }
    }
    if (cJSON_GetArraySize(ports)) {
        cJSON *d = cJSON_CreateObject();
        cJSON_AddItemToObject(d, "ports", ports);
        cJSON_AddItemToObject(d, "internet_sources", srcs);
        nsg_map_add_finding(a, NSG_MAP_REC_MGMT_PORTS, NSG_RES_NIC, m->nic,
                            g_strdup_printf("the Internet may reach "
                                            "management ports: %s",
                                            b.buf),
                            d);
    } else {
        cJSON_Delete(ports);
        cJSON_Delete(srcs);
        if (unknown)
            undetermined(a, NSG_MAP_REC_MGMT_PORTS, m, why);
    }

    /* ports open to every Internet address, on internet-facing NICs */
    if (m->facing && !nsg_map_region_empty(&x.all)) {
        cJSON *d = cJSON_CreateObject();
        nsg_buf_reset(&b);
        if (nsg_map_region_is_all(&x.all, n->named, n->n_named))
            nsg_buf_adds(&b, "every protocol and port");
        else
            nsg_map_region_text(&x.all, &b);
        cJSON_AddItemToObject(d, "open_to_all_internet",
                              nsg_map_region_json(&x.all));
        /* security admin rules may deny some of it: say so */
        bool admin_denies = !nsg_map_region_equal(&x.all, &x.all_exact);
        nsg_map_add_finding(a, NSG_MAP_REC_RESTRICT_PORTS, NSG_RES_NIC, m->nic,
                            g_strdup_printf("every Internet address may "
                                            "reach %s%s",
                                            b.buf,
                                            admin_denies
                                                ? " through the NSGs "
                                                  "(security admin rules "
                                                  "deny part of it)"
                                                : ""),
                            d);
    } else if (m->facing && !nsg_map_region_empty(&x.all_u)) {
        undetermined(a, NSG_MAP_REC_RESTRICT_PORTS, m, why);
    }
    nsg_buf_release(&b);
    exposure_release(&x);
}

static void assess_nic(struct nsg_map_assessment *a, size_t i)
{
    const struct nsg_map_nic *m = &a->net->nics[i];
    const struct nsg_nic *nic = m->nic;

    if (!m->has_nsg)
        nsg_map_add_finding(
            a, m->facing ? NSG_MAP_REC_FACING_NSG : NSG_MAP_REC_INTERNAL_NSG,
            NSG_RES_NIC, nic,
            g_strdup_printf("no NSG on the NIC nor on its subnet%s",
                            m->facing ? " of this internet-facing NIC" : ""),
            NULL);
    if (nic->ip_forwarding)
        nsg_map_add_finding(a, NSG_MAP_REC_IP_FORWARDING, NSG_RES_NIC, nic,
                            g_strdup("enableIPForwarding is true"), NULL);
    assess_exposure(a, i);
}

static bool exempt(const struct nsg_subnet *s)
{
    for (size_t i = 0; i < sizeof(exempt_subnets) / sizeof(*exempt_subnets);
         i++)
        if (s->name && !strcasecmp(s->name, exempt_subnets[i]))
            return true;
    return false;
}

static nsg_rc assess_hardening(struct nsg_map_assessment *a,
                               const struct nsg_map_assess_opts *o,
                               struct nsg_err *err)
{
    const struct nsg_map_net *n = a->net;
    if (!o || !o->harden) {
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "recommendation",
                                recs[NSG_MAP_REC_HARDENING].id);
        cJSON_AddStringToObject(e, "severity", "High");
        cJSON_AddStringToObject(e, "reason",
                                "adaptive hardening plans are not available "
                                "in this build");
        cJSON_AddItemToArray(a->not_evaluated, e);
        return NSG_OK;
    }
    for (size_t i = 0; i < n->n_nics; i++) {
        char *msg = NULL, *unscanned = NULL;
        cJSON *d = NULL;
        if (!n->nics[i].facing)
            continue;
        nsg_rc rc = o->harden(o->harden_ctx, n->t, n->nics[i].nic, &msg, &d,
                              &unscanned, err);
        if (rc) {
            g_free(msg);
            g_free(unscanned);
            cJSON_Delete(d);
            return rc;
        }
        if (msg) {
            nsg_map_add_finding(a, NSG_MAP_REC_HARDENING, NSG_RES_NIC,
                                n->nics[i].nic, msg, d);
            d = NULL;
        } else if (unscanned) { /* not a finding: not evaluated, and why */
            struct nsg_buf b = NSG_BUF_INIT;
            cJSON *e = cJSON_CreateObject();
            nsg_map_res_label(n->t, NSG_RES_NIC, n->nics[i].nic, &b);
            cJSON_AddStringToObject(e, "recommendation",
                                    recs[NSG_MAP_REC_HARDENING].id);
            cJSON_AddStringToObject(e, "severity", "High");
            cJSON_AddStringToObject(e, "resource", b.buf);
            cJSON_AddStringToObject(e, "id", n->nics[i].nic->id
                                                 ? n->nics[i].nic->id
                                                 : "");
            cJSON_AddStringToObject(e, "reason", unscanned);
            cJSON_AddItemToArray(a->not_evaluated, e);
            nsg_buf_release(&b);
        }
        g_free(unscanned);
        cJSON_Delete(d);
    }
    return NSG_OK;
}

static const char *res_id(enum nsg_res_type type, const void *res)
{
    (void)type;
    const char *id = *(char *const *)res; /* every resource starts with id */
    return id ? id : "";
}

static int finding_cmp(const void *pa, const void *pb)
{
    const struct nsg_map_finding *a = pa, *b = pb;
    if (recs[a->rec].sev != recs[b->rec].sev)
        return recs[a->rec].sev > recs[b->rec].sev ? -1 : 1;
    int c = strcasecmp(res_id(a->type, a->res), res_id(b->type, b->res));
    if (c)
        return c;
    return (a->rec > b->rec) - (a->rec < b->rec);
}

nsg_rc nsg_map_assess(struct nsg_map_net *net,
                      const struct nsg_map_assess_opts *opts,
                      struct nsg_map_assessment **out, struct nsg_err *err)
{
    struct nsg_map_assessment *a = nsg_xcalloc(1, sizeof(*a));
    const struct nsg_topology *t = net->t;
    nsg_rc rc;

    a->net = net;
    a->findings = g_array_new(FALSE, FALSE, sizeof(struct nsg_map_finding));
    a->undetermined = g_ptr_array_new_with_free_func(g_free);
    a->nics = nsg_xcalloc(net->n_nics + 1, sizeof(*a->nics));
    a->cover = g_hash_table_new(g_direct_hash, g_direct_equal);
    a->not_evaluated = cJSON_CreateArray();
    for (size_t i = 0; i < net->n_nics; i++)
        assess_nic(a, i);
    for (guint i = 0; i < NSG_TOPO_N(t, NSG_RES_SUBNET); i++) {
        const struct nsg_subnet *s = NSG_TOPO_AT(t, NSG_RES_SUBNET, i);
        if (!s->nsg_id && !exempt(s))
            nsg_map_add_finding(a, NSG_MAP_REC_SUBNET_NSG, NSG_RES_SUBNET, s,
                                g_strdup("no NSG is associated with the "
                                         "subnet"),
                                NULL);
    }
    nsg_map_cover_assess(a);
    rc = assess_hardening(a, opts, err);
    if (rc) {
        nsg_map_assessment_free(a);
        a = NULL;
    } else {
        g_array_sort(a->findings, finding_cmp);
    }
    *out = a;
    return rc;
}

void nsg_map_assessment_free(struct nsg_map_assessment *a)
{
    if (!a)
        return;
    for (guint i = 0; i < a->findings->len; i++) {
        struct nsg_map_finding *f =
            &g_array_index(a->findings, struct nsg_map_finding, i);
        g_free(f->message);
        cJSON_Delete(f->details);
    }
    for (size_t i = 0; i < a->net->n_nics; i++)
        nsg_map_region_release(&a->nics[i].exposed_ports);
    g_array_free(a->findings, TRUE);
    g_ptr_array_free(a->undetermined, TRUE);
    g_hash_table_destroy(a->cover);
    cJSON_Delete(a->not_evaluated);
    free(a->nics);
    free(a);
}

const struct nsg_map_finding *nsg_map_findings(const struct nsg_map_assessment *a,
                                               size_t *count)
{
    *count = a->findings->len;
    return (const struct nsg_map_finding *)(void *)a->findings->data;
}

const GPtrArray *nsg_map_undetermined(const struct nsg_map_assessment *a,
                                      bool *high_undetermined)
{
    if (high_undetermined)
        *high_undetermined = a->high_undetermined;
    return a->undetermined;
}
