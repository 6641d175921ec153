/* source_registry.c - the registry source (source.h): what containerd does
 * with no mirror configured. Source: spec §11; containerd
 * core/remotes/docker/resolver.go (the image's host serves the resolve,
 * manifests and blobs). */
#include "model/runtime/source.h"

void source_registry_route(void *self, uint32_t node, uint32_t image, uint32_t k,
                           struct source_route *out)
{
    const struct source_registry *s = self;
    struct registry *r = &s->registries[s->sc->images[image].registry];
    const struct node *nd = &s->nodes[node];
    (void)k;
    *out = (struct source_route){.endpoint = r, .links = {r->egress, nd->nic, nd->disk},
                                 .n_links = 3};
}
