/*
** core.c -- luaopen_openrouter_core, the only exported symbol (ORC_EXPORT:
** src/orc.h hides everything else).
*/
#include "lua.h"
#include "lauxlib.h"

#include "lcore.h"
#include "orc.h"

#ifndef ORC_VERSION
#define ORC_VERSION "dev-1"
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
  orc_open_base64(L);
  orc_open_json_encode(L);
  orc_open_json_decode(L);
  orc_open_http1(L);
  orc_open_chunk(L);
  return 1;
}
