/* demo_overload.c: a listener under load, on the demo's wire (issue 16;
 * docs/DEMO.md, "A listener under load"). The wire decides when each
 * segment arrives, so what is a race on a real network happens the same
 * way every time: a SYN that finds the accept queue full, a retransmitted
 * SYN that gets in once accept() frees a slot, a SYN+ACK that carries a
 * cookie. The server's TCP counters ride along in each snapshot. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "demo_int.h"

/* The third client's retransmitted SYN may come after a backoff of up to
 * TCP_RTO_MAX (120 s) when slow motion held the first one long: wait for
 * it that long, holds aside. */
#define OVERLOAD_WAIT_MS 130000u

/* BACKLOG_FULL: a listen() backlog of 1 admits two connections. */
#define OVERLOAD_BACKLOG 1

/* The gate of the third client: its kernel retransmitted the SYN the
 * server's kernel dropped. The wire holds the copy while the server
 * accept()s, which frees a slot in the accept queue; then it crosses. */
static int accept_then_cross(struct demo *d, int side, const struct demo_seg *s)
{
    if (side != 0 || (s->flags & (DEMO_TH_SYN | DEMO_TH_ACK)) != DEMO_TH_SYN ||
        s->sport != d->cport || ++d->gate_n < 2)
        return 0; /* not its SYN, or the first one: that one is dropped */
    d->gate = NULL; /* once; and nothing below moves a frame (accept() is ready) */
    demo__say(d, "the wire holds the client kernel's retransmitted SYN; the server calls "
                 "accept(), which frees a slot in the accept queue");
    return demo__server_accept(d);
}

int demo__backlog_full(struct demo *d)
{
    uint32_t wait_ms = d->wait_ms, total_ms = d->total_ms;
    int i, r;

    d->backlog = OVERLOAD_BACKLOG;
    if (demo__server_bind(d, false) < 0)
        return -1;
    demo__say(d, "no accept() yet: Linux admits backlog + 1 = %d connections into the accept "
                 "queue (sk_acceptq_is_full(): more than backlog waiting)",
              OVERLOAD_BACKLOG + 1);
    if (demo__snapshot(d, "after listen()") < 0)
        return -1;
    /* Each in turn, its handshake's last ACK across (the child joins the
     * accept queue then) before the next one connects. */
    for (i = 0; i < OVERLOAD_BACKLOG + 1; i++)
        if (demo__client_connect(d, true) < 0 || demo__drain(d) < 0)
            return -1;
    /* The third: its SYN crosses and the server's kernel drops it (the
     * snapshot after it shows ListenOverflows rise and the queue full); the
     * client's kernel sends it again after its RTO; the gate lets it in. */
    demo__say(d, "a third client connects while the accept queue is full");
    d->gate = accept_then_cross;
    d->gate_n = 0;
    if (d->wait_ms < OVERLOAD_WAIT_MS)
        d->wait_ms = OVERLOAD_WAIT_MS;
    d->total_ms += OVERLOAD_WAIT_MS;
    r = demo__client_connect(d, true);
    d->gate = NULL;
    d->wait_ms = wait_ms;
    d->total_ms = total_ms + OVERLOAD_WAIT_MS;
    if (r < 0)
        return -1;
    if (d->sfd < 0) /* the SYN got in at once: the kernel did not drop it */
        return demo__fail(d, DEMO_ERR_UNEXPECTED, 0,
                          "the third client got in although the accept queue was full");
    return demo__finish(d);
}

int demo__syn_cookies(struct demo *d)
{
    static const char *const path[] = {"/proc/sys/net/ipv4/tcp_syncookies"};
    static const char *const value[] = {"2"};

    if (demo__sysctl(d, demo__server_ns(d), path, value, 1) < 0)
        return demo__fail(d, DEMO_ERR_SETUP, errno,
                          "cannot set net.ipv4.tcp_syncookies=2 in the server's namespace");
    demo__say(d, "sysctl net.ipv4.tcp_syncookies=2 in the server's namespace: every SYN is "
                 "answered with a SYN cookie, and no request socket is kept");
    if (demo__server_bind(d, false) < 0 || demo__snapshot(d, "after listen()") < 0 ||
        demo__client_connect(d, true) < 0 || demo__server_accept(d) < 0)
        return -1;
    return demo__finish(d);
}
