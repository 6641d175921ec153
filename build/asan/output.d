build/asan/output.o: sim/output.c sim/output.h sim/metrics.h sim/world.h \
 sim/engine.h sim/kubelet.h sim/backoff.h sim/node.h sim/net.h sim/rng.h \
 sim/scenario.h sim/diag.h sim/base.h sim/runtime.h sim/registry.h
sim/output.h:
sim/metrics.h:
sim/world.h:
sim/engine.h:
sim/kubelet.h:
sim/backoff.h:
sim/node.h:
sim/net.h:
sim/rng.h:
sim/scenario.h:
sim/diag.h:
sim/base.h:
sim/runtime.h:
sim/registry.h:
