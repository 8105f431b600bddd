/* commands.h - the table of `tep` subcommands; each lives in its own cmd_*.c. */
#ifndef TEP_CLI_COMMANDS_H
#define TEP_CLI_COMMANDS_H

struct tep_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
};

extern const struct tep_command tep_commands[];

int tep_cmd_simulate(int argc, char **argv);
int tep_cmd_campaign(int argc, char **argv);
int tep_cmd_run(int argc, char **argv);
int tep_cmd_analyze(int argc, char **argv);
int tep_cmd_report(int argc, char **argv);

#endif
