/* test_klisten.c: the kernel's word on a listener's SYNs (klisten.c, issue
 * 16): /proc/net/netstat and /proc/net/snmp text, deltas, the reason for an
 * unanswered SYN, the SYN cookie rule, the sentence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "klisten.h"

/* Shaped like Linux 6.x's files, shortened: the counters we want sit among
 * others, MptcpExt and IpExt pairs follow, snmp has MaxConn -1. */
static const char NETSTAT[] =
    "TcpExt: SyncookiesSent SyncookiesRecv SyncookiesFailed EmbryonicRsts ListenOverflows "
    "ListenDrops TCPHPHits TCPBacklogDrop PFMemallocDrop TCPReqQFullDoCookies TCPReqQFullDrop\n"
    "TcpExt: 3 2 1 0 17 19 12345 4 0 5 6\n"
    "IpExt: InNoRoutes InTruncatedPkts\n"
    "IpExt: 0 0\n"
    "MPTcpExt: MPCapableSYNRX\n"
    "MPTcpExt: 0\n";

static const char SNMP[] =
    "Ip: Forwarding DefaultTTL InReceives\n"
    "Ip: 1 64 4866\n"
    "Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets "
    "CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors\n"
    "Tcp: 1 200 120000 -1 55 28 3 22 0 4839 2501 0 0 23 0\n"
    "Udp: InDatagrams NoPorts\n"
    "Udp: 0 0\n";

static void test_parse_netstat_and_snmp(void **state)
{
    struct kl_counters c;
    (void)state;
    memset(&c, 0, sizeof(c));
    assert_int_equal(kl_parse(NETSTAT, strlen(NETSTAT), &c), 8);
    assert_int_equal(kl_parse(SNMP, strlen(SNMP), &c), 3);
    assert_int_equal(c.have, (1u << KL__COUNT) - 1u);
    assert_int_equal(c.v[KL_COOKIES_SENT], 3);
    assert_int_equal(c.v[KL_COOKIES_RECV], 2);
    assert_int_equal(c.v[KL_COOKIES_FAILED], 1);
    assert_int_equal(c.v[KL_LISTEN_OVERFLOWS], 17);
    assert_int_equal(c.v[KL_LISTEN_DROPS], 19);
    assert_int_equal(c.v[KL_BACKLOG_DROP], 4);
    assert_int_equal(c.v[KL_REQQ_FULL_COOKIES], 5);
    assert_int_equal(c.v[KL_REQQ_FULL_DROP], 6);
    assert_int_equal(c.v[KL_ATTEMPT_FAILS], 3);
    assert_int_equal(c.v[KL_ESTAB_RESETS], 22);
    assert_int_equal(c.v[KL_OUT_RSTS], 23);
    assert_string_equal(kl_counter_name(KL_LISTEN_OVERFLOWS), "ListenOverflows");
    assert_null(kl_counter_name(KL__COUNT));
}

static void test_parse_bounds_and_errors(void **state)
{
    struct kl_counters c;
    static const char no_newline[] = "Tcp: AttemptFails OutRsts\nTcp: 7 8";
    static const char mismatch[] = "Tcp: AttemptFails OutRsts\nUdp: 7 8\n";
    static const char short_values[] = "Tcp: AttemptFails OutRsts\nTcp: 7\n";
    static const char not_number[] = "Tcp: AttemptFails\nTcp: 7x\n";
    static const char orphan[] = "Tcp: AttemptFails\n";
    static const char huge[] = "Tcp: AttemptFails\nTcp: 99999999999999999999\n";
    (void)state;
    memset(&c, 0, sizeof(c));
    assert_int_equal(kl_parse(no_newline, strlen(no_newline), &c), 2);
    assert_int_equal(c.v[KL_OUT_RSTS], 8);
    /* A length that cuts the last value short reads only what it is given. */
    memset(&c, 0, sizeof(c));
    assert_int_equal(kl_parse(no_newline, strlen(no_newline) - 1, &c), -1);
    assert_int_equal(kl_parse(mismatch, strlen(mismatch), &c), -1);
    assert_int_equal(kl_parse(short_values, strlen(short_values), &c), -1);
    assert_int_equal(kl_parse(not_number, strlen(not_number), &c), -1);
    assert_int_equal(kl_parse(orphan, strlen(orphan), &c), -1);
    assert_int_equal(kl_parse(huge, strlen(huge), &c), -1);
    assert_int_equal(kl_parse("", 0, &c), 0);
    assert_int_equal(kl_parse(NULL, 0, &c), -1);
    /* Unknown prefixes and names are skipped, blank lines too. */
    memset(&c, 0, sizeof(c));
    assert_int_equal(kl_parse("\nFoo: A B\nFoo: 1 2\n", 19, &c), 0);
    assert_int_equal(c.have, 0);
}

static void test_delta(void **state)
{
    struct kl_counters a, b, d;
    (void)state;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    a.have = (1u << KL_LISTEN_OVERFLOWS) | (1u << KL_LISTEN_DROPS) | (1u << KL_OUT_RSTS);
    b.have = (1u << KL_LISTEN_OVERFLOWS) | (1u << KL_LISTEN_DROPS);
    a.v[KL_LISTEN_OVERFLOWS] = 5;
    b.v[KL_LISTEN_OVERFLOWS] = 7;
    a.v[KL_LISTEN_DROPS] = 9;
    b.v[KL_LISTEN_DROPS] = 8; /* went back: 0, not a wrap */
    a.v[KL_OUT_RSTS] = 1;
    kl_delta(&a, &b, &d);
    assert_int_equal(d.have, b.have);
    assert_int_equal(d.v[KL_LISTEN_OVERFLOWS], 2);
    assert_int_equal(d.v[KL_LISTEN_DROPS], 0);
    assert_int_equal(d.v[KL_OUT_RSTS], 0);
}

static struct kl_listener lst(const char *addr, uint16_t port, uint32_t q, uint32_t b)
{
    struct kl_listener l;
    memset(&l, 0, sizeof(l));
    l.found = true;
    assert_int_equal(ipaddr_parse(addr, &l.addr), 0);
    l.port = port;
    l.queue = q;
    l.backlog = b;
    return l;
}

static void test_find_listener(void **state)
{
    struct kl_listener rows[4];
    struct ip_addr a;
    (void)state;
    rows[0] = lst("::", 80, 0, 128);
    rows[1] = lst("0.0.0.0", 80, 1, 128);
    rows[2] = lst("127.0.0.1", 80, 2, 1);
    rows[3] = lst("127.0.0.1", 81, 0, 5);
    ipaddr_parse("127.0.0.1", &a);
    assert_ptr_equal(kl_find_listener(rows, 4, &a, 80), &rows[2]);
    ipaddr_parse("10.0.0.1", &a);
    assert_ptr_equal(kl_find_listener(rows, 4, &a, 80), &rows[1]);
    assert_ptr_equal(kl_find_listener(rows, 1, &a, 80), &rows[0]); /* dual stack */
    ipaddr_parse("::1", &a);
    assert_ptr_equal(kl_find_listener(rows, 4, &a, 80), &rows[0]);
    assert_null(kl_find_listener(rows + 1, 3, &a, 80)); /* no v4 socket takes v6 */
    ipaddr_parse("127.0.0.1", &a);
    assert_null(kl_find_listener(rows, 4, &a, 82));
}

static void test_reason(void **state)
{
    struct kl_counters d;
    struct kl_listener full = lst("127.0.0.1", 8080, 2, 1), idle = lst("127.0.0.1", 8080, 0, 4);
    (void)state;
    memset(&d, 0, sizeof(d));
    assert_int_equal(kl_reason(&d, NULL), KL_REASON_NO_LISTENER);
    assert_int_equal(kl_reason(&d, &idle), KL_REASON_UNKNOWN);
    assert_int_equal(kl_reason(&d, &full), KL_REASON_ACCEPT_QUEUE_FULL); /* full now */
    d.v[KL_LISTEN_DROPS] = 1;
    assert_int_equal(kl_reason(&d, &idle), KL_REASON_LISTEN_DROP);
    d.v[KL_BACKLOG_DROP] = 1;
    assert_int_equal(kl_reason(&d, &idle), KL_REASON_SOCKET_BACKLOG_FULL);
    d.v[KL_REQQ_FULL_DROP] = 1;
    assert_int_equal(kl_reason(&d, &idle), KL_REASON_SYN_QUEUE_FULL);
    d.v[KL_LISTEN_OVERFLOWS] = 1;
    assert_int_equal(kl_reason(&d, &idle), KL_REASON_ACCEPT_QUEUE_FULL);
    assert_string_equal(kl_reason_name(KL_REASON_ACCEPT_QUEUE_FULL), "accept-queue-full");
    assert_string_equal(kl_reason_name(KL_REASON_NO_LISTENER), "no-listener");
    assert_null(kl_reason_name(KL_REASON_NONE));
    assert_string_equal(kl_event_name(KL_EVENT_SYN_COOKIE), "syn-cookie");
}

static void test_cookie_rule(void **state)
{
    (void)state;
    assert_int_equal(kl_cookie_rule(0, 0), KL_COOKIE_UNKNOWN);
    assert_int_equal(kl_cookie_rule(0, 3), KL_COOKIE_NO);
    assert_int_equal(kl_cookie_rule(1, 1), KL_COOKIE_YES);
    assert_int_equal(kl_cookie_rule(5, 1), KL_COOKIE_YES); /* the only candidate */
    assert_int_equal(kl_cookie_rule(3, 3), KL_COOKIE_YES); /* every one */
    assert_int_equal(kl_cookie_rule(2, 3), KL_COOKIE_UNKNOWN);
    assert_int_equal(kl_cookie_rule(4, 3), KL_COOKIE_UNKNOWN);
}

static void test_describe(void **state)
{
    struct kl_counters d;
    struct kl_listener full = lst("127.0.0.1", 8080, 2, 1);
    char buf[256];
    size_t n;
    (void)state;
    memset(&d, 0, sizeof(d));
    d.v[KL_LISTEN_OVERFLOWS] = 1;
    d.v[KL_LISTEN_DROPS] = 1;
    kl_describe(KL_EVENT_SYN_RETRANSMITTED, KL_REASON_ACCEPT_QUEUE_FULL, &full, &d, buf,
                sizeof(buf));
    assert_string_equal(buf, "the kernel dropped this SYN: the accept queue of 127.0.0.1:8080 "
                             "is full (2 waiting, backlog 1; ListenOverflows +1)");
    full.queue = 1;
    kl_describe(KL_EVENT_SYN_UNANSWERED, KL_REASON_ACCEPT_QUEUE_FULL, &full, NULL, buf,
                sizeof(buf));
    assert_string_equal(buf, "the kernel dropped this SYN: the accept queue of 127.0.0.1:8080 "
                             "was full, now (1 waiting, backlog 1)");
    memset(&d, 0, sizeof(d));
    d.v[KL_COOKIES_SENT] = 1;
    kl_describe(KL_EVENT_SYN_COOKIE, KL_REASON_NONE, &full, &d, buf, sizeof(buf));
    assert_string_equal(buf, "answered with a SYN cookie (SyncookiesSent +1): the server keeps "
                             "no state until the ACK");
    d.v[KL_REQQ_FULL_DROP] = 2;
    kl_describe(KL_EVENT_SYN_DROPPED, KL_REASON_SYN_QUEUE_FULL, &full, &d, buf, sizeof(buf));
    assert_string_equal(buf, "the kernel dropped this SYN: the SYN queue of 127.0.0.1:8080 is "
                             "full and SYN cookies are off (TCPReqQFullDrop +2)");
    /* Truncation: always terminated, the wanted length returned. */
    n = kl_describe(KL_EVENT_SYN_DROPPED, KL_REASON_UNKNOWN, &full, &d, buf, 10);
    assert_int_equal(strlen(buf), 9);
    assert_true(n > 9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_netstat_and_snmp),
        cmocka_unit_test(test_parse_bounds_and_errors),
        cmocka_unit_test(test_delta),
        cmocka_unit_test(test_find_listener),
        cmocka_unit_test(test_reason),
        cmocka_unit_test(test_cookie_rule),
        cmocka_unit_test(test_describe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
