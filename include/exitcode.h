/* exitcode.h: the process exit statuses, one per kind of failure.
 * README.md and the man page copy this table; scripts rely on the numbers. */
#ifndef TCPSHAKE_EXITCODE_H
#define TCPSHAKE_EXITCODE_H

#define EXIT_MAP(X)                                                              \
    X(OK, 0, "success")                                                          \
    X(USAGE, 2, "bad command line: unknown option, missing or bad argument")     \
    X(NOFILE, 3, "input file missing or unreadable")                             \
    X(NOTCAPTURE, 4, "input is not a pcap or pcapng capture file")               \
    X(TRUNCATED, 5, "capture file truncated mid-record (everything before it is reported)") \
    X(LINKTYPE, 6, "unsupported link type")                                      \
    X(BPF, 7, "BPF filter expression does not compile")                          \
    X(PRIV, 8, "needs root or CAP_NET_RAW+CAP_NET_ADMIN")                        \
    X(CAPTURE, 9, "capture device or read error")                                \
    X(OUTPUT, 10, "cannot write output file")                                    \
    X(NETWORK, 11, "network operation failed (socket, connect, firewall guard)") \
    X(INTERRUPTED, 130, "interrupted by Ctrl-C before the end; what was done is reported") \
    X(INTERNAL, 70, "internal error (out of memory)")

enum exit_status {
#define X(name, num, text) EXIT_##name = num,
    EXIT_MAP(X)
#undef X
};

#endif
