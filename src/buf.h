/*
** buf.h -- a growable byte buffer (malloc'd), the one every part of the
** core appends to: transport.c's event queue, head and body, lhttp1.c's,
** the chunk decoder's queue (cdec.c) and the accumulation (accum.c).
** One layout, so that a transfer's event records (evrec.h) can move into
** the chunk decoder's queue by swapping buffers (cdec.h).  Pure C.
*/
#ifndef ORC_BUF_H
#define ORC_BUF_H

#include <stddef.h>

typedef struct orc_buf {
  char *p;
  size_t len, cap;
} orc_buf;

/* Room for `more` bytes after len (capacity doubles, from 16).  0, or -1
** on overflow or when out of memory (b unchanged). */
int orc_buf_reserve (orc_buf *b, size_t more);

/* Append n bytes of s (nothing to do for n == 0).  0 or -1, as above. */
int orc_buf_add (orc_buf *b, const void *s, size_t n);

/* Free the bytes; b is empty and may be used again. */
void orc_buf_free (orc_buf *b);

#endif
