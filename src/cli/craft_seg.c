/* craft_seg.c: `tcpshake craft syn|synack|ack|rst|fin`: one hand-made
 * segment, sent through a raw socket with a capture open first to show the
 * answers for --wait seconds, or written to a pcap file (--write, no
 * privilege). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "craft_cli.h"
#include "ioclock.h"
#include "decode.h"
#include "pcapfile.h"

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
    f.ts_ns = io_real_ns();
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
    status = craft_out_start(&o, a);
    if (status >= 0)
        return status;
    seg_describe(s, "wrote", what, sizeof(what));
    craft_out_infof(&o, "%s to %s (%s link type, %zu bytes; IP and TCP checksums computed)", what,
              a->write_path, a->link == LINK_RAW ? "raw IP" : "Ethernet", len);
    if (craft_out_pipeline(&o, a->link))
        pipeline_feed(o.pl, &f);
    return craft_out_finish(&o, EXIT_OK);
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
            return craft_cli_failure(a, CRUN_PERM, err);
        cli_error("craft %s: %s", a->sub, err);
        return cli_exit_for_capture(cerr);
    }
    status = craft_out_start(&o, a);
    if (status >= 0) {
        capture_close(cap);
        return status;
    }
    (void)craft_out_pipeline(&o, capture_link_type(cap));
    memset(&cb, 0, sizeof(cb));
    cb.on_sent = seg_sent;
    cb.user = &o;
    craft_stop_cap = cap;
    craft_signals_install();
    craft_run_shed_privileges(); /* issue 20: once the raw socket is open */
    st = craft_send_one(s, a->allow_remote, &cb, err);
    if (st != CRUN_OK) {
        craft_signals_restore();
        capture_close(cap);
        pipeline_free(o.pl); /* nothing was sent: no summary */
        o.pl = NULL;
        status = craft_cli_failure(a, st, err);
        return craft_out_finish(&o, status) == EXIT_OUTPUT ? EXIT_OUTPUT : status;
    }
    if (o.sent) {
        s->src = o.sent_src;
        s->sport = o.sent_sport;
    }
    seg_describe(s, "sent", what, sizeof(what));
    craft_out_infof(&o, "%s from a raw socket; showing what comes back for %.1f s", what,
              (double)wait / 1e9);
    if ((s->flags & (TH_SYN | TH_ACK)) == TH_SYN)
        craft_out_info(&o, "no kernel socket owns this 4-tuple and there is no guard: if a server "
                     "answers with SYN+ACK, this host's kernel answers that with RST "
                     "(RFC 9293 3.10.7.1) and the server returns to LISTEN");
    until = io_mono_ns() + wait;
    cerr = CAPTURE_ERR_NONE;
    while (!craft_stop_flag && io_mono_ns() < until) {
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
    craft_signals_restore();
    capture_close(cap);
    if (rc == CAPTURE_ERROR) {
        cli_error("craft %s: %s", a->sub, err);
        return craft_out_finish(&o, cli_exit_for_capture(cerr));
    }
    if (a->json) {
        char l[ENDPOINT_STRLEN], r[ENDPOINT_STRLEN], fl[48];
        bool first = true;
        endpoint_format(&s->src, s->sport, l);
        endpoint_format(&s->dst, s->dport, r);
        fputs("{", stdout);
        craft_json_str(&first, "type", "craft");
        craft_json_str(&first, "mode", a->sub);
        craft_json_str(&first, "local", l);
        craft_json_str(&first, "remote", r);
        craft_json_str(&first, "flags", tcp_flags_words(s->flags, fl));
        craft_json_u(&first, "sent", 1);
        fputs("}\n", stdout);
    }
    return craft_out_finish(&o, craft_stop_flag ? EXIT_INTERRUPTED : EXIT_OK);
}

int craft_segment(const struct craft_args *a)
{
    struct craft_spec s;
    seg_spec(a, &s);
    return a->write_path ? seg_write(a, &s) : seg_send(a, &s);
}
