/* pg_conninfo.h - a PostgreSQL connection string as pg_store.c and pg_read.c use it: the
 * libpq parameters that open it, its description for messages and the passwords to scrub.
 *
 * The masking and scrubbing themselves are shared with the InfluxDB store (store_servers.h);
 * this header holds what only the PostgreSQL code needs.
 */
#ifndef TEP_STORE_PG_CONNINFO_H
#define TEP_STORE_PG_CONNINFO_H

#include <libpq-fe.h>
#include <stddef.h>

#include "core/error.h"

/* Secrets of one connection: the conninfo's password, PGPASSWORD and the password libpq
 * used; NULL slots are free, each one set is malloc'd (its owner frees it). */
#define TEP_PG_SECRETS 3

/* The keyword / value arrays for PQconnectdbParams and PQpingParams (expand_dbname = 1):
 * `conninfo` (a conninfo string or URI) in place of dbname, after a 10 s connect_timeout and
 * the application name "tep", so that the conninfo may override both. Points into conninfo. */
struct tep_pg_params {
    const char *keywords[4];
    const char *values[4];
};
void tep_pg_params_init(struct tep_pg_params *p, const char *conninfo);

/* Add a copy of `s` to the secrets unless it is NULL, empty, already there or the slots are
 * full. */
void tep_pg_add_secret(char *secrets[TEP_PG_SECRETS], const char *s);

/* Describe `conninfo` for messages into `where`: "host=... port=... dbname=... user=..."
 * (PGHOST etc. or the default for what it leaves out), plus " password=***" when it holds
 * one, never the password itself; its password and PGPASSWORD join the secrets. A conninfo
 * libpq cannot parse gives TEP_ERR_CONFIG naming storage.connection_string. */
int tep_pg_describe(const char *conninfo, char *where, size_t where_size,
                    char *secrets[TEP_PG_SECRETS], struct tep_error *err);

#endif
