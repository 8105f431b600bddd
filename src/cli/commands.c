/* commands.c - registration of the `tep` subcommands. */
#include "cli/commands.h"

#include <stddef.h>

const struct tep_command tep_commands[] = {
    {"simulate", "run the plant and write samples", tep_cmd_simulate},
    {"run", "the pipeline from config.yaml: collect, preprocess, store", tep_cmd_run},
    {"analyze", "fault detection with PCA / DPCA, scored with FDR, FAR and delay", tep_cmd_analyze},
    {"report", "an HTML report of the runs in the store", tep_cmd_report},
    {"campaign", "many runs (faults x seeds) in parallel", tep_cmd_campaign},
    {NULL, NULL, NULL},
};
