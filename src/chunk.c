/*
** chunk.c -- the chat-completion chunk scanner, and a walker over checked
** JSON.  No Lua (see chunk.h).
**
** The scanner is a recursive descent specialised for the chunk's shape:
** the top-level object, its choices array, each choice, each delta; every
** other value goes through one iterative checker.  What it accepts is what
** json.c's lexer accepts (the same grammar, UTF-8 and escape rules, depth
** limit and number range), which fuzz/fuzz_chunk.c checks.  Strings are
** scanned eight bytes at a time to the next quote, backslash or control
** character; a string with a byte >= 0x80 is then checked with
** orc_utf8_valid.  A number that could overflow a double is read by the
** lexer itself, which says whether it does.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chunk.h"
#include "json.h"
#include "orc.h"

#define IS_WS(c) ((c) == ' ' || (c) == '\n' || (c) == '\r' || (c) == '\t')
#define IS_DIGIT(c) ((c) >= '0' && (c) <= '9')

static const char *ws (const char *p, const char *end) {
  while (p < end && IS_WS(*p)) p++;
  return p;
}

/* ====================================================================== */
/* the scanner                                                            */
/* ====================================================================== */

typedef struct Scan {
  orc_chunk *c;
  const char *end;
  int err;
  unsigned char obj[(ORC_JSON_MAX_DEPTH + 8) / 8];   /* per depth: an object? */
} Scan;

static const char *fail (Scan *S, int code) {
  if (S->err == ORC_JSON_OK) S->err = code;
  return NULL;
}

static const orc_jv NONE = { NULL, 0, ORC_JV_NONE, 0 };

/* ---- strings -------------------------------------------------------- */

#define ONES UINT64_C(0x0101010101010101)
#define HIGHS UINT64_C(0x8080808080808080)

/*
** The high bits of the bytes among the 8 in w that end a plain run: '"',
** '\\' or a control character.  A borrow only marks a byte above a marked
** one, and a byte >= 0x80 is never marked, so the lowest mark is exact.
*/
static uint64_t stops8 (uint64_t w) {
  uint64_t q = w ^ (ONES * '"'), b = w ^ (ONES * '\\');
  return (((q - ONES) & ~q) | ((b - ONES) & ~b) | ((w - ONES * 0x20) & ~w)) & HIGHS;
}

/* The first '"', '\\' or control byte from p on, or end; *hi collects
** the bits of the bytes passed (and maybe a few after). */
static const unsigned char *plain (const unsigned char *p,
                                   const unsigned char *end, uint64_t *hi) {
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  while (end - p >= 8) {
    uint64_t w, m;
    memcpy(&w, p, 8);
    m = stops8(w);
    *hi |= w;
    if (m != 0) return p + ((unsigned)__builtin_ctzll(m) >> 3);
    p += 8;
  }
#endif
  while (p < end && *p != '"' && *p != '\\' && *p >= 0x20) *hi |= *p++;
  return p;
}

static int hexval (int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/* The 4 hex digits at p, or -1 (also when fewer than 4 bytes are left). */
static long hex4 (const unsigned char *p, const unsigned char *end) {
  int a, b, c, d;
  if (end - p < 4) return -1;
  a = hexval(p[0]), b = hexval(p[1]), c = hexval(p[2]), d = hexval(p[3]);
  if ((a | b | c | d) < 0) return -1;
  return ((long)a << 12) | (b << 8) | (c << 4) | d;
}

/* The length of the \u escape at p (6, or 12 for a surrogate pair), or 0. */
static size_t check_u (const unsigned char *p, const unsigned char *end) {
  long u = hex4(p + 2, end), lo;
  if (u < 0) return 0;
  if (u < 0xD800 || u > 0xDFFF) return 6;
  if (u >= 0xDC00 || end - p < 12 || p[6] != '\\' || p[7] != 'u') return 0;
  lo = hex4(p + 8, end);
  return (lo >= 0xDC00 && lo <= 0xDFFF) ? 12 : 0;
}

/* The string whose opening quote is at s. */
static const char *scan_string (Scan *S, const char *s, orc_jv *v) {
  const unsigned char *p = (const unsigned char *)s + 1;
  const unsigned char *end = (const unsigned char *)S->end;
  uint64_t hi = 0;
  int esc = 0;
  size_t len;
  for (;;) {
    p = plain(p, end, &hi);
    if (p == end) return fail(S, ORC_JSON_EEOF);
    if (*p == '"') break;
    if (*p != '\\') return fail(S, ORC_JSON_ECTRL);
    if (end - p < 2) return fail(S, ORC_JSON_EEOF);
    switch (p[1]) {
      case '"': case '\\': case '/': case 'b': case 'f': case 'n':
      case 'r': case 't':
        p += 2;
        break;
      case 'u': {
        size_t n = check_u(p, end);
        if (n == 0) return fail(S, ORC_JSON_EESCAPE);
        p += n;
        break;
      }
      default: return fail(S, ORC_JSON_EESCAPE);
    }
    esc = 1;
  }
  len = (size_t)((const char *)p - (s + 1));
  if ((hi & HIGHS) != 0 && orc_utf8_valid(s + 1, len) != len)
    return fail(S, ORC_JSON_EUTF8);
  v->s = s + 1;
  v->len = len;
  v->type = ORC_JV_STRING;
  v->esc = esc;
  return (const char *)p + 1;
}

/* ---- numbers and literals ------------------------------------------- */

static const char *scan_number (Scan *S, const char *s, orc_jv *v) {
  const char *p = s, *end = S->end;
  long mag = 0, ex = 0;
  int eneg = 0;
  if (*p == '-') p++;
  if (p == end) return fail(S, ORC_JSON_EEOF);
  if (*p == '0') {
    p++;
    if (p < end && IS_DIGIT(*p)) return fail(S, ORC_JSON_ENUMBER);
  } else if (*p >= '1' && *p <= '9') {
    while (p < end && IS_DIGIT(*p)) p++, mag++;
  } else {
    return fail(S, ORC_JSON_ENUMBER);
  }
  if (p < end && *p == '.') {
    p++;
    if (p == end || !IS_DIGIT(*p)) return fail(S, ORC_JSON_ENUMBER);
    while (p < end && IS_DIGIT(*p)) p++;
  }
  if (p < end && (*p == 'e' || *p == 'E')) {
    p++;
    if (p < end && (*p == '+' || *p == '-')) eneg = (*p++ == '-');
    if (p == end || !IS_DIGIT(*p)) return fail(S, ORC_JSON_ENUMBER);
    for (; p < end && IS_DIGIT(*p); p++)
      if (ex < 100000) ex = ex * 10 + (*p - '0');
  }
  /* below 10^301 no double overflows; above, the lexer says */
  if (mag + (eneg ? 0 : ex) > 300) {
    size_t off;
    if (orc_json_check(s, (size_t)(p - s), 1, &off) != ORC_JSON_OK)
      return fail(S, ORC_JSON_ERANGE);
  }
  v->s = s;
  v->len = (size_t)(p - s);
  v->type = ORC_JV_NUMBER;
  v->esc = 0;
  return p;
}

static const char *scan_literal (Scan *S, const char *p, const char *word,
                                 size_t n, int type, orc_jv *v) {
  if ((size_t)(S->end - p) < n || memcmp(p, word, n) != 0)
    return fail(S, ORC_JSON_ESYNTAX);
  v->s = p;
  v->len = n;
  v->type = type;
  v->esc = 0;
  return p + n;
}

/* A scalar at p (p < end). */
static const char *scan_scalar (Scan *S, const char *p, orc_jv *v) {
  switch (*p) {
    case '"': return scan_string(S, p, v);
    case 't': return scan_literal(S, p, "true", 4, ORC_JV_TRUE, v);
    case 'f': return scan_literal(S, p, "false", 5, ORC_JV_FALSE, v);
    case 'n': return scan_literal(S, p, "null", 4, ORC_JV_NULL, v);
    default:
      if (*p == '-' || IS_DIGIT(*p)) return scan_number(S, p, v);
      return fail(S, ORC_JSON_ESYNTAX);
  }
}

/* A key at p, then ':'; returns the start of the value (whitespace skipped). */
static const char *scan_key (Scan *S, const char *p, orc_jv *k) {
  const char *end = S->end;
  if (p == end) return fail(S, ORC_JSON_EEOF);
  if (*p != '"') return fail(S, ORC_JSON_ESYNTAX);
  p = scan_string(S, p, k);
  if (p == NULL) return NULL;
  p = ws(p, end);
  if (p == end) return fail(S, ORC_JSON_EEOF);
  if (*p != ':') return fail(S, ORC_JSON_ESYNTAX);
  return ws(p + 1, end);
}

/* ---- any value -------------------------------------------------------- */

#define SET_OBJ(S, d, on) ((on) ? ((S)->obj[(d) >> 3] |= (unsigned char)(1u << ((d) & 7))) \
                                : ((S)->obj[(d) >> 3] &= (unsigned char)~(1u << ((d) & 7))))
