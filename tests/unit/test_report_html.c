/* test_report_html.c: the --html page and the --state-diagram SVG
 * (report_html.c, report_sdiag.c, statediag.c): the page's NDJSON block is
 * what the JSON reporter writes, with '<', '>' and '&' escaped so that a
 * hostile name cannot end a script; one "step" per segment and timeout with
 * its sentence; the bound on connections and segments, said in the "page"
 * record; --conn kept beyond the bound; Figure 5's arrows; a path. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#include <cmocka.h>

#include "config.h"
#include "statediag.h"
#include "views_fixture.h"

/* The text of block `id` (between its <script ...> line and </script>). */
static char *block(const char *page, const char *id)
{
    char open[96];
    const char *a, *b;
    char *out;
    snprintf(open, sizeof(open), "<script type=\"application/x-ndjson\" id=\"%s\">\n", id);
    a = strstr(page, open);
    assert_non_null(a);
    a += strlen(open);
    b = strstr(a, "</script>");
    assert_non_null(b);
    out = strndup(a, (size_t)(b - a));
    assert_non_null(out);
    return out;
}

static void test_page_blocks(void **state)
{
    static const char *const inputs[] = { "x</script><script>alert(1)</script><!--&.pcap" };
    struct rpt_meta meta;
    struct vf f, g;
    const char *page, *json;
    char *nd, *pg;
    (void)state;
    memset(&meta, 0, sizeof(meta));
    meta.command = "read";
    meta.inputs = inputs;
    meta.ninputs = 1;
    meta.slower_than_ns = -1;

    /* The same run through the JSON reporter with --all, for comparison. */
    vf_open(&g);
    vf_start(&g, report_json_new(g.out, RPT_ALL));
    meta.flags = RPT_ALL;
    report_json_meta(g.r, &meta);
    vf_handshake(&g, 0, 40000);
    vf_close_fin(&g, 100, 40000);
    json = vf_finish(&g);

    vf_open(&f);
    meta.flags = RPT_QUIET; /* the page's archive is --all whatever the view */
    vf_start(&f, report_html_new(f.out, RPT_QUIET, 0, &meta));
    vf_handshake(&f, 0, 40000);
    vf_close_fin(&f, 100, 40000);
    page = vf_finish(&f);

    assert_int_equal(strncmp(page, "<!DOCTYPE html>", 15), 0);
    assert_non_null(strstr(page, "default-src 'none'"));
    assert_int_equal(vf_count(page, "</script"), 3);
    assert_null(strstr(page, "<!--"));
    assert_null(strstr(page, "alert(1)</"));
    nd = block(page, "tcpshake-ndjson");
    /* Unescape and compare with the JSON reporter's lines. */
    {
        char *u = malloc(strlen(nd) + 1), *w = u;
        const char *r = nd;
        assert_non_null(u);
        while (*r) {
            if (strncmp(r, "\\u003c", 6) == 0 || strncmp(r, "\\u003e", 6) == 0 ||
                strncmp(r, "\\u0026", 6) == 0) {
                *w++ = r[5] == 'c' ? '<' : r[5] == 'e' ? '>' : '&';
                r += 6;
            } else {
                *w++ = *r++;
            }
        }
        *w = '\0';
        assert_string_equal(u, json);
        free(u);
    }
    assert_non_null(strstr(nd, "x\\u003c/script\\u003e\\u003cscript\\u003ealert(1)"));
    pg = block(page, "tcpshake-page");
    /* Six segments: six steps, the handshake ACK explained; one outcome. */
    assert_int_equal(vf_count(pg, "{\"type\":\"step\""), 6);
    assert_non_null(strstr(pg, "\"line\":1,\"conn\":1,\"client_before\":\"CLOSED\","
                               "\"server_before\":\"LISTEN\",\"client_before_presumed\":false,"
                               "\"server_before_presumed\":true"));
    assert_non_null(strstr(pg, "three-way handshake is complete"));
    assert_int_equal(vf_count(pg, "{\"type\":\"outcome\""), 1);
    assert_non_null(strstr(pg, "\"conns_shown\":1,\"conns_left_out\":0,\"records_left_out\":0"));
    /* The diagram is inline, with the ids the script uses. */
    assert_non_null(strstr(page, "id=\"sd-n-SYN_RECV\""));
    assert_non_null(strstr(page, "id=\"sd-n-CLOSED-end\""));
    assert_non_null(strstr(page, "id=\"sd-overlay\""));
    free(nd);
    free(pg);
    vf_close(&f);
    vf_close(&g);
}

static void test_page_bounded(void **state)
{
    struct vf f;
    const char *page;
    char want[160], *pg;
    uint32_t i;
    (void)state;
    vf_open(&f);
    /* Connection 105 is named by --conn: kept beyond the bound. */
    vf_start(&f, report_html_new(f.out, 0, 105, NULL));
    for (i = 0; i < CFG_HTML_MAX_CONNS + 10; i++)
        vf_feed(&f, pkt_make(i, VF_C, (uint16_t)(30000 + i), VF_S, 80, TH_SYN, 1000, 0));
    /* One long connection: cut after CFG_HTML_MAX_SEGS segments. */
    for (i = 0; i < CFG_HTML_MAX_SEGS + 5; i++)
        vf_feed(&f, pkt_make(1000 + i, VF_C, 30000, VF_S, 80, TH_SYN, 1000, 0));
    page = vf_finish(&f);
    pg = block(page, "tcpshake-page");
    snprintf(want, sizeof(want), "\"select\":105,\"max_conns\":%u,\"max_segments\":%u",
             CFG_HTML_MAX_CONNS, CFG_HTML_MAX_SEGS);
    assert_non_null(strstr(pg, want));
    snprintf(want, sizeof(want), "\"conns_shown\":%u,\"conns_left_out\":9,\"records_left_out\":6",
             CFG_HTML_MAX_CONNS + 1);
    assert_non_null(strstr(pg, want));
    assert_non_null(strstr(pg, "{\"type\":\"cut\",\"conn\":1,\"records_left_out\":6}"));
    assert_non_null(strstr(page, "\"type\":\"conn\",\"id\":105,"));
    assert_null(strstr(page, "\"type\":\"conn\",\"id\":104,"));
    free(pg);
    vf_close(&f);
}

static void test_diagram(void **state)
{
    struct vf f;
    const char *svg;
    unsigned a, b, n = 0;
    (void)state;
    for (a = 0; a < TS__COUNT; a++)
        for (b = 0; b < TS__COUNT; b++)
            n += statediag_has_edge(a, b);
    assert_int_equal(n, 20); /* Figure 5's arrows (two into the second CLOSED) */
    assert_true(statediag_has_edge(TS_SYN_SENT, TS_ESTABLISHED));
    assert_true(statediag_has_edge(TS_SYN_RECV, TS_LISTEN));
    assert_false(statediag_has_edge(TS_FIN_WAIT_1, TS_TIME_WAIT));
    assert_false(statediag_has_edge(TS_ESTABLISHED, TS_CLOSED));

    vf_open(&f);
    vf_start(&f, report_sdiag_new(f.out, 0, 1));
    vf_handshake(&f, 0, 40000);
    vf_feed(&f, pkt_make(50, VF_S, 80, VF_C, 40000, TH_RST, 5001, 0));
    svg = vf_finish(&f);
    assert_int_equal(strncmp(svg, "<?xml", 5), 0);
    assert_int_equal(vf_count(svg, "<g class=\"sd-node\""), 12);
    assert_int_equal(vf_count(svg, "<g class=\"sd-edge\""), 20);
    /* SYN_SENT, SYN_RECV, both ESTABLISHED, then the RST: both CLOSED (dashed). */
    assert_int_equal(vf_count(svg, "<circle"), 6);
    assert_int_equal(vf_count(svg, "stroke-dasharray=\"12 7\""), 2);
    assert_non_null(strstr(svg, "Connection #1, complete"));
    assert_non_null(strstr(svg, "server 10.0.0.2:80: LISTEN? \u2192 SYN_RECV \u2192 ESTABLISHED "
                                "\u2192 CLOSED"));
    vf_close(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_page_blocks),
        cmocka_unit_test(test_page_bounded),
        cmocka_unit_test(test_diagram),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
