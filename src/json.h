/*
** json.h -- the JSON engine of the core (RFC 8259).  Pure C: no Lua.
**
**   decoding: a pull lexer (orc_jlex) that checks the whole grammar, UTF-8
**             and the nesting depth, and hands out tokens: strings as
**             spans of the input (unescaped on demand), numbers converted
**             (exact integers when written without fraction or exponent).
**   encoding: a growable buffer (orc_jbuf), string escaping with UTF-8
**             checking, number formatting (exact integers; other doubles
**             as the shortest of %.15g/%.16g/%.17g that reads back equal).
**
** Nothing here depends on the C locale: a decimal comma set with
** setlocale(LC_NUMERIC, ...) changes neither what is written nor what is
** read.  ljson_decode.c and ljson_encode.c build the Lua values on top.
*/
#ifndef ORC_JSON_H
#define ORC_JSON_H

#include <stddef.h>

/* The deepest nesting either direction accepts (arrays and objects). */
#define ORC_JSON_MAX_DEPTH 1000

enum {
  ORC_JSON_OK = 0,
  ORC_JSON_ENOMEM,       /* allocation failed */
  ORC_JSON_ETOOBIG,      /* a size limit was reached */
  ORC_JSON_EUTF8,        /* invalid UTF-8 (overlong, surrogate, truncated, > U+10FFFF) */
  ORC_JSON_ECTRL,        /* an unescaped control character in a string */
  ORC_JSON_EESCAPE,      /* an invalid backslash escape */
  ORC_JSON_ESURROGATE,   /* a \u escape of a lone surrogate */
  ORC_JSON_EEOF,         /* the input ended inside a value */
  ORC_JSON_ESYNTAX,      /* a character that cannot come here */
  ORC_JSON_ENUMBER,      /* a malformed number */
  ORC_JSON_ERANGE,       /* a number beyond the double range */
  ORC_JSON_EDEPTH,       /* nested deeper than the limit */
  ORC_JSON_ETRAIL,       /* something other than whitespace after the value */
  ORC_JSON_EEMPTY        /* no value at all */
};

/* A short English reason for an error code. */
const char *orc_json_strerror (int code);

/* ---- UTF-8 ---------------------------------------------------------- */

/*
** Length of the valid prefix of s: len when all of s is valid UTF-8.
** Valid means the shortest form of a scalar value: no overlongs, no
** surrogates (U+D800..U+DFFF), nothing above U+10FFFF, no truncation.
*/
size_t orc_utf8_valid (const char *s, size_t len);

/* ---- decoding ------------------------------------------------------- */

enum {
  ORC_JT_ERROR = -1,     /* lx->error and lx->error_offset say what and where */
  ORC_JT_END = 0,        /* the value is complete and only whitespace followed */
  ORC_JT_OBJECT,         /* { */
  ORC_JT_OBJECT_END,     /* } */
  ORC_JT_ARRAY,          /* [ */
  ORC_JT_ARRAY_END,      /* ] */
  ORC_JT_KEY,            /* an object key (its ':' consumed) */
  ORC_JT_STRING,
  ORC_JT_NUMBER,
  ORC_JT_TRUE,
  ORC_JT_FALSE,
  ORC_JT_NULL
};

typedef struct orc_jtok {
  const char *s;         /* KEY, STRING: the body between the quotes; NUMBER: its text */
  size_t len;
  int escaped;           /* KEY, STRING: has backslash escapes (see orc_json_unescape) */
  int is_int;            /* NUMBER: written without fraction or exponent, fits int64 */
  long long i;           /* NUMBER when is_int */
  double d;              /* NUMBER: the nearest double (also when is_int) */
} orc_jtok;

typedef struct orc_jlex {
  const char *start, *p, *end;
  int state;
  int depth, max_depth;
  int error;             /* sticky: once set, every call returns ORC_JT_ERROR */
  size_t error_offset;   /* 0-based offset into the input */
  unsigned char in_object[(ORC_JSON_MAX_DEPTH + 8) / 8];   /* per depth */
} orc_jlex;

