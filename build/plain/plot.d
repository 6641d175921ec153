build/plain/plot.o: sim/plot.c sim/plot.h sim/base.h
sim/plot.h:
sim/base.h:
