/*
** schema_report.c -- the collecting pass of the schema engine: every
** failure of a Lua value against a compiled schema, as a list of
** { path = "provider.order[2]", message = "expected ..., got ..." }.
**
** It runs only after the boolean pass (schema_check.c) has said no, and
** asks that pass about combinator branches (which anyOf branch matches,
** whether `not` or `if` holds).  Its job beyond the verdict is the message:
** the value described as a user would read it, "did you mean" for an
** unknown field or a near enum value, anyOf/oneOf reduced to the most
** helpful branch.  It must find a failure exactly when the boolean pass
** does: fuzz/fuzz_schema.c checks both directions.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "compat.h"
#include "schema_int.h"
#include "orc.h"

#define MAX_ERRORS 100

/* The functions that build a message hold a luaL_Buffer (8 KB in 5.1 and
** LuaJIT) or arrays of candidates: kept out of line, so that they do not
** swell the frames of the recursion (rp_node, rp_keywords, rp_combine and
** the table walks), which may nest ORC_MAX_CALLS deep.  Inlined, clang -O2
** made rp_node's frame 8.4 KB: 8.6 MB for the deepest schema. */
#if defined(__GNUC__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE
#endif

/* A step of the path to the value being checked. */
typedef struct pseg {
  const char *key;      /* NULL: an array index */
  size_t klen;
  size_t index;         /* 1-based */
} pseg;

/* The collecting pass's state: the counters it shares with the boolean
** pass, the list it fills, and the path to the current value. */
typedef struct rstate {
  orc_vstate v;
  int errs;             /* stack index of the current error list */
  int nerr;             /* entries in it */
  int limited;          /* the index in it of a limit's entry, 0: none */
  int truncated;
  const char *root;
  size_t rootlen;
  pseg seg[ORC_MAX_DEPTH + 2];
} rstate;

static int rp_node (rstate *c, const orc_node *n, int idx);

static void rp_limit (rstate *c, int deep);

/* Does the value at idx match n?  The boolean pass, on the same counters;
** a limit it hits is a failure to report like any other, the first or
** not (rp_limit).  [-0, +0, m] */
static int rp_matches (rstate *c, const orc_node *n, int idx) {
  int r, first = c->v.deep, hit;
  c->v.top = lua_gettop(c->v.L);
  c->v.room = c->v.top;                /* unknown: its first scan checks */
  c->v.deep = ORC_DEEP_NONE;           /* the check sets it only when clear */
  r = orc_check(&c->v, n, idx);
  hit = c->v.deep;
  c->v.deep = first;
  if (hit) rp_limit(c, hit);
  return r;
}

static int is_ident (const char *s, size_t len) {
  size_t i;
  if (len == 0 || (s[0] >= '0' && s[0] <= '9')) return 0;
  for (i = 0; i < len; i++) {
    int ch = (unsigned char)s[i];
    if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
          (ch >= '0' && ch <= '9') || ch == '_'))
      return 0;
  }
  return 1;
}

/* Push the path of the first `depth` segments.  [-0, +1, m] */
static NOINLINE void rp_path (rstate *c, int depth) {
  luaL_Buffer b;
  int i;
  size_t len = c->rootlen;
  luaL_buffinit(c->v.L, &b);
  luaL_addlstring(&b, c->root, c->rootlen);
  for (i = 0; i < depth; i++) {
    const pseg *s = &c->seg[i];
    if (s->key == NULL) {
      char num[32];
      snprintf(num, sizeof num, "[%lu]", (unsigned long)s->index);
      luaL_addstring(&b, num);
      len++;
    } else if (is_ident(s->key, s->klen)) {
      if (len > 0) luaL_addchar(&b, '.');
      luaL_addlstring(&b, s->key, s->klen);
      len += s->klen + 1;
    } else {
      size_t k;
      luaL_addlstring(&b, "[\"", 2);
      for (k = 0; k < s->klen; k++) {
        if (s->key[k] == '"' || s->key[k] == '\\') luaL_addchar(&b, '\\');
        luaL_addchar(&b, s->key[k]);
      }
      luaL_addlstring(&b, "\"]", 2);
      len++;
    }
  }
  luaL_pushresult(&b);
}

/* Append { path = <path>, message = <top> } (pops the message).  [-1, +0, m] */
static void rp_add (rstate *c) {
  lua_State *L = c->v.L;
  if (c->nerr >= MAX_ERRORS) {
    c->truncated = 1;
    lua_pop(L, 1);
    return;
  }
  lua_createtable(L, 0, 2);
  lua_insert(L, -2);
  lua_setfield(L, -2, "message");
  rp_path(c, c->v.depth);
  lua_setfield(L, -2, "path");
  lua_rawseti(L, c->errs, ++c->nerr);
}

/*
** A limit hit, in either pass, is reported where it was hit (the boolean
** pass: at the value it was asked about), once per error list.  Not once
** per validation: anyOf and oneOf keep only one branch's list
** (rp_alternatives), and past a limit every descent fails (the steps are
** spent for good), so the list that held the only report could be dropped
** for a branch that failed with nothing to say.  So every failure leaves
** its list non-empty.  c->v.deep keeps the first limit hit.  [-0, +0, m]
*/
static void rp_limit (rstate *c, int deep) {
  if (!c->v.deep) c->v.deep = deep;
  if (c->limited) return;
  c->limited = c->nerr + 1;          /* past MAX_ERRORS when rp_add drops it */
  if (deep == ORC_DEEP_VALUE)
    lua_pushfstring(c->v.L, "value nested too deeply (more than %d levels; "
                    "a cyclic table?)", ORC_MAX_DEPTH);
  else
    lua_pushliteral(c->v.L, "schema too deep or too complex for this value "
                    "(recursion or step limit)");
  rp_add(c);
}

static int rp_push_seg (rstate *c, const char *key, size_t klen, size_t index) {
  pseg *s = &c->seg[c->v.depth];
  if (c->v.depth >= ORC_MAX_DEPTH) {
    rp_limit(c, ORC_DEEP_VALUE);
    return 0;
  }
  s->key = key;
  s->klen = klen;
  s->index = index;
  c->v.depth++;
  return 1;
}

/* ---- describing values ---------------------------------------------- */

static void fmt_number (char *buf, size_t sz, double d) {
  if (d != d) snprintf(buf, sz, "nan");
  else if (d - d != 0) snprintf(buf, sz, d > 0 ? "inf" : "-inf");
  else if (floor(d) == d && fabs(d) < 1e15) snprintf(buf, sz, "%.0f", d);
  else snprintf(buf, sz, "%.14g", d);
}

/* Push a short rendering of a string: "abc" or "abc...".  [-0, +1, m] */
static NOINLINE void push_quoted (lua_State *L, const char *s, size_t len) {
  size_t cut = len > 60 ? 57 : len;
  while (cut < len && cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80) cut--;
  lua_pushliteral(L, "\"");
  lua_pushlstring(L, s, cut);
  lua_pushstring(L, cut < len ? "...\"" : "\"");
  lua_concat(L, 3);
}

/* The JSON type name of the value at idx (for "got ...").  [-0, +1, m] */
static NOINLINE void push_typename (lua_State *L, int idx) {
  size_t cnt;
  switch (lua_type(L, idx)) {
    case LUA_TNUMBER: {
      double d = lua_tonumber(L, idx);
      if (d != d || d - d != 0) {
        char buf[16];
        fmt_number(buf, sizeof buf, d);
        lua_pushfstring(L, "%s (not a JSON number)", buf);
      } else {
        lua_pushliteral(L, "number");
      }
      return;
    }
    case LUA_TSTRING: lua_pushliteral(L, "string"); return;
    case LUA_TBOOLEAN: lua_pushliteral(L, "boolean"); return;
    case LUA_TNIL: lua_pushliteral(L, "nil"); return;
    case LUA_TTABLE:
      switch (orc_tkind(L, idx, &cnt)) {
        case ORC_TK_EMPTY: lua_pushliteral(L, "empty table"); return;
        case ORC_TK_ARRAY: lua_pushliteral(L, "array"); return;
        case ORC_TK_OBJECT: lua_pushliteral(L, "object"); return;
        case ORC_TK_MIXED:
          lua_pushliteral(L, "table with both array and object keys");
          return;
        default:
          lua_pushliteral(L, "table with non-sequential keys (sparse array?)");
          return;
      }
    default:
      if (orc_isnull(L, idx)) lua_pushliteral(L, "null");
      else lua_pushstring(L, luaL_typename(L, idx));
      return;
  }
}

/* The value itself for scalars, its type for the rest.  [-0, +1, m] */
static NOINLINE void push_value (lua_State *L, int idx) {
  char buf[64];
  size_t len;
  const char *s;
  switch (lua_type(L, idx)) {
    case LUA_TSTRING:
      s = lua_tolstring(L, idx, &len);
      push_quoted(L, s, len);
      return;
    case LUA_TNUMBER:
      fmt_number(buf, sizeof buf, lua_tonumber(L, idx));
      lua_pushstring(L, buf);
      return;
    case LUA_TBOOLEAN:
      lua_pushstring(L, lua_toboolean(L, idx) ? "true" : "false");
      return;
    default:
      push_typename(L, idx);
  }
}

/* A JSON value, abbreviated.  [-0, +1, m] */
static NOINLINE void push_jval (lua_State *L, const orc_jval *j) {
  char buf[64];
  switch (j->kind) {
    case ORC_J_NULL: lua_pushliteral(L, "null"); return;
    case ORC_J_BOOL: lua_pushstring(L, j->b ? "true" : "false"); return;
    case ORC_J_NUM:
      fmt_number(buf, sizeof buf, j->num);
      lua_pushstring(L, buf);
      return;
    case ORC_J_STR: push_quoted(L, j->s, j->len); return;
    case ORC_J_ARR:
      lua_pushstring(L, j->n ? "[...]" : "[] (an empty table)");
      return;
    default: lua_pushliteral(L, "{...}"); return;
  }
}

/* "string", "number or null", "string, array or null".  [-0, +1, m] */
static NOINLINE void push_types (lua_State *L, uint32_t mask) {
  static const struct { uint32_t bit; const char *name; } order[] = {
    { ORC_T_STRING, "string" }, { ORC_T_NUMBER, "number" },
    { ORC_T_INTEGER, "integer" }, { ORC_T_BOOLEAN, "boolean" },
    { ORC_T_OBJECT, "object" }, { ORC_T_ARRAY, "array" },
    { ORC_T_NULL, "null" } };
  const char *names[7];
  int n = 0, i;
  luaL_Buffer b;
  if (mask & ORC_T_NUMBER) mask &= ~ORC_T_INTEGER;
  for (i = 0; i < 7; i++)
    if (mask & order[i].bit) names[n++] = order[i].name;
  luaL_buffinit(L, &b);
  for (i = 0; i < n; i++) {
    if (i > 0) luaL_addstring(&b, i == n - 1 ? " or " : ", ");
    luaL_addstring(&b, names[i]);
  }
  luaL_pushresult(&b);
}

static uint32_t jval_types (const orc_jval *j) {
  switch (j->kind) {
    case ORC_J_NULL: return ORC_T_NULL;
    case ORC_J_BOOL: return ORC_T_BOOLEAN;
    case ORC_J_NUM: return ORC_T_NUMBER | ORC_T_INTEGER;
    case ORC_J_STR: return ORC_T_STRING;
    case ORC_J_ARR: return j->n ? ORC_T_ARRAY : (ORC_T_ARRAY | ORC_T_OBJECT);
    default: return ORC_T_OBJECT;
  }
}

/* ---- keyword groups ------------------------------------------------- */

/* Type bits of the value at idx; *tk gets the exact table kind. */
static uint32_t rp_bits (rstate *c, int idx, int *tk) {
  lua_State *L = c->v.L;
  size_t cnt;
  switch (lua_type(L, idx)) {
    case LUA_TNUMBER: {
      /* exact for 5.3+ integers too: they convert to integral doubles */
      lua_Number d = lua_tonumber(L, idx);
      if (d - d != 0) return 0;               /* NaN, inf */
      return floor(d) == d ? (ORC_T_NUMBER | ORC_T_INTEGER) : ORC_T_NUMBER;
    }
    case LUA_TSTRING: return ORC_T_STRING;
    case LUA_TBOOLEAN: return ORC_T_BOOLEAN;
    case LUA_TTABLE:
      *tk = orc_tkind(L, idx, &cnt);
      switch (*tk) {
        case ORC_TK_EMPTY: return ORC_T_ARRAY | ORC_T_OBJECT;
        case ORC_TK_ARRAY: return ORC_T_ARRAY;
        case ORC_TK_OBJECT: return ORC_T_OBJECT;
        default: return 0;
      }
    default:
      return orc_isnull(L, idx) ? ORC_T_NULL : 0;
  }
}

static NOINLINE int rp_type_error (rstate *c, uint32_t expected, int idx) {
  lua_State *L = c->v.L;
  push_types(L, expected);
  if ((expected & (ORC_T_INTEGER | ORC_T_NUMBER)) == ORC_T_INTEGER &&
      lua_type(L, idx) == LUA_TNUMBER)
    push_value(L, idx);
  else
    push_typename(L, idx);
  lua_pushfstring(L, "expected %s, got %s", lua_tostring(L, -2),
                  lua_tostring(L, -1));
  lua_remove(L, -2);
  lua_remove(L, -2);
  rp_add(c);
  return ORC_V_TYPE;
}

static NOINLINE int rp_enum (rstate *c, const orc_node *n, int idx) {
  lua_State *L = c->v.L;
  size_t k;
  uint32_t types = 0;
  int t = lua_type(L, idx);
  if (t == LUA_TSTRING) {
    size_t len;
    const char *s = lua_tolstring(L, idx, &len);
    for (k = 0; k < n->nenums; k++) {
      const orc_jval *j = &n->enums[k];
      if (j->kind == ORC_J_STR && j->len == len && memcmp(j->s, s, len) == 0)
        return ORC_V_OK;
    }
  } else if (t == LUA_TNUMBER || t == LUA_TBOOLEAN) {
    double d = t == LUA_TNUMBER ? lua_tonumber(L, idx) : 0;
    int b = t == LUA_TBOOLEAN ? lua_toboolean(L, idx) : 0;
    for (k = 0; k < n->nenums; k++) {
      const orc_jval *j = &n->enums[k];
      if ((t == LUA_TNUMBER && j->kind == ORC_J_NUM && j->num == d) ||
          (t == LUA_TBOOLEAN && j->kind == ORC_J_BOOL && j->b == b))
        return ORC_V_OK;
    }
  } else {
    for (k = 0; k < n->nenums; k++)
      if (orc_equal_json(L, idx, &n->enums[k], 0)) return ORC_V_OK;
  }
  for (k = 0; k < n->nenums; k++) types |= jval_types(&n->enums[k]);
  luaL_Buffer b;
  size_t shown = n->nenums > 12 ? 10 : n->nenums;
  int top = lua_gettop(L);
  push_value(L, idx);                /* top + 1 */
  luaL_buffinit(L, &b);
  luaL_addstring(&b, n->nenums == 1 ? "expected " : "expected one of ");
  for (k = 0; k < shown; k++) {
    if (k > 0) luaL_addstring(&b, ", ");
    push_jval(L, &n->enums[k]);
    luaL_addvalue(&b);
  }
  if (shown < n->nenums) {
    char more[48];
    snprintf(more, sizeof more, ", ... (%lu values)",
             (unsigned long)n->nenums);
    luaL_addstring(&b, more);
  }
  luaL_addstring(&b, ", got ");
  lua_pushvalue(L, top + 1);
  luaL_addvalue(&b);
  if (lua_type(L, idx) == LUA_TSTRING) {
    const char *cands[64];
    size_t lens[64], m = 0, len;
    const char *s = lua_tolstring(L, idx, &len);
    int best;
    for (k = 0; k < n->nenums && m < 64; k++)
      if (n->enums[k].kind == ORC_J_STR) {
        cands[m] = n->enums[k].s;
        lens[m++] = n->enums[k].len;
      }
    best = orc_suggest(s, len, cands, lens, m);
    if (best >= 0) {
      luaL_addstring(&b, " \xE2\x80\x94 did you mean ");
      push_quoted(L, cands[best], lens[best]);
      luaL_addvalue(&b);
      luaL_addstring(&b, "?");
    }
  }
  luaL_pushresult(&b);
  lua_remove(L, top + 1);
  rp_add(c);
  {
    int tk = 0;
    uint32_t bits = rp_bits(c, idx, &tk);
    return (bits & types) ? ORC_V_FAIL : ORC_V_TYPE;
  }
}

static NOINLINE int rp_const (rstate *c, const orc_node *n, int idx) {
  lua_State *L = c->v.L;
  int tk = 0;
  if (orc_equal_json(L, idx, n->const_, 0)) return ORC_V_OK;
  push_jval(L, n->const_);
  push_value(L, idx);
  lua_pushfstring(L, "expected %s, got %s", lua_tostring(L, -2),
                  lua_tostring(L, -1));
  lua_remove(L, -2);
  lua_remove(L, -2);
  rp_add(c);
  return (rp_bits(c, idx, &tk) & jval_types(n->const_)) ? ORC_V_FAIL : ORC_V_TYPE;
}

static NOINLINE int rp_numeric (rstate *c, const orc_node *n, int idx) {
  lua_State *L = c->v.L;
  double d = lua_tonumber(L, idx);
  int res = ORC_V_OK;
  const char *op = NULL;
  double bound = 0;
  char b1[64], b2[64];
  if ((n->has & ORC_K_MINIMUM) && !(d >= n->minimum)) { op = ">="; bound = n->minimum; }
  else if ((n->has & ORC_K_XMINIMUM) && !(d > n->xminimum)) { op = ">"; bound = n->xminimum; }
  else if ((n->has & ORC_K_MAXIMUM) && !(d <= n->maximum)) { op = "<="; bound = n->maximum; }
  else if ((n->has & ORC_K_XMAXIMUM) && !(d < n->xmaximum)) { op = "<"; bound = n->xmaximum; }
  if (op != NULL) {
    fmt_number(b1, sizeof b1, bound);
    fmt_number(b2, sizeof b2, d);
    lua_pushfstring(L, "expected a number %s %s, got %s", op, b1, b2);
    rp_add(c);
    res = ORC_V_FAIL;
  }
  if ((n->has & ORC_K_MULTIPLE) && !orc_multiple_of(d, n->multiple_of)) {
    fmt_number(b1, sizeof b1, n->multiple_of);
    fmt_number(b2, sizeof b2, d);
    lua_pushfstring(L, "expected a multiple of %s, got %s", b1, b2);
    rp_add(c);
    res = ORC_V_FAIL;
  }
  return res;
}

static const char *plural (size_t n, const char *one, const char *many) {
  return n == 1 ? one : many;
}

static NOINLINE int rp_string (rstate *c, const orc_node *n, int idx) {
  lua_State *L = c->v.L;
  size_t len, cps;
  const char *s = lua_tolstring(L, idx, &len);
  int res = ORC_V_OK;
  if (n->has & (ORC_K_MINLEN | ORC_K_MAXLEN)) {
    cps = orc_utf8_len(s, len);
    if ((n->has & ORC_K_MINLEN) && cps < n->min_length) {
      lua_pushfstring(L, "expected at least %d %s, got %d", (int)n->min_length,
                      plural(n->min_length, "character", "characters"), (int)cps);
      rp_add(c);
      res = ORC_V_FAIL;
    }
    if ((n->has & ORC_K_MAXLEN) && cps > n->max_length) {
      lua_pushfstring(L, "expected at most %d %s, got %d", (int)n->max_length,
                      plural(n->max_length, "character", "characters"), (int)cps);
      rp_add(c);
      res = ORC_V_FAIL;
    }
  }
  if ((n->has & ORC_K_PATTERN) && !orc_regex_search(n->pattern, s, len)) {
    push_quoted(L, s, len);
    lua_pushfstring(L, "expected a string matching /%s/, got %s",
                    n->pattern_src, lua_tostring(L, -1));
    lua_remove(L, -2);
    rp_add(c);
    res = ORC_V_FAIL;
  }
  return res;
}

static int rp_array (rstate *c, const orc_node *n, int idx) {
  lua_State *L = c->v.L;
  size_t len = orc_rawlen(L, idx), k;
  int res = ORC_V_OK, found = n->contains == NULL;
  char b1[64];
  for (k = 1; k <= len; k++) {
    const orc_node *s = orc_node_item(n, k);
    lua_rawgeti(L, idx, (lua_Integer)k);
    if (s != NULL && s->has != 0) {
      if (!rp_push_seg(c, NULL, 0, k)) { lua_pop(L, 1); return ORC_V_FAIL; }
      if (rp_node(c, s, lua_gettop(L))) res = ORC_V_FAIL;
      c->v.depth--;
    }
    if (!found && rp_matches(c, n->contains, lua_gettop(L)) == ORC_V_OK) found = 1;
    lua_pop(L, 1);
  }
  if ((n->has & ORC_K_MINITEMS) && len < n->min_items) {
    lua_pushfstring(L, "expected at least %d %s, got %d", (int)n->min_items,
                    plural(n->min_items, "item", "items"), (int)len);
    rp_add(c);
    res = ORC_V_FAIL;
  }
  if ((n->has & ORC_K_MAXITEMS) && len > n->max_items) {
    lua_pushfstring(L, "expected at most %d %s, got %d", (int)n->max_items,
                    plural(n->max_items, "item", "items"), (int)len);
    rp_add(c);
    res = ORC_V_FAIL;
  }
  if (!found) {
    lua_pushliteral(L, "expected at least one item matching the 'contains' schema");
    rp_add(c);
    res = ORC_V_FAIL;
  }
  if ((n->has & ORC_K_UNIQUE) && len > 1) {
    size_t i, j;
    luaL_checkstack(L, 4, "value nested too deeply");
    for (i = 1; i < len; i++) {
      lua_rawgeti(L, idx, (lua_Integer)i);
      for (j = i + 1; j <= len; j++) {
        int eq;
        lua_rawgeti(L, idx, (lua_Integer)j);
        eq = orc_equal(L, lua_gettop(L) - 1, lua_gettop(L), 0);
        lua_pop(L, 1);
        if (eq) {
          lua_pop(L, 1);
          snprintf(b1, sizeof b1, "[%lu] and [%lu]", (unsigned long)i,
                   (unsigned long)j);
          lua_pushfstring(L, "expected unique items, but %s are equal", b1);
          rp_add(c);
          return ORC_V_FAIL;
        }
      }
      lua_pop(L, 1);
    }
  }
  return res;
}

/* A dependency of a present field.  The object at idx. */
static int rp_dep (rstate *c, const orc_node *n, const orc_dep *d,
                  const char *key, size_t klen, int idx) {
  lua_State *L = c->v.L;
  int res = ORC_V_OK;
  size_t k;
  for (k = 0; k < d->n; k++) {
    int missing;
    lua_pushlstring(L, d->names[k], d->lens[k]);
    lua_rawget(L, idx);
    missing = lua_isnil(L, -1);
    lua_pop(L, 1);
    if (missing) {
      if (rp_push_seg(c, d->names[k], d->lens[k], 0)) {
        lua_pushfstring(L, "missing field '%s' (required when '%s' is present)",
                        d->names[k], key);
        rp_add(c);
        c->v.depth--;
      }
      res = ORC_V_FAIL;
    }
  }
  (void)klen;
  (void)n;
  if (d->schema != NULL && rp_node(c, d->schema, idx)) res = ORC_V_FAIL;
  return res;
}

typedef struct keyref { const char *s; size_t len; } keyref;

static int cmp_key (const void *x, const void *y) {
  const keyref *a = (const keyref *)x, *b = (const keyref *)y;
  size_t m = a->len < b->len ? a->len : b->len;
  int r = memcmp(a->s, b->s, m);
  if (r != 0) return r;
  return a->len < b->len ? -1 : (a->len > b->len ? 1 : 0);
}

/* "unknown field 'x' in provider -- did you mean 'y'?" for key at depth. */
static NOINLINE void rp_unknown (rstate *c, const orc_node *n, const char *key,
                       size_t klen) {
  lua_State *L = c->v.L;
  luaL_Buffer b;
  const char *cands[128];
  size_t lens[128], m = 0, k;
  int best, where;
  for (k = 0; k < n->nprops && m < 128; k++)
    if (n->props[k].declared) {
      cands[m] = n->props[k].name;
      lens[m++] = n->props[k].len;
    }
  best = orc_suggest(key, klen, cands, lens, m);
  rp_path(c, c->v.depth - 1);            /* the object's path */
  where = lua_gettop(L);
  luaL_buffinit(L, &b);
  luaL_addstring(&b, "unknown field '");
  luaL_addlstring(&b, key, klen);
  luaL_addstring(&b, "'");
  if (orc_rawlen(L, where) > 0) {
    luaL_addstring(&b, " in ");
    lua_pushvalue(L, where);
    luaL_addvalue(&b);
  }
  if (best >= 0) {
    luaL_addstring(&b, " \xE2\x80\x94 did you mean '");
    luaL_addlstring(&b, cands[best], lens[best]);
    luaL_addstring(&b, "'?");
  }
  luaL_pushresult(&b);
  lua_remove(L, where);
  rp_add(c);
}

/* Everything that applies to one field of an object: the value at vi. */
static int rp_field (rstate *c, const orc_node *n, const orc_prop *p, int idx,
                    const char *key, size_t klen, int vi) {
  lua_State *L = c->v.L;
  int matched = 0, res = ORC_V_OK;
  size_t k;
  if (!rp_push_seg(c, key, klen, 0)) return ORC_V_FAIL;
  if (p != NULL) {
    if (p->declared) {
      matched = 1;
      if (p->schema->has != 0 && rp_node(c, p->schema, vi)) res = ORC_V_FAIL;
    }
    if (p->dep >= 0) {
      /* on the object, whose fields then reuse this field's segment */
      pseg self = c->seg[c->v.depth - 1];
      c->v.depth--;
      if (rp_dep(c, n, &n->deps[p->dep], key, klen, idx)) res = ORC_V_FAIL;
      c->v.depth++;
      c->seg[c->v.depth - 1] = self;
    }
  }
  for (k = 0; k < n->npatprops; k++) {
    if (orc_regex_search(n->patprops[k].re, key, klen)) {
      matched = 1;
      if (rp_node(c, n->patprops[k].schema, vi)) res = ORC_V_FAIL;
    }
  }
  if (!matched && n->additional_props != NULL) {
    const orc_node *ap = n->additional_props;
    if (ap->has & ORC_K_REF) ap = ap->ref;
    if (ap->has & ORC_K_FALSE) {
      res = ORC_V_FAIL;
      rp_unknown(c, n, key, klen);
    } else if (rp_node(c, ap, vi)) res = ORC_V_FAIL;
  }
  if (n->property_names != NULL) {
    lua_pushlstring(L, key, klen);
    if (rp_matches(c, n->property_names, lua_gettop(L))) {
      /* collect into a scratch list, then prefix each message */
      int save_errs = c->errs, save_n = c->nerr, save_lim = c->limited, i, got, lim;
      lua_newtable(L);
      c->errs = lua_gettop(L);
      c->nerr = 0;
      c->limited = 0;
      (void)rp_node(c, n->property_names, lua_gettop(L) - 1);
      got = c->nerr;
      lim = c->limited;
      c->errs = save_errs;
      c->nerr = save_n;
      c->limited = save_lim;
      for (i = 1; i <= got; i++) {
        if (i == lim) {                /* a limit: once per list */
          if (c->limited) continue;
          c->limited = c->nerr + 1;
        }
        lua_rawgeti(L, -1, i);
        lua_getfield(L, -1, "message");
        lua_pushfstring(L, "invalid field name '%s': %s", key, lua_tostring(L, -1));
        lua_remove(L, -2);
        lua_remove(L, -2);
        rp_add(c);
      }
      lua_pop(L, 1);
      res = ORC_V_FAIL;
    }
    lua_pop(L, 1);
  }
  c->v.depth--;
  return res;
}

static int rp_object (rstate *c, const orc_node *n, int idx) {
  lua_State *L = c->v.L;
  size_t count = 0, k;
  int res = ORC_V_OK;
  const orc_prop *p;
  /* required first, then the fields in sorted order */
  for (k = 0; k < n->nrequired_list; k++) {
    int missing;
    lua_pushlstring(L, n->required[k], n->required_len[k]);
    lua_rawget(L, idx);
    missing = lua_isnil(L, -1);
    lua_pop(L, 1);
    if (missing) {
      if (rp_push_seg(c, n->required[k], n->required_len[k], 0)) {
        lua_pushfstring(L, "missing required field '%s'", n->required[k]);
        rp_add(c);
        c->v.depth--;
      }
      res = ORC_V_FAIL;
    }
  }
  {
    keyref *keys;
    lua_pushnil(L);
    while (lua_next(L, idx)) { count++; lua_pop(L, 1); }
    keys = (keyref *)lua_newuserdata(L, (count ? count : 1) * sizeof(keyref));
    k = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
      if (k < count && lua_type(L, -2) == LUA_TSTRING) {
        keys[k].s = lua_tolstring(L, -2, &keys[k].len);   /* anchored by the table */
        k++;
      }
      lua_pop(L, 1);
    }
    qsort(keys, k, sizeof(keyref), cmp_key);
    if (n->has & (ORC_K_PROPS | ORC_K_PATPROPS | ORC_K_ADDPROPS |
                  ORC_K_PROPNAMES)) {
      size_t i;
      for (i = 0; i < k; i++) {
        lua_pushlstring(L, keys[i].s, keys[i].len);
        lua_rawget(L, idx);
        p = n->nprops ? orc_node_prop(n, keys[i].s, keys[i].len) : NULL;
        if (rp_field(c, n, p, idx, keys[i].s, keys[i].len, lua_gettop(L)))
          res = ORC_V_FAIL;
        lua_pop(L, 1);
      }
    }
    lua_pop(L, 1);
  }
  if ((n->has & ORC_K_MINPROPS) && count < n->min_props) {
    lua_pushfstring(L, "expected at least %d %s, got %d", (int)n->min_props,
                    plural(n->min_props, "field", "fields"), (int)count);
    rp_add(c);
    res = ORC_V_FAIL;
  }
  if ((n->has & ORC_K_MAXPROPS) && count > n->max_props) {
    lua_pushfstring(L, "expected at most %d %s, got %d", (int)n->max_props,
                    plural(n->max_props, "field", "fields"), (int)count);
    rp_add(c);
    res = ORC_V_FAIL;
  }
  return res;
}

/* The types a node accepts, as far as a message can say (0: unknown). */
static uint32_t node_types (const orc_node *n, int depth) {
  uint32_t m = 0;
  size_t k;
  if (n->has & ORC_K_REF) n = n->ref;
  if (depth > 8) return 0;
  if (n->has & ORC_K_TYPE) return n->types;
  if (n->has & ORC_K_ENUM) {
    for (k = 0; k < n->nenums; k++) m |= jval_types(&n->enums[k]);
    return m;
  }
  if (n->has & ORC_K_CONST) return jval_types(n->const_);
  if (n->has & (ORC_K_ANYOF | ORC_K_ONEOF)) {
    orc_node *const *list = (n->has & ORC_K_ANYOF) ? n->any_of : n->one_of;
    size_t cnt = (n->has & ORC_K_ANYOF) ? n->nany_of : n->none_of;
    for (k = 0; k < cnt; k++) {
      uint32_t t = node_types(list[k], depth + 1);
      if (t == 0) return 0;
      m |= t;
    }
    return m;
  }
  if ((n->has & ORC_K_ALLOF) && n->nall_of > 0)
    return node_types(n->all_of[0], depth + 1);
  return 0;
}

/* anyOf / oneOf with no matching branch: report the most helpful one. */
static int rp_alternatives (rstate *c, orc_node *const *list, size_t cnt, int idx) {
  lua_State *L = c->v.L;
  size_t k;
  int best = -1, bestn = 0, save_errs = c->errs, save_n = c->nerr;
  int save_lim = c->limited, best_lim = 0;
  int top = lua_gettop(L);
  uint32_t mask = 0;
  for (k = 0; k < cnt; k++) {
    int r;
    uint32_t t;
    lua_newtable(L);
    c->errs = lua_gettop(L);
    c->nerr = 0;
    c->limited = 0;                  /* a list of its own (rp_limit) */
    r = rp_node(c, list[k], idx);
    c->errs = save_errs;
    t = node_types(list[k], 0);
    if (r == ORC_V_TYPE && mask != (uint32_t)-1) mask = t ? (mask | t) : (uint32_t)-1;
    if (r != ORC_V_TYPE && (best < 0 || c->nerr < bestn)) {
      if (best >= 0) lua_remove(L, top + 1);   /* the previous best */
      best = (int)k;
      bestn = c->nerr;
      best_lim = c->limited;
    } else {
      lua_pop(L, 1);
    }
  }
  c->nerr = save_n;
  c->limited = save_lim;
  if (best < 0) {
    lua_settop(L, top);
    if (mask != (uint32_t)-1 && mask != 0) return rp_type_error(c, mask, idx);
    push_typename(L, idx);
    lua_pushfstring(L, "expected a value matching one of %d alternatives, got %s",
                    (int)cnt, lua_tostring(L, -1));
    lua_remove(L, -2);
    rp_add(c);
    return ORC_V_TYPE;
  }
  for (k = 1; k <= (size_t)bestn; k++) {
    if ((int)k == best_lim) {        /* a limit: once per list */
      if (c->limited) continue;
      c->limited = c->nerr + 1;
    }
    if (c->nerr >= MAX_ERRORS) { c->truncated = 1; break; }
    lua_rawgeti(L, top + 1, (lua_Integer)k);
    lua_rawseti(L, c->errs, ++c->nerr);
  }
  lua_settop(L, top);
  return ORC_V_FAIL;
}

/* "must not be an object with fields 'a' and 'b'" and the like. */
static NOINLINE void rp_not_message (rstate *c, const orc_node *n) {
  lua_State *L = c->v.L;
  if (n->has & ORC_K_REF) n = n->ref;
  if (n->has == ORC_K_PROPS && n->nrequired_list > 0 &&
      n->nrequired == n->nprops) {
    luaL_Buffer b;
    size_t k;
    luaL_buffinit(L, &b);
    luaL_addstring(&b, n->nrequired_list == 1 ? "must not have field "
                                              : "must not have all of the fields ");
    for (k = 0; k < n->nrequired_list; k++) {
      if (k > 0) luaL_addstring(&b, k + 1 == n->nrequired_list ? " and " : ", ");
      luaL_addchar(&b, '\'');
      luaL_addlstring(&b, n->required[k], n->required_len[k]);
      luaL_addchar(&b, '\'');
    }
    luaL_addstring(&b, " together");
    luaL_pushresult(&b);
  } else if (n->has == ORC_K_TYPE) {
    push_types(L, n->types);
    lua_pushfstring(L, "must not be of type %s", lua_tostring(L, -1));
    lua_remove(L, -2);
  } else {
    lua_pushliteral(L, "must not match the schema in 'not'");
  }
  rp_add(c);
}

/* A descent, counted as the boolean pass counts it (ck_enter): into a
** table's items or fields, or into the subschemas of a combinator.  Both
** passes walk a matching value alike, so they meet a limit alike.  0 when
** over a limit (reported).  [-0, +0, m] */
static int rp_enter (rstate *c) {
  if (c->v.calls >= ORC_MAX_CALLS || ++c->v.steps > ORC_MAX_STEPS) {
    rp_limit(c, ORC_DEEP_SCHEMA);
    return 0;
  }
  c->v.calls++;
  return 1;
}

#define FAILED(x) do { if ((r = (x)) != ORC_V_OK) { \
    if (res != ORC_V_TYPE) res = r; } } while (0)

/* allOf, anyOf, oneOf, not, if/then/else on the value at idx. */
static int rp_combine (rstate *c, const orc_node *n, int idx) {
  lua_State *L = c->v.L;
  uint32_t has = n->has;
  int res = ORC_V_OK, r;
  if (!rp_enter(c)) return ORC_V_FAIL;
  if (has & ORC_K_ALLOF) {
    size_t k;
    for (k = 0; k < n->nall_of; k++) FAILED(rp_node(c, n->all_of[k], idx));
  }
  if (has & ORC_K_ANYOF) {
    size_t k;
    int ok = 0;
    for (k = 0; k < n->nany_of && !ok; k++)
      ok = rp_matches(c, n->any_of[k], idx) == ORC_V_OK;
    if (!ok) FAILED(rp_alternatives(c, n->any_of, n->nany_of, idx));
  }
  if (has & ORC_K_ONEOF) {
    size_t k, first = 0, second = 0, matches = 0;
    for (k = 0; k < n->none_of && matches < 2; k++)
      if (rp_matches(c, n->one_of[k], idx) == ORC_V_OK) {
        if (++matches == 1) first = k + 1;
        else second = k + 1;
      }
    if (matches == 0)
      FAILED(rp_alternatives(c, n->one_of, n->none_of, idx));
    else if (matches > 1) {
      lua_pushfstring(L, "expected exactly one alternative of 'oneOf' to match, "
                      "but alternatives %d and %d both match", (int)first,
                      (int)second);
      rp_add(c);
      FAILED(ORC_V_FAIL);
    }
  }
  if ((has & ORC_K_NOT) && rp_matches(c, n->not_, idx) == ORC_V_OK) {
    rp_not_message(c, n->not_);
    FAILED(ORC_V_FAIL);
  }
  if (has & ORC_K_IF) {
    const orc_node *branch = rp_matches(c, n->if_, idx) == ORC_V_OK ? n->then_ : n->else_;
    if (branch != NULL) FAILED(rp_node(c, branch, idx));
  }
  c->v.calls--;
  return res;
}

/* The keywords of n on the value at idx. */
static int rp_keywords (rstate *c, const orc_node *n, int idx) {
  lua_State *L = c->v.L;
  int res = ORC_V_OK, tk = -1, r;
  uint32_t bits = rp_bits(c, idx, &tk), has = n->has;
  if ((has & ORC_K_TYPE) && !(bits & n->types)) {
    return rp_type_error(c, n->types, idx);
  }
  if (has & ORC_K_ENUM) FAILED(rp_enum(c, n, idx));
  if (has & ORC_K_CONST) FAILED(rp_const(c, n, idx));
  if (res == ORC_V_TYPE) return res;
  if ((bits & ORC_T_NUMBER) && (has & ORC_K_NUMERIC))
    FAILED(rp_numeric(c, n, idx));
  if ((bits & ORC_T_STRING) && (has & ORC_K_STRINGY))
    FAILED(rp_string(c, n, idx));
  if (lua_type(L, idx) == LUA_TTABLE &&
      (has & (ORC_K_TYPE | ORC_K_ARRAYISH | ORC_K_OBJECTISH))) {
    if (bits == 0) {
      /* a mixed or sparse table that something here looks into */
      push_typename(L, idx);
      lua_pushfstring(L, "expected an array or an object, got %s",
                      lua_tostring(L, -1));
      lua_remove(L, -2);
      rp_add(c);
      return ORC_V_TYPE;
    }
    if (!rp_enter(c)) return ORC_V_FAIL;
    if (bits & ORC_T_ARRAY) FAILED(rp_array(c, n, idx));
    if (bits & ORC_T_OBJECT) FAILED(rp_object(c, n, idx));
    c->v.calls--;
  }
  if (has & (ORC_K_ALLOF | ORC_K_ANYOF | ORC_K_ONEOF | ORC_K_NOT | ORC_K_IF))
    FAILED(rp_combine(c, n, idx));
  return res;
}

#undef FAILED

/* Validate the value at idx against n, reporting every failure.
** [-0, +0, m] */
static int rp_node (rstate *c, const orc_node *n, int idx) {
  lua_State *L = c->v.L;
  int r, top;
  if (n->has & ORC_K_REF) n = n->ref;
  if (n->has == 0) return ORC_V_OK;
  if (n->has & ORC_K_FALSE) {
    lua_pushliteral(L, "no value is allowed here");
    rp_add(c);
    return ORC_V_FAIL;
  }
  luaL_checkstack(L, 16, "value nested too deeply");
  top = lua_gettop(L);
  r = rp_keywords(c, n, idx);
  lua_settop(L, top);
  return r;
}

/* See schema_int.h.  [-0, +1, m] */
int orc_report (orc_vstate *v, const orc_node *n, int idx, const char *root,
                size_t rootlen) {
  rstate c;             /* owns nothing: a raised error may skip it */
  lua_State *L = v->L;
  c.v = *v;
  c.v.depth = 0;
  c.v.calls = 0;
  c.v.steps = 0;
  c.v.deep = 0;
  c.root = root;
  c.rootlen = rootlen;
  c.nerr = 0;
  c.limited = 0;
  c.truncated = 0;
  lua_newtable(L);
  c.errs = lua_gettop(L);
  (void)rp_node(&c, n, idx);
  if (c.truncated) {
    lua_createtable(L, 0, 2);
    lua_pushlstring(L, root, rootlen);
    lua_setfield(L, -2, "path");
    lua_pushfstring(L, "too many errors; only the first %d are listed",
                    MAX_ERRORS);
    lua_setfield(L, -2, "message");
    lua_rawseti(L, c.errs, ++c.nerr);
  }
  return c.nerr;
}
