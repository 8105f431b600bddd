/* error.c - filling and rendering struct tep_error (see error.h). Text cut to fit a
 * field is cut between characters, never inside a UTF-8 sequence. */
#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/text.h"

void tep_error_clear(struct tep_error *err)
{
    if (!err) return;
    err->code = TEP_OK;
    err->file[0] = '\0';
    err->line = 0;
    err->column = 0;
    err->message[0] = '\0';
}

/* After a snprintf of `len` bytes into s[size]: when cut, end at a character boundary. */
static void cut_whole(char *s, size_t size, int len)
{
    if (len >= (int)size) s[tep_utf8_cut(s, size - 1)] = '\0';
}

static void set_location(struct tep_error *err, const char *file, long line, long column)
{
    if (file)
        cut_whole(err->file, sizeof err->file, snprintf(err->file, sizeof err->file, "%s", file));
    else
        err->file[0] = '\0';
    err->line = line;
    err->column = column;
}

int tep_error_set(struct tep_error *err, int code, const char *fmt, ...)
{
    if (!err) return -1;
    err->code = code;
    set_location(err, NULL, 0, 0);
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    cut_whole(err->message, sizeof err->message, len);
    return -1;
}

int tep_error_set_at(struct tep_error *err, int code, const char *file, long line, long column,
                     const char *fmt, ...)
{
    if (!err) return -1;
    err->code = code;
    set_location(err, file, line, column);
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    cut_whole(err->message, sizeof err->message, len);
    return -1;
}

int tep_error_set_errno(struct tep_error *err, int code, const char *what, const char *path)
{
    int saved = errno;
    return tep_error_set_at(err, code, path, 0, 0, "%s: %s", what, strerror(saved));
}

void tep_error_prefix(struct tep_error *err, const char *fmt, ...)
{
    if (!err) return;
    char prefix[sizeof err->message];
    va_list ap;
    va_start(ap, fmt);
    cut_whole(prefix, sizeof prefix, vsnprintf(prefix, sizeof prefix, fmt, ap));
    va_end(ap);
    static const char sep[] = ": ", cut_mark[] = "...";
    size_t cause = strlen(err->message), plen = strlen(prefix);
    size_t room = sizeof err->message - 1 - cause;         /* for the prefix and ": " */
    if (room < strlen(sep) + strlen(cut_mark) + 1) return; /* no room: the cause alone */
    if (plen + strlen(sep) > room) { /* too long beside the cause: cut, marked */
        plen = tep_utf8_cut(prefix, room - strlen(sep) - strlen(cut_mark));
        memcpy(prefix + plen, cut_mark, strlen(cut_mark));
        plen += strlen(cut_mark);
    }
    memmove(err->message + plen + strlen(sep), err->message, cause + 1);
    memcpy(err->message, prefix, plen);
    memcpy(err->message + plen, sep, strlen(sep));
}

void tep_error_append(struct tep_error *err, const char *fmt, ...)
{
    if (!err) return;
    size_t used = strlen(err->message);
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(err->message + used, sizeof err->message - used, fmt, ap);
    va_end(ap);
    if (len >= 0 && used + (size_t)len >= sizeof err->message)
        err->message[tep_utf8_cut(err->message, sizeof err->message - 1)] = '\0';
}

const char *tep_error_format(const struct tep_error *err, char *buf, size_t bufsize)
{
    if (!buf || bufsize == 0) return "";
    if (!err || err->code == TEP_OK) {
        snprintf(buf, bufsize, "no error");
        return buf;
    }
    size_t n = 0;
    if (err->file[0]) {
        n += (size_t)snprintf(buf + n, bufsize - n, "%s:", err->file);
        if (n < bufsize && err->line > 0)
            n += (size_t)snprintf(buf + n, bufsize - n, "%ld:", err->line);
        if (n < bufsize && err->column > 0)
            n += (size_t)snprintf(buf + n, bufsize - n, "%ld:", err->column);
        if (n < bufsize) n += (size_t)snprintf(buf + n, bufsize - n, " ");
    } else if (err->line > 0) {
        n += (size_t)snprintf(buf + n, bufsize - n, "line %ld:", err->line);
        if (n < bufsize && err->column > 0)
            n += (size_t)snprintf(buf + n, bufsize - n, "%ld:", err->column);
        if (n < bufsize) n += (size_t)snprintf(buf + n, bufsize - n, " ");
    }
    if (n < bufsize) snprintf(buf + n, bufsize - n, "%s", err->message);
    return buf;
}

const char *tep_error_code_name(int code)
{
    switch (code) {
    case TEP_OK: return "ok";
    case TEP_ERR_ARG: return "invalid argument";
    case TEP_ERR_IO: return "I/O error";
    case TEP_ERR_PARSE: return "parse error";
    case TEP_ERR_CONFIG: return "configuration error";
    case TEP_ERR_NOMEM: return "out of memory";
    case TEP_ERR_STORE: return "storage error";
    case TEP_ERR_UNSUPPORTED: return "not supported";
    case TEP_ERR_NET: return "network error";
    case TEP_ERR_MATH: return "numerical error";
    case TEP_ERR_INTERNAL: return "internal error";
    default: return "error";
    }
}
