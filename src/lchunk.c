/*
** lchunk.c -- openrouter.core.chunk_decoder(): the decoder of a chat
** completion stream, one per stream (lua/openrouter/stream.lua).
**
** It is the Lua face of cdec.c, which holds the data events the transfer
** queued -- moved in without a copy by req:take_into(dec) (ltransport.c),
** or pushed one at a time by dec:push(data) (the debug trace, transports
** without take_into) -- and the accumulator (accum.c), and reads one event
** per call:
**
**   dec:next()   the next chunk as a table, built straight from the
**                event's bytes: the values core.json_decode gives (integers
**                as integers, arrays and empty objects marked, null as the
**                NULL light userdata), the chunk shape's keys pushed from
**                references instead of being interned again for each chunk
**   dec:text()   the next non-empty choices[1].delta.content, building no
**                table for the chunks it reads
**
** Both accumulate every chunk they read (and only those); dec:build()
** makes the response table once, from the JSON text orc_acc_build writes.
** "[DONE]" and what comes after it are consumed by cdec.c (dec:done(),
** dec:after_done()).  A data event that is not JSON, or whose value is
** not a table (an object or array), comes back as false, "bad", data; a chunk with an "error" member that is an object or
** array as false, "error", chunk, after it was accumulated (as the
** reference accumulator sees it).  The chunk scanner (chunk.c) checks
** the JSON as the codec would, so the builder below checks nothing.
*/
#include <string.h>

#include "lua.h"
#include "lauxlib.h"

#include "accum.h"
#include "cdec.h"
#include "chunk.h"
#include "compat.h"
#include "evq.h"
#include "json.h"
#include "ljson.h"
#include "lcore.h"
#include "orc.h"

#define DEC_MT "openrouter.chunk_decoder"

typedef struct Dec {
  orc_cdec c;                /* the queue, the chunk read last, the accumulator
                                (c.acc is NULL once closed) */
  orc_jbuf out;              /* dec:build()'s JSON text, while in use */
  int parts;                 /* the user value is the parts table (MAKE) */
  int parts_ok;              /* it holds the parts of template parts_gen */
  unsigned parts_gen;
} Dec;

/* ------------------------------------------------------------ building values */

/* Upvalues of next, text and build. */
#define UV_ARRAY_MT lua_upvalueindex(1)
#define UV_OBJECT_MT lua_upvalueindex(2)
#define UV_KEYHASH lua_upvalueindex(3)
#define UV_MAKE lua_upvalueindex(4)
#define UV_MAKE_PARTS lua_upvalueindex(5)
#define UV_KEY(i) lua_upvalueindex(6 + (i))
#define NUV 5

/*
** A chunk in the usual shape (orc_chunk.hot) is made by a Lua function
** from its parts: table constructors with constant keys, which the
** interpreters (and LuaJIT's compiler) build faster than C calls can.
** Absent parts are nil, so their keys are absent, as decoded.  The parts
** come as arguments (make), or in a table (make_parts): the decoder's own
** (its user value), which keeps them while chunks come through the
** scanner's template -- every part but the content is then the
** template's, so only the content is pushed.
*/
enum { P_ID = 1, P_PROVIDER, P_MODEL, P_OBJECT, P_CREATED, P_FP, P_INDEX, P_FINISH,
       P_NATIVE, P_LOGPROBS, P_ROLE, P_CONTENT, P_REASONING, P_REFUSAL, NPARTS = P_REFUSAL };

static const char MAKE[] =
  "local A, O, setmetatable = ...\n"
  "local function make (id, provider, model, object, created, fp, index, finish, native,\n"
  "                     logprobs, role, content, reasoning, refusal)\n"
  "  local d\n"
  "  if role == nil and content == nil and reasoning == nil and refusal == nil then\n"
  "    d = setmetatable({}, O)\n"
  "  else\n"
  "    d = { role = role, content = content, reasoning = reasoning, refusal = refusal }\n"
  "  end\n"
  "  return { id = id, provider = provider, model = model, object = object,\n"
  "           created = created, system_fingerprint = fp,\n"
  "           choices = setmetatable({ { index = index, delta = d, finish_reason = finish,\n"
  "             native_finish_reason = native, logprobs = logprobs } }, A) }\n"
  "end\n"
  "local function make_parts (p)\n"
  "  return make(p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12],\n"
  "              p[13], p[14])\n"
  "end\n"
  "return make, make_parts\n";

/* The keys of chat chunks (and of the response), pushed from upvalues. */
static const char *const KEYS[] = {
  "id", "provider", "model", "object", "created", "choices", "index", "delta",
  "role", "content", "finish_reason", "native_finish_reason", "logprobs", "usage",
  "prompt_tokens", "completion_tokens", "total_tokens", "cost", "is_byok",
  "prompt_tokens_details", "completion_tokens_details", "cached_tokens",
  "audio_tokens", "reasoning_tokens", "image_tokens", "cost_details",
  "upstream_inference_cost", "upstream_inference_prompt_cost",
  "upstream_inference_completions_cost", "system_fingerprint", "service_tier",
  "reasoning", "reasoning_details", "tool_calls", "type", "function", "name",
  "arguments", "text", "summary", "data", "format", "signature", "refusal",
  "annotations", "images", "image_url", "url", "url_citation", "title",
  "start_index", "end_index", "token", "logprob", "bytes", "top_logprobs",
  "error", "code", "message", "metadata", "provider_name", "raw", "audio",
  "transcript", "expires_at", "cache_write_tokens", "accepted_prediction_tokens",
  "rejected_prediction_tokens", "cache_discount", "native_tokens_prompt",
  "native_tokens_completion", "native_tokens_reasoning", "encrypted", "content_filter",
  NULL
};

#define NKEYS ((int)(sizeof KEYS / sizeof KEYS[0]) - 1)
#define KH_SIZE 512                 /* a power of two, > 4 * NKEYS */
#define KEY_MAX 40

static unsigned key_hash (const char *s, size_t n) {
  return ((unsigned)n * 131u + (unsigned char)s[0] * 31u + (unsigned char)s[n - 1] * 7u +
          (unsigned char)s[n / 2]) & (KH_SIZE - 1);
}

/* The position of key s in KEYS, or -1.  tab: the hash (position + 1). */
static int key_ref (const unsigned char *tab, const char *s, size_t n) {
  unsigned h;
  if (n == 0 || n > KEY_MAX) return -1;
  for (h = key_hash(s, n); tab[h] != 0; h = (h + 1) & (KH_SIZE - 1)) {
    const char *k = KEYS[tab[h] - 1];
    if (k[0] == s[0] && strncmp(k, s, n) == 0 && k[n] == '\0') return tab[h] - 1;
  }
  return -1;
}

#define BATCH 32                    /* items gathered before a table is made */
#define PENDING_MAX 2048            /* stack slots all open containers may gather */

typedef struct B {
  lua_State *L;
  const unsigned char *tab;
  int pending;
} B;

static const char *ws (const char *p, const char *end) {
  while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
  return p;
}

/* Push the checked string (or key) v.  [-0, +1, m] */
static void push_string (lua_State *L, const orc_jv *v) {
  if (!v->esc) {
    lua_pushlstring(L, v->s, v->len);
  } else {
    luaL_Buffer b;
    const char *p = v->s, *end = v->s + v->len;
    luaL_buffinit(L, &b);
    while (p < end) {
      char *o = luaL_prepbuffer(&b);
      luaL_addsize(&b, orc_json_unescape(&p, end, o, LUAL_BUFFERSIZE));
    }
    luaL_pushresult(&b);
  }
}

static const char *b_value (B *b, const char *p, const char *end);

static void room (lua_State *L, int slots) {
  if (!lua_checkstack(L, slots + LUA_MINSTACK)) luaL_error(L, "JSON nested too deeply");
}

/* An object at p ('{').  [-0, +1, m] */
static const char *b_object (B *b, const char *p, const char *end) {
  lua_State *L = b->L;
  int top = lua_gettop(L), n = 0, made = 0;
  room(L, 2 * BATCH);
  p = ws(p + 1, end);
  while (*p != '}') {
    orc_jv k;
    int i;
    p = orc_jwalk_value(p, end, &k);
    if (!k.esc && (i = key_ref(b->tab, k.s, k.len)) >= 0) lua_pushvalue(L, UV_KEY(i));
    else push_string(L, &k);
    p = ws(ws(p, end) + 1, end);                  /* the ':' */
    p = b_value(b, p, end);
    n++;
    if (made) {
      lua_rawset(L, top + 1);
    } else if ((b->pending += 2), n == BATCH || b->pending >= PENDING_MAX) {
      orc_jdec_make_object(L, top, n, n * 2);
      b->pending -= 2 * n;
      made = 1;
    }
    p = ws(p, end);
    if (*p == ',') p = ws(p + 1, end);
  }
  if (!made) {
    orc_jdec_make_object(L, top, n, n);
    b->pending -= 2 * n;
    if (n == 0) {
      lua_pushvalue(L, UV_OBJECT_MT);
      lua_setmetatable(L, -2);
    }
  }
  return p + 1;
}

/* An array at p ('[').  [-0, +1, m] */
static const char *b_array (B *b, const char *p, const char *end) {
  lua_State *L = b->L;
  int top = lua_gettop(L), n = 0, made = 0;
  room(L, BATCH);
  p = ws(p + 1, end);
  while (*p != ']') {
    p = b_value(b, p, end);
    n++;
    if (made) {
      lua_rawseti(L, top + 1, n);
    } else if (++b->pending, n == BATCH || b->pending >= PENDING_MAX) {
      orc_jdec_make_array(L, top, n, n * 2);
      b->pending -= n;
      made = 1;
    }
    p = ws(p, end);
    if (*p == ',') p = ws(p + 1, end);
  }
  if (!made) {
    orc_jdec_make_array(L, top, n, n);
    b->pending -= n;
  }
  lua_pushvalue(L, UV_ARRAY_MT);
  lua_setmetatable(L, -2);
  return p + 1;
}

/* The checked value at p.  [-0, +1, m] */
static const char *b_value (B *b, const char *p, const char *end) {
  lua_State *L = b->L;
  orc_jv v;
  switch (*p) {
    case '{': return b_object(b, p, end);
    case '[': return b_array(b, p, end);
    case 't': lua_pushboolean(L, 1); return p + 4;
    case 'f': lua_pushboolean(L, 0); return p + 5;
    case 'n': lua_pushlightuserdata(L, NULL); return p + 4;
    case '"':
      p = orc_jwalk_value(p, end, &v);
      push_string(L, &v);
      return p;
    default: {
      int is_int;
      long long i;
      double d;
      p = orc_jwalk_value(p, end, &v);
      orc_jnumber(v.s, v.len, &is_int, &i, &d);
      if (is_int) orc_pushint64(L, i, d);
      else lua_pushnumber(L, (lua_Number)d);
      return p;
    }
  }
}

/* Push the checked scalar v; nil when absent.  [-0, +1, m] */
static void push_scalar (lua_State *L, const orc_jv *v) {
  switch (v->type) {
    case ORC_JV_NONE: lua_pushnil(L); break;
    case ORC_JV_NULL: lua_pushlightuserdata(L, NULL); break;
    case ORC_JV_FALSE: lua_pushboolean(L, 0); break;
    case ORC_JV_TRUE: lua_pushboolean(L, 1); break;
    case ORC_JV_STRING: push_string(L, v); break;
    default: {
      int is_int;
      long long i;
      double d;
      orc_jnumber(v->s, v->len, &is_int, &i, &d);
      if (is_int) orc_pushint64(L, i, d);
      else lua_pushnumber(L, (lua_Number)d);
      break;
    }
  }
}

/* parts[i] = v.  [-0, +0, m] */
static void set_part (lua_State *L, int parts, int i, const orc_jv *v) {
  push_scalar(L, v);
  lua_rawseti(L, parts, i);
}
/* Push the value of the checked JSON text s[0..len).  [-0, +1, m] */
static void build (lua_State *L, const char *s, size_t len) {
  B b;
  const char *end = s + len;
  b.L = L;
  b.tab = (const unsigned char *)lua_touserdata(L, UV_KEYHASH);
  b.pending = 0;
  if (len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) s += 3;
  b_value(&b, ws(s, end), end);
}

/* ------------------------------------------------------------ the decoder */

static Dec *check_dec (lua_State *L) {
  Dec *D = (Dec *)luaL_checkudata(L, 1, DEC_MT);
  if (D->c.acc == NULL) luaL_error(L, "attempt to use a closed chunk decoder");
  return D;
}

orc_evq *orc_check_evq (lua_State *L, int i) {
  Dec *D = (Dec *)luaL_checkudata(L, i, DEC_MT);
  if (D->c.acc == NULL) luaL_error(L, "attempt to use a closed chunk decoder");
  return &D->c.q;
}

static int nomem (lua_State *L) {
  return luaL_error(L, "not enough memory");
}

/* Read events until one is a chunk or is not JSON (cdec.h): raises when
** out of memory.  [-0, +0, m] */
static int step (lua_State *L, Dec *D, const char **data, size_t *len) {
  int what = orc_cdec_step(&D->c, data, len);
  if (what == ORC_CDEC_NOMEM) nomem(L);
  return what;
}

/* Push the chunk D->c.ck (hot), made by MAKE.  [-0, +1, e] */
static void make_hot (lua_State *L, Dec *D) {
  const orc_chunk *c = &D->c.ck;
  const orc_cchoice *ch = &c->ch[0];
  int parts;
  if (!c->as_tmpl) {                  /* no template to share parts with */
    lua_pushvalue(L, UV_MAKE);
    push_scalar(L, &c->id);
    push_scalar(L, &c->provider);
    push_scalar(L, &c->model);
    push_scalar(L, &c->object);
    push_scalar(L, &c->created);
    push_scalar(L, &c->fingerprint);
    push_scalar(L, &ch->index);
    push_scalar(L, &ch->finish);
    push_scalar(L, &ch->native);
    push_scalar(L, &ch->logprobs);
    push_scalar(L, &ch->d.role);
    push_scalar(L, &ch->d.content);
    push_scalar(L, &ch->d.reasoning);
    push_scalar(L, &ch->d.refusal);
    lua_call(L, NPARTS, 1);
    return;
  }
  lua_pushvalue(L, UV_MAKE_PARTS);
  if (D->parts) {
    orc_getuservalue(L, 1);
  } else {
    lua_createtable(L, NPARTS, 0);
    lua_pushvalue(L, -1);
    orc_setuservalue(L, 1);
    D->parts = 1;
  }
  parts = lua_gettop(L);
  if (!D->parts_ok || D->parts_gen != c->tgen) {   /* none yet, or another template's */
    set_part(L, parts, P_ID, &c->id);
    set_part(L, parts, P_PROVIDER, &c->provider);
    set_part(L, parts, P_MODEL, &c->model);
    set_part(L, parts, P_OBJECT, &c->object);
    set_part(L, parts, P_CREATED, &c->created);
    set_part(L, parts, P_FP, &c->fingerprint);
    set_part(L, parts, P_INDEX, &ch->index);
    set_part(L, parts, P_FINISH, &ch->finish);
    set_part(L, parts, P_NATIVE, &ch->native);
    set_part(L, parts, P_LOGPROBS, &ch->logprobs);
    set_part(L, parts, P_ROLE, &ch->d.role);
    set_part(L, parts, P_REASONING, &ch->d.reasoning);
    set_part(L, parts, P_REFUSAL, &ch->d.refusal);
    D->parts_gen = c->tgen;
    D->parts_ok = 1;
  }
  set_part(L, parts, P_CONTENT, &ch->d.content);
  lua_call(L, 1, 1);
}

/* false, "bad", data | false, "error", chunk.  [-0, +3, m] */
static int failed (lua_State *L, int what, const char *data, size_t len) {
  lua_pushboolean(L, 0);
  if (what == ORC_CDEC_BAD) {
    lua_pushliteral(L, "bad");
    lua_pushlstring(L, data, len);
  } else {
    lua_pushliteral(L, "error");
    build(L, data, len);
  }
  return 3;
}

/*
** dec:next() -> chunk | nil (nothing queued) | false, "bad", data |
** false, "error", chunk.  [-0, +1|3, m]
*/
static int ldec_next (lua_State *L) {
  Dec *D = check_dec(L);
  const char *data;
  size_t len;
  int what = step(L, D, &data, &len);
  if (what == ORC_CDEC_EMPTY) {
    lua_pushnil(L);
    return 1;
  }
  if (what != ORC_CDEC_CHUNK) return failed(L, what, data, len);
  if (D->c.ck.hot) make_hot(L, D);
  else build(L, data, len);
  return 1;
}

/*
** dec:text() -> the next non-empty choices[1].delta.content | nil
** (nothing queued) | false, "bad", data | false, "error", chunk.  The
** chunks read on the way are accumulated.  [-0, +1|3, m]
*/
static int ldec_text (lua_State *L) {
  Dec *D = check_dec(L);
  for (;;) {
    const char *data;
    size_t len;
    int what = step(L, D, &data, &len);
    if (what == ORC_CDEC_EMPTY) {
      lua_pushnil(L);
      return 1;
    }
    if (what != ORC_CDEC_CHUNK) return failed(L, what, data, len);
    if (D->c.ck.text.type == ORC_JV_STRING) {
      push_string(L, &D->c.ck.text);
      return 1;
    }
  }
}

/*
** dec:drain() -> nil once nothing is queued | false, "bad", data |
** false, "error", chunk: reads (and accumulates) what is queued, building
** nothing (stream:result()).  [-0, +1|3, m]
*/
static int ldec_drain (lua_State *L) {
  Dec *D = check_dec(L);
  for (;;) {
    const char *data;
    size_t len;
    int what = step(L, D, &data, &len);
    if (what == ORC_CDEC_EMPTY) {
      lua_pushnil(L);
      return 1;
    }
    if (what != ORC_CDEC_CHUNK) return failed(L, what, data, len);
  }
}

/* dec:build() -> the response accumulated so far (new tables).  [-0, +1, m] */
static int ldec_build (lua_State *L) {
  Dec *D = check_dec(L);
  D->out.len = 0;
  if (orc_acc_build(D->c.acc, &D->out) != ORC_JSON_OK) return nomem(L);
  build(L, D->out.data, D->out.len);
  orc_jbuf_free(&D->out);
  return 1;
}

/* dec:push(data): queue one event's data.  [-0, +0, m] */
static int ldec_push (lua_State *L) {
  Dec *D = check_dec(L);
  size_t len;
  const char *s = luaL_checklstring(L, 2, &len);
  if (orc_evq_push(&D->c.q, s, len)) return nomem(L);
  return 0;
}

/* dec:clear(): drop what is queued.  [-0, +0, -] */
static int ldec_clear (lua_State *L) {
  orc_evq_clear(&check_dec(L)->c.q);
  return 0;
}

/* dec:pending() -> events queued, not read.  [-0, +1, -] */
static int ldec_pending (lua_State *L) {
  lua_pushinteger(L, (lua_Integer)check_dec(L)->c.q.n);
  return 1;
}

/* dec:count() -> chunks accumulated.  [-0, +1, -] */
static int ldec_count (lua_State *L) {
  lua_pushinteger(L, (lua_Integer)orc_acc_count(check_dec(L)->c.acc));
  return 1;
}

/* dec:finished() -> did a choice carry a finish_reason?  [-0, +1, -] */
static int ldec_finished (lua_State *L) {
  lua_pushboolean(L, orc_acc_finished(check_dec(L)->c.acc));
  return 1;
}

/* dec:done() -> was [DONE] read?  [-0, +1, -] */
static int ldec_done (lua_State *L) {
  lua_pushboolean(L, check_dec(L)->c.done);
  return 1;
}

/* dec:after_done() -> events read after [DONE].  [-0, +1, -] */
static int ldec_after_done (lua_State *L) {
  lua_pushinteger(L, (lua_Integer)check_dec(L)->c.after_done);
  return 1;
}

/* dec:request_id() -> the first chunk id that is a string, or nil.  [-0, +1, m] */
static int ldec_request_id (lua_State *L) {
  Dec *D = check_dec(L);
  if (D->c.id == NULL) lua_pushnil(L);
  else lua_pushlstring(L, D->c.id, D->c.idlen);
  return 1;
}

/* close / __gc / __close.  [-0, +0, -] */
static int ldec_close (lua_State *L) {
  Dec *D = (Dec *)luaL_checkudata(L, 1, DEC_MT);
  if (D->c.acc != NULL) {
    orc_cdec_free(&D->c);
    orc_jbuf_free(&D->out);
  }
  return 0;
}

/* core.chunk_decoder() -> a new decoder.  [-0, +1, m] */
static int l_chunk_decoder (lua_State *L) {
  Dec *D;
  int int_keys;
  lua_pushinteger(L, 1);              /* do numbers have an integer subtype? */
  int_keys = orc_isinteger(L, -1) != 0;
  lua_pop(L, 1);
  D = (Dec *)lua_newuserdata(L, sizeof(Dec));
  memset(D, 0, sizeof *D);
  orc_jbuf_init(&D->out, 0);
  luaL_setmetatable(L, DEC_MT);
  if (orc_cdec_init(&D->c, int_keys)) return nomem(L);
  return 1;
}

static const luaL_Reg plain_methods[] = {
  { "push", ldec_push },
  { "clear", ldec_clear },
  { "pending", ldec_pending },
  { "count", ldec_count },
  { "finished", ldec_finished },
  { "done", ldec_done },
  { "after_done", ldec_after_done },
  { "request_id", ldec_request_id },
  { "close", ldec_close },
  { NULL, NULL }
};

static const luaL_Reg value_methods[] = {
  { "next", ldec_next },
  { "text", ldec_text },
  { "drain", ldec_drain },
  { "build", ldec_build },
  { NULL, NULL }
};

void orc_open_chunk (lua_State *L) {
  unsigned char *tab;
  int i;
  orc_newclass(L, DEC_MT, ldec_close);
  lua_newtable(L);
  luaL_setfuncs(L, plain_methods, 0);
  /* the upvalues of the methods that build values, in UV_ order */
  luaL_checkstack(L, NUV + NKEYS + 4, "too many keys");
  orc_json_marker_mt(L, ORC_JSON_ARRAY_MT, "array");
  orc_json_marker_mt(L, ORC_JSON_OBJECT_MT, "object");
  tab = (unsigned char *)lua_newuserdata(L, KH_SIZE);
  memset(tab, 0, KH_SIZE);
  if (luaL_loadbuffer(L, MAKE, sizeof MAKE - 1, "=openrouter.core.chunk") != 0)
    lua_error(L);
  lua_pushvalue(L, -4);
  lua_pushvalue(L, -4);
  lua_getglobal(L, "setmetatable");
  lua_call(L, 3, 2);                  /* make, make_parts */
  for (i = 0; i < NKEYS; i++) {
    size_t n = strlen(KEYS[i]);
    unsigned h = key_hash(KEYS[i], n);
    while (tab[h] != 0) h = (h + 1) & (KH_SIZE - 1);
    tab[h] = (unsigned char)(i + 1);
    lua_pushlstring(L, KEYS[i], n);
  }
  luaL_setfuncs(L, value_methods, NUV + NKEYS);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  lua_pushcfunction(L, l_chunk_decoder);
  lua_setfield(L, -2, "chunk_decoder");
}
