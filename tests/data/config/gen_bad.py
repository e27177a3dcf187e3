# gen_bad.py - writes the bad configuration fixtures in bad/ and prints the
# bad_cases table of tests/check_importer.c (file, JSON path, problem).
import json, copy, os
D=os.path.join(os.path.dirname(os.path.abspath(__file__)), 'bad') + '/'
NET='/subscriptions/d1f1c9a2-5b7e-4c3a-9f0e-2a6b8c4d1e77/resourceGroups/prod-rg/providers/Microsoft.Network'
def base_rule(**kw):
    p={"protocol":"Tcp","sourcePortRange":"*","destinationPortRange":"443","sourceAddressPrefix":"*",
       "destinationAddressPrefix":"10.0.0.0/24","access":"Allow","priority":100,"direction":"Inbound"}
    for k,v in kw.items():
        if v is DEL: p.pop(k,None)
        else: p[k]=v
    return {"name":"rule-a","id":NET+"/networkSecurityGroups/bad-nsg/securityRules/rule-a","properties":p}
DEL=object()
def nsg_list(rules, **top):
    n={"name":"bad-nsg","id":NET+"/networkSecurityGroups/bad-nsg","type":"Microsoft.Network/networkSecurityGroups",
       "location":"westeurope","properties":{"securityRules":rules}}
    n.update(top)
    ok={"name":"ok-nsg","id":NET+"/networkSecurityGroups/ok-nsg","type":"Microsoft.Network/networkSecurityGroups","properties":{"securityRules":[]}}
    return {"value":[ok, n]}
cases=[]
def case(name, obj=None, path="", problem="", raw=None):
    text = raw if raw is not None else json.dumps(obj, indent=2)+"\n"
    open(D+name,'w').write(text)
    cases.append((name,path,problem))
R="$.value[1].properties.securityRules[0].properties"
case("malformed.json", raw='{"value": [\n  {"name": "x",, "id": 1}\n]}\n', path="line 2", problem="malformed JSON")
case("truncated.json", raw=json.dumps(nsg_list([base_rule()]), indent=2)[:300], path="$", problem="ends too early (truncated file?)")
case("truncated_in_string.json", raw='{"value": [{"name": "web-nsg", "id": "/subscriptions/d1f1c9a2-5b7e-4c3a', path="line 1", problem="ends too early (truncated file?)")
case("unbalanced_close.json", raw='{"value": [1, 2]]}\n', path="byte 16", problem="malformed JSON at line 1")
case("empty.json", raw="", path="$", problem="file is empty")
case("whitespace_only.json", raw="  \n\n", path="$", problem="file is empty")
case("top_number.json", raw="42\n", path="$", problem="got number")
case("top_string.json", raw='"hello"\n', path="$", problem="got string")
case("trailing_garbage.json", raw='{"value": []} extra\n', path="byte 14", problem="malformed JSON")
case("value_not_array.json", {"value":{"a":1}}, "$.value", "expected an array, got object")
case("list_element_number.json", {"value":[7]}, "$.value[0]", "expected a resource object, got number")
case("priority_string.json", nsg_list([base_rule(priority="high")]), R+".priority", 'priority "high" is not an integer')
case("priority_99.json", nsg_list([base_rule(priority=99)]), R+".priority", "priority 99 is out of range (100-4096)")
case("priority_4097.json", nsg_list([base_rule(priority=4097)]), R+".priority", "priority 4097 is out of range (100-4096)")
case("priority_negative.json", nsg_list([base_rule(priority=-100)]), R+".priority", "priority -100 is out of range")
case("priority_fraction.json", nsg_list([base_rule(priority=100.5)]), R+".priority", "priority 100.5 is not an integer")
case("priority_5000.json", nsg_list([base_rule(priority=5000)]), R+".priority", "priority 5000 is out of range (100-4096)")
r2=base_rule(); r2["name"]="rule-b"; r2["id"]=r2["id"].replace("rule-a","rule-b")
case("duplicate_priority.json", nsg_list([base_rule(), r2]), "$.value[1].properties.securityRules[1]", "duplicate priority 100 (Inbound)")
r3=base_rule(priority=200)
case("duplicate_name.json", nsg_list([base_rule(), r3]), "$.value[1].properties.securityRules[1]", "duplicate rule name 'rule-a'")
r4=base_rule(priority=110); r4["name"]="rule-b"
r5=base_rule(); r5["name"]="RULE-B"
case("duplicate_first_conflict.json", nsg_list([base_rule(), r4, r5]), "$.value[1].properties.securityRules[2]", "duplicate priority 100 (Inbound): rule 'rule-a' and rule 'RULE-B'")
r6=base_rule(priority=300); r6["name"]="Rule-A"
case("duplicate_name_case.json", nsg_list([base_rule(), r4, r6]), "$.value[1].properties.securityRules[2]", "duplicate rule name 'Rule-A'")
case("rules_not_array.json", {"value":[{"name":"bad-nsg","id":NET+"/networkSecurityGroups/bad-nsg","type":"Microsoft.Network/networkSecurityGroups","properties":{"securityRules":{"name":"x"}}}]},
     "$.value[0].properties.securityRules", "expected an array, got object")
case("properties_not_object.json", {"value":[{"name":"bad-nsg","id":NET+"/networkSecurityGroups/bad-nsg","type":"Microsoft.Network/networkSecurityGroups","properties":"oops"}]},
     "$.value[0].properties", "expected an object, got string")
case("prefixes_not_strings.json", nsg_list([base_rule(sourceAddressPrefix=DEL, sourceAddressPrefixes=["10.0.0.0/8", 17])]), R+".sourceAddressPrefixes[1]", "expected a string, got number")
case("prefixes_not_array.json", nsg_list([base_rule(sourceAddressPrefix=DEL, sourceAddressPrefixes="10.0.0.0/8")]), R+".sourceAddressPrefixes", "expected an array, got string")
case("cidr_len_33.json", nsg_list([base_rule(destinationAddressPrefix="10.0.0.0/33")]), R+".destinationAddressPrefix", "prefix length \"33\" is out of range (0-32)")
case("cidr_octet_256.json", nsg_list([base_rule(destinationAddressPrefix="10.0.0.256/24")]), R+".destinationAddressPrefix", "bad IPv4 address")
case("ip_300.json", nsg_list([base_rule(sourceAddressPrefix="300.1.1.1")]), R+".sourceAddressPrefix", "bad IPv4 address \"300.1.1.1\"")
case("cidr_no_length.json", nsg_list([base_rule(destinationAddressPrefix="10.0.0.0/")]), R+".destinationAddressPrefix", "missing prefix length")
case("bad_ipv6.json", nsg_list([base_rule(destinationAddressPrefix="2001:db8::g/64")]), R+".destinationAddressPrefix", "bad IPv6 address")
case("ipv6_len_129.json", nsg_list([base_rule(destinationAddressPrefix="2001:db8::/129")]), R+".destinationAddressPrefix", "out of range (0-128)")
case("bad_address_text.json", nsg_list([base_rule(sourceAddressPrefix="my office")]), R+".sourceAddressPrefix", "is not an address prefix, \"*\" or a service tag name")
case("mixed_families.json", nsg_list([base_rule(sourceAddressPrefix="2001:db8::/32")]), "$.value[1].properties.securityRules[0].properties", "mixes IPv4 and IPv6")
case("mixed_families_one_side.json", nsg_list([base_rule(destinationAddressPrefix=DEL, destinationAddressPrefixes=["10.0.0.0/24","fd00::/8"])]), "$.value[1].properties.securityRules[0].properties", "mixes IPv4 and IPv6")
case("port_70000.json", nsg_list([base_rule(destinationPortRange="70000")]), R+".destinationPortRange", "\"70000\" is not a port or port range")
case("port_reversed.json", nsg_list([base_rule(destinationPortRange="10-5")]), R+".destinationPortRange", "\"10-5\" is not a port or port range")
case("port_text.json", nsg_list([base_rule(sourcePortRange=DEL, sourcePortRanges=["80","abc"])]), R+".sourcePortRanges[1]", "\"abc\" is not a port or port range")
case("protocol_tcpx.json", nsg_list([base_rule(protocol="Tcpx")]), R+".protocol", "protocol \"Tcpx\" is not one of")
case("access_bad.json", nsg_list([base_rule(access="Permit")]), R+".access", "access \"Permit\" is not Allow or Deny")
case("direction_bad.json", nsg_list([base_rule(direction="Sideways")]), R+".direction", "direction \"Sideways\" is not Inbound or Outbound")
case("missing_access.json", nsg_list([base_rule(access=DEL)]), R+".access", "missing required field \"access\"")
case("missing_direction.json", nsg_list([base_rule(direction=DEL)]), R+".direction", "missing required field \"direction\"")
case("missing_priority.json", nsg_list([base_rule(priority=DEL)]), R+".priority", "missing required field \"priority\"")
case("missing_protocol.json", nsg_list([base_rule(protocol=DEL)]), R+".protocol", "missing required field \"protocol\"")
case("missing_source.json", nsg_list([base_rule(sourceAddressPrefix=DEL)]), R, "no source")
case("bad_resource_id.json", {"value":[{"name":"x","id":"/subscriptions/abc/networkSecurityGroups/x","type":"Microsoft.Network/networkSecurityGroups","properties":{}}]},
     "$.value[0].id", "is not an Azure resource id")
case("bad_reference_id.json", [{"name":"nic1","id":NET+"/networkInterfaces/nic1","type":"Microsoft.Network/networkInterfaces",
     "properties":{"networkSecurityGroup":{"id":"web-nsg"},"ipConfigurations":[]}}], "$[0].properties.networkSecurityGroup.id", "\"web-nsg\" is not an Azure resource id")
case("bad_mac.json", [{"name":"nic1","id":NET+"/networkInterfaces/nic1","type":"Microsoft.Network/networkInterfaces",
     "properties":{"macAddress":"00-0D-3A-ZZ-34-56","ipConfigurations":[]}}], "$[0].properties.macAddress", "\"00-0D-3A-ZZ-34-56\" is not a MAC address")
case("bad_private_ip.json", [{"name":"nic1","id":NET+"/networkInterfaces/nic1","type":"Microsoft.Network/networkInterfaces",
     "properties":{"ipConfigurations":[{"name":"ipconfig1","properties":{"privateIPAddress":"10.0.0.999"}}]}}],
     "$[0].properties.ipConfigurations[0].properties.privateIPAddress", "\"10.0.0.999\" is not an IPv4 or IPv6 address")
case("ip_version_mismatch.json", [{"name":"nic1","id":NET+"/networkInterfaces/nic1","type":"Microsoft.Network/networkInterfaces",
     "properties":{"ipConfigurations":[{"name":"ipconfig1","properties":{"privateIPAddress":"10.0.0.9","privateIPAddressVersion":"IPv6"}}]}}],
     "$[0].properties.ipConfigurations[0].properties.privateIPAddress", "does not match privateIPAddressVersion \"IPv6\"")
case("bom_malformed.json", raw='\ufeff{"value": [}', path="byte 14", problem="malformed JSON")
case("bad_peering_bool.json", {"name":"v","id":NET+"/virtualNetworks/v","type":"Microsoft.Network/virtualNetworks",
     "properties":{"addressSpace":{"addressPrefixes":["10.0.0.0/16"]},"virtualNetworkPeerings":[{"name":"p","properties":{"allowVirtualNetworkAccess":"maybe","peeringState":"Connected"}}]}},
     "$.properties.virtualNetworkPeerings[0].properties.allowVirtualNetworkAccess", "expected true or false, got string")
case("bad_route_prefix.json", {"name":"rt","id":NET+"/routeTables/rt","type":"Microsoft.Network/routeTables",
     "properties":{"routes":[{"name":"r","properties":{"addressPrefix":"10.0.0.0/36","nextHopType":"None"}}]}},
     "$.properties.routes[0].properties.addressPrefix", "out of range (0-32)")
