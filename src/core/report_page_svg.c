/* report_page_svg.c: the --report page's charts, inline SVG drawn from the
 * shown bins (report_page.c) and the whole-capture histograms (hsstats.h).
 * Each chart is a <figure id="chart-..."> whose series are <g class="series"
 * data-series="NAME"> groups (the browser test looks for them). Colours are
 * the SVG ladder's (report_svg.c), which are the terminal's roles: client
 * blue, server orange, RST red; outcomes that could look alike in grey are
 * hatched or told apart by lightness, lines by dash patterns. Hovering a
 * bin shows its numbers (an SVG <title>): no script. */
#include <inttypes.h>
#include <string.h>

#include "report_page_int.h"

/* Geometry of every chart, in SVG units (the page scales it to its width). */
#define W 1040
#define ML 80           /* left margin: y labels */
#define MR 24
#define MT 34           /* top margin: the legend */
#define MB 44           /* bottom margin: two lines of time labels */
#define PW (W - ML - MR)

/* ---- scales ------------------------------------------------------------------ */

/* log2(v) for v >= 1 without libm: the top bit, then 20 fractional bits by
 * repeated squaring of the mantissa. */
static double log2_u(double v)
{
    double r = 0, bit = 1;
    int i;
    if (v < 1)
        return 0;
    while (v >= 2)
        v /= 2, r += 1;
    for (i = 0; i < 20; i++) {
        v *= v;
        bit /= 2;
        if (v >= 2)
            v /= 2, r += bit;
    }
    return r;
}

/* A round step near span / want: 1, 2 or 5 times a power of ten. */
static uint64_t nice_step(uint64_t span, uint64_t want)
{
    uint64_t p = 1, raw = span / want + (span % want != 0);
    for (;;) {
        if (raw <= p)
            return p;
        if (raw <= 2 * p)
            return 2 * p;
        if (raw <= 5 * p)
            return 5 * p;
        if (p > UINT64_MAX / 100)
            return p * 10;
        p *= 10;
    }
}

/* A time step (ns) for about 7 ticks over span: 1-2-5 below a minute,
 * then minutes and hours people count in. */
static uint64_t time_step(uint64_t span)
{
    static const uint64_t big[] = { 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800,
                                    21600, 43200, 86400, 172800, 604800 };
    const uint64_t s = UINT64_C(1000000000);
    size_t i;
    uint64_t st = nice_step(span, 7);
    if (st < 60 * s)
        return st;
    for (i = 0; i < sizeof(big) / sizeof(big[0]); i++)
        if (span / (big[i] * s) <= 8)
            return big[i] * s;
    return nice_step(span / (86400 * s) + 1, 7) * 86400 * s;
}

struct chart {
    FILE *o;
    int h;              /* total height */
    int ph;             /* plot height */
    const struct page_view *v;
    uint64_t span_ns;   /* bins * bin width */
};

static double x_of_bin(const struct chart *c, double bin)
{
    return ML + PW * bin / (double)(c->v->nbins ? c->v->nbins : 1);
}

static double y_lin(const struct chart *c, uint64_t val, uint64_t max)
{
    return MT + c->ph - (double)c->ph * (double)val / (double)(max ? max : 1);
}

/* ---- frame, axes, legend -------------------------------------------------------- */

static void chart_begin(struct chart *c, FILE *o, const struct page_view *v, const char *id,
                        const char *title, const char *caption, int h)
{
    c->o = o;
    c->v = v;
    c->h = h;
    c->ph = h - MT - MB;
    c->span_ns = v->bin_ns * v->nbins;
    fprintf(o, "<figure id=\"%s\"><figcaption><b>%s</b> %s</figcaption>\n"
               "<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"%s\">\n",
            id, title, caption, W, h, title);
}

static void chart_end(struct chart *c)
{
    fprintf(c->o, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" "
                  "class=\"axis\"/>\n</svg></figure>\n", ML, MT, PW, c->ph);
}

/* Time ticks under the plot: the offset from the first packet, and below
 * it the UTC time of day. */
