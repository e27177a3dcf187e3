# gen_good.py - writes the good configuration fixtures in good/ (ARM, az CLI,
# REST example, effective rules, Service Tags shapes).  Run from anywhere.
import json, copy, os
D=os.path.join(os.path.dirname(os.path.abspath(__file__)), 'good') + '/'
SUB='/subscriptions/d1f1c9a2-5b7e-4c3a-9f0e-2a6b8c4d1e77/resourceGroups/prod-rg/providers'
NET=SUB+'/Microsoft.Network'
def w(name, obj, bom=False, raw=None):
    text = raw if raw is not None else json.dumps(obj, indent=2) + "\n"
    with open(D+name, 'wb') as f:
        if bom: f.write(b'\xef\xbb\xbf')
        f.write(text.encode())

def rule(nsg, name, prio, direction, access, proto, src, dst, dport, sport='*', default=False, **extra):
    kind = 'defaultSecurityRules' if default else 'securityRules'
    props = {"provisioningState":"Succeeded","protocol":proto,"sourcePortRange":sport,
             "destinationPortRange":dport,"sourceAddressPrefix":src,"destinationAddressPrefix":dst,
             "access":access,"priority":prio,"direction":direction,
             "sourcePortRanges":[],"destinationPortRanges":[],"sourceAddressPrefixes":[],"destinationAddressPrefixes":[]}
    props.update(extra)
    return {"name":name,"id":f"{NET}/networkSecurityGroups/{nsg}/{kind}/{name}",
            "etag":"W/\"7f0c5e2a-1b2c-4d3e-8f9a-0b1c2d3e4f5a\"",
            "type":f"Microsoft.Network/networkSecurityGroups/{kind}","properties":props}

DEFAULTS=[("AllowVnetInBound",65000,"Inbound","Allow","VirtualNetwork","VirtualNetwork"),
 ("AllowAzureLoadBalancerInBound",65001,"Inbound","Allow","AzureLoadBalancer","*"),
 ("DenyAllInBound",65500,"Inbound","Deny","*","*"),
 ("AllowVnetOutBound",65000,"Outbound","Allow","VirtualNetwork","VirtualNetwork"),
 ("AllowInternetOutBound",65001,"Outbound","Allow","*","Internet"),
 ("DenyAllOutBound",65500,"Outbound","Deny","*","*")]
def defaults(nsg):
    return [rule(nsg,n,p,d,a,"*",s,t,"*",default=True, description="default rule") for n,p,d,a,s,t in DEFAULTS]

def nsg(name, rules, guid, nics=(), subnets=(), with_defaults=True):
    props={"provisioningState":"Succeeded","resourceGuid":guid,"securityRules":rules}
    if with_defaults: props["defaultSecurityRules"]=defaults(name)
    if nics: props["networkInterfaces"]=[{"id":f"{NET}/networkInterfaces/{n}"} for n in nics]
    if subnets: props["subnets"]=[{"id":f"{NET}/virtualNetworks/{v}/subnets/{s}"} for v,s in subnets]
    return {"name":name,"id":f"{NET}/networkSecurityGroups/{name}",
            "etag":"W/\"3c2b1a09-8f7e-4d6c-b5a4-9382716f5e4d\"","type":"Microsoft.Network/networkSecurityGroups",
            "location":"westeurope","tags":{"env":"prod"},"properties":props}

web_rules=[
  rule("web-nsg","AllowHttpsFromInternet",100,"Inbound","Allow","Tcp","Internet","*","443"),
  rule("web-nsg","AllowSshFromOffice",110,"Inbound","Allow","Tcp","","*","22",
       sourceAddressPrefixes=["203.0.113.0/24","198.51.100.7"], sourceAddressPrefix=""),
  rule("web-nsg","AllowAppFromWeb",120,"Inbound","Allow","Tcp","","","",
       sourceApplicationSecurityGroups=[{"id":f"{NET}/applicationSecurityGroups/web-asg"}],
       destinationApplicationSecurityGroups=[{"id":f"{NET}/applicationSecurityGroups/app-asg"}],
       destinationPortRanges=["8080","8443-8444"], destinationPortRange=""),
  rule("web-nsg","AllowIpv6Https",130,"Inbound","Allow","Tcp","2001:db8:100::/48","2001:db8:200::10","443"),
  rule("web-nsg","DenyTelnet",100,"Outbound","Deny","*","*","*","23", description="same priority, other direction"),
  rule("web-nsg","AllowStorage",200,"Outbound","Allow","Tcp","VirtualNetwork","Storage.WestEurope","443"),
  rule("web-nsg","AllowIcmp",210,"Outbound","Allow","Icmp","10.1.0.0/16","0.0.0.0/0","*"),
]
web = nsg("web-nsg", web_rules, "5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
          nics=["web-vm1-nic"], subnets=[("hub-vnet","web-subnet")])
db = nsg("db-nsg", [rule("db-nsg","AllowSqlFromApp",100,"Inbound","Allow","Tcp","10.1.2.0/24","*","1433")],
         "6b2c3d4e-5f60-4b7c-9d8e-0f1a2b3c4d5e", subnets=[("hub-vnet","db-subnet")], with_defaults=False)
w("arm_list_nsg.json", {"value":[web, db], "nextLink": None})

vnet = {"name":"hub-vnet","id":f"{NET}/virtualNetworks/hub-vnet","etag":"W/\"aa\"",
  "type":"Microsoft.Network/virtualNetworks","location":"westeurope",
  "properties":{"provisioningState":"Succeeded","resourceGuid":"0b6b1b0e-0000-4000-8000-000000000001",
   "addressSpace":{"addressPrefixes":["10.1.0.0/16","fd00:1::/48"]},
   "subnets":[
     {"name":"web-subnet","id":f"{NET}/virtualNetworks/hub-vnet/subnets/web-subnet","etag":"W/\"ab\"",
      "properties":{"addressPrefix":"10.1.1.0/24","networkSecurityGroup":{"id":f"{NET}/networkSecurityGroups/web-nsg"},
        "routeTable":{"id":f"{NET}/routeTables/hub-routes"},"ipConfigurations":[{"id":f"{NET}/networkInterfaces/web-vm1-nic/ipConfigurations/ipconfig1"}],
        "privateEndpointNetworkPolicies":"Disabled"},"type":"Microsoft.Network/virtualNetworks/subnets"},
     {"name":"db-subnet","id":f"{NET}/virtualNetworks/hub-vnet/subnets/db-subnet",
      "properties":{"addressPrefixes":["10.1.2.0/24","fd00:1:0:2::/64"],"networkSecurityGroup":{"id":f"{NET}/networkSecurityGroups/db-nsg"}}}],
   "virtualNetworkPeerings":[
     {"name":"hub-to-spoke","id":f"{NET}/virtualNetworks/hub-vnet/virtualNetworkPeerings/hub-to-spoke",
      "properties":{"peeringState":"Connected","peeringSyncLevel":"FullyInSync",
        "remoteVirtualNetwork":{"id":f"{NET}/virtualNetworks/spoke-vnet"},"allowVirtualNetworkAccess":True,
        "allowForwardedTraffic":False,"remoteAddressSpace":{"addressPrefixes":["10.2.0.0/16"]}}},
     {"name":"hub-to-old","properties":{"peeringState":"Disconnected",
        "remoteVirtualNetwork":{"id":f"{NET}/virtualNetworks/old-vnet"},"allowVirtualNetworkAccess":False,
        "remoteAddressSpace":{"addressPrefixes":["10.9.0.0/16"]}}}],
   "enableDdosProtection":False}}
w("arm_single_vnet.json", vnet)

