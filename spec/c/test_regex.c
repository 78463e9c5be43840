/*
** test_regex.c -- unit tests for src/regex.c, linked with the arena and
** UTF-8 helpers of src/schema.c (no Lua).
**
**   - every construct the engine accepts, each with inputs that match and
**     inputs that do not;
**   - every construct it refuses, with the message it gives;
**   - each accepted case twice more: with the pattern followed by
**     (?:\b|\B), which matches everywhere but keeps the DFA from being
**     built (the NFA answers), and on the subject followed by a non-ASCII
**     code point where that cannot change the answer (the NFA decodes);
**   - time linear in the input on the patterns that make backtracking
**     engines exponential, on both the DFA and the NFA.
**
**   make build/ctest/test_regex && build/ctest/test_regex
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "regex.h"
#include "schema.h"

static int passed, failed;

static void tally (int ok) {
  if (ok) passed++;
  else failed++;
}

/* Print a string with its non-printable bytes escaped. */
static void show (const char *s, size_t len) {
  size_t i;
  for (i = 0; i < len; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c < 0x20 || c >= 0x7f) printf("\\x%02x", c);
    else putchar(c);
  }
}

/* Compile pat[0..plen) in a fresh arena; NULL with the message in err. */
static orc_regex *compile (orc_arena **a, const char *pat, size_t plen,
                           char *err, size_t errsz) {
  *a = NULL;
  return orc_regex_compile(a, pat, plen, err, errsz);
}

/* ---- accepted constructs -------------------------------------------- */

typedef struct mcase {
  const char *pat;
  const char *s;
  size_t slen;           /* 0: strlen(s) */
  int want;
} mcase;

#define NUL_SUBJECT(lit) (lit), sizeof(lit) - 1

static const mcase matches[] = {
  /* literals, the empty pattern */
  { "abc", "xxabcxx", 0, 1 }, { "abc", "abd", 0, 0 }, { "abc", "ABC", 0, 0 },
  { "", "", 0, 1 }, { "", "x", 0, 1 },
  { "\xc3\xa9t\xc3\xa9", "un \xc3\xa9t\xc3\xa9 chaud", 0, 1 },
  { "\xc3\xa9", "e", 0, 0 },
  /* `.`: one code point, not a line terminator */
  { "a.c", "abc", 0, 1 }, { "a.c", "a\xc3\xa9" "c", 0, 1 },
  { "a.c", "a\xf0\x9f\x98\x80" "c", 0, 1 }, { "a.c", "ac", 0, 0 },
  { "a.c", "a\nc", 0, 0 }, { "a.c", "a\rc", 0, 0 },
  { "a.c", "a\xe2\x80\xa8" "c", 0, 0 }, { "a.c", "a\xe2\x80\xa9" "c", 0, 0 },
  { "^.$", "\xff", 0, 1 },                  /* a malformed byte is one */
  { "^..$", "\xc3", 0, 0 }, { "^.$", "\xc3", 0, 1 },
  { "^.$", "\xe0\x80\x80", 0, 0 },          /* overlong: three code points */
  /* anchors */
  { "^abc$", "abc", 0, 1 }, { "^abc$", "xabc", 0, 0 }, { "^abc$", "abcx", 0, 0 },
  { "^$", "", 0, 1 }, { "^$", "a", 0, 0 }, { "^", "abc", 0, 1 },
  { "$", "abc", 0, 1 }, { "a^b", "a^b", 0, 0 }, { "a$b", "a$b", 0, 0 },
  { "^a|b$", "xb", 0, 1 }, { "^a|b$", "bx", 0, 0 },
  { "(^|,)x(,|$)", "a,x,b", 0, 1 }, { "(^|,)x(,|$)", "axb", 0, 0 },
  /* classes */
  { "^[abc]+$", "cab", 0, 1 }, { "^[abc]+$", "cad", 0, 0 },
  { "^[^abc]+$", "xyz", 0, 1 }, { "^[^abc]+$", "xaz", 0, 0 },
  { "^[^a]$", "\xc3\xa9", 0, 1 }, { "^[^a]$", "\n", 0, 1 },
  { "^[a-z0-9_]+$", "snake_case_1", 0, 1 }, { "^[a-z]+$", "Camel", 0, 0 },
  { "^[\xc3\xa0-\xc3\xbf]$", "\xc3\xa9", 0, 1 }, { "^[\xc3\xa0-\xc3\xbf]$", "e", 0, 0 },
  { "^[a\\-z]+$", "a-z", 0, 1 }, { "^[a\\-z]+$", "b", 0, 0 },
  { "^[-a]+$", "-a-", 0, 1 }, { "^[a-]+$", "-a-", 0, 1 },
  { "^[\\d.]+$", "3.14", 0, 1 }, { "^[\\w-]+$", "kebab-case", 0, 1 },
  { "^[\\s]$", "\t", 0, 1 }, { "^[\\D]$", "7", 0, 0 }, { "^[\\W]$", "_", 0, 0 },
  { "^[\\S]$", " ", 0, 0 }, { "^[\\b]$", "\b", 0, 1 }, { "^[\\b]$", "b", 0, 0 },
  { "^[]]$", "]", 0, 0 },                   /* [] is an empty class, then ']' */
  { "^[^]]$", "x]", 0, 1 },                 /* [^] is any code point */
  { "^[.]$", "x", 0, 0 }, { "^[.]$", ".", 0, 1 },
  { "^[\\]\\\\]+$", "]\\", 0, 1 },
  /* builtin sets */
  { "^\\d+$", "0123456789", 0, 1 }, { "^\\d$", "\xd9\xa3", 0, 0 },   /* ASCII only */
  { "^\\D+$", "abc", 0, 1 }, { "\\D", "123", 0, 0 },
  { "^\\w+$", "A_z9", 0, 1 }, { "\\w", "-.!", 0, 0 }, { "\\w", "\xc3\xa9", 0, 0 },
  { "^\\W+$", "-.!", 0, 1 }, { "^\\W$", "\xc3\xa9", 0, 1 },
  { "^\\s+$", " \t\n\v\f\r", 0, 1 }, { "^\\s$", "\xc2\xa0", 0, 1 },
  { "^\\s$", "\xe3\x80\x80", 0, 1 }, { "^\\s$", "\xef\xbb\xbf", 0, 1 },
  { "^\\s$", "\xe2\x80\xa8", 0, 1 }, { "\\s", "x", 0, 0 },
  { "^\\S+$", "abc", 0, 1 }, { "\\S", " \t", 0, 0 },
  /* escapes */
  { "^\\t\\n\\v\\f\\r$", "\t\n\v\f\r", 0, 1 },
  { "^a\\0b$", NUL_SUBJECT("a\0b"), 1 }, { "^\\0$", "0", 0, 0 },
  { "^\\cJ$", "\n", 0, 1 }, { "^\\ca$", "\x01", 0, 1 },
  { "^\\x41\\x7a$", "Az", 0, 1 },
  { "^\\u0041$", "A", 0, 1 }, { "^\\u00e9$", "\xc3\xa9", 0, 1 },
  { "^\\u20AC$", "\xe2\x82\xac", 0, 1 },
  { "^\\uD83D\\uDE00$", "\xf0\x9f\x98\x80", 0, 1 },      /* a surrogate pair */
  { "^[\\u00e0-\\u00ff]$", "\xc3\xa9", 0, 1 },
  { "^\\.\\*\\+\\?\\(\\)\\[\\]\\{\\}\\|\\^\\$\\/\\\\$", ".*+?()[]{}|^$/\\", 0, 1 },
  { "^\\-$", "-", 0, 1 }, { "^\\\xc3\xa9$", "\xc3\xa9", 0, 1 },
  { "^\\ $", " ", 0, 1 }, { "^\\\"$", "\"", 0, 1 },
  /* groups */
  { "^(ab)+$", "ababab", 0, 1 }, { "^(ab)+$", "aba", 0, 0 },
  { "^(?:ab)+$", "abab", 0, 1 }, { "^(?<pair>ab)c$", "abc", 0, 1 },
  { "^((a)(b(c)))$", "abc", 0, 1 }, { "^()$", "", 0, 1 },
  /* alternation */
  { "cat|dog", "hotdog", 0, 1 }, { "^(cat|dog)$", "cats", 0, 0 },
  { "^a(|b)c$", "ac", 0, 1 }, { "^a(|b)c$", "abc", 0, 1 }, { "^(a|)$", "", 0, 1 },
  { "^(a|b|c|d)+$", "dcba", 0, 1 }, { "|", "anything", 0, 1 },
  /* quantifiers, greedy and lazy (the same strings) */
  { "^a*$", "", 0, 1 }, { "^a*$", "aaaa", 0, 1 }, { "^a*$", "ab", 0, 0 },
  { "^a+$", "", 0, 0 }, { "^a+$", "aaa", 0, 1 },
  { "^a?$", "", 0, 1 }, { "^a?$", "a", 0, 1 }, { "^a?$", "aa", 0, 0 },
  { "^a{3}$", "aaa", 0, 1 }, { "^a{3}$", "aa", 0, 0 }, { "^a{3}$", "aaaa", 0, 0 },
  { "^a{2,}$", "a", 0, 0 }, { "^a{2,}$", "aaaaa", 0, 1 },
  { "^a{2,3}$", "a", 0, 0 }, { "^a{2,3}$", "aa", 0, 1 }, { "^a{2,3}$", "aaa", 0, 1 },
  { "^a{2,3}$", "aaaa", 0, 0 }, { "^a{0}$", "", 0, 1 }, { "^a{0}$", "a", 0, 0 },
  { "^a{0,0}b$", "b", 0, 1 }, { "^(ab){2}$", "abab", 0, 1 },
  { "^a+?$", "aaa", 0, 1 }, { "^a*?b$", "aab", 0, 1 }, { "^a??$", "a", 0, 1 },
  { "^a{2,3}?$", "aaa", 0, 1 }, { "^a{2,}?$", "a", 0, 0 },
  { "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "2024-02-29", 0, 1 },
  { "^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "2024-2-29", 0, 0 },
  /* braces that are not a quantifier are literal */
  { "^a{$", "a{", 0, 1 }, { "^a{x}$", "a{x}", 0, 1 }, { "^a{,3}$", "a{,3}", 0, 1 },
  { "^a{1,2$", "a{1,2", 0, 1 }, { "^}$", "}", 0, 1 }, { "^]$", "]", 0, 1 },
  /* word boundaries */
  { "\\bfoo\\b", "a foo b", 0, 1 }, { "\\bfoo\\b", "afoo", 0, 0 },
  { "\\bfoo\\b", "foo_", 0, 0 }, { "\\bfoo", "foo", 0, 1 },
  { "\\Bfoo", "afoo", 0, 1 }, { "\\Bfoo", "a foo", 0, 0 },
  { "^\\b$", "", 0, 0 }, { "^\\B$", "", 0, 1 },
  { "\\b\xc3\xa9", " \xc3\xa9", 0, 0 },    /* \w is ASCII: no boundary */
  /* the sort of pattern an API schema carries */
  { "^[a-z0-9-]+/[a-z0-9._-]+(:[a-z]+)?$", "openai/gpt-4o:nitro", 0, 1 },
  { "^[a-z0-9-]+/[a-z0-9._-]+(:[a-z]+)?$", "openai/gpt-4o:", 0, 0 },
  { "^(https?|ftp)://[^\\s/$.?#].[^\\s]*$", "https://openrouter.ai/api", 0, 1 },
  { "^(https?|ftp)://[^\\s/$.?#].[^\\s]*$", "https:// x", 0, 0 },
};

/* The answers of pattern P (the DFA where it is built) and of P(?:\b|\B)
** (the NFA) on s[0..len). */
static void both (const char *pat, const char *s, size_t len, int got[2],
                  char *err, size_t errsz) {
  orc_arena *a;
  char wrapped[512];
  orc_regex *re = compile(&a, pat, strlen(pat), err, errsz);
  got[0] = got[1] = -1;
  if (re != NULL) got[0] = orc_regex_search(re, s, len);
  orc_arena_free(&a);
  snprintf(wrapped, sizeof wrapped, "(?:%s)(?:\\b|\\B)", pat);
  re = compile(&a, wrapped, strlen(wrapped), err, errsz);
  if (re != NULL) got[1] = orc_regex_search(re, s, len);
  orc_arena_free(&a);
}

/* The case as written, on both engines; then with a non-ASCII code point
** before and after the subject, where the DFA hands over to the NFA part
** way and the two must still agree. */
static void run_match (const mcase *m) {
  char err[160];
  size_t slen = m->slen ? m->slen : strlen(m->s);
  char *s2 = (char *)malloc(slen + 4);
  int got[2], pre[2], post[2], ok;
  if (s2 == NULL) { fputs("out of memory\n", stderr); exit(2); }
  both(m->pat, m->s, slen, got, err, sizeof err);
  memcpy(s2, "\xc3\xa9", 2);
  memcpy(s2 + 2, m->s, slen);
  both(m->pat, s2, slen + 2, pre, err, sizeof err);
  memcpy(s2, m->s, slen);
  memcpy(s2 + slen, "\xc3\xa9", 2);
  both(m->pat, s2, slen + 2, post, err, sizeof err);
  free(s2);
  ok = got[0] == m->want && got[1] == m->want && pre[0] == pre[1] &&
       pre[0] >= 0 && post[0] == post[1] && post[0] >= 0;
  if (!ok) {
    printf("FAIL /");
    show(m->pat, strlen(m->pat));
    printf("/ on \"");
    show(m->s, slen);
    printf("\": want %d, got %d (DFA) %d (NFA); non-ASCII before %d %d, "
           "after %d %d%s%s\n", m->want, got[0], got[1], pre[0], pre[1],
           post[0], post[1], got[0] < 0 ? ": " : "", got[0] < 0 ? err : "");
  }
  tally(ok);
}

/* ---- refused constructs --------------------------------------------- */

typedef struct rcase {
  const char *pat;
  const char *msg;       /* the start of the message */
} rcase;

static const rcase refusals[] = {
  { "(a)\\1", "unsupported regex construct (escape) at offset 4" },
  { "\\k<a>", "unsupported regex construct (escape)" },
  { "\\p{L}", "unsupported regex construct (escape)" },
  { "\\P{L}", "unsupported regex construct (escape)" },
  { "\\01", "unsupported regex construct (escape)" },       /* octal */
  { "\\q", "unsupported regex construct (escape)" },
  { "\\_", "unsupported regex construct (escape)" },
  { "[\\B]", "unsupported regex construct (escape)" },
  { "\\c1", "unsupported regex construct (escape)" },
  { "\\c", "unsupported regex construct (escape)" },
  { "\\x4", "unsupported regex construct (escape)" },
  { "\\u12", "unsupported regex construct (escape)" },
  { "(?=a)", "unsupported regex construct (lookaround or flags)" },
  { "(?!a)", "unsupported regex construct (lookaround or flags)" },
  { "(?<=a)b", "unsupported regex construct (lookaround or flags)" },
  { "(?<!a)b", "unsupported regex construct (lookaround or flags)" },
  { "(?i)a", "unsupported regex construct (lookaround or flags)" },
  { "(?<name", "unterminated group name" },
  { "[abc", "unterminated character class" },
  { "[a-", "unterminated character class" },
  { "(abc", "missing ')'" },
  { "((a)", "missing ')'" },
  { "abc)", "unmatched ')' at offset 3" },
  { "*a", "nothing to repeat at offset 0" },
  { "+", "nothing to repeat" },
  { "?", "nothing to repeat" },
  { "a**", "nothing to repeat" },
  { "a+*", "nothing to repeat" },
  { "a{2}{3}", "nothing to repeat" },
  { "^*", "nothing to repeat" },
  { "$+", "nothing to repeat" },
  { "\\b+", "nothing to repeat" },
  { "{2}", "nothing to repeat" },
  { "a|*", "nothing to repeat" },
  { "a{3,1}", "numbers out of order in {} quantifier" },
  { "[z-a]", "range out of order in character class" },
  { "[\\d-z]", "unsupported regex construct (class escape in range)" },
  { "[a-\\d]", "unsupported regex construct (class escape in range)" },
  { "abc\\", "trailing backslash" },
  { "(a{1000}){1000}", "regex too large (more than 20000 states)" },
  { "a{100001}", "regex too large" },
  { "((((a{10}){10}){10}){10}){10}", "regex too large" },
};

static void run_refusal (const char *pat, size_t plen, const char *want) {
  orc_arena *a;
  char err[160];
  orc_regex *re;
  int ok;
  memset(err, 'x', sizeof err);
  re = compile(&a, pat, plen, err, sizeof err);
  ok = re == NULL && strncmp(err, want, strlen(want)) == 0;
  if (!ok) {
    printf("FAIL refuse /");
    show(pat, plen > 60 ? 60 : plen);
    printf("%s/: want \"%s\", got %s\"%s\"\n", plen > 60 ? "..." : "", want,
           re != NULL ? "a regex and " : "", re != NULL ? "" : err);
  }
  orc_arena_free(&a);
  tally(ok);
}

/* Limits: the pattern's length, its nesting. */
static void run_limits (void) {
  char *p = (char *)malloc(5000);
  size_t i;
  if (p == NULL) { fputs("out of memory\n", stderr); exit(2); }
  memset(p, 'a', 4097);
  run_refusal(p, 4097, "regex too long (more than 4096 bytes)");
  /* 4096 bytes is fine */
  {
    orc_arena *a;
    char err[160];
    orc_regex *re = compile(&a, p, 4096, err, sizeof err);
    tally(re != NULL && orc_regex_search(re, p, 4096) == 1 &&
          orc_regex_search(re, p, 4095) == 0);
    if (re == NULL) printf("FAIL 4096-byte pattern: %s\n", err);
    orc_arena_free(&a);
  }
  for (i = 0; i < 201; i++) { p[i] = '('; p[202 + i] = ')'; }
  p[201] = 'a';
  run_refusal(p, 403, "regex nested too deeply");
  /* 200 levels are fine */
  {
    orc_arena *a;
    char err[160];
    orc_regex *re = compile(&a, p + 1, 401, err, sizeof err);
    tally(re != NULL && orc_regex_search(re, "xax", 3) == 1);
    if (re == NULL) printf("FAIL 200 nested groups: %s\n", err);
    orc_arena_free(&a);
  }
  free(p);
  /* a message cut to the room given, NUL-terminated */
  {
    orc_arena *a = NULL;
    char err[8];
    orc_regex *re = orc_regex_compile(&a, "(?=a)", 5, err, sizeof err);
    tally(re == NULL && strlen(err) == 7 && memcmp(err, "unsuppo", 7) == 0);
    orc_arena_free(&a);
  }
}

/* ---- linear time ---------------------------------------------------- */

/* CPU seconds for `reps` searches of s, the best of three tries. */
static double cpu_search (orc_regex *re, const char *s, size_t len, int reps,
                          int *answer) {
  double best = 1e9;
  int t, k;
  for (t = 0; t < 3; t++) {
    clock_t c0 = clock();
    double dt;
    for (k = 0; k < reps; k++) *answer = orc_regex_search(re, s, len);
    dt = (double)(clock() - c0) / CLOCKS_PER_SEC;
    if (dt < best) best = dt;
  }
  return best;
}

typedef struct lcase {
  const char *pat;
  const char *unit;      /* repeated to make the subject */
  const char *tail;      /* then this */
  int want;
} lcase;

/* The patterns that take a backtracking engine exponential time on a
** subject that almost matches. */
static const lcase linear[] = {
  { "^(a+)+$", "a", "b", 0 },
  { "^(a|aa)+$", "a", "b", 0 },
  { "^(a|a?)+$", "a", "b", 0 },
  { "^(a*)*$", "a", "b", 0 },
  { "(x+x+)+y", "x", "", 0 },
  { "^(\\w+\\s?)*$", "ab ", "!", 0 },
  { "^([a-zA-Z0-9])(([\\-.]|[_]+)?([a-zA-Z0-9]+))*(@){1}[a-z0-9]+[.]{1}(([a-z]{2,3})|([a-z]{2,3}[.]{1}[a-z]{2,3}))$",
    "a", "!", 0 },
  { "^(a?){30}a{30}$", "a", "", 0 },        /* Cox's a?^n a^n, subject > 2n */
  { "(.*a){12}", "a", "", 1 },
  { "(a|b)*a(a|b){12}", "ab", "", 1 },       /* too many DFA states: the NFA */
  { "(a|b)*a(a|b){12}$", "ba", "bbbbbbbbbbbbb", 0 },
};

/* Search a subject of n units (plus the tail) and of 8n: the time per
** byte may not grow (4x allowed for noise), and neither run may take a
** second.  `nfa`: the pattern followed by (?:\b|\B), which keeps the DFA
** from being built. */
static void run_linear (const lcase *l, int nfa) {
  size_t ulen = strlen(l->unit), tlen = strlen(l->tail), n = 20000, k, len;
  char *s = (char *)malloc(8 * n * ulen + tlen + 1);
  orc_arena *a;
  char err[160], pat[512];
  orc_regex *re;
  double t1, t8, per1, per8;
  int ans1 = -1, ans8 = -1, ok;
  if (s == NULL) { fputs("out of memory\n", stderr); exit(2); }
  snprintf(pat, sizeof pat, nfa ? "(?:%s)(?:\\b|\\B)" : "%s", l->pat);
  re = compile(&a, pat, strlen(pat), err, sizeof err);
  if (re == NULL) {
    printf("FAIL linear /%s/: %s\n", pat, err);
    tally(0);
    free(s);
    return;
  }
  for (k = 0; k < 8 * n; k++) memcpy(s + k * ulen, l->unit, ulen);
  len = 8 * n * ulen;
  memcpy(s + len, l->tail, tlen);
  len += tlen;
  t8 = cpu_search(re, s, len, 1, &ans8);
  memmove(s + n * ulen, s + 8 * n * ulen, tlen);   /* n units and the tail */
  len -= 7 * n * ulen;
  t1 = cpu_search(re, s, len, 8, &ans1) / 8;
  per1 = t1 > 2e-5 ? t1 : 2e-5;              /* near clock()'s resolution */
  per8 = t8 / 8;
  ok = ans1 == l->want && ans8 == l->want && t8 < 1.0 && per8 <= 4 * per1;
  printf("%s /%.40s%s/ %s: %lu bytes %.2f ms, %lu bytes %.2f ms\n",
         ok ? "ok  " : "FAIL", l->pat, strlen(l->pat) > 40 ? "..." : "",
         nfa ? "NFA" : "as is", (unsigned long)len, t1 * 1e3,
         (unsigned long)(len + 7 * n * ulen), t8 * 1e3);
  if (ans1 != l->want || ans8 != l->want)
    printf("     answers %d and %d, want %d\n", ans1, ans8, l->want);
  orc_arena_free(&a);
  free(s);
  tally(ok);
}

int main (void) {
  size_t i;
  for (i = 0; i < sizeof matches / sizeof matches[0]; i++) run_match(&matches[i]);
  for (i = 0; i < sizeof refusals / sizeof refusals[0]; i++)
    run_refusal(refusals[i].pat, strlen(refusals[i].pat), refusals[i].msg);
  run_limits();
  for (i = 0; i < sizeof linear / sizeof linear[0]; i++) {
    run_linear(&linear[i], 0);
    run_linear(&linear[i], 1);
  }
  printf("regex: %d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
