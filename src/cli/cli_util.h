/* cli_util.h - small helpers shared by the `tep` subcommands: strict number
 * parsing with clear messages, and common logging options. */
#ifndef TEP_CLI_CLI_UTIL_H
#define TEP_CLI_CLI_UTIL_H

#include <stdbool.h>

#include "core/error.h"

/* Parse a finite double / a long; on failure print "tep <cmd>: <option>: expected ..." and return -1. */
int tep_cli_double(const char *cmd, const char *option, const char *text, double *out);
int tep_cli_long(const char *cmd, const char *option, const char *text, long *out);

/* Print an error record as "tep <cmd>: error: file:line:col: message", on one line:
 * the outside text it carries (file names, run ids) is escaped as log lines are
 * (core/text.h), so it can neither forge a line nor drive the terminal. */
void tep_cli_report(const char *cmd, const struct tep_error *err);

/* Apply --log-level NAME / --log-json; returns -1 (after a message) for an unknown level. */
int tep_cli_log_level(const char *cmd, const char *level);

#endif
