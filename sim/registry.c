/* registry.c - see registry.h. */
#include "registry.h"

#include <math.h>

#include <gsl/gsl_randist.h>

void registry_init(struct registry *r, const struct scenario_registry *cfg, struct net *n)
{
    *r = (struct registry){.cfg = cfg};
    r->egress = net_link_add(n, cfg->egress_bandwidth);
}

/* GSL parameter conventions (STYLE §7): gsl_ran_exponential takes the mean;
 * a lognormal with median m is gsl_ran_lognormal(r, log(m), sigma). */
double registry_draw(const struct scenario_dist *d, struct rng *rng, struct rng_stream *stream)
{
    if (d->kind == SCENARIO_DIST_CONSTANT || d->a <= 0)
        return d->kind == SCENARIO_DIST_UNIFORM ? d->a : (d->a > 0 ? d->a : 0);
    /* Constant latencies draw nothing, so they leave the stream alone. */
    gsl_rng *g = rng_bind(rng, stream);
    double x = 0;
    switch (d->kind) {
    case SCENARIO_DIST_CONSTANT:
        break;
    case SCENARIO_DIST_EXPONENTIAL:
        x = gsl_ran_exponential(g, d->a);
        break;
    case SCENARIO_DIST_LOGNORMAL:
        x = gsl_ran_lognormal(g, log(d->a), d->b);
        break;
    case SCENARIO_DIST_UNIFORM:
        x = d->b > d->a ? gsl_ran_flat(g, d->a, d->b) : d->a;
        break;
    }
    rng_unbind(rng, stream);
    return x > 0 ? x : 0;
}

double registry_request_latency(const struct registry *r, struct rng *rng,
                                struct rng_stream *stream)
{
    return registry_draw(&r->cfg->latency, rng, stream);
}
