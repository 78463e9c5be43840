/*
** fuzz_http1.c -- differential libFuzzer target for src/http1.c.
**
**   clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc \
**         fuzz/fuzz_http1.c src/http1.c -o build/fuzz_http1
**   build/fuzz_http1 -max_total_time=60 fuzz/corpus/http1
**
** Without libFuzzer (any C99 compiler), -DORC_FUZZ_MAIN builds a driver
** that replays the files named on the command line.
**
** Input: byte 0 picks the limit (high bit set: max_header 1..128, else
** 65536), byte 1 seeds the split points, byte 2 bit 0 makes the head
** callback stop the decoder; the rest is the response.  It is fed whole,
** in pseudo-random pieces (empty ones included), and (when short) one byte
** at a time, then finished.  Every run must give the same trace: the head
** (status, framing, length, keep-alive, fields), the body bytes as one
** string, the error (code, detail, offset, a reason), done, extra bytes,
** finish() and the state after it.  And whatever the input, the results
** must be sane: offsets within the input, a body no longer than it, the
** fields within max_header, a Content-Length body of exactly its length.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http1.h"

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

typedef struct run {
  trace head;                /* what on_head saw */
  trace body;                /* the body bytes, joined */
  int stop_head, heads;
  size_t max_header;
} run;

static int on_head (void *ud, orc_h1 *h) {
  run *r = (run *)ud;
  r->heads++;
  put_num(&r->head, (unsigned long long)h->status);
  put_num(&r->head, (unsigned long long)h->minor);
  put_num(&r->head, (unsigned long long)h->framing);
  put_num(&r->head, h->length);
  put_num(&r->head, (unsigned long long)h->keep_alive);
  put_num(&r->head, (unsigned long long)h->fields_len);
  put(&r->head, h->fields, h->fields_len);
  {                                    /* a lookup finds what the fields say */
    size_t n = 0;
    const char *v = orc_h1_field(h, "content-type", &n);
    put_num(&r->head, v ? (unsigned long long)n : 0xFFFFFFFFull);
    if (v != NULL && (v < h->fields || v + n > h->fields + h->fields_len)) abort();
  }
  if (h->fields_len > 2 * r->max_header) abort();   /* ": " may add a byte per field */
  if (h->status < 200 || h->status > 999) abort();
  return r->stop_head;
}

static int on_body (void *ud, const char *p, size_t n) {
  run *r = (run *)ud;
  if (n == 0) abort();                 /* never called for nothing */
  put(&((run *)ud)->body, p, n);
  (void)r;
  return 0;
}

typedef struct rng { uint32_t s; } rng;

static uint32_t next (rng *r) {
  r->s ^= r->s << 13;
  r->s ^= r->s >> 17;
  r->s ^= r->s << 5;
  return r->s;
}

/* mode 0: whole; 1: random pieces; 2: byte by byte.  The full trace
** goes to `out`. */
static void run_once (const char *s, size_t n, size_t max, int stop, int mode,
                      uint32_t seed, trace *out) {
  orc_h1 h;
  run r;
  rng g;
  size_t at = 0;
  int rc, fin;
  memset(&r, 0, sizeof(r));
  r.stop_head = stop;
  r.max_header = max;
  g.s = seed ? seed : 1;
  orc_h1_init(&h, max, on_head, on_body, &r);
  while (at < n) {
    size_t k = n - at;
    if (mode == 1) k = next(&g) % (k < 64 ? k + 1 : 64);
    else if (mode == 2) k = 1;
    rc = orc_h1_feed(&h, s + at, k);
    if (rc != h.error) abort();
    if (h.error != ORC_H1_OK) break;   /* sticky: the rest is not looked at */
    at += k;
  }
  if (orc_h1_feed(&h, s, 0) != h.error) abort();
  put_num(out, (unsigned long long)r.heads);
  put(out, r.head.b, r.head.len);
  put_num(out, r.body.len);
  put(out, r.body.b, r.body.len);
  put_num(out, (unsigned long long)h.error);
  put_num(out, (unsigned long long)h.detail);
  put_num(out, h.error ? (unsigned long long)h.error_offset : 0);
  put_num(out, (unsigned long long)h.done);
  put_num(out, (unsigned long long)h.extra);
  /* sanity, whatever the input */
  if (r.heads > 1) abort();
  if (h.error != ORC_H1_OK && (h.reason == NULL || h.error_offset > n)) abort();
  if (r.body.len > n || h.offset > n) abort();
  if (h.done && h.error == ORC_H1_OK && r.heads == 1 && h.framing == ORC_H1_LENGTH &&
      r.body.len != h.length) abort();
  if (h.done && h.framing == ORC_H1_NOBODY && r.body.len != 0) abort();
  {
    size_t len;
    (void)orc_h1_field(&h, "x-any", &len);   /* also before any field, on an empty head */
  }
  fin = orc_h1_finish(&h);
  if (fin != h.error) abort();
  if (fin == ORC_H1_OK && !h.done) abort();
  put_num(out, (unsigned long long)fin);
  put_num(out, (unsigned long long)h.detail);
  put_num(out, (unsigned long long)h.keep_alive);
  if (orc_h1_finish(&h) != fin) abort();  /* idempotent */
  orc_h1_free(&h);
  orc_h1_free(&h);
  free(r.head.b);
  free(r.body.b);
}

static void same (const trace *a, const trace *b) {
  if (a->len != b->len || (a->len > 0 && memcmp(a->b, b->b, a->len) != 0)) abort();
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size) {
  trace want = { NULL, 0, 0 }, got = { NULL, 0, 0 };
  const char *s;
  size_t n, max;
  int stop, round;
  if (size < 3) return 0;
  max = (data[0] & 0x80) ? (size_t)(data[0] & 0x7F) + 1 : 65536;
  stop = data[2] & 1;
  s = (const char *)(data + 3);
  n = size - 3;
  run_once(s, n, max, stop, 0, 0, &want);
  for (round = 0; round < 4; round++) {
    got.len = 0;
    run_once(s, n, max, stop, 1, (uint32_t)data[1] * 2654435761u + (uint32_t)round * 40503u + 1u, &got);
    same(&want, &got);
  }
  if (n <= 4096) {
    got.len = 0;
    run_once(s, n, max, stop, 2, 0, &got);
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
  printf("fuzz_http1: %d inputs replayed\n", argc - 1);
  return 0;
}
#endif
