/*
** core.c -- luaopen_openrouter_core, the only exported symbol.
*/
#include "lua.h"
#include "lauxlib.h"

#include "lcore.h"

#ifndef ORC_VERSION
#define ORC_VERSION "dev-1"
#endif

#if defined(__GNUC__)
#define ORC_EXPORT __attribute__((visibility("default")))
#else
#define ORC_EXPORT
#endif

ORC_EXPORT int luaopen_openrouter_core (lua_State *L);

/* [-0, +1, m] */
ORC_EXPORT int luaopen_openrouter_core (lua_State *L) {
  lua_newtable(L);
  lua_pushliteral(L, ORC_VERSION);
  lua_setfield(L, -2, "version");
  orc_open_sse(L);
  orc_open_schema(L);
  orc_open_transport(L);
  orc_open_json_encode(L);
  orc_open_json_decode(L);
  return 1;
}
