/* cli_util.c - shared helpers of the `tep` subcommands (see cli_util.h). */
#include "cli/cli_util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/log.h"
#include "core/text.h"

int tep_cli_double(const char *cmd, const char *option, const char *text, double *out)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || errno != 0 || !isfinite(v)) {
        fprintf(stderr, "tep %s: %s: expected a number, got '%s'\n", cmd, option, text);
        return -1;
    }
    *out = v;
    return 0;
}

int tep_cli_long(const char *cmd, const char *option, const char *text, long *out)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(text, &end, 10);
    if (end == text || *end != '\0' || errno != 0) {
        fprintf(stderr, "tep %s: %s: expected a whole number, got '%s'\n", cmd, option, text);
        return -1;
    }
    *out = v;
    return 0;
}

void tep_cli_report(const char *cmd, const struct tep_error *err)
{
    /* the whole record: its file, line and column, and its message */
    char buf[sizeof err->file + sizeof err->message + 64];
    fprintf(stderr, "tep %s: error: ", cmd);
    tep_text_write_line(stderr, tep_error_format(err, buf, sizeof buf));
    fputc('\n', stderr);
}

int tep_cli_log_level(const char *cmd, const char *level)
{
    enum tep_log_level l;
    if (tep_log_parse_level(level, &l) != 0) {
        fprintf(stderr, "tep %s: --log-level: expected debug, info, warn, error or off, got '%s'\n",
                cmd, level);
        return -1;
    }
    tep_log_set_level(l);
    return 0;
}
