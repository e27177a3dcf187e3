/* sim_json.c - the text and JSON forms of directions, decisions, protocols
 * and packets, shared by the simulator's reports and every command. */
#include "sim.h"

const char *nsg_decision_name(enum nsg_decision d)
{
    return d == NSG_DEC_ALLOW  ? "Allow"
           : d == NSG_DEC_DENY ? "Deny"
                               : "Unknown";
}

static bool proto_is_named(int proto, unsigned style)
{
    if (proto == NSG_PROTO_TCP || proto == NSG_PROTO_UDP)
        return true;
    if (style == NSG_PJ_PROTO_TCPUDP)
        return false;
    return proto == NSG_PROTO_ICMP || proto == NSG_PROTO_ESP ||
           proto == NSG_PROTO_AH || proto == NSG_PROTO_ICMPV6;
}

cJSON *nsg_sim_proto_json(int proto, unsigned style)
{
    char pb[8];
    style &= NSG_PJ_PROTO_MASK;
    if (style == NSG_PJ_PROTO_TEXT || proto_is_named(proto, style))
        return cJSON_CreateString(nsg_proto_name(proto, pb));
    return cJSON_CreateNumber(proto);
}

void nsg_sim_packet_to_json(cJSON *obj, const struct nsg_packet *p,
                            unsigned flags)
{
    char a[NSG_IP_STRLEN];
    bool ports = !(flags & NSG_PJ_PORTS_IF_USED) || nsg_proto_has_ports(p->proto);
    cJSON_AddStringToObject(obj, "direction", nsg_dir_name(p->dir));
    cJSON_AddItemToObject(obj, "protocol", nsg_sim_proto_json(p->proto, flags));
    nsg_ip_format(&p->src, a);
    cJSON_AddStringToObject(obj, "src", a);
    if (ports)
        cJSON_AddNumberToObject(obj, "sport", p->sport);
    nsg_ip_format(&p->dst, a);
    cJSON_AddStringToObject(obj, "dst", a);
    if (ports)
        cJSON_AddNumberToObject(obj, "dport", p->dport);
}
