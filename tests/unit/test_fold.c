/* test_fold.c: fold_line() (fold.c): lines fit the width, breaks at field
 * then word boundaries, continuation indents, colours closed and reopened,
 * nothing lost. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fold.h"

/* Every output line fits; the words are the input's words, in order. */
static void check_fits(const char *in, size_t width)
{
    char out[4096], a[4096], b[4096];
    size_t n = fold_line(in, strlen(in), width, out, sizeof(out)), i, an = 0, bn = 0;
    const char *line = out;
    assert_true(n < sizeof(out));
    while (line) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        assert_true(fold_width(line, len) <= width);
        line = nl ? nl + 1 : NULL;
    }
    /* Same text apart from spacing and the colour resets added at breaks. */
    for (i = 0; in[i]; i++)
        if (in[i] != ' ')
            a[an++] = in[i];
    for (i = 0; out[i]; i++) {
        if (strncmp(out + i, "\033[0m", 4) == 0 && !strstr(in, "\033[0m")) {
            i += 3;
            continue;
        }
        if (out[i] != ' ' && out[i] != '\n')
            b[bn++] = out[i];
    }
    a[an] = b[bn] = '\0';
    if (!strstr(in, "\033["))
        assert_string_equal(a, b);
}

static const char *seg =
    "  0.020000 #1       192.0.2.80:80 > 192.0.2.10:43512  SYN+ACK  seq 0 ack 1         "
    "client SYN_SENT->ESTABLISHED  server LISTEN->SYN_RECV       [mss 1460,sackOK,TS val "
    "3820336765 ecr 2075038268,nop,wscale 7]";

static void test_fits_unchanged(void **state)
{
    char out[256];
    const char *s = "  0.000000 #1  short line";
    (void)state;
    assert_int_equal(fold_line(s, strlen(s), 80, out, sizeof(out)), strlen(s));
    assert_string_equal(out, s);
}

static void test_segment_line(void **state)
{
    char out[1024];
    (void)state;
    check_fits(seg, 80);
    check_fits(seg, 60);
    check_fits(seg, 120);
    fold_line(seg, strlen(seg), 80, out, sizeof(out));
    /* Breaks at a field boundary; continuation under the endpoints. */
    assert_non_null(strstr(out, "\n                 client SYN_SENT->ESTABLISHED"));
    assert_int_equal(strncmp(out, "  0.020000 #1       192.0.2.80:80 > 192.0.2.10:43512  SYN+ACK", 60),
                     0);
}

/* A time of 100 s or more fills its column and starts the line: its
 * continuation lines indent as under a shorter time, not as a summary's. */
static void test_long_time_keeps_segment_indent(void **state)
{
    char out[1024];
    const char *late =
        "150.020000 #2       192.0.2.80:80 > 192.0.2.10:43566  SYN+ACK  seq 0 ack 1         "
        "client SYN_SENT->ESTABLISHED  server LISTEN->SYN_RECV       [mss 1460]";
    (void)state;
    check_fits(late, 80);
    fold_line(late, strlen(late), 80, out, sizeof(out));
    assert_non_null(strstr(out, "\n                 client SYN_SENT->ESTABLISHED"));
}

static void test_summary_and_explain(void **state)
{
    char out[1024];
    const char *sum = "tracker      retransmits 0, strays 0, invalid 0, untracked 0, evicted 0, "
                      "timed out 0, peak 1 of 262144";
    const char *ex = "                 The server answers with SYN+ACK: it acknowledges 1 = client "
                     "ISN + 1, because a SYN takes one sequence number, and sends its own ISN 0.";
    (void)state;
    check_fits(sum, 80);
    fold_line(sum, strlen(sum), 80, out, sizeof(out));
    assert_non_null(strstr(out, "\n             ")); /* under the value column */
    check_fits(ex, 80);
    fold_line(ex, strlen(ex), 80, out, sizeof(out));
    assert_non_null(strstr(out, "\n                 ")); /* the explanation's indent */
}

static void test_colour_closed_and_reopened(void **state)
{
    char in[512], out[1024];
    (void)state;
    snprintf(in, sizeof(in), "\033[36m%s\033[0m", seg);
    fold_line(in, strlen(in), 80, out, sizeof(out));
    /* Each piece is coloured and closed: no colour runs into the indent. */
    assert_non_null(strstr(out, "\033[0m\n"));
    assert_non_null(strstr(out, "\n                 \033[36m"));
    check_fits(in, 80);
}

static void test_no_boundary_cut(void **state)
{
    char in[200], out[400];
    (void)state;
    memset(in, 'x', 150);
    in[150] = '\0';
    fold_line(in, 150, 80, out, sizeof(out));
    check_fits(in, 80);
    assert_int_equal(fold_width(in, 150), 150);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fits_unchanged),
        cmocka_unit_test(test_segment_line),
        cmocka_unit_test(test_long_time_keeps_segment_indent),
        cmocka_unit_test(test_summary_and_explain),
        cmocka_unit_test(test_colour_closed_and_reopened),
        cmocka_unit_test(test_no_boundary_cut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
