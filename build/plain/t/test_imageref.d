build/plain/t/test_imageref.o: tests/unit/test_imageref.c sim/imageref.h \
 sim/refcmd.h sim/base.h tests/unit/check.h
sim/imageref.h:
sim/refcmd.h:
sim/base.h:
tests/unit/check.h:
