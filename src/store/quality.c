/* quality.c - data-quality metrics of a run, rendered for the stores (JSON and rows). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "prep/prep.h"
#include "store/store.h"

struct json_builder {
    json_t *run;
    json_t *columns;
};

static int add_to_json(void *user, const char *column, const char *name, uint64_t value)
{
    struct json_builder *b = user;
    json_t *target = b->run;
    if (column[0]) {
        target = json_object_get(b->columns, column);
        if (!target) {
            target = json_object();
            if (!target || json_object_set_new(b->columns, column, target) != 0) return -1;
        }
    }
    return json_object_set_new(target, name, json_integer((json_int_t)value));
}

char *tep_store_quality_json(const struct tep_run_meta *meta)
{
    const struct tep_prep_metrics *m = meta->quality;
    if (!m) return NULL;
    struct json_builder b = {json_object(), json_object()};
    char *text = NULL;
    if (!b.run || !b.columns) goto done;
    if (tep_prep_metrics_foreach(m, false, add_to_json, &b) != 0) goto done;
    json_t *root = json_pack("{s:O,s:O}", "run", b.run, "columns", b.columns);
    if (root) {
        text = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(root);
    }
done:
    json_decref(b.run);
    json_decref(b.columns);
    return text;
}

struct row_writer {
    struct tep_stage *stage;
    const char *run_id;
    struct tep_error *err;
};

static int store_row(void *user, const char *column, const char *name, uint64_t value)
{
    struct row_writer *w = user;
    return tep_sqlite_store_quality_row(w->stage, w->run_id, column[0] ? column : "*", name,
                                        (long long)value, w->err);
}

int tep_store_quality_rows(const struct tep_run_meta *meta, struct tep_stage *stage,
                           struct tep_error *err)
{
    const struct tep_prep_metrics *m = meta->quality;
    if (!m) return 0;
    struct row_writer w = {stage, meta->run_id, err};
    return tep_prep_metrics_foreach(m, false, store_row, &w) != 0 ? -1 : 0;
}
