/* craft_explain.c: the sentence that ends a `craft handshake` or `craft
 * listen` run: what the kernel on the other side did, and why (RFC 9293
 * 3.10.7.1 for the RSTs of a host whose kernel owns no socket; docs/CRAFT.md).
 * Pure: a function of the run's facts. */
#include "craft_explain.h"

#include <stdio.h>

void craft_explain_end(const struct craft_end_facts *r, char *buf, size_t cap)
{
    char peer[ENDPOINT_STRLEN];
    bool hs = r->client;
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
                 peer, r->peer_synacks,
                 r->close == HS_CLOSE_RST
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
