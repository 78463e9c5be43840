/*
** lschema.c -- the Lua binding of the schema engine: core.schema_compile
** and the validator userdata ("openrouter.schema").
**
** The engine's stages, each in its own file (the shared types in
** schema_int.h):
**   schema_compile.c  a Lua table (a decoded JSON Schema, draft 7) into
**                     orc_node structures in an arena (schema.h)
**   schema_check.c    the boolean pass: yes or no, allocating nothing
**   schema_report.c   the collecting pass: every failure, with a path and
**                     a message, run only after the boolean pass said no
**   schema_value.c    the JSON view of Lua values both passes share
**   schema.c, regex.c the pure parts: arena, UTF-8, numbers, property
**                     index, suggestions, URIs; `pattern`'s regex engine
** Validation walks Lua values directly because the two alternatives cost
** more on the success path: converting a value into a C tree allocates on
** every call, and an abstract value interface puts an indirect call (and
** still a lua_State) behind every access.
**
**   schema_encode.c   the encoding pass: validate and write JSON in one walk
** The validator userdata holds an orc_schema; its user value is the table
** of key anchors the boolean pass's caches use (struct orc_pcache).
*/
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "compat.h"
#include "lcore.h"
#include "schema_int.h"
#include "orc.h"

#define SCHEMA_MT "openrouter.schema"

/* close, __gc and __close: free the arena (idempotent).  [-0, +0, -] */
static int lschema_gc (lua_State *L) {
  orc_schema *s = (orc_schema *)luaL_checkudata(L, 1, SCHEMA_MT);
  orc_arena_free(&s->arena);
  s->root = NULL;
  return 0;
}

/*
** core.schema_compile(schema [, opts]) -> validator.  [-0, +1, m]
** schema: a table or a boolean (a decoded JSON Schema, draft 7).
** opts.documents: { [uri] = schema } for $refs to other documents.
** Raises "schema error at #/path: ..." on anything it cannot honour.
*/
static int lschema_compile (lua_State *L) {
  orc_schema *s;
  int t = lua_type(L, 1);
  luaL_argcheck(L, t == LUA_TTABLE || t == LUA_TBOOLEAN, 1,
                "schema must be a table or a boolean");
  if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TTABLE);
  lua_settop(L, 2);
  /* the userdata first: a compile error leaves only what __gc frees */
  s = (orc_schema *)orc_newuserdata(L, sizeof(orc_schema));   /* 3 */
  memset(s, 0, sizeof *s);
  luaL_setmetatable(L, SCHEMA_MT);
  orc_schema_compile(L, s, 1, lua_isnil(L, 2) ? 0 : 2);       /* anchors */
  orc_setuservalue(L, 3);
  return 1;
}

/*
** v:validate(value [, root]) -> true | false, errors.  [-0, +1|2, m]
** errors: an array of { path = "provider.order[2]", message = "..." };
** the path starts with root (default ""), keys as .name (or ["odd key"]),
** array items as [i], 1-based.
*/
static int lschema_validate (lua_State *L) {
  orc_schema *s = (orc_schema *)lua_touserdata(L, 1);
  orc_vstate c;
  const char *root = "";
  size_t rootlen = 0;
  int nargs = lua_gettop(L);
  if (nargs < 2) {
    lua_settop(L, 2);     /* validate() of nothing: of nil */
    nargs = 2;
  }
  /* the metatable is upvalue 1: no registry lookup by name per call; it
  ** stays on the stack (at nargs + 1), out of the way */
  if (s == NULL || !lua_getmetatable(L, 1) ||
      !lua_rawequal(L, -1, lua_upvalueindex(1)))
    luaL_checkudata(L, 1, SCHEMA_MT);             /* raises the usual error */
  luaL_argcheck(L, s->root != NULL, 1, "validator has been freed");
  if (nargs >= 3 && !lua_isnil(L, 3)) root = luaL_checklstring(L, 3, &rootlen);
  orc_getuservalue(L, 1);
  /* the boolean pass; Lua guarantees LUA_MINSTACK free slots on entry */
  c.L = L;
  c.anchors = nargs + 2;
  c.depth = 0;
  c.calls = 0;
  c.steps = 0;
  c.deep = 0;
  c.top = nargs + 2;
  c.room = LUA_MINSTACK;
  if (orc_check(&c, s->root, 2) == ORC_V_OK && !c.deep) {
    lua_pushboolean(L, 1);
    return 1;
  }
  lua_pushboolean(L, 0);
  (void)orc_report(&c, s->root, 2, root, rootlen);
  return 2;
}

/*
** Push { { path = root .. path, message = msg } }, path being the first
** depth segments of e's.  [-0, +1, m]
*/
static void push_one_error (lua_State *L, orc_jenc *e, int depth, const char *root,
                            size_t rootlen, const char *msg) {
  const char *p;
  size_t plen;
  lua_createtable(L, 1, 0);
  lua_createtable(L, 0, 2);
  orc_jenc_path(e, depth);
  p = lua_tolstring(L, -1, &plen);
  lua_pushlstring(L, root, rootlen);
  if (rootlen > 0 && plen > 0 && p[0] != '[') lua_pushliteral(L, ".");
  else lua_pushliteral(L, "");
  lua_pushvalue(L, -3);
  lua_concat(L, 3);
  lua_setfield(L, -3, "path");
  lua_pop(L, 1);
  lua_pushstring(L, msg);
  lua_setfield(L, -2, "message");
  lua_rawseti(L, -2, 1);
}

#define DEFAULT_MAX_BYTES ((size_t)1 << 30)

/*
** Validate the value at vidx against s and write it as JSON (see
** v:encode): uv is the first of the encoder's four upvalues
** (orc_jenc_start), anchors the index of the key anchors.  Pushes the text,
** or nil and the errors; returns how many.  [-0, +1|2, m]
*/
static int encode_value (lua_State *L, orc_schema *s, int vidx, int uv, int anchors,
                         const char *root, size_t rootlen, int check, int two) {
  orc_jenc e;
  orc_vstate c;
  orc_swhy why;
  int buf = lua_gettop(L) + 1, val = buf + 1, rc;
  orc_jenc_start(&e, L, uv, DEFAULT_MAX_BYTES);   /* buf: the buffer */
  lua_pushvalue(L, vidx);                /* val: the value, on the top */
  c.L = L;
  c.anchors = anchors;
  c.depth = 0;
  c.calls = 0;
  c.steps = 0;
  c.deep = 0;
  c.top = val;
  c.room = val;
  rc = two ? orc_schema_encode_ref(&e, &c, s->root, check, val, &why)
           : orc_schema_encode(&e, &c, s->root, check, val, &why);
  if (rc == 0 && e.b->len > e.b->limit) {
    rc = orc_jenc_fail(&e, 0, "JSON text longer than 2^30 bytes");
    why.failed = 0;
  }
  if (rc == 0) {
    lua_pushlstring(L, e.b->data, e.b->len);
    orc_jenc_finish(&e, uv, buf);
    return 1;
  }
  orc_jenc_finish(&e, uv, buf);
  if (why.failed) {
    lua_settop(L, val);
    c.top = val;
    c.room = val;
    if (orc_report(&c, s->root, val, root, rootlen) == 0) {
      lua_pop(L, 1);                     /* a rule only this walk applies */
      push_one_error(L, &e, why.depth, root, rootlen, why.msg);
    }
  } else {                               /* the encoder's path and message */
    int top = lua_gettop(L);
    size_t plen;
    const char *p = lua_tolstring(L, top - 1, &plen);
    lua_createtable(L, 1, 0);
    lua_createtable(L, 0, 2);
    lua_pushlstring(L, root, rootlen);
    lua_pushstring(L, rootlen > 0 && plen > 0 && p[0] != '[' ? "." : "");
    lua_pushvalue(L, top - 1);
    lua_concat(L, 3);
    lua_setfield(L, -2, "path");
    lua_pushvalue(L, top);
    lua_setfield(L, -2, "message");
    lua_rawseti(L, -2, 1);
  }
  lua_pushnil(L);
  lua_insert(L, -2);
  return 2;
}

/*
** v:encode(value [, opts]) -> text | nil, errors.  [-0, +1|2, m]
** Validate value and write it as JSON in one walk: what was validated is
** what the text says, and the schema decides whether an empty table is []
** or {} (schema_encode.c).  errors as validate's, also for a value that
** cannot be JSON (invalid UTF-8, NaN, a function, a cycle ...): one error
** with its path.  opts: root (path prefix, as validate's), check = false
** (validate nothing, only let the schema shape the empty tables),
** two_walks = true (the reference: the boolean pass, then the encoder with
** the schema as its hint; the same result, slower).
*/
static int lschema_encode (lua_State *L) {
  orc_schema *s = (orc_schema *)lua_touserdata(L, 1);
  const char *root = "";
  size_t rootlen = 0;
  int check = 1, two = 0;
  luaL_checkany(L, 2);
  lua_settop(L, 3);
  if (s == NULL || !lua_getmetatable(L, 1) ||
      !lua_rawequal(L, -1, lua_upvalueindex(1)))
    luaL_checkudata(L, 1, SCHEMA_MT);
  luaL_argcheck(L, s->root != NULL, 1, "validator has been freed");
  lua_settop(L, 3);
  if (!lua_isnil(L, 3)) {
    luaL_checktype(L, 3, LUA_TTABLE);
    lua_getfield(L, 3, "root");
    if (!lua_isnil(L, -1)) root = luaL_checklstring(L, -1, &rootlen);
    lua_getfield(L, 3, "check");
    check = lua_isnil(L, -1) || lua_toboolean(L, -1);
    lua_getfield(L, 3, "two_walks");
    two = lua_toboolean(L, -1);
    lua_pop(L, 2);                       /* root stays anchored at 4 */
  }
  lua_settop(L, 4);                      /* 4: root, or anything */
  orc_getuservalue(L, 1);                /* 5: the key anchors */
  return encode_value(L, s, 2, 2, 5, root, rootlen, check, two);
}

/*
** The function v:encoder returns: enc(value [, check]) -> text | nil,
** errors, as v:encode(value, { root = root, check = check }).  Upvalues:
** the validator, the key anchors, root, then the encoder's four.
** [-0, +1|2, m]
*/
static int lschema_encoder_call (lua_State *L) {
  orc_schema *s = (orc_schema *)lua_touserdata(L, lua_upvalueindex(1));
  size_t rootlen;
  const char *root = lua_tolstring(L, lua_upvalueindex(3), &rootlen);
  luaL_checkany(L, 1);
  lua_settop(L, 2);
  if (s->root == NULL) return luaL_error(L, "validator has been freed");
  return encode_value(L, s, 1, 4, lua_upvalueindex(2), root, rootlen,
                      lua_isnil(L, 2) || lua_toboolean(L, 2), 0);
}

/*
** v:encoder([root]) -> enc: v:encode with its options bound, for a caller
** that encodes many values (validate.prepare): enc(value [, check]), check
** = false validating nothing.  It keeps v alive and an output buffer of
** its own.  [-0, +1, m]
*/
static int lschema_encoder (lua_State *L) {
  luaL_checkudata(L, 1, SCHEMA_MT);
  if (lua_isnoneornil(L, 2)) lua_pushliteral(L, "");
  else luaL_checkstring(L, 2);
  lua_settop(L, 2);
  lua_pushvalue(L, 1);
  orc_getuservalue(L, 1);
  lua_pushvalue(L, 2);
  orc_jenc_push_upvalues(L);
  lua_pushcclosure(L, lschema_encoder_call, 7);
  return 1;
}

/* tostring(v): "openrouter.schema (N nodes, M bytes): 0x...".  [-0, +1, m] */
static int lschema_tostring (lua_State *L) {
  orc_schema *s = (orc_schema *)luaL_checkudata(L, 1, SCHEMA_MT);
  lua_pushfstring(L, "openrouter.schema (%d nodes, %d bytes): %p",
                  (int)s->nnodes, (int)orc_arena_size(s->arena), (void *)s);
  return 1;
}

void orc_open_schema (lua_State *L) {
  static const luaL_Reg methods[] = {
    { "validate", lschema_validate },
    { "encoder", lschema_encoder },
    { NULL, NULL } };
  orc_newclass(L, SCHEMA_MT, lschema_gc);
  lua_newtable(L);
  lua_pushvalue(L, -2);
  luaL_setfuncs(L, methods, 1);
  lua_pushvalue(L, -2);                  /* the metatable, then the encoder's */
  orc_jenc_push_upvalues(L);
  lua_pushcclosure(L, lschema_encode, 5);
  lua_setfield(L, -2, "encode");
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, lschema_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_pop(L, 1);
  lua_pushcfunction(L, lschema_compile);
  lua_setfield(L, -2, "schema_compile");
}
