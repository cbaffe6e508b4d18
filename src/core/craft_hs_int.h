/* craft_hs_int.h: what the two files of the handshake machine share
 * (craft_hs.c: set-up, segments, timers, the step; craft_hs_input.c: the
 * input of each phase and the synchronized states). Private to src/core. */
#ifndef TCPSHAKE_CRAFT_HS_INT_H
#define TCPSHAKE_CRAFT_HS_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "craft_hs.h"
#include "decode.h"

/* Where the machine is. The synchronized states (ESTABLISHED, FIN_WAIT_*,
 * CLOSE_WAIT, CLOSING, LAST_ACK) share PH_SYNC and are told apart by the
 * fin_* flags, as RFC 9293 3.6 describes them: who sent a FIN, whether it was
 * acknowledged, who closed first. */
enum hs_phase {
    PH_INIT,      /* client: nothing sent yet */
    PH_LISTEN,    /* server: waiting for a SYN */
    PH_SYN_SENT,  /* client: SYN sent, waiting for the SYN+ACK */
    PH_HOLD,      /* client: SYN+ACK seen and deliberately not ACKed */
    PH_SYN_RCVD,  /* server: SYN+ACK sent, waiting for the ACK */
    PH_SYNC,      /* synchronized (RFC 9293 3.3.2) */
    PH_TIME_WAIT, /* active close finished; answer a re-sent FIN */
    PH_END,
};

#define SEQ_WINDOW 65535u /* receive window we check RSTs against (RFC 5961 3.2) */
#define MAX_RTO_NS 60000000000ull /* RFC 6298 2.5: an upper bound of at least 60 s */
#define NEVER UINT64_MAX          /* a timer that is not armed */

uint64_t hs__later(uint64_t now, uint64_t d);
void hs__note(struct craft_hs *h, const char *s);
void hs__finish(struct craft_hs *h, enum hs_end e);
bool hs__from_peer(const struct craft_hs *h, const struct pkt *in);
struct craft_spec *hs__enqueue(struct craft_hs *h, uint16_t flags, uint32_t seq, uint32_t ack,
                               uint64_t now);
void hs__queue_ack(struct craft_hs *h, uint64_t now);
void hs__queue_rst_for(struct craft_hs *h, const struct pkt *in, uint64_t now);
void hs__arm_rtx(struct craft_hs *h, uint64_t now);
void hs__reset_rtx(struct craft_hs *h);
void hs__queue_synack(struct craft_hs *h, uint64_t now);
void hs__sync_output(struct craft_hs *h, uint64_t now);
void hs__sync_progress(struct craft_hs *h, uint64_t now);
void hs__client_input(struct craft_hs *h, const struct pkt *in, uint64_t now);
void hs__server_input(struct craft_hs *h, const struct pkt *in, uint64_t now);

#endif
