/* pcapng_read.h: tcpshake's own pcapng file reader, for the valid files
 * libpcap 1.10 refuses: interfaces of different link types or snap lengths
 * (issue 15). capture_pcap.c switches to it only when libpcap gives up on
 * such an interface, at the block where it stopped, so every frame before
 * comes from libpcap and every frame after from here, decoded with its own
 * interface's link type. The bytes are parsed by the pure pcapng_dec.c;
 * this file reads blocks and applies the BPF filter per link type. */
#ifndef TCPSHAKE_PCAPNG_READ_H
#define TCPSHAKE_PCAPNG_READ_H

#include <stdbool.h>
#include <stdint.h>

#include <pcap/pcap.h>

#include "capture.h"

struct ngread;

/* libpcap's error text when it refused an interface this reader accepts. */
bool ngread_can_take_over(const char *pcap_error);
/* Read the file open as `fd` (taken over, closed by ngread_close) from its
 * start: blocks before byte `from` (a block boundary) only describe the
 * interfaces; packets from `from` on are handed out. `bpf` (may be NULL)
 * is compiled for each link type met. NULL with *err and a line naming
 * `name` in errbuf if the blocks before `from` cannot be read again. */
struct ngread *ngread_open(int fd, const char *name, long long from, const char *bpf,
                           enum capture_err *err, char errbuf[ERRBUF_SIZE]);
/* A pipe cannot be read again: libpcap reads it through ngwatch_file(),
 * which hands the bytes on and keeps a copy of every Section Header and
 * Interface Description Block (at most NGWATCH_MAX_KEPT bytes of them), so
 * that ngread_resume() can take over where libpcap stopped. */
#define NGWATCH_MAX_KEPT (1024u * 1024u)
struct ngwatch;
struct ngwatch *ngwatch_new(int fd);
/* A read-only FILE over the fd (ftello works; fclose leaves the fd open). */
FILE *ngwatch_file(struct ngwatch *w);
void ngwatch_free(struct ngwatch *w);
/* Go on reading `f` (libpcap's FILE from ngwatch_file(), left open), at
 * byte `from`, with the interfaces the kept blocks before it describe.
 * NULL if the kept blocks do not reach exactly there. */
struct ngread *ngread_resume(FILE *f, const struct ngwatch *w, const char *name, long long from,
                             const char *bpf);
/* CAPTURE_FRAME (*lt is the frame's interface's link type; data valid
 * until the next call), CAPTURE_EOF, or CAPTURE_ERROR with *err and a
 * line: damaged (READ), cut (TRUNCATED), filter (BPF). */
int ngread_next(struct ngread *r, struct frame *out, enum link_type *lt, enum capture_err *err,
                char errbuf[ERRBUF_SIZE]);
/* Bytes of the file consumed (after the last block read). */
long long ngread_offset(const struct ngread *r);
/* A libpcap handle on a bare classic pcap header of `linktype` (written
 * into hdr, which must outlive the handle) with no record: a pcapng
 * section without interfaces reads as this empty capture, and filters are
 * compiled on it as for a saved file. NULL with pe. */
pcap_t *ngread_bare_handle(uint8_t hdr[24], uint16_t linktype, bool big_endian,
                           char pe[PCAP_ERRBUF_SIZE]);
void ngread_close(struct ngread *r);

#endif
