/* tokenbucket.c - see tokenbucket.h. */
#include "base/tokenbucket.h"

void tokenbucket_init(struct tokenbucket *b, double rate, double burst, double now)
{
    *b = (struct tokenbucket){.rate = rate, .burst = burst, .tokens = burst, .at = now};
}

bool tokenbucket_try_accept(struct tokenbucket *b, double now)
{
    if (b->rate <= 0)
        return true;
    b->tokens += (now - b->at) * b->rate;
    if (b->tokens > b->burst)
        b->tokens = b->burst;
    b->at = now;
    if (b->tokens < 1)
        return false;
    b->tokens -= 1;
    return true;
}
