/* model_admin.h - the model of Azure Virtual Network Manager security admin
 * rules (configurations, rule collections, rules, network groups and their
 * static members, deployment status, the per-VNet effective admin rules,
 * the Azure Policy definitions that add members dynamically) and of Azure's
 * own per-NIC expansion of service tags.  Included by model.h; every struct
 * starts with `char *id, *name` like the other resources. */
#ifndef NSG_MODEL_ADMIN_H
#define NSG_MODEL_ADMIN_H

/* Allow hands the packet on to the NSGs; Deny and AlwaysAllow end. */
enum nsg_admin_access {
    NSG_ADMIN_ALLOW,
    NSG_ADMIN_DENY,
    NSG_ADMIN_ALWAYS_ALLOW
};
/* "Allow", "Deny", "AlwaysAllow". */
const char *nsg_admin_access_name(enum nsg_admin_access a);

/* One security admin rule (kind Custom, or Default in effective output).
 * r holds the fields an NSG rule has (r.access is Allow for Allow and
 * AlwaysAllow; r.name is the rule's name). */
struct nsg_admin_rule {
    char *id, *name;
    char *collection_id;  /* parent id (derived from the id) */
    char *configuration;  /* configuration name (from the id) */
    char *collection;     /* rule collection name (from the id) */
    enum nsg_admin_access access;
    struct nsg_rule r;
};

struct nsg_admin_collection {
    char *id, *name;
    char *config_id;  /* parent id */
    char **group_ids; /* appliesToGroups[].networkGroupId */
    size_t n_group_ids;
};

struct nsg_admin_config {
    char *id, *name;
    char *manager_id; /* parent id */
};

struct nsg_network_group {
    char *id, *name;
    char *manager_id;
    char *member_type; /* "VirtualNetwork", "Subnet" or NULL */
};

/* networkGroups/{g}/staticMembers/{m}: resourceId is a virtual network. */
struct nsg_static_member {
    char *id, *name;
    char *group_id;    /* parent id */
    char *resource_id; /* properties.resourceId */
};

/* One region's security admin deployment of a network manager (from `az
 * network manager list-deploy-status`): the configurations committed to
 * the region (its goal state) and the status of that commit.  id is
 * synthesized: {manager}/deploymentStatus/{region}. */
struct nsg_admin_deployment {
    char *id, *name;
    char *manager_id;
    char *region;   /* as written ("eastus") */
    char *status;   /* "Deployed", "Deploying", "NotStarted", "Failed" */
    char *commit_time;
    char **config_ids;
    size_t n_config_ids;
};

/* The effective security admin rules of one virtual network (the
 * listNetworkManagerEffectiveSecurityAdminRules response).  id is
 * synthesized: {vnet}/effectiveSecurityAdminRules/current. */
struct nsg_admin_effective {
    char *id, *name;
    char *vnet_id;
    struct nsg_admin_rule *rules;
    size_t n_rules;
};

/* An Azure Policy definition whose effect adds virtual networks to network
 * groups (addToNetworkGroup): those groups have dynamic membership. */
struct nsg_group_policy {
    char *id, *name;
    char **group_ids;
    size_t n_group_ids;
};

/* Azure's expansion of the tags named by the effective security rules of
 * one NIC or subnet (az network nic list-effective-nsg):
 * tags[i] expands to sets[i].  id is synthesized:
 * {target}/effectiveTagExpansion/current. */
struct nsg_tag_expansion {
    char *id, *name;
    char *target_id; /* a NIC or a subnet */
    char **tags;
    struct nsg_addrset *sets;
    size_t n;
};

void nsg_admin_rule_release(struct nsg_admin_rule *r);
/* Frees a resource of one of the types of this header (NULL-safe). */
void nsg_admin_res_free(enum nsg_res_type type, void *res);

/* Azure's expansion for a NIC: the one recorded for the NIC, else for its
 * subnet (NULL: none).  The expansion of tag `tag`, or NULL. */
const struct nsg_tag_expansion *
nsg_topo_tag_expansion(const struct nsg_topology *t, const struct nsg_nic *nic,
                       const struct nsg_subnet *sub);
const struct nsg_addrset *
nsg_tag_expansion_get(const struct nsg_tag_expansion *e, const char *tag);
/* "{vnet}/effectiveSecurityAdminRules/current" and the like: child id of
 * a resource (newly allocated). */
char *nsg_id_child(const char *parent, const char *type, const char *name);

#endif
