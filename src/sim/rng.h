/* rng.h - the TEP random number generator, bit-for-bit as the Fortran reference.
 *
 * One double-precision state G; every draw replaces G by (G * 9228907) mod 2^32
 * in IEEE double arithmetic: the product is rounded to double (it exceeds 2^53
 * for G > ~9.8e8), then reduced (FACTS.md §3, teprob.f TESUB7). Because the
 * exact product of two integers is rounded to double the same way by the
 * integer-to-double conversion, the step is done with a 64-bit multiply, one
 * conversion to double and back, and a mask; this gives the same values as
 * fmod without its cost (fmod is most of the Fortran reference's run time).
 */
#ifndef TEP_SIM_RNG_H
#define TEP_SIM_RNG_H

#include <stdint.h>

#define TEP_RNG_MULTIPLIER 9228907ULL
#define TEP_RNG_MODULUS 4294967296.0
#define TEP_DEFAULT_SEED 4651207995.0 /* compiled into the Braatz teprob.f [TP] */

struct tep_rng {
    uint64_t g; /* current state G, an integer below 2^32 once drawn from */
    double seed_pending; /* a seed not yet reduced (may exceed 2^32), or -1 */
};

/* Seed: any non-negative integer-valued double below 2^53. */
void tep_rng_seed(struct tep_rng *rng, double seed);

/* Current state G as the Fortran holds it (a double). */
double tep_rng_state(const struct tep_rng *rng);

/* One recurrence step, returning the new state G. */
static inline uint64_t tep_rng_advance(struct tep_rng *rng)
{
    if (__builtin_expect(rng->seed_pending >= 0.0, 0)) {
        /* First draw after seeding: general double arithmetic (seed may be >= 2^32). */
        double x = rng->seed_pending * (double)TEP_RNG_MULTIPLIER;
        double q = __builtin_floor(x / TEP_RNG_MODULUS);
        rng->g = (uint64_t)(x - q * TEP_RNG_MODULUS);
        rng->seed_pending = -1.0;
        return rng->g;
    }
    /* exact product (< 2^56), rounded to double as the Fortran multiply rounds it */
    uint64_t product = rng->g * TEP_RNG_MULTIPLIER;
    double rounded = (double)(int64_t)product;
    rng->g = (uint64_t)(int64_t)rounded & 0xFFFFFFFFULL;
    return rng->g;
}

/* Uniform in [0, 1): G / 2^32 (TESUB7 with I >= 0). */
static inline double tep_rng_uniform(struct tep_rng *rng)
{
    return (double)tep_rng_advance(rng) / TEP_RNG_MODULUS;
}

/* Uniform in [-1, 1): 2 G / 2^32 - 1 (TESUB7 with I < 0). */
static inline double tep_rng_signed(struct tep_rng *rng)
{
    return 2.0 * (double)tep_rng_advance(rng) / TEP_RNG_MODULUS - 1.0;
}

/* Approximately normal noise: (sum of 12 uniforms - 6) * sigma (TESUB6). */
static inline double tep_rng_noise(struct tep_rng *rng, double sigma)
{
    double sum = 0.0;
    for (int i = 0; i < 12; i++) sum += tep_rng_uniform(rng);
    return (sum - 6.0) * sigma;
}

#endif
