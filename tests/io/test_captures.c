/* test_captures.c: the bundled captures and tcpshake-gen: every committed
 * capture reads back with valid checksums and ordered timestamps, matches
 * what the generator writes today byte for byte, and the bench/synflood
 * modes are deterministic, self-consistent with their truth files, and fail
 * cleanly on bad arguments. */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "csum.h"
#include "netaddr.h"

#define T0_S 1704067200ull /* 2024-01-01T00:00:00Z */

static char src_dir[1024];
static char gen_path[1100];
static char tmp_dir[64];

/* --- a minimal independent frame walker: link header -> IP -> TCP -------- */

static uint16_t be16(const uint8_t *p) { return (uint16_t)((uint16_t)p[0] << 8 | p[1]); }

struct walked {
    int ip_ver;
    struct ip_addr src, dst;
    uint16_t sport, dport;
    uint8_t flags;
    const uint8_t *tcp;
    size_t seg_len; /* from the IP length field */
};

/* Offset of the IP header for a DLT, or -1. */
static int ip_offset(int dlt, const uint8_t *p, uint32_t caplen)
{
    switch (dlt) {
    case DLT_EN10MB:
        return caplen >= 14 && (be16(p + 12) == 0x0800 || be16(p + 12) == 0x86dd) ? 14 : -1;
    case DLT_LINUX_SLL:
        return caplen >= 16 ? 16 : -1;
    case DLT_LINUX_SLL2:
        return caplen >= 20 ? 20 : -1;
    case DLT_NULL:
    case DLT_LOOP:
        return caplen >= 4 ? 4 : -1;
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
        return 0;
    default:
        return -1;
    }
}

/* Walk one frame; checks the IPv4 header checksum on the way. Returns 0, or
 * 1 if the frame is cut before the end of the TCP segment. */
static int walk(int dlt, const struct pcap_pkthdr *h, const uint8_t *p, struct walked *w)
{
    int off = ip_offset(dlt, p, h->caplen);
    const uint8_t *ip;
    size_t ihl;
    assert_true(off >= 0);
    assert_true(h->caplen >= (uint32_t)off + 20);
    ip = p + off;
    memset(w, 0, sizeof(*w));
    w->ip_ver = ip[0] >> 4;
    if (w->ip_ver == 4) {
        ihl = (size_t)(ip[0] & 0x0f) * 4;
        assert_int_equal(ihl, 20);
        assert_int_equal(ip[9], 6);
        assert_int_equal(csum_ipv4_header(ip, ihl), 0);
        w->src.family = w->dst.family = IPADDR_V4;
        memcpy(w->src.bytes, ip + 12, 4);
        memcpy(w->dst.bytes, ip + 16, 4);
        w->seg_len = be16(ip + 2) - ihl;
        assert_int_equal(h->len, (uint32_t)off + be16(ip + 2));
    } else {
        assert_int_equal(w->ip_ver, 6);
        assert_true(h->caplen >= (uint32_t)off + 40);
        ihl = 40;
        assert_int_equal(ip[6], 6);
        w->src.family = w->dst.family = IPADDR_V6;
        memcpy(w->src.bytes, ip + 8, 16);
        memcpy(w->dst.bytes, ip + 24, 16);
        w->seg_len = be16(ip + 4);
        assert_int_equal(h->len, (uint32_t)off + 40 + w->seg_len);
    }
    w->tcp = ip + ihl;
    if (h->caplen < (uint32_t)off + ihl + 20)
        return 1;
    w->sport = be16(w->tcp);
    w->dport = be16(w->tcp + 2);
    w->flags = w->tcp[13];
    if (h->caplen < off + ihl + w->seg_len)
        return 1;
    assert_int_equal(csum_tcp(&w->src, &w->dst, w->tcp, w->seg_len), 0);
    return 0;
}

struct file_stats {
    uint64_t packets, cut, syn_only;
    int dlt;
    uint64_t first_ns, last_ns;
};

/* Read a whole file: ordered timestamps from 2024-01-01, valid checksums. */
static void check_file(const char *path, struct file_stats *st)
{
    char perr[PCAP_ERRBUF_SIZE];
    pcap_t *r = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, perr);
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc;
    memset(st, 0, sizeof(*st));
    if (!r)
        fail_msg("%s: %s", path, perr);
    st->dlt = pcap_datalink(r);
    while ((rc = pcap_next_ex(r, &h, &data)) == 1) {
        struct walked w;
        uint64_t ns = (uint64_t)h->ts.tv_sec * 1000000000ull + (uint64_t)h->ts.tv_usec;
        assert_true((uint64_t)h->ts.tv_sec >= T0_S);
        if (st->packets)
            assert_true(ns >= st->last_ns);
        else
            st->first_ns = ns;
        st->last_ns = ns;
        if (walk(st->dlt, h, data, &w) != 0) {
            assert_true(h->caplen < h->len);
            st->cut++;
        } else {
            assert_int_equal(h->caplen, h->len);
        }
        if (w.flags == 0x02)
            st->syn_only++;
        st->packets++;
    }
    assert_int_equal(rc, PCAP_ERROR_BREAK);
    pcap_close(r);
}

/* --- running tcpshake-gen ------------------------------------------------ */

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int run(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    int st;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    st = system(cmd);
    assert_true(st != -1 && WIFEXITED(st));
    return WEXITSTATUS(st);
}

static int files_equal(const char *a, const char *b)
{
    FILE *x = fopen(a, "rb"), *y = fopen(b, "rb");
    int ca, cb, same = 1;
    assert_non_null(x);
    assert_non_null(y);
    do {
        ca = fgetc(x);
        cb = fgetc(y);
        if (ca != cb)
            same = 0;
    } while (same && ca != EOF);
    fclose(x);
    fclose(y);
    return same;
}

static uint64_t json_u64(const char *json, const char *key)
{
    char pat[64];
    const char *p;
    snprintf(pat, sizeof(pat), "\"%s\":", key);
    p = strstr(json, pat);
    if (!p)
        fail_msg("no key %s in truth file", key);
    return strtoull(p + strlen(pat), NULL, 10);
}

static char *slurp_text(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *b = calloc(1, 65536);
    assert_non_null(f);
    assert_non_null(b);
    assert_true(fread(b, 1, 65535, f) > 0);
    fclose(f);
    return b;
}

static bool have_gen(void)
{
    return gen_path[0] && access(gen_path, X_OK) == 0;
}

/* --- tests --------------------------------------------------------------- */

/* Every committed capture is a valid file with good checksums. */
static void test_committed_captures_valid(void **state)
{
    char dir[1100], path[1400];
    DIR *d;
    struct dirent *e;
    int n = 0;
    (void)state;
    snprintf(dir, sizeof(dir), "%s/captures", src_dir);
    d = opendir(dir);
    if (!d)
        fail_msg("cannot open %s: %s", dir, strerror(errno));
    while ((e = readdir(d)) != NULL) {
        struct file_stats st;
        size_t l = strlen(e->d_name);
        if (l < 6 || strcmp(e->d_name + l - 5, ".pcap") != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        check_file(path, &st);
        assert_true(st.packets > 0);
        assert_int_equal(st.first_ns / 1000000000ull, T0_S); /* starts at T0 */
        if (strcmp(e->d_name, "truncated-snaplen.pcap") == 0)
            assert_int_equal(st.cut, st.packets); /* every frame cut at 54 */
        else
            assert_int_equal(st.cut, 0);
        n++;
    }
    closedir(d);
    assert_true(n >= 13);
}

/* Independent dissectors agree: tcpdump reads every capture, and tshark
 * finds every TCP checksum Good (1), or Unverified (2) where the capture cut
 * the segment. Skipped without tshark/tcpdump. */
static void test_external_dissectors(void **state)
{
    char dir[1100], path[1400], out[1400], line[64];
    DIR *d;
    struct dirent *e;
    bool have_tshark = run("command -v tshark >/dev/null 2>&1") == 0;
    bool have_tcpdump = run("command -v tcpdump >/dev/null 2>&1") == 0;
    (void)state;
    if (!have_tshark && !have_tcpdump)
        skip();
    snprintf(dir, sizeof(dir), "%s/captures", src_dir);
    snprintf(out, sizeof(out), "%s/tshark.out", tmp_dir);
    d = opendir(dir);
    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        bool cut = strcmp(e->d_name, "truncated-snaplen.pcap") == 0;
        FILE *f;
        int lines = 0;
        if (l < 6 || strcmp(e->d_name + l - 5, ".pcap") != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (have_tcpdump)
            assert_int_equal(run("tcpdump -nr '%s' >/dev/null 2>&1", path), 0);
        if (!have_tshark)
            continue;
        assert_int_equal(run("tshark -r '%s' -o tcp.check_checksum:TRUE -T fields "
                             "-e tcp.checksum.status > '%s' 2>/dev/null",
                             path, out), 0);
        f = fopen(out, "r");
        assert_non_null(f);
        while (fgets(line, sizeof(line), f)) {
            if (strcmp(line, cut ? "2\n" : "1\n") != 0)
                fail_msg("%s: tshark checksum status %s", e->d_name, line);
            lines++;
        }
        fclose(f);
        assert_true(lines > 0);
    }
    closedir(d);
    unlink(out);
}

/* The committed captures are exactly what the generator writes now, and
 * there is one per scenario. */
static void test_captures_up_to_date(void **state)
{
    char list[1400], line[512], committed[1400], fresh[1400];
    FILE *f;
    int n = 0;
    (void)state;
    if (!have_gen())
        skip();
    snprintf(list, sizeof(list), "%s/list.txt", tmp_dir);
    assert_int_equal(run("'%s' --list > '%s'", gen_path, list), 0);
    f = fopen(list, "r");
    assert_non_null(f);
    while (fgets(line, sizeof(line), f)) {
        char name[64];
        if (sscanf(line, "%63s", name) != 1)
            continue;
        snprintf(committed, sizeof(committed), "%s/captures/%s.pcap", src_dir, name);
        snprintf(fresh, sizeof(fresh), "%s/%s.pcap", tmp_dir, name);
        assert_int_equal(run("'%s' %s '%s'", gen_path, name, fresh), 0);
        if (access(committed, R_OK) != 0)
            fail_msg("%s missing: run scripts/gen-captures", committed);
        if (!files_equal(committed, fresh))
            fail_msg("%s differs from tcpshake-gen's output: run scripts/gen-captures", committed);
        /* ".pcap" on the scenario name is accepted too. */
        assert_int_equal(run("'%s' %s.pcap '%s'", gen_path, name, fresh), 0);
        assert_true(files_equal(committed, fresh));
        unlink(fresh);
        n++;
    }
    fclose(f);
    unlink(list);
    assert_true(n >= 13);
}

static void test_gen_usage_errors(void **state)
{
    (void)state;
    if (!have_gen())
        skip();
    assert_int_equal(run("'%s' >/dev/null 2>&1", gen_path), 2);
    assert_int_equal(run("'%s' no-such-scenario %s/x.pcap 2>/dev/null", gen_path, tmp_dir), 2);
    assert_int_equal(run("'%s' --bogus 2>/dev/null", gen_path), 2);
    assert_int_equal(run("'%s' refused /nonexistent-dir-tcpshake/x.pcap 2>/dev/null", gen_path), 10);
    assert_int_equal(run("'%s' bench 2>/dev/null", gen_path), 2);
    assert_int_equal(run("'%s' bench --connections 2>/dev/null", gen_path), 2);
    assert_int_equal(run("'%s' bench --connections x %s/b.pcap 2>/dev/null", gen_path, tmp_dir), 2);
    assert_int_equal(run("'%s' bench --rate 0 %s/b.pcap 2>/dev/null", gen_path, tmp_dir), 2);
    assert_int_equal(run("'%s' bench - 2>/dev/null", gen_path), 2);
    assert_int_equal(run("'%s' synflood %s/f.pcap 2>/dev/null", gen_path, tmp_dir), 2);
    assert_int_equal(run("'%s' --help >/dev/null", gen_path), 0);
    assert_int_equal(run("'%s' refused - | cmp -s - '%s/captures/refused.pcap'", gen_path, src_dir), 0);
}

/* bench: deterministic per seed; the truth file adds up and agrees with the
 * capture; the stream is valid throughout. */
static void test_bench(void **state)
{
    char a[256], b[256], c[256], truth[300];
    struct file_stats st;
    char *json;
    uint64_t total;
    (void)state;
    if (!have_gen())
        skip();
    snprintf(a, sizeof(a), "%s/bench-a.pcap", tmp_dir);
    snprintf(b, sizeof(b), "%s/bench-b.pcap", tmp_dir);
    snprintf(c, sizeof(c), "%s/bench-c.pcap", tmp_dir);
    assert_int_equal(run("'%s' bench --connections 3000 --seed 7 --rate 1000 '%s'", gen_path, a), 0);
    assert_int_equal(run("'%s' bench --connections 3000 --seed 7 --rate 1000 '%s'", gen_path, b), 0);
    assert_int_equal(run("'%s' bench --connections 3000 --seed 8 --rate 1000 '%s'", gen_path, c), 0);
    assert_true(files_equal(a, b));
    assert_false(files_equal(a, c));

    check_file(a, &st);
    assert_int_equal(st.dlt, DLT_EN10MB);
    assert_int_equal(st.cut, 0);
    snprintf(truth, sizeof(truth), "%s.truth.json", a);
    json = slurp_text(truth);
    assert_int_equal(json_u64(json, "connections"), 3000);
    assert_int_equal(json_u64(json, "seed"), 7);
    assert_int_equal(json_u64(json, "segments"), st.packets);
    assert_int_equal(json_u64(json, "first_ts_ns"), st.first_ns);
    assert_int_equal(json_u64(json, "last_ts_ns"), st.last_ns);
    assert_int_equal(json_u64(json, "ipv4") + json_u64(json, "ipv6"), 3000);
    total = json_u64(json, "complete") + json_u64(json, "refused") +
            json_u64(json, "unanswered") + json_u64(json, "half-open") +
            json_u64(json, "aborted") + json_u64(json, "mid-stream");
    assert_int_equal(total, 3000);
    /* A realistic mix: every outcome present, complete the majority. */
    assert_true(json_u64(json, "complete") > 1500);
    assert_true(json_u64(json, "refused") > 0);
    assert_true(json_u64(json, "unanswered") > 0);
    assert_true(json_u64(json, "half-open") > 0);
    assert_true(json_u64(json, "aborted") > 0);
    assert_true(json_u64(json, "mid-stream") > 0);
    assert_true(json_u64(json, "simultaneous") > 0);
    assert_true(json_u64(json, "simultaneous") < json_u64(json, "complete"));
    assert_true(json_u64(json, "ipv6") > 0);
    free(json);
    unlink(a);
    unlink(b);
    unlink(c);
    unlink(truth);
    snprintf(truth, sizeof(truth), "%s.truth.json", b);
    unlink(truth);
    snprintf(truth, sizeof(truth), "%s.truth.json", c);
    unlink(truth);
}

static int cmp_u32(const void *x, const void *y)
{
    uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    return a < b ? -1 : a > b;
}

/* synflood: N bare SYNs, N distinct sources, one target. */
static void test_synflood(void **state)
{
    char path[256], truth[300], perr[PCAP_ERRBUF_SIZE];
    struct file_stats st;
    pcap_t *r;
    struct pcap_pkthdr *h;
    const u_char *data;
    uint32_t *src;
    size_t n = 0, i;
    char *json;
    (void)state;
    if (!have_gen())
        skip();
    snprintf(path, sizeof(path), "%s/flood.pcap", tmp_dir);
    assert_int_equal(run("'%s' synflood --count 5000 --seed 3 '%s'", gen_path, path), 0);
    check_file(path, &st);
    assert_int_equal(st.packets, 5000);
    assert_int_equal(st.syn_only, 5000);

    src = calloc(5000, sizeof(*src));
    assert_non_null(src);
    r = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, perr);
    assert_non_null(r);
    while (pcap_next_ex(r, &h, &data) == 1) {
        struct walked w;
        assert_int_equal(walk(pcap_datalink(r), h, data, &w), 0);
        assert_int_equal(w.dport, 80);
        src[n++] = (uint32_t)w.src.bytes[0] << 24 | (uint32_t)w.src.bytes[1] << 16 |
                   (uint32_t)w.src.bytes[2] << 8 | w.src.bytes[3];
    }
    pcap_close(r);
    qsort(src, n, sizeof(*src), cmp_u32);
    for (i = 1; i < n; i++)
        assert_true(src[i] != src[i - 1]);
    free(src);

    snprintf(truth, sizeof(truth), "%s.truth.json", path);
    json = slurp_text(truth);
    assert_int_equal(json_u64(json, "unanswered"), 5000);
    assert_int_equal(json_u64(json, "complete"), 0);
    free(json);
    unlink(path);
    unlink(truth);
}

static int setup(void **state)
{
    const char *s = getenv("TCPSHAKE_SOURCE_DIR"), *bin = getenv("TCPSHAKE_BIN");
    (void)state;
    snprintf(src_dir, sizeof(src_dir), "%s", s ? s : ".");
    /* tcpshake-gen is built beside tcpshake. */
    if (bin) {
        const char *slash = strrchr(bin, '/');
        if (slash)
            snprintf(gen_path, sizeof(gen_path), "%.*s/tcpshake-gen", (int)(slash - bin), bin);
    }
    snprintf(tmp_dir, sizeof(tmp_dir), "/tmp/tcpshake-gen-test-XXXXXX");
    return mkdtemp(tmp_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return rmdir(tmp_dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_committed_captures_valid),
        cmocka_unit_test(test_external_dissectors),
        cmocka_unit_test(test_captures_up_to_date),
        cmocka_unit_test(test_gen_usage_errors),
        cmocka_unit_test(test_bench),
        cmocka_unit_test(test_synflood),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
