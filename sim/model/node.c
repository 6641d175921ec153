/* node.c - see node.h. */
#include "model/node.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>

#include "base/base.h"
#include "model/runtimeclass.h"

void node_init(struct node *nd, uint32_t id, uint32_t pool, const struct scenario *sc,
               const struct scenario_pool *cfg, struct net *net, uint64_t seed)
{
    *nd = (struct node){.id = id, .pool = pool, .cfg = cfg, .sc = sc, .disk = NET_NO_LINK,
                        .disk_used = cfg->disk_baseline};
    nd->nic = net_link_add_local(net, cfg->nic_bandwidth, id);
    if (!isinf(cfg->disk_write_bandwidth))
        nd->disk = net_link_add_local(net, cfg->disk_write_bandwidth, id);
    rng_stream_init(&nd->latency_rng, seed, RNG_REQUEST_LATENCY, id);
    rng_stream_init(&nd->failure_rng, seed, RNG_REQUEST_FAILURE, id);
}

void node_release(struct node *nd)
{
    free(nd->store);
    free(nd->images);
    free(nd->tags);
    free(nd->pulls);
    free(nd->pull_images);
    free(nd->gc_deleted);
    free(nd->manifests);
    *nd = (struct node){0};
}

/* 'snap' tells apart the chains of different snapshotters; blobs use 0. */
static struct node_entry *find(const struct node *nd, uint32_t key, uint32_t snap)
{
    for (size_t i = 0; i < nd->n_store; i++)
        if (nd->store[i].key == key && nd->store[i].snap == snap)
            return &nd->store[i];
    return NULL;
}

/* Bytes an entry occupies on disk when not ABSENT (node.h). */
static uint64_t entry_bytes(const struct node *nd, uint32_t key)
{
    const struct scenario *sc = nd->sc;
    if (!sc)
        return 0;
    if (key & NODE_CHAIN_BIT)
        return sc->layers[sc->chains[key & ~NODE_CHAIN_BIT].layer].unpacked_size;
    return sc->layers[key].size;
}

static void set(struct node *nd, uint32_t key, uint32_t snap, enum node_state st)
{
    struct node_entry *e = find(nd, key, snap);
    if (!e) {
        e = VEC_PUSH(nd->store, nd->n_store, nd->cap_store);
        e->key = key;
        e->state = NODE_ABSENT;
        e->snap = (uint8_t)snap;
    }
    bool was = e->state == NODE_READY, is = st == NODE_READY;
    if (was != is) {
        uint64_t b = entry_bytes(nd, key);
        nd->disk_used = is ? nd->disk_used + b : nd->disk_used - b;
    }
    e->state = (uint8_t)st;
}

enum node_state node_layer_state(const struct node *nd, uint32_t layer)
{
    const struct node_entry *e = find(nd, layer, 0);
    return e ? (enum node_state)e->state : NODE_ABSENT;
}

void node_set_layer_state(struct node *nd, uint32_t layer, enum node_state st)
{
    set(nd, layer, 0, st);
}

enum node_state node_chain_state(const struct node *nd, uint32_t chain, uint32_t snap)
{
    const struct node_entry *e = find(nd, chain | NODE_CHAIN_BIT, snap);
    return e ? (enum node_state)e->state : NODE_ABSENT;
}

void node_set_chain_state(struct node *nd, uint32_t chain, uint32_t snap, enum node_state st)
{
    set(nd, chain | NODE_CHAIN_BIT, snap, st);
}

/* Index of the record of (image, handler), or nd->n_images. */
static size_t image_index(const struct node *nd, uint32_t image, uint32_t handler)
{
    size_t i = 0;
    while (i < nd->n_images && !(nd->images[i].image == image && nd->images[i].handler == handler))
        i++;
    return i;
}

struct node_image *node_image_record(struct node *nd, uint32_t image, uint32_t handler)
{
    size_t i = image_index(nd, image, handler);
    return i < nd->n_images ? &nd->images[i] : NULL;
}

bool node_has_image(const struct node *nd, uint32_t image, uint32_t handler)
{
    return image_index(nd, image, handler) < nd->n_images;
}

void node_add_image(struct node *nd, uint32_t image, uint32_t handler, double now)
{
    if (node_has_image(nd, image, handler))
        return;
    struct node_image *r = VEC_PUSH(nd->images, nd->n_images, nd->cap_images);
    *r = (struct node_image){.image = image, .first_detected = now,
                              .last_used = -INFINITY, .handler = handler};
    for (size_t i = 0; i < nd->n_gc_deleted; i++) {
        if (nd->gc_deleted[i].image == image && nd->gc_deleted[i].handler == handler) {
            nd->gc_deleted[i] = nd->gc_deleted[--nd->n_gc_deleted];
            nd->gc_repulls++;
            break;
        }
    }
}

void node_preload_image(struct node *nd, const struct scenario *sc, uint32_t image,
                        bool by_digest, double now)
{
    const struct scenario_image *im = &sc->images[image];
    for (size_t k = 0; k < im->n_layers; k++) {
        node_set_layer_state(nd, im->layers[k], NODE_READY);
        node_set_chain_state(nd, im->chains[k], 0, NODE_READY);
    }
    node_add_manifest_item(nd, image, scenario_manifest_items(sc, image) - 1);
    node_add_image(nd, image, RUNTIMECLASS_DEFAULT_HANDLER, now);
    if (!by_digest && !im->by_digest)
        node_set_tag(nd, image, 0, image);
}

void node_set_tag(struct node *nd, uint32_t tag, uint32_t handler, uint32_t image)
{
    for (size_t i = 0; i < nd->n_tags; i++) {
        if (nd->tags[i].tag == tag && nd->tags[i].handler == handler) {
            nd->tags[i].image = image;
            return;
        }
    }
    *(struct node_tag *)VEC_PUSH(nd->tags, nd->n_tags, nd->cap_tags) =
        (struct node_tag){.tag = tag, .handler = handler, .image = image};
}

uint32_t node_tag_image(const struct node *nd, uint32_t tag, uint32_t handler)
{
    for (size_t i = 0; i < nd->n_tags; i++)
        if (nd->tags[i].tag == tag && nd->tags[i].handler == handler)
            return nd->tags[i].image;
    return SCENARIO_NONE;
}

uint32_t node_lookup(const struct node *nd, uint32_t image, bool by_digest, uint32_t handler)
{
    if (!by_digest)
        return node_tag_image(nd, image, handler);
    return node_has_image(nd, image, handler) ? image : SCENARIO_NONE;
}

/* The record of (image, handler) went: so do that handler's local tags
 * that named it. */
static void drop_tags(struct node *nd, uint32_t image, uint32_t handler)
{
    size_t n = 0;
    for (size_t i = 0; i < nd->n_tags; i++)
        if (nd->tags[i].image != image || nd->tags[i].handler != handler)
            nd->tags[n++] = nd->tags[i];
    nd->n_tags = n;
}

/* Does a remaining record or an active pull's image use layer or chain k
 * (position in that image) equal to 'key'? A chain of snapshotter 'snap'
 * counts only for records and pulls whose handler unpacks into 'snap'. */
static bool referenced(const struct node *nd, uint32_t key, uint32_t snap)
{
    const struct scenario *sc = nd->sc;
    for (size_t i = 0; i < nd->n_images + nd->n_pulls; i++) {
        bool rec = i < nd->n_images;
        uint32_t img = rec ? nd->images[i].image : nd->pull_images[i - nd->n_images].image;
        uint32_t h = rec ? nd->images[i].handler : nd->pull_images[i - nd->n_images].handler;
        if ((key & NODE_CHAIN_BIT) && runtimeclass_snapshotter(sc, h) != snap)
            continue;
        const struct scenario_image *im = &sc->images[img];
        for (size_t k = 0; k < im->n_layers; k++)
            if (im->layers[k] == key || (im->chains[k] | NODE_CHAIN_BIT) == key)
                return true;
    }
    return false;
}

static size_t manifest_index(const struct node *nd, uint32_t image)
{
    size_t i = 0;
    while (i < nd->n_manifests && nd->manifests[i].image != image)
        i++;
    return i;
}

uint32_t node_manifest_depth(const struct node *nd, uint32_t image)
{
    size_t i = manifest_index(nd, image);
    return i < nd->n_manifests ? nd->manifests[i].depth : 0;
}

void node_add_manifest_item(struct node *nd, uint32_t image, uint32_t item)
{
    size_t i = manifest_index(nd, image);
    if (i == nd->n_manifests)
        *(struct node_manifest *)VEC_PUSH(nd->manifests, nd->n_manifests, nd->cap_manifests) =
            (struct node_manifest){image, 0};
    if (nd->manifests[i].depth < item)
        nd->manifests[i].depth = item;
}

static void drop_manifest(struct node *nd, uint32_t image)
{
    size_t i = manifest_index(nd, image);
    if (i == nd->n_manifests)
        return;
    for (size_t j = i + 1; j < nd->n_manifests; j++)
        nd->manifests[j - 1] = nd->manifests[j];
    nd->n_manifests--;
}

/* Is there a record of 'image' for any handler? */
static bool has_any_record(const struct node *nd, uint32_t image)
{
    for (size_t i = 0; i < nd->n_images; i++)
        if (nd->images[i].image == image)
            return true;
    return false;
}

uint64_t node_delete_image(struct node *nd, uint32_t image, uint32_t handler)
{
    size_t i = image_index(nd, image, handler);
    if (i == nd->n_images)
        return 0;
    /* Keep record order: GC ties and outputs depend on it. */
    for (size_t j = i + 1; j < nd->n_images; j++)
        nd->images[j - 1] = nd->images[j];
    nd->n_images--;
    drop_tags(nd, image, handler);
    if (!has_any_record(nd, image))
        drop_manifest(nd, image);
    *(struct node_image_key *)VEC_PUSH(nd->gc_deleted, nd->n_gc_deleted, nd->cap_gc_deleted) =
        (struct node_image_key){image, handler};
    uint64_t before = nd->disk_used;
    const struct scenario_image *im = &nd->sc->images[image];
    /* The handler's chains live in its snapshotter; blobs in the one content
     * store (runtimeclass.h). */
    uint32_t snaps[2] = {runtimeclass_snapshotter(nd->sc, handler), 0};
    /* Top chain first: a child snapshot goes before its parent. */
    for (size_t k = im->n_layers; k-- > 0;) {
        uint32_t keys[2] = {im->chains[k] | NODE_CHAIN_BIT, im->layers[k]};
        for (size_t m = 0; m < 2; m++) {
            struct node_entry *e = find(nd, keys[m], snaps[m]);
            if (e && e->state == NODE_READY && !referenced(nd, keys[m], snaps[m]))
                set(nd, keys[m], snaps[m], NODE_ABSENT);
        }
    }
    return before - nd->disk_used;
}

uint64_t node_disk_usage(const struct node *nd)
{
    return nd->disk_used + nd->disk_reserved;
}

uint64_t node_disk_free(const struct node *nd)
{
    uint64_t cap = nd->cfg->disk_capacity, used = node_disk_usage(nd);
    if (cap == 0)
        return UINT64_MAX;
    return used >= cap ? 0 : cap - used;
}

void node_add_pull(struct node *nd, uint32_t pull, uint32_t image, uint32_t handler)
{
    *(uint32_t *)VEC_PUSH(nd->pulls, nd->n_pulls, nd->cap_pulls) = pull;
    if (nd->cap_pull_images < nd->cap_pulls) {
        nd->pull_images = xrealloc(nd->pull_images, nd->cap_pulls * sizeof(*nd->pull_images));
        nd->cap_pull_images = nd->cap_pulls;
    }
    nd->pull_images[nd->n_pulls - 1] = (struct node_image_key){image, handler};
}

void node_remove_pull(struct node *nd, uint32_t pull)
{
    /* Keep start order: pokes visit pulls in the order they started. */
    for (size_t i = 0; i < nd->n_pulls; i++) {
        if (nd->pulls[i] == pull) {
            for (size_t j = i + 1; j < nd->n_pulls; j++) {
                nd->pulls[j - 1] = nd->pulls[j];
                nd->pull_images[j - 1] = nd->pull_images[j];
            }
            nd->n_pulls--;
            return;
        }
    }
}

void node_reserve(struct node *nd, uint64_t bytes)
{
    nd->disk_reserved += bytes;
}

void node_unreserve(struct node *nd, uint64_t bytes)
{
    assert(nd->disk_reserved >= bytes);
    nd->disk_reserved -= bytes;
}

void node_blob_stored(struct node *nd, uint32_t layer)
{
    uint64_t size = nd->sc->layers[layer].size;
    node_unreserve(nd, size);
    node_set_layer_state(nd, layer, NODE_READY);
    nd->bytes_fetched += size;
}
