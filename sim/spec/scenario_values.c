/*
 * scenario_values.c - the loader's shared helpers (scenario_internal.h):
 * read-only queries of the YAML tree, the small hash maps, messages with
 * "expected one of" and "did you mean", scalar conversions (integers,
 * numbers, durations, sizes, bandwidths, enums, names) and name lookups.
 * Each reports at the value it rejects and keeps no state of its own.
 */
#include "spec/scenario_internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/units.h"

/* At most this many names are listed after "expected one of:". */
#define MAX_LISTED 10

/* ------------------------------------------------------------------ tree */

/* YAML's null: an empty or "~"/"null" plain scalar ("count:" with no value). */
bool scn_is_null(const struct scn_node *n)
{
    if (n->kind != NODE_SCALAR || n->style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const char *t = n->text;
    return !*t || !strcmp(t, "~") || !strcmp(t, "null") || !strcmp(t, "Null") ||
           !strcmp(t, "NULL");
}

struct pair *scn_find_pair(const struct scn_node *map, const char *key)
{
    if (map->index) {
        uint32_t i = scn_strmap_get(map->index, key);
        return i == SCENARIO_NONE ? NULL : &map->pairs[i];
    }
    for (size_t i = 0; i < map->n_pairs; i++) {
        const struct scn_node *k = map->pairs[i].key;
        if (k->kind == NODE_SCALAR && !strcmp(k->text, key))
            return &map->pairs[i];
    }
    return NULL;
}

/* Indexes pair i of map unless an earlier pair has its key (the lookups
 * find the first, as the linear scan does). */
static void index_pair(struct scn_node *map, size_t i)
{
    const struct scn_node *k = map->pairs[i].key;
    if (k->kind == NODE_SCALAR && scn_strmap_get(map->index, k->text) == SCENARIO_NONE)
        scn_strmap_put(map->index, k->text, (uint32_t)i);
}

struct pair *scn_map_add(struct scn_node *map, struct scn_node *key, struct scn_node *value)
{
    struct pair *p = VEC_PUSH(map->pairs, map->n_pairs, map->cap_pairs);
    p->key = key;
    p->value = value;
    if (map->index) {
        index_pair(map, map->n_pairs - 1);
    } else if (map->n_pairs >= SCN_MAP_INDEX_MIN) {
        map->index = xcalloc(1, sizeof(*map->index));
        for (size_t i = 0; i < map->n_pairs; i++)
            index_pair(map, i);
    }
    return &map->pairs[map->n_pairs - 1];
}

/* The value of 'key' in a mapping, or NULL when absent. */
const struct scn_node *scn_get(const struct scn_node *map, const char *key)
{
    const struct pair *p = map->kind == NODE_MAP ? scn_find_pair(map, key) : NULL;
    return p ? p->value : NULL;
}

const char *scn_kind_noun(const struct scn_node *n)
{
    switch (n->kind) {
    case NODE_MAP:
        return "a mapping";
    case NODE_SEQ:
        return "a list";
    case NODE_SCALAR:
        return scn_is_null(n) ? "an empty value" : "a single value";
    case NODE_BAD:
        return "an invalid value";
    }
    return "?";
}

/* ------------------------------------------------------- small hash maps */

static uint64_t hash_bytes(const void *p, size_t len)
{
    const unsigned char *s = p;
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ s[i]) * 1099511628211u;
    return h;
}

uint32_t scn_strmap_get(const struct strmap *m, const char *key)
{
    if (!m->cap)
        return SCENARIO_NONE;
    size_t mask = m->cap - 1;
    for (size_t i = hash_bytes(key, strlen(key)) & mask; m->keys[i]; i = (i + 1) & mask)
        if (!strcmp(m->keys[i], key))
            return m->vals[i];
    return SCENARIO_NONE;
}

void scn_strmap_put(struct strmap *m, const char *key, uint32_t val)
{
    if (2 * (m->n + 1) > m->cap) {
        struct strmap old = *m;
        m->cap = old.cap ? 2 * old.cap : 16;
        m->keys = xcalloc(m->cap, sizeof(*m->keys));
        m->vals = xcalloc(m->cap, sizeof(*m->vals));
        m->n = 0;
        for (size_t i = 0; i < old.cap; i++)
            if (old.keys[i])
                scn_strmap_put(m, old.keys[i], old.vals[i]);
        free(old.keys);
        free(old.vals);
    }
    size_t mask = m->cap - 1;
    size_t i = hash_bytes(key, strlen(key)) & mask;
    while (m->keys[i] && strcmp(m->keys[i], key))
        i = (i + 1) & mask;
    if (!m->keys[i])
        m->n++;
    m->keys[i] = key;
    m->vals[i] = val;
}

void scn_strmap_release(struct strmap *m)
{
    free(m->keys);
    free(m->vals);
    *m = (struct strmap){0};
}

uint32_t scn_chainmap_get(const struct chainmap *m, uint64_t key)
{
    if (!m->cap)
        return SCENARIO_NONE;
    size_t mask = m->cap - 1;
    for (size_t i = hash_bytes(&key, sizeof(key)) & mask; m->vals[i] != SCENARIO_NONE;
         i = (i + 1) & mask)
        if (m->keys[i] == key)
            return m->vals[i];
    return SCENARIO_NONE;
}

void scn_chainmap_put(struct chainmap *m, uint64_t key, uint32_t val)
{
    if (2 * (m->n + 1) > m->cap) {
        struct chainmap old = *m;
        m->cap = old.cap ? 2 * old.cap : 64;
        m->keys = xcalloc(m->cap, sizeof(*m->keys));
        m->vals = xmalloc(m->cap * sizeof(*m->vals));
        memset(m->vals, 0xff, m->cap * sizeof(*m->vals));
        m->n = 0;
        for (size_t i = 0; i < old.cap; i++)
            if (old.vals[i] != SCENARIO_NONE)
                scn_chainmap_put(m, old.keys[i], old.vals[i]);
        free(old.keys);
        free(old.vals);
    }
    size_t mask = m->cap - 1;
    size_t i = hash_bytes(&key, sizeof(key)) & mask;
    while (m->vals[i] != SCENARIO_NONE && m->keys[i] != key)
        i = (i + 1) & mask;
    if (m->vals[i] == SCENARIO_NONE)
        m->n++;
    m->keys[i] = key;
    m->vals[i] = val;
}

void scn_chainmap_release(struct chainmap *m)
{
    free(m->keys);
    free(m->vals);
    *m = (struct chainmap){0};
}

/* ------------------------------------------------------ message helpers */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Appends up to MAX_LISTED of 'names' (NULLs skipped), sorted and without
 * duplicates, joined by ", ". */
static void add_names(struct strbuf *sb, const char *const *names, size_t n)
{
    const char **v = xmalloc((n ? n : 1) * sizeof(*v));
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (names[i])
            v[m++] = names[i];
    qsort(v, m, sizeof(*v), cmp_str);
    size_t shown = 0, distinct = 0;
    for (size_t i = 0; i < m; i++) {
        if (i > 0 && !strcmp(v[i], v[i - 1]))
            continue;
        distinct++;
        if (shown < MAX_LISTED) {
            strbuf_addf(sb, "%s%s", shown ? ", " : "", v[i]);
            shown++;
        }
    }
    if (distinct > shown)
        strbuf_addf(sb, " and %zu more", distinct - shown);
    free(v);
}

/* The name closest to 'word' within edit distance 2, or NULL. Ties go to
 * the alphabetically first name, so the suggestion never depends on order. */
static const char *closest(const char *word, const char *const *names, size_t n)
{
    const char *best = NULL;
    size_t best_d = 3, len = strlen(word);
    for (size_t i = 0; i < n; i++) {
        if (!names[i])
            continue;
        size_t dist = base_edit_distance(word, names[i], 2);
        if (dist >= len || dist > 2)
            continue;
        if (dist < best_d || (dist == best_d && strcmp(names[i], best) < 0)) {
            best = names[i];
            best_d = dist;
        }
    }
    return best;
}

