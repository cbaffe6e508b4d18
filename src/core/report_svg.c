/* report_svg.c: the --svg reporter: the ladder of every connection (or of
 * one) as a standalone SVG 1.1 document for slides. Lanes are labelled by
 * ip:port, arrows slant down with time in flight, each endpoint's state is
 * written beside its lane where the segment leaves or arrives, and sizes
 * are chosen to stay readable when projected (text 15-24 px on a 1200 px
 * wide page). Rows are held until the end (bounded by CFG_SVG_MAX_*; what
 * does not fit is counted at the bottom of the picture), then written in
 * two passes: heights first, because the root element needs them. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ladder.h"
#include "report.h"
#include "report_int.h"
#include "svg.h"
#include "tcp_wire.h"

/* Page geometry, in px. */
#define SVG_W 1200
#define X_TIME 150        /* time column, right-aligned */
#define X_CLI 380         /* client lane */
#define X_SRV 900         /* server lane */
#define BOX_W 320
#define SLOPE 30          /* an arrow descends this much: time in flight */
#define ANN_H 21          /* one annotation line under an arrow */
#define EXPLAIN_COLS 57   /* wrap width of a sentence between the lanes */
#define FOOT_COLS 112     /* wrap width of the outcome sentence */

#define COL_CLIENT "#1f5fbf"
#define COL_SERVER "#c2410c"
#define COL_RST "#d00000"
#define COL_TEXT "#1a1a1a"
#define COL_GREY "#8a8a8a"
#define FONT_MONO "DejaVu Sans Mono, Menlo, Consolas, monospace"

struct svg_block {
    struct ladder_conn head;
};

struct svg_rep {
    struct reporter base;
    uint64_t only;
    struct svg_block *blocks;
    size_t nblocks;
    struct ladder_row *rows;   /* in arrival order; rows[i].conn_id names the block */
    size_t nrows;
    uint64_t rows_dropped;     /* rows of drawn connections beyond CFG_SVG_MAX_ROWS */
    uint64_t conns_dropped;    /* records of connections beyond CFG_SVG_MAX_CONNS */
};

/* ---- escaping ------------------------------------------------------------ */

/* Length of the well-formed UTF-8 sequence at s, 0 if it is not one. */

/* A connection's close in words for a slide (the NDJSON names are
 * docs/NDJSON.md's contract; these are for people). */
static const char *close_words(enum close_outcome c)
{
    switch (c) {
    case CLOSE_OPEN_AT_END: return "still open at the end of the capture";
    case CLOSE_CLOSED: return "closed";
    case CLOSE_RESET_BY_CLIENT: return "reset by the client";
    case CLOSE_RESET_BY_SERVER: return "reset by the server";
    case CLOSE_TIMEOUT: return "timed out";
    case CLOSE_EVICTED: return "evicted (the table was full)";
    case CLOSE_NEVER_OPENED: return "never opened";
    case CLOSE__COUNT: break;
    }
    return close_outcome_name(c);
}

static size_t utf8_len(const unsigned char *s)
{
    size_t n, i;
    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        n = 2;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF)
        n = 3;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4)
        n = 4;
    else
        return 0;
    for (i = 1; i < n; i++)
        if ((s[i] & 0xC0u) != 0x80u)
            return 0;
    return n;
}

size_t svg_escape(const char *in, char *out, size_t cap)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t n = 0;
    if (cap == 0)
        return 0;
    while (*s) {
        const char *rep = NULL;
        char one[5];
        size_t k = 1;
        switch (*s) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&apos;"; break;
        default:
            if ((*s < 0x20 && *s != '\t' && *s != '\n' && *s != '\r') || *s == 0x7F) {
                s++;
                continue; /* not allowed in XML 1.0 */
            }
            k = utf8_len(s);
            if (k == 0) {
                one[0] = '?';
                one[1] = '\0';
                rep = one;
                k = 1;
            } else {
                memcpy(one, s, k);
                one[k] = '\0';
                rep = one;
            }
            break;
        }
        if (n + strlen(rep) > cap - 1)
            break; /* never cut an entity or a character */
        memcpy(out + n, rep, strlen(rep));
        n += strlen(rep);
        s += k;
    }
    out[n] = '\0';
    return n;
}

