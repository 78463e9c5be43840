/*
** evq.h -- a queue of SSE event records, read from the front: the chunk
** decoder's (lchunk.c), into which req:take_into (ltransport.c) moves what
** a transfer queued, without copying when the decoder's queue is drained.
** A record is transport.c's (and lhttp1.c's): three size_t lengths (type, data, id), then
** the three byte strings, unaligned.
*/
#ifndef ORC_EVQ_H
#define ORC_EVQ_H

#include <stddef.h>

#include "lua.h"

#include "buf.h"

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

/* The queue of the chunk decoder at index i (raises when it is not one).
** [-0, +0, v] */
orc_evq *orc_check_evq (lua_State *L, int i);

#endif
