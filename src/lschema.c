/*
** lschema.c -- openrouter.core.schema_compile and the validator userdata
** ("openrouter.schema").
**
** Compiling walks a Lua table (a decoded JSON Schema) into orc_node
** structures held in an arena owned by the validator userdata, which is
** created first: a compile error raised half-way leaves only garbage that
** __gc frees.  Validation walks Lua values directly, in two passes: a
** boolean pass that allocates nothing and stops at the first failure, and,
** only when that fails, a collecting pass that builds the error list (and
** asks the boolean pass about combinator branches).  The validator's user
** value is a table that anchors the key strings its caches remember (see
** struct orc_pcache).
**
** Lua <-> JSON: string, number (integer = no fractional part), boolean,
** cjson.null (a NULL light userdata) as null; a table with keys 1..n is an
** array, one with string keys an object, an empty table is both.  Tables
** with mixed keys or holes, NaN/inf and other Lua types match no JSON type.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "compat.h"
#include "lcore.h"
#include "schema.h"

#define SCHEMA_MT "openrouter.schema"
#define MAX_DEPTH 256          /* value nesting */
#define MAX_CALLS 1024         /* nested node checks: stops left recursion */
#define MAX_SCHEMA_DEPTH 512   /* schema nesting at compile time */
#define MAX_ERRORS 100
#define MAX_STEPS 1000000      /* node checks per validation, both passes */

typedef struct Validator {
  orc_arena *arena;
  orc_node *root;
  size_t nnodes;
} Validator;

/*
** The key cache of a node with properties: from the address of a key
** string to the property it names, so that a field is found without
** hashing or comparing its name.  Lua strings do not move, and each cached
** key is anchored in the validator's user value, a table made at compile
** time with a slot per cache entry (setting one never allocates): while
** cached, a string cannot be freed and its address reused, so an equal
** address is the same string.  Unknown names are cached too.  Open
** addressing; emptied when half full, as the addresses of strings no longer
** in use pile up.  The same table keeps every property name as a Lua
** string (orc_prop.anchor), for f_object_known.
*/
#define P_NONE ((size_t)-1)

typedef struct PSlot {
  const char *key;             /* NULL: empty */
  size_t prop;                 /* index into props, or P_NONE */
} PSlot;

struct orc_pcache {
  uint32_t mask;               /* slots - 1 */
  uint32_t used;
  int base;                    /* slot i's anchor: uservalue[base + i + 1] */
  PSlot slot[];
};

static uint32_t addr_hash (const char *s) {
  uint64_t a = (uint64_t)(uintptr_t)s;
  return (uint32_t)((a * UINT64_C(0x9E3779B97F4A7C15)) >> 40);
}

/* ====================================================================== */
/* JSON view of Lua values                                                */
/* ====================================================================== */

enum { TK_EMPTY, TK_ARRAY, TK_OBJECT, TK_MIXED, TK_SPARSE };

static int is_null (lua_State *L, int i) {
  return lua_type(L, i) == LUA_TLIGHTUSERDATA && lua_touserdata(L, i) == NULL;
}

/* Is the number at i integral and in [1, n]?  The index in *k. */
static int int_key (lua_State *L, int i, size_t n, size_t *k) {
  lua_Number d;
  if (lua_type(L, i) != LUA_TNUMBER) return 0;
  d = lua_tonumber(L, i);
  if (!(d >= 1 && d <= (lua_Number)n) || floor(d) != d) return 0;
  *k = (size_t)d;
  return 1;
}

/* The exact shape of the table at idx, and its number of keys.  [-0, +0, -] */
static int tkind (lua_State *L, int idx, size_t *count) {
  size_t n, cnt = 0, nstr = 0, nint = 0, k;
  idx = lua_absindex(L, idx);
  n = orc_rawlen(L, idx);
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    int kt = lua_type(L, -2);
    if (kt == LUA_TSTRING) nstr++;
    else if (kt == LUA_TNUMBER && int_key(L, -2, n, &k)) nint++;
    cnt++;
    lua_pop(L, 1);
  }
  *count = cnt;
  if (cnt == 0) return TK_EMPTY;
  if (nstr == cnt) return TK_OBJECT;
  if (nint == cnt && cnt == n) return TK_ARRAY;
  return nstr > 0 ? TK_MIXED : TK_SPARSE;
}

/* ====================================================================== */
/* compile                                                                */
/* ====================================================================== */

typedef struct CState {
  lua_State *L;
  Validator *v;
  int map;          /* schema table -> node (light userdata) */
  int docs;         /* base URI -> schema table */
  int anchors;      /* "uri#name" -> schema table */
  int pending;      /* array of { node, uri, where } */
  int npending;
  int depth;
  int nanchors;     /* key-cache slots and names so far */
  int names;        /* index -> property name, kept for the anchors */
} CState;

static void *c_alloc (CState *cs, size_t n) {
  void *p = orc_arena_alloc(&cs->v->arena, n);
  if (p == NULL) luaL_error(cs->L, "not enough memory");
  return p;
}

static const char *c_strdup (CState *cs, const char *s, size_t len) {
  char *p = orc_arena_strdup(&cs->v->arena, s, len);
  if (p == NULL) luaL_error(cs->L, "not enough memory");
  return p;
}

static orc_node *c_newnode (CState *cs) {
  cs->v->nnodes++;
  return (orc_node *)c_alloc(cs, sizeof(orc_node));
}

static int c_error (CState *cs, const char *where, const char *fmt,
                    const char *arg) {
  lua_State *L = cs->L;
  lua_pushfstring(L, fmt, arg);
  return luaL_error(L, "schema error at %s: %s", where, lua_tostring(L, -1));
}

/* Push "<where>/<key>".  [-0, +1, m] */
static const char *c_sub (lua_State *L, const char *where, const char *key) {
  return lua_pushfstring(L, "%s/%s", where, key);
}

static lua_Number c_number (CState *cs, int i, const char *where,
                            const char *kw) {
  lua_Number d;
  if (lua_type(cs->L, i) != LUA_TNUMBER) {
    c_error(cs, where, "'%s' must be a number", kw);
  }
  d = lua_tonumber(cs->L, i);
  if (d != d || d - d != 0) c_error(cs, where, "'%s' must be finite", kw);
  return d;
}

static size_t c_count (CState *cs, int i, const char *where, const char *kw) {
  lua_Number d = 0;
  if (!orc_tointegral(cs->L, i, &d) || d < 0)
    c_error(cs, where, "'%s' must be a non-negative integer", kw);
  return d > 4e18 ? (size_t)-1 : (size_t)d;
}

/* Is the table at i an array (keys 1..n, n > 0)? */
static int c_isarray (lua_State *L, int i) {
  size_t cnt;
  return lua_type(L, i) == LUA_TTABLE && tkind(L, i, &cnt) == TK_ARRAY;
}

/* A Lua value as a JSON value, for enum and const.  [-0, +0, m] */
static void c_jval (CState *cs, int i, orc_jval *out, const char *where,
                    int depth) {
  lua_State *L = cs->L;
  size_t cnt, k;
  i = lua_absindex(L, i);
  if (depth > MAX_DEPTH) c_error(cs, where, "%s value nested too deeply", "enum/const");
  switch (lua_type(L, i)) {
    case LUA_TBOOLEAN:
      out->kind = ORC_J_BOOL;
      out->b = lua_toboolean(L, i);
      return;
    case LUA_TNUMBER:
      out->kind = ORC_J_NUM;
      out->num = lua_tonumber(L, i);
      return;
    case LUA_TSTRING: {
      const char *s = lua_tolstring(L, i, &out->len);
      out->kind = ORC_J_STR;
      out->s = c_strdup(cs, s, out->len);
      return;
    }
    case LUA_TTABLE:
      luaL_checkstack(L, 6, "schema nested too deeply");
      switch (tkind(L, i, &cnt)) {
        case TK_EMPTY:
          out->kind = ORC_J_ARR;   /* n = 0: equal to any empty table */
          return;
        case TK_ARRAY:
          out->kind = ORC_J_ARR;
          out->n = cnt;
          out->items = (orc_jval *)c_alloc(cs, cnt * sizeof(orc_jval));
          for (k = 0; k < cnt; k++) {
            lua_rawgeti(L, i, (lua_Integer)(k + 1));
            c_jval(cs, -1, &out->items[k], where, depth + 1);
            lua_pop(L, 1);
          }
          return;
        case TK_OBJECT:
          out->kind = ORC_J_OBJ;
          out->n = cnt;
          out->items = (orc_jval *)c_alloc(cs, cnt * sizeof(orc_jval));
          out->keys = (const char **)c_alloc(cs, cnt * sizeof(char *));
          out->klens = (size_t *)c_alloc(cs, cnt * sizeof(size_t));
          k = 0;
          lua_pushnil(L);
          while (lua_next(L, i)) {
            size_t kl;
            const char *ks = lua_tolstring(L, -2, &kl);
            out->keys[k] = c_strdup(cs, ks, kl);
            out->klens[k] = kl;
            c_jval(cs, -1, &out->items[k], where, depth + 1);
            k++;
            lua_pop(L, 1);
          }
          return;
        default:
          c_error(cs, where, "%s value is a table mixing array and object keys",
                  "enum/const");
      }
      return;
    default:
      if (is_null(L, i)) {
        out->kind = ORC_J_NULL;
        return;
      }
      c_error(cs, where, "value of type %s cannot appear in enum/const",
              luaL_typename(L, i));
  }
}

static orc_node *c_node (CState *cs, int idx, int base, const char *where);

/* Can the object keywords of n be checked by looking fields up (given an
** object), and how many lookups?  Only properties and required (sizes
** too); a field whose schema is `true` needs none. */
static void c_lookup_plan (orc_node *n) {
  size_t k;
  n->nlookup = -1;
  if ((n->has & ORC_K_OBJECTISH &
       ~(ORC_K_PROPS | ORC_K_MINPROPS | ORC_K_MAXPROPS)) || n->ndeps > 0)
    return;
  n->nlookup = 0;
  for (k = 0; k < n->nprops; k++)
    if (n->props[k].required ||
        (n->props[k].declared && n->props[k].schema->has != 0))
      n->nlookup++;
}

/* The kinds of Lua value (a bit per lua_type) n accepts or rejects on
** sight, whatever the value: f_node then needs nothing else. */
static void c_quick (orc_node *n) {
#define TB(t) ((uint16_t)(1u << (t)))
  const uint16_t all = (uint16_t)(TB(LUA_TTHREAD + 1) - 1);
  uint32_t has = n->has, t = n->types;
  n->quick_ok = n->quick_fail = 0;
  if (has == 0) {
    n->quick_ok = all;
  } else if (has & ORC_K_FALSE) {
    n->quick_fail = all;
  } else if ((has & ORC_K_TYPE) && !(has & ORC_K_REF)) {
    n->quick_fail = TB(LUA_TNIL) | TB(LUA_TFUNCTION) | TB(LUA_TUSERDATA) |
                    TB(LUA_TTHREAD);
    if (!(t & ORC_T_BOOLEAN)) n->quick_fail |= TB(LUA_TBOOLEAN);
    else if (has == ORC_K_TYPE) n->quick_ok |= TB(LUA_TBOOLEAN);
    if (!(t & ORC_T_STRING)) n->quick_fail |= TB(LUA_TSTRING);
    else if (has == ORC_K_TYPE) n->quick_ok |= TB(LUA_TSTRING);
    /* numbers: NaN and inf are no JSON type; tables: their kind; null:
    ** only the NULL light userdata */
    if (!(t & (ORC_T_NUMBER | ORC_T_INTEGER))) n->quick_fail |= TB(LUA_TNUMBER);
    if (!(t & (ORC_T_ARRAY | ORC_T_OBJECT))) n->quick_fail |= TB(LUA_TTABLE);
    if (!(t & ORC_T_NULL)) n->quick_fail |= TB(LUA_TLIGHTUSERDATA);
  }
#undef TB
}

/* Compile the schema at value index i (relative ok).  [-0, +0, m] */
static orc_node *c_sub_node (CState *cs, int i, int base, const char *where,
                             const char *key) {
  orc_node *n;
  i = lua_absindex(cs->L, i);
  c_sub(cs->L, where, key);
  n = c_node(cs, i, base, lua_tostring(cs->L, -1));
  lua_pop(cs->L, 1);
  return n;
}

/* Compile an array of schemas (allOf/anyOf/oneOf/items tuple). */
static orc_node **c_node_list (CState *cs, int i, int base, const char *where,
                               const char *kw, size_t *count) {
  lua_State *L = cs->L;
  orc_node **list;
  size_t n, k;
  if (!c_isarray(L, i))
    c_error(cs, where, "'%s' must be a non-empty array of schemas", kw);
  n = orc_rawlen(L, i);
  list = (orc_node **)c_alloc(cs, n * sizeof(orc_node *));
  for (k = 0; k < n; k++) {
    char key[64];
    snprintf(key, sizeof key, "%s/%u", kw, (unsigned)k);
    lua_rawgeti(L, i, (lua_Integer)(k + 1));
    list[k] = c_sub_node(cs, -1, base, where, key);
    lua_pop(L, 1);
  }
  *count = n;
  return list;
}

/* Compile each value of an object of schemas (definitions & co), for
** their side effects (ids, the node map) only. */
static void c_schema_map (CState *cs, int i, int base, const char *where,
                          const char *kw) {
  lua_State *L = cs->L;
  size_t cnt;
  if (lua_type(L, i) != LUA_TTABLE ||
      (tkind(L, i, &cnt) != TK_OBJECT && cnt != 0))
    c_error(cs, where, "'%s' must be an object of schemas", kw);
  lua_pushnil(L);
  while (lua_next(L, i)) {
    lua_pushfstring(L, "%s/%s", kw, lua_tostring(L, -2));
    c_sub_node(cs, -2, base, where, lua_tostring(L, -1));
    lua_pop(L, 2);
  }
}

static uint32_t c_typename (const char *s) {
  static const struct { const char *name; uint32_t bit; } names[] = {
    { "null", ORC_T_NULL }, { "boolean", ORC_T_BOOLEAN },
    { "object", ORC_T_OBJECT }, { "array", ORC_T_ARRAY },
    { "number", ORC_T_NUMBER }, { "integer", ORC_T_INTEGER },
    { "string", ORC_T_STRING } };
  size_t k;
  for (k = 0; k < sizeof names / sizeof names[0]; k++)
    if (strcmp(s, names[k].name) == 0) return names[k].bit;
  return 0;
}

static uint32_t c_types (CState *cs, int i, const char *where) {
  lua_State *L = cs->L;
  uint32_t mask = 0, bit = 0;
  size_t k, n;
  if (lua_type(L, i) == LUA_TSTRING) {
    bit = c_typename(lua_tostring(L, i));
    if (!bit) c_error(cs, where, "unknown type '%s'", lua_tostring(L, i));
    return bit;
  }
  if (!c_isarray(L, i))
    c_error(cs, where, "'%s' must be a type name or a non-empty array of them",
            "type");
  n = orc_rawlen(L, i);
  for (k = 1; k <= n; k++) {
    lua_rawgeti(L, i, (lua_Integer)k);
    if (lua_type(L, -1) != LUA_TSTRING ||
        !(bit = c_typename(lua_tostring(L, -1))))
      c_error(cs, where, "unknown type in '%s'", "type");
    mask |= bit;
    lua_pop(L, 1);
  }
  return mask;
}

/* Find or add a known name in the node's property list. */
static orc_prop *c_prop (CState *cs, orc_node *n, size_t cap, int keyidx) {
  size_t len, k;
  const char *s = lua_tolstring(cs->L, keyidx, &len);
  for (k = 0; k < n->nprops; k++)
    if (n->props[k].len == len && memcmp(n->props[k].name, s, len) == 0)
      return &n->props[k];
  if (n->nprops == cap) luaL_error(cs->L, "internal error: property table");
  n->props[n->nprops].name = c_strdup(cs, s, len);
  n->props[n->nprops].len = len;
  n->props[n->nprops].hash = orc_hash(s, len);
  n->props[n->nprops].dep = -1;
  return &n->props[n->nprops++];
}

static size_t c_nkeys (lua_State *L, int i) {
  size_t cnt = 0;
  if (lua_type(L, i) == LUA_TTABLE) (void)tkind(L, i, &cnt);
  return cnt;
}

/* properties, required, dependencies -> the property index.  The three
** keyword values sit at stack indexes pi, ri, di (0: absent). */
static void c_object (CState *cs, orc_node *n, int pi, int ri, int di,
                      int base, const char *where) {
  lua_State *L = cs->L;
  size_t cap = 0, k, cnt;
  if (pi && (lua_type(L, pi) != LUA_TTABLE ||
             (tkind(L, pi, &cnt) != TK_OBJECT && cnt != 0)))
    c_error(cs, where, "'%s' must be an object of schemas", "properties");
  if (ri && (lua_type(L, ri) != LUA_TTABLE ||
             (tkind(L, ri, &cnt) != TK_ARRAY && cnt != 0)))
    c_error(cs, where, "'%s' must be an array of strings", "required");
  if (di && (lua_type(L, di) != LUA_TTABLE ||
             (tkind(L, di, &cnt) != TK_OBJECT && cnt != 0)))
    c_error(cs, where, "'%s' must be an object", "dependencies");
  if (pi) cap += c_nkeys(L, pi);
  if (ri) cap += orc_rawlen(L, ri);
  if (di) cap += c_nkeys(L, di);
  n->props = (orc_prop *)c_alloc(cs, (cap ? cap : 1) * sizeof(orc_prop));
  if (pi) {
    lua_pushnil(L);
    while (lua_next(L, pi)) {
      orc_prop *p = c_prop(cs, n, cap, -2);
      lua_pushfstring(L, "properties/%s", lua_tostring(L, -2));
      p->schema = c_sub_node(cs, -2, base, where, lua_tostring(L, -1));
      p->declared = 1;
      lua_pop(L, 2);
    }
  }
  if (ri) {
    size_t nr = orc_rawlen(L, ri);
    n->required = (const char **)c_alloc(cs, (nr ? nr : 1) * sizeof(char *));
    n->required_len = (size_t *)c_alloc(cs, (nr ? nr : 1) * sizeof(size_t));
    for (k = 1; k <= nr; k++) {
      orc_prop *p;
      lua_rawgeti(L, ri, (lua_Integer)k);
      if (lua_type(L, -1) != LUA_TSTRING)
        c_error(cs, where, "'%s' must be an array of strings", "required");
      p = c_prop(cs, n, cap, -1);
      if (!p->required) {
        p->required = 1;
        n->nrequired++;
        n->required[n->nrequired_list] = p->name;
        n->required_len[n->nrequired_list++] = p->len;
      }
      lua_pop(L, 1);
    }
  }
  if (di) {
    size_t nd = c_nkeys(L, di);
    n->deps = (orc_dep *)c_alloc(cs, (nd ? nd : 1) * sizeof(orc_dep));
    lua_pushnil(L);
    while (lua_next(L, di)) {
      orc_prop *p = c_prop(cs, n, cap, -2);
      orc_dep *d = &n->deps[n->ndeps];
      p->dep = (int)n->ndeps++;
      if (lua_type(L, -1) == LUA_TTABLE && orc_rawlen(L, -1) > 0) {
        size_t m = orc_rawlen(L, -1);
        if (!c_isarray(L, -1))
          c_error(cs, where, "dependency '%s' must be an array or a schema",
                  lua_tostring(L, -2));
        d->names = (const char **)c_alloc(cs, m * sizeof(char *));
        d->lens = (size_t *)c_alloc(cs, m * sizeof(size_t));
        for (k = 0; k < m; k++) {
          const char *s;
          lua_rawgeti(L, -1, (lua_Integer)(k + 1));
          if (lua_type(L, -1) != LUA_TSTRING)
            c_error(cs, where, "dependency '%s' must list field names",
                    lua_tostring(L, -3));
          s = lua_tolstring(L, -1, &d->lens[k]);
          d->names[k] = c_strdup(cs, s, d->lens[k]);
          lua_pop(L, 1);
        }
        d->n = m;
      } else if (lua_type(L, -1) == LUA_TTABLE && c_nkeys(L, -1) == 0) {
        /* [] or {}: both constrain nothing */
      } else {
        lua_pushfstring(L, "dependencies/%s", lua_tostring(L, -2));
        d->schema = c_sub_node(cs, -2, base, where, lua_tostring(L, -1));
        lua_pop(L, 1);
      }
      lua_pop(L, 1);
    }
  }
  if (n->nprops) {
    uint32_t size = 16;
    if (!orc_node_index(&cs->v->arena, n)) luaL_error(L, "not enough memory");
    n->has |= ORC_K_PROPS;
    while (size < 4096 && size < 4 * n->nprops) size <<= 1;
    n->pcache = (struct orc_pcache *)c_alloc(cs, sizeof(struct orc_pcache) +
                                                     size * sizeof(PSlot));
    n->pcache->mask = size - 1;
    n->pcache->base = cs->nanchors;
    cs->nanchors += (int)size;
    for (k = 0; k < n->nprops; k++) {
      lua_pushlstring(L, n->props[k].name, n->props[k].len);
      n->props[k].anchor = ++cs->nanchors;
      lua_rawseti(L, cs->names, n->props[k].anchor);
    }
  }
}

static orc_regex *c_regex (CState *cs, int i, const char *where,
                           const char *kw) {
  char err[160];
  size_t len;
  const char *src;
  orc_regex *re;
  if (lua_type(cs->L, i) != LUA_TSTRING)
    c_error(cs, where, "'%s' must be a string", kw);
  src = lua_tolstring(cs->L, i, &len);
  re = orc_regex_compile(&cs->v->arena, src, len, err, sizeof err);
  if (re == NULL) {
    if (err[0] == '\0') luaL_error(cs->L, "not enough memory");
    lua_pushfstring(cs->L, "%s in /%s/", err, src);
    c_error(cs, where, "%s", lua_tostring(cs->L, -1));
  }
  return re;
}

/* Resolve ref (at stack index r) against the base URI at stack index
** base; push the result.  [-0, +1, m] */
static const char *c_resolve (lua_State *L, int base, int r) {
  size_t blen, rlen, n;
  const char *b = lua_tolstring(L, base, &blen);
  const char *s = lua_tolstring(L, r, &rlen);
  char *out = (char *)lua_newuserdata(L, blen + rlen + 2);
  n = orc_uri_resolve(b, blen, s, rlen, out);
  lua_pushlstring(L, out, n);
  lua_remove(L, -2);
  return lua_tostring(L, -1);
}

/* The keywords that hold subschemas (compiled under a $ref only to
** register ids and pointer targets) and the annotations. */
static int c_annotation (const char *k) {
  static const char *const ann[] = {
    "title", "description", "default", "examples", "example", "$comment",
    "format", "$schema", "$id", "readOnly", "writeOnly", "contentMediaType",
    "contentEncoding", "deprecated", NULL };
  int i;
  for (i = 0; ann[i]; i++)
    if (strcmp(k, ann[i]) == 0) return 1;
  return 0;
}

/* Register $id of the schema table at idx, and push the base for its
** subschemas.  [-0, +1, m] */
static void c_id (CState *cs, int idx, int base, int has_ref) {
  lua_State *L = cs->L;
  if (has_ref) {                    /* draft 7: $ref hides a sibling $id */
    lua_pushvalue(L, base);
    return;
  }
  if (orc_getfield(L, idx, "$id") == LUA_TSTRING) {
    size_t len;
    const char *r = c_resolve(L, base, lua_gettop(L));
    const char *hash = strchr(r, '#');
    len = strlen(r);
    if (hash != NULL && hash[1] != '\0') {
      /* a plain-name fragment: an anchor; the base does not change */
      lua_pushvalue(L, -1);
      lua_pushvalue(L, idx);
      lua_rawset(L, cs->anchors);
      lua_pop(L, 2);
      lua_pushvalue(L, base);
      return;
    }
    if (hash != NULL) len = (size_t)(hash - r);
    lua_pushlstring(L, r, len);       /* id, stripped of an empty '#' */
    lua_pushvalue(L, -1);
    lua_pushvalue(L, idx);
    lua_rawset(L, cs->docs);
    lua_replace(L, -3);
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  lua_pushvalue(L, base);
}

/* Compile the schema at idx (a table or a boolean).  [-0, +0, m] */
static orc_node *c_node (CState *cs, int idx, int base, const char *where) {
  lua_State *L = cs->L;
  orc_node *n;
  int has_ref, nbase, pi = 0, ri = 0, di = 0, top = lua_gettop(L);
  idx = lua_absindex(L, idx);
  if (lua_type(L, idx) == LUA_TBOOLEAN) {
    n = c_newnode(cs);
    if (!lua_toboolean(L, idx)) n->has = ORC_K_FALSE;
    c_quick(n);
    return n;
  }
  if (lua_type(L, idx) != LUA_TTABLE)
    c_error(cs, where, "a schema must be an object or a boolean, got %s",
            luaL_typename(L, idx));
  lua_pushvalue(L, idx);
  lua_rawget(L, cs->map);
  if (lua_type(L, -1) == LUA_TLIGHTUSERDATA) {
    n = (orc_node *)lua_touserdata(L, -1);
    lua_pop(L, 1);
    return n;
  }
  lua_pop(L, 1);
  if (++cs->depth > MAX_SCHEMA_DEPTH)
    c_error(cs, where, "%s", "schema nested too deeply");
  luaL_checkstack(L, 24, "schema nested too deeply");
  n = c_newnode(cs);
  lua_pushvalue(L, idx);
  lua_pushlightuserdata(L, n);
  lua_rawset(L, cs->map);

  has_ref = orc_getfield(L, idx, "$ref") != LUA_TNIL;
  lua_pop(L, 1);
  c_id(cs, idx, base, has_ref);
  nbase = lua_gettop(L);

  lua_pushnil(L);
  while (lua_next(L, idx)) {
    const char *k;
    int v = lua_gettop(L);
    if (lua_type(L, -2) != LUA_TSTRING)
      c_error(cs, where, "%s", "schema keys must be strings (is this an array?)");
    k = lua_tostring(L, -2);
    if (has_ref) {
      /* draft 7: siblings of $ref are ignored; subschemas among them are
      ** still compiled, as targets for ids and pointers */
      if (strcmp(k, "$ref") == 0) {
        if (lua_type(L, v) != LUA_TSTRING)
          c_error(cs, where, "'%s' must be a string", "$ref");
        n->has = ORC_K_REF;
        lua_createtable(L, 3, 0);
        lua_pushlightuserdata(L, n);
        lua_rawseti(L, -2, 1);
        c_resolve(L, nbase, v);
        lua_rawseti(L, -2, 2);
        lua_pushstring(L, where);
        lua_rawseti(L, -2, 3);
        lua_rawseti(L, cs->pending, ++cs->npending);
      } else if (strcmp(k, "definitions") == 0 || strcmp(k, "$defs") == 0 ||
                 strcmp(k, "properties") == 0) {
        if (lua_type(L, v) == LUA_TTABLE) c_schema_map(cs, v, nbase, where, k);
      } else if (strcmp(k, "if") == 0 || strcmp(k, "then") == 0 ||
                 strcmp(k, "else") == 0 || strcmp(k, "not") == 0 ||
                 strcmp(k, "items") == 0 || strcmp(k, "additionalItems") == 0 ||
                 strcmp(k, "contains") == 0 ||
                 strcmp(k, "additionalProperties") == 0) {
        if (lua_type(L, v) == LUA_TTABLE && !c_isarray(L, v))
          c_sub_node(cs, v, nbase, where, k);
      }
      lua_pop(L, 1);
      continue;
    }
    if (c_annotation(k)) {
      /* ignored */
    } else if (strcmp(k, "type") == 0) {
      n->types = c_types(cs, v, where);
      n->has |= ORC_K_TYPE;
    } else if (strcmp(k, "enum") == 0) {
      size_t m, j;
      if (lua_type(L, v) != LUA_TTABLE ||
          (orc_rawlen(L, v) > 0 && !c_isarray(L, v)) ||
          (orc_rawlen(L, v) == 0 && c_nkeys(L, v) != 0))
        c_error(cs, where, "'%s' must be an array", "enum");
      m = orc_rawlen(L, v);
      n->enums = (orc_jval *)c_alloc(cs, (m ? m : 1) * sizeof(orc_jval));
      for (j = 0; j < m; j++) {
        lua_rawgeti(L, v, (lua_Integer)(j + 1));
        c_jval(cs, -1, &n->enums[j], where, 0);
        lua_pop(L, 1);
      }
      n->nenums = m;
      n->has |= ORC_K_ENUM;
    } else if (strcmp(k, "const") == 0) {
      n->const_ = (orc_jval *)c_alloc(cs, sizeof(orc_jval));
      c_jval(cs, v, n->const_, where, 0);
      n->has |= ORC_K_CONST;
    } else if (strcmp(k, "minimum") == 0) {
      n->minimum = c_number(cs, v, where, k); n->has |= ORC_K_MINIMUM;
    } else if (strcmp(k, "maximum") == 0) {
      n->maximum = c_number(cs, v, where, k); n->has |= ORC_K_MAXIMUM;
    } else if (strcmp(k, "exclusiveMinimum") == 0) {
      if (lua_type(L, v) == LUA_TBOOLEAN)
        c_error(cs, where, "%s", "boolean 'exclusiveMinimum' is draft 4; draft 7 takes a number");
      n->xminimum = c_number(cs, v, where, k); n->has |= ORC_K_XMINIMUM;
    } else if (strcmp(k, "exclusiveMaximum") == 0) {
      if (lua_type(L, v) == LUA_TBOOLEAN)
        c_error(cs, where, "%s", "boolean 'exclusiveMaximum' is draft 4; draft 7 takes a number");
      n->xmaximum = c_number(cs, v, where, k); n->has |= ORC_K_XMAXIMUM;
    } else if (strcmp(k, "multipleOf") == 0) {
      n->multiple_of = c_number(cs, v, where, k);
      if (!(n->multiple_of > 0))
        c_error(cs, where, "'%s' must be greater than 0", k);
      n->has |= ORC_K_MULTIPLE;
    } else if (strcmp(k, "minLength") == 0) {
      n->min_length = c_count(cs, v, where, k); n->has |= ORC_K_MINLEN;
    } else if (strcmp(k, "maxLength") == 0) {
      n->max_length = c_count(cs, v, where, k); n->has |= ORC_K_MAXLEN;
    } else if (strcmp(k, "pattern") == 0) {
      n->pattern = c_regex(cs, v, where, k);
      n->pattern_src = c_strdup(cs, lua_tostring(L, v), orc_rawlen(L, v));
      n->has |= ORC_K_PATTERN;
    } else if (strcmp(k, "items") == 0) {
      if (c_isarray(L, v)) {
        n->tuple = c_node_list(cs, v, nbase, where, k, &n->ntuple);
        n->has |= ORC_K_TUPLE;
      } else {
        n->items = c_sub_node(cs, v, nbase, where, k);
        n->has |= ORC_K_ITEMS;
      }
    } else if (strcmp(k, "additionalItems") == 0) {
      n->additional_items = c_sub_node(cs, v, nbase, where, k);
    } else if (strcmp(k, "contains") == 0) {
      n->contains = c_sub_node(cs, v, nbase, where, k);
      n->has |= ORC_K_CONTAINS;
    } else if (strcmp(k, "minItems") == 0) {
      n->min_items = c_count(cs, v, where, k); n->has |= ORC_K_MINITEMS;
    } else if (strcmp(k, "maxItems") == 0) {
      n->max_items = c_count(cs, v, where, k); n->has |= ORC_K_MAXITEMS;
    } else if (strcmp(k, "uniqueItems") == 0) {
      if (lua_type(L, v) != LUA_TBOOLEAN)
        c_error(cs, where, "'%s' must be a boolean", k);
      if (lua_toboolean(L, v)) n->has |= ORC_K_UNIQUE;
    } else if (strcmp(k, "properties") == 0 || strcmp(k, "required") == 0 ||
               strcmp(k, "dependencies") == 0) {
      /* compiled together after this loop */
    } else if (strcmp(k, "patternProperties") == 0) {
      size_t cnt = 0, j = 0;
      if (lua_type(L, v) != LUA_TTABLE ||
          (tkind(L, v, &cnt) != TK_OBJECT && cnt != 0))
        c_error(cs, where, "'%s' must be an object of schemas", k);
      n->patprops = (orc_patprop *)c_alloc(cs, (cnt ? cnt : 1) *
                                           sizeof(orc_patprop));
      lua_pushnil(L);
      while (lua_next(L, v)) {
        size_t len;
        const char *src = lua_tolstring(L, -2, &len);
        lua_pushfstring(L, "patternProperties/%s", src);
        n->patprops[j].re = c_regex(cs, -3, lua_tostring(L, -1), "patternProperties");
        n->patprops[j].src = c_strdup(cs, src, len);
        n->patprops[j].schema = c_sub_node(cs, -2, nbase, where, lua_tostring(L, -1));
        j++;
        lua_pop(L, 2);
      }
      n->npatprops = j;
      if (j) n->has |= ORC_K_PATPROPS;
    } else if (strcmp(k, "additionalProperties") == 0) {
      n->additional_props = c_sub_node(cs, v, nbase, where, k);
      n->has |= ORC_K_ADDPROPS;
    } else if (strcmp(k, "propertyNames") == 0) {
      n->property_names = c_sub_node(cs, v, nbase, where, k);
      n->has |= ORC_K_PROPNAMES;
    } else if (strcmp(k, "minProperties") == 0) {
      n->min_props = c_count(cs, v, where, k); n->has |= ORC_K_MINPROPS;
    } else if (strcmp(k, "maxProperties") == 0) {
      n->max_props = c_count(cs, v, where, k); n->has |= ORC_K_MAXPROPS;
    } else if (strcmp(k, "allOf") == 0) {
      n->all_of = c_node_list(cs, v, nbase, where, k, &n->nall_of);
      n->has |= ORC_K_ALLOF;
    } else if (strcmp(k, "anyOf") == 0) {
      n->any_of = c_node_list(cs, v, nbase, where, k, &n->nany_of);
      n->has |= ORC_K_ANYOF;
    } else if (strcmp(k, "oneOf") == 0) {
      n->one_of = c_node_list(cs, v, nbase, where, k, &n->none_of);
      n->has |= ORC_K_ONEOF;
    } else if (strcmp(k, "not") == 0) {
      n->not_ = c_sub_node(cs, v, nbase, where, k);
      n->has |= ORC_K_NOT;
    } else if (strcmp(k, "if") == 0) {
      n->if_ = c_sub_node(cs, v, nbase, where, k);
      n->has |= ORC_K_IF;
    } else if (strcmp(k, "then") == 0) {
      n->then_ = c_sub_node(cs, v, nbase, where, k);
    } else if (strcmp(k, "else") == 0) {
      n->else_ = c_sub_node(cs, v, nbase, where, k);
    } else if (strcmp(k, "definitions") == 0 || strcmp(k, "$defs") == 0) {
      c_schema_map(cs, v, nbase, where, k);
    } else {
      c_error(cs, where, "unsupported keyword '%s'", k);
    }
    lua_settop(L, v - 1);             /* keep the key */
  }
  if (!has_ref) {
    if (n->has & ORC_K_TUPLE) {
      if (n->additional_items != NULL) n->has |= ORC_K_ADDITEMS;
    } else {
      n->additional_items = NULL;       /* additionalItems needs a tuple */
    }
    lua_pushliteral(L, "properties");
    lua_rawget(L, idx);
    if (!lua_isnil(L, -1)) pi = lua_gettop(L);
    lua_pushliteral(L, "required");
    lua_rawget(L, idx);
    if (!lua_isnil(L, -1)) ri = lua_gettop(L);
    lua_pushliteral(L, "dependencies");
    lua_rawget(L, idx);
    if (!lua_isnil(L, -1)) di = lua_gettop(L);
    if (pi || ri || di) c_object(cs, n, pi, ri, di, nbase, where);
    if (n->if_ == NULL) { n->then_ = NULL; n->else_ = NULL; }
    if (n->if_ != NULL && n->then_ == NULL && n->else_ == NULL) {
      n->has &= ~ORC_K_IF;
      n->if_ = NULL;
    }
  }
  c_quick(n);
  c_lookup_plan(n);
  cs->depth--;
  lua_settop(L, top);
  return n;
}

/* Is s a JSON-pointer array index ("0", "12")? */
static int c_index (const char *s, lua_Number *d) {
  lua_Number v = 0;
  if (*s == '\0' || (s[0] == '0' && s[1] != '\0')) return 0;
  for (; *s; s++) {
    if (*s < '0' || *s > '9' || v > 1e15) return 0;
    v = v * 10 + (*s - '0');
  }
  *d = v;
  return 1;
}

/* The target of a resolved $ref URI: push the Lua schema value.  [-0, +1, m] */
static void c_lookup (CState *cs, const char *uri, const char *where) {
  lua_State *L = cs->L;
  const char *hash = strchr(uri, '#');
  size_t dlen = hash ? (size_t)(hash - uri) : strlen(uri);
  lua_pushlstring(L, uri, dlen);
  lua_rawget(L, cs->docs);
  if (lua_isnil(L, -1)) {
    if (strstr(uri, "://") != NULL || strncmp(uri, "urn:", 4) == 0)
      c_error(cs, where, "unsupported remote $ref '%s' (only local references "
              "and documents given in opts.documents)", uri);
    c_error(cs, where, "unresolvable $ref '%s'", uri);
  }
  if (hash == NULL || hash[1] == '\0') return;
  if (hash[1] == '/') {
    /* a JSON pointer: percent-decode, then ~1 -> '/', ~0 -> '~' */
    size_t len = strlen(hash + 1), i = 0;
    char *buf = (char *)lua_newuserdata(L, len + 1);
    memcpy(buf, hash + 1, len);
    len = orc_percent_decode(buf, len);
    lua_insert(L, -2);                /* buf below the current table */
    while (i < len) {
      luaL_Buffer b;
      size_t j = i + 1;
      lua_Number d;
      if (lua_type(L, -1) != LUA_TTABLE)
        c_error(cs, where, "unresolvable $ref '%s'", uri);
      luaL_buffinit(L, &b);
      for (; j < len && buf[j] != '/'; j++) {
        if (buf[j] == '~' && j + 1 < len && (buf[j + 1] == '0' || buf[j + 1] == '1')) {
          luaL_addchar(&b, buf[j + 1] == '0' ? '~' : '/');
          j++;
        } else {
          luaL_addchar(&b, buf[j]);
        }
      }
      luaL_pushresult(&b);
      i = j;
      if (orc_rawlen(L, -2) > 0 && c_index(lua_tostring(L, -1), &d)) {
        lua_pop(L, 1);
        lua_rawgeti(L, -1, (lua_Integer)d + 1);
      } else {
        lua_rawget(L, -2);
      }
      lua_remove(L, -2);
      if (lua_isnil(L, -1)) c_error(cs, where, "unresolvable $ref '%s'", uri);
    }
    lua_remove(L, -2);                /* buf */
    return;
  }
  lua_pop(L, 1);
  lua_pushstring(L, uri);
  lua_rawget(L, cs->anchors);
  if (lua_isnil(L, -1)) c_error(cs, where, "unresolvable $ref '%s'", uri);
}

static void c_resolve_refs (CState *cs) {
  lua_State *L = cs->L;
  int i;
  for (i = 1; i <= cs->npending; i++) {     /* npending may grow */
    orc_node *n, *t;
    const char *uri, *where;
    int e;
    lua_rawgeti(L, cs->pending, i);
    e = lua_gettop(L);
    lua_rawgeti(L, e, 1);
    n = (orc_node *)lua_touserdata(L, -1);
    lua_rawgeti(L, e, 2);
    uri = lua_tostring(L, -1);
    lua_rawgeti(L, e, 3);
    where = lua_tostring(L, -1);
    c_lookup(cs, uri, where);
    {
      /* the target's base: its document */
      const char *hash = strchr(uri, '#');
      lua_pushlstring(L, uri, hash ? (size_t)(hash - uri) : strlen(uri));
      lua_pushfstring(L, "%s", uri);
      t = c_node(cs, -3, lua_gettop(L) - 1, lua_tostring(L, -1));
    }
    n->ref = t;
    lua_settop(L, e - 1);
  }
  /* follow chains of refs to a node that does something */
  for (i = 1; i <= cs->npending; i++) {
    orc_node *n, *t;
    size_t steps = 0;
    lua_rawgeti(L, cs->pending, i);
    lua_rawgeti(L, -1, 1);
    n = (orc_node *)lua_touserdata(L, -1);
    for (t = n->ref; t->has & ORC_K_REF; t = t->ref) {
      if (++steps > cs->v->nnodes) {
        lua_rawgeti(L, -2, 3);
        c_error(cs, lua_tostring(L, -1), "%s", "circular $ref");
      }
    }
    n->ref = t;
    lua_pop(L, 2);
  }
}

static int lschema_gc (lua_State *L) {
  Validator *v = (Validator *)luaL_checkudata(L, 1, SCHEMA_MT);
  orc_arena_free(&v->arena);
  v->root = NULL;
  return 0;
}

/*
** core.schema_compile(schema [, opts]) -> validator.  [-0, +1, m]
** schema: a table or a boolean (a decoded JSON Schema, draft 7).
** opts.documents: { [uri] = schema } for $refs to other documents.
** Raises "schema error at #/path: ..." on anything it cannot honour.
*/
static int lschema_compile (lua_State *L) {
  CState cs;
  Validator *v;
  int t = lua_type(L, 1);
  luaL_argcheck(L, t == LUA_TTABLE || t == LUA_TBOOLEAN, 1,
                "schema must be a table or a boolean");
  if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TTABLE);
  lua_settop(L, 2);
  v = (Validator *)orc_newuserdata(L, sizeof(Validator));   /* 3 */
  memset(v, 0, sizeof *v);
  luaL_setmetatable(L, SCHEMA_MT);
  memset(&cs, 0, sizeof cs);
  cs.L = L;
  cs.v = v;
  lua_newtable(L); cs.map = lua_gettop(L);
  lua_newtable(L); cs.docs = lua_gettop(L);
  lua_newtable(L); cs.anchors = lua_gettop(L);
  lua_newtable(L); cs.pending = lua_gettop(L);
  lua_newtable(L); cs.names = lua_gettop(L);
  lua_pushliteral(L, "");                                      /* base */
  if (t == LUA_TTABLE) {
    lua_pushliteral(L, "");
    lua_pushvalue(L, 1);
    lua_rawset(L, cs.docs);
  }
  v->root = c_node(&cs, 1, lua_gettop(L), "#");
  if (!lua_isnoneornil(L, 2) && orc_getfield(L, 2, "documents") != LUA_TNIL) {
    int docs = lua_gettop(L);
    luaL_checktype(L, docs, LUA_TTABLE);
    lua_pushnil(L);
    while (lua_next(L, docs)) {
      size_t len;
      const char *uri;
      if (lua_type(L, -2) != LUA_TSTRING)
        luaL_error(L, "opts.documents keys must be URIs");
      uri = lua_tolstring(L, -2, &len);
      if (len > 0 && uri[len - 1] == '#') len--;
      lua_pushlstring(L, uri, len);
      lua_pushvalue(L, -1);
      lua_pushvalue(L, -3);
      lua_rawset(L, cs.docs);
      c_node(&cs, -2, lua_gettop(L), uri);
      lua_pop(L, 2);
    }
  }
  c_resolve_refs(&cs);
  if (v->root->has & ORC_K_REF) v->root = v->root->ref;
  /* the anchors: sized once, so that setting a slot never allocates */
  lua_createtable(L, cs.nanchors, 0);
  lua_pushnil(L);
  while (lua_next(L, cs.names)) {
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    lua_rawset(L, -4);
  }
  orc_setuservalue(L, 3);
  lua_settop(L, 3);
  return 1;
}

/* ====================================================================== */
/* validate                                                               */
/* ====================================================================== */

enum { V_OK = 0, V_FAIL = 1, V_TYPE = 2 };

typedef struct Seg {
  const char *key;      /* NULL: an array index */
  size_t klen;
  size_t index;         /* 1-based */
} Seg;

typedef struct VCtx {
  lua_State *L;
  int errs;             /* stack index of the current error list */
  int nerr;             /* entries in it */
  int truncated;
  int depth;            /* segments in the path */
  int calls;
  long steps;           /* node checks so far: combinators can multiply */
  int deep;             /* a depth or step limit was hit */
  int anchors;          /* stack index of its key anchors (user value) */
  int top;              /* boolean pass: the stack top */
  int room;             /* boolean pass: the highest index known free */
  const char *root;
  size_t rootlen;
  Seg seg[MAX_DEPTH + 2];
} VCtx;

static int v_node (VCtx *c, const orc_node *n, int idx);
static int f_value (VCtx *c, const orc_node *n, int idx);

/* Does the value at idx match n?  (the boolean pass, from the collecting
** one) */
static int v_bool (VCtx *c, const orc_node *n, int idx) {
  return f_value(c, n, idx);
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
static void v_path (VCtx *c, int depth) {
  luaL_Buffer b;
  int i;
  size_t len = c->rootlen;
  luaL_buffinit(c->L, &b);
  luaL_addlstring(&b, c->root, c->rootlen);
  for (i = 0; i < depth; i++) {
    const Seg *s = &c->seg[i];
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
static void v_report (VCtx *c) {
  lua_State *L = c->L;
  if (c->nerr >= MAX_ERRORS) {
    c->truncated = 1;
    lua_pop(L, 1);
    return;
  }
  lua_createtable(L, 0, 2);
  lua_insert(L, -2);
  lua_setfield(L, -2, "message");
  v_path(c, c->depth);
  lua_setfield(L, -2, "path");
  lua_rawseti(L, c->errs, ++c->nerr);
}

static int v_push_seg (VCtx *c, const char *key, size_t klen, size_t index) {
  Seg *s = &c->seg[c->depth];
  if (c->depth >= MAX_DEPTH) {
    if (!c->deep) {
      lua_pushfstring(c->L, "value nested too deeply (more than %d levels; "
                      "a cyclic table?)", MAX_DEPTH);
      v_report(c);
    }
    c->deep = 1;
    return 0;
  }
  s->key = key;
  s->klen = klen;
  s->index = index;
  c->depth++;
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
static void push_quoted (lua_State *L, const char *s, size_t len) {
  size_t cut = len > 60 ? 57 : len;
  while (cut < len && cut > 0 && ((unsigned char)s[cut] & 0xC0) == 0x80) cut--;
  lua_pushliteral(L, "\"");
  lua_pushlstring(L, s, cut);
  lua_pushstring(L, cut < len ? "...\"" : "\"");
  lua_concat(L, 3);
}

/* The JSON type name of the value at idx (for "got ...").  [-0, +1, m] */
static void push_typename (lua_State *L, int idx) {
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
      switch (tkind(L, idx, &cnt)) {
        case TK_EMPTY: lua_pushliteral(L, "empty table"); return;
        case TK_ARRAY: lua_pushliteral(L, "array"); return;
        case TK_OBJECT: lua_pushliteral(L, "object"); return;
        case TK_MIXED:
          lua_pushliteral(L, "table with both array and object keys");
          return;
        default:
          lua_pushliteral(L, "table with non-sequential keys (sparse array?)");
          return;
      }
    default:
      if (is_null(L, idx)) lua_pushliteral(L, "null");
      else lua_pushstring(L, luaL_typename(L, idx));
      return;
  }
}

/* The value itself for scalars, its type for the rest.  [-0, +1, m] */
static void push_value (lua_State *L, int idx) {
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
static void push_jval (lua_State *L, const orc_jval *j) {
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
static void push_types (lua_State *L, uint32_t mask) {
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

/* ---- equality ------------------------------------------------------- */

static int eq_lua_j (lua_State *L, int idx, const orc_jval *j, int depth);

static int eq_lua_lua (lua_State *L, int a, int b, int depth) {
  int ta = lua_type(L, a), tb = lua_type(L, b);
  size_t ca, cb, k;
  int ka, kb;
  if (ta != tb) return 0;
  if (ta != LUA_TTABLE) {
    if (ta == LUA_TNUMBER) return lua_tonumber(L, a) == lua_tonumber(L, b);
    return lua_rawequal(L, a, b);
  }
  if (lua_rawequal(L, a, b)) return 1;
  if (depth > MAX_DEPTH) return 0;
  luaL_checkstack(L, 4, "value nested too deeply");
  ka = tkind(L, a, &ca);
  kb = tkind(L, b, &cb);
  if (ka == TK_EMPTY || kb == TK_EMPTY) return ka == kb;
  if (ka != kb || ca != cb) return 0;
  if (ka == TK_ARRAY) {
    for (k = 1; k <= ca; k++) {
      int r;
      lua_rawgeti(L, a, (lua_Integer)k);
      lua_rawgeti(L, b, (lua_Integer)k);
      r = eq_lua_lua(L, lua_gettop(L) - 1, lua_gettop(L), depth + 1);
      lua_pop(L, 2);
      if (!r) return 0;
    }
    return 1;
  }
  if (ka != TK_OBJECT) return 0;
  lua_pushnil(L);
  while (lua_next(L, a)) {
    int r;
    lua_pushvalue(L, -2);
    lua_rawget(L, b);
    r = !lua_isnil(L, -1) &&
        eq_lua_lua(L, lua_gettop(L) - 1, lua_gettop(L), depth + 1);
    lua_pop(L, 2);
    if (!r) { lua_pop(L, 1); return 0; }
  }
  return 1;
}

static int eq_lua_j (lua_State *L, int idx, const orc_jval *j, int depth) {
  size_t cnt, k, len;
  const char *s;
  int kind;
  switch (j->kind) {
    case ORC_J_NULL: return is_null(L, idx);
    case ORC_J_BOOL:
      return lua_type(L, idx) == LUA_TBOOLEAN && lua_toboolean(L, idx) == j->b;
    case ORC_J_NUM:
      return lua_type(L, idx) == LUA_TNUMBER && lua_tonumber(L, idx) == j->num;
    case ORC_J_STR:
      if (lua_type(L, idx) != LUA_TSTRING) return 0;
      s = lua_tolstring(L, idx, &len);
      return len == j->len && memcmp(s, j->s, len) == 0;
    default: break;
  }
  if (lua_type(L, idx) != LUA_TTABLE || depth > MAX_DEPTH) return 0;
  luaL_checkstack(L, 4, "value nested too deeply");
  kind = tkind(L, idx, &cnt);
  if (j->n == 0) return kind == TK_EMPTY;
  if (cnt != j->n) return 0;
  if (j->kind == ORC_J_ARR) {
    if (kind != TK_ARRAY) return 0;
    for (k = 0; k < cnt; k++) {
      int r;
      lua_rawgeti(L, idx, (lua_Integer)(k + 1));
      r = eq_lua_j(L, lua_gettop(L), &j->items[k], depth + 1);
      lua_pop(L, 1);
      if (!r) return 0;
    }
    return 1;
  }
  if (kind != TK_OBJECT) return 0;
  for (k = 0; k < cnt; k++) {
    int r;
    lua_pushlstring(L, j->keys[k], j->klens[k]);
    lua_rawget(L, idx);
    r = !lua_isnil(L, -1) && eq_lua_j(L, lua_gettop(L), &j->items[k], depth + 1);
    lua_pop(L, 1);
    if (!r) return 0;
  }
  return 1;
}

/* The JSON type bits a value could have (for enum-only type mismatch). */
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

/* ====================================================================== */
/* the boolean pass                                                       */
/* ====================================================================== */

/*
** Yes or no, allocating nothing, stopping at the first failure.  Every
** function here leaves the stack as it found it, and uses a few slots per
** level of nesting whatever the size of a table (5.1 and LuaJIT give a C
** function 8000).  The cost is the number of C-API calls, so:
**   - c->top tracks the stack top (no lua_gettop / lua_absindex), and
**     c->room the highest index known to be free: the stack is grown only
**     when a table scan would pass it, LUA_FREE slots at a time;
**   - what a type alone decides (`{type: "string"}` and a string, `false`,
**     a type the value is not) is answered inline from two masks per node
**     (c_quick), without a call;
**   - what is known of a value (its type, number, string, table kind) is
**     kept in an FVal shared by every subschema applied to that value
**     (allOf, anyOf, if/then ...), so each is read from Lua once;
**   - an object is scanned once with lua_next: per field lua_next,
**     lua_type and lua_tolstring of the key, lua_type of the value, one
**     pop; the field's schema is found through the node's key cache
**     (f_prop).  A node with only properties/required, meeting an object
**     that an earlier scan of the same value has classified, looks up the
**     few fields it names instead (f_object_known);
**   - an array is read with lua_rawgeti, then its keys are counted.
** The rules are those of the collecting pass (v_keywords and below),
** which runs only after this one has said no.
*/

#define FV_NUM  1u             /* FVal.d is set */
#define FV_STR  2u             /* FVal.s, FVal.len are set */
#define FV_KIND 4u             /* FVal.kind, FVal.n are set */
#define LUA_FREE 32            /* slots reserved at a time */

#if defined(__GNUC__)
#define F_NOINLINE __attribute__((noinline))
#else
#define F_NOINLINE
#endif

typedef struct FVal {
  int idx;                     /* absolute stack index */
  int t;                       /* lua_type */
  unsigned known;              /* FV_* */
  int kind;                    /* TK_* of a table */
  size_t n;                    /* its length or key count */
  lua_Number d;
  const char *s;
  size_t len;
} FVal;

static int f_check (VCtx *c, const orc_node *n, FVal *v);

/* Does the value described by v match n?  What a type alone decides is
** answered here, inline at every call; the rest is f_check's.
** [-0, +0, m] */
static inline int f_node (VCtx *c, const orc_node *n, FVal *v) {
  if (n->has & ORC_K_REF) n = n->ref;
  if ((n->quick_ok >> v->t) & 1) return V_OK;
  if ((n->quick_fail >> v->t) & 1) return V_FAIL;
  return f_check(c, n, v);
}

/* Make room for `need` pushes above c->top.  [-0, +0, m] */
#define F_ROOM(c, need) do { \
    if ((c)->top + (need) > (c)->room) { \
      luaL_checkstack((c)->L, (need) + LUA_FREE, "value nested too deeply"); \
      (c)->room = (c)->top + (need) + LUA_FREE; \
    } } while (0)

static lua_Number f_num (VCtx *c, FVal *v) {
  if (!(v->known & FV_NUM)) {
    v->d = lua_tonumber(c->L, v->idx);
    v->known |= FV_NUM;
  }
  return v->d;
}

static const char *f_str (VCtx *c, FVal *v) {
  if (!(v->known & FV_STR)) {
    v->s = lua_tolstring(c->L, v->idx, &v->len);
    v->known |= FV_STR;
  }
  return v->s;
}

static void f_kind (FVal *v, int kind, size_t n) {
  v->known |= FV_KIND;
  v->kind = kind;
  v->n = n;
}

/* The schema for item k (1-based) of an array, or NULL. */
static const orc_node *item_schema (const orc_node *n, size_t k) {
  if (n->has & ORC_K_TUPLE)
    return k <= n->ntuple ? n->tuple[k - 1] : n->additional_items;
  return n->items;
}

/* The array keywords; len from a verified rawlen, or 0 for an empty table.
** Unless the kind is known, the keys are checked to be exactly 1..len:
** every item is read anyway, so what is left is to count the keys. */
static int f_array (VCtx *c, const orc_node *n, FVal *v, size_t len) {
  lua_State *L = c->L;
  const int top = c->top, idx = v->idx;
  uint32_t has = n->has;
  int found = n->contains == NULL;
  size_t k;
  F_ROOM(c, 2);
  if (len > 0 && (has & (ORC_K_ITEMS | ORC_K_TUPLE | ORC_K_CONTAINS))) {
    int r = V_OK;
    FVal iv;
    iv.idx = top + 1;
    c->top = top + 1;                /* for what the items push */
    for (k = 1; k <= len && r == V_OK; k++) {
      const orc_node *s = item_schema(n, k);
      iv.t = orc_rawgeti(L, idx, (lua_Integer)k);
      iv.known = 0;
      if (iv.t == LUA_TNIL) {          /* a hole: not an array */
        f_kind(v, TK_SPARSE, 0);
        r = V_FAIL;
      } else if (s != NULL && s->has != 0) {
        if (c->depth >= MAX_DEPTH) {
          c->deep = 1;
          r = V_FAIL;
        } else {
          c->depth++;
          r = f_node(c, s, &iv);
          c->depth--;
        }
      }
      if (r == V_OK && !found && f_node(c, n->contains, &iv) == V_OK) found = 1;
      lua_settop(L, top);
    }
    c->top = top;
    if (r) return V_FAIL;
    if (!(v->known & FV_KIND)) {
      /* 1..len are all there: no other key may be */
      size_t cnt = 0;
      lua_pushnil(L);
      while (lua_next(L, idx)) {
        lua_settop(L, top + 1);
        if (++cnt > len) break;
      }
      lua_settop(L, top);
      if (cnt != len) {
        f_kind(v, TK_MIXED, 0);
        return V_FAIL;
      }
      f_kind(v, TK_ARRAY, len);
    }
  } else if (!(v->known & FV_KIND)) {
    /* no item to look at: check the keys themselves */
    size_t cnt = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
      if (!int_key(L, top + 1, len, &k) || ++cnt > len) {
        lua_settop(L, top);
        f_kind(v, TK_MIXED, 0);
        return V_FAIL;
      }
      lua_settop(L, top + 1);
    }
    if (cnt != len) {
      f_kind(v, TK_SPARSE, 0);
      return V_FAIL;
    }
    f_kind(v, len ? TK_ARRAY : TK_EMPTY, len);
  }
  if ((has & ORC_K_MINITEMS) && len < n->min_items) return V_FAIL;
  if ((has & ORC_K_MAXITEMS) && len > n->max_items) return V_FAIL;
  if (!found) return V_FAIL;
  if ((has & ORC_K_UNIQUE) && len > 1) {
    size_t i, j;
    for (i = 1; i < len; i++) {
      lua_rawgeti(L, idx, (lua_Integer)i);
      for (j = i + 1; j <= len; j++) {
        int eq;
        lua_rawgeti(L, idx, (lua_Integer)j);
        eq = eq_lua_lua(L, top + 1, top + 2, 0);
        lua_settop(L, top + 1);
        if (eq) {
          lua_settop(L, top);
          return V_FAIL;
        }
      }
      lua_settop(L, top);
    }
  }
  return V_OK;
}

/* A dependency of a field present in the object obj. */
static int f_dep (VCtx *c, const orc_dep *d, FVal *obj) {
  lua_State *L = c->L;
  size_t k;
  for (k = 0; k < d->n; k++) {
    int missing;
    lua_pushlstring(L, d->names[k], d->lens[k]);
    lua_rawget(L, obj->idx);
    missing = lua_isnil(L, -1);
    lua_settop(L, c->top);
    if (missing) return V_FAIL;
  }
  return d->schema != NULL ? f_node(c, d->schema, obj) : V_OK;
}

/* A key the cache does not know: by hash, then cached and its string
** anchored.  The key string at kidx, c->top above it. */
static F_NOINLINE const orc_prop *f_prop_miss (VCtx *c, const orc_node *n,
                                               const char *key, size_t klen,
                                               int kidx) {
  lua_State *L = c->L;
  struct orc_pcache *pc = n->pcache;
  const orc_prop *p = orc_node_prop(n, key, klen);
  uint32_t i;
  if (2 * (pc->used + 1) > pc->mask + 1) {
    memset(pc->slot, 0, ((size_t)pc->mask + 1) * sizeof(PSlot));
    pc->used = 0;
  }
  i = addr_hash(key) & pc->mask;
  while (pc->slot[i].key != NULL) i = (i + 1) & pc->mask;
  F_ROOM(c, 1);
  lua_pushvalue(L, kidx);
  lua_rawseti(L, c->anchors, pc->base + (int)i + 1);   /* never allocates */
  pc->used++;
  pc->slot[i].key = key;
  pc->slot[i].prop = p != NULL ? (size_t)(p - n->props) : P_NONE;
  return p;
}

/* The property named by the key string at kidx, or NULL. */
static const orc_prop *f_prop (VCtx *c, const orc_node *n, const char *key,
                               size_t klen, int kidx) {
  const struct orc_pcache *pc = n->pcache;
  uint32_t i = addr_hash(key) & pc->mask;
  while (pc->slot[i].key != NULL) {
    if (pc->slot[i].key == key)
      return pc->slot[i].prop != P_NONE ? &n->props[pc->slot[i].prop] : NULL;
    i = (i + 1) & pc->mask;
  }
  return f_prop_miss(c, n, key, klen, kidx);
}

/* What applies to a field beyond its declared schema: dependencies,
** patternProperties, additionalProperties, propertyNames.  Key at vi - 1,
** value at vi; c->depth is already the field's. */
static F_NOINLINE int f_field (VCtx *c, const orc_node *n, const orc_prop *p,
                               FVal *obj, const char *key, size_t klen,
                               int vi) {
  FVal fv;
  int matched = 0;
  size_t k;
  fv.idx = vi;
  fv.t = lua_type(c->L, vi);
  fv.known = 0;
  if (p != NULL) {
    if (p->declared) {
      matched = 1;
      if (f_node(c, p->schema, &fv)) return V_FAIL;
    }
    if (p->dep >= 0) {
      int r;
      c->depth--;                    /* a dependency is on the object */
      r = f_dep(c, &n->deps[p->dep], obj);
      c->depth++;
      if (r) return V_FAIL;
    }
  }
  for (k = 0; k < n->npatprops; k++) {
    if (orc_regex_search(n->patprops[k].re, key, klen)) {
      matched = 1;
      if (f_node(c, n->patprops[k].schema, &fv)) return V_FAIL;
    }
  }
  if (!matched && n->additional_props != NULL &&
      f_node(c, n->additional_props, &fv))
    return V_FAIL;
  if (n->property_names != NULL) {
    FVal kv;                         /* the key, where lua_next left it */
    kv.idx = vi - 1;
    kv.t = LUA_TSTRING;
    kv.known = FV_STR;
    kv.s = key;
    kv.len = klen;
    if (f_node(c, n->property_names, &kv)) return V_FAIL;
  }
  return V_OK;
}

/* The object keywords, scanning every key once.  Sets the kind when the
** scan ends (an object, an empty table, or neither).  A field whose name
** is declared, in a node without patternProperties, propertyNames or
** dependencies, is checked right here: the common case. */
static int f_object (VCtx *c, const orc_node *n, FVal *v) {
  lua_State *L = c->L;
  const int top = c->top, idx = v->idx;
  uint32_t has = n->has;
  int fields = (has & (ORC_K_PROPS | ORC_K_PATPROPS | ORC_K_ADDPROPS |
                       ORC_K_PROPNAMES)) != 0;
  int plain = !(has & (ORC_K_PATPROPS | ORC_K_PROPNAMES)) && n->ndeps == 0;
  size_t count = 0, seen = 0;
  int r = V_OK, too_deep = c->depth >= MAX_DEPTH;
  c->depth++;                        /* the fields' */
  F_ROOM(c, 3);                      /* a pair and a dependency's name */
  c->top = top + 2;                  /* the key at top + 1, its value above */
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    if (lua_type(L, top + 1) != LUA_TSTRING) {
      r = V_FAIL;                    /* not an object; maybe an array */
      break;
    }
    count++;
    if (fields) {
      size_t klen;
      const char *key;
      const orc_prop *p;
      if (too_deep) {                /* as in the collecting pass */
        c->deep = 1;
        r = V_FAIL;
        break;
      }
      key = lua_tolstring(L, top + 1, &klen);
      p = n->nprops ? f_prop(c, n, key, klen, top + 1) : NULL;
      if (p != NULL && p->declared && plain) {
        FVal fv;
        seen += (size_t)p->required;
        fv.idx = top + 2;
        fv.t = lua_type(L, top + 2);
        fv.known = 0;
        if (f_node(c, p->schema, &fv)) {
          r = V_FAIL;
          break;
        }
      } else {
        if (p != NULL) seen += (size_t)p->required;
        if (f_field(c, n, p, v, key, klen, top + 2)) {
          r = V_FAIL;
          break;
        }
      }
    }
    lua_settop(L, top + 1);
  }
  c->depth--;
  c->top = top;
  lua_settop(L, top);
  if (r) return V_FAIL;
  f_kind(v, count ? TK_OBJECT : TK_EMPTY, count);
  if (seen < n->nrequired) return V_FAIL;
  if ((has & ORC_K_MINPROPS) && count < n->min_props) return V_FAIL;
  if ((has & ORC_K_MAXPROPS) && count > n->max_props) return V_FAIL;
  return V_OK;
}

/* The object keywords of a node with only properties and required (see
** c_lookup_plan), on a value already known to be an object or empty: the
** fields it names are looked up, when there are fewer than the object has
** (n->nlookup <= v->n); otherwise f_object.  Each lookup pushes the name
** kept in the anchors table: no hashing of C strings. */
static int f_object_known (VCtx *c, const orc_node *n, FVal *v) {
  lua_State *L = c->L;
  const int top = c->top;
  size_t k;
  int r = V_OK;
  if (n->nlookup < 0 || (size_t)n->nlookup > v->n) return f_object(c, n, v);
  if ((n->has & ORC_K_MINPROPS) && v->n < n->min_props) return V_FAIL;
  if ((n->has & ORC_K_MAXPROPS) && v->n > n->max_props) return V_FAIL;
  if (n->nlookup == 0) return V_OK;
  if (c->depth >= MAX_DEPTH) {      /* as the scan: any field is too deep */
    c->deep = 1;
    return V_FAIL;
  }
  c->depth++;
  F_ROOM(c, 1);
  c->top = top + 1;                  /* for what the fields push */
  for (k = 0; k < n->nprops && r == V_OK; k++) {
    const orc_prop *p = &n->props[k];
    FVal fv;
    if (!p->required && !(p->declared && p->schema->has != 0)) continue;
    lua_rawgeti(L, c->anchors, p->anchor);
    lua_rawget(L, v->idx);           /* top + 1: the field's value */
    fv.t = lua_type(L, top + 1);
    if (fv.t == LUA_TNIL) {
      if (p->required) r = V_FAIL;
    } else if (p->declared) {
      fv.idx = top + 1;
      fv.known = 0;
      r = f_node(c, p->schema, &fv);
    }
    lua_settop(L, top);
  }
  c->depth--;
  c->top = top;
  lua_settop(L, top);
  return r;
}

/* A table against a node with a type or array/object keywords.  Lua tells
** the kinds apart cheaply: rawlen > 0 can only be an array; rawlen == 0 an
** object, an empty table, or neither; the scans tell the rest. */
static int f_table (VCtx *c, const orc_node *n, FVal *v) {
  lua_State *L = c->L;
  uint32_t has = n->has;
  uint32_t types = (has & ORC_K_TYPE) ? n->types : (ORC_T_ARRAY | ORC_T_OBJECT);
  size_t len;
  if (!(types & (ORC_T_ARRAY | ORC_T_OBJECT))) return V_FAIL;
  if (v->known & FV_KIND) {
    switch (v->kind) {
      case TK_ARRAY:
        if (!(types & ORC_T_ARRAY)) return V_FAIL;
        return (has & ORC_K_ARRAYISH) ? f_array(c, n, v, v->n) : V_OK;
      case TK_OBJECT:
        if (!(types & ORC_T_OBJECT)) return V_FAIL;
        return (has & ORC_K_OBJECTISH) ? f_object_known(c, n, v) : V_OK;
      case TK_EMPTY:
        break;
      default:
        return V_FAIL;
    }
  } else if ((types & ORC_T_ARRAY) && (len = orc_rawlen(L, v->idx)) > 0) {
    return f_array(c, n, v, len);
  } else if (types & ORC_T_OBJECT) {
    /* an array or a mixed table has a key that is not a string */
    if (f_object(c, n, v)) return V_FAIL;
    if (v->kind != TK_EMPTY) return V_OK;
    return (has & ORC_K_ARRAYISH) ? f_array(c, n, v, 0) : V_OK;
  } else {
    /* an array or nothing: only an empty table can pass */
    int more;
    F_ROOM(c, 2);
    lua_pushnil(L);
    more = lua_next(L, v->idx);
    lua_settop(L, c->top);
    if (more) return V_FAIL;
    f_kind(v, TK_EMPTY, 0);
  }
  /* empty: as in the collecting pass, both kinds of keywords apply */
  if ((has & ORC_K_ARRAYISH) && f_array(c, n, v, 0)) return V_FAIL;
  if ((has & ORC_K_OBJECTISH) && f_object_known(c, n, v)) return V_FAIL;
  return V_OK;
}

static int f_enum (VCtx *c, const orc_node *n, FVal *v) {
  size_t k;
  if (v->t == LUA_TSTRING) {
    const char *s = f_str(c, v);
    for (k = 0; k < n->nenums; k++) {
      const orc_jval *j = &n->enums[k];
      if (j->kind == ORC_J_STR && j->len == v->len && orc_eq(j->s, s, v->len))
        return V_OK;
    }
  } else if (v->t == LUA_TNUMBER) {
    lua_Number d = f_num(c, v);
    for (k = 0; k < n->nenums; k++)
      if (n->enums[k].kind == ORC_J_NUM && n->enums[k].num == d) return V_OK;
  } else if (v->t == LUA_TBOOLEAN) {
    int b = lua_toboolean(c->L, v->idx);
    for (k = 0; k < n->nenums; k++)
      if (n->enums[k].kind == ORC_J_BOOL && n->enums[k].b == b) return V_OK;
  } else {
    for (k = 0; k < n->nenums; k++)
      if (eq_lua_j(c->L, v->idx, &n->enums[k], 0)) return V_OK;
  }
  return V_FAIL;
}

/* The checks that descend (into a table, or into subschemas on the same
** value) count: MAX_CALLS stops left recursion ($ref cycles that consume
** no value), MAX_STEPS combinatorial blow-ups.  0 when over a limit. */
static int f_enter (VCtx *c) {
  if (c->calls >= MAX_CALLS || ++c->steps > MAX_STEPS) {
    c->deep = 1;
    return 0;
  }
  c->calls++;
  return 1;
}

static F_NOINLINE int f_table_in (VCtx *c, const orc_node *n, FVal *v) {
  int r;
  if (!f_enter(c)) return V_FAIL;
  r = f_table(c, n, v);
  c->calls--;
  return r;
}

/* allOf, anyOf, oneOf, not, if/then/else, all on the same value. */
static F_NOINLINE int f_combine (VCtx *c, const orc_node *n, FVal *v) {
  uint32_t has = n->has;
  size_t k;
  int r = V_FAIL;
  if (!f_enter(c)) return V_FAIL;
  if (has & ORC_K_ALLOF) {
    for (k = 0; k < n->nall_of; k++)
      if (f_node(c, n->all_of[k], v)) goto done;
  }
  if (has & ORC_K_ANYOF) {
    for (k = 0; k < n->nany_of; k++)
      if (f_node(c, n->any_of[k], v) == V_OK) break;
    if (k == n->nany_of) goto done;
  }
  if (has & ORC_K_ONEOF) {
    size_t matches = 0;
    for (k = 0; k < n->none_of && matches < 2; k++)
      if (f_node(c, n->one_of[k], v) == V_OK) matches++;
    if (matches != 1) goto done;
  }
  if ((has & ORC_K_NOT) && f_node(c, n->not_, v) == V_OK) goto done;
  if (has & ORC_K_IF) {
    const orc_node *b = f_node(c, n->if_, v) == V_OK ? n->then_ : n->else_;
    if (b != NULL && f_node(c, b, v)) goto done;
  }
  r = V_OK;
done:
  c->calls--;
  return r;
}

static int f_string (VCtx *c, const orc_node *n, FVal *v) {
  uint32_t has = n->has;
  const char *s = f_str(c, v);
  if (has & (ORC_K_MINLEN | ORC_K_MAXLEN)) {
    size_t cps = orc_utf8_len(s, v->len);
    if ((has & ORC_K_MINLEN) && cps < n->min_length) return V_FAIL;
    if ((has & ORC_K_MAXLEN) && cps > n->max_length) return V_FAIL;
  }
  if ((has & ORC_K_PATTERN) && !orc_regex_search(n->pattern, s, v->len))
    return V_FAIL;
  return V_OK;
}

/* f_node past the quick answers (out of line: f_node is everywhere).  The
** order of the checks is the collecting pass's, give or take: all must
** hold. */
static F_NOINLINE int f_check (VCtx *c, const orc_node *n, FVal *v) {
  uint32_t has = n->has;
  switch (v->t) {
    case LUA_TSTRING:
      if ((has & ORC_K_TYPE) && !(n->types & ORC_T_STRING)) return V_FAIL;
      if ((has & ORC_K_STRINGY) && f_string(c, n, v)) return V_FAIL;
      break;
    case LUA_TNUMBER:
      if (has & (ORC_K_TYPE | ORC_K_NUMERIC)) {
        lua_Number d = f_num(c, v);
        if (d - d != 0) {            /* NaN, inf: not a JSON number */
          if (has & ORC_K_TYPE) return V_FAIL;
          break;
        }
        if ((has & ORC_K_TYPE) && !(n->types & ORC_T_NUMBER) &&
            !((n->types & ORC_T_INTEGER) && floor(d) == d))
          return V_FAIL;
        if (has & ORC_K_NUMERIC) {
          if ((has & ORC_K_MINIMUM) && !(d >= n->minimum)) return V_FAIL;
          if ((has & ORC_K_XMINIMUM) && !(d > n->xminimum)) return V_FAIL;
          if ((has & ORC_K_MAXIMUM) && !(d <= n->maximum)) return V_FAIL;
          if ((has & ORC_K_XMAXIMUM) && !(d < n->xmaximum)) return V_FAIL;
          if ((has & ORC_K_MULTIPLE) && !orc_multiple_of(d, n->multiple_of))
            return V_FAIL;
        }
      }
      break;
    case LUA_TBOOLEAN:
      if ((has & ORC_K_TYPE) && !(n->types & ORC_T_BOOLEAN)) return V_FAIL;
      break;
    case LUA_TTABLE:
      if ((has & (ORC_K_TYPE | ORC_K_ARRAYISH | ORC_K_OBJECTISH)) &&
          f_table_in(c, n, v))
        return V_FAIL;
      break;
    case LUA_TLIGHTUSERDATA:
      if ((has & ORC_K_TYPE) &&
          !((n->types & ORC_T_NULL) && lua_touserdata(c->L, v->idx) == NULL))
        return V_FAIL;
      break;
    default:                         /* nil, functions, full userdata... */
      if (has & ORC_K_TYPE) return V_FAIL;
      break;
  }
  if ((has & ORC_K_ENUM) && f_enum(c, n, v)) return V_FAIL;
  if ((has & ORC_K_CONST) && !eq_lua_j(c->L, v->idx, n->const_, 0))
    return V_FAIL;
  if (has & (ORC_K_ALLOF | ORC_K_ANYOF | ORC_K_ONEOF | ORC_K_NOT | ORC_K_IF))
    return f_combine(c, n, v);
  return V_OK;
}

/* The boolean pass on the value at absolute index idx, from anywhere (the
** collecting pass asks it about combinator branches; c->anchors is set).
** [-0, +0, m] */
static int f_value (VCtx *c, const orc_node *n, int idx) {
  FVal v;
  v.idx = idx;
  v.t = lua_type(c->L, idx);
  v.known = 0;
  c->top = lua_gettop(c->L);
  c->room = c->top;                  /* unknown: the first scan checks */
  return f_node(c, n, &v);
}

/* ---- keyword groups ------------------------------------------------- */

/* Type bits of the value at idx; *tk gets the exact table kind. */
static uint32_t v_bits (VCtx *c, int idx, int *tk) {
  lua_State *L = c->L;
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
      *tk = tkind(L, idx, &cnt);
      switch (*tk) {
        case TK_EMPTY: return ORC_T_ARRAY | ORC_T_OBJECT;
        case TK_ARRAY: return ORC_T_ARRAY;
        case TK_OBJECT: return ORC_T_OBJECT;
        default: return 0;
      }
    default:
      return is_null(L, idx) ? ORC_T_NULL : 0;
  }
}

static int v_type_error (VCtx *c, uint32_t expected, int idx) {
  lua_State *L = c->L;
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
  v_report(c);
  return V_TYPE;
}

static int v_enum (VCtx *c, const orc_node *n, int idx) {
  lua_State *L = c->L;
  size_t k;
  uint32_t types = 0;
  int t = lua_type(L, idx);
  if (t == LUA_TSTRING) {
    size_t len;
    const char *s = lua_tolstring(L, idx, &len);
    for (k = 0; k < n->nenums; k++) {
      const orc_jval *j = &n->enums[k];
      if (j->kind == ORC_J_STR && j->len == len && memcmp(j->s, s, len) == 0)
        return V_OK;
    }
  } else if (t == LUA_TNUMBER || t == LUA_TBOOLEAN) {
    double d = t == LUA_TNUMBER ? lua_tonumber(L, idx) : 0;
    int b = t == LUA_TBOOLEAN ? lua_toboolean(L, idx) : 0;
    for (k = 0; k < n->nenums; k++) {
      const orc_jval *j = &n->enums[k];
      if ((t == LUA_TNUMBER && j->kind == ORC_J_NUM && j->num == d) ||
          (t == LUA_TBOOLEAN && j->kind == ORC_J_BOOL && j->b == b))
        return V_OK;
    }
  } else {
    for (k = 0; k < n->nenums; k++)
      if (eq_lua_j(L, idx, &n->enums[k], 0)) return V_OK;
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
  v_report(c);
  {
    int tk = 0;
    uint32_t bits = v_bits(c, idx, &tk);
    return (bits & types) ? V_FAIL : V_TYPE;
  }
}

static int v_const (VCtx *c, const orc_node *n, int idx) {
  lua_State *L = c->L;
  int tk = 0;
  if (eq_lua_j(L, idx, n->const_, 0)) return V_OK;
  push_jval(L, n->const_);
  push_value(L, idx);
  lua_pushfstring(L, "expected %s, got %s", lua_tostring(L, -2),
                  lua_tostring(L, -1));
  lua_remove(L, -2);
  lua_remove(L, -2);
  v_report(c);
  return (v_bits(c, idx, &tk) & jval_types(n->const_)) ? V_FAIL : V_TYPE;
}

static int v_numeric (VCtx *c, const orc_node *n, int idx) {
  lua_State *L = c->L;
  double d = lua_tonumber(L, idx);
  int res = V_OK;
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
    v_report(c);
    res = V_FAIL;
  }
  if ((n->has & ORC_K_MULTIPLE) && !orc_multiple_of(d, n->multiple_of)) {
    fmt_number(b1, sizeof b1, n->multiple_of);
    fmt_number(b2, sizeof b2, d);
    lua_pushfstring(L, "expected a multiple of %s, got %s", b1, b2);
    v_report(c);
    res = V_FAIL;
  }
  return res;
}

static const char *plural (size_t n, const char *one, const char *many) {
  return n == 1 ? one : many;
}

static int v_string (VCtx *c, const orc_node *n, int idx) {
  lua_State *L = c->L;
  size_t len, cps;
  const char *s = lua_tolstring(L, idx, &len);
  int res = V_OK;
  if (n->has & (ORC_K_MINLEN | ORC_K_MAXLEN)) {
    cps = orc_utf8_len(s, len);
    if ((n->has & ORC_K_MINLEN) && cps < n->min_length) {
      lua_pushfstring(L, "expected at least %d %s, got %d", (int)n->min_length,
                      plural(n->min_length, "character", "characters"), (int)cps);
      v_report(c);
      res = V_FAIL;
    }
    if ((n->has & ORC_K_MAXLEN) && cps > n->max_length) {
      lua_pushfstring(L, "expected at most %d %s, got %d", (int)n->max_length,
                      plural(n->max_length, "character", "characters"), (int)cps);
      v_report(c);
      res = V_FAIL;
    }
  }
  if ((n->has & ORC_K_PATTERN) && !orc_regex_search(n->pattern, s, len)) {
    push_quoted(L, s, len);
    lua_pushfstring(L, "expected a string matching /%s/, got %s",
                    n->pattern_src, lua_tostring(L, -1));
    lua_remove(L, -2);
    v_report(c);
    res = V_FAIL;
  }
  return res;
}

static int v_array (VCtx *c, const orc_node *n, int idx) {
  lua_State *L = c->L;
  size_t len = orc_rawlen(L, idx), k;
  int res = V_OK, found = n->contains == NULL;
  char b1[64];
  for (k = 1; k <= len; k++) {
    const orc_node *s = item_schema(n, k);
    lua_rawgeti(L, idx, (lua_Integer)k);
    if (s != NULL && s->has != 0) {
      if (!v_push_seg(c, NULL, 0, k)) { lua_pop(L, 1); return V_FAIL; }
      if (v_node(c, s, lua_gettop(L))) res = V_FAIL;
      c->depth--;
    }
    if (!found && v_bool(c, n->contains, lua_gettop(L)) == V_OK) found = 1;
    lua_pop(L, 1);
  }
  if ((n->has & ORC_K_MINITEMS) && len < n->min_items) {
    lua_pushfstring(L, "expected at least %d %s, got %d", (int)n->min_items,
                    plural(n->min_items, "item", "items"), (int)len);
    v_report(c);
    res = V_FAIL;
  }
  if ((n->has & ORC_K_MAXITEMS) && len > n->max_items) {
    lua_pushfstring(L, "expected at most %d %s, got %d", (int)n->max_items,
                    plural(n->max_items, "item", "items"), (int)len);
    v_report(c);
    res = V_FAIL;
  }
  if (!found) {
    lua_pushliteral(L, "expected at least one item matching the 'contains' schema");
    v_report(c);
    res = V_FAIL;
  }
  if ((n->has & ORC_K_UNIQUE) && len > 1) {
    size_t i, j;
    luaL_checkstack(L, 4, "value nested too deeply");
    for (i = 1; i < len; i++) {
      lua_rawgeti(L, idx, (lua_Integer)i);
      for (j = i + 1; j <= len; j++) {
        int eq;
        lua_rawgeti(L, idx, (lua_Integer)j);
        eq = eq_lua_lua(L, lua_gettop(L) - 1, lua_gettop(L), 0);
        lua_pop(L, 1);
        if (eq) {
          lua_pop(L, 1);
          snprintf(b1, sizeof b1, "[%lu] and [%lu]", (unsigned long)i,
                   (unsigned long)j);
          lua_pushfstring(L, "expected unique items, but %s are equal", b1);
          v_report(c);
          return V_FAIL;
        }
      }
      lua_pop(L, 1);
    }
  }
  return res;
}

/* A dependency of a present field.  The object at idx. */
static int v_dep (VCtx *c, const orc_node *n, const orc_dep *d,
                  const char *key, size_t klen, int idx) {
  lua_State *L = c->L;
  int res = V_OK;
  size_t k;
  for (k = 0; k < d->n; k++) {
    int missing;
    lua_pushlstring(L, d->names[k], d->lens[k]);
    lua_rawget(L, idx);
    missing = lua_isnil(L, -1);
    lua_pop(L, 1);
    if (missing) {
      if (v_push_seg(c, d->names[k], d->lens[k], 0)) {
        lua_pushfstring(L, "missing field '%s' (required when '%s' is present)",
                        d->names[k], key);
        v_report(c);
        c->depth--;
      }
      res = V_FAIL;
    }
  }
  (void)klen;
  (void)n;
  if (d->schema != NULL && v_node(c, d->schema, idx)) res = V_FAIL;
  return res;
}

typedef struct KeyRef { const char *s; size_t len; } KeyRef;

static int cmp_key (const void *x, const void *y) {
  const KeyRef *a = (const KeyRef *)x, *b = (const KeyRef *)y;
  size_t m = a->len < b->len ? a->len : b->len;
  int r = memcmp(a->s, b->s, m);
  if (r != 0) return r;
  return a->len < b->len ? -1 : (a->len > b->len ? 1 : 0);
}

/* "unknown field 'x' in provider -- did you mean 'y'?" for key at depth. */
static void v_unknown (VCtx *c, const orc_node *n, const char *key,
                       size_t klen) {
  lua_State *L = c->L;
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
  v_path(c, c->depth - 1);            /* the object's path */
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
  v_report(c);
}

/* Everything that applies to one field of an object: the value at vi. */
static int v_field (VCtx *c, const orc_node *n, const orc_prop *p, int idx,
                    const char *key, size_t klen, int vi) {
  lua_State *L = c->L;
  int matched = 0, res = V_OK;
  size_t k;
  if (!v_push_seg(c, key, klen, 0)) return V_FAIL;
  if (p != NULL) {
    if (p->declared) {
      matched = 1;
      if (p->schema->has != 0 && v_node(c, p->schema, vi)) res = V_FAIL;
    }
    if (p->dep >= 0) {
      /* on the object, whose fields then reuse this field's segment */
      Seg self = c->seg[c->depth - 1];
      c->depth--;
      if (v_dep(c, n, &n->deps[p->dep], key, klen, idx)) res = V_FAIL;
      c->depth++;
      c->seg[c->depth - 1] = self;
    }
  }
  for (k = 0; k < n->npatprops; k++) {
    if (orc_regex_search(n->patprops[k].re, key, klen)) {
      matched = 1;
      if (v_node(c, n->patprops[k].schema, vi)) res = V_FAIL;
    }
  }
  if (!matched && n->additional_props != NULL) {
    const orc_node *ap = n->additional_props;
    if (ap->has & ORC_K_REF) ap = ap->ref;
    if (ap->has & ORC_K_FALSE) {
      res = V_FAIL;
      v_unknown(c, n, key, klen);
    } else if (v_node(c, ap, vi)) res = V_FAIL;
  }
  if (n->property_names != NULL) {
    lua_pushlstring(L, key, klen);
    if (v_bool(c, n->property_names, lua_gettop(L))) {
      /* collect into a scratch list, then prefix each message */
      int save_errs = c->errs, save_n = c->nerr, i, got;
      lua_newtable(L);
      c->errs = lua_gettop(L);
      c->nerr = 0;
      (void)v_node(c, n->property_names, lua_gettop(L) - 1);
      got = c->nerr;
      c->errs = save_errs;
      c->nerr = save_n;
      for (i = 1; i <= got; i++) {
        lua_rawgeti(L, -1, i);
        lua_getfield(L, -1, "message");
        lua_pushfstring(L, "invalid field name '%s': %s", key, lua_tostring(L, -1));
        lua_remove(L, -2);
        lua_remove(L, -2);
        v_report(c);
      }
      if (got == 0) {
        lua_pushfstring(L, "invalid field name '%s'", key);
        v_report(c);
      }
      lua_pop(L, 1);
      res = V_FAIL;
    }
    lua_pop(L, 1);
  }
  c->depth--;
  return res;
}

static int v_object (VCtx *c, const orc_node *n, int idx) {
  lua_State *L = c->L;
  size_t count = 0, k;
  int res = V_OK;
  const orc_prop *p;
  /* required first, then the fields in sorted order */
  for (k = 0; k < n->nrequired_list; k++) {
    int missing;
    lua_pushlstring(L, n->required[k], n->required_len[k]);
    lua_rawget(L, idx);
    missing = lua_isnil(L, -1);
    lua_pop(L, 1);
    if (missing) {
      if (v_push_seg(c, n->required[k], n->required_len[k], 0)) {
        lua_pushfstring(L, "missing required field '%s'", n->required[k]);
        v_report(c);
        c->depth--;
      }
      res = V_FAIL;
    }
  }
  {
    KeyRef *keys;
    lua_pushnil(L);
    while (lua_next(L, idx)) { count++; lua_pop(L, 1); }
    keys = (KeyRef *)lua_newuserdata(L, (count ? count : 1) * sizeof(KeyRef));
    k = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
      if (k < count && lua_type(L, -2) == LUA_TSTRING) {
        keys[k].s = lua_tolstring(L, -2, &keys[k].len);   /* anchored by the table */
        k++;
      }
      lua_pop(L, 1);
    }
    qsort(keys, k, sizeof(KeyRef), cmp_key);
    if (n->has & (ORC_K_PROPS | ORC_K_PATPROPS | ORC_K_ADDPROPS |
                  ORC_K_PROPNAMES)) {
      size_t i;
      for (i = 0; i < k; i++) {
        lua_pushlstring(L, keys[i].s, keys[i].len);
        lua_rawget(L, idx);
        p = n->nprops ? orc_node_prop(n, keys[i].s, keys[i].len) : NULL;
        if (v_field(c, n, p, idx, keys[i].s, keys[i].len, lua_gettop(L)))
          res = V_FAIL;
        lua_pop(L, 1);
      }
    }
    lua_pop(L, 1);
  }
  if ((n->has & ORC_K_MINPROPS) && count < n->min_props) {
    lua_pushfstring(L, "expected at least %d %s, got %d", (int)n->min_props,
                    plural(n->min_props, "field", "fields"), (int)count);
    v_report(c);
    res = V_FAIL;
  }
  if ((n->has & ORC_K_MAXPROPS) && count > n->max_props) {
    lua_pushfstring(L, "expected at most %d %s, got %d", (int)n->max_props,
                    plural(n->max_props, "field", "fields"), (int)count);
    v_report(c);
    res = V_FAIL;
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
static int v_alternatives (VCtx *c, orc_node *const *list, size_t cnt, int idx) {
  lua_State *L = c->L;
  size_t k;
  int best = -1, bestn = 0, save_errs = c->errs, save_n = c->nerr;
  int top = lua_gettop(L);
  uint32_t mask = 0;
  for (k = 0; k < cnt; k++) {
    int r;
    uint32_t t;
    lua_newtable(L);
    c->errs = lua_gettop(L);
    c->nerr = 0;
    r = v_node(c, list[k], idx);
    c->errs = save_errs;
    t = node_types(list[k], 0);
    if (r == V_TYPE && mask != (uint32_t)-1) mask = t ? (mask | t) : (uint32_t)-1;
    if (r != V_TYPE && (best < 0 || c->nerr < bestn)) {
      if (best >= 0) lua_remove(L, top + 1);   /* the previous best */
      best = (int)k;
      bestn = c->nerr;
    } else {
      lua_pop(L, 1);
    }
  }
  c->nerr = save_n;
  if (best < 0) {
    lua_settop(L, top);
    if (mask != (uint32_t)-1 && mask != 0) return v_type_error(c, mask, idx);
    push_typename(L, idx);
    lua_pushfstring(L, "expected a value matching one of %d alternatives, got %s",
                    (int)cnt, lua_tostring(L, -1));
    lua_remove(L, -2);
    v_report(c);
    return V_TYPE;
  }
  for (k = 1; k <= (size_t)bestn; k++) {
    if (c->nerr >= MAX_ERRORS) { c->truncated = 1; break; }
    lua_rawgeti(L, top + 1, (lua_Integer)k);
    lua_rawseti(L, c->errs, ++c->nerr);
  }
  lua_settop(L, top);
  return V_FAIL;
}

/* "must not be an object with fields 'a' and 'b'" and the like. */
static void v_not_message (VCtx *c, const orc_node *n) {
  lua_State *L = c->L;
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
  v_report(c);
}

/* The keywords of n on the value at idx. */
static int v_keywords (VCtx *c, const orc_node *n, int idx) {
  lua_State *L = c->L;
  int res = V_OK, tk = -1, r;
  uint32_t bits = v_bits(c, idx, &tk), has = n->has;
  if ((has & ORC_K_TYPE) && !(bits & n->types)) {
    return v_type_error(c, n->types, idx);
  }
#define FAILED(x) do { if ((r = (x)) != V_OK) { \
    if (res != V_TYPE) res = r; } } while (0)
  if (has & ORC_K_ENUM) FAILED(v_enum(c, n, idx));
  if (has & ORC_K_CONST) FAILED(v_const(c, n, idx));
  if (res == V_TYPE) return res;
  if ((bits & ORC_T_NUMBER) && (has & ORC_K_NUMERIC))
    FAILED(v_numeric(c, n, idx));
  if ((bits & ORC_T_STRING) && (has & ORC_K_STRINGY))
    FAILED(v_string(c, n, idx));
  if (lua_type(L, idx) == LUA_TTABLE &&
      (has & (ORC_K_TYPE | ORC_K_ARRAYISH | ORC_K_OBJECTISH))) {
    if (bits == 0) {
      /* a mixed or sparse table that something here looks into */
      push_typename(L, idx);
      lua_pushfstring(L, "expected an array or an object, got %s",
                      lua_tostring(L, -1));
      lua_remove(L, -2);
      v_report(c);
      return V_TYPE;
    }
    if (bits & ORC_T_ARRAY) FAILED(v_array(c, n, idx));
    if (bits & ORC_T_OBJECT) FAILED(v_object(c, n, idx));
  }
  if (has & ORC_K_ALLOF) {
    size_t k;
    for (k = 0; k < n->nall_of; k++) FAILED(v_node(c, n->all_of[k], idx));
  }
  if (has & ORC_K_ANYOF) {
    size_t k;
    int ok = 0;
    for (k = 0; k < n->nany_of && !ok; k++)
      ok = v_bool(c, n->any_of[k], idx) == V_OK;
    if (!ok) FAILED(v_alternatives(c, n->any_of, n->nany_of, idx));
  }
  if (has & ORC_K_ONEOF) {
    size_t k, first = 0, second = 0, matches = 0;
    for (k = 0; k < n->none_of && matches < 2; k++)
      if (v_bool(c, n->one_of[k], idx) == V_OK) {
        if (++matches == 1) first = k + 1;
        else second = k + 1;
      }
    if (matches == 0)
      FAILED(v_alternatives(c, n->one_of, n->none_of, idx));
    else if (matches > 1) {
      lua_pushfstring(L, "expected exactly one alternative of 'oneOf' to match, "
                      "but alternatives %d and %d both match", (int)first,
                      (int)second);
      v_report(c);
      FAILED(V_FAIL);
    }
  }
  if ((has & ORC_K_NOT) && v_bool(c, n->not_, idx) == V_OK) {
    v_not_message(c, n->not_);
    FAILED(V_FAIL);
  }
  if (has & ORC_K_IF) {
    const orc_node *branch = v_bool(c, n->if_, idx) == V_OK ? n->then_ : n->else_;
    if (branch != NULL) FAILED(v_node(c, branch, idx));
  }
#undef FAILED
  return res;
}

/* Validate the value at idx against n, reporting every failure.
** [-0, +0, m] */
static int v_node (VCtx *c, const orc_node *n, int idx) {
  lua_State *L = c->L;
  int r, top;
  if (n->has & ORC_K_REF) n = n->ref;
  if (n->has == 0) return V_OK;
  if (n->has & ORC_K_FALSE) {
    lua_pushliteral(L, "no value is allowed here");
    v_report(c);
    return V_FAIL;
  }
  if (c->calls >= MAX_CALLS || ++c->steps > MAX_STEPS) {
    if (!c->deep) {
      lua_pushliteral(L, "schema too deep or too complex for this value "
                      "(recursion or step limit)");
      v_report(c);
    }
    c->deep = 1;
    return V_FAIL;
  }
  c->calls++;
  luaL_checkstack(L, 16, "value nested too deeply");
  top = lua_gettop(L);
  r = v_keywords(c, n, idx);
  lua_settop(L, top);
  c->calls--;
  return r;
}

/*
** v:validate(value [, root]) -> true | false, errors.  [-0, +1|2, m]
** errors: an array of { path = "provider.order[2]", message = "..." };
** the path starts with root (default ""), keys as .name (or ["odd key"]),
** array items as [i], 1-based.
*/
static int lschema_validate (lua_State *L) {
  Validator *v = (Validator *)lua_touserdata(L, 1);
  VCtx ctx, *c = &ctx;    /* owns nothing: a raised error may skip it */
  FVal fv;
  int r, nargs = lua_gettop(L);
  if (nargs < 2) {
    lua_settop(L, 2);     /* validate() of nothing: of nil */
    nargs = 2;
  }
  /* the metatable is upvalue 1: no registry lookup by name per call; it
  ** stays on the stack (at nargs + 1), out of the way */
  if (v == NULL || !lua_getmetatable(L, 1) ||
      !lua_rawequal(L, -1, lua_upvalueindex(1)))
    luaL_checkudata(L, 1, SCHEMA_MT);             /* raises the usual error */
  luaL_argcheck(L, v->root != NULL, 1, "validator has been freed");
  c->L = L;
  c->errs = 0;
  c->nerr = 0;
  c->truncated = 0;
  c->depth = 0;
  c->calls = 0;
  c->steps = 0;
  c->deep = 0;
  if (nargs < 3 || lua_isnil(L, 3)) {
    c->root = "";
    c->rootlen = 0;
  } else {
    c->root = luaL_checklstring(L, 3, &c->rootlen);
  }
  /* the boolean pass; Lua guarantees LUA_MINSTACK free slots on entry */
  orc_getuservalue(L, 1);
  c->anchors = nargs + 2;
  c->top = nargs + 2;
  c->room = LUA_MINSTACK;
  fv.idx = 2;
  fv.t = lua_type(L, 2);
  fv.known = 0;
  r = f_node(c, v->root, &fv);
  if (r == V_OK && !c->deep) {
    lua_pushboolean(L, 1);
    return 1;
  }
  lua_pushboolean(L, 0);
  lua_newtable(L);
  c->errs = lua_gettop(L);
  c->depth = 0;
  c->calls = 0;
  c->steps = 0;
  c->deep = 0;
  (void)v_node(c, v->root, 2);
  if (c->nerr == 0) {
    lua_pushliteral(L, "value does not match the schema");
    v_report(c);
  }
  if (c->truncated) {
    lua_createtable(L, 0, 2);
    lua_pushlstring(L, c->root, c->rootlen);
    lua_setfield(L, -2, "path");
    lua_pushfstring(L, "too many errors; only the first %d are listed",
                    MAX_ERRORS);
    lua_setfield(L, -2, "message");
    lua_rawseti(L, c->errs, c->nerr + 1);
  }
  return 2;
}

static int lschema_tostring (lua_State *L) {
  Validator *v = (Validator *)luaL_checkudata(L, 1, SCHEMA_MT);
  lua_pushfstring(L, "openrouter.schema (%d nodes, %d bytes): %p",
                  (int)v->nnodes, (int)orc_arena_size(v->arena), (void *)v);
  return 1;
}

void orc_open_schema (lua_State *L) {
  static const luaL_Reg methods[] = {
    { "validate", lschema_validate },
    { NULL, NULL } };
  orc_newclass(L, SCHEMA_MT, lschema_gc);
  lua_newtable(L);
  lua_pushvalue(L, -2);
  luaL_setfuncs(L, methods, 1);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, lschema_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pop(L, 1);
  lua_pushcfunction(L, lschema_compile);
  lua_setfield(L, -2, "schema_compile");
}
