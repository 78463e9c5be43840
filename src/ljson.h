/*
** ljson.h -- the JSON encoder's state and steps, for the bindings that
** write JSON through it: core.json_encode (ljson_encode.c) and the schema
** engine's encoding pass (schema_encode.c), which validates a value and
** writes it in the same walk.  Both then agree on every rule of the
** encoder (markers, sparse and mixed tables, cycles, depth, UTF-8,
** numbers) because there is one implementation of them.
**
** A step returns 0, or -1 after pushing the path and a message onto the
** stack (orc_jenc_fail); the callers return -1 all the way up without
** touching the stack.
*/
#ifndef ORC_LJSON_H
#define ORC_LJSON_H

#include <string.h>

#include "lua.h"

#include "json.h"

/* A table's JSON kind, as a table visitor is told it. */
enum {
  ORC_JK_ARRAY = 1,      /* keys 1..n (n >= 1), or marked as an array */
  ORC_JK_OBJECT = 2,     /* string keys, or marked as an object */
  ORC_JK_EMPTY = 3       /* empty and unmarked: the visitor chooses */
};

typedef struct orc_jenc orc_jenc;

/*
** How a walk that validates while writing steps through a table, which
** the encoder classifies and iterates as it always does.  `frame` is the
** walk's per-table state.
**   table  before anything is written: the table at idx is of `kind`
**          (ORC_JK_*; n: its length when an array, else 0).  Returns 0,
**          or for ORC_JK_EMPTY the kind to write (ORC_JK_ARRAY or
**          ORC_JK_OBJECT); -1 to stop.
**   field  write an object's field: its key string at kidx (k, klen: its
**          bytes; orc_jenc_key writes it the encoder's way), a colon and
**          the value at kidx + 1, the top of the stack.  e->seg[e->depth
**          - 1] names the field.  0 or -1.
**   item   write an array's item at idx, the top of the stack;
**          e->seg[e->depth - 1] names it.  0 or -1.  An array may be
**          walked twice when its items are not stored in order: the first
**          pass stops early and is written over.
**   done   after the last field or item: 0 or -1.
*/
typedef struct orc_jvisit {
  int (*table) (orc_jenc *e, void *frame, int idx, int kind, size_t n);
  int (*field) (orc_jenc *e, void *frame, int kidx, const char *k, size_t klen);
  int (*item) (orc_jenc *e, void *frame, int idx);
  int (*done) (orc_jenc *e, void *frame);
} orc_jvisit;

struct orc_jenc {
  lua_State *L;
  orc_jbuf *b;
  const orc_json_hint_class *hint;   /* for unmarked empty tables, or NULL */
  void *hint_ud;
  int array_mt, object_mt, marks;    /* upvalue (or stack) indexes */
  int depth;                         /* containers around the current value */
  int max_depth;
  int room;                          /* the stack has room up to this index */
  const void *tables[ORC_JSON_MAX_DEPTH + 1];   /* the open tables */
  orc_json_seg seg[ORC_JSON_MAX_DEPTH + 1];     /* path to the current value */
};

/*
** Push what an encoding closure keeps as its upvalues, in this order: the
** array marker metatable, the object marker metatable, the table of other
** marks (cjson's metatables and light userdata), and `false` (no kept
** buffer yet).  The marks are shared by every closure.  [-0, +4, m]
*/
void orc_jenc_push_upvalues (lua_State *L);

/*
** Start encoding: e's fields from L and the four upvalues from number uv
** on (lua_upvalueindex(uv) .. (uv + 3)); the kept buffer is taken out of its upvalue
** (a call that re-enters then makes its own) and pushed, limit set.
** [-0, +1, m]
*/
void orc_jenc_start (orc_jenc *e, lua_State *L, int uv, size_t limit);
/*
** Finish: put the buffer at stack index buf back into upvalue uv + 3 (freeing
** a large one's storage).  Call before returning, success or not.
** [-0, +0, -]
*/
void orc_jenc_finish (orc_jenc *e, int uv, int buf);

/* Write the value at idx (absolute) as the plain encoder does.  [-0, +0|2, m] */
int orc_jenc_value (orc_jenc *e, int idx);
/* Write an object's key k[0..klen) and the colon, as the encoder does; an
** error (invalid UTF-8) names the object.  [-0, +0|2, m] */
int orc_jenc_key (orc_jenc *e, const char *k, size_t klen);
/* Write n bytes as they are.  [-0, +0|2, m] */
int orc_jenc_raw (orc_jenc *e, const char *s, size_t n);
static inline int orc_jenc_raw_inline (orc_jenc *e, const char *s, size_t n) {
  if (e->b->cap - e->b->len < n) return orc_jenc_raw(e, s, n);
  memcpy(e->b->data + e->b->len, s, n);
  e->b->len += n;
  return 0;
}
/* Write the number at idx.  [-0, +0|2, m] */
int orc_jenc_number (orc_jenc *e, int idx);
/* The same, d being its value as lua_tonumber reads it.  [-0, +0|2, m] */
int orc_jenc_number_d (orc_jenc *e, int idx, lua_Number d);
/* Write the string s[0..len) (checked as UTF-8).  [-0, +0|2, m] */
int orc_jenc_lstring (orc_jenc *e, const char *s, size_t len);
/* Write the table at idx (absolute), asking vis (with frame) at each step.
** [-0, +0|2, m] */
int orc_jenc_table (orc_jenc *e, int idx, const orc_jvisit *vis, void *frame);
/* Fail at the first depth segments of the path with msg.  [-0, +2, m] */
int orc_jenc_fail (orc_jenc *e, int depth, const char *msg);
/* Push the path of the first depth segments ("messages[2].content").  [-0, +1, m] */
void orc_jenc_path (orc_jenc *e, int depth);

/* ---- decoding: building tables from values on the stack (ljson_decode.c,
** also the chunk decoder's builder, lchunk.c) */

/* The n items at top+1.. become a sequence at top+1 (room for hint
** items).  [-n, +1, m] */
void orc_jdec_make_array (lua_State *L, int top, int n, int hint);
/* The n key/value pairs at top+1.. become a table at top+1, set in order
** (a repeated key: the last one wins).  [-2n, +1, m] */
void orc_jdec_make_object (lua_State *L, int top, int n, int hint);

#endif
