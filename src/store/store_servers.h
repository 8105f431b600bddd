/* store_servers.h - the stores that live on a server: PostgreSQL and InfluxDB 1.x.
 *
 * Both are output stages (core/stage.h) selected by storage.type, next to the
 * embedded SQLite store (store.h). What they share: connection strings are
 * never shown with their password (tep_store_mask_connection), and the time
 * base of the rows' absolute timestamps is storage.start_time (ISO-8601) or,
 * when empty, the run's start (tep_store_parse_time).
 */
#ifndef TEP_STORE_STORE_SERVERS_H
#define TEP_STORE_STORE_SERVERS_H

#include <stddef.h>

#include "core/error.h"
#include "core/stage.h"

/* storage.type: postgresql (libpq, binary COPY; TimescaleDB hypertable when available) */
extern const struct tep_stage_plugin tep_store_postgresql_plugin;
/* storage.type: influxdb (1.x line protocol over HTTP with libcurl) */
extern const struct tep_stage_plugin tep_store_influxdb_plugin;

/* Copy `connection` (a libpq conninfo "key=value ...", or a URI such as
 * postgresql://user:secret@host/db or http://user:secret@host:8086) into `out`
 * with every password replaced by "***": the value of a password= keyword, the
 * password of the URI's user-info, and password=/p= URI query parameters. */
void tep_store_mask_connection(const char *connection, char *out, size_t n);

/* Replace, in `text`, every occurrence of each of the `nsecrets` secrets (NULL or
 * shorter than 3 bytes: ignored) by "***". */
void tep_store_hide_secrets(char *text, const char *const *secrets, size_t nsecrets);

/* A server's message for ours: `msg` on one line (line breaks and runs of blanks
 * become one space, none at the end) with the secrets hidden. */
void tep_store_scrub_message(const char *msg, const char *const *secrets, size_t nsecrets,
                             char *out, size_t n);

/* Parse an ISO-8601 time "YYYY-MM-DD[THH:MM[:SS[.fff]]][Z|+HH:MM|-HH:MM]" (a space
 * may replace the T; no zone = UTC) into seconds since 1970-01-01 UTC.
 * `what` names the setting in the message. */
int tep_store_parse_time(const char *text, const char *what, double *unix_seconds,
                         struct tep_error *err);

#endif
