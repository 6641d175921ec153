build/asan/base.o: sim/base.c sim/base.h
sim/base.h:
