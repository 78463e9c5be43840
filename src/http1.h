/*
** http1.h -- incremental HTTP/1.x response decoder.  Pure C: no I/O, no
** Lua, no curl.  Bytes in (as they arrive, split anywhere); the final
** response's head and its de-framed body out through two callbacks.
**
** What it decodes (RFC 9112): the status line, header fields, interim 1xx
** responses (skipped), then the body framed by Transfer-Encoding: chunked
** (trailers read and dropped), by Content-Length, or by the end of the
** connection; 204 and 304 have none.  It is strict where being lenient
** would let a response be read two ways: conflicting Content-Lengths, a
** transfer coding other than chunked, obsolete line folding, white space
** before a colon, control bytes in a field, a bare CR.  Lines may end with
** CRLF or LF.
**
** The head is bounded: the status line and each header line count their
** bytes without the line end, plus one, against max_header (as libcurl's
** header callback sees them); trailers have a budget of their own of the
** same size.  Body bytes are not buffered: on_body gets them straight
** from the bytes being fed, once and in order.
**
** Errors are sticky, with a reason and the stream offset of the byte at
** which the decoder knew (for a malformed line: its LF).  The results
** never depend on how the input was split into feeds.
*/
#ifndef ORC_HTTP1_H
#define ORC_HTTP1_H

#include <stddef.h>

typedef struct orc_h1 orc_h1;

/* The final response's head is complete: status, minor, fields, framing
** are set.  Return 0 to go on; anything else stops the decoder
** (ORC_H1_ESTOPPED). */
typedef int (*orc_h1_head_cb) (void *ud, orc_h1 *h);
/* Body bytes (chunk framing removed).  Return 0 to go on, else stop. */
typedef int (*orc_h1_body_cb) (void *ud, const char *p, size_t n);

enum {                /* orc_h1.error */
  ORC_H1_OK = 0,
  ORC_H1_EPROTO,      /* not a well-formed HTTP/1.x response: see detail */
  ORC_H1_ETOOBIG,     /* the head (or the trailers) passed max_header */
  ORC_H1_ENOMEM,
  ORC_H1_ESTOPPED,    /* a callback returned non-zero */
  ORC_H1_ETRUNC       /* finish(): the connection ended inside the response */
};

enum {                /* orc_h1.detail: what was wrong, for EPROTO/ETRUNC */
  ORC_H1_D_NONE = 0,
  ORC_H1_D_STATUS,    /* bad status line */
  ORC_H1_D_HEADER,    /* bad header line (syntax, bytes, folding) */
  ORC_H1_D_LENGTH,    /* bad or conflicting Content-Length */
  ORC_H1_D_CODING,    /* a transfer coding we cannot undo */
  ORC_H1_D_UPGRADE,   /* 101 Switching Protocols: nothing was asked */
  ORC_H1_D_CHUNK,     /* bad chunk size line or chunk end */
  ORC_H1_D_NOTHING,   /* ETRUNC before a single byte */
  ORC_H1_D_PARTIAL    /* ETRUNC after some */
};

enum {                /* orc_h1.framing, once the head is in */
  ORC_H1_NOBODY = 0,
  ORC_H1_LENGTH,
  ORC_H1_CHUNKED,
  ORC_H1_CLOSE        /* the body ends with the connection */
};

struct orc_h1 {
  /* configuration */
  size_t max_header;
  orc_h1_head_cb on_head;
  orc_h1_body_cb on_body;
  void *ud;
  /* results: status line and framing of the final response */
  int status;                  /* 0 until a status line was read */
  int minor;                   /* HTTP/1.minor */
  int framing;
  unsigned long long length;   /* Content-Length (framing LENGTH) */
  int keep_alive;              /* the connection may carry another request */
  int done;                    /* the response is complete */
  /* its header fields, "Name: value\n" each, value without outer blanks */
  char *fields; size_t fields_len, fields_cap;
  size_t offset;               /* bytes consumed, over the whole stream */
  size_t extra;                /* bytes received after the response */
  int error;                   /* sticky: ORC_H1_OK or an ORC_H1_E* code */
  int detail;                  /* ORC_H1_D_* */
  const char *reason;          /* static text for the error */
  size_t error_offset;
  /* private */
  int state, cr, flags;
  char *line; size_t line_len, line_cap;
  size_t head_bytes;           /* counted against max_header */
  unsigned long long remaining;  /* of the body or of the current chunk */
};

/* Zero the state, set the limit and the callbacks.  Allocates nothing. */
void orc_h1_init (orc_h1 *h, size_t max_header, orc_h1_head_cb on_head,
                  orc_h1_body_cb on_body, void *ud);
/* Release buffers.  Idempotent. */
void orc_h1_free (orc_h1 *h);
/* Feed bytes.  0, or the sticky error (then nothing more is consumed). */
int orc_h1_feed (orc_h1 *h, const char *p, size_t n);
/* The connection ended.  0 when the response is complete (a body framed by
** the connection's end completes here), else the sticky error: the one
** already set, or ORC_H1_ETRUNC. */
int orc_h1_finish (orc_h1 *h);
/* The value of the first field `name` (any case), not terminated; NULL
** when absent. */
const char *orc_h1_field (const orc_h1 *h, const char *name, size_t *len);
/* Text for an error code. */
const char *orc_h1_strerror (int code);

#endif
