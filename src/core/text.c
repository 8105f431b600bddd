/* text.c - UTF-8 decoding and one-line escaping of outside text (see text.h). The
 * decoding rules are those of RFC 3629, section 4 (the UTF8-octets grammar). */
#include "core/text.h"

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

const char *tep_text_escape_line(const char *s, char *out, size_t outsize)
{
    size_t o = 0, n = strlen(s);
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        unsigned cp = 0;
        size_t len = tep_utf8_decode(s + i, n - i, &cp);
        char piece[8];
        size_t plen;
        if (len == 0) { /* not UTF-8: the byte's value */
            plen = (size_t)snprintf(piece, sizeof piece, "\\x%02X", c);
            len = 1;
        } else if (c == '\n' || c == '\r' || c == '\t') {
            plen = (size_t)snprintf(piece, sizeof piece, "\\%c",
                                    c == '\n'   ? 'n'
                                    : c == '\r' ? 'r'
                                                : 't');
        } else if (cp < 0x20 || cp == 0x7F) {
            plen = (size_t)snprintf(piece, sizeof piece, "\\x%02X", cp);
        } else if (cp >= 0x80 && cp <= 0x9F) {
            plen = (size_t)snprintf(piece, sizeof piece, "\\u%04X", cp);
        } else {
            memcpy(piece, s + i, len);
            plen = len;
        }
        if (o + plen + 1 > outsize) break;
        memcpy(out + o, piece, plen);
        o += plen;
        i += len;
    }
    if (outsize) out[o] = '\0';
    return out;
}
