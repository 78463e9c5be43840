/*
** schema.c -- the pure helpers of the schema engine: arena, UTF-8,
** numbers, property index, suggestions, URIs.  See schema.h.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"
#include "orc.h"

/* ====================================================================== */
/* arena                                                                  */
/* ====================================================================== */

struct orc_arena {
  struct orc_arena *next;
  size_t used, cap;
  size_t total;                 /* bytes in this chunk and those after */
  /* followed by cap bytes, aligned like a double */
};

#define ARENA_ALIGN 16u
#define ARENA_CHUNK 8192u
#define ARENA_HDR \
  ((sizeof(orc_arena) + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1))

void *orc_arena_alloc (orc_arena **a, size_t n) {
  orc_arena *c = *a;
  unsigned char *p;
  n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
  if (n == 0) n = ARENA_ALIGN;
  if (c == NULL || c->cap - c->used < n) {
    size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;
    if (n > (size_t)-1 / 2) return NULL;
    c = (orc_arena *)malloc(ARENA_HDR + cap);
    if (c == NULL) return NULL;
    c->next = *a;
    c->used = 0;
    c->cap = cap;
    c->total = cap + (*a ? (*a)->total : 0);
    *a = c;
  }
  p = (unsigned char *)c + ARENA_HDR + c->used;
  c->used += n;
  memset(p, 0, n);
  return p;
}

char *orc_arena_strdup (orc_arena **a, const char *s, size_t len) {
  char *p = (char *)orc_arena_alloc(a, len + 1);
  if (p != NULL) {
    if (len) memcpy(p, s, len);
    p[len] = '\0';
  }
  return p;
}

void orc_arena_free (orc_arena **a) {
  orc_arena *c = *a;
  while (c != NULL) {
    orc_arena *next = c->next;
    free(c);
    c = next;
  }
  *a = NULL;
}

size_t orc_arena_size (const orc_arena *a) {
  return a ? a->total : 0;
}

/* ====================================================================== */
/* UTF-8                                                                  */
/* ====================================================================== */

uint32_t orc_utf8_next (const char *str, size_t len, size_t *i) {
  const unsigned char *s = (const unsigned char *)str;
  size_t k = *i;
  uint32_t c = s[k], cp;
  int n, j;
  if (c < 0x80) { *i = k + 1; return c; }
  if (c >= 0xC2 && c <= 0xDF) { n = 1; cp = c & 0x1F; }
  else if (c >= 0xE0 && c <= 0xEF) { n = 2; cp = c & 0x0F; }
  else if (c >= 0xF0 && c <= 0xF4) { n = 3; cp = c & 0x07; }
  else goto bad;
  if (len - k <= (size_t)n) goto bad;
  for (j = 1; j <= n; j++) {
    if ((s[k + j] & 0xC0) != 0x80) goto bad;
    cp = (cp << 6) | (s[k + j] & 0x3F);
  }
  if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10FFFF)) ||
      (cp >= 0xD800 && cp <= 0xDFFF))
    goto bad;
  *i = k + (size_t)n + 1;
  return cp;
bad:
  *i = k + 1;
  return 0xFFFD;
}

size_t orc_utf8_len (const char *s, size_t len) {
  size_t i = 0, n = 0;
  while (i < len) {
    if ((unsigned char)s[i] < 0x80) i++;
    else (void)orc_utf8_next(s, len, &i);
    n++;
  }
  return n;
}

/* ====================================================================== */
/* numbers                                                                */
/* ====================================================================== */

int orc_multiple_of (double v, double d) {
  double q, r;
  if (!isfinite(v) || !(d > 0) || !isfinite(d)) return 0;
  if (v == 0) return 1;
  if (floor(d) == d && floor(v) == v)
    return fmod(v, d) == 0;           /* fmod is exact */
  q = v / d;
  if (!isfinite(q)) return 0;
  if (fabs(q) >= 4503599627370496.0)  /* 2^52: no fraction to tell */
    return 1;
  /* Decimal operands carry a relative error of ~1e-16 each; allow a few
  ** times that on the quotient, never an absolute slack. */
  r = fabs(q - nearbyint(q));
  return r <= fabs(q) * 2e-15;
}

/* ====================================================================== */
/* property index                                                         */
/* ====================================================================== */

uint32_t orc_hash (const char *s, size_t len) {
  uint32_t h = 2166136261u;
  size_t i;
  for (i = 0; i < len; i++) {
    h ^= (unsigned char)s[i];
    h *= 16777619u;
  }
  return h;
}

int orc_node_index (orc_arena **a, orc_node *n) {
  uint32_t size = 4, i;
  while (size < 2 * n->nprops) size <<= 1;
  n->slots = (uint32_t *)orc_arena_alloc(a, size * sizeof(uint32_t));
  if (n->slots == NULL) return 0;
  n->mask = size - 1;
  for (i = 0; i < n->nprops; i++) {
    uint32_t h = n->props[i].hash & n->mask;
    while (n->slots[h] != 0) h = (h + 1) & n->mask;
    n->slots[h] = i + 1;
  }
  return 1;
}

const orc_prop *orc_node_prop (const orc_node *n, const char *s, size_t len) {
  uint32_t h, k;
  if (n->nprops == 0) return NULL;
  h = orc_hash(s, len);
  for (k = h & n->mask; n->slots[k] != 0; k = (k + 1) & n->mask) {
    const orc_prop *p = &n->props[n->slots[k] - 1];
    if (p->hash == h && p->len == len && memcmp(p->name, s, len) == 0)
      return p;
  }
  return NULL;
}

/* ====================================================================== */
/* suggestions                                                            */
/* ====================================================================== */

#define SUGGEST_MAX 64

int orc_edit_distance (const char *a, size_t alen, const char *b,
                       size_t blen, int limit) {
  int rows[3][SUGGEST_MAX + 1];
  int *pp = rows[0], *p = rows[1], *c = rows[2];
  size_t i, j;
  if (alen > SUGGEST_MAX || blen > SUGGEST_MAX) return -1;
  if ((alen > blen ? alen - blen : blen - alen) > (size_t)limit) return -1;
  for (j = 0; j <= blen; j++) p[j] = (int)j;
  for (i = 1; i <= alen; i++) {
    int best;
    int *t;
    c[0] = (int)i;
    best = c[0];
    for (j = 1; j <= blen; j++) {
      int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      int v = p[j] + 1;
      if (c[j - 1] + 1 < v) v = c[j - 1] + 1;
      if (p[j - 1] + cost < v) v = p[j - 1] + cost;
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
          pp[j - 2] + 1 < v)
        v = pp[j - 2] + 1;
      c[j] = v;
      if (v < best) best = v;
    }
    if (best > limit) return -1;
    t = pp; pp = p; p = c; c = t;
  }
  return p[blen] <= limit ? p[blen] : -1;
}

