/* versions.c - see versions.h. */
#include "world/versions.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

struct versions {
    const struct scenario *sc;
    struct versions_series *series;
    size_t n_series, cap_series;
    size_t n_samples;
};

struct versions *versions_new(const struct scenario *sc)
{
    struct versions *v = xcalloc(1, sizeof(*v));
    v->sc = sc;
    return v;
}

void versions_free(struct versions *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->n_series; i++)
        free(v->series[i].counts);
    free(v->series);
    free(v);
}

void versions_started(struct versions *v, uint32_t workload, uint32_t container,
                      uint32_t image)
{
    /* Linear: a scenario has a handful of workloads and pushes. */
    for (size_t i = 0; i < v->n_series; i++) {
        struct versions_series *s = &v->series[i];
        if (s->workload == workload && s->container == container && s->image == image) {
            s->pods++;
            return;
        }
    }
    struct versions_series *s = VEC_PUSH(v->series, v->n_series, v->cap_series);
    *s = (struct versions_series){.workload = workload, .container = container,
                                  .image = image, .pods = 1};
    if (v->n_samples > 0) {
        s->counts = xcalloc(v->n_samples, sizeof(*s->counts));
        s->cap_counts = v->n_samples;
    }
}

void versions_stopped(struct versions *v, uint32_t workload, uint32_t container,
                      uint32_t image)
{
    for (size_t i = 0; i < v->n_series; i++) {
        struct versions_series *s = &v->series[i];
        if (s->workload == workload && s->container == container && s->image == image) {
            assert(s->pods > 0);
            s->pods--;
            return;
        }
    }
    assert(!"a container stopped that never started");
}

void versions_sample(struct versions *v)
{
    for (size_t i = 0; i < v->n_series; i++) {
        struct versions_series *s = &v->series[i];
        size_t n = v->n_samples;
        VEC_RESERVE(s->counts, n, s->cap_counts, n + 1);
        s->counts[n] = s->pods;
    }
    v->n_samples++;
}

size_t versions_sample_count(const struct versions *v) { return v->n_samples; }
size_t versions_series_count(const struct versions *v) { return v->n_series; }

const struct versions_series *versions_series(const struct versions *v, size_t i)
{
    return &v->series[i];
}
