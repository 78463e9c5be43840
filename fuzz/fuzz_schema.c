/*
** fuzz_schema.c -- libFuzzer target for the schema engine.
**
** The input drives a small generator that builds a schema (keywords drawn
** from draft 7, plus junk) and a value (every Lua shape: mixed and sparse
** tables, cycles, NaN, null) in an embedded Lua state; the schema is
** compiled, and the value validated under pcall.  A compile error or a
** validation failure is fine; a crash, a leak or UB is not, and neither
** is a disagreement between the two passes: the boolean pass
** (schema_check.c) and the collecting pass (schema_report.c) both run on
** every value, and the collecting pass must list errors exactly when the
** boolean pass says no, in either direction.  The encoding pass (one walk,
** schema_encode.c) must write what its reference writes (the boolean pass,
** then the encoder with the schema's hint) and say yes and no with it
** (both_walks).  Through the binding,
** validate(v) and validate(v, root) must agree, and a "no" must come with
** errors.  The regex engine is also fed the raw input as a pattern and as
** a subject.
**
**   make build/fuzz/fuzz_schema    (mk/checks.mk: the schema engine's files)
**   build/fuzz/fuzz_schema -max_total_time=60 fuzz/corpus/schema
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"

#include "compat.h"
#include "lcore.h"
#include "regex.h"
#include "schema_int.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv);

/*
** A few inputs (a $ref back to the root under anyOf, which runs into the
** validator's step limit; patterns of many dots, slow to make a DFA of)
** take a hundred times as long as the others, and libFuzzer spent most of
** its time mutating them.  So inputs are weighed by their speed too: the
** flag goes first, and the same flag given on the command line wins.
*/
int LLVMFuzzerInitialize (int *argc, char ***argv) {
  static char flag[] = "-entropic_scale_per_exec_time=1";
  static char *args[256];
  int i, n = *argc;
  if (n < 1 || n + 2 > (int)(sizeof args / sizeof args[0])) return 0;
  args[0] = (*argv)[0];
  args[1] = flag;
  for (i = 1; i < n; i++) args[i + 1] = (*argv)[i];
  args[n + 1] = NULL;
  *argc = n + 1;
  *argv = args;
  return 0;
}

typedef struct In { const uint8_t *p; size_t n, i; } In;

static unsigned byte (In *in) { return in->i < in->n ? in->p[in->i++] : 0; }

static const char *const KEYS[] = { "a", "b", "x", "foo", "", "a b", "1" };
#define NKEYS (sizeof KEYS / sizeof KEYS[0])

static void gen_string (lua_State *L, In *in) {
  static const char *const S[] = { "", "a", "abc", "\xc3\xa9", "\xf0\x9f\x98\x80",
                                   "\xff\xfe", "foo", "http://x/y", "#", "1" };
  unsigned k = byte(in);
  if (k < 200) { lua_pushstring(L, S[k % 10]); return; }
  {
    size_t len = byte(in) % 16;
    if (len > in->n - in->i) len = in->n - in->i;
    lua_pushlstring(L, (const char *)in->p + in->i, len);
    in->i += len;
  }
}

static void gen_value (lua_State *L, In *in, int depth) {
  unsigned k = byte(in) % 13;
  int i, n;
  luaL_checkstack(L, 8, "fuzz");
  if (depth > 6) k %= 6;
  switch (k) {
    case 0: lua_pushlightuserdata(L, NULL); break;
    case 1: lua_pushboolean(L, byte(in) & 1); break;
    case 2: lua_pushinteger(L, (lua_Integer)(int8_t)byte(in)); break;
    case 3: {
      static const double D[] = { 0.5, 1.0, -2.5, 1e308, 0.0075, 0.0 / 0.0,
                                  1.0 / 0.0, 1e-9 };
      lua_pushnumber(L, D[byte(in) % 8]);
      break;
    }
    case 4: case 5: gen_string(L, in); break;
    case 6: case 7: case 8:            /* array, maybe sparse */
      n = (int)(byte(in) % 5);
      lua_createtable(L, n, 0);
      for (i = 1; i <= n; i++) {
        gen_value(L, in, depth + 1);
        lua_rawseti(L, -2, (byte(in) % 9 == 0) ? i + 3 : i);
      }
      break;
    case 9: case 10: case 11:          /* object, maybe mixed */
      n = (int)(byte(in) % 5);
      lua_createtable(L, 0, n);
      for (i = 0; i < n; i++) {
        unsigned kk = byte(in);
        if (kk % 11 == 0) lua_pushinteger(L, 1 + (kk % 3));
        else lua_pushstring(L, KEYS[kk % NKEYS]);
        gen_value(L, in, depth + 1);
        lua_rawset(L, -3);
      }
      break;
    default:                            /* a cycle */
      lua_newtable(L);
      lua_pushvalue(L, -1);
      lua_setfield(L, -2, "a");
      lua_pushvalue(L, -1);
      lua_rawseti(L, -2, 1);
      break;
  }
}

static void gen_schema (lua_State *L, In *in, int depth);

static void gen_schema_list (lua_State *L, In *in, int depth) {
  int n = (int)(byte(in) % 4), i;
  lua_createtable(L, n, 0);
  for (i = 1; i <= n; i++) {
    gen_schema(L, in, depth + 1);
    lua_rawseti(L, -2, i);
  }
}

static void gen_schema_map (lua_State *L, In *in, int depth) {
  int n = (int)(byte(in) % 4), i;
  lua_newtable(L);
  for (i = 0; i < n; i++) {
    gen_schema(L, in, depth + 1);
    lua_setfield(L, -2, KEYS[byte(in) % NKEYS]);
  }
}

static void gen_schema (lua_State *L, In *in, int depth) {
  static const char *const KW[] = {
    "type", "enum", "const", "properties", "required", "additionalProperties",
    "propertyNames", "minProperties", "maxProperties", "items", "additionalItems",
    "contains", "minItems", "maxItems", "uniqueItems", "minimum", "maximum",
    "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minLength", "maxLength",
    "pattern", "patternProperties", "anyOf", "oneOf", "allOf", "not", "if", "then",
    "else", "dependencies", "$ref", "definitions", "$id", "title", "bogus" };
  static const char *const REFS[] = { "#", "#/definitions/a", "#/definitions/b",
    "#/properties/x", "#/items/0", "#foo", "#/definitions/a~1b", "http://x/y",
    "urn:x#/definitions/a", "#/anyOf/1" };
  static const char *const TYPES[] = { "null", "boolean", "integer", "number",
    "string", "array", "object", "text" };
  unsigned k = byte(in);
  int n, i;
  luaL_checkstack(L, 8, "fuzz");
  if (k % 9 == 0 || depth > 5) { lua_pushboolean(L, k & 16); return; }
  n = (int)(byte(in) % 5);
  lua_newtable(L);
  for (i = 0; i < n; i++) {
    unsigned w = byte(in) % (sizeof KW / sizeof KW[0]);
    const char *kw = KW[w];
    switch (w) {
      case 0:
        if (byte(in) & 1) lua_pushstring(L, TYPES[byte(in) % 8]);
        else {
          lua_newtable(L);
          lua_pushstring(L, TYPES[byte(in) % 8]); lua_rawseti(L, -2, 1);
          lua_pushstring(L, TYPES[byte(in) % 8]); lua_rawseti(L, -2, 2);
        }
        break;
      case 1: case 2: gen_value(L, in, 3); break;
      case 3: case 23: case 33: gen_schema_map(L, in, depth); break;
      case 4: {
        lua_newtable(L);
        lua_pushstring(L, KEYS[byte(in) % NKEYS]); lua_rawseti(L, -2, 1);
        break;
      }
      case 5: case 6: case 10: case 11: case 27: case 28: case 29: case 30:
        gen_schema(L, in, depth + 1);
        break;
      case 9:
        if (byte(in) & 1) gen_schema(L, in, depth + 1);
        else gen_schema_list(L, in, depth);
        break;
      case 24: case 25: case 26: gen_schema_list(L, in, depth); break;
      case 7: case 8: case 12: case 13: case 20: case 21:
        lua_pushinteger(L, (lua_Integer)(byte(in) % 5) - (byte(in) == 7));
        break;
      case 14: lua_pushboolean(L, byte(in) & 1); break;
      case 15: case 16: case 17: case 18: case 19:
        lua_pushnumber(L, ((double)(int8_t)byte(in)) / 4.0);
        break;
      case 22: gen_string(L, in); break;
      case 31: gen_schema_map(L, in, depth); break;
      case 32: lua_pushstring(L, REFS[byte(in) % 10]); break;
      case 34: lua_pushstring(L, (byte(in) & 1) ? "#foo" : "http://x/y"); break;
      default: gen_value(L, in, 4); break;
    }
    lua_setfield(L, -2, kw);
  }
}

/* Both passes on one value, whatever the first says: the validator at 1,
** the value at 2.  Aborts on a disagreement.  [-0, +0, m] */
static int both_passes (lua_State *L) {
  orc_schema *s = (orc_schema *)lua_touserdata(L, 1);
  orc_vstate c;
  int yes, nerr;
  lua_settop(L, 2);
  orc_getuservalue(L, 1);              /* 3: the key anchors */
  memset(&c, 0, sizeof c);
  c.L = L;
  c.anchors = 3;
  c.top = 3;
  c.room = 3;
  yes = orc_check(&c, s->root, 2) == ORC_V_OK && !c.deep;
  nerr = orc_report(&c, s->root, 2, "", 0);
  if (yes != (nerr == 0)) {
    fprintf(stderr, "the passes disagree: boolean %s, collecting %d errors\n",
            yes ? "yes" : "no", nerr);
    if (nerr > 0) {
      lua_rawgeti(L, -1, 1);
      lua_getfield(L, -1, "message");
      fprintf(stderr, "  %s\n", lua_tostring(L, -1));
    }
    abort();
  }
  return 0;
}

/* Does the value at idx hold an empty table (cycles followed once)?
** The seen table at `seen`.  [-0, +0, m] */
static int has_empty (lua_State *L, int idx, int seen) {
  int found = 0;
  if (lua_type(L, idx) != LUA_TTABLE) return 0;
  lua_pushvalue(L, idx);
  lua_rawget(L, seen);
  if (lua_toboolean(L, -1)) { lua_pop(L, 1); return 0; }
  lua_pop(L, 1);
  lua_pushvalue(L, idx);
  lua_pushboolean(L, 1);
  lua_rawset(L, seen);
  luaL_checkstack(L, 4, "fuzz");
  lua_pushnil(L);
  if (!lua_next(L, idx)) return 1;
  do {
    if (!found) found = has_empty(L, lua_gettop(L), seen);
    lua_pop(L, 1);
  } while (lua_next(L, idx));
  return found;
}

/* One run of the encoding pass (two: the reference) with validation on or
** off: pushes the text or false; *deep says a limit was reached.  Upvalues:
** the encoder's.  [-0, +1, m] */
static void one_walk (lua_State *L, orc_schema *s, int two, int check, int *deep) {
  orc_jenc e;
  orc_vstate c;
  orc_swhy why;
  int top = lua_gettop(L), rc;
  orc_jenc_start(&e, L, 1, (size_t)1 << 20);     /* top + 1: the buffer */
  lua_pushvalue(L, 2);                           /* top + 2: the value */
  memset(&c, 0, sizeof c);
  c.L = L;
  c.anchors = 3;
  c.top = top + 2;
  c.room = top + 2;
  rc = two ? orc_schema_encode_ref(&e, &c, s->root, check, top + 2, &why)
           : orc_schema_encode(&e, &c, s->root, check, top + 2, &why);
  *deep = c.deep != 0;
  if (rc == 0) lua_pushlstring(L, e.b->data, e.b->len);
  else lua_pushboolean(L, 0);
  lua_replace(L, top + 2);
  orc_jenc_finish(&e, 1, top + 1);
  lua_settop(L, top + 2);
  lua_remove(L, top + 1);
}

/*
** The encoding pass against its reference (the boolean pass, then the
** encoder with the schema's hint), validating and not: the same text when
** both write one; the same verdict unless a limit was reached or the value
** holds an empty table (which the walk checks as the [] or {} it writes,
** the boolean pass as both).  Validator at 1, value at 2.  [-0, +0, m]
*/
static int both_walks (lua_State *L) {
  orc_schema *s = (orc_schema *)lua_touserdata(L, 1);
  int check, empty;
  lua_settop(L, 2);
  orc_getuservalue(L, 1);              /* 3: the key anchors */
  lua_newtable(L);
  empty = has_empty(L, 2, 4);
  lua_pop(L, 1);
  for (check = 1; check >= 0; check--) {
    int d1, d2;
    size_t n1, n2;
    const char *t1, *t2;
    one_walk(L, s, 0, check, &d1);
    one_walk(L, s, 1, check, &d2);
    t1 = lua_tolstring(L, -2, &n1);
    t2 = lua_tolstring(L, -1, &n2);
    if (t1 != NULL && t2 != NULL && (n1 != n2 || memcmp(t1, t2, n1) != 0)) {
      fprintf(stderr, "the walks write differently (check %d):\n  %s\n  %s\n", check, t1, t2);
      abort();
    }
    if ((t1 != NULL) != (t2 != NULL) && !d1 && !d2 && (!empty || !check)) {
      fprintf(stderr, "the walks disagree (check %d): one walk %s, two walks %s\n", check,
              t1 ? "yes" : "no", t2 ? "yes" : "no");
      abort();
    }
    lua_pop(L, 2);
  }
  return 0;
}

