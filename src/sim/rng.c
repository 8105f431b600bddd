/* rng.c - seeding and state access for the TEP generator (see rng.h). */
#include "rng.h"

void tep_rng_seed(struct tep_rng *rng, double seed)
{
    rng->g = 0;
    rng->seed_pending = seed;
}

double tep_rng_state(const struct tep_rng *rng)
{
    return rng->seed_pending >= 0.0 ? rng->seed_pending : (double)rng->g;
}
