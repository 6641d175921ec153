build/asan/units.o: sim/units.c sim/units.h
sim/units.h:
