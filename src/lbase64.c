/*
** lbase64.c -- base64 for content parts: a string, or a file read in C.
**
**   core.base64(s)                        --> the encoding of s
**   core.base64_file(path, max_bytes [, prefix])
**       --> text, size, head  |  nil, reason, code
**
** base64_file reads the file in chunks of CHUNK bytes (a multiple of 3)
** and encodes each chunk straight into one output buffer: the file never
** exists as a Lua string, and the text is copied once, into the string
** returned.  `head` is the first HEAD bytes (for sniffing the type), `size`
** the number of bytes read.
**
** prefix: a function(head, size) called once the first chunk is read,
** before anything is encoded.  It returns the string to put in front of
** the encoding (say "data:image/png;base64,"), so a data URL needs no
** second copy; or nil, message to refuse the file, and base64_file
** returns nil, message, "rejected" without reading on.  `size` is the
** file's size when it is a regular file, else nil.
**
** codes: "missing" (no such file or directory), "not_a_file" (a
** directory), "unreadable" (cannot be opened or read), "too_large" (more
** than max_bytes bytes: a regular file is refused from its size, before it
** is read; anything else when the read passes the limit), "rejected".
**
** The open FILE* lives in a userdata ("openrouter.base64_reader") whose
** __gc closes it, and every buffer is a userdata on the stack: a Lua error
** (out of memory, an error raised by prefix) leaks nothing.  An error from
** prefix closes the file at once; a memory error leaves it to the collector.
*/
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "compat.h"
#include "lcore.h"
#include "base64.h"
#include "orc.h"

#define READER_MT "openrouter.base64_reader"

#define CHUNK (3 * 16384)   /* bytes read per step: a multiple of 3 */
#define HEAD 64             /* bytes handed to prefix and returned */

typedef struct reader {
  FILE *fp;
  unsigned char buf[CHUNK];
} reader;

/* Stack slots of base64_file (after lua_settop(L, 3)). */
enum { SLOT_READER = 4, SLOT_PREFIX, SLOT_REASON, SLOT_HEAD, SLOT_OUT };

/* close(), __gc, __close: idempotent.  [-0, +0, -] */
static int reader_close (lua_State *L) {
  reader *r = (reader *)luaL_checkudata(L, 1, READER_MT);
  if (r->fp != NULL) {
    fclose(r->fp);
    r->fp = NULL;
  }
  return 0;
}

static void reader_shut (reader *r) {
  if (r->fp != NULL) {
    fclose(r->fp);
    r->fp = NULL;
  }
}

/*
** Fill buf: read until it is full, the file ends or a read fails.  Returns
** the bytes read; *err is the errno of a failed read, else 0.  Only a full
** chunk can be followed by more data, so every chunk but the last is a
** multiple of 3 bytes long.
*/
static size_t reader_fill (reader *r, int *err) {
  size_t got = 0;
  *err = 0;
  while (got < CHUNK) {
    size_t k;
    errno = 0;
    k = fread(r->buf + got, 1, CHUNK - got, r->fp);
    got += k;
    if (k == 0) {
      if (ferror(r->fp)) *err = errno != 0 ? errno : EIO;
      break;
    }
  }
  return got;
}

/* Close the file; push nil, reason, code.  [-0, +3, m] */
static int fail (lua_State *L, reader *r, const char *reason, const char *code) {
  reader_shut(r);
  lua_pushnil(L);
  lua_pushstring(L, reason);
  lua_pushstring(L, code);
  return 3;
}

static int fail_errno (lua_State *L, reader *r, int err) {
  const char *code = (err == ENOENT || err == ENOTDIR) ? "missing"
                   : err == EISDIR ? "not_a_file" : "unreadable";
  return fail(L, r, strerror(err), code);
}

/* Close the file; push nil, reason, "too_large".  `size` is the file's
** size when `exact`, else the bytes read so far.  [-0, +3, m] */
static int fail_size (lua_State *L, reader *r, uintmax_t size, int exact, size_t max) {
  char msg[96];
  reader_shut(r);
  if (exact)
    snprintf(msg, sizeof msg, "%ju bytes, over the limit of %ju", size, (uintmax_t)max);
  else
    snprintf(msg, sizeof msg, "more than %ju bytes, over the limit", (uintmax_t)max);
  lua_pushnil(L);
  lua_pushstring(L, msg);
  lua_pushliteral(L, "too_large");
  return 3;
}

/*
** Make room for `need` bytes in the output buffer at SLOT_OUT, keeping
** `len` bytes: a new userdata, the old one left to the collector.
** [-0, +0, m]
*/
static char *out_reserve (lua_State *L, char *out, size_t len, size_t *cap, size_t need) {
  size_t ncap = *cap;
  char *p;
  if (need <= ncap) return out;
  while (ncap < need) ncap = ncap > ((size_t)-1) / 2 ? need : ncap * 2;
  p = (char *)lua_newuserdata(L, ncap);
  if (len > 0) memcpy(p, out, len);
  lua_replace(L, SLOT_OUT);
  *cap = ncap;
  return p;
}

/* core.base64_file(path, max_bytes [, prefix])  [-0, +3, m]
** Misuse (argument types, a negative limit, prefix returning neither a
** string nor nil) raises; file trouble returns nil, reason, code. */
static int lbase64_file (lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  lua_Number maxn = luaL_checknumber(L, 2);
  size_t max, n, total, len, cap, plen = 0, hlen;
  const char *prefix = NULL;
  struct stat st;
  int err, known;
  reader *r;
  char *out;
  luaL_argcheck(L, maxn >= 0, 2, "must not be negative");
  if (!lua_isnoneornil(L, 3)) luaL_checktype(L, 3, LUA_TFUNCTION);
  lua_settop(L, 3);
  max = maxn >= (lua_Number)ORC_BASE64_MAX_INPUT ? ORC_BASE64_MAX_INPUT : (size_t)maxn;

  r = (reader *)lua_newuserdata(L, sizeof(reader));   /* SLOT_READER */
  r->fp = NULL;
  luaL_setmetatable(L, READER_MT);
  errno = 0;
  r->fp = fopen(path, "rb");
  if (r->fp == NULL) return fail_errno(L, r, errno != 0 ? errno : EIO);
  if (fstat(fileno(r->fp), &st) != 0) return fail_errno(L, r, errno);
  if (S_ISDIR(st.st_mode)) return fail_errno(L, r, EISDIR);
  known = S_ISREG(st.st_mode);
  if (known && st.st_size > 0 && (uintmax_t)st.st_size > (uintmax_t)max)
    return fail_size(L, r, (uintmax_t)st.st_size, 1, max);
  setvbuf(r->fp, NULL, _IONBF, 0);   /* whole chunks go straight into buf */

  n = reader_fill(r, &err);
  if (err != 0) return fail_errno(L, r, err);
  total = n;
  if (total > max) return fail_size(L, r, total, 0, max);
  hlen = n < HEAD ? n : HEAD;

  if (lua_isnil(L, 3)) {
    lua_pushliteral(L, "");                           /* SLOT_PREFIX */
    lua_pushnil(L);                                   /* SLOT_REASON */
  } else {
    lua_pushvalue(L, 3);
    lua_pushlstring(L, (const char *)r->buf, hlen);
    if (known) lua_pushinteger(L, (lua_Integer)st.st_size);
    else lua_pushnil(L);
    if (lua_pcall(L, 2, 2, 0) != LUA_OK) {
      reader_shut(r);
      return lua_error(L);
    }
    if (lua_isnil(L, SLOT_PREFIX)) {
      const char *why = lua_tostring(L, SLOT_REASON);
      return fail(L, r, why != NULL ? why : "refused", "rejected");
    }
    if (lua_type(L, SLOT_PREFIX) != LUA_TSTRING) {
      reader_shut(r);
      return luaL_error(L, "base64_file: prefix must return a string, or nil and a message");
    }
  }
  prefix = lua_tolstring(L, SLOT_PREFIX, &plen);
  lua_pushlstring(L, (const char *)r->buf, hlen);     /* SLOT_HEAD */

  /* Room for the whole file when its size is known, else for this chunk. */
  {
    size_t guess = known && (uintmax_t)st.st_size > n ? (size_t)st.st_size : n;
    cap = plen + orc_base64_encoded_len(guess);
  }
  out = (char *)lua_newuserdata(L, cap > 0 ? cap : 1);   /* SLOT_OUT */
  if (cap == 0) cap = 1;
  memcpy(out, prefix, plen);
  len = plen;

  while (n > 0) {
    out = out_reserve(L, out, len, &cap, len + orc_base64_encoded_len(n));
    len += orc_base64_encode(out + len, r->buf, n);
    if (n < CHUNK) break;   /* a short chunk: the file ended */
    n = reader_fill(r, &err);
    if (err != 0) return fail_errno(L, r, err);
    if (n > max - total) return fail_size(L, r, (uintmax_t)total + n, 0, max);
    total += n;
  }
  reader_shut(r);
  lua_pushlstring(L, out, len);
  lua_pushinteger(L, (lua_Integer)total);
  lua_pushvalue(L, SLOT_HEAD);
  return 3;
}

/* core.base64(s) --> the encoding of s.  [-0, +1, m] */
static int lbase64_encode (lua_State *L) {
  size_t n, m;
  const char *s = luaL_checklstring(L, 1, &n);
  char *out;
  luaL_argcheck(L, n <= ORC_BASE64_MAX_INPUT, 1, "string too long");
  m = orc_base64_encoded_len(n);
  out = (char *)lua_newuserdata(L, m > 0 ? m : 1);
  orc_base64_encode(out, s, n);
  lua_pushlstring(L, out, m);
  return 1;
}

void orc_open_base64 (lua_State *L) {
  static const luaL_Reg funcs[] = {
    { "base64", lbase64_encode },
    { "base64_file", lbase64_file },
    { NULL, NULL }
  };
  orc_newclass(L, READER_MT, reader_close);
  lua_pop(L, 1);
  luaL_setfuncs(L, funcs, 0);
}
