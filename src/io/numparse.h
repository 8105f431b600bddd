/* numparse.h - fast, correctly rounded decimal text to double conversion.
 *
 * The readers spend most of their time turning text such as "2704.9999840000001"
 * into doubles. tep_num_parse() does that without copying or NUL-terminating the
 * text and returns exactly the double strtod() returns for the same characters
 * (round to nearest, ties to even), bit for bit, including -0, subnormals and
 * overflow to infinity. Common inputs take Clinger's exact fast path or the
 * Eisel-Lemire 128-bit algorithm; the rare cases these cannot decide are handed
 * to strtod() on a canonical, locale-independent copy of the digits.
 */
#ifndef TEP_IO_NUMPARSE_H
#define TEP_IO_NUMPARSE_H

#include <stdbool.h>
#include <stdint.h>

/* Parse the number that starts at `p` (the text ends at `end`, which is never read).
 * Grammar: [+-] (digits [. digits*] | . digits) [(e|E) [+-] digits], with no leading
 * spaces; like strtod, an 'e' without exponent digits is not part of the number.
 * inf, nan and hexadecimal forms are not numbers here (the callers decide about them).
 * On success stores the value in *out and returns a pointer just past the number;
 * returns NULL, leaving *out alone, when no number starts at `p`. */
const char *tep_num_parse(const char *p, const char *end, double *out);

/* Same, and reports in *used_fallback (if not NULL) whether the result came from the
 * strtod fallback rather than the fast paths (for tests and benchmarks). */
const char *tep_num_parse_ex(const char *p, const char *end, double *out, bool *used_fallback);

/* The 128-bit floor-normalised approximation of 5^q used by Eisel-Lemire, for
 * q in [TEP_NUM_POW5_MIN, TEP_NUM_POW5_MAX]: 5^q ~= (hi * 2^64 + lo) * 2^s with the
 * top bit of hi set, rounded down. Exposed so the tests can check the table
 * against exact big-integer arithmetic. Returns -1 if q is out of range. */
#define TEP_NUM_POW5_MIN (-342)
#define TEP_NUM_POW5_MAX 308
int tep_num_pow5_entry(int q, uint64_t *hi, uint64_t *lo);

#endif
