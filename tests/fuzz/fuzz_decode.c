/* fuzz_decode.c: libFuzzer harness for decode_frame() on every link type.
 * Input: byte 0 picks the link type (low nibble, modulo the number of link
 * types) and the wire length (high nibble: 0 = caplen, 15 = less than
 * caplen, n = caplen + 4^n, so snap-length cuts are explored); the rest is
 * the frame. Checks the decoder's promises (decode.h) on each result, then
 * formats what it decoded as the reporters would. */
#include <string.h>

#include "config.h"
#include "decode.h"
#include "fuzz.h"
#include "netaddr.h"
#include "tcp_wire.h"
#include "tcpopt.h"


static uint32_t wire_len(uint8_t sel, uint32_t caplen)
{
    unsigned n = sel >> 4;
    if (n == 0)
        return caplen;
    if (n == 15)
        return caplen / 2;
    return caplen + (1u << (2 * n));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct frame f;
    struct pkt p;
    enum decode_status st;
    enum link_type lt;
    char buf[512], ep[ENDPOINT_STRLEN];
    unsigned i;

    if (size < 1 || size - 1 > 262144)
        return 0;
    lt = (enum link_type)((data[0] & 0x0Fu) % LINK__COUNT);
    memset(&f, 0, sizeof(f));
    f.data = size > 1 ? data + 1 : NULL;
    f.caplen = (uint32_t)(size - 1);
    f.wirelen = wire_len(data[0], f.caplen);
    f.ts_ns = 1704067200ull * 1000000000ull;

    st = decode_frame(lt, &f, &p);

    FUZZ_CHECK((unsigned)st < DECODE__COUNT);
    FUZZ_CHECK((unsigned)p.layer < DECODE_L__COUNT);
    FUZZ_CHECK(p.caplen == f.caplen && p.wirelen == f.wirelen && p.ts_ns == f.ts_ns);
    FUZZ_CHECK(decode_status_name(st) != NULL && decode_layer_name(p.layer) != NULL);
    FUZZ_CHECK(p.opt.nlayout <= TCPOPT_MAX_LAYOUT && p.opt.nsack <= TCPOPT_MAX_SACK);
    FUZZ_CHECK(p.opt.tfo_len <= TCPOPT_MAX_TFO_COOKIE);
    /* The tunnel walk is bounded (CFG_MAX_TUNNELS) and names every kind. */
    FUZZ_CHECK(p.ntunnels <= CFG_MAX_TUNNELS);
    for (i = 0; i < p.ntunnels && i < CFG_MAX_TUNNELS; i++)
        FUZZ_CHECK(p.tunnel[i].kind < PKT_TUN__COUNT);
    for (i = 0; i < 32; i++)
        if (p.anomalies & (1u << i))
            FUZZ_CHECK(pkt_anomaly_name(1u << i) != NULL);
    if (st == DECODE_OK) {
        /* A decoded segment: a whole fixed header inside the frame. */
        FUZZ_CHECK(p.layer == DECODE_L_TCP);
        FUZZ_CHECK(p.ip_ver == 4 || p.ip_ver == 6);
        FUZZ_CHECK(p.src.family == p.ip_ver && p.dst.family == p.ip_ver);
        FUZZ_CHECK(p.doff >= TCP_HDR_MIN && p.doff <= TCP_HDR_MAX && p.doff % 4 == 0);
        FUZZ_CHECK(p.payload_caplen <= p.payload_len);
        FUZZ_CHECK(p.payload_caplen + TCP_HDR_MIN <= f.caplen);
        FUZZ_CHECK(((p.anomalies & PKT_ANOM_PAYLOAD_CUT) != 0) ==
                   (p.payload_caplen < p.payload_len));
        FUZZ_CHECK(((p.anomalies & PKT_ANOM_TCP_OPT) != 0) == (p.opt.anomalies != 0));
        endpoint_format(&p.src, p.sport, ep);
        FUZZ_CHECK(memchr(ep, '\0', sizeof(ep)) != NULL);
        endpoint_format(&p.dst, p.dport, ep);
        FUZZ_CHECK(memchr(ep, '\0', sizeof(ep)) != NULL);
        (void)tcp_flags_letters(p.flags, buf);
        FUZZ_CHECK(memchr(buf, '\0', 16) != NULL);
        FUZZ_CHECK(tcpopt_format(&p.opt, buf, (int)sizeof(buf)) >= 0);
        FUZZ_CHECK(memchr(buf, '\0', sizeof(buf)) != NULL);
    }
    return 0;
}
