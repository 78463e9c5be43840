/*
** test_cdec.c -- unit tests for src/cdec.c (the chunk decoder's engine:
** its queue of event records and the step every event goes through),
** linked alone (no Lua).
**
**   the queue: records pushed are read back in order; take_into's move
**              swaps the buffers when the queue is drained and appends
**              when it is not; clear drops what is queued;
**   the step:  chunks are accumulated and come out one per step, [DONE]
**              and what follows it are consumed and counted, an event that
**              is not a table comes out as BAD with its bytes, a chunk with
**              an "error" object as ERROR after it was accumulated, and the
**              first string id is kept.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accum.h"
#include "cdec.h"
#include "evrec.h"
#include "json.h"

#include "check.h"

static const char *chunk (const char *id, const char *content) {
  static char s[400];
  snprintf(s, sizeof s,
           "{\"id\":%s,\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
           "\"delta\":{\"content\":\"%s\"},\"finish_reason\":null}]}", id, content);
  return s;
}

static void push (orc_cdec *d, const char *s) {
  CHECK(orc_evq_push(&d->q, s, strlen(s)) == 0, "push %s", s);
}

/* Append one record to b, as a transfer queues it. */
static void record (orc_buf *b, const char *s) {
  if (orc_evrec_add(b, "message", 7, s, strlen(s), "", 0)) abort();
}

static int contains (const char *s, size_t n, const char *what) {
  size_t m = strlen(what), i;
  for (i = 0; i + m <= n; i++) if (memcmp(s + i, what, m) == 0) return 1;
  return 0;
}

static int step (orc_cdec *d, const char **data, size_t *len) {
  return orc_cdec_step(d, data, len);
}

static void test_queue (void) {
  orc_cdec d;
  orc_buf events = { NULL, 0, 0 };
  const char *data;
  size_t len;
  char *before;
  CHECK(orc_cdec_init(&d, 1) == 0, "init");
  push(&d, "[1]");
  push(&d, "[2]");
  CHECK(d.q.n == 2, "two queued: %zu", d.q.n);
  CHECK(step(&d, &data, &len) == ORC_CDEC_CHUNK && len == 3 && memcmp(data, "[1]", 3) == 0,
        "first record first");
  CHECK(step(&d, &data, &len) == ORC_CDEC_CHUNK && memcmp(data, "[2]", 3) == 0, "then the second");
  CHECK(step(&d, &data, &len) == ORC_CDEC_EMPTY && d.q.n == 0, "then nothing");

  /* a transfer's records move in: swapped when the queue is drained */
  record(&events, "[3]");
  before = events.p;
  CHECK(orc_evq_take(&d.q, &events, 1) == 0, "take");
  CHECK(d.q.b.p == before && events.len == 0, "drained: the buffers are swapped, not copied");
  record(&events, "[4]");
  CHECK(orc_evq_take(&d.q, &events, 1) == 0 && d.q.n == 2 && events.len == 0,
        "not drained: appended");
  CHECK(step(&d, &data, &len) == ORC_CDEC_CHUNK && memcmp(data, "[3]", 3) == 0, "the moved record");
  CHECK(step(&d, &data, &len) == ORC_CDEC_CHUNK && memcmp(data, "[4]", 3) == 0, "the appended one");

  push(&d, "[5]");
  orc_evq_clear(&d.q);
  CHECK(d.q.n == 0 && step(&d, &data, &len) == ORC_CDEC_EMPTY, "clear drops what is queued");
  free(events.p);
  orc_cdec_free(&d);
  CHECK(d.acc == NULL && d.q.b.p == NULL, "freed");
}

static void test_step (void) {
  orc_cdec d;
  orc_jbuf out;
  const char *data;
  size_t len;
  CHECK(orc_cdec_init(&d, 1) == 0, "init");
  push(&d, chunk("null", "He"));
  push(&d, chunk("\"gen-1\"", "llo"));
  push(&d, "not json");
  push(&d, "7");
  push(&d, "{\"id\":\"gen-2\",\"error\":{\"message\":\"overloaded\"},\"choices\":[]}");
  push(&d, "[DONE]");
  push(&d, chunk("\"gen-3\"", "after"));
  push(&d, "also after");
  CHECK(step(&d, &data, &len) == ORC_CDEC_CHUNK && d.id == NULL, "a chunk; its id is not a string");
  CHECK(step(&d, &data, &len) == ORC_CDEC_CHUNK, "a chunk");
  CHECK(d.id != NULL && d.idlen == 5 && memcmp(d.id, "gen-1", 5) == 0, "the first string id");
  CHECK(step(&d, &data, &len) == ORC_CDEC_BAD && len == 8 && memcmp(data, "not json", 8) == 0,
        "not JSON: BAD, with its bytes");
  CHECK(step(&d, &data, &len) == ORC_CDEC_BAD && len == 1, "not a table: BAD");
  CHECK(step(&d, &data, &len) == ORC_CDEC_ERROR, "an error object: ERROR");
  CHECK(orc_acc_count(d.acc) == 3, "three chunks accumulated: %zu", orc_acc_count(d.acc));
  CHECK(!d.done && d.after_done == 0, "no [DONE] yet");
  CHECK(step(&d, &data, &len) == ORC_CDEC_EMPTY, "[DONE] and what follows are consumed");
  CHECK(d.done && d.after_done == 2, "[DONE] read, 2 after it: %zu", d.after_done);
  CHECK(d.idlen == 5 && memcmp(d.id, "gen-1", 5) == 0, "the id stays the first");
  orc_jbuf_init(&out, 0);
  CHECK(orc_acc_build(d.acc, &out) == ORC_JSON_OK, "build");
  CHECK(contains(out.data, out.len, "\"content\":\"Hello\""),
        "the content joined: %.*s", (int)out.len, out.data);
  orc_jbuf_free(&out);
  orc_cdec_free(&d);
}

int main (void) {
  test_queue();
  test_step();
  printf("cdec: %d passed, %d failed\n", passed, failed);
  return failed != 0;
}
