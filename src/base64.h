/*
** base64.h -- the base64 encoder of RFC 4648 section 4 (standard alphabet,
** '=' padding, no line breaks).  Pure C: no Lua, no allocation.
**
** Encoding is by whole groups of 3 bytes, so input split at multiples of 3
** may be encoded piece by piece and the outputs concatenated: only the last
** piece can carry padding.  lbase64.c reads files that way.
*/
#ifndef ORC_BASE64_H
#define ORC_BASE64_H

#include <stddef.h>
#include <stdint.h>

/* The longest input whose encoded length fits in a size_t. */
#define ORC_BASE64_MAX_INPUT ((SIZE_MAX / 4) * 3)

/* Length of the encoding of n bytes: 4 * ceil(n / 3).  n must not exceed
** ORC_BASE64_MAX_INPUT. */
size_t orc_base64_encoded_len (size_t n);

/* Encode n bytes of src into dst, which has room for
** orc_base64_encoded_len(n) bytes; no terminating NUL is written.
** Returns the number of bytes written. */
size_t orc_base64_encode (char *dst, const void *src, size_t n);

#endif
