/* assess_sarif.h - `nsgproof assess --format sarif`: the assessment as a
 * SARIF 2.1.0 log (kept apart from cmd_assess.c so that one SARIF writer
 * can serve lint and assess once both have one). */
#ifndef NSG_ASSESS_SARIF_H
#define NSG_ASSESS_SARIF_H

#include <cjson/cJSON.h>

#include "../map/map.h"

/* The SARIF log of an assessment of topology t (caller owns). */
cJSON *cli_assess_sarif(const struct nsg_map_assessment *a,
                        const struct nsg_topology *t);

#endif
