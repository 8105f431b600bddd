/* rng.c - seeding and the rounding-correction table of the TEP generator (see rng.h). */
#include "rng.h"

#include <math.h>
#include <pthread.h>

int64_t tep_rng_delta[128];
int64_t tep_rng_delta_scaled[128];

/* delta for an exact product whose bits 53.. are `top` and bits 0..3 are `low4`:
 * a double keeps 53 significant bits, so a product below 2^(53+s) is rounded at
 * bit s, to nearest with ties to even (IEEE 754 default rounding). */
static int64_t rounding_delta(unsigned top, unsigned low4)
{
    unsigned shift = top >= 4 ? 3 : top >= 2 ? 2 : top >= 1 ? 1 : 0;
    if (shift == 0) return 0;
    unsigned unit = 1u << shift, low = low4 & (unit - 1), half = unit >> 1;
    int round_up = low > half || (low == half && ((low4 >> shift) & 1));
    return round_up ? (int64_t)(unit - low) : -(int64_t)low;
}

static pthread_once_t corrections_once = PTHREAD_ONCE_INIT;

static void fill_corrections(void)
{
    for (unsigned top = 0; top < 8; top++)
        for (unsigned low4 = 0; low4 < 16; low4++) {
            int64_t d = rounding_delta(top, low4);
            tep_rng_delta[(top << 4) | low4] = d;
            tep_rng_delta_scaled[(top << 4) | low4] = d * (int64_t)TEP_RNG_MULTIPLIER;
        }
}

double tep_rng_reference_step(double g) { return fmod(g * 9228907.0, TEP_RNG_MODULUS); }

void tep_rng_seed(struct tep_rng *rng, double seed)
{
    pthread_once(&corrections_once, fill_corrections);
    /* The first draw reduces the seed (which may exceed 2^32) in double as the
     * reference does; start the integer chain from that value with no rounding
     * pending, i.e. a "product" equal to the first G itself. */
    rng->g = (uint64_t)seed;
    rng->product = (uint64_t)tep_rng_reference_step(seed);
}
