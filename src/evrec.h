/*
** evrec.h -- an SSE event record: how a transfer queues each event it
** parsed (transport.c, lhttp1.c), the chunk decoder's queue holds them
** (cdec.c) and the Lua side reads them (ltransport.c, lhttp1.c): three
** size_t lengths (type, data, id), then the three byte strings, unaligned.
** The one place that knows this layout.  Pure C.
*/
#ifndef ORC_EVREC_H
#define ORC_EVREC_H

#include <stddef.h>
#include <string.h>

#include "buf.h"

typedef struct orc_evrec {
  const char *type, *data, *id;
  size_t tlen, dlen, ilen;
} orc_evrec;

/* Append one record to b.  0, or -1 on overflow or when out of memory (b
** unchanged). */
static inline int orc_evrec_add (orc_buf *b, const char *type, size_t tlen,
                                 const char *data, size_t dlen, const char *id, size_t ilen) {
  size_t lens[3], n = tlen + dlen;
  char *p;
  if (n < tlen || n + ilen < n || n + ilen > ((size_t)-1) - sizeof lens ||
      orc_buf_reserve(b, sizeof lens + n + ilen))
    return -1;
  lens[0] = tlen;
  lens[1] = dlen;
  lens[2] = ilen;
  p = b->p + b->len;
  memcpy(p, lens, sizeof lens);
  p += sizeof lens;
  if (tlen > 0) memcpy(p, type, tlen);
  if (dlen > 0) memcpy(p + tlen, data, dlen);
  if (ilen > 0) memcpy(p + tlen + dlen, id, ilen);
  b->len += sizeof lens + n + ilen;
  return 0;
}

/* The record at p, into *r; the address just after it. */
static inline const char *orc_evrec_read (const char *p, orc_evrec *r) {
  size_t lens[3];
  memcpy(lens, p, sizeof lens);
  r->tlen = lens[0];
  r->dlen = lens[1];
  r->ilen = lens[2];
  r->type = p + sizeof lens;
  r->data = r->type + r->tlen;
  r->id = r->data + r->dlen;
  return r->id + r->ilen;
}

#endif
