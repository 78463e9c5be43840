/*
** test_schema.c -- unit tests for the pure helpers of the schema engine,
** src/schema.c, linked alone (no Lua): the arena, UTF-8, multipleOf, the
** property index, "did you mean", URI resolution and percent-decoding,
** orc_eq and orc_node_item.
**
**   make build/ctest/test_schema && build/ctest/test_schema
*/
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "schema.h"

static int passed, failed;

static void check (int ok, const char *what) {
  if (ok) {
    passed++;
  } else {
    failed++;
    printf("FAIL %s\n", what);
  }
}

/* ---- arena ---------------------------------------------------------- */

static void test_arena (void) {
  orc_arena *a = NULL;
  unsigned char *p[64];
  size_t i, k;
  int zeroed = 1, aligned = 1, intact = 1;
  check(orc_arena_size(a) == 0, "arena: an empty arena has size 0");
  for (i = 0; i < 64; i++) {
    size_t n = 1 + i * 37;
    p[i] = (unsigned char *)orc_arena_alloc(&a, n);
    if (p[i] == NULL) { fputs("out of memory\n", stderr); exit(2); }
    for (k = 0; k < n; k++) if (p[i][k] != 0) zeroed = 0;
    if ((uintptr_t)p[i] % 16 != 0) aligned = 0;
    memset(p[i], (int)i + 1, n);
  }
  for (i = 0; i < 64; i++)            /* no allocation overlaps another */
    for (k = 0; k < 1 + i * 37; k++) if (p[i][k] != (unsigned char)(i + 1)) intact = 0;
  check(zeroed, "arena: memory comes zeroed");
  check(aligned, "arena: memory is 16-byte aligned");
  check(intact, "arena: allocations do not overlap");
  check(orc_arena_size(a) >= 64 * 1 + 37 * 63 * 64 / 2, "arena: size counts every chunk");
  orc_arena_free(&a);
  check(a == NULL && orc_arena_size(a) == 0, "arena: free empties it");
  /* a first chunk of 8192 bytes; a request beyond it gets its own */
  check(orc_arena_alloc(&a, 0) != NULL, "arena: a zero-byte request is a valid pointer");
  check(orc_arena_size(a) == 8192, "arena: the first chunk holds 8192 bytes");
  check(orc_arena_alloc(&a, 100000) != NULL && orc_arena_size(a) == 8192 + 100000,
        "arena: a large request gets a chunk of its own");
  check(orc_arena_alloc(&a, (size_t)-1 / 2 + 1) == NULL,
        "arena: an impossible request fails with NULL");
  {
    char *s = orc_arena_strdup(&a, "ab\0cd", 5);
    check(s != NULL && memcmp(s, "ab\0cd", 6) == 0, "arena: strdup copies len bytes and a NUL");
    s = orc_arena_strdup(&a, NULL, 0);
    check(s != NULL && s[0] == '\0', "arena: strdup of nothing is \"\"");
  }
  orc_arena_free(&a);
  orc_arena_free(&a);                  /* twice is harmless */
  check(a == NULL, "arena: free is idempotent");
}

/* ---- UTF-8 ----------------------------------------------------------- */

static void test_utf8 (void) {
  static const struct { const char *s; size_t len, cps; const char *what; } L[] = {
    { "", 0, 0, "empty" }, { "abc", 3, 3, "ASCII" },
    { "\xc3\xa9t\xc3\xa9", 5, 3, "two-byte" }, { "\xe2\x82\xac", 3, 1, "three-byte" },
    { "\xf0\x9f\x98\x80", 4, 1, "four-byte" }, { "a\0b", 3, 3, "NUL is a code point" },
    { "\xff", 1, 1, "0xff" }, { "\xc3", 1, 1, "truncated two-byte" },
    { "\xe2\x82", 2, 2, "truncated three-byte" }, { "\xc0\xaf", 2, 2, "overlong C0" },
    { "\xe0\x80\x80", 3, 3, "overlong three-byte" },
    { "\xed\xa0\x80", 3, 3, "a surrogate" }, { "\xf4\x90\x80\x80", 4, 4, "beyond U+10FFFF" },
    { "\xf5\x80\x80\x80", 4, 4, "F5 lead byte" }, { "\xc3(", 2, 2, "bad continuation" },
    { "\xef\xbf\xbd", 3, 1, "U+FFFD itself" },
  };
  size_t i, k;
  char what[96];
  for (i = 0; i < sizeof L / sizeof L[0]; i++) {
    snprintf(what, sizeof what, "utf8_len: %s", L[i].what);
    check(orc_utf8_len(L[i].s, L[i].len) == L[i].cps, what);
  }
  k = 0;
  check(orc_utf8_next("\xc3\xa9x", 3, &k) == 0xE9 && k == 2, "utf8_next: U+00E9");
  k = 0;
  check(orc_utf8_next("\xf0\x9f\x98\x80", 4, &k) == 0x1F600 && k == 4, "utf8_next: U+1F600");
  k = 1;
  check(orc_utf8_next("a\xe2\x82\xac", 4, &k) == 0x20AC && k == 4, "utf8_next: from an offset");
  k = 0;
  check(orc_utf8_next("\xed\xa0\x80", 3, &k) == 0xFFFD && k == 1,
        "utf8_next: a malformed sequence is U+FFFD, one byte");
  k = 0;
  check(orc_utf8_next("\xf4\x8f\xbf\xbf", 4, &k) == 0x10FFFF && k == 4, "utf8_next: U+10FFFF");
}

/* ---- multipleOf ------------------------------------------------------ */

static void test_multiple_of (void) {
  static const struct { double v, d; int want; } M[] = {
    { 10, 2, 1 }, { 7, 2, 0 }, { 0, 3, 1 }, { -6, 3, 1 }, { -7, 3, 0 },
    { 0.0075, 0.0001, 1 }, { 0.0076, 0.0001, 1 }, { 0.00751, 0.0001, 0 },
    { 1.1, 0.1, 1 }, { 0.3, 0.1, 1 }, { 19.99, 0.01, 1 }, { 19.995, 0.01, 0 },
    { 4.5, 1.5, 1 }, { 4.6, 1.5, 0 }, { 1e15, 3, 0 }, { 3e15, 3, 1 },
    { 9007199254740992.0, 0.5, 1 },   /* 2^53: no fraction left to tell */
    { 1e308, 1e-308, 0 },              /* the quotient overflows */
    { 0.5, 2, 0 }, { 1, 0.3, 0 },
  };
  size_t i;
  char what[96];
  for (i = 0; i < sizeof M / sizeof M[0]; i++) {
    snprintf(what, sizeof what, "multiple_of(%.17g, %.17g) == %d", M[i].v, M[i].d, M[i].want);
    check(orc_multiple_of(M[i].v, M[i].d) == M[i].want, what);
  }
  check(!orc_multiple_of(HUGE_VAL, 1) && !orc_multiple_of(-HUGE_VAL, 1),
        "multiple_of: infinity is a multiple of nothing");
  check(!orc_multiple_of(nan(""), 1), "multiple_of: NaN is a multiple of nothing");
  check(!orc_multiple_of(1, 0) && !orc_multiple_of(1, -1) && !orc_multiple_of(1, HUGE_VAL),
        "multiple_of: the divisor must be positive and finite");
}

/* ---- property index -------------------------------------------------- */

static void test_index (void) {
  orc_arena *a = NULL;
  orc_node n;
  char names[200][8];
  size_t i;
  int found = 1, exact = 1;
  check(orc_hash("", 0) == 2166136261u, "hash: FNV-1a offset basis for \"\"");
  check(orc_hash("a", 1) == 0xe40c292cu, "hash: FNV-1a of \"a\"");
  check(orc_hash("foobar", 6) == 0xbf9cf968u, "hash: FNV-1a of \"foobar\"");
  memset(&n, 0, sizeof n);
  check(orc_node_prop(&n, "a", 1) == NULL, "index: a node without names finds none");
  n.nprops = 200;
  n.props = (orc_prop *)orc_arena_alloc(&a, n.nprops * sizeof(orc_prop));
  if (n.props == NULL) { fputs("out of memory\n", stderr); exit(2); }
  for (i = 0; i < n.nprops; i++) {
    size_t len = (size_t)snprintf(names[i], sizeof names[i], "k%u", (unsigned)i);
    if (i == 0) len = 0;                /* "" is a name too */
    n.props[i].name = names[i];
    n.props[i].len = len;
    n.props[i].hash = orc_hash(names[i], len);
  }
  check(orc_node_index(&a, &n) == 1, "index: built");
  check(n.mask + 1 >= 2 * n.nprops && ((n.mask + 1) & n.mask) == 0,
        "index: a power of two, at most half full");
  for (i = 0; i < n.nprops; i++) {
    const orc_prop *p = orc_node_prop(&n, names[i], n.props[i].len);
    if (p != &n.props[i]) found = 0;
  }
  check(found, "index: every name finds its own entry");
  if (orc_node_prop(&n, "k2000", 5) != NULL || orc_node_prop(&n, "k1", 1) != NULL ||
      orc_node_prop(&n, "k19x", 4) != NULL || orc_node_prop(&n, "K1", 2) != NULL)
    exact = 0;
  check(exact, "index: no name finds a prefix, an extension or another case");
  orc_arena_free(&a);
}

/* ---- suggestions ----------------------------------------------------- */

static void test_suggest (void) {
  static const char *const C[] = { "max_tokens", "temperature", "top_p", "seed" };
  size_t lens[4], i;
  char long_name[100];
  for (i = 0; i < 4; i++) lens[i] = strlen(C[i]);
  check(orc_edit_distance("kitten", 6, "sitting", 7, 5) == 3, "edit_distance: kitten/sitting");
  check(orc_edit_distance("kitten", 6, "sitting", 7, 2) == -1, "edit_distance: beyond the limit");
  check(orc_edit_distance("ab", 2, "ba", 2, 3) == 1, "edit_distance: a transposition is 1");
  check(orc_edit_distance("", 0, "abc", 3, 3) == 3, "edit_distance: from nothing");
  check(orc_edit_distance("same", 4, "same", 4, 0) == 0, "edit_distance: equal strings");
  check(orc_edit_distance("a", 1, "abcd", 4, 2) == -1, "edit_distance: lengths too far apart");
  memset(long_name, 'a', sizeof long_name);
  check(orc_edit_distance(long_name, 65, long_name, 65, 3) == -1,
        "edit_distance: longer than 64 is not compared");
#define SUGGEST(s, want, what) \
  check(orc_suggest((s), strlen(s), C, lens, 4) == (want), "suggest: " what)
  SUGGEST("maxTokens", 0, "camelCase to snake_case");
  SUGGEST("MAX_TOKENS", 0, "case folded");
  SUGGEST("max-tokens", 0, "kebab-case");
  SUGGEST("temprature", 1, "a letter missing");
  SUGGEST("tempreature", 1, "a letter too many");
  SUGGEST("topp", 2, "short names: one edit");
  SUGGEST("sede", 3, "a transposition");
  SUGGEST("max_tokens", -1, "the name itself suggests nothing");
  SUGGEST("xyz", -1, "nothing near");
  SUGGEST("", -1, "nothing for an empty name");
  SUGGEST("sd", -1, "two edits are too many for a short name");
#undef SUGGEST
  check(orc_suggest(long_name, 65, C, lens, 4) == -1, "suggest: a name over 64 bytes");
}

/* ---- URIs ------------------------------------------------------------ */

static void resolve (const char *base, const char *ref, const char *want) {
  size_t blen = strlen(base), rlen = strlen(ref), n;
  char *out = (char *)malloc(blen + rlen + 2);   /* the documented room */
  char what[200];
  if (out == NULL) { fputs("out of memory\n", stderr); exit(2); }
  n = orc_uri_resolve(base, blen, ref, rlen, out);
  snprintf(what, sizeof what, "uri_resolve(\"%s\", \"%s\") == \"%s\", got \"%.*s\"",
           base, ref, want, (int)n, out);
  check(n == strlen(want) && memcmp(out, want, n) == 0, what);
  free(out);
}

static void test_uri (void) {
  /* RFC 3986 section 5.4: its normal and abnormal examples */
  static const char *const R[][2] = {
    { "g:h", "g:h" }, { "g", "http://a/b/c/g" }, { "./g", "http://a/b/c/g" },
    { "g/", "http://a/b/c/g/" }, { "/g", "http://a/g" }, { "//g", "http://g" },
    { "?y", "http://a/b/c/d;p?y" }, { "g?y", "http://a/b/c/g?y" },
    { "#s", "http://a/b/c/d;p?q#s" }, { "g#s", "http://a/b/c/g#s" },
    { "g?y#s", "http://a/b/c/g?y#s" }, { ";x", "http://a/b/c/;x" },
    { "g;x", "http://a/b/c/g;x" }, { "g;x?y#s", "http://a/b/c/g;x?y#s" },
    { "", "http://a/b/c/d;p?q" }, { ".", "http://a/b/c/" }, { "./", "http://a/b/c/" },
    { "..", "http://a/b/" }, { "../", "http://a/b/" }, { "../g", "http://a/b/g" },
    { "../..", "http://a/" }, { "../../", "http://a/" }, { "../../g", "http://a/g" },
    { "../../../g", "http://a/g" }, { "../../../../g", "http://a/g" },
    { "/./g", "http://a/g" }, { "/../g", "http://a/g" }, { "g.", "http://a/b/c/g." },
    { ".g", "http://a/b/c/.g" }, { "g..", "http://a/b/c/g.." }, { "..g", "http://a/b/c/..g" },
    { "./../g", "http://a/b/g" }, { "./g/.", "http://a/b/c/g/" },
    { "g/./h", "http://a/b/c/g/h" }, { "g/../h", "http://a/b/c/h" },
    { "g;x=1/./y", "http://a/b/c/g;x=1/y" }, { "g;x=1/../y", "http://a/b/c/y" },
    { "g?y/./x", "http://a/b/c/g?y/./x" }, { "g?y/../x", "http://a/b/c/g?y/../x" },
    { "g#s/./x", "http://a/b/c/g#s/./x" }, { "g#s/../x", "http://a/b/c/g#s/../x" },
    { "http:g", "http:g" },
  };
  size_t i;
  for (i = 0; i < sizeof R / sizeof R[0]; i++) resolve("http://a/b/c/d;p?q", R[i][0], R[i][1]);
  /* the shapes $id and $ref take */
  resolve("", "#/definitions/a", "#/definitions/a");
  resolve("", "#foo", "#foo");
  resolve("http://x/y/z.json", "other.json#foo", "http://x/y/other.json#foo");
  resolve("http://x/y/z.json", "#/a", "http://x/y/z.json#/a");
  resolve("http://x", "g", "http://x/g");
  resolve("urn:x:y", "#/a", "urn:x:y#/a");
  resolve("http://x/a/b", "../../../c", "http://x/c");
  resolve("", "sub/doc.json", "sub/doc.json");
}

static void decode (const char *in, const char *want) {
  char buf[64], what[128];
  size_t n = strlen(in);
  memcpy(buf, in, n);
  n = orc_percent_decode(buf, n);
  snprintf(what, sizeof what, "percent_decode(\"%s\") == \"%s\"", in, want);
  check(n == strlen(want) && memcmp(buf, want, n) == 0, what);
}

static void test_percent (void) {
  decode("a%20b", "a b");
  decode("%7e%7E", "~~");
  decode("%41%42", "AB");
  decode("%25", "%");
  decode("%zz", "%zz");
  decode("%2", "%2");
  decode("100%", "100%");
  decode("a~1b", "a~1b");               /* JSON-pointer escapes are not its job */
  decode("", "");
}

/* ---- orc_eq, orc_node_item ------------------------------------------ */

static void test_eq (void) {
  char a[40], b[40];
  size_t len, k;
  int ok = 1;
  for (len = 0; len <= 32; len++) {
    for (k = 0; k < len; k++) a[k] = b[k] = (char)('a' + k);
    if (!orc_eq(a, b, len)) ok = 0;
    for (k = 0; k < len; k++) {        /* a difference at every position */
      b[k] = 'X';
      if (orc_eq(a, b, len)) ok = 0;
      b[k] = a[k];
    }
  }
  check(ok, "orc_eq: equal at every length to 32, unequal at every position");
}

static void test_item (void) {
  orc_node items, extra, t0, t1, n;
  orc_node *tuple[2];
  memset(&n, 0, sizeof n);
  n.items = &items;
  n.has = ORC_K_ITEMS;
  check(orc_node_item(&n, 1) == &items && orc_node_item(&n, 99) == &items,
        "node_item: `items` as a schema applies to every item");
  tuple[0] = &t0;
  tuple[1] = &t1;
  n.has = ORC_K_TUPLE | ORC_K_ADDITEMS;
  n.tuple = tuple;
  n.ntuple = 2;
  n.items = NULL;
  n.additional_items = &extra;
  check(orc_node_item(&n, 1) == &t0 && orc_node_item(&n, 2) == &t1 &&
        orc_node_item(&n, 3) == &extra, "node_item: a tuple, then additionalItems");
  n.additional_items = NULL;
  check(orc_node_item(&n, 3) == NULL, "node_item: past a tuple without additionalItems");
}

int main (void) {
  test_arena();
  test_utf8();
  test_multiple_of();
  test_index();
  test_suggest();
  test_uri();
  test_percent();
  test_eq();
  test_item();
  printf("schema: %d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
