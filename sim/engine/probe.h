/*
 * probe.h - a typed observation bus. A module that has something to report
 * (the kubelet's image decisions, a container starting) owns one topic per
 * kind of report; observers (trace, version skew, metrics) subscribe with a
 * callback before the run. The publisher knows nothing about them, so an
 * observer is added without touching the model.
 *
 * PROBE_TOPIC(name, event_type) declares 'struct name' and the subscriber
 * type 'name_fn': void (void *arg, const event_type *ev).
 * Invariants:
 *  - subscribers run in subscription order, synchronously, at the
 *    publisher's simulated time; they must not publish to the same topic;
 *  - a topic holds at most PROBE_MAX_SUBSCRIBERS (a bug to exceed: asserted);
 *  - publishing to a topic nobody subscribed to costs one branch, and a
 *    publisher checks PROBE_ACTIVE() before it builds a costly event.
 * Ownership: a topic borrows its subscribers' arguments; they must outlive
 *   the publisher's last publish.
 */
#ifndef PULLSIM_PROBE_H
#define PULLSIM_PROBE_H

#include <assert.h>
#include <stdint.h>

#define PROBE_MAX_SUBSCRIBERS 4

#define PROBE_TOPIC(name, event_type)                                                     \
    typedef void name##_fn(void *arg, const event_type *ev);                              \
    struct name {                                                                         \
        uint8_t n;                                                                        \
        name##_fn *fn[PROBE_MAX_SUBSCRIBERS];                                             \
        void *arg[PROBE_MAX_SUBSCRIBERS];                                                 \
    }

/* Has the topic (a pointer) any subscriber? */
#define PROBE_ACTIVE(topic) ((topic)->n > 0)

/* Adds fn(arg, ev) to the topic's subscribers. */
#define PROBE_SUBSCRIBE(topic, f, a)                                                      \
    do {                                                                                  \
        assert((topic)->n < PROBE_MAX_SUBSCRIBERS);                                       \
        (topic)->fn[(topic)->n] = (f);                                                    \
        (topic)->arg[(topic)->n++] = (a);                                                 \
    } while (0)

/* Calls every subscriber with 'ev' (a pointer to the topic's event type). */
#define PROBE_PUBLISH(topic, ev)                                                          \
    do {                                                                                  \
        for (uint8_t probe_i_ = 0; probe_i_ < (topic)->n; probe_i_++)                     \
            (topic)->fn[probe_i_]((topic)->arg[probe_i_], (ev));                          \
    } while (0)

#endif
