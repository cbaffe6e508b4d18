/* craft_args.c: `tcpshake craft` arguments: the form (handshake, listen,
 * one segment), each option's value checked with a one-line error, and the
 * combinations that make no sense refused before anything is opened. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "craft_cli.h"

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
int craft_parse_args(int argc, char **argv, struct craft_args *a)
{
    struct option longopts[CRAFT_MAX_OPTS + 1];
    struct cli_opt all[CRAFT_MAX_OPTS];
    unsigned modes[CRAFT_MAX_OPTS];
    char shortopts[2 * CRAFT_MAX_OPTS + 2];
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
    for (g = 0; g < craft_ngroups; g++)
        for (i = 0; i < craft_groups[g].n; i++) {
            all[n] = craft_groups[g].opts[i].o;
            modes[n++] = craft_groups[g].opts[i].modes;
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