/*
** Start lexing s[0..len).  max_depth: 0 or above ORC_JSON_MAX_DEPTH means
** ORC_JSON_MAX_DEPTH.  A UTF-8 byte order mark at the very start is
** skipped (RFC 8259 §8.1 allows ignoring it); anywhere else it is an error.
*/
void orc_jlex_init (orc_jlex *lx, const char *s, size_t len, int max_depth);
/*
** The next token of the one value the input must hold.  After the last
** closing token comes ORC_JT_END once the rest is whitespace, or
** ORC_JT_ERROR (ORC_JSON_ETRAIL).  Strings are fully checked (UTF-8,
** control characters, escapes, surrogate pairs) before they are handed out.
*/
int orc_jlex_next (orc_jlex *lx, orc_jtok *t);
/*
** Unescape a checked string body: from *sp up to end, into out (room
** bytes, room >= 4).  Stops when the body is done or out is nearly full;
** advances *sp and returns the bytes written.  The result is never longer
** than the body.
*/
size_t orc_json_unescape (const char **sp, const char *end, char *out, size_t room);
/*
** Check a whole text without building anything: ORC_JSON_OK, or an error
** code with *offset (0-based) set.  The same lexer as decoding uses.
*/
int orc_json_check (const char *s, size_t len, int max_depth, size_t *offset);

/* ---- encoding ------------------------------------------------------- */

/* A growable byte buffer (malloc/realloc/free) with a size limit. */
typedef struct orc_jbuf {
  char *data;
  size_t len, cap;
  size_t limit;          /* most bytes it may hold; 0: no limit */
} orc_jbuf;

void orc_jbuf_init (orc_jbuf *b, size_t limit);
/* Free the storage.  Idempotent. */
void orc_jbuf_free (orc_jbuf *b);
/* Make room for `more` bytes past len: ORC_JSON_OK, ENOMEM or ETOOBIG. */
int orc_jbuf_grow (orc_jbuf *b, size_t more);
#define orc_jbuf_reserve(b, more) \
  ((b)->cap - (b)->len >= (more) ? ORC_JSON_OK : orc_jbuf_grow((b), (more)))

/*
** Append s as a JSON string (quotes included): '"', '\\' and control
** characters escaped, everything else as it is.  ORC_JSON_OK, ENOMEM,
** ETOOBIG, or ORC_JSON_EUTF8 with *bad = offset of the first invalid byte
** (b->len is then unchanged).
*/
int orc_json_put_string (orc_jbuf *b, const char *s, size_t len, size_t *bad);

#define ORC_JSON_NUMBUF 40     /* room for any number this file writes */

/* Write an integer; returns its length. */
int orc_json_fmt_int (char *out, long long v);
/*
** Write a double: integral values with |d| <= 2^53 as integers ("3", not
** "3.0"), -0 as "-0.0", others as the shortest of %.15g, %.16g and %.17g
** that reads back as the same double ("0.1", "1e+21" -> "1e21"; subnormals
** from %.1g on: "5e-324").  Returns
** its length, or 0 for NaN and infinities (not JSON).
*/
int orc_json_fmt_double (char *out, double d);

/* ---- schema hints for the encoder ----------------------------------- */

/*
** Where a value sits in the document being encoded: the keys and indexes
** from the root.  A segment with key == NULL is an array index (1-based, as
** Lua counts and as the schema engine's error paths print).
*/
typedef struct orc_json_seg {
  const char *key;       /* NULL: an index */
  size_t klen;
  size_t index;          /* 1-based, when key == NULL */
} orc_json_seg;

typedef struct orc_json_path {
  const orc_json_seg *seg;
  int depth;             /* segments in seg; 0 at the root */
} orc_json_path;

/*
** How a compiled schema guides the encoder.  The encoder asks only about
** an empty Lua table that carries no marker (openrouter.array/object, a
** decoded array, cjson's array metatables): empty_is_array returns 1 when
** the schema wants [] at that path, 0 for {} (also the answer without a
** hint).  Keys in the path point into Lua strings kept alive by the
** encoder for the duration of the call.
**
** From Lua, core.json_encode(value, hint) takes as hint a full userdata
** whose metatable has the field ORC_JSON_HINT_FIELD, a light userdata
** pointing to an orc_json_hint_class; ud is then the userdata's block.
*/
typedef struct orc_json_hint_class {
  int (*empty_is_array) (void *ud, const orc_json_path *path);
} orc_json_hint_class;

#define ORC_JSON_HINT_FIELD "__orc_json_hint"

#endif
