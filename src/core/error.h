/* error.h - one error record that every tep function fills on failure.
 *
 * Convention used across the library: a function returns 0 on success and -1
 * on failure, after filling the caller's `struct tep_error` (which may be NULL
 * when the caller does not care). Library code never prints and never exits;
 * only the CLI turns an error into a message and an exit code.
 * The record names the file, line (or row) and column the problem is about
 * when there is one, so a user can go straight to the bad cell.
 */
#ifndef TEP_CORE_ERROR_H
#define TEP_CORE_ERROR_H

#include <stddef.h>

enum tep_err_code {
    TEP_OK = 0,
    TEP_ERR_ARG,         /* bad argument or option value */
    TEP_ERR_IO,          /* open/read/write/rename failed */
    TEP_ERR_PARSE,       /* malformed input data */
    TEP_ERR_CONFIG,      /* invalid configuration */
    TEP_ERR_NOMEM,       /* allocation failed */
    TEP_ERR_STORE,       /* database / sink failure */
    TEP_ERR_UNSUPPORTED, /* feature not (yet) supported */
    TEP_ERR_NET,         /* network / server failure */
    TEP_ERR_MATH,        /* numerical failure (singular matrix, ...) */
    TEP_ERR_INTERNAL,    /* a bug: an invariant did not hold */
};

/* Sizes: a whole path (PATH_MAX, 4096 on Linux) in `file`; in `message` room for two
 * whole run ids (up to 1023 bytes each: TEP_RUN_ID_MAX), a whole path and the words
 * around them, so that "run <id>: ... '<id>' ... <path>: <cause>" is never cut. */
#define TEP_ERROR_FILE_MAX 4096
#define TEP_ERROR_MESSAGE_MAX 8192

struct tep_error {
    int code;                            /* enum tep_err_code; TEP_OK when no error */
    char file[TEP_ERROR_FILE_MAX];       /* file the error is about, "" if none */
    long line;                           /* 1-based line or row, 0 if not applicable */
    long column;                         /* 1-based column (field) number, 0 if not applicable */
    char message[TEP_ERROR_MESSAGE_MAX]; /* cut between characters if ever too long */
};

/* Reset to "no error". */
void tep_error_clear(struct tep_error *err);

/* Fill `err` (if not NULL) and return -1, so callers can write
 * `return tep_error_set(err, TEP_ERR_ARG, "...")`. */
int tep_error_set(struct tep_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Same, with a location: file (may be NULL), line and column (0 = none). */
int tep_error_set_at(struct tep_error *err, int code, const char *file, long line, long column,
                     const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* Set from errno after a failed system call on `path`: "<what> '<path>': <strerror>". */
int tep_error_set_errno(struct tep_error *err, int code, const char *what, const char *path);

/* Prefix the current message with more context ("while reading run 3: ..."). The
 * message (the cause) is kept whole: a prefix that does not fit beside it is cut
 * between characters and ends in "...". */
void tep_error_prefix(struct tep_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Append more text to the current message (" (on the last line ...)"); cut between
 * characters when it does not fit. */
void tep_error_append(struct tep_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Render as "file:line:column: message" (parts omitted when absent). */
const char *tep_error_format(const struct tep_error *err, char *buf, size_t bufsize);

/* Short name of a code ("parse error", "I/O error", ...). */
const char *tep_error_code_name(int code);

#endif
