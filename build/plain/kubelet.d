build/plain/kubelet.o: sim/kubelet.c sim/kubelet.h sim/backoff.h \
 sim/engine.h sim/node.h sim/net.h sim/rng.h sim/scenario.h sim/diag.h \
 sim/base.h sim/runtime.h sim/registry.h
sim/kubelet.h:
sim/backoff.h:
sim/engine.h:
sim/node.h:
sim/net.h:
sim/rng.h:
sim/scenario.h:
sim/diag.h:
sim/base.h:
sim/runtime.h:
sim/registry.h:
