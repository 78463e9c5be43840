/*
** cdec.c -- the chunk decoder's engine (cdec.h): its queue of event
** records, and the step every event goes through.
*/
#include <stdlib.h>
#include <string.h>

#include "cdec.h"
#include "evrec.h"
#include "orc.h"

/* ------------------------------------------------------------ the queue */

int orc_evq_take (orc_evq *q, orc_buf *events, size_t n) {
  if (q->off >= q->b.len) {                     /* drained: swap the buffers */
    orc_buf t = q->b;
    q->b = *events;
    *events = t;
    q->off = 0;
    q->n = n;
  } else {
    if (orc_buf_reserve(&q->b, events->len)) return -1;
    memcpy(q->b.p + q->b.len, events->p, events->len);
    q->b.len += events->len;
    q->n += n;
  }
  events->len = 0;
  return 0;
}

int orc_evq_push (orc_evq *q, const char *data, size_t len) {
  if (orc_evrec_add(&q->b, "", 0, data, len, "", 0)) return -1;
  q->n++;
  return 0;
}

void orc_evq_clear (orc_evq *q) {
  q->off = q->b.len = 0;
  q->n = 0;
}

/* The next record's data: 1, or 0 when the queue is drained.  The bytes
** stay valid until the queue is written again. */
static int next_event (orc_evq *q, const char **data, size_t *len) {
  orc_evrec ev;
  if (q->off >= q->b.len) return 0;
  q->off = (size_t)(orc_evrec_read(q->b.p + q->off, &ev) - q->b.p);
  *data = ev.data;
  *len = ev.dlen;
  q->n--;
  if (q->off >= q->b.len) q->off = q->b.len = 0;
  return 1;
}

/* ------------------------------------------------------------ the decoder */

int orc_cdec_init (orc_cdec *d, int int_keys) {
  memset(d, 0, sizeof *d);
  orc_chunk_init(&d->ck, 1);
  d->acc = orc_acc_new(int_keys);
  if (d->acc == NULL) {
    orc_cdec_free(d);
    return -1;
  }
  return 0;
}

void orc_cdec_free (orc_cdec *d) {
  if (d->acc != NULL) orc_acc_free(d->acc);
  d->acc = NULL;
  free(d->q.b.p);
  memset(&d->q, 0, sizeof d->q);
  orc_chunk_free(&d->ck);
  free(d->id);
  d->id = NULL;
}

int orc_cdec_step (orc_cdec *d, const char **data, size_t *len) {
  while (next_event(&d->q, data, len)) {
    int rc;
    if (d->done) {
      d->after_done++;
      continue;
    }
    if (*len == 6 && memcmp(*data, "[DONE]", 6) == 0) {
      d->done = 1;
      continue;
    }
    rc = orc_chunk_scan(&d->ck, *data, *len);
    if (rc == ORC_JSON_ENOMEM) return ORC_CDEC_NOMEM;
    /* not JSON, or not a table: not a chunk */
    if (rc != ORC_JSON_OK || (d->ck.type != ORC_JV_OBJECT && d->ck.type != ORC_JV_ARRAY))
      return ORC_CDEC_BAD;
    if (orc_acc_add(d->acc, &d->ck) != ORC_JSON_OK) return ORC_CDEC_NOMEM;
    if (d->id == NULL && d->ck.id.type == ORC_JV_STRING) {
      d->id = (char *)malloc(d->ck.id.len + 4);
      if (d->id == NULL) return ORC_CDEC_NOMEM;
      d->idlen = orc_jstring(&d->ck.id, d->id);
    }
    if (d->ck.error.type == ORC_JV_OBJECT || d->ck.error.type == ORC_JV_ARRAY)
      return ORC_CDEC_ERROR;
    return ORC_CDEC_CHUNK;
  }
  return ORC_CDEC_EMPTY;
}
