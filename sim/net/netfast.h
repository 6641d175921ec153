/*
 * netfast.h - the incremental max-min solver behind net.h (internal to net).
 *
 * Same allocation as net.c's progressive filling, computed incrementally
 * for star topologies: every link is either shared (a registry's egress,
 * crossed by flows of many nodes) or local to one group (a node's NIC and
 * disk), and a flow crosses at most one shared link plus local links of one
 * group (pullsim's runtime always builds such flows).
 * Model (net.c has the worked example of progressive filling):
 *  - Bundles: flows with the same group, shared link, local links and cap
 *    always get the same rate, so they are solved as one variable with a
 *    weight [SimGrid lmm "variables" with identical constraints].
 *  - Groups solve their own links locally (progressive filling over a
 *    handful of bundles). A shared link with capacity C then has a water
 *    level: lambda solves sum_b n_b * min(key_b, lambda) = C, where key_b is
 *    the bundle's local level; bundles with key >= lambda run at lambda.
 *    Bundles of each shared link live in a treap ordered by key with
 *    subtree sums, so lambda is found in O(log B).
 *  - Progress is virtual time: a bundle's clock w counts bytes per flow; a
 *    flow ends when w reaches its finish mark. Bundles at the water level
 *    share their link's clock V = integral of lambda, so a change of lambda
 *    touches no bundle except those crossing it [fluid queue virtual time].
 *  - A group whose shared-link bundles share a local link with another
 *    bundle couples to lambda; such groups are re-solved with lambda pinned
 *    at every change (the only O(groups) work, and only over them), unless
 *    the group is slack: every active bundle on a saturated shared link
 *    with its unpinned rate above the level, so pins cannot change its
 *    rates; a slack group is solved only when it changes, and checked only
 *    when a level rises past one of its keys (netfast.c "Slack groups").
 * Costs: a start or an end re-solves its group, O(log B) per shared link,
 *   plus the bundles whose regime flips; completions cost O(log B) each.
 */
#ifndef PULLSIM_NETFAST_H
#define PULLSIM_NETFAST_H

#include <stddef.h>
#include <stdint.h>

#include "engine/engine.h"
#include "net/net.h"

struct netfast;

struct netfast *netfast_new(struct engine *e);
void netfast_free(struct netfast *f);
/* group: NET_SHARED for a shared link, else the local group's id. */
uint32_t netfast_link_add(struct netfast *f, double capacity, uint32_t group);
void netfast_link_set_capacity(struct netfast *f, uint32_t link, double capacity);
/* Bytes carried by a shared link since time 0. */
double netfast_link_bytes(struct netfast *f, uint32_t link);
/* The links must keep the star rule (asserted: a bug, never user input). */
uint32_t netfast_flow_start(struct netfast *f, double bytes, double cap, const uint32_t *links,
                            size_t n_links, net_done_fn *fn, void *arg);
void netfast_flow_cancel(struct netfast *f, uint32_t flow);
double netfast_flow_remaining(struct netfast *f, uint32_t flow);
size_t netfast_active_flows(const struct netfast *f);

#endif