static const char RUN[] =
  "local compile, both, walks, s, v = ...\n"
  "local ok, val = pcall(compile, s)\n"
  "if ok then\n"
  "  both(val, v)\n"
  "  walks(val, v)\n"
  "  local r1 = val:validate(v)\n"
  "  local r2, errs = val:validate(v, 'root')\n"
  "  assert(r1 == r2)\n"
  "  if not r2 then\n"
  "    assert(#errs > 0)\n"
  "    for _, e in ipairs(errs) do\n"
  "      assert(type(e.path) == 'string' and e.path:sub(1, 4) == 'root')\n"
  "      assert(type(e.message) == 'string' and #e.message > 0)\n"
  "    end\n"
  "  end\n"
  "end\n";

/* With FUZZ_SCHEMA_DUMP set, the generated schema and value are printed:
**   FUZZ_SCHEMA_DUMP=1 build/fuzz/fuzz_schema build/fuzz/schema-crash-... */
static const char DUMP[] =
  "local seen = {}\n"
  "local function show(v, ind)\n"
  "  if type(v) == 'string' then return string.format('%q', v) end\n"
  "  if type(v) == 'userdata' then return 'null' end\n"
  "  if type(v) ~= 'table' then return tostring(v) end\n"
  "  if seen[v] then return '<cycle>' end\n"
  "  seen[v] = true\n"
  "  local keys = {}\n"
  "  for k in pairs(v) do keys[#keys + 1] = k end\n"
  "  table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)\n"
  "  local out = {}\n"
  "  for _, k in ipairs(keys) do\n"
  "    out[#out + 1] = ind .. '  [' .. show(k, '') .. '] = ' .. show(v[k], ind .. '  ')\n"
  "  end\n"
  "  seen[v] = nil\n"
  "  if #out == 0 then return '{}' end\n"
  "  return '{\\n' .. table.concat(out, ',\\n') .. '\\n' .. ind .. '}'\n"
  "end\n"
  "local s, v = ...\n"
  "print('schema = ' .. show(s, ''))\n"
  "print('value = ' .. show(v, ''))\n";

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size) {
  static lua_State *L = NULL;
  static int run_ref, compile_ref;     /* RUN and schema_compile, made once */
  In in;
  if (L == NULL) {
    L = luaL_newstate();
    luaL_openlibs(L);
    if (luaL_loadstring(L, RUN) != LUA_OK) abort();
    run_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_newtable(L);
    orc_open_schema(L);
    lua_getfield(L, -1, "schema_compile");
    compile_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pop(L, 1);
  }
  /* the regex engine alone */
  {
    orc_arena *a = NULL;
    char err[128];
    orc_regex *re = orc_regex_compile(&a, (const char *)data, size, err, sizeof err);
    if (re != NULL) {
      (void)orc_regex_search(re, (const char *)data, size);
      (void)orc_regex_search(re, "abc \xc3\xa9 123", 11);
    }
    orc_arena_free(&a);
  }
  in.p = data; in.n = size; in.i = 0;
  lua_settop(L, 0);
  lua_rawgeti(L, LUA_REGISTRYINDEX, run_ref);
  lua_rawgeti(L, LUA_REGISTRYINDEX, compile_ref);
  lua_pushcfunction(L, both_passes);
  orc_jenc_push_upvalues(L);
  lua_pushcclosure(L, both_walks, 4);
  gen_schema(L, &in, 0);
  gen_value(L, &in, 0);
  if (getenv("FUZZ_SCHEMA_DUMP") != NULL) {
    if (luaL_loadstring(L, DUMP) != LUA_OK) abort();
    lua_pushvalue(L, -3);
    lua_pushvalue(L, -3);
    lua_call(L, 2, 0);
  }
  if (lua_pcall(L, 5, 0, 0) != LUA_OK) {
    /* only the assertions above may fail: the binding disagrees */
    const char *msg = lua_tostring(L, -1);
    if (msg != NULL && strstr(msg, "assertion failed") != NULL) abort();
  }
  lua_settop(L, 0);
  lua_gc(L, LUA_GCCOLLECT, 0);
  return 0;
}
