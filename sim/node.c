/* node.c - see node.h. */
#include "node.h"

#include <math.h>
#include <stdlib.h>

#include "base.h"

void node_init(struct node *nd, uint32_t id, uint32_t pool, const struct scenario_pool *cfg,
               struct net *net, uint64_t seed)
{
    *nd = (struct node){.id = id, .pool = pool, .cfg = cfg, .disk = NET_NO_LINK};
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
    free(nd->pulls);
    free(nd->token_q);
    *nd = (struct node){0};
}

static struct node_entry *find(const struct node *nd, uint32_t key)
{
    for (size_t i = 0; i < nd->n_store; i++)
        if (nd->store[i].key == key)
            return &nd->store[i];
    return NULL;
}

static void set(struct node *nd, uint32_t key, enum node_state st)
{
    struct node_entry *e = find(nd, key);
    if (!e) {
        e = VEC_PUSH(nd->store, nd->n_store, nd->cap_store);
        e->key = key;
    }
    e->state = (uint8_t)st;
}

enum node_state node_layer_state(const struct node *nd, uint32_t layer)
{
    const struct node_entry *e = find(nd, layer);
    return e ? (enum node_state)e->state : NODE_ABSENT;
}

void node_set_layer_state(struct node *nd, uint32_t layer, enum node_state st)
{
    set(nd, layer, st);
}

enum node_state node_chain_state(const struct node *nd, uint32_t chain)
{
    const struct node_entry *e = find(nd, chain | NODE_CHAIN_BIT);
    return e ? (enum node_state)e->state : NODE_ABSENT;
}

void node_set_chain_state(struct node *nd, uint32_t chain, enum node_state st)
{
    set(nd, chain | NODE_CHAIN_BIT, st);
}

bool node_has_image(const struct node *nd, uint32_t image)
{
    for (size_t i = 0; i < nd->n_images; i++)
        if (nd->images[i] == image)
            return true;
    return false;
}

void node_add_image(struct node *nd, uint32_t image)
{
    if (!node_has_image(nd, image))
        *(uint32_t *)VEC_PUSH(nd->images, nd->n_images, nd->cap_images) = image;
}

void node_preload_image(struct node *nd, const struct scenario *sc, uint32_t image)
{
    const struct scenario_image *im = &sc->images[image];
    for (size_t k = 0; k < im->n_layers; k++) {
        node_set_layer_state(nd, im->layers[k], NODE_READY);
        node_set_chain_state(nd, im->chains[k], NODE_READY);
    }
    node_add_image(nd, image);
}

void node_add_pull(struct node *nd, uint32_t pull)
{
    *(uint32_t *)VEC_PUSH(nd->pulls, nd->n_pulls, nd->cap_pulls) = pull;
}

void node_remove_pull(struct node *nd, uint32_t pull)
{
    /* Keep start order: pokes visit pulls in the order they started. */
    for (size_t i = 0; i < nd->n_pulls; i++) {
        if (nd->pulls[i] == pull) {
            for (size_t j = i + 1; j < nd->n_pulls; j++)
                nd->pulls[j - 1] = nd->pulls[j];
            nd->n_pulls--;
            return;
        }
    }
}
