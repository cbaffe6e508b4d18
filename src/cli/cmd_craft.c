/* cmd_craft.c: `tcpshake craft`: hand-made TCP segments through raw sockets.
 * `craft handshake` plays the client against a kernel listener, `craft
 * listen` plays the server for a kernel client, `craft syn|synack|ack|rst|fin`
 * sends one segment (or writes it to a pcap with --write, no privilege).
 * Everything captured goes through the read pipeline, so the tracker prints
 * each segment with both endpoints' states; the crafter's explanations (the
 * kernel's RST, the guard: docs/CRAFT.md) are `# ` lines, or "info" objects
 * with --json. This file runs handshake and listen; the options are in
 * craft_opts.c, their parsing in craft_args.c, the output in craft_out.c,
 * one segment in craft_seg.c, the closing sentence in
 * src/core/craft_explain.c. */
#include <string.h>

#include "craft_cli.h"

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

    status = craft_out_start(&o, a);
    if (status >= 0)
        return status;
    memset(&cb, 0, sizeof(cb));
    cb.on_frame = craft_out_frame;
    cb.on_info = craft_out_info;
    cb.on_ready = craft_out_ready;
    cb.user = &o;

    craft_signals_install();
    craft_run_shed_privileges(); /* issue 20: once socket, capture and guard are open */
    st = craft_run(&cfg, &cb, &res, err);
    craft_signals_restore();

    if (st != CRUN_OK) {
        status = craft_cli_failure(a, st, err);
        return craft_out_finish(&o, status) == EXIT_OUTPUT ? EXIT_OUTPUT : status;
    }
    craft_print_end(&o, &res);
    /* Ctrl-C interrupts a craft before its natural end: what was done is
     * reported (the "# end: aborted: interrupted" line), exit 130, as read
     * and demo (issue 12). */
    status = res.stopped ? EXIT_INTERRUPTED : res.ok ? EXIT_OK : EXIT_NETWORK;
    return craft_out_finish(&o, status);
}


int cmd_craft(int argc, char **argv)
{
    struct craft_args a;
    int status = craft_parse_args(argc, argv, &a);
    if (status >= 0)
        return status;
    craft_stop_flag = 0;
    return a.mode == M_SEG ? craft_segment(&a) : run_session(&a);
}
