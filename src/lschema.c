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
