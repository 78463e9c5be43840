/*
** http1.c -- incremental HTTP/1.x response decoder (see http1.h).
**
** A state machine over the bytes as they come.  Lines (the status line,
** header fields, chunk size lines, trailers) are gathered in h->line,
** bounded before they are complete; body bytes go to on_body straight from
** the caller's buffer.
*/
#include <stdlib.h>
#include <string.h>

#include "http1.h"
#include "orc.h"

enum {
  S_STATUS = 0,   /* the status line */
  S_FIELD,        /* header fields, up to the empty line */
  S_BODY,         /* Content-Length bytes */
  S_CLOSE,        /* bytes up to the end of the connection */
  S_SIZE,         /* a chunk size line */
  S_DATA,         /* chunk data */
  S_DATA_END,     /* the CRLF after chunk data */
  S_TRAILER,      /* trailer fields, up to the empty line */
  S_DONE
};

enum {            /* h->flags: what the fields of this response said */
  F_LENGTH = 1,        /* a Content-Length */
  F_CODING = 2,        /* a Transfer-Encoding */
  F_CHUNKED = 4,       /* ... with chunked */
  F_CLOSE = 8,         /* Connection: close */
  F_KEEP = 16          /* Connection: keep-alive */
};

#define CHUNK_LINE_MAX 4096   /* bytes of a chunk size line, extensions included */
#define MAX_LENGTH 0x7fffffffffffffffULL

static int fail (orc_h1 *h, int code, int detail, const char *reason, size_t at) {
  h->error = code;
  h->detail = detail;
  h->reason = reason;
  h->error_offset = at;
  return code;
}

static int reserve (char **p, size_t *cap, size_t need) {
  size_t c;
  char *np;
  if (need <= *cap) return 0;
  c = *cap ? *cap : 128;
  while (c < need) {
    if (c > ((size_t)-1) / 2) { c = need; break; }
    c *= 2;
  }
  np = (char *)realloc(*p, c);
  if (np == NULL) return -1;
  *p = np;
  *cap = c;
  return 0;
}

static int lower (int c) {
  return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

/* Equal, ignoring ASCII case; `b` is lower case. */
static int same (const char *a, size_t n, const char *b) {
  size_t i;
  if (strlen(b) != n) return 0;
  for (i = 0; i < n; i++)
    if (lower((unsigned char)a[i]) != b[i]) return 0;
  return 1;
}

static int tchar (int c) {    /* RFC 9110 token characters */
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return 1;
  return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int blank (int c) {
  return c == ' ' || c == '\t';
}

static int ctl (int c) {      /* control bytes other than HTAB */
  return (c < 0x20 && c != '\t') || c == 0x7f;
}

static int hexval (int c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

/*
** Gather a line into h->line.  Returns 1 when it is complete (its end not
** included), 0 when all of p was taken and more is needed, -1 on error.
** *used: bytes taken.  A line longer than `limit` fails at its first byte
** past it with (big, dbig, why); a CR not followed by LF fails with
** (ORC_H1_EPROTO, dbad).
*/
static int take_line (orc_h1 *h, const char *p, size_t n, size_t *used,
                      size_t limit, int big, int dbig, const char *why,
                      int dbad) {
  size_t i, room = limit > h->line_len ? limit - h->line_len : 0;
  char *out;
  if (reserve(&h->line, &h->line_cap, h->line_len + (n < room ? n : room) + 1))
    return fail(h, ORC_H1_ENOMEM, ORC_H1_D_NONE, "out of memory", h->offset), -1;
  out = h->line + h->line_len;
  for (i = 0; i < n; i++) {
    char c = p[i];
    if (h->cr) {
      if (c != '\n')
        return fail(h, ORC_H1_EPROTO, dbad, "CR without LF", h->offset + i), -1;
      h->cr = 0;
      h->line_len = (size_t)(out - h->line);
      *used = i + 1;
      return 1;
    }
    if (c == '\n') {
      h->line_len = (size_t)(out - h->line);
      *used = i + 1;
      return 1;
    }
    if (c == '\r') { h->cr = 1; continue; }
    if ((size_t)(out - h->line) >= limit)
      return fail(h, big, dbig, why, h->offset + i), -1;
    *out++ = c;
  }
  h->line_len = (size_t)(out - h->line);
  *used = n;
  return 0;
}

/* "HTTP/1.x SSS reason" */
static int parse_status (orc_h1 *h, size_t at) {
  const char *s = h->line;
  size_t n = h->line_len, i;
  static const char *const bad = "bad status line";
  if (n < 12 || memcmp(s, "HTTP/1.", 7) != 0 || s[7] < '0' || s[7] > '9' ||
      s[8] != ' ' || (n > 12 && s[12] != ' '))
    return fail(h, ORC_H1_EPROTO, ORC_H1_D_STATUS, bad, at);
  for (i = 9; i < 12; i++)
    if (s[i] < '0' || s[i] > '9') return fail(h, ORC_H1_EPROTO, ORC_H1_D_STATUS, bad, at);
  for (i = 13; i < n; i++)
    if (ctl((unsigned char)s[i])) return fail(h, ORC_H1_EPROTO, ORC_H1_D_STATUS, bad, at);
  h->status = (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
  if (h->status < 100) return fail(h, ORC_H1_EPROTO, ORC_H1_D_STATUS, bad, at);
  h->minor = s[7] - '0';
  return 0;
}

/* Call f(h, element, len, at) for each non-empty element of a comma list,
** white space around it removed. */
typedef int (*list_fn) (orc_h1 *h, const char *e, size_t n, size_t at);

static int each (orc_h1 *h, const char *v, size_t n, size_t at, list_fn f) {
  size_t i = 0;
  while (i <= n) {
    size_t a = i, b;
    while (i < n && v[i] != ',') i++;
    b = i;
    while (a < b && blank((unsigned char)v[a])) a++;
    while (b > a && blank((unsigned char)v[b - 1])) b--;
    if (b > a && f(h, v + a, b - a, at)) return h->error;
    i++;
  }
  return 0;
}

static int on_length (orc_h1 *h, const char *e, size_t n, size_t at) {
  unsigned long long v = 0;
  size_t i;
  for (i = 0; i < n; i++) {
    if (e[i] < '0' || e[i] > '9' || v > (MAX_LENGTH - (unsigned)(e[i] - '0')) / 10)
      return fail(h, ORC_H1_EPROTO, ORC_H1_D_LENGTH, "bad Content-Length", at);
    v = v * 10 + (unsigned)(e[i] - '0');
  }
  if ((h->flags & F_LENGTH) && v != h->length)
    return fail(h, ORC_H1_EPROTO, ORC_H1_D_LENGTH, "conflicting Content-Length values", at);
  h->flags |= F_LENGTH;
  h->length = v;
  return 0;
}

static int on_coding (orc_h1 *h, const char *e, size_t n, size_t at) {
  size_t k = 0;
  while (k < n && e[k] != ';') k++;
  while (k > 0 && blank((unsigned char)e[k - 1])) k--;
  if ((h->flags & F_CHUNKED) || k != n || !same(e, n, "chunked"))
    return fail(h, ORC_H1_EPROTO, ORC_H1_D_CODING, "unsupported transfer coding", at);
  h->flags |= F_CHUNKED;
  return 0;
}

static int on_connection (orc_h1 *h, const char *e, size_t n, size_t at) {
  (void)at;
  if (same(e, n, "close")) h->flags |= F_CLOSE;
  else if (same(e, n, "keep-alive")) h->flags |= F_KEEP;
  return 0;
}

/* A header (or trailer) field line. */
static int parse_field (orc_h1 *h, size_t at, int trailer) {
  const char *s = h->line;
  size_t n = h->line_len, i = 0, a, b;
  if (blank((unsigned char)s[0]))
    return fail(h, ORC_H1_EPROTO, ORC_H1_D_HEADER, "folded header line (obsolete)", at);
  while (i < n && tchar((unsigned char)s[i])) i++;
  if (i == 0 || i == n || s[i] != ':')
    return fail(h, ORC_H1_EPROTO, ORC_H1_D_HEADER, "bad header line", at);
  a = i + 1;
  b = n;
  while (a < b && blank((unsigned char)s[a])) a++;
  while (b > a && blank((unsigned char)s[b - 1])) b--;
  for (n = a; n < b; n++)
    if (ctl((unsigned char)s[n]))
      return fail(h, ORC_H1_EPROTO, ORC_H1_D_HEADER, "control byte in a header field", at);
  if (trailer) return 0;
  if (reserve(&h->fields, &h->fields_cap, h->fields_len + i + (b - a) + 3))
    return fail(h, ORC_H1_ENOMEM, ORC_H1_D_NONE, "out of memory", at);
  memcpy(h->fields + h->fields_len, s, i);
  memcpy(h->fields + h->fields_len + i, ": ", 2);
  memcpy(h->fields + h->fields_len + i + 2, s + a, b - a);
  h->fields_len += i + 2 + (b - a);
  h->fields[h->fields_len++] = '\n';
  if (same(s, i, "content-length")) {
    if (a == b) return fail(h, ORC_H1_EPROTO, ORC_H1_D_LENGTH, "bad Content-Length", at);
    return each(h, s + a, b - a, at, on_length);
  }
  if (same(s, i, "transfer-encoding")) {
    h->flags |= F_CODING;
    return each(h, s + a, b - a, at, on_coding);
  }
  if (same(s, i, "connection")) return each(h, s + a, b - a, at, on_connection);
  return 0;
}

/* The empty line after the fields: an interim response is dropped; the
** final one decides the framing. */
static int end_of_head (orc_h1 *h, size_t at) {
  if (h->status < 200) {
    if (h->status == 101)
      return fail(h, ORC_H1_EPROTO, ORC_H1_D_UPGRADE,
                  "101 Switching Protocols, but no upgrade was asked for", at);
    h->status = 0;
    h->fields_len = 0;
    h->flags = 0;
    h->head_bytes = 0;
    h->state = S_STATUS;
    return 0;
  }
  if (h->status == 204 || h->status == 304) h->framing = ORC_H1_NOBODY;
  else if (h->flags & F_CODING) {
    if (!(h->flags & F_CHUNKED))
      return fail(h, ORC_H1_EPROTO, ORC_H1_D_CODING, "unsupported transfer coding", at);
    h->framing = ORC_H1_CHUNKED;
  }
  else if (h->flags & F_LENGTH) h->framing = ORC_H1_LENGTH;
  else h->framing = ORC_H1_CLOSE;
  h->keep_alive = (h->minor >= 1 ? !(h->flags & F_CLOSE) : (h->flags & F_KEEP) != 0) &&
                  h->framing != ORC_H1_CLOSE &&
                  (h->flags & (F_CODING | F_LENGTH)) != (F_CODING | F_LENGTH);
  if (h->on_head != NULL && h->on_head(h->ud, h) != 0)
    return fail(h, ORC_H1_ESTOPPED, ORC_H1_D_NONE, "stopped by the head callback", at);
  switch (h->framing) {
    case ORC_H1_LENGTH:
      h->remaining = h->length;
      h->state = h->length > 0 ? S_BODY : S_DONE;
      break;
    case ORC_H1_CHUNKED: h->state = S_SIZE; break;
    case ORC_H1_CLOSE: h->state = S_CLOSE; break;
    default: h->state = S_DONE;
  }
  if (h->state == S_DONE) h->done = 1;
  return 0;
}

/* "HEX [ext]" */
static int parse_size (orc_h1 *h, size_t at) {
  const char *s = h->line;
  size_t n = h->line_len, i = 0;
  unsigned long long v = 0;
  int d;
  while (i < n && (d = hexval((unsigned char)s[i])) >= 0) {
    if (v > (MAX_LENGTH - (unsigned)d) / 16)
      return fail(h, ORC_H1_EPROTO, ORC_H1_D_CHUNK, "chunk size too large", at);
    v = v * 16 + (unsigned)d;
    i++;
  }
  if (i == 0) return fail(h, ORC_H1_EPROTO, ORC_H1_D_CHUNK, "bad chunk size line", at);
  while (i < n && blank((unsigned char)s[i])) i++;
  if (i < n && s[i] != ';') return fail(h, ORC_H1_EPROTO, ORC_H1_D_CHUNK, "bad chunk size line", at);
  for (; i < n; i++)
    if (ctl((unsigned char)s[i]))
      return fail(h, ORC_H1_EPROTO, ORC_H1_D_CHUNK, "bad chunk size line", at);
  if (v == 0) {
    h->state = S_TRAILER;
    h->head_bytes = 0;          /* the trailers' own budget */
  }
  else {
    h->remaining = v;
    h->state = S_DATA;
  }
  return 0;
}

/* Room left for a line of the head (or the trailers). */
static size_t head_room (const orc_h1 *h) {
  return h->max_header > h->head_bytes ? h->max_header - h->head_bytes - 1 : 0;
}

/* One step: consume a prefix of p (at least one byte unless an error). */
static size_t step (orc_h1 *h, const char *p, size_t n) {
  size_t used = 0;
  int r;
  switch (h->state) {
    case S_STATUS:
    case S_FIELD:
    case S_TRAILER: {
      int trailer = h->state == S_TRAILER;
      int dbad = h->state == S_STATUS ? ORC_H1_D_STATUS : ORC_H1_D_HEADER;
      r = take_line(h, p, n, &used, head_room(h), ORC_H1_ETOOBIG, ORC_H1_D_NONE,
                    trailer ? "response trailers larger than max_header"
                            : "response head larger than max_header", dbad);
      if (r <= 0) return used;
      {
        size_t at = h->offset + used - 1, len = h->line_len;
        if (len == 0 && h->state != S_STATUS) {
          if (trailer) {
            h->state = S_DONE;
            h->done = 1;
          }
          else end_of_head(h, at);
          return used;
        }
        h->head_bytes += len + 1;
        if (h->state == S_STATUS) {
          if (parse_status(h, at) == 0) h->state = S_FIELD;
        }
        else parse_field(h, at, trailer);
        h->line_len = 0;
      }
      return used;
    }
    case S_SIZE:
      r = take_line(h, p, n, &used, CHUNK_LINE_MAX, ORC_H1_EPROTO, ORC_H1_D_CHUNK,
                    "chunk size line too long", ORC_H1_D_CHUNK);
      if (r > 0) {
        parse_size(h, h->offset + used - 1);
        h->line_len = 0;
      }
      return used;
    case S_BODY:
    case S_DATA:
      used = h->remaining < n ? (size_t)h->remaining : n;
      if (h->on_body != NULL && h->on_body(h->ud, p, used) != 0) {
        fail(h, ORC_H1_ESTOPPED, ORC_H1_D_NONE, "stopped by the body callback", h->offset + used);
        return used;
      }
      h->remaining -= used;
      if (h->remaining == 0) {
        if (h->state == S_DATA) h->state = S_DATA_END;
        else {
          h->state = S_DONE;
          h->done = 1;
        }
      }
      return used;
    case S_DATA_END:
      if (p[0] == '\r' && !h->cr) h->cr = 1;
      else if (p[0] == '\n') {
        h->cr = 0;
        h->state = S_SIZE;
      }
      else fail(h, ORC_H1_EPROTO, ORC_H1_D_CHUNK, "chunk data not followed by CRLF", h->offset);
      return 1;
    case S_CLOSE:
      if (h->on_body != NULL && h->on_body(h->ud, p, n) != 0)
        fail(h, ORC_H1_ESTOPPED, ORC_H1_D_NONE, "stopped by the body callback", h->offset + n);
      return n;
    default:                   /* S_DONE: we never pipeline, so this is junk */
      h->extra += n;
      h->keep_alive = 0;
      return n;
  }
}

void orc_h1_init (orc_h1 *h, size_t max_header, orc_h1_head_cb on_head,
                  orc_h1_body_cb on_body, void *ud) {
  memset(h, 0, sizeof(*h));
  h->max_header = max_header;
  h->on_head = on_head;
  h->on_body = on_body;
  h->ud = ud;
}

void orc_h1_free (orc_h1 *h) {
  free(h->line);
  free(h->fields);
  h->line = h->fields = NULL;
  h->line_len = h->line_cap = h->fields_len = h->fields_cap = 0;
}

int orc_h1_feed (orc_h1 *h, const char *p, size_t n) {
  while (n > 0 && h->error == ORC_H1_OK) {
    size_t used = step(h, p, n);
    p += used;
    n -= used;
    h->offset += used;
  }
  return h->error;
}

int orc_h1_finish (orc_h1 *h) {
  if (h->error != ORC_H1_OK) return h->error;
  if (h->state == S_CLOSE) {
    h->state = S_DONE;
    h->done = 1;
  }
  if (h->state == S_DONE) return 0;
  if (h->offset == 0)
    return fail(h, ORC_H1_ETRUNC, ORC_H1_D_NOTHING,
                "the server closed the connection without a response", 0);
  return fail(h, ORC_H1_ETRUNC, ORC_H1_D_PARTIAL,
              h->state <= S_FIELD ? "the connection closed inside the response head"
              : "the connection closed before the end of the response body", h->offset);
}

const char *orc_h1_field (const orc_h1 *h, const char *name, size_t *len) {
  const char *p = h->fields, *end;
  size_t n = strlen(name);
  if (p == NULL) return NULL;
  end = p + h->fields_len;
  while (p < end) {               /* "Name: value\n" lines, see parse_field */
    const char *nl = (const char *)memchr(p, '\n', (size_t)(end - p));
    if ((size_t)(nl - p) > n && p[n] == ':') {
      size_t i;
      for (i = 0; i < n && lower((unsigned char)p[i]) == lower((unsigned char)name[i]); i++) {}
      if (i == n) {
        *len = (size_t)(nl - p) - n - 2;
        return p + n + 2;
      }
    }
    p = nl + 1;
  }
  return NULL;
}

const char *orc_h1_strerror (int code) {
  switch (code) {
    case ORC_H1_OK: return NULL;
    case ORC_H1_EPROTO: return "malformed HTTP/1.x response";
    case ORC_H1_ETOOBIG: return "response head larger than the limit";
    case ORC_H1_ENOMEM: return "out of memory";
    case ORC_H1_ESTOPPED: return "stopped by a callback";
    case ORC_H1_ETRUNC: return "connection closed inside the response";
    default: return "unknown error";
  }
}
