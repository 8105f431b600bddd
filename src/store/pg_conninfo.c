/* pg_conninfo.c - a PostgreSQL connection string as the store (pg_store.c) and the reader
 * (pg_read.c) use it: the libpq keywords that open it (a connect timeout and the
 * application name, both overridable), its description for messages (host, port, database,
 * user, never the password) and the passwords it may carry, collected so that every message
 * can be scrubbed of them (see pg_conninfo.h).
 */
#include "store/pg_conninfo.h"

#include <stdlib.h>
#include <string.h>

#include "store/store_servers.h"

void tep_pg_params_init(struct tep_pg_params *p, const char *conninfo)
{
    /* later keywords win; connect_timeout first so the conninfo may override it */
    const char *const kw[] = {"connect_timeout", "fallback_application_name", "dbname", NULL};
    const char *const val[] = {"10", "tep", conninfo, NULL};
    memcpy(p->keywords, kw, sizeof kw);
    memcpy(p->values, val, sizeof val);
}

void tep_pg_add_secret(char *secrets[TEP_PG_SECRETS], const char *s)
{
    if (!s || !s[0]) return;
    for (size_t k = 0; k < TEP_PG_SECRETS; k++) {
        if (secrets[k] && strcmp(secrets[k], s) == 0) return;
        if (!secrets[k]) {
            secrets[k] = strdup(s);
            return;
        }
    }
}

int tep_pg_describe(const char *conninfo, char *where, size_t where_size,
                    char *secrets[TEP_PG_SECRETS], struct tep_error *err)
{
    char *errmsg = NULL;
    PQconninfoOption *opts = PQconninfoParse(conninfo, &errmsg);
    if (!opts) {
        char msg[512];
        tep_store_scrub_message(errmsg ? errmsg : "out of memory", (const char *const *)secrets,
                                TEP_PG_SECRETS, msg, sizeof msg);
        PQfreemem(errmsg);
        return tep_error_set(err, TEP_ERR_CONFIG, "storage.connection_string: %s", msg);
    }
    const char *host = NULL, *port = NULL, *db = NULL, *user = NULL, *password = NULL;
    for (PQconninfoOption *o = opts; o->keyword; o++) {
        if (!o->val || !o->val[0]) continue;
        if (strcmp(o->keyword, "host") == 0 || (strcmp(o->keyword, "hostaddr") == 0 && !host))
            host = o->val;
        else if (strcmp(o->keyword, "port") == 0)
            port = o->val;
        else if (strcmp(o->keyword, "dbname") == 0)
            db = o->val;
        else if (strcmp(o->keyword, "user") == 0)
            user = o->val;
        else if (strcmp(o->keyword, "password") == 0)
            password = o->val;
    }
    tep_pg_add_secret(secrets, password);
    tep_pg_add_secret(secrets, getenv("PGPASSWORD"));
    if (!host) host = getenv("PGHOST");
    if (!port) port = getenv("PGPORT");
    if (!db) db = getenv("PGDATABASE");
    if (!user) user = getenv("PGUSER");
    snprintf(where, where_size, "host=%s port=%s dbname=%s user=%s%s", host ? host : "(default)",
             port ? port : "5432", db ? db : "(default)", user ? user : "(default)",
             password ? " password=***" : "");
    PQconninfoFree(opts);
    return 0;
}
