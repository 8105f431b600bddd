/* text.h - UTF-8 decoding and the escaping of outside text (file names, run ids,
 * cell values) for one-line plain-text output such as log lines and summaries.
 *
 * Text from outside may hold line breaks, terminal control sequences or bytes that
 * are not UTF-8; written as is it could forge a log line or break a terminal.
 * tep_text_escape_line keeps printable UTF-8 as it is and writes everything else
 * as an escape, so one record stays one line. UTF-8 validity follows RFC 3629
 * (no overlong forms, no surrogates, nothing above U+10FFFF).
 */
#ifndef TEP_CORE_TEXT_H
#define TEP_CORE_TEXT_H

#include <stddef.h>

/* Length (1..4) of the valid UTF-8 sequence at s (n > 0 bytes available), its code
 * point in *cp; 0 when the bytes there are not valid UTF-8 (a stray continuation
 * byte, an overlong form, a surrogate, above U+10FFFF, or cut short by n). */
size_t tep_utf8_decode(const char *s, size_t n, unsigned *cp);

/* Length of the longest prefix of s (n bytes) that does not end inside a UTF-8
 * sequence: where to cut text so that no character is split. */
size_t tep_utf8_cut(const char *s, size_t n);

/* Write s (NUL-terminated) to out for a one-line plain-text record: C0 controls and
 * DEL as \n, \r, \t or \xNN, C1 controls (U+0080..U+009F) as \u0080.., bytes that
 * are not UTF-8 as \xNN, everything else as is. Always NUL-terminates out (outsize
 * > 0); when out is too small the text is cut before a whole character or escape.
 * Returns out. */
const char *tep_text_escape_line(const char *s, char *out, size_t outsize);

#endif
