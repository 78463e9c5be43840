/*
** lclass.c -- what every userdata class of the core shares: its metatable;
** and what both transports' requests share: header fields and event
** records made Lua values.  Its own file so that a binding can be linked
** alone (fuzz/fuzz_schema.c).
*/
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "evrec.h"
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

/* Stack slots of orc_push_events with `full`: the keys and common values,
** pushed once per call. */
enum { EV_INTO = 2, EV_TYPE = 4, EV_DATA, EV_ID, EV_MESSAGE, EV_EMPTY };

int orc_push_events (lua_State *L, const orc_buf *events, int full) {
  const char *p = events->p, *end = p + events->len;
  int i = 0;
  lua_settop(L, 3);
  if (full) {
    lua_pushliteral(L, "type");      /* EV_TYPE */
    lua_pushliteral(L, "data");
    lua_pushliteral(L, "id");
    lua_pushliteral(L, "message");
    lua_pushliteral(L, "");          /* EV_EMPTY */
  }
  while (p < end) {
    orc_evrec ev;
    p = orc_evrec_read(p, &ev);
    if (!full) lua_pushlstring(L, ev.data, ev.dlen);
    else {
      lua_createtable(L, 0, 3);
      lua_pushvalue(L, EV_TYPE);
      if (ev.tlen == 7 && memcmp(ev.type, "message", 7) == 0) lua_pushvalue(L, EV_MESSAGE);
      else lua_pushlstring(L, ev.type, ev.tlen);
      lua_rawset(L, -3);
      lua_pushvalue(L, EV_DATA);
      lua_pushlstring(L, ev.data, ev.dlen);
      lua_rawset(L, -3);
      lua_pushvalue(L, EV_ID);
      if (ev.ilen == 0) lua_pushvalue(L, EV_EMPTY);
      else lua_pushlstring(L, ev.id, ev.ilen);
      lua_rawset(L, -3);
    }
    lua_rawseti(L, EV_INTO, ++i);
  }
  return i;
}
