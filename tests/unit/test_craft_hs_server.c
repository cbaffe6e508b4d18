/* test_craft_hs_server.c: the crafted server's state machine (craft
 * listen) driven with fabricated segments and a fake clock: handshake and
 * passive close, options mirrored, SYN retransmission and half-open, idle
 * close and the kernel's RST; and that every path of both roles ends. */
#include "craft_hs_fix.h"

static void test_server_handshake_and_passive_close(void **state)
{
    struct craft_hs h;
    struct out o;
    struct pkt p;
    struct ip_addr peer;
    uint16_t pport;
    struct hs_opts op = opts();
    (void)state;
    op.seq = 9000;
    op.ts_val = 50;
    server(&h, &op);
    assert_int_equal(drive(&h, NULL, T0, &o), HS_ACT_WAIT);
    assert_int_equal(o.n, 0);
    assert_string_equal(hs_state_name(&h), "LISTEN");
    assert_true(hs_deadline(&h) == T0 + HS_DEFAULT_LISTEN_NS);
    assert_false(hs_peer(&h, NULL, NULL));
    p = linux_syn();
    drive(&h, &p, T0 + 10 * MS, &o);
    assert_int_equal(o.n, 1);
    assert_seg(&o.s[0], SA, 9000, IRS + 1);
    assert_int_equal(o.s[0].dport, CP);
    assert_int_equal(o.s[0].sport, SP);
    assert_int_equal(o.s[0].opt.present, TCPOPT_P_MSS | TCPOPT_P_SACK_OK | TCPOPT_P_TS |
                                             TCPOPT_P_WSCALE);
    assert_int_equal(o.s[0].opt.ts_ecr, 4242);
    assert_int_equal(o.s[0].opt.ts_val, 60); /* 50 + 10 ms */
    assert_string_equal(hs_state_name(&h), "SYN_RECV");
    assert_true(hs_peer(&h, &peer, &pport));
    assert_int_equal(pport, CP);
    /* The kernel client's ACK. */
    p = cs(TH_ACK, IRS + 1, 9001, 0);
    with_ts(&p, 4243, 60);
    assert_int_equal(drive(&h, &p, T0 + 11 * MS, &o), HS_ACT_WAIT);
    assert_int_equal(o.n, 0);
    assert_true(hs_established(&h));
    assert_string_equal(hs_state_name(&h), "ESTABLISHED");
    /* Another client's SYN, and anything not of this connection: ignored. */
    p = pkt_data(0, C, CP + 1, S, SP, TH_SYN, 77, 0, 0);
    assert_int_equal(drive(&h, &p, T0 + 12 * MS, &o), HS_ACT_WAIT);
    assert_int_equal(o.n, 0);
    p = pkt_data(0, C, CP + 1, S, SP, FA, 78, 9001, 0);
    drive(&h, &p, T0 + 12 * MS, &o);
    assert_int_equal(o.n, 0);
    assert_string_equal(hs_state_name(&h), "ESTABLISHED");
    /* Its FIN: ACK, then our FIN. */
    p = cs(FA, IRS + 1, 9001, 0);
    with_ts(&p, 4300, 60);
    drive(&h, &p, T0 + 20 * MS, &o);
    assert_int_equal(o.n, 2);
    assert_seg(&o.s[0], TH_ACK, 9001, IRS + 2);
    assert_seg(&o.s[1], FA, 9001, IRS + 2);
    assert_int_equal(o.s[1].opt.ts_ecr, 4300);
    assert_string_equal(hs_state_name(&h), "LAST_ACK");
    p = cs(TH_ACK, IRS + 2, 9002, 0);
    assert_int_equal(drive(&h, &p, T0 + 21 * MS, &o), HS_ACT_DONE);
    assert_int_equal(hs_end(&h), HS_END_CLOSED);
}

static void test_server_synack_mirrors_only_offered_options(void **state)
{
    struct craft_hs h;
    struct out o;
    struct pkt p;
    struct hs_opts op = opts();
    (void)state;
    op.ecn = true;
    op.tfo_on = true;
    op.tfo_len = 4;
    memcpy(op.tfo_cookie, "\x01\x02\x03\x04", 4);
    server(&h, &op);
    drive(&h, NULL, T0, &o);
    p = cs(TH_SYN, IRS, 0, 0); /* no options, no ECN */
    drive(&h, &p, T0, &o);
    assert_int_equal(o.s[0].flags, SA);
    assert_int_equal(o.s[0].opt.present, TCPOPT_P_MSS);

    server(&h, &op);
    drive(&h, NULL, T0, &o);
    p = cs(TH_SYN | TH_ECE | TH_CWR, IRS, 0, 0);
    p.opt.present = TCPOPT_P_TFO | TCPOPT_P_SACK_OK; /* cookie request */
    drive(&h, &p, T0, &o);
    assert_int_equal(o.s[0].flags, SA | TH_ECE);
    assert_int_equal(o.s[0].opt.present, TCPOPT_P_MSS | TCPOPT_P_SACK_OK | TCPOPT_P_TFO);
    assert_int_equal(o.s[0].opt.tfo_len, 4);
    assert_memory_equal(o.s[0].opt.tfo_cookie, "\x01\x02\x03\x04", 4);
}

static void test_server_syn_retransmit_and_half_open(void **state)
{
    struct craft_hs h;
    struct out o;
    struct pkt p;
    struct hs_opts op = opts();
    (void)state;
    op.seq = 9000;
    op.max_retries = 2;
    server(&h, &op);
    drive(&h, NULL, T0, &o);
    p = linux_syn();
    drive(&h, &p, T0, &o);
    assert_int_equal(o.n, 1);
    /* The client re-sends its SYN: SYN+ACK again. */
    drive(&h, &p, T0 + 900 * MS, &o);
    assert_int_equal(o.n, 1);
    assert_seg(&o.s[0], SA, 9000, IRS + 1);
    /* A wrong ACK: RST <SEQ=SEG.ACK>. */
    p = cs(TH_ACK, IRS + 1, 1234, 0);
    drive(&h, &p, T0 + 950 * MS, &o);
    assert_int_equal(o.n, 1);
    assert_seg(&o.s[0], TH_RST, 1234, 0);
    assert_int_equal(o.s[0].dport, CP);
    /* Timers: 1 s, 2 s, then give up. */
    drive(&h, NULL, T0 + HS_DEFAULT_RTO_NS, &o);
    assert_int_equal(o.n, 1);
    assert_seg(&o.s[0], SA, 9000, IRS + 1);
    drive(&h, NULL, hs_deadline(&h), &o);
    assert_int_equal(o.n, 1);
    assert_int_equal(drive(&h, NULL, hs_deadline(&h), &o), HS_ACT_FAILED);
    assert_int_equal(hs_end(&h), HS_END_HALF_OPEN);
}

static void test_server_no_client_and_stray_ack(void **state)
{
    struct craft_hs h;
    struct out o;
    struct pkt p;
    struct hs_opts op = opts();
    (void)state;
    op.listen_ns = 2000 * MS;
    server(&h, &op);
    drive(&h, NULL, T0, &o);
    p = cs(TH_ACK, 77, 88, 0);
    drive(&h, &p, T0 + MS, &o);
    assert_int_equal(o.n, 1);
    assert_seg(&o.s[0], TH_RST, 88, 0);
    /* Another port: ignored. */
    p = pkt_data(0, C, CP, S, SP + 1, TH_SYN, IRS, 0, 0);
    drive(&h, &p, T0 + MS, &o);
    assert_int_equal(o.n, 0);
    assert_string_equal(hs_state_name(&h), "LISTEN");
    assert_int_equal(drive(&h, NULL, T0 + 2000 * MS, &o), HS_ACT_FAILED);
    assert_int_equal(hs_end(&h), HS_END_NO_CLIENT);
}

static void test_server_data_idle_close_and_kernel_rst(void **state)
{
    static const uint8_t banner[] = "220 hi\r\n";
    struct craft_hs h;
    struct out o;
    struct pkt p;
    struct hs_opts op = opts();
    (void)state;
    op.seq = 9000;
    op.ts_on = false;
    op.data = banner;
    op.data_len = 8;
    op.idle_ns = 3000 * MS;
    server(&h, &op);
    drive(&h, NULL, T0, &o);
    p = linux_syn();
    drive(&h, &p, T0, &o);
    /* No guard: this host's kernel answers the SYN with RST+ACK. */
    p = pkt_data(0, S, SP, C, CP, RA, 0, IRS + 1, 0);
    drive(&h, &p, T0 + MS, &o);
    assert_true(hs_kernel_rst(&h));
    /* ACK with 4 bytes of data: established, banner sent, data ACKed. */
    p = cs(TH_PSH | TH_ACK, IRS + 1, 9001, 4);
    drive(&h, &p, T0 + 2 * MS, &o);
    assert_int_equal(o.n, 1);
    assert_seg(&o.s[0], TH_PSH | TH_ACK, 9001, IRS + 5);
    assert_int_equal(o.s[0].payload_len, 8);
    p = cs(TH_ACK, IRS + 5, 9009, 0);
    drive(&h, &p, T0 + 3 * MS, &o);
    assert_int_equal(o.n, 0);
    /* Idle: the server closes with FIN. */
    assert_true(hs_deadline(&h) == T0 + 3 * MS + 3000 * MS);
    drive(&h, NULL, T0 + 3003 * MS, &o);
    assert_int_equal(o.n, 1);
    assert_seg(&o.s[0], FA, 9009, IRS + 5);
    /* The client's FIN+ACK: TIME_WAIT. */
    p = cs(FA, IRS + 5, 9010, 0);
    drive(&h, &p, T0 + 3004 * MS, &o);
    assert_int_equal(o.n, 1);
    assert_seg(&o.s[0], TH_ACK, 9010, IRS + 6);
    assert_int_equal(drive(&h, NULL, hs_deadline(&h), &o), HS_ACT_DONE);
    assert_int_equal(hs_end(&h), HS_END_CLOSED);
}

static void test_server_client_rst_in_handshake(void **state)
{
    struct craft_hs h;
    struct out o;
    struct pkt p;
    struct craft_spec sp;
    struct hs_opts op = opts();
    (void)state;
    server(&h, &op);
    drive(&h, NULL, T0, &o);
    p = linux_syn();
    drive(&h, &p, T0, &o);
    p = cs(TH_RST, IRS + 1, 0, 0);
    assert_int_equal(drive(&h, &p, T0 + MS, &o), HS_ACT_FAILED);
    assert_int_equal(hs_end(&h), HS_END_RESET);
    /* Abort in SYN_RECV sends RST+ACK. */
    server(&h, &op);
    drive(&h, NULL, T0, &o);
    p = linux_syn();
    drive(&h, &p, T0, &o);
    assert_int_equal(hs_abort(&h, T0 + MS, &sp), HS_ACT_SEND);
    assert_seg(&sp, RA, ISN + 1, IRS + 1);
}

/* Every path ends: a machine fed nothing reaches DONE/FAILED within the sum
 * of its bounded timers. */
static void test_every_path_ends(void **state)
{
    struct craft_hs h;
    struct out o;
    struct hs_opts op = opts();
    int role, steps;
    (void)state;
    for (role = 0; role < 2; role++) {
        if (role == 0)
            client(&h, &op);
        else
            server(&h, &op);
        drive(&h, NULL, T0, &o);
        for (steps = 0; o.act == HS_ACT_WAIT && steps < 64; steps++)
            drive(&h, NULL, hs_deadline(&h), &o);
        assert_true(o.act == HS_ACT_FAILED);
        assert_true(steps < 64);
    }
}

static void test_names(void **state)
{
    (void)state;
    assert_string_equal(hs_end_name(HS_END_CLOSED), "closed");
    assert_string_equal(hs_end_name(HS_END_REFUSED), "refused");
    assert_string_equal(hs_end_name(HS_END__COUNT), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_server_handshake_and_passive_close),
        cmocka_unit_test(test_server_synack_mirrors_only_offered_options),
        cmocka_unit_test(test_server_syn_retransmit_and_half_open),
        cmocka_unit_test(test_server_no_client_and_stray_ack),
        cmocka_unit_test(test_server_data_idle_close_and_kernel_rst),
        cmocka_unit_test(test_server_client_rst_in_handshake),
        cmocka_unit_test(test_every_path_ends),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
