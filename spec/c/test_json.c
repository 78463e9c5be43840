/*
** test_json.c -- unit tests for src/json.c, linked alone (no Lua).
**
**   UTF-8: every boundary of RFC 3629's table, overlongs, surrogates,
**          values above U+10FFFF, truncated sequences, stray continuation
**          bytes, each at every offset of the 8-byte fast path;
**   lexer: accepted and rejected texts (written here, JSONTestSuite-style
**          y_/n_ names) with the error code and byte offset expected;
**   numbers: exact integers at the int64 edges, decimals against strtod,
**          formatting that reads back bit-equal and is the shortest of
**          %.15g/%.16g/%.17g, on edge values and 200,000 random doubles;
**   strings: escaping, unescaping in chunks of every size;
**   locale: the same bytes under a decimal-comma LC_NUMERIC (de_DE).
**
**   cc -std=c99 -Wall -Wextra -pedantic -Werror -Isrc spec/c/test_json.c \
**      src/json.c -lm -o build/test_json && build/test_json
*/
#include <float.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

#include "check.h"

typedef struct str { const char *s; size_t n; } str;
#define S(lit) { (lit), sizeof(lit) - 1 }

/* ---- UTF-8 ------------------------------------------------------------- */

typedef struct ucase { str in; size_t valid; } ucase;   /* valid prefix */

static const ucase UTF8[] = {
  { S(""), 0 },
  { S("plain ascii"), 11 },
  { S("\x7f"), 1 },                                /* U+007F */
  { S("\xc2\x80"), 2 },                            /* U+0080 */
  { S("\xdf\xbf"), 2 },                            /* U+07FF */
  { S("\xe0\xa0\x80"), 3 },                        /* U+0800 */
  { S("\xed\x9f\xbf"), 3 },                        /* U+D7FF */
  { S("\xee\x80\x80"), 3 },                        /* U+E000 */
  { S("\xef\xbf\xbf"), 3 },                        /* U+FFFF */
  { S("\xf0\x90\x80\x80"), 4 },                    /* U+10000 */
  { S("\xf4\x8f\xbf\xbf"), 4 },                    /* U+10FFFF */
  { S("a\xc3\xa9z"), 4 },
  { S("\xc0\x80"), 0 },                            /* overlong NUL */
  { S("\xc1\xbf"), 0 },                            /* overlong U+007F */
  { S("\xe0\x80\x80"), 0 },                        /* overlong */
  { S("\xe0\x9f\xbf"), 0 },                        /* overlong U+07FF */
  { S("\xf0\x80\x80\x80"), 0 },                    /* overlong */
  { S("\xf0\x8f\xbf\xbf"), 0 },                    /* overlong U+FFFF */
  { S("\xed\xa0\x80"), 0 },                        /* U+D800 */
  { S("\xed\xbf\xbf"), 0 },                        /* U+DFFF */
  { S("\xed\xa0\xbd\xed\xb8\x80"), 0 },            /* CESU-8 pair */
  { S("\xf4\x90\x80\x80"), 0 },                    /* U+110000 */
  { S("\xf5\x80\x80\x80"), 0 },
  { S("\xf8\x88\x80\x80\x80"), 0 },                /* 5-byte form */
  { S("\xfe"), 0 }, { S("\xff"), 0 },
  { S("\x80"), 0 },                                /* stray continuation */
  { S("ab\xbf"), 2 },
  { S("\xc3"), 0 },                                /* truncated */
  { S("\xe2\x82"), 0 },
  { S("\xf0\x9f\x98"), 0 },
  { S("ok\xf0\x9f\x98"), 2 },
  { S("\xc3\x28"), 0 },                            /* bad continuation */
  { S("\xe2\x28\xa1"), 0 },
  { S("\xe2\x82\x28"), 0 },
  { S("\xf0\x28\x8c\xbc"), 0 },
  { S("\xf0\x9f\x98\x28"), 0 },
};

static void test_utf8 (void) {
  size_t i, pad;
  for (i = 0; i < sizeof UTF8 / sizeof UTF8[0]; i++) {
    const ucase *c = &UTF8[i];
    /* Alone, then behind 0..17 ASCII bytes and before 9 (the 8-byte path). */
    for (pad = 0; pad < 18; pad++) {
      char buf[64];
      size_t n = 0, got, want;
      memset(buf, 'x', pad);
      n = pad;
      memcpy(buf + n, c->in.s, c->in.n);
      n += c->in.n;
      memcpy(buf + n, "ASCIItail", 9);
      n += 9;
      got = orc_utf8_valid(buf, n);
      want = c->valid == c->in.n ? n : pad + c->valid;
      CHECK(got == want, "utf8 case %lu pad %lu: valid prefix %lu, want %lu",
            (unsigned long)i, (unsigned long)pad, (unsigned long)got,
            (unsigned long)want);
    }
  }
}

/* ---- lexer: accepted texts --------------------------------------------- */

static const str YES[] = {
  S("y_number_0: 0"), S("0"), S("-0"), S("1"), S("-1"), S("1.5"), S("-1.5e-3"),
  S("1E+2"), S("1e2"), S("0.0"), S("0e0"), S("123456789012345678901234567890"),
  S("9223372036854775807"), S("-9223372036854775808"), S("1e-400"),
  S("[]"), S("{}"), S("[[]]"), S("[{}]"), S("{\"a\":[]}"), S(" [ 1 , 2 ] "),
  S("\t\r\n{\"a\" : 1 , \"b\":[true,false,null]}\n"),
  S("\"\""), S("\"plain\""), S("\"\\\"\\\\\\/\\b\\f\\n\\r\\t\""),
  S("\"\\u0000\""), S("\"\\u00e9\\u00E9\""), S("\"\\ud83d\\ude00\""),
  S("\"\\uDBFF\\uDFFF\""), S("\"\\uFFFF\""), S("\"\xc3\xa9\xf0\x9f\x98\x80\""),
  S("\"\x7f\""), S("{\"a\":1,\"a\":2}"), S("\"\\u2028\""),
  S("\xef\xbb\xbf{}"),                 /* a leading BOM is skipped */
  S("true"), S("false"), S("null"), S("[null,1,\"x\",{\"k\":[1.5]}]"),
};

static void test_yes (void) {
  size_t i, off = 0;
  for (i = 0; i < sizeof YES / sizeof YES[0]; i++) {
    const str *c = &YES[i];
    const char *s = c->s;
    size_t n = c->n;
    int code;
    if (strncmp(s, "y_", 2) == 0) continue;     /* a label */
    code = orc_json_check(s, n, 0, &off);
    CHECK(code == ORC_JSON_OK, "accept %.*s: %s at %lu", (int)n, s,
          orc_json_strerror(code), (unsigned long)off);
  }
}

/* ---- lexer: rejected texts --------------------------------------------- */

typedef struct ncase { const char *name; str in; int code; size_t offset; } ncase;

static const ncase NO[] = {
  { "n_empty", S(""), ORC_JSON_EEMPTY, 0 },
  { "n_ws_only", S("  \n"), ORC_JSON_EEMPTY, 3 },
  { "n_bom_only", S("\xef\xbb\xbf"), ORC_JSON_EEMPTY, 3 },
  { "n_bom_after_ws", S(" \xef\xbb\xbf{}"), ORC_JSON_ESYNTAX, 1 },
  { "n_bom_inside", S("[\xef\xbb\xbf]"), ORC_JSON_ESYNTAX, 1 },
  { "n_trailing_garbage", S("{} x"), ORC_JSON_ETRAIL, 3 },
  { "n_two_values", S("1 2"), ORC_JSON_ETRAIL, 2 },
  { "n_trailing_comma_array", S("[1,]"), ORC_JSON_ESYNTAX, 3 },
  { "n_trailing_comma_object", S("{\"a\":1,}"), ORC_JSON_ESYNTAX, 7 },
  { "n_leading_comma", S("[,1]"), ORC_JSON_ESYNTAX, 1 },
  { "n_missing_colon", S("{\"a\" 1}"), ORC_JSON_ESYNTAX, 5 },
  { "n_missing_value", S("{\"a\":}"), ORC_JSON_ESYNTAX, 5 },
  { "n_key_not_string", S("{a:1}"), ORC_JSON_ESYNTAX, 1 },
  { "n_key_number", S("{1:1}"), ORC_JSON_ESYNTAX, 1 },
  { "n_single_quote", S("['a']"), ORC_JSON_ESYNTAX, 1 },
  { "n_mismatched", S("[1}"), ORC_JSON_ESYNTAX, 2 },
  { "n_mismatched_obj", S("{\"a\":1]"), ORC_JSON_ESYNTAX, 6 },
  { "n_unclosed_array", S("[1,2"), ORC_JSON_EEOF, 4 },
  { "n_unclosed_object", S("{\"a\":1"), ORC_JSON_EEOF, 6 },
  { "n_unclosed_string", S("\"abc"), ORC_JSON_EEOF, 4 },
  { "n_lone_close", S("]"), ORC_JSON_ESYNTAX, 0 },
  { "n_true_truncated", S("tru"), ORC_JSON_EEOF, 3 },
  { "n_true_wrong", S("trUe"), ORC_JSON_ESYNTAX, 2 },
  { "n_capital_null", S("NULL"), ORC_JSON_ESYNTAX, 0 },
  { "n_literal_glued", S("truefalse"), ORC_JSON_ETRAIL, 4 },
  { "n_nan", S("NaN"), ORC_JSON_ESYNTAX, 0 },
  { "n_infinity", S("[Infinity]"), ORC_JSON_ESYNTAX, 1 },
  { "n_number_plus", S("+1"), ORC_JSON_ESYNTAX, 0 },
  { "n_number_leading_zero", S("012"), ORC_JSON_ENUMBER, 1 },
  { "n_number_neg_leading_zero", S("-012"), ORC_JSON_ENUMBER, 2 },
  { "n_number_dot_end", S("1."), ORC_JSON_EEOF, 2 },
  { "n_number_dot_e", S("1.e3"), ORC_JSON_ENUMBER, 2 },
  { "n_number_leading_dot", S(".5"), ORC_JSON_ESYNTAX, 0 },
  { "n_number_minus_only", S("-"), ORC_JSON_EEOF, 1 },
  { "n_number_minus_space", S("- 1"), ORC_JSON_ENUMBER, 1 },
  { "n_number_exp_empty", S("1e"), ORC_JSON_EEOF, 2 },
  { "n_number_exp_sign_only", S("1e+"), ORC_JSON_EEOF, 3 },
  { "n_number_exp_letter", S("1eX"), ORC_JSON_ENUMBER, 2 },
  { "n_number_hex", S("0x10"), ORC_JSON_ETRAIL, 1 },
  { "n_number_two_dots", S("[1.5.3]"), ORC_JSON_ESYNTAX, 4 },
  { "n_number_overflow", S("1e400"), ORC_JSON_ERANGE, 0 },
  { "n_number_overflow_neg", S("[-1.5e99999]"), ORC_JSON_ERANGE, 1 },
  { "n_string_ctrl", S("\"a\tb\""), ORC_JSON_ECTRL, 2 },
  { "n_string_newline", S("\"a\nb\""), ORC_JSON_ECTRL, 2 },
  { "n_string_nul", S("\"a\0b\""), ORC_JSON_ECTRL, 2 },
  { "n_string_bad_escape", S("\"\\a\""), ORC_JSON_EESCAPE, 1 },
  { "n_string_escape_x", S("\"\\x41\""), ORC_JSON_EESCAPE, 1 },
  { "n_string_u_short", S("\"\\u12\""), ORC_JSON_EESCAPE, 1 },
  { "n_string_u_nonhex", S("\"\\u12G4\""), ORC_JSON_EESCAPE, 1 },
  { "n_string_u_eof", S("\"\\u12"), ORC_JSON_EEOF, 5 },
  { "n_string_backslash_eof", S("\"\\"), ORC_JSON_EEOF, 2 },
  { "n_string_lone_high", S("\"\\ud800\""), ORC_JSON_ESURROGATE, 1 },
  { "n_string_lone_low", S("\"\\udc00\""), ORC_JSON_ESURROGATE, 1 },
  { "n_string_high_high", S("\"\\ud800\\ud800\""), ORC_JSON_ESURROGATE, 1 },
  { "n_string_high_then_char", S("\"\\ud800x\""), ORC_JSON_ESURROGATE, 1 },
  { "n_string_high_then_n", S("\"\\ud800\\n\""), ORC_JSON_ESURROGATE, 1 },
  { "n_string_high_eof", S("\"\\ud800"), ORC_JSON_EEOF, 7 },
  { "n_string_raw_surrogate", S("\"\xed\xa0\x80\""), ORC_JSON_EUTF8, 1 },
  { "n_string_overlong", S("\"\xc0\xaf\""), ORC_JSON_EUTF8, 1 },
  { "n_string_truncated_utf8", S("\"ab\xe2\x82\""), ORC_JSON_EUTF8, 3 },
  { "n_string_ff", S("[\"\xff\"]"), ORC_JSON_EUTF8, 2 },
  { "n_string_latin1", S("\"caf\xe9\""), ORC_JSON_EUTF8, 4 },
  { "n_key_bad_utf8", S("{\"\xc3\":1}"), ORC_JSON_EUTF8, 2 },
  { "n_utf16_bom", S("\xfe\xff{}"), ORC_JSON_ESYNTAX, 0 },
  { "n_comment", S("[1 /* c */]"), ORC_JSON_ESYNTAX, 3 },
  { "n_nbsp_space", S("[\xc2\xa0" "1]"), ORC_JSON_ESYNTAX, 1 },
  { "n_vertical_tab", S("[\v1]"), ORC_JSON_ESYNTAX, 1 },
};

static void test_no (void) {
  size_t i;
  for (i = 0; i < sizeof NO / sizeof NO[0]; i++) {
    const ncase *c = &NO[i];
    size_t off = (size_t)-1;
    int code = orc_json_check(c->in.s, c->in.n, 0, &off);
    CHECK(code == c->code && off == c->offset, "%s: got %s at %lu, want %s at %lu",
          c->name, orc_json_strerror(code), (unsigned long)off,
          orc_json_strerror(c->code), (unsigned long)c->offset);
  }
}

/* ---- depth ------------------------------------------------------------- */

static void test_depth (void) {
  static char buf[2 * (ORC_JSON_MAX_DEPTH + 2) + 16];
  size_t off = 0, n, k;
  int code, d;
  for (d = ORC_JSON_MAX_DEPTH; d <= ORC_JSON_MAX_DEPTH + 1; d++) {
    n = 0;
    for (k = 0; k < (size_t)d; k++) buf[n++] = (k & 1) ? '[' : '[';
    for (k = 0; k < (size_t)d; k++) buf[n++] = ']';
    code = orc_json_check(buf, n, 0, &off);
    if (d == ORC_JSON_MAX_DEPTH)
      CHECK(code == ORC_JSON_OK, "depth %d: %s", d, orc_json_strerror(code));
    else
      CHECK(code == ORC_JSON_EDEPTH && off == ORC_JSON_MAX_DEPTH,
            "depth %d: %s at %lu", d, orc_json_strerror(code), (unsigned long)off);
  }
  /* objects count too; a smaller limit is honoured */
  code = orc_json_check("{\"a\":{\"b\":[1]}}", 15, 3, &off);
  CHECK(code == ORC_JSON_OK, "depth 3 within 3: %s", orc_json_strerror(code));
  code = orc_json_check("{\"a\":{\"b\":[[1]]}}", 17, 3, &off);
  CHECK(code == ORC_JSON_EDEPTH && off == 11, "depth 4 over 3: %s at %lu",
        orc_json_strerror(code), (unsigned long)off);
}

/* ---- numbers: decoding --------------------------------------------------- */

static int lex_number (const char *s, orc_jtok *t) {
  orc_jlex lx;
  orc_jlex_init(&lx, s, strlen(s), 0);
  return orc_jlex_next(&lx, t) == ORC_JT_NUMBER && orc_jlex_next(&lx, t) == ORC_JT_END;
}

static int same_double (double a, double b) {
  return memcmp(&a, &b, sizeof a) == 0;
}

typedef struct icase { const char *in; long long i; } icase;

static void test_decode_numbers (void) {
  static const icase INTS[] = {
    { "0", 0 }, { "-0", 0 }, { "7", 7 }, { "-42", -42 },
    { "9007199254740993", 9007199254740993LL },          /* 2^53 + 1 */
    { "1234567890123456", 1234567890123456LL },
    { "123456789012345678", 123456789012345678LL },
    { "9223372036854775807", LLONG_MAX },
    { "-9223372036854775808", LLONG_MIN },
  };
  static const char *const NOT_INT[] = {
    "9223372036854775808", "-9223372036854775809", "18446744073709551616",
    "123456789012345678901234567890", "1.0", "1e2", "-0.0", "0e0",
  };
  static const char *const DEC[] = {
    "0.1", "0.2", "0.3", "1.5", "-1.5e-3", "3.141592653589793", "1e21", "1e22",
    "1e23", "2.2250738585072014e-308", "2.2250738585072011e-308", "5e-324",
    "4.9406564584124654e-324", "2.4703282292062327e-324",
    "2.4703282292062328e-324", "1.7976931348623157e308",
    "1.7976931348623158e308", "9007199254740993.0", "9007199254740992.5",
    "0.000000000000000000000000000001", "123456789012345678901234567890",
    "18446744073709551616", "-9223372036854775809", "1e-400",
    "0.30000000000000004", "100000000000000000000000e-3",
    "1.00000000000000011102230246251565404236316680908203125",
    "1.00000000000000011102230246251565404236316680908203124",
    "1.00000000000000011102230246251565404236316680908203126",
    "7.2057594037927933e16", "8.98846567431158e307", "4e-320",
  };
  size_t i;
  orc_jtok t;
  for (i = 0; i < sizeof INTS / sizeof INTS[0]; i++) {
    int ok = lex_number(INTS[i].in, &t);
    CHECK(ok && t.is_int && t.i == INTS[i].i, "integer %s: ok %d is_int %d i %lld",
          INTS[i].in, ok, t.is_int, t.i);
  }
  for (i = 0; i < sizeof NOT_INT / sizeof NOT_INT[0]; i++) {
    int ok = lex_number(NOT_INT[i], &t);
    CHECK(ok && !t.is_int && same_double(t.d, strtod(NOT_INT[i], NULL)),
          "not an integer %s: ok %d is_int %d d %.17g", NOT_INT[i], ok, t.is_int, t.d);
  }
  for (i = 0; i < sizeof DEC / sizeof DEC[0]; i++) {
    int ok = lex_number(DEC[i], &t);
    CHECK(ok && same_double(t.d, strtod(DEC[i], NULL)), "decimal %s: %.17g vs %.17g",
          DEC[i], t.d, strtod(DEC[i], NULL));
  }
  /* A number longer than the 128-byte stack copy. */
  {
    char big[400];
    memset(big, '1', 300);
    memcpy(big + 300, ".25e-280", 9);
    CHECK(lex_number(big, &t) && same_double(t.d, strtod(big, NULL)),
          "300-digit number");
  }
}

/* ---- numbers: formatting ------------------------------------------------- */

/* The reference: the shortest of %.15g/%.16g/%.17g that reads back (C locale). */
static void reference_fmt (double d, char *out) {
  int prec;
  for (prec = 15; prec <= 17; prec++) {
    snprintf(out, 40, "%.*g", prec, d);
    if (strtod(out, NULL) == d) return;
  }
}

/* Our text must read back (through our own lexer) bit-equal, and spell the
** same number as the reference (the exponent without '+' and zeros). */
static void check_fmt (double d, const char *want) {
  char out[ORC_JSON_NUMBUF], ref[40];
  orc_jtok t;
  int n = orc_json_fmt_double(out, d);
  CHECK(n > 0 && (size_t)n == strlen(out), "fmt %.17g: length %d", d, n);
  CHECK(lex_number(out, &t) && same_double(t.d, d),
        "fmt %.17g -> %s does not read back (%.17g)", d, out, t.d);
  if (want != NULL) CHECK(strcmp(out, want) == 0, "fmt %.17g -> %s, want %s", d, out, want);
  if (!(floor(d) == d && fabs(d) <= 9007199254740992.0)) {
    reference_fmt(d, ref);
    CHECK(strtod(ref, NULL) == strtod(out, NULL) && strlen(out) <= strlen(ref),
          "fmt %.17g -> %s, reference %s", d, out, ref);
  }
}

static uint64_t rng_state = 88172645463325252ULL;
static uint64_t rng (void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

static void test_format_numbers (void) {
  char out[ORC_JSON_NUMBUF];
  long i;
  check_fmt(0.0, "0");
  check_fmt(-0.0, "-0.0");
  check_fmt(1.0, "1");
  check_fmt(-3.0, "-3");
  check_fmt(1e-7, "1e-7");
  check_fmt(5e-324, "5e-324");
  check_fmt(1.7976931348623157e308, "1.7976931348623157e308");
  check_fmt(-1.7976931348623157e308, "-1.7976931348623157e308");
  check_fmt(2.2250738585072014e-308, "2.2250738585072014e-308");
  check_fmt(0.1, "0.1");
  check_fmt(0.1 + 0.2, "0.30000000000000004");
  check_fmt(1.0 / 3.0, "0.3333333333333333");
  check_fmt(2.0 / 3.0, "0.6666666666666666");
  check_fmt(9007199254740992.0, "9007199254740992");          /* 2^53 */
  check_fmt(9007199254740993.0, "9007199254740992");          /* rounds to 2^53 */
  check_fmt(9007199254740994.0, "9007199254740994");          /* 2^53 + 2 */
  check_fmt(-9007199254740992.0, "-9007199254740992");
  check_fmt(1e21, "1e21");
  check_fmt(1e22, "1e22");
  check_fmt(123456789012345678.0, "1.2345678901234568e17");
  check_fmt(1234567890123456.0, "1234567890123456");
  check_fmt(1e15, "1000000000000000");
  check_fmt(0.5, "0.5");
  check_fmt(1.5e-3, "0.0015");
  check_fmt(123.456, "123.456");
  check_fmt(1e100, "1e100");
  check_fmt(4.35, "4.35");
  check_fmt(0.7, "0.7");
  check_fmt(1735000000.123, "1735000000.123");
  CHECK(orc_json_fmt_double(out, NAN) == 0, "NaN formats to nothing");
  CHECK(orc_json_fmt_double(out, INFINITY) == 0, "inf formats to nothing");
  CHECK(orc_json_fmt_double(out, -INFINITY) == 0, "-inf formats to nothing");
  {
    int before = failed, checked = passed;
    for (i = 0; i < 200000 && failed - before < 20; i++) {
      uint64_t bits = rng();
      double d;
      memcpy(&d, &bits, sizeof d);
      if (d != d || d - d != 0) continue;
      check_fmt(d, NULL);
    }
    passed = checked;              /* the random doubles count as one check */
    CHECK(failed == before, "200,000 random doubles format and read back");
  }
  {
    /* short decimals (the fast path without printf): the reference's text,
    ** byte for byte, in and around its range 1e-4 <= |d| < 1e15 */
    int before = failed, checked = passed;
    char ref[40];
    for (i = 0; i < 200000 && failed - before < 20; i++) {
      uint64_t r = rng();
      double m = (double)(r % 1000000000000000ULL) / (double)(1ULL << (r >> 60));
      double d = floor(m) / pow(10, (double)((r >> 50) % 23));
      if ((r >> 49) & 1) d = -d;
      if (floor(d) == d) continue;
      orc_json_fmt_double(out, d);
      reference_fmt(d, ref);
      if (strchr(ref, 'e') == NULL) CHECK(strcmp(out, ref) == 0, "fmt %.17g -> %s, reference %s", d, out, ref);
      else check_fmt(d, NULL);
    }
    passed = checked;
    CHECK(failed == before, "200,000 short decimals spelled as %%.15g/%%.17g spells them");
    check_fmt(0.0001, "0.0001");
    check_fmt(-0.00012, "-0.00012");
    check_fmt(999999999999999.9, "999999999999999.9");
    check_fmt(123456789012345.6, "123456789012345.6");
    check_fmt(0.1 + 0.2, "0.30000000000000004");
  }
  {
    static const long long INTS[] = { 0, 1, -1, 9, 10, 1234567890123456789LL,
                                      LLONG_MAX, LLONG_MIN, -100 };
    static const char *const WANT[] = { "0", "1", "-1", "9", "10",
                                        "1234567890123456789", "9223372036854775807",
                                        "-9223372036854775808", "-100" };
    size_t k;
    for (k = 0; k < sizeof INTS / sizeof INTS[0]; k++) {
      int n = orc_json_fmt_int(out, INTS[k]);
      CHECK(strcmp(out, WANT[k]) == 0 && n == (int)strlen(WANT[k]),
            "fmt_int %lld -> %s", INTS[k], out);
    }
  }
}

/* ---- strings ------------------------------------------------------------- */

static void test_put_string (void) {
  orc_jbuf b;
  size_t bad = 0;
  int code;
  static const struct { str in; const char *out; } CASES[] = {
    { S(""), "\"\"" },
    { S("plain text, longer than eight"), "\"plain text, longer than eight\"" },
    { S("q\"b\\s/"), "\"q\\\"b\\\\s/\"" },
    { S("\b\f\n\r\t"), "\"\\b\\f\\n\\r\\t\"" },
    { S("\x01\x1f\x7f"), "\"\\u0001\\u001f\x7f\"" },
    { S("nul\0!"), "\"nul\\u0000!\"" },
    { S("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"), "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"" },
    { S("\xe2\x80\xa8"), "\"\xe2\x80\xa8\"" },
  };
  size_t i;
  orc_jbuf_init(&b, 0);
  for (i = 0; i < sizeof CASES / sizeof CASES[0]; i++) {
    b.len = 0;
    code = orc_json_put_string(&b, CASES[i].in.s, CASES[i].in.n, &bad);
    CHECK(code == ORC_JSON_OK && b.len == strlen(CASES[i].out) &&
          memcmp(b.data, CASES[i].out, b.len) == 0,
          "put_string case %lu: %.*s", (unsigned long)i, (int)b.len, b.data);
  }
  /* invalid UTF-8: the offset, and nothing written */
  b.len = 3;
  code = orc_json_put_string(&b, "abcdefghij\xff", 11, &bad);
  CHECK(code == ORC_JSON_EUTF8 && bad == 10 && b.len == 3, "put_string invalid: %d %lu %lu",
        code, (unsigned long)bad, (unsigned long)b.len);
  code = orc_json_put_string(&b, "\n\n\n\xed\xa0\x80", 6, &bad);
  CHECK(code == ORC_JSON_EUTF8 && bad == 3 && b.len == 3, "put_string surrogate: %d %lu",
        code, (unsigned long)bad);
  orc_jbuf_free(&b);
  orc_jbuf_free(&b);                              /* idempotent */
  /* a limit */
  orc_jbuf_init(&b, 16);
  code = orc_json_put_string(&b, "short", 5, &bad);
  CHECK(code == ORC_JSON_OK, "limit: a short string fits");
  {
    char big[1000];
    memset(big, 'a', sizeof big);
    code = orc_json_put_string(&b, big, sizeof big, &bad);
    CHECK(code == ORC_JSON_ETOOBIG && b.len == 7, "limit: %d, len %lu", code,
          (unsigned long)b.len);
  }
  orc_jbuf_free(&b);
}

/* Decode a string token whole and in chunks of every room from 4 up. */
static void check_unescape (const char *json, const char *want, size_t wantlen) {
  orc_jlex lx;
  orc_jtok t;
  char out[256];
  size_t room;
  orc_jlex_init(&lx, json, strlen(json), 0);
  CHECK(orc_jlex_next(&lx, &t) == ORC_JT_STRING, "unescape %s: not a string", json);
  for (room = 4; room <= 64; room++) {
    const char *p = t.s, *end = t.s + t.len;
    size_t n = 0;
    while (p < end) {
      size_t got = orc_json_unescape(&p, end, out + n, room);
      CHECK(got > 0 || p == end, "unescape %s: no progress", json);
      if (got == 0) break;
      n += got;
    }
    CHECK(n == wantlen && memcmp(out, want, n) == 0, "unescape %s room %lu: %.*s",
          json, (unsigned long)room, (int)n, out);
  }
}

static void test_unescape (void) {
  check_unescape("\"abc\"", "abc", 3);
  check_unescape("\"a\\nb\\tc\\\"d\\\\e\\/f\\bg\\fh\\ri\"", "a\nb\tc\"d\\e/f\bg\fh\ri", 17);
  check_unescape("\"\\u0041\\u00e9\\u20ac\\ud83d\\ude00\"",
                 "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 10);
  check_unescape("\"\\u0000x\"", "\0x", 2);
  check_unescape("\"\\uDBFF\\uDFFF\\uFFFF\\u0800\\u07ff\\u0080\\u007f\"",
                 "\xf4\x8f\xbf\xbf\xef\xbf\xbf\xe0\xa0\x80\xdf\xbf\xc2\x80\x7f", 15);
  check_unescape("\"long run of plain text before an escape\\n and after it\"",
                 "long run of plain text before an escape\n and after it", 53);
}

/* ---- tokens -------------------------------------------------------------- */

static void test_tokens (void) {
  static const char text[] = " {\"a\":[1,-2.5,\"s\\n\",true,false,null],\"b\":{}} ";
  static const int want[] = {
    ORC_JT_OBJECT, ORC_JT_KEY, ORC_JT_ARRAY, ORC_JT_NUMBER, ORC_JT_NUMBER,
    ORC_JT_STRING, ORC_JT_TRUE, ORC_JT_FALSE, ORC_JT_NULL, ORC_JT_ARRAY_END,
    ORC_JT_KEY, ORC_JT_OBJECT, ORC_JT_OBJECT_END, ORC_JT_OBJECT_END, ORC_JT_END
  };
  orc_jlex lx;
  orc_jtok t;
  size_t i;
  orc_jlex_init(&lx, text, sizeof text - 1, 0);
  for (i = 0; i < sizeof want / sizeof want[0]; i++) {
    int type = orc_jlex_next(&lx, &t);
    CHECK(type == want[i], "token %lu: %d, want %d", (unsigned long)i, type, want[i]);
    if (i == 1) CHECK(t.len == 1 && t.s[0] == 'a' && !t.escaped, "key a");
    if (i == 4) CHECK(!t.is_int && t.d == -2.5, "number -2.5");
    if (i == 5) CHECK(t.escaped && t.len == 3, "escaped string");
  }
  CHECK(orc_jlex_next(&lx, &t) == ORC_JT_END, "END again");
  /* an error is sticky */
  orc_jlex_init(&lx, "[1,x]", 5, 0);
  orc_jlex_next(&lx, &t);
  orc_jlex_next(&lx, &t);
  CHECK(orc_jlex_next(&lx, &t) == ORC_JT_ERROR && lx.error == ORC_JSON_ESYNTAX &&
        lx.error_offset == 3, "error at x");
  CHECK(orc_jlex_next(&lx, &t) == ORC_JT_ERROR, "error is sticky");
}

/* ---- the same bytes under a decimal-comma locale --------------------------- */

static int comma_locale (void) {
  static const char *const NAMES[] = { "de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8", "de_DE" };
  size_t i;
  for (i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++)
    if (setlocale(LC_NUMERIC, NAMES[i]) && localeconv()->decimal_point[0] == ',') return 1;
  /* Make one in build/locale when the locale sources are installed. */
  if (system("localedef -i de_DE -f UTF-8 build/locale/de_DE.UTF-8 >/dev/null 2>&1") != -1 &&
      setenv("LOCPATH", "build/locale", 1) == 0 &&
      setlocale(LC_NUMERIC, "de_DE.UTF-8") && localeconv()->decimal_point[0] == ',')
    return 1;
  return 0;
}

static void test_locale (void) {
  orc_jtok t;
  char out[ORC_JSON_NUMBUF];
  if (system("mkdir -p build/locale") == -1 || !comma_locale()) {
    printf("locale: no decimal-comma locale available: skipped\n");
    return;
  }
  CHECK(orc_json_fmt_double(out, 0.1) && strcmp(out, "0.1") == 0, "de_DE: 0.1 -> %s", out);
  CHECK(orc_json_fmt_double(out, 1.0 / 3.0) && strcmp(out, "0.3333333333333333") == 0,
        "de_DE: 1/3 -> %s", out);
  CHECK(orc_json_fmt_double(out, 1.5e-300) && strcmp(out, "1.5e-300") == 0,
        "de_DE: 1.5e-300 -> %s", out);
  /* the fast path and strtod's both read '.' */
  CHECK(lex_number("1.5", &t) && t.d == 1.5, "de_DE: read 1.5 -> %g", t.d);
  CHECK(lex_number("0.30000000000000004", &t) && t.d == 0.1 + 0.2, "de_DE: slow path");
  CHECK(lex_number("1.7976931348623157e308", &t) && t.d == DBL_MAX, "de_DE: DBL_MAX");
  setlocale(LC_NUMERIC, "C");
}

int main (void) {
  test_utf8();
  test_yes();
  test_no();
  test_depth();
  test_decode_numbers();
  test_format_numbers();
  test_put_string();
  test_unescape();
  test_tokens();
  test_locale();
  printf("test_json: %d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
