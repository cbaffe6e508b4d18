/* pcapfile.h: writes pcap files through libpcap (pcap_open_dead + pcap_dump)
 * with nanosecond timestamps: the project's own capture writer, used by the
 * scenario generator, `craft --write` and `watch -w`. */
#ifndef TCPSHAKE_PCAPFILE_H
#define TCPSHAKE_PCAPFILE_H

#include <stdbool.h>

#include "config.h"
#include "frame.h"
#include "linktype.h"

struct pcapfile;

/* DLT number for writing a link type (LINK_RAW -> LINKTYPE_RAW 101 ...); -1 if none. */
int pcapfile_dlt_for(enum link_type lt);
/* Create `path` ("-" = stdout). snaplen 0 = 262144. NULL + errbuf on failure. */
struct pcapfile *pcapfile_create(const char *path, enum link_type lt, int snaplen,
                                 char errbuf[ERRBUF_SIZE]);
/* Same, for a raw DLT number (watch -w copies the capture's own DLT). The
 * LINKTYPE_RAW number 101 is accepted for DLT_RAW. A DLT with no savefile
 * link type fails and leaves no file behind. */
struct pcapfile *pcapfile_create_dlt(const char *path, int dlt, int snaplen,
                                     char errbuf[ERRBUF_SIZE]);
/* Same, naming the capture interface (written into a pcapng file's
 * interface block). A path ending in ".pcapng" writes pcapng, anything else
 * pcap. */
struct pcapfile *pcapfile_create_iface(const char *path, int dlt, int snaplen,
                                       const char *if_name, char errbuf[ERRBUF_SIZE]);
/* True when writing pcapng. */
bool pcapfile_is_pcapng(const struct pcapfile *w);
/* Write one frame with a comment (pcapng: the packet's opt_comment, which
 * Wireshark shows; pcap has no place for it and drops it). */
int pcapfile_write_comment(struct pcapfile *w, const struct frame *f, const char *comment);
/* Write one frame (caplen bytes of data, wirelen as the original length).
 * The record keeps min(caplen, snaplen) bytes, as a capture with that
 * snaplen would, and an original length of at least that. ts_ns must fit the
 * format's 32-bit seconds (libpcap reads them as signed: until 2038). 0, or
 * -1 after a write error (the error text comes from pcapfile_close). */
int pcapfile_write(struct pcapfile *w, const struct frame *f);
/* Push what is buffered to the file (watch -U: packet-buffered, so another
 * program can read the file while it grows). 0, or -1 after a write error. */
int pcapfile_flush(struct pcapfile *w);
/* Bytes in the file so far, buffered ones included (rotation by size). */
long long pcapfile_bytes(const struct pcapfile *w);
/* Flush and close; 0 or -1 with errbuf. Safe on NULL. */
int pcapfile_close(struct pcapfile *w, char errbuf[ERRBUF_SIZE]);

#endif
