/*
** json.c -- the JSON engine: lexer, number conversion, string escaping,
** number formatting.  No Lua (see json.h).
**
** Strings are scanned eight bytes at a time while no byte needs a look (a
** quote, a backslash, a control character or a non-ASCII byte); the rare
** bytes that do are handled one by one, UTF-8 sequences checked in full.
** Numbers are converted by the lexer: integers exactly, decimals through
** the exact fast path (at most 2^53 in the mantissa, a power of ten up to
** 10^22, one correctly rounded operation) or else through strtod on a copy
** spelled in the C library's current decimal point.
*/
#include <float.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "orc.h"

const char *orc_json_strerror (int code) {
  switch (code) {
    case ORC_JSON_OK: return "no error";
    case ORC_JSON_ENOMEM: return "out of memory";
    case ORC_JSON_ETOOBIG: return "size limit reached";
    case ORC_JSON_EUTF8: return "invalid UTF-8";
    case ORC_JSON_ECTRL: return "unescaped control character in a string";
    case ORC_JSON_EESCAPE: return "invalid escape in a string";
    case ORC_JSON_ESURROGATE: return "lone UTF-16 surrogate in a \\u escape";
    case ORC_JSON_EEOF: return "unexpected end of input";
    case ORC_JSON_ESYNTAX: return "unexpected character";
    case ORC_JSON_ENUMBER: return "malformed number";
    case ORC_JSON_ERANGE: return "number out of range";
    case ORC_JSON_EDEPTH: return "nested too deeply";
    case ORC_JSON_ETRAIL: return "unexpected text after the value";
    case ORC_JSON_EEMPTY: return "no value (empty input)";
    default: return "unknown error";
  }
}

/* ====================================================================== */
/* UTF-8                                                                  */
/* ====================================================================== */

/*
** Length of the valid sequence at p, whose lead byte is >= 0x80, or 0.
** (RFC 3629's table: E0 needs A0..BF next, ED 80..9F, F0 90..BF, F4 80..8F.)
*/
static size_t utf8_seq (const unsigned char *p, const unsigned char *end) {
  unsigned c = p[0];
  size_t n = (size_t)(end - p);
  unsigned lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF)
    return (n >= 2 && (p[1] & 0xC0) == 0x80) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (c == 0xE0) lo = 0xA0;
    else if (c == 0xED) hi = 0x9F;
    if (n < 3 || p[1] < lo || p[1] > hi || (p[2] & 0xC0) != 0x80) return 0;
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (c == 0xF0) lo = 0x90;
    else if (c == 0xF4) hi = 0x8F;
    if (n < 4 || p[1] < lo || p[1] > hi || (p[2] & 0xC0) != 0x80 ||
        (p[3] & 0xC0) != 0x80)
      return 0;
    return 4;
  }
  return 0;
}

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/*
** The bytes among the 8 at p that are not printable ASCII other than '"'
** and '\\': their high bits set in the result.  A borrow can only mark a
** byte above a marked one, so the lowest mark is exact.
*/
static uint64_t special8 (const unsigned char *p) {
  uint64_t v, q, b;
  memcpy(&v, p, 8);
  q = v ^ (ONES * '"');
  b = v ^ (ONES * '\\');
  return (((q - ONES) & ~q) | ((b - ONES) & ~b) | ((v - ONES * 0x20) & ~v) |
          v) & HIGHS;
}

/* How many bytes from p on need no look (see special8). */
static size_t plain_run (const unsigned char *p, const unsigned char *end) {
  const unsigned char *s = p;
  while (end - p >= 8) {
    uint64_t m = special8(p);
    if (m != 0) {
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
      return (size_t)(p - s) + ((unsigned)__builtin_ctzll(m) >> 3);
#else
      break;
#endif
    }
    p += 8;
  }
  while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\') p++;
  return (size_t)(p - s);
}

/* Are the 8 bytes at p all ASCII? */
static int ascii8 (const unsigned char *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return (v & HIGHS) == 0;
}

size_t orc_utf8_valid (const char *s, size_t len) {
  const unsigned char *p = (const unsigned char *)s, *end = p + len;
  while (p < end) {
    size_t n;
    while (end - p >= 8 && ascii8(p)) p += 8;
    if (p == end) break;
    if (*p < 0x80) { p++; continue; }
    n = utf8_seq(p, end);
    if (n == 0) return (size_t)(p - (const unsigned char *)s);
    p += n;
  }
  return len;
}

/* ====================================================================== */
/* numbers                                                                */
/* ====================================================================== */

/* Every power of ten a double holds exactly. */
static const double POW10[] = {
  1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
  1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22
};

#define TWO53 UINT64_C(9007199254740992)

/*
** strtod on s[0..len), a valid JSON number, spelled with the current
** locale's decimal point.  ORC_JSON_OK, ENOMEM or ERANGE (overflow).
*/
static int slow_strtod (const char *s, size_t len, double *out) {
  char stack[128], *buf = stack;
  const char *dp = localeconv()->decimal_point;
  size_t dpl = (dp && *dp) ? strlen(dp) : 1, i, k = 0;
  double d;
  if (len > sizeof stack - dpl - 1) {
    buf = (char *)malloc(len + dpl + 1);
    if (buf == NULL) return ORC_JSON_ENOMEM;
  }
  for (i = 0; i < len; i++) {
    if (s[i] == '.' && dp && *dp) {
      memcpy(buf + k, dp, dpl);
      k += dpl;
    } else {
      buf[k++] = s[i];
    }
  }
  buf[k] = '\0';
  d = strtod(buf, NULL);
  if (buf != stack) free(buf);
  if (d - d != 0) return ORC_JSON_ERANGE;     /* overflowed to an infinity */
  *out = d;
  return ORC_JSON_OK;
}

/* ====================================================================== */
/* lexer                                                                  */
/* ====================================================================== */

enum { S_START, S_VALUE, S_ARRAY_FIRST, S_OBJECT_FIRST, S_KEY, S_AFTER, S_DONE };

void orc_jlex_init (orc_jlex *lx, const char *s, size_t len, int max_depth) {
  memset(lx, 0, sizeof *lx);
  lx->start = lx->p = s;
  lx->end = s + len;
  lx->state = S_START;
  lx->max_depth = (max_depth <= 0 || max_depth > ORC_JSON_MAX_DEPTH)
                      ? ORC_JSON_MAX_DEPTH : max_depth;
  if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) lx->p += 3;
}

static int fail (orc_jlex *lx, int code, const char *at) {
  lx->error = code;
  lx->error_offset = (size_t)(at - lx->start);
  lx->p = at;
  return ORC_JT_ERROR;
}

static const char *skip_ws (const char *p, const char *end) {
  while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
  return p;
}

static int hexval (int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* The 4 hex digits at p (p + 4 <= end checked by the caller), or -1. */
static long hex4 (const unsigned char *p) {
  int a = hexval(p[0]), b = hexval(p[1]), c = hexval(p[2]), d = hexval(p[3]);
  if ((a | b | c | d) < 0) return -1;
  return ((long)a << 12) | (b << 8) | (c << 4) | d;
}

/*
** Check a \u escape at p (the backslash).  Its length in *n (6, or 12 for
** a surrogate pair); ORC_JSON_OK or an error code with *at.
*/
static int check_u (const unsigned char *p, const unsigned char *end,
                    size_t *n, const unsigned char **at) {
  long u, lo;
  const unsigned char *q;
  size_t i;
  for (i = 2; i < 6; i++) {
    if (p + i >= end) { *at = end; return ORC_JSON_EEOF; }
    if (hexval(p[i]) < 0) { *at = p; return ORC_JSON_EESCAPE; }
  }
  u = hex4(p + 2);
  *n = 6;
  if (u < 0xD800 || u > 0xDFFF) return ORC_JSON_OK;
  *at = p;
  if (u >= 0xDC00) return ORC_JSON_ESURROGATE;
  q = p + 6;                        /* a high surrogate: a low one must follow */
  if (q >= end) { *at = end; return ORC_JSON_EEOF; }
  if (q[0] != '\\') return ORC_JSON_ESURROGATE;
  if (q + 1 >= end) { *at = end; return ORC_JSON_EEOF; }
  if (q[1] != 'u') return ORC_JSON_ESURROGATE;
  for (i = 2; i < 6; i++) {
    if (q + i >= end) { *at = end; return ORC_JSON_EEOF; }
    if (hexval(q[i]) < 0) { *at = q; return ORC_JSON_EESCAPE; }
  }
  lo = hex4(q + 2);
  if (lo < 0xDC00 || lo > 0xDFFF) return ORC_JSON_ESURROGATE;
  *n = 12;
  return ORC_JSON_OK;
}

/*
** Scan a string body from p (just past the opening quote).  Returns the
** closing quote, or NULL after fail().
*/
static const char *scan_string (orc_jlex *lx, const char *s, int *escaped) {
  const unsigned char *p = (const unsigned char *)s;
  const unsigned char *end = (const unsigned char *)lx->end;
  *escaped = 0;
  for (;;) {
    unsigned c;
    p += plain_run(p, end);
    if (p == end) { fail(lx, ORC_JSON_EEOF, (const char *)p); return NULL; }
    c = *p;
    if (c == '"') return (const char *)p;
    if (c == '\\') {
      size_t n = 2;
      const unsigned char *at = p;
      int code = ORC_JSON_OK;
      if (p + 1 >= end) code = ORC_JSON_EEOF, at = end;
      else switch (p[1]) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n':
        case 'r': case 't': break;
        case 'u': code = check_u(p, end, &n, &at); break;
        default: code = ORC_JSON_EESCAPE; break;
      }
      if (code != ORC_JSON_OK) { fail(lx, code, (const char *)at); return NULL; }
      *escaped = 1;
      p += n;
    } else if (c < 0x20) {
      fail(lx, ORC_JSON_ECTRL, (const char *)p);
      return NULL;
    } else if (c >= 0x80) {
      size_t n = utf8_seq(p, end);
      if (n == 0) { fail(lx, ORC_JSON_EUTF8, (const char *)p); return NULL; }
      p += n;
    } else {
      p++;                         /* cannot happen: plain_run took it */
    }
  }
}

/* Scan and convert a number at s.  Returns the end, or NULL after fail(). */
static const char *scan_number (orc_jlex *lx, const char *s, orc_jtok *t) {
  const unsigned char *p = (const unsigned char *)s;
  const unsigned char *end = (const unsigned char *)lx->end;
  uint64_t m = 0;
  int neg = 0, nd = 0, inexact = 0, is_float = 0;
  long frac = 0, dropped = 0, ex = 0, e10;
  if (*p == '-') { neg = 1; p++; }
  if (p == end) { fail(lx, ORC_JSON_EEOF, (const char *)p); return NULL; }
  if (*p == '0') {
    p++;
    if (p < end && *p >= '0' && *p <= '9') {
      fail(lx, ORC_JSON_ENUMBER, (const char *)p);    /* a leading zero */
      return NULL;
    }
  } else if (*p >= '1' && *p <= '9') {
    for (; p < end && *p >= '0' && *p <= '9'; p++) {
      if (nd < 19) { m = m * 10 + (unsigned)(*p - '0'); nd++; }
      else { dropped++; inexact = 1; }
    }
  } else {
    fail(lx, ORC_JSON_ENUMBER, (const char *)p);
    return NULL;
  }
  if (p < end && *p == '.') {
    is_float = 1;
    p++;
    if (p == end) { fail(lx, ORC_JSON_EEOF, (const char *)p); return NULL; }
    if (!(*p >= '0' && *p <= '9')) {
      fail(lx, ORC_JSON_ENUMBER, (const char *)p);
      return NULL;
    }
    for (; p < end && *p >= '0' && *p <= '9'; p++) {
      if (nd < 19) {
        if (m != 0 || *p != '0') { m = m * 10 + (unsigned)(*p - '0'); nd++; }
        frac++;
      } else {
        inexact = 1;
      }
    }
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    int eneg = 0;
    is_float = 1;
    p++;
    if (p < end && (*p == '+' || *p == '-')) { eneg = (*p == '-'); p++; }
    if (p == end) { fail(lx, ORC_JSON_EEOF, (const char *)p); return NULL; }
    if (!(*p >= '0' && *p <= '9')) {
      fail(lx, ORC_JSON_ENUMBER, (const char *)p);
      return NULL;
    }
    for (; p < end && *p >= '0' && *p <= '9'; p++)
      if (ex < 100000) ex = ex * 10 + (*p - '0');
    if (eneg) ex = -ex;
  }
  t->s = s;
  t->len = (size_t)((const char *)p - s);
  t->is_int = 0;
  if (!is_float && !inexact) {
    if (!neg && m <= (uint64_t)LLONG_MAX) {
      t->is_int = 1;
      t->i = (long long)m;
    } else if (neg && m <= (uint64_t)LLONG_MAX + 1) {
      t->is_int = 1;
      t->i = (m == (uint64_t)LLONG_MAX + 1) ? LLONG_MIN : -(long long)m;
    }
    if (t->is_int) {
      t->d = (double)t->i;
    } else {
      t->d = neg ? -(double)m : (double)m;     /* one correct rounding */
    }
    return (const char *)p;
  }
  e10 = ex - frac + dropped;
#if FLT_EVAL_METHOD == 0
  if (!inexact && m <= TWO53 && e10 >= -22 && e10 <= 22) {
    double d = (double)m;
    d = e10 >= 0 ? d * POW10[e10] : d / POW10[-e10];
    t->d = neg ? -d : d;
    return (const char *)p;
  }
#endif
  {
    int code = slow_strtod(s, t->len, &t->d);
    if (code != ORC_JSON_OK) { fail(lx, code, s); return NULL; }
  }
  return (const char *)p;
}

