/*
** cdec.h -- the chunk decoder's engine, in C without Lua: a queue of SSE
** event records read from the front, each event scanned as a chat
** completion chunk (chunk.c) and folded into the accumulator (accum.c).
** lchunk.c is its Lua face; req:take_into (ltransport.c, lhttp1.c) moves
** the records a transfer queued into its queue.
**
** The records are evrec.h's.
**
** The code every event goes through lives here, not in a file that sees
** the Lua API, so it compiles to the same instructions for every Lua and
** core.so links it first (Makefile: ENGINE_SRCS).
*/
#ifndef ORC_CDEC_H
#define ORC_CDEC_H

#include <stddef.h>

#include "accum.h"
#include "buf.h"
#include "chunk.h"

typedef struct orc_evq {
  orc_buf b;           /* the records; malloc'd, as transport.c's buffers */
  size_t off;          /* the next record's offset; == b.len: drained */
  size_t n;            /* records not read */
} orc_evq;

/*
** Move the n records in events to the back of q (events is left empty):
** when q is drained the two buffers are swapped, so nothing is copied and
** the transfer gets q's storage to fill next.  0, or -1 when out of memory.
*/
int orc_evq_take (orc_evq *q, orc_buf *events, size_t n);

/* Queue one event's data as a record (no type, no id).  0, or -1 when out
** of memory. */
int orc_evq_push (orc_evq *q, const char *data, size_t len);

/* Drop what is queued. */
void orc_evq_clear (orc_evq *q);

typedef struct orc_cdec {
  orc_evq q;
  orc_chunk ck;              /* the chunk read last */
  orc_acc *acc;              /* NULL before init and after free */
  int done;                  /* [DONE] was read */
  size_t after_done;         /* events read after it */
  char *id;                  /* the first chunk id that is a string */
  size_t idlen;
} orc_cdec;

/* What orc_cdec_step read. */
enum {
  ORC_CDEC_EMPTY,            /* nothing queued is left */
  ORC_CDEC_CHUNK,            /* a chunk, in d->ck, accumulated */
  ORC_CDEC_ERROR,            /* a chunk, accumulated, whose "error" is an object or array */
  ORC_CDEC_BAD,              /* an event that is not JSON, or whose value is not a table */
  ORC_CDEC_NOMEM             /* out of memory (d stays valid) */
};

/* 0, or -1 when out of memory (d is then freed).  int_keys: as orc_acc_new. */
int orc_cdec_init (orc_cdec *d, int int_keys);
void orc_cdec_free (orc_cdec *d);

/*
** Read queued events until one is a chunk or is not JSON; [DONE] and what
** follows it are consumed (counted in after_done).  *data, *len: the bytes
** of the event read last, valid until the queue is written again.
*/
int orc_cdec_step (orc_cdec *d, const char **data, size_t *len);

#endif
