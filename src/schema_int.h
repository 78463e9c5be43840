/*
** schema_int.h -- what the Lua side of the schema engine shares, and
** nothing else includes: the compiled schema a validator holds, the JSON
** view of Lua values (schema_value.c), and the entry points of the three
** stages -- compiling a Lua table into nodes (schema_compile.c), the
** boolean pass (schema_check.c) and the collecting pass with its messages
** (schema_report.c).  The binding (lschema.c) strings them together.
**
** Lua <-> JSON: string, number (integer = no fractional part), boolean,
** cjson.null (a NULL light userdata) as null; a table with keys 1..n is an
** array, one with string keys an object, an empty table is both.  Tables
** with mixed keys or holes, NaN/inf and other Lua types match no JSON type.
*/
#ifndef ORC_SCHEMA_INT_H
#define ORC_SCHEMA_INT_H

#include <math.h>

#include "lua.h"

#include "ljson.h"
#include "schema.h"

/* The limits of one validation.  The fuzzer builds with lower ones
** (mk/checks.mk), so that it reaches them often. */
#ifndef ORC_MAX_DEPTH
#define ORC_MAX_DEPTH 256          /* value nesting */
#endif
#ifndef ORC_MAX_CALLS
#define ORC_MAX_CALLS 1024         /* nested descents: stops left recursion */
#endif
#ifndef ORC_MAX_STEPS
#define ORC_MAX_STEPS 1000000      /* descents per validation, both passes */
#endif

/* ---- the compiled schema ------------------------------------------------ */

/* The memory of a validator userdata: created before compiling, so that a
** compile error raised half-way leaves only what __gc frees. */
typedef struct orc_schema {
  orc_arena *arena;            /* every node, string and regex */
  orc_node *root;              /* NULL once freed */
  size_t nnodes;
} orc_schema;

/*
** The key cache of a node with properties (orc_node.pcache): from the
** address of a key string to the property it names, so that the boolean
** pass finds a field without hashing or comparing its name.  Lua strings
** do not move, and each cached key is anchored in the validator's user
** value, a table made at compile time with a slot per cache entry (setting
** one never allocates): while cached, a string cannot be freed and its
** address reused, so an equal address is the same string.  Unknown names
** are cached too.  Open addressing; emptied when half full, as the
** addresses of strings no longer in use pile up.  The same table keeps
** every property name as a Lua string (orc_prop.anchor).  Sized by the
** compiler, filled by the boolean pass.
*/
typedef struct orc_pslot {
  const char *key;             /* NULL: empty */
  const orc_prop *prop;        /* the property it names, or NULL: none */
  /* what the encoding pass reads of prop at every field, kept here: one
  ** cache line to wait for instead of two */
  const orc_node *schema;      /* prop->schema when declared, else NULL */
  const char *json;            /* prop->json, prop->jlen */
  uint32_t jlen;
  uint32_t required;           /* prop->required */
} orc_pslot;

struct orc_pcache {
  uint32_t used;               /* (its size - 1 is the node's pmask) */
  int base;                    /* slot i's anchor: uservalue[base + i + 1] */
  orc_pslot slot[];
};

static inline uint32_t orc_addr_hash (const char *s) {
  uint64_t a = (uint64_t)(uintptr_t)s;
  return (uint32_t)((a * UINT64_C(0x9E3779B97F4A7C15)) >> 40);
}

/* The slot of n's key cache for the key string at address key, or NULL
** when the key is not cached. */
static inline const orc_pslot *orc_pcache_slot (const orc_node *n, const char *key) {
  const orc_pslot *slot = n->pcache->slot;   /* n->pmask: no load of the cache's header */
  uint32_t i = orc_addr_hash(key) & n->pmask;
  while (slot[i].key != NULL) {
    if (slot[i].key == key) return &slot[i];
    i = (i + 1) & n->pmask;
  }
  return NULL;
}

/* The property n's key cache holds for the key string at address key:
** 1 and *p (NULL: no property of n), or 0 when the key is not cached. */
static inline int orc_pcache_get (const orc_node *n, const char *key, const orc_prop **p) {
  const orc_pslot *s = orc_pcache_slot(n, key);
  if (s == NULL) return 0;
  *p = s->prop;
  return 1;
}

/* ---- the JSON view of Lua values (schema_value.c) ---------------------- */

/* The exact shape of a table. */
enum { ORC_TK_EMPTY, ORC_TK_ARRAY, ORC_TK_OBJECT, ORC_TK_MIXED, ORC_TK_SPARSE };

/* Is the value at i JSON null (cjson.null, a NULL light userdata)? */
static inline int orc_isnull (lua_State *L, int i) {
  return lua_type(L, i) == LUA_TLIGHTUSERDATA && lua_touserdata(L, i) == NULL;
}

/* Is the number at i integral and in [1, n]?  The index in *k. */
static inline int orc_intkey (lua_State *L, int i, size_t n, size_t *k) {
  lua_Number d;
  if (lua_type(L, i) != LUA_TNUMBER) return 0;
  d = lua_tonumber(L, i);
  if (!(d >= 1 && d <= (lua_Number)n) || floor(d) != d) return 0;
  *k = (size_t)d;
  return 1;
}

/* The ORC_TK_* of the table at idx, and its number of keys.  [-0, +0, -] */
int orc_tkind (lua_State *L, int idx, size_t *count);
/* Are the values at a and b equal as JSON values?  [-0, +0, m] */
int orc_equal (lua_State *L, int a, int b, int depth);
/* Is the value at idx equal to the JSON value j?  [-0, +0, m] */
int orc_equal_json (lua_State *L, int idx, const orc_jval *j, int depth);

/* ---- compiling (schema_compile.c) --------------------------------------- */

/*
** Compile the schema at stack index `schema` (a table or a boolean; opts,
** at `opts` or 0, may hold `documents`) into s, whose arena must start
** empty.  Pushes the table of key anchors that the validator keeps as its
** user value.  Raises "schema error at #/path: ..." on anything it cannot
** honour.  [-0, +1, m]
*/
void orc_schema_compile (lua_State *L, orc_schema *s, int schema, int opts);

/* ---- validating: both passes -------------------------------------------- */

/* A node's verdict.  ORC_V_TYPE (collecting pass only): the value is not
** of a type the node accepts, which tells anyOf/oneOf which branch to
** report. */
enum { ORC_V_OK = 0, ORC_V_FAIL = 1, ORC_V_TYPE = 2 };

/* Which limit stopped a validation (orc_vstate.deep). */
enum { ORC_DEEP_NONE, ORC_DEEP_VALUE, ORC_DEEP_SCHEMA };

/* What both passes share while validating one value.  They keep the same
** counters: the collecting pass asks the boolean one about branches. */
typedef struct orc_vstate {
  lua_State *L;
  int anchors;                 /* stack index of the key anchors (user value) */
  int depth;                   /* value nesting so far */
  int calls;                   /* nested node checks */
  long steps;                  /* node checks so far: combinators can multiply */
  int deep;                    /* ORC_DEEP_*: the first limit hit */
  int top;                     /* boolean pass: the stack top */
  int room;                    /* boolean pass: the highest index known free */
} orc_vstate;

/*
** What the boolean pass knows of one value, shared by every subschema
** applied to it (allOf, anyOf, if/then ...): each fact is read from Lua
** once.  Start with idx, t (lua_type) and known = 0.
*/
#define ORC_FV_NUM  1u             /* d is set */
#define ORC_FV_STR  2u             /* s, len are set */
#define ORC_FV_KIND 4u             /* kind, n are set */

typedef struct orc_fval {
  int idx;                     /* absolute stack index */
  int t;                       /* lua_type */
  unsigned known;              /* ORC_FV_* */
  int kind;                    /* ORC_TK_* of a table */
  size_t n;                    /* its length or key count */
  lua_Number d;
  const char *s;
  size_t len;
} orc_fval;

/*
** The boolean pass (schema_check.c): does the value at absolute index idx
** match n?  ORC_V_OK or ORC_V_FAIL, allocating nothing, stopping at the
** first failure.  c->top must be the stack top and c->room an index up to
** which the stack is known to have room (c->top when unknown).  A limit
** hit on the way sets c->deep, and a validation that did is a failure.
** [-0, +0, m]
*/
int orc_check (orc_vstate *c, const orc_node *n, int idx);
/* The same on a value described by v (which it fills in as it learns).
** c->top and c->room as for orc_check.  [-0, +0, m] */
int orc_check_fval (orc_vstate *c, const orc_node *n, orc_fval *v);
/* The property of n (n->nprops > 0) named by the key string at kidx
** (key, klen: its bytes), or NULL; through n's key cache, anchoring the
** key there.  c->top must be the stack top.  [-0, +0, m] */
const orc_prop *orc_check_prop (orc_vstate *c, const orc_node *n, const char *key,
                                size_t klen, int kidx);

/*
** The collecting pass (schema_report.c): push the list of every failure of
** the value at idx against n, { path = root .. "...", message = "..." }
** each, and return its length (0: the value matches).  Resets c's
** counters.  A limit it or the boolean pass hits is listed as a failure
** too: the list is empty exactly when orc_check says yes with c->deep
** unset.  [-0, +1, m]
*/
int orc_report (orc_vstate *c, const orc_node *n, int idx, const char *root,
                size_t rootlen);

/* ---- validating and encoding in one walk (schema_encode.c) -------------- */

/* Why the encoding pass said no, when the value does not match. */
typedef struct orc_swhy {
  int failed;                  /* the value does not match the schema */
  int depth;                   /* path segments of e where it was found */
  char msg[128];
} orc_swhy;

/*
** Validate the value at idx (the stack top) against n and write it as
** JSON into e's buffer, in one walk (e from orc_jenc_start; c as for
** orc_check, counters zero).  check = 0: validate nothing, only let the
** schema choose [] or {} for the empty tables.  Returns 0, or -1 with
** either why->failed set (the value does not match; nothing pushed: run
** the collecting pass for the reasons) or the encoder's path and message
** pushed (the value cannot be JSON).  [-0, +0|2, m]
*/
int orc_schema_encode (orc_jenc *e, orc_vstate *c, const orc_node *n, int check,
                       int idx, orc_swhy *why);
/*
** The same result in two walks, the reference for tests and the fuzzer:
** the boolean pass (when check), then the plain encoder with the schema
** as its hint for empty tables.  [-0, +0|2, m]
*/
int orc_schema_encode_ref (orc_jenc *e, orc_vstate *c, const orc_node *n, int check,
                           int idx, orc_swhy *why);

#endif
