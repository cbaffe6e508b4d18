/* test_craft_hs.c: the crafted client's state machine driven with
 * fabricated segments and a fake clock (no root, no sockets): handshake,
 * retransmission with backoff, refusal, hold, the kernel RST, both closes,
 * data, challenge ACKs and aborts. The server's: test_craft_hs_server.c. */
#include "craft_hs_fix.h"

static void test_client_syn_carries_options(void **state)
{
    struct craft_hs h;
    struct out o;
    struct hs_opts op = opts();
    (void)state;
    op.ts_val = 100;
    op.ts_ecr = 0;
    op.ttl = 33;
    client(&h, &op);
    assert_string_equal(hs_state_name(&h), "CLOSED");
    assert_int_equal(drive(&h, NULL, T0, &o), HS_ACT_WAIT);
    assert_int_equal(o.n, 1);
    assert_seg(&o.s[0], TH_SYN, ISN, 0);
    assert_int_equal(o.s[0].sport, CP);
    assert_int_equal(o.s[0].dport, SP);
    assert_int_equal(o.s[0].ttl, 33);
    assert_int_equal(o.s[0].win, HS_DEFAULT_WIN);
    assert_int_equal(o.s[0].opt.present, TCPOPT_P_MSS | TCPOPT_P_SACK_OK | TCPOPT_P_TS |
                                             TCPOPT_P_WSCALE);
    assert_int_equal(o.s[0].opt.mss, HS_DEFAULT_MSS);
    assert_int_equal(o.s[0].opt.wscale, HS_DEFAULT_WSCALE);
    assert_int_equal(o.s[0].opt.ts_val, 100);
    assert_int_equal(o.s[0].opt.ts_ecr, 0);
    assert_int_equal(o.s[0].payload_len, 0);
    assert_string_equal(hs_state_name(&h), "SYN_SENT");
    assert_true(hs_deadline(&h) == T0 + HS_DEFAULT_RTO_NS);
    assert_true(drain_notes(&h) >= 1);
}

static void test_client_ecn_and_bare_syn(void **state)
{
    struct craft_hs h;
    struct out o;
    struct hs_opts op = opts();
    (void)state;
    op.mss = 0;
    op.sackok = op.ts_on = op.wscale_on = false;
    op.ecn = true;
    client(&h, &op);
    drive(&h, NULL, T0, &o);
    assert_int_equal(o.s[0].flags, TH_SYN | TH_ECE | TH_CWR);
    assert_int_equal(o.s[0].opt.present, 0);
}

/* RFC 9293 3.5 figure 6, then the client closes first (3.6 figure 12). */
static void test_client_handshake_and_active_close(void **state)
{
    struct craft_hs h;
    struct out o;
    struct pkt p;
    uint64_t t = T0;
    (void)state;
    {
        struct hs_opts op = opts();
        client(&h, &op);
    }
    client_to_established(&h, &o, t);
    assert_true(hs_established(&h));
    /* ACK, then FIN at once (linger 0, no data). */
    assert_int_equal(o.act, HS_ACT_WAIT);
    assert_int_equal(o.n, 2);
    assert_seg(&o.s[0], TH_ACK, ISN + 1, IRS + 1);
    assert_true(o.s[0].opt.present & TCPOPT_P_TS);
    assert_int_equal(o.s[0].opt.ts_ecr, 777);
    assert_seg(&o.s[1], FA, ISN + 1, IRS + 1);
    assert_string_equal(hs_state_name(&h), "FIN_WAIT_1");
    /* The capture shows our own segments: recognised, not a kernel RST. */
    p = cs(TH_SYN, ISN, 0, 0);
    assert_int_equal(drive(&h, &p, t + 2 * MS, &o), HS_ACT_WAIT);
    assert_int_equal(o.n, 0);
    p = cs(FA, ISN + 1, IRS + 1, 0);
    drive(&h, &p, t + 2 * MS, &o);
    assert_false(hs_kernel_rst(&h));
    /* The server ACKs our FIN: FIN_WAIT_2. */
    p = sc(TH_ACK, IRS + 1, ISN + 2, 0);
    assert_int_equal(drive(&h, &p, t + 3 * MS, &o), HS_ACT_WAIT);
    assert_int_equal(o.n, 0);
    assert_string_equal(hs_state_name(&h), "FIN_WAIT_2");
    assert_true(hs_deadline(&h) == t + 3 * MS + HS_DEFAULT_PEER_CLOSE_NS);
    /* Its FIN: we ACK it and sit in TIME_WAIT. */
    p = sc(FA, IRS + 1, ISN + 2, 0);
    assert_int_equal(drive(&h, &p, t + 4 * MS, &o), HS_ACT_WAIT);
    assert_int_equal(o.n, 1);
    assert_seg(&o.s[0], TH_ACK, ISN + 2, IRS + 2);
    assert_string_equal(hs_state_name(&h), "TIME_WAIT");
    /* A re-sent FIN is ACKed again. */
    drive(&h, &p, t + 5 * MS, &o);
    assert_int_equal(o.n, 1);
    assert_seg(&o.s[0], TH_ACK, ISN + 2, IRS + 2);
    /* TIME_WAIT over. */
    assert_int_equal(drive(&h, NULL, t + 4 * MS + HS_DEFAULT_TIME_WAIT_NS, &o), HS_ACT_DONE);
    assert_int_equal(hs_end(&h), HS_END_CLOSED);
    assert_true(hs_end_ok(hs_end(&h)));
    assert_true(hs_deadline(&h) == UINT64_MAX);
    /* Ended: stays ended. */
    assert_int_equal(drive(&h, &p, t + 10000 * MS, &o), HS_ACT_DONE);
    assert_int_equal(o.n, 0);
}

/* Our FIN and theirs acknowledged by one FIN+ACK: FIN_WAIT_1 -> TIME_WAIT,
 * and no note may claim FIN_WAIT_2 (the tracker shows FIN_WAIT_1->TIME_WAIT
 * for that segment; issue 14). */
static void test_client_fin_ack_of_our_fin_goes_to_time_wait(void **state)
{
    struct craft_hs h;
    struct out o;
    struct pkt p;
    const char *n;
    bool time_wait_said = false;
    (void)state;
    {
        struct hs_opts op = opts();
        client(&h, &op);
    }
    client_to_established(&h, &o, T0);
    assert_string_equal(hs_state_name(&h), "FIN_WAIT_1");
    drain_notes(&h);
    p = sc(FA, IRS + 1, ISN + 2, 0);
    assert_int_equal(drive(&h, &p, T0 + 3 * MS, &o), HS_ACT_WAIT);
    assert_string_equal(hs_state_name(&h), "TIME_WAIT");
    while ((n = hs_take_note(&h))) {
        assert_null(strstr(n, "FIN_WAIT_2"));
        if (strstr(n, "TIME_WAIT"))
            time_wait_said = true;
    }
    assert_true(time_wait_said);
}

static void test_client_linger_then_close(void **state)
{
    struct craft_hs h;
    struct out o;
    struct hs_opts op = opts();
    (void)state;
    op.linger_ns = 500 * MS;
    client(&h, &op);
    client_to_established(&h, &o, T0);
    assert_int_equal(o.n, 1); /* only the ACK */
    assert_string_equal(hs_state_name(&h), "ESTABLISHED");
    assert_true(hs_deadline(&h) == T0 + 1 * MS + 500 * MS);
    drive(&h, NULL, T0 + 300 * MS, &o);
    assert_int_equal(o.n, 0);
    drive(&h, NULL, T0 + 501 * MS, &o);
    assert_int_equal(o.n, 1);
    assert_seg(&o.s[0], FA, ISN + 1, IRS + 1);
}

/* The server closes first: ACK its FIN, then our FIN; its FIN comes again
 * because our ACK was "lost"; then its ACK of our FIN closes. */
