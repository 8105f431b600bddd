/* rng.h - the TEP random number generator, bit-for-bit as the Fortran reference.
 *
 * One double-precision state G; every draw replaces G by (G * 9228907) mod 2^32
 * in IEEE double arithmetic: the product is rounded to double (it exceeds 2^53
 * for G > ~9.8e8), then reduced (FACTS.md §3, teprob.f TESUB7). fmod made up
 * most of the Fortran run time, so this version keeps the exact integer product
 * p = G * 9228907 (< 2^56) and applies the double rounding as a correction
 * delta in [-4, 4] read from a 128-entry table indexed by p's top bits (which
 * give the rounding position) and its 4 low bits (which give the rounding
 * direction, ties to even). The next product is (p mod 2^32) * 9228907 +
 * delta * 9228907, so the serial chain per draw is an index, a load and an add.
 * test_rng.c checks it against the fmod definition over millions of draws.
 */
#ifndef TEP_SIM_RNG_H
#define TEP_SIM_RNG_H

#include <stdint.h>

#define TEP_RNG_MULTIPLIER 9228907ULL
#define TEP_RNG_MODULUS 4294967296.0
#define TEP_DEFAULT_SEED 4651207995.0 /* compiled into the Braatz teprob.f [TP] */

/* Rounding corrections, indexed by ((p >> 53) << 4) | (p & 15): delta is the
 * rounded product minus the exact one, delta_scaled is delta * 9228907.
 * Filled once by tep_rng_seed(). */
extern int64_t tep_rng_delta[128];
extern int64_t tep_rng_delta_scaled[128];

struct tep_rng {
    uint64_t product; /* exact product whose rounding gives the next G */
    uint64_t g;       /* current state G (the seed before the first draw) */
};

/* Seed: a non-negative integer-valued double below 2^53. */
void tep_rng_seed(struct tep_rng *rng, double seed);

/* Current state G as the Fortran holds it (a double). */
static inline double tep_rng_state(const struct tep_rng *rng) { return (double)rng->g; }

/* One recurrence step, returning the new state G (an integer below 2^32). */
static inline uint64_t tep_rng_advance(struct tep_rng *rng)
{
    uint64_t p = rng->product;
    uint64_t low = p & 0xFFFFFFFFULL;
    uint64_t index = ((p >> 49) & 0x70) | (p & 15);
    uint64_t g = low + (uint64_t)tep_rng_delta[index];
    uint64_t next = low * TEP_RNG_MULTIPLIER + (uint64_t)tep_rng_delta_scaled[index];
    if (__builtin_expect((g >> 32) != 0, 0)) { /* rounding carried across 2^32: reduce */
        g &= 0xFFFFFFFFULL;
        next = g * TEP_RNG_MULTIPLIER;
    }
    rng->product = next;
    rng->g = g;
    return g;
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

/* Approximately normal noise: (sum of 12 uniforms - 6) * sigma (TESUB6).
 * The reference adds the 12 values G/2^32 one by one in double; every partial
 * sum is exact (at most 36 significant bits), so adding the integers G first
 * and scaling once gives the same double, bit for bit. */
static inline double tep_rng_noise(struct tep_rng *rng, double sigma)
{
    uint64_t sum = 0;
    for (int i = 0; i < 12; i++) sum += tep_rng_advance(rng);
    return ((double)sum / TEP_RNG_MODULUS - 6.0) * sigma;
}

/* The reference definition, one draw: G = fmod(G * 9228907, 2^32) in double. */
double tep_rng_reference_step(double g);

#endif
