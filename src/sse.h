/*
** sse.h -- incremental Server-Sent Events parser, exact to the WHATWG HTML
** spec ("Parsing an event stream", "Interpreting an event stream").
** Pure C: no Lua, no curl.  Bytes in, events out through a callback.
**
** The parser owns its buffers (malloc/realloc/free); orc_sse_free releases
** them and is idempotent.  Event fields handed to the callback point into
** the parser's buffers (or into the bytes being fed) and are valid only
** during the callback.  A callback must not feed the same parser.
**
** Bytes are passed through as they are: the parser does not decode UTF-8
** (invalid sequences are not replaced with U+FFFD), and NUL bytes are kept.
** The events produced never depend on how the input was split into feeds.
*/
#ifndef ORC_SSE_H
#define ORC_SSE_H

#include <stddef.h>

#define ORC_SSE_DEFAULT_MAX_EVENT (1024 * 1024)

typedef struct orc_sse_event {
  const char *type; size_t type_len;   /* "message" when no event field */
  const char *data; size_t data_len;   /* data lines joined with LF */
  const char *id;   size_t id_len;     /* last event id at dispatch (may be empty) */
} orc_sse_event;

/* Return 0 to go on; any other value stops feed(), which returns it. */
typedef int (*orc_sse_event_cb) (void *ud, const orc_sse_event *ev);
/* A comment line (text after the ':', leading space kept as sent). */
typedef void (*orc_sse_comment_cb) (void *ud, const char *text, size_t len);

typedef struct orc_sse orc_sse;

struct orc_sse {
  /* configuration */
  size_t max_event;          /* bytes of one event (data + fields); 0: default */
  orc_sse_event_cb on_event;
  orc_sse_comment_cb on_comment;  /* may be NULL */
  void *ud;
  /*
  ** State.  Owners may read: last_id/last_id_len (the "last event ID
  ** string", updated at every blank line), retry, offset, error and
  ** error_offset.  An owner may also set error (to ORC_SSE_ENOMEM, with
  ** error_offset = offset) to poison a parser whose feed was abandoned by
  ** a longjmp out of a callback.  Everything else is private to sse.c.
  */
  int bom;                   /* BOM bytes matched so far; 3: decided */
  int pending_cr;            /* a line ended with CR: swallow a next LF */
  int in_event;              /* a field line since the last blank line */
  int id_dirty;              /* id buffer changed since the last blank line */
  char *line; size_t line_len, line_cap;      /* partial line across feeds */
  char *data; size_t data_len, data_cap;      /* data buffer */
  char *type; size_t type_len, type_cap;      /* event type buffer */
  char *id_buf; size_t id_buf_len, id_buf_cap;  /* last event ID buffer */
  char *last_id; size_t last_id_len, last_id_cap;  /* last event ID string */
  long retry;                /* reconnection time in ms, -1 when never set */
  size_t offset;             /* bytes consumed so far, over the whole stream */
  int error;                 /* sticky: 0 none, else an ORC_SSE_E* code */
  size_t error_offset;       /* stream offset at which the error arose */
};

enum {
  ORC_SSE_OK = 0,
  ORC_SSE_ETOOBIG = 1,       /* an event exceeded max_event */
  ORC_SSE_ENOMEM = 2,        /* allocation failed */
  ORC_SSE_ESTOPPED = 3       /* the event callback returned non-zero */
};

/* Zero the state; set limits and callbacks.  Allocates nothing. */
void orc_sse_init (orc_sse *p, size_t max_event, orc_sse_event_cb on_event,
                   orc_sse_comment_cb on_comment, void *ud);
/* Release buffers.  Idempotent; the parser may be re-initialised after. */
void orc_sse_free (orc_sse *p);
/*
** Feed bytes.  Returns 0, or the sticky error code (ORC_SSE_ETOOBIG,
** ORC_SSE_ENOMEM), or the non-zero value returned by the callback (the
** parser then stops at that event; the error is sticky as ORC_SSE_ESTOPPED).
** After an error, feed() does nothing and returns the error again.
**
** The limit: at any moment, the data buffer + the event type buffer + the
** line being read must not exceed max_event bytes (so one line longer than
** max_event is an error, even a comment).  error_offset is then the stream
** offset of the first byte past the limit.  For ORC_SSE_ESTOPPED it is the
** offset just past the CR or LF that ended the dispatching blank line.
** Offsets count every byte of the stream, the BOM included.
*/
int orc_sse_feed (orc_sse *p, const char *buf, size_t len);
/*
** End of stream.  A line ended by a final CR was already processed when
** the CR arrived.  Whatever is pending is discarded: a partial line, or an
** event with field lines but no blank line after them (comment lines alone
** do not make an event).  Returns 1 when clean, 0 when something was
** discarded or an error is sticky.  One error can arise here: a stream
** that ends after EF or EF BB (the start of a BOM, but not a BOM) began
** its first line with those bytes; when they exceed max_event, that line
** was too big, and ORC_SSE_ETOOBIG is set with error_offset = max_event.
** Unless an error is sticky, the parser is then ready for a new stream (a
** reconnection): the BOM is checked again and offsets restart at 0, while
** last_id and retry persist.
*/
int orc_sse_finish (orc_sse *p);
/* Human-readable reason for the sticky error, or NULL. */
const char *orc_sse_strerror (int code);

#endif
