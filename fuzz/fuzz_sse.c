/*
** fuzz_sse.c -- differential libFuzzer target for src/sse.c.
**
**   clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
**         fuzz/fuzz_sse.c src/sse.c -o build/fuzz_sse
**   build/fuzz_sse -max_total_time=60 fuzz/corpus/sse
**
** Without libFuzzer (any C99 compiler), -DORC_FUZZ_MAIN builds a driver
** that replays the files named on the command line.
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
static void feed_stream (orc_sse *p, sink *k, const char *s, size_t n,
                         int mode, rng *r) {
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
    rc = orc_sse_feed(p, s + at, piece);
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
static void finish_state (orc_sse *p, trace *t) {
  int clean = orc_sse_finish(p);
  put_num(t, (unsigned long long)p->error);
  put_num(t, p->error ? (unsigned long long)p->error_offset : 0);
  put_num(t, (unsigned long long)p->retry);
  put_str(t, 'L', p->last_id_len ? p->last_id : "", p->last_id_len);
  put_num(t, (unsigned long long)clean);
}

static void run_impl (const char *s, size_t n, size_t max, int stop_at,
                      int mode, uint32_t seed, trace *t) {
  orc_sse p;
  sink k;
  rng r;
  r.s = seed ? seed : 1;
  k.t = t;
  k.nev = 0;
  k.stop_at = stop_at;
  orc_sse_init(&p, max, on_event, on_comment, &k);
  feed_stream(&p, &k, s, n, mode, &r);
  finish_state(&p, t);
  feed_stream(&p, &k, s, n, mode, &r);      /* a reconnection */
  finish_state(&p, t);
  orc_sse_free(&p);
  orc_sse_free(&p);
}

/* ---- the reference model: whole input, byte by byte, no cleverness ------ */

typedef struct buf { char *s; size_t n; } buf;

static void buf_set (buf *b, const char *s, size_t n) {
  char *x = (char *)malloc(n + 1);
  if (x == NULL) abort();
  if (n > 0) memcpy(x, s, n);
  free(b->s);
  b->s = x;
  b->n = n;
}

static void buf_add (buf *b, const char *s, size_t n) {
  char *x = (char *)malloc(b->n + n + 1);
  if (x == NULL) abort();
  if (b->n > 0) memcpy(x, b->s, b->n);
  if (n > 0) memcpy(x + b->n, s, n);
  free(b->s);
  b->s = x;
  b->n += n;
}

typedef struct ref {
  trace *t;
  size_t max;
  int stop_at, nev;
  buf data, type, idb, last;
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
  buf line = { NULL, 0 };
  size_t i = 0;
  int clean;
  if (n >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) i = 3;
  buf_set(&m->idb, m->last.s, m->last.n);     /* a new stream */
  m->data.n = m->type.n = 0;
  m->in_event = 0;
  for (; i < n && !m->error; i++) {
    if (s[i] == '\r' || s[i] == '\n') {
      size_t at = i;
      if (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n') i++;
      if (ref_line(m, line.s, line.n)) {
        m->error = ORC_SSE_ESTOPPED;
        m->error_offset = at + 1;
        put_num(m->t, 0x5709);
      }
      line.n = 0;
    }
    else {
      if (m->data.n + m->type.n + line.n + 1 > m->max) {
        m->error = ORC_SSE_ETOOBIG;
        m->error_offset = i;
        break;
      }
      buf_add(&line, s + i, 1);
    }
  }
  put_num(m->t, (unsigned long long)m->error);
  put_num(m->t, m->error ? (unsigned long long)m->error_offset : 0);
  put_num(m->t, (unsigned long long)m->retry);
  put_str(m->t, 'L', m->last.n ? m->last.s : "", m->last.n);
  clean = !m->error && line.n == 0 && !m->in_event;
  put_num(m->t, (unsigned long long)clean);
  free(line.s);
}

static void run_ref (const char *s, size_t n, size_t max, int stop_at, trace *t) {
  ref m;
  memset(&m, 0, sizeof(m));
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
  free(m.data.s);
  free(m.type.s);
  free(m.idb.s);
  free(m.last.s);
}

/* ---- the target ------------------------------------------------------- */

static void same (const trace *a, const trace *b) {
  if (a->len != b->len || (a->len > 0 && memcmp(a->b, b->b, a->len) != 0))
    abort();
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size) {
  trace want = { NULL, 0, 0 }, got = { NULL, 0, 0 };
  const char *s;
  size_t n, max;
  int stop_at, round;
  if (size < 3) return 0;
  max = (data[0] & 0x80) ? (size_t)(data[0] & 0x7F) + 1 : 0;
  stop_at = data[2] % 8;
  s = (const char *)(data + 3);
  n = size - 3;
  run_ref(s, n, max, stop_at, &want);
  run_impl(s, n, max, stop_at, 0, 0, &got);
  same(&want, &got);
  for (round = 0; round < 4; round++) {
    got.len = 0;
    run_impl(s, n, max, stop_at, 1,
             (uint32_t)data[1] * 2654435761u + (uint32_t)round * 40503u + 1u, &got);
    same(&want, &got);
  }
  if (n <= 4096) {
    got.len = 0;
    run_impl(s, n, max, stop_at, 2, 0, &got);
    same(&want, &got);
  }
  free(want.b);
  free(got.b);
  return 0;
}

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
