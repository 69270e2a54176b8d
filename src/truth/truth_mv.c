/* truth_mv — majority vote and Wawa (worker agreement with aggregate). */
#include <stdlib.h>

#include "truth/truth_int.h"

void truth__mv(truth_ctx *c)
{
    truth_result *r = c->out;
    truth__vote(c, NULL, r->posterior);
    truth__update_prior(c, r->posterior, 0.0, r->prior);
    truth__agreement_skill(c, r->posterior, r->skill);
    r->iterations = 0;
    r->converged = 1;
}

/*
 * Wawa: majority vote, then each worker's weight is its agreement with the
 * MV labels (gold tasks count with their gold label), then a weighted vote.
 * The reported skill is that agreement. A task whose answers all come from
 * workers of weight 0 falls back to uniform, then to the tie rule.
 */
void truth__wawa(truth_ctx *c)
{
    truth_result *r = c->out;
    truth__vote(c, NULL, r->posterior);
    truth__agreement_skill(c, r->posterior, r->skill);
    truth__vote(c, r->skill, r->posterior);
    truth__update_prior(c, r->posterior, 0.0, r->prior);
    r->iterations = 1;
    r->converged = 1;
}
