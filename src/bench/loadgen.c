/* loadgen.c: tcpshake-loadgen, a bounded loopback handshake load for the live
 * benchmark (scripts/bench): N connect/accept/close cycles against a listener
 * of its own on 127.0.0.1, paced at R per second, never longer than a hard
 * time limit. Clients bind to 127.0.1.x in turn so that no 4-tuple repeats
 * (no TIME_WAIT reuse). Loopback only: it never sends anywhere else. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_SECONDS 20.0
#define CLIENT_ADDRS 250 /* 127.0.1.1 .. 127.0.1.250 */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int usage(FILE *f, int rc)
{
    fprintf(f, "usage: tcpshake-loadgen --count N --rate R [--port P] [--seconds S]\n"
               "N connect/accept/close cycles on loopback (127.0.1.x -> 127.0.0.1:P,\n"
               "default port 47000), paced at R per second (0 = as fast as possible),\n"
               "stopping after S seconds at most (default and maximum %.0f).\n"
               "Prints: \"cycles C errors E seconds T rate R\".\n",
            MAX_SECONDS);
    return rc;
}

int main(int argc, char **argv)
{
    unsigned long count = 0, i, errors = 0, done = 0;
    double rate = 0, limit = MAX_SECONDS, t0, t;
    int port = 47000, lfd, one = 1, a;
    struct sockaddr_in srv;

    for (a = 1; a < argc; a += 2) { /* OPTION VALUE pairs */
        const char *v = a + 1 < argc ? argv[a + 1] : NULL;
        if (strcmp(argv[a], "--help") == 0 || strcmp(argv[a], "-h") == 0)
            return usage(stdout, 0);
        if (!v)
            return usage(stderr, 2);
        if (strcmp(argv[a], "--count") == 0)
            count = strtoul(v, NULL, 10);
        else if (strcmp(argv[a], "--rate") == 0)
            rate = strtod(v, NULL);
        else if (strcmp(argv[a], "--port") == 0)
            port = atoi(v);
        else if (strcmp(argv[a], "--seconds") == 0)
            limit = strtod(v, NULL);
        else
            return usage(stderr, 2);
    }
    if (count == 0 || port <= 0 || port > 65535 || rate < 0)
        return usage(stderr, 2);
    if (limit <= 0 || limit > MAX_SECONDS)
        limit = MAX_SECONDS;

    memset(&srv, 0, sizeof(srv));
    srv.sin_family = AF_INET;
    srv.sin_port = htons((uint16_t)port);
    srv.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    lfd = socket(AF_INET, SOCK_STREAM, 0);
    if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(lfd, (struct sockaddr *)&srv, sizeof(srv)) != 0 || listen(lfd, 4096) != 0) {
        fprintf(stderr, "tcpshake-loadgen: listen on 127.0.0.1:%d: %s\n", port, strerror(errno));
        return 1;
    }

    t0 = now_s();
    for (i = 0; i < count; i++) {
        struct sockaddr_in cli;
        int cfd, afd;
        if (rate > 0) {
            /* Sleep until the cycle is due (cycles go in bursts of up to
             * 1 ms of schedule, so the pacing itself uses no CPU). */
            double due = t0 + (double)i / rate;
            t = now_s();
            if (due - t > 0.001) {
                double d = due - t;
                struct timespec ts = { (time_t)d, (long)((d - (double)(time_t)d) * 1e9) };
                nanosleep(&ts, NULL);
            }
        }
        if (now_s() - t0 > limit)
            break;
        memset(&cli, 0, sizeof(cli));
        cli.sin_family = AF_INET;
        cli.sin_addr.s_addr = htonl(0x7f000100u | (uint32_t)(1 + i % CLIENT_ADDRS));
        cfd = socket(AF_INET, SOCK_STREAM, 0);
        if (cfd < 0) {
            errors++;
            continue;
        }
#ifdef IP_BIND_ADDRESS_NO_PORT
        setsockopt(cfd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
#endif
        if (bind(cfd, (struct sockaddr *)&cli, sizeof(cli)) != 0 ||
            connect(cfd, (struct sockaddr *)&srv, sizeof(srv)) != 0) {
            errors++;
            close(cfd);
            continue;
        }
        afd = accept(lfd, NULL, NULL);
        /* The client closes first (FIN), then the server: a full close. */
        close(cfd);
        if (afd >= 0)
            close(afd);
        else
            errors++;
        done++;
    }
    t = now_s() - t0;
    close(lfd);
    printf("cycles %lu errors %lu seconds %.3f rate %.0f\n", done, errors, t,
           t > 0 ? (double)done / t : 0.0);
    return errors ? 1 : 0;
}
