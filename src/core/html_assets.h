/* html_assets.h: the --html page's static parts (report_html.c), kept as
 * ordinary files in src/core/html/ (page.css, page.js, page.html) and turned
 * into byte arrays at build time by cmake/Embed.cmake, which CMake reruns
 * whenever one of them changes. Each array ends with a NUL not counted in
 * its length. */
#ifndef TCPSHAKE_HTML_ASSETS_H
#define TCPSHAKE_HTML_ASSETS_H

#include <stddef.h>

extern const unsigned char html_asset_css[];
extern const size_t html_asset_css_len;
extern const unsigned char html_asset_js[];
extern const size_t html_asset_js_len;
/* The page's body up to its data blocks; the state diagram goes where the
 * line HTML_DIAGRAM_MARK stands. */
extern const unsigned char html_asset_body[];
extern const size_t html_asset_body_len;

#define HTML_DIAGRAM_MARK "<!--tcpshake:state-diagram-->"

#endif
