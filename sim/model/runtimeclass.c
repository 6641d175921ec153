/* runtimeclass.c - see runtimeclass.h for the model and its sources. */
#include "model/runtimeclass.h"

uint32_t runtimeclass_image_handler(const struct scenario *sc, const struct scenario_kubelet *k,
                                    uint32_t workload)
{
    /* Source: kuberuntime_container.go getPodRuntimeHandler: the handler is
     * looked up only with the gate on and a non-empty runtimeClassName. */
    if (!k->runtime_class_in_image_cri_api)
        return RUNTIMECLASS_DEFAULT_HANDLER;
    uint32_t rc = sc->workloads[workload].runtime_class;
    return rc == SCENARIO_NONE ? RUNTIMECLASS_DEFAULT_HANDLER : sc->runtime_classes[rc].handler;
}

uint32_t runtimeclass_snapshotter(const struct scenario *sc, uint32_t handler)
{
    /* A scenario built without runtime classes has only handler 0. */
    return handler < sc->n_handlers ? sc->handlers[handler].snapshotter : 0;
}

const char *runtimeclass_handler_name(const struct scenario *sc, uint32_t handler)
{
    return handler < sc->n_handlers ? sc->handlers[handler].name : "";
}
