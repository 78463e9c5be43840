/*
** ljson_decode.c -- openrouter.core.json_decode: JSON text straight into
** Lua values, on top of the lexer in json.c.
**
**   string  -> string (unescaped; UTF-8 checked)
**   number  -> integer when written without fraction or exponent and in
**              the int64 range (5.3+: a Lua integer, exact; 5.1/LuaJIT: a
**              number, exact up to 2^53), otherwise a float
**   true, false -> booleans;  null -> the NULL light userdata (cjson.null)
**   array   -> a sequence with the array marker metatable (so that an empty
**              one, or one emptied later, encodes as [] again)
**   object  -> a table; an empty one gets the object marker metatable
**
** Items are gathered on the Lua stack and the table is made when the
** container closes, with its exact size (no rehash as it fills); a long
** container is made after BATCH items and filled directly from then on.
** Nothing is allocated but the Lua values themselves, and an escaped string
** goes through a luaL_Buffer, so a memory error raised half-way leaks
** nothing.
*/
#include <stdio.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "compat.h"
#include "json.h"
#include "ljson.h"
#include "lcore.h"
#include "orc.h"

#define BATCH 32             /* items gathered before a table is made */
#define PENDING_MAX 2048     /* stack slots all open containers may gather */

/* Upvalues of json_decode. */
#define UV_ARRAY_MT lua_upvalueindex(1)
#define UV_OBJECT_MT lua_upvalueindex(2)

typedef struct Dec {
  lua_State *L;
  int pending;               /* items on the stack not yet in a table */
  orc_jlex lx;
  orc_jtok t;
} Dec;

static int d_value (Dec *d, int type);

/* Push the string (or key) token.  [-0, +1, m] */
static void d_string (Dec *d) {
  lua_State *L = d->L;
  if (!d->t.escaped) {
    lua_pushlstring(L, d->t.s, d->t.len);
  } else {
    luaL_Buffer b;
    const char *p = d->t.s, *end = d->t.s + d->t.len;
    luaL_buffinit(L, &b);
    while (p < end) {
      char *o = luaL_prepbuffer(&b);
      luaL_addsize(&b, orc_json_unescape(&p, end, o, LUAL_BUFFERSIZE));
    }
    luaL_pushresult(&b);
  }
}

/* Room for a container's gathered items, or an error.  */
static int d_room (Dec *d, int slots) {
  if (lua_checkstack(d->L, slots + LUA_MINSTACK)) return 0;
  d->lx.error = ORC_JSON_EDEPTH;
  d->lx.error_offset = (size_t)(d->lx.p - d->lx.start);
  return -1;
}

/* (ljson.h) */
void orc_jdec_make_array (lua_State *L, int top, int n, int hint) {
  int i;
  lua_createtable(L, hint, 0);
  lua_insert(L, top + 1);
  for (i = n; i >= 1; i--) lua_rawseti(L, top + 1, i);
}

/* An array; '[' was read.  [-0, +1, m] */
static int d_array (Dec *d) {
  lua_State *L = d->L;
  int top = lua_gettop(L), n = 0, made = 0, type;
  if (d_room(d, BATCH)) return -1;
  while ((type = orc_jlex_next(&d->lx, &d->t)) != ORC_JT_ARRAY_END) {
    if (d_value(d, type)) return -1;
    n++;
    if (made) {
      lua_rawseti(L, top + 1, n);
    } else if (++d->pending, n == BATCH || d->pending >= PENDING_MAX) {
      orc_jdec_make_array(L, top, n, n * 2);
      d->pending -= n;
      made = 1;
    }
  }
  if (!made) {
    orc_jdec_make_array(L, top, n, n);
    d->pending -= n;
  }
  lua_pushvalue(L, UV_ARRAY_MT);
  lua_setmetatable(L, -2);
  return 0;
}

/* (ljson.h) */
void orc_jdec_make_object (lua_State *L, int top, int n, int hint) {
  int i;
  lua_createtable(L, 0, hint);
  for (i = 0; i < n; i++) {
    lua_pushvalue(L, top + 1 + 2 * i);
    lua_pushvalue(L, top + 2 + 2 * i);
    lua_rawset(L, -3);
  }
  if (n > 0) {
    lua_replace(L, top + 1);
    lua_settop(L, top + 1);
  }
}

/* An object; '{' was read.  [-0, +1, m] */
static int d_object (Dec *d) {
  lua_State *L = d->L;
  int top = lua_gettop(L), n = 0, made = 0, type;
  if (d_room(d, 2 * BATCH)) return -1;
  while ((type = orc_jlex_next(&d->lx, &d->t)) != ORC_JT_OBJECT_END) {
    if (type != ORC_JT_KEY) return -1;        /* the lexer's error */
    d_string(d);
    if (d_value(d, orc_jlex_next(&d->lx, &d->t))) return -1;
    n++;
    if (made) {
      lua_rawset(L, top + 1);
    } else if ((d->pending += 2), n == BATCH || d->pending >= PENDING_MAX) {
      orc_jdec_make_object(L, top, n, n * 2);
      d->pending -= 2 * n;
      made = 1;
    }
  }
  if (!made) {
    orc_jdec_make_object(L, top, n, n);
    d->pending -= 2 * n;
    if (n == 0) {
      lua_pushvalue(L, UV_OBJECT_MT);
      lua_setmetatable(L, -2);
    }
  }
  return 0;
}

/* Push the value that starts with the token just read.  [-0, +1, m] */
static int d_value (Dec *d, int type) {
  lua_State *L = d->L;
  switch (type) {
    case ORC_JT_STRING: d_string(d); return 0;
    case ORC_JT_NUMBER:
      if (d->t.is_int) orc_pushint64(L, d->t.i, d->t.d);
      else lua_pushnumber(L, (lua_Number)d->t.d);
      return 0;
    case ORC_JT_OBJECT: return d_object(d);
    case ORC_JT_ARRAY: return d_array(d);
    case ORC_JT_TRUE: lua_pushboolean(L, 1); return 0;
    case ORC_JT_FALSE: lua_pushboolean(L, 0); return 0;
    case ORC_JT_NULL: lua_pushlightuserdata(L, NULL); return 0;
    default: return -1;                       /* ORC_JT_ERROR */
  }
}

/* Push nil, a message naming the 1-based byte, and that byte.  [-0, +3, m] */
static int d_fail (lua_State *L, const char *s, size_t len, int code,
                   size_t offset) {
  char msg[96];
  unsigned long at = (unsigned long)offset + 1;
  if ((code == ORC_JSON_ESYNTAX || code == ORC_JSON_ETRAIL) && offset < len) {
    unsigned char c = (unsigned char)s[offset];
    if (c > 0x20 && c < 0x7F)
      snprintf(msg, sizeof msg, "%s '%c' at byte %lu", orc_json_strerror(code), c, at);
    else
      snprintf(msg, sizeof msg, "%s (0x%02X) at byte %lu", orc_json_strerror(code), c, at);
  } else {
    snprintf(msg, sizeof msg, "%s at byte %lu", orc_json_strerror(code), at);
  }
  lua_pushnil(L);
  lua_pushstring(L, msg);
  lua_pushinteger(L, (lua_Integer)at);
  return 3;
}

/*
** core.json_decode(s [, init [, opts]]) -> value | nil, message, byte.
** Decodes the one JSON value in s from byte init (default 1) to the end.
** opts: max_depth (default and most 1000), max_bytes (default none).
** Errors (bad JSON, invalid UTF-8, too deep, too big) return nil, a
** message and the 1-based byte offset in s where it arose.  [-0, +1|3, m]
*/
static int ljson_decode (lua_State *L) {
  size_t len, init, max_bytes = 0;
  const char *s = luaL_checklstring(L, 1, &len);
  lua_Number ini = luaL_optnumber(L, 2, 1);
  int max_depth = ORC_JSON_MAX_DEPTH;
  Dec d;
  if (!(ini >= 1 && ini <= (lua_Number)len + 1))
    return luaL_argerror(L, 2, "start position out of range");
  init = (size_t)ini - 1;
  if (!lua_isnoneornil(L, 3)) {
    luaL_checktype(L, 3, LUA_TTABLE);
    lua_getfield(L, 3, "max_depth");
    if (!lua_isnil(L, -1)) {
      lua_Number v = luaL_checknumber(L, -1);
      luaL_argcheck(L, v >= 1 && v <= ORC_JSON_MAX_DEPTH, 3,
                    "max_depth must be 1..1000");
      max_depth = (int)v;
    }
    lua_getfield(L, 3, "max_bytes");
    if (!lua_isnil(L, -1)) {
      lua_Number v = luaL_checknumber(L, -1);
      luaL_argcheck(L, v >= 1, 3, "max_bytes must be positive");
      max_bytes = v >= (lua_Number)len ? len : (size_t)v;
    }
    lua_pop(L, 2);
  }
  if (max_bytes && len - init > max_bytes) {
    char msg[64];
    snprintf(msg, sizeof msg, "JSON text longer than %lu bytes", (unsigned long)max_bytes);
    lua_pushnil(L);
    lua_pushstring(L, msg);
    lua_pushinteger(L, (lua_Integer)(init + max_bytes + 1));
    return 3;
  }
  lua_settop(L, 1);
  d.L = L;
  d.pending = 0;
  orc_jlex_init(&d.lx, s + init, len - init, max_depth);
  if (d_value(&d, orc_jlex_next(&d.lx, &d.t)) == 0 &&
      orc_jlex_next(&d.lx, &d.t) == ORC_JT_END)
    return 1;
  return d_fail(L, s, len, d.lx.error, init + d.lx.error_offset);
}

void orc_open_json_decode (lua_State *L) {
  orc_json_marker_mt(L, ORC_JSON_ARRAY_MT, "array");
  orc_json_marker_mt(L, ORC_JSON_OBJECT_MT, "object");
  lua_pushcclosure(L, ljson_decode, 2);
  lua_setfield(L, -2, "json_decode");
}