static int literal (orc_jlex *lx, const char *p, const char *word, size_t n,
                    int type) {
  size_t k, avail = (size_t)(lx->end - p);
  for (k = 0; k < n; k++) {
    if (k >= avail) return fail(lx, ORC_JSON_EEOF, lx->end);
    if (p[k] != word[k]) return fail(lx, ORC_JSON_ESYNTAX, p + k);
  }
  lx->p = p + n;
  return type;
}

#define IN_OBJECT(lx) ((lx)->in_object[(lx)->depth >> 3] & (1u << ((lx)->depth & 7)))

static void after_value (orc_jlex *lx) {
  lx->state = lx->depth == 0 ? S_DONE : S_AFTER;
}

int orc_jlex_next (orc_jlex *lx, orc_jtok *t) {
  const char *p, *end = lx->end;
  int type;
  if (lx->error) return ORC_JT_ERROR;
  p = skip_ws(lx->p, end);
  switch (lx->state) {
    case S_DONE:
      if (p != end) return fail(lx, ORC_JSON_ETRAIL, p);
      lx->p = p;
      return ORC_JT_END;
    case S_AFTER:
      if (p == end) return fail(lx, ORC_JSON_EEOF, p);
      if (*p == ',') {
        p = skip_ws(p + 1, end);
        if (IN_OBJECT(lx)) goto key;
        goto value;
      }
      if (*p == (IN_OBJECT(lx) ? '}' : ']')) goto close;
      return fail(lx, ORC_JSON_ESYNTAX, p);
    case S_OBJECT_FIRST:
      if (p < end && *p == '}') goto close;
      goto key;
    case S_ARRAY_FIRST:
      if (p < end && *p == ']') goto close;
      goto value;
    case S_KEY:
      goto key;
    case S_START:
      if (p == end) return fail(lx, ORC_JSON_EEMPTY, p);
      goto value;
    default:
      goto value;
  }

close:
  type = IN_OBJECT(lx) ? ORC_JT_OBJECT_END : ORC_JT_ARRAY_END;
  lx->depth--;
  lx->p = p + 1;
  after_value(lx);
  return type;

key:
  if (p == end) return fail(lx, ORC_JSON_EEOF, p);
  if (*p != '"') return fail(lx, ORC_JSON_ESYNTAX, p);
  {
    const char *q = scan_string(lx, p + 1, &t->escaped);
    if (q == NULL) return ORC_JT_ERROR;
    t->s = p + 1;
    t->len = (size_t)(q - (p + 1));
    p = skip_ws(q + 1, end);
    if (p == end) return fail(lx, ORC_JSON_EEOF, p);
    if (*p != ':') return fail(lx, ORC_JSON_ESYNTAX, p);
    lx->p = p + 1;
    lx->state = S_VALUE;
    return ORC_JT_KEY;
  }

value:
  if (p == end) return fail(lx, ORC_JSON_EEOF, p);
  switch (*p) {
    case '{': case '[':
      if (lx->depth >= lx->max_depth) return fail(lx, ORC_JSON_EDEPTH, p);
      lx->depth++;
      if (*p == '{') {
        lx->in_object[lx->depth >> 3] |= (unsigned char)(1u << (lx->depth & 7));
        lx->state = S_OBJECT_FIRST;
        type = ORC_JT_OBJECT;
      } else {
        lx->in_object[lx->depth >> 3] &= (unsigned char)~(1u << (lx->depth & 7));
        lx->state = S_ARRAY_FIRST;
        type = ORC_JT_ARRAY;
      }
      lx->p = p + 1;
      return type;
    case '"': {
      const char *q = scan_string(lx, p + 1, &t->escaped);
      if (q == NULL) return ORC_JT_ERROR;
      t->s = p + 1;
      t->len = (size_t)(q - (p + 1));
      lx->p = q + 1;
      after_value(lx);
      return ORC_JT_STRING;
    }
    case '-': case '0': case '1': case '2': case '3': case '4': case '5':
    case '6': case '7': case '8': case '9': {
      const char *q = scan_number(lx, p, t);
      if (q == NULL) return ORC_JT_ERROR;
      lx->p = q;
      after_value(lx);
      return ORC_JT_NUMBER;
    }
    case 't': type = literal(lx, p, "true", 4, ORC_JT_TRUE); break;
    case 'f': type = literal(lx, p, "false", 5, ORC_JT_FALSE); break;
    case 'n': type = literal(lx, p, "null", 4, ORC_JT_NULL); break;
    default: return fail(lx, ORC_JSON_ESYNTAX, p);
  }
  if (type != ORC_JT_ERROR) after_value(lx);
  return type;
}

size_t orc_json_unescape (const char **sp, const char *end, char *out,
                          size_t room) {
  const unsigned char *p = (const unsigned char *)*sp;
  const unsigned char *e = (const unsigned char *)end;
  char *o = out, *oend = out + room;
  while (p < e && oend - o >= 4) {
    unsigned long u;
    if (*p != '\\') {
      const unsigned char *q = (const unsigned char *)memchr(p, '\\', (size_t)(e - p));
      size_t n = (size_t)((q ? q : e) - p);
      if (n > (size_t)(oend - o)) n = (size_t)(oend - o);
      memcpy(o, p, n);
      o += n;
      p += n;
      continue;
    }
    switch (p[1]) {
      case 'b': *o++ = '\b'; p += 2; continue;
      case 'f': *o++ = '\f'; p += 2; continue;
      case 'n': *o++ = '\n'; p += 2; continue;
      case 'r': *o++ = '\r'; p += 2; continue;
      case 't': *o++ = '\t'; p += 2; continue;
      case 'u': break;
      default: *o++ = (char)p[1]; p += 2; continue;     /* " \ / */
    }
    u = (unsigned long)hex4(p + 2);
    p += 6;
    if (u >= 0xD800 && u <= 0xDBFF) {                   /* checked: a pair */
      u = 0x10000 + ((u - 0xD800) << 10) + ((unsigned long)hex4(p + 2) - 0xDC00);
      p += 6;
    }
    if (u < 0x80) {
      *o++ = (char)u;
    } else if (u < 0x800) {
      *o++ = (char)(0xC0 | (u >> 6));
      *o++ = (char)(0x80 | (u & 0x3F));
    } else if (u < 0x10000) {
      *o++ = (char)(0xE0 | (u >> 12));
      *o++ = (char)(0x80 | ((u >> 6) & 0x3F));
      *o++ = (char)(0x80 | (u & 0x3F));
    } else {
      *o++ = (char)(0xF0 | (u >> 18));
      *o++ = (char)(0x80 | ((u >> 12) & 0x3F));
      *o++ = (char)(0x80 | ((u >> 6) & 0x3F));
      *o++ = (char)(0x80 | (u & 0x3F));
    }
  }
  *sp = (const char *)p;
  return (size_t)(o - out);
}

int orc_json_check (const char *s, size_t len, int max_depth, size_t *offset) {
  orc_jlex lx;
  orc_jtok t;
  int type;
  orc_jlex_init(&lx, s, len, max_depth);
  do {
    type = orc_jlex_next(&lx, &t);
  } while (type > ORC_JT_END);
  if (type == ORC_JT_ERROR) {
    *offset = lx.error_offset;
    return lx.error;
  }
  return ORC_JSON_OK;
}

/* ====================================================================== */
/* encoding                                                               */
/* ====================================================================== */

/* The limit is checked loosely here (reservations are upper bounds): the
** encoder compares the final length with it. */
#define LIMIT_SLACK 64

void orc_jbuf_init (orc_jbuf *b, size_t limit) {
  b->data = NULL;
  b->len = b->cap = 0;
  b->limit = limit;
}

void orc_jbuf_free (orc_jbuf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

int orc_jbuf_grow (orc_jbuf *b, size_t more) {
  size_t need, ncap;
  char *nd;
  if (more > SIZE_MAX - b->len) return ORC_JSON_ENOMEM;
  need = b->len + more;
  if (need <= b->cap) return ORC_JSON_OK;
  if (b->limit && need > b->limit && need - b->limit > LIMIT_SLACK)
    return ORC_JSON_ETOOBIG;
  ncap = b->cap ? b->cap : 256;
  while (ncap < need) {
    if (ncap > SIZE_MAX / 2) { ncap = need; break; }
    ncap *= 2;
  }
  nd = (char *)realloc(b->data, ncap);
  if (nd == NULL) return ORC_JSON_ENOMEM;
  b->data = nd;
  b->cap = ncap;
  return ORC_JSON_OK;
}

static const char HEX[] = "0123456789abcdef";

int orc_json_put_string (orc_jbuf *b, const char *s, size_t len, size_t *bad) {
  const unsigned char *p = (const unsigned char *)s, *end = p + len;
  size_t start = b->len;
  int code;
  /* Invariant: room for the rest of the input, unescaped, and the quote. */
  if ((code = orc_jbuf_reserve(b, len + 2)) != ORC_JSON_OK) return code;
  b->data[b->len++] = '"';
  for (;;) {
    const unsigned char *q = p + plain_run(p, end);
    unsigned c;
    if (q > p) {
      memcpy(b->data + b->len, p, (size_t)(q - p));
      b->len += (size_t)(q - p);
      p = q;
    }
    if (p == end) break;
    c = *p;
    if (c >= 0x80) {
      size_t n = utf8_seq(p, end);
      if (n == 0) {
        *bad = (size_t)(p - (const unsigned char *)s);
        b->len = start;
        return ORC_JSON_EUTF8;
      }
      memcpy(b->data + b->len, p, n);
      b->len += n;
      p += n;
      continue;
    }
    if ((code = orc_jbuf_reserve(b, (size_t)(end - p) + 7)) != ORC_JSON_OK) {
      b->len = start;
      return code;
    }
    b->data[b->len++] = '\\';
    switch (c) {
      case '"': b->data[b->len++] = '"'; break;
      case '\\': b->data[b->len++] = '\\'; break;
      case '\b': b->data[b->len++] = 'b'; break;
      case '\f': b->data[b->len++] = 'f'; break;
      case '\n': b->data[b->len++] = 'n'; break;
      case '\r': b->data[b->len++] = 'r'; break;
      case '\t': b->data[b->len++] = 't'; break;
      default:
        b->data[b->len++] = 'u';
        b->data[b->len++] = '0';
        b->data[b->len++] = '0';
        b->data[b->len++] = HEX[c >> 4];
        b->data[b->len++] = HEX[c & 15];
        break;
    }
    p++;
  }
  b->data[b->len++] = '"';
  return ORC_JSON_OK;
}

static const char DIGITS2[] =
  "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
  "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
  "8081828384858687888990919293949596979899";

int orc_json_fmt_int (char *out, long long v) {
  char tmp[24];
  int n = 24, k = 0;
  unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;
  while (u >= 100) {                   /* two digits a division */
    unsigned d = (unsigned)(u % 100) * 2;
    u /= 100;
    tmp[--n] = DIGITS2[d + 1];
    tmp[--n] = DIGITS2[d];
  }
  if (u >= 10) {
    tmp[--n] = DIGITS2[u * 2 + 1];
    tmp[--n] = DIGITS2[u * 2];
  } else {
    tmp[--n] = (char)('0' + (int)u);
  }
  if (v < 0) out[k++] = '-';
  memcpy(out + k, tmp + n, (size_t)(24 - n));
  k += 24 - n;
  out[k] = '\0';
  return k;
}

/*
** The decimals people write (0.7, 1.25, 0.0015) without printf: the
** smallest k such that |d| = m / 10^k exactly, for an integer m of at most
** 15 digits.  m and 10^k are exact doubles and the division is correctly
** rounded, so the text reads back as d (what the lexer's fast path relies
** on too); m * 10^-k rounds back from 10^k |d| because the error of that
** product is below 0.5 for m < 10^15.  Only for 1e-4 <= |d| < 1e15, where
** %.15g writes fixed notation: any 15-digit decimal survives a round trip
** through a double (DBL_DIG), so the text is %.15g's, digit for digit.
** Returns the length, or 0 to leave d to the general path.
*/
static int fmt_short_decimal (char *out, double d) {
  double a = fabs(d), s = 0, m = 0;
  char digits[24];
  int k, nd = 0, n = 0, i;
  long long v;
  if (!(a >= 1e-4 && a < 1e15)) return 0;
  for (k = 1; k <= 19; k++) {
    s = a * POW10[k];
    if (s >= 1e15) return 0;
    m = floor(s + 0.5);
    if (m / POW10[k] == a) break;
  }
  if (k > 19) return 0;
  for (v = (long long)m; v > 0; v /= 10) digits[nd++] = (char)('0' + (int)(v % 10));
  if (d < 0) out[n++] = '-';
  if (nd <= k) {                               /* 0.000ddd */
    out[n++] = '0';
    out[n++] = '.';
    for (i = nd; i < k; i++) out[n++] = '0';
    while (nd > 0) out[n++] = digits[--nd];
  } else {                                     /* ddd.ddd */
    for (i = nd; i > k; i--) out[n++] = digits[i - 1];
    out[n++] = '.';
    for (i = k; i > 0; i--) out[n++] = digits[i - 1];
  }
  out[n] = '\0';
  return n;
}

int orc_json_fmt_double (char *out, double d) {
  char tmp[ORC_JSON_NUMBUF];
  int prec, n, k = 0, i, in_exp = 0, exp_lead = 0;
  if (d != d || d - d != 0) return 0;                 /* NaN, infinities */
  if (d == 0) {
    if (signbit(d)) { memcpy(out, "-0.0", 5); return 4; }
    memcpy(out, "0", 2);
    return 1;
  }
  if (floor(d) == d && fabs(d) <= 9007199254740992.0)
    return orc_json_fmt_int(out, (long long)d);
  if ((n = fmt_short_decimal(out, d)) > 0) return n;
  /* 15 digits read back uniquely for normal doubles, so %.15g is already
  ** the shortest when any form of 15 or fewer digits is; subnormals have
  ** fewer digits of precision and start lower (5e-324). */
  n = 0;
  for (prec = fabs(d) < DBL_MIN ? 1 : 15; prec <= 17; prec++) {
    n = snprintf(tmp, sizeof tmp, "%.*g", prec, d);
    if (n <= 0 || n >= (int)sizeof tmp) return 0;     /* cannot happen */
    if (prec == 17 || strtod(tmp, NULL) == d) break;  /* read in the same locale */
  }
  /* Respell locale-free: the decimal point (whatever bytes the locale uses)
  ** becomes '.', and the exponent loses its '+' and leading zeros. */
  for (i = 0; i < n; i++) {
    char c = tmp[i];
    if (c >= '0' && c <= '9') {
      if (in_exp && exp_lead && c == '0') continue;
      exp_lead = 0;
      out[k++] = c;
    } else if (c == '-') {
      out[k++] = c;
    } else if (c == 'e') {
      out[k++] = 'e';
      in_exp = exp_lead = 1;
    } else if (c == '+' && in_exp) {
      continue;
    } else if (k == 0 || out[k - 1] != '.') {
      out[k++] = '.';
    }
  }
  out[k] = '\0';
  return k;
}
