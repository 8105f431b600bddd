/* text.h - UTF-8 decoding and the escaping of outside text (file names, run ids,
 * cell values) for one-line plain-text output such as log lines, error messages
 * and summaries.
 *
 * Text from outside may hold line breaks, terminal control sequences, characters
 * that reorder what a terminal shows, or bytes that are not UTF-8; written as is it
 * could forge a log line, break a terminal or make a name look like another. The
 * escapes keep printable UTF-8 as it is and write everything else as an escape, so
 * one record stays one line and every byte can be read back from it. UTF-8 validity
 * follows RFC 3629 (no overlong forms, no surrogates, nothing above U+10FFFF).
 */
#ifndef TEP_CORE_TEXT_H
#define TEP_CORE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Length (1..4) of the valid UTF-8 sequence at s (n > 0 bytes available), its code
 * point in *cp; 0 when the bytes there are not valid UTF-8 (a stray continuation
 * byte, an overlong form, a surrogate, above U+10FFFF, or cut short by n). */
size_t tep_utf8_decode(const char *s, size_t n, unsigned *cp);

/* Offset of the first byte of s (n bytes) that does not begin a valid UTF-8
 * sequence, or -1 when all n bytes are valid UTF-8. ASCII is skipped without
 * decoding: this check runs on every string a reader takes in. */
long tep_utf8_invalid_at(const char *s, size_t n);

/* Length of the longest prefix of s (n bytes) that does not end inside a UTF-8
 * sequence: where to cut text so that no character is split. */
size_t tep_utf8_cut(const char *s, size_t n);

/* True for the code points the escapes below never show as they are: C0 controls,
 * DEL, C1 controls (U+0080..U+009F), the line and paragraph separators U+2028 and
 * U+2029 (line breaks to some viewers), and the bidirectional embeddings, overrides
 * and isolates U+202A..U+202E and U+2066..U+2069, which make a terminal show text in
 * another order than it is stored ("Trojan Source", CVE-2021-42574). */
bool tep_text_is_control(unsigned cp);

/* Longest escape of one character: "\u2028" or a 4-byte character, and a NUL. */
#define TEP_TEXT_PIECE_MAX 8

/* The escape of the character at s (n > 0 bytes) for one-line plain text, written
 * NUL-terminated to piece; returns the bytes of s it stands for (>= 1).
 * The escapes: '\' as \\, line feed, carriage return and tab as \n, \r, \t, other C0
 * controls and DEL as \xNN, a byte that is not UTF-8 as \xNN (its value), the other
 * code points of tep_text_is_control as \uXXXX (hex digits upper-case); everything
 * else as it is. The result is readable back unambiguously. */
size_t tep_text_escape_char(const char *s, size_t n, char piece[TEP_TEXT_PIECE_MAX]);

/* Write s (NUL-terminated) to out for a one-line plain-text record, each character
 * as tep_text_escape_char writes it. Always NUL-terminates out (outsize > 0); when
 * out is too small the text is cut before a whole character or escape. Returns out. */
const char *tep_text_escape_line(const char *s, char *out, size_t outsize);

/* Write s (NUL-terminated) escaped as tep_text_escape_line does, to the stream f,
 * whole whatever its length. */
void tep_text_write_line(FILE *f, const char *s);

/* Quote a piece of outside text for a message: the n bytes at s (NULs included)
 * escaped as above, at most max_chars characters, then "..." when something was
 * left out (by max_chars, or by outsize: out is NUL-terminated and never ends
 * inside an escape or a character). Returns out. */
const char *tep_text_quote(const char *s, size_t n, size_t max_chars, char *out, size_t outsize);

#endif
