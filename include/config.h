/* config.h: every tunable limit of tcpshake, with its unit and the reason for it.
 * Most-likely-to-change first (p0f config.h habit). */
#ifndef TCPSHAKE_CONFIG_H
#define TCPSHAKE_CONFIG_H

#define TCPSHAKE_VERSION "0.1.0"

/* Connection table capacity (--max-conns). 262144 entries keep the table's
 * resident size modest; pages of a calloc'ed slab are touched only when used. */
#define CFG_MAX_CONNS_DEFAULT 262144u
#define CFG_MAX_CONNS_MIN 16u
#define CFG_MAX_CONNS_MAX 67108864u

/* Timeouts in seconds of packet time, Linux conntrack's defaults
 * (nf_conntrack_tcp_timeout_*; docs/SEMANTICS.md section 3). */
#define CFG_TO_SYN_SENT_S 120u   /* unanswered SYN decided after this */
#define CFG_TO_SYN_RECV_S 60u    /* half-open decided after this */
#define CFG_TO_ESTABLISHED_S 432000u /* 5 days */
#define CFG_TO_FIN_WAIT_S 120u
#define CFG_TO_CLOSE_WAIT_S 60u
#define CFG_TO_LAST_ACK_S 30u
#define CFG_TO_TIME_WAIT_S 120u  /* 2 MSL with MSL = 1 min as conntrack uses */
#define CFG_TO_CLOSE_S 10u       /* an ended entry lingers to absorb stragglers */

/* How often (packet time, seconds) the tracker sweeps for expired entries. */
#define CFG_EXPIRE_SWEEP_S 1u
/* The memory of forgotten connections (docs/STATES.md "Connections the
 * table forgot"): 20-byte fingerprints in CM_GENS = 4 generations, each
 * sized to last this long at the rate seen, so that it covers at least 3 s
 * (a SYN's first two retransmissions: 1 s, then 2 s later); the arena is
 * capped at this many MiB (touched only as the rate needs). */
#define CFG_MEMORY_SPAN_MS 1000u
#define CFG_MEMORY_MB_DEFAULT 32u

/* Decoder bounds. */
#define CFG_MAX_VLAN_TAGS 4u     /* stacked 802.1Q/802.1ad tags walked */
#define CFG_MAX_MPLS_LABELS 8u   /* MPLS label stack entries walked */
#define CFG_MAX_IPV6_EXT 8u      /* IPv6 extension headers walked (RFC 8200 sec 4.1) */
#define CFG_MAX_TUNNELS 2u       /* encapsulations (IP-in-IP, GRE, VXLAN, GENEVE,
                                    Teredo) walked to the inner TCP; a deeper one
                                    is unsupported (docs/CONFORMANCE.md) */

/* Largest frame any code path handles; libpcap's MAXIMUM_SNAPLEN. */
#define CFG_MAX_FRAME 262144u

/* Live capture defaults. */
#define CFG_LIVE_SNAPLEN 262144
#define CFG_LIVE_BUFFER_MB 32    /* enough for a burst of handshakes on lo */
#define CFG_LIVE_TIMEOUT_MS 100

/* Teaching views (report_ladder.c, report_svg.c). Reporters keep no
 * history, so these bound what the ladder and the SVG hold; what does not
 * fit is counted and said, never silently lost. Rows are ~0.5 KiB each
 * (an --explain sentence included). */
#define CFG_LADDER_OPEN 64u      /* connections `read --ladder` holds rows for at
                                    once (~1 MiB); beyond, the oldest is drawn early
                                    and its later rows form a "(continued)" block */
#define CFG_LADDER_HEAD 24u      /* rows kept from a connection's start (the handshake) */
#define CFG_LADDER_TAIL 8u       /* and from its end (the close); the middle is counted */
#define CFG_LADDER_RECENT 256u   /* drawn connection ids remembered to say "(continued)" */
#define CFG_LADDER_MAX_BLOCKS 1000u /* `read --ladder` draws this many blocks; after
                                    that only each connection's record line, so a
                                    huge capture cannot print millions of lines */
#define CFG_TIME_JUMP_NS (60ull * 1000000000ull) /* a frame stamped more than a minute
                                        ahead (less than the shortest handshake timeout,
                                        SYN_SENT's 120 s) moves the clock only once the
                                        next frame agrees (pipeline.c; docs/STATES.md) */
#define CFG_FILTER_CONNS 65536u      /* --outcome/--slower-than: connections held
                                        undecided at once (a power of two); beyond,
                                        a connection is decided at its next event */
#define CFG_FILTER_HELD_PER_CONN 64u /* events held per undecided connection */
#define CFG_FILTER_HELD_TOTAL 65536u /* in all (~30 MiB at most); beyond, counted */
#define CFG_SVG_MAX_CONNS 64u    /* connections drawn in one --svg file */
#define CFG_SVG_MAX_ROWS 512u    /* arrows drawn in one --svg file (~60 slides' worth) */
/* --html (report_html.c): the page embeds the NDJSON of the connections it
 * shows, so these bound its size; the page says what was left out. */
#define CFG_HTML_MAX_CONNS 100u  /* connections in the page's picker (the first
                                    ones, plus the one --conn names) */
#define CFG_HTML_MAX_SEGS 400u   /* segments kept per connection (a bulk transfer
                                    is cut after them: ~160 KiB of NDJSON) */
#define CFG_HTML_MAX_BYTES (4u * 1024u * 1024u) /* NDJSON embedded in all: the
                                    page stays under ~5 MiB whatever the capture */
#define CFG_SDIAG_MAX_STEPS 256u /* --state-diagram: transitions drawn */

#define ERRBUF_SIZE 512

#endif
