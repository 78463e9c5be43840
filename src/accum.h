/*
** accum.h -- the accumulator of a streaming chat completion, in C.  Pure
** C: no Lua.
**
** It folds the chunks that orc_chunk_scan described into the response,
** by the rules of openrouter.accumulator (lua/openrouter/accumulator.lua,
** the reference, and spec/accumulator_spec.lua): content, reasoning,
** refusal and tool-call arguments concatenated per choice, reasoning
** details merged by index and type, tool calls by index, annotations,
** images and logprobs arrays appended, the other fields' last values
** kept.  It works on JSON text, not values: what it keeps of a value is
** its text (of a string, the escaped body, so pieces join by plain
** concatenation), and the response comes out as JSON text, to be decoded
** once.  Number keys (choice, tool call and detail indexes) are compared
** as the Lua they are decoded for compares them.
*/
#ifndef ORC_ACCUM_H
#define ORC_ACCUM_H

#include <stddef.h>

#include "chunk.h"
#include "json.h"

typedef struct orc_acc orc_acc;

/*
** A new, empty accumulator, or NULL when out of memory.  int_keys: number
** keys as Lua 5.3+ keys tables (an integer and an integral float are one
** key, integers exact); 0: as doubles (Lua 5.1, 5.2, LuaJIT).
*/
orc_acc *orc_acc_new (int int_keys);
void orc_acc_free (orc_acc *a);

/* Fold in one chunk: ORC_JSON_OK, or ORC_JSON_ENOMEM (a is then partly
** updated, and stays valid). */
int orc_acc_add (orc_acc *a, const orc_chunk *c);

/* Append the response so far to out as one JSON object: ORC_JSON_OK, or
** ORC_JSON_ENOMEM. */
int orc_acc_build (orc_acc *a, orc_jbuf *out);

/* Chunks added. */
size_t orc_acc_count (const orc_acc *a);
/* Did a choice carry a finish_reason? */
int orc_acc_finished (const orc_acc *a);

#endif
