/*
** orc.h -- the core's symbol visibility, in the source so that every build
** of core.so (Makefile, rockspec, sanitizers) exports the same one symbol,
** luaopen_openrouter_core, whatever flags the build passes.
**
** Every .c includes it LAST, after its system, Lua, curl and project
** headers: from here on, what the file defines is hidden (as with
** -fvisibility=hidden), and only ORC_EXPORT overrides it.  Included first,
** the pragma would also hide the declarations of printf, lua_gettop and
** curl_easy_init that follow, and the link would fail ("hidden symbol
** `printf' isn't defined"): it would have to be the last header anyway.
** A system or library header included after it is a mistake the linker
** reports.
*/
#ifndef ORC_H
#define ORC_H

#if defined(__GNUC__)
#pragma GCC visibility push(hidden)
#define ORC_EXPORT __attribute__((visibility("default")))
#else
#define ORC_EXPORT
#endif

#endif
