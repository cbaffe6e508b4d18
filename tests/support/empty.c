/* Keeps the support library non-empty. */
typedef int tcpshake_testsupport_empty;
