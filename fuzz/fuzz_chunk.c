/*
** fuzz_chunk.c -- libFuzzer target for the chunk decoder, differential.
**
** The input is a stream of data events, one per line (a first byte with
** the low bit set makes the whole rest one event).  For each event:
**
**   pure   orc_chunk_scan must accept exactly what the codec's lexer
**          (orc_json_check) accepts, and with templates (the previous
**          chunk's scan reused when only a content string differs) find
**          exactly what a full scan finds.  The accepted ones are folded into a
**          C accumulator (accum.c), whose response (orc_acc_build) must be
**          JSON the lexer accepts, after every event.
**   Lua    spec/support/chunk_diff.lua's check in an embedded Lua 5.4:
**          core.chunk_decoder (next, text and drain) against
**          core.json_decode + lua/openrouter/accumulator.lua, the
**          reference: every chunk table equal to the codec's (numbers of
**          the same kind, markers kept), every text, the failures (bad
**          events, error chunks), the response, counts and [DONE] state.
**
** A disagreement aborts with the reason.  Run from the repository root
** (the Lua modules load from lua/ and spec/):
**
**   make fuzz     (mk/checks.mk builds build/fuzz/fuzz_chunk)
**   build/fuzz/fuzz_chunk -max_total_time=60 fuzz/corpus/chunk
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"

#include "accum.h"
#include "chunk.h"
#include "json.h"
#include "lcore.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static void die (const char *what) {
  fprintf(stderr, "fuzz_chunk: %s\n", what);
  abort();
}

/* The core's pieces the decoder and the reference use, as openrouter.core. */
static int open_core (lua_State *L) {
  lua_newtable(L);
  orc_open_json_encode(L);
  orc_open_json_decode(L);
  orc_open_chunk(L);
  return 1;
}

static lua_State *new_state (void) {
  lua_State *L = luaL_newstate();
  luaL_openlibs(L);
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "preload");
  lua_pushcfunction(L, open_core);
  lua_setfield(L, -2, "openrouter.core");
  lua_pop(L, 1);
  lua_pushliteral(L, "lua/?.lua;spec/?.lua");
  lua_setfield(L, -2, "path");
  lua_pop(L, 1);
  lua_getglobal(L, "require");
  lua_pushliteral(L, "support.chunk_diff");
  if (lua_pcall(L, 1, 1, 0) != LUA_OK) die(lua_tostring(L, -1));
  lua_getfield(L, -1, "check");
  lua_remove(L, -2);
  return L;
}

/* Spans of two scans of s, compared where they are. */
static void same_jv (const char *s, const orc_jv *a, const orc_jv *b, const char *what) {
  if (a->type != b->type || (a->type != ORC_JV_NONE &&
      (a->s - s != b->s - s || a->len != b->len || (a->type == ORC_JV_STRING && a->esc != b->esc)))) {
    fprintf(stderr, "%s: type %d/%d at %ld/%ld len %lu/%lu\n", what, a->type, b->type,
            (long)(a->s - s), (long)(b->s - s), (unsigned long)a->len, (unsigned long)b->len);
    die("the template scan and the full scan differ");
  }
}

static void same_scan (const char *s, const orc_chunk *a, const orc_chunk *b) {
  size_t i;
  if (a->type != b->type || a->hot != b->hot || a->first != b->first || a->ntop != b->ntop ||
      a->nch != b->nch || a->nextra != b->nextra)
    die("the template scan and the full scan differ in shape");
  if (a->type != ORC_JV_OBJECT) return;
  same_jv(s, &a->id, &b->id, "id");
  same_jv(s, &a->error, &b->error, "error");
  same_jv(s, &a->text, &b->text, "text");
  same_jv(s, &a->provider, &b->provider, "provider");
  same_jv(s, &a->model, &b->model, "model");
  same_jv(s, &a->object, &b->object, "object");
  same_jv(s, &a->created, &b->created, "created");
  same_jv(s, &a->fingerprint, &b->fingerprint, "fingerprint");
  for (i = 0; i < a->ntop; i++) {
    same_jv(s, &a->top[i].key, &b->top[i].key, "top key");
    same_jv(s, &a->top[i].val, &b->top[i].val, "top value");
  }
  for (i = 0; i < a->nextra; i++) {
    same_jv(s, &a->extra[i].key, &b->extra[i].key, "extra key");
    same_jv(s, &a->extra[i].val, &b->extra[i].val, "extra value");
  }
  for (i = 0; i < a->nch; i++) {
    const orc_cchoice *x = &a->ch[i], *y = &b->ch[i];
    same_jv(s, &x->index, &y->index, "index");
    same_jv(s, &x->delta, &y->delta, "delta");
    same_jv(s, &x->finish, &y->finish, "finish_reason");
    same_jv(s, &x->native, &y->native, "native_finish_reason");
    same_jv(s, &x->logprobs, &y->logprobs, "logprobs");
    if (x->delta.type != ORC_JV_OBJECT) continue;
    same_jv(s, &x->d.role, &y->d.role, "role");
    same_jv(s, &x->d.content, &y->d.content, "content");
    same_jv(s, &x->d.reasoning, &y->d.reasoning, "reasoning");
    same_jv(s, &x->d.refusal, &y->d.refusal, "refusal");
    same_jv(s, &x->d.details, &y->d.details, "reasoning_details");
    same_jv(s, &x->d.tools, &y->d.tools, "tool_calls");
    same_jv(s, &x->d.annotations, &y->d.annotations, "annotations");
    same_jv(s, &x->d.images, &y->d.images, "images");
    if (x->d.extra_first != y->d.extra_first || x->d.extra_n != y->d.extra_n)
      die("the template scan and the full scan differ in extras");
  }
}

/* The pure checks over the events. */
static void pure (const char *const *ev, const size_t *len, size_t n) {
  orc_chunk c, full;
  orc_acc *a = orc_acc_new(1);
  orc_jbuf out;
  size_t i, off;
  if (a == NULL) die("out of memory");
  orc_chunk_init(&c, 1);
  orc_chunk_init(&full, 0);
  orc_jbuf_init(&out, 0);
  for (i = 0; i < n; i++) {
    int rc = orc_chunk_scan(&c, ev[i], len[i]);
    int rf = orc_chunk_scan(&full, ev[i], len[i]);
    int lex = orc_json_check(ev[i], len[i], 0, &off);
    if (rc == ORC_JSON_ENOMEM || rf == ORC_JSON_ENOMEM) die("scan: out of memory");
    if ((rf == ORC_JSON_OK) != (lex == ORC_JSON_OK)) {
      fprintf(stderr, "scan %d, lexer %d (%s)\n", rf, lex, orc_json_strerror(lex));
      die("the scanner and the lexer disagree");
    }
    if ((rc == ORC_JSON_OK) != (rf == ORC_JSON_OK)) die("the template scan and the full scan disagree");
    if (rc == ORC_JSON_OK) same_scan(ev[i], &c, &full);
    if (rc != ORC_JSON_OK) continue;
    if (orc_acc_add(a, &c) != ORC_JSON_OK) die("accumulate: out of memory");
    out.len = 0;
    if (orc_acc_build(a, &out) != ORC_JSON_OK) die("build: out of memory");
    if (orc_json_check(out.data, out.len, 0, &off) != ORC_JSON_OK) {
      fprintf(stderr, "%.*s\n", (int)out.len, out.data);
      die("the response is not JSON");
    }
  }
  orc_jbuf_free(&out);
  orc_chunk_free(&c);
  orc_chunk_free(&full);
  orc_acc_free(a);
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size) {
  static lua_State *L = NULL;
  const char *ev[64];
  size_t len[64], n = 0, i;
  const char *p, *end;
  if (L == NULL) L = new_state();
  if (size == 0) return 0;
  p = (const char *)data + 1;
  end = (const char *)data + size;
  if (data[0] & 1) {
    ev[0] = p;
    len[0] = (size_t)(end - p);
    n = 1;
  } else {
    while (p <= end && n < 64) {
      const char *nl = (const char *)memchr(p, '\n', (size_t)(end - p));
      if (nl == NULL) nl = end;
      ev[n] = p;
      len[n++] = (size_t)(nl - p);
      p = nl + 1;
    }
  }
  pure(ev, len, n);
  lua_pushvalue(L, 1);                          /* check */
  lua_createtable(L, (int)n, 0);
  for (i = 0; i < n; i++) {
    lua_pushlstring(L, ev[i], len[i]);
    lua_rawseti(L, -2, (int)i + 1);
  }
  if (lua_pcall(L, 1, 2, 0) != LUA_OK) die(lua_tostring(L, -1));
  if (!lua_toboolean(L, -2)) die(lua_tostring(L, -1));
  lua_settop(L, 1);
  /* every run frees what it allocated: else libFuzzer, seeing more mallocs
  ** than frees, runs LeakSanitizer's scan of the whole heap after most
  ** inputs (80% of the time, 1.5k exec/s) */
  lua_gc(L, LUA_GCCOLLECT, 0);
  return 0;
}
