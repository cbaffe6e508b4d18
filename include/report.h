/* report.h: reporters turn verdicts, records and stats into output. A vtable
 * over a FILE *, so tests capture output with open_memstream(). Reporters
 * stream; they keep no history (the ladder and the SVG hold a bounded number
 * of rows, config.h CFG_LADDER_* and CFG_SVG_*). Names of states, outcomes, flags and
 * decode problems come from the X-macro tables, never spelled here. */
#ifndef TCPSHAKE_REPORT_H
#define TCPSHAKE_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "decode.h"
#include "klisten.h"
#include "tracker.h"

/* reporter.flags */
#define RPT_ALL 0x01u     /* --all: every TCP segment (and undecodable frames) */
#define RPT_QUIET 0x02u   /* -q: connection records and the summary only */
#define RPT_ABS_SEQ 0x04u /* -S: absolute sequence numbers */
#define RPT_VERBOSE 0x08u /* -v: more detail (anomalies, TTL, window) */
#define RPT_COLOR 0x10u   /* --color: ANSI colours (the CLI decides; the core never asks) */
#define RPT_ASCII 0x20u   /* --ascii: the ladder in plain ASCII, not box drawing */
#define RPT_EXPLAIN 0x40u /* --explain: a sentence after each transition (explain.h) */
#define RPT_STREAM 0x80u  /* ladder: draw each row at once (watch, demo --step);
                             default: one block per connection, drawn when it ends */
#define RPT_LINK 0x100u   /* -e: the link-layer header (MAC addresses, VLAN) on
                             each text line, as tcpdump -e */

/* What the run saw apart from the tracker. Owned by the pipeline; the I/O
 * shell fills the capture fields and input_error before finishing. */
struct run_stats {
    uint64_t packets;        /* frames handed to the pipeline */
    uint64_t tcp_packets;    /* frames decoded to a TCP segment */
    uint64_t bytes;          /* wire bytes */
    uint64_t decode[DECODE__COUNT];
    uint64_t anomalies[PKT_ANOM__COUNT]; /* by bit index */
    uint64_t first_ts_ns, last_ts_ns;
    bool have_capture_stats; /* live: libpcap's counters below are valid */
    uint64_t cap_received, cap_dropped, cap_ifdropped;
    const char *input_error; /* e.g. "truncated dump file" (kept in the summary) */
    const struct hs_summary *hs; /* handshake times, retransmits, refused ports
                                    (hsstats.h); NULL: not collected */
    bool interrupted;        /* Ctrl-C ended the run before the end of its input */
    double input_percent;    /* how much of the input file was read; < 0: unknown */
    bool filter_active;      /* --outcome / --slower-than chose what was shown */
    uint64_t filter_dropped_lines; /* lines of chosen connections a bound dropped */
    bool have_held;          /* demo slow motion: held_retransmits below is valid */
    uint64_t held_retransmits[2]; /* copies of a held segment a kernel sent and
                                     the wire kept back (client, server) */
};

struct reporter;
struct hs_summary;

/* --- `tcpshake demo`: the system calls and the kernel's own view beside
 * the segments. Plain values (names already resolved by the caller, which
 * reads the kernel), valid during the call only. */

/* One socket as the kernel sees it. */
struct rpt_ksock {
    const char *socket;        /* "client", "server" or "listener" */
    bool present;              /* false: the kernel has no such socket (not yet, or gone) */
    uint8_t state;             /* enum tcp_state: the kernel's state in our spelling */
    const char *kernel_state;  /* the kernel's own spelling: "FIN_WAIT1", "CLOSE", ... */
    bool request;              /* a request socket: SYN received, no full socket yet */
    const char *source;        /* "tcp_info" or "sock_diag" */
    struct ip_addr laddr, raddr; /* raddr.family 0: not connected */
    uint16_t lport, rport;
    uint32_t timer_ms;         /* time left on its timer (TIME_WAIT, SYN+ACK retransmit); 0 = none */
    bool listening;            /* a LISTEN socket: the two below are valid */
    uint32_t accept_queue;     /* connections waiting for accept() */
    uint32_t backlog;          /* listen()'s backlog */
};

#define RPT_KSOCK_MAX 3

/* One kernel snapshot: the client, the server end of the connection and
 * the listener, in that order. */
struct rpt_kernel {
    uint64_t ts_ns;            /* when it was taken */
    uint32_t step;             /* 1, 2, ...: numbers the snapshots of a run */
    const char *why;           /* "after connect()", "SYN crossed client -> server", ... */
    size_t n;                  /* entries in sock[] */
    struct rpt_ksock sock[RPT_KSOCK_MAX];
};

/* The wire-inferred states (tracker) and the kernel's, compared at a
 * snapshot where both are stable. States are enum tcp_state by enum
 * trk_side; a socket the kernel does not have counts as CLOSED. */
struct rpt_agree {
    uint64_t ts_ns;
    uint32_t step;             /* the snapshot compared (rpt_kernel.step) */
    bool ok;                   /* wire[] == kernel[] */
    uint8_t wire[2], kernel[2];
    const char *on_wire;       /* a segment held on the wire ("SYN+ACK server -> client"):
                                  the wire side counts it as sent but not yet received;
                                  NULL when none */
    const char *note;          /* ok despite different states: why that is expected
                                  (a SYN cookie keeps no request socket); NULL when none */
};

/* Demo slow motion: a kernel retransmitted a segment the wire was holding
 * (or whose answer it was holding); the wire kept the copy back. */
struct rpt_held_copy {
    uint64_t ts_ns;            /* when the copy reached the wire */
    uint8_t side;              /* enum trk_side: whose kernel sent it */
    const char *segment;       /* "SYN", "PSH+ACK 12 bytes" */
    uint64_t after_ns;         /* since the first copy */
    uint32_t count;            /* copies of this segment kept back so far */
};

/* watch (a SYN to a local listener) and demo: what the listener's kernel
 * did with a SYN (issue 16; klisten.h has the rules). Plain values. */
struct rpt_listener {
    uint64_t ts_ns;
    uint64_t conn;             /* the connection's id; 0 = none known */
    uint32_t step;             /* demo: the kernel snapshot it goes with; 0 = watch */
    uint8_t event;             /* enum kl_event */
    uint8_t reason;            /* enum kl_reason (KL_REASON_NONE for a cookie) */
    struct ip_addr caddr, saddr; /* the connection: client and server */
    uint16_t cport, sport;
    struct kl_listener l;      /* l.found false: nothing listens there */
    struct kl_counters delta;  /* the counters' rise since the previous sample */
};

struct reporter_ops {
    /* A decoded TCP segment and what the tracker made of it. */
    void (*segment)(struct reporter *r, const struct pkt *p, const struct trk_verdict *v);
    /* A frame that did not decode to TCP. The pipeline calls it for every
     * such frame (so a reporter sees the first frame's time); reporters
     * print it with RPT_ALL only. */
    void (*undecoded)(struct reporter *r, const struct pkt *p, enum decode_status st);
    /* A state change caused by packet time passing (cause "timeout"). */
    void (*timer_change)(struct reporter *r, const struct conn *c, const struct trk_change *ch,
                         uint64_t ts_ns);
    /* A connection record. */
    void (*conn_end)(struct reporter *r, const struct conn *c, enum trk_end why, uint64_t ts_ns);
    /* The summary. */
    void (*finish)(struct reporter *r, const struct run_stats *rs, const struct tracker_stats *ts);
    void (*destroy)(struct reporter *r);
    /* The demo's extras, beside the segments; a NULL op ignores them. Call
     * them through reporter_syscall() and friends. */
    /* A system call made or returned, in words ("connect() returned 0");
     * ts_ns is when it was reported. */
    void (*syscall)(struct reporter *r, uint64_t ts_ns, const char *text);
    /* A kernel snapshot. */
    void (*kernel)(struct reporter *r, const struct rpt_kernel *k);
    /* The comparison made at a snapshot (right after its kernel()). */
    void (*agree)(struct reporter *r, const struct rpt_agree *a);
    /* A retransmitted copy kept back by the demo's wire. */
    void (*held_copy)(struct reporter *r, const struct rpt_held_copy *h);
    /* The run's first frame time, when a filter in front may hold the first
     * events back: relative times stay relative to the first frame. */
    void (*epoch)(struct reporter *r, uint64_t ts_ns);
    /* What a local listener's kernel did with a SYN (watch, demo). */
    void (*listener)(struct reporter *r, const struct rpt_listener *l);
};

struct reporter {
    const struct reporter_ops *ops;
    FILE *out;
    unsigned flags;
};

/* Text: one line per handshake-relevant segment (SYN, SYN+ACK, the ACK that
 * completes a handshake, RST, FIN, and any other segment that moved an
 * endpoint) with the states it caused; every segment and undecodable frame
 * with RPT_ALL; a line per connection record; with RPT_QUIET only the
 * records; a summary; for the demo, a line per system call, kernel
 * snapshot and comparison. Times are seconds since the first frame (or
 * demo record) seen. NULL on out-of-memory. */
struct reporter *report_text_new(FILE *out, unsigned flags);
/* The ladder draws every line within `width` columns (0: no limit): narrower
 * arrows, shortened lane labels (ladder_style_fit()). */
void report_ladder_set_width(struct reporter *r, int width);
/* How the text view stamps its lines (tcpdump's -t family). */
enum rpt_time {
    RPT_TIME_SINCE_FIRST = 0, /* -ttttt, the default: seconds since the first frame */
    RPT_TIME_NONE,            /* -t: no time column */
    RPT_TIME_EPOCH,           /* -tt: seconds since 1970 */
    RPT_TIME_DELTA,           /* -ttt: since the previous line */
    RPT_TIME_DATE,            /* -tttt: date and wall-clock time */
};
/* Choose the text view's time column; tz_offset_s is added for
 * RPT_TIME_DATE (the CLI's --time-zone: 0 for UTC). No-op for a reporter
 * that is not the text view. */
void report_text_set_time(struct reporter *r, enum rpt_time mode, int32_t tz_offset_s);
/* NDJSON: "state" per transition, "conn" per record, a last "summary"
 * ("segment" per TCP segment and "undecoded" per other frame with RPT_ALL;
 * only "conn" and "summary" with RPT_QUIET); for the demo, "syscall",
 * "kernel" (one per socket of a snapshot) and "agree". Schema in
 * docs/NDJSON.md. */
struct reporter *report_json_new(FILE *out, unsigned flags);

/* The NDJSON schema's version: in every "meta" and "summary" record. Every
 * new field or record type bumps it (docs/NDJSON.md, "Change log"). */
#define RPT_SCHEMA_VERSION 4

/* What the first NDJSON record says about the run: enough to know how the
 * records were made (the options that shape them), nothing machine-
 * dependent beyond what the user typed. */
struct rpt_meta {
    const char *command;        /* "read", "watch", "demo", "craft" */
    const char *const *inputs;  /* read: the files as given ("-" = stdin) */
    size_t ninputs;
    const char *interface;      /* watch: the interface; else NULL */
    const char *filter;         /* the BPF expression, or NULL */
    unsigned flags;             /* RPT_* that shape the records */
    uint64_t max_conns, count, packets;  /* 0: default / no limit */
    const char *outcomes;       /* --outcome list as given, or NULL */
    int64_t slower_than_ns;     /* --slower-than, or -1 */
};
/* Write the "meta" record (a JSON reporter only; a no-op for others). Call
 * it before anything else is reported. */
void report_json_meta(struct reporter *r, const struct rpt_meta *m);
/* Ladder: a sequence diagram per connection (ladder.h has the layout):
 * two lanes labelled ip:port, one arrow per segment, each endpoint's state
 * beside its lane after every segment, a record line, the text summary.
 * Default: rows are held per connection (bounded: config.h CFG_LADDER_*)
 * and each connection is drawn as one block when it ends. RPT_STREAM: each
 * row is drawn as it comes, with the lane header again whenever the
 * connection changes (live capture; one segment at a time for a demo).
 * only_conn != 0 draws that connection alone (the summary stays whole).
 * Flags also: RPT_ASCII, RPT_COLOR, RPT_EXPLAIN, RPT_ABS_SEQ, RPT_ALL,
 * RPT_QUIET (record lines only). NULL on out-of-memory. */
struct reporter *report_ladder_new(FILE *out, unsigned flags, uint64_t only_conn);
/* SVG: the ladder as one standalone SVG document for slides, written to
 * `out` when the run finishes (report_svg.c; bounded by CFG_SVG_*: what
 * does not fit is counted in the picture). All connections, or only_conn.
 * Prints no summary. The caller opens and closes `out`. NULL on ENOMEM. */
struct reporter *report_svg_new(FILE *out, unsigned flags, uint64_t only_conn);
/* --report: the whole run as one self-contained HTML page (inline SVG
 * charts over time, distributions, top tables, every summary counter, and
 * the numbers as JSON in the page), written to `out` when the run finishes
 * (report_page.c; bounded aggregates: pagestats.h). `m` (may be NULL)
 * names the input in the page head. The caller opens and closes `out`.
 * NULL on ENOMEM. */
struct reporter *report_page_new(FILE *out, const struct rpt_meta *m);
/* HTML: one self-contained page (report_html.c; docs/VIEWS.md) to step
 * through the connections in a browser, the ladder beside RFC 9293's state
 * diagram; written to `out` when the run finishes. It embeds the NDJSON that
 * `--json --all` writes (with `meta`'s record first when meta is not NULL),
 * bounded by CFG_HTML_*; flags: RPT_ABS_SEQ, RPT_VERBOSE. only_conn != 0 is
 * preselected. The caller opens and closes `out`. NULL on ENOMEM. */
struct reporter *report_html_new(FILE *out, unsigned flags, uint64_t only_conn,
                                 const struct rpt_meta *meta);
/* --state-diagram: RFC 9293's state diagram as a standalone SVG, with the
 * transitions of connection only_conn (0: none, the bare figure) drawn on
 * it for both endpoints (report_sdiag.c, statediag.h). Written at finish. */
struct reporter *report_sdiag_new(FILE *out, unsigned flags, uint64_t only_conn);
/* Both reporters get every call, `a` first; the tee owns and destroys both.
 * `a` may not be NULL; with b NULL it returns a. NULL on ENOMEM (then
 * neither is destroyed). */
struct reporter *report_tee_new(struct reporter *a, struct reporter *b);
void reporter_destroy(struct reporter *r);
/* The demo's records; each does nothing when the reporter lacks the op. */
void reporter_syscall(struct reporter *r, uint64_t ts_ns, const char *text);
void reporter_kernel(struct reporter *r, const struct rpt_kernel *k);
void reporter_agree(struct reporter *r, const struct rpt_agree *a);
void reporter_held_copy(struct reporter *r, const struct rpt_held_copy *h);
void reporter_epoch(struct reporter *r, uint64_t ts_ns);
void reporter_listener(struct reporter *r, const struct rpt_listener *l);

/* --outcome / --slower-than: a reporter in front of `inner` (which it owns)
 * that passes on only the connections whose outcome bit (1 << enum
 * hs_outcome) is in `outcomes` (0: any) and, with slower_than_ns >= 0, whose
 * complete handshake (SYN to the completing ACK) took longer. A
 * connection's events are held until its outcome is known (bounded:
 * config.h CFG_FILTER_*); the summary counts everything. NULL on OOM. */
struct reporter *report_filter_new(struct reporter *inner, unsigned outcomes,
                                   int64_t slower_than_ns);

/* Write `s` as a JSON string, quotes included (NULL -> null; invalid UTF-8
 * -> U+FFFD), for objects a shell writes beside a reporter's NDJSON lines,
 * such as craft's "info" and "craft" objects (docs/NDJSON.md). */
void report_json_string(FILE *out, const char *s);

/* Helpers shared by reporters. */
/* Relative sequence number of `seq` sent by side `s` (ISN-based; RPT_ABS_SEQ off). */
uint32_t conn_rel_seq(const struct conn *c, int side, uint32_t seq);
/* One line saying what a segment did, for a pcapng packet comment:
 * "tcpshake #3: client SYN_SENT->ESTABLISHED, server LISTEN->SYN_RECV".
 * Returns 0 (and writes "") when the segment changed no state and decided
 * nothing. */
size_t trk_verdict_describe(const struct trk_verdict *v, char *out, size_t cap);
/* Seconds.microseconds of a packet time: "1700000000.123456". */
void ts_format(uint64_t ts_ns, char out[32]);

#endif
