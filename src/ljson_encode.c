/*
** ljson_encode.c -- openrouter.core.json_encode: Lua values to JSON text,
** and the markers that say how a table encodes.
**
**   nil (at the root), NULL light userdata (openrouter.null, cjson.null)
**                         -> null
**   boolean               -> true / false
**   integer (5.3+)        -> its exact digits
**   float                 -> integral and |x| <= 2^53: as an integer;
**                            otherwise the shortest text that reads back
**                            as the same double; NaN and inf: an error
**   string                -> a JSON string; invalid UTF-8: an error
**   table                 -> see below; a cycle or nesting deeper than
**                            max_depth (1000): an error
**   a registered light userdata (cjson.empty_array) -> []
**   anything else (functions, threads, userdata) -> an error
**
** Tables.  A marker metatable decides first: the array marker (decoded
** arrays, openrouter.array, cjson's array_mt) makes an array, the object
** marker (decoded empty objects, openrouter.object) an object; a metatable
** with __jsontype = "array"/"object" (dkjson's convention) counts as a
** marker too.  Without one: keys 1..n with no holes make an array, string
** keys an object, and an empty table is {} unless the schema hint says []
** at its path (cjson's empty_array_mt also makes it []).  Anything else is
** an error naming the path, never a silent loss: a table mixing array
** items and string keys, a sequence with holes (a "sparse array"), number
** keys in an object, keys of other types.
**
** Errors return nil, path, message; the path is written as the schema
** engine writes it: messages[2].content, provider.order[1], ["odd key"].
**
** The output buffer is a full userdata (its __gc frees the storage), so a
** memory error raised half-way leaks nothing; one such buffer is kept
** between calls in an upvalue and taken out while in use, so a call that
** re-enters (from a finalizer) gets a buffer of its own.
*/
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "compat.h"
#include "json.h"
#include "lcore.h"
#include "ljson.h"
#include "orc.h"

#define BUFFER_MT "openrouter.json.buffer"
#define KEEP_BYTES (1024 * 1024)  /* a kept buffer larger than this is freed */
#define DEFAULT_MAX_BYTES ((size_t)1 << 30)

#define MARKS "openrouter.json.marks"   /* registry: the marks table */

/* What a table's metatable says (marks table values are these numbers). */
enum { MK_NONE = 0, MK_ARRAY = 1, MK_OBJECT = 2, MK_EMPTY_ARRAY = 3 };

typedef orc_jenc Enc;

static int e_value (Enc *e, int idx);

/* ---- errors ----------------------------------------------------------- */

static int is_ident (const char *s, size_t len) {
  size_t i;
  if (len == 0 || (s[0] >= '0' && s[0] <= '9')) return 0;
  for (i = 0; i < len; i++) {
    int c = (unsigned char)s[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '_'))
      return 0;
  }
  return 1;
}

/* Push the path of the first depth segments.  [-0, +1, m] */
static void e_path (Enc *e, int depth) {
  lua_State *L = e->L;
  luaL_Buffer b;
  int i;
  luaL_buffinit(L, &b);
  for (i = 0; i < depth; i++) {
    const orc_json_seg *s = &e->seg[i];
    if (s->key == NULL) {
      char num[32];
      snprintf(num, sizeof num, "[%lu]", (unsigned long)s->index);
      luaL_addstring(&b, num);
    } else if (is_ident(s->key, s->klen)) {
      if (i > 0) luaL_addchar(&b, '.');
      luaL_addlstring(&b, s->key, s->klen);
    } else {
      size_t k;
      luaL_addlstring(&b, "[\"", 2);
      for (k = 0; k < s->klen; k++) {
        if (s->key[k] == '"' || s->key[k] == '\\') luaL_addchar(&b, '\\');
        luaL_addchar(&b, s->key[k]);
      }
      luaL_addlstring(&b, "\"]", 2);
    }
  }
  luaL_pushresult(&b);
}

/*
** Fail at the current path (depth segments) with a message: pushes the
** path and the message, and the callers return -1 all the way up without
** touching the stack.  [-0, +2, m]
*/
static int e_fail (Enc *e, int depth, const char *msg) {
  e_path(e, depth);
  lua_pushstring(e->L, msg);
  return -1;
}

static int e_nomem (Enc *e, int code) {
  char msg[64];
  if (code == ORC_JSON_ETOOBIG)
    snprintf(msg, sizeof msg, "JSON text longer than %lu bytes",
             (unsigned long)e->b->limit);
  else
    snprintf(msg, sizeof msg, "%s", orc_json_strerror(code));
  return e_fail(e, e->depth, msg);
}

/* ---- output ----------------------------------------------------------- */

static int e_raw (Enc *e, const char *s, size_t n) {
  int code = orc_jbuf_reserve(e->b, n);
  if (code != ORC_JSON_OK) return e_nomem(e, code);
  if (n <= 8) {                      /* literals and most numbers: no call */
    char *out = e->b->data + e->b->len;
    size_t i;
    for (i = 0; i < n; i++) out[i] = s[i];
  } else {
    memcpy(e->b->data + e->b->len, s, n);
  }
  e->b->len += n;
  return 0;
}

static int e_char_grow (Enc *e, char c) {
  int code = orc_jbuf_reserve(e->b, 1);
  if (code != ORC_JSON_OK) return e_nomem(e, code);
  e->b->data[e->b->len++] = c;
  return 0;
}

/* One byte; 0, or -1 after e_fail.  The common case inline. */
#define e_char(e, c) ((e)->b->len < (e)->b->cap \
  ? ((e)->b->data[(e)->b->len++] = (c), 0) : e_char_grow((e), (c)))

/* Bytes a string holds as they are: printable ASCII and DEL, but '"' and '\\'. */
static const unsigned char PLAIN[256] = {
#define P16(x) x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x
  P16(0), P16(0),
  1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,        /* '"' */
  P16(1), P16(1),
  1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,        /* '\\' */
  P16(1), P16(1),
  P16(0), P16(0), P16(0), P16(0), P16(0), P16(0), P16(0), P16(0)
#undef P16
};

#define ONES8 UINT64_C(0x0101010101010101)
#define HIGHS8 UINT64_C(0x8080808080808080)
#define ONES4 UINT32_C(0x01010101)
#define HIGHS4 UINT32_C(0x80808080)

/* Is any of the bytes in v not plain (see PLAIN)?  A borrow can only
** mark a byte above a marked one, so "any" is exact. */
static int special8 (uint64_t v) {
  uint64_t q = v ^ (ONES8 * '"'), b = v ^ (ONES8 * '\\');
  return ((((q - ONES8) & ~q) | ((b - ONES8) & ~b) | ((v - ONES8 * 0x20) & ~v) | v) &
          HIGHS8) != 0;
}

static int special4 (uint32_t v) {
  uint32_t q = v ^ (ONES4 * '"'), b = v ^ (ONES4 * '\\');
  return ((((q - ONES4) & ~q) | ((b - ONES4) & ~b) | ((v - ONES4 * 0x20) & ~v) | v) &
          HIGHS4) != 0;
}

#define SHORT_STRING 64

/* The string s[0..len); what names it in an error ("string", "key"). */
static int e_lstring (Enc *e, const char *s, size_t len, const char *what) {
  size_t bad;
  int code;
  /* a short plain string (most keys and values): checked and copied a word
  ** at a time, the last word overlapping; anything else: the general path */
  if (len <= SHORT_STRING && e->b->cap - e->b->len >= len + 2) {
    char *out = e->b->data + e->b->len + 1;
    size_t i;
    if (len >= 8) {
      uint64_t v;
      for (i = 0; i + 8 <= len; i += 8) {
        memcpy(&v, s + i, 8);
        if (special8(v)) goto general;
        memcpy(out + i, &v, 8);
      }
      if (i < len) {
        memcpy(&v, s + len - 8, 8);
        if (special8(v)) goto general;
        memcpy(out + len - 8, &v, 8);
      }
    } else if (len >= 4) {
      uint32_t a, b;
      memcpy(&a, s, 4);
      memcpy(&b, s + len - 4, 4);
      if (special4(a) || special4(b)) goto general;
      memcpy(out, &a, 4);
      memcpy(out + len - 4, &b, 4);
    } else {
      for (i = 0; i < len; i++) {
        if (!PLAIN[(unsigned char)s[i]]) goto general;
        out[i] = s[i];
      }
    }
    out[-1] = '"';
    out[len] = '"';
    e->b->len += len + 2;
    return 0;
  }
general:
  code = orc_json_put_string(e->b, s, len, &bad);
  if (code == ORC_JSON_EUTF8) {
    char msg[96];
    snprintf(msg, sizeof msg, "invalid UTF-8 in a %s (byte %lu: 0x%02X)", what,
             (unsigned long)bad + 1, (unsigned)(unsigned char)s[bad]);
    return e_fail(e, e->depth, msg);
  }
  if (code != ORC_JSON_OK) return e_nomem(e, code);
  return 0;
}

/* The string at idx. */
static int e_string (Enc *e, int idx) {
  size_t len;
  const char *s = lua_tolstring(e->L, idx, &len);
  return e_lstring(e, s, len, "string");
}

/* The number at idx, whose value as a lua_Number is d: one API call per
** number.  Below 2^53 in magnitude an integer converts to d exactly and
** is written with the digits of the integral float of the same value, so
** the subtype is asked only past that (where a float is written as a
** float).  An integral d is written as an integer; -0.0 goes to
** fmt_double ("-0.0"). */
static int e_number_d (Enc *e, int idx, lua_Number d) {
  char num[ORC_JSON_NUMBUF];
  long long i;
  int n;
  if (!(fabs((double)d) < 9007199254740992.0)) {     /* NaN and inf too */
    if (orc_isinteger(e->L, idx)) {
      n = orc_json_fmt_int(num, (long long)lua_tointeger(e->L, idx));
    } else {
      n = orc_json_fmt_double(num, (double)d);
      if (n == 0)
        return e_fail(e, e->depth, d != d ? "NaN is not a JSON number"
                                          : "infinity is not a JSON number");
    }
    return e_raw(e, num, (size_t)n);
  }
  i = (long long)d;
  if ((lua_Number)i != d || (i == 0 && signbit((double)d))) {
    n = orc_json_fmt_double(num, (double)d);
  } else if (i >= 0 && i < 1000 && e->b->cap - e->b->len >= 3) {
    char *out = e->b->data + e->b->len;  /* the small counts most are, in place */
    int u = (int)i;
    if (u >= 100) *out++ = (char)('0' + u / 100);
    if (u >= 10) *out++ = (char)('0' + u / 10 % 10);
    *out++ = (char)('0' + u % 10);
    e->b->len = (size_t)(out - e->b->data);
    return 0;
  } else {
    n = orc_json_fmt_int(num, i);
  }
  return e_raw(e, num, (size_t)n);
}

static int e_number (Enc *e, int idx) {
  return e_number_d(e, idx, lua_tonumber(e->L, idx));
}

/* ---- tables ----------------------------------------------------------- */

/* What the metatable of the table at idx says.  [-0, +0, -] */
static int e_marker (Enc *e, int idx) {
  lua_State *L = e->L;
  int kind = MK_NONE;
  if (!lua_getmetatable(L, idx)) return MK_NONE;
  if (lua_rawequal(L, -1, e->array_mt)) kind = MK_ARRAY;
  else if (lua_rawequal(L, -1, e->object_mt)) kind = MK_OBJECT;
  else {
    lua_pushvalue(L, -1);
    lua_rawget(L, e->marks);
    if (lua_type(L, -1) == LUA_TNUMBER) {
      kind = (int)lua_tonumber(L, -1);
    } else {
      const char *jt;
      lua_pop(L, 1);
      lua_pushliteral(L, "__jsontype");
      lua_rawget(L, -2);
      jt = lua_tostring(L, -1);
      if (jt != NULL && strcmp(jt, "array") == 0) kind = MK_ARRAY;
      else if (jt != NULL && strcmp(jt, "object") == 0) kind = MK_OBJECT;
    }
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  return kind;
}

/* Is the key at idx the integer k?  [-0, +0, -] */
static int key_is (lua_State *L, int idx, size_t k) {
  if (orc_isinteger(L, idx)) return (lua_Integer)k == lua_tointeger(L, idx);
  if (lua_type(L, idx) != LUA_TNUMBER) return 0;
  return lua_tonumber(L, idx) == (lua_Number)k;
}

/* Describe the key at idx for a message.  */
static void key_text (lua_State *L, int idx, char *out, size_t size) {
  switch (lua_type(L, idx)) {
    case LUA_TSTRING: {
      size_t len;
      const char *s = lua_tolstring(L, idx, &len);
      snprintf(out, size, "\"%.*s\"%s", (int)(len > 40 ? 40 : len), s,
               len > 40 ? "..." : "");
      break;
    }
    case LUA_TNUMBER:
      if (orc_isinteger(L, idx))
        snprintf(out, size, "%lld", (long long)lua_tointeger(L, idx));
      else
        snprintf(out, size, "%.17g", (double)lua_tonumber(L, idx));
      break;
    default:
      snprintf(out, size, "of type %s", luaL_typename(L, idx));
      break;
  }
}

/* An array's item: the visitor's, or the plain encoder's.  */
#define e_item(e, vis, frame, idx) \
  ((vis) ? (vis)->item((e), (frame), (idx)) : e_value((e), (idx)))

/*
** The table at idx as an array of n items.  The common case is one pass:
** lua_next hands out 1, 2, ... in order.  Otherwise (items in the hash
** part, out of order) the output so far is dropped, every key is checked
** to be in 1..n, and the items are written by index.  `more`: e_table's
** lua_next left the first key and value on the stack (0: the table has
** no key, and n is 0).  [-(more ? 2 : 0), +0, m]
*/
static int e_array (Enc *e, int idx, size_t n, int more, const orc_jvisit *vis,
                    void *frame) {
  lua_State *L = e->L;
  size_t i = 0, mark;
  int d = e->depth;
  const int item = lua_gettop(L) + (more ? 0 : 2);    /* lua_next's value */
  if (e_char(e, '[')) return -1;
  mark = e->b->len;
  e->seg[d].key = NULL;
  while (more) {
    if (!key_is(L, -2, i + 1)) {
      lua_pop(L, 2);
      goto slow;
    }
    i++;
    if (i > 1 && e_char(e, ',')) return -1;
    e->seg[d].index = i;
    e->depth = d + 1;
    if (e_item(e, vis, frame, item)) return -1;
    e->depth = d;
    lua_pop(L, 1);
    more = lua_next(L, idx);
  }
  if (i == n) return e_char(e, ']');
slow:
  e->b->len = mark;
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_Number k;
    if (lua_type(L, -2) != LUA_TNUMBER ||
        (k = lua_tonumber(L, -2), !(k >= 1 && k <= (lua_Number)n)) ||
        k != (lua_Number)(size_t)k) {
      char key[64], msg[200];
      int kt = lua_type(L, -2);
      key_text(L, -2, key, sizeof key);
      if (kt == LUA_TSTRING)
        snprintf(msg, sizeof msg, "table mixes array items and string keys "
                 "(key %s)", key);
      else if (kt == LUA_TNUMBER)
        snprintf(msg, sizeof msg, "sparse array: key %s is outside 1..%lu "
                 "(arrays need keys 1..n with no holes)", key, (unsigned long)n);
      else
        snprintf(msg, sizeof msg, "table key %s cannot be a JSON key", key);
      return e_fail(e, d, msg);
    }
    lua_pop(L, 1);
  }
  for (i = 1; i <= n; i++) {
    if (i > 1 && e_char(e, ',')) return -1;
    if (orc_rawgeti(L, idx, (int)i) == LUA_TNIL) {
      char msg[96];
      snprintf(msg, sizeof msg, "sparse array: item %lu of %lu is nil "
               "(use openrouter.null)", (unsigned long)i, (unsigned long)n);
      return e_fail(e, d, msg);
    }
    e->seg[d].index = i;
    e->depth = d + 1;
    if (e_item(e, vis, frame, item - 1)) return -1;       /* rawgeti's */
    e->depth = d;
    lua_pop(L, 1);
  }
  return e_char(e, ']');
}

/*
** The table at idx as an object.  `more`: e_table's lua_next left the
** first key and value on the stack (0: the table has no key).
** [-(more ? 2 : 0), +0, m]
*/
static int e_object (Enc *e, int idx, int more, int marked, const orc_jvisit *vis,
                     void *frame) {
  lua_State *L = e->L;
  int d = e->depth, n = 0;
  const int key = lua_gettop(L) - 1;                  /* lua_next's pair */
  if (e_char(e, '{')) return -1;
  while (more) {
    size_t klen;
    const char *k;
    if (lua_type(L, key) != LUA_TSTRING) {
      char text[64], msg[200];
      key_text(L, key, text, sizeof text);
      if (lua_type(L, key) == LUA_TNUMBER && marked)
        snprintf(msg, sizeof msg, "number key %s in a table marked as an "
                 "object (JSON object keys are strings)", text);
      else if (lua_type(L, key) == LUA_TNUMBER)
        snprintf(msg, sizeof msg, "table mixes string keys and number keys "
                 "(key %s), or is a sparse array", text);
      else
        snprintf(msg, sizeof msg, "table key %s cannot be a JSON key", text);
      return e_fail(e, d, msg);
    }
    k = lua_tolstring(L, key, &klen);
    e->seg[d].key = k;
    e->seg[d].klen = klen;
    if (n++ > 0 && e_char(e, ',')) return -1;
    if (vis) {
      e->depth = d + 1;
      if (vis->field(e, frame, key, k, klen)) return -1;
    } else {
      if (e_lstring(e, k, klen, "key") || e_char(e, ':')) return -1;   /* at the object */
      e->depth = d + 1;
      if (e_value(e, key + 1)) return -1;
    }
    e->depth = d;
    lua_pop(L, 1);
    more = lua_next(L, idx);
  }
  return e_char(e, '}');
}

/* Ask the schema hint whether the empty table here is an array. */
static int e_empty_is_array (Enc *e) {
  orc_json_path path;
  if (e->hint == NULL || e->hint->empty_is_array == NULL) return 0;
  path.seg = e->seg;
  path.depth = e->depth;
  return e->hint->empty_is_array(e->hint_ud, &path) != 0;
}

/*
** The table at idx: its kind from the marker, the length and the first
** key; a visitor hears of it before anything is written, and chooses for
** an unmarked empty table (without one, the schema hint does).
*/
static int e_table (Enc *e, int idx, const orc_jvisit *vis, void *frame) {
  lua_State *L = e->L;
  const void *ptr = lua_topointer(L, idx);
  int d = e->depth, i, kind, unmarked, more, rc;
  size_t n;
  if (d >= e->max_depth) {
    char msg[80];
    snprintf(msg, sizeof msg, "nested deeper than %d levels", e->max_depth);
    return e_fail(e, d, msg);
  }
  for (i = 0; i < d; i++)
    if (e->tables[i] == ptr)
      return e_fail(e, d, "a cycle: this table contains itself");
  if (idx + 8 > e->room) {         /* room for this table and its children */
    if (!lua_checkstack(L, 8 + 32))
      return e_fail(e, d, "nested too deeply for the Lua stack");
    e->room = idx + 8 + 32;
  }
  e->tables[d] = ptr;
  kind = e_marker(e, idx);
  unmarked = kind != MK_OBJECT && kind != MK_ARRAY;
  /* The first pair, left on the stack for the walk.  An unmarked table's
  ** first key decides, and an object's length is never asked for (it
  ** searches the hash part: as dear as a field).  Items come first in a
  ** traversal, so a table with items whose first key is a string has its
  ** items in the hash part and string keys as well: no JSON value either
  ** way, and the object's walk says so. */
  lua_pushnil(L);
  more = lua_next(L, idx);
  n = kind == MK_ARRAY || (unmarked && more && lua_type(L, -2) != LUA_TSTRING)
    ? orc_rawlen(L, idx) : 0;
  if (kind == MK_OBJECT || (unmarked && more && n == 0)) {
    rc = vis && vis->table(e, frame, idx, ORC_JK_OBJECT, 0) ? -1
       : e_object(e, idx, more, kind == MK_OBJECT, vis, frame);
  } else if (kind == MK_ARRAY || n > 0) {
    rc = vis && vis->table(e, frame, idx, ORC_JK_ARRAY, n) ? -1
       : e_array(e, idx, n, more, vis, frame);
  } else {                          /* unmarked and empty */
    int as;
    if (kind == MK_EMPTY_ARRAY) as = vis ? vis->table(e, frame, idx, ORC_JK_ARRAY, 0) : 0;
    else if (vis) as = vis->table(e, frame, idx, ORC_JK_EMPTY, 0);
    else as = e_empty_is_array(e) ? ORC_JK_ARRAY : ORC_JK_OBJECT;
    if (kind == MK_EMPTY_ARRAY && as == 0) as = ORC_JK_ARRAY;
    rc = as < 0 ? -1 : as == ORC_JK_ARRAY ? e_raw(e, "[]", 2) : e_raw(e, "{}", 2);
  }
  if (rc == 0 && vis) rc = vis->done(e, frame);
  e->depth = d;
  return rc;
}

/* Write the value at idx (an absolute index).  [-0, +0, m] */
static int e_value (Enc *e, int idx) {
  lua_State *L = e->L;
  switch (lua_type(L, idx)) {
    case LUA_TSTRING: return e_string(e, idx);
    case LUA_TNUMBER: return e_number(e, idx);
    case LUA_TBOOLEAN:
      return lua_toboolean(L, idx) ? e_raw(e, "true", 4) : e_raw(e, "false", 5);
    case LUA_TTABLE: return e_table(e, idx, NULL, NULL);
    case LUA_TNIL: return e_raw(e, "null", 4);
    case LUA_TLIGHTUSERDATA: {
      int kind;
      if (lua_touserdata(L, idx) == NULL) return e_raw(e, "null", 4);
      lua_pushvalue(L, idx);
      lua_rawget(L, e->marks);
      kind = (int)lua_tonumber(L, -1);
      lua_pop(L, 1);
      if (kind == MK_ARRAY) return e_raw(e, "[]", 2);
      return e_fail(e, e->depth, "a light userdata other than null cannot "
                    "be encoded");
    }
    default: {
      char msg[80];
      snprintf(msg, sizeof msg, "a %s cannot be encoded as JSON",
               luaL_typename(L, idx));
      return e_fail(e, e->depth, msg);
    }
  }
}

/* ---- the buffer userdata, and what the bindings share ------------------ */

static int buffer_close (lua_State *L) {
  orc_jbuf *b = (orc_jbuf *)luaL_checkudata(L, 1, BUFFER_MT);
  orc_jbuf_free(b);
  return 0;
}

void orc_jenc_push_upvalues (lua_State *L) {
  orc_newclass(L, BUFFER_MT, buffer_close);    /* whoever opens first */
  lua_pop(L, 1);
  orc_json_marker_mt(L, ORC_JSON_ARRAY_MT, "array");
  orc_json_marker_mt(L, ORC_JSON_OBJECT_MT, "object");
  lua_getfield(L, LUA_REGISTRYINDEX, MARKS);
  if (!lua_istable(L, -1)) {
    lua_pop(L, 1);
    lua_newtable(L);                     /* metatable or userdata -> kind */
    lua_pushvalue(L, -1);
    lua_setfield(L, LUA_REGISTRYINDEX, MARKS);
  }
  lua_pushboolean(L, 0);
}

void orc_jenc_start (orc_jenc *e, lua_State *L, int uv, size_t limit) {
  const int kept = lua_upvalueindex(uv + 3);
  orc_jbuf *b;
  e->L = L;
  e->hint = NULL;
  e->hint_ud = NULL;
  e->array_mt = lua_upvalueindex(uv);
  e->object_mt = lua_upvalueindex(uv + 1);
  e->marks = lua_upvalueindex(uv + 2);
  e->depth = 0;
  e->max_depth = ORC_JSON_MAX_DEPTH;
  e->room = 0;
  lua_pushvalue(L, kept);
  b = (orc_jbuf *)lua_touserdata(L, -1);
  if (b == NULL) {
    lua_pop(L, 1);
    b = (orc_jbuf *)lua_newuserdata(L, sizeof *b);
    orc_jbuf_init(b, 0);
    luaL_setmetatable(L, BUFFER_MT);
  } else {
    lua_pushboolean(L, 0);
    lua_replace(L, kept);
  }
  b->len = 0;
  b->limit = limit;
  e->b = b;
}

void orc_jenc_finish (orc_jenc *e, int uv, int buf) {
  if (e->b->cap > KEEP_BYTES) orc_jbuf_free(e->b);
  lua_pushvalue(e->L, buf);
  lua_replace(e->L, lua_upvalueindex(uv + 3));
}

int orc_jenc_value (orc_jenc *e, int idx) {
  return e_value(e, idx);
}

int orc_jenc_key (orc_jenc *e, const char *k, size_t klen) {
  int rc;
  e->depth--;                        /* an invalid key: the object's error */
  rc = e_lstring(e, k, klen, "key") || e_char(e, ':') ? -1 : 0;
  e->depth++;
  return rc;
}

int orc_jenc_raw (orc_jenc *e, const char *s, size_t n) {
  return e_raw(e, s, n);
}

int orc_jenc_number (orc_jenc *e, int idx) {
  return e_number(e, idx);
}

int orc_jenc_number_d (orc_jenc *e, int idx, lua_Number d) {
  return e_number_d(e, idx, d);
}

int orc_jenc_lstring (orc_jenc *e, const char *s, size_t len) {
  return e_lstring(e, s, len, "string");
}

int orc_jenc_table (orc_jenc *e, int idx, const orc_jvisit *vis, void *frame) {
  return e_table(e, idx, vis, frame);
}

int orc_jenc_fail (orc_jenc *e, int depth, const char *msg) {
  return e_fail(e, depth, msg);
}

void orc_jenc_path (orc_jenc *e, int depth) {
  e_path(e, depth);
}

/* ---- bindings --------------------------------------------------------- */

