/* report_page_int.h: what the --report page's files share (private to the
 * core): report_page.c collects, report_page_svg.c draws the charts,
 * report_page_html.c writes the page, its tables and its embedded data. */
#ifndef TCPSHAKE_REPORT_PAGE_INT_H
#define TCPSHAKE_REPORT_PAGE_INT_H

#include <stdio.h>

#include "hsstats.h"
#include "pagestats.h"
#include "report.h"

/* Bins shown: the time buckets are combined k at a time (k a power of two)
 * until at most this many remain, so bars stay a few pixels wide. */
#define PAGE_BINS_MAX 256u
#define PAGE_TOP_ROWS 10u    /* rows of each "top" table */

/* Beside each server entry (pagestats.h topk). */
struct page_server {
    uint64_t failed;         /* refused, unanswered, half-open or aborted */
    struct chist syn_synack; /* us */
};

/* Beside each client entry: its failed connections by outcome. */
struct page_client {
    uint64_t out[HS__COUNT];
};

/* The run's words for the page head, copied from struct rpt_meta. */
#define PAGE_META_TEXT 1024u
struct page_meta {
    char command[16];
    char inputs[PAGE_META_TEXT];   /* files joined with ", "; or the interface */
    char filter[PAGE_META_TEXT];   /* BPF expression, "" for none */
};

/* Everything the writers need, ready at finish. */
struct page_view {
    const struct page_meta *meta;
    const struct run_stats *rs;
    const struct tracker_stats *ts;
    const struct hs_summary *hs;   /* may be NULL */
    const struct pagestats *ps;
    const struct topk *servers;
    const struct page_server *srv;
    const struct topk *clients;
    const struct page_client *cli;
    uint64_t t0_ns;                /* the first packet */
    uint64_t bin_ns;               /* width of a shown bin */
    size_t nbins;                  /* 0: nothing happened */
    const struct ps_bucket *bins;  /* nbins */
    uint64_t *alive;               /* nbins: alive per bin (carried) */
};

/* Outcomes in the order they are stacked and listed (enum hs_outcome). */
extern const unsigned page__outcome_order[HS__COUNT - 1];
/* A failed handshake: refused, unanswered, half-open, aborted. */
int page__failed(unsigned outcome);

/* The charts (report_page_svg.c): one <figure> each. */
void page__charts(FILE *o, const struct page_view *v);
/* The shared SVG <defs> (grey-print patterns), once per page. */
void page__svg_defs(FILE *o);

/* Text for people (report_page_html.c). */
/* Escape for HTML text and attribute values (svg_escape()). */
void page__esc(FILE *o, const char *s);
/* A duration: "0 s", "850 us", "1.25 ms", "3.5 s", "2 min 5 s". */
void page__dur(uint64_t ns, char out[64]);
/* UTC date and time of a packet time: "2026-12-03 05:08:54.123456". */
void page__utc(uint64_t ts_ns, char out[40]);
/* UTC wall-clock time of day, `decimals` fractional digits (0..6). */
void page__clock(uint64_t ts_ns, int decimals, char out[24]);

/* The numbers as a JSON data block (report_page_data.c). */
void page__data(FILE *o, const struct page_view *v);
/* The whole page. */
void page__write(FILE *o, const struct page_view *v);

#endif
