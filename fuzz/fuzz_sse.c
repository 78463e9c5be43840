/*
** fuzz_sse.c -- differential libFuzzer target for src/sse.c.
**
**   make build/fuzz/fuzz_sse     (mk/checks.mk: src/sse.c is linked twice,
**                                 see "The parser comes twice" below)
**   build/fuzz/fuzz_sse -max_total_time=60 fuzz/corpus/sse
**
** Without libFuzzer (any C99 compiler), -DORC_FUZZ_MAIN builds a driver
** that replays the files named on the command line:
**
**   cc -DORC_FUZZ_MAIN -Isrc fuzz/fuzz_sse.c src/sse.c -o build/replay_sse
**
** Input: byte 0 picks the limit (high bit set: max_event 1..128, else the
** default), byte 1 seeds the split points, byte 2 picks the event at which
** the callback stops the parser (0..7, 0: never); the rest is the stream.
** The stream is fed whole, in pseudo-random pieces, and (when short) one
** byte at a time, then finished and fed once more as a reconnection.  Every
** run must produce the same trace (events, comments, feed results, then
** finish() and the retry / last id / error after it) as a deliberately
** naive reference model written from the WHATWG text; any difference aborts.
*/
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sse.h"

#define STOP_RC 7

/*
** Only src/sse.c reports coverage: the harness's own branches (traces, the
** split generator, the model) would only grow the corpus with noise.
*/
#ifdef __clang__
#pragma clang attribute push (__attribute__((no_sanitize("coverage"))), apply_to = function)
#endif

/*
** The parser comes twice.  The first two replays of an input run the build
** that reports coverage to libFuzzer; the others run a second copy of the
** same src/sse.c built without coverage (mk/checks.mk compiles it with its
** functions renamed plain_*, and defines ORC_SSE_PLAIN), under the same
** sanitizers, so every replay is checked exactly as before.  The coverage
** callbacks (mostly -fsanitize=fuzzer's comparison tracing) on every feed
** of every replay were most of the time spent per input.
*/
typedef struct engine {
  void (*init) (orc_sse *, size_t, orc_sse_event_cb, orc_sse_comment_cb, void *);
  int (*feed) (orc_sse *, const char *, size_t);
  int (*finish) (orc_sse *);
  void (*free) (orc_sse *);
} engine;

static const engine traced = { orc_sse_init, orc_sse_feed, orc_sse_finish, orc_sse_free };

#ifdef ORC_SSE_PLAIN
void plain_sse_init (orc_sse *p, size_t max_event, orc_sse_event_cb on_event,
                     orc_sse_comment_cb on_comment, void *ud);
int plain_sse_feed (orc_sse *p, const char *buf, size_t len);
int plain_sse_finish (orc_sse *p);
void plain_sse_free (orc_sse *p);
static const engine plain = { plain_sse_init, plain_sse_feed, plain_sse_finish,
                              plain_sse_free };
#else
#define plain traced
#endif

/* ---- traces -------------------------------------------------------------- */

typedef struct trace { unsigned char *b; size_t len, cap; } trace;

static void put (trace *t, const void *s, size_t n) {
  if (t->len + n > t->cap) {
    size_t cap = t->cap ? t->cap : 1024;
    while (cap < t->len + n) cap *= 2;
    t->b = (unsigned char *)realloc(t->b, cap);
    if (t->b == NULL) abort();
    t->cap = cap;
  }
  if (n > 0) memcpy(t->b + t->len, s, n);
  t->len += n;
}

static void put_num (trace *t, unsigned long long v) {
  put(t, &v, sizeof(v));
}

static void put_str (trace *t, char tag, const char *s, size_t n) {
  put(t, &tag, 1);
  put_num(t, n);
  put(t, s, n);
}

/* ---- the parser under test ---------------------------------------------- */

typedef struct sink { trace *t; int nev, stop_at; } sink;

static int on_event (void *ud, const orc_sse_event *ev) {
  sink *k = (sink *)ud;
  put_str(k->t, 'T', ev->type, ev->type_len);
  put_str(k->t, 'D', ev->data, ev->data_len);
  put_str(k->t, 'I', ev->id, ev->id_len);
  return ++k->nev == k->stop_at ? STOP_RC : 0;
}

static void on_comment (void *ud, const char *text, size_t len) {
  put_str(((sink *)ud)->t, 'C', text, len);
}

typedef struct rng { uint32_t s; } rng;

static uint32_t next (rng *r) {
  r->s ^= r->s << 13;
  r->s ^= r->s >> 17;
  r->s ^= r->s << 5;
  return r->s;
}

/* mode 0: whole; 1: pseudo-random pieces; 2: one byte at a time. */
static void feed_stream (const engine *e, orc_sse *p, sink *k, const char *s,
                         size_t n, int mode, rng *r) {
  size_t at = 0;
  int stopped = 0;
  while (at < n || (at == 0 && n == 0)) {
    size_t piece = n - at;
    int rc;
    if (mode == 1) {
      size_t lim = 1 + (next(r) % 3 == 0 ? next(r) % 64 : next(r) % 6);
      piece = next(r) % 5 == 0 ? 0 : 1 + next(r) % lim;   /* empty feeds too */
      if (piece > n - at) piece = n - at;
    }
    else if (mode == 2 && piece > 0) piece = 1;
    rc = e->feed(p, s + at, piece);
    if (rc == STOP_RC && !stopped) {
      stopped = 1;
      put_num(k->t, 0x5709);         /* the stop, once, wherever it lands */
    }
    else if (stopped ? rc != ORC_SSE_ESTOPPED : (rc != 0 && rc != p->error))
      abort();                        /* feed's result disagrees with the state */
    at += piece;
    if (n == 0) break;
  }
}

/* The state after finish(): an error can also arise there (sse.h). */
static void finish_state (const engine *e, orc_sse *p, trace *t) {
  int clean = e->finish(p);
  put_num(t, (unsigned long long)p->error);
  put_num(t, p->error ? (unsigned long long)p->error_offset : 0);
  put_num(t, (unsigned long long)p->retry);
  put_str(t, 'L', p->last_id_len ? p->last_id : "", p->last_id_len);
  put_num(t, (unsigned long long)clean);
}

static void run_impl (const engine *e, const char *s, size_t n, size_t max,
                      int stop_at, int mode, uint32_t seed, trace *t) {
  orc_sse p;
  sink k;
  rng r;
  r.s = seed ? seed : 1;
  k.t = t;
  k.nev = 0;
  k.stop_at = stop_at;
  e->init(&p, max, on_event, on_comment, &k);
  feed_stream(e, &p, &k, s, n, mode, &r);
  finish_state(e, &p, t);
  feed_stream(e, &p, &k, s, n, mode, &r);   /* a reconnection */
  finish_state(e, &p, t);
  e->free(&p);
  e->free(&p);
}

/* ---- the reference model: whole input, byte by byte, no cleverness ------ */

/* A growable byte string; the model's buffers live across inputs. */
typedef struct buf { char *s; size_t n, cap; } buf;

static void buf_add (buf *b, const char *s, size_t n) {
  if (b->n + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->n + n + 1) cap *= 2;
    b->s = (char *)realloc(b->s, cap);
    if (b->s == NULL) abort();
    b->cap = cap;
  }
  if (n > 0) memmove(b->s + b->n, s, n);
  b->n += n;
}

static void buf_set (buf *b, const char *s, size_t n) {
  b->n = 0;
  buf_add(b, s, n);
}

typedef struct ref {
  trace *t;
  size_t max;
  int stop_at, nev;
  buf data, type, idb, last, line;
  long retry;
  int error, in_event;
  size_t error_offset;
} ref;

static int ref_line (ref *m, const char *l, size_t n) {
  size_t c, vs;
  const char *name, *v;
  size_t name_n, v_n, i;
  if (n == 0) {                               /* dispatch */
    buf_set(&m->last, m->idb.s, m->idb.n);
    m->in_event = 0;
    if (m->data.n == 0) { m->type.n = 0; return 0; }
    put_str(m->t, 'T', m->type.n ? m->type.s : "message", m->type.n ? m->type.n : 7);
    put_str(m->t, 'D', m->data.s, m->data.n - 1);
    put_str(m->t, 'I', m->last.s, m->last.n);
    m->data.n = 0;
    m->type.n = 0;
    return ++m->nev == m->stop_at;
  }
  if (l[0] == ':') { put_str(m->t, 'C', l + 1, n - 1); return 0; }
  m->in_event = 1;
  for (c = 0; c < n && l[c] != ':'; c++) {}
  name = l;
  name_n = c;
  vs = c < n ? c + 1 : n;
  if (vs < n && l[vs] == ' ') vs++;
  v = l + vs;
  v_n = n - vs;
  if (name_n == 4 && memcmp(name, "data", 4) == 0) {
    buf_add(&m->data, v, v_n);
    buf_add(&m->data, "\n", 1);
  }
  else if (name_n == 5 && memcmp(name, "event", 5) == 0)
    buf_set(&m->type, v, v_n);
  else if (name_n == 2 && memcmp(name, "id", 2) == 0) {
    for (i = 0; i < v_n && v[i] != '\0'; i++) {}
    if (i == v_n) buf_set(&m->idb, v, v_n);
  }
  else if (name_n == 5 && memcmp(name, "retry", 5) == 0 && v_n > 0) {
    long r = 0;
    for (i = 0; i < v_n && v[i] >= '0' && v[i] <= '9'; i++) {}
    if (i == v_n) {
      for (i = 0; i < v_n; i++) {
        if (r > (LONG_MAX - (v[i] - '0')) / 10) { r = LONG_MAX; break; }
        r = r * 10 + (v[i] - '0');
      }
      m->retry = r;
    }
  }
  return 0;
}

static void ref_stream (ref *m, const char *s, size_t n) {
  buf *line = &m->line;
  size_t i = 0;
  int clean;
  if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) i = 3;
  buf_set(&m->idb, m->last.s, m->last.n);     /* a new stream */
  m->data.n = m->type.n = m->line.n = 0;
  m->in_event = 0;
  for (; i < n && !m->error; i++) {
    if (s[i] == '\r' || s[i] == '\n') {
      size_t at = i;
      if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') i++;
      if (ref_line(m, line->s, line->n)) {
        m->error = ORC_SSE_ESTOPPED;
        m->error_offset = at + 1;
        put_num(m->t, 0x5709);
      }
      line->n = 0;
    }
    else {
      if (m->data.n + m->type.n + line->n + 1 > m->max) {
        m->error = ORC_SSE_ETOOBIG;
        m->error_offset = i;
        break;
      }
      buf_add(line, s + i, 1);
    }
  }
  put_num(m->t, (unsigned long long)m->error);
  put_num(m->t, m->error ? (unsigned long long)m->error_offset : 0);
  put_num(m->t, (unsigned long long)m->retry);
  put_str(m->t, 'L', m->last.n ? m->last.s : "", m->last.n);
  clean = !m->error && line->n == 0 && !m->in_event;
  put_num(m->t, (unsigned long long)clean);
}

static void run_ref (const char *s, size_t n, size_t max, int stop_at, trace *t) {
  static buf keep[5];                         /* data, type, idb, last, line */
  ref m;
  memset(&m, 0, sizeof(m));
  m.data = keep[0]; m.type = keep[1]; m.idb = keep[2]; m.last = keep[3];
  m.line = keep[4];
  m.data.n = m.type.n = m.idb.n = m.last.n = m.line.n = 0;
  m.t = t;
  m.max = max ? max : ORC_SSE_DEFAULT_MAX_EVENT;
  m.stop_at = stop_at;
  m.retry = -1;
  ref_stream(&m, s, n);
  if (!m.error) ref_stream(&m, s, n);         /* a reconnection */
  else {                                      /* sticky: nothing more happens */
    put_num(t, (unsigned long long)m.error);
    put_num(t, (unsigned long long)m.error_offset);
    put_num(t, (unsigned long long)m.retry);
    put_str(t, 'L', m.last.n ? m.last.s : "", m.last.n);
    put_num(t, 0);
  }
  keep[0] = m.data; keep[1] = m.type; keep[2] = m.idb; keep[3] = m.last;
  keep[4] = m.line;
}

/* ---- the target ------------------------------------------------------- */

static void same (const trace *a, const trace *b) {
  if (a->len != b->len || (a->len > 0 && memcmp(a->b, b->b, a->len) != 0))
    abort();
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size) {
  static trace want, got;                    /* kept across inputs */
  const char *s;
  size_t n, max;
  int stop_at, round;
  if (size < 3) return 0;
  want.len = got.len = 0;
  max = (data[0] & 0x80) ? (size_t)(data[0] & 0x7F) + 1 : 0;
  stop_at = data[2] % 8;
  s = (const char *)(data + 3);
  n = size - 3;
  run_ref(s, n, max, stop_at, &want);
  run_impl(&traced, s, n, max, stop_at, 0, 0, &got);
  same(&want, &got);
  for (round = 0; round < 4; round++) {
    got.len = 0;
    run_impl(round == 0 ? &traced : &plain, s, n, max, stop_at, 1,
             (uint32_t)data[1] * 2654435761u + (uint32_t)round * 40503u + 1u, &got);
    same(&want, &got);
  }
  if (n <= 4096) {
    got.len = 0;
    run_impl(&plain, s, n, max, stop_at, 2, 0, &got);
    same(&want, &got);
  }
  return 0;
}

#ifdef __clang__
#pragma clang attribute pop
#endif

#ifdef ORC_FUZZ_MAIN
int main (int argc, char **argv) {
  int i;
  for (i = 1; i < argc; i++) {
    FILE *f = fopen(argv[i], "rb");
    static unsigned char in[1 << 20];
    size_t n;
    if (f == NULL) { perror(argv[i]); return 1; }
    n = fread(in, 1, sizeof(in), f);
    fclose(f);
    LLVMFuzzerTestOneInput(in, n);
  }
  printf("fuzz_sse: %d inputs replayed\n", argc - 1);
  return 0;
}
#endif
