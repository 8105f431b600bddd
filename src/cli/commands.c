/* commands.c - registration of the `tep` subcommands. */
#include "cli/commands.h"

#include <stddef.h>

const struct tep_command tep_commands[] = {
    {"simulate", "run the plant and write samples", tep_cmd_simulate},
    {"run", "the pipeline from config.yaml: collect, preprocess, store", tep_cmd_run},
    {"campaign", "many runs (faults x seeds) in parallel", tep_cmd_campaign},
    {NULL, NULL, NULL},
};
