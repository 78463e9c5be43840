/*
** test_chunk.c -- unit tests for src/chunk.c (the chunk scanner) and
** src/accum.c (the accumulator), linked alone (no Lua).
**
**   scanner: accepts exactly what the codec's lexer accepts, on written
**            texts and on every prefix of a chunk (each cut is rejected
**            where the lexer rejects it); what it finds in a chunk;
**   templates: a stream of chunks that differ in their content only is
**            scanned through the template, and finds what a full scan finds;
**   accumulator: responses written by hand from the merge rules of
**            openrouter.accumulator, for the rules that are its own
**            (concatenation, merges by index and type, last values).
**
**   cc -std=c99 -Wall -Wextra -pedantic -Werror -Isrc spec/c/test_chunk.c \
**      src/chunk.c src/accum.c src/json.c -lm -o build/test_chunk
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accum.h"
#include "chunk.h"
#include "json.h"

#include "check.h"

static const char CHUNK[] =
  "{\"id\":\"gen-1\",\"provider\":\"Mock\",\"model\":\"m\",\"object\":\"chat.completion.chunk\","
  "\"created\":1700000000,\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
  "\"content\":\"Hi\"},\"finish_reason\":null,\"native_finish_reason\":null,\"logprobs\":null}]}";

static int lexer_ok (const char *s, size_t n) {
  size_t off;
  return orc_json_check(s, n, 0, &off) == ORC_JSON_OK;
}

/* ---- the scanner ------------------------------------------------------- */

static const char *const TEXTS[] = {
  "{}", "[]", "1", "-0", "0.5e-3", "\"s\"", "true", "null", " {\"a\" : [1, {\"b\":null}] } ",
  "\xEF\xBB\xBF{}", "{\"a\":1,}", "[1,]", "{\"a\"}", "{\"a\":}", "01", "1.", "-", "1e", "1e400",
  "-1e400", "1e300", "\"\\u12\"", "\"\\ud800\"", "\"\\ud800\\udc00\"", "\"\\udc00\"", "\"a\\x\"",
  "\"\x01\"", "\"\xC3\xA9\"", "\"\xC3\"", "\"\xED\xA0\x80\"", "{\"a\":1}x", "{\"a\":1} ", "",
  " ", "nul", "[1 2]", "{\"choices\":[{\"delta\":{\"content\":\"x\"},\"index\":0}]}",
  "{\"choices\":[{\"delta\":[1],\"index\":0}],\"choices\":{}}", "{\"a\":\"\\\"\"}",
  NULL
};

static void test_scanner (void) {
  orc_chunk c;
  size_t i, n = strlen(CHUNK);
  orc_chunk_init(&c, 0);
  for (i = 0; TEXTS[i] != NULL; i++) {
    size_t len = strlen(TEXTS[i]);
    int rc = orc_chunk_scan(&c, TEXTS[i], len);
    CHECK((rc == ORC_JSON_OK) == lexer_ok(TEXTS[i], len), "accepts %s: %d", TEXTS[i], rc);
  }
  for (i = 0; i <= n; i++) {              /* every cut of a chunk */
    int rc = orc_chunk_scan(&c, CHUNK, i);
    CHECK((rc == ORC_JSON_OK) == lexer_ok(CHUNK, i), "cut at %lu", (unsigned long)i);
  }
  {                                       /* deep nesting, at the limit and past it */
    char *deep = (char *)malloc(2 * ORC_JSON_MAX_DEPTH + 4);
    size_t d;
    for (d = ORC_JSON_MAX_DEPTH; d <= ORC_JSON_MAX_DEPTH + 1; d++) {
      memset(deep, '[', d);
      memset(deep + d, ']', d);
      CHECK((orc_chunk_scan(&c, deep, 2 * d) == ORC_JSON_OK) == lexer_ok(deep, 2 * d),
            "depth %lu", (unsigned long)d);
    }
    free(deep);
  }
  CHECK(orc_chunk_scan(&c, CHUNK, n) == ORC_JSON_OK, "the chunk");
  CHECK(c.type == ORC_JV_OBJECT && c.hot && c.first && c.nch == 1 && c.ntop == 4,
        "its shape: hot %d first %d choices %lu top %lu", c.hot, c.first, (unsigned long)c.nch,
        (unsigned long)c.ntop);
  CHECK(c.text.type == ORC_JV_STRING && c.text.len == 2 && memcmp(c.text.s, "Hi", 2) == 0, "text");
  CHECK(c.id.type == ORC_JV_STRING && c.id.len == 5, "id");
  CHECK(c.ch[0].finish.type == ORC_JV_NULL && c.ch[0].index.type == ORC_JV_NUMBER, "choice");
  orc_chunk_free(&c);
}

