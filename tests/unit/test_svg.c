/* test_svg.c: SVG escaping (entities, forbidden controls, bad UTF-8, no cut
 * entity), and the --svg document: one arrow per drawn segment, endpoints
 * escaped, every coordinate inside the declared page, balanced elements,
 * one connection with --conn, and the bound on connections said in the
 * picture. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "config.h"
#include "svg.h"
#include "views_fixture.h"

static void test_escape(void **state)
{
    char out[128];
    (void)state;
    assert_int_equal(svg_escape("<a & 'b'>\"", out, sizeof(out)), 35);
    assert_string_equal(out, "&lt;a &amp; &apos;b&apos;&gt;&quot;");
    assert_int_equal(svg_escape("[2001:db8::1]:80", out, sizeof(out)), 16);
    assert_string_equal(out, "[2001:db8::1]:80");
    /* Controls XML 1.0 forbids are dropped; tab and newline stay. */
    svg_escape("a\001b\tc\nd\177e", out, sizeof(out));
    assert_string_equal(out, "ab\tc\nde");
    /* Well-formed UTF-8 stays; a stray byte becomes '?'. */
    svg_escape("x\xe2\x86\x92y\xff\xc3z", out, sizeof(out));
    assert_string_equal(out, "x\xe2\x86\x92y??z");
    /* Never cut an entity or a character: stop before it. */
    assert_int_equal(svg_escape("&&", out, 8), 5);
    assert_string_equal(out, "&amp;");
    assert_int_equal(svg_escape("ab\xe2\x86\x92", out, 4), 2);
    assert_string_equal(out, "ab");
    assert_int_equal(svg_escape("abc", out, 1), 0);
    assert_string_equal(out, "");
}

/* Every number in attribute `attr="N"` is within [0, limit]. */
static void check_coords(const char *svg, const char *attr, long limit)
{
    char key[16];
    const char *p = svg;
    int n = 0;
    snprintf(key, sizeof(key), " %s=\"", attr);
    while ((p = strstr(p, key)) != NULL) {
        long v;
        p += strlen(key);
        v = strtol(p, NULL, 10);
        if (v < 0 || v > limit)
            fail_msg("%s=%ld outside 0..%ld", attr, v, limit);
        n++;
    }
    assert_true(n > 0);
}

static long attr_long(const char *svg, const char *key)
{
    const char *p = strstr(svg, key);
    assert_non_null(p);
    return strtol(p + strlen(key), NULL, 10);
}

static void check_document(const char *svg)
{
    long w = attr_long(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"");
    long h = attr_long(svg, "height=\"");
    assert_true(strncmp(svg, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", 39) == 0);
    assert_int_equal(w, 1200);
    assert_true(h > 100);
    check_coords(svg, "x", w);
    check_coords(svg, "x1", w);
    check_coords(svg, "x2", w);
    check_coords(svg, "y", h);
    check_coords(svg, "y1", h);
    check_coords(svg, "y2", h);
    assert_int_equal(vf_count(svg, "<text"), vf_count(svg, "</text>"));
    assert_int_equal(vf_count(svg, "<svg"), 1);
    assert_int_equal(vf_count(svg, "</svg>\n"), 1);
    assert_null(strchr(svg, '\033'));
}

static void test_document(void **state)
{
    struct vf f;
    const char *svg;
    (void)state;
    vf_open(&f);
    vf_start(&f, report_svg_new(f.out, RPT_COLOR | RPT_EXPLAIN, 0));
    vf_handshake(&f, 0, 40000);
    vf_close_fin(&f, 100, 40000);
    /* IPv6 endpoints and a refused connection. */
    vf_feed(&f, pkt_make(200, "2001:db8::1", 40002, "2001:db8::2", 443, TH_SYN, 9, 0));
    vf_feed(&f, pkt_make(201, "2001:db8::2", 443, "2001:db8::1", 40002, TH_RST | TH_ACK, 0, 10));
    svg = vf_finish(&f);
    check_document(svg);
    /* 6 + 2 segments: one arrow each; RST has its own head. */
    assert_int_equal(vf_count(svg, "marker-end=\"url(#head-"), 8);
    assert_int_equal(vf_count(svg, "marker-end=\"url(#head-rst)\""), 1);
    assert_non_null(strstr(svg, ">[2001:db8::1]:40002</text>"));
    assert_non_null(strstr(svg, ">10.0.0.1:40000</text>"));
    assert_non_null(strstr(svg, ">Connection #1 \u00b7 complete</text>"));
    assert_non_null(strstr(svg, ">Connection #2 \u00b7 refused</text>"));
    assert_non_null(strstr(svg, ">SYN+ACK seq 0 ack 1</text>"));
    /* --explain adds the sentences (escaped: "server's"). */
    assert_non_null(strstr(svg, "server&apos;s"));
    assert_null(strstr(svg, "server's"));
    /* No summary text in the picture: the terminal prints it. */
    assert_null(strstr(svg, "-- summary"));
    vf_close(&f);
}

static void test_one_connection(void **state)
{
    struct vf f;
    const char *svg;
    (void)state;
    vf_open(&f);
    vf_start(&f, report_svg_new(f.out, 0, 2));
    vf_handshake(&f, 0, 40001);
    vf_handshake(&f, 100, 40002);
    svg = vf_finish(&f);
    check_document(svg);
    assert_int_equal(vf_count(svg, "Connection #"), 1);
    assert_non_null(strstr(svg, "10.0.0.1:40002"));
    assert_null(strstr(svg, "10.0.0.1:40001"));
    assert_int_equal(vf_count(svg, "marker-end="), 3);
    vf_close(&f);
    /* A connection that is not there: an empty picture that says so. */
    vf_open(&f);
    vf_start(&f, report_svg_new(f.out, 0, 99));
    vf_handshake(&f, 0, 40001);
    svg = vf_finish(&f);
    assert_non_null(strstr(svg, "No such connection in the capture."));
    assert_int_equal(vf_count(svg, "marker-end="), 0);
    vf_close(&f);
}

static void test_bounded(void **state)
{
    struct vf f;
    const char *svg;
    char want[96];
    uint16_t i;
    (void)state;
    vf_open(&f);
    vf_start(&f, report_svg_new(f.out, 0, 0));
    for (i = 0; i < CFG_SVG_MAX_CONNS + 3; i++)
        vf_feed(&f, pkt_make(i, VF_C, (uint16_t)(30000 + i), VF_S, 80, TH_SYN, 1000, 0));
    svg = vf_finish(&f);
    check_document(svg);
    assert_int_equal(vf_count(svg, "Connection #"), CFG_SVG_MAX_CONNS);
    snprintf(want, sizeof(want), "Not drawn: 3 more connections and 0 segments");
    assert_non_null(strstr(svg, want));
    vf_close(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_document),
        cmocka_unit_test(test_one_connection),
        cmocka_unit_test(test_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
