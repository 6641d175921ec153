build/asan/runtime.o: sim/runtime.c sim/runtime.h sim/engine.h sim/net.h \
 sim/node.h sim/rng.h sim/scenario.h sim/diag.h sim/base.h sim/registry.h
sim/runtime.h:
sim/engine.h:
sim/net.h:
sim/node.h:
sim/rng.h:
sim/scenario.h:
sim/diag.h:
sim/base.h:
sim/registry.h:
