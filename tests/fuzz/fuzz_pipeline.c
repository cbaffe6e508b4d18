/* fuzz_pipeline.c: libFuzzer harness for the whole offline pipeline fed a
 * pcap or pcapng byte stream: records (pcap_lite.c) -> decode -> tracker ->
 * text and NDJSON reporters, as `tcpshake read` runs them, with a small
 * connection table (16 entries) so that eviction is exercised; the quiet run
 * also writes the --report page (report_page.c), its head naming a "file"
 * made of the input's first bytes, and the last run the --html page
 * (report_html.c) and the --state-diagram SVG. Checks the accounting the
 * summary relies on: every frame counted once, every connection's record
 * emitted exactly once (outcomes and closes add up to the connections), the
 * table within its capacity; and that both pages are whole: nothing from the
 * input can end a script element early, and the report page has no control
 * byte but whitespace. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pcap_lite.h"
#include "pipeline.h"
#include "report.h"

/* LINKTYPE_ numbers in files (www.tcpdump.org/linktypes.html), as
 * capture_map_dlt() maps them; old files may carry DLT_RAW 12 or 14. */
static enum link_type map_linktype(int lt)
{
    switch (lt) {
    case 0: return LINK_NULL_BSD;
    case 1: return LINK_ETHERNET;
    case 12: case 14: case 101: return LINK_RAW;
    case 108: return LINK_LOOP;
    case 113: return LINK_LINUX_SLL;
    case 276: return LINK_LINUX_SLL2;
    case 228: return LINK_IPV4;
    case 229: return LINK_IPV6;
    default: return LINK_UNKNOWN;
    }
}

#define N_RUNS 4 /* the last one: --html and --state-diagram */
#define FUZZ_MAX_CONNS 16

static FILE *sink_file(void)
{
    static FILE *devnull;
    if (!devnull)
        devnull = fopen("/dev/null", "w");
    return devnull;
}

static void check_accounting(struct pipeline *pl, uint64_t frames)
{
    const struct tracker_stats *ts = pipeline_tracker_stats(pl);
    const struct run_stats *rs = pipeline_run_stats(pl);
    uint64_t outcomes = 0, closes = 0, decoded = 0;
    unsigned i;

    for (i = 0; i < HS__COUNT; i++)
        outcomes += ts->outcomes[i];
    for (i = 0; i < CLOSE__COUNT; i++)
        closes += ts->closes[i];
    for (i = 0; i < DECODE__COUNT; i++)
        decoded += rs->decode[i];
    FUZZ_CHECK(ts->outcomes[HS_PENDING] == 0);
    FUZZ_CHECK(outcomes == ts->connections);
    FUZZ_CHECK(closes == ts->connections);
    FUZZ_CHECK(pipeline_conns_ended(pl) == ts->connections);
    FUZZ_CHECK(ts->evicted <= ts->connections);
    FUZZ_CHECK(ts->active <= ts->capacity && ts->peak_active <= ts->capacity);
    FUZZ_CHECK(ts->capacity == FUZZ_MAX_CONNS);
    FUZZ_CHECK(rs->packets == frames && decoded == frames);
    FUZZ_CHECK(rs->tcp_packets == rs->decode[DECODE_OK]);
}

/* The --report page: <!DOCTYPE ...> ... one data block at the very end, no control
 * byte but XML whitespace, nothing after </html>. */
static void check_report_page(const char *page, size_t len)
{
    static const char open_tag[] = "<script type=\"application/json\" id=\"tcpshake-data\">";
    static const char tail[] = "</script>\n</body>\n</html>\n";
    const char *data;
    size_t i;
    FUZZ_CHECK(len > sizeof(tail) && strncmp(page, "<!DOCTYPE html>\n", 16) == 0);
    FUZZ_CHECK(strcmp(page + len - (sizeof(tail) - 1), tail) == 0);
    for (i = 0; i < len; i++)
        FUZZ_CHECK((unsigned char)page[i] >= 0x20 || page[i] == '\n' || page[i] == '\t' ||
                   page[i] == '\r'); /* XML's whitespace; svg_escape() drops the rest */
    data = strstr(page, open_tag);
    FUZZ_CHECK(data != NULL);
    FUZZ_CHECK(strstr(data + 1, "<script") == NULL);        /* the only script */
    FUZZ_CHECK(strstr(page, "<script") == data);
    /* Inside the block, no "<" at all: it ends only where the writer ends it. */
    FUZZ_CHECK(memchr(data + sizeof(open_tag) - 1, '<',
                      (size_t)(page + len - (sizeof(tail) - 1) - (data + sizeof(open_tag) - 1))) == NULL);
}

/* The --html page: one document, exactly the three scripts report_html.c writes
 * (two data blocks and the code), whatever the input said. */
static void check_html_page(const char *page, size_t len)
{
    const char *p = page;
    size_t closes = 0;
    FUZZ_CHECK(page != NULL && len > 0 && strlen(page) == len);
    FUZZ_CHECK(strncmp(page, "<!DOCTYPE html>", 15) == 0);
    FUZZ_CHECK(len > 8 && strcmp(page + len - 8, "</html>\n") == 0);
    while ((p = strstr(p, "</script")) != NULL) {
        closes++;
        p++;
    }
    FUZZ_CHECK(closes == 3);
    FUZZ_CHECK(strstr(page, "<!--") == NULL); /* would start an escaped script state */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned flags[N_RUNS] = { RPT_ALL | RPT_VERBOSE,
                                            RPT_ALL | RPT_VERBOSE | RPT_ABS_SEQ, RPT_QUIET,
                                            RPT_VERBOSE };
    struct reporter *rep[N_RUNS] = { NULL };
    struct pipeline *pl[N_RUNS] = { NULL };
    struct tracker_cfg tcfg;
    struct pcap_lite rd;
    struct frame f;
    enum link_type lt;
    uint64_t frames = 0;
    FILE *out = sink_file();
    char errtext[128], name[72];
    const char *inputs[1] = { name };
    struct rpt_meta meta;
    char *page = NULL;
    size_t page_len = 0;
    char *html = NULL;
    size_t html_len = 0;
    FILE *page_out = NULL, *html_out = NULL;
    int i, rc;

    if (!out || pcap_lite_open(&rd, data, size) != 0)
        return 0;
    if (rd.ng) {
        /* pcapng: the link type comes with the first IDB; look ahead. */
        struct pcap_lite probe = rd;
        while (probe.linktype < 0 && pcap_lite_next(&probe, &f) == 1)
            ;
        lt = map_linktype(probe.linktype);
    } else {
        lt = map_linktype(rd.linktype);
    }
    if (lt == LINK_UNKNOWN)
        return 0; /* tcpshake read exits 6 before any decoding */

    memset(&tcfg, 0, sizeof(tcfg));
    tcfg.max_conns = FUZZ_MAX_CONNS;
    /* The page's head names the input: let its first bytes (any bytes, up
     * to a NUL) be the file name. */
    snprintf(name, sizeof(name), "%.*s", (int)(size < 64 ? size : 64), (const char *)data);
    memset(&meta, 0, sizeof(meta));
    meta.command = "read";
    meta.inputs = inputs;
    meta.ninputs = 1;
    meta.filter = name;
    meta.slower_than_ns = -1;
    page_out = open_memstream(&page, &page_len);
    FUZZ_CHECK(page_out != NULL);
    html_out = open_memstream(&html, &html_len);
    FUZZ_CHECK(html_out != NULL);
    for (i = 0; i < N_RUNS; i++) {
        /* Text for the ALL and QUIET runs, NDJSON for the second one, the
         * --html page (connection 2 preselected, connection 1's path on the
         * state diagram) last; the QUIET run also writes the --report page,
         * as `read -q --report` does. */
        if (i == 3)
            rep[i] = report_tee_new(report_html_new(html_out, flags[i], 2, &meta),
                                    report_sdiag_new(out, flags[i], 1));
        else
            rep[i] = i == 1 ? report_json_new(out, flags[i]) : report_text_new(out, flags[i]);
        FUZZ_CHECK(rep[i] != NULL);
        if (i == 2)
            rep[i] = report_tee_new(rep[i], report_page_new(page_out, &meta));
        FUZZ_CHECK(rep[i] != NULL);
        pl[i] = pipeline_new(lt, &tcfg, rep[i]);
        FUZZ_CHECK(pl[i] != NULL);
    }
    while ((rc = pcap_lite_next(&rd, &f)) == 1) {
        frames++;
        for (i = 0; i < N_RUNS; i++)
            (void)pipeline_feed(pl[i], &f);
    }
    if (rc < 0) {
        /* The CLI's error text carries the user's file name: let the
         * input's last bytes (any bytes, up to a NUL) stand for it, so the
         * reporters' escaping (JSON: invalid UTF-8 -> U+FFFD) sees them. */
        size_t tail = size < 64 ? size : 64;
        snprintf(errtext, sizeof(errtext), "%.*s: %s", (int)tail,
                 (const char *)data + size - tail, rd.error);
    }
    for (i = 0; i < N_RUNS; i++) {
        if (rc < 0)
            pipeline_run_stats(pl[i])->input_error = errtext;
        pipeline_finish(pl[i]);
        check_accounting(pl[i], frames);
        pipeline_free(pl[i]);
        reporter_destroy(rep[i]);
    }
    FUZZ_CHECK(fclose(page_out) == 0);
    check_report_page(page, page_len);
    free(page);
    FUZZ_CHECK(fclose(html_out) == 0);
    check_html_page(html, html_len);
    free(html);
    return 0;
}
