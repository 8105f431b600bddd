/* log.h - leveled logging to stderr, as plain text or JSON lines.
 *
 * The level and format are process-wide settings chosen by the CLI
 * (`--log-level`, `--log-json`); the logger is safe to call from several
 * threads (campaign workers). Library code logs progress and warnings here
 * but reports failures through struct tep_error, never by logging alone.
 */
#ifndef TEP_CORE_LOG_H
#define TEP_CORE_LOG_H

#include <stdbool.h>

enum tep_log_level {
    TEP_LOG_DEBUG = 0,
    TEP_LOG_INFO = 1,
    TEP_LOG_WARN = 2,
    TEP_LOG_ERROR = 3,
    TEP_LOG_OFF = 4,
};

void tep_log_set_level(enum tep_log_level level);
enum tep_log_level tep_log_get_level(void);
void tep_log_set_json(bool json);

/* Parse "debug", "info", "warn"/"warning", "error", "off"; -1 if unknown. */
int tep_log_parse_level(const char *name, enum tep_log_level *out);

/* Log one message from `component` (e.g. "sim", "csv"). */
void tep_log(enum tep_log_level level, const char *component, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define tep_debug(comp, ...) tep_log(TEP_LOG_DEBUG, comp, __VA_ARGS__)
#define tep_info(comp, ...) tep_log(TEP_LOG_INFO, comp, __VA_ARGS__)
#define tep_warn(comp, ...) tep_log(TEP_LOG_WARN, comp, __VA_ARGS__)
#define tep_errorlog(comp, ...) tep_log(TEP_LOG_ERROR, comp, __VA_ARGS__)

#endif
