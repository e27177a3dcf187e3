/* map_doc_int.h - internal to the map document builder (map_doc.c, the
 * topology part; map_doc_traffic.c, the traffic part). */
#ifndef NSG_MAP_DOC_INT_H
#define NSG_MAP_DOC_INT_H

#include "map_int.h"

struct nsg_map_docb {
    const struct nsg_map_net *net;
    const struct nsg_map_assessment *a;
    const struct nsg_map_traffic *tr;
    cJSON *nodes, *edges, *nsgs;
    GHashTable *node_of;  /* resource pointer -> node id (char *) */
    GHashTable *stubs;    /* lower-case id of a vnet outside -> node id */
    GHashTable *nsg_ref;  /* "nsg|vnet" -> id (char *) */
    GHashTable *findings; /* resource pointer -> cJSON array */
    unsigned n_edge;
};

/* The node id of a resource (NULL when it has no node). */
const char *nsg_map_doc_node_id(const struct nsg_map_docb *d, const void *res);
/* A new node in the document (res may be NULL). */
cJSON *nsg_map_doc_node(struct nsg_map_docb *d, const char *id,
                        const char *kind, const char *parent, const char *name,
                        const char *res_id, const void *res);
/* The traffic view: groups, nodes, edges and per-NIC lists. */
void nsg_map_doc_traffic(struct nsg_map_docb *d, cJSON *root);

#endif