#define IS_OBJ(S, d) ((S)->obj[(d) >> 3] & (1u << ((d) & 7)))

/*
** The value at p, inside `depth` open containers: checked, described in
** *v.  Containers are walked without recursion.
*/
static const char *scan_value (Scan *S, const char *p, int depth, orc_jv *v) {
  const char *start = p, *end = S->end;
  int d = depth;
  orc_jv tmp;
  if (p == end) return fail(S, ORC_JSON_EEOF);
  if (*p != '{' && *p != '[') return scan_scalar(S, p, v);
  for (;;) {
    if (p == end) return fail(S, ORC_JSON_EEOF);
    if (*p == '{' || *p == '[') {
      int o = (*p == '{');
      if (d >= ORC_JSON_MAX_DEPTH) return fail(S, ORC_JSON_EDEPTH);
      d++;
      SET_OBJ(S, d, o);
      p = ws(p + 1, end);
      if (p == end) return fail(S, ORC_JSON_EEOF);
      if (*p == (o ? '}' : ']')) {
        p++;
        d--;
        goto after;
      }
      if (o && (p = scan_key(S, p, &tmp)) == NULL) return NULL;
      continue;
    }
    if ((p = scan_scalar(S, p, &tmp)) == NULL) return NULL;
  after:
    if (d == depth) break;
    p = ws(p, end);
    if (p == end) return fail(S, ORC_JSON_EEOF);
    if (*p == ',') {
      p = ws(p + 1, end);
      if (IS_OBJ(S, d) && (p = scan_key(S, p, &tmp)) == NULL) return NULL;
      continue;
    }
    if (*p == (IS_OBJ(S, d) ? '}' : ']')) {
      p++;
      d--;
      goto after;
    }
    return fail(S, ORC_JSON_ESYNTAX);
  }
  v->s = start;
  v->len = (size_t)(p - start);
  v->type = *start == '{' ? ORC_JV_OBJECT : ORC_JV_ARRAY;
  v->esc = 0;
  return p;
}

/* After a member or item: ',' (then the next one's start) or the closing
** byte (then NULL with *done set). */
static const char *next_item (Scan *S, const char *p, char close, int *done) {
  const char *end = S->end;
  p = ws(p, end);
  if (p == end) return fail(S, ORC_JSON_EEOF);
  if (*p == ',') return ws(p + 1, end);
  if (*p == close) {
    *done = 1;
    return p + 1;
  }
  return fail(S, ORC_JSON_ESYNTAX);
}

/* ---- the chunk's members ---------------------------------------------- */

typedef struct Name {
  const char *s;
  size_t n;
} Name;

#define NAME(s) { s, sizeof(s) - 1 }

/* Which of names (ending with {NULL, 0}) the key k is, or -1. */
static int which (const orc_jv *k, const Name *names) {
  char buf[128];
  const char *s = k->s;
  size_t n = k->len;
  int i;
  if (k->esc) {                       /* an escaped name: 6 bytes a letter at most */
    if (n > sizeof buf - 4) return -1;
    n = orc_jstring(k, buf);
    s = buf;
  }
  for (i = 0; names[i].s != NULL; i++) {
    const char *a = names[i].s;
    size_t j;
    if (names[i].n != n || a[0] != s[0]) continue;
    for (j = 1; j < n && a[j] == s[j]; j++) {}
    if (j == n) return i;
  }
  return -1;
}

#define SCALAR(v) ((v)->type < ORC_JV_ARRAY)

/* Room for one more item in *p (n of *cap); big items start one at a time. */
static int grow (void **p, size_t *cap, size_t n, size_t size) {
  size_t nc;
  void *np;
  if (n < *cap) return 0;
  nc = *cap ? *cap * 2 : size >= 256 ? 1 : 4;
  if (nc > ((size_t)-1) / size) return -1;
  np = realloc(*p, nc * size);
  if (np == NULL) return -1;
  *p = np;
  *cap = nc;
  return 0;
}

/* Room for n items in *p (of *cap). */
static int grow_to (void **p, size_t *cap, size_t n, size_t size) {
  void *np;
  if (n <= *cap) return 0;
  if (n > ((size_t)-1) / size) return -1;
  np = realloc(*p, n * size);
  if (np == NULL) return -1;
  *p = np;
  *cap = n;
  return 0;
}

static int add_member (orc_jmember **a, size_t *n, size_t *cap,
                       const orc_jv *k, const orc_jv *v) {
  if (grow((void **)a, cap, *n, sizeof(orc_jmember))) return -1;
  (*a)[*n].key = *k;
  (*a)[*n].val = *v;
  (*n)++;
  return 0;
}

enum { D_ROLE, D_CONTENT, D_REASONING, D_REFUSAL, D_DETAILS, D_TOOLS, D_ANN, D_IMG };
static const Name DELTA[] = {
  NAME("role"), NAME("content"), NAME("reasoning"), NAME("refusal"),
  NAME("reasoning_details"), NAME("tool_calls"), NAME("annotations"), NAME("images"),
  { NULL, 0 }
};

/* A delta object at p (depth 4: chunk, choices, choice, delta). */
static const char *scan_delta (Scan *S, const char *p, orc_cdelta *d) {
  orc_chunk *c = S->c;
  const char *end = S->end;
  int done = 0;
  unsigned seen = 0;
  d->extra_first = c->nextra;
  p = ws(p + 1, end);
  if (p < end && *p == '}') p++, done = 1;
  while (!done) {
    orc_jv k, v, *slot;
    int w;
    if ((p = scan_key(S, p, &k)) == NULL) return NULL;
    w = which(&k, DELTA);
    if (w < 0 || w > D_REFUSAL || (seen & (1u << w))) c->hot = 0;
    else seen |= 1u << w;
    switch (w) {
      case D_ROLE: slot = &d->role; break;
      case D_CONTENT: slot = &d->content; break;
      case D_REASONING: slot = &d->reasoning; break;
      case D_REFUSAL: slot = &d->refusal; break;
      case D_DETAILS: slot = &d->details; break;
      case D_TOOLS: slot = &d->tools; break;
      case D_ANN: slot = &d->annotations; break;
      case D_IMG: slot = &d->images; break;
      default: slot = NULL; break;
    }
    if ((p = scan_value(S, p, 4, slot ? slot : &v)) == NULL) return NULL;
    if (slot == NULL && add_member(&c->extra, &c->nextra, &c->cextra, &k, &v))
      return fail(S, ORC_JSON_ENOMEM);
    if (slot != NULL && !SCALAR(slot)) c->hot = 0;
    if ((p = next_item(S, p, '}', &done)) == NULL) return NULL;
  }
  d->extra_n = c->nextra - d->extra_first;
  return p;
}

enum { C_INDEX, C_DELTA, C_FINISH, C_NATIVE, C_LOGPROBS };
static const Name CHOICE[] = {
  NAME("index"), NAME("delta"), NAME("finish_reason"), NAME("native_finish_reason"),
  NAME("logprobs"), { NULL, 0 }
};

/* The choice object at p, the i-th item of c->ch (depth 3). */
static const char *scan_choice (Scan *S, const char *p, size_t i) {
  orc_chunk *c = S->c;
  const char *end = S->end;
  int done = 0;
  unsigned seen = 0;
  p = ws(p + 1, end);
  if (p < end && *p == '}') p++, done = 1;
  while (!done) {
    orc_cchoice *ch = &c->ch[i];
    orc_jv k, v;
    int w;
    if ((p = scan_key(S, p, &k)) == NULL) return NULL;
    w = which(&k, CHOICE);
    if (w < 0 || (seen & (1u << w))) c->hot = 0;
    else seen |= 1u << w;
    switch (w) {
      case C_INDEX: p = scan_value(S, p, 3, &ch->index); break;
      case C_DELTA:
        /* a repeated delta: only the last counts */
        if (ch->delta.type == ORC_JV_OBJECT) c->nextra = ch->d.extra_first;
        memset(&ch->d, 0, sizeof ch->d);
        if (p < end && *p == '{') {
          const char *start = p;
          if ((p = scan_delta(S, p, &ch->d)) == NULL) return NULL;
          ch->delta.s = start;
          ch->delta.len = (size_t)(p - start);
          ch->delta.type = ORC_JV_OBJECT;
          ch->delta.esc = 0;
        } else {
          p = scan_value(S, p, 3, &ch->delta);
        }
        break;
      case C_FINISH: p = scan_value(S, p, 3, &ch->finish); break;
      case C_NATIVE: p = scan_value(S, p, 3, &ch->native); break;
      case C_LOGPROBS: p = scan_value(S, p, 3, &ch->logprobs); break;
      default: p = scan_value(S, p, 3, &v); break;
    }
    if (p == NULL || (p = next_item(S, p, '}', &done)) == NULL) return NULL;
  }
  {
    const orc_cchoice *ch = &c->ch[i];
    if (ch->delta.type != ORC_JV_OBJECT || !SCALAR(&ch->index) || !SCALAR(&ch->finish) ||
        !SCALAR(&ch->native) || !SCALAR(&ch->logprobs))
      c->hot = 0;
  }
  return p;
}

/* The choices array at p (depth 2). */
static const char *scan_choices (Scan *S, const char *p) {
  orc_chunk *c = S->c;
  const char *end = S->end;
  int done = 0, first = 1;
  c->nch = c->nextra = 0;
  c->text = NONE;
  c->first = 0;
  p = ws(p + 1, end);
  if (p < end && *p == ']') p++, done = 1;
  while (!done) {
    if (p < end && *p == '{') {
      size_t i = c->nch;
      if (grow((void **)&c->ch, &c->cch, i, sizeof(orc_cchoice)))
        return fail(S, ORC_JSON_ENOMEM);
      memset(&c->ch[i], 0, sizeof c->ch[i]);
      c->nch++;
      if ((p = scan_choice(S, p, i)) == NULL) return NULL;
      if (first) {                    /* choices[1].delta.content */
        const orc_cchoice *ch = &c->ch[i];
        c->first = 1;
        if (ch->delta.type == ORC_JV_OBJECT && ch->d.content.type == ORC_JV_STRING &&
            ch->d.content.len > 0)
          c->text = ch->d.content;
      }
    } else {
      orc_jv v;
      if ((p = scan_value(S, p, 2, &v)) == NULL) return NULL;
      c->hot = 0;
    }
    first = 0;
    if ((p = next_item(S, p, ']', &done)) == NULL) return NULL;
  }
  if (c->nch != 1) c->hot = 0;
  return p;
}

enum { T_CHOICES, T_OBJECT, T_ERROR, T_ID, T_PROVIDER, T_MODEL, T_CREATED, T_FINGERPRINT };
static const Name TOP[] = {
  NAME("choices"), NAME("object"), NAME("error"), NAME("id"), NAME("provider"),
  NAME("model"), NAME("created"), NAME("system_fingerprint"), { NULL, 0 }
};

/* The chunk object at p (depth 1). */
static const char *scan_top (Scan *S, const char *p) {
  orc_chunk *c = S->c;
  const char *end = S->end;
  int done = 0;
  unsigned seen = 0;
  c->type = ORC_JV_OBJECT;
  c->hot = 1;
  p = ws(p + 1, end);
  if (p < end && *p == '}') p++, done = 1;
  while (!done) {
    orc_jv k, v;
    int w;
    if ((p = scan_key(S, p, &k)) == NULL) return NULL;
    w = which(&k, TOP);
    if (w < 0 || w == T_ERROR || (seen & (1u << w))) c->hot = 0;
    else seen |= 1u << w;
    switch (w) {
      case T_CHOICES:
        if (p < end && *p == '[') {
          p = scan_choices(S, p);
        } else {                      /* not an array: no choices */
          c->nch = c->nextra = c->first = 0;
          c->text = NONE;
          c->hot = 0;
          p = scan_value(S, p, 1, &v);
        }
        break;
      case T_OBJECT:
        p = scan_value(S, p, 1, &c->object);
        if (p != NULL && !SCALAR(&c->object)) c->hot = 0;
        break;
      case T_ERROR: p = scan_value(S, p, 1, &c->error); break;
      default:
        if ((p = scan_value(S, p, 1, &v)) == NULL) return NULL;
        switch (w) {
          case T_ID: c->id = v; break;
          case T_PROVIDER: c->provider = v; break;
          case T_MODEL: c->model = v; break;
          case T_CREATED: c->created = v; break;
          case T_FINGERPRINT: c->fingerprint = v; break;
          default: break;
        }
        if (!SCALAR(&v)) c->hot = 0;
        if (add_member(&c->top, &c->ntop, &c->ctop, &k, &v))
          return fail(S, ORC_JSON_ENOMEM);
        break;
    }
    if (p == NULL || (p = next_item(S, p, '}', &done)) == NULL) return NULL;
  }
  if (!(seen & (1u << T_CHOICES))) c->hot = 0;
  return p;
}

void orc_chunk_init (orc_chunk *c, int templates) {
  memset(c, 0, sizeof *c);
  c->tmpl = templates ? c : NULL;     /* made on first use */
}

static void summary_free (orc_chunk *c) {
  free(c->top);
  free(c->ch);
  free(c->extra);
}

void orc_chunk_free (orc_chunk *c) {
  summary_free(c);
  if (c->tmpl != NULL && c->tmpl != c) {
    summary_free(c->tmpl);
    free(c->tmpl);
  }
  free(c->tbytes);
  memset(c, 0, sizeof *c);
}

/* ---- templates -------------------------------------------------------- */

/* Where a span of one text is in another with the same prefix (pre bytes)
** and suffix (suf bytes) around a different middle. */
typedef struct Map {
  const char *from, *to;
  size_t flen, tlen, pre, suf;
} Map;

/* A span's start maps by the prefix unless it is past it, its end by the
** suffix unless it is before it (the middle may be empty). */
static void map_jv (const Map *m, orc_jv *v) {
  size_t s, e;
  if (v->type == ORC_JV_NONE) return;
  s = (size_t)(v->s - m->from);
  e = s + v->len;
  s = s <= m->pre ? s : m->tlen - (m->flen - s);
  e = e >= m->flen - m->suf ? m->tlen - (m->flen - e) : e;
  v->s = m->to + s;
  v->len = e - s;
}

static void map_delta (const Map *m, orc_cdelta *d) {
  map_jv(m, &d->role);
  map_jv(m, &d->content);
  map_jv(m, &d->reasoning);
  map_jv(m, &d->refusal);
  map_jv(m, &d->details);
  map_jv(m, &d->tools);
  map_jv(m, &d->annotations);
  map_jv(m, &d->images);
}

/* *to becomes *from moved by m (its arrays grown to fit).  0, or -1. */
static int copy_summary (orc_chunk *to, const orc_chunk *from, const Map *m) {
  size_t i;
  if ((from->ntop > to->ctop && grow_to((void **)&to->top, &to->ctop, from->ntop,
                                         sizeof(orc_jmember))) ||
      (from->nch > to->cch && grow_to((void **)&to->ch, &to->cch, from->nch,
                                      sizeof(orc_cchoice))) ||
      (from->nextra > to->cextra && grow_to((void **)&to->extra, &to->cextra, from->nextra,
                                            sizeof(orc_jmember))))
    return -1;
  to->type = from->type;
  to->hot = from->hot;
  to->first = from->first;
  to->id = from->id, to->error = from->error, to->text = from->text;
  to->provider = from->provider, to->model = from->model, to->object = from->object;
  to->created = from->created, to->fingerprint = from->fingerprint;
  map_jv(m, &to->id);
  map_jv(m, &to->error);
  map_jv(m, &to->text);
  map_jv(m, &to->provider);
  map_jv(m, &to->model);
  map_jv(m, &to->object);
  map_jv(m, &to->created);
  map_jv(m, &to->fingerprint);
  to->ntop = from->ntop;
  to->nch = from->nch;
  to->nextra = from->nextra;
  for (i = 0; i < from->ntop; i++) {
    to->top[i] = from->top[i];
    map_jv(m, &to->top[i].key);
    map_jv(m, &to->top[i].val);
  }
  for (i = 0; i < from->nextra; i++) {
    to->extra[i] = from->extra[i];
    map_jv(m, &to->extra[i].key);
    map_jv(m, &to->extra[i].val);
  }
  for (i = 0; i < from->nch; i++) {
    orc_cchoice *ch = &to->ch[i];
    *ch = from->ch[i];
    map_jv(m, &ch->index);
    map_jv(m, &ch->delta);
    map_jv(m, &ch->finish);
    map_jv(m, &ch->native);
    map_jv(m, &ch->logprobs);
    map_delta(m, &ch->d);
  }
  return 0;
}

/* Is s[0..n) a whole string body (no quote, complete escapes, UTF-8)? */
static int string_body (const char *s, size_t n, int *esc) {
  const unsigned char *p = (const unsigned char *)s, *end = p + n;
  uint64_t hi = 0;
  *esc = 0;
  for (;;) {
    p = plain(p, end, &hi);
    if (p == end) break;
    if (*p != '\\' || end - p < 2) return 0;
    switch (p[1]) {
      case '"': case '\\': case '/': case 'b': case 'f': case 'n':
      case 'r': case 't':
        p += 2;
        break;
      case 'u': {
        size_t k = check_u(p, end);
        if (k == 0) return 0;
        p += k;
        break;
      }
      default: return 0;
    }
    *esc = 1;
  }
  return (hi & HIGHS) == 0 || orc_utf8_valid(s, n) == n;
}

/* Scan s through the template, if it fits: ORC_JSON_OK, -1 (it does not),
** or ORC_JSON_ENOMEM. */
static int scan_by_template (orc_chunk *c, const char *s, size_t len) {
  const orc_chunk *t = c->tmpl;
  size_t pre = c->tpre, suf = c->tsuf, n;
  int esc;
  Map m;
  if (c->tlen == 0 || len < pre + suf || memcmp(s, c->tbytes, pre) != 0 ||
      memcmp(s + len - suf, c->tbytes + c->tlen - suf, suf) != 0)
    return -1;
  n = len - pre - suf;
  if (!string_body(s + pre, n, &esc)) return -1;
  m.from = c->tbytes;
  m.flen = c->tlen;
  m.to = s;
  m.tlen = len;
  m.pre = pre;
  m.suf = suf;
  if (copy_summary(c, t, &m)) return ORC_JSON_ENOMEM;
  c->ch[0].d.content.esc = esc;       /* the body is the new one */
  c->text = n > 0 ? c->ch[0].d.content : NONE;
  c->as_tmpl = 1;
  return ORC_JSON_OK;
}

/* After a full scan of s: keep it as the template when it can be one. */
static int keep_template (orc_chunk *c, const char *s, size_t len) {
  const orc_jv *content;
  Map m;
  if (c->type != ORC_JV_OBJECT || !c->first || c->ch[0].delta.type != ORC_JV_OBJECT ||
      c->ch[0].d.content.type != ORC_JV_STRING)
    return 0;
  if (c->tmpl == c) {
    /* made for the second such chunk: one alone (a stream waiting for
    ** its next token) shows no repetition yet, and costs no template */
    if (!c->tseen) {
      c->tseen = 1;
      return 0;
    }
    c->tmpl = (orc_chunk *)calloc(1, sizeof(orc_chunk));
    if (c->tmpl == NULL) return -1;
  }
  c->tlen = 0;                                /* no template while it is copied */
  if (len > c->tcap) {
    char *nb = (char *)realloc(c->tbytes, len);
    if (nb == NULL) return -1;
    c->tbytes = nb;
    c->tcap = len;
  }
  memcpy(c->tbytes, s, len);
  content = &c->ch[0].d.content;
  m.from = s;
  m.flen = len;
  m.to = c->tbytes;
  m.tlen = len;
  m.pre = (size_t)(content->s - s);
  m.suf = len - m.pre - content->len;
  if (copy_summary(c->tmpl, c, &m)) return -1;
  c->tpre = m.pre;
  c->tsuf = m.suf;
  c->tlen = len;
  c->tgen++;
  c->as_tmpl = 1;
  return 0;
}

static int scan_full (orc_chunk *c, const char *s, size_t len) {
  Scan S;
  const char *p = s, *end = s + len;
  orc_jv v;
  S.c = c;
  S.end = end;
  S.err = ORC_JSON_OK;
  c->type = ORC_JV_NONE;
  c->hot = c->first = 0;
  c->id = c->error = c->text = NONE;
  c->provider = c->model = c->object = c->created = c->fingerprint = NONE;
  c->ntop = c->nch = c->nextra = 0;
  if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) p += 3;
  p = ws(p, end);
  if (p == end) return ORC_JSON_EEMPTY;
  if (*p == '{') {
    p = scan_top(&S, p);
  } else {
    p = scan_value(&S, p, 0, &v);
    c->type = v.type;
  }
  if (p == NULL) return S.err;
  if (ws(p, end) != end) return ORC_JSON_ETRAIL;
  return ORC_JSON_OK;
}

int orc_chunk_scan (orc_chunk *c, const char *s, size_t len) {
  int rc;
  c->as_tmpl = 0;
  if (c->tmpl != NULL && c->tmpl != c) {
    rc = scan_by_template(c, s, len);
    if (rc != -1) return rc;
  }
  rc = scan_full(c, s, len);
  if (rc == ORC_JSON_OK && c->tmpl != NULL && keep_template(c, s, len))
    return ORC_JSON_ENOMEM;
  return rc;
}

/* ====================================================================== */
/* reading checked JSON                                                   */
/* ====================================================================== */

/* The closing quote of the checked string whose body starts at p. */
static const char *string_end (const char *p, const char *end, int *esc) {
  for (;;) {
    const char *q = (const char *)memchr(p, '"', (size_t)(end - p));
    const char *b = (const char *)memchr(p, '\\', (size_t)(q - p));
    if (b == NULL) return q;
    *esc = 1;
    p = b + 2;                        /* the escaped byte is never a quote */
  }
}

/* The byte after the checked array or object at p. */
static const char *container_end (const char *p, const char *end) {
  int d = 0, esc;
  for (;;) {
    switch (*p) {
      case '"': p = string_end(p + 1, end, &esc) + 1; continue;
      case '{': case '[': d++; break;
      case '}': case ']': if (--d == 0) return p + 1; break;
      default: break;
    }
    p++;
  }
}

const char *orc_jwalk_value (const char *p, const char *end, orc_jv *v) {
  const char *q;
  v->s = p;
  v->esc = 0;
  switch (*p) {
    case '"':
      q = string_end(p + 1, end, &v->esc);
      v->s = p + 1;
      v->len = (size_t)(q - (p + 1));
      v->type = ORC_JV_STRING;
      return q + 1;
    case '{': case '[':
      q = container_end(p, end);
      v->type = *p == '{' ? ORC_JV_OBJECT : ORC_JV_ARRAY;
      break;
    case 't': q = p + 4; v->type = ORC_JV_TRUE; break;
    case 'f': q = p + 5; v->type = ORC_JV_FALSE; break;
    case 'n': q = p + 4; v->type = ORC_JV_NULL; break;
    default:
      for (q = p; q < end && (IS_DIGIT(*q) || *q == '-' || *q == '+' || *q == '.' ||
                              *q == 'e' || *q == 'E'); q++) {}
      v->type = ORC_JV_NUMBER;
      break;
  }
  v->len = (size_t)(q - p);
  return q;
}

void orc_jwalk_open (orc_jwalk *w, const orc_jv *v) {
  w->p = v->s + 1;
  w->end = v->s + v->len;
  w->object = v->type == ORC_JV_OBJECT;
}

int orc_jwalk_next (orc_jwalk *w, orc_jv *key, orc_jv *val) {
  const char *p = ws(w->p, w->end);
  if (*p == ']' || *p == '}') {
    w->p = p;
    return 0;
  }
  if (*p == ',') p = ws(p + 1, w->end);
  if (w->object) {
    p = orc_jwalk_value(p, w->end, key);
    p = ws(p, w->end) + 1;            /* the ':' */
    p = ws(p, w->end);
  }
  w->p = orc_jwalk_value(p, w->end, val);
  return 1;
}

void orc_jnumber (const char *s, size_t len, int *is_int, long long *i, double *d) {
  const char *p = s, *end = s + len;
  int neg = 0;
  if (p < end && *p == '-') neg = 1, p++;
  if (end - p >= 1 && end - p <= 18) {          /* up to 18 digits: exact */
    long long m = 0;
    for (; p < end && IS_DIGIT(*p); p++) m = m * 10 + (*p - '0');
    if (p == end) {
      *is_int = 1;
      *i = neg ? -m : m;
      *d = (double)*i;
      return;
    }
  }
  {                                             /* the lexer, as the codec reads it */
    orc_jlex lx;
    orc_jtok t;
    orc_jlex_init(&lx, s, len, 1);
    if (orc_jlex_next(&lx, &t) == ORC_JT_NUMBER) {
      *is_int = t.is_int;
      *i = t.is_int ? t.i : 0;
      *d = t.d;
    } else {
      *is_int = 0;
      *i = 0;
      *d = 0;
    }
  }
}

size_t orc_jstring (const orc_jv *v, char *out) {
  const char *p = v->s;
  if (!v->esc) {
    if (v->len) memcpy(out, v->s, v->len);
    return v->len;
  }
  /* room for len + 4: the unescaper never stops short (see json.h) */
  return orc_json_unescape(&p, v->s + v->len, out, v->len + 4);
}
