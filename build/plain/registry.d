build/plain/registry.o: sim/registry.c sim/registry.h sim/net.h \
 sim/engine.h sim/rng.h sim/scenario.h sim/diag.h sim/base.h
sim/registry.h:
sim/net.h:
sim/engine.h:
sim/rng.h:
sim/scenario.h:
sim/diag.h:
sim/base.h:
