/*
** transport.c -- libcurl multi: requests, our own timeouts, cancellation,
** per-request SSE parsing into a queue of event records.
**
** Callbacks from libcurl only copy bytes: nothing here calls Lua.
** An event record in orc_req.events is three size_t lengths (type, data,
** id) followed by the three byte strings, unaligned (read with memcpy).
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "evrec.h"
#include "transport.h"
#include "orc.h"

/* CURLOPT_PREREQFUNCTION tells when a request got its connection (7.80);
** CURLOPT_MAXAGE_CONN bounds how long an idle one is reused (7.65). */
#define ORC_HAVE_PREREQ (LIBCURL_VERSION_NUM >= 0x075000)
#define ORC_HAVE_MAXAGE (LIBCURL_VERSION_NUM >= 0x074100)

#define HEAD_BYTES 512      /* body prefix kept for diagnostics */

double orc_now (void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Record a failure unless one is already recorded (the first one wins). */
static void set_error (orc_req *r, int kind, const char *which,
                       const char *msg) {
  if (r->err_kind != ORC_ERR_NONE) return;
  r->err_kind = kind;
  r->err_which = which;
  snprintf(r->err_msg, sizeof(r->err_msg), "%s", msg);
}

/* ---------------------------------------------------------------- SSE */

static int on_event (void *ud, const orc_sse_event *ev) {
  orc_req *r = (orc_req *)ud;
  if (orc_evrec_add(&r->events, ev->type, ev->type_len, ev->data, ev->data_len, ev->id,
                    ev->id_len))
    return ORC_SSE_ENOMEM;
  r->nevents++;
  return 0;
}

static void on_comment (void *ud, const char *text, size_t len) {
  (void)text;
  (void)len;
  ((orc_req *)ud)->comments++;
}

/* ------------------------------------------------------ curl callbacks */

/* Where do body bytes go?  SSE only for a 2xx text/event-stream answer
** to a streaming request; anything else is collected as a body. */
static void decide_mode (orc_req *r) {
  char *ct = NULL;
  curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &r->status);
  curl_easy_getinfo(r->easy, CURLINFO_CONTENT_TYPE, &ct);
  if (r->stream && r->status >= 200 && r->status < 300 && ct != NULL &&
      strncasecmp(ct, "text/event-stream", 17) == 0)
    r->mode = ORC_MODE_SSE;
  else
    r->mode = ORC_MODE_BODY;
}

static size_t on_write (char *ptr, size_t size, size_t nmemb, void *ud) {
  orc_req *r = (orc_req *)ud;
  size_t len = size * nmemb;
  if (r->mode == ORC_MODE_UNDECIDED) decide_mode(r);
  if (r->mode == ORC_MODE_SSE && r->events.len >= ORC_MAX_QUEUE) {
    r->paused = 1;              /* the consumer is behind: back-pressure */
    return CURL_WRITEFUNC_PAUSE;
  }
  r->t_last = orc_now();
  if (r->t_first_byte == 0) r->t_first_byte = r->t_last;
  if (r->head.len < HEAD_BYTES) {
    size_t n = HEAD_BYTES - r->head.len;
    if (orc_buf_add(&r->head, ptr, n < len ? n : len)) goto nomem;
  }
  r->bytes_in += len;
  if (r->mode == ORC_MODE_SSE) {
    int rc = orc_sse_feed(&r->sse, ptr, len);
    if (rc == ORC_SSE_ETOOBIG) {
      char msg[160];
      snprintf(msg, sizeof(msg),
               "server-sent event larger than %lu bytes (at byte %lu)",
               (unsigned long)r->lim.max_event,
               (unsigned long)r->sse.error_offset);
      set_error(r, ORC_ERR_PROTOCOL, "max_event", msg);
      return 0;
    }
    if (rc != 0) goto nomem;
  }
  else {
    if (r->body.len + len > r->lim.max_body) {
      char msg[160];
      snprintf(msg, sizeof(msg), "response body larger than %lu bytes",
               (unsigned long)r->lim.max_body);
      set_error(r, ORC_ERR_PROTOCOL, "max_body", msg);
      return 0;
    }
    if (orc_buf_add(&r->body, ptr, len)) goto nomem;
  }
  return len;
nomem:
  set_error(r, ORC_ERR_PROTOCOL, "memory", "out of memory buffering the response");
  return 0;
}

static size_t on_header (char *ptr, size_t size, size_t nmemb, void *ud) {
  orc_req *r = (orc_req *)ud;
  size_t len = size * nmemb;
  r->t_last = orc_now();
  if (r->t_first_byte == 0) r->t_first_byte = r->t_last;
  if (len >= 5 && memcmp(ptr, "HTTP/", 5) == 0)
    r->hdrs.len = 0;            /* a new response (after 100 or a redirect) */
  while (len > 0 && (ptr[len - 1] == '\n' || ptr[len - 1] == '\r')) len--;
  if (len == 0) return size * nmemb;
  if (r->hdrs.len + len + 1 > r->lim.max_header) {
    char msg[160];
    snprintf(msg, sizeof(msg), "response headers larger than %lu bytes",
             (unsigned long)r->lim.max_header);
    set_error(r, ORC_ERR_PROTOCOL, "max_header", msg);
    return 0;
  }
  if (orc_buf_add(&r->hdrs, ptr, len) || orc_buf_add(&r->hdrs, "\n", 1)) {
    set_error(r, ORC_ERR_PROTOCOL, "memory", "out of memory buffering headers");
    return 0;
  }
  return size * nmemb;
}

#if ORC_HAVE_PREREQ
/* The request has its connection (new or reused, TLS done) and is about
** to be sent: from now on first_byte and idle count.  A request queued
** behind max_connections or still connecting is not "silent". */
static int on_prereq (void *ud, char *conn_primary_ip, char *conn_local_ip,
                      int conn_primary_port, int conn_local_port) {
  orc_req *r = (orc_req *)ud;
  (void)conn_primary_ip;
  (void)conn_local_ip;
  (void)conn_primary_port;
  (void)conn_local_port;
  r->t_ready = r->t_last = orc_now();
  return CURL_PREREQFUNC_OK;
}
#endif

/* libcurl opens sockets through here, so that a socket() that fails is
** remembered with its errno: libcurl (7.88) reports it only as "Couldn't
** connect to server", with CURLINFO_OS_ERRNO 0.  Sockets are close-on-exec:
** a host that spawns processes (Neovim jobs) does not leak them. */
static curl_socket_t on_opensocket (void *ud, curlsocktype purpose,
                                    struct curl_sockaddr *a) {
  orc_req *r = (orc_req *)ud;
  curl_socket_t fd;
  (void)purpose;
#ifdef SOCK_CLOEXEC
  fd = socket(a->family, a->socktype | SOCK_CLOEXEC, a->protocol);
  if (fd == CURL_SOCKET_BAD && errno == EINVAL)
#endif
  {
    fd = socket(a->family, a->socktype, a->protocol);
    if (fd != CURL_SOCKET_BAD) (void)fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  if (fd == CURL_SOCKET_BAD) r->sock_errno = errno;
  else if (r->multi != NULL) r->multi->nsockets++;
  return fd;
}

/* Every socket of ours is closed through here (its data is the multi: a
** connection outlives the request that opened it). */
static int on_closesocket (void *ud, curl_socket_t fd) {
  orc_multi *mu = (orc_multi *)ud;
  if (mu->nsockets > 0) mu->nsockets--;
  return close(fd);
}

/* -------------------------------------------------------------- multi */

int orc_multi_init (orc_multi *mu, const orc_pool *pool, const char **err) {
  static int global_done = 0;
  memset(mu, 0, sizeof(*mu));
  if (pool != NULL) mu->pool = *pool;
  if (!global_done) {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      *err = "curl_global_init failed";
      return -1;
    }
    global_done = 1;
  }
  mu->m = curl_multi_init();
  if (mu->m == NULL) {
    *err = "curl_multi_init failed";
    return -1;
  }
  /* past the limit, libcurl queues a request until a connection frees up */
  mu->limit = mu->pool.max_connections;
  if (mu->limit > 0)
    curl_multi_setopt(mu->m, CURLMOPT_MAX_TOTAL_CONNECTIONS, mu->limit);
  if (mu->pool.max_idle > 0)
    curl_multi_setopt(mu->m, CURLMOPT_MAXCONNECTS, mu->pool.max_idle);
  return 0;
}

static void unlink_req (orc_req *r) {
  orc_multi *mu = r->multi;
  if (mu == NULL) return;
  curl_multi_remove_handle(mu->m, r->easy);
  if (r->prev) r->prev->next = r->next;
  else mu->list = r->next;
  if (r->next) r->next->prev = r->prev;
  r->prev = r->next = NULL;
  r->multi = NULL;
}

void orc_multi_close (orc_multi *mu) {
  while (mu->list != NULL) {
    set_error(mu->list, ORC_ERR_CANCELLED, NULL, "client closed");
    orc_req_cancel(mu->list);
  }
  if (mu->m != NULL) curl_multi_cleanup(mu->m);
  mu->m = NULL;
  orc_buf_free(&mu->sockev);
}

/* libcurl's socket callback: only records the change for the loop. */
static int on_socket (CURL *e, curl_socket_t fd, int what, void *userp,
                      void *socketp) {
  orc_multi *mu = (orc_multi *)userp;
  orc_sockev ev;
  (void)e;
  (void)socketp;
  ev.fd = fd;
  ev.what = what;
  return orc_buf_add(&mu->sockev, &ev, sizeof(ev)) == 0 ? 0 : -1;
}

int orc_multi_socket_mode (orc_multi *mu) {
  if (mu->socket_mode) return 0;
  if (curl_multi_setopt(mu->m, CURLMOPT_SOCKETFUNCTION, on_socket) != CURLM_OK ||
      curl_multi_setopt(mu->m, CURLMOPT_SOCKETDATA, (void *)mu) != CURLM_OK)
    return -1;
  mu->socket_mode = 1;
  return 0;
}

/* ------------------------------------------------------------ requests */

int orc_req_init (orc_req *r, const orc_req_opts *o, const char **err) {
  CURL *e;
  size_t i;
  memset(r, 0, sizeof(*r));
  r->lim = o->lim;
  r->to = o->to;
  r->stream = o->stream;
  orc_sse_init(&r->sse, o->lim.max_event, on_event, on_comment, r);
  r->easy = e = curl_easy_init();
  if (e == NULL) {
    *err = "curl_easy_init failed";
    return -1;
  }
  for (i = 0; i < o->nheaders; i++) {
    struct curl_slist *nl;
    if (strpbrk(o->headers[i], "\r\n") != NULL) {
      *err = "header contains CR or LF";
      return -1;
    }
    nl = curl_slist_append(r->headers, o->headers[i]);
    if (nl == NULL) goto nomem;
    r->headers = nl;
  }
  {                            /* no 100-continue round trip for large bodies */
    struct curl_slist *nl = curl_slist_append(r->headers, "Expect:");
    if (nl == NULL) goto nomem;
    r->headers = nl;
  }
  curl_easy_setopt(e, CURLOPT_URL, o->url);
  curl_easy_setopt(e, CURLOPT_PRIVATE, (void *)r);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->curl_err);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, (void *)r);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, (void *)r);
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
  curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
  curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
  curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, on_opensocket);
  curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, (void *)r);
#if ORC_HAVE_PREREQ
  curl_easy_setopt(e, CURLOPT_PREREQFUNCTION, on_prereq);
  curl_easy_setopt(e, CURLOPT_PREREQDATA, (void *)r);
#endif
  if (o->to.connect > 0)
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)(o->to.connect * 1000));
  if (o->body != NULL) {
    curl_easy_setopt(e, CURLOPT_POST, 1L);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, o->body);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)o->body_len);
  }
  else curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
  if (o->method != NULL) curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, o->method);
  if (o->insecure) {
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (o->ca_file) curl_easy_setopt(e, CURLOPT_CAINFO, o->ca_file);
  if (o->ca_path) curl_easy_setopt(e, CURLOPT_CAPATH, o->ca_path);
  if (o->verbose) curl_easy_setopt(e, CURLOPT_VERBOSE, 1L);
  return 0;
nomem:
  *err = "out of memory";
  return -1;
}

int orc_req_start (orc_req *r, orc_multi *mu, const char **err) {
  if (r->state != ORC_REQ_NEW) {
    *err = "request already started";
    return -1;
  }
  curl_easy_setopt(r->easy, CURLOPT_CLOSESOCKETFUNCTION, on_closesocket);
  curl_easy_setopt(r->easy, CURLOPT_CLOSESOCKETDATA, (void *)mu);
#if ORC_HAVE_MAXAGE
  if (mu->pool.idle_age > 0)
    curl_easy_setopt(r->easy, CURLOPT_MAXAGE_CONN, mu->pool.idle_age);
#endif
  if (curl_multi_add_handle(mu->m, r->easy) != CURLM_OK) {
    *err = "curl_multi_add_handle failed";
    return -1;
  }
  r->multi = mu;
  r->next = mu->list;
  if (mu->list) mu->list->prev = r;
  mu->list = r;
  r->state = ORC_REQ_RUNNING;
  r->t_start = r->t_last = orc_now();
#if !ORC_HAVE_PREREQ
  r->t_ready = r->t_start;      /* no way to tell: count from the start */
#endif
  return 0;
}

static void end_req (orc_req *r) {
  unlink_req(r);
  r->state = ORC_REQ_DONE;
  r->t_done = orc_now();
  if (r->mode == ORC_MODE_UNDECIDED && r->easy != NULL) decide_mode(r);
}

void orc_req_cancel (orc_req *r) {
  if (r->state == ORC_REQ_DONE) return;
  set_error(r, ORC_ERR_CANCELLED, NULL, "cancelled");
  end_req(r);
}

void orc_req_drained (orc_req *r) {
  if (r->paused && r->multi != NULL) {
    r->paused = 0;
    r->t_last = orc_now();      /* waiting on the consumer is not silence */
    curl_easy_pause(r->easy, CURLPAUSE_CONT);
  }
}

const char *orc_req_header (const orc_req *r, const char *name, size_t *len) {
  const char *p = r->hdrs.p, *end;
  size_t n = strlen(name);
  if (p == NULL) return NULL;
  end = p + r->hdrs.len;
  while (p < end) {             /* lines "Name: value\n", see on_header */
    const char *nl = (const char *)memchr(p, '\n', (size_t)(end - p));
    if (nl == NULL) nl = end;
    if ((size_t)(nl - p) > n && p[n] == ':' && strncasecmp(p, name, n) == 0) {
      const char *v = p + n + 1;
      while (v < nl && (*v == ' ' || *v == '\t')) v++;
      *len = (size_t)(nl - v);
      return v;
    }
    p = nl + 1;
  }
  return NULL;
}

void orc_req_free (orc_req *r) {
  if (r->multi != NULL) unlink_req(r);
  if (r->easy != NULL) curl_easy_cleanup(r->easy);
  r->easy = NULL;
  curl_slist_free_all(r->headers);
  r->headers = NULL;
  orc_sse_free(&r->sse);
  orc_buf_free(&r->hdrs);
  orc_buf_free(&r->body);
  orc_buf_free(&r->events);
  orc_buf_free(&r->head);
}

/* Failures that trying again cannot cure: the local configuration (a CA
** file, a client certificate, a feature not built in) or a server
** certificate that was rejected. */
static int permanent (CURLcode code) {
  switch (code) {
  case CURLE_NOT_BUILT_IN: case CURLE_FUNCTION_NOT_FOUND:
  case CURLE_BAD_FUNCTION_ARGUMENT: case CURLE_UNKNOWN_OPTION:
  case CURLE_SSL_ENGINE_NOTFOUND: case CURLE_SSL_ENGINE_SETFAILED:
  case CURLE_SSL_CERTPROBLEM: case CURLE_SSL_CIPHER:
  case CURLE_SSL_CACERT_BADFILE: case CURLE_SSL_CRL_BADFILE:
  case CURLE_PEER_FAILED_VERIFICATION: case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
  case CURLE_SSL_INVALIDCERTSTATUS:
    return 1;
  default:
    return 0;
  }
}

/* A connect that failed because the process ran out of file descriptors:
** say so (libcurl says "Couldn't connect to server").  1 when it was. */
static int out_of_descriptors (orc_req *r) {
  long os_errno = r->sock_errno;
  struct rlimit rl;
  char msg[CURL_ERROR_SIZE + 160];
  if (os_errno == 0) curl_easy_getinfo(r->easy, CURLINFO_OS_ERRNO, &os_errno);
  if (os_errno != EMFILE && os_errno != ENFILE) return 0;
  if (os_errno == EMFILE && getrlimit(RLIMIT_NOFILE, &rl) == 0 &&
      rl.rlim_cur != RLIM_INFINITY)
    snprintf(msg, sizeof(msg), "out of file descriptors (EMFILE: the process "
             "may open %lu; lower max_connections or raise ulimit -n)",
             (unsigned long)rl.rlim_cur);
  else
    snprintf(msg, sizeof(msg), "out of file descriptors (%s)",
             os_errno == EMFILE ? "EMFILE" : "ENFILE: the system's limit");
  set_error(r, ORC_ERR_NETWORK, os_errno == EMFILE ? "EMFILE" : "ENFILE", msg);
  return 1;
}

#define MAX_REQUEUES 16

/* The process ran out of descriptors while this multi holds connections
** of its own: lower the multi's limit to the connections it has, and put
** the request back in libcurl's queue (nothing was sent) to wait for one
** of them.  1 when it was put back; 0: report the failure. */
static int requeue (orc_req *r) {
  orc_multi *mu = r->multi;
  if (mu == NULL || mu->nsockets <= 0 || r->requeues >= MAX_REQUEUES) return 0;
  if (mu->limit == 0 || mu->nsockets < mu->limit) {
    mu->limit = mu->nsockets;
    curl_multi_setopt(mu->m, CURLMOPT_MAX_TOTAL_CONNECTIONS, mu->limit);
  }
  curl_multi_remove_handle(mu->m, r->easy);
  r->sock_errno = 0;
  r->curl_err[0] = '\0';
  if (curl_multi_add_handle(mu->m, r->easy) != CURLM_OK) return 0;
  r->requeues++;
  return 1;
}

/* A transfer that libcurl finished, successfully or not. */
static void finish_req (orc_req *r, CURLcode code) {
  if (code == CURLE_COULDNT_CONNECT && r->sock_errno == EMFILE && requeue(r)) return;
  end_req(r);
  if (code == CURLE_OK) {
    if (r->mode == ORC_MODE_SSE) r->sse_clean = orc_sse_finish(&r->sse);
    return;
  }
  if (code == CURLE_OPERATION_TIMEDOUT) {
    double ct = 0;
    curl_easy_getinfo(r->easy, CURLINFO_CONNECT_TIME, &ct);
    if (ct == 0) {
      char msg[64];
      snprintf(msg, sizeof(msg), "connect timeout after %g s", r->to.connect);
      set_error(r, ORC_ERR_TIMEOUT, "connect", msg);
      return;
    }
  }
  if (code == CURLE_URL_MALFORMAT || code == CURLE_UNSUPPORTED_PROTOCOL) {
    set_error(r, ORC_ERR_URL, curl_easy_strerror(code),
              r->curl_err[0] ? r->curl_err : curl_easy_strerror(code));
    return;
  }
  if (code == CURLE_COULDNT_CONNECT && out_of_descriptors(r)) return;
  {
    char msg[CURL_ERROR_SIZE + 64];
    snprintf(msg, sizeof(msg), "%s", r->curl_err[0] ? r->curl_err
                                     : curl_easy_strerror(code));
    set_error(r, ORC_ERR_NETWORK, curl_easy_strerror(code), msg);
    r->err_permanent = permanent(code);
  }
}

/* The deadline of r's next own timeout (absolute), with its name. */
static double next_deadline (const orc_req *r, const char **which,
                             double *limit) {
  double d = 0;
  *which = NULL;
  if (r->paused) return 0;
  if (r->t_ready == 0) {
    /* queued for a connection or connecting: only total applies (and
    ** libcurl's connect timeout) */
  }
  else if (r->t_first_byte == 0 && r->to.first_byte > 0) {
    d = r->t_ready + r->to.first_byte;
    *which = "first_byte";
    *limit = r->to.first_byte;
  }
  else if (r->to.idle > 0) {
    d = r->t_last + r->to.idle;
    *which = "idle";
    *limit = r->to.idle;
  }
  if (r->to.total > 0 && (*which == NULL || r->t_start + r->to.total < d)) {
    d = r->t_start + r->to.total;
    *which = "total";
    *limit = r->to.total;
  }
  return d;
}

static void check_deadlines (orc_multi *mu) {
  double now = orc_now();
  orc_req *r = mu->list;
  while (r != NULL) {
    orc_req *next = r->next;
    const char *which;
    double limit = 0;
    double d = next_deadline(r, &which, &limit);
    if (which != NULL && now >= d) {
      char msg[96];
      snprintf(msg, sizeof(msg), "%s timeout after %g s", which, limit);
      set_error(r, ORC_ERR_TIMEOUT, which, msg);
      end_req(r);
    }
    r = next;
  }
}

/* Reap finished transfers, apply our deadlines; count what still runs. */
static int after_action (orc_multi *mu) {
  CURLMsg *msg;
  int left, n = 0;
  orc_req *r;
  while ((msg = curl_multi_info_read(mu->m, &left)) != NULL) {
    if (msg->msg == CURLMSG_DONE) {
      char *p = NULL;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &p);
      if (p != NULL) finish_req((orc_req *)(void *)p, msg->data.result);
    }
  }
  check_deadlines(mu);
  for (r = mu->list; r != NULL; r = r->next) n++;
  return n;
}

int orc_multi_perform (orc_multi *mu) {
  curl_multi_perform(mu->m, &mu->running);
  return after_action(mu);
}

int orc_multi_socket_action (orc_multi *mu, curl_socket_t fd, int ev) {
  curl_multi_socket_action(mu->m, fd, ev, &mu->running);
  return after_action(mu);
}

long orc_multi_timeout (orc_multi *mu) {
  long t = -1;
  double now = orc_now();
  orc_req *r;
  if (mu->list == NULL) return -1;
  curl_multi_timeout(mu->m, &t);
  for (r = mu->list; r != NULL; r = r->next) {
    const char *which;
    double limit;
    double d = next_deadline(r, &which, &limit);
    if (which != NULL) {
      double ms = (d - now) * 1000.0;
      long lms = ms <= 0 ? 0 : (long)ms + 1;
      if (t < 0 || lms < t) t = lms;
    }
  }
  return t;
}

int orc_multi_wait (orc_multi *mu, int timeout_ms) {
  long t = orc_multi_timeout(mu);
  if (mu->list == NULL) return 0;
  if (t >= 0 && t < timeout_ms) timeout_ms = (int)t;
  if (timeout_ms > 0) curl_multi_poll(mu->m, NULL, 0, timeout_ms, NULL);
  return orc_multi_perform(mu);
}
