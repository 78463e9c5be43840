/*
** lsse.c -- the SSE parser as a Lua userdata ("openrouter.sse").
**
**   local p = core.sse_new{ max_event_bytes = N }   -- opts may be nil
**   p:feed(bytes)   --> { {type=, data=, id=}, ... }
**   p:finish()      --> true | false, reason
**   p:error()       --> nil | reason, offset
**   p:close()       -- also __gc and __close
**   p.last_event_id --> string, or nil when empty (never set, or reset by
**                       an empty id field: then no Last-Event-ID is sent)
**   p.retry         --> reconnection time in ms, or nil when never set
**   p.comments      --> number of comment lines seen (keep-alives)
*/
#include <stdio.h>
#include <string.h>

#include "compat.h"
#include "lcore.h"
#include "sse.h"
#include "orc.h"

#define LSSE_MT "openrouter.sse"

typedef struct lsse {
  orc_sse p;
  lua_State *L;              /* the running feed's state, for the callbacks */
  lua_Integer nev;           /* events pushed by the running feed */
  lua_Integer comments;      /* comment lines seen, over the parser's life */
  int closed;
} lsse;

static lsse *check_lsse (lua_State *L) {
  return (lsse *)luaL_checkudata(L, 1, LSSE_MT);
}

static lsse *check_open (lua_State *L) {
  lsse *s = check_lsse(L);
  if (s->closed) luaL_error(L, "attempt to use a closed " LSSE_MT " parser");
  return s;
}

/* Stack slots of the running feed (lsse_feed_protected). */
enum { SLOT_EVENTS = 3, SLOT_TYPE, SLOT_DATA, SLOT_ID, SLOT_MESSAGE, SLOT_EMPTY };

/*
** Event callback: append {type=, data=, id=} to the events array.  [-0, +0, m]
** The keys and the common values were pushed once per feed, so an event
** costs one table and its data string.
** This allocates, so a memory error can raise here, in the middle of
** orc_sse_feed.  The parser's state is already that of after the event
** when the callback runs, and feed runs protected (lsse_feed): the error
** is caught there, the parser is poisoned, and the error re-raised.  All
** buffers belong to the userdata, so nothing leaks either way.
*/
static int on_event (void *ud, const orc_sse_event *ev) {
  lsse *s = (lsse *)ud;
  lua_State *L = s->L;
  lua_createtable(L, 0, 3);
  lua_pushvalue(L, SLOT_TYPE);
  if (ev->type_len == 7 && memcmp(ev->type, "message", 7) == 0)
    lua_pushvalue(L, SLOT_MESSAGE);
  else
    lua_pushlstring(L, ev->type, ev->type_len);
  lua_rawset(L, -3);
  lua_pushvalue(L, SLOT_DATA);
  lua_pushlstring(L, ev->data, ev->data_len);
  lua_rawset(L, -3);
  lua_pushvalue(L, SLOT_ID);
  if (ev->id_len == 0) lua_pushvalue(L, SLOT_EMPTY);
  else lua_pushlstring(L, ev->id, ev->id_len);
  lua_rawset(L, -3);
  lua_rawseti(L, SLOT_EVENTS, (int)++s->nev);
  return 0;
}

static void on_comment (void *ud, const char *text, size_t len) {
  (void)text;
  (void)len;
  ((lsse *)ud)->comments++;
}

/*
** core.sse_new([opts]) -> parser.  [-0, +1, m]
** opts.max_event_bytes: a positive integer (default 1 MiB).
*/
static int lsse_new (lua_State *L) {
  size_t max_event = ORC_SSE_DEFAULT_MAX_EVENT;
  lsse *s;
  if (!lua_isnoneornil(L, 1)) {
    luaL_checktype(L, 1, LUA_TTABLE);
    if (orc_getfield(L, 1, "max_event_bytes") != LUA_TNIL) {
      lua_Number n;
      if (!orc_tointegral(L, -1, &n) || n < 1)
        return luaL_argerror(L, 1, "max_event_bytes must be a positive integer");
      max_event = n < (lua_Number)(((size_t)-1) / 2) ? (size_t)n
                                                     : ((size_t)-1) / 2;
    }
    lua_pop(L, 1);
  }
  s = (lsse *)orc_newuserdata(L, sizeof(lsse));
  memset(s, 0, sizeof(*s));
  orc_sse_init(&s->p, max_event, on_event, on_comment, s);
  luaL_setmetatable(L, LSSE_MT);
  return 1;
}

/* Runs orc_sse_feed under lua_pcall: (lsse*, string) -> events.  [-0, +1, m] */
static int lsse_feed_protected (lua_State *L) {
  lsse *s = (lsse *)lua_touserdata(L, 1);
  size_t len;
  const char *bytes = lua_tolstring(L, 2, &len);
  lua_settop(L, 2);
  lua_newtable(L);                     /* SLOT_EVENTS */
  lua_pushliteral(L, "type");
  lua_pushliteral(L, "data");
  lua_pushliteral(L, "id");
  lua_pushliteral(L, "message");
  lua_pushliteral(L, "");
  s->L = L;
  s->nev = 0;
  (void)orc_sse_feed(&s->p, bytes, len);   /* errors are sticky: see p:error() */
  lua_settop(L, SLOT_EVENTS);
  return 1;
}

/*
** Feed bytes; push an array of events.  [-0, +1, m]
** Raises only on misuse (a closed parser, bytes not a string) and on
** memory errors.  A protocol error becomes a sticky state reported by
** error() and finish(); events dispatched before it are still returned,
** and later feeds return empty arrays.
*/
static int lsse_feed (lua_State *L) {
  lsse *s = check_open(L);
  if (lua_type(L, 2) != LUA_TSTRING)
    return luaL_argerror(L, 2, lua_pushfstring(L, "string expected, got %s",
                                               luaL_typename(L, 2)));
  lua_settop(L, 2);
  lua_pushcfunction(L, lsse_feed_protected);
  lua_pushlightuserdata(L, s);
  lua_pushvalue(L, 2);
  if (lua_pcall(L, 2, 1, 0) != LUA_OK) {
    s->L = NULL;
    if (s->p.error == 0) {             /* the feed was abandoned midway */
      s->p.error = ORC_SSE_ENOMEM;
      s->p.error_offset = s->p.offset;
    }
    return lua_error(L);
  }
  s->L = NULL;
  return 1;
}

/* Push the sticky error as "reason at byte N".  [-0, +1, m] */
static void push_error (lua_State *L, const lsse *s) {
  char msg[96];
  snprintf(msg, sizeof(msg), "%s at byte %llu", orc_sse_strerror(s->p.error),
           (unsigned long long)s->p.error_offset);
  lua_pushstring(L, msg);
}

/*
** End of stream: true, or false + reason when an incomplete event was
** discarded or an error is sticky.  The parser may then be fed a new
** stream (a reconnection).  [-0, +(1|2), m]
*/
static int lsse_finish (lua_State *L) {
  lsse *s = check_open(L);
  if (s->p.error) {
    lua_pushboolean(L, 0);
    push_error(L, s);
    return 2;
  }
  if (orc_sse_finish(&s->p)) {
    lua_pushboolean(L, 1);
    return 1;
  }
  lua_pushboolean(L, 0);
  if (s->p.error) push_error(L, s);
  else lua_pushliteral(L, "incomplete event discarded");
  return 2;
}

/* nil, or reason + byte offset of the sticky error.  [-0, +(1|2), m] */
static int lsse_error (lua_State *L) {
  lsse *s = check_lsse(L);
  if (s->p.error == 0) {
    lua_pushnil(L);
    return 1;
  }
  lua_pushstring(L, orc_sse_strerror(s->p.error));
  lua_pushinteger(L, (lua_Integer)s->p.error_offset);
  return 2;
}

/* close, __gc and __close: free the buffers; idempotent.  [-0, +0, -] */
static int lsse_close (lua_State *L) {
  lsse *s = check_lsse(L);
  orc_sse_free(&s->p);
  s->closed = 1;
  return 0;
}

/*
** __index: methods first (upvalue 1), then the fields last_event_id,
** retry and comments.  [-0, +1, m]
*/
static int lsse_index (lua_State *L) {
  lsse *s = check_lsse(L);
  const char *k;
  lua_settop(L, 2);
  lua_pushvalue(L, 2);
  lua_rawget(L, lua_upvalueindex(1));
  if (!lua_isnil(L, -1) || lua_type(L, 2) != LUA_TSTRING) return 1;
  k = lua_tostring(L, 2);
  if (strcmp(k, "last_event_id") == 0) {
    if (!s->closed && s->p.last_id_len > 0)
      lua_pushlstring(L, s->p.last_id, s->p.last_id_len);
    else
      lua_pushnil(L);
  }
  else if (strcmp(k, "retry") == 0) {
    if (s->p.retry >= 0) lua_pushinteger(L, (lua_Integer)s->p.retry);
    else lua_pushnil(L);
  }
  else if (strcmp(k, "comments") == 0)
    lua_pushinteger(L, s->comments);
  else
    lua_pushnil(L);
  return 1;
}

/* [-0, +1, m] */
static int lsse_tostring (lua_State *L) {
  lsse *s = check_lsse(L);
  if (s->closed) lua_pushliteral(L, LSSE_MT " (closed)");
  else lua_pushfstring(L, LSSE_MT ": %p", (void *)s);
  return 1;
}

static const luaL_Reg lsse_methods[] = {
  { "feed", lsse_feed },
  { "finish", lsse_finish },
  { "error", lsse_error },
  { "close", lsse_close },
  { NULL, NULL }
};

/* Adds sse_new to the module table on the top of the stack.  [-0, +0, m] */
void orc_open_sse (lua_State *L) {
  orc_newclass(L, LSSE_MT, lsse_close);
  lua_pushcfunction(L, lsse_tostring);
  lua_setfield(L, -2, "__tostring");
  lua_newtable(L);
  luaL_setfuncs(L, lsse_methods, 0);
  lua_pushcclosure(L, lsse_index, 1);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  lua_pushcfunction(L, lsse_new);
  lua_setfield(L, -2, "sse_new");
}
