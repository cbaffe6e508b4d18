/* craft_opts.c: the options of `tcpshake craft`, grouped for --help, each
 * with the forms it applies to (craft_args.c refuses the others), and the
 * help text. */
#include <stdio.h>

#include "craft_cli.h"


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


const struct craft_opt_group craft_groups[] = {
#define G(t, a) { t, a, sizeof(a) / sizeof(a[0]) }
    G("Addresses", addr_opts),
    G("Segment fields and options", seg_opts),
    G("One segment", one_opts),
    G("Handshake and listen", hs_opts_tab),
    G("Output", out_opts),
#undef G
};
const size_t craft_ngroups = sizeof(craft_groups) / sizeof(craft_groups[0]);
_Static_assert(sizeof(addr_opts) / sizeof(addr_opts[0]) + sizeof(seg_opts) / sizeof(seg_opts[0]) +
                       sizeof(one_opts) / sizeof(one_opts[0]) +
                       sizeof(hs_opts_tab) / sizeof(hs_opts_tab[0]) +
                       sizeof(out_opts) / sizeof(out_opts[0]) <=
                   CRAFT_MAX_OPTS,
               "craft's options outgrew CRAFT_MAX_OPTS");

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
    for (g = 0; g < craft_ngroups; g++) {
        for (i = 0; i < craft_groups[g].n && i < sizeof(tmp) / sizeof(tmp[0]); i++)
            tmp[i] = craft_groups[g].opts[i].o;
        fprintf(out, "\n%s:\n", craft_groups[g].title);
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