/* "; expected one of: a, b, c; did you mean 'x'?" */
void scn_add_expected(struct strbuf *sb, const char *word, const char *const *names, size_t n)
{
    size_t listed = 0;
    for (size_t i = 0; i < n; i++)
        listed += names[i] != NULL;
    if (!listed) {
        strbuf_addf(sb, "; there are none");
        return;
    }
    strbuf_addf(sb, "; expected one of: ");
    add_names(sb, names, n);
    const char *best = word ? closest(word, names, n) : NULL;
    if (best)
        strbuf_addf(sb, "; did you mean '%s'?", best);
}

int scn_error_sb(struct ctx *c, struct diag_loc at, struct strbuf *sb)
{
    diag_error(c->d, at, "%s", sb->buf);
    strbuf_release(sb);
    return -1;
}

/* "in registries[0]" or "at the top level". */
const char *scn_where_prep(const char *where)
{
    return *where ? "in " : "at the top level";
}

/* Reports keys of 'map' that are not in 'allowed' (with a suggestion when
 * one is close, else the list of keys accepted). Returns -1 if any. */
int scn_check_keys(struct ctx *c, const struct scn_node *map, const char *const *allowed,
                   size_t n_allowed, const char *where)
{
    int rc = 0;
    for (size_t i = 0; i < map->n_pairs; i++) {
        const struct scn_node *k = map->pairs[i].key;
        if (k->kind != NODE_SCALAR)
            continue;
        bool known = false;
        for (size_t j = 0; j < n_allowed && !known; j++)
            known = !strcmp(k->text, allowed[j]);
        if (known)
            continue;
        struct strbuf sb;
        strbuf_init(&sb);
        strbuf_addf(&sb, "unknown key '%s' %s%s", k->text, scn_where_prep(where), where);
        const char *best = closest(k->text, allowed, n_allowed);
        if (best) {
            strbuf_addf(&sb, "; did you mean '%s'?", best);
        } else {
            strbuf_addf(&sb, "; expected one of: ");
            add_names(&sb, allowed, n_allowed);
        }
        rc = scn_error_sb(c, k->loc, &sb);
    }
    return rc;
}

/* Reports a missing key, unless an unknown key close to it was already
 * reported with "did you mean" (one typo, one error). */
int scn_missing(struct ctx *c, const struct scn_node *map, const char *key, const char *where)
{
    for (size_t i = 0; i < map->n_pairs; i++) {
        const struct scn_node *k = map->pairs[i].key;
        size_t dist = k->kind == NODE_SCALAR ? base_edit_distance(k->text, key, 2) : 3;
        if (dist > 0 && dist <= 2 && dist < strlen(k->text))
            return -1;
    }
    return diag_error(c->d, map->loc, "missing required key '%s' %s%s", key, scn_where_prep(where),
                      where);
}

/* --------------------------------------------------- scalar conversions */
/* Each returns 0 and stores the value, or -1 after reporting (silently for
 * a NODE_BAD, already reported) and leaves *out untouched. 'key' names the
 * value in messages. */

int scn_want_scalar(struct ctx *c, const struct scn_node *v, const char *key, const char *what)
{
    if (v->kind == NODE_BAD)
        return -1;
    if (v->kind != NODE_SCALAR || scn_is_null(v))
        return diag_error(c->d, v->loc, "%s: expected %s, got %s", key, what, scn_kind_noun(v));
    return 0;
}

int scn_want_map(struct ctx *c, const struct scn_node *v, const char *key)
{
    if (v->kind == NODE_BAD)
        return -1;
    if (v->kind != NODE_MAP)
        return diag_error(c->d, v->loc, "%s: expected a mapping, got %s", key, scn_kind_noun(v));
    return 0;
}

int scn_to_string(struct ctx *c, const struct scn_node *v, const char *key, char **out)
{
    if (scn_want_scalar(c, v, key, "a string") != 0)
        return -1;
    *out = xstrdup(v->text);
    return 0;
}

/* Parses an optionally signed decimal integer. Returns 0, 1 on overflow of
 * int64, -1 if the text is not an integer. */
static int parse_int(const char *t, int64_t *out)
{
    bool neg = *t == '-';
    if (*t == '-' || *t == '+')
        t++;
    if (!*t)
        return -1;
    uint64_t v = 0;
    bool overflow = false;
    for (; *t; t++) {
        if (*t < '0' || *t > '9')
            return -1;
        uint64_t dgt = (uint64_t)(*t - '0');
        if (v > (UINT64_MAX - dgt) / 10)
            overflow = true;
        else
            v = v * 10 + dgt;
    }
    if (overflow || v > (uint64_t)INT64_MAX + neg)
        return 1;
    *out = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
    return 0;
}

/* An integer in [min, max]. 'limit' names an implementation limit ("nodes
 * per pool"): a value over max is then reported as exceeding that limit. */
int scn_to_int(struct ctx *c, const struct scn_node *v, const char *key, int64_t min, int64_t max,
               const char *limit, int64_t *out)
{
    if (scn_want_scalar(c, v, key, "an integer") != 0)
        return -1;
    int64_t x = 0;
    int rc = parse_int(v->text, &x);
    if (rc < 0)
        return diag_error(c->d, v->loc,
                          "%s: '%s' is not an integer; expected an integer from %" PRId64
                          " to %" PRId64,
                          key, v->text, min, max);
    bool above = rc > 0 ? v->text[0] != '-' : x > max;
    if (limit && above)
        return diag_error(c->d, v->loc, "%s: %s exceeds the limit of %" PRId64 " %s", key,
                          v->text, max, limit);
    if (rc > 0 || x < min || x > max)
        return diag_error(c->d, v->loc,
                          "%s: %s is out of range; expected an integer from %" PRId64
                          " to %" PRId64,
                          key, v->text, min, max);
    *out = x;
    return 0;
}

int scn_to_u32(struct ctx *c, const struct scn_node *v, const char *key, uint32_t min,
               uint32_t max, const char *limit, uint32_t *out)
{
    int64_t x;
    if (scn_to_int(c, v, key, min, max, limit, &x) != 0)
        return -1;
    *out = (uint32_t)x;
    return 0;
}

int scn_to_u64(struct ctx *c, const struct scn_node *v, const char *key, uint64_t *out)
{
    if (scn_want_scalar(c, v, key, "an integer") != 0)
        return -1;
    const char *t = v->text;
    uint64_t x = 0;
    bool ok = *t != '\0';
    for (; ok && *t; t++) {
        uint64_t dgt = (uint64_t)(*t - '0');
        ok = *t >= '0' && *t <= '9' && x <= (UINT64_MAX - dgt) / 10;
        x = x * 10 + dgt;
    }
    if (!ok)
        return diag_error(c->d, v->loc,
                          "%s: '%s' is not an integer from 0 to 18446744073709551615", key,
                          v->text);
    *out = x;
    return 0;
}

int scn_to_bool(struct ctx *c, const struct scn_node *v, const char *key, bool *out)
{
    if (scn_want_scalar(c, v, key, "true or false") != 0)
        return -1;
    if (strcmp(v->text, "true") && strcmp(v->text, "false"))
        return diag_error(c->d, v->loc, "%s: '%s' is not a boolean; expected true or false", key,
                          v->text);
    *out = v->text[0] == 't';
    return 0;
}

/* A plain decimal number: [+-]digits[.digits][e[+-]digits], read without
 * the locale. */
int scn_parse_number(const char *t, double *out)
{
    double sign = 1, v = 0, scale = 1;
    bool any = false;
    if (*t == '-' || *t == '+')
        sign = *t++ == '-' ? -1 : 1;
    for (; *t >= '0' && *t <= '9'; t++, any = true)
        v = v * 10 + (*t - '0');
    if (*t == '.')
        for (t++; *t >= '0' && *t <= '9'; t++, any = true)
            v += (*t - '0') * (scale /= 10);
    if (!any)
        return -1;
    if (*t == 'e' || *t == 'E') {
        int64_t e;
        if (parse_int(t + 1, &e) != 0 || e > 400 || e < -400)
            return -1;
        v *= pow(10.0, (double)e);
        t += strlen(t);
    }
    if (*t || !isfinite(v))
        return -1;
    *out = sign * v;
    return 0;
}

int scn_to_number(struct ctx *c, const struct scn_node *v, const char *key, double *out)
{
    if (scn_want_scalar(c, v, key, "a number") != 0)
        return -1;
    if (scn_parse_number(v->text, out) != 0)
        return diag_error(c->d, v->loc, "%s: '%s' is not a number; expected e.g. 0.5 or 10",
                          key, v->text);
    return 0;
}

/* A message buffer for units.h: the text is quoted in it, so size it to fit. */
#define MSGBUF(msg, text)                                                                  \
    size_t msglen = strlen(text) + 256;                                                    \
    char *msg = xmalloc(msglen)

/* Reports a units.h message and frees it. */
static int unit_error(struct ctx *c, const struct scn_node *v, const char *key, char *msg)
{
    diag_error(c->d, v->loc, "%s: %s", key, msg);
    free(msg);
    return -1;
}

/* A duration in seconds; 'positive' rejects 0. */
int scn_to_duration(struct ctx *c, const struct scn_node *v, const char *key, bool positive,
                    double *out)
{
    double x;
    if (scn_want_scalar(c, v, key, "a duration such as 30s") != 0)
        return -1;
    MSGBUF(msg, v->text);
    if (units_parse_duration(v->text, &x, msg, msglen) != 0)
        return unit_error(c, v, key, msg);
    free(msg);
    if (positive && x <= 0)
        return diag_error(c->d, v->loc, "%s: '%s' is zero; expected a duration greater than 0",
                          key, v->text);
    *out = x;
    return 0;
}

int scn_to_size(struct ctx *c, const struct scn_node *v, const char *key, bool positive,
                uint64_t *out)
{
    uint64_t x;
    if (scn_want_scalar(c, v, key, "a size such as 30MB") != 0)
        return -1;
    MSGBUF(msg, v->text);
    if (units_parse_size(v->text, &x, msg, msglen) != 0)
        return unit_error(c, v, key, msg);
    free(msg);
    if (positive && x == 0)
        return diag_error(c->d, v->loc, "%s: '%s' is zero; expected a size greater than 0", key,
                          v->text);
    *out = x;
    return 0;
}

/* A bandwidth in bytes/s, always > 0 (a zero-bandwidth link never finishes). */
int scn_to_bandwidth(struct ctx *c, const struct scn_node *v, const char *key, double *out)
{
    double x;
    if (scn_want_scalar(c, v, key, "a bandwidth such as 1Gbps") != 0)
        return -1;
    MSGBUF(msg, v->text);
    if (units_parse_bandwidth(v->text, &x, msg, msglen) != 0)
        return unit_error(c, v, key, msg);
    free(msg);
    if (x <= 0)
        return diag_error(c->d, v->loc,
                          "%s: '%s' is zero; expected a bandwidth greater than 0", key, v->text);
    *out = x;
    return 0;
}

/* One of 'names' (case-sensitive, as Kubernetes enums are); *out = index. */
int scn_to_enum(struct ctx *c, const struct scn_node *v, const char *key, const char *noun,
                const char *const *names, size_t n, int *out)
{
    struct strbuf sb;
    if (scn_want_scalar(c, v, key, noun) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(v->text, names[i])) {
            *out = (int)i;
            return 0;
        }
    }
    strbuf_init(&sb);
    strbuf_addf(&sb, "%s: '%s' is not %s", key, v->text, noun);
    scn_add_expected(&sb, v->text, names, n);
    return scn_error_sb(c, v->loc, &sb);
}

/* Names that become folder or file names: [A-Za-z0-9._-]+, not "." or "..". */
bool scn_is_folder_name(const char *s)
{
    if (!*s || !strcmp(s, ".") || !strcmp(s, ".."))
        return false;
    for (; *s; s++) {
        char ch = *s;
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '.' || ch == '_' || ch == '-'))
            return false;
    }
    return true;
}

int scn_to_folder_name(struct ctx *c, const struct scn_node *v, const char *key, char **out)
{
    if (scn_want_scalar(c, v, key, "a name") != 0)
        return -1;
    if (!scn_is_folder_name(v->text))
        return diag_error(c->d, v->loc,
                          "%s: '%s' cannot name a folder; expected letters, digits, '.', '_' "
                          "or '-'",
                          key, v->text);
    *out = xstrdup(v->text);
    return 0;
}

/* The list under 'key', or NULL (absent, empty value, or reported). A
 * required list must exist and hold at least one entry. */
const struct scn_node *scn_get_list(struct ctx *c, const struct scn_node *map, const char *key,
                                const char *where, bool required, const char *entry_noun)
{
    const struct scn_node *v = scn_get(map, key);
    if (!v || scn_is_null(v)) {
        if (required)
            scn_missing(c, map, key, where);
        return NULL;
    }
    if (v->kind == NODE_BAD)
        return NULL;
    if (v->kind != NODE_SEQ) {
        diag_error(c->d, v->loc, "%s: expected a list, got %s", key, scn_kind_noun(v));
        return NULL;
    }
    if (required && v->n_items == 0) {
        diag_error(c->d, v->loc, "%s: the list is empty; expected at least one %s", key,
                   entry_noun);
        return NULL;
    }
    return v;
}

/* ------------------------------------------------------ names and lookups */

/* Looks up a name written at v in a name map; reports a dangling one with the
 * names available. Returns the index or SCENARIO_NONE. */
uint32_t scn_resolve_name(struct ctx *c, const struct scn_node *v, const char *key,
                          const struct strmap *map, const char *section,
                          const char *const *names, size_t n)
{
    if (scn_want_scalar(c, v, key, "a name") != 0)
        return SCENARIO_NONE;
    uint32_t idx = scn_strmap_get(map, v->text);
    if (idx != SCENARIO_NONE)
        return idx;
    struct strbuf sb;
    strbuf_init(&sb);
    strbuf_addf(&sb, "%s: no %s entry named '%s'", key, section, v->text);
    if (n == 0)
        strbuf_addf(&sb, "; %s is empty", section);
    else if (diag_is_shown(c->d, v->loc)) /* unseen text need not cost O(n log n) */
        scn_add_expected(&sb, v->text, names, n);
    scn_error_sb(c, v->loc, &sb);
    return SCENARIO_NONE;
}

/* [a-z0-9]([-a-z0-9]*[a-z0-9])? over s[0..len). */
static bool is_dns_label_text(const char *s, size_t len)
{
    if (len == 0 || s[0] == '-' || s[len - 1] == '-')
        return false;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return false;
    return true;
}

/* An RFC 1123 label of at most 63 characters (apimachinery IsDNS1123Label). */
bool scn_is_dns_label(const char *s)
{
    return strlen(s) <= 63 && is_dns_label_text(s, strlen(s));
}

/* An RFC 1123 subdomain: such labels (of any length) joined by '.', at most
 * 253 characters in all (apimachinery IsDNS1123Subdomain). */
bool scn_is_dns_subdomain(const char *s)
{
    if (strlen(s) > 253)
        return false;
    for (const char *p = s;;) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (!is_dns_label_text(p, n))
            return false;
        if (!dot)
            return true;
        p = dot + 1;
    }
}

char *scn_subdomain_name(struct ctx *c, const struct scn_node *m, const char *where,
                         const char *kind, const char *noun, const char *example,
                         struct strmap *names, uint32_t idx, scn_loc_fn *loc_of)
{
    const struct scn_node *v = scn_get(m, "name");
    char *name = NULL;
    if (!v) {
        scn_missing(c, m, "name", where);
        return NULL;
    }
    if (scn_to_string(c, v, "name", &name) != 0)
        return NULL;
    if (!scn_is_dns_subdomain(name)) {
        diag_error(c->d, v->loc, "name: '%s' is not a valid %s name: a lowercase RFC 1123 "
                   "subdomain must consist of lower case alphanumeric characters, '-' or '.', "
                   "and must start and end with an alphanumeric character; expected e.g. %s",
                   name, kind, example);
        free(name);
        return NULL;
    }
    uint32_t prev = scn_strmap_get(names, name);
    if (prev != SCENARIO_NONE) {
        diag_error(c->d, v->loc, "name: duplicate %s '%s'; names are unique", noun, name);
        diag_note(c->d, loc_of(c->s, prev), "'%s' first defined here", name);
        return name;
    }
    scn_strmap_put(names, name, idx);
    return name;
}
