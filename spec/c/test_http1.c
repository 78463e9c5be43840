/*
** test_http1.c -- unit tests for src/http1.c, linked alone (no Lua).
**
** Every case is replayed whole, split in two at every offset, split in
** three at every pair of offsets (short inputs), and one byte at a time
** with empty feeds in between; each replay, then finish(), must give
** exactly the expected status, fields, body, framing, keep-alive, error
** (code, detail, offset) and finish() result.  Expected offsets are
** written as the length of the input before the byte that decides.
**
**   cc -std=c99 -Wall -Wextra -pedantic -Werror -Isrc spec/c/test_http1.c \
**      src/http1.c -o build/test_http1 && build/test_http1
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http1.h"

typedef struct str { const char *s; size_t n; } str;
#define S(lit) { (lit), sizeof(lit) - 1 }
#define LEN(lit) (sizeof(lit) - 1)

typedef struct tcase {
  const char *name;
  str in;
  size_t max_header;         /* 0: 65536 */
  int status;                /* of the final response; 0: never read */
  str fields;                /* "Name: value\n" ... */
  str body;
  int framing, keep_alive;
  int done;                  /* done before finish() */
  size_t extra;
  int error, detail;         /* sticky after the feeds */
  size_t error_offset;
  int finish;                /* finish()'s return */
  int stop_head;             /* the head callback stops the decoder */
} tcase;

static const tcase cases[] = {
  { "content-length", S("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello"),
    0, 200, S("Content-Type: text/plain\nContent-Length: 5\n"), S("hello"),
    ORC_H1_LENGTH, 1, 1, 0, 0, 0, 0, 0, 0 },
  { "chunked, extensions, trailers", S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5;ext=1\r\nhello\r\n6 ; e\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"),
    0, 200, S("Transfer-Encoding: chunked\n"), S("hello world"),
    ORC_H1_CHUNKED, 1, 1, 0, 0, 0, 0, 0, 0 },
  { "chunked, upper-case hex, LF line ends", S("HTTP/1.1 200 OK\nTransfer-Encoding: Chunked\n\n"
      "A\n0123456789\n00\n\n"),
    0, 200, S("Transfer-Encoding: Chunked\n"), S("0123456789"),
    ORC_H1_CHUNKED, 1, 1, 0, 0, 0, 0, 0, 0 },
  { "status without reason, blanks around values", S("HTTP/1.1 200\r\nX-A:  a b \t\r\nX-B:\r\nContent-Length:2\r\n\r\nhi"),
    0, 200, S("X-A: a b\nX-B: \nContent-Length: 2\n"), S("hi"),
    ORC_H1_LENGTH, 1, 1, 0, 0, 0, 0, 0, 0 },
  { "close-delimited body", S("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: x\n\n"),
    0, 200, S("Content-Type: text/event-stream\n"), S("data: x\n\n"),
    ORC_H1_CLOSE, 0, 0, 0, 0, 0, 0, 0, 0 },
  { "interim responses are skipped", S("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\n"
      "Link: </x>\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nno!"),
    0, 404, S("Content-Length: 3\n"), S("no!"), ORC_H1_LENGTH, 1, 1, 0, 0, 0, 0, 0, 0 },
  { "204 has no body; bytes after it are extra", S("HTTP/1.1 204 No Content\r\nContent-Length: 9\r\n\r\nXYZ"),
    0, 204, S("Content-Length: 9\n"), S(""), ORC_H1_NOBODY, 0, 1, 3, 0, 0, 0, 0, 0 },
  { "304 has no body", S("HTTP/1.1 304 Not Modified\r\n\r\n"),
    0, 304, S(""), S(""), ORC_H1_NOBODY, 1, 1, 0, 0, 0, 0, 0, 0 },
  { "zero Content-Length", S("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
    0, 200, S("Content-Length: 0\n"), S(""), ORC_H1_LENGTH, 1, 1, 0, 0, 0, 0, 0, 0 },
  { "Connection: close", S("HTTP/1.1 200 OK\r\nConnection: Upgrade, close\r\nContent-Length: 1\r\n\r\nx"),
    0, 200, S("Connection: Upgrade, close\nContent-Length: 1\n"), S("x"), ORC_H1_LENGTH, 0, 1, 0, 0, 0, 0, 0, 0 },
  { "HTTP/1.0 closes unless keep-alive", S("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx"),
    0, 200, S("Content-Length: 1\n"), S("x"), ORC_H1_LENGTH, 0, 1, 0, 0, 0, 0, 0, 0 },
  { "HTTP/1.0 keep-alive", S("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx"),
    0, 200, S("Connection: keep-alive\nContent-Length: 1\n"), S("x"), ORC_H1_LENGTH, 1, 1, 0, 0, 0, 0, 0, 0 },
  { "Transfer-Encoding wins over Content-Length, and closes",
    S("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n"),
    0, 200, S("Content-Length: 100\nTransfer-Encoding: chunked\n"), S("x"), ORC_H1_CHUNKED, 0, 1, 0, 0, 0, 0, 0, 0 },
  { "repeated equal Content-Length", S("HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\ncontent-length: 2\r\n\r\nok"),
    0, 200, S("Content-Length: 2, 2\ncontent-length: 2\n"), S("ok"), ORC_H1_LENGTH, 1, 1, 0, 0, 0, 0, 0, 0 },
  { "bytes after a complete response", S("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1"),
    0, 200, S("Content-Length: 2\n"), S("ok"), ORC_H1_LENGTH, 0, 1, 8, 0, 0, 0, 0, 0 },

  /* malformed */
  { "conflicting Content-Length", S("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello"),
    0, 0, S(""), S(""), 0, 0, 0, 0, ORC_H1_EPROTO, ORC_H1_D_LENGTH,
    LEN("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r"), ORC_H1_EPROTO, 0 },
  { "Content-Length that is not a number", S("HTTP/1.1 200 OK\r\nContent-Length: 5x\r\n\r\n"),
    0, 0, S(""), S(""), 0, 0, 0, 0, ORC_H1_EPROTO, ORC_H1_D_LENGTH,
    LEN("HTTP/1.1 200 OK\r\nContent-Length: 5x\r"), ORC_H1_EPROTO, 0 },
  { "Content-Length past 2^63", S("HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775808\r\n\r\n"),
    0, 0, S(""), S(""), 0, 0, 0, 0, ORC_H1_EPROTO, ORC_H1_D_LENGTH,
    LEN("HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775808\r"), ORC_H1_EPROTO, 0 },
  { "empty Content-Length", S("HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n"),
    0, 0, S(""), S(""), 0, 0, 0, 0, ORC_H1_EPROTO, ORC_H1_D_LENGTH,
    LEN("HTTP/1.1 200 OK\r\nContent-Length:\r"), ORC_H1_EPROTO, 0 },
  { "gzip transfer coding", S("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"),
    0, 0, S(""), S(""), 0, 0, 0, 0, ORC_H1_EPROTO, ORC_H1_D_CODING,
    LEN("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r"), ORC_H1_EPROTO, 0 },
  { "chunked twice", S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"),
    0, 0, S(""), S(""), 0, 0, 0, 0, ORC_H1_EPROTO, ORC_H1_D_CODING,
    LEN("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r"), ORC_H1_EPROTO, 0 },
  { "Transfer-Encoding without a coding", S("HTTP/1.1 200 OK\r\nTransfer-Encoding: \r\n\r\nx"),
    0, 0, S(""), S(""), 0, 0, 0, 0, ORC_H1_EPROTO, ORC_H1_D_CODING,
    LEN("HTTP/1.1 200 OK\r\nTransfer-Encoding: \r\n\r"), ORC_H1_EPROTO, 0 },
  { "folded header line", S("HTTP/1.1 200 OK\r\nX-A: a\r\n b\r\n\r\n"),
    0, 0, S(""), S(""), 0, 0, 0, 0, ORC_H1_EPROTO, ORC_H1_D_HEADER,
    LEN("HTTP/1.1 200 OK\r\nX-A: a\r\n b\r"), ORC_H1_EPROTO, 0 },
  { "white space before the colon", S("HTTP/1.1 200 OK\r\nContent-Length : 1\r\n\r\nx"),
    0, 0, S(""), S(""), 0, 0, 0, 0, ORC_H1_EPROTO, ORC_H1_D_HEADER,
    LEN("HTTP/1.1 200 OK\r\nContent-Length : 1\r"), ORC_H1_EPROTO, 0 },
  { "a line without a colon", S("HTTP/1.1 200 OK\r\nnonsense\r\n\r\n"),
    0, 0, S(""), S(""), 0, 0, 0, 0, ORC_H1_EPROTO, ORC_H1_D_HEADER,
    LEN("HTTP/1.1 200 OK\r\nnonsense\r"), ORC_H1_EPROTO, 0 },
  { "a CR alone in a field", S("HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n"),
    0, 0, S(""), S(""), 0, 0, 0, 0, ORC_H1_EPROTO, ORC_H1_D_HEADER,
    LEN("HTTP/1.1 200 OK\r\nX-A: a\r"), ORC_H1_EPROTO, 0 },
  { "a NUL in a field", S("HTTP/1.1 200 OK\r\nX-A: a\0b\r\n\r\n"),
    0, 0, S(""), S(""), 0, 0, 0, 0, ORC_H1_EPROTO, ORC_H1_D_HEADER,
    LEN("HTTP/1.1 200 OK\r\nX-A: a\0b\r"), ORC_H1_EPROTO, 0 },
  { "HTTP/2 status line", S("HTTP/2 200\r\n\r\n"),
    0, 0, S(""), S(""), 0, 0, 0, 0, ORC_H1_EPROTO, ORC_H1_D_STATUS, LEN("HTTP/2 200\r"), ORC_H1_EPROTO, 0 },
  { "not HTTP at all", S("SSH-2.0-OpenSSH_9.2\r\n"),
    0, 0, S(""), S(""), 0, 0, 0, 0, ORC_H1_EPROTO, ORC_H1_D_STATUS, LEN("SSH-2.0-OpenSSH_9.2\r"), ORC_H1_EPROTO, 0 },
  { "status code with letters", S("HTTP/1.1 2x0 OK\r\n\r\n"),
    0, 0, S(""), S(""), 0, 0, 0, 0, ORC_H1_EPROTO, ORC_H1_D_STATUS, LEN("HTTP/1.1 2x0 OK\r"), ORC_H1_EPROTO, 0 },
  { "empty line before the status line", S("\r\nHTTP/1.1 200 OK\r\n\r\n"),
    0, 0, S(""), S(""), 0, 0, 0, 0, ORC_H1_EPROTO, ORC_H1_D_STATUS, LEN("\r"), ORC_H1_EPROTO, 0 },
  { "101 without an upgrade", S("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n"),
    0, 0, S(""), S(""), 0, 0, 0, 0, ORC_H1_EPROTO, ORC_H1_D_UPGRADE,
    LEN("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r"), ORC_H1_EPROTO, 0 },
  { "bad chunk size", S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
    0, 200, S("Transfer-Encoding: chunked\n"), S(""), ORC_H1_CHUNKED, 1, 0, 0, ORC_H1_EPROTO, ORC_H1_D_CHUNK,
    LEN("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r"), ORC_H1_EPROTO, 0 },
  { "chunk size too large", S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8000000000000000\r\n"),
    0, 200, S("Transfer-Encoding: chunked\n"), S(""), ORC_H1_CHUNKED, 1, 0, 0, ORC_H1_EPROTO, ORC_H1_D_CHUNK,
    LEN("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n8000000000000000\r"), ORC_H1_EPROTO, 0 },
  { "chunk data longer than its size", S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n"),
    0, 200, S("Transfer-Encoding: chunked\n"), S("ab"), ORC_H1_CHUNKED, 1, 0, 0, ORC_H1_EPROTO, ORC_H1_D_CHUNK,
    LEN("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab"), ORC_H1_EPROTO, 0 },
  { "head over max_header", S("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n"),
    30, 0, S(""), S(""), 0, 0, 0, 0, ORC_H1_ETOOBIG, ORC_H1_D_NONE,
    LEN("HTTP/1.1 200 OK\r\nContent-Type:"), ORC_H1_ETOOBIG, 0 },
  { "head exactly at max_header", S("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
    34, 200, S("Content-Length: 0\n"), S(""), ORC_H1_LENGTH, 1, 1, 0, 0, 0, 0, 0, 0 },
  { "head one byte over max_header", S("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
    33, 0, S(""), S(""), 0, 0, 0, 0, ORC_H1_ETOOBIG, ORC_H1_D_NONE,
    LEN("HTTP/1.1 200 OK\r\nContent-Length: "), ORC_H1_ETOOBIG, 0 },
  { "status line over max_header", S("HTTP/1.1 200 OK\r\n\r\n"),
    10, 0, S(""), S(""), 0, 0, 0, 0, ORC_H1_ETOOBIG, ORC_H1_D_NONE, LEN("HTTP/1.1 "), ORC_H1_ETOOBIG, 0 },
  /* cut short (finish) */
  { "nothing at all", S(""), 0, 0, S(""), S(""), 0, 0, 0, 0, 0, 0, 0, ORC_H1_ETRUNC, 0 },
  { "closed inside the head", S("HTTP/1.1 200 OK\r\nContent-Le"),
    0, 0, S(""), S(""), 0, 0, 0, 0, 0, 0, 0, ORC_H1_ETRUNC, 0 },
  { "closed inside a Content-Length body", S("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"),
    0, 200, S("Content-Length: 10\n"), S("abc"), ORC_H1_LENGTH, 1, 0, 0, 0, 0, 0, ORC_H1_ETRUNC, 0 },
  { "closed inside a chunked body", S("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"),
    0, 200, S("Transfer-Encoding: chunked\n"), S("abc"), ORC_H1_CHUNKED, 1, 0, 0, 0, 0, 0, ORC_H1_ETRUNC, 0 },

  /* the head callback stops */
  { "the head callback stops", S("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"),
    0, 200, S("Content-Length: 5\n"), S(""), ORC_H1_LENGTH, 1, 0, 0, ORC_H1_ESTOPPED, ORC_H1_D_NONE,
    LEN("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r"), ORC_H1_ESTOPPED, 1 },
};

/* ---- recording -------------------------------------------------------- */

typedef struct rec {
  char fields[512]; size_t fields_len;
  int status, framing, keep_alive, heads;
  char body[512]; size_t body_len;
  int stop_head;
} rec;

static int on_head (void *ud, orc_h1 *h) {
  rec *r = (rec *)ud;
  r->heads++;
  r->status = h->status;
  r->framing = h->framing;
  r->keep_alive = h->keep_alive;
  r->fields_len = h->fields_len < sizeof(r->fields) ? h->fields_len : sizeof(r->fields);
  if (r->fields_len > 0) memcpy(r->fields, h->fields, r->fields_len);
  return r->stop_head;
}

static int on_body (void *ud, const char *p, size_t n) {
  rec *r = (rec *)ud;
  if (n == 0 || r->body_len + n > sizeof(r->body)) {
    fputs("  on_body: empty or too long\n", stdout);
    r->body_len = sizeof(r->body) + 1;
    return 0;
  }
  memcpy(r->body + r->body_len, p, n);
  r->body_len += n;
  return 0;
}

typedef struct outcome {
  rec r;
  int done, keep_alive, error, detail, finish, status, heads;
  size_t error_offset, extra;
  int bad_rc;
} outcome;

static void replay (const tcase *t, const size_t *cuts, int ncuts, outcome *o) {
  orc_h1 h;
  size_t at = 0;
  int i;
  memset(o, 0, sizeof(*o));
  o->r.stop_head = t->stop_head;
  orc_h1_init(&h, t->max_header ? t->max_header : 65536, on_head, on_body, &o->r);
  for (i = 0; i <= ncuts; i++) {
    size_t to = i < ncuts ? cuts[i] : t->in.n;
    int rc = orc_h1_feed(&h, t->in.s + at, to - at);
    if (rc != h.error) o->bad_rc = 1;
    at = to;
  }
  o->done = h.done;
  o->error = h.error;
  o->detail = h.detail;
  o->error_offset = h.error_offset;
  o->extra = h.extra;
  o->status = h.status;
  o->finish = orc_h1_finish(&h);
  o->keep_alive = h.keep_alive;
  if (o->finish != h.error) o->bad_rc = 1;
  if (h.error != ORC_H1_OK && h.reason == NULL) o->bad_rc = 1;
  orc_h1_free(&h);
  orc_h1_free(&h);                     /* idempotent */
}

static int passed, failed;

static const char *check (const tcase *t, const outcome *o) {
  if (o->bad_rc) return "feed()/finish() return value or reason";
  if (o->error != t->error) return "error (before finish) differs";
  if (t->error != 0 && (o->detail != t->detail || o->error_offset != t->error_offset))
    return "error detail or offset differs";
  if (o->finish != t->finish) return "finish() differs";
  if (o->done != t->done) return "done (before finish) differs";
  if (o->r.heads != (t->status ? 1 : 0)) return "on_head calls differ";
  if (t->status) {
    if (o->r.status != t->status || o->r.framing != t->framing) return "status or framing differs";
    if (o->r.fields_len != t->fields.n || memcmp(o->r.fields, t->fields.s, t->fields.n) != 0)
      return "fields differ";
    if (t->finish == 0 && o->keep_alive != t->keep_alive) return "keep_alive differs";
  }
  if (o->r.body_len != t->body.n || memcmp(o->r.body, t->body.s, t->body.n) != 0)
    return "body differs";
  if (o->extra != t->extra) return "extra differs";
  return NULL;
}

static void report (const tcase *t, const char *mode, const char *why, const outcome *o) {
  printf("FAIL %s [%s]: %s (error %d/%d at %lu, finish %d, done %d, status %d, body %.*s)\n",
         t->name, mode, why, o->error, o->detail, (unsigned long)o->error_offset, o->finish,
         o->done, o->r.status, (int)(o->r.body_len < 512 ? o->r.body_len : 0), o->r.body);
}

static void run_case (const tcase *t) {
  outcome o;
  size_t n = t->in.n, i, j, cuts[2];
  size_t *bytes;
  const char *why;
  int ok = 1;
  replay(t, NULL, 0, &o);
  if ((why = check(t, &o)) != NULL) { report(t, "whole", why, &o); ok = 0; }
  for (i = 0; i <= n && ok; i++) {           /* two pieces */
    cuts[0] = i;
    replay(t, cuts, 1, &o);
    if ((why = check(t, &o)) != NULL) {
      char mode[64];
      sprintf(mode, "split at %lu", (unsigned long)i);
      report(t, mode, why, &o);
      ok = 0;
    }
  }
  if (n <= 140)                              /* three pieces */
    for (i = 0; i <= n && ok; i++)
      for (j = i; j <= n && ok; j++) {
        cuts[0] = i;
        cuts[1] = j;
        replay(t, cuts, 2, &o);
        if ((why = check(t, &o)) != NULL) {
          char mode[64];
          sprintf(mode, "split at %lu and %lu", (unsigned long)i, (unsigned long)j);
          report(t, mode, why, &o);
          ok = 0;
        }
      }
  /* one byte at a time, an empty feed after each */
  bytes = (size_t *)malloc((2 * n + 1) * sizeof(size_t));
  if (bytes == NULL) { puts("out of memory"); exit(2); }
  for (i = 0; i < n; i++) {
    bytes[2 * i] = i + 1;
    bytes[2 * i + 1] = i + 1;
  }
  if (ok) {
    replay(t, bytes, (int)(2 * n), &o);
    if ((why = check(t, &o)) != NULL) { report(t, "byte by byte", why, &o); ok = 0; }
  }
  free(bytes);
  if (ok) passed++; else failed++;
}

/* Cases built at run time. */
static char big[70000];

/* A long chunked body fed in pieces of 1000: every byte comes out, in order. */
typedef struct sink { char *p; size_t n, cap; } sink;

static int keep (void *ud, const char *p, size_t n) {
  sink *k = (sink *)ud;
  if (k->n + n > k->cap) return 1;
  memcpy(k->p + k->n, p, n);
  k->n += n;
  return 0;
}

static void long_body (void) {
  static char body[65000], got[65000];
  size_t n, k, off = 0, i;
  orc_h1 h;
  sink s;
  int ok = 1;
  n = (size_t)sprintf(big, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
  for (k = 0; k < sizeof(body); k++) body[k] = (char)('a' + k % 26);
  while (off < sizeof(body)) {
    size_t c = sizeof(body) - off < 4096 ? sizeof(body) - off : 4096;
    n += (size_t)sprintf(big + n, "%lx\r\n", (unsigned long)c);
    memcpy(big + n, body + off, c);
    n += c;
    memcpy(big + n, "\r\n", 2);
    n += 2;
    off += c;
  }
  n += (size_t)sprintf(big + n, "0\r\n\r\n");
  s.p = got;
  s.n = 0;
  s.cap = sizeof(got);
  orc_h1_init(&h, 65536, NULL, keep, &s);
  for (i = 0; i < n && ok; i += 1000)
    ok = orc_h1_feed(&h, big + i, n - i < 1000 ? n - i : 1000) == 0;
  ok = ok && h.done && h.keep_alive && h.status == 200 && s.n == sizeof(body) &&
       memcmp(got, body, sizeof(body)) == 0 && orc_h1_finish(&h) == 0;
  orc_h1_free(&h);
  if (ok) passed++;
  else { failed++; puts("FAIL long chunked body"); }
}

/* orc_h1_field: any case, the first of repeated names, nothing before the head. */
static void fields (void) {
  static const char in[] = "HTTP/1.1 200 OK\r\nX-A: 1\r\nContent-type:  text/plain \r\nx-a: 2\r\n\r\n";
  orc_h1 h;
  size_t n = 99;
  const char *v;
  int ok = 1;
  orc_h1_init(&h, 65536, NULL, NULL, NULL);
  ok = ok && orc_h1_field(&h, "x-a", &n) == NULL && n == 99;
  orc_h1_feed(&h, in, sizeof(in) - 1);
  v = orc_h1_field(&h, "CONTENT-TYPE", &n);
  ok = ok && v != NULL && n == 10 && memcmp(v, "text/plain", 10) == 0;
  v = orc_h1_field(&h, "x-a", &n);
  ok = ok && v != NULL && n == 1 && v[0] == '1';
  ok = ok && orc_h1_field(&h, "x", &n) == NULL && orc_h1_field(&h, "x-a-b", &n) == NULL;
  orc_h1_free(&h);
  if (ok) passed++;
  else { failed++; puts("FAIL orc_h1_field"); }
}

static void built (void) {
  static const char status[] = "HTTP/1.1 200 OK\r\n";
  static const char chunked[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  static char want[104];
  tcase t;
  size_t n;
  /* a field of 3 + 100 bytes counts 104; the status line 16 */
  n = (size_t)sprintf(big, "%sX: ", status);
  memset(big + n, 'v', 100);
  n += 100;
  n += (size_t)sprintf(big + n, "\r\n\r\n");
  memset(&t, 0, sizeof(t));
  t.name = "a field one byte over max_header";
  t.in.s = big;
  t.in.n = n;
  t.max_header = 16 + 103;
  t.error = t.finish = ORC_H1_ETOOBIG;
  t.error_offset = LEN(status) + 102;     /* the field's 103rd byte is one too many */
  run_case(&t);
  t.name = "a field exactly at max_header";
  t.max_header = 16 + 104;
  t.error = t.finish = 0;
  t.error_offset = 0;
  t.status = 200;
  t.framing = ORC_H1_CLOSE;
  memcpy(want, big + LEN(status), 103);  /* "X: vvv...v\n" */
  want[103] = '\n';
  t.fields.s = want;
  t.fields.n = 104;
  run_case(&t);

  /* a chunk size line of 4096 bytes passes, of 4097 fails */
  n = (size_t)sprintf(big, "%s1;", chunked);
  memset(big + n, 'e', 4094);
  n += 4094;
  n += (size_t)sprintf(big + n, "\r\nx\r\n0\r\n\r\n");
  memset(&t, 0, sizeof(t));
  t.name = "a chunk size line of 4096 bytes";
  t.in.s = big;
  t.in.n = n;
  t.status = 200;
  t.fields.s = "Transfer-Encoding: chunked\n";
  t.fields.n = strlen(t.fields.s);
  t.body.s = "x";
  t.body.n = 1;
  t.framing = ORC_H1_CHUNKED;
  t.keep_alive = 1;
  t.done = 1;
  run_case(&t);
  n = (size_t)sprintf(big, "%s1;", chunked);
  memset(big + n, 'e', 4095);
  n += 4095;
  n += (size_t)sprintf(big + n, "\r\nx\r\n0\r\n\r\n");
  t.name = "a chunk size line of 4097 bytes";
  t.in.n = n;
  t.body.n = 0;
  t.done = 0;
  t.error = t.finish = ORC_H1_EPROTO;
  t.detail = ORC_H1_D_CHUNK;
  t.error_offset = LEN(chunked) + 4096;
  run_case(&t);

  /* trailers: a budget of max_header of their own */
  n = (size_t)sprintf(big, "%s0\r\nX-T: 0123456789\r\n\r\n", chunked);
  memset(&t, 0, sizeof(t));
  t.name = "trailers within their budget";
  t.in.s = big;
  t.in.n = n;
  t.max_header = 44;                     /* the head needs 16 + 28 = 44, the trailer 16 */
  t.status = 200;
  t.fields.s = "Transfer-Encoding: chunked\n";
  t.fields.n = strlen(t.fields.s);
  t.framing = ORC_H1_CHUNKED;
  t.keep_alive = 1;
  t.done = 1;
  run_case(&t);
  n = (size_t)sprintf(big, "%s0\r\nX-T: %s\r\n\r\n", chunked,
                      "0123456789012345678901234567890123456789");
  t.name = "trailers over their budget";
  t.in.n = n;                            /* a 45-byte trailer line: its 44th byte is too many */
  t.done = 0;
  t.error = t.finish = ORC_H1_ETOOBIG;
  t.error_offset = LEN(chunked) + LEN("0\r\n") + 43;
  run_case(&t);
}

int main (void) {
  size_t i;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) run_case(&cases[i]);
  built();
  long_body();
  fields();
  printf("http1: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
