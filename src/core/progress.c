/* progress.c - the terminal progress bar (see progress.h). */
#include "core/progress.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

double tep_now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

void tep_progress_start(struct tep_progress *p, const char *label, double total, bool quiet)
{
    p->enabled = !quiet && isatty(STDERR_FILENO);
    p->total = total > 0 ? total : 1;
    p->last_draw_s = 0;
    snprintf(p->label, sizeof p->label, "%s", label);
}

static void draw(struct tep_progress *p, double done)
{
    double frac = done / p->total;
    if (frac < 0) frac = 0;
    if (frac > 1) frac = 1;
    int width = 30, filled = (int)(frac * width + 0.5);
    char bar[64];
    for (int i = 0; i < width; i++) bar[i] = i < filled ? '#' : '.';
    bar[width] = '\0';
    fprintf(stderr, "\r%-20s [%s] %5.1f%%", p->label, bar, 100.0 * frac);
    fflush(stderr);
}

void tep_progress_update(struct tep_progress *p, double done)
{
    if (!p->enabled) return;
    double now = tep_now_seconds();
    if (now - p->last_draw_s < 0.1) return;
    p->last_draw_s = now;
    draw(p, done);
}

void tep_progress_finish(struct tep_progress *p)
{
    if (!p->enabled) return;
    draw(p, p->total);
    fputc('\n', stderr);
}

void tep_progress_status(struct tep_progress *p, const char *fmt, ...)
{
    if (!p->enabled) return;
    double now = tep_now_seconds();
    if (now - p->last_draw_s < 0.1) return;
    p->last_draw_s = now;
    char line[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\r%-20s %-70.70s", p->label, line);
    fflush(stderr);
}
