/*
** evq.h -- the chunk decoder's queue of SSE event records (cdec.h), as
** the Lua side reaches it: req:take_into(dec) (ltransport.c, lhttp1.c)
** moves what a transfer queued into it, without copying when the
** decoder's queue is drained.
*/
#ifndef ORC_EVQ_H
#define ORC_EVQ_H

#include "lua.h"

#include "cdec.h"

/* The queue of the chunk decoder at index i (raises when it is not one).
** [-0, +0, v] */
orc_evq *orc_check_evq (lua_State *L, int i);

#endif
