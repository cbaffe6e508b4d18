/* statediag.h: the TCP connection state diagram of RFC 9293 section 3.3.2
 * (Figure 5), drawn by tcpshake as SVG with tcpshake's own state names (the
 * JSON spellings of TCP_STATE_MAP, tracker.h) and the figure's labelled
 * transitions, optionally with the path one connection took, both
 * endpoints in the ladder's lane colours. Pure: writes to a FILE *.
 *
 * Element ids are a contract with the --html page's script (page.js):
 *   g#sd-n-STATE (and g#sd-n-CLOSED-end, the figure's second CLOSED box)
 *       class "sd-node", data-state="STATE", with rect.sd-box and
 *       rect.sd-ring-client / rect.sd-ring-server (highlight rings);
 *   g#sd-e-FROM-TO  class "sd-edge": one transition of Figure 5, with
 *       path.sd-line and its label;
 *   g#sd-overlay: empty, where the page draws a transition the figure does
 *       not have (a RST, FIN_WAIT_1 -> TIME_WAIT on a FIN+ACK, a timeout). */
#ifndef TCPSHAKE_STATEDIAG_H
#define TCPSHAKE_STATEDIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Colours of the two lanes, as the SVG ladder (report_svg.c) draws them. */
#define SD_COL_CLIENT "#1f5fbf"
#define SD_COL_SERVER "#c2410c"

/* One transition of one endpoint, in the order taken. */
struct sd_step {
    uint8_t side;     /* enum trk_side */
    uint8_t from, to; /* enum tcp_state */
    bool presumed;    /* the new state is presumed */
    bool timeout;     /* caused by packet time passing */
};

/* The path of one connection (for --state-diagram with --conn). */
struct sd_path {
    uint64_t conn_id;
    const char *ep[2];        /* "ip:port" by enum trk_side; may be "" */
    uint8_t first[2];         /* states before the first step */
    bool first_presumed[2];
    const struct sd_step *steps;
    size_t nsteps;
    uint64_t steps_dropped;   /* steps beyond what the caller kept */
    const char *outcome;      /* "complete", ... or NULL (not ended) */
};

/* Write the diagram. `standalone`: an SVG 1.1 document with its XML
 * declaration and fixed size (for a file); otherwise an <svg> element that
 * scales to its container (inline in HTML). `path` may be NULL: the bare
 * figure. */
void statediag_write(FILE *o, const struct sd_path *path, bool standalone);

/* Whether Figure 5 has an arrow from `from` to `to` (enum tcp_state). */
bool statediag_has_edge(unsigned from, unsigned to);

#endif
