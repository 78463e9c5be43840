/*
** schema_value.c -- the JSON view of Lua values, for every stage of the
** schema engine: the shape of a table, and equality (enum, const,
** uniqueItems).  The mapping itself is described in schema_int.h.
*/
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "compat.h"
#include "schema_int.h"
#include "orc.h"

/* The exact shape of the table at idx, and its number of keys.  [-0, +0, -] */
int orc_tkind (lua_State *L, int idx, size_t *count) {
  size_t n, cnt = 0, nstr = 0, nint = 0, k;
  idx = lua_absindex(L, idx);
  n = orc_rawlen(L, idx);
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    int kt = lua_type(L, -2);
    if (kt == LUA_TSTRING) nstr++;
    else if (kt == LUA_TNUMBER && orc_intkey(L, -2, n, &k)) nint++;
    cnt++;
    lua_pop(L, 1);
  }
  *count = cnt;
  if (cnt == 0) return ORC_TK_EMPTY;
  if (nstr == cnt) return ORC_TK_OBJECT;
  if (nint == cnt && cnt == n) return ORC_TK_ARRAY;
  return nstr > 0 ? ORC_TK_MIXED : ORC_TK_SPARSE;
}

int orc_equal (lua_State *L, int a, int b, int depth) {
  int ta = lua_type(L, a), tb = lua_type(L, b);
  size_t ca, cb, k;
  int ka, kb;
  if (ta != tb) return 0;
  if (ta != LUA_TTABLE) {
    if (ta == LUA_TNUMBER) return lua_tonumber(L, a) == lua_tonumber(L, b);
    return lua_rawequal(L, a, b);
  }
  if (lua_rawequal(L, a, b)) return 1;
  if (depth > ORC_MAX_DEPTH) return 0;
  luaL_checkstack(L, 4, "value nested too deeply");
  ka = orc_tkind(L, a, &ca);
  kb = orc_tkind(L, b, &cb);
  if (ka == ORC_TK_EMPTY || kb == ORC_TK_EMPTY) return ka == kb;
  if (ka != kb || ca != cb) return 0;
  if (ka == ORC_TK_ARRAY) {
    for (k = 1; k <= ca; k++) {
      int r;
      lua_rawgeti(L, a, (lua_Integer)k);
      lua_rawgeti(L, b, (lua_Integer)k);
      r = orc_equal(L, lua_gettop(L) - 1, lua_gettop(L), depth + 1);
      lua_pop(L, 2);
      if (!r) return 0;
    }
    return 1;
  }
  if (ka != ORC_TK_OBJECT) return 0;
  lua_pushnil(L);
  while (lua_next(L, a)) {
    int r;
    lua_pushvalue(L, -2);
    lua_rawget(L, b);
    r = !lua_isnil(L, -1) &&
        orc_equal(L, lua_gettop(L) - 1, lua_gettop(L), depth + 1);
    lua_pop(L, 2);
    if (!r) { lua_pop(L, 1); return 0; }
  }
  return 1;
}

int orc_equal_json (lua_State *L, int idx, const orc_jval *j, int depth) {
  size_t cnt, k, len;
  const char *s;
  int kind;
  switch (j->kind) {
    case ORC_J_NULL: return orc_isnull(L, idx);
    case ORC_J_BOOL:
      return lua_type(L, idx) == LUA_TBOOLEAN && lua_toboolean(L, idx) == j->b;
    case ORC_J_NUM:
      return lua_type(L, idx) == LUA_TNUMBER && lua_tonumber(L, idx) == j->num;
    case ORC_J_STR:
      if (lua_type(L, idx) != LUA_TSTRING) return 0;
      s = lua_tolstring(L, idx, &len);
      return len == j->len && memcmp(s, j->s, len) == 0;
    default: break;
  }
  if (lua_type(L, idx) != LUA_TTABLE || depth > ORC_MAX_DEPTH) return 0;
  luaL_checkstack(L, 4, "value nested too deeply");
  kind = orc_tkind(L, idx, &cnt);
  if (j->n == 0) return kind == ORC_TK_EMPTY;
  if (cnt != j->n) return 0;
  if (j->kind == ORC_J_ARR) {
    if (kind != ORC_TK_ARRAY) return 0;
    for (k = 0; k < cnt; k++) {
      int r;
      lua_rawgeti(L, idx, (lua_Integer)(k + 1));
      r = orc_equal_json(L, lua_gettop(L), &j->items[k], depth + 1);
      lua_pop(L, 1);
      if (!r) return 0;
    }
    return 1;
  }
  if (kind != ORC_TK_OBJECT) return 0;
  for (k = 0; k < cnt; k++) {
    int r;
    lua_pushlstring(L, j->keys[k], j->klens[k]);
    lua_rawget(L, idx);
    r = !lua_isnil(L, -1) && orc_equal_json(L, lua_gettop(L), &j->items[k], depth + 1);
    lua_pop(L, 1);
    if (!r) return 0;
  }
  return 1;
}