static void test_client_passive_close_and_refin(void **state)
{
    struct craft_hs h;
    struct out o;
    struct pkt p;
    struct hs_opts op = opts();
    (void)state;
    op.linger_ns = 5000 * MS;
    op.ts_on = false;
    client(&h, &op);
    client_to_established(&h, &o, T0);
    assert_int_equal(o.n, 1);
    assert_int_equal(o.s[0].opt.present, 0); /* no TS: we did not offer it */
    p = sc(FA, IRS + 1, ISN + 1, 0);
    drive(&h, &p, T0 + 10 * MS, &o);
    assert_int_equal(o.n, 2);
    assert_seg(&o.s[0], TH_ACK, ISN + 1, IRS + 2);
    assert_seg(&o.s[1], FA, ISN + 1, IRS + 2);
    assert_string_equal(hs_state_name(&h), "LAST_ACK");
    /* Re-sent FIN (it did not see our ACK): ACK again. */
    drive(&h, &p, T0 + 20 * MS, &o);
    assert_int_equal(o.n, 1);
    assert_seg(&o.s[0], TH_ACK, ISN + 2, IRS + 2);
    /* Our FIN is not ACKed for a while: retransmitted. */
    assert_true(hs_deadline(&h) == T0 + 10 * MS + HS_DEFAULT_RTO_NS);
    drive(&h, NULL, T0 + 10 * MS + HS_DEFAULT_RTO_NS, &o);
    assert_int_equal(o.n, 1);
    assert_seg(&o.s[0], FA, ISN + 1, IRS + 2);
    p = sc(TH_ACK, IRS + 2, ISN + 2, 0);
    assert_int_equal(drive(&h, &p, T0 + 1100 * MS, &o), HS_ACT_DONE);
    assert_int_equal(hs_end(&h), HS_END_CLOSED);
}

static void test_client_syn_backoff_bounded(void **state)
{
    struct craft_hs h;
    struct out o;
    struct hs_opts op = opts();
    uint64_t t = T0, rto = HS_DEFAULT_RTO_NS;
    int syns = 0, i;
    (void)state;
    op.max_retries = 3;
    client(&h, &op);
    drive(&h, NULL, t, &o);
    syns += o.n;
    /* Before the deadline: nothing. */
    drive(&h, NULL, t + rto - 1, &o);
    assert_int_equal(o.n, 0);
    for (i = 0; i < 3; i++) {
        t = hs_deadline(&h);
        assert_int_equal(drive(&h, NULL, t, &o), HS_ACT_WAIT);
        assert_int_equal(o.n, 1);
        assert_seg(&o.s[0], TH_SYN, ISN, 0);
        syns++;
        rto *= 2;
        assert_true(hs_deadline(&h) == t + rto); /* 2 s, 4 s, 8 s */
    }
    t = hs_deadline(&h);
    assert_int_equal(drive(&h, NULL, t, &o), HS_ACT_FAILED);
    assert_int_equal(o.n, 0);
    assert_int_equal(syns, 4);
    assert_int_equal(hs_end(&h), HS_END_UNANSWERED);
    assert_false(hs_end_ok(hs_end(&h)));
}

static void test_client_refused(void **state)
{
    struct craft_hs h;
    struct out o;
    struct pkt p;
    struct hs_opts op = opts();
    (void)state;
    client(&h, &op);
    drive(&h, NULL, T0, &o);
    /* RST without an acceptable ACK: ignored (RFC 9293 3.10.7.3). */
    p = sc(RA, 0, ISN + 7, 0);
    assert_int_equal(drive(&h, &p, T0 + MS, &o), HS_ACT_WAIT);
    p = sc(TH_RST, 0, 0, 0);
    assert_int_equal(drive(&h, &p, T0 + MS, &o), HS_ACT_WAIT);
    p = sc(RA, 0, ISN + 1, 0);
    assert_int_equal(drive(&h, &p, T0 + 2 * MS, &o), HS_ACT_FAILED);
    assert_int_equal(hs_end(&h), HS_END_REFUSED);
    assert_false(hs_established(&h));
}

static void test_client_wrong_ack_synack_gets_rst(void **state)
{
    struct craft_hs h;
    struct out o;
    struct pkt p;
    struct hs_opts op = opts();
    (void)state;
    client(&h, &op);
    drive(&h, NULL, T0, &o);
    p = sc(SA, IRS, ISN + 50, 0);
    assert_int_equal(drive(&h, &p, T0 + MS, &o), HS_ACT_WAIT);
    assert_int_equal(o.n, 1);
    assert_seg(&o.s[0], TH_RST, ISN + 50, 0);
    assert_string_equal(hs_state_name(&h), "SYN_SENT");
    /* The right one still completes. */
    p = sc(SA, IRS, ISN + 1, 0);
    drive(&h, &p, T0 + 2 * MS, &o);
    assert_true(hs_established(&h));
}

static void test_client_ignores_other_connections(void **state)
{
    struct craft_hs h;
    struct out o;
    struct pkt p;
    struct hs_opts op = opts();
    (void)state;
    client(&h, &op);
    drive(&h, NULL, T0, &o);
    p = pkt_data(0, S, SP, C, CP + 1, SA, IRS, ISN + 1, 0);
    assert_int_equal(drive(&h, &p, T0 + MS, &o), HS_ACT_WAIT);
    assert_int_equal(o.n, 0);
    p = pkt_data(0, "127.0.0.3", SP, C, CP, SA, IRS, ISN + 1, 0);
    drive(&h, &p, T0 + MS, &o);
    assert_int_equal(o.n, 0);
    assert_false(hs_established(&h));
}

/* hold: no ACK; the server's SYN+ACK retransmissions are not answered; at
 * the end a RST cleans up when close = RST. */
static void test_client_hold(void **state)
{
    struct craft_hs h;
    struct out o;
    struct pkt p;
    struct hs_opts op = opts();
    (void)state;
    op.hold = true;
    op.hold_ns = 3500 * MS;
    op.close = HS_CLOSE_RST;
    client(&h, &op);
    drive(&h, NULL, T0, &o);
    p = sc(SA, IRS, ISN + 1, 0);
    assert_int_equal(drive(&h, &p, T0 + MS, &o), HS_ACT_WAIT);
    assert_int_equal(o.n, 0);
    assert_false(hs_established(&h));
    assert_true(hs_deadline(&h) == T0 + MS + 3500 * MS);
    drive(&h, &p, T0 + 1001 * MS, &o);
    assert_int_equal(o.n, 0);
    drive(&h, &p, T0 + 3001 * MS, &o);
    assert_int_equal(o.n, 0);
    assert_int_equal(drive(&h, NULL, T0 + 3501 * MS, &o), HS_ACT_DONE);
    assert_int_equal(o.n, 1);
    assert_seg(&o.s[0], TH_RST, ISN + 1, 0);
    assert_int_equal(hs_end(&h), HS_END_HELD);
}

static void test_client_hold_no_rst(void **state)
{
    struct craft_hs h;
    struct out o;
    struct pkt p;
    struct hs_opts op = opts();
    (void)state;
    op.hold = true;
    client(&h, &op);
    drive(&h, NULL, T0, &o);
    p = sc(SA, IRS, ISN + 1, 0);
    drive(&h, &p, T0, &o);
    assert_int_equal(drive(&h, NULL, T0 + HS_DEFAULT_HOLD_NS, &o), HS_ACT_DONE);
    assert_int_equal(o.n, 0);
    assert_int_equal(hs_end(&h), HS_END_HELD);
}

/* No guard (docs/SEMANTICS.md 6): S, SA, R (this host's kernel), A (ours),
 * R (the listener, back in LISTEN): aborted. */
static void test_client_kernel_rst_then_reset(void **state)
{
    struct craft_hs h;
    struct out o;
    struct pkt p;
    struct hs_opts op = opts();
    (void)state;
    op.ts_on = false;
    op.linger_ns = 1000 * MS;
    client(&h, &op);
    client_to_established(&h, &o, T0);
    assert_int_equal(o.n, 1);
    drain_notes(&h);
    p = cs(TH_RST, ISN + 1, 0, 0); /* the kernel's <SEQ=SEG.ACK><CTL=RST> */
    assert_int_equal(drive(&h, &p, T0 + 2 * MS, &o), HS_ACT_WAIT);
    assert_true(hs_kernel_rst(&h));
    assert_true(drain_notes(&h) >= 1);
    p = sc(TH_RST, IRS + 1, 0, 0); /* the listener's answer to our ACK */
    assert_int_equal(drive(&h, &p, T0 + 3 * MS, &o), HS_ACT_FAILED);
    assert_int_equal(hs_end(&h), HS_END_RESET);
}

static void test_client_rst_challenge_ack(void **state)
{
    struct craft_hs h;
    struct out o;
    struct pkt p;
    struct hs_opts op = opts();
    (void)state;
    op.ts_on = false;
    op.linger_ns = 1000 * MS;
    client(&h, &op);
    client_to_established(&h, &o, T0);
    p = sc(TH_RST, IRS + 100, 0, 0); /* in window, not RCV.NXT */
    assert_int_equal(drive(&h, &p, T0 + 2 * MS, &o), HS_ACT_WAIT);
    assert_int_equal(o.n, 1);
    assert_seg(&o.s[0], TH_ACK, ISN + 1, IRS + 1);
    p = sc(TH_RST, IRS + 1000000, 0, 0); /* outside: ignored */
    drive(&h, &p, T0 + 3 * MS, &o);
    assert_int_equal(o.n, 0);
    /* A SYN+ACK again (our ACK lost): ACK again. */
    p = sc(SA, IRS, ISN + 1, 0);
    drive(&h, &p, T0 + 4 * MS, &o);
    assert_int_equal(o.n, 1);
    assert_seg(&o.s[0], TH_ACK, ISN + 1, IRS + 1);
}

static void test_client_data_and_retransmission(void **state)
{
    static const uint8_t hello[] = "hello";
    struct craft_hs h;
    struct out o;
    struct hs_opts op = opts();
    (void)state;
    op.ts_on = false;
    op.data = hello;
    op.data_len = 5;
    op.max_retries = 2;
    client(&h, &op);
    client_to_established(&h, &o, T0);
    assert_int_equal(o.n, 2);
    assert_seg(&o.s[0], TH_ACK, ISN + 1, IRS + 1);
    assert_seg(&o.s[1], TH_PSH | TH_ACK, ISN + 1, IRS + 1);
    assert_int_equal(o.s[1].payload_len, 5);
    assert_memory_equal(o.s[1].payload, "hello", 5);
    /* No ACK: the data goes again at RTO, 2 RTO; then RST and give up. */
    drive(&h, NULL, T0 + MS + HS_DEFAULT_RTO_NS, &o);
    assert_int_equal(o.n, 1);
    assert_seg(&o.s[0], TH_PSH | TH_ACK, ISN + 1, IRS + 1);
    drive(&h, NULL, hs_deadline(&h), &o);
    assert_int_equal(o.n, 1);
    assert_int_equal(drive(&h, NULL, hs_deadline(&h), &o), HS_ACT_FAILED);
    assert_int_equal(o.n, 1);
    assert_seg(&o.s[0], RA, ISN + 1, IRS + 1);
    assert_int_equal(hs_end(&h), HS_END_TIMEOUT);
}

static void test_client_data_acked_then_fin_and_reply_data(void **state)
{
    static const uint8_t req[] = "GET /";
    struct craft_hs h;
    struct out o;
    struct pkt p;
    struct hs_opts op = opts();
    (void)state;
    op.ts_on = false;
    op.data = req;
    op.data_len = 5;
    client(&h, &op);
    client_to_established(&h, &o, T0);
    assert_int_equal(o.n, 2);
    /* The server ACKs and answers with 10 bytes: we ACK them, then FIN. */
    p = sc(TH_PSH | TH_ACK, IRS + 1, ISN + 6, 10);
    drive(&h, &p, T0 + 5 * MS, &o);
    assert_int_equal(o.n, 1);
    assert_seg(&o.s[0], FA, ISN + 6, IRS + 11);
    /* The same data again: duplicate ACK. */
    drive(&h, &p, T0 + 6 * MS, &o);
    assert_int_equal(o.n, 1);
    assert_seg(&o.s[0], TH_ACK, ISN + 7, IRS + 11);
    /* ACK of something never sent: ACK, nothing else changes. */
    p = sc(TH_ACK, IRS + 11, ISN + 999, 0);
    drive(&h, &p, T0 + 7 * MS, &o);
    assert_int_equal(o.n, 1);
    assert_seg(&o.s[0], TH_ACK, ISN + 7, IRS + 11);
    assert_string_equal(hs_state_name(&h), "FIN_WAIT_1");
    /* FIN+ACK covering our FIN: TIME_WAIT. */
    p = sc(FA, IRS + 11, ISN + 7, 0);
    drive(&h, &p, T0 + 8 * MS, &o);
    assert_int_equal(o.n, 1);
    assert_seg(&o.s[0], TH_ACK, ISN + 7, IRS + 12);
    assert_string_equal(hs_state_name(&h), "TIME_WAIT");
}

static void test_client_close_rst_and_none(void **state)
{
    struct craft_hs h;
    struct out o;
    struct hs_opts op = opts();
    (void)state;
    op.close = HS_CLOSE_RST;
    client(&h, &op);
    client_to_established(&h, &o, T0);
    assert_int_equal(o.act, HS_ACT_DONE);
    assert_int_equal(o.n, 2);
    assert_seg(&o.s[1], RA, ISN + 1, IRS + 1);
    assert_int_equal(o.s[1].opt.present, 0); /* no TS on a RST */
    assert_int_equal(hs_end(&h), HS_END_RESET_SENT);

    op.close = HS_CLOSE_NONE;
    client(&h, &op);
    client_to_established(&h, &o, T0);
    assert_int_equal(o.act, HS_ACT_DONE);
    assert_int_equal(o.n, 1);
    assert_int_equal(hs_end(&h), HS_END_OPEN);
}

static void test_client_peer_never_closes(void **state)
{
    struct craft_hs h;
    struct out o;
    struct pkt p;
    struct hs_opts op = opts();
    (void)state;
    op.ts_on = false;
    op.peer_close_ns = 2000 * MS;
    client(&h, &op);
    client_to_established(&h, &o, T0);
    p = sc(TH_ACK, IRS + 1, ISN + 2, 0);
    drive(&h, &p, T0 + 10 * MS, &o);
    assert_string_equal(hs_state_name(&h), "FIN_WAIT_2");
    assert_int_equal(drive(&h, NULL, T0 + 2010 * MS, &o), HS_ACT_DONE);
    assert_int_equal(o.n, 1);
    assert_seg(&o.s[0], RA, ISN + 2, IRS + 1);
    assert_int_equal(hs_end(&h), HS_END_PEER_OPEN);
}