static void put_text(FILE *o, const char *s)
{
    char buf[EXPLAIN_MAX * 6 + 1];
    svg_escape(s, buf, sizeof(buf));
    fputs(buf, o);
}

/* <text ...>escaped</text> */
static void text_el(FILE *o, int x, int y, const char *anchor, int size, const char *fill,
                    const char *extra, const char *s)
{
    fprintf(o, "<text x=\"%d\" y=\"%d\" font-size=\"%d\" fill=\"%s\"%s%s%s%s>", x, y, size,
            fill, anchor ? " text-anchor=\"" : "", anchor ? anchor : "", anchor ? "\"" : "",
            extra ? extra : "");
    put_text(o, s);
    fputs("</text>\n", o);
}

/* ---- collecting ---------------------------------------------------------- */

static struct svg_block *block_find(struct svg_rep *t, uint64_t id)
{
    size_t i;
    for (i = t->nblocks; i-- > 0;)
        if (t->blocks[i].head.id == id)
            return &t->blocks[i];
    return NULL;
}

/* The block of c, opened if there is room; NULL when the picture is full
 * (such connections are counted once, at their record). */
static struct svg_block *block_get(struct svg_rep *t, const struct conn *c)
{
    struct svg_block *b = block_find(t, c->id);
    if (b)
        return b;
    if (t->nblocks >= CFG_SVG_MAX_CONNS)
        return NULL;
    b = &t->blocks[t->nblocks++];
    ladder_conn_begin(&b->head, c);
    return b;
}

static void add_row(struct svg_rep *t, const struct conn *c, const struct ladder_row *r)
{
    if (!block_get(t, c))
        return;
    if (t->nrows >= CFG_SVG_MAX_ROWS) {
        t->rows_dropped++;
        return;
    }
    t->rows[t->nrows++] = *r;
}

static void svg_segment(struct reporter *r, const struct pkt *p, const struct trk_verdict *v)
{
    struct svg_rep *t = (struct svg_rep *)r;
    struct ladder_row row;
    if (!v->conn || (t->only && t->only != v->conn->id))
        return;
    if (!(r->flags & RPT_ALL) && !report__segment_relevant(p, v))
        return;
    ladder_row_segment(&row, p, v, r->flags);
    add_row(t, v->conn, &row);
}

static void svg_timer(struct reporter *r, const struct conn *c, const struct trk_change *ch,
                      uint64_t ts_ns)
{
    struct svg_rep *t = (struct svg_rep *)r;
    struct ladder_row row;
    if (t->only && t->only != c->id)
        return;
    ladder_row_timer(&row, c, ch, ts_ns, r->flags);
    add_row(t, c, &row);
}

static void svg_conn_end(struct reporter *r, const struct conn *c, enum trk_end why,
                         uint64_t ts_ns)
{
    struct svg_rep *t = (struct svg_rep *)r;
    struct svg_block *b;
    (void)ts_ns;
    if (t->only && t->only != c->id)
        return;
    b = block_get(t, c);
    if (b)
        ladder_conn_end(&b->head, c, why, r->flags);
    else
        t->conns_dropped++;
}

/* ---- layout -------------------------------------------------------------- */

static size_t explain_nlines(const char *s, size_t cols)
{
    struct wrap_line lines[16];
    return s[0] ? ladder_wrap(s, cols, lines, 16) : 0;
}

static int row_height(const struct ladder_row *r)
{
    char notes[256];
    int n = 0;
    if (r->kind == LADDER_TIMER)
        return 52 + (int)explain_nlines(r->explain, EXPLAIN_COLS) * ANN_H;
    if (r->opts[0])
        n++;
    if (ladder_notes_text(r, notes, sizeof(notes))[0])
        n++;
    n += (int)explain_nlines(r->explain, EXPLAIN_COLS);
    return SLOPE + 36 + n * ANN_H;
}

#define HEAD_H 178  /* title, boxes, first states, to the first arrow */

static int foot_height(const struct ladder_conn *h)
{
    return 44 + (h->ended ? ANN_H + (int)explain_nlines(h->explain, FOOT_COLS) * ANN_H : 0);
}

static int block_height(const struct svg_rep *t, const struct svg_block *b)
{
    int h = HEAD_H;
    size_t i;
    for (i = 0; i < t->nrows; i++)
        if (t->rows[i].conn_id == b->head.id)
            h += row_height(&t->rows[i]);
    return h + foot_height(&b->head);
}

/* ---- drawing ------------------------------------------------------------- */

static const char *side_col(int side)
{
    return side == TRK_CLIENT ? COL_CLIENT : COL_SERVER;
}

static void state_el(FILE *o, int side, int y, unsigned st, bool presumed, bool changed)
{
    char s[24];
    snprintf(s, sizeof(s), "%s%s", tcp_state_name((enum tcp_state)st), presumed ? "?" : "");
    if (side == TRK_CLIENT)
        text_el(o, X_CLI - 14, y, "end", 18, changed ? COL_CLIENT : COL_GREY,
                changed ? " font-weight=\"bold\"" : NULL, s);
    else
        text_el(o, X_SRV + 14, y, NULL, 18, changed ? COL_SERVER : COL_GREY,
                changed ? " font-weight=\"bold\"" : NULL, s);
}

static void ms_text(char *out, size_t cap, int64_t us)
{
    uint64_t u = us < 0 ? (uint64_t)0 - (uint64_t)us : (uint64_t)us;
    snprintf(out, cap, "%s%" PRIu64 ".%03" PRIu64, us < 0 ? "-" : "", u / 1000u, u % 1000u);
}

/* Wrapped sentence lines from baseline y, ANN_H apart. Returns the next y. */
static int explain_el(FILE *o, int x, int y, const char *anchor, size_t cols, const char *s,
                      int size)
{
    struct wrap_line lines[16];
    char line[EXPLAIN_MAX];
    size_t i, n = s[0] ? ladder_wrap(s, cols, lines, 16) : 0;
    for (i = 0; i < n; i++) {
        size_t len = lines[i].len < sizeof(line) - 1 ? lines[i].len : sizeof(line) - 1;
        memcpy(line, s + lines[i].start, len);
        line[len] = '\0';
        text_el(o, x, y, anchor, size, "#333333", " font-style=\"italic\"", line);
        y += ANN_H;
    }
    return y;
}

static void draw_row(FILE *o, const struct ladder_row *r, int y)
{
    char t[32], label[128], notes[256];
    int side = r->from_client ? TRK_CLIENT : TRK_SERVER, ay;
    int mid = (X_CLI + X_SRV) / 2;
    bool rst = r->tcp_flags & TH_RST;
    bool faint = (r->notes & (TRK_NOTE_RETRANSMIT | TRK_NOTE_DUPLICATE)) != 0;
    const char *col = rst ? COL_RST : side_col(side);

    ms_text(t, sizeof(t), r->t_us);
    text_el(o, X_TIME, y + 6, "end", 16, COL_GREY, " font-family=\"" FONT_MONO "\"", t);
    if (r->kind == LADDER_TIMER) {
        char idle[64];
        snprintf(idle, sizeof(idle), "timeout: %" PRIu64 ".%03" PRIu64 " s without a segment",
                 r->count / 1000000000u, (r->count % 1000000000u) / 1000000u);
        text_el(o, mid, y + 10, "middle", 16, COL_GREY, " font-style=\"italic\"", idle);
        state_el(o, TRK_CLIENT, y + 6, r->state[TRK_CLIENT], r->presumed[TRK_CLIENT],
                 r->changed[TRK_CLIENT]);
        state_el(o, TRK_SERVER, y + 6, r->state[TRK_SERVER], r->presumed[TRK_SERVER],
                 r->changed[TRK_SERVER]);
        explain_el(o, X_CLI + 20, y + 34, NULL, EXPLAIN_COLS, r->explain, 15);
        return;
    }
    /* The arrow: from the sender's lane down to the receiver's. */
    fprintf(o,
            "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"%d\"%s%s "
            "marker-end=\"url(#head-%s)\"/>\n",
            side == TRK_CLIENT ? X_CLI : X_SRV, y, side == TRK_CLIENT ? X_SRV - 4 : X_CLI + 4,
            y + SLOPE, col, rst ? 4 : 3, faint ? " stroke-dasharray=\"10 7\"" : "",
            faint ? " opacity=\"0.55\"" : "", rst ? "rst" : side == TRK_CLIENT ? "cli" : "srv");
    ladder_label(r, label, sizeof(label));
    text_el(o, mid, y + 1, "middle", 19, col,
            faint ? " font-family=\"" FONT_MONO "\" font-weight=\"bold\" stroke=\"#ffffff\" "
                    "stroke-width=\"5\" paint-order=\"stroke\" opacity=\"0.6\""
                  : " font-family=\"" FONT_MONO "\" font-weight=\"bold\" stroke=\"#ffffff\" "
                    "stroke-width=\"5\" paint-order=\"stroke\"",
            label);
    /* Sender's state where the arrow leaves, receiver's where it lands. */
    state_el(o, TRK_CLIENT, side == TRK_CLIENT ? y + 6 : y + SLOPE + 6, r->state[TRK_CLIENT],
             r->presumed[TRK_CLIENT], r->changed[TRK_CLIENT]);
    state_el(o, TRK_SERVER, side == TRK_SERVER ? y + 6 : y + SLOPE + 6, r->state[TRK_SERVER],
             r->presumed[TRK_SERVER], r->changed[TRK_SERVER]);
    ay = y + SLOPE + 24;
    if (r->opts[0]) {
        text_el(o, mid, ay, "middle", 15, COL_GREY, " font-family=\"" FONT_MONO "\"", r->opts);
        ay += ANN_H;
    }
    if (ladder_notes_text(r, notes, sizeof(notes))[0]) {
        text_el(o, mid, ay, "middle", 16, rst ? COL_RST : COL_TEXT, " font-weight=\"bold\"",
                notes);
        ay += ANN_H;
    }
    explain_el(o, X_CLI + 20, ay, NULL, EXPLAIN_COLS, r->explain, 15);
}

static void draw_box(FILE *o, int side, int y, const char *ep, const char *role)
{
    int x = side == TRK_CLIENT ? X_CLI : X_SRV;
    fprintf(o,
            "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"62\" rx=\"10\" fill=\"%s\" "
            "stroke=\"%s\" stroke-width=\"2\"/>\n",
            x - BOX_W / 2, y, BOX_W, side == TRK_CLIENT ? "#e8effa" : "#fbece4", side_col(side));
    text_el(o, x, y + 27, "middle", 21, side_col(side),
            " font-weight=\"bold\" font-family=\"" FONT_MONO "\"", ep);
    text_el(o, x, y + 52, "middle", 16, COL_TEXT, NULL, role);
}

static int draw_block(FILE *o, const struct svg_rep *t, const struct svg_block *b, int y)
{
    const struct ladder_conn *h = &b->head;
    const struct ladder_row *first = NULL;
    char title[160], foot[256], a[32], bb[32];
    int y0 = y, ry, lane_end;
    size_t i;

    for (i = 0; i < t->nrows && !first; i++)
        if (t->rows[i].conn_id == h->id)
            first = &t->rows[i];
    snprintf(title, sizeof(title), "Connection #%" PRIu64 "%s%s", h->id, h->ended ? " \u00b7 " : "",
             h->ended ? hs_outcome_name((enum hs_outcome)h->outcome) : "");
    text_el(o, 40, y + 30, NULL, 24, COL_TEXT, " font-weight=\"bold\"", title);
    draw_box(o, TRK_CLIENT, y + 48, h->ep[TRK_CLIENT], h->roles_guessed ? "client?" : "client");
    draw_box(o, TRK_SERVER, y + 48, h->ep[TRK_SERVER], h->roles_guessed ? "server?" : "server");
    text_el(o, X_TIME, y + 150, "end", 15, COL_GREY, NULL, "t (ms)");
    if (first) {
        state_el(o, TRK_CLIENT, y + 150, first->before[TRK_CLIENT],
                 first->before_presumed[TRK_CLIENT], true);
        state_el(o, TRK_SERVER, y + 150, first->before[TRK_SERVER],
                 first->before_presumed[TRK_SERVER], true);
    }
    /* Lanes first, so arrows and labels are drawn over them. */
    lane_end = y0 + block_height(t, b) - foot_height(h);
    fprintf(o, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\" "
               "opacity=\"0.8\"/>\n",
            X_CLI, y0 + 110, X_CLI, lane_end, COL_CLIENT);
    fprintf(o, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\" "
               "opacity=\"0.8\"/>\n",
            X_SRV, y0 + 110, X_SRV, lane_end, COL_SERVER);
    ry = y + HEAD_H;
    for (i = 0; i < t->nrows; i++) {
        if (t->rows[i].conn_id != h->id)
            continue;
        draw_row(o, &t->rows[i], ry);
        ry += row_height(&t->rows[i]);
    }
    if (h->ended) {
        size_t n = 0;
        snprintf(foot, sizeof(foot), "%s%s", hs_outcome_name((enum hs_outcome)h->outcome),
                 h->simultaneous ? " (simultaneous open)" : "");
        text_el(o, 40, ry + 28, NULL, 20,
                h->outcome == HS_REFUSED || h->outcome == HS_ABORTED ? COL_RST : COL_TEXT,
                " font-weight=\"bold\"", foot);
        /* Words for a slide, not field names; a time that was never
         * measured is left out, not drawn as "- ms" (issue 14). */
        foot[0] = '\0';
        if (h->rtt_syn_synack_us >= 0) {
            ms_text(a, sizeof(a), h->rtt_syn_synack_us);
            n += (size_t)snprintf(foot + n, sizeof(foot) - n, "SYN\u2192SYN+ACK %s ms \u00b7 ", a);
        }
        if (h->rtt_synack_ack_us >= 0 && n < sizeof(foot)) {
            ms_text(bb, sizeof(bb), h->rtt_synack_ack_us);
            n += (size_t)snprintf(foot + n, sizeof(foot) - n, "SYN+ACK\u2192ACK %s ms \u00b7 ", bb);
        }
        if (n < sizeof(foot))
            snprintf(foot + n, sizeof(foot) - n,
                     "retransmitted SYN %u, SYN+ACK %u \u00b7 %" PRIu32 " packets \u00b7 %s",
                     (unsigned)h->syn_retransmits, (unsigned)h->synack_retransmits, h->pkts,
                     close_words((enum close_outcome)h->close));
        text_el(o, 40, ry + 28 + ANN_H, NULL, 16, COL_TEXT, NULL, foot);
        explain_el(o, 40, ry + 28 + 2 * ANN_H, NULL, FOOT_COLS, h->explain, 16);
    }
    return y0 + block_height(t, b);
}

static void write_svg(const struct svg_rep *t, FILE *o)
{
    int h = 60, y;
    size_t i;
    char note[256];
    bool dropped = t->rows_dropped || t->conns_dropped;

    for (i = 0; i < t->nblocks; i++)
        h += block_height(t, &t->blocks[i]) + 30;
    if (t->nblocks == 0)
        h += 40;
    if (dropped)
        h += 40;
    fprintf(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" "
               "height=\"%d\" viewBox=\"0 0 %d %d\" "
               "font-family=\"DejaVu Sans, Verdana, Arial, sans-serif\">\n"
               "<title>TCP handshake ladder (tcpshake)</title>\n",
            SVG_W, h, SVG_W, h);
    fputs("<defs>\n", o);
    fprintf(o, "<marker id=\"head-cli\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" "
               "markerUnits=\"userSpaceOnUse\" markerWidth=\"16\" markerHeight=\"16\" "
               "orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"%s\"/></marker>\n",
            COL_CLIENT);
    fprintf(o, "<marker id=\"head-srv\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" "
               "markerUnits=\"userSpaceOnUse\" markerWidth=\"16\" markerHeight=\"16\" "
               "orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"%s\"/></marker>\n",
            COL_SERVER);
    fprintf(o, "<marker id=\"head-rst\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" "
               "markerUnits=\"userSpaceOnUse\" markerWidth=\"18\" markerHeight=\"18\" "
               "orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"%s\"/></marker>\n",
            COL_RST);
    fputs("</defs>\n", o);
    fputs("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n", o);
    text_el(o, 40, 34, NULL, 15, COL_GREY, NULL,
            "Blue: client \u2192 server \u00b7 orange: server \u2192 client \u00b7 red: RST "
            "\u00b7 dashed: retransmission \u00b7 ? = presumed state \u00b7 time in ms since "
            "the first segment");
    y = 60;
    if (t->nblocks == 0) {
        text_el(o, 40, y + 26, NULL, 20, COL_TEXT, NULL,
                t->only ? "No such connection in the capture." : "No connection to draw.");
        y += 40;
    }
    for (i = 0; i < t->nblocks; i++)
        y = draw_block(o, t, &t->blocks[i], y) + 30;
    if (dropped) {
        snprintf(note, sizeof(note),
                 "Not drawn: %" PRIu64 " more connection%s and %" PRIu64 " segment%s "
                 "(limits: %u connections, %u segments; pick one with --conn ID).",
                 t->conns_dropped, t->conns_dropped == 1 ? "" : "s", t->rows_dropped,
                 t->rows_dropped == 1 ? "" : "s", CFG_SVG_MAX_CONNS, CFG_SVG_MAX_ROWS);
        text_el(o, 40, y + 26, NULL, 18, COL_RST, NULL, note);
    }
    fputs("</svg>\n", o);
}

static void svg_finish(struct reporter *r, const struct run_stats *rs,
                       const struct tracker_stats *ts)
{
    (void)rs;
    (void)ts;
    write_svg((const struct svg_rep *)r, r->out);
}

static void svg_destroy(struct reporter *r)
{
    struct svg_rep *t = (struct svg_rep *)r;
    free(t->blocks);
    free(t->rows);
    free(t);
}

static const struct reporter_ops svg_ops = {
    .segment = svg_segment,
    .timer_change = svg_timer,
    .conn_end = svg_conn_end,
    .finish = svg_finish,
    .destroy = svg_destroy,
};

struct reporter *report_svg_new(FILE *out, unsigned flags, uint64_t only_conn)
{
    struct svg_rep *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->blocks = calloc(CFG_SVG_MAX_CONNS, sizeof(*t->blocks));
    t->rows = calloc(CFG_SVG_MAX_ROWS, sizeof(*t->rows));
    if (!t->blocks || !t->rows) {
        free(t->blocks);
        free(t->rows);
        free(t);
        return NULL;
    }
    t->base.ops = &svg_ops;
    t->base.out = out;
    /* Colour codes and ASCII art have no place in an SVG. */
    t->base.flags = flags & ~(RPT_COLOR | RPT_ASCII | RPT_STREAM | RPT_QUIET);
    t->only = only_conn;
    return &t->base;
}
