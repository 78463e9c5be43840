/*
** regex.h -- the regular expressions of `pattern` and `patternProperties`
** (regex.c).  Pure C, no Lua; memory comes from the caller's arena
** (schema.h), so a compiled pattern lives and dies with its schema.
*/
#ifndef ORC_REGEX_H
#define ORC_REGEX_H

#include <stddef.h>

struct orc_arena;
typedef struct orc_regex orc_regex;

/*
** Compile an ECMA-262 pattern (the common subset: literals, `.`, classes,
** \d \w \s \D \W \S \b \B, ^ $, groups, alternation, greedy and lazy
** quantifiers, escapes).  Returns NULL and a message in err on a syntax
** error, an unsupported construct (backreferences, lookaround, flags,
** \p{...}) or a program too large; NULL with err[0] == 0 when out of memory.
*/
orc_regex *orc_regex_compile (struct orc_arena **a, const char *src,
                              size_t len, char *err, size_t errsz);

/* Unanchored search over the UTF-8 code points of s: 1 match, 0 none.
** Runs a DFA built at compile time when the pattern has no \b or \B and
** stays small, on input that is all ASCII; the NFA otherwise.  Either
** way linear in the input. */
int orc_regex_search (orc_regex *re, const char *s, size_t len);

#endif
