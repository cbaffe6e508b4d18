/* craft_out.c: what `tcpshake craft` prints: every captured segment through
 * the read pipeline (tracker, text or NDJSON reporter), the crafter's "# "
 * lines or "info" objects, the run's end (docs/CRAFT.md), the failure
 * messages, and the signal handling that stops a run. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "craft_cli.h"
#include "craft_explain.h"
#include "decode.h"

volatile sig_atomic_t craft_stop_flag;
struct capture *volatile craft_stop_cap;

static void on_signal(int sig)
{
    (void)sig;
    craft_stop_flag = 1;
    craft_run_stop();
    if (craft_stop_cap)
        capture_breakloop(craft_stop_cap);
}


void craft_out_info(void *user, const char *text)
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

void craft_out_infof(struct out *o, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    craft_out_info(o, text);
}

bool craft_out_pipeline(struct out *o, enum link_type lt)
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

void craft_out_frame(void *user, const struct frame *f, enum link_type lt)
{
    struct out *o = user;
    out_count(o, f, lt);
    if (craft_out_pipeline(o, lt))
        pipeline_feed(o->pl, f);
    fflush(stdout);
}

void craft_out_ready(void *user, const struct craft_run_info *ri)
{
    struct out *o = user;
    char l[ENDPOINT_STRLEN], r[ENDPOINT_STRLEN], guard[64];
    o->local = ri->local;
    o->lport = ri->lport;
    o->have_local = true;
    (void)craft_out_pipeline(o, ri->link);
    endpoint_format(&ri->local, ri->lport, l);
    if (ri->guard_table)
        snprintf(guard, sizeof(guard), "RST guard: nft table inet %s", ri->guard_table);
    else
        snprintf(guard, sizeof(guard), "no RST guard");
    if (o->a->mode == M_HS) {
        endpoint_format(&ri->remote, ri->rport, r);
        craft_out_infof(o, "crafted client %s -> server %s; capturing on %s; %s", l, r, ri->device,
                  guard);
    } else {
        craft_out_infof(o, "crafted server listening on %s (no kernel socket there); capturing on %s; "
                     "%s; a client may connect now",
                  l, ri->device, guard);
    }
}

void craft_json_str(bool *first, const char *k, const char *v)
{
    printf("%s\"%s\":", *first ? "" : ",", k);
    report_json_string(stdout, v);
    *first = false;
}

void craft_json_raw(bool *first, const char *k, const char *v)
{
    printf("%s\"%s\":%s", *first ? "" : ",", k, v);
    *first = false;
}

void craft_json_u(bool *first, const char *k, unsigned long long v)
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

int craft_cli_failure(const struct craft_args *a, enum crun_status st, const char *err)
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

void craft_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

void craft_signals_restore(void)
{
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    craft_stop_cap = NULL;
}

int craft_out_start(struct out *o, const struct craft_args *a)
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
int craft_out_finish(struct out *o, int status)
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


void craft_print_end(struct out *o, const struct craft_run_result *r)
{
    char why[512], l[ENDPOINT_STRLEN], rem[ENDPOINT_STRLEN], dropped[48];
    struct craft_end_facts facts;
    memset(&facts, 0, sizeof(facts));
    facts.end = r->end;
    facts.client = o->a->mode == M_HS;
    facts.kernel_rst = r->kernel_rst;
    facts.stopped = r->stopped;
    facts.timed_out = r->timed_out;
    facts.close = o->a->close;
    facts.remote = r->remote;
    facts.rport = r->rport;
    facts.lport = r->lport;
    facts.peer_synacks = o->peer_synacks;
    craft_explain_end(&facts, why, sizeof(why));
    endpoint_format(&r->local, r->lport, l);
    if (r->remote.family)
        endpoint_format(&r->remote, r->rport, rem);
    else
        snprintf(rem, sizeof(rem), "-");
    if (o->a->json) {
        bool first = true;
        fputs("{", stdout);
        craft_json_str(&first, "type", "craft");
        craft_json_str(&first, "mode", o->a->sub);
        craft_json_str(&first, "local", l);
        if (r->remote.family)
            craft_json_str(&first, "remote", rem);
        else
            craft_json_raw(&first, "remote", "null");
        craft_json_str(&first, "end", hs_end_name(r->end));
        craft_json_raw(&first, "ok", r->ok ? "true" : "false");
        craft_json_raw(&first, "established", r->established ? "true" : "false");
        craft_json_raw(&first, "kernel_rst", r->kernel_rst ? "true" : "false");
        if (r->guard_table[0])
            craft_json_str(&first, "guard", r->guard_table);
        else
            craft_json_raw(&first, "guard", "null");
        if (r->guard_dropped >= 0)
            craft_json_u(&first, "guard_dropped", (unsigned long long)r->guard_dropped);
        else
            craft_json_raw(&first, "guard_dropped", "null");
        craft_json_u(&first, "stale_removed", r->stale_removed);
        craft_json_u(&first, "sent", r->sent);
        craft_json_u(&first, "captured", r->captured);
        craft_json_u(&first, "peer_synacks", o->peer_synacks);
        craft_json_raw(&first, "stopped", r->stopped ? "true" : "false");
        craft_json_raw(&first, "timed_out", r->timed_out ? "true" : "false");
        craft_json_str(&first, "explanation", why);
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
