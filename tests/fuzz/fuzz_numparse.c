/* fuzz_numparse.c - libFuzzer target: the number parser (src/io/numparse.c).
 *
 * Differential: tep_num_parse() promises exactly strtod()'s double, bit for bit,
 * for its grammar [+-] (digits [. digits] | . digits) [(e|E) [+-] digits]. For text
 * that starts like such a number (not hexadecimal, inf or nan, which it leaves to
 * its callers) both must stop at the same character and give the same bits; for
 * any other text tep_num_parse must return NULL. It must never read past `end`:
 * the input is copied to a buffer of exactly its size, so ASan sees any overread.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/numparse.h"

static void fail(const char *what, const char *text, size_t n)
{
    fprintf(stderr, "numparse: %s for '%.*s'\n", what, (int)(n > 200 ? 200 : n), text);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size ? size : 1); /* no terminator: overreads are ASan errors */
    char *copy = malloc(size + 1);        /* NUL-terminated, for strtod */
    if (!text || !copy) abort();
    memcpy(text, data, size);
    memcpy(copy, data, size);
    copy[size] = '\0';
    double ours = 0, fallback_value = 0;
    bool used_fallback = false;
    const char *stop = tep_num_parse(text, text + size, &ours);
    const char *stop_ex = tep_num_parse_ex(text, text + size, &fallback_value, &used_fallback);
    if (stop != stop_ex || (stop && memcmp(&ours, &fallback_value, sizeof ours) != 0))
        fail("tep_num_parse and tep_num_parse_ex differ", copy, size);

    /* Does the text start like a number of the grammar? (strtod would also take
     * leading spaces, hexadecimal, inf and nan, which are not numbers here.) */
    size_t i = 0;
    if (i < size && (text[i] == '+' || text[i] == '-')) i++;
    bool digit = i < size && text[i] >= '0' && text[i] <= '9';
    bool dot_digit = i + 1 < size && text[i] == '.' && text[i + 1] >= '0' && text[i + 1] <= '9';
    bool hex =
        digit && text[i] == '0' && i + 1 < size && (text[i + 1] == 'x' || text[i + 1] == 'X');
    if (!digit && !dot_digit) {
        if (stop) fail("a number where none starts", copy, size);
    } else if (!stop) {
        fail("no number where one starts", copy, size);
    } else if (!hex) { /* a NUL ends both: it is no part of a number */
        char *end = NULL;
        double reference = strtod(copy, &end);
        if (end - copy != stop - text) fail("stops elsewhere than strtod", copy, size);
        if (memcmp(&reference, &ours, sizeof ours) != 0) fail("differs from strtod", copy, size);
    } else if (stop <= text || stop > text + size) {
        fail("stop outside the text", copy, size);
    }
    free(text);
    free(copy);
    return 0;
}
