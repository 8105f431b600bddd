/* placeholder until the simulator lands */
#include "cli/commands.h"
int tep_cmd_simulate(int argc, char **argv) { (void)argc; (void)argv; return 1; }
int tep_cmd_campaign(int argc, char **argv) { (void)argc; (void)argv; return 1; }
