/* statediag.c: RFC 9293 section 3.3.2, Figure 5 ("TCP Connection State
 * Diagram") as SVG, laid out as the RFC draws it: CLOSED and LISTEN on top,
 * SYN-RECEIVED left and SYN-SENT right, ESTABLISHED in the middle, the
 * active close down the left, the passive close down the right, TIME-WAIT
 * and a second CLOSED at the bottom. Boxes carry tcpshake's JSON state
 * names; each arrow carries the figure's "event / action" label. With a
 * path, the transitions one connection's endpoints took are drawn over it
 * in the lane colours and numbered in the order they happened; a
 * transition the figure does not draw (a RST, a FIN+ACK that takes
 * FIN_WAIT_1 straight to TIME_WAIT, RFC 9293 section 3.10.7.4) is a dashed
 * straight arrow. The ids are the page script's contract (statediag.h). */
#include <inttypes.h>
#include <string.h>

#include "statediag.h"
#include "svg.h"
#include "tracker.h"

/* Geometry (px): three columns, seven rows, boxes BW x BH. */
#define SD_W 1100
#define SD_H 1150
#define XL 200
#define XM 550
#define XR 900
#define Y0 95
#define Y1 250
#define Y2 415
#define Y3 570
#define Y4 725
#define Y5 880
#define Y6 1030
#define BW 210
#define BH 56
#define HW (BW / 2)
#define HH (BH / 2)

/* Node 11 is the figure's second CLOSED box (bottom right). */
#define N_CLOSED_END TS__COUNT
#define N_NODES (TS__COUNT + 1)

static const struct {
    int x, y;
} nodes[N_NODES] = {
    [TS_CLOSED] = { XM, Y0 },      [TS_LISTEN] = { XM, Y1 },     [TS_SYN_RECV] = { XL, Y2 },
    [TS_SYN_SENT] = { XR, Y2 },    [TS_ESTABLISHED] = { XM, Y3 }, [TS_FIN_WAIT_1] = { XL, Y4 },
    [TS_CLOSE_WAIT] = { XR, Y4 },  [TS_FIN_WAIT_2] = { XL, Y5 }, [TS_CLOSING] = { XM, Y5 },
    [TS_LAST_ACK] = { XR, Y5 },    [TS_TIME_WAIT] = { XM, Y6 },  [N_CLOSED_END] = { XR, Y6 },
};

#define MAX_PTS 4

/* One arrow of Figure 5: a polyline, and its label (event above action). */
struct sd_edge {
    uint8_t from, to;       /* node indexes (N_CLOSED_END for the second CLOSED) */
    int npts;
    int pts[MAX_PTS][2];
    int lx, ly;             /* label anchor: the event's baseline */
    const char *anchor;     /* "start", "middle", "end" */
    const char *event, *action;
};

static const struct sd_edge edges[] = {
    { TS_CLOSED, TS_LISTEN, 2, { { XM - 40, Y0 + HH }, { XM - 40, Y1 - HH } }, XM - 52, Y0 + 66,
      "end", "passive OPEN", "create TCB" },
    { TS_LISTEN, TS_CLOSED, 2, { { XM + 40, Y1 - HH }, { XM + 40, Y0 + HH } }, XM + 52, Y0 + 66,
      "start", "CLOSE", "delete TCB" },
    { TS_CLOSED, TS_SYN_SENT, 3, { { XM + HW, Y0 - 14 }, { XR + 70, Y0 - 14 }, { XR + 70, Y2 - HH } },
      (XM + HW + XR + 70) / 2, Y0 - 50, "middle", "active OPEN", "create TCB, snd SYN" },
    { TS_SYN_SENT, TS_CLOSED, 3, { { XR + 25, Y2 - HH }, { XR + 25, Y0 + 14 }, { XM + HW, Y0 + 14 } },
      XR + 15, Y0 + 50, "end", "CLOSE", "delete TCB" },
    { TS_LISTEN, TS_SYN_SENT, 2, { { XM + HW, Y1 + 12 }, { XR - 40, Y2 - HH } }, XM + HW + 110,
      Y1 + 10, "start", "SEND", "snd SYN" },
    { TS_LISTEN, TS_SYN_RECV, 2, { { XM - HW, Y1 + 12 }, { XL + 40, Y2 - HH } }, XM - HW - 110,
      Y1 + 10, "end", "rcv SYN", "snd SYN,ACK" },
    { TS_SYN_RECV, TS_LISTEN, 3, { { XL - 40, Y2 - HH }, { XL - 40, Y1 - 12 }, { XM - HW, Y1 - 12 } },
      XL - 28, Y1 - 24, "start", "rcv RST (note 1)", NULL },
    { TS_SYN_SENT, TS_SYN_RECV, 2, { { XR - HW, Y2 }, { XL + HW, Y2 } }, XM, Y2 - 30, "middle",
      "rcv SYN", "snd SYN,ACK" },
    { TS_SYN_RECV, TS_ESTABLISHED, 2, { { XL + 50, Y2 + HH }, { XM - HW + 10, Y3 - HH } }, XL + 100,
      Y3 - 40, "end", "rcv ACK of SYN", "x" },
    { TS_SYN_SENT, TS_ESTABLISHED, 2, { { XR - 50, Y2 + HH }, { XM + HW - 10, Y3 - HH } }, XR - 100,
      Y3 - 40, "start", "rcv SYN,ACK", "snd ACK" },
    { TS_SYN_RECV, TS_FIN_WAIT_1, 2, { { XL - 40, Y2 + HH }, { XL - 40, Y4 - HH } }, XL - 28,
      Y3 + 20, "start", "CLOSE", "snd FIN" },
    { TS_ESTABLISHED, TS_FIN_WAIT_1, 2, { { XM - HW, Y3 + 12 }, { XL + 50, Y4 - HH } }, XM - 110,
      Y4 - 66, "end", "CLOSE", "snd FIN" },
    { TS_ESTABLISHED, TS_CLOSE_WAIT, 2, { { XM + HW, Y3 + 12 }, { XR - 50, Y4 - HH } }, XM + 110,
      Y4 - 66, "start", "rcv FIN", "snd ACK" },
    { TS_FIN_WAIT_1, TS_FIN_WAIT_2, 2, { { XL - 40, Y4 + HH }, { XL - 40, Y5 - HH } }, XL - 28,
      Y4 + 70, "start", "rcv ACK of FIN", "x" },
    { TS_FIN_WAIT_1, TS_CLOSING, 2, { { XL + HW, Y4 + 12 }, { XM - HW + 20, Y5 - HH } },
      XL + HW + 75, Y4 + 30, "start", "rcv FIN", "snd ACK" },
    { TS_CLOSE_WAIT, TS_LAST_ACK, 2, { { XR, Y4 + HH }, { XR, Y5 - HH } }, XR + 12, Y4 + 70,
      "start", "CLOSE", "snd FIN" },
    { TS_FIN_WAIT_2, TS_TIME_WAIT, 3, { { XL, Y5 + HH }, { XL, Y6 }, { XM - HW, Y6 } }, XL + 14,
      Y6 - 48, "start", "rcv FIN", "snd ACK" },
    { TS_CLOSING, TS_TIME_WAIT, 2, { { XM, Y5 + HH }, { XM, Y6 - HH } }, XM + 12, Y5 + 62, "start",
      "rcv ACK of FIN", "x" },
    { TS_LAST_ACK, N_CLOSED_END, 2, { { XR, Y5 + HH }, { XR, Y6 - HH } }, XR + 12, Y5 + 62, "start",
      "rcv ACK of FIN", "x" },
    { TS_TIME_WAIT, N_CLOSED_END, 2, { { XM + HW, Y6 }, { XR - HW, Y6 } }, (XM + XR) / 2, Y6 - 30,
      "middle", "Timeout=2MSL", "delete TCB" },
};
#define N_EDGES (sizeof(edges) / sizeof(edges[0]))

/* No libm in the core: |v| and a Newton square root are enough here. */
static double dabs(double v)
{
    return v < 0 ? -v : v;
}

static double dist(double dx, double dy)
{
    double s = dx * dx + dy * dy, r = s > 1 ? s / 2 : 1;
    int i;
    if (s <= 0)
        return 0;
    for (i = 0; i < 40; i++)
        r = (r + s / r) / 2;
    return r;
}

static unsigned node_state(unsigned n)
{
    return n == N_CLOSED_END ? TS_CLOSED : n;
}

static const struct sd_edge *edge_find(unsigned from, unsigned to)
{
    size_t i;
    for (i = 0; i < N_EDGES; i++)
        if (node_state(edges[i].from) == from && node_state(edges[i].to) == to)
            return &edges[i];
    return NULL;
}

bool statediag_has_edge(unsigned from, unsigned to)
{
    return edge_find(from, to) != NULL;
}

static const char *side_col(int side)
{
    return side == TRK_CLIENT ? SD_COL_CLIENT : SD_COL_SERVER;
}

static void text(FILE *o, int x, int y, const char *anchor, const char *cls, const char *s)
{
    char buf[512];
    svg_escape(s, buf, sizeof(buf));
    fprintf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"%s\" class=\"%s\">%s</text>\n", x, y, anchor,
            cls, buf);
}

static void poly_d(FILE *o, const struct sd_edge *e, int dx, int dy)
{
    int i;
    for (i = 0; i < e->npts; i++)
        fprintf(o, "%s%d,%d", i ? " L" : "M", e->pts[i][0] + dx, e->pts[i][1] + dy);
}

static void draw_node(FILE *o, unsigned n, const char *const id_suffix)
{
    const char *name = tcp_state_name((enum tcp_state)node_state(n));
    int x = nodes[n].x - HW, y = nodes[n].y - HH;
    fprintf(o, "<g class=\"sd-node\" id=\"sd-n-%s%s\" data-state=\"%s\">\n", name, id_suffix, name);
    fprintf(o,
            "<rect class=\"sd-ring-server\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"16\"/>\n"
            "<rect class=\"sd-ring-client\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"13\"/>\n"
            "<rect class=\"sd-box\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"8\"/>\n",
            x - 15, y - 15, BW + 30, BH + 30, x - 8, y - 8, BW + 16, BH + 16, x, y, BW, BH);
    text(o, nodes[n].x, nodes[n].y + 8, "middle", "sd-name", name);
    fputs("</g>\n", o);
}

static void draw_edge(FILE *o, const struct sd_edge *e)
{
    fprintf(o, "<g class=\"sd-edge\" id=\"sd-e-%s-%s\">\n<path class=\"sd-line\" d=\"",
            tcp_state_name((enum tcp_state)node_state(e->from)),
            tcp_state_name((enum tcp_state)node_state(e->to)));
    poly_d(o, e, 0, 0);
    fputs("\" marker-end=\"url(#sd-head)\"/>\n", o);
    text(o, e->lx, e->ly, e->anchor, "sd-ev", e->event);
    if (e->action)
        text(o, e->lx, e->ly + 19, e->anchor, "sd-ac", e->action);
    fputs("</g>\n", o);
}

/* Where the segment from the centre of box a to the centre of box b leaves
 * a's border (t in [0, 1] along a -> b). */
static void clip_box(double ax, double ay, double bx, double by, double *ox, double *oy)
{
    double dx = bx - ax, dy = by - ay, t = 1.0, tx, ty;
    if (dabs(dx) > 1e-9) {
        tx = (HW + 4) / dabs(dx);
        if (tx < t)
            t = tx;
    }
    if (dabs(dy) > 1e-9) {
        ty = (HH + 4) / dabs(dy);
        if (ty < t)
            t = ty;
    }
    *ox = ax + dx * t;
    *oy = ay + dy * t;
}

/* The middle of an edge's polyline, for a step number. */
static void edge_mid(const struct sd_edge *e, double *x, double *y)
{
    double len = 0, half, seg;
    int i;
    for (i = 1; i < e->npts; i++)
        len += dist(e->pts[i][0] - e->pts[i - 1][0], e->pts[i][1] - e->pts[i - 1][1]);
    half = len / 2;
    for (i = 1; i < e->npts; i++) {
        seg = dist(e->pts[i][0] - e->pts[i - 1][0], e->pts[i][1] - e->pts[i - 1][1]);
        if (seg >= half || i == e->npts - 1) {
            double t = seg > 0 ? half / seg : 0;
            if (t > 1)
                t = 1;
            *x = e->pts[i - 1][0] + (e->pts[i][0] - e->pts[i - 1][0]) * t;
            *y = e->pts[i - 1][1] + (e->pts[i][1] - e->pts[i - 1][1]) * t;
            return;
        }
        half -= seg;
    }
    *x = e->pts[0][0];
    *y = e->pts[0][1];
}

/* The node an endpoint is drawn in: CLOSED after TIME_WAIT or LAST_ACK is
 * the figure's bottom box. */
static unsigned node_of(unsigned state, bool closed_end)
{
    return state == TS_CLOSED && closed_end ? N_CLOSED_END : state;
}

