build/asan/refcmd.o: sim/refcmd.c sim/refcmd.h sim/base.h sim/imageref.h
sim/refcmd.h:
sim/base.h:
sim/imageref.h:
