/* log.c - the process-wide logger behind log.h. Messages go to stderr so that
 * data written to stdout (`--output -`) is never mixed with log text. A record is
 * always one line: messages carry outside text (file names, run ids), so plain
 * lines escape control characters and bytes that are not UTF-8 (core/text.h), and
 * JSON lines are valid JSON whatever the bytes (RFC 8259 escapes; U+FFFD for a
 * byte that is not UTF-8), with the characters tep_text_is_control names (line
 * separators, bidirectional overrides) escaped as \uXXXX too. */
#include "log.h"

#include "core/text.h"

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

/* Write `s` as a JSON string body (without quotes): RFC 8259 escapes for '"', '\\'
 * and control characters (C1, DEL and the others of tep_text_is_control too, for
 * terminals), U+FFFD for a byte that is not UTF-8, so the line is valid JSON. */
static void write_json_escaped(FILE *f, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        unsigned cp;
        size_t len = tep_utf8_decode(s + i, n - i, &cp);
        if (len == 0) {
            fputs("\\ufffd", f);
            i++;
            continue;
        }
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c == '\t')
            fputs("\\t", f);
        else if (tep_text_is_control(cp))
            fprintf(f, "\\u%04x", cp);
        else
            fwrite(s + i, 1, len, f);
        i += len;
    }
}

void tep_log(enum tep_log_level level, const char *component, const char *fmt, ...)
{
    if (level < current_level || level >= TEP_LOG_OFF) return;
    char message[2048];
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(message, sizeof message, fmt, ap);
    va_end(ap);
    if (len >= (int)sizeof message) /* cut short: never inside a character */
        message[tep_utf8_cut(message, sizeof message - 1)] = '\0';

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
        static char shown[4 * sizeof message], shown_component[256];
        tep_text_escape_line(message, shown, sizeof shown);
        tep_text_escape_line(component ? component : "-", shown_component, sizeof shown_component);
        fprintf(stderr, "%s %-5s [%s] %s\n", stamp, level_names[level], shown_component, shown);
    }
    fflush(stderr);
    pthread_mutex_unlock(&log_lock);
}
