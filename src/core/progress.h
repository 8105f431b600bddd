/* progress.h - a one-line progress bar on stderr, shown only on a terminal.
 *
 * Long runs (a simulation of many hours, a campaign, a pipeline over large
 * files) report progress here; when stderr is not a terminal (CI, pipes,
 * logs) nothing is drawn, so output stays clean. Redraws are rate-limited.
 */
#ifndef TEP_CORE_PROGRESS_H
#define TEP_CORE_PROGRESS_H

#include <stdbool.h>

struct tep_progress {
    bool enabled;        /* stderr is a terminal and the user did not ask for quiet */
    double total;        /* work units for 100 % */
    double last_draw_s;  /* monotonic time of the last redraw */
    char label[64];
};

void tep_progress_start(struct tep_progress *p, const char *label, double total, bool quiet);
void tep_progress_update(struct tep_progress *p, double done);
void tep_progress_finish(struct tep_progress *p);

/* A status line instead of a bar, for work of unknown size ("run 2: 40960 rows").
 * The text may carry outside text (run ids): it is escaped as log lines are
 * (core/text.h) and shown up to 70 characters, cut between two characters. */
void tep_progress_status(struct tep_progress *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Monotonic clock in seconds. */
double tep_now_seconds(void);

#endif
