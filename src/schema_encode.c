/*
** schema_encode.c -- the encoding pass of the schema engine: a Lua value
** validated against a compiled schema and written as JSON in one walk, so
** that what was validated is exactly what is sent, and the schema says
** whether an empty table is [] or {}.
**
** The walk is the encoder's (ljson.h): it classifies and iterates every
** table and writes every scalar, and this file, as its table visitor,
** carries down the schemas that apply at each value -- a conjunction of at
** most SE_MAX nodes, each either checked here ("verify") or already known
** to hold and kept only for its guidance ("hint").  At a table:
**
**   expansion  $ref is followed; allOf adds its subschemas; if/then/else
**              adds the branch the boolean pass picks; anyOf/oneOf with one
**              branch that admits a table at all adds that branch; other
**              anyOf/oneOf and `not` are asked of the boolean pass once
**              the fields are known (and guide nothing); a node with
**              keywords this walk does not apply field by field (enum or
**              const on a table, contains, uniqueItems, propertyNames,
**              dependencies) is asked of the boolean pass whole and kept
**              as a hint.
**   the table  type, minItems/maxItems here; each field's schemas from
**              properties, patternProperties, additionalProperties (items
**              from items/additionalItems) for the child; required,
**              minProperties and maxProperties at the end.
**   scalars    the boolean pass on each verify node, then the encoder.
**   empty      an unmarked empty table is [] when every schema there
**              admits the empty array and one admits no empty object (or
**              the schemas to verify admit only []), else {} (se_admits:
**              exact for [] and {} through every combinator); then it is
**              checked as what it goes out as.  A marked one ([] or {}
**              decoded, openrouter.array/object) goes the way of its kind,
**              which must be one the schema allows.
**
** The boolean pass decides the verdict wherever this walk does not
** restate a rule, so the two agree by construction; fuzz/fuzz_schema.c
** holds the walk to the reference, orc_schema_encode_ref: the boolean
** pass, then the plain encoder with a hint (orc_json_hint_class) that
** walks the same expansion down the path of each empty table.  The text
** is the same whenever both write one.  The verdicts differ in two places
** only: where a limit (depth, steps) is reached -- both reject, perhaps
** not the same values -- and at empty tables, which the boolean pass
** takes for an empty array and an empty object at once (schema_int.h),
** where this walk checks the one it writes: validate() rejects
** {if: {type: array}, then: {minItems: 1}} for {}, this walk writes {}.
**
** A failure records where it happened and why (orc_swhy); the binding
** then runs the collecting pass for the full list of errors, and uses
** the record when that pass finds nothing (a marker the schema rejects).
*/
#include <stdio.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "compat.h"
#include "schema_int.h"
#include "orc.h"

#define SE_MAX 8                 /* schemas at one value; more are checked whole */
#define SE_A 1u                  /* se_admits: the empty array */
#define SE_O 2u                  /* se_admits: the empty object */
#define SE_ADMIT_STEPS 256       /* se_admits nodes per decision */

#define COMBINATORS (ORC_K_ALLOF | ORC_K_ANYOF | ORC_K_ONEOF | ORC_K_NOT | ORC_K_IF)
/* What the walk does not apply field by field (besides dependencies). */
#define NONWALK (ORC_K_ENUM | ORC_K_CONST | ORC_K_CONTAINS | ORC_K_UNIQUE | \
                 ORC_K_PROPNAMES)
#define TABLEISH (ORC_K_TYPE | ORC_K_ARRAYISH | ORC_K_OBJECTISH)

typedef struct ent {
  const orc_node *n;
  int verify;                    /* 0: known to hold, a guide only */
} ent;

typedef struct Walk {
  orc_jenc *e;
  orc_vstate *c;
  orc_swhy *why;
  int check;                     /* 0: guide only, validate nothing */
  int budget;                    /* se_admits steps left */
} Walk;

/* A table being walked. */
typedef struct Frame {
  Walk *w;
  const ent *in;                 /* the schemas handed down */
  int nin;
  ent ent[SE_MAX];               /* after expansion */
  int nent;
  const orc_node *defer[SE_MAX]; /* anyOf/oneOf/not asked at the end */
  int ndefer;
  orc_fval v;                    /* the table, for the boolean pass */
  int kind;                      /* ORC_JK_*; ORC_JK_EMPTY: written already */
  size_t n;                      /* array length */
  size_t count;                  /* object fields so far */
  size_t seen[SE_MAX];           /* required names seen, per entry */
  int room;                      /* stack known free up to here */
  ent child[SE_MAX];             /* the schemas of a field, or of every item */
  int nchild;                    /* (items: -1 until known) */
} Frame;

static int walk_table (Walk *w, const ent *in, int nin, int idx);
static int se_fail (Walk *w, const char *fmt, const char *arg);

#if defined(__GNUC__)
#define NOINLINE __attribute__((noinline))
#define ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define NOINLINE
#define ALWAYS_INLINE inline
#endif

/* Copy n bytes in word moves, the last word overlapping (the short texts
** of keys and enum values: no call). */
static inline void se_copy (char *out, const char *in, size_t n) {
  size_t i;
  if (n >= 8) {
    for (i = 0; i + 8 <= n; i += 8) memcpy(out + i, in + i, 8);
    memcpy(out + n - 8, in + n - 8, 8);
  } else if (n >= 4) {
    memcpy(out, in, 4);
    memcpy(out + n - 4, in + n - 4, 4);
  } else {
    for (i = 0; i < n; i++) out[i] = in[i];
  }
}

/* The string s[0..len), known to need no escaping (it equals a plain enum
** value), written as the encoder would.  [-0, +0|2, m] */
static int se_plain_string (orc_jenc *e, const char *s, size_t len) {
  char *out;
  if (len > 64 || e->b->cap - e->b->len < len + 2) return orc_jenc_lstring(e, s, len);
  out = e->b->data + e->b->len;
  out[0] = '"';
  se_copy(out + 1, s, len);
  out[len + 1] = '"';
  e->b->len += len + 2;
  return 0;
}

/* The enum value of n (only type and enum, strings allowed) equal to the
** string v, or NULL: ck_enum's answer, and whether the text is plain. */
static const orc_jval *se_enum_string (lua_State *L, const orc_node *n, orc_fval *v) {
  size_t k;
  if (!(v->known & ORC_FV_STR)) {
    v->s = lua_tolstring(L, v->idx, &v->len);
    v->known |= ORC_FV_STR;
  }
  for (k = 0; k < n->nenums; k++) {
    const orc_jval *j = &n->enums[k];
    if (j->kind == ORC_J_STR && j->len == v->len && orc_eq(j->s, v->s, v->len)) return j;
  }
  return NULL;
}

/* Does n (its $ref followed) take a string by its enum alone: only type
** and enum, strings allowed?  Then se_enum_string is the whole check. */
static inline int se_string_enum (const orc_node *n) {
  return (n->has | ORC_K_TYPE) == (ORC_K_TYPE | ORC_K_ENUM) &&
         (!(n->has & ORC_K_TYPE) || (n->types & ORC_T_STRING));
}

/* Is n {type: number} and nothing else (any finite number passes, as in
** ck_keywords)? */
static inline int se_any_number (const orc_node *n) {
  return n->has == ORC_K_TYPE && (n->types & ORC_T_NUMBER);
}

/* The boolean at idx, written.  [-0, +0|2, m] */
static inline int se_boolean (orc_jenc *e, lua_State *L, int idx) {
  return lua_toboolean(L, idx) ? orc_jenc_raw_inline(e, "true", 4)
                               : orc_jenc_raw_inline(e, "false", 5);
}

/* The scalar of type t at idx (the stack top) under the schemas in (nin >
** 0): checked by the boolean pass and written.  [-0, +0|2, m] */
static NOINLINE int walk_scalars (Walk *w, const ent *in, int nin, int idx, int t) {
  lua_State *L = w->c->L;
  orc_fval v;
  int k, plain = 0;
  v.idx = idx;
  v.t = t;
  v.known = 0;
  w->c->top = idx;                   /* the value is on the top */
  for (k = 0; k < nin; k++) {
    const orc_node *n = in[k].n;
    if (!in[k].verify) continue;
    if (n->has & ORC_K_REF) n = n->ref;
    if ((n->quick_ok >> t) & 1) continue;       /* as the boolean pass answers */
    if (t == LUA_TSTRING && se_string_enum(n)) {
      const orc_jval *j = se_enum_string(L, n, &v);
      if (j == NULL) return se_fail(w, "%s", "does not match the schema");
      plain |= j->b;
      continue;
    }
    if (t == LUA_TNUMBER && se_any_number(n)) {
      if (!(v.known & ORC_FV_NUM)) {
        v.d = lua_tonumber(L, idx);
        v.known |= ORC_FV_NUM;
      }
      if (v.d - v.d == 0) continue;
    }
    if (((n->quick_fail >> t) & 1) || orc_check_fval(w->c, n, &v) != ORC_V_OK)
      return se_fail(w, "%s", "does not match the schema");
  }
  if (t == LUA_TSTRING) {
    if (plain) return se_plain_string(w->e, v.s, v.len);
    if (!(v.known & ORC_FV_STR)) v.s = lua_tolstring(L, idx, &v.len);
    return orc_jenc_lstring(w->e, v.s, v.len);
  }
  if (t == LUA_TNUMBER)
    return orc_jenc_number_d(w->e, idx, (v.known & ORC_FV_NUM) ? v.d : lua_tonumber(L, idx));
  if (t == LUA_TBOOLEAN) return se_boolean(w->e, L, idx);
  return orc_jenc_value(w->e, idx);
}

/* walk_scalars in a few steps for what one schema decides on sight: a
** type it takes whole, {type: number} (any finite number), a string enum.
** Inline in the visitor's child steps.  [-0, +0|2, m] */
static inline int walk_scalar (Walk *w, const ent *in, int nin, int idx, int t) {
  if (nin == 1) {
    lua_State *L = w->c->L;
    const orc_node *n = in[0].n;
    int verify = in[0].verify;
    if (n->has & ORC_K_REF) n = n->ref;
    if (!verify || ((n->quick_ok >> t) & 1)) {
      if (t == LUA_TBOOLEAN) return se_boolean(w->e, L, idx);
      if (t == LUA_TSTRING) {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        return orc_jenc_lstring(w->e, s, len);
      }
      if (t == LUA_TNUMBER) return orc_jenc_number_d(w->e, idx, lua_tonumber(L, idx));
    }
    if (t == LUA_TNUMBER && se_any_number(n)) {
      lua_Number d = lua_tonumber(L, idx);
      if (d - d == 0) return orc_jenc_number_d(w->e, idx, d);
    }
    if (t == LUA_TSTRING && verify && se_string_enum(n)) {
      orc_fval v;
      const orc_jval *j;
      v.idx = idx;
      v.known = 0;
      j = se_enum_string(L, n, &v);
      if (j == NULL) return se_fail(w, "%s", "does not match the schema");
      return j->b ? se_plain_string(w->e, v.s, v.len) : orc_jenc_lstring(w->e, v.s, v.len);
    }
  }
  return walk_scalars(w, in, nin, idx, t);
}

/* The value at idx (the stack top) under the schemas in: a table is
** walked, a scalar checked and written.  [-0, +0|2, m] */
static int walk_value (Walk *w, const ent *in, int nin, int idx) {
  int t;
  if (nin == 0) return orc_jenc_value(w->e, idx);
  t = lua_type(w->c->L, idx);
  if (t == LUA_TTABLE) return walk_table(w, in, nin, idx);
  return walk_scalar(w, in, nin, idx, t);
}

/* ---- failing ------------------------------------------------------------ */

/* The value does not match: record where and why (the collecting pass
** usually says more), and stop.  */
static int se_fail (Walk *w, const char *fmt, const char *arg) {
  if (!w->why->failed) {
    w->why->failed = 1;
    w->why->depth = w->e->depth;
    snprintf(w->why->msg, sizeof w->why->msg, fmt, arg ? arg : "");
  }
  return -1;
}

static int se_deep (Walk *w, int kind) {
  if (!w->c->deep) w->c->deep = kind;
  return se_fail(w, "%s", kind == ORC_DEEP_VALUE
                 ? "nested too deeply to validate" : "the schema recurses too deeply");
}

/* Count a nested expansion, as the boolean pass counts its descents. */
static int se_enter (Walk *w) {
  orc_vstate *c = w->c;
  if (c->calls >= ORC_MAX_CALLS || ++c->steps > ORC_MAX_STEPS) return 0;
  c->calls++;
  return 1;
}

/* The boolean pass on the value v, with the stack as the walk has it. */
static int se_check (Walk *w, const orc_node *n, orc_fval *v, int room) {
  orc_vstate *c = w->c;
  c->top = lua_gettop(c->L);
  c->room = room > c->top ? room : c->top;
  return orc_check_fval(c, n, v);
}

/* ---- what an empty table may be ----------------------------------------- */

/* Which of [] and {} an enum or const value is: an empty container in a
** schema is both, as the engine compares it (schema_value.c). */
static unsigned jval_empties (const orc_jval *j) {
  if ((j->kind == ORC_J_ARR || j->kind == ORC_J_OBJ) && j->n == 0) return SE_A | SE_O;
  return 0;
}

/*
** Which of [] and {} validate against n: SE_A, SE_O, both or neither,
** following every combinator exactly.  Past the step budget: both (no
** guidance).
*/
static unsigned se_admits (Walk *w, const orc_node *n, int level) {
  uint32_t has;
  unsigned m = SE_A | SE_O;
  size_t k;
  if (n->has & ORC_K_REF) n = n->ref;
  has = n->has;
  if (has == 0) return m;
  if (has & ORC_K_FALSE) return 0;
  if (--w->budget < 0 || level > 32) return m;
  if (has & ORC_K_TYPE)
    m &= ((n->types & ORC_T_ARRAY) ? SE_A : 0) | ((n->types & ORC_T_OBJECT) ? SE_O : 0);
  if (has & ORC_K_ENUM) {
    unsigned e = 0;
    for (k = 0; k < n->nenums; k++) e |= jval_empties(&n->enums[k]);
    m &= e;
  }
  if (has & ORC_K_CONST) m &= jval_empties(n->const_);
  if (((has & ORC_K_MINITEMS) && n->min_items > 0) || (has & ORC_K_CONTAINS)) m &= ~SE_A;
  if (n->nrequired > 0 || ((has & ORC_K_MINPROPS) && n->min_props > 0)) m &= ~SE_O;
  if (has & ORC_K_ALLOF)
    for (k = 0; k < n->nall_of; k++) m &= se_admits(w, n->all_of[k], level + 1);
  if (has & ORC_K_ANYOF) {
    unsigned u = 0;
    for (k = 0; k < n->nany_of; k++) u |= se_admits(w, n->any_of[k], level + 1);
    m &= u;
  }
  if (has & ORC_K_ONEOF) {
    int na = 0, no = 0;
    for (k = 0; k < n->none_of; k++) {
      unsigned a = se_admits(w, n->one_of[k], level + 1);
      na += (a & SE_A) != 0;
      no += (a & SE_O) != 0;
    }
    m &= (na == 1 ? SE_A : 0) | (no == 1 ? SE_O : 0);
  }
  if (has & ORC_K_NOT) m &= ~se_admits(w, n->not_, level + 1);
  if (has & ORC_K_IF) {
    unsigned i = se_admits(w, n->if_, level + 1);
    unsigned t = n->then_ ? se_admits(w, n->then_, level + 1) : SE_A | SE_O;
    unsigned e = n->else_ ? se_admits(w, n->else_, level + 1) : SE_A | SE_O;
    m &= (i & t) | (~i & e);
  }
  return m & (SE_A | SE_O);
}

/* [] or {} for an unmarked empty table under the schemas in: [] when
** every schema there admits [] and one does not admit {}; else {} -- but
** the kind the schemas to verify admit, when they admit only one. */
static int se_decide (Walk *w, const ent *in, int nin) {
  unsigned all = SE_A | SE_O, verify = SE_A | SE_O;
  int k;
  w->budget = SE_ADMIT_STEPS;
  for (k = 0; k < nin; k++) {
    unsigned a = se_admits(w, in[k].n, 0);
    all &= a;
    if (in[k].verify) verify &= a;
  }
  if (all == SE_A || verify == SE_A) return ORC_JK_ARRAY;
  return ORC_JK_OBJECT;
}

/* ---- expansion: the schemas that apply at a table ----------------------- */

/* The table's kind for the boolean pass, when it is an object: its keys
** are counted once, so that the subschemas asked about it (if-conditions,
** anyOf branches) look their few fields up instead of scanning it. */
static void se_know_object (Frame *f) {
  lua_State *L = f->w->c->L;
  size_t n = 0;
  if (f->kind != ORC_JK_OBJECT || (f->v.known & ORC_FV_KIND)) return;
  lua_pushnil(L);
  while (lua_next(L, f->v.idx)) {
    if (lua_type(L, -2) != LUA_TSTRING) {
      lua_pop(L, 2);
      return;
    }
    n++;
    lua_pop(L, 1);
  }
  f->v.known |= ORC_FV_KIND;
  f->v.kind = ORC_TK_OBJECT;         /* empty, it is marked as an object */
  f->v.n = n;
}

static int se_check_table (Frame *f, const orc_node *n) {
  se_know_object(f);
  return se_check(f->w, n, &f->v, f->room);
}

/* The branch a discriminated union (orc_disc) gives the object f->v: one
** lookup of its tag, where the chain of `if`s would test one after the
** other.  NULL: no branch. */
static const orc_node *se_disc (Frame *f, const orc_disc *d) {
  orc_vstate *c = f->w->c;
  lua_State *L = c->L;
  const orc_node *b = d->else_;
  int top = lua_gettop(L);
  lua_rawgeti(L, c->anchors, d->tag->anchor);
  lua_rawget(L, f->v.idx);
  if (lua_type(L, -1) == LUA_TSTRING) {
    size_t len, k;
    const char *s = lua_tolstring(L, -1, &len);
    for (k = 0; k < d->n; k++) {
      if (d->lens[k] == len && orc_eq(d->vals[k], s, len)) {
        b = d->then_[k];
        break;
      }
    }
  }
  lua_settop(L, top);
  return b;
}

/* Keep n at this table; when full, a verify node is checked whole. */
static int se_keep (Frame *f, const orc_node *n, int verify) {
  if (f->nent < SE_MAX) {
    f->ent[f->nent].n = n;
    f->ent[f->nent].verify = verify;
    f->nent++;
    return 0;
  }
  if (verify && se_check_table(f, n) != ORC_V_OK)
    return se_fail(f->w, "%s", "does not match the schema");
  return 0;
}

/* The one branch of a list that admits a table at all, else NULL (and
** *count how many do). */
static const orc_node *se_single (orc_node *const *list, size_t n, int *count) {
  const orc_node *one = NULL;
  size_t k;
  *count = 0;
  for (k = 0; k < n; k++) {
    const orc_node *b = (list[k]->has & ORC_K_REF) ? list[k]->ref : list[k];
    if (!((b->quick_fail >> LUA_TTABLE) & 1)) {
      one = list[k];
      ++*count;
    }
  }
  return *count == 1 ? one : NULL;
}

/* Ask the boolean pass about n's anyOf, oneOf and not (at the end of the
** table, or now). */
static int se_disjunctions (Frame *f, const orc_node *n) {
  size_t k;
  if (n->has & ORC_K_ANYOF) {
    for (k = 0; k < n->nany_of; k++)
      if (se_check_table(f, n->any_of[k]) == ORC_V_OK) break;
    if (k == n->nany_of) return se_fail(f->w, "%s", "matches none of anyOf");
  }
  if (n->has & ORC_K_ONEOF) {
    int matches = 0;
    for (k = 0; k < n->none_of && matches < 2; k++)
      if (se_check_table(f, n->one_of[k]) == ORC_V_OK) matches++;
    if (matches != 1) return se_fail(f->w, "%s", "does not match exactly one of oneOf");
  }
  if ((n->has & ORC_K_NOT) && se_check_table(f, n->not_) == ORC_V_OK)
    return se_fail(f->w, "%s", "matches what `not` forbids");
  return 0;
}

static int se_expand (Frame *f, const orc_node *n, int verify) {
  Walk *w = f->w;
  uint32_t has;
  int rc = 0;
  if (n->has & ORC_K_REF) n = n->ref;
  has = n->has;
  if (has == 0) return 0;
  if (verify) {
    if ((n->quick_fail >> LUA_TTABLE) & 1)
      return se_fail(w, "%s", (has & ORC_K_FALSE) ? "the schema allows nothing here"
                                                  : "a table where the schema wants no table");
    if ((has & NONWALK) || n->ndeps > 0) {
      if (se_check_table(f, n) != ORC_V_OK) return se_fail(w, "%s", "does not match the schema");
      verify = 0;
    }
  }
  if (has & COMBINATORS) {
    size_t k;
    int count, later = verify && (has & ORC_K_NOT);
    const orc_node *one;
    if (!se_enter(w)) return verify ? se_deep(w, ORC_DEEP_SCHEMA) : 0;
    if (has & ORC_K_ALLOF)
      for (k = 0; k < n->nall_of && rc == 0; k++) rc = se_expand(f, n->all_of[k], verify);
    if (rc == 0 && (has & ORC_K_IF)) {
      const orc_node *b;
      if (n->disc != NULL && f->kind == ORC_JK_OBJECT) b = se_disc(f, n->disc);
      else b = se_check_table(f, n->if_) == ORC_V_OK ? n->then_ : n->else_;
      if (b != NULL) rc = se_expand(f, b, verify);
    }
    if (rc == 0 && (has & ORC_K_ANYOF)) {
      one = se_single(n->any_of, n->nany_of, &count);
      if (one != NULL) rc = se_expand(f, one, verify);
      else if (verify && count == 0) rc = se_fail(w, "%s", "matches none of anyOf");
      else later |= verify;
    }
    if (rc == 0 && (has & ORC_K_ONEOF)) {
      one = se_single(n->one_of, n->none_of, &count);
      if (one != NULL) rc = se_expand(f, one, verify);
      else if (verify && count == 0) rc = se_fail(w, "%s", "does not match exactly one of oneOf");
      else later |= verify;
    }
    /* the rest: asked once the fields are known, guiding nothing */
    if (rc == 0 && later) {
      if (f->ndefer < SE_MAX) f->defer[f->ndefer++] = n;
      else rc = se_disjunctions(f, n);
    }
    w->c->calls--;
    if (rc) return rc;
  }
  if (has & TABLEISH) return se_keep(f, n, verify);
  return 0;
}

/* Expand the schemas handed down to the table f->v.idx of kind `kind`. */
static ALWAYS_INLINE int se_frame (Frame *f, int kind) {
  int k;
  f->kind = kind;
  f->nent = 0;
  f->ndefer = 0;
  if (f->nin == 1) {                 /* one plain schema, the common case */
    const orc_node *n = f->in[0].n;
    if (n->has & ORC_K_REF) n = n->ref;
    if (!(n->has & (COMBINATORS | NONWALK | ORC_K_FALSE)) && n->ndeps == 0 &&
        !((n->quick_fail >> LUA_TTABLE) & 1)) {
      if (n->has & TABLEISH) {
        f->ent[0].n = n;
        f->ent[0].verify = f->in[0].verify;
        f->nent = 1;
      }
      return 0;
    }
  }
  for (k = 0; k < f->nin; k++)
    if (se_expand(f, f->in[k].n, f->in[k].verify)) return -1;
  return 0;
}

/* Add node to the child's schemas out (*m of them); when full, a verify
** node is checked on the child (at cidx) whole instead. */
static int se_add_full (Frame *f, const orc_node *node, int verify, int cidx) {
  Walk *w = f->w;
  orc_fval cv;
  int r;
  if (!verify) return 0;
  cv.idx = cidx;
  cv.t = lua_type(w->c->L, cidx);
  cv.known = 0;
  w->c->depth++;
  r = se_check(w, node, &cv, f->room);
  w->c->depth--;
  return r == ORC_V_OK ? 0 : se_fail(w, "%s", "does not match the schema");
}

static inline int se_add (Frame *f, ent *out, int *m, const orc_node *node, int verify,
                          int cidx) {
  if (node == NULL || node->has == 0) return 0;
  if (*m < SE_MAX) {
    out[*m].n = node;
    out[*m].verify = verify;
    ++*m;
    return 0;
  }
  return se_add_full(f, node, verify, cidx);
}

/* The schemas for the child named by seg (its key string at kidx in an
** object; the child at cidx), into out; level is the table's depth.
** Counts the required names seen when `seen`. */
static int se_children (Frame *f, const orc_json_seg *seg, int kidx, int cidx,
                        ent *out, int *nout, int level, int seen,
                        const orc_prop **named) {
  Walk *w = f->w;
  int k;
  (void)level;
  *nout = 0;
  for (k = 0; k < f->nent; k++) {
    const orc_node *n = f->ent[k].n;
    int vf = f->ent[k].verify;
    if (f->kind == ORC_JK_ARRAY) {
      if ((n->has & (ORC_K_ITEMS | ORC_K_TUPLE)) &&
          se_add(f, out, nout, orc_node_item(n, seg->index), vf, cidx))
        return -1;
    } else {
      int matched = 0;
      size_t j;
      if (n->nprops) {
        const orc_prop *p;
        if (!orc_pcache_get(n, seg->key, &p)) {
          w->c->top = lua_gettop(w->c->L);
          w->c->room = f->room;
          p = orc_check_prop(w->c, n, seg->key, seg->klen, kidx);
        }
        if (p != NULL) {
          if (seen && vf) f->seen[k] += (size_t)p->required;
          if (named != NULL) *named = p;
          if (p->declared) {
            matched = 1;
            if (se_add(f, out, nout, p->schema, vf, cidx)) return -1;
          }
        }
      }
      for (j = 0; j < n->npatprops; j++) {
        if (orc_regex_search(n->patprops[j].re, seg->key, seg->klen)) {
          matched = 1;
          if (se_add(f, out, nout, n->patprops[j].schema, vf, cidx)) return -1;
        }
      }
      if (!matched && n->additional_props != NULL &&
          se_add(f, out, nout, n->additional_props, vf, cidx))
        return -1;
    }
  }
  return 0;
}

/* ---- the walk: the encoder's table visitor ------------------------------ */

static const char *kind_name (int kind) {
  return kind == ORC_JK_ARRAY ? "an array" : "an object";
}

/* [-0, +0, m] */
static int vis_table (orc_jenc *e, void *frame, int idx, int kind, size_t n) {
  Frame *f = (Frame *)frame;
  Walk *w = f->w;
  int k;
  (void)e;
  f->v.idx = idx;
  f->v.t = LUA_TTABLE;
  f->v.known = 0;
  f->room = idx + 8;                 /* the encoder made room for 8 */
  f->n = n;
  f->count = 0;
  f->nchild = -1;
  if (kind == ORC_JK_EMPTY) {        /* unmarked: the schemas choose, then check */
    int as = se_decide(w, f->in, f->nin);
    f->kind = ORC_JK_EMPTY;
    f->nent = f->ndefer = 0;
    for (k = 0; k < f->nin; k++) {
      orc_fval v = f->v;                 /* checked as what it will be */
      if (!f->in[k].verify) continue;
      v.known = ORC_FV_KIND;
      v.kind = as == ORC_JK_ARRAY ? ORC_TK_ARRAY : ORC_TK_OBJECT;
      v.n = 0;
      if (se_check(w, f->in[k].n, &v, f->room) != ORC_V_OK)
        return se_fail(w, "the schema does not allow %s here",
                       as == ORC_JK_ARRAY ? "an empty array" : "an empty object");
    }
    return as;
  }
  if (kind == ORC_JK_ARRAY && n == 0) {   /* marked: an empty array, not both */
    f->v.known |= ORC_FV_KIND;
    f->v.kind = ORC_TK_ARRAY;
    f->v.n = 0;
  }
  if (se_frame(f, kind)) return -1;
  for (k = 0; k < f->nent; k++) {
    const orc_node *s = f->ent[k].n;
    uint32_t types;
    f->seen[k] = 0;
    if (!f->ent[k].verify) continue;
    types = (s->has & ORC_K_TYPE) ? s->types : (ORC_T_ARRAY | ORC_T_OBJECT);
    if (!(types & (kind == ORC_JK_ARRAY ? ORC_T_ARRAY : ORC_T_OBJECT)))
      return se_fail(w, "the schema does not allow %s here", kind_name(kind));
    if (kind == ORC_JK_ARRAY) {
      if ((s->has & ORC_K_MINITEMS) && n < s->min_items)
        return se_fail(w, "%s", "fewer items than minItems");
      if ((s->has & ORC_K_MAXITEMS) && n > s->max_items)
        return se_fail(w, "%s", "more items than maxItems");
    }
  }
  return 0;
}

/* The child at idx under the schemas set[0..nset).  [-0, +0, m] */
static ALWAYS_INLINE int se_walk_child (Frame *f, const ent *set, int nset, int idx) {
  Walk *w = f->w;
  int rc, k, t;
  if (nset == 0) return orc_jenc_value(w->e, idx);
  if (w->c->depth >= ORC_MAX_DEPTH) {   /* as deep as validation goes */
    for (k = 0; k < nset; k++) if (set[k].verify) return se_deep(w, ORC_DEEP_VALUE);
    return orc_jenc_value(w->e, idx);
  }
  t = lua_type(w->c->L, idx);
  if (t != LUA_TTABLE) return walk_scalar(w, set, nset, idx, t);
  w->c->depth++;                     /* what the boolean pass asks of a table */
  rc = walk_table(w, set, nset, idx);
  w->c->depth--;
  return rc;
}

/* An object's field: its schemas, its key (from the text a property of
** them keeps, when one names it), its value.  [-0, +0, m] */
static int vis_field (orc_jenc *e, void *frame, int kidx, const char *k, size_t klen) {
  Frame *f = (Frame *)frame;
  const char *json = NULL;               /* "key": as JSON, when a property has it */
  size_t jlen = 0;
  ent *set = f->child;
  int nset = 0;
  f->count++;
  if (f->nent == 1 && f->ent[0].n->npatprops == 0) {
    /* one schema, the common case: its property, or additionalProperties */
    const orc_node *n = f->ent[0].n, *child = n->additional_props;
    const orc_pslot *slot;
    if (n->nprops == 0) {
      /* no property: additionalProperties */
    } else if ((slot = orc_pcache_slot(n, k)) != NULL) {
      if (slot->prop != NULL) {
        if (f->ent[0].verify) f->seen[0] += slot->required;
        if (slot->schema != NULL) child = slot->schema;
        json = slot->json;
        jlen = slot->jlen;
      }
    } else {
      orc_vstate *c = f->w->c;
      const orc_prop *named;
      c->top = kidx + 1;
      c->room = f->room;
      named = orc_check_prop(c, n, k, klen, kidx);
      if (named != NULL) {
        if (f->ent[0].verify) f->seen[0] += (size_t)named->required;
        if (named->declared) child = named->schema;
        json = named->json;
        jlen = named->jlen;
      }
    }
    if (child != NULL && child->has != 0) {
      set[0].n = child;
      set[0].verify = f->ent[0].verify;
      nset = 1;
    }
  } else if (f->nent > 0) {
    const orc_prop *named = NULL;
    orc_json_seg seg;
    seg.key = k;
    seg.klen = klen;
    if (se_children(f, &seg, kidx, kidx + 1, set, &nset, f->w->c->depth, 1, &named))
      return -1;
    if (named != NULL) {
      json = named->json;
      jlen = named->jlen;
    }
  }
  if (json != NULL && e->b->cap - e->b->len >= jlen) {
    se_copy(e->b->data + e->b->len, json, jlen);   /* "key": */
    e->b->len += jlen;
  } else if (orc_jenc_key(e, k, klen)) {
    return -1;
  }
  return se_walk_child(f, set, nset, kidx + 1);
}

/* An array's item: the same schemas for every item but in a tuple, found
** once.  [-0, +0, m] */
static int vis_item (orc_jenc *e, void *frame, int idx) {
  Frame *f = (Frame *)frame;
  ent out[SE_MAX];
  const ent *set = f->child;
  int nset = f->nchild, k;
  if (nset < 0) {
    if (se_children(f, &e->seg[e->depth - 1], 0, idx, out, &nset, f->w->c->depth, 0, NULL))
      return -1;
    set = out;
    for (k = 0; k < f->nent && !(f->ent[k].n->has & ORC_K_TUPLE); k++) {}
    if (k == f->nent) {                /* the same for every item: keep them */
      memcpy(f->child, out, (size_t)nset * sizeof(ent));
      f->nchild = nset;
    }
  }
  return se_walk_child(f, set, nset, idx);
}

/* [-0, +0, m] */
static int vis_done (orc_jenc *e, void *frame) {
  Frame *f = (Frame *)frame;
  Walk *w = f->w;
  int k;
  (void)e;
  if (f->kind == ORC_JK_EMPTY) return 0;
  /* the kind is known now: the questions left look fields up */
  if (f->ndefer > 0 && !(f->v.known & ORC_FV_KIND)) {  /* an empty one is marked: its kind */
    f->v.known |= ORC_FV_KIND;
    f->v.n = f->kind == ORC_JK_ARRAY ? f->n : f->count;
    f->v.kind = f->kind == ORC_JK_ARRAY ? ORC_TK_ARRAY : ORC_TK_OBJECT;
  }
  if (f->kind == ORC_JK_OBJECT) {
    for (k = 0; k < f->nent; k++) {
      const orc_node *s = f->ent[k].n;
      if (!f->ent[k].verify) continue;
      if (f->seen[k] < s->nrequired) return se_fail(w, "%s", "a required field is missing");
      if ((s->has & ORC_K_MINPROPS) && f->count < s->min_props)
        return se_fail(w, "%s", "fewer fields than minProperties");
      if ((s->has & ORC_K_MAXPROPS) && f->count > s->max_props)
        return se_fail(w, "%s", "more fields than maxProperties");
    }
  }
  for (k = 0; k < f->ndefer; k++)
    if (se_disjunctions(f, f->defer[k])) return -1;
  return 0;
}

static const orc_jvisit VISIT = { vis_table, vis_field, vis_item, vis_done };

/* A table under the schemas in: the encoder walks it, with this file as
** its visitor.  Out of line: the frame is large.  [-0, +0|2, m] */
static NOINLINE int walk_table (Walk *w, const ent *in, int nin, int idx) {
  Frame f;
  f.w = w;
  f.in = in;
  f.nin = nin;
  return orc_jenc_table(w->e, idx, &VISIT, &f);
}

/* See schema_int.h.  [-0, +0|2, m] */
int orc_schema_encode (orc_jenc *e, orc_vstate *c, const orc_node *n, int check,
                       int idx, orc_swhy *why) {
  Walk w;
  ent root;
  int rc;
  w.e = e;
  w.c = c;
  w.why = why;
  w.check = check;
  w.budget = 0;
  why->failed = 0;
  root.n = n;
  root.verify = check;
  c->room = lua_gettop(c->L);
  rc = walk_value(&w, &root, 1, idx);
  if (rc == 0 && check && c->deep) rc = se_deep(&w, c->deep);
  return rc;
}

/* ---- the reference: the boolean pass, then the encoder with a hint ------- */

typedef struct Hint {
  Walk *w;
  const orc_node *root;
  int check;
  int idx;                       /* the value being encoded */
} Hint;

/*
** The hint: the walk's expansion down the path to the empty table, on the
** values along it, then its choice.  The value was validated already, so
** nothing fails here (past a limit, no guidance).  [-0, +0, m]
*/
static int hint_empty_is_array (void *ud, const orc_json_path *path) {
  Hint *h = (Hint *)ud;
  Walk *w = h->w;
  lua_State *L = w->c->L;
  int top = lua_gettop(L), i, nin = 1, kind = ORC_JK_OBJECT;
  ent in[SE_MAX];
  orc_swhy why;
  orc_swhy *saved = w->why;
  w->why = &why;
  why.failed = 0;
  in[0].n = h->root;
  in[0].verify = h->check;
  luaL_checkstack(L, 16, "nested too deeply");
  lua_pushvalue(L, h->idx);
  for (i = 0; i < path->depth && nin > 0 && !why.failed; i++) {
    if (i >= ORC_MAX_DEPTH) {          /* as deep as the walk guides */
      nin = 0;
      break;
    }
    const orc_json_seg *seg = &path->seg[i];
    Frame f;
    ent out[SE_MAX];
    int nout = 0;
    f.w = w;
    f.in = in;
    f.nin = nin;
    f.v.idx = lua_gettop(L);
    f.v.t = LUA_TTABLE;
    f.v.known = 0;
    f.room = f.v.idx + 8;
    luaL_checkstack(L, 12, "nested too deeply");
    w->c->depth = i;
    if (se_frame(&f, seg->key == NULL ? ORC_JK_ARRAY : ORC_JK_OBJECT)) break;
    if (seg->key == NULL) {
      lua_rawgeti(L, f.v.idx, (lua_Integer)seg->index);
    } else {
      lua_pushlstring(L, seg->key, seg->klen);
      lua_pushvalue(L, -1);
      lua_rawget(L, f.v.idx);                  /* key, child */
    }
    if (se_children(&f, seg, lua_gettop(L) - 1, lua_gettop(L), out, &nout, i, 0, NULL)) break;
    memcpy(in, out, (size_t)nout * sizeof(ent));
    nin = nout;
  }
  if (i == path->depth && !why.failed && nin > 0) kind = se_decide(w, in, nin);
  lua_settop(L, top);
  w->why = saved;
  return kind == ORC_JK_ARRAY;
}

static const orc_json_hint_class HINT_CLASS = { hint_empty_is_array };

/* See schema_int.h.  [-0, +0|2, m] */
int orc_schema_encode_ref (orc_jenc *e, orc_vstate *c, const orc_node *n, int check,
                           int idx, orc_swhy *why) {
  Walk w;
  Hint h;
  w.e = e;
  w.c = c;
  w.why = why;
  w.check = check;
  w.budget = 0;
  why->failed = 0;
  if (check) {
    c->top = lua_gettop(c->L);
    c->room = c->top;
    if (orc_check(c, n, idx) != ORC_V_OK || c->deep) {
      why->failed = 1;
      why->depth = 0;
      snprintf(why->msg, sizeof why->msg, "%s", "does not match the schema");
      return -1;
    }
  }
  h.w = &w;
  h.root = n;
  h.check = check;
  h.idx = idx;
  e->hint = &HINT_CLASS;
  e->hint_ud = &h;
  return orc_jenc_value(e, idx);
}
