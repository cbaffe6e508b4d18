/* gen_scenarios.c: the bundled scenario captures as tables: a scenario is a
 * link type plus parts, each part one connection's segments at a time offset.
 * Sequence numbers are relative, as tcpdump shows them: seq to the sender's
 * ISN, ack to the receiver's (GEN_ABS_SEQ: seq as written). */
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "gen_scen.h"
#include "tcp_wire.h"

/* Payloads: one HTTP exchange. */
#define REQ "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n"
#define RESP "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
#define LREQ ((uint32_t)sizeof(REQ) - 1)
#define LRESP ((uint32_t)sizeof(RESP) - 1)

/* Table shorthands. */
#define C GEN_C2S
#define S GEN_S2C
#define F_S TH_SYN
#define F_SA (TH_SYN | TH_ACK)
#define F_A TH_ACK
#define F_PA (TH_PSH | TH_ACK)
#define F_FA (TH_FIN | TH_ACK)
#define F_R TH_RST
#define F_RA (TH_RST | TH_ACK)
#define F_FPA (TH_FIN | TH_PSH | TH_ACK)
#define O_NONE GEN_O_NONE
#define O_SYN GEN_O_SYN
#define O_TS GEN_O_TS
#define O_TFOREQ GEN_O_TFO_REQ
#define O_TFO GEN_O_TFO_COOKIE
#define O_SYN_NOTS GEN_O_SYN_NOTS
#define O_FORGED GEN_O_TS_FORGED


#define N(a) (sizeof(a) / sizeof((a)[0]))
#define CONN(name, cli, srv, cport, sport, cisn, sisn) \
    static const struct conn_spec name = { cli, srv, cport, sport, cisn, sisn }
#define PART(conn, segs, t_off_us) { &(conn), (segs), N(segs), (t_off_us) }

/* --- connections (RFC 5737 / RFC 3849 documentation addresses) ----------- */

CONN(c_v4, "192.0.2.10", "192.0.2.80", 43512, 80, 1804289383u, 846930886u);
CONN(c_v6, "2001:db8::10", "2001:db8::80", 43514, 80, 1681692777u, 1714636915u);
CONN(c_refused, "192.0.2.10", "192.0.2.80", 43516, 8080, 1957747793u, 0);
CONN(c_unans, "192.0.2.10", "203.0.113.9", 43518, 443, 424238335u, 0);
CONN(c_halfopen, "192.0.2.10", "192.0.2.80", 43520, 80, 719885386u, 1649760492u);
/* Simultaneous open: two peers, both ephemeral ports (RFC 9293 Figure 7). */
CONN(c_simul, "192.0.2.10", "192.0.2.20", 50000, 50001, 596516649u, 1189641421u);
/* Aborted: the raw-socket crafter case, then a SYN withdrawn by a RST. */
CONN(c_abort1, "192.0.2.10", "192.0.2.80", 40001, 80, 1025202362u, 1350490027u);
CONN(c_abort2, "192.0.2.10", "192.0.2.80", 40002, 80, 783368690u, 0);
/* Port reuse: the same 4-tuple twice; the second ISN is well above the first. */
CONN(c_reuse1, "192.0.2.10", "192.0.2.80", 44444, 80, 1102520059u, 2044897763u);
CONN(c_reuse2, "192.0.2.10", "192.0.2.80", 44444, 80, 1967513926u, 1365180540u);
CONN(c_mid, "192.0.2.10", "192.0.2.80", 43522, 80, 304089172u, 35005211u);
CONN(c_tfo1, "192.0.2.10", "192.0.2.80", 50100, 80, 521595368u, 294702567u);
CONN(c_tfo2, "192.0.2.10", "192.0.2.80", 50102, 80, 1726956429u, 336465782u);
CONN(c_lo4, "127.0.0.1", "127.0.0.1", 45678, 8080, 861021530u, 278722862u);
CONN(c_lo6, "::1", "::1", 45680, 8080, 233665123u, 2145174067u);
/* The hard cases (docs/STATES.md). */
CONN(c_split, "192.0.2.10", "192.0.2.30", 50200, 50201, 1145141919u, 810114514u);
CONN(c_sclose, "192.0.2.10", "192.0.2.80", 43530, 80, 2021161080u, 1936287828u);
CONN(c_hclose, "192.0.2.10", "192.0.2.80", 43532, 80, 1734829927u, 1684234849u);
/* Self-connect: one socket at both ends, so both ISNs are the same. */
CONN(c_self, "127.0.0.1", "127.0.0.1", 46000, 46000, 3141592653u, 3141592653u);
CONN(c_ecn1, "192.0.2.10", "192.0.2.80", 43534, 80, 1952805748u, 1869376613u);
CONN(c_ecn2, "192.0.2.10", "192.0.2.80", 43536, 80, 1684957542u, 1633841012u);
CONN(c_wrongack, "192.0.2.10", "192.0.2.80", 43538, 80, 1818846839u, 1701995886u);
CONN(c_tfoign, "192.0.2.10", "192.0.2.80", 50104, 80, 1919903337u, 1835102822u);
CONN(c_rst_est, "192.0.2.10", "192.0.2.80", 43540, 80, 1768515945u, 1634628197u);
CONN(c_rst_fin, "192.0.2.10", "192.0.2.80", 43542, 80, 1936552814u, 1702326124u);
CONN(c_to_syn, "192.0.2.10", "203.0.113.9", 43544, 443, 1852142196u, 0);
CONN(c_to_ok, "192.0.2.10", "192.0.2.80", 43546, 80, 1701999988u, 1919252066u);
/* Verdicts later segments revise (issue 21; docs/STATES.md). */
CONN(c_tfoclose, "192.0.2.10", "192.0.2.80", 50106, 80, 1667330670u, 1936028272u);
CONN(c_inj_syn, "192.0.2.10", "192.0.2.80", 43548, 80, 1634887011u, 1702063201u);
CONN(c_inj_est, "192.0.2.10", "192.0.2.80", 43550, 80, 1920229741u, 1851876449u);
CONN(c_srvonly, "192.0.2.10", "192.0.2.80", 43552, 22, 1768846196u, 1953853298u);
CONN(c_selfclose, "127.0.0.1", "127.0.0.1", 46002, 46002, 2718281828u, 2718281828u);
CONN(c_latefin, "192.0.2.10", "192.0.2.80", 43564, 80, 3141592653u, 2718281829u);
CONN(c_latefin2, "192.0.2.10", "192.0.2.80", 43566, 80, 1414213562u, 1732050807u);
/* mixed.pcap: each its own 4-tuple. */
CONN(m_ok4, "192.0.2.11", "192.0.2.80", 51000, 80, 468703135u, 1101513929u);
CONN(m_ref, "192.0.2.12", "192.0.2.80", 51001, 25, 1801979802u, 0);
CONN(m_unans, "192.0.2.13", "203.0.113.9", 51002, 443, 1315634022u, 0);
CONN(m_ok6, "2001:db8::14", "2001:db8::80", 51003, 80, 635723058u, 1369133069u);
CONN(m_half, "192.0.2.15", "192.0.2.80", 51004, 80, 1125898167u, 1059961393u);
CONN(m_abort, "192.0.2.16", "192.0.2.80", 51005, 80, 2089018456u, 628175011u);
CONN(m_mid, "2001:db8::17", "2001:db8::80", 51006, 8080, 1656478042u, 1131176229u);
CONN(m_simul, "192.0.2.18", "192.0.2.19", 51007, 51008, 1653377373u, 859484421u);

/* --- segment tables ------------------------------------------------------ */

/* A full connection over a 20 ms path, captured at the client: 3WHS, one
 * request/response, client closes first (RFC 9293 Figure 12). */
static const struct seg hs_eth[] = {
    { 0, C, 0, F_S, 0, 0, O_SYN, NULL },
    { 20000, S, 0, F_SA, 0, 1, O_SYN, NULL },
    { 20060, C, 0, F_A, 1, 1, O_TS, NULL },
    { 20110, C, 0, F_PA, 1, 1, O_TS, REQ },
    { 40230, S, 0, F_A, 1, 1 + LREQ, O_TS, NULL },
    { 40890, S, 0, F_PA, 1, 1 + LREQ, O_TS, RESP },
    { 40950, C, 0, F_A, 1 + LREQ, 1 + LRESP, O_TS, NULL },
    { 41200, C, 0, F_FA, 1 + LREQ, 1 + LRESP, O_TS, NULL },
    { 61330, S, 0, F_FA, 1 + LRESP, 2 + LREQ, O_TS, NULL },
    { 61390, C, 0, F_A, 2 + LREQ, 2 + LRESP, O_TS, NULL },
};

/* The same exchange on lo: tens of microseconds. */
static const struct seg hs_lo[] = {
    { 0, C, 0, F_S, 0, 0, O_SYN, NULL },
    { 28, S, 0, F_SA, 0, 1, O_SYN, NULL },
    { 41, C, 0, F_A, 1, 1, O_TS, NULL },
    { 95, C, 0, F_PA, 1, 1, O_TS, REQ },
    { 102, S, 0, F_A, 1, 1 + LREQ, O_TS, NULL },
    { 310, S, 0, F_PA, 1, 1 + LREQ, O_TS, RESP },
    { 318, C, 0, F_A, 1 + LREQ, 1 + LRESP, O_TS, NULL },
    { 420, C, 0, F_FA, 1 + LREQ, 1 + LRESP, O_TS, NULL },
    { 455, S, 0, F_FA, 1 + LRESP, 2 + LREQ, O_TS, NULL },
    { 463, C, 0, F_A, 2 + LREQ, 2 + LRESP, O_TS, NULL },
};

/* A closed port: RST+ACK <SEQ=0><ACK=ISN+1> (RFC 9293 3.10.7.1). */
static const struct seg refused[] = {
    { 0, C, 0, F_S, 0, 0, O_SYN, NULL },
    { 20000, S, GEN_ABS_SEQ, F_RA, 0, 1, O_NONE, NULL },
};

/* No answer: Linux retransmits the SYN, same ISN, RTO 1 s doubling. */
static const struct seg unanswered[] = {
    { 0, C, 0, F_S, 0, 0, O_SYN, NULL },
    { 1000000, C, 0, F_S, 0, 0, O_SYN, NULL },
    { 3000000, C, 0, F_S, 0, 0, O_SYN, NULL },
    { 7000000, C, 0, F_S, 0, 0, O_SYN, NULL },
};

/* The server answers, the final ACK never comes: it retransmits its
 * SYN+ACK (tcp_synack_retries, 1 s doubling). */
static const struct seg half_open[] = {
    { 0, C, 0, F_S, 0, 0, O_SYN, NULL },
    { 20000, S, 0, F_SA, 0, 1, O_SYN, NULL },
    { 1020000, S, 0, F_SA, 0, 1, O_SYN, NULL },
    { 3020000, S, 0, F_SA, 0, 1, O_SYN, NULL },
};

/* Both ends send a bare SYN, the SYNs cross, both answer SYN+ACK
 * (RFC 9293 Figure 7), both ACK; then a normal close. One-way delay 10 ms,
 * captured at the client. */
static const struct seg simultaneous[] = {
    { 0, C, 0, F_S, 0, 0, O_SYN, NULL },
    { 10300, S, 0, F_S, 0, 0, O_SYN, NULL },
    { 10350, C, 0, F_SA, 0, 1, O_SYN, NULL },
    { 20000, S, 0, F_SA, 0, 1, O_SYN, NULL },
    { 20050, C, 0, F_A, 1, 1, O_TS, NULL },
    { 30400, S, 0, F_A, 1, 1, O_TS, NULL },
    { 40000, C, 0, F_FA, 1, 1, O_TS, NULL },
    { 60100, S, 0, F_FA, 1, 2, O_TS, NULL },
    { 60150, C, 0, F_A, 2, 2, O_TS, NULL },
};

/* The raw-socket crafter's handshake without a guard: no socket owns the
 * 4-tuple, so the client's kernel answers the SYN+ACK with
 * <SEQ=SEG.ACK><CTL=RST> (RFC 9293 3.10.7.1; docs/SEMANTICS.md section 6). */
static const struct seg abort_after_synack[] = {
    { 0, C, 0, F_S, 0, 0, O_SYN, NULL },
    { 20000, S, 0, F_SA, 0, 1, O_SYN, NULL },
    { 20040, C, 0, F_R, 1, 0, O_NONE, NULL },
};

/* A SYN withdrawn by a RST from the client before any reply; the RST
 * carries SND.NXT = ISN+1 (RFC 9293 3.10.4, ABORT). */
static const struct seg abort_after_syn[] = {
    { 0, C, 0, F_S, 0, 0, O_SYN, NULL },
    { 5000, C, 0, F_R, 1, 0, O_NONE, NULL },
};

/* A lone SYN: in port-reuse, sent 1 s before the same SYN is retransmitted. */
static const struct seg syn_only[] = {
    { 0, C, 0, F_S, 0, 0, O_SYN, NULL },
};

/* The capture starts inside a connection: data both ways, then the close. */
static const struct seg midstream[] = {
    { 0, C, 0, F_PA, 1001, 2001, O_TS, REQ },
    { 20100, S, 0, F_PA, 2001, 1001 + LREQ, O_TS, RESP },
    { 20160, C, 0, F_A, 1001 + LREQ, 2001 + LRESP, O_TS, NULL },
    { 20400, C, 0, F_FA, 1001 + LREQ, 2001 + LRESP, O_TS, NULL },
    { 40500, S, 0, F_FA, 2001 + LRESP, 1002 + LREQ, O_TS, NULL },
    { 40560, C, 0, F_A, 1002 + LREQ, 2002 + LRESP, O_TS, NULL },
};

/* TCP Fast Open (RFC 7413 section 3): the first connection asks for a
 * cookie (empty option) and gets one in the SYN+ACK ... */
static const struct seg tfo_first[] = {
    { 0, C, 0, F_S, 0, 0, O_TFOREQ, NULL },
    { 20000, S, 0, F_SA, 0, 1, O_TFO, NULL },
    { 20060, C, 0, F_A, 1, 1, O_TS, NULL },
    { 20110, C, 0, F_PA, 1, 1, O_TS, REQ },
    { 40230, S, 0, F_PA, 1, 1 + LREQ, O_TS, RESP },
    { 40290, C, 0, F_A, 1 + LREQ, 1 + LRESP, O_TS, NULL },
    { 40500, C, 0, F_FA, 1 + LREQ, 1 + LRESP, O_TS, NULL },
    { 60600, S, 0, F_FA, 1 + LRESP, 2 + LREQ, O_TS, NULL },
    { 60660, C, 0, F_A, 2 + LREQ, 2 + LRESP, O_TS, NULL },
};

/* ... the second sends it with data in the SYN, and the SYN+ACK acknowledges
 * that data (ack = ISN + 1 + data length). */
