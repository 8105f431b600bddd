/* error.c - filling and rendering struct tep_error (see error.h). */
#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void tep_error_clear(struct tep_error *err)
{
    if (!err) return;
    err->code = TEP_OK;
    err->file[0] = '\0';
    err->line = 0;
    err->column = 0;
    err->message[0] = '\0';
}

static void set_location(struct tep_error *err, const char *file, long line, long column)
{
    if (file)
        snprintf(err->file, sizeof err->file, "%s", file);
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
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
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
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
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
    char prefix[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    char old[sizeof err->message];
    memcpy(old, err->message, sizeof old);
    snprintf(err->message, sizeof err->message, "%s: %s", prefix, old);
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
