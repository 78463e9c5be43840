/*
** accum.c -- the accumulator in C (see accum.h).
**
** State, by the reference's names: `top` (the chunk's fields but choices,
** object and error: last value), and per choice (keyed by its index):
** role, content, reasoning and refusal (escaped bodies, concatenated),
** the reasoning details (entries with their fields, and per index a slot:
** the entry of each type, and the last one), the tool calls (per index:
** fields, function fields, arguments), extra delta fields, annotations and
** images (items' texts joined by commas), finish reasons and logprobs.
**
** A value is kept as its type and text (Val); fields live in insertion-
** ordered maps (Map) and indexed objects in arrays, both searched linearly
** while small and through an open-addressing index once they grow, so a
** stream of many distinct keys costs linear time.  Where the reference
** reads a decoded object (pairs(), t.k), a repeated key means its last
** value: such objects are first collected into a scratch list with the
** earlier duplicates marked dead.  The hot path -- a chunk whose fields
** have not changed and whose delta is a content piece -- compares the
** fields in place and appends the piece.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accum.h"
#include "buf.h"
#include "orc.h"

#define T_LIST 100           /* a Val that is a list of items' texts, comma-joined */
#define SMALL 8              /* lookups are linear up to this many entries */

/* ------------------------------------------------------------ buffers */

/* Room for one more item in *p (n of *cap); big items start one at a time. */
static int grow (void **p, size_t *cap, size_t n, size_t size) {
  size_t nc;
  void *np;
  if (n < *cap) return 0;
  nc = *cap ? *cap * 2 : size >= 256 ? 1 : 2;
  if (nc > ((size_t)-1) / size) return -1;
  np = realloc(*p, nc * size);
  if (np == NULL) return -1;
  *p = np;
  *cap = nc;
  return 0;
}

/* ------------------------------------------------------------ values */

typedef struct Val {
  int type;                  /* ORC_JV_*, or T_LIST; ORC_JV_NONE: unset */
  orc_buf b;                     /* the text; a string's escaped body */
} Val;

/* The text of checked value j (a string with its quotes). */
static const char *jv_text (const orc_jv *j, size_t *n) {
  if (j->type == ORC_JV_STRING) {
    *n = j->len + 2;
    return j->s - 1;
  }
  *n = j->len;
  return j->s;
}

static int val_set (Val *v, const orc_jv *j) {
  if (v->type == j->type && v->b.len == j->len &&
      (j->len == 0 || memcmp(v->b.p, j->s, j->len) == 0))
    return 0;                                  /* unchanged: the usual case */
  v->b.len = 0;
  if (orc_buf_add(&v->b, j->s, j->len)) {
    v->type = ORC_JV_NONE;
    return -1;
  }
  v->type = j->type;
  return 0;
}

/* v becomes the list of the items of j (an array; an object: none), or,
** when it is a list already, gets them appended. */
static int val_append_items (Val *v, const orc_jv *j) {
  orc_jwalk w;
  orc_jv k, item;
  if (v->type != T_LIST) {
    v->type = T_LIST;
    v->b.len = 0;
  }
  if (j->type != ORC_JV_ARRAY) return 0;
  orc_jwalk_open(&w, j);
  while (orc_jwalk_next(&w, &k, &item)) {
    size_t n;
    const char *t = jv_text(&item, &n);
    if ((v->b.len > 0 && orc_buf_add(&v->b, ",", 1)) || orc_buf_add(&v->b, t, n)) return -1;
  }
  return 0;
}

static void val_free (Val *v) {
  orc_buf_free(&v->b);
  v->type = ORC_JV_NONE;
}

/* ------------------------------------------------------------ indexes */

/* An open-addressing index of positions (+1; 0 is empty) by hash. */
typedef struct Ix {
  uint32_t *slot;
  size_t cap;                /* a power of two, or 0: no index (search linearly) */
} Ix;

static uint64_t mix (uint64_t h) {
  h ^= h >> 33;
  h *= UINT64_C(0xff51afd7ed558ccd);
  h ^= h >> 33;
  return h;
}

static uint64_t hash_bytes (const char *s, size_t n) {
  uint64_t h = UINT64_C(0xcbf29ce484222325);
  size_t i;
  for (i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * UINT64_C(0x100000001b3);
  return mix(h);
}

static void ix_free (Ix *ix) {
  free(ix->slot);
  ix->slot = NULL;
  ix->cap = 0;
}

static void ix_put (Ix *ix, uint64_t h, size_t pos) {
  size_t m = ix->cap - 1, i = (size_t)h & m;
  while (ix->slot[i] != 0) i = (i + 1) & m;
  ix->slot[i] = (uint32_t)(pos + 1);
}

/*
** Entry `pos` (of n) was just added: keep the index in step, making it
** when n passes SMALL and doubling it when half full.  hash(i) gives the
** hash of entry i.  A failed allocation drops the index (lookups go on
** linearly): only speed is lost.
*/
static void ix_added (Ix *ix, size_t n, size_t pos, uint64_t (*hash) (const void *, size_t),
                      const void *ctx) {
  if (n <= SMALL || n >= UINT32_MAX) {
    if (n >= UINT32_MAX) ix_free(ix);
    return;
  }
  if (ix->cap == 0 || n * 2 > ix->cap) {
    size_t cap = 16, i;
    while (cap < n * 4) cap *= 2;
    ix_free(ix);
    ix->slot = (uint32_t *)calloc(cap, sizeof(uint32_t));
    if (ix->slot == NULL) return;
    ix->cap = cap;
    for (i = 0; i < n; i++) ix_put(ix, hash(ctx, i), i);
    return;
  }
  ix_put(ix, hash(ctx, pos), pos);
}

/* ------------------------------------------------------------ maps */

typedef struct Field {
  char *key;                 /* unescaped */
  size_t klen;
  Val v;
  size_t id;                 /* a detail's position (slot types) */
} Field;

typedef struct Map {
  Field *f;
  size_t n, cap;
  Ix ix;
} Map;

static uint64_t field_hash (const void *ctx, size_t i) {
  const Field *f = &((const Map *)ctx)->f[i];
  return hash_bytes(f->key, f->klen);
}

static Field *map_find (Map *m, const char *k, size_t kl) {
  size_t i;
  if (m->ix.cap) {
    size_t mask = m->ix.cap - 1;
    for (i = (size_t)hash_bytes(k, kl) & mask; m->ix.slot[i] != 0; i = (i + 1) & mask) {
      Field *f = &m->f[m->ix.slot[i] - 1];
      if (f->klen == kl && memcmp(f->key, k, kl) == 0) return f;
    }
    return NULL;
  }
  for (i = 0; i < m->n; i++)
    if (m->f[i].klen == kl && (kl == 0 || memcmp(m->f[i].key, k, kl) == 0)) return &m->f[i];
  return NULL;
}

/* The field k, added (unset) when missing; NULL when out of memory.
** Valid until the next field is added to m. */
static Field *map_put (Map *m, const char *k, size_t kl) {
  Field *f = map_find(m, k, kl);
  if (f != NULL) return f;
  if (grow((void **)&m->f, &m->cap, m->n, sizeof(Field))) return NULL;
  f = &m->f[m->n];
  memset(f, 0, sizeof *f);
  f->key = (char *)malloc(kl ? kl : 1);
  if (f->key == NULL) return NULL;
  if (kl) memcpy(f->key, k, kl);
  f->klen = kl;
  m->n++;
  ix_added(&m->ix, m->n, m->n - 1, field_hash, m);
  return f;
}

static void map_free (Map *m) {
  size_t i;
  for (i = 0; i < m->n; i++) {
    free(m->f[i].key);
    val_free(&m->f[i].v);
  }
  free(m->f);
  ix_free(&m->ix);
  memset(m, 0, sizeof *m);
}

/* ------------------------------------------------------------ number keys */

typedef struct Key {
  int is_int;
  long long i;
  double d;
} Key;

/* The key Lua makes of a decoded number (see accum.h). */
static void key_of (int int_keys, const orc_jv *num, Key *k) {
  int is_int;
  long long i;
  double d;
  orc_jnumber(num->s, num->len, &is_int, &i, &d);
  k->i = 0;
  k->d = 0;
  if (int_keys) {
    if (is_int) {
      k->is_int = 1;
      k->i = i;
      return;
    }
    /* a float with an integral value in range is that integer (5.3+) */
    if (d >= -9223372036854775808.0 && d < 9223372036854775808.0 &&
        (double)(long long)d == d) {
      k->is_int = 1;
      k->i = (long long)d;
      return;
    }
    k->is_int = 0;
    k->d = d;
    return;
  }
  k->is_int = 0;
  k->d = d == 0 ? 0.0 : d;                      /* -0 is 0 */
}

static void key_count (int int_keys, size_t n, Key *k) {
  k->is_int = int_keys;
  k->i = int_keys ? (long long)n : 0;
  k->d = int_keys ? 0 : (double)n;
}

static int key_eq (const Key *a, const Key *b) {
  if (a->is_int != b->is_int) return 0;
  return a->is_int ? a->i == b->i : a->d == b->d;
}

static uint64_t key_hash (const Key *k) {
  uint64_t u;
  if (k->is_int) return mix((uint64_t)k->i ^ UINT64_C(0x9e3779b97f4a7c15));
  memcpy(&u, &k->d, sizeof u);
  return mix(u);
}

/* a < b, as Lua compares numbers (a float key is never integral in range) */
static int key_lt (const Key *a, const Key *b) {
  if (a->is_int == b->is_int) return a->is_int ? a->i < b->i : a->d < b->d;
  if (a->is_int) {                                /* i < f */
    double f = b->d;
    if (f >= 9223372036854775808.0) return 1;
    if (f < -9223372036854775808.0) return 0;
    return a->i <= (long long)f - (f < 0);      /* floor: f is not integral */
  } else {                                        /* f < i */
    double f = a->d;
    if (f >= 9223372036854775808.0) return 0;
    if (f < -9223372036854775808.0) return 1;
    return (long long)f + (f > 0) <= b->i;      /* ceil */
  }
}

/* Entries keyed by number: Key first in each, `size` bytes apart. */
#define KEY_AT(base, size, i) ((const Key *)(const void *)((const char *)(base) + (i) * (size)))

typedef struct KeyList {
  const void *base;
  size_t size;
} KeyList;

static uint64_t keylist_hash (const void *ctx, size_t i) {
  const KeyList *l = (const KeyList *)ctx;
  return key_hash(KEY_AT(l->base, l->size, i));
}

/* The position of key k among n entries, or n. */
static size_t key_find (const Ix *ix, const void *base, size_t size, size_t n, const Key *k) {
  size_t i;
  if (ix->cap) {
    size_t mask = ix->cap - 1;
    for (i = (size_t)key_hash(k) & mask; ix->slot[i] != 0; i = (i + 1) & mask)
      if (key_eq(KEY_AT(base, size, ix->slot[i] - 1), k)) return ix->slot[i] - 1;
    return n;
  }
  for (i = 0; i < n; i++)
    if (key_eq(KEY_AT(base, size, i), k)) return i;
  return n;
}

static void key_added (Ix *ix, const void *base, size_t size, size_t n) {
  KeyList l;
  l.base = base;
  l.size = size;
  ix_added(ix, n, n - 1, keylist_hash, &l);
}

/* ------------------------------------------------------------ the state */

typedef struct Detail {
  Map fields;
} Detail;

typedef struct Slot {        /* reasoning details at one index */
  Key key;
  size_t last;               /* the last entry made at it */
  Map types;                 /* type -> entry (Field.id) */
} Slot;

typedef struct Tool {
  Key key;
  Val index;                 /* as it came first, or the count then */
  Map fields, fn;
  orc_buf args;
} Tool;

/* The rarer parts of a choice, made when first needed. */
typedef struct More {
  orc_buf reasoning, refusal;
  int has_reasoning, has_refusal;
  Detail *det;
  size_t ndet, cdet;
  Slot *slot;
  size_t nslot, cslot;
  Ix slot_ix;
  Tool *tool;                /* in the order they started */
  size_t ntool, ctool;
  Ix tool_ix;
  Map extra;
  int has_ann, has_img;
  Val ann, img;
  int has_lp;
  Map lp;
} More;

typedef struct Choice {
  Key key;
  Val index;                 /* as it came first (a number's text), or 0 */
  Val role;
  orc_buf content;
  Val finish, native;
  More *more;
} Choice;

/* A member of an object being read: its key unescaped (at koff in the
** scratch bytes, or in place) and value; dead when a later one repeats it. */
typedef struct Mem {
  orc_jv key, val;
  size_t koff;               /* (size_t)-1: the key has no escapes, key.s is it */
  size_t klen;
  int dead;
} Mem;

struct orc_acc {
  int int_keys;
  size_t chunks;
  int finished;
  Map top;
  Choice *ch;
  size_t nch, cch;
  Ix ch_ix;
  size_t last;               /* the choice the previous chunk went to */
  Mem *mem;                  /* scratch: members being read (a stack) */
  size_t nmem, cmem;
  orc_buf kb;                    /* scratch: their unescaped keys */
};

orc_acc *orc_acc_new (int int_keys) {
  orc_acc *a = (orc_acc *)calloc(1, sizeof(orc_acc));
  if (a != NULL) a->int_keys = int_keys;
  return a;
}

static void more_free (More *c) {
  size_t i;
  orc_buf_free(&c->reasoning);
  orc_buf_free(&c->refusal);
  for (i = 0; i < c->ndet; i++) map_free(&c->det[i].fields);
  free(c->det);
  for (i = 0; i < c->nslot; i++) map_free(&c->slot[i].types);
  free(c->slot);
  ix_free(&c->slot_ix);
  for (i = 0; i < c->ntool; i++) {
    Tool *t = &c->tool[i];
    val_free(&t->index);
    map_free(&t->fields);
    map_free(&t->fn);
    orc_buf_free(&t->args);
  }
  free(c->tool);
  ix_free(&c->tool_ix);
  map_free(&c->extra);
  val_free(&c->ann);
  val_free(&c->img);
  map_free(&c->lp);
  free(c);
}

static void choice_free (Choice *c) {
  val_free(&c->index);
  val_free(&c->role);
  orc_buf_free(&c->content);
  val_free(&c->finish);
  val_free(&c->native);
  if (c->more != NULL) more_free(c->more);
}

void orc_acc_free (orc_acc *a) {
  size_t i;
  if (a == NULL) return;
  map_free(&a->top);
  for (i = 0; i < a->nch; i++) choice_free(&a->ch[i]);
  free(a->ch);
  ix_free(&a->ch_ix);
  free(a->mem);
  orc_buf_free(&a->kb);
  free(a);
}

size_t orc_acc_count (const orc_acc *a) {
  return a->chunks;
}

int orc_acc_finished (const orc_acc *a) {
  return a->finished;
}

/* ------------------------------------------------------------ reading objects */

static const char *mem_key (const orc_acc *a, const Mem *m) {
  return m->koff == (size_t)-1 ? m->key.s : a->kb.p + m->koff;
}

static int mem_push (orc_acc *a, const orc_jv *k, const orc_jv *v) {
  Mem *m;
  if (grow((void **)&a->mem, &a->cmem, a->nmem, sizeof(Mem))) return -1;
  m = &a->mem[a->nmem];
  m->key = *k;
  m->val = *v;
  m->dead = 0;
  m->koff = (size_t)-1;
  m->klen = k->len;
  if (k->esc) {
    if (orc_buf_reserve(&a->kb, k->len + 4)) return -1;
    m->koff = a->kb.len;
    m->klen = orc_jstring(k, a->kb.p + a->kb.len);
    a->kb.len += m->klen;
  }
  a->nmem++;
  return 0;
}

typedef struct Ref {
  const char *k;
  size_t kl, pos;
} Ref;

static int ref_cmp (const void *x, const void *y) {
  const Ref *a = (const Ref *)x, *b = (const Ref *)y;
  size_t n = a->kl < b->kl ? a->kl : b->kl;
  int c = n ? memcmp(a->k, b->k, n) : 0;
  if (c != 0) return c;
  if (a->kl != b->kl) return a->kl < b->kl ? -1 : 1;
  return a->pos < b->pos ? -1 : a->pos > b->pos;
}

/* Mark the members from `from` on whose key comes again later. */
static int dedupe (orc_acc *a, size_t from) {
  size_t n = a->nmem - from, i, j;
  if (n <= 16) {
    for (i = from; i < a->nmem; i++) {
      const char *ki = mem_key(a, &a->mem[i]);
      for (j = i + 1; j < a->nmem; j++)
        if (a->mem[j].klen == a->mem[i].klen &&
            (a->mem[i].klen == 0 || memcmp(mem_key(a, &a->mem[j]), ki, a->mem[i].klen) == 0)) {
          a->mem[i].dead = 1;
          break;
        }
    }
    return 0;
  }
  {
    Ref *r = (Ref *)malloc(n * sizeof(Ref));
    if (r == NULL) return -1;
    for (i = 0; i < n; i++) {
      r[i].k = mem_key(a, &a->mem[from + i]);
      r[i].kl = a->mem[from + i].klen;
      r[i].pos = from + i;
    }
    qsort(r, n, sizeof(Ref), ref_cmp);
    for (i = 0; i + 1 < n; i++)
      if (r[i].kl == r[i + 1].kl && (r[i].kl == 0 || memcmp(r[i].k, r[i + 1].k, r[i].kl) == 0))
        a->mem[r[i].pos].dead = 1;
    free(r);
  }
  return 0;
}

/* Push the members of object o (as pairs() sees its decoded table);
** returns where they start, or (size_t)-1 when out of memory. */
static size_t read_object (orc_acc *a, const orc_jv *o) {
  size_t from = a->nmem;
  orc_jwalk w;
  orc_jv k, v;
  orc_jwalk_open(&w, o);
  while (orc_jwalk_next(&w, &k, &v))
    if (mem_push(a, &k, &v)) return (size_t)-1;
  if (dedupe(a, from)) return (size_t)-1;
  return from;
}

static size_t read_members (orc_acc *a, const orc_jmember *ms, size_t n) {
  size_t from = a->nmem, i;
  for (i = 0; i < n; i++)
    if (mem_push(a, &ms[i].key, &ms[i].val)) return (size_t)-1;
  if (dedupe(a, from)) return (size_t)-1;
  return from;
}

/* Drop the members pushed from `from` on (and their keys). */
static void mem_pop (orc_acc *a, size_t from) {
  size_t i;
  for (i = from; i < a->nmem; i++)
    if (a->mem[i].koff != (size_t)-1) {
      a->kb.len = a->mem[i].koff;
      break;
    }
  a->nmem = from;
}

static int is_name (const orc_acc *a, const Mem *m, const char *name, size_t n) {
  return m->klen == n && memcmp(mem_key(a, m), name, n) == 0;
}

/* The live member named `name` from `from` on, or NULL. */
static const Mem *member (const orc_acc *a, size_t from, const char *name, size_t n) {
  size_t i;
  for (i = from; i < a->nmem; i++)
    if (!a->mem[i].dead && is_name(a, &a->mem[i], name, n)) return &a->mem[i];
  return NULL;
}

/* ------------------------------------------------------------ folding */

static Field *put_field (orc_acc *a, Map *m, const Mem *x) {
  return map_put(m, mem_key(a, x), x->klen);
}

static int is_text_key (const orc_acc *a, const Mem *m) {
  return is_name(a, m, "text", 4) || is_name(a, m, "summary", 7) || is_name(a, m, "data", 4);
}

/* One entry of delta.reasoning_details (an object). */
static int add_detail (orc_acc *a, More *c, const orc_jv *det) {
  size_t from = read_object(a, det), i, s = 0, cur = (size_t)-1;
  const Mem *at, *ty;
  Key k;
  int rc = -1;
  if (from == (size_t)-1) return -1;
  at = member(a, from, "index", 5);
  if (at != NULL && at->val.type != ORC_JV_NUMBER) at = NULL;
  ty = member(a, from, "type", 4);
  if (ty != NULL && ty->val.type != ORC_JV_STRING) ty = NULL;
  if (at != NULL) {
    key_of(a->int_keys, &at->val, &k);
    s = key_find(&c->slot_ix, c->slot, sizeof(Slot), c->nslot, &k);
    if (s < c->nslot) {
      if (ty != NULL) {
        size_t tl = ty->val.len;
        const char *tk = ty->val.s;
        Field *f;
        orc_buf u = { NULL, 0, 0 };
        if (ty->val.esc) {
          if (orc_buf_reserve(&u, tl + 4)) goto out;
          tl = orc_jstring(&ty->val, u.p);
          tk = u.p;
        }
        f = map_find(&c->slot[s].types, tk, tl);
        if (f != NULL) cur = f->id;
        orc_buf_free(&u);
      } else {
        cur = c->slot[s].last;
      }
    }
  }
  if (cur == (size_t)-1) {                      /* a new entry */
    Detail *d;
    size_t id = c->ndet;
    if (grow((void **)&c->det, &c->cdet, c->ndet, sizeof(Detail))) goto out;
    d = &c->det[c->ndet++];
    memset(d, 0, sizeof *d);
    for (i = from; i < a->nmem; i++) {
      Field *f;
      if (a->mem[i].dead) continue;
      if ((f = put_field(a, &d->fields, &a->mem[i])) == NULL ||
          val_set(&f->v, &a->mem[i].val))
        goto out;
    }
    if (at != NULL) {
      Slot *sl;
      if (s == c->nslot) {
        if (grow((void **)&c->slot, &c->cslot, c->nslot, sizeof(Slot))) goto out;
        sl = &c->slot[c->nslot++];
        memset(sl, 0, sizeof *sl);
        sl->key = k;
        key_added(&c->slot_ix, c->slot, sizeof(Slot), c->nslot);
      }
      sl = &c->slot[s];
      if (ty != NULL) {
        Field *f;
        orc_buf u = { NULL, 0, 0 };
        size_t tl = ty->val.len;
        const char *tk = ty->val.s;
        if (ty->val.esc) {
          if (orc_buf_reserve(&u, tl + 4)) goto out;
          tl = orc_jstring(&ty->val, u.p);
          tk = u.p;
        }
        f = map_put(&sl->types, tk, tl);
        orc_buf_free(&u);
        if (f == NULL) goto out;
        f->id = id;
      }
      sl->last = id;
    }
  } else {                                      /* merged into an earlier one */
    Detail *d = &c->det[cur];
    for (i = from; i < a->nmem; i++) {
      const Mem *m = &a->mem[i];
      Field *f;
      if (m->dead) continue;
      f = map_find(&d->fields, mem_key(a, m), m->klen);
      if (m->val.type == ORC_JV_STRING && is_text_key(a, m) && f != NULL &&
          f->v.type == ORC_JV_STRING) {
        if (orc_buf_add(&f->v.b, m->val.s, m->val.len)) goto out;
      } else if (m->val.type != ORC_JV_NULL) {
        if ((f = put_field(a, &d->fields, m)) == NULL || val_set(&f->v, &m->val)) goto out;
      }
    }
  }
  rc = 0;
out:
  mem_pop(a, from);
  return rc;
}

/* One entry of delta.tool_calls (an object). */
static int add_tool (orc_acc *a, More *c, const orc_jv *tc) {
  size_t from = read_object(a, tc), i, t;
  const Mem *at;
  Key k;
  int rc = -1;
  Tool *tool;
  if (from == (size_t)-1) return -1;
  at = member(a, from, "index", 5);
  if (at != NULL && at->val.type == ORC_JV_NUMBER) key_of(a->int_keys, &at->val, &k);
  else at = NULL, key_count(a->int_keys, c->ntool, &k);
  t = key_find(&c->tool_ix, c->tool, sizeof(Tool), c->ntool, &k);
  if (t == c->ntool) {
    if (grow((void **)&c->tool, &c->ctool, c->ntool, sizeof(Tool))) goto out;
    tool = &c->tool[c->ntool];
    memset(tool, 0, sizeof *tool);
    tool->key = k;
    if (at != NULL) {
      if (val_set(&tool->index, &at->val)) goto out;
    } else {
      char num[32];
      orc_jv j;
      j.s = num;
      j.len = (size_t)snprintf(num, sizeof num, "%lu", (unsigned long)c->ntool);
      j.type = ORC_JV_NUMBER;
      j.esc = 0;
      if (val_set(&tool->index, &j)) goto out;
    }
    c->ntool++;
    key_added(&c->tool_ix, c->tool, sizeof(Tool), c->ntool);
  }
  tool = &c->tool[t];
  for (i = from; i < a->nmem; i++) {
    const Mem *m = &a->mem[i];
    Field *f;
    if (m->dead) continue;
    if (m->val.type == ORC_JV_OBJECT && is_name(a, m, "function", 8)) {
      size_t ffrom = read_object(a, &a->mem[i].val), j;
      if (ffrom == (size_t)-1) goto out;
      for (j = ffrom; j < a->nmem; j++) {
        const Mem *fm = &a->mem[j];
        if (fm->dead) continue;
        if (is_name(a, fm, "arguments", 9)) {
          if (fm->val.type == ORC_JV_STRING && orc_buf_add(&tool->args, fm->val.s, fm->val.len)) {
            mem_pop(a, ffrom);
            goto out;
          }
        } else if (fm->val.type != ORC_JV_NULL) {
          if ((f = put_field(a, &tool->fn, fm)) == NULL || val_set(&f->v, &fm->val)) {
            mem_pop(a, ffrom);
            goto out;
          }
        }
      }
      mem_pop(a, ffrom);
    } else if (!is_name(a, m, "index", 5) && m->val.type != ORC_JV_NULL) {
      if ((f = put_field(a, &tool->fields, m)) == NULL || val_set(&f->v, &m->val)) goto out;
    }
  }
  rc = 0;
out:
  mem_pop(a, from);
  return rc;
}

/* choice.logprobs (an object). */
static int add_logprobs (orc_acc *a, More *c, const orc_jv *lp) {
  size_t from = read_object(a, lp), i;
  int rc = -1;
  if (from == (size_t)-1) return -1;
  c->has_lp = 1;
  for (i = from; i < a->nmem; i++) {
    const Mem *m = &a->mem[i];
    Field *f;
    if (m->dead) continue;
    if ((f = put_field(a, &c->lp, m)) == NULL) goto out;
    if (m->val.type == ORC_JV_ARRAY || m->val.type == ORC_JV_OBJECT) {
      if (val_append_items(&f->v, &m->val)) goto out;
    } else if (val_set(&f->v, &m->val)) {
      goto out;
    }
  }
  rc = 0;
out:
  mem_pop(a, from);
  return rc;
}

static More *more_of (Choice *c) {
  if (c->more == NULL) c->more = (More *)calloc(1, sizeof(More));
  return c->more;
}

static int add_delta (orc_acc *a, const orc_chunk *ck, Choice *c, const orc_cdelta *d) {
  orc_jwalk w;
  orc_jv k, item;
  More *x;
  if (d->role.type == ORC_JV_STRING && val_set(&c->role, &d->role)) return -1;
  if (d->content.type == ORC_JV_STRING && orc_buf_add(&c->content, d->content.s, d->content.len))
    return -1;
  if (d->reasoning.type != ORC_JV_STRING && d->refusal.type != ORC_JV_STRING &&
      d->details.type != ORC_JV_ARRAY && d->tools.type != ORC_JV_ARRAY &&
      d->annotations.type < ORC_JV_ARRAY && d->images.type < ORC_JV_ARRAY && d->extra_n == 0)
    return 0;                                   /* the usual delta: done */
  if ((x = more_of(c)) == NULL) return -1;
  if (d->reasoning.type == ORC_JV_STRING) {
    x->has_reasoning = 1;
    if (orc_buf_add(&x->reasoning, d->reasoning.s, d->reasoning.len)) return -1;
  }
  if (d->refusal.type == ORC_JV_STRING) {
    x->has_refusal = 1;
    if (orc_buf_add(&x->refusal, d->refusal.s, d->refusal.len)) return -1;
  }
  if (d->details.type == ORC_JV_ARRAY) {
    orc_jwalk_open(&w, &d->details);
    while (orc_jwalk_next(&w, &k, &item))
      if (item.type == ORC_JV_OBJECT && add_detail(a, x, &item)) return -1;
  }
  if (d->tools.type == ORC_JV_ARRAY) {
    orc_jwalk_open(&w, &d->tools);
    while (orc_jwalk_next(&w, &k, &item))
      if (item.type == ORC_JV_OBJECT && add_tool(a, x, &item)) return -1;
  }
  if (d->annotations.type == ORC_JV_ARRAY || d->annotations.type == ORC_JV_OBJECT) {
    x->has_ann = 1;
    if (val_append_items(&x->ann, &d->annotations)) return -1;
  }
  if (d->images.type == ORC_JV_ARRAY || d->images.type == ORC_JV_OBJECT) {
    x->has_img = 1;
    if (val_append_items(&x->img, &d->images)) return -1;
  }
  if (d->extra_n > 0) {
    size_t from = read_members(a, ck->extra + d->extra_first, d->extra_n), i;
    int rc = 0;
    if (from == (size_t)-1) return -1;
    for (i = from; i < a->nmem && rc == 0; i++) {
      const Mem *m = &a->mem[i];
      Field *f;
      if (m->dead || m->val.type == ORC_JV_NULL) continue;
      if ((f = put_field(a, &x->extra, m)) == NULL || val_set(&f->v, &m->val)) rc = -1;
    }
    mem_pop(a, from);
    if (rc) return -1;
  }
  return 0;
}

/* The choice with key k, made when missing (index: its first index). */
static Choice *get_choice (orc_acc *a, const Key *k, const orc_jv *index) {
  size_t i = a->last;
  Choice *c;
  if (i < a->nch && key_eq(&a->ch[i].key, k)) return &a->ch[i];
  i = key_find(&a->ch_ix, a->ch, sizeof(Choice), a->nch, k);
  if (i == a->nch) {
    orc_jv zero;
    if (grow((void **)&a->ch, &a->cch, a->nch, sizeof(Choice))) return NULL;
    c = &a->ch[a->nch];
    memset(c, 0, sizeof *c);
    c->key = *k;
    if (index == NULL) {
      zero.s = "0";
      zero.len = 1;
      zero.type = ORC_JV_NUMBER;
      zero.esc = 0;
      index = &zero;
    }
    if (val_set(&c->index, index)) return NULL;
    a->nch++;
    key_added(&a->ch_ix, a->ch, sizeof(Choice), a->nch);
  }
  a->last = i;
  return &a->ch[i];
}

int orc_acc_add (orc_acc *a, const orc_chunk *ck) {
  size_t i;
  a->chunks++;
  if (ck->type != ORC_JV_OBJECT) return ORC_JSON_OK;
  for (i = 0; i < ck->ntop; i++) {              /* every field but choices, object, error */
    const orc_jmember *m = &ck->top[i];
    Field *f;
    if (!m->key.esc && i < a->top.n && a->top.f[i].klen == m->key.len &&
        memcmp(a->top.f[i].key, m->key.s, m->key.len) == 0) {
      f = &a->top.f[i];                         /* the fields come in the same order */
    } else {
      const char *k = m->key.s;
      size_t kl = m->key.len;
      if (m->key.esc) {                         /* unescaped in the scratch, for the lookup */
        if (orc_buf_reserve(&a->kb, kl + 4)) return ORC_JSON_ENOMEM;
        k = a->kb.p + a->kb.len;
        kl = orc_jstring(&m->key, a->kb.p + a->kb.len);
      }
      if ((f = map_put(&a->top, k, kl)) == NULL) return ORC_JSON_ENOMEM;
    }
    if (val_set(&f->v, &m->val)) return ORC_JSON_ENOMEM;
  }
  for (i = 0; i < ck->nch; i++) {
    const orc_cchoice *ch = &ck->ch[i];
    const orc_jv *index = ch->index.type == ORC_JV_NUMBER ? &ch->index : NULL;
    Key k;
    Choice *c;
    if (index != NULL) key_of(a->int_keys, index, &k);
    else key_count(a->int_keys, 0, &k);
    if ((c = get_choice(a, &k, index)) == NULL) return ORC_JSON_ENOMEM;
    if (ch->delta.type == ORC_JV_OBJECT && add_delta(a, ck, c, &ch->d)) return ORC_JSON_ENOMEM;
    if (ch->finish.type > ORC_JV_NULL) {
      a->finished = 1;
      if (val_set(&c->finish, &ch->finish)) return ORC_JSON_ENOMEM;
    }
    if (ch->native.type > ORC_JV_NULL && val_set(&c->native, &ch->native)) return ORC_JSON_ENOMEM;
    if (ch->logprobs.type == ORC_JV_OBJECT) {
      More *x = more_of(c);
      if (x == NULL || add_logprobs(a, x, &ch->logprobs)) return ORC_JSON_ENOMEM;
    }
  }
  return ORC_JSON_OK;
}

/* ------------------------------------------------------------ the response */

typedef struct Out {
  orc_jbuf *b;
  int err;
} Out;

static void put (Out *o, const char *s, size_t n) {
  if (o->err || n == 0) return;
  if (orc_jbuf_reserve(o->b, n) != ORC_JSON_OK) {
    o->err = 1;
    return;
  }
  memcpy(o->b->data + o->b->len, s, n);
  o->b->len += n;
}

#define PUTS(o, lit) put((o), (lit), sizeof(lit) - 1)

static void put_key (Out *o, const char *k, size_t n) {
  size_t bad;
  if (!o->err && orc_json_put_string(o->b, k, n, &bad) != ORC_JSON_OK) o->err = 1;
  PUTS(o, ":");
}

static void put_string (Out *o, const char *body, size_t n) {
  PUTS(o, "\"");
  put(o, body, n);
  PUTS(o, "\"");
}

static void put_val (Out *o, const Val *v) {
  if (v->type == ORC_JV_STRING) put_string(o, v->b.p, v->b.len);
  else if (v->type == T_LIST) {
    PUTS(o, "[");
    put(o, v->b.p, v->b.len);
    PUTS(o, "]");
  } else put(o, v->b.p, v->b.len);
}

/* The fields of m, each followed by a comma when `more` (else between). */
static void put_fields (Out *o, const Map *m, int more) {
  size_t i;
  int first = 1;
  for (i = 0; i < m->n; i++) {
    const Field *f = &m->f[i];
    if (f->v.type == ORC_JV_NONE) continue;
    if (!first && !more) PUTS(o, ",");
    put_key(o, f->key, f->klen);
    put_val(o, &f->v);
    if (more) PUTS(o, ",");
    first = 0;
  }
}

static void put_choice (Out *o, const Choice *ch) {
  static const More none;
  const More *c = ch->more != NULL ? ch->more : &none;
  size_t i;
  PUTS(o, "{\"index\":");
  put_val(o, &ch->index);
  PUTS(o, ",\"message\":{");
  put_fields(o, &c->extra, 1);
  PUTS(o, "\"role\":");
  if (ch->role.type == ORC_JV_STRING) put_val(o, &ch->role);
  else PUTS(o, "\"assistant\"");
  PUTS(o, ",\"content\":");
  if (ch->content.len > 0) put_string(o, ch->content.p, ch->content.len);
  else PUTS(o, "null");
  if (c->has_reasoning) {
    PUTS(o, ",\"reasoning\":");
    put_string(o, c->reasoning.p, c->reasoning.len);
  }
  if (c->has_refusal) {
    PUTS(o, ",\"refusal\":");
    put_string(o, c->refusal.p, c->refusal.len);
  }
  if (c->ndet > 0) {
    PUTS(o, ",\"reasoning_details\":[");
    for (i = 0; i < c->ndet; i++) {
      if (i > 0) PUTS(o, ",");
      PUTS(o, "{");
      put_fields(o, &c->det[i].fields, 0);
      PUTS(o, "}");
    }
    PUTS(o, "]");
  }
  if (c->ntool > 0) {
    PUTS(o, ",\"tool_calls\":[");
    for (i = 0; i < c->ntool; i++) {
      const Tool *t = &c->tool[i];
      if (i > 0) PUTS(o, ",");
      /* the fields first: a "function" that was no object is replaced */
      PUTS(o, "{");
      put_fields(o, &t->fields, 1);
      PUTS(o, "\"index\":");
      put_val(o, &t->index);
      PUTS(o, ",\"function\":{");
      put_fields(o, &t->fn, 1);
      PUTS(o, "\"arguments\":");
      put_string(o, t->args.p, t->args.len);
      PUTS(o, "}}");
    }
    PUTS(o, "]");
  }
  if (c->has_ann) {
    PUTS(o, ",\"annotations\":");
    put_val(o, &c->ann);
  }
  if (c->has_img) {
    PUTS(o, ",\"images\":");
    put_val(o, &c->img);
  }
  PUTS(o, "}");
  if (ch->finish.type != ORC_JV_NONE) {
    PUTS(o, ",\"finish_reason\":");
    put_val(o, &ch->finish);
  }
  if (ch->native.type != ORC_JV_NONE) {
    PUTS(o, ",\"native_finish_reason\":");
    put_val(o, &ch->native);
  }
  if (c->has_lp) {
    PUTS(o, ",\"logprobs\":{");
    put_fields(o, &c->lp, 0);
    PUTS(o, "}");
  }
  PUTS(o, "}");
}

static int choice_cmp (const void *x, const void *y) {
  const Choice *a = *(const Choice *const *)x, *b = *(const Choice *const *)y;
  if (key_lt(&a->key, &b->key)) return -1;
  return key_lt(&b->key, &a->key);
}

int orc_acc_build (orc_acc *a, orc_jbuf *b) {
  Out o;
  const Choice **order = NULL;
  size_t i;
  o.b = b;
  o.err = 0;
  if (a->nch > 0) {
    order = (const Choice **)malloc(a->nch * sizeof(Choice *));
    if (order == NULL) return ORC_JSON_ENOMEM;
    for (i = 0; i < a->nch; i++) order[i] = &a->ch[i];
    qsort(order, a->nch, sizeof(Choice *), choice_cmp);
  }
  PUTS(&o, "{");
  put_fields(&o, &a->top, 1);
  PUTS(&o, "\"object\":\"chat.completion\",\"choices\":[");
  for (i = 0; i < a->nch; i++) {
    if (i > 0) PUTS(&o, ",");
    put_choice(&o, order[i]);
  }
  PUTS(&o, "]}");
  free(order);
  return o.err ? ORC_JSON_ENOMEM : ORC_JSON_OK;
}
