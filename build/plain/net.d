build/plain/net.o: sim/net.c sim/net.h sim/engine.h sim/base.h
sim/net.h:
sim/engine.h:
sim/base.h:
