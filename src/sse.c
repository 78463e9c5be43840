/*
** sse.c -- incremental WHATWG Server-Sent Events parser.
**
** The scanner keeps two cached positions per feed, the next LF and the next
** CR, each found with memchr and looked up again only once passed, so a
** chunk is scanned about twice whatever its shape, and a line that arrives
** whole is handled in place (its value copied once, into the data buffer).
** Only a line split across feeds is gathered in the line buffer first.
**
** A line ending in CR is processed at once; the parser remembers the CR
** and swallows an LF that follows it, in this feed or the next.  So the
** state after every line is the same however the input was split.
*/
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "sse.h"
#include "orc.h"

#define BOM_LEN 3
static const char bom_bytes[BOM_LEN] = { '\xEF', '\xBB', '\xBF' };

static const char default_type[] = "message";


/* Make room for need bytes in a growable buffer.  0, or -1 when out of memory. */
static int reserve (char **buf, size_t *cap, size_t need) {
  size_t ncap;
  char *nb;
  if (need <= *cap) return 0;
  ncap = *cap ? *cap : 64;
  while (ncap < need) {
    if (ncap > ((size_t)-1) / 2) { ncap = need; break; }
    ncap *= 2;
  }
  nb = (char *)realloc(*buf, ncap);
  if (nb == NULL) return -1;
  *buf = nb;
  *cap = ncap;
  return 0;
}

/* Replace a buffer's content.  0, or -1 when out of memory. */
static int set_buf (char **buf, size_t *len, size_t *cap,
                    const char *s, size_t n) {
  if (reserve(buf, cap, n) != 0) return -1;
  if (n > 0) memcpy(*buf, s, n);
  *len = n;
  return 0;
}

static int fail (orc_sse *p, int code, size_t at) {
  p->error = code;
  p->error_offset = at;
  return code;
}

/* Bytes the current line may still hold before the event is too big. */
static size_t room (const orc_sse *p) {
  return p->max_event - (p->data_len + p->type_len);
}

/*
** Append n bytes to the partial line.  line_start is the stream offset of
** the line's first byte, to report where the limit was crossed.
*/
static int line_append (orc_sse *p, const char *s, size_t n,
                        size_t line_start) {
  size_t r = room(p);
  if (n > r - p->line_len)
    return fail(p, ORC_SSE_ETOOBIG, line_start + r);
  if (reserve(&p->line, &p->line_cap, p->line_len + n) != 0)
    return fail(p, ORC_SSE_ENOMEM, line_start + p->line_len);
  memcpy(p->line + p->line_len, s, n);
  p->line_len += n;
  return 0;
}

/*
** A blank line.  Returns 0, ORC_SSE_ENOMEM (sticky, set here), or
** ORC_SSE_ESTOPPED with the callback's value in *rc.  The parser's state is
** already that of after the event when the callback runs, so a callback
** that never returns (a longjmp) leaves it consistent.
*/
static int dispatch (orc_sse *p, int *rc) {
  orc_sse_event ev;
  int r;
  if (p->id_dirty) {
    if (set_buf(&p->last_id, &p->last_id_len, &p->last_id_cap,
                p->id_buf, p->id_buf_len) != 0)
      return fail(p, ORC_SSE_ENOMEM, p->offset);
    p->id_dirty = 0;
  }
  p->in_event = 0;
  if (p->data_len == 0) {
    p->type_len = 0;
    return 0;
  }
  ev.data = p->data;
  ev.data_len = p->data_len - 1;       /* drop the last LF */
  if (p->type_len > 0) {
    ev.type = p->type;
    ev.type_len = p->type_len;
  }
  else {
    ev.type = default_type;
    ev.type_len = sizeof(default_type) - 1;
  }
  ev.id = p->last_id_len > 0 ? p->last_id : "";
  ev.id_len = p->last_id_len;
  p->data_len = 0;
  p->type_len = 0;
  if (p->on_event == NULL) return 0;
  r = p->on_event(p->ud, &ev);
  if (r != 0) {
    *rc = r;
    return fail(p, ORC_SSE_ESTOPPED, p->offset);
  }
  return 0;
}

/* "retry": only ASCII digits, at least one; saturates at LONG_MAX. */
static void set_retry (orc_sse *p, const char *v, size_t n) {
  long r = 0;
  size_t i;
  if (n == 0) return;
  for (i = 0; i < n; i++)
    if (v[i] < '0' || v[i] > '9') return;
  for (i = 0; i < n; i++) {
    int d = v[i] - '0';
    if (r > (LONG_MAX - d) / 10) { r = LONG_MAX; break; }
    r = r * 10 + d;
  }
  p->retry = r;
}

/* A field line (not blank, not a comment).  0, or ORC_SSE_ENOMEM. */
static int field (orc_sse *p, const char *l, size_t n) {
  const char *colon = (const char *)memchr(l, ':', n);
  const char *v;
  size_t name_len, vlen;
  if (colon != NULL) {
    name_len = (size_t)(colon - l);
    v = colon + 1;
    vlen = n - name_len - 1;
    if (vlen > 0 && *v == ' ') { v++; vlen--; }
  }
  else {
    name_len = n;
    v = l + n;
    vlen = 0;
  }
  p->in_event = 1;
  switch (name_len) {
    case 4:
      if (memcmp(l, "data", 4) == 0) {
        size_t need = p->data_len + vlen + 1;
        if (reserve(&p->data, &p->data_cap, need) != 0)
          return fail(p, ORC_SSE_ENOMEM, p->offset);
        if (vlen > 0) memcpy(p->data + p->data_len, v, vlen);
        p->data[need - 1] = '\n';
        p->data_len = need;
      }
      break;
    case 5:
      if (memcmp(l, "event", 5) == 0) {
        if (set_buf(&p->type, &p->type_len, &p->type_cap, v, vlen) != 0)
          return fail(p, ORC_SSE_ENOMEM, p->offset);
      }
      else if (memcmp(l, "retry", 5) == 0)
        set_retry(p, v, vlen);
      break;
    case 2:
      if (l[0] == 'i' && l[1] == 'd' && memchr(v, '\0', vlen) == NULL) {
        if (set_buf(&p->id_buf, &p->id_buf_len, &p->id_buf_cap, v, vlen) != 0)
          return fail(p, ORC_SSE_ENOMEM, p->offset);
        p->id_dirty = 1;
      }
      break;
    default:
      break;
  }
  return 0;
}

/* One complete line, without its terminator.  0, or an ORC_SSE_E* code. */
static int process_line (orc_sse *p, const char *l, size_t n, int *rc) {
  if (n == 0) return dispatch(p, rc);
  if (l[0] == ':') {
    if (p->on_comment != NULL) p->on_comment(p->ud, l + 1, n - 1);
    return 0;
  }
  return field(p, l, n);
}

void orc_sse_init (orc_sse *p, size_t max_event, orc_sse_event_cb on_event,
                   orc_sse_comment_cb on_comment, void *ud) {
  memset(p, 0, sizeof(*p));
  p->max_event = max_event > 0 ? max_event : ORC_SSE_DEFAULT_MAX_EVENT;
  p->on_event = on_event;
  p->on_comment = on_comment;
  p->ud = ud;
  p->retry = -1;
}

void orc_sse_free (orc_sse *p) {
  free(p->line);
  free(p->data);
  free(p->type);
  free(p->id_buf);
  free(p->last_id);
  p->line = p->data = p->type = p->id_buf = p->last_id = NULL;
  p->line_len = p->line_cap = 0;
  p->data_len = p->data_cap = 0;
  p->type_len = p->type_cap = 0;
  p->id_buf_len = p->id_buf_cap = 0;
  p->last_id_len = p->last_id_cap = 0;
}

int orc_sse_feed (orc_sse *p, const char *buf, size_t len) {
  const char *s = buf;
  const char *end = buf + len;
  const char *nl, *cr;
  size_t base = p->offset;             /* stream offset of buf[0] */
  int rc = 0;
  if (p->error) return p->error;
  if (len == 0) return 0;
  if (p->max_event == 0) p->max_event = ORC_SSE_DEFAULT_MAX_EVENT;
  if (p->bom < BOM_LEN) {              /* stream start: BOM undecided */
    while (s < end && p->bom < BOM_LEN && *s == bom_bytes[p->bom]) {
      p->bom++;
      s++;
    }
    if (p->bom < BOM_LEN) {
      size_t held = (size_t)p->bom;
      if (s == end) {                  /* still undecided */
        p->offset = base + len;
        return 0;
      }
      /* Not a BOM: the bytes held back start the first line. */
      p->bom = BOM_LEN;
      if (held > 0 &&
          line_append(p, bom_bytes, held, base + (size_t)(s - buf) - held))
        return p->error;
    }
  }
  nl = (const char *)memchr(s, '\n', (size_t)(end - s));
  if (nl == NULL) nl = end;
  cr = (const char *)memchr(s, '\r', (size_t)(end - s));
  if (cr == NULL) cr = end;
  while (s < end) {
    const char *q, *l;
    size_t n;
    if (p->pending_cr) {               /* the LF of a CRLF */
      p->pending_cr = 0;
      if (*s == '\n' && ++s == end) break;
    }
    if (nl < s) {
      nl = (const char *)memchr(s, '\n', (size_t)(end - s));
      if (nl == NULL) nl = end;
    }
    if (cr < s) {
      cr = (const char *)memchr(s, '\r', (size_t)(end - s));
      if (cr == NULL) cr = end;
    }
    q = nl < cr ? nl : cr;
    if (q == end) {                    /* a partial line: keep it */
      if (line_append(p, s, (size_t)(end - s),
                      base + (size_t)(s - buf) - p->line_len))
        return p->error;
      s = end;
      break;
    }
    n = (size_t)(q - s);
    if (p->line_len > 0) {
      if (line_append(p, s, n, base + (size_t)(s - buf) - p->line_len))
        return p->error;
      l = p->line;
      n = p->line_len;
      p->line_len = 0;                 /* the content stays until the next append */
    }
    else {
      size_t r = room(p);
      if (n > r) return fail(p, ORC_SSE_ETOOBIG, base + (size_t)(s - buf) + r);
      l = s;
    }
    if (*q == '\r') p->pending_cr = 1;
    s = q + 1;
    p->offset = base + (size_t)(s - buf);
    if (process_line(p, l, n, &rc) != 0)
      return p->error == ORC_SSE_ESTOPPED ? rc : p->error;
  }
  p->offset = base + len;
  return 0;
}

int orc_sse_finish (orc_sse *p) {
  int clean;
  if (p->error) return 0;
  /*
  ** The stream ended after EF or EF BB: not a BOM (only all three bytes
  ** are one), so those bytes began the first line, and like any partial
  ** line they must have fitted the limit before being discarded.  Nothing
  ** could tell while the BOM was undecided: this is the first moment.
  */
  if (p->bom > 0 && p->bom < BOM_LEN && (size_t)p->bom > room(p)) {
    fail(p, ORC_SSE_ETOOBIG, p->offset - (size_t)p->bom + room(p));
    return 0;
  }
  clean = p->line_len == 0 && !p->in_event &&
          (p->bom == 0 || p->bom == BOM_LEN);
  p->line_len = 0;
  p->data_len = 0;
  p->type_len = 0;
  p->in_event = 0;
  p->pending_cr = 0;
  p->bom = 0;
  p->offset = 0;
  /* The id buffer goes back to the last event ID string, as on reconnection. */
  if (p->id_dirty) {
    if (set_buf(&p->id_buf, &p->id_buf_len, &p->id_buf_cap,
                p->last_id, p->last_id_len) != 0) {
      fail(p, ORC_SSE_ENOMEM, 0);
      return 0;
    }
    p->id_dirty = 0;
  }
  return clean;
}

const char *orc_sse_strerror (int code) {
  switch (code) {
    case ORC_SSE_ETOOBIG: return "event too big";
    case ORC_SSE_ENOMEM: return "out of memory";
    case ORC_SSE_ESTOPPED: return "stopped by the event callback";
    default: return NULL;
  }
}
