build/asan/node.o: sim/node.c sim/node.h sim/net.h sim/engine.h sim/rng.h \
 sim/scenario.h sim/diag.h sim/base.h
sim/node.h:
sim/net.h:
sim/engine.h:
sim/rng.h:
sim/scenario.h:
sim/diag.h:
sim/base.h:
