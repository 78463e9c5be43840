/*
** schema.h -- the pure half of the JSON-Schema (draft 7) engine: the
** compiled schema (a graph of orc_node in an arena) and the helpers the
** stages need -- the arena, UTF-8, multipleOf, the property index, "did
** you mean" suggestions, URI resolution (schema.c).  None of it includes
** lua.h: spec/c/test_schema.c tests it alone, and fuzz/fuzz_schema.c
** fuzzes it with the rest of the engine.  The regex engine of `pattern`
** is regex.h; the Lua side (compiling a table into nodes, the two
** validation passes) is declared in schema_int.h.
*/
#ifndef ORC_SCHEMA_H
#define ORC_SCHEMA_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "regex.h"

/* ---- arena: every piece of a compiled schema, freed at once ---------- */

typedef struct orc_arena orc_arena;

/* Zeroed memory, or NULL when out of memory.  *a may start as NULL. */
void *orc_arena_alloc (orc_arena **a, size_t n);
/* A NUL-terminated copy of s[0..len). */
char *orc_arena_strdup (orc_arena **a, const char *s, size_t len);
void orc_arena_free (orc_arena **a);
size_t orc_arena_size (const orc_arena *a);

/* ---- JSON values (the operands of enum and const) --------------------- */

enum { ORC_J_NULL, ORC_J_BOOL, ORC_J_NUM, ORC_J_STR, ORC_J_ARR, ORC_J_OBJ };

typedef struct orc_jval {
  int kind;
  int b;                      /* ORC_J_BOOL; ORC_J_STR: 1 when JSON writes the
                              ** text as it is (printable ASCII, no '"' or '\\') */
  double num;                 /* ORC_J_NUM */
  const char *s;              /* ORC_J_STR */
  size_t len;
  size_t n;                   /* ORC_J_ARR, ORC_J_OBJ: element count */
  struct orc_jval *items;     /* n values */
  const char **keys;          /* ORC_J_OBJ: n keys, sorted */
  size_t *klens;
} orc_jval;

/* ---- compiled schema -------------------------------------------------- */

/* Type bits: a node's `type` mask, and the kind of a value. */
#define ORC_T_NULL    0x01u
#define ORC_T_BOOLEAN 0x02u
#define ORC_T_INTEGER 0x04u
#define ORC_T_NUMBER  0x08u
#define ORC_T_STRING  0x10u
#define ORC_T_ARRAY   0x20u
#define ORC_T_OBJECT  0x40u

/* Keyword bits (orc_node.has). */
#define ORC_K_FALSE      0x00000001u  /* boolean schema false */
#define ORC_K_TYPE       0x00000002u
#define ORC_K_ENUM       0x00000004u
#define ORC_K_CONST      0x00000008u
#define ORC_K_MINIMUM    0x00000010u
#define ORC_K_MAXIMUM    0x00000020u
#define ORC_K_XMINIMUM   0x00000040u
#define ORC_K_XMAXIMUM   0x00000080u
#define ORC_K_MULTIPLE   0x00000100u
#define ORC_K_MINLEN     0x00000200u
#define ORC_K_MAXLEN     0x00000400u
#define ORC_K_PATTERN    0x00000800u
#define ORC_K_ITEMS      0x00001000u  /* items (schema form) */
#define ORC_K_TUPLE      0x00002000u  /* items (array form) */
#define ORC_K_ADDITEMS   0x00004000u
#define ORC_K_CONTAINS   0x00008000u
#define ORC_K_MINITEMS   0x00010000u
#define ORC_K_MAXITEMS   0x00020000u
#define ORC_K_UNIQUE     0x00040000u
#define ORC_K_PROPS      0x00080000u  /* properties, required, dependencies */
#define ORC_K_PATPROPS   0x00100000u
#define ORC_K_ADDPROPS   0x00200000u
#define ORC_K_PROPNAMES  0x00400000u
#define ORC_K_MINPROPS   0x00800000u
#define ORC_K_MAXPROPS   0x01000000u
#define ORC_K_ALLOF      0x02000000u
#define ORC_K_ANYOF      0x04000000u
#define ORC_K_ONEOF      0x08000000u
#define ORC_K_NOT        0x10000000u
#define ORC_K_IF         0x20000000u
#define ORC_K_REF        0x40000000u

#define ORC_K_NUMERIC (ORC_K_MINIMUM | ORC_K_MAXIMUM | ORC_K_XMINIMUM | \
                       ORC_K_XMAXIMUM | ORC_K_MULTIPLE)
#define ORC_K_STRINGY (ORC_K_MINLEN | ORC_K_MAXLEN | ORC_K_PATTERN)
#define ORC_K_ARRAYISH (ORC_K_ITEMS | ORC_K_TUPLE | ORC_K_ADDITEMS | \
                        ORC_K_CONTAINS | ORC_K_MINITEMS | ORC_K_MAXITEMS | \
                        ORC_K_UNIQUE)
#define ORC_K_OBJECTISH (ORC_K_PROPS | ORC_K_PATPROPS | ORC_K_ADDPROPS | \
                         ORC_K_PROPNAMES | ORC_K_MINPROPS | ORC_K_MAXPROPS)

typedef struct orc_node orc_node;

/* A name the object keywords know: from properties, required or
** dependencies.  Looked up by hash while scanning an object. */
typedef struct orc_prop {
  orc_node *schema;        /* properties[name], or NULL */
  const char *json;        /* "name": as JSON text, or NULL (it needs escaping) */
  size_t jlen;
  int declared;            /* named in `properties` */
  int required;            /* named in `required` */
  const char *name;
  size_t len;
  uint32_t hash;
  int dep;                 /* index into deps, or -1 */
  int anchor;              /* the binding's: where it keeps the name */
} orc_prop;

typedef struct orc_patprop {
  orc_regex *re;
  const char *src;
  orc_node *schema;
} orc_patprop;

typedef struct orc_dep {
  const char **names;      /* array form: the fields it requires */
  size_t *lens;
  size_t n;
  orc_node *schema;        /* schema form */
} orc_dep;

/*
** A discriminated union spelled as a chain of if/then/else on one field,
** each `if` exactly {required: [tag], properties: {tag: {const: "v"}}}:
** found at compile time, so that an object's branch is one lookup of its
** tag instead of one `if` after the other.  The branch of an object is
** then_[i] for the first vals[i] its tag equals, else else_.
*/
typedef struct orc_disc {
  const orc_prop *tag;     /* the first `if`'s property: name, anchor */
  size_t n;
  const char **vals;
  size_t *lens;
  orc_node **then_;        /* NULL: no then */
  orc_node *else_;         /* NULL: no else */
} orc_disc;

struct orc_node {
  /* what a walk reads at every value, first: one cache line */
  uint32_t has;            /* ORC_K_* */
  uint32_t types;          /* ORC_T_* (0: any) */
  orc_node *ref;           /* $ref target, after resolution */
  /* for the binding: a bit per value kind it decides on sight */
  uint16_t quick_ok, quick_fail;
  uint32_t pmask;          /* pcache's slots - 1: kept here, where the walk
                           ** has it at hand without loading the cache */
  struct orc_pcache *pcache;  /* the boolean pass's key cache (schema_int.h) */
  orc_prop *props;         /* every known name */
  size_t nprops;
  size_t npatprops;
  orc_node *additional_props;
  orc_node *items;         /* schema form, or additionalItems' role */
  /* numbers, strings */
  double minimum, maximum, xminimum, xmaximum, multiple_of;
  size_t min_length, max_length;
  orc_regex *pattern;
  const char *pattern_src;
  /* arrays */
  orc_node **tuple;
  size_t ntuple;
  orc_node *additional_items;
  orc_node *contains;
  size_t min_items, max_items;
  /* objects */
  uint32_t *slots;         /* open addressing: prop index + 1, 0 empty */
  uint32_t mask;
  size_t nrequired;        /* distinct required names */
  const char **required;   /* in schema order, for messages */
  size_t *required_len;
  size_t nrequired_list;
  orc_patprop *patprops;
  orc_node *property_names;
  size_t min_props, max_props;
  orc_dep *deps;
  size_t ndeps;
  /* combinators */
  orc_node **all_of, **any_of, **one_of;
  size_t nall_of, nany_of, none_of;
  orc_node *not_, *if_, *then_, *else_;
  orc_disc *disc;          /* if/then/else as a discriminated union, or NULL */
  /* values */
  orc_jval *enums;
  size_t nenums;
  orc_jval *const_;
  /* for the binding: how many fields it would look up instead of scanning
  ** (-1: cannot) */
  int nlookup;
};

/* The schema for item k (1-based) of an array, or NULL. */
static inline const orc_node *orc_node_item (const orc_node *n, size_t k) {
  if (n->has & ORC_K_TUPLE)
    return k <= n->ntuple ? n->tuple[k - 1] : n->additional_items;
  return n->items;
}

/* FNV-1a over a property name. */
uint32_t orc_hash (const char *s, size_t len);
/* Build n->slots from n->props.  0 when out of memory. */
int orc_node_index (orc_arena **a, orc_node *n);
/* The known name equal to s[0..len), or NULL. */
const orc_prop *orc_node_prop (const orc_node *n, const char *s, size_t len);

/* ---- helpers ---------------------------------------------------------- */

/* Are a[0..len) and b[0..len) equal?  Word loads, no call, for the short
** strings that names and enum values are. */
static inline int orc_eq (const char *a, const char *b, size_t len) {
  uint64_t x, y;
  size_t i;
  if (len >= 8) {
    for (i = 0; i + 8 < len; i += 8) {
      memcpy(&x, a + i, 8);
      memcpy(&y, b + i, 8);
      if (x != y) return 0;
    }
    memcpy(&x, a + len - 8, 8);   /* the last 8, overlapping */
    memcpy(&y, b + len - 8, 8);
    return x == y;
  }
  if (len >= 4) {
    uint32_t u, w, u2, w2;
    memcpy(&u, a, 4);
    memcpy(&w, b, 4);
    memcpy(&u2, a + len - 4, 4);
    memcpy(&w2, b + len - 4, 4);
    return u == w && u2 == w2;
  }
  for (i = 0; i < len; i++)
    if (a[i] != b[i]) return 0;
  return 1;
}

/* Code points in a UTF-8 string; each byte of a malformed sequence counts
** as one. */
size_t orc_utf8_len (const char *s, size_t len);
/* Decode one code point at s[*i], advancing *i (malformed: the byte). */
uint32_t orc_utf8_next (const char *s, size_t len, size_t *i);

/* Is v a multiple of d (d > 0)?  Exact for integers; tolerant of the
** binary representation error of decimal fractions (0.0075 / 0.0001). */
int orc_multiple_of (double v, double d);

/* Levenshtein-with-transpositions distance, or -1 beyond limit. */
int orc_edit_distance (const char *a, size_t alen, const char *b,
                       size_t blen, int limit);
/*
** "Did you mean": the index of the candidate nearest to s (equal after
** camelCase -> snake_case or case folding, else within a small edit
** distance), or -1.
*/
int orc_suggest (const char *s, size_t len, const char *const *cands,
                 const size_t *clens, size_t n);

/*
** Resolve a URI reference against a base (RFC 3986 section 5.2).  out must
** hold blen + rlen + 2 bytes; returns the length written (no NUL).
*/
size_t orc_uri_resolve (const char *base, size_t blen, const char *ref,
                        size_t rlen, char *out);
/* Percent-decode s in place; returns the new length. */
size_t orc_percent_decode (char *s, size_t len);

#endif
