/*
** lhttp1.c -- an HTTP request's state without its I/O: class
** openrouter.h1req, for transports whose sockets live in Lua (OpenResty's
** cosockets, lua/openrouter/transport/ngx.lua).  The Lua side connects,
** sends and reads; it feeds what it reads here and reports how the
** connection went.  Here the bytes go through the HTTP/1.x decoder
** (http1.c) into the SSE parser (sse.c) or a bounded body, exactly as
** transport.c does for libcurl, and the consumer reads the result through
** the same methods as a libcurl request (ltransport.c): events, pending,
** outcome, status, headers, body, head, info, cancel, close.  Limits,
** timeouts and error kinds are those of transport.c; where the decoder
** finds what libcurl would have refused, the error names libcurl's code
** (curl_easy_strerror), so error objects are the same on both paths.
**
**   local r = core.h1_request{ stream=, max_body=, max_header=, max_event=,
**                              connect_timeout=, first_byte_timeout=,
**                              idle_timeout=, total_timeout= }
**   r:feed(bytes)      --> queued events, ended, reusable
**   r:eof()            --> the same, after the connection's end
**   r:fail(kind, which, message)     -- a failure seen by the Lua side
**   r:deadline()       --> when the next own timeout fires (core.now()
**                          seconds), its name and its limit; nil if none
**   r:wait_ms(deadline, cap) --> how long the next socket call may wait
**   r:expired()        --> an own deadline passed: the request ended so
**
** core.h1_methods is the methods table: a Lua request object that keeps
** the userdata at [1] may use these functions as its own methods.
**   r:mark("connect" | "ready" | "tls" | "reused")   -- how the connection went
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lua.h"
#include "lauxlib.h"

#include "compat.h"
#include "evq.h"
#include "evrec.h"
#include "http1.h"
#include "lcore.h"
#include "sse.h"
#include "transport.h"
#include "orc.h"

#define H1_MT "openrouter.h1req"
#define HEAD_BYTES 512      /* body prefix kept for diagnostics, as transport.c */

typedef struct lh1 {
  orc_h1 h;
  orc_sse sse;
  int open, stream, done, mode, sse_clean, stopped;
  int connected, reused;
  int err_kind;                 /* ORC_ERR_* (transport.h) */
  const char *err_which;        /* static text */
  char err_msg[320];
  size_t max_body, max_event;
  orc_timeouts to;
  double t_start, t_last, t_first_byte, t_done, t_connect, t_tls;
  size_t bytes_in, nevents;
  unsigned long comments;
  orc_buf events, body, head;   /* events: transport.c's records (evq.h) */
} lh1;

/* Record a failure unless one is recorded (the first wins); the request
** is over. */
static void set_error (lh1 *q, int kind, const char *which, const char *msg) {
  if (q->err_kind == ORC_ERR_NONE) {
    q->err_kind = kind;
    q->err_which = which;
    snprintf(q->err_msg, sizeof(q->err_msg), "%s", msg);
  }
  if (!q->done) {
    q->done = 1;
    q->t_done = orc_now();
  }
}

/* ------------------------------------------------------ decoder callbacks */

static int on_event (void *ud, const orc_sse_event *ev) {
  lh1 *q = (lh1 *)ud;
  if (orc_evrec_add(&q->events, ev->type, ev->type_len, ev->data, ev->data_len, ev->id,
                    ev->id_len))
    return ORC_SSE_ENOMEM;
  q->nevents++;
  return 0;
}

static void on_comment (void *ud, const char *text, size_t len) {
  (void)text;
  (void)len;
  ((lh1 *)ud)->comments++;
}

/* The final head: where do body bytes go?  As transport.c's decide_mode. */
static int on_head (void *ud, orc_h1 *h) {
  lh1 *q = (lh1 *)ud;
  size_t n;
  const char *v = orc_h1_field(h, "content-type", &n);
  if (q->stream && h->status >= 200 && h->status < 300 && v != NULL && n >= 17 &&
      strncasecmp(v, "text/event-stream", 17) == 0)
    q->mode = ORC_MODE_SSE;
  else
    q->mode = ORC_MODE_BODY;
  v = orc_h1_field(h, "content-encoding", &n);
  if (v != NULL && !(n == 8 && strncasecmp(v, "identity", 8) == 0)) {
    char msg[160];
    snprintf(msg, sizeof(msg), "content coding '%.*s' not asked for and not supported",
             (int)(n < 40 ? n : 40), v);
    set_error(q, ORC_ERR_NETWORK, curl_easy_strerror(CURLE_BAD_CONTENT_ENCODING), msg);
    return 1;
  }
  return 0;
}

static int on_body (void *ud, const char *p, size_t n) {
  lh1 *q = (lh1 *)ud;
  if (q->head.len < HEAD_BYTES) {
    size_t k = HEAD_BYTES - q->head.len;
    if (orc_buf_add(&q->head, p, k < n ? k : n)) goto nomem;
  }
  q->bytes_in += n;
  if (q->mode == ORC_MODE_SSE) {
    int rc = orc_sse_feed(&q->sse, p, n);
    if (rc == ORC_SSE_ETOOBIG) {
      char msg[160];
      snprintf(msg, sizeof(msg), "server-sent event larger than %lu bytes (at byte %lu)",
               (unsigned long)q->max_event, (unsigned long)q->sse.error_offset);
      set_error(q, ORC_ERR_PROTOCOL, "max_event", msg);
      return 1;
    }
    if (rc != 0) goto nomem;
  }
  else {
    if (q->body.len + n > q->max_body) {
      char msg[160];
      snprintf(msg, sizeof(msg), "response body larger than %lu bytes", (unsigned long)q->max_body);
      set_error(q, ORC_ERR_PROTOCOL, "max_body", msg);
      return 1;
    }
    if (orc_buf_add(&q->body, p, n)) goto nomem;
  }
  return 0;
nomem:
  set_error(q, ORC_ERR_PROTOCOL, "memory", "out of memory buffering the response");
  return 1;
}

/* The decoder stopped or ended: the request's error, in libcurl's terms. */
static void decoder_error (lh1 *q) {
  const orc_h1 *h = &q->h;
  char msg[240];
  CURLcode code;
  switch (h->error) {
    case ORC_H1_ESTOPPED: return;                /* our callbacks set it */
    case ORC_H1_ENOMEM:
      set_error(q, ORC_ERR_PROTOCOL, "memory", "out of memory buffering the response");
      return;
    case ORC_H1_ETOOBIG:
      snprintf(msg, sizeof(msg), "response headers larger than %lu bytes",
               (unsigned long)h->max_header);
      set_error(q, ORC_ERR_PROTOCOL, "max_header", msg);
      return;
    default: break;
  }
  switch (h->detail) {
    case ORC_H1_D_CODING: code = CURLE_BAD_CONTENT_ENCODING; break;
    case ORC_H1_D_CHUNK: code = CURLE_RECV_ERROR; break;
    case ORC_H1_D_NOTHING: code = CURLE_GOT_NOTHING; break;
    case ORC_H1_D_PARTIAL: code = CURLE_PARTIAL_FILE; break;
    default: code = CURLE_WEIRD_SERVER_REPLY;
  }
  if (h->detail == ORC_H1_D_PARTIAL && h->framing == ORC_H1_LENGTH && h->status != 0)
    snprintf(msg, sizeof(msg), "%s (%llu of %llu body bytes)", h->reason,
             h->length - h->remaining, h->length);
  else
    snprintf(msg, sizeof(msg), "%s (HTTP/1.1, at byte %lu of the response)", h->reason,
             (unsigned long)h->error_offset);
  set_error(q, ORC_ERR_NETWORK, curl_easy_strerror(code), msg);
}

/* The response is complete (the decoder is done). */
static void complete (lh1 *q) {
  if (q->done) return;
  if (q->mode == ORC_MODE_SSE) q->sse_clean = orc_sse_finish(&q->sse);
  q->done = 1;
  q->t_done = orc_now();
}

/* ------------------------------------------------------------- binding */

/* The request at argument 1: the userdata, or a table that holds it at
** [1] (a Lua transport's request object, whose methods are these C
** functions themselves: no Lua frame in between).  Argument 1 becomes
** the userdata. */
static lh1 *check_h1 (lua_State *L) {
  if (lua_type(L, 1) == LUA_TTABLE) {
    lua_rawgeti(L, 1, 1);
    lua_replace(L, 1);
  }
  return (lh1 *)luaL_checkudata(L, 1, H1_MT);
}

static double opt_num (lua_State *L, const char *k, double def) {
  double v = def;
  int t = orc_getfield(L, 1, k);
  if (t == LUA_TNUMBER) v = lua_tonumber(L, -1);
  else if (t != LUA_TNIL) luaL_error(L, "option '%s' must be a number", k);
  lua_pop(L, 1);
  return v;
}

static size_t opt_size (lua_State *L, const char *k, size_t def) {
  double v = opt_num(L, k, (double)def);
  if (v < 1) luaL_error(L, "option '%s' must be at least 1", k);
  return v >= (double)(((size_t)-1) / 2) ? ((size_t)-1) / 2 : (size_t)v;
}

/* close / __gc / __close: frees; a request closed while it ran ended as
** cancelled.  [-0, +0, -] */
static int lh1_close (lua_State *L) {
  lh1 *q = check_h1(L);
  if (q->open) {
    q->open = 0;
    if (!q->done) set_error(q, ORC_ERR_CANCELLED, NULL, "cancelled");
    orc_h1_free(&q->h);
    orc_sse_free(&q->sse);
    orc_buf_free(&q->events);
    orc_buf_free(&q->body);
    orc_buf_free(&q->head);
    q->nevents = 0;
  }
  return 0;
}

/* core.h1_request(opts) -> request.  Options as multi:request's limits and
** timeouts (ltransport.c), plus stream.  [-0, +1, m] */
static int lh1_new (lua_State *L) {
  lh1 *q;
  size_t max_header, max_event, max_body;
  orc_timeouts to;
  int stream;
  luaL_checktype(L, 1, LUA_TTABLE);
  max_body = opt_size(L, "max_body", (size_t)64 << 20);
  max_header = opt_size(L, "max_header", (size_t)64 << 10);
  max_event = opt_size(L, "max_event", ORC_SSE_DEFAULT_MAX_EVENT);
  to.connect = opt_num(L, "connect_timeout", 0);
  to.first_byte = opt_num(L, "first_byte_timeout", 0);
  to.idle = opt_num(L, "idle_timeout", 0);
  to.total = opt_num(L, "total_timeout", 0);
  orc_getfield(L, 1, "stream");
  stream = lua_toboolean(L, -1);
  lua_pop(L, 1);
  q = (lh1 *)orc_newuserdata(L, sizeof(lh1));
  memset(q, 0, sizeof(*q));
  luaL_setmetatable(L, H1_MT);
  orc_h1_init(&q->h, max_header, on_head, on_body, q);
  orc_sse_init(&q->sse, max_event, on_event, on_comment, q);
  q->open = 1;
  q->stream = stream;
  q->max_body = max_body;
  q->max_event = max_event;
  q->to = to;
  q->t_start = q->t_last = orc_now();
  return 1;
}

static int push_progress (lua_State *L, lh1 *q) {
  lua_pushinteger(L, (lua_Integer)q->nevents);
  lua_pushboolean(L, q->done);
  lua_pushboolean(L, q->done && q->err_kind == ORC_ERR_NONE && q->h.done && q->h.keep_alive);
  return 3;
}

/* r:feed(bytes) -> queued events, ended, reusable.  A request already
** over takes nothing.  [-0, +3, -] */
static int lh1_feed (lua_State *L) {
  lh1 *q = check_h1(L);
  size_t n;
  const char *p = luaL_checklstring(L, 2, &n);
  if (q->open && !q->done && n > 0) {
    q->t_last = orc_now();
    if (q->t_first_byte == 0) q->t_first_byte = q->t_last;
    if (orc_h1_feed(&q->h, p, n) != ORC_H1_OK) decoder_error(q);
    else if (q->h.done) complete(q);
  }
  return push_progress(L, q);
}

/* r:eof() -> queued events, ended, reusable (false): the connection ended.
** [-0, +3, -] */
static int lh1_eof (lua_State *L) {
  lh1 *q = check_h1(L);
  if (q->open && !q->done) {
    if (orc_h1_finish(&q->h) != ORC_H1_OK) decoder_error(q);
    else complete(q);
  }
  q->h.keep_alive = 0;
  return push_progress(L, q);
}

/* r:fail(kind, which, message): kind "network" | "timeout" | "cancelled" |
** "protocol"; which (a timeout's or a limit's name; for network, the
** libcurl reason) may be nil.  The first failure wins.  [-0, +0, -] */
static int lh1_fail (lua_State *L) {
  static const char *const kinds[] = { "network", "timeout", "cancelled", "protocol", NULL };
  static const int codes[] = { ORC_ERR_NETWORK, ORC_ERR_TIMEOUT, ORC_ERR_CANCELLED, ORC_ERR_PROTOCOL };
  static const char *const whiches[] = { "connect", "first_byte", "idle", "total", NULL };
  lh1 *q = check_h1(L);
  int kind = codes[luaL_checkoption(L, 2, NULL, kinds)];
  const char *which = NULL;
  const char *msg = luaL_optstring(L, 4, kind == ORC_ERR_CANCELLED ? "cancelled" : "failed");
  if (!lua_isnoneornil(L, 3)) {
    if (kind == ORC_ERR_TIMEOUT) which = whiches[luaL_checkoption(L, 3, NULL, whiches)];
    else {
      /* a libcurl reason: keep a static copy (the ones we use are curl's own) */
      static const CURLcode known[] = {
        CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_SEND_ERROR, CURLE_RECV_ERROR,
        CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_GOT_NOTHING,
        CURLE_PARTIAL_FILE, CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT,
        CURLE_OPERATION_TIMEDOUT
      };
      const char *w = luaL_checkstring(L, 3);
      size_t i;
      for (i = 0; i < sizeof(known) / sizeof(known[0]) && which == NULL; i++)
        if (strcmp(w, curl_easy_strerror(known[i])) == 0) which = curl_easy_strerror(known[i]);
      if (which == NULL) return luaL_argerror(L, 3, "not a libcurl reason (core.h1_reasons)");
    }
  }
  if (q->open && !q->done) set_error(q, kind, which, msg);
  return 0;
}

/* The next own deadline (absolute), as transport.c's next_deadline, with
** the connect timeout while connecting. */
static double next_deadline (const lh1 *q, const char **which, double *limit) {
  double d = 0;
  *which = NULL;
  if (!q->connected && q->to.connect > 0) {
    d = q->t_start + q->to.connect;
    *which = "connect";
    *limit = q->to.connect;
  }
  if (q->t_first_byte == 0 && q->to.first_byte > 0) {
    if (*which == NULL || q->t_start + q->to.first_byte < d) {
      d = q->t_start + q->to.first_byte;
      *which = "first_byte";
      *limit = q->to.first_byte;
    }
  }
  else if (q->to.idle > 0 && (*which == NULL || q->t_last + q->to.idle < d)) {
    d = q->t_last + q->to.idle;
    *which = "idle";
    *limit = q->to.idle;
  }
  if (q->to.total > 0 && (*which == NULL || q->t_start + q->to.total < d)) {
    d = q->t_start + q->to.total;
    *which = "total";
    *limit = q->to.total;
  }
  return d;
}

/* r:wait_ms(deadline, cap) -> milliseconds a socket call may wait: until
** the nearer of the next own deadline and `deadline` (core.now() seconds,
** may be nil), at least 1, at most cap.  [-0, +1, -] */
static int lh1_wait_ms (lua_State *L) {
  lh1 *q = check_h1(L);
  double cap = luaL_checknumber(L, 3), ms = cap, t = 0, limit;
  const char *which;
  int has = 0;
  if (q->open && !q->done) {
    t = next_deadline(q, &which, &limit);
    has = which != NULL;
  }
  if (!lua_isnoneornil(L, 2)) {
    double d = luaL_checknumber(L, 2);
    if (!has || d < t) t = d;
    has = 1;
  }
  if (has) {
    ms = (t - orc_now()) * 1000.0;
    ms = ms < 1 ? 1 : (double)(long)(ms + 0.999);
    if (ms > cap) ms = cap;
  }
  lua_pushinteger(L, (lua_Integer)ms);
  return 1;
}

/* r:expired() -> true when an own deadline has passed (within 1 ms): the
** request then ends with that timeout, as transport.c words it.  A
** request already over counts as expired.  [-0, +1, -] */
static int lh1_expired (lua_State *L) {
  lh1 *q = check_h1(L);
  const char *which;
  double limit = 0, d;
  if (!q->open || q->done) {
    lua_pushboolean(L, 1);
    return 1;
  }
  d = next_deadline(q, &which, &limit);
  if (which != NULL && orc_now() >= d - 0.001) {
    char msg[96];
    snprintf(msg, sizeof(msg), "%s timeout after %g s", which, limit);
    set_error(q, ORC_ERR_TIMEOUT, which, msg);
    lua_pushboolean(L, 1);
  }
  else lua_pushboolean(L, 0);
  return 1;
}

/* r:deadline() -> at, which, limit; nil when no timeout is set or the
** request is over.  [-0, +(1|3), -] */
static int lh1_deadline (lua_State *L) {
  lh1 *q = check_h1(L);
  const char *which;
  double limit = 0, d;
  if (!q->open || q->done) {
    lua_pushnil(L);
    return 1;
  }
  d = next_deadline(q, &which, &limit);
  if (which == NULL) {
    lua_pushnil(L);
    return 1;
  }
  lua_pushnumber(L, d);
  lua_pushstring(L, which);
  lua_pushnumber(L, limit);
  return 3;
}

/* r:mark(what): how the connection went.  "connect": TCP is up; "ready":
** the connection phase is over (plain HTTP, right after connect); "tls":
** the TLS handshake is done (and so the connection phase); "reused": a
** kept-alive connection, ready at once.  Connecting is activity: the idle
** timeout counts from here.  [-0, +0, -] */
static int lh1_mark (lua_State *L) {
  static const char *const whats[] = { "connect", "ready", "tls", "reused", NULL };
  lh1 *q = check_h1(L);
  int w = luaL_checkoption(L, 2, NULL, whats);
  double t = orc_now();
  if (w == 0 || w == 3) q->t_connect = t;
  if (w == 2) q->t_tls = t;
  if (w == 3) q->reused = 1;
  if (w != 0) q->connected = 1;
  q->t_last = t;
  return 0;
}

/* ------------------------------------------- the request-object methods */

/* req:cancel(): ends as cancelled unless already over.  [-0, +0, -] */
static int lh1_cancel (lua_State *L) {
  lh1 *q = check_h1(L);
  if (q->open && !q->done) set_error(q, ORC_ERR_CANCELLED, NULL, "cancelled");
  return 0;
}

static const char *const kinds[] = { NULL, "network", "timeout", "cancelled", "protocol" };
static const char *const modes[] = { "undecided", "sse", "body" };

static void set_field (lua_State *L, const lh1 *q, const char *k, const char *name) {
  size_t len;
  const char *v = orc_h1_field(&q->h, name, &len);
  if (v == NULL) return;
  lua_pushlstring(L, v, len);
  lua_setfield(L, -2, k);
}

/* req:outcome(): as ltransport.c's.  [-0, +1, m] */
static int lh1_outcome (lua_State *L) {
  lh1 *q = check_h1(L);
  if (q->open && !q->done) {
    lua_pushnil(L);
    return 1;
  }
  lua_createtable(L, 0, 9);
  lua_pushinteger(L, (lua_Integer)(q->h.status >= 200 ? q->h.status : 0));
  lua_setfield(L, -2, "status");
  lua_pushstring(L, modes[q->mode]);
  lua_setfield(L, -2, "mode");
  lua_pushboolean(L, q->sse_clean);
  lua_setfield(L, -2, "clean");
  lua_pushnumber(L, (lua_Number)q->bytes_in);
  lua_setfield(L, -2, "bytes");
  if (q->open) {
    set_field(L, q, "request_id", "x-generation-id");
    set_field(L, q, "content_type", "content-type");
  }
  if (q->err_kind != ORC_ERR_NONE) {
    lua_pushstring(L, kinds[q->err_kind]);
    lua_setfield(L, -2, "kind");
    lua_pushstring(L, q->err_msg);
    lua_setfield(L, -2, "message");
    if (q->err_which) {
      lua_pushstring(L, q->err_which);
      lua_setfield(L, -2, "which");
    }
  }
  return 1;
}

/* req:events(into [, full]) -> n, ended: as ltransport.c's.  [-0, +2, m] */
static int lh1_events (lua_State *L) {
  lh1 *q = check_h1(L);
  int full = lua_toboolean(L, 3);
  int i = 0;
  luaL_checktype(L, 2, LUA_TTABLE);
  if (q->open && q->nevents > 0) {
    i = orc_push_events(L, &q->events, full);
    q->events.len = 0;
    q->nevents = 0;
  }
  lua_pushinteger(L, i);
  lua_pushboolean(L, !q->open || q->done);
  return 2;
}

/* req:take_into(dec) -> n, ended: as ltransport.c's (the queued events
** move into the chunk decoder without Lua strings).  [-0, +2, m] */
static int lh1_take_into (lua_State *L) {
  lh1 *q = check_h1(L);
  orc_evq *e = orc_check_evq(L, 2);
  size_t n = 0;
  if (q->open && q->nevents > 0) {
    n = q->nevents;
    if (orc_evq_take(e, &q->events, n) != 0) return luaL_error(L, "not enough memory");
    q->nevents = 0;
  }
  lua_pushinteger(L, (lua_Integer)n);
  lua_pushboolean(L, !q->open || q->done);
  return 2;
}

/* req:pending() -> queued events, ended.  [-0, +2, -] */
static int lh1_pending (lua_State *L) {
  lh1 *q = check_h1(L);
  lua_pushinteger(L, q->open ? (lua_Integer)q->nevents : 0);
  lua_pushboolean(L, !q->open || q->done);
  return 2;
}

/* req:status() -> HTTP status of the final response (from its status
** line on), 0 before.  [-0, +1, -] */
static int lh1_status (lua_State *L) {
  lh1 *q = check_h1(L);
  lua_pushinteger(L, (lua_Integer)(q->h.status >= 200 ? q->h.status : 0));
  return 1;
}

/* req:headers() -> { [lower-cased name] = value }, repeated names joined
** with ", ".  [-0, +1, m] */
static int lh1_headers (lua_State *L) {
  lh1 *q = check_h1(L);
  const char *p = q->h.fields, *end;
  lua_newtable(L);
  if (!q->open || p == NULL) return 1;
  end = p + q->h.fields_len;
  while (p < end) {                      /* "Name: value\n", http1.c */
    const char *nl = (const char *)memchr(p, '\n', (size_t)(end - p));
    const char *colon = (const char *)memchr(p, ':', (size_t)(nl - p));
    const char *v = colon + 2;
    orc_header_field(L, p, (size_t)(colon - p), v, (size_t)(nl - v));
    p = nl + 1;
  }
  return 1;
}

/* req:body() -> the collected body.  [-0, +1, m] */
static int lh1_body (lua_State *L) {
  lh1 *q = check_h1(L);
  lua_pushlstring(L, q->body.p ? q->body.p : "", q->body.len);
  return 1;
}

/* req:head() -> the first bytes of the body.  [-0, +1, m] */
static int lh1_head (lua_State *L) {
  lh1 *q = check_h1(L);
  lua_pushlstring(L, q->head.p ? q->head.p : "", q->head.len);
  return 1;
}

static void set_num (lua_State *L, const char *k, double v) {
  lua_pushnumber(L, v);
  lua_setfield(L, -2, k);
}

/* req:info(): as ltransport.c's (no dns: nginx resolves).  [-0, +1, m] */
static int lh1_info (lua_State *L) {
  lh1 *q = check_h1(L);
  double end = q->done ? q->t_done : orc_now();
  lua_createtable(L, 0, 14);
  lua_pushstring(L, q->done ? "done" : "running");
  lua_setfield(L, -2, "state");
  lua_pushstring(L, modes[q->mode]);
  lua_setfield(L, -2, "mode");
  lua_pushboolean(L, q->sse_clean);
  lua_setfield(L, -2, "sse_clean");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "paused");
  set_num(L, "bytes", (double)q->bytes_in);
  set_num(L, "comments", (double)q->comments);
  set_num(L, "pending", (double)q->nevents);
  set_num(L, "elapsed", end - q->t_start);
  if (q->t_first_byte > 0) set_num(L, "first_byte", q->t_first_byte - q->t_start);
  if (q->t_connect > 0) set_num(L, "connect", q->t_connect - q->t_start);
  if (q->t_tls > 0) set_num(L, "tls", q->t_tls - q->t_start);
  if (q->h.status > 0) {
    lua_pushstring(L, q->h.minor == 0 ? "1.0" : "1.1");
    lua_setfield(L, -2, "http_version");
  }
  if (q->t_connect > 0) set_num(L, "new_connections", q->reused ? 0 : 1);
  return 1;
}

static const luaL_Reg methods[] = {
  { "feed", lh1_feed },
  { "eof", lh1_eof },
  { "fail", lh1_fail },
  { "deadline", lh1_deadline },
  { "wait_ms", lh1_wait_ms },
  { "expired", lh1_expired },
  { "mark", lh1_mark },
  { "events", lh1_events },
  { "take_into", lh1_take_into },
  { "outcome", lh1_outcome },
  { "pending", lh1_pending },
  { "status", lh1_status },
  { "headers", lh1_headers },
  { "body", lh1_body },
  { "head", lh1_head },
  { "info", lh1_info },
  { "cancel", lh1_cancel },
  { "close", lh1_close },
  { NULL, NULL }
};

void orc_open_http1 (lua_State *L) {
  static const struct { const char *k; CURLcode c; } reasons[] = {
    { "connect", CURLE_COULDNT_CONNECT }, { "resolve", CURLE_COULDNT_RESOLVE_HOST },
    { "send", CURLE_SEND_ERROR }, { "recv", CURLE_RECV_ERROR },
    { "tls", CURLE_SSL_CONNECT_ERROR }, { "verify", CURLE_PEER_FAILED_VERIFICATION },
    { "nothing", CURLE_GOT_NOTHING }, { "partial", CURLE_PARTIAL_FILE },
    { "protocol", CURLE_UNSUPPORTED_PROTOCOL }, { "url", CURLE_URL_MALFORMAT },
    { "timeout", CURLE_OPERATION_TIMEDOUT }
  };
  size_t i;
  orc_newclass(L, H1_MT, lh1_close);
  lua_newtable(L);
  luaL_setfuncs(L, methods, 0);
  lua_pushvalue(L, -1);
  lua_setfield(L, -4, "h1_methods");   /* core.h1_methods: for request objects in Lua */
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  lua_pushcfunction(L, lh1_new);
  lua_setfield(L, -2, "h1_request");
  /* core.h1_reasons: libcurl's words for what a Lua transport meets, so
  ** its errors carry the same codes as the libcurl path's */
  lua_createtable(L, 0, (int)(sizeof(reasons) / sizeof(reasons[0])));
  for (i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
    lua_pushstring(L, curl_easy_strerror(reasons[i].c));
    lua_setfield(L, -2, reasons[i].k);
  }
  lua_setfield(L, -2, "h1_reasons");
}
