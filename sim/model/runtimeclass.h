/*
 * runtimeclass.h - RuntimeClass image keys (kubelet feature gate
 * RuntimeClassInImageCriApi): under which runtime handler a pod's images
 * are checked, pulled, recorded and garbage-collected on a node, and which
 * snapshotter a handler unpacks into.
 *
 * What upstream does (read for this module; spec/kubelet-semantics.md §11):
 *  - kubelet, pkg/kubelet/kuberuntime/kuberuntime_container.go
 *    (getPodRuntimeHandler / startContainer): only with the gate on, a pod
 *    whose runtimeClassName is set gets its handler from the RuntimeClass
 *    (runtimeClassManager.LookupRuntimeHandler); otherwise the handler is "".
 *  - pkg/kubelet/images/image_manager.go EnsureImageExists puts that handler
 *    in the CRI ImageSpec (RuntimeHandler) of the presence check
 *    (GetImageRef -> ImageStatus) and of the pull.
 *  - pkg/kubelet/images/image_gc_manager.go: with the gate on, image records
 *    are keyed by the tuple "imageID,handler" (getImageTuple; plain imageID
 *    for ""), containers mark the tuple of their own handler in use, and
 *    freeImage removes one tuple (RemoveImage with that handler).
 *  - containerd keeps one content store per node (a blob is fetched once,
 *    whatever the handler: core/unpack/unpacker.go locks blobs by digest),
 *    while unpacked snapshots belong to a snapshotter (chain lock
 *    "sn://<snapshotter>/<chainID>"); each runtime handler is configured
 *    with a snapshotter (internal/cri/server/images/service.go
 *    RuntimeSnapshotter, runtimePlatforms[handler].Snapshotter).
 * The model: with the gate on, the node's image records and GC bookkeeping
 *   are per (image, handler); a pull for a handler pays its manifest
 *   requests, skips blobs already in the content store, and unpacks only the
 *   chains its handler's snapshotter lacks. Two handlers on one snapshotter
 *   share unpacked chains; on two snapshotters the image is unpacked (and
 *   takes disk) twice. With the gate off every pod uses handler 0 ("") and
 *   snapshotter 0: exactly the behaviour without runtime classes.
 * Where containerd differs (containerd HEAD 2.x, internal/cri/server/images
 *   image_status.go, image_list.go, image_pull.go): ImageStatus and
 *   ListImages ignore the handler (one image store keyed by reference and
 *   ID), and PullImage picks the snapshotter from the pod annotation
 *   io.containerd.cri.runtime-handler (snapshotterFromPodSandboxConfig,
 *   "TODO: honor the new CRI runtime handler field"); a container whose
 *   snapshotter lacks the image is unpacked at container create
 *   (internal/cri/opts/container.go WithNewSnapshot). Keying images per
 *   handler is containerd's open work (issue containerd/containerd#9377,
 *   pull request #11807, which would also let handlers sharing a
 *   snapshotter share one entry). pullsim models a runtime that honours the
 *   handler as KEP 4216 asks: see README "RuntimeClass and image keys".
 * Ownership: nothing; the scenario is borrowed. Costs: O(1) each.
 */
#ifndef PULLSIM_RUNTIMECLASS_H
#define PULLSIM_RUNTIMECLASS_H

#include <stdint.h>

#include "spec/scenario.h"

/* The default handler "" (no runtimeClassName, or the gate off). */
#define RUNTIMECLASS_DEFAULT_HANDLER 0u

/* The handler that keys the images of 'workload''s pods on a node whose
 * kubelet runs config 'k': the pod's RuntimeClass handler when the gate is
 * on and runtimeClassName is set, else RUNTIMECLASS_DEFAULT_HANDLER. An
 * index into sc->handlers. */
uint32_t runtimeclass_image_handler(const struct scenario *sc, const struct scenario_kubelet *k,
                                    uint32_t workload);

/* The snapshotter 'handler' unpacks into: an index into sc->snapshotters
 * (0 = overlayfs, the default handler's). */
uint32_t runtimeclass_snapshotter(const struct scenario *sc, uint32_t handler);

/* The handler's name as the kubelet passes it in the CRI ImageSpec ("" for
 * the default). Borrowed from the scenario. */
const char *runtimeclass_handler_name(const struct scenario *sc, uint32_t handler);

#endif