nic = {"name":"web-vm1-nic","id":f"{NET}/networkInterfaces/web-vm1-nic","type":"Microsoft.Network/networkInterfaces",
  "location":"westeurope","properties":{"macAddress":"00-0D-3A-12-34-56","primary":True,
   "networkSecurityGroup":{"id":f"{NET}/networkSecurityGroups/web-nsg"},
   "virtualMachine":{"id":SUB+"/Microsoft.Compute/virtualMachines/web-vm1"},
   "ipConfigurations":[
    {"name":"ipconfig1","id":f"{NET}/networkInterfaces/web-vm1-nic/ipConfigurations/ipconfig1",
     "properties":{"privateIPAddress":"10.1.1.4","privateIPAllocationMethod":"Dynamic","privateIPAddressVersion":"IPv4",
      "subnet":{"id":f"{NET}/virtualNetworks/hub-vnet/subnets/web-subnet"},"primary":True,
      "publicIPAddress":{"id":f"{NET}/publicIPAddresses/web-vm1-pip"},
      "applicationSecurityGroups":[{"id":f"{NET}/applicationSecurityGroups/web-asg"}]}},
    {"name":"ipconfig-v6","id":f"{NET}/networkInterfaces/web-vm1-nic/ipConfigurations/ipconfig-v6",
     "properties":{"privateIPAddress":"fd00:1:0:1::4","privateIPAddressVersion":"IPv6","primary":False,
      "subnet":{"id":f"{NET}/virtualNetworks/hub-vnet/subnets/web-subnet"}}}]}}
pip = {"name":"web-vm1-pip","id":f"{NET}/publicIPAddresses/web-vm1-pip","type":"Microsoft.Network/publicIPAddresses",
  "location":"westeurope","sku":{"name":"Standard"},"properties":{"ipAddress":"20.50.60.70","publicIPAllocationMethod":"Static",
  "ipConfiguration":{"id":f"{NET}/networkInterfaces/web-vm1-nic/ipConfigurations/ipconfig1"}}}
vm = {"name":"web-vm1","id":SUB+"/Microsoft.Compute/virtualMachines/web-vm1","type":"Microsoft.Compute/virtualMachines",
  "location":"westeurope","properties":{"vmId":"1234","hardwareProfile":{"vmSize":"Standard_B2s"},
  "networkProfile":{"networkInterfaces":[{"id":f"{NET}/networkInterfaces/web-vm1-nic","properties":{"primary":True}}]}}}
asg = {"name":"web-asg","id":f"{NET}/applicationSecurityGroups/web-asg","type":"Microsoft.Network/applicationSecurityGroups",
  "location":"westeurope","properties":{"provisioningState":"Succeeded","resourceGuid":"x"}}
rt = {"name":"hub-routes","id":f"{NET}/routeTables/hub-routes","type":"Microsoft.Network/routeTables","location":"westeurope",
  "properties":{"disableBgpRoutePropagation":False,"routes":[
   {"name":"to-fw","id":f"{NET}/routeTables/hub-routes/routes/to-fw","properties":{"addressPrefix":"0.0.0.0/0","nextHopType":"VirtualAppliance","nextHopIpAddress":"10.1.0.4"}},
   {"name":"storage-direct","properties":{"addressPrefix":"Storage","nextHopType":"Internet"}}]}}
site = {"name":"shop","id":SUB+"/Microsoft.Web/sites/shop","type":"Microsoft.Web/sites","location":"westeurope","properties":{}}
w("arm_array.json", [nic, pip, vm, asg, rt, site])

