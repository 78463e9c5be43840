/*
** ltransport.c -- Lua bindings for transport.c: classes openrouter.multi
** (one per client) and openrouter.request (one per HTTP request).
**
** Lifetimes: a request's user value anchors its multi and its body
** string.  The multi does not anchor its requests: the Lua layer holds
** what it still wants; a request that is collected while running is
** cancelled by its finalizer.  Closing the multi ends every attached
** request as cancelled first, so neither finalizer order matters.
*/
#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "lua.h"
#include "lauxlib.h"

#include "compat.h"
#include "evq.h"
#include "lcore.h"
#include "transport.h"
#include "orc.h"

#define MULTI_MT "openrouter.multi"
#define REQ_MT "openrouter.request"

typedef struct lmulti {
  orc_multi mu;
  int open;
} lmulti;

typedef struct lreq {
  orc_req r;
  int open;
} lreq;

static lmulti *check_multi (lua_State *L) {
  lmulti *m = (lmulti *)luaL_checkudata(L, 1, MULTI_MT);
  if (!m->open) luaL_error(L, "attempt to use a closed client transport");
  return m;
}

static lreq *check_req (lua_State *L) {
  return (lreq *)luaL_checkudata(L, 1, REQ_MT);
}

/* ------------------------------------------------------------- options */

static double opt_number (lua_State *L, int t, const char *k, double def) {
  double v = def;
  int ty = orc_getfield(L, t, k);
  if (ty == LUA_TNUMBER) v = lua_tonumber(L, -1);
  else if (ty != LUA_TNIL) luaL_error(L, "option '%s' must be a number", k);
  lua_pop(L, 1);
  return v;
}

static size_t opt_size (lua_State *L, int t, const char *k, size_t def) {
  double v = opt_number(L, t, k, (double)def);
  if (v < 1) luaL_error(L, "option '%s' must be at least 1", k);
  return (size_t)v;
}

/* The string stays valid while the options table holds it. */
static const char *opt_string (lua_State *L, int t, const char *k) {
  const char *s = NULL;
  int ty = orc_getfield(L, t, k);
  if (ty == LUA_TSTRING) s = lua_tostring(L, -1);
  else if (ty != LUA_TNIL) luaL_error(L, "option '%s' must be a string", k);
  lua_pop(L, 1);
  return s;
}

static int opt_bool (lua_State *L, int t, const char *k) {
  int v;
  orc_getfield(L, t, k);
  v = lua_toboolean(L, -1);
  lua_pop(L, 1);
  return v;
}

/* ------------------------------------------------------------- multi */

static long opt_count (lua_State *L, int t, const char *k) {
  double v = opt_number(L, t, k, 0);
  if (!(v >= 0 && v <= 1e9)) luaL_error(L, "option '%s' must be a count >= 0", k);
  return (long)v;
}

/* core.multi_new([opts]) -> multi.  [-0, +1, m]
** opts: max_connections (open at once; more requests queue), max_idle
** (idle connections kept), idle_age (seconds an idle connection may wait
** to be reused); absent or 0: libcurl's default. */
static int lmulti_new (lua_State *L) {
  const char *err = NULL;
  orc_pool pool;
  lmulti *m;
  memset(&pool, 0, sizeof(pool));
  if (!lua_isnoneornil(L, 1)) {
    luaL_checktype(L, 1, LUA_TTABLE);
    pool.max_connections = opt_count(L, 1, "max_connections");
    pool.max_idle = opt_count(L, 1, "max_idle");
    pool.idle_age = opt_count(L, 1, "idle_age");
  }
  m = (lmulti *)orc_newuserdata(L, sizeof(lmulti));
  memset(m, 0, sizeof(*m));
  luaL_setmetatable(L, MULTI_MT);
  if (orc_multi_init(&m->mu, &pool, &err) != 0) return luaL_error(L, "%s", err);
  m->open = 1;
  return 1;
}

/* close / __gc / __close: ends every attached request.  [-0, +0, -] */
static int lmulti_close (lua_State *L) {
  lmulti *m = (lmulti *)luaL_checkudata(L, 1, MULTI_MT);
  if (m->open) {
    m->open = 0;
    orc_multi_close(&m->mu);
  }
  return 0;
}

/*
** multi:request(opts) -> request, started.  [-0, +1, m]
** opts: url, method, body, headers (array of "Name: value"), stream,
** max_body, max_header, max_event, connect_timeout,
** first_byte_timeout, idle_timeout, total_timeout (seconds), ca_file,
** ca_path, insecure, verbose.  Misuse raises.
*/
static int lmulti_request (lua_State *L) {
  lmulti *m = check_multi(L);
  orc_req_opts o;
  lreq *q;
  const char *err = NULL;
  const char **hv = NULL;
  size_t i, nh = 0;
  luaL_checktype(L, 2, LUA_TTABLE);
  memset(&o, 0, sizeof(o));
  o.url = opt_string(L, 2, "url");
  if (o.url == NULL) return luaL_error(L, "option 'url' is required");
  o.method = opt_string(L, 2, "method");
  if (orc_getfield(L, 2, "body") == LUA_TSTRING)
    o.body = lua_tolstring(L, -1, &o.body_len);
  else if (!lua_isnil(L, -1)) return luaL_error(L, "option 'body' must be a string");
  lua_pop(L, 1);                       /* the options table keeps it alive */
  o.stream = opt_bool(L, 2, "stream");
  o.insecure = opt_bool(L, 2, "insecure");
  o.verbose = opt_bool(L, 2, "verbose");
  o.ca_file = opt_string(L, 2, "ca_file");
  o.ca_path = opt_string(L, 2, "ca_path");
  o.lim.max_body = opt_size(L, 2, "max_body", (size_t)64 << 20);
  o.lim.max_header = opt_size(L, 2, "max_header", (size_t)64 << 10);
  o.lim.max_event = opt_size(L, 2, "max_event", ORC_SSE_DEFAULT_MAX_EVENT);
  o.to.connect = opt_number(L, 2, "connect_timeout", 0);
  o.to.first_byte = opt_number(L, 2, "first_byte_timeout", 0);
  o.to.idle = opt_number(L, 2, "idle_timeout", 0);
  o.to.total = opt_number(L, 2, "total_timeout", 0);
  if (orc_getfield(L, 2, "headers") == LUA_TTABLE) {
    nh = orc_rawlen(L, -1);
    /* a userdata, not malloc: freed by the collector even if we raise */
    hv = (const char **)lua_newuserdata(L, (nh ? nh : 1) * sizeof(char *));
    for (i = 0; i < nh; i++) {
      if (orc_rawgeti(L, -2, (int)i + 1) != LUA_TSTRING)
        return luaL_error(L, "headers[%d] must be a string", (int)i + 1);
      hv[i] = lua_tostring(L, -1);
      lua_pop(L, 1);                   /* the headers table keeps it alive */
    }
    o.headers = hv;
    o.nheaders = nh;
  }
  else if (!lua_isnil(L, -1)) return luaL_error(L, "option 'headers' must be a table");
  q = (lreq *)orc_newuserdata(L, sizeof(lreq));
  memset(q, 0, sizeof(*q));
  luaL_setmetatable(L, REQ_MT);
  q->open = 1;
  /* user value: { multi, body } keeps both alive as long as the request */
  lua_createtable(L, 2, 0);
  lua_pushvalue(L, 1);
  lua_rawseti(L, -2, 1);
  orc_getfield(L, 2, "body");
  lua_rawseti(L, -2, 2);
  orc_setuservalue(L, -2);
  if (orc_req_init(&q->r, &o, &err) != 0 ||
      orc_req_start(&q->r, &m->mu, &err) != 0)
    return luaL_error(L, "%s", err);   /* __gc frees what init made */
  return 1;
}

/* multi:perform() -> running.  Never blocks.  [-0, +1, -] */
static int lmulti_perform (lua_State *L) {
  lmulti *m = check_multi(L);
  lua_pushinteger(L, orc_multi_perform(&m->mu));
  return 1;
}

/* multi:wait(seconds) -> running.  Blocks at most that long.  [-0, +1, -] */
static int lmulti_wait (lua_State *L) {
  lmulti *m = check_multi(L);
  double s = luaL_optnumber(L, 2, 1.0);
  int ms = s <= 0 ? 0 : (s > 3600 ? 3600000 : (int)(s * 1000.0 + 0.5));
  lua_pushinteger(L, orc_multi_wait(&m->mu, ms));
  return 1;
}

/* multi:socket_mode(): from now on an outer loop watches libcurl's
** sockets and calls socket_action.  [-0, +0, -] */
static int lmulti_socket_mode (lua_State *L) {
  lmulti *m = check_multi(L);
  if (orc_multi_socket_mode(&m->mu) != 0)
    return luaL_error(L, "cannot switch libcurl to socket mode");
  return 0;
}

/* multi:socket_changes() -> { fd1, what1, fd2, what2, ... } where what is
** "in", "out", "inout" or "remove"; clears the queue.  [-0, +1, m] */
static int lmulti_socket_changes (lua_State *L) {
  static const char *const whats[] = { "none", "in", "out", "inout", "remove" };
  lmulti *m = check_multi(L);
  const orc_sockev *ev = (const orc_sockev *)(void *)m->mu.sockev.p;
  size_t i, n = m->mu.sockev.len / sizeof(orc_sockev);
  lua_createtable(L, (int)(2 * n), 0);
  for (i = 0; i < n; i++) {
    int w = ev[i].what;
    lua_pushinteger(L, (lua_Integer)ev[i].fd);
    lua_rawseti(L, -2, (int)(2 * i + 1));
    lua_pushstring(L, whats[(w >= 0 && w <= 4) ? w : 0]);
    lua_rawseti(L, -2, (int)(2 * i + 2));
  }
  m->mu.sockev.len = 0;
  return 1;
}

/* multi:socket_action(fd, readable, writable) -> running; fd -1 (or nil)
** is the timeout action.  Never blocks.  [-0, +1, -] */
static int lmulti_socket_action (lua_State *L) {
  lmulti *m = check_multi(L);
  lua_Integer fd = luaL_optinteger(L, 2, -1);
  int ev = 0;
  if (lua_toboolean(L, 3)) ev |= CURL_CSELECT_IN;
  if (lua_toboolean(L, 4)) ev |= CURL_CSELECT_OUT;
  lua_pushinteger(L, orc_multi_socket_action(&m->mu,
                  fd < 0 ? CURL_SOCKET_TIMEOUT : (curl_socket_t)fd, ev));
  return 1;
}

/* multi:timeout() -> ms until something is due, or -1.  [-0, +1, -] */
static int lmulti_timeout (lua_State *L) {
  lmulti *m = check_multi(L);
  lua_pushinteger(L, (lua_Integer)orc_multi_timeout(&m->mu));
  return 1;
}

/* ------------------------------------------------------------- request */

/* close / __gc / __close: cancels a running transfer, frees.  [-0, +0, -] */
static int lreq_close (lua_State *L) {
  lreq *q = check_req(L);
  if (q->open) {
    q->open = 0;
    orc_req_cancel(&q->r);
    orc_req_free(&q->r);
  }
  return 0;
}

/* req:cancel(): detach now (closes the connection).  [-0, +0, -] */
static int lreq_cancel (lua_State *L) {
  lreq *q = check_req(L);
  if (q->open) orc_req_cancel(&q->r);
  return 0;
}

/* The HTTP status: libcurl's while the easy handle lives, else the one
** recorded when the body started (0 before the status line). */
static long req_status (lreq *q) {
  long st = q->r.status;
  if (q->open && q->r.easy != NULL)
    curl_easy_getinfo(q->r.easy, CURLINFO_RESPONSE_CODE, &st);
  return st;
}

static const char *const kinds[] = {
  NULL, "network", "timeout", "cancelled", "protocol", "url"
};

static const char *const modes[] = { "undecided", "sse", "body" };

/* t[k] = response header `name`, if there is one.  [-0, +0, m] */
static void set_header (lua_State *L, const orc_req *r, const char *k,
                        const char *name) {
  size_t len;
  const char *v = orc_req_header(r, name, &len);
  if (v == NULL) return;
  lua_pushlstring(L, v, len);
  lua_setfield(L, -2, k);
}

/*
** req:outcome() -> nil while the transfer runs; once it is over, what the
** Lua layer needs at that point, read in one call:
**   { status=, mode= "sse"|"body"|"undecided", clean=, bytes=,
**     request_id= (X-Generation-Id), content_type=,
**     kind=, message=, which=, permanent= }   -- only when it failed
** kind: "network" | "timeout" | "cancelled" | "protocol" | "url" (the URL
** is malformed or its scheme unsupported: nothing was sent); which: the
** timeout or limit that fired (for "network" and "url": libcurl's reason,
** or "EMFILE"/"ENFILE" when the process ran out of file descriptors);
** permanent: retrying cannot help (a bad CA file, a rejected
** certificate...).  A request closed while it ran ended as cancelled.
** [-0, +1, m]
*/
static int lreq_outcome (lua_State *L) {
  lreq *q = check_req(L);
  orc_req *r = &q->r;
  if (q->open && r->state != ORC_REQ_DONE) {
    lua_pushnil(L);
    return 1;
  }
  lua_createtable(L, 0, 10);
  lua_pushinteger(L, (lua_Integer)req_status(q));
  lua_setfield(L, -2, "status");
  lua_pushstring(L, modes[r->mode]);
  lua_setfield(L, -2, "mode");
  lua_pushboolean(L, r->sse_clean);
  lua_setfield(L, -2, "clean");
  lua_pushnumber(L, (lua_Number)r->bytes_in);
  lua_setfield(L, -2, "bytes");
  if (q->open) {
    set_header(L, r, "request_id", "x-generation-id");
    set_header(L, r, "content_type", "content-type");
  }
  if (r->err_kind != ORC_ERR_NONE) {
    lua_pushstring(L, kinds[r->err_kind]);
    lua_setfield(L, -2, "kind");
    lua_pushstring(L, r->err_msg);
    lua_setfield(L, -2, "message");
    if (r->err_which) {
      lua_pushstring(L, r->err_which);
      lua_setfield(L, -2, "which");
    }
    if (r->err_permanent) {
      lua_pushboolean(L, 1);
      lua_setfield(L, -2, "permanent");
    }
  }
  return 1;
}

/*
** req:events(into [, full]) -> n, ended.  [-0, +2, m]
** Moves the queued events into the table `into` at 1..n: their data
** strings (all a stream reads), or with `full` (the debug trace) tables
** { type=, data=, id= }.  Entries of `into` past n are left as they were.
** `ended`: the transfer is over and nothing is left queued, so one call
** per wait tells the consumer both.  An empty queue allocates nothing.
** If a memory error raises midway, the queue is left intact.
*/
static int lreq_events (lua_State *L) {
  lreq *q = check_req(L);
  orc_req *r = &q->r;
  int full = lua_toboolean(L, 3);
  int i = 0;
  luaL_checktype(L, 2, LUA_TTABLE);
  if (q->open && r->nevents > 0) {
    i = orc_push_events(L, &r->events, full);
    r->events.len = 0;
    r->nevents = 0;
    orc_req_drained(r);
  }
  lua_pushinteger(L, i);
  lua_pushboolean(L, !q->open || r->state == ORC_REQ_DONE);
  return 2;
}

/*
** req:take_into(dec) -> n, ended.  [-0, +2, m]
** Moves the queued events into the chunk decoder dec (core.chunk_decoder)
** without making Lua strings of them: the fast path of openrouter.stream.
** n and ended as events() says them.  A transport whose requests lack
** this method is read through events() instead.
*/
static int lreq_take_into (lua_State *L) {
  lreq *q = check_req(L);
  orc_evq *e = orc_check_evq(L, 2);
  orc_req *r = &q->r;
  size_t n = 0;
  if (q->open && r->nevents > 0) {
    n = r->nevents;
    if (orc_evq_take(e, &r->events, n) != 0) return luaL_error(L, "not enough memory");
    r->nevents = 0;
    orc_req_drained(r);
  }
  lua_pushinteger(L, (lua_Integer)n);
  lua_pushboolean(L, !q->open || r->state == ORC_REQ_DONE);
  return 2;
}

/* req:pending() -> queued events, ended.  Cheap (no allocation): loop
** adapters use it to resume only the waiters that can move.  A closed
** request counts as ended.  [-0, +2, -] */
static int lreq_pending (lua_State *L) {
  lreq *q = check_req(L);
  lua_pushinteger(L, q->open ? (lua_Integer)q->r.nevents : 0);
  lua_pushboolean(L, !q->open || q->r.state == ORC_REQ_DONE);
  return 2;
}

/* req:status() -> HTTP status, 0 before the status line.  [-0, +1, -] */
static int lreq_status (lua_State *L) {
  lua_pushinteger(L, (lua_Integer)req_status(check_req(L)));
  return 1;
}

/* req:headers() -> { [lowercased name] = value, ... }; repeated names are
** joined with ", ".  [-0, +1, m] */
static int lreq_headers (lua_State *L) {
  lreq *q = check_req(L);
  const char *p = q->r.hdrs.p, *end;
  lua_newtable(L);
  if (!q->open || p == NULL) return 1;
  end = p + q->r.hdrs.len;
  while (p < end) {
    const char *nl = (const char *)memchr(p, '\n', (size_t)(end - p));
    const char *colon = (const char *)memchr(p, ':', (size_t)(nl - p));
    if (colon != NULL) {
      const char *v = colon + 1;
      while (v < nl && (*v == ' ' || *v == '\t')) v++;
      orc_header_field(L, p, (size_t)(colon - p), v, (size_t)(nl - v));
    }
    p = nl + 1;
  }
  return 1;
}

/* req:body() -> the collected body (non-SSE responses).  [-0, +1, m] */
static int lreq_body (lua_State *L) {
  lreq *q = check_req(L);
  lua_pushlstring(L, q->r.body.p ? q->r.body.p : "", q->r.body.len);
  return 1;
}

/* req:head() -> the first bytes of the body, whatever the mode.  [-0, +1, m] */
static int lreq_head (lua_State *L) {
  lreq *q = check_req(L);
  lua_pushlstring(L, q->r.head.p ? q->r.head.p : "", q->r.head.len);
  return 1;
}

static void set_num (lua_State *L, const char *k, double v) {
  lua_pushnumber(L, v);
  lua_setfield(L, -2, k);
}

/* req:info() -> { mode=, sse_clean=, bytes=, comments=, pending=, times... }
** [-0, +1, m] */
static int lreq_info (lua_State *L) {
  lreq *q = check_req(L);
  orc_req *r = &q->r;
  double end = r->state == ORC_REQ_DONE ? r->t_done : orc_now();
  lua_createtable(L, 0, 12);
  lua_pushstring(L, r->state == ORC_REQ_DONE ? "done" : "running");
  lua_setfield(L, -2, "state");
  lua_pushstring(L, modes[r->mode]);
  lua_setfield(L, -2, "mode");
  lua_pushboolean(L, r->sse_clean);
  lua_setfield(L, -2, "sse_clean");
  lua_pushboolean(L, r->paused);
  lua_setfield(L, -2, "paused");
  set_num(L, "bytes", (double)r->bytes_in);
  set_num(L, "comments", (double)r->comments);
  set_num(L, "pending", (double)r->nevents);
  set_num(L, "elapsed", end - r->t_start);
  if (r->t_first_byte > 0) set_num(L, "first_byte", r->t_first_byte - r->t_start);
  if (q->open && r->easy != NULL) {
    double t;
    long v = 0;
    if (curl_easy_getinfo(r->easy, CURLINFO_NAMELOOKUP_TIME, &t) == CURLE_OK) set_num(L, "dns", t);
    if (curl_easy_getinfo(r->easy, CURLINFO_CONNECT_TIME, &t) == CURLE_OK) set_num(L, "connect", t);
    if (curl_easy_getinfo(r->easy, CURLINFO_APPCONNECT_TIME, &t) == CURLE_OK) set_num(L, "tls", t);
    if (curl_easy_getinfo(r->easy, CURLINFO_HTTP_VERSION, &v) == CURLE_OK) {
      lua_pushstring(L, v == CURL_HTTP_VERSION_2_0 ? "2" : v == CURL_HTTP_VERSION_1_0 ? "1.0"
                     : v == CURL_HTTP_VERSION_1_1 ? "1.1" : v == 0 ? "?" : "3");
      lua_setfield(L, -2, "http_version");
    }
    if (curl_easy_getinfo(r->easy, CURLINFO_NUM_CONNECTS, &v) == CURLE_OK)
      set_num(L, "new_connections", (double)v);
  }
  return 1;
}

/* core.now() -> monotonic seconds.  [-0, +1, -] */
static int l_now (lua_State *L) {
  lua_pushnumber(L, orc_now());
  return 1;
}

/* core.sleep(seconds): block the thread (the blocking loop only).  [-0, +0, -] */
static int l_sleep (lua_State *L) {
  double s = luaL_checknumber(L, 1);
  if (s > 0) {
    struct timespec ts;
    ts.tv_sec = (time_t)s;
    ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
  }
  return 0;
}

/* core.fd_limit() -> the process's soft limit on open file descriptors
** (RLIMIT_NOFILE), or nil when there is none.  [-0, +1, -] */
static int l_fd_limit (lua_State *L) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) {
    lua_pushnil(L);
    return 1;
  }
  lua_pushnumber(L, (lua_Number)rl.rlim_cur);
  return 1;
}

static const luaL_Reg multi_methods[] = {
  { "request", lmulti_request },
  { "perform", lmulti_perform },
  { "wait", lmulti_wait },
  { "timeout", lmulti_timeout },
  { "socket_mode", lmulti_socket_mode },
  { "socket_changes", lmulti_socket_changes },
  { "socket_action", lmulti_socket_action },
  { "close", lmulti_close },
  { NULL, NULL }
};

static const luaL_Reg req_methods[] = {
  { "events", lreq_events },
  { "take_into", lreq_take_into },
  { "outcome", lreq_outcome },
  { "pending", lreq_pending },
  { "status", lreq_status },
  { "headers", lreq_headers },
  { "body", lreq_body },
  { "head", lreq_head },
  { "info", lreq_info },
  { "cancel", lreq_cancel },
  { "close", lreq_close },
  { NULL, NULL }
};

static void new_class (lua_State *L, const char *name, const luaL_Reg *methods,
                       lua_CFunction close) {
  orc_newclass(L, name, close);
  lua_newtable(L);
  luaL_setfuncs(L, methods, 0);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
}

void orc_open_transport (lua_State *L) {
  new_class(L, MULTI_MT, multi_methods, lmulti_close);
  new_class(L, REQ_MT, req_methods, lreq_close);
  lua_pushcfunction(L, lmulti_new);
  lua_setfield(L, -2, "multi_new");
  lua_pushcfunction(L, l_now);
  lua_setfield(L, -2, "now");
  lua_pushcfunction(L, l_sleep);
  lua_setfield(L, -2, "sleep");
  lua_pushcfunction(L, l_fd_limit);
  lua_setfield(L, -2, "fd_limit");
}
