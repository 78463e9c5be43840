/*
** base64.c -- RFC 4648 base64 encoding (see base64.h).
*/
#include "base64.h"
#include "orc.h"

static const char alphabet[64] =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t orc_base64_encoded_len (size_t n) {
  return (n / 3 + (n % 3 != 0)) * 4;
}

size_t orc_base64_encode (char *dst, const void *src, size_t n) {
  const unsigned char *s = (const unsigned char *)src;
  char *d = dst;
  /* whole groups: 3 bytes -> 4 characters */
  for (; n >= 3; n -= 3, s += 3, d += 4) {
    uint_fast32_t v = ((uint_fast32_t)s[0] << 16) | ((uint_fast32_t)s[1] << 8) | s[2];
    d[0] = alphabet[v >> 18];
    d[1] = alphabet[(v >> 12) & 63];
    d[2] = alphabet[(v >> 6) & 63];
    d[3] = alphabet[v & 63];
  }
  /* the tail: 1 byte -> 2 characters and "==", 2 bytes -> 3 and "=" */
  if (n > 0) {
    uint_fast32_t v = (uint_fast32_t)s[0] << 16;
    if (n == 2) v |= (uint_fast32_t)s[1] << 8;
    d[0] = alphabet[v >> 18];
    d[1] = alphabet[(v >> 12) & 63];
    d[2] = n == 2 ? alphabet[(v >> 6) & 63] : '=';
    d[3] = '=';
    d += 4;
  }
  return (size_t)(d - dst);
}
