/* fuzz_tcpopt.c: libFuzzer harness for the TCP option parser, formatter and
 * writer (tcpopt.h). Input: byte 0 bit 0 = the area is cut by the capture,
 * bits 1..7 = a formatting buffer size 0..127; the rest is the options area.
 * Checks: the parser's bounds, tcpopt_format()'s NUL termination at any
 * size, and the round trip parse -> write -> parse for clean options. */
#include <string.h>

#include "fuzz.h"
#include "rd.h"
#include "tcpopt.h"
#include "wr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tcp_opts o, back;
    struct rd r;
    struct wr w;
    bool cut;
    int cap, n;
    char big[1024], small[128];
    uint8_t area[64];

    if (size < 1 || size > 4096)
        return 0;
    cut = data[0] & 1u;
    cap = data[0] >> 1;
    r = rd_init(data + 1, size - 1);
    tcpopt_parse(&r, cut, &o);
    FUZZ_CHECK(o.nlayout <= TCPOPT_MAX_LAYOUT && o.nsack <= TCPOPT_MAX_SACK);
    FUZZ_CHECK(o.tfo_len <= TCPOPT_MAX_TFO_COOKIE);

    n = tcpopt_format(&o, big, (int)sizeof(big));
    FUZZ_CHECK(n >= 0 && memchr(big, '\0', sizeof(big)) != NULL);
    memset(small, 'x', sizeof(small));
    n = tcpopt_format(&o, small, cap);
    FUZZ_CHECK(n >= 0);
    if (cap > 0)
        FUZZ_CHECK(memchr(small, '\0', (size_t)cap) != NULL);
    FUZZ_CHECK(cap == (int)sizeof(small) || small[cap] == 'x'); /* no write past cap */

    /* Round trip: options parsed without any anomaly are written back
     * (Linux's layout) and must parse to the same values. */
    if (o.anomalies == 0) {
        w = wr_init(area, sizeof(area));
        n = tcpopt_write(&w, &o);
        FUZZ_CHECK(n >= -1 && n <= 40);
        if (n > 0) {
            const uint16_t wrote = TCPOPT_P_MSS | TCPOPT_P_WSCALE | TCPOPT_P_SACK_OK |
                                   TCPOPT_P_SACK | TCPOPT_P_TS | TCPOPT_P_TFO;
            r = rd_init(area, (size_t)n);
            tcpopt_parse(&r, false, &back);
            FUZZ_CHECK(back.anomalies == 0);
            FUZZ_CHECK((back.present & wrote) == (o.present & wrote));
            if (o.present & TCPOPT_P_MSS)
                FUZZ_CHECK(back.mss == o.mss);
            if (o.present & TCPOPT_P_WSCALE)
                FUZZ_CHECK(back.wscale == o.wscale);
            if (o.present & TCPOPT_P_TS)
                FUZZ_CHECK(back.ts_val == o.ts_val && back.ts_ecr == o.ts_ecr);
            if (o.present & TCPOPT_P_SACK)
                FUZZ_CHECK(back.nsack == o.nsack &&
                           memcmp(back.sack, o.sack, o.nsack * sizeof(o.sack[0])) == 0);
            if (o.present & TCPOPT_P_TFO)
                FUZZ_CHECK(back.tfo_len == o.tfo_len && back.tfo_exp == o.tfo_exp &&
                           memcmp(back.tfo_cookie, o.tfo_cookie, o.tfo_len) == 0);
        }
    }
    return 0;
}
