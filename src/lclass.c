/*
** lclass.c -- what every userdata class of the core shares: its metatable.
** Its own file so that a binding can be linked alone (fuzz/fuzz_schema.c).
*/
#include "lua.h"
#include "lauxlib.h"

#include "lcore.h"
#include "orc.h"

void orc_newclass (lua_State *L, const char *name, lua_CFunction close) {
  luaL_newmetatable(L, name);
  lua_pushstring(L, name);
  lua_setfield(L, -2, "__name");
  lua_pushcfunction(L, close);
  lua_setfield(L, -2, "__gc");
  lua_pushcfunction(L, close);
  lua_setfield(L, -2, "__close");
}

void orc_header_field (lua_State *L, const char *name, size_t nlen, const char *v, size_t vlen) {
  luaL_Buffer b;
  size_t i;
  luaL_buffinit(L, &b);
  for (i = 0; i < nlen; i++) {
    char c = name[i];
    luaL_addchar(&b, (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c);
  }
  luaL_pushresult(&b);
  lua_pushvalue(L, -1);
  lua_rawget(L, -3);
  if (lua_isstring(L, -1)) {
    lua_pushliteral(L, ", ");
    lua_pushlstring(L, v, vlen);
    lua_concat(L, 3);
  }
  else {
    lua_pop(L, 1);
    lua_pushlstring(L, v, vlen);
  }
  lua_rawset(L, -3);
}
