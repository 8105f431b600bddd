/* progress.c - the terminal progress bar (see progress.h). */
#include "core/progress.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/text.h"

/* Characters of a status line (after the label); a shorter one is padded with spaces so
 * that it covers the previous one. */
#define STATUS_CHARS 70

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
    /* room for a whole run id and the words around it; escaped, at most 4 bytes each
     * ("\xNN"), or 6 per 3-byte character ("\u2028") */
    char line[2048], shown[4 * sizeof line];
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (len >= (int)sizeof line) line[tep_utf8_cut(line, sizeof line - 1)] = '\0';
    tep_text_escape_line(line, shown, sizeof shown);
    /* the first STATUS_CHARS characters (escaped text is valid UTF-8), cut between two */
    size_t bytes = 0, chars = 0, n = strlen(shown);
    unsigned cp;
    while (bytes < n && chars < STATUS_CHARS) {
        bytes += tep_utf8_decode(shown + bytes, n - bytes, &cp);
        chars++;
    }
    fprintf(stderr, "\r%-20s %.*s%*s", p->label, (int)bytes, shown, (int)(STATUS_CHARS - chars),
            "");
    fflush(stderr);
}
