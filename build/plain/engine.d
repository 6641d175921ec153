build/plain/engine.o: sim/engine.c sim/engine.h sim/base.h
sim/engine.h:
sim/base.h:
