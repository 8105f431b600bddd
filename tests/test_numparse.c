/* test_numparse.c - tep_num_parse() must equal strtod() bit for bit.
 *
 * Checks: the 128-bit power-of-five table against exact big-integer arithmetic;
 * hand-picked edge cases (zeros, limits, subnormals, exact ties, 800+ digit
 * significands, partial numbers); and millions of random strings: %.17g and
 * %.{1..25}g of random doubles, random digit strings with random exponents, and
 * decimal midpoints between neighbouring doubles (the hardest case), each also
 * nudged up and down in the last digit. Also checks that the fast paths, not the
 * strtod fallback, decide ordinary %.17g text (so the comparison is not strtod
 * against itself).
 */
#include <float.h>
#include <stdint.h>

#include "check.h"
#include "io/numparse.h"

/* ---- a tiny big-integer (little-endian 32-bit limbs), enough for 5^342 * 2^128 ---- */
#define BIG_LIMBS 64
struct big {
    uint32_t limb[BIG_LIMBS];
};

static void big_set_u64(struct big *a, uint64_t v)
{
    memset(a, 0, sizeof *a);
    a->limb[0] = (uint32_t)v;
    a->limb[1] = (uint32_t)(v >> 32);
}

static void big_mul_small(struct big *a, uint32_t m)
{
    uint64_t carry = 0;
    for (int i = 0; i < BIG_LIMBS; i++) {
        uint64_t v = (uint64_t)a->limb[i] * m + carry;
        a->limb[i] = (uint32_t)v;
        carry = v >> 32;
    }
}

static int big_bitlen(const struct big *a)
{
    for (int i = BIG_LIMBS - 1; i >= 0; i--)
        if (a->limb[i]) return i * 32 + 32 - __builtin_clz(a->limb[i]);
    return 0;
}

static int big_bit(const struct big *a, int bit)
{
    if (bit < 0 || bit >= BIG_LIMBS * 32) return 0;
    return (a->limb[bit / 32] >> (bit % 32)) & 1;
}

/* bits [from, from+128) of a, as hi:lo (bits below 0 read as 0) */
static void big_extract128(const struct big *a, int from, uint64_t *hi, uint64_t *lo)
{
    *hi = *lo = 0;
    for (int i = 127; i >= 0; i--) {
        int b = big_bit(a, from + i);
        if (i >= 64)
            *hi |= (uint64_t)b << (i - 64);
        else
            *lo |= (uint64_t)b << i;
    }
}

/* r = a * (hi:lo) */
static void big_mul128(struct big *r, const struct big *a, uint64_t hi, uint64_t lo)
{
    uint32_t m[4] = {(uint32_t)lo, (uint32_t)(lo >> 32), (uint32_t)hi, (uint32_t)(hi >> 32)};
    memset(r, 0, sizeof *r);
    for (int j = 0; j < 4; j++) {
        uint64_t carry = 0;
        for (int i = 0; i + j < BIG_LIMBS; i++) {
            uint64_t v = (uint64_t)a->limb[i] * m[j] + r->limb[i + j] + carry;
            r->limb[i + j] = (uint32_t)v;
            carry = v >> 32;
        }
    }
}

static void big_add(struct big *a, const struct big *b)
{
    uint64_t carry = 0;
    for (int i = 0; i < BIG_LIMBS; i++) {
        uint64_t v = (uint64_t)a->limb[i] + b->limb[i] + carry;
        a->limb[i] = (uint32_t)v;
        carry = v >> 32;
    }
}

/* compare a with 2^k: -1, 0, 1 */
static int big_cmp_pow2(const struct big *a, int k)
{
    int len = big_bitlen(a);
    if (len != k + 1) return len < k + 1 ? -1 : 1;
    for (int i = 0; i < k; i++)
        if (big_bit(a, i)) return 1;
    return 0;
}

static void test_pow5_table(void)
{
    int bad = 0;
    for (int q = TEP_NUM_POW5_MIN; q <= TEP_NUM_POW5_MAX; q++) {
        uint64_t hi, lo;
        CHECK(tep_num_pow5_entry(q, &hi, &lo) == 0);
        struct big p;
        big_set_u64(&p, 1);
        for (int i = 0; i < (q < 0 ? -q : q); i++)
            big_mul_small(&p, 5);
        int len = big_bitlen(&p);
        if (q >= 0) { /* T = floor(5^q / 2^(len-128)) */
            uint64_t want_hi, want_lo;
            big_extract128(&p, len - 128, &want_hi, &want_lo);
            if (want_hi != hi || want_lo != lo) bad++;
        } else { /* T = floor(2^k / 5^-q), k = 127 + len: T*d <= 2^k < (T+1)*d */
            int k = 127 + len;
            struct big prod;
            big_mul128(&prod, &p, hi, lo);
            int below = big_cmp_pow2(&prod, k) <= 0;
            big_add(&prod, &p);
            int above = big_cmp_pow2(&prod, k) > 0;
            if (!below || !above || !(hi >> 63)) bad++;
        }
    }
    CHECK_EQ_INT(bad, 0);
    uint64_t hi, lo;
    CHECK(tep_num_pow5_entry(TEP_NUM_POW5_MIN - 1, &hi, &lo) == -1);
    CHECK(tep_num_pow5_entry(TEP_NUM_POW5_MAX + 1, &hi, &lo) == -1);
}

/* ---- comparison against strtod ---- */
struct compare_stats {
    long tested;
    long mismatches;
    long fallbacks;
};

/* Parse `s` both ways; the whole string must be consumed by both. */
static void compare_one(const char *s, struct compare_stats *st)
{
    size_t len = strlen(s);
    char *end_ref = NULL;
    double ref = strtod(s, &end_ref);
    double got = 0;
    bool fallback = false;
    const char *end_got = tep_num_parse_ex(s, s + len, &got, &fallback);
    st->tested++;
    if (fallback) st->fallbacks++;
    if (!end_got || end_got != end_ref || memcmp(&ref, &got, sizeof ref) != 0) {
        if (st->mismatches < 10)
            fprintf(stderr,
                    "mismatch on '%.120s': strtod %.17g (%zu chars), got %.17g (%ld chars)\n", s,
                    ref, (size_t)(end_ref - s), got, end_got ? (long)(end_got - s) : -1L);
        st->mismatches++;
    }
}

static uint64_t rng_next(uint64_t *state) /* splitmix64 */
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static double random_double_any(uint64_t *rng) /* every finite bit pattern */
{
    for (;;) {
        uint64_t bits = rng_next(rng);
        double d;
        memcpy(&d, &bits, sizeof d);
        if (isfinite(d)) return d;
    }
}

#ifdef __SANITIZE_ADDRESS__
#define SCALE 1 /* sanitizer builds are ~10x slower: fewer random strings */
#else
#define SCALE 2
#endif

static void test_edge_cases(void)
{
    static const char *cases[] = {
        "0",
        "-0",
        "+0",
        "0.0",
        "-0.0",
        "0e0",
        "0e-999999",
        "0e999999",
        "1",
        "-1",
        "+1",
        ".5",
        "5.",
        "-.5e+3",
        "1.5E3",
        "1e",
        "1e+",
        "1e-",
        "1ex",
        "1.5e3x",
        "12abc",
        "0x10",
        "1.7976931348623157e308",
        "1.7976931348623158e308",
        "1.7976931348623159e308",
        "-1.7976931348623157e308",
        "1e308",
        "1e309",
        "1e-400",
        "-1e-400",
        "1e400",
        "2.2250738585072011e-308",
        "2.2250738585072014e-308",
        "2.2250738585072012e-308",
        "4.9406564584124654e-324",
        "2.4703282292062327e-324",
        "2.4703282292062328e-324",
        "2."
        "470328229206232720882843964341106861825299013071623822127928412503377536351043759326499181"
        "808179961898982823477228588654633283551779698981993873980053909390631503565951557022639229"
        "085839244910518443593180284993653615250031937045767824921936562366986365848075700158576926"
        "990370631192827955855133292783433840935197801553124659726357957462276646527282722005637400"
        "648549997709659947045402082816622623785739345073633900796776193057750674017632467360096895"
        "134053553745851666113422376667860416215968046191446729184030053005753084904876539171138659"
        "164623952491262365388187963623937328042389101867234849766823508986338858792562830275599565"
        "752445550725518931369083625477918694866799496832404970582102851318545139621383772282614543"
        "7693412532098591327667236328125e-324",
        "9007199254740992",
        "9007199254740993",
        "9007199254740994",
        "9007199254740995",
        "562949953421312.0625",
        "562949953421312.06250000000000000001",
        "562949953421312.06249999999999999999",
        "18014398509481985",
        "18014398509481987",
        "0.1000000000000000055511151231257827021181583404541015625",
        "0.1000000000000000055511151231257827021181583404541015624",
        "0.1000000000000000055511151231257827021181583404541015626",
        "123456789012345678901234567890",
        "0.000000000000000000000000000000123456789",
        "00000000000000000000000000000000000000001",
        "1.00000000000000000000000000000000000",
        "9999999999999999999",
        "10000000000000000000",
        "18446744073709551615",
        "18446744073709551616",
        "2704.9999840000001",
        "0.24987",
        "3.6413000e+03",
        "7.2057594037927933e16",
        "1e23",
        "8.988465674311579e307",
        "1e-5",
        "1e22",
        "1e-22",
        "9007199254740993e-22",
        "3e-324",
        "1e-323",
        "2.4e-322",
        "4.9e-324",
        "5e-324",
        "2.225073858507201e-308",
        "1.2345678901234567e-310",
        "179769313486231580793728971405303415079934132710037826936173778980444968292764750946649017"
        "977587207096330286416692887910946555547851940402630657488671505820681908902000708383676273"
        "854845817711531764475730270069855571366959622842914819860834936475292719074168444365510704"
        "342711559699508093042880177904174497791",
        "1.",
        "-.",
        ".",
        "",
        "+",
        "-",
        "e5",
        ".e5",
        "+-1",
        "--1",
    };
    struct compare_stats st = {0};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *s = cases[i];
        size_t len = strlen(s);
        char *end_ref = NULL;
        (void)strtod(s, &end_ref);
        double got = -12345;
        const char *end_got = tep_num_parse(s, s + len, &got);
        /* strtod also reads hex; our grammar stops after the "0" of "0x10" */
        if (strcmp(s, "0x10") == 0) {
            CHECK(end_got == s + 1 && got == 0.0);
            continue;
        }
        if (end_ref == s) { /* not a number at all */
            CHECK_MSG(end_got == NULL, "'%s' should not parse", s);
            CHECK_MSG(got == -12345, "'%s' must leave *out alone", s);
            continue;
        }
        compare_one(s, &st);
        /* the same text followed by junk must stop at the same place */
        char buf[2048];
        snprintf(buf, sizeof buf, "%s,", s);
        compare_one(buf, &st);
    }
    CHECK_EQ_INT(st.mismatches, 0);
    /* a significand of 5000 digits (sticky-digit cut in the fallback) */
    char *big = malloc(6000);
    CHECK(big != NULL);
    if (!big) return;
    uint64_t rng = 7;
    for (int rep = 0; rep < 200; rep++) {
        size_t n = 0;
        big[n++] = (char)('1' + rng_next(&rng) % 9);
        big[n++] = '.';
        int len = 780 + (int)(rng_next(&rng) % 4000);
        bool zero_tail = rep % 3 == 0; /* zeros from digit 760 on, then a final 1 */
        for (int i = 0; i < len; i++)
            big[n++] = zero_tail && i >= 758 ? '0' : (char)('0' + rng_next(&rng) % 10);
        if (zero_tail) big[n - 1] = '1';
        snprintf(big + n, 32, "e%d", (int)(rng_next(&rng) % 640) - 330);
        compare_one(big, &st);
    }
    free(big);
    CHECK_EQ_INT(st.mismatches, 0);
}

/* %.17g (and %.{1..25}g) of random doubles over every exponent */
static void test_random_printf(void)
{
    struct compare_stats st = {0};
    uint64_t rng = 12345;
    char buf[64];
    for (long i = 0; i < 200000L * SCALE; i++) {
        double d = random_double_any(&rng);
        snprintf(buf, sizeof buf, "%.17g", d);
        compare_one(buf, &st);
        int digits = 1 + (int)(rng_next(&rng) % 25);
        snprintf(buf, sizeof buf, "%.*g", digits, d);
        compare_one(buf, &st);
        if (fabs(d) < 1e30) { /* fixed notation, no exponent */
            snprintf(buf, sizeof buf, "%.*f", (int)(rng_next(&rng) % 20), d);
            compare_one(buf, &st);
        }
    }
    fprintf(stderr, "  random printf: %ld strings, %ld fallbacks\n", st.tested, st.fallbacks);
    CHECK_EQ_INT(st.mismatches, 0);
}

/* TEP-like values written with %.17g must never need the fallback. */
static void test_fast_path_coverage(void)
{
    struct compare_stats st = {0};
    uint64_t rng = 99;
    char buf[64];
    for (long i = 0; i < 100000L * SCALE; i++) {
        double u = (double)(rng_next(&rng) >> 11) / 9007199254740992.0; /* [0,1) */
        double scale = ldexp(1.0, (int)(rng_next(&rng) % 2000) - 1000);
        double d = (u + 0.5) * scale * ((i & 1) ? -1 : 1);
        snprintf(buf, sizeof buf, "%.17g", d);
        compare_one(buf, &st);
        snprintf(buf, sizeof buf, "%.17g", 5000.0 * u); /* the plant's value range */
        compare_one(buf, &st);
    }
    fprintf(stderr, "  fast path: %ld strings, %ld fallbacks\n", st.tested, st.fallbacks);
    CHECK_EQ_INT(st.mismatches, 0);
    CHECK_EQ_INT(st.fallbacks, 0);
}

/* random digit strings: 1..40 digits, random point position, exponent -360..330 */
static void test_random_digits(void)
{
    struct compare_stats st = {0};
    uint64_t rng = 4242;
    char buf[128];
    for (long i = 0; i < 200000L * SCALE; i++) {
        size_t n = 0;
        uint64_t r = rng_next(&rng);
        if (r & 1) buf[n++] = (r & 2) ? '-' : '+';
        int ndig = 1 + (int)((r >> 2) % 40);
        int point = (int)((r >> 8) % (unsigned)(ndig + 2)) - 1; /* -1 = none */
        int zeros = (r >> 16) % 4 == 0 ? (int)((r >> 20) % 30) : 0;
        for (int z = 0; z < zeros; z++)
            buf[n++] = '0';
        for (int k = 0; k < ndig; k++) {
            if (k == point) buf[n++] = '.';
            buf[n++] = (char)('0' + rng_next(&rng) % 10);
        }
        if (point == ndig) buf[n++] = '.';
        if ((r >> 24) % 5 != 0)
            n += (size_t)snprintf(buf + n, sizeof buf - n, "%c%d", (r >> 27) & 1 ? 'e' : 'E',
                                  (int)((r >> 32) % 691) - 360);
        buf[n] = '\0';
        compare_one(buf, &st);
    }
    fprintf(stderr, "  random digits: %ld strings, %ld fallbacks\n", st.tested, st.fallbacks);
    CHECK_EQ_INT(st.mismatches, 0);
}

/* Exact decimal midpoints between neighbouring doubles (x87 long double holds them
 * exactly), printed in full and cut to 17..40 digits, plus and minus a last digit. */
static void test_midpoints(void)
{
    struct compare_stats st = {0};
    uint64_t rng = 777;
    char buf[1024], cut[128];
    for (long i = 0; i < 5000L * SCALE; i++) {
        double d = fabs(random_double_any(&rng));
        if (i % 2)
            d = ldexp(1.0 + (double)(rng_next(&rng) >> 12) / 4503599627370496.0,
                      (int)(rng_next(&rng) % 200) - 100);
        double next = nextafter(d, INFINITY);
        if (!isfinite(next)) continue;
        long double mid = ((long double)d + (long double)next) / 2;
        snprintf(buf, sizeof buf, "%.780Le", mid);
        compare_one(buf, &st); /* the exact tie */
        char *e = strchr(buf, 'e');
        for (int digits = 17; digits <= 40; digits += 1 + (int)(rng_next(&rng) % 6)) {
            int mant_chars = digits + 1; /* "d." + digits-1 */
            for (int delta = -1; delta <= 1; delta++) {
                snprintf(cut, sizeof cut, "%.*s%s", mant_chars, buf, e);
                if (delta != 0) { /* nudge the last kept digit */
                    char *last = cut + mant_chars - 1;
                    if (delta > 0 && *last < '9') (*last)++;
                    if (delta < 0 && *last > '0') (*last)--;
                }
                compare_one(cut, &st);
            }
        }
    }
    fprintf(stderr, "  midpoints: %ld strings, %ld fallbacks\n", st.tested, st.fallbacks);
    CHECK_EQ_INT(st.mismatches, 0);
}

/* The parser must never read past `end`: parse from a copy with no terminator. */
static void test_bounds(void)
{
    const char *text = "123.456e7";
    size_t len = strlen(text);
    for (size_t cut_len = 0; cut_len <= len; cut_len++) {
        char *copy = malloc(cut_len ? cut_len : 1);
        CHECK(copy != NULL);
        if (!copy) return;
        memcpy(copy, text, cut_len);
        double got = 0;
        const char *end = tep_num_parse(copy, copy + cut_len, &got);
        char ref_text[16];
        snprintf(ref_text, sizeof ref_text, "%.*s", (int)cut_len, text);
        char *ref_end = NULL;
        double ref = strtod(ref_text, &ref_end);
        if (ref_end == ref_text)
            CHECK(end == NULL);
        else
            CHECK(end == copy + (ref_end - ref_text) && got == ref);
        free(copy);
    }
}

int main(void)
{
    RUN(test_pow5_table);
    RUN(test_edge_cases);
    RUN(test_bounds);
    RUN(test_fast_path_coverage);
    RUN(test_random_printf);
    RUN(test_random_digits);
    RUN(test_midpoints);
    CHECK_DONE();
}
