build/plain/backoff.o: sim/backoff.c sim/backoff.h
sim/backoff.h:
