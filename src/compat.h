/*
** compat.h -- every difference between Lua 5.1, 5.2, 5.3, 5.4 and LuaJIT
** that the C core relies on.  This is the only file that tests
** LUA_VERSION_NUM.  Small on purpose: only what the core uses.
*/
#ifndef ORC_COMPAT_H
#define ORC_COMPAT_H

#include <limits.h>
#include <math.h>

#include "lua.h"
#include "lauxlib.h"

/* Keep helpers a file does not use quiet under -Wunused-function. */
#if defined(__GNUC__)
#define ORC_UNUSED __attribute__((unused))
#else
#define ORC_UNUSED
#endif

#if LUA_VERSION_NUM < 502

#ifndef LUA_OK
#define LUA_OK 0
#endif

#define orc_rawlen(L, i) lua_objlen((L), (i))

/* luaL_setfuncs with upvalues, as in 5.2. */
static ORC_UNUSED void orc_setfuncs (lua_State *L, const luaL_Reg *l, int nup) {
  luaL_checkstack(L, nup + 1, "too many upvalues");
  for (; l->name != NULL; l++) {
    int i;
    for (i = 0; i < nup; i++) lua_pushvalue(L, -nup);
    lua_pushcclosure(L, l->func, nup);
    lua_setfield(L, -(nup + 2), l->name);
  }
  lua_pop(L, nup);
}
#define luaL_setfuncs(L, l, n) orc_setfuncs((L), (l), (n))

static ORC_UNUSED int orc_absindex (lua_State *L, int i) {
  return (i > 0 || i <= LUA_REGISTRYINDEX) ? i : lua_gettop(L) + i + 1;
}
#define lua_absindex(L, i) orc_absindex((L), (i))

static ORC_UNUSED void orc_setmetatable (lua_State *L, const char *tname) {
  luaL_getmetatable(L, tname);
  lua_setmetatable(L, -2);
}
#define luaL_setmetatable(L, t) orc_setmetatable((L), (t))

static ORC_UNUSED void *orc_testudata (lua_State *L, int ud, const char *tname) {
  void *p = lua_touserdata(L, ud);
  if (p != NULL && lua_getmetatable(L, ud)) {
    luaL_getmetatable(L, tname);
    if (!lua_rawequal(L, -1, -2)) p = NULL;
    lua_pop(L, 2);
    return p;
  }
  return NULL;
}
#define luaL_testudata(L, i, t) orc_testudata((L), (i), (t))

/* The single user value of a full userdata (5.1: its environment table). */
#define orc_setuservalue(L, i) lua_setfenv((L), (i))
#define orc_getuservalue(L, i) lua_getfenv((L), (i))

#else /* 5.2 and later */

#define orc_rawlen(L, i) lua_rawlen((L), (i))

#if LUA_VERSION_NUM >= 504
#define orc_setuservalue(L, i) lua_setiuservalue((L), (i), 1)
#define orc_getuservalue(L, i) ((void)lua_getiuservalue((L), (i), 1))
#else
#define orc_setuservalue(L, i) lua_setuservalue((L), (i))
#define orc_getuservalue(L, i) ((void)lua_getuservalue((L), (i)))
#endif

#endif

/* lua_getfield / lua_rawgeti return the type only from 5.3 on. */
#if LUA_VERSION_NUM >= 503
#define orc_getfield(L, i, k) lua_getfield((L), (i), (k))
#define orc_rawgeti(L, i, n) lua_rawgeti((L), (i), (n))
#else
#define orc_getfield(L, i, k) (lua_getfield((L), (i), (k)), lua_type((L), -1))
#define orc_rawgeti(L, i, n) (lua_rawgeti((L), (i), (n)), lua_type((L), -1))
#endif

/* A full userdata with room for one user value (a table).  [-0, +1, m] */
#if LUA_VERSION_NUM >= 504
#define orc_newuserdata(L, sz) lua_newuserdatauv((L), (sz), 1)
#else
#define orc_newuserdata(L, sz) lua_newuserdata((L), (sz))
#endif

/*
** Is the value at index i a number with no fractional part?  When it is,
** *out receives it.  5.3+ integers answer directly; floats (and every
** number before 5.3) are tested for integrality.
*/
static ORC_UNUSED int orc_tointegral (lua_State *L, int i, lua_Number *out) {
  lua_Number n;
  if (lua_type(L, i) != LUA_TNUMBER) return 0;
#if LUA_VERSION_NUM >= 503
  if (lua_isinteger(L, i)) {
    *out = (lua_Number)lua_tointeger(L, i);
    return 1;
  }
#endif
  n = lua_tonumber(L, i);
  if (n != n || n - n != 0 || floor(n) != n) return 0;  /* NaN, inf, fraction */
  *out = n;
  return 1;
}

/*
** Lua integers (5.3+): is the number at i one, and push a JSON integer
** exactly when lua_Integer holds it (else its nearest number, d).
*/
#if LUA_VERSION_NUM >= 503
#define orc_isinteger(L, i) lua_isinteger((L), (i))
#if LUA_MAXINTEGER >= LLONG_MAX
#define orc_pushint64(L, v, d) lua_pushinteger((L), (lua_Integer)(v))
#else
#define orc_pushint64(L, v, d) ((v) >= LUA_MININTEGER && (v) <= LUA_MAXINTEGER \
  ? lua_pushinteger((L), (lua_Integer)(v)) : lua_pushnumber((L), (d)))
#endif
#else
#define orc_isinteger(L, i) ((void)(L), (void)(i), 0)
#define orc_pushint64(L, v, d) lua_pushnumber((L), (d))
#endif

#endif
