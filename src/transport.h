/*
** transport.h -- HTTP over libcurl's multi interface: one orc_multi per
** client, one orc_req (an easy handle) per request, many in flight.
** No Lua here: ltransport.c binds it.  Every libcurl callback is plain C
** that only copies bytes into buffers, so no Lua error can ever unwind
** through a libcurl frame.
*/
#ifndef ORC_TRANSPORT_H
#define ORC_TRANSPORT_H

#include <stddef.h>
#include <curl/curl.h>

#include "buf.h"
#include "sse.h"

enum {               /* orc_req.state */
  ORC_REQ_NEW = 0,   /* configured, not started */
  ORC_REQ_RUNNING,   /* attached to the multi */
  ORC_REQ_DONE       /* finished: see err_kind */
};

enum {               /* orc_req.err_kind */
  ORC_ERR_NONE = 0,
  ORC_ERR_NETWORK,   /* connection failed, reset, TLS, DNS ... */
  ORC_ERR_TIMEOUT,   /* err_which names connect/first_byte/idle/total */
  ORC_ERR_CANCELLED,
  ORC_ERR_PROTOCOL,  /* a limit exceeded or an unparsable response */
  ORC_ERR_URL        /* the URL is malformed or its scheme unsupported:
                     ** nothing was sent, and retrying cannot help */
};

enum {               /* orc_req.mode: where body bytes go */
  ORC_MODE_UNDECIDED = 0,
  ORC_MODE_SSE,      /* 2xx text/event-stream on a streaming request */
  ORC_MODE_BODY      /* everything else: collected, bounded */
};

typedef struct orc_multi orc_multi;
typedef struct orc_req orc_req;

typedef struct orc_limits {
  size_t max_body;     /* bytes of a collected body */
  size_t max_header;   /* bytes of all response header lines */
  size_t max_event;    /* bytes of one SSE event */
} orc_limits;

/* Queued event bytes at which an SSE transfer pauses until the consumer
** drains the queue (back-pressure for a consumer that falls behind). */
#define ORC_MAX_QUEUE ((size_t)4 << 20)

typedef struct orc_timeouts {   /* seconds; 0 = none */
  double connect, first_byte, idle, total;
} orc_timeouts;

/* The connections of one multi (0 = libcurl's default for each). */
typedef struct orc_pool {
  long max_connections;  /* open at once, busy or idle; more requests queue
                         ** (CURLMOPT_MAX_TOTAL_CONNECTIONS) */
  long max_idle;         /* idle ones kept for reuse (CURLMOPT_MAXCONNECTS) */
  long idle_age;         /* seconds an idle one may wait to be reused
                         ** (CURLOPT_MAXAGE_CONN) */
} orc_pool;

struct orc_req {
  orc_multi *multi;             /* set while attached */
  orc_req *prev, *next;         /* the multi's list of attached requests */
  CURL *easy;
  struct curl_slist *headers;
  int stream;                   /* the caller asked for SSE */
  int state, mode, paused;
  int err_kind;
  int err_permanent;            /* retrying cannot help (bad CA file,
                                ** certificate rejected, ...) */
  int sock_errno;               /* errno of the last socket() that failed */
  int requeues;                 /* times put back in the queue after EMFILE */
  const char *err_which;        /* for timeouts: which one fired */
  char err_msg[CURL_ERROR_SIZE + 160];
  char curl_err[CURL_ERROR_SIZE];
  long status;
  orc_limits lim;
  orc_timeouts to;
  double t_start, t_last, t_first_byte, t_done;   /* monotonic seconds */
  double t_ready;               /* a connection is ready and the request
                                ** goes out (0 while queued or connecting):
                                ** first_byte and idle count from here */
  size_t bytes_in;              /* body bytes received */
  unsigned long comments;       /* SSE comment lines (keep-alives) seen */
  size_t nevents;               /* events queued in `events` */
  int sse_clean;                /* finish() result, after DONE */
  orc_buf hdrs;                 /* header lines of the final response */
  orc_buf body;
  orc_buf events;               /* queued event records, see transport.c */
  orc_buf head;                 /* first bytes of the body, for diagnostics */
  orc_sse sse;
};

struct orc_multi {
  CURLM *m;
  orc_pool pool;
  long nsockets;                /* sockets of ours open now */
  long limit;                   /* the connection limit in force: the
                                ** pool's, or lower after EMFILE (0: none) */
  orc_req *list;                /* attached requests */
  int running;
  int socket_mode;              /* driven by socket_action, not perform */
  orc_buf sockev;               /* pending orc_sockev records */
};

/* What libcurl wants watched on a socket (socket mode). */
typedef struct orc_sockev {
  curl_socket_t fd;
  int what;                     /* CURL_POLL_IN, _OUT, _INOUT, _REMOVE */
} orc_sockev;

typedef struct orc_req_opts {
  const char *url;
  const char *method;           /* NULL: POST when body, else GET */
  const char *body; size_t body_len;   /* not copied: keep it alive */
  const char *const *headers; size_t nheaders;   /* "Name: value" */
  int stream;
  orc_limits lim;
  orc_timeouts to;
  const char *ca_file, *ca_path;
  int insecure, verbose;
} orc_req_opts;

double orc_now (void);

/* 0, or -1 with a message in *err.  `pool` may be NULL (libcurl's
** defaults: no limit on connections). */
int orc_multi_init (orc_multi *mu, const orc_pool *pool, const char **err);
/* Detaches every request (they end as cancelled) and frees the handle. */
void orc_multi_close (orc_multi *mu);

/* Zeroes r and configures an easy handle.  0, or -1 with a message. */
int orc_req_init (orc_req *r, const orc_req_opts *o, const char **err);
/* Attach to the multi: the transfer starts on the next perform. */
int orc_req_start (orc_req *r, orc_multi *mu, const char **err);
/* Detach now; the connection is closed.  The request ends as cancelled
** unless it had already ended. */
void orc_req_cancel (orc_req *r);
/* Release everything.  Idempotent. */
void orc_req_free (orc_req *r);
/* The queue was drained by the consumer: resume a paused transfer. */
void orc_req_drained (orc_req *r);
/* The value of the first response header `name` (lower case), not
** terminated; NULL when absent.  Valid until the next transfer activity. */
const char *orc_req_header (const orc_req *r, const char *name, size_t *len);

/* Non-blocking: move every transfer, reap finished ones, apply our own
** timeouts.  Returns the number still running. */
int orc_multi_perform (orc_multi *mu);
/* Wait up to timeout_ms for activity (capped at the nearest deadline),
** then perform.  Returns the number still running. */
int orc_multi_wait (orc_multi *mu, int timeout_ms);
/* Milliseconds until something needs doing, -1 when nothing runs. */
long orc_multi_timeout (orc_multi *mu);

/* Socket mode: an outer event loop watches libcurl's sockets itself.
** Socket interest changes queue in mu->sockev (read and clear them);
** the loop calls orc_multi_socket_action when a socket is ready (or
** with CURL_SOCKET_TIMEOUT when orc_multi_timeout's time has come). */
int orc_multi_socket_mode (orc_multi *mu);
int orc_multi_socket_action (orc_multi *mu, curl_socket_t fd, int ev);

#endif
