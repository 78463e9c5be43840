/*
** test_ljson.c -- the encoder's schema hint hook (orc_json_hint_class),
** through core.json_encode in an embedded Lua 5.4: what a compiled schema
** will plug into.  A hint here answers from a list of paths; the test
** checks that the encoder asks exactly about unmarked empty tables, with
** the right paths, and that the answer (and only where no marker speaks)
** decides between [] and {}.
**
**   cc -std=c99 -Wall -Wextra -pedantic -Werror -I/usr/include/lua5.4 -Isrc \
**      spec/c/test_ljson.c src/ljson_encode.c src/ljson_decode.c src/json.c \
**      src/lclass.c -llua5.4 -lm -o build/test_ljson && build/test_ljson
*/
#include <stdio.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"

#include "json.h"
#include "lcore.h"

#include "check.h"

/* The userdata block of a test hint: the paths where [] is wanted, and a
** log of the paths it was asked about. */
typedef struct Hint {
  const char *const *arrays;
  char asked[512];
} Hint;

/* Render a path the way error messages do: a.b[2]["odd key"]. */
static void render (const orc_json_path *path, char *out, size_t size) {
  int i;
  size_t n = 0;
  out[0] = '\0';
  for (i = 0; i < path->depth && n < size; i++) {
    const orc_json_seg *s = &path->seg[i];
    if (s->key == NULL)
      n += (size_t)snprintf(out + n, size - n, "[%lu]", (unsigned long)s->index);
    else if (memchr(s->key, ' ', s->klen))
      n += (size_t)snprintf(out + n, size - n, "[\"%.*s\"]", (int)s->klen, s->key);
    else
      n += (size_t)snprintf(out + n, size - n, "%s%.*s", i ? "." : "", (int)s->klen, s->key);
  }
}

static int empty_is_array (void *ud, const orc_json_path *path) {
  Hint *h = (Hint *)ud;
  char where[128];
  const char *const *p;
  render(path, where, sizeof where);
  if (strlen(h->asked) + strlen(where) + 2 < sizeof h->asked) {
    strcat(h->asked, where);
    strcat(h->asked, ";");
  }
  for (p = h->arrays; *p != NULL; p++)
    if (strcmp(*p, where) == 0) return 1;
  return 0;
}

static orc_json_hint_class HINT_CLASS = { empty_is_array };

/* Push a hint userdata answering [] at the given paths.  [-0, +1, m] */
static Hint *push_hint (lua_State *L, const char *const *arrays) {
  Hint *h = (Hint *)lua_newuserdatauv(L, sizeof *h, 0);
  h->arrays = arrays;
  h->asked[0] = '\0';
  lua_createtable(L, 0, 1);
  lua_pushlightuserdata(L, &HINT_CLASS);
  lua_setfield(L, -2, ORC_JSON_HINT_FIELD);
  lua_setmetatable(L, -2);
  return h;
}

/* Run chunk with the hint as global `hint`; the chunk returns a string. */
static const char *run (lua_State *L, const char *chunk) {
  if (luaL_dostring(L, chunk) != LUA_OK) {
    printf("lua error: %s\n", lua_tostring(L, -1));
    return "<error>";
  }
  return lua_tostring(L, -1) ? lua_tostring(L, -1) : "<not a string>";
}

int main (void) {
  static const char *const ARRAYS[] = {
    "tools", "stop", "provider.ignore", "messages[2].content", "[\"odd key\"]", NULL
  };
  lua_State *L = luaL_newstate();
  Hint *h;
  const char *out;
  luaL_openlibs(L);
  lua_newtable(L);
  orc_open_json_encode(L);
  orc_open_json_decode(L);
  lua_setglobal(L, "core");
  h = push_hint(L, ARRAYS);
  lua_setglobal(L, "hint");

  /* Each empty table alone, so the key order does not matter. */
  out = run(L, "local t = {} "
            "for _, k in ipairs{ 'tools', 'stop', 'metadata' } do "
            "  t[#t + 1] = core.json_encode({ [k] = {} }, hint) end "
            "t[#t + 1] = core.json_encode({ provider = { ignore = {} } }, hint) "
            "t[#t + 1] = core.json_encode({ messages = { { content = 'x' }, { content = {} } } }, hint) "
            "t[#t + 1] = core.json_encode({ ['odd key'] = {} }, hint) "
            "t[#t + 1] = core.json_encode({}, hint) "
            "return table.concat(t, ' ')");
  CHECK(strcmp(out, "{\"tools\":[]} {\"stop\":[]} {\"metadata\":{}} "
               "{\"provider\":{\"ignore\":[]}} "
               "{\"messages\":[{\"content\":\"x\"},{\"content\":[]}]} "
               "{\"odd key\":[]} {}") == 0, "hinted: %s", out);
  CHECK(strcmp(h->asked, "tools;stop;metadata;provider.ignore;messages[2].content;"
               "[\"odd key\"];;") == 0, "asked: %s", h->asked);

  /* Markers speak first; non-empty tables are never asked about. */
  h->asked[0] = '\0';
  out = run(L, "local o = setmetatable({}, core.json_object_mt) "
            "local a = setmetatable({}, core.json_array_mt) "
            "return core.json_encode({ tools = o }, hint) .. ' ' .. "
            "core.json_encode({ metadata = a }, hint) .. ' ' .. "
            "core.json_encode({ tools = { { type = 'function' } }, stop = { 'x' } }, hint):len() .. ' ' .. "
            "core.json_encode(core.json_decode('{\"tools\":{},\"stop\":[]}').tools, hint)");
  CHECK(strcmp(out, "{\"tools\":{}} {\"metadata\":[]} 44 {}") == 0, "markers first: %s", out);
  CHECK(strcmp(h->asked, "") == 0, "asked only about unmarked empty tables: %s", h->asked);

  /* Without a hint an empty table is {}; a wrong hint is misuse. */
  out = run(L, "return core.json_encode({ tools = {} })");
  CHECK(strcmp(out, "{\"tools\":{}}") == 0, "no hint: %s", out);
  out = run(L, "local ok, err = pcall(core.json_encode, {}, {}) "
            "return tostring(ok) .. ' ' .. tostring(err)");
  CHECK(strstr(out, "false") == out && strstr(out, "schema hint") != NULL, "bad hint: %s", out);
  out = run(L, "local ok = pcall(core.json_encode, {}, io.stdout) return tostring(ok)");
  CHECK(strcmp(out, "false") == 0, "a userdata without the field: %s", out);

  lua_close(L);
  printf("test_ljson: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
