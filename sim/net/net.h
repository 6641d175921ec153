/*
 * net.h - links, flows and max-min fair bandwidth sharing (flow level).
 *
 * A link is a capacity in B/s (a registry's egress, a node's NIC, a node's
 * disk write bandwidth). A flow moves a number of bytes across up to
 * NET_MAX_LINKS links, optionally with its own rate cap (a registry's
 * per-connection bandwidth, a node's unpack throughput). Rates are max-min
 * fair over all links each flow crosses [SimGrid lmm; spec/pull-storm.md],
 * re-shared whenever a flow starts or ends (or a capacity changes), and
 * constant in between.
 * Invariants:
 *  - at any time, for every link, the sum of its flows' rates <= capacity;
 *    each flow is limited by a saturated link or by its own cap;
 *  - a flow's remaining bytes below NET_EPS_BYTES snap to exactly 0, so no
 *    phantom tiny completions fire [SimGrid double_update];
 *  - callbacks of flows that finish at the same instant run in the order the
 *    flows were started (never in pool or pointer order);
 *  - links of infinite capacity constrain nothing and are not tracked.
 * Costs: NET_MODEL_EXACT: start/cancel O(1) plus one re-share per instant
 *   (starts at one instant are batched), a re-share O(F x K) for F active
 *   flows and K distinct rate levels. NET_MODEL_AUTO: see netfast.h,
 *   about O(log F) per start or end.
 * Ownership: net owns links and flows; callback arguments are borrowed and
 *   must stay valid until the flow completes or is cancelled. A flow id is
 *   valid from net_flow_start() until its callback runs or it is cancelled;
 *   after that it may be recycled.
 * Units: bytes, B/s, seconds.
 */
#ifndef PULLSIM_NET_H
#define PULLSIM_NET_H

#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"

#define NET_MAX_LINKS 4
#define NET_EPS_BYTES 1e-3 /* bytes: remaining amounts below this are done */
#define NET_NO_LINK UINT32_MAX
#define NET_SHARED UINT32_MAX /* group of a link crossed by many groups' flows */

struct net;

/* How rates are computed. Both give the same max-min allocation; EXACT
 * re-solves every flow at every change and serves as the reference. */
enum net_model {
    NET_MODEL_AUTO,  /* the fast incremental solver where the topology allows it */
    NET_MODEL_EXACT, /* progressive filling over all flows at every change */
};

/* Called when a flow has moved all its bytes; the flow is already gone. */
typedef void net_done_fn(void *arg);

struct net *net_new(struct engine *e, enum net_model model);
/* Frees links and flows (callbacks are not called); cancels its pending events. */
void net_free(struct net *n);

/* Adds a shared link (a registry's egress) of the given capacity (B/s, > 0,
 * INFINITY allowed). Returns its id. */
uint32_t net_link_add(struct net *n, double capacity);
/* Adds a link local to 'group' (a node's NIC or disk; group < NET_SHARED - 1).
 * Star rule, asserted under NET_MODEL_AUTO: a flow crosses at most one
 * shared link and local links of one group only. */
uint32_t net_link_add_local(struct net *n, double capacity, uint32_t group);
/* Changes a link's capacity from now on (B/s, > 0). */
void net_link_set_capacity(struct net *n, uint32_t link, double capacity);
/* Bytes carried by the link since time 0, up to engine_now(). Under
 * NET_MODEL_AUTO only shared links are counted (asserted). */
double net_link_bytes(struct net *n, uint32_t link);

/*
 * Starts moving 'bytes' (>= 0) across 'links' (NET_NO_LINK entries and
 * infinite links are ignored), at most 'cap' B/s (INFINITY for none).
 * fn(arg) runs when the last byte arrives (a flow of 0 bytes, or one with no
 * finite constraint at all, completes at the current instant, from an event).
 * Returns the flow id.
 */
uint32_t net_flow_start(struct net *n, double bytes, double cap, const uint32_t *links,
                        size_t n_links, net_done_fn *fn, void *arg);
/* Stops a flow without calling its callback. */
void net_flow_cancel(struct net *n, uint32_t flow);
/* Bytes still to move for an active flow, as of engine_now(). */
double net_flow_remaining(struct net *n, uint32_t flow);

size_t net_active_flows(const struct net *n);

#endif
