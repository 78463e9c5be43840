/*
** lcore.h -- the pieces of module openrouter.core.  Each binding file
** adds its functions to the module table on the top of the stack.
*/
#ifndef ORC_LCORE_H
#define ORC_LCORE_H

#include "lua.h"

/*
** A class's metatable: __name, and `close` as both __gc and __close (one
** idempotent function, as every userdata of the core has).  Left on the
** stack for the caller to add __index and the rest.  [-0, +1, m]
*/
void orc_newclass (lua_State *L, const char *name, lua_CFunction close);

/* Each: [-0, +0, m], module table at the top of the stack. */
void orc_open_sse (lua_State *L);        /* lsse.c: sse_new */
void orc_open_schema (lua_State *L);     /* lschema.c: schema_compile */
void orc_open_transport (lua_State *L);  /* ltransport.c: multi_new, curl info */
void orc_open_base64 (lua_State *L);     /* lbase64.c: base64, base64_file */
void orc_open_json_encode (lua_State *L);  /* ljson_encode.c: json_encode, json_marker */
void orc_open_json_decode (lua_State *L);  /* ljson_decode.c: json_decode */
void orc_open_chunk (lua_State *L);        /* lchunk.c: chunk_decoder */

/* The JSON marker metatables (registry names), made by either open. */
#define ORC_JSON_ARRAY_MT "openrouter.json.array"
#define ORC_JSON_OBJECT_MT "openrouter.json.object"
/* Push the marker metatable `name`, made on first use.  [-0, +1, m] */
void orc_json_marker_mt (lua_State *L, const char *name, const char *jsontype);
void orc_open_http1 (lua_State *L);      /* lhttp1.c: h1_request, h1_reasons */

/* Into the headers table at -1: t[name lower-cased] = value, or, when the
** name came before, the two values joined with ", " (the headers() of both
** transports).  [-0, +0, m] */
void orc_header_field (lua_State *L, const char *name, size_t nlen, const char *v, size_t vlen);

/* Into the table at index 2 of req:events(into [, full]) (both
** transports'), at 1..n: the event records in `events` (evrec.h), their
** data strings, or with `full` (the debug trace) tables { type=, data=,
** id= }.  Returns n; the stack is set to 3, plus what `full` pushes.
** [-?, +(full ? 5 : 0), m] */
struct orc_buf;
int orc_push_events (lua_State *L, const struct orc_buf *events, int full);

#endif
