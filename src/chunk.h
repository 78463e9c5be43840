/*
** chunk.h -- the chat-completion chunk scanner.  Pure C: no Lua.
**
** orc_chunk_scan checks that a stream's data event is one JSON value,
** accepting exactly what the codec (json.c, core.json_decode) accepts, and
** in the same pass notes where the parts are that the accumulator
** (accum.c) and stream:text() need: the top-level members, and of every
** choice its index, delta (role, content, reasoning, refusal, the rest),
** finish reasons and logprobs.  Nothing is copied or converted: the
** summary points into the text, which must stay put while it is used.
**
** The walker (orc_jwalk) reads JSON that the scanner accepted, checking
** nothing, for the parts that are rare (tool calls, reasoning details,
** logprobs) and for building values.  orc_jnumber reads a checked number
** as the codec does.
*/
#ifndef ORC_CHUNK_H
#define ORC_CHUNK_H

#include <stddef.h>

enum {                 /* orc_jv.type */
  ORC_JV_NONE = 0,     /* absent */
  ORC_JV_NULL,
  ORC_JV_FALSE,
  ORC_JV_TRUE,
  ORC_JV_NUMBER,
  ORC_JV_STRING,
  ORC_JV_ARRAY,
  ORC_JV_OBJECT
};

/* A value in checked JSON text. */
typedef struct orc_jv {
  const char *s;       /* its text; a string's (or key's) body, without the quotes */
  size_t len;
  int type;            /* ORC_JV_* */
  int esc;             /* a string or key with backslash escapes */
} orc_jv;

typedef struct orc_jmember {
  orc_jv key, val;
} orc_jmember;

/* A choice's delta object (its last "delta" member). */
typedef struct orc_cdelta {
  orc_jv role, content, reasoning, refusal;
  orc_jv details, tools, annotations, images;   /* reasoning_details, tool_calls */
  size_t extra_first, extra_n;   /* its other members: orc_chunk.extra[first..] */
} orc_cdelta;

/* An object item of the chunk's choices array. */
typedef struct orc_cchoice {
  orc_jv index, delta, finish, native, logprobs;
  orc_cdelta d;        /* when delta is an object */
} orc_cchoice;

/*
** What a scan found.  For each member name only its last occurrence
** counts (the codec decodes a repeated key to its last value), except in
** top and extra, which keep every member in order.  The arrays are the
** scanner's own, reused from scan to scan: orc_chunk_free releases them.
*/
typedef struct orc_chunk {
  int type;            /* of the whole value; the rest is set for an object only */
  /*
  ** hot: the usual shape -- members among id, provider, model, object,
  ** created, system_fingerprint (scalars) and choices, an array of one
  ** object with members among index, delta, finish_reason,
  ** native_finish_reason, logprobs (scalars but delta), delta an object
  ** with members among role, content, reasoning, refusal (scalars); no
  ** member twice.  Its parts are then in the slots below and in ch[0].
  */
  int hot;
  orc_jv id, error;    /* the members "id" and "error" */
  orc_jv provider, model, object, created, fingerprint;
  orc_jv text;         /* choices[1].delta.content when a non-empty string */
  orc_jmember *top;    /* the members but choices, object and error, in order */
  size_t ntop, ctop;
  orc_cchoice *ch;     /* the object items of the (last) choices array, in order */
  size_t nch, cch;
  orc_jmember *extra;  /* the deltas' members that orc_cdelta has no place for */
  size_t nextra, cextra;
  int first;           /* ch[0] is choices[1] (the first item is an object) */
  /*
  ** The template: the last chunk scanned in full whose choices[1] has a
  ** delta with a string content, and its scan.  A chunk with the same
  ** bytes before and after that content's body is scanned by checking
  ** the body alone: the rest parses as the template did.
  */
  struct orc_chunk *tmpl;
  char *tbytes;
  size_t tlen, tcap, tpre, tsuf;
  int tseen;           /* a chunk that could be one was seen */
  unsigned tgen;       /* counts the templates made */
  int as_tmpl;         /* this scan is the template's but for the content (it
                       ** was scanned through it, or just became it) */
} orc_chunk;

/* templates: use them (orc_chunk_scan keeps one); 0 scans every chunk in full. */
void orc_chunk_init (orc_chunk *c, int templates);
void orc_chunk_free (orc_chunk *c);

/*
** Scan s[0..len).  ORC_JSON_OK when it is one JSON value (exactly when
** orc_json_check accepts it): *c describes it.  ORC_JSON_ENOMEM when the
** summary could not grow.  Any other code: not JSON (*c is then
** unspecified).
*/
int orc_chunk_scan (orc_chunk *c, const char *s, size_t len);

/* ---- reading checked JSON -------------------------------------------- */

/*
** The value whose first byte is at p (no whitespace before it), inside
** checked text that goes on at least to end: *v describes it; returns the
** byte after it.
*/
const char *orc_jwalk_value (const char *p, const char *end, orc_jv *v);

/* Over the members of an object or the items of an array. */
typedef struct orc_jwalk {
  const char *p, *end;
  int object;
} orc_jwalk;

/* Start walking the array or object v. */
void orc_jwalk_open (orc_jwalk *w, const orc_jv *v);
/* The next member (key and value; key->type is ORC_JV_STRING) or item
** (value only): 1, or 0 at the end. */
int orc_jwalk_next (orc_jwalk *w, orc_jv *key, orc_jv *val);

/*
** A checked number as the codec reads it: *is_int and *i when it is
** written without fraction or exponent and fits int64; *d always (the
** nearest double).
*/
void orc_jnumber (const char *s, size_t len, int *is_int, long long *i, double *d);

/*
** Unescape the checked string (or key) v into out, which has room for
** v->len + 4 bytes (the result is never longer than v->len); returns its
** length.
*/
size_t orc_jstring (const orc_jv *v, char *out);

#endif