static void draw_step(FILE *o, const struct sd_step *s, unsigned n_from, unsigned n_to, size_t num)
{
    const struct sd_edge *e = NULL;
    const char *col = side_col(s->side);
    int off = s->side == TRK_CLIENT ? -4 : 4;
    double mx, my;
    size_t i;

    for (i = 0; i < N_EDGES && !e; i++)
        if (edges[i].from == n_from && edges[i].to == n_to)
            e = &edges[i];
    if (e) {
        fprintf(o, "<path d=\"");
        poly_d(o, e, off, off);
        fprintf(o, "\" fill=\"none\" stroke=\"%s\" stroke-width=\"5\" opacity=\"0.85\" "
                   "marker-end=\"url(#sd-head-%s)\"/>\n",
                col, s->side == TRK_CLIENT ? "client" : "server");
        edge_mid(e, &mx, &my);
        mx += off;
        my += off;
    } else {
        double ax, ay, bx, by;
        clip_box(nodes[n_from].x + off, nodes[n_from].y + off, nodes[n_to].x + off,
                 nodes[n_to].y + off, &ax, &ay);
        clip_box(nodes[n_to].x + off, nodes[n_to].y + off, nodes[n_from].x + off,
                 nodes[n_from].y + off, &bx, &by);
        fprintf(o, "<path d=\"M%.0f,%.0f L%.0f,%.0f\" fill=\"none\" stroke=\"%s\" "
                   "stroke-width=\"4\" stroke-dasharray=\"12 7\" marker-end=\"url(#sd-head-%s)\"/>\n",
                ax, ay, bx, by, col, s->side == TRK_CLIENT ? "client" : "server");
        mx = (ax + bx) / 2;
        my = (ay + by) / 2;
    }
    fprintf(o, "<circle cx=\"%.0f\" cy=\"%.0f\" r=\"13\" fill=\"%s\"/>\n"
               "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\" class=\"sd-num\">%zu</text>\n",
            mx, my, col, mx, my + 6, num);
}

static void draw_ring(FILE *o, unsigned n, int side, bool presumed)
{
    int pad = side == TRK_CLIENT ? 8 : 15;
    fprintf(o, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"%d\" fill=\"none\" "
               "stroke=\"%s\" stroke-width=\"6\"%s/>\n",
            nodes[n].x - HW - pad, nodes[n].y - HH - pad, BW + 2 * pad, BH + 2 * pad, 6 + pad,
            side_col(side), presumed ? " stroke-dasharray=\"10 6\"" : "");
}

/* The path: arrows in the order taken, the last state of each endpoint
 * ringed, and one line of words per endpoint under the figure. */
static void draw_path(FILE *o, const struct sd_path *p)
{
    bool closed_end[2] = { false, false }, presumed[2];
    unsigned cur[2];
    size_t i;
    int side, y = SD_H + 34;
    char line[1024];

    for (side = 0; side < 2; side++) {
        cur[side] = p->first[side] < TS__COUNT ? p->first[side] : TS_CLOSED;
        presumed[side] = p->first_presumed[side];
    }
    for (i = 0; i < p->nsteps; i++) {
        const struct sd_step *s = &p->steps[i];
        unsigned from, to;
        if (s->side > 1 || s->to >= TS__COUNT)
            continue;
        from = node_of(cur[s->side], closed_end[s->side]);
        closed_end[s->side] = s->to == TS_CLOSED &&
                              (cur[s->side] == TS_TIME_WAIT || cur[s->side] == TS_LAST_ACK);
        to = node_of(s->to, closed_end[s->side]);
        draw_step(o, s, from, to, i + 1);
        cur[s->side] = s->to;
        presumed[s->side] = s->presumed;
    }
    for (side = 0; side < 2; side++)
        draw_ring(o, node_of(cur[side], closed_end[side]), side, presumed[side]);

    snprintf(line, sizeof(line), "Connection #%" PRIu64 "%s%s: the path each endpoint took",
             p->conn_id, p->outcome ? ", " : "", p->outcome ? p->outcome : "");
    text(o, 40, y, "start", "sd-cap", line);
    y += 26;
    text(o, 40, y, "start", "sd-cap",
         "numbers: the order of the transitions \u00b7 dashed: a transition Figure 5 does not "
         "draw \u00b7 ring: the last state");
    for (side = 0; side < 2; side++) {
        size_t n = 0;
        unsigned st = p->first[side] < TS__COUNT ? p->first[side] : TS_CLOSED;
        y += 30;
        n += (size_t)snprintf(line + n, sizeof(line) - n, "%s %s: %s%s",
                              side == TRK_CLIENT ? "client" : "server",
                              p->ep[side] ? p->ep[side] : "", tcp_state_name((enum tcp_state)st),
                              p->first_presumed[side] ? "?" : "");
        for (i = 0; i < p->nsteps && n < sizeof(line) - 40; i++)
            if (p->steps[i].side == side && p->steps[i].to < TS__COUNT)
                n += (size_t)snprintf(line + n, sizeof(line) - n, " \u2192 %s%s",
                                      tcp_state_name((enum tcp_state)p->steps[i].to),
                                      p->steps[i].presumed ? "?" : "");
        fprintf(o, "<text x=\"40\" y=\"%d\" class=\"sd-path\" fill=\"%s\">", y, side_col(side));
        {
            char buf[2048];
            svg_escape(line, buf, sizeof(buf));
            fputs(buf, o);
        }
        fputs("</text>\n", o);
    }
    if (p->steps_dropped) {
        snprintf(line, sizeof(line), "(%" PRIu64 " later transitions not drawn)", p->steps_dropped);
        text(o, 40, y + 30, "start", "sd-cap", line);
    }
}

