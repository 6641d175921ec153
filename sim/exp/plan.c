/* plan.c - see plan.h. */
#include "exp/plan.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"
#include "base/rng.h"

void exp_plan_init(struct exp_plan *p)
{
    *p = (struct exp_plan){0};
}

static void free_strings(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

void exp_plan_release(struct exp_plan *p)
{
    for (size_t i = 0; i < p->n_axes; i++) {
        free(p->axes[i].path);
        free_strings(p->axes[i].values, p->axes[i].n_values);
    }
    free(p->axes);
    free(p->seeds);
    free_strings(p->configs, p->n_configs);
    exp_plan_init(p);
}

/* A finite number filling all of text[0..len). */
static int parse_number(const char *text, size_t len, double *out)
{
    char *s = xstrndup(text, len), *end;
    errno = 0;
    double v = strtod(s, &end);
    int ok = len > 0 && *end == '\0' && errno == 0 && isfinite(v);
    free(s);
    if (ok)
        *out = v;
    return ok ? 0 : -1;
}

/* "%.15g" of a range value: integers print as integers. Caller frees. */
static char *format_number(double v)
{
    return xasprintf("%.15g", v == 0 ? 0.0 : v);
}

/* A range "A..B", "A..B+S" or "A..B*F"; returns 1 if text is no range,
 * 0 when parsed, -1 with msg. */
static int parse_range(const char *text, char ***out, size_t *n_out, char *msg, size_t msglen)
{
    const char *dots = strstr(text, "..");
    if (!dots)
        return 1;
    const char *op = strpbrk(dots + 2, "+*");
    double a, b, step = 1;
    const char *bend = op ? op : dots + 2 + strlen(dots + 2);
    if (parse_number(text, (size_t)(dots - text), &a) != 0 ||
        parse_number(dots + 2, (size_t)(bend - dots - 2), &b) != 0 ||
        (op && parse_number(op + 1, strlen(op + 1), &step) != 0)) {
        snprintf(msg, msglen, "'%s' is not a range; expected A..B, A..B+STEP or A..B*FACTOR "
                 "with numbers (e.g. 250..2000*2)", text);
        return -1;
    }
    bool mul = op && *op == '*';
    if (b < a || (mul ? step <= 1 || a <= 0 : step <= 0)) {
        snprintf(msg, msglen, "range '%s' is empty or endless; expected A <= B and a step > 0 "
                 "(a factor > 1 from A > 0)", text);
        return -1;
    }
    char **v = NULL;
    size_t n = 0, cap = 0;
    /* Tolerance so 0.1-steps reach B despite rounding. */
    for (double x = a; x <= b * (1 + 1e-12) + 1e-12; x = mul ? x * step : a + (double)n * step) {
        if (n == EXP_MAX_VALUES) {
            free_strings(v, n);
            snprintf(msg, msglen, "range '%s' has more than the limit of %u values", text,
                     EXP_MAX_VALUES);
            return -1;
        }
        *(char **)VEC_PUSH(v, n, cap) = format_number(x);
    }
    *out = v;
    *n_out = n;
    return 0;
}

int exp_parse_values(const char *text, char ***out, size_t *n_out, char *msg, size_t msglen)
{
    int r = parse_range(text, out, n_out, msg, msglen);
    if (r <= 0)
        return r;
    char **v = NULL;
    size_t n = 0, cap = 0;
    for (const char *s = text;; s++) {
        const char *end = strchr(s, ',');
        size_t len = end ? (size_t)(end - s) : strlen(s);
        if (len == 0 || n == EXP_MAX_VALUES) {
            free_strings(v, n);
            if (len == 0)
                snprintf(msg, msglen, "'%s' has an empty value; expected v1,v2,... or a range "
                         "A..B, A..B+STEP, A..B*FACTOR", text);
            else
                snprintf(msg, msglen, "'%s' has more than the limit of %u values", text,
                         EXP_MAX_VALUES);
            return -1;
        }
        *(char **)VEC_PUSH(v, n, cap) = xstrndup(s, len);
        if (!end)
            break;
        s = end;
    }
    *out = v;
    *n_out = n;
    return 0;
}

int exp_plan_add_sweep(struct exp_plan *p, const char *text, char *msg, size_t msglen)
{
    const char *eq = strchr(text, '=');
    if (!eq || eq == text) {
        snprintf(msg, msglen, "'%s' is not PATH=VALUES; expected e.g. "
                 "nodePools[0].count=250,500,1000 or nodePools[0].count=250..2000*2", text);
        return -1;
    }
    char *path = xstrndup(text, (size_t)(eq - text));
    for (size_t i = 0; i < p->n_axes; i++) {
        if (strcmp(p->axes[i].path, path) == 0) {
            snprintf(msg, msglen, "'%s' is swept twice; expected each path once", path);
            free(path);
            return -1;
        }
    }
    char **values;
    size_t n;
    if (exp_parse_values(eq + 1, &values, &n, msg, msglen) != 0) {
        free(path);
        return -1;
    }
    struct exp_axis *a = VEC_PUSH(p->axes, p->n_axes, p->cap_axes);
    *a = (struct exp_axis){.path = path, .values = values, .n_values = n};
    return 0;
}

void exp_plan_add_config(struct exp_plan *p, const char *name)
{
    *(char **)VEC_PUSH(p->configs, p->n_configs, p->cap_configs) = xstrdup(name);
}

uint64_t exp_plan_derived_seed(uint64_t base, size_t r)
{
    return rng_splitmix64(base ^ rng_splitmix64((uint64_t)r));
}

int exp_plan_set_seeds(struct exp_plan *p, size_t n, uint64_t base, const char *seeds_text,
                       char *msg, size_t msglen)
{
    char **texts = NULL;
    if (seeds_text && exp_parse_values(seeds_text, &texts, &n, msg, msglen) != 0)
        return -1;
    uint64_t *seeds = xcalloc(n ? n : 1, sizeof(*seeds));
    for (size_t r = 0; r < n; r++) {
        if (texts && base_parse_u64(texts[r], &seeds[r]) != 0) {
            snprintf(msg, msglen, "'%s' is not a seed; expected integers from 0 to "
                     "18446744073709551615 (e.g. 1..30)", texts[r]);
            free_strings(texts, n);
            free(seeds);
            return -1;
        }
        if (!texts)
            seeds[r] = r == 0 ? base : exp_plan_derived_seed(base, r);
    }
    if (texts)
        free_strings(texts, n);
    free(p->seeds);
    p->seeds = seeds;
    p->n_reps = n;
    return 0;
}

int exp_plan_finish(struct exp_plan *p, char *msg, size_t msglen)
{
    double runs = (double)p->n_reps * (double)p->n_configs;
    p->n_points = 1;
    for (size_t i = 0; i < p->n_axes; i++) {
        p->n_points *= p->axes[i].n_values;
        runs *= (double)p->axes[i].n_values;
        if (runs > EXP_MAX_RUNS)
            break;
    }
    if (runs > EXP_MAX_RUNS || p->n_reps == 0 || p->n_configs == 0) {
        snprintf(msg, msglen, p->n_reps == 0 ? "no replication; expected --replications >= 1"
                 : runs > EXP_MAX_RUNS ? "the experiment exceeds the limit of 1000000 runs "
                 "(points x configs x replications)" : "no kubelet config to run");
        return -1;
    }
    p->n_runs = (size_t)runs;
    return 0;
}

void exp_plan_run(const struct exp_plan *p, size_t k, struct exp_run *out)
{
    out->index = k;
    out->config = k % p->n_configs;
    out->rep = (k / p->n_configs) % p->n_reps;
    out->point = k / p->n_configs / p->n_reps;
    out->seed = p->seeds[out->rep];
}

const char *exp_plan_value(const struct exp_plan *p, size_t point, size_t axis)
{
    size_t stride = 1;
    for (size_t i = p->n_axes; i-- > axis + 1;)
        stride *= p->axes[i].n_values;
    return p->axes[axis].values[(point / stride) % p->axes[axis].n_values];
}
