/*
** schema_compile.c -- a decoded JSON Schema (draft 7), as a Lua table,
** into the orc_node graph of schema.h, in the validator's arena.
**
** Every keyword is checked as it is compiled: what the engine cannot
** honour (an unknown keyword, a remote $ref, a regex construct outside the
** supported subset) raises "schema error at #/path: ..." rather than being
** ignored.  $ids register documents and anchors as they are met; $refs are
** resolved once the whole schema is compiled, and chains of them followed
** to a node that does something.  Work tables (the node map, documents,
** anchors, pending refs) live on the Lua stack, so a raised error leaks
** nothing: the arena belongs to the validator userdata.
*/
#include <stdio.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "compat.h"
#include "schema_int.h"
#include "orc.h"

#define MAX_SCHEMA_DEPTH 512   /* schema nesting */

typedef struct cstate {
  lua_State *L;
  orc_schema *s;
  int map;          /* schema table -> node (light userdata) */
  int docs;         /* base URI -> schema table */
  int anchors;      /* "uri#name" -> schema table */
  int pending;      /* array of { node, uri, where } */
  int npending;
  int depth;
  int nanchors;     /* key-cache slots and names so far */
  int names;        /* index -> property name, kept for the anchors */
} cstate;

static void *c_alloc (cstate *cs, size_t n) {
  void *p = orc_arena_alloc(&cs->s->arena, n);
  if (p == NULL) luaL_error(cs->L, "not enough memory");
  return p;
}

static const char *c_strdup (cstate *cs, const char *s, size_t len) {
  char *p = orc_arena_strdup(&cs->s->arena, s, len);
  if (p == NULL) luaL_error(cs->L, "not enough memory");
  return p;
}

/* A node starts a cache line: what a walk reads of it at every value
** (its first fields) is one line.  (The arena aligns to 16.) */
static orc_node *c_newnode (cstate *cs) {
  char *p = (char *)c_alloc(cs, sizeof(orc_node) + 48);
  cs->s->nnodes++;
  return (orc_node *)(p + ((64 - (uintptr_t)p % 64) % 64));
}

static int c_error (cstate *cs, const char *where, const char *fmt,
                    const char *arg) {
  lua_State *L = cs->L;
  lua_pushfstring(L, fmt, arg);
  return luaL_error(L, "schema error at %s: %s", where, lua_tostring(L, -1));
}

/* Push "<where>/<key>".  [-0, +1, m] */
static const char *c_sub (lua_State *L, const char *where, const char *key) {
  return lua_pushfstring(L, "%s/%s", where, key);
}

static lua_Number c_number (cstate *cs, int i, const char *where,
                            const char *kw) {
  lua_Number d;
  if (lua_type(cs->L, i) != LUA_TNUMBER) {
    c_error(cs, where, "'%s' must be a number", kw);
  }
  d = lua_tonumber(cs->L, i);
  if (d != d || d - d != 0) c_error(cs, where, "'%s' must be finite", kw);
  return d;
}

static size_t c_count (cstate *cs, int i, const char *where, const char *kw) {
  lua_Number d = 0;
  if (!orc_tointegral(cs->L, i, &d) || d < 0)
    c_error(cs, where, "'%s' must be a non-negative integer", kw);
  return d > 4e18 ? (size_t)-1 : (size_t)d;
}

/* Is the table at i an array (keys 1..n, n > 0)? */
static int c_isarray (lua_State *L, int i) {
  size_t cnt;
  return lua_type(L, i) == LUA_TTABLE && orc_tkind(L, i, &cnt) == ORC_TK_ARRAY;
}

/* A Lua value as a JSON value, for enum and const.  [-0, +0, m] */
static void c_jval (cstate *cs, int i, orc_jval *out, const char *where,
                    int depth) {
  lua_State *L = cs->L;
  size_t cnt, k;
  i = lua_absindex(L, i);
  if (depth > ORC_MAX_DEPTH) c_error(cs, where, "%s value nested too deeply", "enum/const");
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
      out->b = 1;
      for (k = 0; k < out->len; k++)
        if (s[k] < 0x20 || s[k] > 0x7e || s[k] == '"' || s[k] == '\\') out->b = 0;
      return;
    }
    case LUA_TTABLE:
      luaL_checkstack(L, 6, "schema nested too deeply");
      switch (orc_tkind(L, i, &cnt)) {
        case ORC_TK_EMPTY:
          out->kind = ORC_J_ARR;   /* n = 0: equal to any empty table */
          return;
        case ORC_TK_ARRAY:
          out->kind = ORC_J_ARR;
          out->n = cnt;
          out->items = (orc_jval *)c_alloc(cs, cnt * sizeof(orc_jval));
          for (k = 0; k < cnt; k++) {
            lua_rawgeti(L, i, (lua_Integer)(k + 1));
            c_jval(cs, -1, &out->items[k], where, depth + 1);
            lua_pop(L, 1);
          }
          return;
        case ORC_TK_OBJECT:
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
      if (orc_isnull(L, i)) {
        out->kind = ORC_J_NULL;
        return;
      }
      c_error(cs, where, "value of type %s cannot appear in enum/const",
              luaL_typename(L, i));
  }
}

static orc_node *c_node (cstate *cs, int idx, int base, const char *where);

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

/* The tag of an `if` that is {required: [tag], properties: {tag: {const:
** "v"}}} and nothing else, or NULL. */
static const orc_prop *c_disc_if (const orc_node *i) {
  const orc_prop *p;
  if (i == NULL || i->has != ORC_K_PROPS || i->nprops != 1 || i->nrequired != 1 ||
      i->ndeps != 0)
    return NULL;
  p = &i->props[0];
  if (!p->declared || !p->required || p->schema->has != ORC_K_CONST ||
      p->schema->const_->kind != ORC_J_STR)
    return NULL;
  return p;
}

/* n's if/then/else chain as a discriminated union (orc_disc), when it is
** one: each `else` down the chain has only if/then/else, on the same tag. */
static void c_disc (cstate *cs, orc_node *n) {
  const orc_prop *tag = c_disc_if(n->if_), *p;
  const orc_node *m;
  orc_disc *d;
  size_t k = 0;
  if (tag == NULL) return;
  for (m = n; ; m = m->else_) {
    k++;
    if (m->else_ == NULL || m->else_->has != ORC_K_IF) break;
    p = c_disc_if(m->else_->if_);
    if (p == NULL || p->len != tag->len || memcmp(p->name, tag->name, tag->len) != 0) break;
  }
  d = (orc_disc *)c_alloc(cs, sizeof *d);
  d->tag = tag;
  d->n = k;
  d->vals = (const char **)c_alloc(cs, k * sizeof(const char *));
  d->lens = (size_t *)c_alloc(cs, k * sizeof(size_t));
  d->then_ = (orc_node **)c_alloc(cs, k * sizeof(orc_node *));
  for (m = n, k = 0; k < d->n; m = m->else_, k++) {
    const orc_jval *j = c_disc_if(m->if_)->schema->const_;
    d->vals[k] = j->s;
    d->lens[k] = j->len;
    d->then_[k] = m->then_;
    d->else_ = m->else_;
  }
  n->disc = d;
}

/* The kinds of Lua value (a bit per lua_type) n accepts or rejects on
** sight, whatever the value: the boolean pass (ck_node) then needs nothing else. */
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
static orc_node *c_sub_node (cstate *cs, int i, int base, const char *where,
                             const char *key) {
  orc_node *n;
  i = lua_absindex(cs->L, i);
  c_sub(cs->L, where, key);
  n = c_node(cs, i, base, lua_tostring(cs->L, -1));
  lua_pop(cs->L, 1);
  return n;
}

/* Compile an array of schemas (allOf/anyOf/oneOf/items tuple). */
static orc_node **c_node_list (cstate *cs, int i, int base, const char *where,
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
static void c_schema_map (cstate *cs, int i, int base, const char *where,
                          const char *kw) {
  lua_State *L = cs->L;
  size_t cnt;
  if (lua_type(L, i) != LUA_TTABLE ||
      (orc_tkind(L, i, &cnt) != ORC_TK_OBJECT && cnt != 0))
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

static uint32_t c_types (cstate *cs, int i, const char *where) {
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
static orc_prop *c_prop (cstate *cs, orc_node *n, size_t cap, int keyidx) {
  size_t len, k;
  const char *s = lua_tolstring(cs->L, keyidx, &len);
  for (k = 0; k < n->nprops; k++)
    if (n->props[k].len == len && memcmp(n->props[k].name, s, len) == 0)
      return &n->props[k];
  if (n->nprops == cap) luaL_error(cs->L, "internal error: property table");
  n->props[n->nprops].name = c_strdup(cs, s, len);
  n->props[n->nprops].len = len;
  for (k = 0; k < len; k++)          /* "name": for the encoding pass */
    if ((unsigned char)s[k] < 0x20 || (unsigned char)s[k] >= 0x7f || s[k] == '"' || s[k] == '\\')
      break;
  if (k == len) {
    char *j = (char *)c_alloc(cs, len + 3);
    j[0] = '"';
    memcpy(j + 1, s, len);
    j[len + 1] = '"';
    j[len + 2] = ':';
    n->props[n->nprops].json = j;
    n->props[n->nprops].jlen = len + 3;
  }
  n->props[n->nprops].hash = orc_hash(s, len);
  n->props[n->nprops].dep = -1;
  return &n->props[n->nprops++];
}

static size_t c_nkeys (lua_State *L, int i) {
  size_t cnt = 0;
  if (lua_type(L, i) == LUA_TTABLE) (void)orc_tkind(L, i, &cnt);
  return cnt;
}

/* properties, required, dependencies -> the property index.  The three
** keyword values sit at stack indexes pi, ri, di (0: absent). */
static void c_object (cstate *cs, orc_node *n, int pi, int ri, int di,
                      int base, const char *where) {
  lua_State *L = cs->L;
  size_t cap = 0, k, cnt;
  if (pi && (lua_type(L, pi) != LUA_TTABLE ||
             (orc_tkind(L, pi, &cnt) != ORC_TK_OBJECT && cnt != 0)))
    c_error(cs, where, "'%s' must be an object of schemas", "properties");
  if (ri && (lua_type(L, ri) != LUA_TTABLE ||
             (orc_tkind(L, ri, &cnt) != ORC_TK_ARRAY && cnt != 0)))
    c_error(cs, where, "'%s' must be an array of strings", "required");
  if (di && (lua_type(L, di) != LUA_TTABLE ||
             (orc_tkind(L, di, &cnt) != ORC_TK_OBJECT && cnt != 0)))
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
    if (!orc_node_index(&cs->s->arena, n)) luaL_error(L, "not enough memory");
    n->has |= ORC_K_PROPS;
    while (size < 4096 && size < 4 * n->nprops) size <<= 1;
    n->pcache = (struct orc_pcache *)c_alloc(cs, sizeof(struct orc_pcache) +
                                                     size * sizeof(orc_pslot));
    n->pmask = size - 1;
    n->pcache->base = cs->nanchors;
    cs->nanchors += (int)size;
    for (k = 0; k < n->nprops; k++) {
      lua_pushlstring(L, n->props[k].name, n->props[k].len);
      n->props[k].anchor = ++cs->nanchors;
      lua_rawseti(L, cs->names, n->props[k].anchor);
    }
  }
}

static orc_regex *c_regex (cstate *cs, int i, const char *where,
                           const char *kw) {
  char err[160];
  size_t len;
  const char *src;
  orc_regex *re;
  if (lua_type(cs->L, i) != LUA_TSTRING)
    c_error(cs, where, "'%s' must be a string", kw);
  src = lua_tolstring(cs->L, i, &len);
  re = orc_regex_compile(&cs->s->arena, src, len, err, sizeof err);
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
static void c_id (cstate *cs, int idx, int base, int has_ref) {
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
static orc_node *c_node (cstate *cs, int idx, int base, const char *where) {
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
          (orc_tkind(L, v, &cnt) != ORC_TK_OBJECT && cnt != 0))
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
  if (n->has & ORC_K_IF) c_disc(cs, n);
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
static void c_lookup (cstate *cs, const char *uri, const char *where) {
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

static void c_resolve_refs (cstate *cs) {
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
      if (++steps > cs->s->nnodes) {
        lua_rawgeti(L, -2, 3);
        c_error(cs, lua_tostring(L, -1), "%s", "circular $ref");
      }
    }
    n->ref = t;
    lua_pop(L, 2);
  }
}

void orc_schema_compile (lua_State *L, orc_schema *s, int schema, int opts) {
  cstate cs;
  int top = lua_gettop(L);
  schema = lua_absindex(L, schema);
  if (opts != 0) opts = lua_absindex(L, opts);
  memset(&cs, 0, sizeof cs);
  cs.L = L;
  cs.s = s;
  lua_newtable(L); cs.map = lua_gettop(L);
  lua_newtable(L); cs.docs = lua_gettop(L);
  lua_newtable(L); cs.anchors = lua_gettop(L);
  lua_newtable(L); cs.pending = lua_gettop(L);
  lua_newtable(L); cs.names = lua_gettop(L);
  lua_pushliteral(L, "");                                      /* base */
  if (lua_type(L, schema) == LUA_TTABLE) {
    lua_pushliteral(L, "");
    lua_pushvalue(L, schema);
    lua_rawset(L, cs.docs);
  }
  s->root = c_node(&cs, schema, lua_gettop(L), "#");
  if (opts != 0 && orc_getfield(L, opts, "documents") != LUA_TNIL) {
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
  if (s->root->has & ORC_K_REF) s->root = s->root->ref;
  /* the anchors: sized once, so that setting a slot never allocates */
  lua_createtable(L, cs.nanchors, 0);
  lua_pushnil(L);
  while (lua_next(L, cs.names)) {
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    lua_rawset(L, -4);
  }
  lua_replace(L, top + 1);
  lua_settop(L, top + 1);
}
