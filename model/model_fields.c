/* model_fields.c - the one list of the ARM property fields nsgproof knows,
 * in ARM's spelling: the decoder (model_arm_*.c) reads them; the importer
 * gives az's and PowerShell's spellings of them ARM's spelling when it
 * normalizes a resource (imp_arm_shape.c), and decides which template
 * expressions must be evaluated (imp_arm_template.c).  tests/t_fields.sh
 * checks that every field the decoder reads is listed here. */
#include <strings.h>

#include "model_arm.h"

#define M NSG_MODEL_FIELD_MODEL
#define I NSG_MODEL_FIELD_INFO

static const struct {
    const char *name;
    enum nsg_model_field_use use;
} fields[] = {
    /* NSGs and security rules */
    {"securityRules", M},
    {"defaultSecurityRules", M},
    {"resourceGuid", M},
    {"protocol", M},
    {"access", M},
    {"direction", M},
    {"priority", M},
    {"sourceAddressPrefix", M},
    {"sourceAddressPrefixes", M},
    {"destinationAddressPrefix", M},
    {"destinationAddressPrefixes", M},
    {"sourcePortRange", M},
    {"sourcePortRanges", M},
    {"destinationPortRange", M},
    {"destinationPortRanges", M},
    {"sourceApplicationSecurityGroups", M},
    {"destinationApplicationSecurityGroups", M},
    {"description", I},
    /* associations */
    {"networkInterfaces", M},
    {"subnets", M},
    {"subnet", M},
    {"networkSecurityGroup", M},
    {"routeTable", M},
    /* virtual networks, subnets, peerings */
    {"addressSpace", M},
    {"addressPrefix", M},
    {"addressPrefixes", M},
    {"virtualNetworkPeerings", M},
    {"remoteVirtualNetwork", M},
    {"remoteAddressSpace", M},
    {"remoteVirtualNetworkAddressSpace", M},
    {"peeringState", M},
    {"allowVirtualNetworkAccess", M},
    /* NICs, ip configurations, public IPs, VMs */
    {"ipConfigurations", M},
    {"ipConfiguration", M},
    {"macAddress", M},
    {"privateIPAddress", M},
    {"privateIPAddressVersion", M},
    {"privateIPAllocationMethod", I},
    {"publicIPAddress", M},
    {"publicIPAllocationMethod", I},
    {"publicIPAddressVersion", I},
    {"ipAddress", M},
    {"applicationSecurityGroups", M},
    {"primary", M},
    {"virtualMachine", M},
    {"networkProfile", M},
    {"enableIPForwarding", M},
    /* Network Watcher flow logs */
    {"targetResourceId", M},
    {"enabled", M},
    {"storageId", I},
    /* route tables */
    {"routes", M},
    {"nextHopType", M},
    /* the path model: routes, subnets, peerings, NICs, SKUs */
    {"nextHopIpAddress", M},
    {"natGateway", M},
    {"defaultOutboundAccess", M},
    {"allowForwardedTraffic", M},
    {"allowGatewayTransit", M},
    {"useRemoteGateways", M},
    {"loadBalancerBackendAddressPools", M},
    {"loadBalancerInboundNatRules", M},
    {"sku", M},
    /* load balancers, NAT gateways */
    {"frontendIPConfigurations", M},
    {"frontendIPConfiguration", M},
    {"backendAddressPools", M},
    {"backendAddressPool", M},
    {"backendIPConfigurations", M},
    {"backendIPConfiguration", M},
    {"loadBalancerBackendAddresses", M},
    {"networkInterfaceIPConfiguration", M},
    {"loadBalancingRules", M},
    {"inboundNatRules", M},
    {"outboundRules", M},
    {"frontendPort", M},
    {"backendPort", M},
    {"frontendPortRangeStart", M},
    {"frontendPortRangeEnd", M},
    {"enableFloatingIP", M},
    {"disableOutboundSnat", M},
    {"publicIpAddresses", M},
    /* firewalls, application gateways, bastions */
    {"hubIPAddresses", M},
    {"gatewayIPConfigurations", M},
    {"backendAddresses", M},
    {"fqdn", M},
    {"backendHttpSettingsCollection", M},
    {"port", M},
    /* private endpoints (subnets and NICs) */
    {"privateEndpoint", M},
    {"privateEndpointNetworkPolicies", M},
    /* Virtual Network Manager: admin rules, rule collections, network
     * groups, static members, deployment status, effective admin rules */
    {"sources", M},
    {"destinations", M},
    {"addressPrefixType", M},
    {"appliesToGroups", M},
    {"networkGroupId", M},
    {"memberType", M},
    {"resourceId", M},
    {"region", M},
    {"deploymentStatus", M},
    {"configurationIds", M},
    {"commitTime", I},
    {"virtualNetwork", M},
    {"rules", M},
    /* Azure Policy definitions adding members to network groups */
    {"policyRule", M},
    {"then", M},
    {"details", M},
    /* Azure's per-NIC tag expansion */
    {"target", M},
    {"tags", M},
    /* every resource */
    {"provisioningState", I},
};

const char *nsg_model_arm_field(const char *key, enum nsg_model_field_use *use)
{
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        if (!strcasecmp(key, fields[i].name)) {
            if (use)
                *use = fields[i].use;
            return fields[i].name;
        }
    return NULL;
}
