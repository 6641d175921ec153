/*
 * scenario_images.c - the images section (scenario_internal.h): references,
 * layers (shared by id across images), snapshot chains, platforms and
 * digests; the lookup of an image written elsewhere (a pod, prePulled,
 * pinnedImages, a push event); and the images that push events create.
 *
 * Images are read after registries (each names its registry by host) and
 * before every section that names an image.
 */
#include "spec/scenario_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/imageref.h"

/* Where a layer was first defined, for the note of a conflicting definition. */
struct layer_src {
    const char *size_text;     /* as written */
    const char *unpacked_text; /* as written, or NULL when defaulted to the size */
};

/* -------------------------------------------------------------- images */

/* Parses an image reference written at v; *out is the docker ref. */
static int to_image_ref(struct ctx *c, const struct scn_node *v, const char *key,
                        struct imageref *out)
{
    char err[IMAGEREF_ERRLEN];
    if (scn_want_scalar(c, v, key, "an image reference such as nginx:1.27") != 0)
        return -1;
    if (imageref_parse_docker_ref(v->text, out, err, sizeof(err)) != 0)
        return diag_error(c->d, v->loc, "%s: '%s' is not a valid image reference: %s", key,
                          v->text, err);
    return 0;
}

/* images[i].layers[j] keys: id, size, unpackedSize. Returns the layer index
 * (shared with earlier images when the id is the same), or SCENARIO_NONE. */
static uint32_t parse_layer(struct ctx *c, const struct scn_node *m, const char *where,
                            const char *ref, size_t j)
{
    static const char *const keys[] = {"id", "size", "unpackedSize"};
    struct scenario *s = c->s;
    const struct scn_node *idv, *sv, *uv;
    char *id = NULL;
    uint64_t size = 0, unpacked = 0;
    int rc = 0;
    if (scn_want_map(c, m, where) != 0)
        return SCENARIO_NONE;
    rc |= CHECK_KEYS(c, m, keys, where);
    if ((idv = scn_get(m, "id")))
        rc |= scn_to_string(c, idv, "id", &id);
    if (!(sv = scn_get(m, "size")))
        rc |= scn_missing(c, m, "size", where);
    else
        rc |= scn_to_size(c, sv, "size", true, &size);
    unpacked = size;
    if ((uv = scn_get(m, "unpackedSize")))
        rc |= scn_to_size(c, uv, "unpackedSize", false, &unpacked);
    if (rc != 0 || !ref) {
        free(id);
        return SCENARIO_NONE;
    }
    if (!id)
        id = xasprintf("%s#%zu", ref, j);
    uint32_t prev = scn_strmap_get(&c->layers, id);
    if (prev != SCENARIO_NONE) {
        const struct scenario_layer *l = &s->layers[prev];
        const struct layer_src *src = &c->layer_src[prev];
        if (l->size != size) {
            diag_error(c->d, sv->loc, "layer '%s' has size %s; a layer id names one blob", id,
                       sv->text);
            diag_note(c->d, l->loc, "'%s' first defined here with size %s", id,
                      src->size_text);
            prev = SCENARIO_NONE;
        } else if (l->unpacked_size != unpacked) {
            diag_error(c->d, uv ? uv->loc : m->loc,
                       "layer '%s' has unpackedSize %s%s; a layer id names one blob", id,
                       uv ? uv->text : sv->text, uv ? "" : " (its size, by default)");
            diag_note(c->d, l->loc, "'%s' first defined here with unpackedSize %s", id,
                      src->unpacked_text ? src->unpacked_text : src->size_text);
            prev = SCENARIO_NONE;
        }
        free(id);
        return prev;
    }
    uint32_t idx = (uint32_t)s->n_layers;
    struct scenario_layer *l = VEC_PUSH(s->layers, s->n_layers, c->cap_layers);
    l->id = id;
    l->size = size;
    l->unpacked_size = unpacked;
    l->loc = m->loc;
    struct layer_src *src = VEC_PUSH(c->layer_src, c->n_layer_src, c->cap_layer_src);
    src->size_text = sv->text;
    src->unpacked_text = uv ? uv->text : NULL;
    scn_strmap_put(&c->layers, l->id, idx);
    return idx;
}

/* "os/arch" or "os/arch/variant", each part non-empty. */
static bool is_platform(const char *p)
{
    size_t parts = 1, len = 0;
    for (; *p; p++) {
        if (*p == '/') {
            if (!len)
                return false;
            parts++;
            len = 0;
        } else if (*p == ' ') {
            return false;
        } else {
            len++;
        }
    }
    return len > 0 && parts >= 2 && parts <= 3;
}

static void parse_platforms(struct ctx *c, const struct scn_node *img, struct scenario_image *im)
{
    const struct scn_node *list = scn_get_list(c, img, "platforms", "", false, "platforms");
    if (!list)
        return;
    im->platforms = xcalloc(list->n_items ? list->n_items : 1, sizeof(*im->platforms));
    for (size_t i = 0; i < list->n_items; i++) {
        const struct scn_node *v = list->items[i];
        char key[48];
        snprintf(key, sizeof(key), "platforms[%zu]", i);
        if (scn_want_scalar(c, v, key, "a platform such as linux/amd64") != 0)
            continue;
        if (!is_platform(v->text)) {
            diag_error(c->d, v->loc, "%s: '%s' is not a platform; expected os/arch such as "
                       "linux/amd64 or linux/arm64", key, v->text);
            continue;
        }
        im->platforms[im->n_platforms++] = xstrdup(v->text);
    }
}

/* Chain k of an image is the interned pair (chain k-1, layer k): two images
 * share chain k exactly when their first k+1 layer ids agree. */
static void intern_chains(struct ctx *c, struct scenario_image *im)
{
    struct scenario *s = c->s;
    im->chains = xmalloc(im->n_layers * sizeof(*im->chains));
    uint32_t parent = SCENARIO_NONE;
    for (size_t k = 0; k < im->n_layers; k++) {
        uint64_t key = ((uint64_t)parent << 32) | im->layers[k];
        uint32_t ch = scn_chainmap_get(&c->chains, key);
        if (ch == SCENARIO_NONE) {
            ch = (uint32_t)s->n_chains;
            struct scenario_chain *nc = VEC_PUSH(s->chains, s->n_chains, c->cap_chains);
            nc->parent = parent;
            nc->layer = im->layers[k];
            scn_chainmap_put(&c->chains, key, ch);
        }
        im->chains[k] = ch;
        parent = ch;
    }
}

/* The image of repository 'name' whose digest is 'digest' (images entries
 * and pushed images alike, the first in images order), or SCENARIO_NONE.
 * O(1) through c->digests, which index_digest fills in images order. */
static uint32_t find_by_digest(const struct ctx *c, const char *name, const char *digest)
{
    char *key = xasprintf("%s@%s", name, digest); /* '@' never occurs in a repository name */
    uint32_t idx = scn_strmap_get(&c->digests, key);
    free(key);
    return idx;
}

/* Indexes image idx by (repository, digest) unless an earlier image has
 * both; returns the first image that has them (idx itself when new). */
static uint32_t index_digest(struct ctx *c, uint32_t idx)
{
    const struct scenario_image *im = &c->s->images[idx];
    if (!im->digest || !im->name)
        return idx;
    uint32_t first = find_by_digest(c, im->name, im->digest);
    if (first != SCENARIO_NONE)
        return first;
    char *key = xasprintf("%s@%s", im->name, im->digest);
    *VEC_PUSH(c->digest_keys, c->n_digest_keys, c->cap_digest_keys) = key;
    scn_strmap_put(&c->digests, key, idx);
    return idx;
}

/* A digest written by the user: "sha256:" and 64 lowercase hex digits
 * (the canonical algorithm of OCI image-spec descriptor.md). */
static bool is_sha256_digest(const char *d)
{
    if (strncmp(d, "sha256:", 7) != 0 || strlen(d) != 7 + 64)
        return false;
    for (d += 7; *d; d++)
        if (!((*d >= '0' && *d <= '9') || (*d >= 'a' && *d <= 'f')))
            return false;
    return true;
}

/* 64-bit FNV-1a of 'text', then splitmix64's finalizer with 'lane'. */
static uint64_t mix64(const char *text, uint64_t lane)
{
    uint64_t h = 0xcbf29ce484222325u ^ (lane * 0x9e3779b97f4a7c15u);
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        h = (h ^ *p) * 0x100000001b3u;
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9u;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebu;
    return h ^ (h >> 31);
}

/* A digest for an image that has none in the scenario: derived from what
 * identifies its manifest here ('salt' - its reference, and for a pushed
 * image the event - plus its layers and platforms), so every run and every
 * machine gives the same one. Simplification: it is a stable name in the
 * sha256 format, not the hash of a real manifest. */
static char *synthetic_digest(const struct scenario *s, const struct scenario_image *im,
                              const char *salt)
{
    struct strbuf sb;
    strbuf_init(&sb);
    strbuf_addf(&sb, "%s\n", salt);
    for (size_t k = 0; k < im->n_layers; k++)
        strbuf_addf(&sb, "%s:%" PRIu64 "\n", s->layers[im->layers[k]].id,
                    s->layers[im->layers[k]].size);
    for (size_t k = 0; k < im->n_platforms; k++)
        strbuf_addf(&sb, "%s\n", im->platforms[k]);
    char *d = xmalloc(7 + 64 + 1);
    memcpy(d, "sha256:", 7);
    for (uint64_t lane = 0; lane < 4; lane++)
        snprintf(d + 7 + 16 * lane, 17, "%016" PRIx64, mix64(sb.buf, lane));
    strbuf_release(&sb);
    return d;
}

/* The layers list of an image (images[i] or a push event): layers by id,
 * then the snapshot chains. 'owner' names anonymous layers. */
static void parse_image_layers(struct ctx *c, const struct scn_node *m, const char *where,
                               const char *owner, struct scenario_image *im)
{
    const struct scn_node *list = scn_get_list(c, m, "layers", where, true, "layer");
    bool layers_ok = true;
    if (!list)
        return;
    if (list->n_items > SCENARIO_MAX_LAYERS_PER_IMAGE) {
        diag_error(c->d, list->loc, "layers: %zu layers exceed the limit of %u layers per image",
                   list->n_items, SCENARIO_MAX_LAYERS_PER_IMAGE);
        return;
    }
    im->layers = xmalloc(list->n_items * sizeof(*im->layers));
    for (size_t j = 0; j < list->n_items; j++) {
        char *w = xasprintf("%s.layers[%zu]", where, j);
        uint32_t l = parse_layer(c, list->items[j], w, owner, j);
        free(w);
        layers_ok = layers_ok && l != SCENARIO_NONE;
        im->layers[im->n_layers++] = l;
    }
    if (layers_ok)
        intern_chains(c, im);
}

/* The 'digest' key of an image: checked against the ref's own digest. */
static void parse_digest_key(struct ctx *c, const struct scn_node *m, struct scenario_image *im,
                             const char *ref_digest)
{
    const struct scn_node *v = scn_get(m, "digest");
    if (!v || scn_want_scalar(c, v, "digest", "a digest such as sha256:<64 hex digits>") != 0)
        return;
    if (!is_sha256_digest(v->text)) {
        diag_error(c->d, v->loc, "digest: '%s' is not a digest; expected sha256: followed by "
                   "64 lowercase hex digits", v->text);
    } else if (ref_digest && strcmp(ref_digest, v->text) != 0) {
        diag_error(c->d, v->loc, "digest: '%s' differs from the digest in the ref, '%s'; "
                   "expected the same digest or no digest key", v->text, ref_digest);
    } else {
        im->digest = xstrdup(v->text);
    }
}

/* images[i] keys: ref, layers, platforms, digest. */
static void parse_image(struct ctx *c, const struct scn_node *m, const char *where)
{
    static const char *const keys[] = {"ref", "layers", "platforms", "digest"};
    struct scenario *s = c->s;
    uint32_t idx = (uint32_t)s->n_images;
    struct scenario_image *im = VEC_PUSH(s->images, s->n_images, c->cap_images);
    im->registry = SCENARIO_NONE;
    im->loc = m->loc;
    if (scn_want_map(c, m, where) != 0)
        return;
    CHECK_KEYS(c, m, keys, where);
    const struct scn_node *v = scn_get(m, "ref");
    struct imageref ref;
    if (!v) {
        scn_missing(c, m, "ref", where);
    } else if (to_image_ref(c, v, "ref", &ref) != 0) {
        c->images_ok = false; /* "no images entry" errors would only repeat this one */
    } else {
        im->ref = xstrdup(v->text);
        im->normalized = imageref_string(&ref);
        im->name = imageref_name(&ref);
        im->by_digest = ref.digest != NULL;
        if (ref.digest)
            im->digest = xstrdup(ref.digest);
        uint32_t prev = scn_strmap_get(&c->images, im->normalized);
        if (prev != SCENARIO_NONE) {
            diag_error(c->d, v->loc, "ref: '%s' is the same image as '%s' (both are '%s'); "
                       "each image is listed once", im->ref, s->images[prev].ref,
                       im->normalized);
            diag_note(c->d, s->images[prev].loc, "'%s' first defined here",
                      s->images[prev].ref);
        } else {
            scn_strmap_put(&c->images, im->normalized, idx);
        }
        im->registry = scn_strmap_get(&c->hosts, ref.domain);
        if (im->registry == SCENARIO_NONE && c->registries_ok) {
            struct strbuf sb;
            const char **hosts;
            strbuf_init(&sb);
            strbuf_addf(&sb, "ref: no registries entry for '%s', the registry of '%s'",
                        ref.domain, im->ref);
            if (diag_is_shown(c->d, v->loc)) { /* unseen text need not cost O(n log n) */
                NAMES_OF(s->registries, s->n_registries, host, hosts);
                scn_add_expected(&sb, ref.domain, hosts, s->n_registries);
                free(hosts);
            }
            scn_error_sb(c, v->loc, &sb);
        }
        parse_digest_key(c, m, im, ref.digest);
        imageref_release(&ref);
    }
    parse_platforms(c, m, im);
    parse_image_layers(c, m, where, im->ref, im);
    if (im->ref && !im->digest && im->chains)
        im->digest = synthetic_digest(s, im, im->normalized);
}

void scn_parse_images(struct ctx *c, const struct scn_node *root)
{
    const struct scn_node *list = scn_get_list(c, root, "images", "", true, "image");
    if (!list)
        return;
    c->images_ok = true; /* until an invalid ref */
    for (size_t i = 0; i < list->n_items; i++) {
        char *w = xasprintf("images[%zu]", i);
        parse_image(c, list->items[i], w);
        free(w);
    }
    struct scenario *s = c->s;
    s->n_listed_images = s->n_images;
    for (size_t i = 0; i < s->n_images; i++) {
        const struct scenario_image *im = &s->images[i];
        uint32_t first = index_digest(c, (uint32_t)i);
        if (first != i) {
            diag_error(c->d, im->loc, "digest: '%s' names both '%s' and '%s' in one "
                       "repository; expected one image per digest", im->digest,
                       s->images[first].ref, im->ref);
            diag_note(c->d, s->images[first].loc, "'%s' first defined here",
                      s->images[first].ref);
        }
    }
}

/* ------------------------------------------------------ image lookups */

/* An image written in a pod, in prePulled, pinnedImages or a push event:
 * parsed as the kubelet does, then matched to an images entry by its
 * normalized reference; a digest reference also matches any image (pushed
 * ones included) of that repository with that digest. *by_digest (may be
 * NULL) tells whether the reference names a digest. */
uint32_t scn_resolve_image(struct ctx *c, const struct scn_node *v, const char *key,
                           bool *by_digest)
{
    struct scenario *s = c->s;
    struct imageref ref;
    if (to_image_ref(c, v, key, &ref) != 0)
        return SCENARIO_NONE;
    char *norm = imageref_string(&ref);
    uint32_t idx = scn_strmap_get(&c->images, norm);
    if (idx == SCENARIO_NONE && ref.digest) {
        char *name = imageref_name(&ref);
        idx = find_by_digest(c, name, ref.digest);
        free(name);
    }
    if (by_digest)
        *by_digest = ref.digest != NULL;
    imageref_release(&ref);
    if (idx == SCENARIO_NONE && c->images_ok) {
        struct strbuf sb;
        const char **refs;
        strbuf_init(&sb);
        strbuf_addf(&sb, "%s: no images entry for '%s'", key, v->text);
        if (strcmp(norm, v->text))
            strbuf_addf(&sb, " ('%s')", norm);
        if (diag_is_shown(c->d, v->loc)) { /* unseen text need not cost O(n log n) */
            NAMES_OF(s->images, s->n_listed_images, ref, refs);
            scn_add_expected(&sb, v->text, refs, s->n_listed_images);
            free(refs);
        }
        scn_error_sb(c, v->loc, &sb);
    }
    free(norm);
    return idx;
}

/* ------------------------------------------------------ pushed images */

/* push with 'layers': a new image under the tag, in the tag's repository. */
uint32_t scn_new_pushed_image(struct ctx *c, const struct scn_node *v, const char *where,
                              uint32_t tag)
{
    struct scenario *s = c->s;
    uint32_t idx = (uint32_t)s->n_images;
    struct scenario_image *im = VEC_PUSH(s->images, s->n_images, c->cap_images);
    const struct scenario_image *t = &s->images[tag];
    im->ref = xstrdup(t->ref);
    im->normalized = xstrdup(t->normalized);
    im->name = xstrdup(t->name);
    im->registry = t->registry;
    im->loc = v->loc;
    parse_digest_key(c, v, im, NULL);
    parse_platforms(c, v, im);
    char *owner = xasprintf("%s@%s", im->ref, where);
    parse_image_layers(c, v, where, owner, im);
    free(owner);
    if (!im->digest && im->chains) {
        char *salt = xasprintf("%s %s", im->normalized, where);
        im->digest = synthetic_digest(s, im, salt);
        free(salt);
    }
    if (im->digest) {
        uint32_t prev = index_digest(c, idx);
        if (prev != idx) {
            const struct scn_node *d = scn_get(v, "digest");
            diag_error(c->d, d ? d->loc : v->loc, "digest: '%s' already names '%s' in this "
                       "repository; expected a new digest, or 'image' to move the tag to it",
                       im->digest, s->images[prev].ref);
            return SCENARIO_NONE;
        }
    }
    return idx;
}
