/* ladder.h: the ladder (sequence diagram) of a connection, as a small row
 * model shared by the terminal ladder (report_ladder.c) and the SVG
 * (report_svg.c), and the terminal drawing itself. Pure.
 *
 * A row is what one segment (or one timeout) did, copied out of the
 * tracker's verdict, so a row outlives the callback and can be held,
 * drawn later, or drawn at once (incremental drawing: build a row in the
 * segment callback, draw it, flush). Terminal layout, Unicode (ASCII with
 * RPT_ASCII: | + - = . > <):
 *
 *  ── connection #1 ─────────────────────────────────────────────────────────
 *              192.0.2.10:43512 │                                            │ 192.0.2.80:80
 *     t (ms)             client │                                            │ server
 *                        CLOSED │                                            │ LISTEN?
 *      0.000           SYN_SENT ├─── SYN seq 0 ─────────────────────────────▶│ LISTEN?
 *                               │    mss 1460, ws 7, sackOK, TS              │
 *     20.000        ESTABLISHED │◀──────────────────── SYN+ACK seq 0 ack 1 ──┤ SYN_RECV
 *  └─ #1 complete: ...
 *
 * Time is milliseconds since the connection's first segment (its first
 * SYN). Each row writes both endpoints' states after the segment; a '?'
 * marks a presumed state. RST arrows are heavy (━, =) and red, retransmissions
 * dotted (┄, .) and dim; a SYN that crosses the peer's (simultaneous open)
 * gets a note line. With RPT_COLOR: one colour per endpoint (client cyan,
 * server magenta), unchanged states dim. */
#ifndef TCPSHAKE_LADDER_H
#define TCPSHAKE_LADDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "explain.h"
#include "netaddr.h"
#include "tracker.h"

struct pkt;

#define LADDER_OPTS_MAX 64

enum ladder_row_kind { LADDER_SEGMENT, LADDER_TIMER, LADDER_DROPPED };

struct ladder_row {
    uint64_t conn_id;
    int64_t t_us;             /* since the connection's first segment */
    uint8_t kind;             /* enum ladder_row_kind */
    bool from_client;         /* SEGMENT: who sent it; TIMER: whose state timed out */
    bool crossed;             /* a bare SYN that crossed the peer's (simultaneous open) */
    uint16_t tcp_flags;       /* TH_* */
    uint16_t notes;           /* TRK_NOTE_* */
    uint8_t outcome;          /* enum hs_outcome, with TRK_NOTE_OUTCOME */
    uint32_t seq, ack, len;   /* as shown: relative, or absolute with RPT_ABS_SEQ */
    uint8_t state[2];         /* [TRK_CLIENT], [TRK_SERVER] after the row */
    bool presumed[2];
    bool changed[2];          /* this row moved the endpoint */
    uint8_t before[2];        /* states before the row (a block's first lines) */
    bool before_presumed[2];
    uint64_t count;           /* DROPPED: rows not kept; TIMER: idle ns */
    char opts[LADDER_OPTS_MAX]; /* key options of a SYN or SYN+ACK, "" if none */
    char explain[EXPLAIN_MAX];  /* "" unless built with RPT_EXPLAIN */
};

/* Who a ladder is about, and how it ended. */
struct ladder_conn {
    uint64_t id;
    char ep[2][ENDPOINT_STRLEN]; /* "192.0.2.10:43512", "[2001:db8::1]:80" */
    bool roles_guessed;
    bool ended;                  /* the fields below are valid */
    uint8_t outcome, close, why; /* hs_outcome, close_outcome, trk_end */
    bool simultaneous;
    int64_t rtt_syn_synack_us, rtt_synack_ack_us; /* -1 = unknown */
    uint16_t syn_retransmits, synack_retransmits;
    uint32_t pkts;
    char explain[EXPLAIN_MAX];   /* the outcome sentence with RPT_EXPLAIN */
};

/* Rows and heads from tracker data (valid only during the callbacks). */
void ladder_row_segment(struct ladder_row *r, const struct pkt *p, const struct trk_verdict *v,
                        unsigned flags);
void ladder_row_timer(struct ladder_row *r, const struct conn *c, const struct trk_change *ch,
                      uint64_t ts_ns, unsigned flags);
void ladder_conn_begin(struct ladder_conn *h, const struct conn *c);
void ladder_conn_end(struct ladder_conn *h, const struct conn *c, enum trk_end why,
                     unsigned flags);
/* Notes of a row in words ("retransmission", "outcome: refused", ...),
 * comma-separated; "" if none. Returns out. */
char *ladder_notes_text(const struct ladder_row *r, char *out, size_t cap);
/* The arrow's label: "SYN+ACK seq 0 ack 1", "ACK seq 1 ack 1 len 37". */
char *ladder_label(const struct ladder_row *r, char *out, size_t cap);

/* Greedy word wrap of plain text to `width` columns: up to max lines as
 * (start, len) pairs into text; words longer than width are split.
 * Returns the number of lines (0 for ""). */
struct wrap_line {
    size_t start, len;
};
size_t ladder_wrap(const char *text, size_t width, struct wrap_line *lines, size_t max);

/* Terminal drawing. A style fixes the columns of one block. */
struct ladder_style {
    unsigned flags;           /* RPT_ASCII, RPT_COLOR, RPT_ABS_SEQ, RPT_EXPLAIN */
    int time_w, side_w, arrow_w;
    int right_w;              /* the server's column as the rules count it (12) */
    int right_label_w;        /* the server's label: may run past right_w */
};
void ladder_style_init(struct ladder_style *s, unsigned flags, const struct ladder_conn *h);
/* Narrow the style so every line fits `width` columns (0: as wide as it
 * likes): the arrows first, down to what a label needs, then the lane labels,
 * which are then shortened in the middle (issue 14: 80 columns). */
void ladder_style_fit(struct ladder_style *s, int width);
/* Title rule, lane labels and roles; with `first`, a line of the states
 * before it. `continued`: the block goes on from an earlier one. */
void ladder_draw_head(FILE *out, const struct ladder_style *s, const struct ladder_conn *h,
                      const struct ladder_row *first, bool continued);
/* One row: the arrow line with states and time, then its options, notes
 * and explanation lines between the lanes. */
void ladder_draw_row(FILE *out, const struct ladder_style *s, const struct ladder_row *r);
/* The record line ("└─ #1 complete: ...") and, with an explanation, its
 * sentence. Needs h->ended. */
void ladder_draw_foot(FILE *out, const struct ladder_style *s, const struct ladder_conn *h);

#endif