static void marker(FILE *o, const char *id, const char *col)
{
    fprintf(o, "<marker id=\"%s\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" "
               "markerUnits=\"userSpaceOnUse\" markerWidth=\"16\" markerHeight=\"16\" "
               "orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"%s\"/></marker>\n",
            id, col);
}

void statediag_write(FILE *o, const struct sd_path *path, bool standalone)
{
    unsigned n;
    size_t i;
    int h = SD_H + (path ? 160 : 0);

    if (standalone)
        fprintf(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                   "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" "
                   "height=\"%d\" viewBox=\"0 0 %d %d\" "
                   "font-family=\"DejaVu Sans, Verdana, Arial, sans-serif\">\n",
                SD_W, h, SD_W, h);
    else
        fprintf(o, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"sd\" id=\"sd\" "
                   "viewBox=\"0 0 %d %d\" role=\"img\" aria-labelledby=\"sd-title\">\n",
                SD_W, h);
    fputs("<title id=\"sd-title\">TCP connection state diagram (RFC 9293 section 3.3.2, "
          "Figure 5), drawn by tcpshake</title>\n<defs>\n", o);
    marker(o, "sd-head", "#333333");
    marker(o, "sd-head-client", SD_COL_CLIENT);
    marker(o, "sd-head-server", SD_COL_SERVER);
    fputs("</defs>\n", o);
    if (standalone)
        /* No stylesheet in a file for slides: the classes get their looks
         * here (the page's CSS, page.css, styles them inline). */
        fputs("<style>"
              ".sd-box{fill:#ffffff;stroke:#222222;stroke-width:2.5}"
              ".sd-ring-client,.sd-ring-server{display:none}"
              ".sd-name{font-size:21px;font-weight:bold;fill:#111111;"
              "font-family:DejaVu Sans Mono,Menlo,Consolas,monospace}"
              ".sd-line{fill:none;stroke:#555555;stroke-width:2}"
              ".sd-ev{font-size:15px;fill:#222222}"
              ".sd-ac{font-size:15px;fill:#555555;font-style:italic}"
              ".sd-num{font-size:15px;font-weight:bold;fill:#ffffff}"
              ".sd-cap{font-size:17px;fill:#333333}"
              ".sd-path{font-size:18px;font-weight:bold;"
              "font-family:DejaVu Sans Mono,Menlo,Consolas,monospace}"
              "</style>\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n",
              o);
    fputs("<g class=\"sd-edges\">\n", o);
    for (i = 0; i < N_EDGES; i++)
        draw_edge(o, &edges[i]);
    fputs("</g>\n<g class=\"sd-nodes\">\n", o);
    for (n = 0; n < N_NODES; n++)
        draw_node(o, n, n == N_CLOSED_END ? "-end" : "");
    fputs("</g>\n", o);
    text(o, 40, SD_H - 40, "start", "sd-ac",
         "note 1: SYN_RECV \u2192 LISTEN on a RST only when SYN_RECV was reached from LISTEN "
         "(a passive OPEN)");
    text(o, 40, SD_H - 14, "start", "sd-ac",
         "RFC 9293 section 3.3.2, Figure 5 \u00b7 state names as tcpshake writes them "
         "(JSON) \u00b7 event above, action below");
    fputs("<g id=\"sd-overlay\"></g>\n", o);
    if (path)
        draw_path(o, path);
    fputs("</svg>\n", o);
}