/* ---- templates --------------------------------------------------------- */

static void same_jv (const char *s, const orc_jv *a, const char *t, const orc_jv *b, const char *what) {
  CHECK(a->type == b->type && (a->type == ORC_JV_NONE ||
        (a->s - s == b->s - t && a->len == b->len && a->esc == b->esc)), "%s", what);
}

static void test_templates (void) {
  static const char *const BODIES[] = {
    "", "a", "bb", "\\\"q\\\"", "\\u00e9", "\xC3\xA9", "\\n", "x\\\\", NULL
  };
  orc_chunk t, f;
  char buf[512];
  size_t i;
  orc_chunk_init(&t, 1);
  orc_chunk_init(&f, 0);
  for (i = 0; BODIES[i] != NULL; i++) {
    int n = snprintf(buf, sizeof buf, "{\"id\":\"g\",\"choices\":[{\"index\":0,\"delta\":"
                     "{\"content\":\"%s\",\"role\":\"assistant\"}}],\"x\":[1]}", BODIES[i]);
    int a = orc_chunk_scan(&t, buf, (size_t)n), b = orc_chunk_scan(&f, buf, (size_t)n);
    CHECK(a == ORC_JSON_OK && b == ORC_JSON_OK, "body %s", BODIES[i]);
    if (a != ORC_JSON_OK || b != ORC_JSON_OK) continue;
    CHECK(t.as_tmpl == (i >= 1), "body %s through the template: %d", BODIES[i], t.as_tmpl);
    same_jv(buf, &t.ch[0].d.content, buf, &f.ch[0].d.content, "content");
    same_jv(buf, &t.ch[0].d.role, buf, &f.ch[0].d.role, "role");
    same_jv(buf, &t.ch[0].delta, buf, &f.ch[0].delta, "delta");
    same_jv(buf, &t.text, buf, &f.text, "text");
    same_jv(buf, &t.top[1].val, buf, &f.top[1].val, "x");
  }
  /* a body that would end the string early, or leave it open: a full scan */
  {
    static const char *const BAD[] = { "q\",\"y\":\"z", "end\\", "\x01", "\xC3", NULL };
    for (i = 0; BAD[i] != NULL; i++) {
      int n = snprintf(buf, sizeof buf, "{\"id\":\"g\",\"choices\":[{\"index\":0,\"delta\":"
                       "{\"content\":\"%s\",\"role\":\"assistant\"}}],\"x\":[1]}", BAD[i]);
      int a = orc_chunk_scan(&t, buf, (size_t)n), b = orc_chunk_scan(&f, buf, (size_t)n);
      CHECK(a == b, "bad body %s: %d %d", BAD[i], a, b);
      if (a != ORC_JSON_OK) continue;
      same_jv(buf, &t.ch[0].d.content, buf, &f.ch[0].d.content, "content");
      CHECK(t.nextra == 1 && f.nextra == 1, "the member the quote made");
    }
  }
  orc_chunk_free(&t);
  orc_chunk_free(&f);
}

/* ---- the accumulator --------------------------------------------------- */

/* Fold the chunks (NULL-terminated) and compare the response with want. */
static void fold (const char *const *chunks, const char *want, int line) {
  orc_chunk c;
  orc_acc *a = orc_acc_new(1);
  orc_jbuf out;
  size_t i;
  orc_chunk_init(&c, 1);
  orc_jbuf_init(&out, 0);
  for (i = 0; chunks[i] != NULL; i++) {
    if (orc_chunk_scan(&c, chunks[i], strlen(chunks[i])) != ORC_JSON_OK) {
      CHECK(0, "line %d: chunk %lu is not JSON", line, (unsigned long)i);
      continue;
    }
    CHECK(orc_acc_add(a, &c) == ORC_JSON_OK, "line %d: add", line);
  }
  CHECK(orc_acc_build(a, &out) == ORC_JSON_OK, "line %d: build", line);
  CHECK(out.len == strlen(want) && memcmp(out.data, want, out.len) == 0,
        "line %d:\n  got  %.*s\n  want %s", line, (int)out.len, out.data, want);
  CHECK(orc_acc_count(a) == i, "line %d: count", line);
  orc_jbuf_free(&out);
  orc_chunk_free(&c);
  orc_acc_free(a);
}

#define FOLD(want, ...) do { static const char *const ch_[] = { __VA_ARGS__, NULL }; \
    fold(ch_, (want), __LINE__); } while (0)

static void test_accumulator (void) {
  /* content pieces joined; the role kept; top-level fields' last values */
  FOLD("{\"id\":\"b\",\"model\":\"m\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,"
       "\"message\":{\"role\":\"assistant\",\"content\":\"Hello\"},\"finish_reason\":\"stop\"}]}",
       "{\"id\":\"a\",\"object\":\"x\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
       "\"content\":\"Hel\"}}]}",
       "{\"id\":\"b\",\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"}}]}",
       "{\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"},{\"index\":0,"
       "\"finish_reason\":null}]}");
  /* no content: null, the default role; reasoning kept even when empty */
  FOLD("{\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
       "\"assistant\",\"content\":null,\"reasoning\":\"\"}}]}",
       "{\"choices\":[{\"delta\":{\"content\":\"\",\"reasoning\":\"\"}}]}");
  /* choices sorted by index, the index as it first came */
  FOLD("{\"object\":\"chat.completion\",\"choices\":[{\"index\":0.0,\"message\":{\"role\":"
       "\"assistant\",\"content\":\"ab\"}},{\"index\":2,\"message\":{\"role\":\"assistant\","
       "\"content\":\"c\"}}]}",
       "{\"choices\":[{\"index\":2,\"delta\":{\"content\":\"c\"}},{\"index\":0.0,\"delta\":"
       "{\"content\":\"a\"}}]}",
       "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"b\"}}]}");
  /* reasoning details by index and type; one without a type continues the last */
  FOLD("{\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
       "\"assistant\",\"content\":null,\"reasoning_details\":[{\"type\":\"s\",\"index\":0,"
       "\"summary\":\"ab\"},{\"type\":\"e\",\"index\":0,\"data\":\"xy\"}]}}]}",
       "{\"choices\":[{\"index\":0,\"delta\":{\"reasoning_details\":[{\"type\":\"s\",\"index\":0,"
       "\"summary\":\"a\"},{\"type\":\"e\",\"index\":0,\"data\":\"x\"}]}}]}",
       "{\"choices\":[{\"index\":0,\"delta\":{\"reasoning_details\":[{\"type\":\"s\",\"index\":0,"
       "\"summary\":\"b\"},{\"index\":0,\"data\":\"y\"}]}}]}");
  /* tool calls by index: fields kept, arguments joined, a null not erasing */
  FOLD("{\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
       "\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\","
       "\"index\":0,\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"a\\\":1}\"}}]}}]}",
       "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"c1\","
       "\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{\\\"a\\\"\"}}]}}]}",
       "{\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":null,"
       "\"function\":{\"name\":null,\"arguments\":\":1}\"}}]}}]}");
  /* a repeated key means its last value: here the null, which erases nothing */
  FOLD("{\"object\":\"chat.completion\",\"choices\":[{\"index\":0,\"message\":{\"w\":1,"
       "\"role\":\"assistant\",\"content\":null}}]}",
       "{\"choices\":[{\"index\":0,\"delta\":{\"w\":1}}]}",
       "{\"choices\":[{\"index\":0,\"delta\":{\"w\":2,\"w\":null}}]}");
}

int main (void) {
  test_scanner();
  test_templates();
  test_accumulator();
  printf("chunk: %d passed, %d failed\n", passed, failed);
  return failed != 0;
}