# REST API example file (azure-rest-api-specs examples/NetworkSecurityGroupCreateWithRule.json shape)
body = {"name":"testnsg","id":"/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/networkSecurityGroups/testnsg",
  "type":"Microsoft.Network/networkSecurityGroups","location":"eastus","etag":"W/\"00000000-0000-0000-0000-000000000000\"",
  "properties":{"provisioningState":"Succeeded","resourceGuid":"00000000-0000-0000-0000-000000000001",
  "securityRules":[{"name":"rule1","id":"/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network/networkSecurityGroups/testnsg/securityRules/rule1",
    "etag":"W/\"00000000-0000-0000-0000-000000000000\"","properties":{"provisioningState":"Succeeded","protocol":"*",
    "sourcePortRange":"*","destinationPortRange":"80","sourceAddressPrefix":"*","destinationAddressPrefix":"*",
    "access":"Allow","priority":130,"direction":"Inbound"}}],
  "defaultSecurityRules":[ r for r in defaults("testnsg") ]}}
for r in body["properties"]["defaultSecurityRules"]:
    r["id"]=r["id"].replace(NET,"/subscriptions/subid/resourceGroups/rg1/providers/Microsoft.Network")
w("rest_example.json", {"parameters":{"api-version":"2024-05-01","subscriptionId":"subid","resourceGroupName":"rg1",
   "networkSecurityGroupName":"testnsg","parameters":{"properties":{"securityRules":[{"name":"rule1","properties":{"protocol":"*"}}]}}},
   "responses":{"200":{"body":body},"201":{"body":body}}})

# az network nsg show: flattened, resourceGroup, old az both fields
def flat(r):
    out = {k:v for k,v in r.items() if k!="properties"}
    out.update(r["properties"]); out["resourceGroup"]="prod-rg"; return out
az_nsg = {k:v for k,v in web.items() if k!="properties"}
az_nsg.update({"resourceGroup":"prod-rg","provisioningState":"Succeeded","resourceGuid":web["properties"]["resourceGuid"],
  "securityRules":[flat(r) for r in web_rules],"defaultSecurityRules":[flat(r) for r in defaults("web-nsg")],
  "networkInterfaces":web["properties"]["networkInterfaces"],"subnets":web["properties"]["subnets"],
  "flowLogs":None})
w("az_nsg_show.json", az_nsg)
az_db = {k:v for k,v in db.items() if k!="properties"}
az_db.update({"resourceGroup":"prod-rg","securityRules":[flat(r) for r in db["properties"]["securityRules"]],"subnets":db["properties"]["subnets"]})
w("az_nsg_list.json", [az_nsg, az_db])
# az network nsg rule list for two NSGs (no type field in old az output)
rl = [flat(r) for r in web_rules[:3]] + [flat(r) for r in db["properties"]["securityRules"]]
for r in rl: r.pop("type", None)
w("az_rule_list.json", rl)
# az network vnet list
az_vnet = {k:v for k,v in vnet.items() if k!="properties"}
az_vnet.update({"resourceGroup":"prod-rg","addressSpace":vnet["properties"]["addressSpace"],
  "subnets":[flat(s) for s in vnet["properties"]["subnets"]],
  "virtualNetworkPeerings":[flat(p) for p in vnet["properties"]["virtualNetworkPeerings"]],"dhcpOptions":{"dnsServers":[]}})
w("az_vnet_list.json", [az_vnet])
# az network nic list (old az: privateIpAddress casing)
az_nic = {k:v for k,v in nic.items() if k!="properties"}
az_nic.update({"resourceGroup":"prod-rg","macAddress":"00-0D-3A-12-34-56","networkSecurityGroup":nic["properties"]["networkSecurityGroup"],
  "virtualMachine":nic["properties"]["virtualMachine"],"enableAcceleratedNetworking":False,
  "ipConfigurations":[]})
for c in nic["properties"]["ipConfigurations"]:
    fc = {k:v for k,v in c.items() if k!="properties"}
    for k,v in c["properties"].items():
        fc[k.replace("privateIPAddress","privateIpAddress") if k=="privateIPAddress" else k]=v
    fc["resourceGroup"]="prod-rg"
    az_nic["ipConfigurations"].append(fc)
nic2 = copy.deepcopy(az_nic); nic2["name"]="app-vm1-nic"; nic2["id"]=f"{NET}/networkInterfaces/app-vm1-nic"
nic2["macAddress"]="000d3a654321"; nic2["networkSecurityGroup"]=None; nic2["virtualMachine"]=None
nic2["ipConfigurations"]=[{"name":"ipconfig1","id":f"{NET}/networkInterfaces/app-vm1-nic/ipConfigurations/ipconfig1",
  "privateIpAddress":"10.1.3.5","primary":True,"subnet":{"id":f"{NET}/virtualNetworks/hub-vnet/subnets/app-subnet"}}]
w("az_nic_list.json", [az_nic, nic2])

# az network nic list-effective-nsg
def eff(name, prio, direction, access, proto, src, dst, dport, exp_src, exp_dst, sport="0-65535"):
    return {"name":name,"protocol":proto,"sourcePortRange":sport,"destinationPortRange":dport,
      "sourceAddressPrefix":src,"destinationAddressPrefix":dst,"expandedSourceAddressPrefix":exp_src,
      "expandedDestinationAddressPrefix":exp_dst,"access":access,"priority":prio,"direction":direction,
      "sourcePortRanges":[sport],"destinationPortRanges":[dport],"sourceAddressPrefixes":[src],"destinationAddressPrefixes":[dst],
      "additionalProperties":{}}
rules_eff = [eff("securityRules/AllowSSH",100,"Inbound","Allow","Tcp","VirtualNetwork","0.0.0.0/0","22-22",["10.1.0.0/16","168.63.129.16/32"],None),
  eff("securityRules/AllowWeb",110,"Inbound","Allow","All","Internet","0.0.0.0/0","443-443",None,None),
  eff("defaultSecurityRules/AllowVnetInBound",65000,"Inbound","Allow","All","VirtualNetwork","VirtualNetwork","0-65535",["10.1.0.0/16"],["10.1.0.0/16"]),
  eff("defaultSecurityRules/AllowAzureLoadBalancerInBound",65001,"Inbound","Allow","All","AzureLoadBalancer","0.0.0.0/0","0-65535",["168.63.129.16/32"],None),
  eff("defaultSecurityRules/DenyAllInBound",65500,"Inbound","Deny","All","0.0.0.0/0","0.0.0.0/0","0-65535",None,None),
  eff("defaultSecurityRules/AllowVnetOutBound",65000,"Outbound","Allow","All","VirtualNetwork","VirtualNetwork","0-65535",None,None),
  eff("defaultSecurityRules/AllowInternetOutBound",65001,"Outbound","Allow","All","0.0.0.0/0","Internet","0-65535",None,None),
  eff("defaultSecurityRules/DenyAllOutBound",65500,"Outbound","Deny","All","0.0.0.0/0","0.0.0.0/0","0-65535",None,None)]
w("az_effective_nsg.json", {"value":[
  {"networkSecurityGroup":{"id":f"{NET}/networkSecurityGroups/web-nsg"},
   "association":{"networkInterface":{"id":f"{NET}/networkInterfaces/web-vm1-nic"}},"effectiveSecurityRules":rules_eff,"tagMap":{}},
  {"networkSecurityGroup":{"id":f"{NET}/networkSecurityGroups/web-nsg"},
   "association":{"subnet":{"id":f"{NET}/virtualNetworks/hub-vnet/subnets/web-subnet"}},"effectiveSecurityRules":rules_eff}]})

# BOM + single NSG (also the one-NSG file for load_nsg_file)
w("bom_nsg.json", db, bom=True)

# old az: singular + plural both present (unused one "", [] or null, or both the same)
old = {"name":"legacy-nsg","id":f"{NET}/networkSecurityGroups/legacy-nsg","location":"westeurope","resourceGroup":"prod-rg",
 "securityRules":[
  {"name":"r1","priority":100,"direction":"Inbound","access":"Allow","protocol":"Tcp",
   "sourceAddressPrefix":"","sourceAddressPrefixes":["10.0.0.0/8","192.168.0.0/16"],
   "destinationAddressPrefix":"*","destinationAddressPrefixes":[],
   "sourcePortRange":"*","sourcePortRanges":None,"destinationPortRange":None,"destinationPortRanges":["80","443"]},
  {"name":"r2","priority":"110","direction":"inbound","access":"deny","protocol":"UDP",
   "sourceAddressPrefix":"172.16.0.0/12","sourceAddressPrefixes":["172.16.0.0/12"],
   "destinationAddressPrefix":"10.0.0.5","destinationAddressPrefixes":["10.0.0.5","10.0.0.6"],
   "sourcePortRange":"53","sourcePortRanges":["53"],"destinationPortRange":"53-53","destinationPortRanges":[]}]}
w("az_old_both_fields.json", old)

# variations: protocol case, All, "22-22", unknown fields, missing optional fields
var = {"id":f"{NET}/networkSecurityGroups/var-nsg","type":"microsoft.network/NETWORKSECURITYGROUPS",
 "futureField":{"nested":[1,2,3]},
 "properties":{"someNewSetting":True,"securityRules":[
  {"name":"tcp-upper","properties":{"protocol":"TCP","access":"Allow","direction":"Inbound","priority":100,
    "sourceAddressPrefix":"*","destinationAddressPrefix":"*","sourcePortRange":"*","destinationPortRange":"22-22","unknownRuleField":"x"}},
  {"name":"all-proto","properties":{"protocol":"All","access":"Deny","direction":"Inbound","priority":4096,
    "sourceAddressPrefix":"Internet","destinationAddressPrefix":"*","sourcePortRange":"*","destinationPortRange":"*"}},
  {"name":"esp","properties":{"protocol":"esp","access":"Allow","direction":"Outbound","priority":300,
    "sourceAddressPrefix":"*","destinationAddressPrefix":"AzureCloud.westeurope","sourcePortRange":"*","destinationPortRange":"*"}},
  {"name":"ah","properties":{"protocol":"Ah","access":"Allow","direction":"Outbound","priority":301,
    "sourceAddressPrefix":"*","destinationAddressPrefix":"2001:db8::/32","sourcePortRange":"*","destinationPortRange":"*"}}]}}
w("variations.json", var)

# Service Tags (small sample of the weekly file's shape)
w("ServiceTags_Public_20261116.json", {"changeNumber":312,"cloud":"Public","values":[
 {"name":"Storage","id":"Storage","properties":{"changeNumber":140,"region":"","regionId":0,"platform":"Azure","systemService":"AzureStorage",
   "addressPrefixes":["13.65.0.0/16","20.38.96.0/19","2603:1000:4::/48"],"networkFeatures":["API","NSG","UDR","FW"]}},
 {"name":"Storage.WestEurope","id":"Storage.WestEurope","properties":{"changeNumber":40,"region":"westeurope","regionId":18,"platform":"Azure","systemService":"AzureStorage",
   "addressPrefixes":["20.38.108.0/23","20.38.110.0/23","2603:1020:206::/48"],"networkFeatures":["API","NSG"]}},
 {"name":"AzureCloud.westeurope","id":"AzureCloud.westeurope","properties":{"changeNumber":90,"region":"westeurope","regionId":18,"platform":"Azure","systemService":"",
   "addressPrefixes":["13.69.0.0/17","13.73.128.0/18","20.50.0.0/18"],"networkFeatures":None}},
 {"name":"EmptyTag","id":"EmptyTag","properties":{"changeNumber":1,"addressPrefixes":[]}}]})

w("two_nsgs.json", {"value":[web, db]})
w("no_nsg.json", [asg])
# az network vnet subnet list (flattened subnets on their own)
subs=[flat(s) for s in vnet["properties"]["subnets"]]
for s_ in subs: s_.pop("etag", None)
w("az_subnet_list.json", subs)
