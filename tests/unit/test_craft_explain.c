/* test_craft_explain.c: the sentence that ends a crafted run
 * (craft_explain.c): each end names what the other kernel did, the client
 * and listen forms differ where the kernels' roles do, and a short buffer
 * is cut, never overrun. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "craft_explain.h"

static struct craft_end_facts facts(enum hs_end end, bool client)
{
    struct craft_end_facts f;
    memset(&f, 0, sizeof(f));
    f.end = end;
    f.client = client;
    ipaddr_parse("127.0.0.1", &f.remote);
    f.rport = 8080;
    f.lport = 40000;
    f.close = HS_CLOSE_FIN;
    return f;
}

static const char *say(const struct craft_end_facts *f)
{
    static char buf[512];
    memset(buf, 'x', sizeof(buf));
    craft_explain_end(f, buf, sizeof(buf));
    return buf;
}

static void test_closed_client_and_server(void **state)
{
    struct craft_end_facts f = facts(HS_END_CLOSED, true);
    (void)state;
    assert_non_null(strstr(say(&f), "queued the connection for accept()"));
    f.client = false;
    assert_non_null(strstr(say(&f), "the client's connect() returned 0"));
}

static void test_refused_names_the_peer(void **state)
{
    struct craft_end_facts f = facts(HS_END_REFUSED, true);
    (void)state;
    assert_string_equal(say(&f), "RST+ACK answered the SYN: nothing listens on 127.0.0.1:8080");
}

static void test_kernel_rst_cites_rfc_and_port(void **state)
{
    struct craft_end_facts f = facts(HS_END_RESET, true);
    (void)state;
    assert_string_equal(say(&f), "reset by 127.0.0.1:8080");
    f.kernel_rst = true;
    assert_non_null(strstr(say(&f), "no socket of its own owns port 40000, RFC 9293 3.10.7.1"));
    f.client = false;
    assert_non_null(strstr(say(&f), "answered the client's SYN with RST+ACK (no socket on port 40000"));
}

static void test_held_counts_synacks_and_close(void **state)
{
    struct craft_end_facts f = facts(HS_END_HELD, true);
    (void)state;
    f.peer_synacks = 4;
    assert_non_null(strstr(say(&f), "sent its SYN+ACK 4 time(s)"));
    assert_non_null(strstr(say(&f), "the entry stays until"));
    f.close = HS_CLOSE_RST;
    assert_non_null(strstr(say(&f), "our RST removed the entry"));
}

static void test_aborted_says_why(void **state)
{
    struct craft_end_facts f = facts(HS_END_ABORTED, true);
    (void)state;
    assert_string_equal(say(&f), "aborted");
    f.timed_out = true;
    assert_string_equal(say(&f), "time limit reached: RST sent if the peer held state");
    f.stopped = true;
    assert_string_equal(say(&f), "interrupted: RST sent if the peer held state");
}

static void test_short_buffer_is_cut(void **state)
{
    struct craft_end_facts f = facts(HS_END_HELD, true);
    char buf[16];
    (void)state;
    memset(buf, 'x', sizeof(buf));
    craft_explain_end(&f, buf, 10);
    assert_int_equal(strlen(buf), 9);
    assert_int_equal(buf[10], 'x'); /* nothing written past cap */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_closed_client_and_server),
        cmocka_unit_test(test_refused_names_the_peer),
        cmocka_unit_test(test_kernel_rst_cites_rfc_and_port),
        cmocka_unit_test(test_held_counts_synacks_and_close),
        cmocka_unit_test(test_aborted_says_why),
        cmocka_unit_test(test_short_buffer_is_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
