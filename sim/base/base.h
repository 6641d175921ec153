/*
 * base.h - lowest layer: checked allocation, growable arrays, string buffer.
 *
 * Everything above uses these instead of raw malloc so that an allocation
 * failure is one clear message and exit 1 (an environment failure, STYLE §5),
 * never a NULL dereference later.
 * Invariants:
 *  - xmalloc/xcalloc/xrealloc never return NULL (size 0 returns a valid
 *    pointer to free).
 *  - a struct strbuf always holds a NUL-terminated string in 'buf' once
 *    initialised; 'len' excludes the NUL.
 * Ownership: the caller owns every pointer returned here.
 */
#ifndef PULLSIM_BASE_H
#define PULLSIM_BASE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a new heap string; caller frees. */
/* Reads the whole file 'path' into a NUL-terminated heap string (caller
 * frees); its length in *len when len is not NULL. 0; -1 when it cannot be
 * opened, -2 when reading fails (errno says why; *out untouched, no
 * message). */
int base_read_file(const char *path, char **out, size_t *len);

/* A decimal unsigned integer filling the whole of s (no sign, no spaces,
 * no overflow): 0 and *out set, or -1 and *out untouched. */
int base_parse_u64(const char *s, uint64_t *out);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Growable array: declare 'T *items; size_t n, cap;' and call
 * VEC_PUSH(items, n, cap) to get a pointer to a new zeroed slot at the end.
 * Capacity doubles, so pushes are amortised O(1). Pointers into the array
 * are invalidated by a push: keep ids, not pointers [STYLE §6].
 */
#define VEC_RESERVE(items, n, cap, want)                                                  \
    ((want) > (cap) ? (void)((items) = base_vec_grow((items), &(cap), (want), sizeof(*(items)))) \
                    : (void)0)

#define VEC_PUSH(items, n, cap)                                                           \
    (VEC_RESERVE(items, n, cap, (n) + 1), memset(&(items)[(n)], 0, sizeof(*(items))),     \
     &(items)[(n)++])

/* Grows an array to hold at least 'want' elements of 'elem' bytes (doubling);
 * updates *cap and returns the new pointer. Used by VEC_RESERVE. */
void *base_vec_grow(void *items, size_t *cap, size_t want, size_t elem);

/*
 * Chunked array: elements live in fixed blocks of BASE_CHUNK elements, so
 * their addresses never move as it grows (an engine event may hold one).
 * base_chunks_at() allocates (zeroed) blocks on demand.
 */
#define BASE_CHUNK_BITS 12
#define BASE_CHUNK (1u << BASE_CHUNK_BITS)

struct base_chunks {
    size_t elem;   /* element size, bytes */
    void **blocks;
    size_t n_blocks, cap_blocks;
};

void base_chunks_init(struct base_chunks *c, size_t elem);
void base_chunks_release(struct base_chunks *c);
void *base_chunks_at(struct base_chunks *c, size_t i);
/* Element i, which must exist already (i below every index base_chunks_at
 * has been given). */
const void *base_chunks_get(const struct base_chunks *c, size_t i);

struct strbuf {
    char *buf;  /* NUL-terminated */
    size_t len; /* bytes before the NUL */
    size_t cap; /* allocated bytes */
};

void strbuf_init(struct strbuf *sb);
void strbuf_release(struct strbuf *sb);
void strbuf_addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *sb, const char *fmt, va_list ap);
void strbuf_add(struct strbuf *sb, const char *data, size_t len);
void strbuf_addc(struct strbuf *sb, char c);
void strbuf_reset(struct strbuf *sb);
/* Appends s (NULL: "") as a JSON string literal: quotes and backslashes
 * escaped, control characters as \u00XX; other bytes as they are. */
void strbuf_add_json_string(struct strbuf *sb, const char *s);
/* Appends x as a JSON number with 6 decimals, or null for NAN and infinities
 * (a value not reached). */
void strbuf_add_json_number(struct strbuf *sb, double x);
/* Hands the buffer to the caller (who frees it) and re-initialises sb. */
char *strbuf_detach(struct strbuf *sb);

/* Levenshtein distance between a and b, capped at cap+1 (cheap "did you mean"). */
size_t base_edit_distance(const char *a, const char *b, size_t cap);

#endif
