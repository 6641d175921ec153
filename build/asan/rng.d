build/asan/rng.o: sim/rng.c sim/rng.h sim/base.h
sim/rng.h:
sim/base.h:
