/* craft_cli.h: what the files of the `craft` subcommand share: the parsed
 * arguments (craft_opts.c: the option tables and --help; craft_args.c:
 * parsing), the output (craft_out.c), one segment (craft_seg.c) and the
 * handshake and listen runs (cmd_craft.c). Private to src/cli. */
#ifndef TCPSHAKE_CRAFT_CLI_H
#define TCPSHAKE_CRAFT_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "capture.h"
#include "cli.h"
#include "config.h"
#include "craft.h"
#include "craft_hs.h"
#include "craft_run.h"
#include "pipeline.h"
#include "report.h"
#include "tcp_wire.h"

#define NS_PER_S 1000000000ull
#define SEG_WAIT_DEFAULT_NS 300000000ull /* answers to one segment, on lo: microseconds */
#define SEG_POLL_MS 20
#define PORT_LO 32768u                   /* Linux ip_local_port_range defaults */
#define PORT_HI 60999u
#define MAX_SECONDS 3600u                /* every time option */
#define RUN_SLACK_NS 30000000000ull      /* hard limit beyond the waits asked for */
#define CRAFT_CLI_MAX_CONNS 1024u        /* tracker table: one connection and strays */
#define CRAFT_CLI_LINGER_NS 200000000ull /* handshake: established this long before FIN */

/* Which forms an option applies to. */
#define M_SEG 0x1u    /* syn, synack, ack, rst, fin */
#define M_HS 0x2u     /* handshake */
#define M_LISTEN 0x4u /* listen */
#define M_ALL (M_SEG | M_HS | M_LISTEN)


enum {
    OPT_TO = 256, OPT_FROM, OPT_FROM_PORT, OPT_PORT, OPT_ADDRESS, OPT_PEER, OPT_ALLOW_REMOTE,
    OPT_SEQ, OPT_ACK, OPT_WIN, OPT_MSS, OPT_WSCALE, OPT_SACKOK, OPT_TS, OPT_TFO_COOKIE,
    OPT_TFO_REQUEST, OPT_ECN, OPT_TTL, OPT_DATA, OPT_NO_MSS, OPT_NO_WSCALE, OPT_NO_SACKOK,
    OPT_NO_TS, OPT_NO_OPTIONS, OPT_LINK, OPT_WAIT, OPT_HOLD, OPT_HOLD_TIME, OPT_CLOSE,
    OPT_LINGER, OPT_IDLE, OPT_RETRIES, OPT_NO_GUARD, OPT_TIMEOUT, OPT_JSON, OPT_ALL,
};


struct craft_opt {
    struct cli_opt o;
    unsigned modes; /* M_* */
};

/* The option groups of --help, in order (craft_opts.c). */
struct craft_opt_group {
    const char *title;
    const struct craft_opt *opts;
    size_t n;
};
extern const struct craft_opt_group craft_groups[];
extern const size_t craft_ngroups;
#define CRAFT_MAX_OPTS 64 /* all groups together (checked in craft_opts.c) */

enum craft_kind { K_SYN, K_SYNACK, K_ACK, K_RST, K_FIN, K_HANDSHAKE, K_LISTEN };

struct craft_args {
    enum craft_kind kind;
    unsigned mode;
    const char *sub;
    struct ip_addr to, from, peer, address;
    uint16_t to_port, from_port, peer_port, listen_port;
    bool have_to, have_from, have_peer, have_address;
    const char *device;
    bool allow_remote, no_guard;
    bool have_seq, have_ack;
    uint32_t seq, ack;
    bool have_win;
    uint16_t win;
    bool have_mss, have_wscale, have_ts, have_tfo_cookie;
    uint16_t mss;
    uint8_t wscale;
    bool sackok, tfo_request, ecn;
    uint32_t ts_val, ts_ecr;
    uint8_t tfo_len;
    uint8_t tfo_cookie[TCPOPT_MAX_TFO_COOKIE];
    uint8_t ttl;
    const char *data;
    uint32_t data_len;
    bool no_mss, no_wscale, no_sackok, no_ts, no_options;
    const char *write_path;
    enum link_type link;
    bool have_link;
    bool have_wait, have_idle, have_hold_time, have_timeout, have_retries, have_linger;
    uint64_t wait_ns, idle_ns, hold_ns, linger_ns, timeout_ns;
    unsigned retries;
    bool hold;
    enum hs_close close;
    bool json;
    unsigned flags; /* RPT_* */
};

/* Parse argv (argv[0] = "craft"). -1 to go on, or an exit status. */
int craft_parse_args(int argc, char **argv, struct craft_args *a);

/* ---- output (craft_out.c) ---- */

/* Set by SIGINT/SIGTERM while a run is going on. */
extern volatile sig_atomic_t craft_stop_flag;
/* The single segment's capture, broken out of on a signal (or NULL). */
extern struct capture *volatile craft_stop_cap;
void craft_signals_install(void);
void craft_signals_restore(void);

struct out {
    const struct craft_args *a;
    struct reporter *rep;
    struct pipeline *pl;
    struct tracker_cfg tcfg;
    bool oom;
    /* what we count ourselves, for the closing explanation */
    struct ip_addr local;
    uint16_t lport;
    bool have_local;
    unsigned peer_synacks;
    struct ip_addr sent_src;
    uint16_t sent_sport;
    bool sent;
};

/* Start the output (reporter on stdout, NDJSON meta). -1 to go on, or an
 * exit status after a message. */
int craft_out_start(struct out *o, const struct craft_args *a);
/* Flush the tracker (records, summary) and release; the exit status. */
int craft_out_finish(struct out *o, int status);
/* A "# " line, or an "info" object with --json (none with -q). */
void craft_out_info(void *user, const char *text);
__attribute__((format(printf, 2, 3))) void craft_out_infof(struct out *o, const char *fmt, ...);
/* The pipeline for link type lt, created on first use. false: out of memory. */
bool craft_out_pipeline(struct out *o, enum link_type lt);
/* craft_run callbacks: a captured frame; the run is ready (sockets open). */
void craft_out_frame(void *user, const struct frame *f, enum link_type lt);
void craft_out_ready(void *user, const struct craft_run_info *ri);
/* The hand-written "craft" record's members (first: no comma yet). */
void craft_json_str(bool *first, const char *k, const char *v);
void craft_json_raw(bool *first, const char *k, const char *v);
void craft_json_u(bool *first, const char *k, unsigned long long v);
/* One line for a failed run, and its exit status. */
int craft_cli_failure(const struct craft_args *a, enum crun_status st, const char *err);
/* The "craft" record or the "# end:" lines of a handshake or listen run. */
void craft_print_end(struct out *o, const struct craft_run_result *r);

/* ---- one segment (craft_seg.c) ---- */

/* craft syn|synack|ack|rst|fin: send it and show the answers, or --write it. */
int craft_segment(const struct craft_args *a);

#endif
