/* ensure.c - see ensure.h. */
#include "model/kubelet/ensure.h"

bool ensure_checks_presence(enum scenario_pull_policy policy)
{
    return policy != SCENARIO_PULL_ALWAYS;
}

enum ensure_action ensure_decide(const struct ensure_facts *f)
{
    if (f->invalid_name)
        return ENSURE_INVALID_NAME;
    bool checks = ensure_checks_presence(f->policy);
    if (checks && f->present && !f->must_pull)
        return ENSURE_USE_PRESENT;
    if (f->policy == SCENARIO_PULL_NEVER)
        return ENSURE_NEVER_PULL;
    if (f->in_backoff)
        return ENSURE_BACKOFF;
    return ENSURE_PULL;
}
