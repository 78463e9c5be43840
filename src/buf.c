/*
** buf.c -- the growable byte buffer of buf.h.
*/
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "orc.h"

int orc_buf_reserve (orc_buf *b, size_t more) {
  size_t need, cap;
  char *np;
  if (more > ((size_t)-1) - b->len) return -1;   /* overflow */
  need = b->len + more;
  if (need <= b->cap) return 0;
  cap = b->cap < 16 ? 16 : b->cap;
  while (cap < need) {
    if (cap > ((size_t)-1) / 2) { cap = need; break; }
    cap *= 2;
  }
  np = (char *)realloc(b->p, cap);
  if (np == NULL) return -1;
  b->p = np;
  b->cap = cap;
  return 0;
}

int orc_buf_add (orc_buf *b, const void *s, size_t n) {
  if (n == 0) return 0;
  if (orc_buf_reserve(b, n) != 0) return -1;
  memcpy(b->p + b->len, s, n);
  b->len += n;
  return 0;
}

void orc_buf_free (orc_buf *b) {
  free(b->p);
  b->p = NULL;
  b->len = b->cap = 0;
}
