/* test_capture_live.c: live capture on lo through capture_open: activation,
 * timeouts, counters, breakloop, a missing device, and the "needs root"
 * message (checked by dropping to an unprivileged user in a child when run
 * as root). Exits 77 when it cannot capture and cannot test the refusal. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "capture.h"

#define NOBODY 65534

static struct capture *open_live(const char *dev, const char *bpf, enum capture_err *err,
                                 char *errbuf)
{
    struct capture_cfg cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.device = dev;
    cfg.bpf = bpf;
    cfg.timeout_ms = 50;
    cfg.immediate = true;
    return capture_open(&cfg, err, errbuf);
}

static void expect_perm_message(enum capture_err err, const char *errbuf)
{
    assert_int_equal(err, CAPTURE_ERR_PERM);
    assert_true(strncmp(errbuf, "needs root or CAP_NET_RAW+CAP_NET_ADMIN: lo: ", 45) == 0);
    assert_null(strchr(errbuf, '\n'));
}

static void test_live_lo(void **state)
{
    enum capture_err err;
    char errbuf[ERRBUF_SIZE];
    struct capture *c;
    struct frame f;
    uint64_t rx = 99, dr = 99, ifdr = 99;
    int rc, i;
    (void)state;
    /* Port 1 on lo: nothing should arrive, so reads time out. */
    c = open_live("lo", "tcp port 1", &err, errbuf);
    if (!c)
        fail_msg("open lo: %s", errbuf);
    assert_int_equal(capture_link_type(c), LINK_ETHERNET); /* lo is DLT_EN10MB on Linux */
    assert_true(capture_snaplen(c) > 0);
    assert_int_equal(capture_file_offset(c), -1);
    for (i = 0; i < 3; i++) {
        rc = capture_next(c, &f, &err, errbuf);
        assert_true(rc == CAPTURE_TIMEOUT || rc == CAPTURE_FRAME);
    }
    assert_int_equal(capture_stats(c, &rx, &dr, &ifdr), 0);
    assert_true(dr == 0);
    capture_breakloop(c);
    assert_int_equal(capture_next(c, &f, &err, errbuf), CAPTURE_EOF);
    capture_close(c);
}

/* A handshake with a listener on 127.0.0.1, port 0: three frames arrive. */
static void test_live_sees_handshake(void **state)
{
    enum capture_err err;
    char errbuf[ERRBUF_SIZE], bpf[64];
    struct capture *c;
    struct frame f;
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);
    int lfd, cfd, i, frames = 0;
    (void)state;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    lfd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(lfd >= 0);
    assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(lfd, 4), 0);
    assert_int_equal(getsockname(lfd, (struct sockaddr *)&sa, &len), 0);
    snprintf(bpf, sizeof(bpf), "tcp port %u", (unsigned)ntohs(sa.sin_port));
    c = open_live("lo", bpf, &err, errbuf);
    if (!c)
        fail_msg("open lo: %s", errbuf);
    cfd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(cfd >= 0);
    assert_int_equal(connect(cfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    for (i = 0; i < 40 && frames < 3; i++) { /* at most 2 s */
        int rc = capture_next(c, &f, &err, errbuf);
        assert_true(rc == CAPTURE_FRAME || rc == CAPTURE_TIMEOUT);
        if (rc == CAPTURE_FRAME) {
            assert_true(f.caplen >= 54 && f.ts_ns > 1500000000ull * 1000000000ull);
            frames++;
        }
    }
    assert_int_equal(frames, 3);
    close(cfd);
    close(lfd);
    capture_close(c);
}

static void test_live_bad_filter(void **state)
{
    enum capture_err err = CAPTURE_ERR_NONE;
    char errbuf[ERRBUF_SIZE];
    (void)state;
    assert_null(open_live("lo", "tcp prt 1", &err, errbuf));
    assert_int_equal(err, CAPTURE_ERR_BPF);
}

static void test_no_such_device(void **state)
{
    enum capture_err err = CAPTURE_ERR_NONE;
    char errbuf[ERRBUF_SIZE];
    (void)state;
    assert_null(open_live("nosuchdev0", NULL, &err, errbuf));
    assert_int_equal(err, CAPTURE_ERR_DEVICE);
    assert_true(strncmp(errbuf, "nosuchdev0: ", 12) == 0);
}

/* As root: a child drops to nobody and must be refused with the message. */
static void test_perm_denied_as_nobody(void **state)
{
    pid_t pid;
    int status;
    (void)state;
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        enum capture_err err = CAPTURE_ERR_NONE;
        char errbuf[ERRBUF_SIZE];
        struct capture *c;
        if (setgid(NOBODY) != 0 || setuid(NOBODY) != 0)
            _exit(3);
        c = open_live("lo", NULL, &err, errbuf);
        if (c)
            _exit(4);
        if (err != CAPTURE_ERR_PERM ||
            strncmp(errbuf, "needs root or CAP_NET_RAW+CAP_NET_ADMIN: lo: ", 45) != 0) {
            fprintf(stderr, "got %d: %s\n", (int)err, errbuf);
            _exit(5);
        }
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* Not privileged: the direct refusal. */
static void test_perm_denied_here(void **state)
{
    enum capture_err err = CAPTURE_ERR_NONE;
    char errbuf[ERRBUF_SIZE];
    (void)state;
    assert_null(open_live("lo", NULL, &err, errbuf));
    expect_perm_message(err, errbuf);
}

int main(void)
{
    const struct CMUnitTest live[] = {
        cmocka_unit_test(test_live_lo),
        cmocka_unit_test(test_live_sees_handshake),
        cmocka_unit_test(test_live_bad_filter),
        cmocka_unit_test(test_no_such_device),
    };
    const struct CMUnitTest as_root[] = {
        cmocka_unit_test(test_perm_denied_as_nobody),
    };
    const struct CMUnitTest unprivileged[] = {
        cmocka_unit_test(test_perm_denied_here),
    };
    enum capture_err err = CAPTURE_ERR_NONE;
    char errbuf[ERRBUF_SIZE];
    struct capture *probe = open_live("lo", NULL, &err, errbuf);
    int failed;

    if (probe) {
        capture_close(probe);
        failed = cmocka_run_group_tests(live, NULL, NULL);
        /* Only root can drop to another user to see the refusal. */
        if (geteuid() == 0)
            failed += cmocka_run_group_tests(as_root, NULL, NULL);
        return failed ? 1 : 0;
    }
    if (err == CAPTURE_ERR_PERM)
        return cmocka_run_group_tests(unprivileged, NULL, NULL);
    printf("SKIPPED: cannot capture on lo (%s)\n", errbuf);
    return 77;
}
