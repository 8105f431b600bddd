/* cmd_analyze.h - running an analysis job the way `tep analyze` and `tep report` do, for the
 * commands that start one (`tep run`'s analysis: section too). */
#ifndef TEP_CLI_CMD_ANALYZE_H
#define TEP_CLI_CMD_ANALYZE_H

#include "pipeline/analysis_job.h"

/* Check the outputs (at most one on standard output) and, without store defaults, that
 * there is training data and a test; score, print the model line and the table (on stdout,
 * or stderr when an output goes to stdout), write the outputs and say where they went.
 * Messages start with "tep <cmd>:". Returns the exit status: 0, 1 (failure) or 2 (usage). */
int tep_cli_analysis(const char *cmd, const struct tep_analysis_job *job);

#endif
