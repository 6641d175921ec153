/* imagegc.c - see imagegc.h for the algorithm and its sources. */
#include "model/cluster/imagegc.h"

#include <math.h>
#include <stdlib.h>

#include "base/base.h"

struct imagegc_policy imagegc_policy_of(const struct scenario_kubelet *k, double started)
{
    return (struct imagegc_policy){.high = k->image_gc_high_threshold,
                                   .low = k->image_gc_low_threshold,
                                   .min_age = k->image_minimum_gc_age,
                                   .max_age = k->image_maximum_gc_age,
                                   .started = started};
}

uint32_t imagegc_usage_percent(const struct node *nd)
{
    uint64_t cap = nd->cfg->disk_capacity, avail = node_disk_free(nd);
    if (cap == 0)
        return 0;
    /* Source: image_gc_manager.go GarbageCollect:
     * usagePercent := 100 - int(available*100/capacity). */
    return (uint32_t)(100 - avail * 100 / cap);
}

static bool pinned(const struct node *nd, uint32_t image)
{
    for (size_t i = 0; i < nd->cfg->n_pinned; i++)
        if (nd->cfg->pinned[i] == image)
            return true;
    return false;
}

/* detectImages, then the candidates in eviction order (caller frees). */
static struct node_image *candidates(struct node *nd, double now, imagegc_in_use_fn *in_use,
                                     void *arg, size_t *n_out)
{
    struct node_image *c = xmalloc((nd->n_images ? nd->n_images : 1) * sizeof(*c));
    size_t n = 0;
    for (size_t i = 0; i < nd->n_images; i++) {
        struct node_image *r = &nd->images[i];
        if (in_use(arg, r->image, r->handler)) {
            r->last_used = now;
            continue;
        }
        if (pinned(nd, r->image))
            continue;
        /* Insertion sort, stable: byLastUsedAndDetected. */
        size_t j = n++;
        while (j > 0 && (c[j - 1].last_used > r->last_used ||
                         (c[j - 1].last_used == r->last_used &&
                          c[j - 1].first_detected > r->first_detected))) {
            c[j] = c[j - 1];
            j--;
        }
        c[j] = *r;
    }
    *n_out = n;
    return c;
}

static void delete_one(struct node *nd, const struct node_image *r, struct imagegc_result *out)
{
    out->deleted++;
    out->counted += scenario_image_size(nd->sc, r->image);
    out->freed += node_delete_image(nd, r->image, r->handler);
}

/* freeSpace: deletes candidates in order until 'counted' reaches 'target'. */
static void free_space(struct node *nd, const struct imagegc_policy *pol, double now,
                       const struct node_image *c, size_t n, uint64_t target,
                       struct imagegc_result *out)
{
    uint64_t counted = 0;
    for (size_t i = 0; i < n && counted < target; i++) {
        if (!node_has_image(nd, c[i].image, c[i].handler))
            continue; /* deleted by freeOldImages in this run */
        if (c[i].last_used >= now || now - c[i].first_detected < pol->min_age)
            continue;
        uint64_t before = out->counted;
        delete_one(nd, &c[i], out);
        counted += out->counted - before;
    }
    out->failed = counted < target;
}

void imagegc_collect(struct node *nd, const struct imagegc_policy *pol, double now,
                     imagegc_in_use_fn *in_use, void *arg, struct imagegc_result *out)
{
    *out = (struct imagegc_result){0};
    size_t n;
    struct node_image *c = candidates(nd, now, in_use, arg, &n);
    /* freeOldImages: only once the kubelet has run longer than maxAge. */
    if (pol->max_age > 0 && now - pol->started > pol->max_age)
        for (size_t i = 0; i < n; i++)
            if (now - c[i].last_used > pol->max_age)
                delete_one(nd, &c[i], out);
    uint64_t cap = nd->cfg->disk_capacity, avail = node_disk_free(nd);
    if (cap > 0 && imagegc_usage_percent(nd) >= pol->high) {
        out->over_high = true;
        /* amountToFree := capacity*int64(100-LowThresholdPercent)/100 - available
         * (integer arithmetic; exact while capacity < 92 PB). */
        uint64_t goal = cap * (uint64_t)(100 - pol->low) / 100;
        out->bytes_to_free = goal > avail ? goal - avail : 0;
        if (out->bytes_to_free > 0)
            free_space(nd, pol, now, c, n, out->bytes_to_free, out);
    }
    free(c);
}

void imagegc_delete_unused(struct node *nd, const struct imagegc_policy *pol, double now,
                           imagegc_in_use_fn *in_use, void *arg, struct imagegc_result *out)
{
    *out = (struct imagegc_result){0};
    size_t n;
    struct node_image *c = candidates(nd, now, in_use, arg, &n);
    out->bytes_to_free = UINT64_MAX;
    free_space(nd, pol, now, c, n, UINT64_MAX, out);
    out->failed = false; /* an unlimited target is never reached: not an error */
    free(c);
}
