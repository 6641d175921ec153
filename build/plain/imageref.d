build/plain/imageref.o: sim/imageref.c sim/imageref.h sim/base.h
sim/imageref.h:
sim/base.h:
