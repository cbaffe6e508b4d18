/* io_empty.c: keeps the I/O library non-empty while it grows. */
typedef int tcpshake_io_empty;
