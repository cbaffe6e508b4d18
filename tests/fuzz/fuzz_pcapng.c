/* fuzz_pcapng.c: libFuzzer harness for the pcapng decoder tcpshake uses
 * when libpcap 1.10 refuses a file (src/core/pcapng_dec.c, issue 15).
 * Input: a pcapng byte stream. It is decoded twice: with png_next over the
 * whole buffer, and block by block as src/io/pcapng_read.c does (each block
 * copied into a buffer of exactly its length, so a read past a block is an
 * ASan report). Checks: both ways give the same packets; every packet lies
 * inside its block and the input, caplen within the interface's snap
 * length and the limit; the interface exists. Each packet is then fed to a
 * pipeline with its own interface's link type (pipeline_set_link_type),
 * and the counts must add up. */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "fuzz.h"
#include "pcapng_dec.h"
#include "pipeline.h"
#include "report.h"

#define FUZZ_MAX_CONNS 16

/* LINKTYPE_ numbers, as capture_map_dlt() maps them. */
static enum link_type map_linktype(unsigned lt)
{
    switch (lt) {
    case 0: return LINK_NULL_BSD;
    case 1: return LINK_ETHERNET;
    case 101: return LINK_RAW;
    case 108: return LINK_LOOP;
    case 113: return LINK_LINUX_SLL;
    case 276: return LINK_LINUX_SLL2;
    case 228: return LINK_IPV4;
    case 229: return LINK_IPV6;
    default: return LINK_UNKNOWN;
    }
}

static FILE *sink_file(void)
{
    static FILE *devnull;
    if (!devnull)
        devnull = fopen("/dev/null", "w");
    return devnull;
}

static void check_pkt(const struct png_dec *d, const struct png_pkt *pk, const uint8_t *lo,
                      const uint8_t *hi)
{
    FUZZ_CHECK(pk->ifid < d->nif);
    FUZZ_CHECK(pk->linktype == d->ifs[pk->ifid].linktype);
    FUZZ_CHECK(pk->caplen <= CFG_MAX_FRAME);
    FUZZ_CHECK(d->ifs[pk->ifid].snaplen == 0 || pk->caplen <= d->ifs[pk->ifid].snaplen);
    FUZZ_CHECK(pk->data >= lo && pk->data <= hi && pk->caplen <= (size_t)(hi - pk->data));
}

/* Block by block, each in its own exact-size copy. Returns packets seen
 * and compares each with the whole-buffer pass's (ts, linktype, caplen). */
static uint64_t by_blocks(const uint8_t *data, size_t size, const struct png_pkt *want,
                          uint64_t nwant, int whole_rc)
{
    struct png_dec d;
    uint64_t n = 0;
    size_t off = 0;
    bool failed = false;
    png_init(&d);
    while (off < size) {
        uint32_t total = png_block_len(&d, data + off, size - off);
        uint8_t *blk;
        struct png_pkt pk;
        enum png_rc rc;
        if (total == 0 || total > size - off) {
            failed = true;
            break;
        }
        blk = malloc(total);
        FUZZ_CHECK(blk != NULL);
        memcpy(blk, data + off, total);
        rc = png_block(&d, blk, total, CFG_MAX_FRAME, &pk);
        if (rc == PNG_PACKET) {
            check_pkt(&d, &pk, blk, blk + total);
            if (n < nwant) {
                FUZZ_CHECK(pk.ts_ns == want[n].ts_ns && pk.linktype == want[n].linktype);
                FUZZ_CHECK(pk.caplen == want[n].caplen && pk.wirelen == want[n].wirelen);
                FUZZ_CHECK(memcmp(pk.data, want[n].data, pk.caplen) == 0);
            }
            n++;
        }
        free(blk);
        off += total;
        if (rc == PNG_ERROR) {
            FUZZ_CHECK(d.error != NULL);
            failed = true;
            break;
        }
    }
    FUZZ_CHECK(failed == (whole_rc < 0));
    png_free(&d);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct png_dec d;
    struct png_pkt *pk = NULL;
    size_t npk = 0, cap = 0, left = size, i;
    const uint8_t *p = data;
    struct reporter *rep;
    struct pipeline *pl;
    struct tracker_cfg tcfg;
    FILE *out = sink_file();
    uint64_t ok = 0;
    int rc;

    if (!out)
        return 0;
    png_init(&d);
    for (;;) {
        struct png_pkt one;
        rc = png_next(&d, &p, &left, CFG_MAX_FRAME, &one);
        if (rc != 1)
            break;
        check_pkt(&d, &one, data, data + size);
        if (npk == cap) {
            cap = cap ? cap * 2 : 16;
            pk = realloc(pk, cap * sizeof(*pk));
            FUZZ_CHECK(pk != NULL);
        }
        pk[npk++] = one;
    }
    FUZZ_CHECK(rc == 0 || (rc == -1 && d.error != NULL));
    FUZZ_CHECK(left <= size && p == data + (size - left));
    FUZZ_CHECK(by_blocks(data, size, pk, npk, rc) == npk);

    /* Into the pipeline, each packet with its interface's link type. */
    memset(&tcfg, 0, sizeof(tcfg));
    tcfg.max_conns = FUZZ_MAX_CONNS;
    rep = report_json_new(out, RPT_ALL | RPT_VERBOSE);
    FUZZ_CHECK(rep != NULL);
    pl = pipeline_new(LINK_ETHERNET, &tcfg, rep);
    FUZZ_CHECK(pl != NULL);
    for (i = 0; i < npk; i++) {
        struct frame f;
        f.data = pk[i].data;
        f.caplen = pk[i].caplen;
        f.wirelen = pk[i].wirelen;
        f.ts_ns = pk[i].ts_ns;
        pipeline_set_link_type(pl, map_linktype(pk[i].linktype));
        ok += pipeline_feed(pl, &f) == DECODE_OK;
    }
    if (rc < 0)
        pipeline_run_stats(pl)->input_error = d.error;
    pipeline_finish(pl);
    FUZZ_CHECK(pipeline_run_stats(pl)->packets == npk);
    FUZZ_CHECK(pipeline_run_stats(pl)->tcp_packets == ok);
    FUZZ_CHECK(pipeline_conns_ended(pl) == pipeline_tracker_stats(pl)->connections);
    pipeline_free(pl);
    reporter_destroy(rep);
    png_free(&d);
    free(pk);
    return 0;
}
