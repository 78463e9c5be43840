/*
** regex.c -- the regular expressions of `pattern` and `patternProperties`.
**
** The pattern is parsed into a small tree, then compiled into a program
** for a Thompson-NFA simulation (a Pike VM without captures).  Only a
** yes/no answer is needed and the subset has no backreferences or
** lookaround, so the NFA is exact: greedy and lazy quantifiers accept the
** same strings, and the run is linear in the input -- no backtracking,
** hence no step limit and no catastrophic patterns.  When the pattern has
** no word-boundary assertion and stays small, a DFA over ASCII is built at
** compile time too, and ASCII input runs on it.  Pure C (no Lua); memory
** from the caller's arena.  Tested alone: spec/c/test_regex.c.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regex.h"
#include "schema.h"
#include "orc.h"

static int is_alpha (int c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int hexval (int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

typedef struct rrange { uint32_t lo, hi; } rrange;

enum { RN_EMPTY, RN_CHAR, RN_ANY, RN_CLASS, RN_BOL, RN_EOL, RN_WORDB,
       RN_NWORDB, RN_CAT, RN_ALT, RN_REP, RN_GROUP };

typedef struct rnode {
  int type;
  uint32_t c;
  int min, max;                 /* RN_REP; max -1: unbounded */
  struct rnode *a, *b;
  const rrange *r;           /* RN_CLASS */
  int nr, neg;
} rnode;

enum { RI_CHAR, RI_ANY, RI_CLASS, RI_SPLIT, RI_JMP, RI_MATCH, RI_BOL,
       RI_EOL, RI_WORDB, RI_NWORDB };

typedef struct rinst {
  int op;
  uint32_t c;
  int x, y;
  const rrange *r;
  int nr, neg;
} rinst;

/*
** A DFA over ASCII, built at compile time from the NFA when the pattern
** has no word-boundary assertions and the state count stays small.  A DFA
** state is the set of consuming NFA states after the epsilon closure at a
** position that is neither the first (for a state other than 0) nor the
** last, plus whether MATCH is reachable there (DF_MID: the search answers
** yes at once) or would be at the end of the input (DF_END).  Only ^ and $
** depend on the position, so those two flags and state 0 (the closure at
** position 0) cover every case.  A string with a byte >= 0x80 runs on the
** NFA, which decodes code points.
*/
#define DF_MID   0x01u       /* MATCH reachable before the next character */
#define DF_END   0x02u       /* MATCH reachable if the input ends here */
#define DF_EMPTY 0x04u       /* no consuming state: the answer is fixed */
#define DFA_MAX_STATES 1024
#define DFA_MAX_CELLS 65536

typedef struct rdfa {
  uint16_t *next;            /* nstates * ncls */
  uint8_t *flags;            /* DF_* per state */
  int ncls;
  int empty_match;           /* the empty string matches */
  int stuck_end;             /* the answer once in a DF_EMPTY state mid-input */
  uint8_t cls[128];          /* ASCII byte -> character class */
} rdfa;

struct orc_regex {
  rinst *prog;
  int n;
  int *la, *lb, *stack;
  unsigned *mark;
  unsigned gen;
  rdfa *dfa;                 /* NULL: always the NFA */
};

#define RE_MAX_PROG 20000
#define RE_MAX_COUNT 100000
#define RE_MAX_DEPTH 200
#define RE_MAX_PATTERN 4096

typedef struct rparse {
  const char *s;
  size_t len, i;
  orc_arena **a;
  char *err;
  size_t errsz;
  int failed, depth;
} rparse;

static rnode *rfail (rparse *p, const char *msg) {
  if (!p->failed) {
    p->failed = 1;
    if (msg != NULL)
      snprintf(p->err, p->errsz, "%s at offset %u", msg, (unsigned)p->i);
    else if (p->errsz)
      p->err[0] = '\0';           /* out of memory */
  }
  return NULL;
}

static rnode *rnew (rparse *p, int type) {
  rnode *n = (rnode *)orc_arena_alloc(p->a, sizeof(rnode));
  if (n == NULL) return rfail(p, NULL);
  n->type = type;
  return n;
}

/* Growable range set, in the arena. */
typedef struct rset {
  rrange *r;
  int n, cap;
} rset;

static int rset_add (rparse *p, rset *s, uint32_t lo, uint32_t hi) {
  if (s->n == s->cap) {
    int cap = s->cap ? s->cap * 2 : 8;
    rrange *r = (rrange *)orc_arena_alloc(p->a, (size_t)cap *
                                                sizeof(rrange));
    if (r == NULL) { rfail(p, NULL); return 0; }
    if (s->n) memcpy(r, s->r, (size_t)s->n * sizeof(rrange));
    s->r = r;
    s->cap = cap;
  }
  s->r[s->n].lo = lo;
  s->r[s->n].hi = hi;
  s->n++;
  return 1;
}

static const rrange R_DIGIT[] = { { '0', '9' } };
static const rrange R_WORD[] = {
  { '0', '9' }, { 'A', 'Z' }, { '_', '_' }, { 'a', 'z' } };
static const rrange R_SPACE[] = {
  { 0x09, 0x0D }, { 0x20, 0x20 }, { 0xA0, 0xA0 }, { 0x1680, 0x1680 },
  { 0x2000, 0x200A }, { 0x2028, 0x2029 }, { 0x202F, 0x202F },
  { 0x205F, 0x205F }, { 0x3000, 0x3000 }, { 0xFEFF, 0xFEFF } };

static int cmp_range (const void *x, const void *y) {
  const rrange *a = (const rrange *)x, *b = (const rrange *)y;
  return a->lo < b->lo ? -1 : (a->lo > b->lo ? 1 : 0);
}

/* Sort and merge. */
static void rset_norm (rset *s) {
  int i, o = 0;
  if (s->n == 0) return;
  qsort(s->r, (size_t)s->n, sizeof(rrange), cmp_range);
  for (i = 1; i < s->n; i++) {
    if (s->r[i].lo <= s->r[o].hi + 1) {
      if (s->r[i].hi > s->r[o].hi) s->r[o].hi = s->r[i].hi;
    } else {
      s->r[++o] = s->r[i];
    }
  }
  s->n = o + 1;
}

/* Add a builtin set, or its complement over [0, 0x10FFFF]. */
static int rset_add_builtin (rparse *p, rset *s, const rrange *r, int n,
                             int neg) {
  int i;
  if (!neg) {
    for (i = 0; i < n; i++)
      if (!rset_add(p, s, r[i].lo, r[i].hi)) return 0;
  } else {
    uint32_t next = 0;
    for (i = 0; i < n; i++) {
      if (r[i].lo > next && !rset_add(p, s, next, r[i].lo - 1)) return 0;
      next = r[i].hi + 1;
    }
    if (next <= 0x10FFFF && !rset_add(p, s, next, 0x10FFFF)) return 0;
  }
  return 1;
}

static int r_more (rparse *p) { return p->i < p->len; }
static int r_peek (rparse *p) {
  return p->i < p->len ? (unsigned char)p->s[p->i] : -1;
}

static uint32_t r_cp (rparse *p) {
  return orc_utf8_next(p->s, p->len, &p->i);
}

static int r_hex (rparse *p, int n, uint32_t *out) {
  uint32_t v = 0;
  int k;
  if (p->len - p->i < (size_t)n) return 0;
  for (k = 0; k < n; k++) {
    int h = hexval((unsigned char)p->s[p->i + (size_t)k]);
    if (h < 0) return 0;
    v = v * 16 + (uint32_t)h;
  }
  p->i += (size_t)n;
  *out = v;
  return 1;
}

/*
** An escape after '\' (p->i at the character after it).  Returns 1 with a
** code point in *cp, 2 with a builtin set in (*set, *nset, *neg), 3 for
** \b, 4 for \B, 0 after an error.
*/
static int r_escape (rparse *p, int in_class, uint32_t *cp,
                     const rrange **set, int *nset, int *neg) {
  int c;
  if (!r_more(p)) { rfail(p, "trailing backslash"); return 0; }
  c = r_peek(p);
  switch (c) {
    case 'd': case 'D': p->i++;
      *set = R_DIGIT; *nset = 1; *neg = c == 'D'; return 2;
    case 'w': case 'W': p->i++;
      *set = R_WORD; *nset = 4; *neg = c == 'W'; return 2;
    case 's': case 'S': p->i++;
      *set = R_SPACE; *nset = 10; *neg = c == 'S'; return 2;
    case 'b': p->i++;
      if (in_class) { *cp = 8; return 1; }
      return 3;
    case 'B':
      if (in_class) break;
      p->i++; return 4;
    case 't': p->i++; *cp = 9; return 1;
    case 'n': p->i++; *cp = 10; return 1;
    case 'v': p->i++; *cp = 11; return 1;
    case 'f': p->i++; *cp = 12; return 1;
    case 'r': p->i++; *cp = 13; return 1;
    case '0':
      if (p->i + 1 < p->len && p->s[p->i + 1] >= '0' && p->s[p->i + 1] <= '9')
        break;                  /* octal escape */
      p->i++; *cp = 0; return 1;
    case 'c':
      if (p->i + 1 < p->len && is_alpha((unsigned char)p->s[p->i + 1])) {
        *cp = (uint32_t)((unsigned char)p->s[p->i + 1] % 32);
        p->i += 2;
        return 1;
      }
      break;
    case 'x': {
      size_t save = p->i++;
      if (r_hex(p, 2, cp)) return 1;
      p->i = save;
      break;
    }
    case 'u': {
      size_t save = p->i++;
      if (r_hex(p, 4, cp)) {
        /* a surrogate pair spelled \uD83D\uDE00 is one code point */
        if (*cp >= 0xD800 && *cp <= 0xDBFF && p->len - p->i >= 6 &&
            p->s[p->i] == '\\' && p->s[p->i + 1] == 'u') {
          size_t save2 = p->i;
          uint32_t lo;
          p->i += 2;
          if (r_hex(p, 4, &lo) && lo >= 0xDC00 && lo <= 0xDFFF)
            *cp = 0x10000 + ((*cp - 0xD800) << 10) + (lo - 0xDC00);
          else
            p->i = save2;
        }
        return 1;
      }
      p->i = save;
      break;
    }
    case '-':
      p->i++; *cp = '-'; return 1;
    default:
      if (c >= 0x80 || !(is_alpha(c) || (c >= '0' && c <= '9') || c == '_')) {
        *cp = r_cp(p);          /* identity escape of a non-word char */
        return 1;
      }
      break;
  }
  /* \1..\9 backreferences, \k, \p, \P, octal, unknown letters */
  rfail(p, "unsupported regex construct (escape)");
  return 0;
}

static rnode *r_class (rparse *p) {
  rset s = { NULL, 0, 0 };
  rnode *n;
  int neg = 0;
  p->i++;                       /* '[' */
  if (r_peek(p) == '^') { neg = 1; p->i++; }
  for (;;) {
    uint32_t lo, hi;
    const rrange *set = NULL;
    int nset = 0, sneg = 0, kind;
    if (!r_more(p)) return rfail(p, "unterminated character class");
    if (r_peek(p) == ']') { p->i++; break; }
    if (r_peek(p) == '\\') {
      p->i++;
      kind = r_escape(p, 1, &lo, &set, &nset, &sneg);
      if (kind == 0) return NULL;
    } else {
      lo = r_cp(p);
      kind = 1;
    }
    if (kind == 2) {
      if (r_peek(p) == '-' && p->i + 1 < p->len && p->s[p->i + 1] != ']')
        return rfail(p, "unsupported regex construct (class escape in range)");
      if (!rset_add_builtin(p, &s, set, nset, sneg)) return NULL;
      continue;
    }
    hi = lo;
    if (r_peek(p) == '-' && p->i + 1 < p->len && p->s[p->i + 1] != ']') {
      p->i++;
      if (r_peek(p) == '\\') {
        p->i++;
        kind = r_escape(p, 1, &hi, &set, &nset, &sneg);
        if (kind == 0) return NULL;
        if (kind != 1)
          return rfail(p, "unsupported regex construct (class escape in range)");
      } else {
        hi = r_cp(p);
      }
      if (hi < lo) return rfail(p, "range out of order in character class");
    }
    if (!rset_add(p, &s, lo, hi)) return NULL;
  }
  rset_norm(&s);
  n = rnew(p, RN_CLASS);
  if (n == NULL) return NULL;
  n->r = s.r;
  n->nr = s.n;
  n->neg = neg;
  return n;
}

/* Parse {n}, {n,}, {n,m} at p->i (a '{').  1 and advance, or 0 (p->i
** unchanged) when the text is not a quantifier. */
static int r_braces (rparse *p, int *min, int *max) {
  size_t i = p->i + 1;
  long a = 0, b;
  int digits = 0;
  while (i < p->len && p->s[i] >= '0' && p->s[i] <= '9') {
    if (a <= RE_MAX_COUNT) a = a * 10 + (p->s[i] - '0');
    i++; digits++;
  }
  if (!digits) return 0;
  b = a;
  if (i < p->len && p->s[i] == ',') {
    i++;
    if (i < p->len && p->s[i] >= '0' && p->s[i] <= '9') {
      b = 0;
      while (i < p->len && p->s[i] >= '0' && p->s[i] <= '9') {
        if (b <= RE_MAX_COUNT) b = b * 10 + (p->s[i] - '0');
        i++;
      }
    } else {
      b = -1;
    }
  }
  if (i >= p->len || p->s[i] != '}') return 0;
  p->i = i + 1;
  *min = a > RE_MAX_COUNT ? RE_MAX_COUNT + 1 : (int)a;
  *max = b < 0 ? -1 : (b > RE_MAX_COUNT ? RE_MAX_COUNT + 1 : (int)b);
  return 1;
}

static rnode *r_alt (rparse *p);

static rnode *r_atom (rparse *p) {
  int c = r_peek(p);
  rnode *n;
  switch (c) {
    case '^': p->i++; return rnew(p, RN_BOL);
    case '$': p->i++; return rnew(p, RN_EOL);
    case '.': p->i++; return rnew(p, RN_ANY);
    case '[': return r_class(p);
    case '(': {
      p->i++;
      if (r_peek(p) == '?') {
        p->i++;
        if (r_peek(p) == ':') p->i++;
        else if (r_peek(p) == '<' && p->i + 1 < p->len &&
                 p->s[p->i + 1] != '=' && p->s[p->i + 1] != '!') {
          /* named group: the name does not matter without captures */
          while (r_more(p) && r_peek(p) != '>') p->i++;
          if (!r_more(p)) return rfail(p, "unterminated group name");
          p->i++;
        } else {
          return rfail(p, "unsupported regex construct (lookaround or flags)");
        }
      }
      if (++p->depth > RE_MAX_DEPTH) return rfail(p, "regex nested too deeply");
      n = r_alt(p);
      p->depth--;
      if (n == NULL) return NULL;
      if (r_peek(p) != ')') return rfail(p, "missing ')'");
      p->i++;
      {
        rnode *g = rnew(p, RN_GROUP);
        if (g != NULL) g->a = n;
        return g;
      }
    }
    case '\\': {
      uint32_t cp = 0;
      const rrange *set = NULL;
      int nset = 0, neg = 0, kind;
      p->i++;
      kind = r_escape(p, 0, &cp, &set, &nset, &neg);
      if (kind == 0) return NULL;
      if (kind == 3) return rnew(p, RN_WORDB);
      if (kind == 4) return rnew(p, RN_NWORDB);
      if (kind == 2) {
        n = rnew(p, RN_CLASS);
        if (n == NULL) return NULL;
        n->r = set; n->nr = nset; n->neg = neg;
        return n;
      }
      n = rnew(p, RN_CHAR);
      if (n != NULL) n->c = cp;
      return n;
    }
    case '*': case '+': case '?':
      return rfail(p, "nothing to repeat");
    case '{': {
      int mn, mx;
      size_t save = p->i;
      if (r_braces(p, &mn, &mx)) { p->i = save; return rfail(p, "nothing to repeat"); }
      p->i++;
      n = rnew(p, RN_CHAR);
      if (n != NULL) n->c = '{';
      return n;
    }
    default:
      n = rnew(p, RN_CHAR);
      if (n != NULL) n->c = r_cp(p);
      return n;
  }
}

static rnode *r_term (rparse *p) {
  rnode *atom = r_atom(p);
  for (;;) {
    int c = r_peek(p), mn, mx;
    rnode *rep;
    if (atom == NULL) return NULL;
    if (c == '*') { mn = 0; mx = -1; p->i++; }
    else if (c == '+') { mn = 1; mx = -1; p->i++; }
    else if (c == '?') { mn = 0; mx = 1; p->i++; }
    else if (c == '{' && r_braces(p, &mn, &mx)) {
      if (mx >= 0 && mx < mn) return rfail(p, "numbers out of order in {} quantifier");
    } else {
      return atom;
    }
    if (atom->type == RN_BOL || atom->type == RN_EOL ||
        atom->type == RN_WORDB || atom->type == RN_NWORDB ||
        atom->type == RN_REP)
      return rfail(p, "nothing to repeat");
    if (r_peek(p) == '?') p->i++;     /* lazy: same language */
    rep = rnew(p, RN_REP);
    if (rep == NULL) return NULL;
    rep->a = atom; rep->min = mn; rep->max = mx;
    atom = rep;
    /* a quantifier right after a quantifier is an error in ECMA-262 */
  }
}

static rnode *r_cat (rparse *p) {
  rnode *left = NULL;
  while (r_more(p) && r_peek(p) != '|' && r_peek(p) != ')') {
    rnode *t = r_term(p);
    if (t == NULL) return NULL;
    if (left == NULL) left = t;
    else {
      rnode *c = rnew(p, RN_CAT);
      if (c == NULL) return NULL;
      c->a = left; c->b = t;
      left = c;
    }
  }
  return left ? left : rnew(p, RN_EMPTY);
}

static rnode *r_alt (rparse *p) {
  rnode *left = r_cat(p);
  while (left != NULL && r_peek(p) == '|') {
    rnode *alt, *right;
    p->i++;
    right = r_cat(p);
    if (right == NULL) return NULL;
    alt = rnew(p, RN_ALT);
    if (alt == NULL) return NULL;
    alt->a = left; alt->b = right;
    left = alt;
  }
  return left;
}

/* Program size of a subtree, saturating past RE_MAX_PROG. */
static long r_size (const rnode *n) {
  long a, s;
  switch (n->type) {
    case RN_EMPTY: return 0;
    case RN_GROUP: return r_size(n->a);
    case RN_CAT:
      s = r_size(n->a) + r_size(n->b);
      return s > RE_MAX_PROG ? RE_MAX_PROG + 1 : s;
    case RN_ALT:
      s = r_size(n->a) + r_size(n->b) + 2;
      return s > RE_MAX_PROG ? RE_MAX_PROG + 1 : s;
    case RN_REP:
      a = r_size(n->a);
      if (n->min > RE_MAX_PROG || n->max > RE_MAX_PROG) return RE_MAX_PROG + 1;
      s = a * n->min + (n->max < 0 ? a + 2 : (long)(n->max - n->min) * (a + 1));
      return s > RE_MAX_PROG ? RE_MAX_PROG + 1 : s;
    default: return 1;
  }
}

static int r_emit (rinst *prog, int pc, const rnode *n) {
  int k, split, end;
  switch (n->type) {
    case RN_EMPTY: return pc;
    case RN_GROUP: return r_emit(prog, pc, n->a);
    case RN_CHAR: prog[pc].op = RI_CHAR; prog[pc].c = n->c; return pc + 1;
    case RN_ANY: prog[pc].op = RI_ANY; return pc + 1;
    case RN_CLASS:
      prog[pc].op = RI_CLASS; prog[pc].r = n->r; prog[pc].nr = n->nr;
      prog[pc].neg = n->neg;
      return pc + 1;
    case RN_BOL: prog[pc].op = RI_BOL; return pc + 1;
    case RN_EOL: prog[pc].op = RI_EOL; return pc + 1;
    case RN_WORDB: prog[pc].op = RI_WORDB; return pc + 1;
    case RN_NWORDB: prog[pc].op = RI_NWORDB; return pc + 1;
    case RN_CAT: return r_emit(prog, r_emit(prog, pc, n->a), n->b);
    case RN_ALT: {
      int jmp;
      split = pc;
      prog[split].op = RI_SPLIT;
      prog[split].x = pc + 1;
      jmp = r_emit(prog, pc + 1, n->a);
      prog[jmp].op = RI_JMP;
      prog[split].y = jmp + 1;
      end = r_emit(prog, jmp + 1, n->b);
      prog[jmp].x = end;
      return end;
    }
    case RN_REP: {
      int starts_opt, i, size;
      for (k = 0; k < n->min; k++) pc = r_emit(prog, pc, n->a);
      if (n->max < 0) {
        split = pc;
        prog[split].op = RI_SPLIT;
        prog[split].x = pc + 1;
        pc = r_emit(prog, pc + 1, n->a);
        prog[pc].op = RI_JMP;
        prog[pc].x = split;
        prog[split].y = pc + 1;
        return pc + 1;
      }
      starts_opt = pc;
      for (k = n->min; k < n->max; k++) {
        prog[pc].op = RI_SPLIT;
        prog[pc].x = pc + 1;
        pc = r_emit(prog, pc + 1, n->a);
      }
      /* every optional copy may skip to the end; copies are equal-sized */
      size = (int)r_size(n->a) + 1;
      for (i = starts_opt; i < pc; i += size) prog[i].y = pc;
      return pc;
    }
  }
  return pc;
}

static void r_build_dfa (orc_arena **a, orc_regex *re);

orc_regex *orc_regex_compile (orc_arena **a, const char *src, size_t len,
                              char *err, size_t errsz) {
  rparse p;
  rnode *root;
  orc_regex *re;
  long size;
  memset(&p, 0, sizeof p);
  if (errsz) err[0] = '\0';
  if (len > RE_MAX_PATTERN) {
    snprintf(err, errsz, "regex too long (more than %d bytes)", RE_MAX_PATTERN);
    return NULL;
  }
  p.s = src; p.len = len; p.a = a; p.err = err; p.errsz = errsz;
  if (errsz) err[0] = '\0';
  root = r_alt(&p);
  if (root != NULL && r_more(&p)) root = rfail(&p, "unmatched ')'");
  if (root == NULL) return NULL;
  size = r_size(root) + 1;
  if (size > RE_MAX_PROG) {
    snprintf(err, errsz, "regex too large (more than %d states)", RE_MAX_PROG);
    return NULL;
  }
  re = (orc_regex *)orc_arena_alloc(a, sizeof(orc_regex));
  if (re == NULL) return NULL;
  re->n = (int)size;
  re->prog = (rinst *)orc_arena_alloc(a, (size_t)size * sizeof(rinst));
  re->la = (int *)orc_arena_alloc(a, (size_t)size * sizeof(int));
  re->lb = (int *)orc_arena_alloc(a, (size_t)size * sizeof(int));
  re->stack = (int *)orc_arena_alloc(a, (size_t)(2 * size + 2) * sizeof(int));
  re->mark = (unsigned *)orc_arena_alloc(a, (size_t)size * sizeof(unsigned));
  if (!re->prog || !re->la || !re->lb || !re->stack || !re->mark) return NULL;
  re->prog[r_emit(re->prog, 0, root)].op = RI_MATCH;
  r_build_dfa(a, re);            /* optional: without it, the NFA answers */
  return re;
}

static int in_ranges (const rrange *r, int n, uint32_t c) {
  int lo = 0, hi = n - 1;
  while (lo <= hi) {
    int mid = (lo + hi) / 2;
    if (c < r[mid].lo) hi = mid - 1;
    else if (c > r[mid].hi) lo = mid + 1;
    else return 1;
  }
  return 0;
}

static int is_word (long c) {
  return c >= 0 && in_ranges(R_WORD, 4, (uint32_t)c);
}

static unsigned next_gen (orc_regex *re) {
  if (++re->gen == 0) {
    memset(re->mark, 0, (size_t)re->n * sizeof(unsigned));
    re->gen = 1;
  }
  return re->gen;
}

/* Follow the epsilon edges from pc at a position whose neighbours are
** prev and next (-1: none); add the consuming states to list.  1 when
** MATCH is reachable. */
static int r_add (orc_regex *re, int *list, int *nl, int pc0, unsigned gen,
                  long prev, long next) {
  int sp = 0;
  re->stack[sp++] = pc0;
  while (sp > 0) {
    int pc = re->stack[--sp];
    const rinst *in = &re->prog[pc];
    if (re->mark[pc] == gen) continue;
    re->mark[pc] = gen;
    switch (in->op) {
      case RI_JMP: re->stack[sp++] = in->x; break;
      case RI_SPLIT:
        re->stack[sp++] = in->y;
        re->stack[sp++] = in->x;
        break;
      case RI_BOL: if (prev < 0) re->stack[sp++] = pc + 1; break;
      case RI_EOL: if (next < 0) re->stack[sp++] = pc + 1; break;
      case RI_WORDB:
        if (is_word(prev) != is_word(next)) re->stack[sp++] = pc + 1;
        break;
      case RI_NWORDB:
        if (is_word(prev) == is_word(next)) re->stack[sp++] = pc + 1;
        break;
      case RI_MATCH: return 1;
      default: list[(*nl)++] = pc; break;
    }
  }
  return 0;
}

/* Does the consuming instruction `in` take code point c? */
static int r_accepts (const rinst *in, uint32_t c) {
  switch (in->op) {
    case RI_CHAR: return in->c == c;
    case RI_ANY: return !(c == '\n' || c == '\r' || c == 0x2028 || c == 0x2029);
    case RI_CLASS: return in_ranges(in->r, in->nr, c) != in->neg;
    default: return 0;
  }
}

/* The Thompson simulation: any pattern, any UTF-8 input. */
static int r_nfa_search (orc_regex *re, const char *s, size_t len) {
  int *cl = re->la, *nl = re->lb, nc = 0;
  size_t i = 0;
  long prev = -1;
  unsigned gen = next_gen(re);
  for (;;) {
    size_t j = i;
    long cur = i < len ? (long)orc_utf8_next(s, len, &j) : -1;
    int k, nn = 0;
    unsigned ngen;
    int *t;
    if (r_add(re, cl, &nc, 0, gen, prev, cur)) return 1;
    if (cur < 0) return 0;
    ngen = next_gen(re);
    /* the lookahead for assertions in the next closure */
    {
      size_t j2 = j;
      long after = j < len ? (long)orc_utf8_next(s, len, &j2) : -1;
      for (k = 0; k < nc; k++)
        if (r_accepts(&re->prog[cl[k]], (uint32_t)cur) &&
            r_add(re, nl, &nn, cl[k] + 1, ngen, cur, after))
          return 1;
    }
    t = cl; cl = nl; nl = t;
    nc = nn;
    gen = ngen;
    prev = cur;
    i = j;
  }
}

int orc_regex_search (orc_regex *re, const char *s, size_t len) {
  const rdfa *d = re->dfa;
  if (d != NULL) {
    const unsigned char *p = (const unsigned char *)s;
    unsigned st = 0, f;
    size_t i;
    if (len == 0) return d->empty_match;
    for (i = 0;; i++) {
      f = d->flags[st];
      if (f & DF_MID) return 1;
      if (i == len) return (f & DF_END) != 0;
      if (f & DF_EMPTY) return d->stuck_end;   /* every later state is too */
      if (p[i] >= 0x80) break;                 /* not ASCII: the NFA decodes */
      st = d->next[st * (unsigned)d->ncls + d->cls[p[i]]];
    }
  }
  return r_nfa_search(re, s, len);
}

/* ---- DFA construction (compile time; temporaries are malloc'd and freed
** here, nothing in between can raise) ---------------------------------- */

typedef struct dbuild {
  orc_regex *re;
  int *pool;                 /* every state's sorted set, concatenated */
  size_t npool, cappool;
  size_t *off;               /* per state: its set in pool */
  int *len;
  uint8_t *flags;
  uint16_t *next;
  int nstates, ncls;
  int *hash;                 /* state + 1; open addressing */
  unsigned hmask;
  int *list, *list2, *seeds; /* scratch, re->n each (seeds: + 1) */
  int rep[128];              /* a representative byte per class */
} dbuild;

static int cmp_int (const void *x, const void *y) {
  int a = *(const int *)x, b = *(const int *)y;
  return (a > b) - (a < b);
}

/* Close the seeds at a position that is the first (BOL holds) or not;
** the consuming set, sorted, in b->list[0..*nl).  Returns DF_* flags. */
static unsigned d_close (dbuild *b, int ns, int first, int *nl) {
  orc_regex *re = b->re;
  long prev = first ? -1 : 0;
  unsigned gen = next_gen(re), f = 0;
  int k, n2 = 0;
  *nl = 0;
  for (k = 0; k < ns; k++)
    if (r_add(re, b->list, nl, b->seeds[k], gen, prev, 0)) {
      *nl = 0;                 /* all such states are one: "yes" */
      return DF_MID;
    }
  gen = next_gen(re);
  for (k = 0; k < ns; k++)
    if (r_add(re, b->list2, &n2, b->seeds[k], gen, prev, -1)) {
      f |= DF_END;
      break;
    }
  qsort(b->list, (size_t)*nl, sizeof(int), cmp_int);
  if (*nl == 0) f |= DF_EMPTY;
  return f;
}

static uint32_t d_hash (const int *set, int n, unsigned f) {
  uint32_t h = 2166136261u ^ f;
  int k;
  for (k = 0; k < n; k++) {
    h ^= (uint32_t)set[k];
    h *= 16777619u;
  }
  return h;
}

/* The state for the set in b->list with flags f: found or added.  -1 when
** over the limits or out of memory. */
static int d_state (dbuild *b, int n, unsigned f) {
  uint32_t h = d_hash(b->list, n, f) & b->hmask;
  int id;
  while (b->hash[h] != 0) {
    id = b->hash[h] - 1;
    if (b->flags[id] == f && b->len[id] == n &&
        (n == 0 ||
         memcmp(b->pool + b->off[id], b->list, (size_t)n * sizeof(int)) == 0))
      return id;
    h = (h + 1) & b->hmask;
  }
  if (b->nstates >= DFA_MAX_STATES ||
      (long)(b->nstates + 1) * b->ncls > DFA_MAX_CELLS)
    return -1;
  if (b->npool + (size_t)n > b->cappool) {
    size_t cap = (b->cappool ? b->cappool * 2 : 256) + (size_t)n;
    int *p = (int *)realloc(b->pool, cap * sizeof(int));
    if (p == NULL) return -1;
    b->pool = p;
    b->cappool = cap;
  }
  id = b->nstates++;
  if (n > 0) memcpy(b->pool + b->npool, b->list, (size_t)n * sizeof(int));
  b->off[id] = b->npool;
  b->npool += (size_t)n;
  b->len[id] = n;
  b->flags[id] = (uint8_t)f;
  b->hash[h] = id + 1;
  return id;
}

static void r_build_dfa (orc_arena **a, orc_regex *re) {
  dbuild b;
  int pc, c, k, s, nl, ok = 0;
  rdfa *d;
  memset(&b, 0, sizeof b);
  if (re->n > 4000) return;
  for (pc = 0; pc < re->n; pc++)
    if (re->prog[pc].op == RI_WORDB || re->prog[pc].op == RI_NWORDB) return;
  /* classes: runs of ASCII bytes that no instruction tells apart */
  d = (rdfa *)orc_arena_alloc(a, sizeof(rdfa));
  if (d == NULL) return;
  b.rep[0] = 0;
  b.ncls = 1;
  for (c = 1; c < 128; c++) {
    int split = 0;
    for (pc = 0; pc < re->n && !split; pc++)
      split = r_accepts(&re->prog[pc], (uint32_t)c) !=
              r_accepts(&re->prog[pc], (uint32_t)c - 1);
    if (split) b.rep[b.ncls++] = c;
    d->cls[c] = (uint8_t)(b.ncls - 1);
  }
  b.re = re;
  b.hmask = 2 * DFA_MAX_STATES - 1;
  b.hash = (int *)calloc(2 * DFA_MAX_STATES, sizeof(int));
  b.off = (size_t *)malloc(DFA_MAX_STATES * sizeof(size_t));
  b.len = (int *)malloc(DFA_MAX_STATES * sizeof(int));
  b.flags = (uint8_t *)malloc(DFA_MAX_STATES);
  b.next = (uint16_t *)malloc(DFA_MAX_CELLS * sizeof(uint16_t));
  b.list = (int *)malloc((size_t)re->n * sizeof(int));
  b.list2 = (int *)malloc((size_t)re->n * sizeof(int));
  b.seeds = (int *)malloc(((size_t)re->n + 1) * sizeof(int));
  if (!b.hash || !b.off || !b.len || !b.flags || !b.next || !b.list ||
      !b.list2 || !b.seeds)
    goto done;
  /* the fixed answers: the empty input; a dead end reached mid-input */
  b.seeds[0] = 0;
  {
    unsigned gen = next_gen(re);
    nl = 0;
    d->empty_match = r_add(re, b.list, &nl, 0, gen, -1, -1);
    gen = next_gen(re);
    nl = 0;
    d->stuck_end = r_add(re, b.list, &nl, 0, gen, 0, -1);
  }
  /* state 0: position 0 of a non-empty input */
  {
    unsigned f = d_close(&b, 1, 1, &nl);
    if (d_state(&b, nl, f) != 0) goto done;
  }
  for (s = 0; s < b.nstates; s++) {
    if (b.flags[s] & (DF_MID | DF_EMPTY)) {
      for (k = 0; k < b.ncls; k++) b.next[s * b.ncls + k] = 0;   /* unused */
      continue;
    }
    for (k = 0; k < b.ncls; k++) {
      int ns = 0, i, t;
      unsigned f;
      const int *set = b.pool + b.off[s];
      for (i = 0; i < b.len[s]; i++)
        if (r_accepts(&re->prog[set[i]], (uint32_t)b.rep[k]))
          b.seeds[ns++] = set[i] + 1;
      b.seeds[ns++] = 0;       /* the search is unanchored */
      f = d_close(&b, ns, 0, &nl);
      t = d_state(&b, nl, f);
      if (t < 0) goto done;
      b.next[s * b.ncls + k] = (uint16_t)t;
    }
  }
  d->ncls = b.ncls;
  d->next = (uint16_t *)orc_arena_alloc(a, (size_t)b.nstates * (size_t)b.ncls *
                                               sizeof(uint16_t));
  d->flags = (uint8_t *)orc_arena_alloc(a, (size_t)b.nstates);
  if (d->next == NULL || d->flags == NULL) goto done;
  memcpy(d->next, b.next, (size_t)b.nstates * (size_t)b.ncls * sizeof(uint16_t));
  memcpy(d->flags, b.flags, (size_t)b.nstates);
  ok = 1;
done:
  free(b.pool); free(b.off); free(b.len); free(b.flags); free(b.next);
  free(b.hash); free(b.list); free(b.list2); free(b.seeds);
  re->dfa = ok ? d : NULL;
}
