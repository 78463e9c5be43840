/*
** fuzz_json.c -- libFuzzer target for the JSON codec, differential.
**
** The first byte picks a mode; the rest drives it.
**
**   text   The bytes as JSON text.  core.json_decode must accept exactly
**          what the pure lexer (orc_json_check) accepts, at the same byte.
**          Accepted: encode must succeed, and decode(encode(v)) must equal
**          v as a JSON value (integers exact and still integers, floats
**          bit-equal, markers kept), the re-encoding the same length.
**          Against lua-cjson (the reference, when installed for Lua 5.4):
**          where both accept, the values agree (cjson's floats against our
**          numbers); where only one accepts, the difference must be one
**          of the documented ones (we check UTF-8 and control characters
**          and reject overflow to inf; cjson rejects a BOM, reads numbers
**          with strtod ("1.", "-.5") and stops reading at a NUL byte).
**   value  The bytes build a Lua value: every Lua shape (strings of any
**          bytes, integers over int64, doubles from raw bits incl. NaN,
**          inf, -0 and subnormals, markers, mixed and sparse tables,
**          cycles, functions, depth near the limit) and a schema hint.
**          A reference written in Lua (utf8.len for UTF-8, its own table
**          classification) says whether it is encodable; the encoder must
**          agree, and decode(encode(v)) must equal v as the reference
**          models it.
**   pure   The bytes as a double (formatting must read back bit-equal,
**          through the lexer), as UTF-8 (orc_utf8_valid against 5.4's
**          utf8.len) and as a string (escape, lex, unescape: the same bytes).
**
** A disagreement aborts with the reason.
**
**   clang -g -O1 -fsanitize=fuzzer,address,undefined -I/usr/include/lua5.4 \
**     -Isrc fuzz/fuzz_json.c src/ljson_encode.c src/ljson_decode.c \
**     src/json.c src/lclass.c -llua5.4 -lm -o build/fuzz_json
**   build/fuzz_json -max_total_time=60 fuzz/corpus/json
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"

#include "json.h"
#include "lcore.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void die (const char *what) {
  fprintf(stderr, "fuzz_json: %s\n", what);
  abort();
}

/* ---- the checks in Lua ------------------------------------------------- */

static const char CHECKS[] =
  "local core, cjson = ...\n"
  "local A, O, NULL = core.json_array_mt, core.json_object_mt, core.json_null\n"
  "local mtype, floor, huge = math.type, math.floor, math.huge\n"
  "if cjson then cjson.decode_invalid_numbers(false); cjson.decode_max_depth(5000) end\n"
  "local M = {}\n"
  /* the number a decoded JSON number must be, given the Lua number encoded */
  "local function same_number(v, d)\n"
  "  if mtype(v) == 'integer' then return mtype(d) == 'integer' and d == v end\n"
  "  if v == 0 and 1 / v < 0 then return mtype(d) == 'float' and d == 0 and 1 / d < 0 end\n"
  "  if v == floor(v) and v >= -2^53 and v <= 2^53 then return mtype(d) == 'integer' and d == v end\n"
  /* beyond 2^53 the shortest text may have no '.' or exponent ("9223372036854776") */
  "  if v == floor(v) then return d == v end\n"
  "  return mtype(d) == 'float' and d == v\n"
  "end\n"
  /* decoded d against decoded-or-built v, v's kinds as `kinds` says */
  "local function equal(v, d, kinds)\n"
  "  if v == nil or v == NULL then return d == NULL end\n"
  "  local t = type(v)\n"
  "  if t == 'number' then return type(d) == 'number' and same_number(v, d) end\n"
  "  if t ~= 'table' then return v == d end\n"
  "  if type(d) ~= 'table' then return false end\n"
  "  local kind = kinds[v]\n"
  "  if kind == 'array' then\n"
  "    if getmetatable(d) ~= A or #d ~= #v then return false end\n"
  "    for i = 1, #v do if not equal(v[i], d[i], kinds) then return false end end\n"
  "    return true\n"
  "  end\n"
  "  if next(v) == nil then return getmetatable(d) == O and next(d) == nil end\n"
  "  if getmetatable(d) ~= nil then return false end\n"
  "  local n = 0\n"
  "  for k, x in pairs(v) do n = n + 1; if not equal(x, d[k], kinds) then return false end end\n"
  "  for _ in pairs(d) do n = n - 1 end\n"
  "  return n == 0\n"
  "end\n"
  /* kinds of a decoded value: its markers */
  "local function decoded_kinds(v, kinds)\n"
  "  if type(v) ~= 'table' then return kinds end\n"
  "  kinds[v] = getmetatable(v) == A and 'array' or 'object'\n"
  "  for _, x in pairs(v) do decoded_kinds(x, kinds) end\n"
  "  return kinds\n"
  "end\n"
  /* cjson's value against ours: numbers as floats, empty tables alike */
  "local function like_cjson(c, d)\n"
  "  if type(c) == 'number' then return type(d) == 'number' and (d + 0.0 == c or (c ~= c and d ~= d)) end\n"
  "  if type(c) ~= 'table' then return c == d end\n"
  "  if type(d) ~= 'table' then return false end\n"
  "  local n = 0\n"
  "  for k, x in pairs(c) do n = n + 1; if not like_cjson(x, d[k]) then return false end end\n"
  "  for _ in pairs(d) do n = n - 1 end\n"
  "  return n == 0\n"
  "end\n"
  "function M.text(s, ok, code)\n"
  "  local v, msg, off = core.json_decode(s)\n"
  "  if (v ~= nil) ~= ok then error('decode and the lexer disagree: ' .. tostring(msg)) end\n"
  "  local cok, c = false, nil\n"
  "  if cjson then cok, c = pcall(cjson.decode, s) end\n"
  "  if v == nil then\n"
  "    if cok and not (code == 'ctrl' or code == 'utf8' or code == 'range' or code == 'number' or code == 'nul')\n"
  "    then error('cjson accepts what we reject: ' .. msg) end\n"
  "    return\n"
  "  end\n"
  "  if cjson and not cok and s:sub(1, 3) ~= '\\239\\187\\191' then\n"
  "    error('we accept what cjson rejects: ' .. tostring(c))\n"
  "  end\n"
  "  if cok and not like_cjson(c, v) then error('cjson and we decode differently') end\n"
  "  local e, p, m = core.json_encode(v)\n"
  "  if not e then error('cannot encode a decoded value: ' .. p .. ': ' .. m) end\n"
  "  local v2 = core.json_decode(e)\n"
  "  if v2 == nil then error('cannot decode our own text') end\n"
  "  if not equal(v, v2, decoded_kinds(v, {})) then error('decode(encode(v)) ~= v') end\n"
  "  local e2 = core.json_encode(v2)\n"
  "  if not e2 or #e2 ~= #e then error('re-encoding changed length') end\n"
  "end\n"
  /* the reference: is v encodable, and the kind of each table */
  "local function classify(v, hint_parity, depth, seen, kinds)\n"
  "  local t = type(v)\n"
  "  if v == nil or v == NULL or t == 'boolean' then return true end\n"
  "  if t == 'number' then return v == v and v > -huge and v < huge end\n"
  "  if t == 'string' then return utf8.len(v) ~= nil end\n"
  "  if t ~= 'table' then return false end\n"
  "  if depth >= 1000 or seen[v] then return false end\n"
  "  seen[v] = true\n"
  "  local mt, mark = getmetatable(v), nil\n"
  "  if mt == A then mark = 'array' elseif mt == O then mark = 'object' end\n"
  "  local n, nstr, seq = 0, 0, true\n"
  "  for k in pairs(v) do\n"
  "    n = n + 1\n"
  "    if type(k) == 'string' then nstr = nstr + 1 end\n"
  "  end\n"
  "  for i = 1, n do if rawget(v, i) == nil then seq = false end end\n"
  "  local kind\n"
  "  if n == 0 then\n"
  "    kind = mark or (hint_parity >= 0 and (depth + hint_parity) % 2 == 0 and 'array' or 'object')\n"
  "  elseif mark ~= 'object' and seq then kind = 'array'\n"
  "  elseif mark ~= 'array' and nstr == n then kind = 'object'\n"
  "  else return false end\n"
  "  kinds[v] = kind\n"
  "  for k, x in pairs(v) do\n"
  "    if type(k) == 'string' and utf8.len(k) == nil then return false end\n"
  "    if not classify(x, hint_parity, depth + 1, seen, kinds) then return false end\n"
  "  end\n"
  "  seen[v] = nil\n"
  "  return true\n"
  "end\n"
  "function M.value(v, hint, parity)\n"
  "  local kinds = {}\n"
  "  local ok = classify(v, parity, 0, {}, kinds)\n"
  "  local e, p, m = core.json_encode(v, hint)\n"
  "  if ok ~= (e ~= nil) then\n"
  "    error('encoder and reference disagree: ' .. tostring(ok) .. ' ' .. tostring(p) .. ': ' .. tostring(m))\n"
  "  end\n"
  "  if not e then\n"
  "    if type(p) ~= 'string' or type(m) ~= 'string' then error('an error without path or message') end\n"
  "    return\n"
  "  end\n"
  "  local d, msg = core.json_decode(e)\n"
  "  if d == nil then error('cannot decode our own text: ' .. msg) end\n"
  "  if not equal(v, d, kinds) then error('decode(encode(v)) ~= v: ' .. e) end\n"
  "end\n"
  "return M\n";

/* ---- the schema hint: [] where (depth + parity) is even ------------------ */

typedef struct Hint { int parity; } Hint;

static int hint_empty_is_array (void *ud, const orc_json_path *path) {
  const Hint *h = (const Hint *)ud;
  int i;
  for (i = 0; i < path->depth; i++)                     /* touch every segment */
    if (path->seg[i].key == NULL && path->seg[i].index == 0) die("index 0 in a path");
  return (path->depth + h->parity) % 2 == 0;
}

static orc_json_hint_class HINT_CLASS = { hint_empty_is_array };

/* ---- the value generator ------------------------------------------------- */

typedef struct In { const uint8_t *p; size_t n, i; } In;

static unsigned byte (In *in) { return in->i < in->n ? in->p[in->i++] : 0; }

static uint64_t bytes8 (In *in) {
  uint64_t v = 0;
  int k;
  for (k = 0; k < 8; k++) v = (v << 8) | byte(in);
  return v;
}

static void gen_string (lua_State *L, In *in) {
  static const char *const S[] = {
    "", "a", "role", "content", "\xc3\xa9", "\xf0\x9f\x98\x80", "\xed\xa0\x80",
    "\xc0\x80", "q\"b\\s\n\t\x01", "\xf4\x8f\xbf\xbf", "\xf4\x90\x80\x80", "a b" };
  unsigned k = byte(in);
  size_t len;
  if (k < 160) { lua_pushstring(L, S[k % 12]); return; }
  len = byte(in) % 24;
  if (len > in->n - in->i) len = in->n - in->i;
  lua_pushlstring(L, (const char *)in->p + in->i, len);
  in->i += len;
}

static void gen_number (lua_State *L, In *in) {
  static const double D[] = { 0.5, 0.1, -0.0, 1e21, 5e-324, 9007199254740992.0,
                              9007199254740993.0, 1e300, 3.0, -1.5e-7 };
  unsigned k = byte(in) % 6;
  switch (k) {
    case 0: lua_pushinteger(L, (lua_Integer)(int8_t)byte(in)); break;
    case 1: lua_pushinteger(L, (lua_Integer)bytes8(in)); break;
    case 2: {
      uint64_t bits = bytes8(in);
      double d;
      memcpy(&d, &bits, sizeof d);
      lua_pushnumber(L, d);
      break;
    }
    case 3: lua_pushnumber(L, D[byte(in) % 10]); break;
    case 4: lua_pushnumber(L, (double)(int8_t)byte(in)); break;
    default: lua_pushnumber(L, (double)(int8_t)byte(in) / 8.0); break;
  }
}

/* Push a value; `anc` is the stack index of a table of open ancestors. */
static void gen_value (lua_State *L, In *in, int depth, int anc) {
  unsigned k = byte(in) % 16;
  int i, n;
  luaL_checkstack(L, 8, "fuzz");
  if (k == 15 && (depth > 0 || byte(in) % 16 != 0)) k = 7;   /* deep: rare, at the root */
  if (depth > 8 && k >= 7) k %= 7;
  switch (k) {
    case 0: lua_pushlightuserdata(L, NULL); break;
    case 1: lua_pushboolean(L, byte(in) & 1); break;
    case 2: case 3: gen_number(L, in); break;
    case 4: case 5: gen_string(L, in); break;
    case 6:
      if (byte(in) % 8 == 0) lua_pushcfunction(L, luaopen_base);
      else lua_pushboolean(L, 0);
      break;
    case 7: case 8: case 9:                      /* an array, maybe sparse */
      n = (int)(byte(in) % 5);
      lua_createtable(L, n, 0);
      lua_pushvalue(L, -1);
      lua_rawseti(L, anc, depth + 1);
      for (i = 1; i <= n; i++) {
        gen_value(L, in, depth + 1, anc);
        lua_rawseti(L, -2, (byte(in) % 13 == 0) ? i + 2 : i);
      }
      break;
    case 10: case 11: case 12:                   /* an object, maybe mixed */
      n = (int)(byte(in) % 5);
      lua_createtable(L, 0, n);
      lua_pushvalue(L, -1);
      lua_rawseti(L, anc, depth + 1);
      for (i = 0; i < n; i++) {
        unsigned kk = byte(in);
        if (kk % 13 == 0) lua_pushinteger(L, 1 + (kk % 3));
        else if (kk % 13 == 1) lua_pushnumber(L, 0.5);
        else gen_string(L, in);
        gen_value(L, in, depth + 1, anc);
        lua_rawset(L, -3);
      }
      break;
    case 13:                                     /* a marked table */
      gen_value(L, in, depth, anc);
      if (lua_type(L, -1) == LUA_TTABLE) {
        luaL_getmetatable(L, (byte(in) & 1) ? ORC_JSON_ARRAY_MT : ORC_JSON_OBJECT_MT);
        lua_setmetatable(L, -2);
      }
      break;
    case 14:                                     /* an ancestor: a cycle */
      if (depth > 0) lua_rawgeti(L, anc, 1 + (int)(byte(in) % (unsigned)depth));
      else lua_pushnil(L);
      if (lua_isnil(L, -1)) { lua_pop(L, 1); lua_newtable(L); }
      break;
    default: {                                   /* deep nesting near the limit */
      int d = 990 + (int)(byte(in) % 20), j;
      lua_newtable(L);
      lua_pushvalue(L, -1);
      for (j = 1; j < d; j++) {
        lua_newtable(L);
        lua_pushvalue(L, -1);
        lua_rawseti(L, -3, 1);
        lua_remove(L, -2);
      }
      lua_pop(L, 1);
      break;
    }
  }
}

/* ---- the modes ----------------------------------------------------------- */

static int checks_ref = LUA_NOREF;

static void call_check (lua_State *L, const char *name, int nargs) {
  lua_rawgeti(L, LUA_REGISTRYINDEX, checks_ref);
  lua_getfield(L, -1, name);
  lua_remove(L, -2);
  lua_insert(L, -(nargs + 1));
  if (lua_pcall(L, nargs, 0, 0) != LUA_OK) {
    const char *msg = lua_tostring(L, -1);
    if (msg && strstr(msg, "not enough memory")) { lua_pop(L, 1); return; }
    die(msg ? msg : "(no message)");
  }
}

static const char *code_name (int code, const uint8_t *s, size_t n, size_t off) {
  /* cjson stops at a NUL byte: what follows it is never read there */
  if (code != ORC_JSON_OK && memchr(s, 0, n) != NULL) return "nul";
  switch (code) {
    case ORC_JSON_ECTRL: return "ctrl";
    case ORC_JSON_EUTF8: return "utf8";
    case ORC_JSON_ERANGE: return "range";
    default:
      /* cjson reads a number through strtod: "1.", "1.e5", "-.5" pass there */
      if ((code == ORC_JSON_ENUMBER || code == ORC_JSON_EEOF || code == ORC_JSON_ESYNTAX) &&
          ((off > 0 && strchr("-+.0123456789eE", s[off - 1]) != NULL) ||
           (off < n && s[off] != 0 && strchr("-+.0123456789eE", s[off]) != NULL)))
        return "number";
      return "other";
  }
}

static void mode_text (lua_State *L, const uint8_t *s, size_t n) {
  size_t off = 0;
  int code = orc_json_check((const char *)s, n, 0, &off);
  lua_pushlstring(L, (const char *)s, n);
  lua_pushboolean(L, code == ORC_JSON_OK);
  lua_pushstring(L, code_name(code, s, n, off));
  call_check(L, "text", 3);
}

static void mode_value (lua_State *L, In *in) {
  unsigned flags = byte(in);
  Hint *h;
  lua_createtable(L, 1024, 0);                   /* open ancestors by depth */
  gen_value(L, in, 0, lua_gettop(L));
  lua_remove(L, -2);
  if (flags & 1) {
    h = (Hint *)lua_newuserdatauv(L, sizeof *h, 0);
    h->parity = (int)((flags >> 1) & 1);
    lua_createtable(L, 0, 1);
    lua_pushlightuserdata(L, &HINT_CLASS);
    lua_setfield(L, -2, ORC_JSON_HINT_FIELD);
    lua_setmetatable(L, -2);
    lua_pushinteger(L, h->parity);
  } else {
    lua_pushnil(L);
    lua_pushinteger(L, -1);                      /* no hint: every empty is {} */
  }
  call_check(L, "value", 3);
}

static void mode_pure (lua_State *L, const uint8_t *s, size_t n) {
  char out[ORC_JSON_NUMBUF];
  orc_jbuf b;
  size_t bad = 0, valid;
  int code;
  if (n >= 8) {                                 /* a double */
    double d;
    int len;
    memcpy(&d, s, 8);
    len = orc_json_fmt_double(out, d);
    if (d != d || d - d != 0) {
      if (len != 0) die("NaN/inf formatted");
    } else {
      orc_jlex lx;
      orc_jtok t;
      orc_jlex_init(&lx, out, (size_t)len, 0);
      if (orc_jlex_next(&lx, &t) != ORC_JT_NUMBER || orc_jlex_next(&lx, &t) != ORC_JT_END)
        die("a formatted number does not lex");
      if (t.is_int ? (double)t.i != d || (d == 0 && out[0] == '-')
                   : memcmp(&t.d, &d, sizeof d) != 0)
        die("a formatted number does not read back");
    }
  }
  /* UTF-8 against Lua 5.4's utf8.len (strict: no surrogates, <= U+10FFFF) */
  valid = orc_utf8_valid((const char *)s, n);
  lua_getglobal(L, "utf8");
  lua_getfield(L, -1, "len");
  lua_pushlstring(L, (const char *)s, n);
  lua_call(L, 1, 2);
  if (lua_isnil(L, -2) ? (lua_Integer)valid + 1 != lua_tointeger(L, -1) : valid != n)
    die("orc_utf8_valid and utf8.len disagree");
  lua_pop(L, 3);
  /* escape, lex, unescape */
  orc_jbuf_init(&b, 0);
  code = orc_json_put_string(&b, (const char *)s, n, &bad);
  if (code == ORC_JSON_OK) {
    orc_jlex lx;
    orc_jtok t;
    char *back = (char *)malloc(n + 8);
    const char *p;
    size_t got = 0;
    if (valid != n) die("put_string accepted invalid UTF-8");
    orc_jlex_init(&lx, b.data, b.len, 0);
    if (back == NULL || orc_jlex_next(&lx, &t) != ORC_JT_STRING ||
        orc_jlex_next(&lx, &t) != ORC_JT_END)
      die("an escaped string does not lex");
    orc_jlex_init(&lx, b.data, b.len, 0);
    orc_jlex_next(&lx, &t);
    p = t.s;
    while (p < t.s + t.len) got += orc_json_unescape(&p, t.s + t.len, back + got, n + 8 - got);
    if (got != n || memcmp(back, s, n) != 0) die("unescape(escape(s)) ~= s");
    free(back);
  } else if (code != ORC_JSON_EUTF8 || bad != valid) {
    die("put_string: wrong error or offset");
  }
  orc_jbuf_free(&b);
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size) {
  static lua_State *L = NULL;
  static unsigned long runs = 0;
  In in;
  if (L == NULL) {
    L = luaL_newstate();
    luaL_openlibs(L);
    if (luaL_loadstring(L, CHECKS) != LUA_OK) die(lua_tostring(L, -1));
    lua_newtable(L);
    orc_open_json_encode(L);
    orc_open_json_decode(L);
    lua_getglobal(L, "require");
    lua_pushliteral(L, "cjson");
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
      fprintf(stderr, "fuzz_json: no lua-cjson for 5.4: differential against it off\n");
      lua_pop(L, 1);
      lua_pushnil(L);
    }
    lua_call(L, 2, 1);
    checks_ref = luaL_ref(L, LUA_REGISTRYINDEX);
  }
  if (size == 0) return 0;
  switch (data[0] % 3) {
    case 0: mode_text(L, data + 1, size - 1); break;
    case 1:
      in.p = data + 1; in.n = size - 1; in.i = 0;
      mode_value(L, &in);
      break;
    default: mode_pure(L, data + 1, size - 1); break;
  }
  lua_settop(L, 0);
  if (++runs % 256 == 0) lua_gc(L, LUA_GCCOLLECT, 0);
  return 0;
}