static void test_client_tfo_data_in_syn(void **state)
{
    static const uint8_t d[] = "abc";
    struct craft_hs h;
    struct out o;
    struct pkt p;
    struct hs_opts op = opts();
    (void)state;
    op.ts_on = false;
    op.tfo_on = true;
    op.tfo_len = 8;
    memset(op.tfo_cookie, 0xab, 8);
    op.data = d;
    op.data_len = 3;
    client(&h, &op);
    drive(&h, NULL, T0, &o);
    assert_int_equal(o.s[0].payload_len, 3);
    assert_true(o.s[0].opt.present & TCPOPT_P_TFO);
    assert_int_equal(o.s[0].opt.tfo_len, 8);
    /* The server did not accept the data (ack = ISN+1): resent after the ACK. */
    p = sc(SA, IRS, ISN + 1, 0);
    drive(&h, &p, T0 + MS, &o);
    assert_int_equal(o.n, 2);
    assert_seg(&o.s[0], TH_ACK, ISN + 1, IRS + 1);
    assert_seg(&o.s[1], TH_PSH | TH_ACK, ISN + 1, IRS + 1);
    assert_int_equal(o.s[1].payload_len, 3);

    /* Accepted (ack = ISN+1+3): nothing to resend; FIN follows. */
    client(&h, &op);
    drive(&h, NULL, T0, &o);
    p = sc(SA, IRS, ISN + 4, 0);
    drive(&h, &p, T0 + MS, &o);
    assert_int_equal(o.n, 2);
    assert_seg(&o.s[0], TH_ACK, ISN + 4, IRS + 1);
    assert_seg(&o.s[1], FA, ISN + 4, IRS + 1);
}

static void test_client_abort(void **state)
{
    struct craft_hs h;
    struct out o;
    struct craft_spec sp;
    struct hs_opts op = opts();
    (void)state;
    op.linger_ns = 10000 * MS;
    op.ts_on = false;
    client(&h, &op);
    client_to_established(&h, &o, T0);
    assert_int_equal(hs_abort(&h, T0 + 5 * MS, &sp), HS_ACT_SEND);
    assert_seg(&sp, RA, ISN + 1, IRS + 1);
    assert_int_equal(hs_next(&h, NULL, T0 + 5 * MS, &sp), HS_ACT_FAILED);
    assert_int_equal(hs_end(&h), HS_END_ABORTED);
    /* Before any SYN+ACK: nothing to reset. */
    client(&h, &op);
    drive(&h, NULL, T0, &o);
    assert_int_equal(hs_abort(&h, T0 + 5 * MS, &sp), HS_ACT_FAILED);
    assert_int_equal(hs_end(&h), HS_END_ABORTED);
}

static void test_role_mismatch(void **state)
{
    struct craft_hs h;
    struct craft_spec sp;
    struct hs_opts op = opts();
    (void)state;
    client(&h, &op);
    assert_int_equal(hs_server_next(&h, NULL, T0, &sp), HS_ACT_FAILED);
    assert_int_equal(hs_client_next(&h, NULL, T0, &sp), HS_ACT_SEND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_syn_carries_options),
        cmocka_unit_test(test_client_ecn_and_bare_syn),
        cmocka_unit_test(test_client_handshake_and_active_close),
        cmocka_unit_test(test_client_fin_ack_of_our_fin_goes_to_time_wait),
        cmocka_unit_test(test_client_linger_then_close),
        cmocka_unit_test(test_client_passive_close_and_refin),
        cmocka_unit_test(test_client_syn_backoff_bounded),
        cmocka_unit_test(test_client_refused),
        cmocka_unit_test(test_client_wrong_ack_synack_gets_rst),
        cmocka_unit_test(test_client_ignores_other_connections),
        cmocka_unit_test(test_client_hold),
        cmocka_unit_test(test_client_hold_no_rst),
        cmocka_unit_test(test_client_kernel_rst_then_reset),
        cmocka_unit_test(test_client_rst_challenge_ack),
        cmocka_unit_test(test_client_data_and_retransmission),
        cmocka_unit_test(test_client_data_acked_then_fin_and_reply_data),
        cmocka_unit_test(test_client_close_rst_and_none),
        cmocka_unit_test(test_client_peer_never_closes),
        cmocka_unit_test(test_client_tfo_data_in_syn),
        cmocka_unit_test(test_client_abort),
        cmocka_unit_test(test_role_mismatch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
