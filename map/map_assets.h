/* map_assets.h - the viewer's style and script, embedded at build time
 * from map/assets/ (map/embed.sh writes build/gen/map_assets.c). */
#ifndef NSG_MAP_ASSETS_H
#define NSG_MAP_ASSETS_H

#include <stddef.h>

extern const unsigned char nsg_map_asset_viewer_css[];
extern const size_t nsg_map_asset_viewer_css_len;
extern const unsigned char nsg_map_asset_viewer_js[];
extern const size_t nsg_map_asset_viewer_js_len;

#endif
