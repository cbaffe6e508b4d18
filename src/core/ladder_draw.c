/* ladder_draw.c: the terminal drawing of ladder rows (ladder.c): lanes,
 * arrows, states and --explain lines, in Unicode box drawing or ASCII, with
 * or without colour, fitted to a width. Columns are counted in characters,
 * not bytes, so box drawing and colour codes never shift a lane. */
#include "ladder.h"

#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "decode.h"
#include "report.h"
#include "tcp_wire.h"

#define LB_MAX 4096
#define SGR_CLIENT "36"
#define SGR_SERVER "35"
#define SGR_RST "1;31"
#define SGR_DIM "2"
#define SGR_BOLD "1"

struct glyphs {
    const char *lane, *jl, *jr, *line, *heavy, *dot, *head_r, *head_l, *rule, *foot, *gap;
};
static const struct glyphs g_uni = { "\u2502", "\u251c", "\u2524", "\u2500", "\u2501",
                                     "\u2504", "\u25b6", "\u25c0", "\u2500",
                                     "\u2514\u2500", "\u22ee" };
static const struct glyphs g_ascii = { "|", "+", "+", "-", "=", ".", ">", "<", "-", "`-",
                                       ":" };

struct lb {
    char buf[LB_MAX];
    size_t n;
    int col;
    bool color;
    bool open; /* an SGR is active */
};

static void lb_init(struct lb *l, const struct ladder_style *s)
{
    l->n = 0;
    l->col = 0;
    l->buf[0] = '\0';
    l->color = (s->flags & RPT_COLOR) != 0;
    l->open = false;
}

static void lb_bytes(struct lb *l, const char *s, size_t len)
{
    size_t i;
    if (l->n + len >= sizeof(l->buf) - 8)
        len = l->n < sizeof(l->buf) - 8 ? sizeof(l->buf) - 8 - l->n : 0;
    for (i = 0; i < len; i++) {
        /* One column per character: count every byte but UTF-8 continuations. */
        if (((unsigned char)s[i] & 0xC0u) != 0x80u)
            l->col++;
        l->buf[l->n++] = s[i];
    }
    l->buf[l->n] = '\0';
}

static void lb_str(struct lb *l, const char *s)
{
    lb_bytes(l, s, strlen(s));
}

static void lb_rep(struct lb *l, const char *g, int n)
{
    while (n-- > 0)
        lb_str(l, g);
}

static void lb_pad(struct lb *l, int col)
{
    while (l->col < col && l->n < sizeof(l->buf) - 8) {
        l->buf[l->n++] = ' ';
        l->col++;
    }
    l->buf[l->n] = '\0';
}

/* Start a colour (zero columns); no-op without RPT_COLOR. */
static void lb_sgr(struct lb *l, const char *code)
{
    size_t k;
    if (!l->color)
        return;
    k = (size_t)snprintf(l->buf + l->n, sizeof(l->buf) - l->n, "\033[%sm", code);
    if (l->n + k < sizeof(l->buf))
        l->n += k;
    l->open = true;
}

static void lb_reset(struct lb *l)
{
    if (!l->color || !l->open)
        return;
    lb_sgr(l, "0");
    l->open = false;
}

static void lb_emit(struct lb *l, FILE *out)
{
    lb_reset(l);
    fputs(l->buf, out);
    putc('\n', out);
}

static const struct glyphs *glyphs_of(const struct ladder_style *s)
{
    return (s->flags & RPT_ASCII) ? &g_ascii : &g_uni;
}

static const char *side_sgr(int side)
{
    return side == TRK_CLIENT ? SGR_CLIENT : SGR_SERVER;
}

void ladder_style_init(struct ladder_style *s, unsigned flags, const struct ladder_conn *h)
{
    int w = h ? (int)strlen(h->ep[TRK_CLIENT]) : 0;
    s->flags = flags;
    s->time_w = 10;
    int rw = h ? (int)strlen(h->ep[TRK_SERVER]) : 0;
    s->side_w = w > 12 ? w : 12;  /* "ESTABLISHED?" */
    s->right_w = 12; /* "ESTABLISHED?"; the label may run past it (pipes: as always) */
    s->right_label_w = rw;
    s->arrow_w = (flags & RPT_ABS_SEQ) ? 58 : 46;
    if (flags & RPT_EXPLAIN)
        s->arrow_w += 10; /* sentences wrap between the lanes: give them room */
}

/* Columns around the arrows: time, 2, client side, space, lane | arrows |
 * lane, space, server side. */
#define LADDER_FIXED_W 16

void ladder_style_fit(struct ladder_style *s, int width)
{
    /* An arrow holds "RST+ACK seq 4294967295 ack 4294967295" with -S. */
    int min_arrow = (s->flags & RPT_ABS_SEQ) ? 44 : 30, room;
    int right = s->right_label_w > s->right_w ? s->right_label_w : s->right_w;
    if (width <= 0 || LADDER_FIXED_W + s->side_w + s->arrow_w + right <= width)
        return;
    room = width - LADDER_FIXED_W - s->side_w - right;
    s->arrow_w = room > min_arrow ? room : min_arrow;
    room = width - LADDER_FIXED_W - s->arrow_w; /* what the two sides may have */
    if (s->side_w + right > room) {
        int each = room / 2 > 12 ? room / 2 : 12;
        if (s->side_w > each)
            s->side_w = each;
        right = room - s->side_w > 12 ? room - s->side_w : 12;
    }
    s->right_label_w = right;
}

/* An endpoint label in `w` columns: shortened in the middle of the address,
 * the port kept ("[2001:db8:…:14]:51003"; ASCII: "~"). */
static const char *fit_label(const struct ladder_style *s, const char *ep, int w, char *buf,
                             size_t cap)
{
    size_t n = strlen(ep), keep_tail, keep_head;
    const char *colon = strrchr(ep, ':');
    bool ascii = (s->flags & RPT_ASCII) != 0;
    if ((int)n <= w || w < 8)
        return ep;
    keep_tail = colon ? n - (size_t)(colon - ep) + 4 : 6; /* ":port" and a bit */
    if ((int)keep_tail > w - 4)
        keep_tail = (size_t)w / 2;
    keep_head = (size_t)w - keep_tail - 1;
    snprintf(buf, cap, "%.*s%s%s", (int)keep_head, ep, ascii ? "~" : "\u2026",
             ep + n - keep_tail);
    return buf;
}

static int lane_l_col(const struct ladder_style *s)
{
    return s->time_w + 2 + s->side_w + 1;
}

static int lane_r_col(const struct ladder_style *s)
{
    return lane_l_col(s) + 1 + s->arrow_w;
}

static int total_w(const struct ladder_style *s)
{
    return lane_r_col(s) + 1 + 1 + s->right_w;
}

static void right(struct lb *l, const char *text, int width)
{
    int n = 0;
    const char *p;
    for (p = text; *p; p++)
        if (((unsigned char)*p & 0xC0u) != 0x80u)
            n++;
    lb_pad(l, l->col + (width > n ? width - n : 0));
    lb_str(l, text);
}

static void state_text(char *out, size_t cap, unsigned st, bool presumed)
{
    snprintf(out, cap, "%s%s", tcp_state_name((enum tcp_state)st), presumed ? "?" : "");
}

/* The client's state, right-aligned against its lane. */
static void put_client_state(struct lb *l, const struct ladder_style *s, unsigned st,
                             bool presumed, bool changed)
{
    char t[24];
    state_text(t, sizeof(t), st, presumed);
    lb_pad(l, s->time_w + 2);
    lb_sgr(l, changed ? SGR_CLIENT : SGR_CLIENT ";" SGR_DIM);
    right(l, t, s->side_w);
    lb_reset(l);
    lb_str(l, " ");
}

static void put_server_state(struct lb *l, unsigned st, bool presumed, bool changed)
{
    char t[24];
    state_text(t, sizeof(t), st, presumed);
    lb_str(l, " ");
    lb_sgr(l, changed ? SGR_SERVER : SGR_SERVER ";" SGR_DIM);
    lb_str(l, t);
    lb_reset(l);
}

/* A line with nothing but the lanes, text between them from column 4. */
static void annot(FILE *out, const struct ladder_style *s, const char *text, size_t len,
                  const char *sgr, int indent)
{
    const struct glyphs *g = glyphs_of(s);
    struct lb l;
    lb_init(&l, s);
    lb_pad(&l, lane_l_col(s));
    lb_str(&l, g->lane);
    lb_pad(&l, l.col + indent);
    if (sgr)
        lb_sgr(&l, sgr);
    lb_bytes(&l, text, len);
    lb_reset(&l);
    lb_pad(&l, lane_r_col(s));
    lb_str(&l, g->lane);
    lb_emit(&l, out);
}

static void ms_text(char *out, size_t cap, int64_t us)
{
    uint64_t u = us < 0 ? (uint64_t)0 - (uint64_t)us : (uint64_t)us;
    snprintf(out, cap, "%s%" PRIu64 ".%03" PRIu64, us < 0 ? "-" : "", u / 1000u, u % 1000u);
}

void ladder_draw_head(FILE *out, const struct ladder_style *s, const struct ladder_conn *h,
                      const struct ladder_row *first, bool continued)
{
    const struct glyphs *g = glyphs_of(s);
    struct lb l;
    char title[96], lab[ENDPOINT_STRLEN + 8];

    lb_init(&l, s);
    snprintf(title, sizeof(title), " connection #%" PRIu64 "%s ", h->id,
             continued ? " (continued)" : "");
    lb_sgr(&l, SGR_BOLD);
    lb_rep(&l, g->rule, 2);
    lb_str(&l, title);
    lb_rep(&l, g->rule, total_w(s) - l.col);
    lb_emit(&l, out);

    lb_init(&l, s);
    lb_pad(&l, s->time_w + 2);
    lb_sgr(&l, SGR_BOLD ";" SGR_CLIENT);
    right(&l, fit_label(s, h->ep[TRK_CLIENT], s->side_w, lab, sizeof(lab)), s->side_w);
    lb_reset(&l);
    lb_str(&l, " ");
    lb_str(&l, g->lane);
    lb_pad(&l, lane_r_col(s));
    lb_str(&l, g->lane);
    lb_str(&l, " ");
    lb_sgr(&l, SGR_BOLD ";" SGR_SERVER);
    lb_str(&l, fit_label(s, h->ep[TRK_SERVER], s->right_label_w, lab, sizeof(lab)));
    lb_emit(&l, out);

    lb_init(&l, s);
    right(&l, "t (ms)", s->time_w);
    lb_str(&l, "  ");
    lb_sgr(&l, SGR_CLIENT);
    right(&l, h->roles_guessed ? "client?" : "client", s->side_w);
    lb_reset(&l);
    lb_str(&l, " ");
    lb_str(&l, g->lane);
    lb_pad(&l, lane_r_col(s));
    lb_str(&l, g->lane);
    lb_str(&l, " ");
    lb_sgr(&l, SGR_SERVER);
    lb_str(&l, h->roles_guessed ? "server?" : "server");
    lb_emit(&l, out);

    if (first && !continued) {
        lb_init(&l, s);
        put_client_state(&l, s, first->before[TRK_CLIENT], first->before_presumed[TRK_CLIENT],
                         true);
        lb_str(&l, g->lane);
        lb_pad(&l, lane_r_col(s));
        lb_str(&l, g->lane);
        put_server_state(&l, first->before[TRK_SERVER], first->before_presumed[TRK_SERVER],
                         true);
        lb_emit(&l, out);
    }
}

/* The arrow between the lanes, junction and head included. */
static void put_arrow(struct lb *l, const struct ladder_style *s, const struct ladder_row *r)
{
    const struct glyphs *g = glyphs_of(s);
    const char *line = g->line, *sgr;
    char label[128];
    int fill, lw;
    bool rst = r->tcp_flags & TH_RST;
    bool faint = (r->notes & (TRK_NOTE_RETRANSMIT | TRK_NOTE_DUPLICATE)) != 0;

    if (rst)
        line = g->heavy;
    else if (faint)
        line = g->dot;
    ladder_label(r, label, sizeof(label));
    lw = (int)strlen(label);
    fill = s->arrow_w - 3 - 2 - lw - 1;
    if (fill < 1)
        fill = 1; /* a label too long for the lanes pushes the right lane out */
    if (rst)
        sgr = SGR_RST;
    else if (faint)
        sgr = r->from_client ? SGR_CLIENT ";" SGR_DIM : SGR_SERVER ";" SGR_DIM;
    else
        sgr = side_sgr(r->from_client ? TRK_CLIENT : TRK_SERVER);

    if (r->from_client) {
        lb_sgr(l, sgr);
        lb_str(l, g->jl);
        lb_rep(l, line, 3);
        lb_str(l, " ");
        lb_str(l, label);
        lb_str(l, " ");
        lb_rep(l, line, fill);
        lb_str(l, g->head_r);
        lb_reset(l);
        lb_str(l, g->lane);
    } else {
        lb_str(l, g->lane);
        lb_sgr(l, sgr);
        lb_str(l, g->head_l);
        lb_rep(l, line, fill);
        lb_str(l, " ");
        lb_str(l, label);
        lb_str(l, " ");
        lb_rep(l, line, 3);
        lb_str(l, g->jr);
        lb_reset(l);
    }
}

