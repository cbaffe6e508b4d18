/* cmd_craft.c: `tcpshake craft`: hand-made TCP segments through raw sockets.
 * `craft handshake` plays the client against a kernel listener, `craft
 * listen` plays the server for a kernel client, `craft syn|synack|ack|rst|fin`
 * sends one segment (or writes it to a pcap with --write, no privilege).
 * Everything captured goes through the read pipeline, so the tracker prints
 * each segment with both endpoints' states; the crafter's explanations (the
 * kernel's RST, the guard: docs/CRAFT.md, SEMANTICS.md 6) are `# ` lines, or
 * "info" objects with --json. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture.h"
#include "cli.h"
#include "config.h"
#include "craft.h"
#include "craft_hs.h"
#include "craft_run.h"
#include "decode.h"
#include "pcapfile.h"
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

static const struct craft_opt addr_opts[] = {
    { { OPT_TO, "to", "IP:PORT", "where the segment goes; handshake: the server ([v6]:PORT)" },
      M_SEG | M_HS },
    { { OPT_FROM, "from", "IP[:PORT]", "our address and port (default: the route's source\n"
                                       "                         address, a free port)" },
      M_SEG | M_HS },
    { { OPT_FROM_PORT, "from-port", "P", "our port (default: a free one in 32768..60999)" },
      M_SEG | M_HS },
    { { OPT_PORT, "port", "P", "listen: the port to play the server on (required)" }, M_LISTEN },
    { { OPT_ADDRESS, "address", "IP", "listen: our address (default 127.0.0.1)" }, M_LISTEN },
    { { OPT_PEER, "peer", "IP[:PORT]", "listen: answer only this client" }, M_LISTEN },
    { { 'i', "interface", "IFACE", "capture on IFACE (default lo for this host's addresses)" },
      M_ALL },
    { { OPT_ALLOW_REMOTE, "allow-remote", NULL,
        "allow addresses that are not this host's (only on a\n"
        "                         network you are allowed to test)" },
      M_ALL },
};

static const struct craft_opt seg_opts[] = {
    { { OPT_SEQ, "seq", "N", "sequence number / our ISN (default random)" }, M_ALL },
    { { OPT_ACK, "ack", "N", "acknowledgment number (default 0; rst: RST+ACK)" }, M_SEG },
    { { OPT_WIN, "win", "N", "window field (default 64240)" }, M_ALL },
    { { OPT_MSS, "mss", "N", "MSS option, 1..65535 (handshake, listen: default 1460)" }, M_ALL },
    { { OPT_WSCALE, "wscale", "N", "window scale option, 0..14 (handshake, listen: 7)" }, M_ALL },
    { { OPT_SACKOK, "sackok", NULL, "SACK-permitted option (handshake, listen: default)" },
      M_ALL },
    { { OPT_TS, "ts", "VAL[:ECR]", "timestamps option: TSval, TSecr (handshake, listen:\n"
                                   "                         default, TSval from 1)" },
      M_ALL },
    { { OPT_TFO_COOKIE, "tfo-cookie", "HEX", "TCP Fast Open cookie, 4..16 bytes in hex; listen:\n"
                                             "                         given to clients that ask" },
      M_ALL },
    { { OPT_TFO_REQUEST, "tfo-request", NULL, "TCP Fast Open cookie request (empty option)" },
      M_SEG | M_HS },
    { { OPT_ECN, "ecn", NULL, "ECN: SYN with ECE+CWR, SYN+ACK with ECE (RFC 3168\n"
                              "                         6.1.1); other segments: ECE" },
      M_ALL },
    { { OPT_TTL, "ttl", "N", "IPv4 TTL / IPv6 hop limit, 1..255 (default 64)" }, M_ALL },
    { { OPT_DATA, "data", "TEXT", "payload (at most 1200 bytes); handshake, listen: sent\n"
                                  "                         once established" },
      M_ALL },
    { { OPT_NO_MSS, "no-mss", NULL, "leave the MSS option out" }, M_HS | M_LISTEN },
    { { OPT_NO_WSCALE, "no-wscale", NULL, "leave the window scale option out" }, M_HS | M_LISTEN },
    { { OPT_NO_SACKOK, "no-sackok", NULL, "leave SACK-permitted out" }, M_HS | M_LISTEN },
    { { OPT_NO_TS, "no-ts", NULL, "leave the timestamps option out" }, M_HS | M_LISTEN },
    { { OPT_NO_OPTIONS, "no-options", NULL, "no options but those given explicitly" },
      M_HS | M_LISTEN },
};

static const struct craft_opt one_opts[] = {
    { { 'w', "write", "FILE", "write the segment to a pcap FILE instead of sending it\n"
                              "                         (no privilege needed; '-' = stdout)" },
      M_SEG },
    { { OPT_LINK, "link", "TYPE", "--write link type: raw (default) or ethernet" }, M_SEG },
    { { OPT_WAIT, "wait", "SEC", "how long to show answers (default 0.3); listen: how\n"
                                 "                         long to wait for a client (default 30)" },
      M_SEG | M_LISTEN },
};

static const struct craft_opt hs_opts_tab[] = {
    { { OPT_HOLD, "hold", NULL, "never ACK the SYN+ACK: the server stays in SYN_RECV\n"
                                "                         and re-sends it (half-open)" },
      M_HS },
    { { OPT_HOLD_TIME, "hold-time", "SEC", "how long --hold watches (default 3.5)" }, M_HS },
    { { OPT_CLOSE, "close", "HOW", "fin (default), rst or none: how we end the connection;\n"
                                   "                         --hold: rst resets the half-open entry" },
      M_HS | M_LISTEN },
    { { OPT_LINGER, "linger", "SEC", "stay established this long before closing (default 0.2)" },
      M_HS },
    { { OPT_IDLE, "idle", "SEC", "listen: close first after SEC idle (default 10)" }, M_LISTEN },
    { { OPT_RETRIES, "retries", "N", "retransmissions of one segment, 0..8 (default 3)" },
      M_HS | M_LISTEN },
    { { OPT_NO_GUARD, "no-guard", NULL, "no nft RST guard: let this host's kernel answer\n"
                                        "                         with RST, and watch it" },
      M_HS | M_LISTEN },
    { { OPT_TIMEOUT, "timeout", "SEC", "hard limit on the whole run (default 60)" },
      M_HS | M_LISTEN },
};

static const struct craft_opt out_opts[] = {
    { { OPT_JSON, "json", NULL, "NDJSON output, with \"info\" and \"craft\" objects" }, M_ALL },
    { { OPT_ALL, "all", NULL, "show every TCP segment" }, M_ALL },
    { { 'q', "quiet", NULL, "connection records, the run's end and the summary only" }, M_ALL },
    { { 'S', "absolute-seq", NULL, "absolute sequence numbers" }, M_ALL },
    { { 'v', "verbose", NULL, "more detail: TTL, window, anomalies" }, M_ALL },
    { { 'h', "help", NULL, "show this help" }, M_ALL },
};

static const struct {
    const char *title;
    const struct craft_opt *opts;
    size_t n;
} groups[] = {
#define G(t, a) { t, a, sizeof(a) / sizeof(a[0]) }
    G("Addresses", addr_opts),
    G("Segment fields and options", seg_opts),
    G("One segment", one_opts),
    G("Handshake and listen", hs_opts_tab),
    G("Output", out_opts),
#undef G
};
#define N_GROUPS (sizeof(groups) / sizeof(groups[0]))
#define N_CRAFT_OPTS                                                                        \
    (sizeof(addr_opts) / sizeof(addr_opts[0]) + sizeof(seg_opts) / sizeof(seg_opts[0]) +    \
     sizeof(one_opts) / sizeof(one_opts[0]) + sizeof(hs_opts_tab) / sizeof(hs_opts_tab[0]) + \
     sizeof(out_opts) / sizeof(out_opts[0]))

void cmd_craft_help(FILE *out)
{
    struct cli_opt tmp[32];
    size_t g, i;
    fprintf(out,
            "Usage: " CLI_PROG " craft handshake --to IP:PORT [--from-port P] [OPTIONS]\n"
            "       " CLI_PROG " craft listen --port P [OPTIONS]\n"
            "       " CLI_PROG " craft syn|synack|ack|rst|fin --to IP:PORT [--from IP:PORT]\n"
            "                      [OPTIONS]\n"
            "       " CLI_PROG " craft syn|synack|ack|rst|fin --from IP:PORT --to IP:PORT\n"
            "                      --write FILE\n"
            "\n"
            "Build TCP segments by hand (correct IP and TCP checksums) and send them\n"
            "through a raw socket (IPv4 with IP_HDRINCL, IPv6), then show what the\n"
            "kernels did with them: every captured segment with the RFC 9293 state of\n"
            "both endpoints, as '" CLI_PROG " read' shows it, and '# ' lines explaining\n"
            "each step.\n"
            "\n"
            "  handshake  play the client: SYN, catch the listener's SYN+ACK, ACK, then\n"
            "             FIN both ways. The listener's accept() returns the connection.\n"
            "  listen     play the server on port P: a kernel client's SYN gets a crafted\n"
            "             SYN+ACK, and its connect() returns 0.\n"
            "  syn, synack, ack, rst, fin\n"
            "             one segment (fin is FIN+ACK; data adds PSH to ack and fin), and\n"
            "             the answers for --wait seconds; or, with --write, into a pcap\n"
            "             file. Only the options given are sent.\n"
            "\n"
            "Why a guard: this host's kernel never sent the crafted SYN, so no socket of\n"
            "its own owns the connection, and it answers the server's SYN+ACK with RST\n"
            "(RFC 9293 3.10.7.1): the server drops the half-open connection and the\n"
            "handshake is aborted. handshake and listen prevent this with a temporary\n"
            "nft table (inet tcpshake_<pid>) that drops segments for the crafted port at\n"
            "the input hook, where the capture still sees them; it is removed when the\n"
            "run ends, and a table left by a killed crafter is removed by the next run.\n"
            "--no-guard lets the RST through, to show it. Single segments use no guard.\n"
            "\n"
            "Examples:\n"
            "  " CLI_PROG " craft handshake --to 127.0.0.1:8080\n"
            "  " CLI_PROG " craft handshake --to 127.0.0.1:8080 --hold     # half-open: SYN_RECV\n"
            "  " CLI_PROG " craft handshake --to [::1]:8080 --no-guard     # the kernel's RST\n"
            "  " CLI_PROG " craft listen --port 9000     # then: nc 127.0.0.1 9000\n"
            "  " CLI_PROG " craft syn --from 192.0.2.1:40000 --to 192.0.2.2:80 --mss 1460 \\\n"
            "        --sackok --ts 1 --wscale 7 --write syn.pcap\n");
    for (g = 0; g < N_GROUPS; g++) {
        for (i = 0; i < groups[g].n && i < sizeof(tmp) / sizeof(tmp[0]); i++)
            tmp[i] = groups[g].opts[i].o;
        fprintf(out, "\n%s:\n", groups[g].title);
        cli_print_opts(out, tmp, i);
    }
    fprintf(out,
            "\n"
            "Only this host's addresses (loopback or an interface's) are allowed unless\n"
            "--allow-remote. Every wait is bounded, every retransmission counted (at most\n"
            "64 segments per run).\n"
            "\n"
            "Sending needs root or CAP_NET_RAW, plus CAP_NET_ADMIN for the guard:\n"
            "  sudo setcap cap_net_raw,cap_net_admin=eip $(command -v " CLI_PROG ")\n"
            "and the guard needs nft (package nftables). --write needs neither.\n"
            "\n"
            "Exit status: 0 when the run ended as asked (handshake closed, held, left\n"
            "open; the client's connect() completed); 11 when it did not (refused,\n"
            "unanswered, reset: with --no-guard, by this host's kernel); 2 for a bad\n"
            "argument or an address that is not this host's; 8 without privilege; see\n"
            "'" CLI_PROG " --help' for the rest.\n");
}

/* ---- arguments ------------------------------------------------------------ */

enum craft_kind { K_SYN, K_SYNACK, K_ACK, K_RST, K_FIN, K_HANDSHAKE, K_LISTEN };

static const struct {
    const char *name;
    enum craft_kind kind;
    unsigned mode;
} kinds[] = {
    { "handshake", K_HANDSHAKE, M_HS }, { "listen", K_LISTEN, M_LISTEN },
    { "syn", K_SYN, M_SEG },            { "synack", K_SYNACK, M_SEG },
    { "ack", K_ACK, M_SEG },            { "rst", K_RST, M_SEG },
    { "fin", K_FIN, M_SEG },
};

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

/* "--opt: 'text' is not ..." */
__attribute__((format(printf, 3, 4))) static int bad_value(const char *opt, const char *val,
                                                           const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    cli_error("--%s: '%s' is not %s", opt, val, why);
    return EXIT_USAGE;
}

static int parse_u32(const char *opt, const char *s, unsigned long min, unsigned long max,
                     uint32_t *out)
{
    unsigned long v;
    if (cli_parse_ulong(s, min, max, &v) != 0)
        return bad_value(opt, s, "a number from %lu to %lu", min, max);
    *out = (uint32_t)v;
    return -1;
}

/* Seconds with up to 9 decimals ("3", "0.25"), at most MAX_SECONDS. */
static int parse_seconds(const char *opt, const char *s, bool zero_ok, uint64_t *ns)
{
    const char *p = s;
    uint64_t whole = 0, frac = 0, scale = NS_PER_S;
    int digits = 0;
    while (*p >= '0' && *p <= '9' && digits < 10) {
        whole = whole * 10u + (uint64_t)(*p++ - '0');
        digits++;
    }
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9' && scale > 1) {
            scale /= 10u;
            frac += (uint64_t)(*p++ - '0') * scale;
            digits++;
        }
    }
    if (digits == 0 || *p != '\0' || whole > MAX_SECONDS ||
        (whole == MAX_SECONDS && frac > 0) ||
        (!zero_ok && whole * NS_PER_S + frac < NS_PER_S / 1000u))
        return bad_value(opt, s, "a time in seconds from %s to %u (e.g. 0.5)",
                         zero_ok ? "0" : "0.001", MAX_SECONDS);
    *ns = whole * NS_PER_S + frac;
    return -1;
}

/* IP:PORT or [v6]:PORT, port 1..65535. */
static int parse_endpoint(const char *opt, const char *s, struct ip_addr *a, uint16_t *port)
{
    if (endpoint_parse(s, a, port) != 0 || *port == 0)
        return bad_value(opt, s, "IP:PORT or [IPv6]:PORT with a port from 1 to 65535");
    return -1;
}

/* IP, [v6], IP:PORT or [v6]:PORT; port 0 = not given. */
static int parse_addr_port(const char *opt, const char *s, struct ip_addr *a, uint16_t *port)
{
    char buf[IPADDR_STRLEN + 2];
    size_t n = strlen(s);
    *port = 0;
    if (endpoint_parse(s, a, port) == 0) {
        if (*port == 0)
            return bad_value(opt, s, "an address with a port from 1 to 65535");
        return -1;
    }
    if (n >= 2 && n < sizeof(buf) && s[0] == '[' && s[n - 1] == ']') {
        memcpy(buf, s + 1, n - 2);
        buf[n - 2] = '\0';
        if (ipaddr_parse(buf, a) == 0 && a->family == IPADDR_V6)
            return -1;
    } else if (ipaddr_parse(s, a) == 0) {
        return -1;
    }
    return bad_value(opt, s, "IP, IP:PORT or [IPv6]:PORT");
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* RFC 7413 4.1.1: a cookie is 4 to 16 bytes. */
static int parse_cookie(const char *s, struct craft_args *a)
{
    size_t n = strlen(s), i;
    if (n % 2 != 0 || n < 8 || n > 2 * TCPOPT_MAX_TFO_COOKIE)
        return bad_value("tfo-cookie", s, "4 to 16 bytes in hex (8 to 32 hex digits)");
    for (i = 0; i < n; i += 2) {
        int hi = hexval(s[i]), lo = hexval(s[i + 1]);
        if (hi < 0 || lo < 0)
            return bad_value("tfo-cookie", s, "4 to 16 bytes in hex (8 to 32 hex digits)");
        a->tfo_cookie[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    a->tfo_len = (uint8_t)(n / 2);
    a->have_tfo_cookie = true;
    return -1;
}

static int parse_ts(const char *s, struct craft_args *a)
{
    const char *colon = strchr(s, ':');
    char val[16];
    unsigned long v, e = 0;
    size_t n = colon ? (size_t)(colon - s) : strlen(s);
    if (n == 0 || n >= sizeof(val))
        return bad_value("ts", s, "VAL or VAL:ECR (numbers from 0 to 4294967295)");
    memcpy(val, s, n);
    val[n] = '\0';
    if (cli_parse_ulong(val, 0, UINT32_MAX, &v) != 0 ||
        (colon && cli_parse_ulong(colon + 1, 0, UINT32_MAX, &e) != 0))
        return bad_value("ts", s, "VAL or VAL:ECR (numbers from 0 to 4294967295)");
    a->ts_val = (uint32_t)v;
    a->ts_ecr = (uint32_t)e;
    a->have_ts = true;
    return -1;
}

/* One option's value; -1 to go on, or an exit status. */
static int take_option(int c, const char *arg, struct craft_args *a)
{
    uint32_t v = 0;
    int rc = -1;
    switch (c) {
    case OPT_TO:
        rc = parse_endpoint("to", arg, &a->to, &a->to_port);
        a->have_to = rc < 0;
        return rc;
    case OPT_FROM: {
        uint16_t p;
        rc = parse_addr_port("from", arg, &a->from, &p);
        if (rc >= 0)
            return rc;
        a->have_from = true;
        if (p)
            a->from_port = p;
        return -1;
    }
    case OPT_FROM_PORT:
        rc = parse_u32("from-port", arg, 1, 65535, &v);
        a->from_port = (uint16_t)v;
        return rc;
    case OPT_PORT:
        rc = parse_u32("port", arg, 1, 65535, &v);
        a->listen_port = (uint16_t)v;
        return rc;
    case OPT_ADDRESS:
        if (ipaddr_parse(arg, &a->address) != 0)
            return bad_value("address", arg, "an IPv4 or IPv6 address");
        a->have_address = true;
        return -1;
    case OPT_PEER:
        rc = parse_addr_port("peer", arg, &a->peer, &a->peer_port);
        a->have_peer = rc < 0;
        return rc;
    case 'i': a->device = arg; return -1;
    case OPT_ALLOW_REMOTE: a->allow_remote = true; return -1;
    case OPT_SEQ:
        rc = parse_u32("seq", arg, 0, UINT32_MAX, &a->seq);
        a->have_seq = rc < 0;
        return rc;
    case OPT_ACK:
        rc = parse_u32("ack", arg, 0, UINT32_MAX, &a->ack);
        a->have_ack = rc < 0;
        return rc;
    case OPT_WIN:
        /* handshake/listen: 0 would mean "default" to the state machine */
        rc = parse_u32("win", arg, a->mode == M_SEG ? 0 : 1, 65535, &v);
        a->win = (uint16_t)v;
        a->have_win = rc < 0;
        return rc;
    case OPT_MSS:
        rc = parse_u32("mss", arg, 1, 65535, &v);
        a->mss = (uint16_t)v;
        a->have_mss = rc < 0;
        return rc;
    case OPT_WSCALE:
        /* RFC 7323 2.3: a shift above 14 is an error the receiver clamps. */
        rc = parse_u32("wscale", arg, 0, 14, &v);
        a->wscale = (uint8_t)v;
        a->have_wscale = rc < 0;
        return rc;
    case OPT_SACKOK: a->sackok = true; return -1;
    case OPT_TS: return parse_ts(arg, a);
    case OPT_TFO_COOKIE: return parse_cookie(arg, a);
    case OPT_TFO_REQUEST: a->tfo_request = true; return -1;
    case OPT_ECN: a->ecn = true; return -1;
    case OPT_TTL:
        rc = parse_u32("ttl", arg, 1, 255, &v);
        a->ttl = (uint8_t)v;
        return rc;
    case OPT_DATA: {
        size_t n = strlen(arg);
        if (n == 0 || n > HS_MAX_DATA)
            return bad_value("data", arg, "1 to %u bytes of text", HS_MAX_DATA);
        a->data = arg;
        a->data_len = (uint32_t)n;
        return -1;
    }
    case OPT_NO_MSS: a->no_mss = true; return -1;
    case OPT_NO_WSCALE: a->no_wscale = true; return -1;
    case OPT_NO_SACKOK: a->no_sackok = true; return -1;
    case OPT_NO_TS: a->no_ts = true; return -1;
    case OPT_NO_OPTIONS: a->no_options = true; return -1;
    case 'w': a->write_path = arg; return -1;
    case OPT_LINK:
        if (strcmp(arg, "raw") == 0)
            a->link = LINK_RAW;
        else if (strcmp(arg, "ethernet") == 0 || strcmp(arg, "ether") == 0)
            a->link = LINK_ETHERNET;
        else
            return bad_value("link", arg, "raw or ethernet");
        a->have_link = true;
        return -1;
    case OPT_WAIT:
        a->have_wait = true;
        return parse_seconds("wait", arg, a->mode == M_SEG, &a->wait_ns);
    case OPT_HOLD: a->hold = true; return -1;
    case OPT_HOLD_TIME:
        a->have_hold_time = true;
        return parse_seconds("hold-time", arg, false, &a->hold_ns);
    case OPT_CLOSE:
        if (strcmp(arg, "fin") == 0)
            a->close = HS_CLOSE_FIN;
        else if (strcmp(arg, "rst") == 0)
            a->close = HS_CLOSE_RST;
        else if (strcmp(arg, "none") == 0)
            a->close = HS_CLOSE_NONE;
        else
            return bad_value("close", arg, "fin, rst or none");
        return -1;
    case OPT_LINGER:
        a->have_linger = true;
        return parse_seconds("linger", arg, true, &a->linger_ns);
    case OPT_IDLE:
        a->have_idle = true;
        return parse_seconds("idle", arg, false, &a->idle_ns);
    case OPT_RETRIES:
        rc = parse_u32("retries", arg, 0, 8, &v);
        a->retries = v;
        a->have_retries = rc < 0;
        return rc;
    case OPT_NO_GUARD: a->no_guard = true; return -1;
    case OPT_TIMEOUT:
        a->have_timeout = true;
        return parse_seconds("timeout", arg, false, &a->timeout_ns);
    case OPT_JSON: a->json = true; return -1;
    case OPT_ALL: a->flags |= RPT_ALL; return -1;
    case 'q': a->flags |= RPT_QUIET; return -1;
    case 'S': a->flags |= RPT_ABS_SEQ; return -1;
    case 'v': a->flags |= RPT_VERBOSE; return -1;
    default: break;
    }
    cli_error("craft: internal error: option %d", c);
    return EXIT_INTERNAL;
}

static const char *mode_names(unsigned modes)
{
    switch (modes) {
    case M_SEG: return "syn, synack, ack, rst and fin";
    case M_HS: return "handshake";
    case M_LISTEN: return "listen";
    case M_SEG | M_HS: return "handshake and single segments";
    case M_SEG | M_LISTEN: return "listen and single segments";
    case M_HS | M_LISTEN: return "handshake and listen";
    default: return "craft";
    }
}

/* Checks across options, once all are known. */
static int check_args(struct craft_args *a)
{
    const char *sub = a->sub;
    if ((a->flags & RPT_QUIET) && (a->flags & RPT_ALL)) {
        cli_error("--all and --quiet cannot be combined");
        return EXIT_USAGE;
    }
    if ((a->no_mss && a->have_mss) || (a->no_wscale && a->have_wscale) ||
        (a->no_sackok && a->sackok) || (a->no_ts && a->have_ts)) {
        cli_error("craft %s: an option is both given and left out (--no-...)", sub);
        return EXIT_USAGE;
    }
    /* Forging segments to other hosts is for root alone: file capabilities
     * (setcap, given to a group of users) are not enough (issue 20;
     * docs/HARDENING.md). Checked before any socket is opened. */
    if (a->allow_remote && !a->write_path && (getuid() != 0 || geteuid() != 0)) {
        cli_error("craft %s: --allow-remote needs root (uid 0); capabilities are not enough "
                  "to forge segments to other hosts",
                  sub);
        return EXIT_USAGE;
    }
    if (a->have_tfo_cookie && a->tfo_request) {
        cli_error("craft %s: --tfo-cookie and --tfo-request cannot be combined", sub);
        return EXIT_USAGE;
    }
    if (a->mode == M_LISTEN) {
        if (!a->listen_port) {
            cli_error("craft listen: missing --port P (see '" CLI_PROG " craft --help')");
            return EXIT_USAGE;
        }
        if (a->have_address && a->have_peer && a->address.family != a->peer.family) {
            cli_error("craft listen: --address and --peer are of different families");
            return EXIT_USAGE;
        }
        /* As every crafting path: segments to another host need
         * --allow-remote (issue 12: --peer 8.8.8.8 was accepted). */
        if (a->have_peer && !a->allow_remote && !craft_addr_is_local(&a->peer)) {
            char t[IPADDR_STRLEN];
            ipaddr_format(&a->peer, t);
            cli_error("craft listen: refusing to answer %s: not an address of this host "
                      "(use --allow-remote for a network you are allowed to test)",
                      t);
            return EXIT_USAGE;
        }
        return -1;
    }
    if (!a->have_to) {
        cli_error("craft %s: missing --to IP:PORT (see '" CLI_PROG " craft --help')", sub);
        return EXIT_USAGE;
    }
    if (a->have_from && a->from.family != a->to.family) {
        cli_error("craft %s: --from and --to are of different families (IPv4 and IPv6)", sub);
        return EXIT_USAGE;
    }
    if (a->mode == M_HS) {
        if (a->have_hold_time && !a->hold) {
            cli_error("craft handshake: --hold-time needs --hold");
            return EXIT_USAGE;
        }
        if (a->hold && a->data) {
            cli_error("craft handshake: --data cannot be sent with --hold (never established)");
            return EXIT_USAGE;
        }
        return -1;
    }
    if (a->have_link && !a->write_path) {
        cli_error("craft %s: --link applies to --write only", sub);
        return EXIT_USAGE;
    }
    if (a->write_path) {
        if (!a->have_from || !a->from_port) {
            cli_error("craft %s: --write needs --from IP:PORT (nothing is looked up)", sub);
            return EXIT_USAGE;
        }
        if (a->have_wait || a->device) {
            cli_error("craft %s: --write sends nothing: --wait and -i do not apply", sub);
            return EXIT_USAGE;
        }
    }
    return -1;
}

/* Parse argv (argv[0] = "craft"). -1 to go on, or an exit status. */
static int parse_args(int argc, char **argv, struct craft_args *a)
{
    struct option longopts[N_CRAFT_OPTS + 1];
    struct cli_opt all[N_CRAFT_OPTS];
    unsigned modes[N_CRAFT_OPTS];
    char shortopts[2 * N_CRAFT_OPTS + 2];
    size_t g, i, n = 0;
    int c, rc;

    memset(a, 0, sizeof(*a));
    a->link = LINK_RAW;
    a->close = HS_CLOSE_FIN;
    if (argc < 2) {
        cli_error("craft: say what to craft: handshake, listen, syn, synack, ack, rst or fin "
                  "(see '" CLI_PROG " craft --help')");
        return EXIT_USAGE;
    }
    if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "help") == 0) {
        cmd_craft_help(stdout);
        return EXIT_OK;
    }
    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(argv[1], kinds[i].name) == 0) {
            a->kind = kinds[i].kind;
            a->mode = kinds[i].mode;
            a->sub = kinds[i].name;
            break;
        }
    if (!a->sub) {
        cli_error("craft: unknown form '%s': handshake, listen, syn, synack, ack, rst or fin "
                  "(see '" CLI_PROG " craft --help')",
                  argv[1]);
        return EXIT_USAGE;
    }
    for (g = 0; g < N_GROUPS; g++)
        for (i = 0; i < groups[g].n; i++) {
            all[n] = groups[g].opts[i].o;
            modes[n++] = groups[g].opts[i].modes;
        }
    cli_getopt_tables(all, n, longopts, shortopts);
    argc--;
    argv++;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        if (c == 'h') {
            cmd_craft_help(stdout);
            return EXIT_OK;
        }
        for (i = 0; i < n && all[i].val != c; i++)
            ;
        if (i == n)
            return cli_bad_option(c, all, n, argv, "craft");
        if (!(modes[i] & a->mode)) {
            cli_error("--%s is an option of craft %s, not of craft %s (see '" CLI_PROG
                      " craft --help')",
                      all[i].name, mode_names(modes[i]), a->sub);
            return EXIT_USAGE;
        }
        rc = take_option(c, optarg, a);
        if (rc >= 0)
            return rc;
    }
    /* `craft handshake 127.0.0.1:8080` as a short form of --to. */
    if (optind < argc && a->mode == M_HS && !a->have_to) {
        if (parse_endpoint("to", argv[optind], &a->to, &a->to_port) >= 0)
            return EXIT_USAGE;
        a->have_to = true;
        optind++;
    }
    if (optind < argc) {
        cli_error("craft %s: unexpected argument '%s' (see '" CLI_PROG " craft --help')", a->sub,
                  argv[optind]);
        return EXIT_USAGE;
    }
    return check_args(a);
}

/* ---- output ----------------------------------------------------------------- */

static volatile sig_atomic_t g_stop;
static struct capture *volatile g_cap;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
    craft_run_stop();
    if (g_cap)
        capture_breakloop(g_cap);
}

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

static void out_info(void *user, const char *text)
{
    struct out *o = user;
    if (o->a->flags & RPT_QUIET)
        return;
    if (o->a->json) {
        fputs("{\"type\":\"info\",\"text\":", stdout);
        report_json_string(stdout, text);
        fputs("}\n", stdout);
    } else {
        printf("# %s\n", text);
    }
    fflush(stdout);
}

__attribute__((format(printf, 2, 3))) static void out_infof(struct out *o, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    out_info(o, text);
}

static bool out_pipeline(struct out *o, enum link_type lt)
{
    if (!o->pl && !o->oom) {
        o->pl = pipeline_new(lt, &o->tcfg, o->rep);
        o->oom = o->pl == NULL;
    }
    return o->pl != NULL;
}

/* Count the peer's SYN+ACKs (for the closing lines: --hold). */
static void out_count(struct out *o, const struct frame *f, enum link_type lt)
{
    struct pkt p;
    if (!o->have_local || decode_frame(lt, f, &p) != DECODE_OK)
        return;
    if (p.sport == o->lport && ipaddr_eq(&p.src, &o->local))
        return; /* ours (or our kernel's) */
    if ((p.flags & (TH_SYN | TH_ACK | TH_RST)) == (TH_SYN | TH_ACK))
        o->peer_synacks++;
}

static void out_frame(void *user, const struct frame *f, enum link_type lt)
{
    struct out *o = user;
    out_count(o, f, lt);
    if (out_pipeline(o, lt))
        pipeline_feed(o->pl, f);
    fflush(stdout);
}

static void out_ready(void *user, const struct craft_run_info *ri)
{
    struct out *o = user;
    char l[ENDPOINT_STRLEN], r[ENDPOINT_STRLEN], guard[64];
    o->local = ri->local;
    o->lport = ri->lport;
    o->have_local = true;
    (void)out_pipeline(o, ri->link);
    endpoint_format(&ri->local, ri->lport, l);
    if (ri->guard_table)
        snprintf(guard, sizeof(guard), "RST guard: nft table inet %s", ri->guard_table);
    else
        snprintf(guard, sizeof(guard), "no RST guard");
    if (o->a->mode == M_HS) {
        endpoint_format(&ri->remote, ri->rport, r);
        out_infof(o, "crafted client %s -> server %s; capturing on %s; %s", l, r, ri->device,
                  guard);
    } else {
        out_infof(o, "crafted server listening on %s (no kernel socket there); capturing on %s; "
                     "%s; a client may connect now",
                  l, ri->device, guard);
    }
}

static void json_kv_str(bool *first, const char *k, const char *v)
{
    printf("%s\"%s\":", *first ? "" : ",", k);
    report_json_string(stdout, v);
    *first = false;
}

static void json_kv_raw(bool *first, const char *k, const char *v)
{
    printf("%s\"%s\":%s", *first ? "" : ",", k, v);
    *first = false;
}

static void json_kv_u(bool *first, const char *k, unsigned long long v)
{
    printf("%s\"%s\":%llu", *first ? "" : ",", k, v);
    *first = false;
}

/* ---- messages for failures ---------------------------------------------------- */

/* The part of a library message after "needs root or CAP_...: ". */
static const char *priv_detail(const char *err)
{
    const char *p;
    if (strncmp(err, "needs root", 10) != 0)
        return err;
    p = strstr(err, ": ");
    return p ? p + 2 : err;
}

static int run_failure(const struct craft_args *a, enum crun_status st, const char *err)
{
    switch (st) {
    case CRUN_PERM:
        if (strstr(err, "CAP_NET_ADMIN:") && !strstr(err, "CAP_NET_RAW"))
            cli_error("craft %s: needs root or CAP_NET_ADMIN for the RST guard, or use "
                      "--no-guard (%s)",
                      a->sub, priv_detail(err));
        else if (a->mode == M_SEG)
            cli_error("craft %s: needs root or CAP_NET_RAW to send, or use --write FILE (%s)",
                      a->sub, priv_detail(err));
        else
            cli_error("craft %s: needs root or CAP_NET_RAW, plus CAP_NET_ADMIN for the guard (%s)",
                      a->sub, priv_detail(err));
        return EXIT_PRIV;
    case CRUN_NONFT:
        cli_error("craft %s: %s", a->sub, err[0] ? err : "nft not found: install nftables, "
                                                           "or use --no-guard");
        return crun_exit_status(st);
    default:
        cli_error("craft %s: %s", a->sub, err[0] ? err : crun_status_name(st));
        return crun_exit_status(st);
    }
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

static void restore_signals(void)
{
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    g_cap = NULL;
}

static int out_start(struct out *o, const struct craft_args *a)
{
    memset(o, 0, sizeof(*o));
    o->a = a;
    /* One crafted connection (plus strays on the port): a small table
     * starts fast; the default sizes a table for busy captures. */
    o->tcfg.max_conns = CRAFT_CLI_MAX_CONNS;
    cli_output_init();
    o->rep = a->json ? report_json_new(stdout, a->flags) : report_text_new(stdout, a->flags);
    if (o->rep && a->json) {
        struct rpt_meta meta;
        memset(&meta, 0, sizeof(meta));
        meta.command = "craft";
        meta.flags = a->flags;
        meta.slower_than_ns = -1;
        report_json_meta(o->rep, &meta);
    }
    if (!o->rep) {
        cli_error("out of memory");
        return EXIT_INTERNAL;
    }
    return -1;
}

/* Flush the tracker (records, summary) and release. */
static int out_finish(struct out *o, int status)
{
    if (o->pl && !cli_output_failed())
        pipeline_finish(o->pl);
    pipeline_free(o->pl);
    reporter_destroy(o->rep);
    o->pl = NULL;
    o->rep = NULL;
    if (o->oom && status == EXIT_OK) {
        cli_error("out of memory");
        status = EXIT_INTERNAL;
    }
    return cli_output_finish(status);
}

/* ---- handshake and listen -------------------------------------------------------- */

/* The run's end in a sentence: what the kernel on the other side did. */
static void explain_end(const struct out *o, const struct craft_run_result *r, char *buf,
                        size_t cap)
{
    const struct craft_args *a = o->a;
    char peer[ENDPOINT_STRLEN];
    bool hs = a->mode == M_HS;
    endpoint_format(&r->remote, r->rport, peer);
    switch (r->end) {
    case HS_END_CLOSED:
        snprintf(buf, cap, hs ? "handshake complete, so the listener's kernel queued the "
                                "connection for accept(); then FIN both ways"
                              : "handshake complete: the client's connect() returned 0; then FIN "
                                "both ways");
        return;
    case HS_END_OPEN:
        snprintf(buf, cap, "handshake complete (%s); left open on %s (--close none): this "
                           "host's kernel will answer its next segment with RST now that the "
                           "guard is gone",
                 hs ? "queued for accept()" : "connect() returned 0", peer);
        return;
    case HS_END_RESET_SENT:
        snprintf(buf, cap, "handshake complete (%s), then reset by our RST (--close rst)",
                 hs ? "queued for accept()" : "connect() returned 0");
        return;
    case HS_END_HELD:
        snprintf(buf, cap, "%s sent its SYN+ACK %u time(s), never ACKed, so it kept a "
                           "half-open SYN_RECV entry and nothing reached accept(); %s",
                 peer, o->peer_synacks,
                 a->close == HS_CLOSE_RST
                     ? "our RST removed the entry"
                     : "the entry stays until its next SYN+ACK reaches this host's kernel "
                       "(now unguarded, it answers RST) or its retries run out");
        return;
    case HS_END_PEER_OPEN:
        snprintf(buf, cap, "handshake complete; our FIN was ACKed but %s never closed: RST sent",
                 peer);
        return;
    case HS_END_REFUSED:
        snprintf(buf, cap, "RST+ACK answered the SYN: nothing listens on %s", peer);
        return;
    case HS_END_UNANSWERED:
        snprintf(buf, cap, "no SYN+ACK to any of our SYNs");
        return;
    case HS_END_RESET:
        if (r->kernel_rst && hs)
            snprintf(buf, cap, "this host's kernel answered the SYN+ACK with RST (no socket of "
                               "its own owns port %u, RFC 9293 3.10.7.1), so the server dropped "
                               "the half-open connection and reset our hand-made ACK: the "
                               "handshake was aborted and nothing reached accept()",
                     r->lport);
        else if (r->kernel_rst)
            snprintf(buf, cap, "this host's kernel answered the client's SYN with RST+ACK (no "
                               "socket on port %u, RFC 9293 3.10.7.1), so its connect() was "
                               "refused before our SYN+ACK arrived, and the client's kernel "
                               "reset that",
                     r->lport);
        else
            snprintf(buf, cap, "reset by %s", peer);
        return;
    case HS_END_HALF_OPEN:
        snprintf(buf, cap, "our SYN+ACK was never ACKed%s",
                 r->kernel_rst ? ": this host's kernel answered the client's SYN with "
                                 "RST+ACK first (no socket on the port, RFC 9293 3.10.7.1), so "
                                 "its connect() was refused"
                               : "");
        return;
    case HS_END_NO_CLIENT:
        snprintf(buf, cap, "no client connected in time");
        return;
    case HS_END_TIMEOUT:
        snprintf(buf, cap, "our data or FIN was never ACKed: RST sent");
        return;
    case HS_END_ABORTED:
        snprintf(buf, cap, "%s", r->stopped ? "interrupted: RST sent if the peer held state"
                                 : r->timed_out ? "time limit reached: RST sent if the peer "
                                                  "held state"
                                                : "aborted");
        return;
    default:
        snprintf(buf, cap, "%s", hs_end_name(r->end));
        return;
    }
}

static void print_end(struct out *o, const struct craft_run_result *r)
{
    char why[512], l[ENDPOINT_STRLEN], rem[ENDPOINT_STRLEN], dropped[48];
    explain_end(o, r, why, sizeof(why));
    endpoint_format(&r->local, r->lport, l);
    if (r->remote.family)
        endpoint_format(&r->remote, r->rport, rem);
    else
        snprintf(rem, sizeof(rem), "-");
    if (o->a->json) {
        bool first = true;
        fputs("{", stdout);
        json_kv_str(&first, "type", "craft");
        json_kv_str(&first, "mode", o->a->sub);
        json_kv_str(&first, "local", l);
        if (r->remote.family)
            json_kv_str(&first, "remote", rem);
        else
            json_kv_raw(&first, "remote", "null");
        json_kv_str(&first, "end", hs_end_name(r->end));
        json_kv_raw(&first, "ok", r->ok ? "true" : "false");
        json_kv_raw(&first, "established", r->established ? "true" : "false");
        json_kv_raw(&first, "kernel_rst", r->kernel_rst ? "true" : "false");
        if (r->guard_table[0])
            json_kv_str(&first, "guard", r->guard_table);
        else
            json_kv_raw(&first, "guard", "null");
        if (r->guard_dropped >= 0)
            json_kv_u(&first, "guard_dropped", (unsigned long long)r->guard_dropped);
        else
            json_kv_raw(&first, "guard_dropped", "null");
        json_kv_u(&first, "stale_removed", r->stale_removed);
        json_kv_u(&first, "sent", r->sent);
        json_kv_u(&first, "captured", r->captured);
        json_kv_u(&first, "peer_synacks", o->peer_synacks);
        json_kv_raw(&first, "stopped", r->stopped ? "true" : "false");
        json_kv_raw(&first, "timed_out", r->timed_out ? "true" : "false");
        json_kv_str(&first, "explanation", why);
        fputs("}\n", stdout);
        return;
    }
    if (r->guard_dropped >= 0)
        snprintf(dropped, sizeof(dropped), ", guard dropped %lld", r->guard_dropped);
    else
        dropped[0] = '\0';
    printf("# end: %s: %s\n", hs_end_name(r->end), why);
    printf("# crafted %s %s, peer %s: sent %u, captured %u%s\n",
           o->a->mode == M_HS ? "client" : "server", l, rem, r->sent, r->captured, dropped);
}

/* Fill the hs_opts of a handshake or listen run from the options. */
static void hs_from_args(const struct craft_args *a, struct hs_opts *h)
{
    bool none = a->no_options;
    hs_opts_default(h);
    h->seq = a->have_seq ? a->seq : craft_random_u32();
    if (a->have_win)
        h->win = a->win;
    h->mss = a->have_mss ? a->mss : (none || a->no_mss) ? 0 : HS_DEFAULT_MSS;
    h->wscale_on = a->have_wscale || !(none || a->no_wscale);
    if (a->have_wscale)
        h->wscale = a->wscale;
    h->sackok = a->sackok || !(none || a->no_sackok);
    h->ts_on = a->have_ts || !(none || a->no_ts);
    if (a->have_ts) {
        h->ts_val = a->ts_val;
        h->ts_ecr = a->ts_ecr;
    }
    h->tfo_on = a->tfo_request || a->have_tfo_cookie;
    h->tfo_len = a->tfo_len;
    memcpy(h->tfo_cookie, a->tfo_cookie, sizeof(h->tfo_cookie));
    h->ecn = a->ecn;
    h->ttl = a->ttl;
    h->data = (const uint8_t *)a->data;
    h->data_len = a->data_len;
    h->hold = a->hold;
    h->close = a->close;
    if (a->have_hold_time)
        h->hold_ns = a->hold_ns;
    /* A short pause before our FIN: the ACK reaches the capture (and the
     * listener's accept queue) first, so the output reads in order. */
    h->linger_ns = a->have_linger ? a->linger_ns : CRAFT_CLI_LINGER_NS;
    if (a->have_wait)
        h->listen_ns = a->wait_ns;
    if (a->have_idle)
        h->idle_ns = a->idle_ns;
    if (a->have_retries)
        h->max_retries = (uint8_t)a->retries;
}

static int run_session(const struct craft_args *a)
{
    struct craft_run_cfg cfg;
    struct craft_run_cb cb;
    struct craft_run_result res;
    struct out o;
    char err[ERRBUF_SIZE];
    enum crun_status st;
    int status;

    craft_run_cfg_default(&cfg, a->mode == M_HS ? CRAFT_HANDSHAKE : CRAFT_LISTEN);
    hs_from_args(a, &cfg.hs);
    if (a->mode == M_HS) {
        cfg.remote = a->to;
        cfg.rport = a->to_port;
        if (a->have_from)
            cfg.local = a->from;
        cfg.lport = a->from_port;
    } else {
        if (a->have_address)
            cfg.local = a->address;
        else if (a->have_peer && a->peer.family == IPADDR_V6)
            ipaddr_parse("::1", &cfg.local);
        cfg.lport = a->listen_port;
        if (a->have_peer) {
            cfg.remote = a->peer;
            cfg.rport = a->peer_port;
        }
    }
    cfg.device = a->device;
    cfg.no_guard = a->no_guard;
    cfg.allow_remote = a->allow_remote;
    if (a->have_timeout) {
        cfg.max_run_ns = a->timeout_ns;
    } else {
        /* Long waits asked for get a limit beyond them. */
        uint64_t want = (a->hold ? cfg.hs.hold_ns : 0) + cfg.hs.linger_ns +
                        (a->mode == M_LISTEN ? cfg.hs.listen_ns + cfg.hs.idle_ns : 0) +
                        RUN_SLACK_NS;
        cfg.max_run_ns = want > CRAFT_MAX_RUN_NS ? want : CRAFT_MAX_RUN_NS;
    }

    status = out_start(&o, a);
    if (status >= 0)
        return status;
    memset(&cb, 0, sizeof(cb));
    cb.on_frame = out_frame;
    cb.on_info = out_info;
    cb.on_ready = out_ready;
    cb.user = &o;

    install_signals();
    craft_run_shed_privileges(); /* issue 20: once socket, capture and guard are open */
    st = craft_run(&cfg, &cb, &res, err);
    restore_signals();

    if (st != CRUN_OK) {
        status = run_failure(a, st, err);
        return out_finish(&o, status) == EXIT_OUTPUT ? EXIT_OUTPUT : status;
    }
    print_end(&o, &res);
    /* Ctrl-C interrupts a craft before its natural end: what was done is
     * reported (the "# end: aborted: interrupted" line), exit 130, as read
     * and demo (issue 12). */
    status = res.stopped ? EXIT_INTERRUPTED : res.ok ? EXIT_OK : EXIT_NETWORK;
    return out_finish(&o, status);
}

/* ---- one segment ------------------------------------------------------------------- */

static void seg_spec(const struct craft_args *a, struct craft_spec *s)
{
    memset(s, 0, sizeof(*s));
    s->dst = a->to;
    s->dport = a->to_port;
    if (a->have_from)
        s->src = a->from;
    s->sport = a->from_port;
    s->seq = a->have_seq ? a->seq : craft_random_u32();
    s->ack = a->ack;
    s->win = a->have_win ? a->win : HS_DEFAULT_WIN;
    s->ttl = a->ttl;
    s->dont_fragment = true; /* as Linux sends TCP (path MTU discovery) */
    switch (a->kind) {
    case K_SYN: s->flags = TH_SYN | (a->ecn ? TH_ECE | TH_CWR : 0); break;
    case K_SYNACK: s->flags = TH_SYN | TH_ACK | (a->ecn ? TH_ECE : 0); break;
    case K_ACK: s->flags = TH_ACK | (a->data ? TH_PSH : 0) | (a->ecn ? TH_ECE : 0); break;
    case K_RST: s->flags = TH_RST | (a->have_ack ? TH_ACK : 0) | (a->ecn ? TH_ECE : 0); break;
    case K_FIN:
        s->flags = TH_FIN | TH_ACK | (a->data ? TH_PSH : 0) | (a->ecn ? TH_ECE : 0);
        break;
    default: break;
    }
    /* Only the options given (a single segment has no defaults). */
    if (a->have_mss) {
        s->opt.present |= TCPOPT_P_MSS;
        s->opt.mss = a->mss;
    }
    if (a->sackok)
        s->opt.present |= TCPOPT_P_SACK_OK;
    if (a->have_ts) {
        s->opt.present |= TCPOPT_P_TS;
        s->opt.ts_val = a->ts_val;
        s->opt.ts_ecr = a->ts_ecr;
    }
    if (a->have_wscale) {
        s->opt.present |= TCPOPT_P_WSCALE;
        s->opt.wscale = a->wscale;
    }
    if (a->tfo_request || a->have_tfo_cookie) {
        s->opt.present |= TCPOPT_P_TFO;
        s->opt.tfo_len = a->tfo_len;
        memcpy(s->opt.tfo_cookie, a->tfo_cookie, sizeof(s->opt.tfo_cookie));
    }
    s->payload = (const uint8_t *)a->data;
    s->payload_len = a->data_len;
}

static uint64_t real_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NS_PER_S + (uint64_t)ts.tv_nsec;
}

static void seg_describe(const struct craft_spec *s, const char *verb, char *buf, size_t cap)
{
    char src[ENDPOINT_STRLEN], dst[ENDPOINT_STRLEN], fl[48];
    endpoint_format(&s->src, s->sport, src);
    endpoint_format(&s->dst, s->dport, dst);
    snprintf(buf, cap, "%s %s %s > %s seq %u", verb, tcp_flags_words(s->flags, fl), src, dst,
             s->seq);
    if (s->flags & TH_ACK) {
        size_t n = strlen(buf);
        snprintf(buf + n, cap - n, " ack %u", s->ack);
    }
    if (s->payload_len) {
        size_t n = strlen(buf);
        snprintf(buf + n, cap - n, " len %u", s->payload_len);
    }
}

static int seg_write(const struct craft_args *a, const struct craft_spec *s)
{
    uint8_t buf[2048];
    size_t len = 0;
    struct frame f;
    struct pcapfile *w;
    struct out o;
    char err[ERRBUF_SIZE], what[256];
    bool to_stdout = strcmp(a->write_path, "-") == 0;
    int rc = craft_frame(a->link, s, buf, sizeof(buf), &len), status;
    if (rc != 0) {
        cli_error("craft %s: %s", a->sub, craft_strerror(rc));
        return EXIT_USAGE;
    }
    f.data = buf;
    f.caplen = f.wirelen = (uint32_t)len;
    f.ts_ns = real_ns();
    w = pcapfile_create(a->write_path, a->link, 0, err);
    if (!w) {
        cli_error("%s", err);
        return EXIT_OUTPUT;
    }
    rc = pcapfile_write(w, &f);
    if (pcapfile_close(w, err) != 0 || rc != 0) {
        cli_error("%s", rc != 0 && !err[0] ? "writing the capture failed" : err);
        return EXIT_OUTPUT;
    }
    if (to_stdout)
        return EXIT_OK; /* stdout holds the capture: nothing else may go there */
    status = out_start(&o, a);
    if (status >= 0)
        return status;
    seg_describe(s, "wrote", what, sizeof(what));
    out_infof(&o, "%s to %s (%s link type, %zu bytes; IP and TCP checksums computed)", what,
              a->write_path, a->link == LINK_RAW ? "raw IP" : "Ethernet", len);
    if (out_pipeline(&o, a->link))
        pipeline_feed(o.pl, &f);
    return out_finish(&o, EXIT_OK);
}

static void seg_sent(void *user, const struct frame *f, enum link_type lt)
{
    struct out *o = user;
    struct pkt p;
    if (decode_frame(lt, f, &p) == DECODE_OK) {
        o->sent_src = p.src;
        o->sent_sport = p.sport;
        o->sent = true;
    }
}

static int seg_send(const struct craft_args *a, struct craft_spec *s)
{
    struct capture_cfg ccfg;
    struct capture *cap;
    struct craft_run_cb cb;
    struct out o;
    enum capture_err cerr = CAPTURE_ERR_NONE;
    enum crun_status st;
    char err[ERRBUF_SIZE], bpf[256], dst[IPADDR_STRLEN], what[256];
    uint8_t scratch[2048];
    size_t len;
    uint64_t wait = a->have_wait ? a->wait_ns : SEG_WAIT_DEFAULT_NS, until;
    bool local_dst = craft_addr_is_local(&s->dst);
    int rc, status;

    /* Check what can be checked before opening anything. */
    {
        struct craft_spec dry = *s;
        if (!dry.src.family)
            dry.src = dry.dst;
        rc = craft_frame(LINK_RAW, &dry, scratch, sizeof(scratch), &len);
        if (rc != 0) {
            cli_error("craft %s: %s", a->sub, craft_strerror(rc));
            return EXIT_USAGE;
        }
    }
    if (!a->allow_remote && !local_dst) {
        char t[ENDPOINT_STRLEN];
        endpoint_format(&s->dst, s->dport, t);
        cli_error("craft %s: refusing to craft segments to %s: not an address of this host "
                  "(use --allow-remote for a network you are allowed to test)",
                  a->sub, t);
        return EXIT_USAGE;
    }
    if (!a->allow_remote && s->src.family && !craft_addr_is_local(&s->src)) {
        char t[IPADDR_STRLEN];
        ipaddr_format(&s->src, t);
        cli_error("craft %s: refusing to send from %s: not an address of this host (use "
                  "--allow-remote for a network you are allowed to test)",
                  a->sub, t);
        return EXIT_USAGE;
    }
    if (!s->sport)
        s->sport = (uint16_t)(PORT_LO + craft_random_u32() % (PORT_HI - PORT_LO + 1u));

    /* Capture first, so the answers are seen; the same privilege as sending. */
    ipaddr_format(&s->dst, dst);
    snprintf(bpf, sizeof(bpf), "tcp and host %s and port %u and port %u", dst, s->dport,
             s->sport);
    memset(&ccfg, 0, sizeof(ccfg));
    ccfg.device = a->device ? a->device : local_dst ? "lo" : "any";
    ccfg.bpf = bpf;
    ccfg.immediate = true;
    ccfg.timeout_ms = SEG_POLL_MS;
    cap = capture_open(&ccfg, &cerr, err);
    if (!cap) {
        if (cerr == CAPTURE_ERR_PERM)
            return run_failure(a, CRUN_PERM, err);
        cli_error("craft %s: %s", a->sub, err);
        return cli_exit_for_capture(cerr);
    }
    status = out_start(&o, a);
    if (status >= 0) {
        capture_close(cap);
        return status;
    }
    (void)out_pipeline(&o, capture_link_type(cap));
    memset(&cb, 0, sizeof(cb));
    cb.on_sent = seg_sent;
    cb.user = &o;
    g_cap = cap;
    install_signals();
    craft_run_shed_privileges(); /* issue 20: once the raw socket is open */
    st = craft_send_one(s, a->allow_remote, &cb, err);
    if (st != CRUN_OK) {
        restore_signals();
        capture_close(cap);
        pipeline_free(o.pl); /* nothing was sent: no summary */
        o.pl = NULL;
        status = run_failure(a, st, err);
        return out_finish(&o, status) == EXIT_OUTPUT ? EXIT_OUTPUT : status;
    }
    if (o.sent) {
        s->src = o.sent_src;
        s->sport = o.sent_sport;
    }
    seg_describe(s, "sent", what, sizeof(what));
    out_infof(&o, "%s from a raw socket; showing what comes back for %.1f s", what,
              (double)wait / 1e9);
    if ((s->flags & (TH_SYN | TH_ACK)) == TH_SYN)
        out_info(&o, "no kernel socket owns this 4-tuple and there is no guard: if a server "
                     "answers with SYN+ACK, this host's kernel answers that with RST "
                     "(RFC 9293 3.10.7.1) and the server returns to LISTEN");
    until = mono_ns() + wait;
    cerr = CAPTURE_ERR_NONE;
    while (!g_stop && mono_ns() < until) {
        struct frame f;
        rc = capture_next(cap, &f, &cerr, err);
        if (rc == CAPTURE_FRAME) {
            if (o.pl)
                pipeline_feed(o.pl, &f);
            fflush(stdout);
        } else if (rc != CAPTURE_TIMEOUT) {
            break;
        }
    }
    restore_signals();
    capture_close(cap);
    if (rc == CAPTURE_ERROR) {
        cli_error("craft %s: %s", a->sub, err);
        return out_finish(&o, cli_exit_for_capture(cerr));
    }
    if (a->json) {
        char l[ENDPOINT_STRLEN], r[ENDPOINT_STRLEN], fl[48];
        bool first = true;
        endpoint_format(&s->src, s->sport, l);
        endpoint_format(&s->dst, s->dport, r);
        fputs("{", stdout);
        json_kv_str(&first, "type", "craft");
        json_kv_str(&first, "mode", a->sub);
        json_kv_str(&first, "local", l);
        json_kv_str(&first, "remote", r);
        json_kv_str(&first, "flags", tcp_flags_words(s->flags, fl));
        json_kv_u(&first, "sent", 1);
        fputs("}\n", stdout);
    }
    return out_finish(&o, g_stop ? EXIT_INTERRUPTED : EXIT_OK);
}

int cmd_craft(int argc, char **argv)
{
    struct craft_args a;
    struct craft_spec s;
    int status = parse_args(argc, argv, &a);
    if (status >= 0)
        return status;
    g_stop = 0;
    if (a.mode != M_SEG)
        return run_session(&a);
    seg_spec(&a, &s);
    return a.write_path ? seg_write(&a, &s) : seg_send(&a, &s);
}
