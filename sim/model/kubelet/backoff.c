/* backoff.c - see backoff.h. */
#include "model/kubelet/backoff.h"

bool backoff_has_expired(const struct backoff_entry *b, double now, double max)
{
    return now - b->last_update > 2 * max;
}

void backoff_next(struct backoff_entry *b, double now, double initial, double max)
{
    if (b->duration == 0 || backoff_has_expired(b, now, max))
        b->duration = initial;
    else
        b->duration = 2 * b->duration < max ? 2 * b->duration : max;
    b->last_update = now;
}

bool backoff_is_in_backoff_since_update(const struct backoff_entry *b, double now, double max)
{
    if (b->duration == 0 || backoff_has_expired(b, now, max))
        return false;
    return now - b->last_update < b->duration;
}

double backoff_get(const struct backoff_entry *b)
{
    return b->duration;
}

void backoff_next_since(struct backoff_entry *b, double event, double now, double initial,
                        double max)
{
    if (b->duration == 0 || backoff_has_expired(b, event, max))
        b->duration = initial;
    else
        b->duration = 2 * b->duration < max ? 2 * b->duration : max;
    b->last_update = now;
}

bool backoff_is_in_backoff_since(const struct backoff_entry *b, double event, double now,
                                 double max)
{
    if (b->duration == 0 || backoff_has_expired(b, event, max))
        return false;
    /* now - event < duration, written as the expiry the caller schedules a
     * wake-up at (event + duration), so a wake-up at that time is never
     * found still in back-off by a rounding. */
    return now < event + b->duration;
}
