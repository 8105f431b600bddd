/* log.c - the process-wide logger behind log.h. Messages go to stderr so that
 * data written to stdout (`--output -`) is never mixed with log text. */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static enum tep_log_level current_level = TEP_LOG_INFO;
static bool json_lines = false;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *level_names[] = {"debug", "info", "warn", "error", "off"};

void tep_log_set_level(enum tep_log_level level) { current_level = level; }
enum tep_log_level tep_log_get_level(void) { return current_level; }
void tep_log_set_json(bool json) { json_lines = json; }

int tep_log_parse_level(const char *name, enum tep_log_level *out)
{
    if (!name) return -1;
    for (int i = 0; i <= TEP_LOG_OFF; i++) {
        if (strcasecmp(name, level_names[i]) == 0) {
            *out = (enum tep_log_level)i;
            return 0;
        }
    }
    if (strcasecmp(name, "warning") == 0) {
        *out = TEP_LOG_WARN;
        return 0;
    }
    return -1;
}

/* Write `s` as a JSON string body (without quotes), escaping as RFC 8259 requires. */
static void write_json_escaped(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c == '\t')
            fputs("\\t", f);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
}

void tep_log(enum tep_log_level level, const char *component, const char *fmt, ...)
{
    if (level < current_level || level >= TEP_LOG_OFF) return;
    char message[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);

    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct tm tm;
    gmtime_r(&now.tv_sec, &tm);
    char stamp[40];
    snprintf(stamp, sizeof stamp, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, now.tv_nsec / 1000000);

    pthread_mutex_lock(&log_lock);
    if (json_lines) {
        fprintf(stderr, "{\"ts\":\"%s\",\"level\":\"%s\",\"component\":\"", stamp,
                level_names[level]);
        write_json_escaped(stderr, component ? component : "");
        fputs("\",\"msg\":\"", stderr);
        write_json_escaped(stderr, message);
        fputs("\"}\n", stderr);
    } else {
        fprintf(stderr, "%s %-5s [%s] %s\n", stamp, level_names[level], component ? component : "-",
                message);
    }
    fflush(stderr);
    pthread_mutex_unlock(&log_lock);
}