static const struct seg tfo_second[] = {
    { 0, C, 0, F_S, 0, 0, O_TFO, REQ },
    { 20000, S, 0, F_SA, 0, 1 + LREQ, O_SYN, NULL },
    { 20060, C, 0, F_A, 1 + LREQ, 1, O_TS, NULL },
    { 20400, S, 0, F_PA, 1, 1 + LREQ, O_TS, RESP },
    { 20460, C, 0, F_A, 1 + LREQ, 1 + LRESP, O_TS, NULL },
    { 20700, C, 0, F_FA, 1 + LREQ, 1 + LRESP, O_TS, NULL },
    { 40800, S, 0, F_FA, 1 + LRESP, 2 + LREQ, O_TS, NULL },
    { 40860, C, 0, F_A, 2 + LREQ, 2 + LRESP, O_TS, NULL },
};

/* The split handshake (S, S, SA, A), legal under RFC 9293 3.10.7.3. */
static const struct seg split_hs[] = {
    { 0, C, 0, F_S, 0, 0, O_SYN, NULL },
    { 10000, S, 0, F_S, 0, 0, O_SYN, NULL },
    { 10050, C, 0, F_SA, 0, 1, O_SYN, NULL },
    { 20000, S, 0, F_A, 1, 1, O_TS, NULL },
    { 30000, C, 0, F_FA, 1, 1, O_TS, NULL },
    { 40000, S, 0, F_FA, 1, 2, O_TS, NULL },
    { 40050, C, 0, F_A, 2, 2, O_TS, NULL },
};

/* Simultaneous close: the FINs cross (RFC 9293 Figure 13). */
static const struct seg sim_close[] = {
    { 0, C, 0, F_S, 0, 0, O_SYN, NULL },
    { 20000, S, 0, F_SA, 0, 1, O_SYN, NULL },
    { 20060, C, 0, F_A, 1, 1, O_TS, NULL },
    { 30000, C, 0, F_FA, 1, 1, O_TS, NULL },
    { 30010, S, 0, F_FA, 1, 1, O_TS, NULL },
    { 50000, C, 0, F_A, 2, 2, O_TS, NULL },
    { 50010, S, 0, F_A, 2, 2, O_TS, NULL },
};

/* Half-close: the client sends FIN, the server keeps sending data, then
 * closes (RFC 9293 3.6: CLOSE_WAIT may still send). */
static const struct seg half_close[] = {
    { 0, C, 0, F_S, 0, 0, O_SYN, NULL },
    { 20000, S, 0, F_SA, 0, 1, O_SYN, NULL },
    { 20060, C, 0, F_A, 1, 1, O_TS, NULL },
    { 20110, C, 0, F_PA, 1, 1, O_TS, REQ },
    { 20200, C, 0, F_FA, 1 + LREQ, 1, O_TS, NULL },
    { 40300, S, 0, F_A, 1, 2 + LREQ, O_TS, NULL },
    { 40900, S, 0, F_PA, 1, 2 + LREQ, O_TS, RESP },
    { 40960, C, 0, F_A, 2 + LREQ, 1 + LRESP, O_TS, NULL },
    { 41500, S, 0, F_PA, 1 + LRESP, 2 + LREQ, O_TS, RESP },
    { 41560, C, 0, F_A, 2 + LREQ, 1 + 2 * LRESP, O_TS, NULL },
    { 42000, S, 0, F_FA, 1 + 2 * LRESP, 2 + LREQ, O_TS, NULL },
    { 42060, C, 0, F_A, 2 + LREQ, 2 + 2 * LRESP, O_TS, NULL },
};

/* Self-connect: a socket bound to 127.0.0.1:P connects to itself. The wire
 * shows [S] seq X, [S.] seq X ack X+1, [.] (docs/SEMANTICS.md 2.3). */
static const struct seg self_connect[] = {
    { 0, C, 0, F_S, 0, 0, O_SYN, NULL },
    { 20, S, 0, F_SA, 0, 1, O_SYN, NULL },
    { 40, C, 0, F_A, 1, 1, O_TS, NULL },
};

/* ECN setup (RFC 3168 6.1.1): SYN with ECE+CWR, SYN+ACK with ECE alone. */
static const struct seg ecn_ok[] = {
    { 0, C, 0, F_S | TH_ECE | TH_CWR, 0, 0, O_SYN, NULL },
    { 20000, S, 0, F_SA | TH_ECE, 0, 1, O_SYN, NULL },
    { 20060, C, 0, F_A, 1, 1, O_TS, NULL },
    { 30000, C, 0, F_FA, 1, 1, O_TS, NULL },
    { 50000, S, 0, F_FA, 1, 2, O_TS, NULL },
    { 50060, C, 0, F_A, 2, 2, O_TS, NULL },
};

/* ... and declined: the SYN+ACK carries no ECE. */
static const struct seg ecn_declined[] = {
    { 0, C, 0, F_S | TH_ECE | TH_CWR, 0, 0, O_SYN, NULL },
    { 20000, S, 0, F_SA, 0, 1, O_SYN, NULL },
    { 20060, C, 0, F_A, 1, 1, O_TS, NULL },
};

/* A stale SYN+ACK with a wrong ack draws the client's <SEQ=SEG.ACK><CTL=RST>
 * (RFC 9293 3.10.7.3); the client stays in SYN_SENT and the real SYN+ACK
 * completes the handshake. The stale one acks ISN + 10000, and the RST's
 * sequence number is that ack (issue 14: it once was not). */
static const struct seg wrong_ack[] = {
    { 0, C, 0, F_S, 0, 0, O_SYN, NULL },
    /* ack is relative to the client's ISN, as in every scenario: ISN + 10000 */
    { 10000, S, GEN_ABS_SEQ, F_SA, 111111, 10000u, O_SYN, NULL },
    { 10050, C, GEN_ABS_SEQ, F_R, 1818846839u + 10000u, 0, O_NONE, NULL },
    { 20000, S, 0, F_SA, 0, 1, O_SYN, NULL },
    { 20060, C, 0, F_A, 1, 1, O_TS, NULL },
};

/* TFO data ignored: the SYN carries a cookie and data, the SYN+ACK only
 * acknowledges the SYN (RFC 7413 3), the client sends the data again. */
static const struct seg tfo_ignored[] = {
    { 0, C, 0, F_S, 0, 0, O_TFO, REQ },
    { 20000, S, 0, F_SA, 0, 1, O_SYN, NULL },
    { 20060, C, 0, F_PA, 1, 1, O_TS, REQ },
    { 40100, S, 0, F_PA, 1, 1 + LREQ, O_TS, RESP },
    { 40160, C, 0, F_A, 1 + LREQ, 1 + LRESP, O_TS, NULL },
};

/* RSTs in two states: the server resets an established connection; the
 * server resets in CLOSE_WAIT after the client's FIN. */
static const struct seg rst_established[] = {
    { 0, C, 0, F_S, 0, 0, O_SYN, NULL },
    { 20000, S, 0, F_SA, 0, 1, O_SYN, NULL },
    { 20060, C, 0, F_A, 1, 1, O_TS, NULL },
    { 20110, C, 0, F_PA, 1, 1, O_TS, REQ },
    { 40200, S, 0, F_RA, 1, 1 + LREQ, O_NONE, NULL },
};
static const struct seg rst_close_wait[] = {
    { 0, C, 0, F_S, 0, 0, O_SYN, NULL },
    { 20000, S, 0, F_SA, 0, 1, O_SYN, NULL },
    { 20060, C, 0, F_A, 1, 1, O_TS, NULL },
    { 20100, C, 0, F_FA, 1, 1, O_TS, NULL },
    { 40200, S, 0, F_A, 1, 2, O_TS, NULL },
    { 40300, S, 0, F_R, 1, 0, O_NONE, NULL },
};

/* A TFO server answers and closes before the client's third ACK: reply and
 * FIN from SYN_RECV (RFC 9293 3.10.4), so it is in FIN_WAIT_1 when the
 * client's ACK of the SYN+ACK arrives; that ACK still completes the
 * handshake (3.10.7.4). Captured at the server, 20 ms from the client. */
static const struct seg tfo_close[] = {
    { 0, C, 0, F_S, 0, 0, O_TFO, REQ },
    { 50, S, 0, F_SA, 0, 1 + LREQ, O_SYN, NULL },
    { 300, S, 0, F_FPA, 1, 1 + LREQ, O_TS, RESP },
    { 40050, C, 0, F_A, 1 + LREQ, 1, O_TS, NULL },
    { 40300, C, 0, F_A, 1 + LREQ, 2 + LRESP, O_TS, NULL },
    { 40500, C, 0, F_FA, 1 + LREQ, 2 + LRESP, O_TS, NULL },
    { 40550, S, 0, F_A, 2 + LRESP, 2 + LREQ, O_TS, NULL },
};

/* RST injection the receiver ignores. An injected RST+ACK acknowledges the
 * SYN, but its TSecr echoes no TSval the SYN carried, so the SYN_SENT client
 * drops it (RFC 7323 3.2; Linux counts PAWSActiveRejected); the real
 * SYN+ACK follows and the connection runs to a FIN close. */
static const struct seg inj_syn_sent[] = {
    { 0, C, 0, F_S, 0, 0, O_SYN, NULL },
    { 5000, S, GEN_ABS_SEQ, F_RA, 0, 1, O_FORGED, NULL },
    { 20000, S, 0, F_SA, 0, 1, O_SYN, NULL },
    { 20060, C, 0, F_A, 1, 1, O_TS, NULL },
    { 20110, C, 0, F_PA, 1, 1, O_TS, REQ },
    { 40230, S, 0, F_PA, 1, 1 + LREQ, O_TS, RESP },
    { 40290, C, 0, F_A, 1 + LREQ, 1 + LRESP, O_TS, NULL },
    { 40500, C, 0, F_FA, 1 + LREQ, 1 + LRESP, O_TS, NULL },
    { 60600, S, 0, F_FA, 1 + LRESP, 2 + LREQ, O_TS, NULL },
    { 60660, C, 0, F_A, 2 + LREQ, 2 + LRESP, O_TS, NULL },
};

/* ... and on an established connection that negotiated no timestamps: a RST
 * at the server's next sequence number, carrying a timestamp, arrives before
 * the server's real reply; both ends go on. */
static const struct seg inj_established[] = {
    { 0, C, 0, F_S, 0, 0, O_SYN_NOTS, NULL },
    { 20000, S, 0, F_SA, 0, 1, O_SYN_NOTS, NULL },
    { 20060, C, 0, F_A, 1, 1, O_NONE, NULL },
    { 20110, C, 0, F_PA, 1, 1, O_NONE, REQ },
    { 25000, S, 0, F_R, 1, 0, O_FORGED, NULL },
    { 40230, S, 0, F_PA, 1, 1 + LREQ, O_NONE, RESP },
    { 40290, C, 0, F_A, 1 + LREQ, 1 + LRESP, O_NONE, NULL },
    { 40500, C, 0, F_FA, 1 + LREQ, 1 + LRESP, O_NONE, NULL },
    { 60600, S, 0, F_FA, 1 + LRESP, 2 + LREQ, O_NONE, NULL },
    { 60660, C, 0, F_A, 2 + LREQ, 2 + LRESP, O_NONE, NULL },
};

/* One direction captured: the server's, from its SYN+ACK on (an SSH server
 * seen through an asymmetric route). Its ACK of the client's first bytes
 * proves the unseen final ACK came; then a minute of silence (longer than
 * SYN_RECV's 60 s timeout), more data, and the server's FIN. */
static const struct seg server_only[] = {
    { 0, S, 0, F_SA, 0, 1, O_SYN, NULL },
    { 20100, S, 0, F_A, 1, 1 + LREQ, O_TS, NULL },
    { 20300, S, 0, F_PA, 1, 1 + LREQ, O_TS, RESP },
    { 20310, S, 0, F_PA, 1 + LRESP, 1 + LREQ, O_TS, RESP },
    { 70020400, S, 0, F_PA, 1 + 2 * LRESP, 1 + 2 * LREQ, O_TS, RESP },
    { 70040500, S, 0, F_FA, 1 + 3 * LRESP, 1 + 2 * LREQ, O_TS, NULL },
};

/* bind(P); connect(P); close(): one socket sees its own FIN. */
static const struct seg self_close[] = {
    { 0, C, 0, F_S, 0, 0, O_SYN, NULL },
    { 20, S, 0, F_SA, 0, 1, O_SYN, NULL },
    { 40, C, 0, F_A, 1, 1, O_TS, NULL },
    { 1000, C, 0, F_FA, 1, 1, O_TS, NULL },
    { 1020, C, 0, F_A, 2, 2, O_TS, NULL },
};

/* Issue 15 (as in a Zeek trace): the client closes at 38 s, the server
 * only at 273 s. conntrack's CLOSE_WAIT timeout (60 s) ends the connection
 * at 98 s; the late FIN, and the RST the client's kernel answers it with
 * (its socket is gone: RFC 9293 3.10.7.1, <SEQ=SEG.ACK>), are stragglers of
 * that connection, kept in their roles by the memory of forgotten
 * connections (docs/STATES.md), not a new mid-stream connection. */
static const struct seg late_fin[] = {
    { 0, C, 0, F_S, 0, 0, O_SYN, NULL },
    { 20000, S, 0, F_SA, 0, 1, O_SYN, NULL },
    { 20060, C, 0, F_A, 1, 1, O_TS, NULL },
    { 20110, C, 0, F_PA, 1, 1, O_TS, REQ },
    { 40230, S, 0, F_A, 1, 1 + LREQ, O_TS, NULL },
    { 40890, S, 0, F_PA, 1, 1 + LREQ, O_TS, RESP },
    { 40950, C, 0, F_A, 1 + LREQ, 1 + LRESP, O_TS, NULL },
    { 38000000, C, 0, F_FA, 1 + LREQ, 1 + LRESP, O_TS, NULL },
    { 38020100, S, 0, F_A, 1 + LRESP, 2 + LREQ, O_TS, NULL },
    { 273000000, S, 0, F_FA, 1 + LRESP, 2 + LREQ, O_TS, NULL },
    { 273020000, C, 0, F_R, 2 + LREQ, 0, O_NONE, NULL },
};

/* --- scenarios ----------------------------------------------------------- */

static const struct part p_hs4[] = { PART(c_v4, hs_eth, 0) };
static const struct part p_hs6[] = { PART(c_v6, hs_eth, 0) };
static const struct part p_refused[] = { PART(c_refused, refused, 0) };
static const struct part p_unans[] = { PART(c_unans, unanswered, 0) };
static const struct part p_half[] = { PART(c_halfopen, half_open, 0) };
static const struct part p_simul[] = { PART(c_simul, simultaneous, 0) };
static const struct part p_abort[] = {
    PART(c_abort1, abort_after_synack, 0),
    PART(c_abort2, abort_after_syn, 1000000),
};
static const struct part p_reuse[] = {
    PART(c_reuse1, syn_only, 0),       /* the first SYN ... */
    PART(c_reuse1, hs_eth, 1000000),   /* ... retransmitted (same ISN) at 1 s */
    PART(c_reuse2, hs_eth, 6000000),   /* new ISN, same 4-tuple, client in TIME_WAIT */
};
static const struct part p_mid[] = { PART(c_mid, midstream, 0) };
static const struct part p_tfo[] = {
    PART(c_tfo1, tfo_first, 0),
    PART(c_tfo2, tfo_second, 2000000),
};
static const struct part p_lo4[] = { PART(c_lo4, hs_lo, 0) };
static const struct part p_null[] = {
    PART(c_lo4, hs_lo, 0),
    PART(c_lo6, hs_lo, 1000000),
};
static const struct part p_split[] = { PART(c_split, split_hs, 0) };
static const struct part p_sclose[] = { PART(c_sclose, sim_close, 0) };
static const struct part p_hclose[] = { PART(c_hclose, half_close, 0) };
static const struct part p_self[] = { PART(c_self, self_connect, 0) };
static const struct part p_ecn[] = { PART(c_ecn1, ecn_ok, 0), PART(c_ecn2, ecn_declined, 100000) };
static const struct part p_wrongack[] = { PART(c_wrongack, wrong_ack, 0) };
static const struct part p_tfoign[] = { PART(c_tfoign, tfo_ignored, 0) };
static const struct part p_rst[] = {
    PART(c_rst_est, rst_established, 0),
    PART(c_rst_fin, rst_close_wait, 100000),
};
/* An unanswered SYN, then 130 s later another connection: the first times
 * out at the SYN_SENT timeout (120 s) of packet time. */
static const struct part p_timeout[] = {
    PART(c_to_syn, syn_only, 0),
    PART(c_to_ok, hs_eth, 130000000),
};
static const struct part p_tfoclose[] = { PART(c_tfoclose, tfo_close, 0) };
static const struct part p_ignrst[] = {
    PART(c_inj_syn, inj_syn_sent, 0),
    PART(c_inj_est, inj_established, 1000000),
};
static const struct part p_srvonly[] = { PART(c_srvonly, server_only, 0) };
static const struct part p_selfclose[] = { PART(c_selfclose, self_close, 0) };
/* Another connection at 150 s moves the clock (a single frame far ahead is
 * not believed: docs/STATES.md, "Clock"): the first one times out then. */
static const struct part p_latefin[] = {
    PART(c_latefin, late_fin, 0),
    PART(c_latefin2, hs_eth, 150000000),
};
static const struct part p_mixed[] = {
    PART(m_ok4, hs_eth, 0),
    PART(m_ref, refused, 5000),
    PART(m_unans, unanswered, 8000),
    PART(m_ok6, hs_eth, 12000),
    PART(m_half, half_open, 15000),
    PART(m_abort, abort_after_synack, 18000),
    PART(m_mid, midstream, 22000),
    PART(m_simul, simultaneous, 25000),
};

#define SCEN(name, shows, expect, lt, snap, parts) \
    { { name, shows, expect }, lt, snap, parts, N(parts) }

static const struct gen_scen scenarios[] = {
    SCEN("handshake-ipv4",
         "Ethernet IPv4: SYN, SYN+ACK, ACK, a request and a response, "
         "FIN/ACK close both ways",
         "complete", LINK_ETHERNET, 0, p_hs4),
    SCEN("handshake-ipv6", "Ethernet IPv6: the same connection as handshake-ipv4",
         "complete", LINK_ETHERNET, 0, p_hs6),
    SCEN("refused", "SYN to a closed port answered by RST+ACK (seq 0, ack ISN+1)",
         "refused", LINK_ETHERNET, 0, p_refused),
    SCEN("unanswered", "SYN and its retransmissions at 1 s, 3 s, 7 s (same ISN), no reply",
         "unanswered", LINK_ETHERNET, 0, p_unans),
    SCEN("half-open", "SYN, SYN+ACK, SYN+ACK retransmitted at 1 s and 3 s; no final ACK",
         "half-open", LINK_ETHERNET, 0, p_half),
    SCEN("simultaneous-open",
         "both ends send a bare SYN, then both send SYN+ACK (RFC 9293 Figure 7), "
         "ACKs, FIN close",
         "complete, simultaneous", LINK_ETHERNET, 0, p_simul),
    SCEN("aborted",
         "SYN, SYN+ACK, client RST (raw-socket crafter case); "
         "then SYN, client RST before any reply",
         "aborted, aborted", LINK_ETHERNET, 0, p_abort),
    SCEN("port-reuse",
         "SYN retransmitted (same ISN), full connection, FIN close; new SYN with a new "
         "ISN on the same 4-tuple, second full connection",
         "complete, complete", LINK_ETHERNET, 0, p_reuse),
    SCEN("midstream", "no SYN: data both ways, then FIN close",
         "mid-stream", LINK_ETHERNET, 0, p_mid),
    SCEN("tfo",
         "TCP Fast Open: cookie request and cookie; second connection's SYN carries "
         "cookie + data, SYN+ACK acks the data",
         "complete, complete", LINK_ETHERNET, 0, p_tfo),
    SCEN("truncated-snaplen",
         "handshake-ipv4 with snaplen 54: TCP options and payload cut (caplen < wirelen)",
         "complete", LINK_ETHERNET, 54, p_hs4),
    SCEN("sll2-any",
         "LINUX_SLL2 as `tcpdump -i any` writes it on Linux: "
         "a loopback (127.0.0.1) connection",
         "complete", LINK_LINUX_SLL2, 0, p_lo4),
    SCEN("null-loopback",
         "DLT_NULL (BSD/macOS lo0): an IPv4 127.0.0.1 and an IPv6 ::1 connection",
         "complete, complete", LINK_NULL_BSD, 0, p_null),
    SCEN("raw-ip",
         "LINKTYPE_RAW (bare IPv4, what a raw socket sends): handshake-ipv4's connection",
         "complete", LINK_RAW, 0, p_hs4),
    SCEN("split-handshake", "S, S, SA, A: the split handshake (RFC 9293 3.10.7.3), then a close",
         "complete, simultaneous", LINK_ETHERNET, 0, p_split),
    SCEN("simultaneous-close", "3WHS, then both FINs cross (RFC 9293 Figure 13): CLOSING",
         "complete, closed", LINK_ETHERNET, 0, p_sclose),
    SCEN("half-close", "the client sends FIN, the server keeps sending data, then closes",
         "complete, closed", LINK_ETHERNET, 0, p_hclose),
    SCEN("self-connect", "127.0.0.1:46000 connects to itself: S, S. (ack X+1), .",
         "complete, simultaneous", LINK_LINUX_SLL2, 0, p_self),
    SCEN("ecn", "ECN setup negotiated (SYN ECE+CWR, SYN+ACK ECE), then declined",
         "complete (ecn negotiated), complete (ecn declined)", LINK_ETHERNET, 0, p_ecn),
    SCEN("wrong-ack",
         "a stale SYN+ACK with a wrong ack, the client's RST reply (it stays in SYN_SENT), "
         "then the real SYN+ACK",
         "complete", LINK_ETHERNET, 0, p_wrongack),
    SCEN("tfo-data-ignored",
         "TFO SYN with cookie and data; the SYN+ACK acks only the SYN; data sent again",
         "complete (syn-data-ignored)", LINK_ETHERNET, 0, p_tfoign),
    SCEN("reset-states",
         "RST from the server in ESTABLISHED; RST from the server in CLOSE_WAIT",
         "complete (reset_by_server) x2", LINK_ETHERNET, 0, p_rst),
    SCEN("handshake-timeout",
         "an unanswered SYN, and 130 s later another connection: the first times out "
         "(SYN_SENT timeout 120 s, packet time)",
         "unanswered (timeout), complete", LINK_ETHERNET, 0, p_timeout),
    SCEN("mixed",
         "eight interleaved connections, IPv4 and IPv6: every outcome at least once",
         "complete x3 (one simultaneous), refused, unanswered, half-open, aborted, "
         "mid-stream",
         LINK_ETHERNET, 0, p_mixed),
    SCEN("tfo-fin-syn-recv",
         "a TFO server sends its reply and FIN from SYN_RECV, before the client's ACK of "
         "the SYN+ACK; that ACK completes the handshake",
         "complete, closed", LINK_ETHERNET, 0, p_tfoclose),
    SCEN("ignored-rst",
         "injected RSTs the receiver drops: a RST+ACK in SYN_SENT with a wrong TS echo, then "
         "the real handshake; a RST with a timestamp never negotiated; both connections go on",
         "complete (ignored-rst), closed x2", LINK_ETHERNET, 0, p_ignrst),
    SCEN("server-only",
         "one direction captured, from the server's SYN+ACK: it acknowledges client data, "
         "a minute of silence, more data, its FIN",
         "mid-stream (server ESTABLISHED, inferred), one connection", LINK_ETHERNET, 0,
         p_srvonly),
    SCEN("self-connect-close",
         "127.0.0.1:46002 connects to itself and closes: S, S., ., F., . (one socket: "
         "FIN_WAIT_1, CLOSING, TIME_WAIT)",
         "complete, closed", LINK_LINUX_SLL2, 0, p_selfclose),
    SCEN("late-fin",
         "the client's FIN at 38 s, the server's at 273 s: the 60 s CLOSE_WAIT timeout ends "
         "the connection (another one at 150 s moves the clock); the late FIN and the "
         "client's RST are its stragglers (after-end)",
         "complete (timeout), complete", LINK_ETHERNET, 0, p_latefin),
};

size_t gen_scenario_count(void)
{
    return N(scenarios);
}

const struct gen_scenario_info *gen_scenario_info(size_t i)
{
    return i < N(scenarios) ? &scenarios[i].info : NULL;
}

const struct gen_scen *gen__scenario(size_t i)
{
    return i < N(scenarios) ? &scenarios[i] : NULL;
}
