/*
** test_base64.c -- unit tests for src/base64.c, linked alone (no Lua).
**
** RFC 4648 section 10's vectors; every input length 0..600 (padding,
** alphabet, no byte written past the end, decoding back); all 256 byte
** values; a large input encoded whole and in pieces split at multiples of 3;
** the length formula at its overflow bound.  The decoder here is the test's
** own, written from the RFC's table by character ranges.
**
**   cc -std=c99 -Wall -Wextra -pedantic -Werror -Isrc spec/c/test_base64.c \
**      src/base64.c -o build/test_base64 && build/test_base64
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"

static int failures = 0, checks = 0;

#define CHECK(cond, ...) do { \
  checks++; \
  if (!(cond)) { failures++; fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
    fprintf(stderr, __VA_ARGS__); fputc('\n', stderr); } \
} while (0)

/* The value of one base64 character, or -1. */
static int value_of (char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

/* Decode n characters (a multiple of 4, padded); returns the byte count or
** -1 on a malformed input. */
static long decode (unsigned char *out, const char *in, size_t n) {
  size_t i, o = 0;
  if (n % 4 != 0) return -1;
  for (i = 0; i < n; i += 4) {
    int a = value_of(in[i]), b = value_of(in[i + 1]);
    int c = in[i + 2] == '=' ? -2 : value_of(in[i + 2]);
    int d = in[i + 3] == '=' ? -2 : value_of(in[i + 3]);
    unsigned long v;
    if (a < 0 || b < 0 || c == -1 || d == -1) return -1;
    if ((c == -2 || d == -2) && i + 4 != n) return -1;   /* padding only at the end */
    if (c == -2 && d != -2) return -1;
    v = ((unsigned long)a << 18) | ((unsigned long)b << 12)
      | ((unsigned long)(c < 0 ? 0 : c) << 6) | (unsigned long)(d < 0 ? 0 : d);
    out[o++] = (unsigned char)(v >> 16);
    if (c >= 0) out[o++] = (unsigned char)(v >> 8);
    if (d >= 0) out[o++] = (unsigned char)v;
  }
  return (long)o;
}

/* A fixed xorshift sequence, so every run tests the same bytes. */
static unsigned long rng = 2463534242UL;
static unsigned char next_byte (void) {
  rng ^= (rng << 13) & 0xffffffffUL;
  rng ^= rng >> 17;
  rng ^= (rng << 5) & 0xffffffffUL;
  return (unsigned char)(rng >> 7);
}

static void test_rfc_vectors (void) {
  static const char *const in[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
  static const char *const out[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
  size_t i;
  for (i = 0; i < sizeof in / sizeof in[0]; i++) {
    char buf[16];
    size_t n = strlen(in[i]), m;
    memset(buf, '#', sizeof buf);
    m = orc_base64_encode(buf, in[i], n);
    CHECK(m == strlen(out[i]) && memcmp(buf, out[i], m) == 0,
          "encode(\"%s\") = \"%.*s\", want \"%s\"", in[i], (int)m, buf, out[i]);
    CHECK(orc_base64_encoded_len(n) == m, "encoded_len(%lu) = %lu, wrote %lu",
          (unsigned long)n, (unsigned long)orc_base64_encoded_len(n), (unsigned long)m);
    CHECK(buf[m] == '#', "encode(\"%s\") wrote past its output", in[i]);
  }
}

/* Every length 0..600: exact length, the padding the length implies, only
** alphabet characters before it, nothing written past the end, and the
** decoding gives the input back. */
static void test_all_lengths (void) {
  enum { MAX = 600 };
  unsigned char in[MAX], back[MAX + 3];
  char out[(MAX / 3 + 1) * 4 + 8];
  size_t n, k;
  for (k = 0; k < MAX; k++) in[k] = next_byte();
  for (n = 0; n <= MAX; n++) {
    size_t want = 4 * ((n + 2) / 3), m, pad = (3 - n % 3) % 3;
    long got;
    int clean = 1;
    memset(out, '#', sizeof out);
    m = orc_base64_encode(out, in, n);
    CHECK(m == want && orc_base64_encoded_len(n) == want, "length %lu: wrote %lu, want %lu",
          (unsigned long)n, (unsigned long)m, (unsigned long)want);
    CHECK(out[m] == '#', "length %lu: wrote past the end", (unsigned long)n);
    for (k = 0; k < m; k++) {
      int is_pad = k >= m - pad;
      if (is_pad ? out[k] != '=' : value_of(out[k]) < 0) clean = 0;
    }
    CHECK(clean, "length %lu: wrong padding or alphabet in \"%.*s\"", (unsigned long)n, (int)m, out);
    got = decode(back, out, m);
    CHECK(got == (long)n && memcmp(back, in, n) == 0, "length %lu: does not decode back",
          (unsigned long)n);
  }
}

/* Each of the 256 byte values in each position of a group. */
static void test_byte_values (void) {
  unsigned char in[3], back[3];
  char out[4];
  int v, pos, bad = 0;
  for (pos = 0; pos < 3; pos++) {
    for (v = 0; v < 256; v++) {
      memset(in, 0xa5, sizeof in);
      in[pos] = (unsigned char)v;
      orc_base64_encode(out, in, 3);
      if (decode(back, out, 4) != 3 || memcmp(back, in, 3) != 0) bad++;
    }
  }
  CHECK(bad == 0, "%d byte values did not survive a round trip", bad);
}

/* All 64 characters appear: the decoding of the alphabet encodes to it. */
static void test_alphabet (void) {
  static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  unsigned char raw[48];
  char out[64];
  long n = decode(raw, abc, 64);
  CHECK(n == 48, "the alphabet decodes to %ld bytes", n);
  orc_base64_encode(out, raw, 48);
  CHECK(memcmp(out, abc, 64) == 0, "the alphabet does not encode back: %.64s", out);
}

/* 3 MiB + 2: whole, and in pieces of sizes that are multiples of 3 (as the
** file reader feeds them), which must give the same text. */
static void test_large (void) {
  size_t n = 3 * 1024 * 1024 + 2, m = orc_base64_encoded_len(n), k, off, o;
  unsigned char *in = (unsigned char *)malloc(n), *back = (unsigned char *)malloc(n + 3);
  char *whole = (char *)malloc(m + 1), *pieces = (char *)malloc(m + 1);
  static const size_t sizes[] = { 3, 48, 49152, 3 * 7919, 3 * 65536 };
  long got;
  if (!in || !back || !whole || !pieces) { fputs("out of memory\n", stderr); exit(2); }
  for (k = 0; k < n; k++) in[k] = next_byte();
  whole[m] = '#';
  CHECK(orc_base64_encode(whole, in, n) == m, "large: wrong length");
  CHECK(whole[m] == '#', "large: wrote past the end");
  got = decode(back, whole, m);
  CHECK(got == (long)n && memcmp(back, in, n) == 0, "large: does not decode back");
  for (k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
    for (off = 0, o = 0; off < n; off += sizes[k]) {
      size_t len = n - off < sizes[k] ? n - off : sizes[k];
      o += orc_base64_encode(pieces + o, in + off, len);
    }
    CHECK(o == m && memcmp(pieces, whole, m) == 0, "large: pieces of %lu differ from the whole",
          (unsigned long)sizes[k]);
  }
  free(in); free(back); free(whole); free(pieces);
}

static void test_bound (void) {
  size_t n = ORC_BASE64_MAX_INPUT;
  CHECK(orc_base64_encoded_len(n) / 4 * 3 >= n, "encoded_len(ORC_BASE64_MAX_INPUT) wrapped");
  CHECK(orc_base64_encoded_len(n) >= n, "encoded_len(ORC_BASE64_MAX_INPUT) wrapped");
}

int main (void) {
  test_rfc_vectors();
  test_all_lengths();
  test_byte_values();
  test_alphabet();
  test_large();
  test_bound();
  printf("test_base64: %d checks, %d failed\n", checks, failures);
  return failures != 0;
}