/*
** core.json_encode(value [, hint [, opts]]) -> string | nil, path, message
** hint: nil, or a userdata whose metatable's ORC_JSON_HINT_FIELD points to
** an orc_json_hint_class (a compiled schema).  opts: max_depth (default
** and most 1000), max_bytes (default 2^30).  [-0, +1|3, m]
*/
static int ljson_encode (lua_State *L) {
  Enc e;
  const orc_json_hint_class *hint = NULL;
  void *hint_ud = NULL;
  int rc, max_depth = ORC_JSON_MAX_DEPTH;
  size_t limit = DEFAULT_MAX_BYTES;
  luaL_checkany(L, 1);
  if (!lua_isnoneornil(L, 2)) {
    if (lua_type(L, 2) != LUA_TUSERDATA || !luaL_getmetafield(L, 2, ORC_JSON_HINT_FIELD) ||
        lua_type(L, -1) != LUA_TLIGHTUSERDATA)
      return luaL_argerror(L, 2, "expected a schema hint (a compiled schema) or nil");
    hint = (const orc_json_hint_class *)lua_touserdata(L, -1);
    hint_ud = lua_touserdata(L, 2);
    lua_pop(L, 1);
  }
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
      limit = v >= (lua_Number)((size_t)-1 / 2) ? (size_t)-1 / 2 : (size_t)v;
    }
    lua_pop(L, 2);
  }
  lua_settop(L, 3);                     /* the hint stays anchored at 2 */
  orc_jenc_start(&e, L, 1, limit);   /* the buffer at 4 */
  e.hint = hint;
  e.hint_ud = hint_ud;
  e.max_depth = max_depth;
  rc = e_value(&e, 1);
  if (rc == 0 && e.b->len > limit) rc = e_nomem(&e, ORC_JSON_ETOOBIG);
  if (rc != 0) {                        /* path and message on the top */
    lua_pushnil(L);
    lua_insert(L, -3);
  } else {
    lua_pushlstring(L, e.b->data, e.b->len);
  }
  orc_jenc_finish(&e, 1, 4);
  return rc == 0 ? 1 : 3;
}

/*
** core.json_marker(v, kind): from now on the metatable v marks a table as
** kind ("array", "object", or "empty_array": only an empty table becomes
** []), or the light userdata v encodes as [] (kind "array").  For
** interoperating with cjson builds that have array_mt, empty_array_mt and
** empty_array.  [-0, +0, m]
*/
static int ljson_marker (lua_State *L) {
  static const char *const kinds[] = { "array", "object", "empty_array", NULL };
  int kind = luaL_checkoption(L, 2, NULL, kinds) + 1;
  int t = lua_type(L, 1);
  luaL_argcheck(L, t == LUA_TTABLE || (t == LUA_TLIGHTUSERDATA && kind == MK_ARRAY &&
                lua_touserdata(L, 1) != NULL), 1,
                "expected a metatable, or a light userdata other than null with \"array\"");
  lua_pushvalue(L, 1);
  lua_pushinteger(L, kind);
  lua_rawset(L, lua_upvalueindex(1));
  return 0;
}

void orc_json_marker_mt (lua_State *L, const char *name, const char *jsontype) {
  if (luaL_newmetatable(L, name)) {
    lua_pushstring(L, jsontype);
    lua_setfield(L, -2, "__jsontype");
    lua_pushnil(L);                /* tostring() keeps saying "table: 0x..." */
    lua_setfield(L, -2, "__name");
  }
}

void orc_open_json_encode (lua_State *L) {
  orc_jenc_push_upvalues(L);                   /* array_mt, object_mt, marks, false */
  lua_pushvalue(L, -4);
  lua_setfield(L, -6, "json_array_mt");
  lua_pushvalue(L, -3);
  lua_setfield(L, -6, "json_object_mt");
  lua_pushvalue(L, -2);                        /* marks, for json_marker */
  lua_pushcclosure(L, ljson_marker, 1);
  lua_setfield(L, -6, "json_marker");
  lua_pushcclosure(L, ljson_encode, 4);
  lua_setfield(L, -2, "json_encode");
  lua_pushlightuserdata(L, NULL);
  lua_setfield(L, -2, "json_null");
}