case("effective_bad_rule.json", {"value":[{"networkSecurityGroup":{"id":NET+"/networkSecurityGroups/web-nsg"},
     "association":{"networkInterface":{"id":NET+"/networkInterfaces/nic1"}},"effectiveSecurityRules":[
     {"name":"securityRules/X","protocol":"Tcp","sourcePortRange":"0-65535","destinationPortRange":"22-22","sourceAddressPrefix":"*",
      "destinationAddressPrefix":"*","access":"Allow","priority":100,"direction":"Upward"}]}]},
     "$.value[0].effectiveSecurityRules[0].direction", "direction \"Upward\" is not Inbound or Outbound")
case("bad_vnet_space.json", {"name":"v","id":NET+"/virtualNetworks/v","type":"Microsoft.Network/virtualNetworks",
     "properties":{"addressSpace":{"addressPrefixes":["10.0.0.0/16","10.1.0.0/8x"]}}}, "$.properties.addressSpace.addressPrefixes[1]", "prefix length \"8x\" is not a number")
case("bad_subnet_prefix.json", {"name":"v","id":NET+"/virtualNetworks/v","type":"Microsoft.Network/virtualNetworks",
     "properties":{"addressSpace":{"addressPrefixes":["10.0.0.0/16"]},"subnets":[{"name":"s1","properties":{"addressPrefix":"10.0.1.0/24"}},{"name":"s2","properties":{"addressPrefix":"10.0.2.0/240"}}]}},
     "$.properties.subnets[1].properties.addressPrefix", "out of range (0-32)")
case("bad_service_tag_prefix.json", {"changeNumber":1,"cloud":"Public","values":[
     {"name":"Storage","id":"Storage","properties":{"addressPrefixes":["13.65.0.0/16"]}},
     {"name":"Sql","id":"Sql","properties":{"addressPrefixes":["13.66.0.0/16","1.2.3.0/24","13.67.0.0/40"]}}]},
     "$.values[1].properties.addressPrefixes[2]", "\"13.67.0.0/40\" is not a valid CIDR")
case("service_tags_values_not_array.json", {"changeNumber":1,"cloud":"Public","values":"none"}, "$.values", "expected an array, got string")
az=[{"name":"ok","id":NET+"/networkSecurityGroups/n1/securityRules/ok","priority":100,"direction":"Inbound","access":"Allow","protocol":"Tcp",
     "sourceAddressPrefix":"*","destinationAddressPrefix":"*","sourcePortRange":"*","destinationPortRange":"22"},
    {"name":"bad","id":NET+"/networkSecurityGroups/n1/securityRules/bad","priority":5000,"direction":"Inbound","access":"Allow","protocol":"Tcp",
     "sourceAddressPrefix":"*","destinationAddressPrefix":"*","sourcePortRange":"*","destinationPortRange":"22"}]
case("az_rule_priority.json", az, "$[1].priority", "priority 5000 is out of range (100-4096)")
az2=copy.deepcopy(az); az2[1]["priority"]=100; 
case("az_rule_duplicate_priority.json", az2, "NSG assembled from rules", "duplicate priority 100 (Inbound)")
flatnsg={"name":"flat","id":NET+"/networkSecurityGroups/flat","resourceGroup":"prod-rg","securityRules":[
    {"name":"r","priority":100,"direction":"Inbound","access":"Allow","protocol":"Tcp","sourceAddressPrefix":"*",
     "destinationAddressPrefix":"10.0.0.0/8","sourcePortRange":"*","destinationPortRange":"65536"}]}
case("az_show_bad_port.json", flatnsg, "$.securityRules[0].destinationPortRange", "\"65536\" is not a port")
case("too_big.json", raw='{"value": []}' + " "*200 + "\n", path="$", problem="larger than the limit")
print("static const struct bad_case bad_cases[] = {")
def c(s): return json.dumps(s)
for n,p,pr in cases: print(f"    {{{c(n)}, {c(p)}, {c(pr)}}},")
print("};")