static int lower (int c) {
  return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

static int ieq (const char *a, size_t alen, const char *b, size_t blen) {
  size_t i;
  if (alen != blen) return 0;
  for (i = 0; i < alen; i++)
    if (lower((unsigned char)a[i]) != lower((unsigned char)b[i])) return 0;
  return 1;
}

/* camelCase / kebab-case -> snake_case, into out (2 * SUGGEST_MAX). */
static size_t snake (const char *s, size_t len, char *out) {
  size_t i, o = 0;
  for (i = 0; i < len; i++) {
    int c = (unsigned char)s[i];
    if (c >= 'A' && c <= 'Z') {
      if (o > 0 && out[o - 1] != '_') out[o++] = '_';
      out[o++] = (char)lower(c);
    } else {
      out[o++] = (char)(c == '-' ? '_' : c);
    }
  }
  return o;
}

int orc_suggest (const char *s, size_t len, const char *const *cands,
                 const size_t *clens, size_t n) {
  char sn[2 * SUGGEST_MAX];
  size_t snlen, i;
  int best = -1, bestd = 1 << 20;
  int limit = len <= 4 ? 1 : (len <= 9 ? 2 : 3);
  if (len == 0 || len > SUGGEST_MAX) return -1;
  snlen = snake(s, len, sn);
  for (i = 0; i < n; i++) {
    int d;
    if (clens[i] == len && memcmp(cands[i], s, len) == 0) continue;
    if ((clens[i] == snlen && memcmp(cands[i], sn, snlen) == 0) ||
        ieq(cands[i], clens[i], s, len))
      d = 0;
    else {
      int d1 = orc_edit_distance(s, len, cands[i], clens[i], limit);
      int d2 = orc_edit_distance(sn, snlen, cands[i], clens[i], limit);
      if (d1 < 0 || (d2 >= 0 && d2 < d1)) d1 = d2;
      if (d1 < 0) continue;
      d = d1;
    }
    if (d < bestd) { bestd = d; best = (int)i; }
  }
  return best;
}

/* ====================================================================== */
/* URIs                                                                   */
/* ====================================================================== */

typedef struct uri {
  const char *scheme; size_t nscheme;       /* including ':' */
  const char *auth; size_t nauth; int hauth; /* including "//" */
  const char *path; size_t npath;
  const char *query; size_t nquery; int hquery;  /* including '?' */
  const char *frag; size_t nfrag; int hfrag;     /* including '#' */
} uri;

static int is_alpha (int c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static void uri_parse (const char *s, size_t n, uri *u) {
  size_t i = 0, j;
  memset(u, 0, sizeof *u);
  if (n > 0 && is_alpha((unsigned char)s[0])) {
    for (j = 1; j < n; j++) {
      int c = (unsigned char)s[j];
      if (!(is_alpha(c) || (c >= '0' && c <= '9') || c == '+' || c == '-' ||
            c == '.'))
        break;
    }
    if (j < n && s[j] == ':') {
      u->scheme = s; u->nscheme = j + 1; i = j + 1;
    }
  }
  if (n - i >= 2 && s[i] == '/' && s[i + 1] == '/') {
    j = i + 2;
    while (j < n && s[j] != '/' && s[j] != '?' && s[j] != '#') j++;
    u->auth = s + i; u->nauth = j - i; u->hauth = 1; i = j;
  }
  j = i;
  while (j < n && s[j] != '?' && s[j] != '#') j++;
  u->path = s + i; u->npath = j - i; i = j;
  if (i < n && s[i] == '?') {
    j = i;
    while (j < n && s[j] != '#') j++;
    u->query = s + i; u->nquery = j - i; u->hquery = 1; i = j;
  }
  if (i < n && s[i] == '#') {
    u->frag = s + i; u->nfrag = n - i; u->hfrag = 1;
  }
}

static int starts (const char *s, size_t n, const char *lit) {
  size_t k = strlen(lit);
  return n >= k && memcmp(s, lit, k) == 0;
}

/* RFC 3986 5.2.4, appending to out at *o. */
static void remove_dots (const char *in, size_t n, char *out, size_t *o) {
  size_t i = 0, base = *o, k = *o;
  while (i < n) {
    const char *p = in + i;
    size_t r = n - i;
    if (starts(p, r, "../")) i += 3;
    else if (starts(p, r, "./")) i += 2;
    else if (starts(p, r, "/./")) i += 2;
    else if (r == 2 && starts(p, r, "/.")) { out[k++] = '/'; i += 2; }
    else if (starts(p, r, "/../") || (r == 3 && starts(p, r, "/.."))) {
      while (k > base && out[k - 1] != '/') k--;
      if (k > base) k--;
      if (r == 3) { out[k++] = '/'; i += 3; }
      else i += 3;
    } else if ((r == 1 && p[0] == '.') || (r == 2 && starts(p, r, ".."))) {
      i = n;
    } else {
      if (in[i] == '/') out[k++] = in[i++];
      while (i < n && in[i] != '/') out[k++] = in[i++];
    }
  }
  *o = k;
}

static void put (char *out, size_t *o, const char *s, size_t n) {
  if (n) memcpy(out + *o, s, n);
  *o += n;
}

size_t orc_uri_resolve (const char *base, size_t blen, const char *ref,
                        size_t rlen, char *out) {
  uri b, r;
  size_t o = 0;
  uri_parse(base, blen, &b);
  uri_parse(ref, rlen, &r);
  if (r.nscheme) {
    put(out, &o, r.scheme, r.nscheme);
    put(out, &o, r.auth, r.nauth);
    remove_dots(r.path, r.npath, out, &o);
    put(out, &o, r.query, r.nquery);
  } else {
    put(out, &o, b.scheme, b.nscheme);
    if (r.hauth) {
      put(out, &o, r.auth, r.nauth);
      remove_dots(r.path, r.npath, out, &o);
      put(out, &o, r.query, r.nquery);
    } else {
      put(out, &o, b.auth, b.nauth);
      if (r.npath == 0) {
        put(out, &o, b.path, b.npath);
        if (r.hquery) put(out, &o, r.query, r.nquery);
        else put(out, &o, b.query, b.nquery);
      } else {
        if (r.path[0] == '/') {
          remove_dots(r.path, r.npath, out, &o);
        } else {
          /* merge into a scratch area at the end of out, then clean */
          char *m = out + blen + rlen + 2 - (b.npath + r.npath + 1);
          size_t mn = 0, cut = b.npath;
          if (b.hauth && b.npath == 0) m[mn++] = '/';
          else {
            while (cut > 0 && b.path[cut - 1] != '/') cut--;
            memmove(m + mn, b.path, cut); mn += cut;
          }
          memmove(m + mn, r.path, r.npath); mn += r.npath;
          /* m lies at or after out + o, and remove_dots never writes
          ** past the byte it reads: safe in place. */
          remove_dots(m, mn, out, &o);
        }
        put(out, &o, r.query, r.nquery);
      }
    }
  }
  put(out, &o, r.frag, r.nfrag);
  return o;
}

static int hexval (int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

size_t orc_percent_decode (char *s, size_t len) {
  size_t i, o = 0;
  for (i = 0; i < len; i++) {
    int h, l;
    if (s[i] == '%' && i + 2 < len &&
        (h = hexval((unsigned char)s[i + 1])) >= 0 &&
        (l = hexval((unsigned char)s[i + 2])) >= 0) {
      s[o++] = (char)(h * 16 + l);
      i += 2;
    } else {
      s[o++] = s[i];
    }
  }
  return o;
}