static void explain_lines(FILE *out, const struct ladder_style *s, const char *text)
{
    struct wrap_line lines[16];
    size_t i, n;
    if (!text[0])
        return;
    n = ladder_wrap(text, (size_t)(s->arrow_w - 3), lines, 16);
    for (i = 0; i < n; i++)
        annot(out, s, text + lines[i].start, lines[i].len, NULL, 2);
}

void ladder_draw_row(FILE *out, const struct ladder_style *s, const struct ladder_row *r)
{
    const struct glyphs *g = glyphs_of(s);
    struct lb l;
    char t[32], notes[256];

    if (r->kind == LADDER_DROPPED) {
        snprintf(notes, sizeof(notes), "%s %" PRIu64 " segment%s not kept (bounded)", g->gap,
                 r->count, r->count == 1 ? "" : "s");
        annot(out, s, notes, strlen(notes), SGR_DIM, 4);
        return;
    }
    lb_init(&l, s);
    ms_text(t, sizeof(t), r->t_us);
    right(&l, t, s->time_w);
    put_client_state(&l, s, r->state[TRK_CLIENT], r->presumed[TRK_CLIENT],
                     r->changed[TRK_CLIENT]);
    if (r->kind == LADDER_TIMER) {
        char idle[64];
        snprintf(idle, sizeof(idle), "timeout: %" PRIu64 ".%03" PRIu64 " s without a segment",
                 r->count / 1000000000u, (r->count % 1000000000u) / 1000000u);
        lb_str(&l, g->lane);
        lb_pad(&l, l.col + 4);
        lb_sgr(&l, SGR_DIM);
        lb_str(&l, idle);
        lb_reset(&l);
        lb_pad(&l, lane_r_col(s));
        lb_str(&l, g->lane);
    } else {
        put_arrow(&l, s, r);
    }
    put_server_state(&l, r->state[TRK_SERVER], r->presumed[TRK_SERVER],
                     r->changed[TRK_SERVER]);
    lb_emit(&l, out);

    if (r->opts[0])
        annot(out, s, r->opts, strlen(r->opts),
              r->from_client ? SGR_CLIENT ";" SGR_DIM : SGR_SERVER ";" SGR_DIM, 4);
    ladder_notes_text(r, notes, sizeof(notes));
    if (notes[0])
        annot(out, s, notes, strlen(notes), (r->tcp_flags & TH_RST) ? SGR_RST : SGR_BOLD, 4);
    explain_lines(out, s, r->explain);
}

void ladder_draw_foot(FILE *out, const struct ladder_style *s, const struct ladder_conn *h)
{
    const struct glyphs *g = glyphs_of(s);
    struct wrap_line lines[16];
    struct lb l;
    char a[32], b[32], text[256];
    size_t i, n;

    if (h->rtt_syn_synack_us >= 0)
        ms_text(a, sizeof(a), h->rtt_syn_synack_us);
    else
        snprintf(a, sizeof(a), "-");
    if (h->rtt_synack_ack_us >= 0)
        ms_text(b, sizeof(b), h->rtt_synack_ack_us);
    else
        snprintf(b, sizeof(b), "-");
    snprintf(text, sizeof(text),
             " #%" PRIu64 " %s%s%s: rtt %s/%s ms, retransmits %u/%u, %" PRIu32 " pkts, %s%s%s%s",
             h->id, hs_outcome_name((enum hs_outcome)h->outcome),
             h->simultaneous ? " simultaneous" : "", h->roles_guessed ? " roles-guessed" : "", a,
             b, (unsigned)h->syn_retransmits, (unsigned)h->synack_retransmits, h->pkts,
             close_outcome_name((enum close_outcome)h->close),
             h->why != TRK_END_FINISHED ? " (" : "",
             h->why != TRK_END_FINISHED ? trk_end_name((enum trk_end)h->why) : "",
             h->why != TRK_END_FINISHED ? ")" : "");
    lb_init(&l, s);
    lb_sgr(&l, h->outcome == HS_REFUSED || h->outcome == HS_ABORTED ? SGR_RST : SGR_BOLD);
    lb_str(&l, g->foot);
    lb_str(&l, text);
    lb_emit(&l, out);
    if (h->explain[0]) {
        n = ladder_wrap(h->explain, (size_t)(total_w(s) - 3), lines, 16);
        for (i = 0; i < n; i++) {
            lb_init(&l, s);
            lb_str(&l, "   ");
            lb_bytes(&l, h->explain + lines[i].start, lines[i].len);
            lb_emit(&l, out);
        }
    }
    if (!(s->flags & RPT_QUIET))
        putc('\n', out); /* blocks apart; -q lists one record a line */
}
