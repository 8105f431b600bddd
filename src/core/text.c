/* text.c - UTF-8 decoding and one-line escaping of outside text (see text.h). The
 * decoding rules are those of RFC 3629, section 4 (the UTF8-octets grammar); the
 * bidirectional formatting characters are those of Unicode UAX #9, section 2. */
#include "core/text.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

size_t tep_utf8_decode(const char *s, size_t n, unsigned *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned c = u[0], min;
    size_t len;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2, *cp = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3, *cp = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4, *cp = c & 0x07, min = 0x10000;
    } else {
        return 0; /* continuation byte, C0/C1 overlong lead, or F5..FF */
    }
    if (len > n) return 0;
    for (size_t k = 1; k < len; k++) {
        if ((u[k] & 0xC0) != 0x80) return 0;
        *cp = (*cp << 6) | (u[k] & 0x3F);
    }
    if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF)) return 0;
    return len;
}

long tep_utf8_invalid_at(const char *s, size_t n)
{
    const uint64_t high_bits = 0x8080808080808080ull;
    size_t i = 0;
    while (i < n) {
        /* ASCII, eight bytes at a time, then byte by byte up to the next other byte */
        uint64_t word;
        while (i + 8 <= n && (memcpy(&word, s + i, 8), (word & high_bits) == 0))
            i += 8;
        while (i < n && (unsigned char)s[i] < 0x80)
            i++;
        if (i == n) break;
        unsigned cp;
        size_t len = tep_utf8_decode(s + i, n - i, &cp);
        if (len == 0) return (long)i;
        i += len;
    }
    return -1;
}

size_t tep_utf8_cut(const char *s, size_t n)
{
    /* back over the continuation bytes at the end (at most 3) to the last lead byte */
    size_t i = n, trailing = 0;
    while (i > 0 && trailing < 3 && ((unsigned char)s[i - 1] & 0xC0) == 0x80)
        i--, trailing++;
    if (i == 0) return n; /* nothing but continuation bytes: no character to split */
    unsigned char lead = (unsigned char)s[i - 1];
    size_t want = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    return trailing + 1 < want ? i - 1 : n;
}

bool tep_text_is_control(unsigned cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
           (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

size_t tep_text_escape_char(const char *s, size_t n, char piece[TEP_TEXT_PIECE_MAX])
{
    unsigned char c = (unsigned char)s[0];
    unsigned cp = 0;
    size_t len = tep_utf8_decode(s, n, &cp);
    if (len == 0) { /* not UTF-8: the byte's value */
        snprintf(piece, TEP_TEXT_PIECE_MAX, "\\x%02X", c);
        return 1;
    }
    if (c == '\\' || c == '\n' || c == '\r' || c == '\t')
        snprintf(piece, TEP_TEXT_PIECE_MAX, "\\%c",
                 c == '\n'   ? 'n'
                 : c == '\r' ? 'r'
                 : c == '\t' ? 't'
                             : '\\');
    else if (cp < 0x20 || cp == 0x7F)
        snprintf(piece, TEP_TEXT_PIECE_MAX, "\\x%02X", cp);
    else if (tep_text_is_control(cp))
        snprintf(piece, TEP_TEXT_PIECE_MAX, "\\u%04X", cp);
    else {
        memcpy(piece, s, len);
        piece[len] = '\0';
    }
    return len;
}

/* Escape the n bytes at s into out (outsize > 0), at most max_chars characters;
 * returns the bytes of s shown (n when all of them), out NUL-terminated. `reserve`
 * bytes of out are kept free (for a mark that something was left out). */
static size_t escape_into(const char *s, size_t n, size_t max_chars, char *out, size_t outsize,
                          size_t reserve)
{
    size_t o = 0, i = 0;
    for (size_t chars = 0; i < n && chars < max_chars; chars++) {
        char piece[TEP_TEXT_PIECE_MAX];
        size_t len = tep_text_escape_char(s + i, n - i, piece);
        size_t plen = strlen(piece);
        if (o + plen + reserve + 1 > outsize) break;
        memcpy(out + o, piece, plen);
        o += plen;
        i += len;
    }
    out[o] = '\0';
    return i;
}

const char *tep_text_escape_line(const char *s, char *out, size_t outsize)
{
    if (outsize) escape_into(s, strlen(s), (size_t)-1, out, outsize, 0);
    return out;
}

void tep_text_write_line(FILE *f, const char *s)
{
    for (size_t i = 0, n = strlen(s); i < n;) {
        char piece[TEP_TEXT_PIECE_MAX];
        i += tep_text_escape_char(s + i, n - i, piece);
        fputs(piece, f);
    }
}

const char *tep_text_quote(const char *s, size_t n, size_t max_chars, char *out, size_t outsize)
{
    if (outsize == 0) return out;
    if (outsize < 4) { /* no room for "...": nothing */
        out[0] = '\0';
        return out;
    }
    size_t shown = escape_into(s, n, max_chars, out, outsize, 0);
    if (shown < n) { /* cut: again with room for the mark */
        shown = escape_into(s, n, max_chars, out, outsize, 3);
        strcat(out, "...");
    }
    return out;
}
