build/asan/diag.o: sim/diag.c sim/diag.h sim/base.h
sim/diag.h:
sim/base.h:
