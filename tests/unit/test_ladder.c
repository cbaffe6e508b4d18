/* test_ladder.c: the --ladder view: lanes stay in their columns on every
 * line (Unicode and ASCII), arrows point from the sender and carry the
 * flags and relative numbers, states sit beside their lanes, RSTs and
 * retransmissions are drawn apart, colour adds nothing but SGR codes, one
 * block per connection (or a header per switch when streaming), and the
 * memory bounds (rows per connection, connections held) drop rows only
 * with a count. Also the word wrap. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "config.h"
#include "ladder.h"
#include "views_fixture.h"

/* Column (in characters) of byte offset `off` in line. */
static int col_of(const char *line, size_t off)
{
    int c = 0;
    size_t i;
    for (i = 0; i < off; i++)
        if (((unsigned char)line[i] & 0xC0u) != 0x80u)
            c++;
    return c;
}

/* Character at column `col` of line (as a string, UTF-8 sequence). */
static void char_at(const char *line, int col, char out[8])
{
    int c = 0;
    const char *p = line;
    size_t k = 0;
    out[0] = '\0';
    while (*p) {
        if (((unsigned char)*p & 0xC0u) != 0x80u) {
            if (c == col)
                break;
            c++;
        }
        p++;
    }
    if (!*p)
        return;
    do {
        out[k++] = *p++;
    } while (*p && ((unsigned char)*p & 0xC0u) == 0x80u && k < 7);
    out[k] = '\0';
}

static char *dup_line(const char *text, int n)
{
    const char *p = text, *e;
    char *s;
    while (n-- > 0) {
        p = strchr(p, '\n');
        if (!p)
            return NULL;
        p++;
    }
    if (!*p)
        return NULL;
    e = strchr(p, '\n');
    s = strndup(p, e ? (size_t)(e - p) : strlen(p));
    return s;
}

static const char *find_line(const char *text, const char *part, char *out, size_t cap)
{
    const char *p = strstr(text, part), *b, *e;
    size_t len;
    if (!p)
        return NULL;
    for (b = p; b > text && b[-1] != '\n'; b--)
        ;
    e = strchr(p, '\n');
    len = e ? (size_t)(e - b) : strlen(b);
    if (len >= cap)
        len = cap - 1;
    memcpy(out, b, len);
    out[len] = '\0';
    return out;
}

static const char *run_handshake(struct vf *f, unsigned flags)
{
    vf_open(f);
    vf_start(f, report_ladder_new(f->out, flags, 0));
    vf_handshake(f, 0, 40000);
    vf_close_fin(f, 100, 40000);
    return vf_finish(f);
}

/* Between the title and the record line, every line has a lane glyph at
 * the same two columns. */
static void check_lanes(const char *text, const char *lane, const char *jl, const char *jr,
                        const char *head_r, const char *head_l)
{
    int n, left = -1, right = -1, lines = 0;
    char *line;
    for (n = 1; (line = dup_line(text, n)) != NULL; n++) {
        char c[8];
        const char *lp;
        if (strstr(line, "#1 complete") || line[0] == '\0') {
            free(line);
            break;
        }
        if (left < 0) {
            lp = strstr(line, lane);
            assert_non_null(lp);
            left = col_of(line, (size_t)(lp - line));
            lp = strstr(lp + strlen(lane), lane);
            assert_non_null(lp);
            right = col_of(line, (size_t)(lp - line));
        }
        char_at(line, left, c);
        if (strcmp(c, lane) != 0 && strcmp(c, jl) != 0)
            fail_msg("line %d: no left lane at column %d: %s", n, left, line);
        char_at(line, right, c);
        if (strcmp(c, lane) != 0 && strcmp(c, jr) != 0)
            fail_msg("line %d: no right lane at column %d: %s", n, right, line);
        /* Arrow heads touch the receiver's lane. */
        char_at(line, right - 1, c);
        if (strcmp(c, head_r) == 0)
            assert_non_null(strstr(line, jl));
        char_at(line, left + 1, c);
        if (strcmp(c, head_l) == 0)
            assert_non_null(strstr(line, jr));
        lines++;
        free(line);
    }
    assert_true(lines >= 9); /* labels, roles, first states, 6 arrows, notes */
}

static void test_unicode_lanes(void **state)
{
    struct vf f;
    const char *t = run_handshake(&f, 0);
    char line[512];
    (void)state;
    check_lanes(t, "\u2502", "\u251c", "\u2524", "\u25b6", "\u25c0");
    /* Lanes labelled by ip:port; the client's state left of its lane. */
    assert_non_null(find_line(t, "10.0.0.1:40000 \u2502", line, sizeof(line)));
    assert_non_null(strstr(line, "\u2502 10.0.0.2:80"));
    assert_non_null(find_line(t, " SYN seq 0 ", line, sizeof(line)));
    assert_non_null(strstr(line, "SYN_SENT \u251c\u2500\u2500\u2500 SYN seq 0 \u2500"));
    assert_non_null(strstr(line, "\u25b6\u2502 LISTEN?"));
    assert_non_null(find_line(t, "SYN+ACK seq 0 ack 1", line, sizeof(line)));
    assert_non_null(strstr(line, "ESTABLISHED \u2502\u25c0\u2500"));
    assert_non_null(strstr(line, "SYN+ACK seq 0 ack 1 \u2500\u2500\u2500\u2524 SYN_RECV"));
    assert_non_null(find_line(t, "ACK seq 1 ack 1 ", line, sizeof(line)));
    assert_non_null(strstr(line, "\u2502 ESTABLISHED"));
    assert_non_null(strstr(t, "handshake complete"));
    assert_null(strstr(t, "mss")); /* pktfix segments carry no options: no option line */
    assert_non_null(strstr(t, "\u2514\u2500 #1 complete: rtt 20.000/1.000 ms"));
    assert_null(strchr(t, '\033'));
    assert_non_null(strstr(t, "-- summary\n"));
    vf_close(&f);
}

static void test_ascii_lanes(void **state)
{
    struct vf f;
    const char *t = run_handshake(&f, RPT_ASCII);
    const unsigned char *p;
    (void)state;
    check_lanes(t, "|", "+", "+", ">", "<");
    assert_non_null(strstr(t, "SYN_SENT +--- SYN seq 0 -"));
    assert_non_null(strstr(t, "|<---"));
    /* Plain ASCII from the first byte to the last. */
    for (p = (const unsigned char *)t; *p; p++)
        assert_true(*p < 0x80);
    vf_close(&f);
}

/* Remove every ESC [ ... m. */
static char *strip_sgr(const char *s)
{
    char *out = malloc(strlen(s) + 1), *o = out;
    while (*s) {
        if (s[0] == '\033' && s[1] == '[') {
            s += 2;
            while (*s && *s != 'm')
                s++;
            if (*s)
                s++;
            continue;
        }
        *o++ = *s++;
    }
    *o = '\0';
    return out;
}

static const char *run_refused_retransmit(struct vf *f, unsigned flags)
{
    vf_open(f);
    vf_start(f, report_ladder_new(f->out, flags, 0));
    vf_feed(f, pkt_make(0, VF_C, 40000, VF_S, 25, TH_SYN, 1000, 0));
    vf_feed(f, pkt_make(1000, VF_C, 40000, VF_S, 25, TH_SYN, 1000, 0));
    vf_feed(f, pkt_make(1001, VF_S, 25, VF_C, 40000, TH_RST | TH_ACK, 0, 1001));
    return vf_finish(f);
}

static void test_rst_retransmit_and_colour(void **state)
{
    struct vf plain, col;
    const char *t = run_refused_retransmit(&plain, RPT_ASCII);
    const char *c = run_refused_retransmit(&col, RPT_ASCII | RPT_COLOR);
    char line[512], *stripped;
    (void)state;
    /* Retransmission: dotted and noted; RST: heavy and noted. */
    assert_non_null(find_line(t, "1000.000", line, sizeof(line)));
    assert_non_null(strstr(line, "+... SYN seq 0 ...."));
    assert_non_null(strstr(t, "retransmission"));
    /* A closed port's RST+ACK has no ISN: its seq is shown as sent (0). */
    assert_non_null(find_line(t, "RST+ACK seq 0 ack 1", line, sizeof(line)));
    assert_non_null(strstr(line, "|<===="));
    assert_non_null(strstr(line, "===+ CLOSED"));
    assert_non_null(strstr(t, "connection refused"));
    /* Colour: client cyan, server magenta, red RST, dim repeat; nothing else. */
    assert_non_null(strstr(c, "\033[36m"));
    assert_non_null(strstr(c, "\033[35m"));
    assert_non_null(strstr(c, "\033[1;31m"));
    assert_non_null(strstr(c, "\033[36;2m"));
    stripped = strip_sgr(c);
    assert_string_equal(stripped, t);
    free(stripped);
    vf_close(&plain);
    vf_close(&col);
}

/* Two interleaved connections. */
static const char *run_interleaved(struct vf *f, unsigned flags, uint64_t only)
{
    vf_open(f);
    vf_start(f, report_ladder_new(f->out, flags, only));
    vf_feed(f, pkt_make(0, VF_C, 40001, VF_S, 80, TH_SYN, 1000, 0));
    vf_feed(f, pkt_make(1, VF_C, 40002, VF_S, 80, TH_SYN, 1000, 0));
    vf_feed(f, pkt_make(20, VF_S, 80, VF_C, 40001, TH_SYN | TH_ACK, 5000, 1001));
    vf_feed(f, pkt_make(21, VF_S, 80, VF_C, 40002, TH_SYN | TH_ACK, 5000, 1001));
    vf_feed(f, pkt_make(22, VF_C, 40001, VF_S, 80, TH_ACK, 1001, 5001));
    vf_feed(f, pkt_make(23, VF_C, 40002, VF_S, 80, TH_ACK, 1001, 5001));
    return vf_finish(f);
}

static void test_blocks_and_stream(void **state)
{
    struct vf b, s, o;
    const char *tb = run_interleaved(&b, RPT_ASCII, 0);
    const char *ts = run_interleaved(&s, RPT_ASCII | RPT_STREAM, 0);
    const char *to = run_interleaved(&o, RPT_ASCII, 2);
    const char *one, *two;
    (void)state;
    /* Blocks: one header per connection, each block whole. */
    assert_int_equal(vf_count(tb, "-- connection #"), 2);
    assert_int_equal(vf_count(tb, "(continued)"), 0);
    one = strstr(tb, "-- connection #1");
    two = strstr(tb, "-- connection #2");
    assert_non_null(one);
    assert_non_null(two);
    assert_int_equal(vf_count(tb, "SYN+ACK seq 0 ack 1"), 2);
    assert_true(strstr(one, "ACK seq 1 ack 1 ") < two);
    /* Stream: a header at every switch, the returns marked. */
    assert_int_equal(vf_count(ts, "-- connection #"), 6);
    assert_int_equal(vf_count(ts, "(continued)"), 4);
    assert_int_equal(vf_count(ts, "SYN+ACK seq 0 ack 1"), 2);
    /* Rows come in capture order. */
    assert_true(strstr(ts, "40001") < strstr(ts, "40002"));
    /* --conn 2: only that one is drawn; the summary still counts both. */
    assert_int_equal(vf_count(to, "-- connection #"), 1);
    assert_non_null(strstr(to, "-- connection #2"));
    assert_null(strstr(to, "10.0.0.1:40001"));
    assert_non_null(strstr(to, "connections  2:"));
    vf_close(&b);
    vf_close(&s);
    vf_close(&o);
}

static void test_rows_bounded(void **state)
{
    struct vf f;
    const char *t;
    char want[64];
    int i;
    uint64_t shown;
    (void)state;
    vf_open(&f);
    vf_start(&f, report_ladder_new(f.out, RPT_ASCII | RPT_ALL, 0));
    vf_handshake(&f, 0, 40000);
    for (i = 0; i < 100; i++)
        vf_feed(&f, pkt_data(100 + (uint64_t)i, VF_C, 40000, VF_S, 80, TH_ACK | TH_PSH,
                             1001 + (uint32_t)i * 10u, 5001, 10));
    vf_feed(&f, pkt_make(300, VF_C, 40000, VF_S, 80, TH_FIN | TH_ACK, 2001, 5001));
    vf_feed(&f, pkt_make(320, VF_S, 80, VF_C, 40000, TH_FIN | TH_ACK, 5001, 2002));
    vf_feed(&f, pkt_make(321, VF_C, 40000, VF_S, 80, TH_ACK, 2002, 5002));
    t = vf_finish(&f);
    /* 3 + 100 + 3 rows: HEAD kept, TAIL kept, the middle counted. */
    snprintf(want, sizeof(want), ": %u segments not kept (bounded)",
             106u - CFG_LADDER_HEAD - CFG_LADDER_TAIL);
    assert_non_null(strstr(t, want));
    shown = (uint64_t)vf_count(t, " seq ");
    assert_int_equal(shown, CFG_LADDER_HEAD + CFG_LADDER_TAIL);
    /* The close is among the kept tail. */
    assert_non_null(strstr(t, "FIN+ACK seq 1001 ack 1 "));
    assert_non_null(strstr(t, "`- #1 complete"));
    vf_close(&f);
}

static void test_connections_bounded(void **state)
{
    struct vf f;
    const char *t, *early, *cont;
    uint16_t i;
    (void)state;
    vf_open(&f);
    vf_start(&f, report_ladder_new(f.out, RPT_ASCII, 0));
    for (i = 0; i <= CFG_LADDER_OPEN; i++)
        vf_feed(&f, pkt_make(i, VF_C, (uint16_t)(40000 + i), VF_S, 80, TH_SYN, 1000, 0));
    /* The oldest was drawn early, without a record line. */
    t = vf_text(&f);
    assert_int_equal(vf_count(t, "-- connection #"), 1);
    assert_non_null(strstr(t, "-- connection #1 "));
    assert_null(strstr(t, "#1 unanswered"));
    /* Its later rows make a continued block, closed by its record. */
    vf_feed(&f, pkt_make(500, VF_S, 80, VF_C, 40000, TH_RST | TH_ACK, 0, 1001));
    t = vf_finish(&f);
    early = strstr(t, "-- connection #1 ");
    cont = strstr(t, "-- connection #1 (continued)");
    assert_non_null(cont);
    assert_true(early < cont);
    assert_non_null(strstr(cont, "`- #1 refused"));
    assert_int_equal(vf_count(t, "-- connection #"), CFG_LADDER_OPEN + 2);
    vf_close(&f);
}

static void test_quiet_and_explain(void **state)
{
    struct vf q, e;
    const char *tq, *te;
    (void)state;
    vf_open(&q);
    vf_start(&q, report_ladder_new(q.out, RPT_QUIET, 0));
    vf_handshake(&q, 0, 40000);
    tq = vf_finish(&q);
    assert_int_equal(vf_count(tq, "connection #"), 0);
    assert_true(strncmp(tq, "\u2514\u2500 #1 complete", strlen("\u2514\u2500 #1 complete")) == 0);
    vf_open(&e);
    vf_start(&e, report_ladder_new(e.out, RPT_ASCII | RPT_EXPLAIN, 0));
    vf_handshake(&e, 0, 40000);
    te = vf_finish(&e);
    /* The sentence is wrapped between the lanes. */
    assert_non_null(strstr(te, "|  The server answers with SYN+ACK: it acknowledges 1 =")); /* wrapped */
    assert_non_null(strstr(te, "|  client ISN + 1, because a SYN takes one sequence"));
    assert_non_null(strstr(te, "   Outcome complete:"));
    check_lanes(te, "|", "+", "+", ">", "<");
    vf_close(&q);
    vf_close(&e);
}

static void test_wrap(void **state)
{
    struct wrap_line l[8];
    const char *s = "aaa bbb ccc";
    (void)state;
    assert_int_equal(ladder_wrap("", 10, l, 8), 0);
    assert_int_equal(ladder_wrap(s, 7, l, 8), 2);
    assert_int_equal(l[0].start, 0);
    assert_int_equal(l[0].len, 7);
    assert_int_equal(l[1].start, 8);
    assert_int_equal(l[1].len, 3);
    assert_int_equal(ladder_wrap(s, 100, l, 8), 1);
    /* A word longer than the width is split; lines never exceed it. */
    assert_int_equal(ladder_wrap("abcdefghij", 4, l, 8), 3);
    assert_int_equal(l[2].start, 8);
    assert_int_equal(l[2].len, 2);
    /* At most `max` lines. */
    assert_int_equal(ladder_wrap("a b c d e f", 1, l, 3), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unicode_lanes),
        cmocka_unit_test(test_ascii_lanes),
        cmocka_unit_test(test_rst_retransmit_and_colour),
        cmocka_unit_test(test_blocks_and_stream),
        cmocka_unit_test(test_rows_bounded),
        cmocka_unit_test(test_connections_bounded),
        cmocka_unit_test(test_quiet_and_explain),
        cmocka_unit_test(test_wrap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