static void time_axis(struct chart *c)
{
    uint64_t st = time_step(c->span_ns ? c->span_ns : 1), t;
    int dec = st >= UINT64_C(1000000000) ? 0 : st >= 100000000u ? 1 : st >= 10000000u ? 2
              : st >= 1000000u ? 3 : 6;
    int yb = MT + c->ph;
    for (t = 0; t <= c->span_ns; t += st) {
        double x = ML + PW * ((double)t / (double)(c->span_ns ? c->span_ns : 1));
        char off[64], clk[24];
        page__dur(t, off);
        page__clock(c->v->t0_ns + t, dec, clk);
        fprintf(c->o, "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\"/>"
                      "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">+%s</text>"
                      "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" class=\"clk\">%s</text>\n",
                x, x, MT, yb + 4, x, yb + 17, off, x, yb + 32, clk);
        if (t > UINT64_MAX - st)
            break;
    }
    fprintf(c->o, "<text x=\"2\" y=\"%d\">from start</text><text x=\"2\" y=\"%d\">UTC</text>\n",
            yb + 17, yb + 32);
}

/* Linear y axis from 0 to a round maximum; returns the maximum. */
static uint64_t count_axis(struct chart *c, uint64_t maxv, const char *unit)
{
    uint64_t st = nice_step(maxv ? maxv : 1, 4), top = st, y;
    while (top < maxv)
        top += st;
    for (y = 0; y <= top; y += st) {
        double py = y_lin(c, y, top);
        fprintf(c->o, "<line class=\"grid\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\"/>"
                      "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%" PRIu64 "</text>\n",
                ML, ML + PW, py, py, ML - 6, py + 4, y);
    }
    fprintf(c->o, "<text x=\"12\" y=\"%d\" transform=\"rotate(-90 12 %d)\" "
                  "text-anchor=\"middle\">%s</text>\n", MT + c->ph / 2, MT + c->ph / 2, unit);
    return top;
}

/* Legend entries along the top: a swatch (class `cls`, a line when `line`)
 * and a label. x advances by the label's rough width. */
static int legend(struct chart *c, int x, const char *cls, bool line, const char *label)
{
    if (line)
        fprintf(c->o, "<line class=\"%s\" x1=\"%d\" x2=\"%d\" y1=\"14\" y2=\"14\"/>", cls, x,
                x + 26);
    else
        fprintf(c->o, "<rect class=\"%s\" x=\"%d\" y=\"8\" width=\"14\" height=\"12\"/>", cls,
                x + 6);
    fprintf(c->o, "<text x=\"%d\" y=\"18\">%s</text>\n", x + 32, label);
    return x + 32 + 7 * (int)strlen(label) + 18;
}

/* ---- bars ------------------------------------------------------------------------ */

/* One stacked bar chart: series s of bin i has value val(i, s). */
typedef uint64_t (*bar_val)(const struct page_view *v, size_t bin, size_t series);

static void stacked_bars(struct chart *c, size_t nseries, const char *const *names,
                         const char *const *classes, bar_val val, uint64_t top)
{
    const struct page_view *v = c->v;
    double bw = (double)PW / (double)v->nbins, w = bw > 3 ? bw * 0.85 : bw;
    size_t s, i;
    for (s = 0; s < nseries; s++) {
        size_t points = 0;
        for (i = 0; i < v->nbins; i++)
            points += val(v, i, s) != 0;
        fprintf(c->o, "<g class=\"series\" data-series=\"%s\" data-points=\"%zu\">"
                      "<path class=\"%s\" d=\"", names[s], points, classes[s]);
        for (i = 0; i < v->nbins; i++) {
            uint64_t below = 0, here = val(v, i, s);
            size_t k;
            double y0, y1;
            if (!here)
                continue;
            for (k = 0; k < s; k++)
                below += val(v, i, k);
            y0 = y_lin(c, below, top);
            y1 = y_lin(c, below + here, top);
            fprintf(c->o, "M%.1f %.1fh%.2fv%.1fh%.2fz", x_of_bin(c, (double)i), y0, w,
                    y1 - y0, -w);
        }
        fputs("\"/></g>\n", c->o);
    }
}

/* Hover targets: one transparent column per non-empty bin with a title. */
static void hover_columns(struct chart *c, bool (*text)(const struct page_view *, size_t,
                                                        char *, size_t))
{
    char t[256], clk[24], off[64];
    size_t i;
    fputs("<g class=\"hover\" fill=\"transparent\">", c->o);
    for (i = 0; i < c->v->nbins; i++) {
        if (!text(c->v, i, t, sizeof(t)))
            continue;
        page__clock(c->v->t0_ns + c->v->bin_ns * i, 3, clk);
        page__dur(c->v->bin_ns * i, off);
        fprintf(c->o, "<rect x=\"%.1f\" y=\"%d\" width=\"%.2f\" height=\"%d\"><title>%s UTC "
                      "(+%s): %s</title></rect>",
                x_of_bin(c, (double)i), MT, (double)PW / (double)c->v->nbins, c->ph, clk, off, t);
    }
    fputs("</g>\n", c->o);
}

static uint64_t started_val(const struct page_view *v, size_t i, size_t s)
{
    return v->bins[i].started[page__outcome_order[s]];
}

static bool started_text(const struct page_view *v, size_t i, char *t, size_t cap)
{
    size_t s, n = 0;
    t[0] = '\0';
    for (s = 0; s < HS__COUNT - 1 && n < cap; s++) {
        uint64_t x = started_val(v, i, s);
        if (x)
            n += (size_t)snprintf(t + n, cap - n, "%s%" PRIu64 " %s", n ? ", " : "", x,
                                  hs_outcome_name((enum hs_outcome)page__outcome_order[s]));
    }
    return n > 0;
}

static void chart_started(FILE *o, const struct page_view *v)
{
    const char *names[HS__COUNT - 1], *classes[HS__COUNT - 1];
    char cls[HS__COUNT - 1][24], cap[200], d[64];
    struct chart c;
    uint64_t maxv = 0, top;
    size_t i, s;
    int x = ML;

    for (s = 0; s < HS__COUNT - 1; s++) {
        names[s] = hs_outcome_name((enum hs_outcome)page__outcome_order[s]);
        snprintf(cls[s], sizeof(cls[s]), "o-%s", names[s]);
        classes[s] = cls[s];
    }
    for (i = 0; i < v->nbins; i++) {
        uint64_t sum = 0;
        for (s = 0; s < HS__COUNT - 1; s++)
            sum += started_val(v, i, s);
        if (sum > maxv)
            maxv = sum;
    }
    page__dur(v->bin_ns, d);
    snprintf(cap, sizeof(cap), "connections by the time of their first segment, stacked by "
                               "outcome; one bar per %s", d);
    chart_begin(&c, o, v, "chart-started", "Handshakes started", cap, 300);
    top = count_axis(&c, maxv, "connections per bar");
    time_axis(&c);
    for (s = 0; s < HS__COUNT - 1; s++)
        x = legend(&c, x, classes[s], false, names[s]);
    stacked_bars(&c, HS__COUNT - 1, names, classes, started_val, top);
    hover_columns(&c, started_text);
    chart_end(&c);
}

static uint64_t rtx_val(const struct page_view *v, size_t i, size_t s)
{
    return s == 0 ? v->bins[i].syn_rtx : v->bins[i].synack_rtx;
}

static bool rtx_text(const struct page_view *v, size_t i, char *t, size_t cap)
{
    if (!v->bins[i].syn_rtx && !v->bins[i].synack_rtx)
        return false;
    snprintf(t, cap, "%" PRIu64 " SYN, %" PRIu64 " SYN+ACK retransmitted", v->bins[i].syn_rtx,
             v->bins[i].synack_rtx);
    return true;
}

static void chart_retransmits(FILE *o, const struct page_view *v)
{
    static const char *const names[2] = { "syn", "synack" };
    static const char *const classes[2] = { "r-syn", "r-synack" };
    struct chart c;
    uint64_t maxv = 0, top;
    size_t i;
    int x = ML;
    for (i = 0; i < v->nbins; i++)
        if (rtx_val(v, i, 0) + rtx_val(v, i, 1) > maxv)
            maxv = rtx_val(v, i, 0) + rtx_val(v, i, 1);
    chart_begin(&c, o, v, "chart-retransmits", "SYN and SYN+ACK retransmissions",
                "copies of a SYN (client) or SYN+ACK (server) sent again, at the time of the "
                "connection's last copy", 240);
    top = count_axis(&c, maxv, "retransmissions");
    time_axis(&c);
    x = legend(&c, x, "r-syn", false, "SYN (client)");
    legend(&c, x, "r-synack", false, "SYN+ACK (server)");
    stacked_bars(&c, 2, names, classes, rtx_val, top);
    hover_columns(&c, rtx_text);
    chart_end(&c);
}

/* ---- handshake times --------------------------------------------------------------- */

struct logax {
    double lo, hi;      /* log2 of the bounds, us */
};

/* Decade bounds around [mn, mx] microseconds; ticks at each decade. */
static void log_range(struct logax *a, uint64_t mn, uint64_t mx)
{
    uint64_t lo = 1, hi = 10;
    while (lo * 10 <= mn && lo < UINT64_C(1000000000000))
        lo *= 10;
    while (hi <= mx && hi < UINT64_C(10000000000000))
        hi *= 10;
    if (hi <= lo)
        hi = lo * 10;
    a->lo = log2_u((double)lo);
    a->hi = log2_u((double)hi);
}

static double log_pos(const struct logax *a, uint64_t us)
{
    double l = log2_u((double)(us ? us : 1));
    if (l < a->lo)
        l = a->lo;
    if (l > a->hi)
        l = a->hi;
    return (l - a->lo) / (a->hi - a->lo);
}

/* Decade ticks along y (vertical) or x. */
static void log_ticks(struct chart *c, const struct logax *a, bool vertical)
{
    uint64_t us;
    for (us = 1; us <= UINT64_C(10000000000000); us *= 10) {
        double l = log2_u((double)us), f;
        char d[64];
        if (l < a->lo - 1e-9 || l > a->hi + 1e-9)
            continue;
        f = (l - a->lo) / (a->hi - a->lo);
        page__dur(us * 1000u, d);
        if (vertical) {
            double y = MT + c->ph - c->ph * f;
            fprintf(c->o, "<line class=\"grid\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\"/>"
                          "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>\n",
                    ML, ML + PW, y, y, ML - 6, y + 4, d);
        } else {
            double x = ML + PW * f;
            fprintf(c->o, "<line class=\"grid\" x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\"/>"
                          "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>\n",
                    x, x, MT, MT + c->ph + 4, x, MT + c->ph + 18, d);
        }
    }
}

static void chart_half_times(FILE *o, const struct page_view *v, int half)
{
    static const unsigned pm[3] = { 500, 900, 990 };
    static const char *const pname[3] = { "p50", "p90", "p99" };
    const char *lcls = half == PS_SYN_SYNACK ? "l-server" : "l-client";
    struct chart c;
    struct logax a;
    uint64_t mn = UINT64_MAX, mx = 0;
    size_t i, p;
    int x = ML;
    char cls[32];

    for (i = 0; i < v->nbins; i++) {
        const struct chist *h = &v->bins[i].half[half];
        if (!h->count)
            continue;
        if (chist_percentile(h, 500) < mn)
            mn = chist_percentile(h, 500);
        if (chist_percentile(h, 990) > mx)
            mx = chist_percentile(h, 990);
    }
    if (mx == 0)
        mn = 1, mx = 1000;
    log_range(&a, mn, mx);
    if (half == PS_SYN_SYNACK)
        chart_begin(&c, o, v, "chart-syn-synack", "SYN &#8594; SYN+ACK over time",
                    "the server's answer as seen at the capture point: p50, p90 and p99 of "
                    "the connections begun in each bin (log scale)", 240);
    else
        chart_begin(&c, o, v, "chart-synack-ack", "SYN+ACK &#8594; ACK over time",
                    "the client's completing ACK as seen at the capture point: p50, p90 and "
                    "p99 per bin (log scale)", 240);
    log_ticks(&c, &a, true);
    time_axis(&c);
    for (p = 0; p < 3; p++) {
        size_t points = 0;
        bool pen = false;
        snprintf(cls, sizeof(cls), "%s %s", lcls, pname[p]);
        x = legend(&c, x, cls, true, pname[p]);
        for (i = 0; i < v->nbins; i++)
            points += v->bins[i].half[half].count > 0;
        fprintf(o, "<g class=\"series\" data-series=\"%s\" data-points=\"%zu\"><path class=\"%s\" "
                   "d=\"", pname[p], points, cls);
        for (i = 0; i < v->nbins; i++) {
            const struct chist *h = &v->bins[i].half[half];
            double px, py;
            if (!h->count) {
                pen = false; /* a gap: no handshake began in this bin */
                continue;
            }
            px = x_of_bin(&c, (double)i + 0.5);
            py = MT + c.ph - c.ph * log_pos(&a, chist_percentile(h, pm[p]));
            /* A lone point still shows: a short stroke. */
            fprintf(o, "%c%.1f %.1f", pen ? 'L' : 'M', px, py);
            pen = true;
        }
        fputs("\"/>", o);
        /* Few points: a mark at each, so a lone bin shows (shapes differ in grey). */
        for (i = 0; i < v->nbins && points <= 64; i++) {
            const struct chist *h = &v->bins[i].half[half];
            double px, py;
            if (!h->count)
                continue;
            px = x_of_bin(&c, (double)i + 0.5);
            py = MT + c.ph - c.ph * log_pos(&a, chist_percentile(h, pm[p]));
            if (p == 0)
                fprintf(o, "<circle class=\"%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\"/>", lcls, px, py);
            else if (p == 1)
                fprintf(o, "<rect class=\"%s mk\" x=\"%.1f\" y=\"%.1f\" width=\"7\" height=\"7\"/>",
                        lcls, px - 3.5, py - 3.5);
            else
                fprintf(o, "<path class=\"%s mk\" d=\"M%.1f %.1fl4 7h-8z\"/>", lcls, px, py - 4.5);
        }
        fputs("</g>\n", o);
    }
    chart_end(&c);
}

/* The whole capture's distribution of both halves as cumulative curves
 * over a log time axis, from the summary's own histograms. */
static void chart_distribution(FILE *o, const struct page_view *v)
{
    static const char *const names[2] = { "syn_synack", "synack_ack" };
    static const char *const labels[2] = { "SYN &#8594; SYN+ACK", "SYN+ACK &#8594; ACK" };
    static const char *const classes[2] = { "l-server p50", "l-client p90" };
    const struct hist *h[2] = { NULL, NULL };
    struct chart c;
    struct logax a;
    uint64_t mn = UINT64_MAX, mx = 0, y;
    int s, x = ML;

    if (v->hs) {
        h[0] = &v->hs->syn_synack;
        h[1] = &v->hs->synack_ack;
    }
    for (s = 0; s < 2; s++) {
        if (!h[s] || !h[s]->count)
            continue;
        if (h[s]->min < mn)
            mn = h[s]->min;
        if (h[s]->max > mx)
            mx = h[s]->max;
    }
    if (mx == 0)
        mn = 1, mx = 1000;
    log_range(&a, mn, mx);
    chart_begin(&c, o, v, "chart-distribution", "Handshake times, whole capture",
                "share of handshakes at or below a time (log scale); each curve's p50, p90 "
                "and p99 are where it crosses those lines", 300);
    log_ticks(&c, &a, false);
    for (y = 0; y <= 100; y += 25) {
        double py = MT + c.ph - c.ph * (double)y / 100.0;
        fprintf(o, "<line class=\"grid\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\"/>"
                   "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%" PRIu64 " %%</text>\n",
                ML, ML + PW, py, py, ML - 6, py + 4, y);
    }
    for (y = 90; y <= 99; y += 9) {
        double py = MT + c.ph - c.ph * (double)y / 100.0;
        fprintf(o, "<line class=\"grid\" stroke-dasharray=\"4 3\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" "
                   "y2=\"%.1f\"/><text x=\"%d\" y=\"%.1f\">p%" PRIu64 "</text>\n",
                ML, ML + PW, py, py, ML + PW - 26, py - 3, y);
    }
    fprintf(o, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">handshake half time</text>\n",
            ML + PW / 2, MT + c.ph + 36);
    for (s = 0; s < 2; s++) {
        size_t b, points = 0;
        uint64_t cum = 0;
        double px;
        x = legend(&c, x, classes[s], true, labels[s]);
        fprintf(o, "<g class=\"series\" data-series=\"%s\" data-points=\"%" PRIu64 "\">"
                   "<path class=\"%s\" d=\"", names[s], h[s] ? h[s]->count : 0, classes[s]);
        if (h[s] && h[s]->count) {
            px = ML + PW * log_pos(&a, h[s]->min);
            fprintf(o, "M%.1f %d", px, MT + c.ph);
            for (b = 0; b < HIST_BUCKETS; b++) {
                uint64_t hi;
                if (!h[s]->bucket[b])
                    continue;
                cum += h[s]->bucket[b];
                hi = hist_bucket_high(b);
                if (hi > h[s]->max)
                    hi = h[s]->max;
                px = ML + PW * log_pos(&a, hi);
                fprintf(o, "H%.1fV%.1f", px,
                        MT + c.ph - c.ph * (double)cum / (double)h[s]->count);
                points++;
            }
        }
        fputs("\"/></g>\n", o);
    }
    chart_end(&c);
}

/* ---- alive ------------------------------------------------------------------------- */

static void chart_alive(FILE *o, const struct page_view *v)
{
    struct chart c;
    uint64_t maxv = 0, top, ev = 0, to = 0;
    size_t i;
    int x = ML;
    char lab[2][48];

    for (i = 0; i < v->nbins; i++) {
        if (v->alive[i] > maxv)
            maxv = v->alive[i];
        ev += v->bins[i].evicted;
        to += v->bins[i].timed_out;
    }
    chart_begin(&c, o, v, "chart-alive", "Connections alive",
                "connections begun and not yet ended (most at once per bin); marks where the "
                "table was full and a connection was evicted, and where one timed out", 260);
    /* Headroom for the two rows of marks at the top. */
    top = count_axis(&c, maxv + maxv / 4 + 1, "connections");
    time_axis(&c);
    snprintf(lab[0], sizeof(lab[0]), "evicted (%" PRIu64 ")", ev);
    snprintf(lab[1], sizeof(lab[1]), "timed out (%" PRIu64 ")", to);
    x = legend(&c, x, "alive", false, "alive");
    x = legend(&c, x, "m-evicted", false, lab[0]);
    legend(&c, x, "m-timeout", false, lab[1]);
    fprintf(o, "<g class=\"series\" data-series=\"alive\" data-points=\"%zu\"><path "
               "class=\"alive\" d=\"M%d %d", v->nbins, ML, MT + c.ph);
    for (i = 0; i < v->nbins; i++)
        fprintf(o, "V%.1fH%.1f", y_lin(&c, v->alive[i], top), x_of_bin(&c, (double)i + 1));
    fprintf(o, "V%dZ\"/></g>\n", MT + c.ph);
    fprintf(o, "<g class=\"series\" data-series=\"evicted\" data-points=\"%" PRIu64 "\">", ev);
    for (i = 0; i < v->nbins; i++)
        if (v->bins[i].evicted) {
            double px = x_of_bin(&c, (double)i + 0.5);
            fprintf(o, "<path class=\"m-evicted\" d=\"M%.1f %dl-5 -9h10z\"><title>%" PRIu64
                       " evicted</title></path>", px, MT + 12, v->bins[i].evicted);
        }
    fprintf(o, "</g>\n<g class=\"series\" data-series=\"timed_out\" data-points=\"%" PRIu64
               "\">", to);
    for (i = 0; i < v->nbins; i++)
        if (v->bins[i].timed_out) {
            double px = x_of_bin(&c, (double)i + 0.5);
            fprintf(o, "<circle class=\"m-timeout\" cx=\"%.1f\" cy=\"%d\" r=\"4\"><title>%" PRIu64
                       " timed out</title></circle>", px, MT + 22, v->bins[i].timed_out);
        }
    fputs("</g>\n", o);
    chart_end(&c);
}

void page__svg_defs(FILE *o)
{
    fputs("<svg width=\"0\" height=\"0\" style=\"position:absolute\" aria-hidden=\"true\"><defs>\n"
          "<pattern id=\"p-refused\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
          "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#d00000\"/>"
          "<rect width=\"2\" height=\"6\" fill=\"#fff\"/></pattern>\n"
          "<pattern id=\"p-half-open\" width=\"5\" height=\"5\" patternUnits=\"userSpaceOnUse\" "
          "patternTransform=\"rotate(-45)\"><rect width=\"5\" height=\"5\" fill=\"#f59e0b\"/>"
          "<rect width=\"1.2\" height=\"5\" fill=\"#7c4a03\"/></pattern>\n"
          "<pattern id=\"p-synack\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\" "
          "patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#c2410c\"/>"
          "<rect width=\"2\" height=\"6\" fill=\"#fff\"/></pattern>\n"
          "</defs></svg>\n", o);
}

void page__charts(FILE *o, const struct page_view *v)
{
    fputs("<h2 id=\"when\">When</h2>\n", o);
    if (v->nbins == 0)
        fputs("<p class=\"mute\">No connection: the charts are empty.</p>\n", o);
    chart_started(o, v);
    chart_half_times(o, v, PS_SYN_SYNACK);
    chart_half_times(o, v, PS_SYNACK_ACK);
    chart_distribution(o, v);
    chart_retransmits(o, v);
    chart_alive(o, v);
}
