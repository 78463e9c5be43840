/*
** schema_check.c -- the boolean pass of the schema engine: does a Lua
** value match a compiled schema?  Yes or no, allocating nothing, stopping
** at the first failure.  The validator runs it first; only when it says
** no does the collecting pass (schema_report.c) walk the value again to
** say why, asking this pass about combinator branches.  The two restate
** every rule, each in its own shape; fuzz/fuzz_schema.c holds them to the
** same verdict on every input.
**
** Every function here leaves the stack as it found it, and uses a few slots per
** level of nesting whatever the size of a table (5.1 and LuaJIT give a C
** function 8000).  The cost is the number of C-API calls, so:
**   - c->top tracks the stack top (no lua_gettop / lua_absindex), and
**     c->room the highest index known to be free: the stack is grown only
**     when a table scan would pass it, ROOM_CHUNK slots at a time;
**   - what a type alone decides (`{type: "string"}` and a string, `false`,
**     a type the value is not) is answered inline from two masks per node
**     (c_quick in schema_compile.c), without a call;
**   - what is known of a value (its type, number, string, table kind) is
**     kept in an fval shared by every subschema applied to that value
**     (allOf, anyOf, if/then ...), so each is read from Lua once;
**   - an object is scanned once with lua_next: per field lua_next,
**     lua_type and lua_tolstring of the key, lua_type of the value, one
**     pop; the field's schema is found through the node's key cache
**     (ck_prop).  A node with only properties/required, meeting an object
**     that an earlier scan of the same value has classified, looks up the
**     few fields it names instead (ck_object_known);
**   - an array is read with lua_rawgeti, then its keys are counted.
** The rules are those of the collecting pass (rp_keywords and below),
** which runs only after this one has said no.
*/
#include <math.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "compat.h"
#include "schema_int.h"
#include "orc.h"

#define FV_NUM  ORC_FV_NUM
#define FV_STR  ORC_FV_STR
#define FV_KIND ORC_FV_KIND
#define ROOM_CHUNK 32          /* slots reserved at a time */

#if defined(__GNUC__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE
#endif

typedef orc_fval fval;

static int ck_keywords (orc_vstate *c, const orc_node *n, fval *v);

/* Does the value described by v match n?  What a type alone decides is
** answered here, inline at every call; the rest is ck_keywords's.
** [-0, +0, m] */
static inline int ck_node (orc_vstate *c, const orc_node *n, fval *v) {
  if (n->has & ORC_K_REF) n = n->ref;
  if ((n->quick_ok >> v->t) & 1) return ORC_V_OK;
  if ((n->quick_fail >> v->t) & 1) return ORC_V_FAIL;
  return ck_keywords(c, n, v);
}

/* Make room for `need` pushes above c->top.  [-0, +0, m] */
#define CK_ROOM(c, need) do { \
    if ((c)->top + (need) > (c)->room) { \
      luaL_checkstack((c)->L, (need) + ROOM_CHUNK, "value nested too deeply"); \
      (c)->room = (c)->top + (need) + ROOM_CHUNK; \
    } } while (0)

static lua_Number ck_num (orc_vstate *c, fval *v) {
  if (!(v->known & FV_NUM)) {
    v->d = lua_tonumber(c->L, v->idx);
    v->known |= FV_NUM;
  }
  return v->d;
}

static const char *ck_str (orc_vstate *c, fval *v) {
  if (!(v->known & FV_STR)) {
    v->s = lua_tolstring(c->L, v->idx, &v->len);
    v->known |= FV_STR;
  }
  return v->s;
}

static void ck_kind (fval *v, int kind, size_t n) {
  v->known |= FV_KIND;
  v->kind = kind;
  v->n = n;
}

/* The array keywords; len from a verified rawlen, or 0 for an empty table.
** Unless the kind is known, the keys are checked to be exactly 1..len:
** every item is read anyway, so what is left is to count the keys. */
static int ck_array (orc_vstate *c, const orc_node *n, fval *v, size_t len) {
  lua_State *L = c->L;
  const int top = c->top, idx = v->idx;
  uint32_t has = n->has;
  int found = n->contains == NULL;
  size_t k;
  CK_ROOM(c, 2);
  if (len > 0 && (has & (ORC_K_ITEMS | ORC_K_TUPLE | ORC_K_CONTAINS))) {
    int r = ORC_V_OK;
    fval iv;
    iv.idx = top + 1;
    c->top = top + 1;                /* for what the items push */
    for (k = 1; k <= len && r == ORC_V_OK; k++) {
      const orc_node *s = orc_node_item(n, k);
      iv.t = orc_rawgeti(L, idx, (lua_Integer)k);
      iv.known = 0;
      if (iv.t == LUA_TNIL) {          /* a hole: not an array */
        ck_kind(v, ORC_TK_SPARSE, 0);
        r = ORC_V_FAIL;
      } else if (s != NULL && s->has != 0) {
        if (c->depth >= ORC_MAX_DEPTH) {
          if (!c->deep) c->deep = ORC_DEEP_VALUE;
          r = ORC_V_FAIL;
        } else {
          c->depth++;
          r = ck_node(c, s, &iv);
          c->depth--;
        }
      }
      if (r == ORC_V_OK && !found && ck_node(c, n->contains, &iv) == ORC_V_OK) found = 1;
      lua_settop(L, top);
    }
    c->top = top;
    if (r) return ORC_V_FAIL;
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
        ck_kind(v, ORC_TK_MIXED, 0);
        return ORC_V_FAIL;
      }
      ck_kind(v, ORC_TK_ARRAY, len);
    }
  } else if (!(v->known & FV_KIND)) {
    /* no item to look at: check the keys themselves */
    size_t cnt = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
      if (!orc_intkey(L, top + 1, len, &k) || ++cnt > len) {
        lua_settop(L, top);
        ck_kind(v, ORC_TK_MIXED, 0);
        return ORC_V_FAIL;
      }
      lua_settop(L, top + 1);
    }
    if (cnt != len) {
      ck_kind(v, ORC_TK_SPARSE, 0);
      return ORC_V_FAIL;
    }
    ck_kind(v, len ? ORC_TK_ARRAY : ORC_TK_EMPTY, len);
  }
  if ((has & ORC_K_MINITEMS) && len < n->min_items) return ORC_V_FAIL;
  if ((has & ORC_K_MAXITEMS) && len > n->max_items) return ORC_V_FAIL;
  if (!found) return ORC_V_FAIL;
  if ((has & ORC_K_UNIQUE) && len > 1) {
    size_t i, j;
    for (i = 1; i < len; i++) {
      lua_rawgeti(L, idx, (lua_Integer)i);
      for (j = i + 1; j <= len; j++) {
        int eq;
        lua_rawgeti(L, idx, (lua_Integer)j);
        eq = orc_equal(L, top + 1, top + 2, 0);
        lua_settop(L, top + 1);
        if (eq) {
          lua_settop(L, top);
          return ORC_V_FAIL;
        }
      }
      lua_settop(L, top);
    }
  }
  return ORC_V_OK;
}

/* A dependency of a field present in the object obj. */
static int ck_dep (orc_vstate *c, const orc_dep *d, fval *obj) {
  lua_State *L = c->L;
  size_t k;
  for (k = 0; k < d->n; k++) {
    int missing;
    lua_pushlstring(L, d->names[k], d->lens[k]);
    lua_rawget(L, obj->idx);
    missing = lua_isnil(L, -1);
    lua_settop(L, c->top);
    if (missing) return ORC_V_FAIL;
  }
  return d->schema != NULL ? ck_node(c, d->schema, obj) : ORC_V_OK;
}

/* A key the cache does not know: by hash, then cached and its string
** anchored.  The key string at kidx, c->top above it. */
static NOINLINE const orc_prop *ck_prop_miss (orc_vstate *c, const orc_node *n,
                                               const char *key, size_t klen,
                                               int kidx) {
  lua_State *L = c->L;
  struct orc_pcache *pc = n->pcache;
  const orc_prop *p = orc_node_prop(n, key, klen);
  uint32_t i, mask = n->pmask;
  if (2 * (pc->used + 1) > mask + 1) {
    memset(pc->slot, 0, ((size_t)mask + 1) * sizeof(orc_pslot));
    pc->used = 0;
  }
  i = orc_addr_hash(key) & mask;
  while (pc->slot[i].key != NULL) i = (i + 1) & mask;
  CK_ROOM(c, 1);
  lua_pushvalue(L, kidx);
  lua_rawseti(L, c->anchors, pc->base + (int)i + 1);   /* never allocates */
  pc->used++;
  pc->slot[i].key = key;
  pc->slot[i].prop = p;
  pc->slot[i].schema = p != NULL && p->declared ? p->schema : NULL;
  pc->slot[i].json = p != NULL && p->jlen <= UINT32_MAX ? p->json : NULL;
  pc->slot[i].jlen = p != NULL ? (uint32_t)p->jlen : 0;
  pc->slot[i].required = p != NULL ? (uint32_t)p->required : 0;
  return p;
}

/* The property named by the key string at kidx, or NULL. */
static const orc_prop *ck_prop (orc_vstate *c, const orc_node *n, const char *key,
                               size_t klen, int kidx) {
  const orc_prop *p;
  if (orc_pcache_get(n, key, &p)) return p;
  return ck_prop_miss(c, n, key, klen, kidx);
}

/* What applies to a field beyond its declared schema: dependencies,
** patternProperties, additionalProperties, propertyNames.  Key at vi - 1,
** value at vi; c->depth is already the field's. */
static NOINLINE int ck_field (orc_vstate *c, const orc_node *n, const orc_prop *p,
                               fval *obj, const char *key, size_t klen,
                               int vi) {
  fval fv;
  int matched = 0;
  size_t k;
  fv.idx = vi;
  fv.t = lua_type(c->L, vi);
  fv.known = 0;
  if (p != NULL) {
    if (p->declared) {
      matched = 1;
      if (ck_node(c, p->schema, &fv)) return ORC_V_FAIL;
    }
    if (p->dep >= 0) {
      int r;
      c->depth--;                    /* a dependency is on the object */
      r = ck_dep(c, &n->deps[p->dep], obj);
      c->depth++;
      if (r) return ORC_V_FAIL;
    }
  }
  for (k = 0; k < n->npatprops; k++) {
    if (orc_regex_search(n->patprops[k].re, key, klen)) {
      matched = 1;
      if (ck_node(c, n->patprops[k].schema, &fv)) return ORC_V_FAIL;
    }
  }
  if (!matched && n->additional_props != NULL &&
      ck_node(c, n->additional_props, &fv))
    return ORC_V_FAIL;
  if (n->property_names != NULL) {
    fval kv;                         /* the key, where lua_next left it */
    kv.idx = vi - 1;
    kv.t = LUA_TSTRING;
    kv.known = FV_STR;
    kv.s = key;
    kv.len = klen;
    if (ck_node(c, n->property_names, &kv)) return ORC_V_FAIL;
  }
  return ORC_V_OK;
}

/* The object keywords, scanning every key once.  Sets the kind when the
** scan ends (an object, an empty table, or neither).  A field whose name
** is declared, in a node without patternProperties, propertyNames or
** dependencies, is checked right here: the common case. */
static int ck_object (orc_vstate *c, const orc_node *n, fval *v) {
  lua_State *L = c->L;
  const int top = c->top, idx = v->idx;
  uint32_t has = n->has;
  int fields = (has & (ORC_K_PROPS | ORC_K_PATPROPS | ORC_K_ADDPROPS |
                       ORC_K_PROPNAMES)) != 0;
  int plain = !(has & (ORC_K_PATPROPS | ORC_K_PROPNAMES)) && n->ndeps == 0;
  size_t count = 0, seen = 0;
  int r = ORC_V_OK, too_deep = c->depth >= ORC_MAX_DEPTH;
  c->depth++;                        /* the fields' */
  CK_ROOM(c, 3);                      /* a pair and a dependency's name */
  c->top = top + 2;                  /* the key at top + 1, its value above */
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    if (lua_type(L, top + 1) != LUA_TSTRING) {
      r = ORC_V_FAIL;                    /* not an object; maybe an array */
      break;
    }
    count++;
    if (fields) {
      size_t klen;
      const char *key;
      const orc_prop *p;
      if (too_deep) {                /* as in the collecting pass */
        if (!c->deep) c->deep = ORC_DEEP_VALUE;
        r = ORC_V_FAIL;
        break;
      }
      key = lua_tolstring(L, top + 1, &klen);
      p = n->nprops ? ck_prop(c, n, key, klen, top + 1) : NULL;
      if (p != NULL && p->declared && plain) {
        fval fv;
        seen += (size_t)p->required;
        fv.idx = top + 2;
        fv.t = lua_type(L, top + 2);
        fv.known = 0;
        if (ck_node(c, p->schema, &fv)) {
          r = ORC_V_FAIL;
          break;
        }
      } else {
        if (p != NULL) seen += (size_t)p->required;
        if (ck_field(c, n, p, v, key, klen, top + 2)) {
          r = ORC_V_FAIL;
          break;
        }
      }
    }
    lua_settop(L, top + 1);
  }
  c->depth--;
  c->top = top;
  lua_settop(L, top);
  if (r) return ORC_V_FAIL;
  if (!(v->known & FV_KIND))         /* an empty table known as an object stays one */
    ck_kind(v, count ? ORC_TK_OBJECT : ORC_TK_EMPTY, count);
  if (seen < n->nrequired) return ORC_V_FAIL;
  if ((has & ORC_K_MINPROPS) && count < n->min_props) return ORC_V_FAIL;
  if ((has & ORC_K_MAXPROPS) && count > n->max_props) return ORC_V_FAIL;
  return ORC_V_OK;
}

/* The object keywords of a node with only properties and required (see
** c_lookup_plan), on a value already known to be an object or empty: the
** fields it names are looked up, when there are fewer than the object has
** (n->nlookup <= v->n); otherwise ck_object.  Each lookup pushes the name
** kept in the anchors table: no hashing of C strings. */
static int ck_object_known (orc_vstate *c, const orc_node *n, fval *v) {
  lua_State *L = c->L;
  const int top = c->top;
  size_t k;
  int r = ORC_V_OK;
  if (n->nlookup < 0 || (size_t)n->nlookup > v->n) return ck_object(c, n, v);
  if ((n->has & ORC_K_MINPROPS) && v->n < n->min_props) return ORC_V_FAIL;
  if ((n->has & ORC_K_MAXPROPS) && v->n > n->max_props) return ORC_V_FAIL;
  if (n->nlookup == 0) return ORC_V_OK;
  if (c->depth >= ORC_MAX_DEPTH) {      /* as the scan: any field is too deep */
    if (!c->deep) c->deep = ORC_DEEP_VALUE;
    return ORC_V_FAIL;
  }
  c->depth++;
  CK_ROOM(c, 1);
  c->top = top + 1;                  /* for what the fields push */
  for (k = 0; k < n->nprops && r == ORC_V_OK; k++) {
    const orc_prop *p = &n->props[k];
    fval fv;
    if (!p->required && !(p->declared && p->schema->has != 0)) continue;
    lua_rawgeti(L, c->anchors, p->anchor);
    lua_rawget(L, v->idx);           /* top + 1: the field's value */
    fv.t = lua_type(L, top + 1);
    if (fv.t == LUA_TNIL) {
      if (p->required) r = ORC_V_FAIL;
    } else if (p->declared) {
      fv.idx = top + 1;
      fv.known = 0;
      r = ck_node(c, p->schema, &fv);
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
static int ck_table (orc_vstate *c, const orc_node *n, fval *v) {
  lua_State *L = c->L;
  uint32_t has = n->has;
  uint32_t types = (has & ORC_K_TYPE) ? n->types : (ORC_T_ARRAY | ORC_T_OBJECT);
  size_t len;
  if (!(types & (ORC_T_ARRAY | ORC_T_OBJECT))) return ORC_V_FAIL;
  if (v->known & FV_KIND) {
    switch (v->kind) {
      case ORC_TK_ARRAY:
        if (!(types & ORC_T_ARRAY)) return ORC_V_FAIL;
        return (has & ORC_K_ARRAYISH) ? ck_array(c, n, v, v->n) : ORC_V_OK;
      case ORC_TK_OBJECT:
        if (!(types & ORC_T_OBJECT)) return ORC_V_FAIL;
        return (has & ORC_K_OBJECTISH) ? ck_object_known(c, n, v) : ORC_V_OK;
      case ORC_TK_EMPTY:
        break;
      default:
        return ORC_V_FAIL;
    }
  } else if ((types & ORC_T_ARRAY) && (len = orc_rawlen(L, v->idx)) > 0) {
    return ck_array(c, n, v, len);
  } else if (types & ORC_T_OBJECT) {
    /* an array or a mixed table has a key that is not a string */
    if (ck_object(c, n, v)) return ORC_V_FAIL;
    if (v->kind != ORC_TK_EMPTY) return ORC_V_OK;
    return (has & ORC_K_ARRAYISH) ? ck_array(c, n, v, 0) : ORC_V_OK;
  } else {
    /* an array or nothing: only an empty table can pass */
    int more;
    CK_ROOM(c, 2);
    lua_pushnil(L);
    more = lua_next(L, v->idx);
    lua_settop(L, c->top);
    if (more) return ORC_V_FAIL;
    ck_kind(v, ORC_TK_EMPTY, 0);
  }
  /* empty: as in the collecting pass, both kinds of keywords apply */
  if ((has & ORC_K_ARRAYISH) && ck_array(c, n, v, 0)) return ORC_V_FAIL;
  if ((has & ORC_K_OBJECTISH) && ck_object_known(c, n, v)) return ORC_V_FAIL;
  return ORC_V_OK;
}

static int ck_enum (orc_vstate *c, const orc_node *n, fval *v) {
  size_t k;
  if (v->t == LUA_TSTRING) {
    const char *s = ck_str(c, v);
    for (k = 0; k < n->nenums; k++) {
      const orc_jval *j = &n->enums[k];
      if (j->kind == ORC_J_STR && j->len == v->len && orc_eq(j->s, s, v->len))
        return ORC_V_OK;
    }
  } else if (v->t == LUA_TNUMBER) {
    lua_Number d = ck_num(c, v);
    for (k = 0; k < n->nenums; k++)
      if (n->enums[k].kind == ORC_J_NUM && n->enums[k].num == d) return ORC_V_OK;
  } else if (v->t == LUA_TBOOLEAN) {
    int b = lua_toboolean(c->L, v->idx);
    for (k = 0; k < n->nenums; k++)
      if (n->enums[k].kind == ORC_J_BOOL && n->enums[k].b == b) return ORC_V_OK;
  } else {
    for (k = 0; k < n->nenums; k++)
      if (orc_equal_json(c->L, v->idx, &n->enums[k], 0)) return ORC_V_OK;
  }
  return ORC_V_FAIL;
}

/* The checks that descend (into a table, or into subschemas on the same
** value) count: ORC_MAX_CALLS stops left recursion ($ref cycles that consume
** no value), ORC_MAX_STEPS combinatorial blow-ups.  0 when over a limit. */
static int ck_enter (orc_vstate *c) {
  if (c->calls >= ORC_MAX_CALLS || ++c->steps > ORC_MAX_STEPS) {
    if (!c->deep) c->deep = ORC_DEEP_SCHEMA;
    return 0;
  }
  c->calls++;
  return 1;
}

static NOINLINE int ck_table_in (orc_vstate *c, const orc_node *n, fval *v) {
  int r;
  if (!ck_enter(c)) return ORC_V_FAIL;
  r = ck_table(c, n, v);
  c->calls--;
  return r;
}

/* allOf, anyOf, oneOf, not, if/then/else, all on the same value. */
static NOINLINE int ck_combine (orc_vstate *c, const orc_node *n, fval *v) {
  uint32_t has = n->has;
  size_t k;
  int r = ORC_V_FAIL;
  if (!ck_enter(c)) return ORC_V_FAIL;
  if (has & ORC_K_ALLOF) {
    for (k = 0; k < n->nall_of; k++)
      if (ck_node(c, n->all_of[k], v)) goto done;
  }
  if (has & ORC_K_ANYOF) {
    for (k = 0; k < n->nany_of; k++)
      if (ck_node(c, n->any_of[k], v) == ORC_V_OK) break;
    if (k == n->nany_of) goto done;
  }
  if (has & ORC_K_ONEOF) {
    size_t matches = 0;
    for (k = 0; k < n->none_of && matches < 2; k++)
      if (ck_node(c, n->one_of[k], v) == ORC_V_OK) matches++;
    if (matches != 1) goto done;
  }
  if ((has & ORC_K_NOT) && ck_node(c, n->not_, v) == ORC_V_OK) goto done;
  if (has & ORC_K_IF) {
    const orc_node *b = ck_node(c, n->if_, v) == ORC_V_OK ? n->then_ : n->else_;
    if (b != NULL && ck_node(c, b, v)) goto done;
  }
  r = ORC_V_OK;
done:
  c->calls--;
  return r;
}

static int ck_string (orc_vstate *c, const orc_node *n, fval *v) {
  uint32_t has = n->has;
  const char *s = ck_str(c, v);
  if (has & (ORC_K_MINLEN | ORC_K_MAXLEN)) {
    size_t cps = orc_utf8_len(s, v->len);
    if ((has & ORC_K_MINLEN) && cps < n->min_length) return ORC_V_FAIL;
    if ((has & ORC_K_MAXLEN) && cps > n->max_length) return ORC_V_FAIL;
  }
  if ((has & ORC_K_PATTERN) && !orc_regex_search(n->pattern, s, v->len))
    return ORC_V_FAIL;
  return ORC_V_OK;
}

/* ck_node past the quick answers (out of line: ck_node is everywhere).  The
** order of the checks is the collecting pass's, give or take: all must
** hold. */
static NOINLINE int ck_keywords (orc_vstate *c, const orc_node *n, fval *v) {
  uint32_t has = n->has;
  switch (v->t) {
    case LUA_TSTRING:
      if ((has & ORC_K_TYPE) && !(n->types & ORC_T_STRING)) return ORC_V_FAIL;
      if ((has & ORC_K_STRINGY) && ck_string(c, n, v)) return ORC_V_FAIL;
      break;
    case LUA_TNUMBER:
      if (has & (ORC_K_TYPE | ORC_K_NUMERIC)) {
        lua_Number d = ck_num(c, v);
        if (d - d != 0) {            /* NaN, inf: not a JSON number */
          if (has & ORC_K_TYPE) return ORC_V_FAIL;
          break;
        }
        if ((has & ORC_K_TYPE) && !(n->types & ORC_T_NUMBER) &&
            !((n->types & ORC_T_INTEGER) && floor(d) == d))
          return ORC_V_FAIL;
        if (has & ORC_K_NUMERIC) {
          if ((has & ORC_K_MINIMUM) && !(d >= n->minimum)) return ORC_V_FAIL;
          if ((has & ORC_K_XMINIMUM) && !(d > n->xminimum)) return ORC_V_FAIL;
          if ((has & ORC_K_MAXIMUM) && !(d <= n->maximum)) return ORC_V_FAIL;
          if ((has & ORC_K_XMAXIMUM) && !(d < n->xmaximum)) return ORC_V_FAIL;
          if ((has & ORC_K_MULTIPLE) && !orc_multiple_of(d, n->multiple_of))
            return ORC_V_FAIL;
        }
      }
      break;
    case LUA_TBOOLEAN:
      if ((has & ORC_K_TYPE) && !(n->types & ORC_T_BOOLEAN)) return ORC_V_FAIL;
      break;
    case LUA_TTABLE:
      if ((has & (ORC_K_TYPE | ORC_K_ARRAYISH | ORC_K_OBJECTISH)) &&
          ck_table_in(c, n, v))
        return ORC_V_FAIL;
      break;
    case LUA_TLIGHTUSERDATA:
      if ((has & ORC_K_TYPE) &&
          !((n->types & ORC_T_NULL) && lua_touserdata(c->L, v->idx) == NULL))
        return ORC_V_FAIL;
      break;
    default:                         /* nil, functions, full userdata... */
      if (has & ORC_K_TYPE) return ORC_V_FAIL;
      break;
  }
  if ((has & ORC_K_ENUM) && ck_enum(c, n, v)) return ORC_V_FAIL;
  if ((has & ORC_K_CONST) && !orc_equal_json(c->L, v->idx, n->const_, 0))
    return ORC_V_FAIL;
  if (has & (ORC_K_ALLOF | ORC_K_ANYOF | ORC_K_ONEOF | ORC_K_NOT | ORC_K_IF))
    return ck_combine(c, n, v);
  return ORC_V_OK;
}

/* See schema_int.h.  [-0, +0, m] */
int orc_check_fval (orc_vstate *c, const orc_node *n, orc_fval *v) {
  return ck_node(c, n, v);
}

/* See schema_int.h.  [-0, +0, m] */
const orc_prop *orc_check_prop (orc_vstate *c, const orc_node *n, const char *key,
                                size_t klen, int kidx) {
  return ck_prop(c, n, key, klen, kidx);
}

/* See schema_int.h.  [-0, +0, m] */
int orc_check (orc_vstate *c, const orc_node *n, int idx) {
  fval v;
  v.idx = idx;
  v.t = lua_type(c->L, idx);
  v.known = 0;
  return ck_node(c, n, &v);
}
