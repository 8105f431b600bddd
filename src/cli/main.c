/* main.c - the `tep` command: dispatches to subcommands (simulate, ...). */
#include <gsl/gsl_errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/commands.h"

static void usage(FILE *out)
{
    fputs("usage: tep <command> [options]\n"
          "\n"
          "commands:\n"
          "  run        the pipeline from config.yaml: collect, preprocess, store\n"
          "  simulate   run the Tennessee Eastman plant (closed loop) and write samples\n"
          "  campaign   run many simulations (faults x seeds) into a folder, in parallel\n"
          "  analyze    fault detection with PCA / dynamic PCA, scored with FDR, FAR, delay\n"
          "  report     an HTML report of the runs in the store (charts, quality, detection)\n"
          "\n"
          "Run 'tep <command> --help' for the options of a command.\n",
          out);
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off(); /* GSL failures come back as return codes, never abort() */
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0) {
        puts("tep 0.1.0");
        return 0;
    }
    for (const struct tep_command *c = tep_commands; c->name; c++)
        if (strcmp(c->name, cmd) == 0) return c->run(argc - 1, argv + 1);
    fprintf(stderr, "tep: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
}
