/* report_ladder.c: the --ladder reporter: one sequence diagram per
 * connection (ladder.h draws it), a record line per connection, the text
 * summary.
 *
 * Two ways to meet interleaved connections with bounded memory:
 * - default (read): rows are held per connection and each connection is
 *   drawn as one block when its record is emitted, so a teacher sees each
 *   handshake whole. At most CFG_LADDER_OPEN connections are held; a new
 *   one beyond that draws the oldest held block early, and that
 *   connection's later rows become a "(continued)" block. A connection
 *   keeps its first CFG_LADDER_HEAD rows and its last CFG_LADDER_TAIL;
 *   the rows between are counted and drawn as one "not kept" line. After
 *   CFG_LADDER_MAX_BLOCKS blocks, a note, then only record lines.
 * - RPT_STREAM (watch, demo): each row is drawn at once; the lane header
 *   is drawn again whenever the row belongs to another connection than the
 *   previous one. Nothing is held.
 * A one-connection debug session looks the same either way. */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ladder.h"
#include "report.h"
#include "report_int.h"

#define LADDER_ROWS (CFG_LADDER_HEAD + CFG_LADDER_TAIL)

struct held {
    bool used;
    uint64_t age;               /* order of opening: the oldest is drawn first */
    struct ladder_conn head;
    bool continued;
    uint64_t total;             /* rows seen; head rows + tail ring + dropped */
    struct ladder_row *rows;    /* LADDER_ROWS: [0, HEAD) first rows, then a ring */
};

struct ladder_rep {
    struct reporter base;
    uint64_t only;
    int width;                  /* report_ladder_set_width(); 0: no limit */
    /* stream mode */
    bool have_last;
    uint64_t last_id;
    struct ladder_conn cur;     /* header of the block being streamed */
    struct ladder_style cur_style;
    /* block mode */
    struct held held[CFG_LADDER_OPEN];
    uint64_t next_age;
    struct ladder_row *pool;
    struct ladder_row scratch;
    uint64_t blocks_drawn;      /* bounded by CFG_LADDER_MAX_BLOCKS */
    /* ids drawn recently, to say "(continued)" */
    uint64_t recent[CFG_LADDER_RECENT];
    size_t recent_n, recent_pos;
};

static bool recent_has(const struct ladder_rep *t, uint64_t id)
{
    size_t i;
    for (i = 0; i < t->recent_n; i++)
        if (t->recent[i] == id)
            return true;
    return false;
}

static void recent_add(struct ladder_rep *t, uint64_t id)
{
    if (recent_has(t, id))
        return;
    t->recent[t->recent_pos] = id;
    t->recent_pos = (t->recent_pos + 1) % CFG_LADDER_RECENT;
    if (t->recent_n < CFG_LADDER_RECENT)
        t->recent_n++;
}

static bool wanted(const struct ladder_rep *t, uint64_t id)
{
    return t->only == 0 || t->only == id;
}

/* ---- block mode ---------------------------------------------------------- */

static struct held *held_find(struct ladder_rep *t, uint64_t id)
{
    size_t i;
    for (i = 0; i < CFG_LADDER_OPEN; i++)
        if (t->held[i].used && t->held[i].head.id == id)
            return &t->held[i];
    return NULL;
}

/* Draw a held block (rows in order, the dropped count between head and
 * tail) and free its slot. */
static void held_draw(struct ladder_rep *t, struct held *h, const struct ladder_conn *end)
{
    struct ladder_style s;
    uint64_t kept_head = h->total < CFG_LADDER_HEAD ? h->total : CFG_LADDER_HEAD;
    uint64_t rest = h->total - kept_head;
    uint64_t in_tail = rest < CFG_LADDER_TAIL ? rest : CFG_LADDER_TAIL;
    uint64_t i;

    ladder_style_init(&s, t->base.flags, &h->head);
    ladder_style_fit(&s, t->width);
    if (h->total > 0 && t->blocks_drawn == CFG_LADDER_MAX_BLOCKS)
        fprintf(t->base.out,
                "── ladder: %u blocks drawn; from here on one record line per connection "
                "(the summary counts them all; draw one with --conn ID) ──\n\n",
                CFG_LADDER_MAX_BLOCKS);
    if (h->total > 0 && t->blocks_drawn++ >= CFG_LADDER_MAX_BLOCKS) {
        if (end)
            ladder_draw_foot(t->base.out, &s, end);
        recent_add(t, h->head.id);
        h->used = false;
        return;
    }
    if (h->total > 0) {
        ladder_draw_head(t->base.out, &s, &h->head, &h->rows[0], h->continued);
        for (i = 0; i < kept_head; i++)
            ladder_draw_row(t->base.out, &s, &h->rows[i]);
        if (rest > in_tail) {
            /* Not t->scratch: a row being added may be in it. */
            struct ladder_row gap;
            memset(&gap, 0, sizeof(gap));
            gap.kind = LADDER_DROPPED;
            gap.count = rest - in_tail;
            ladder_draw_row(t->base.out, &s, &gap);
        }
        /* The tail ring holds the last in_tail rows; the oldest is at
         * (rest - in_tail) % TAIL. */
        for (i = rest - in_tail; i < rest; i++)
            ladder_draw_row(t->base.out, &s, &h->rows[CFG_LADDER_HEAD + i % CFG_LADDER_TAIL]);
    }
    if (end)
        ladder_draw_foot(t->base.out, &s, end);
    else if (h->total > 0)
        putc('\n', t->base.out);
    recent_add(t, h->head.id);
    h->used = false;
}

static struct held *held_open(struct ladder_rep *t, const struct conn *c)
{
    struct held *h = NULL, *oldest = NULL;
    size_t i;
    for (i = 0; i < CFG_LADDER_OPEN; i++) {
        if (!t->held[i].used) {
            h = &t->held[i];
            break;
        }
        if (!oldest || t->held[i].age < oldest->age)
            oldest = &t->held[i];
    }
    if (!h) {
        held_draw(t, oldest, NULL); /* bounded: the oldest is drawn early */
        h = oldest;
    }
    h->used = true;
    h->age = t->next_age++;
    h->total = 0;
    h->continued = recent_has(t, c->id);
    ladder_conn_begin(&h->head, c);
    return h;
}

static void held_add(struct held *h, const struct ladder_row *r)
{
    struct ladder_row *dst;
    if (h->total < CFG_LADDER_HEAD)
        dst = &h->rows[h->total];
    else
        dst = &h->rows[CFG_LADDER_HEAD + (h->total - CFG_LADDER_HEAD) % CFG_LADDER_TAIL];
    *dst = *r;
    h->total++;
}

/* ---- both modes ---------------------------------------------------------- */

static void add_row(struct ladder_rep *t, const struct conn *c, const struct ladder_row *r)
{
    if (t->base.flags & RPT_STREAM) {
        if (!t->have_last || t->last_id != c->id) {
            bool continued = recent_has(t, c->id);
            if (t->have_last)
                putc('\n', t->base.out);
            ladder_conn_begin(&t->cur, c);
            ladder_style_init(&t->cur_style, t->base.flags, &t->cur);
            ladder_style_fit(&t->cur_style, t->width);
            ladder_draw_head(t->base.out, &t->cur_style, &t->cur, r, continued);
            recent_add(t, c->id);
            t->have_last = true;
            t->last_id = c->id;
        }
        ladder_draw_row(t->base.out, &t->cur_style, r);
        return;
    }
    {
        struct held *h = held_find(t, c->id);
        if (!h)
            h = held_open(t, c);
        held_add(h, r);
    }
}

static void ladder_segment(struct reporter *r, const struct pkt *p, const struct trk_verdict *v)
{
    struct ladder_rep *t = (struct ladder_rep *)r;
    if (!v->conn || (r->flags & RPT_QUIET) || !wanted(t, v->conn->id))
        return;
    if (!(r->flags & RPT_ALL) && !report__segment_relevant(p, v))
        return;
    ladder_row_segment(&t->scratch, p, v, r->flags);
    add_row(t, v->conn, &t->scratch);
}

static void ladder_timer(struct reporter *r, const struct conn *c, const struct trk_change *ch,
                         uint64_t ts_ns)
{
    struct ladder_rep *t = (struct ladder_rep *)r;
    if ((r->flags & RPT_QUIET) || !wanted(t, c->id))
        return;
    ladder_row_timer(&t->scratch, c, ch, ts_ns, r->flags);
    add_row(t, c, &t->scratch);
}

static void ladder_conn_end_cb(struct reporter *r, const struct conn *c, enum trk_end why,
                               uint64_t ts_ns)
{
    struct ladder_rep *t = (struct ladder_rep *)r;
    struct ladder_conn end;
    struct ladder_style s;
    struct held *h;
    (void)ts_ns;
    if (!wanted(t, c->id))
        return;
    ladder_conn_begin(&end, c);
    ladder_conn_end(&end, c, why, r->flags);
    if (!(r->flags & RPT_STREAM) && (h = held_find(t, c->id)) != NULL) {
        held_draw(t, h, &end);
        return;
    }
    if ((r->flags & RPT_STREAM) && t->have_last && t->last_id == c->id) {
        ladder_draw_foot(r->out, &t->cur_style, &end);
        t->have_last = false; /* the block is closed; a blank line is out */
        return;
    }
    if ((r->flags & RPT_STREAM) && t->have_last) {
        putc('\n', r->out);
        t->have_last = false;
    }
    ladder_style_init(&s, r->flags, &end);
    ladder_style_fit(&s, ((struct ladder_rep *)r)->width);
    ladder_draw_foot(r->out, &s, &end);
}

static int cmp_age(const void *a, const void *b)
{
    const struct held *x = *(const struct held *const *)a, *y = *(const struct held *const *)b;
    return x->age < y->age ? -1 : x->age > y->age;
}

static void ladder_finish(struct reporter *r, const struct run_stats *rs,
                          const struct tracker_stats *ts)
{
    struct ladder_rep *t = (struct ladder_rep *)r;
    struct held *order[CFG_LADDER_OPEN];
    size_t i, n = 0;
    /* Rows of connections whose record came earlier (stragglers): drawn
     * in the order they were opened. */
    for (i = 0; i < CFG_LADDER_OPEN; i++)
        if (t->held[i].used)
            order[n++] = &t->held[i];
    qsort(order, n, sizeof(order[0]), cmp_age);
    for (i = 0; i < n; i++)
        held_draw(t, order[i], NULL);
    if ((r->flags & RPT_STREAM) && t->have_last)
        putc('\n', r->out);
    report__text_summary(r->out, rs, ts);
}

static void ladder_destroy(struct reporter *r)
{
    struct ladder_rep *t = (struct ladder_rep *)r;
    free(t->pool);
    free(t);
}

static const struct reporter_ops ladder_ops = {
    .segment = ladder_segment,
    .timer_change = ladder_timer,
    .conn_end = ladder_conn_end_cb,
    .finish = ladder_finish,
    .destroy = ladder_destroy,
};

void report_ladder_set_width(struct reporter *r, int width)
{
    if (r && r->ops == &ladder_ops)
        ((struct ladder_rep *)r)->width = width;
}

struct reporter *report_ladder_new(FILE *out, unsigned flags, uint64_t only_conn)
{
    struct ladder_rep *t = calloc(1, sizeof(*t));
    size_t i;
    if (!t)
        return NULL;
    if (!(flags & RPT_STREAM)) {
        /* One block for every slot, allocated once (pages are touched only
         * as slots fill). */
        t->pool = calloc((size_t)CFG_LADDER_OPEN * LADDER_ROWS, sizeof(*t->pool));
        if (!t->pool) {
            free(t);
            return NULL;
        }
        for (i = 0; i < CFG_LADDER_OPEN; i++)
            t->held[i].rows = &t->pool[i * LADDER_ROWS];
    }
    t->base.ops = &ladder_ops;
    t->base.out = out;
    t->base.flags = flags;
    t->only = only_conn;
    return &t->base;
}
