/* bench_store_pg.c - load-only benchmark of the PostgreSQL store (storage.type postgresql).
 * Usage: bench_store_pg CONNINFO [ROWS [VALUE_COLUMNS [TABLE_PREFIX [LAYOUT [CONNECTIONS]]]]]
 *        (defaults 1000000 rows, 212 value columns = the 53 variables with rolling-20
 *        mean/std and first differences, prefix bench_, storage.layout auto,
 *        storage.connections 2)
 * Drives the plugin exactly as the pipeline does (init, begin_run, process per
 * 8192-row frame, end_run = COMMIT) with synthetic frames of random doubles, NULL
 * (NaN) where the rolling features are still empty (first 19 rows), so the server
 * does the same work as for a real run.
 * Prints seconds, rows/s and MB/s of binary COPY data. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "core/progress.h"
#include "core/stage.h"
#include "sim/rng.h"
#include "store/store_servers.h"

static int fail(const struct tep_error *err)
{
    char buf[1200];
    fprintf(stderr, "bench_store_pg: %s\n", tep_error_format(err, buf, sizeof buf));
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_store_pg CONNINFO [ROWS [VALUE_COLUMNS [TABLE_PREFIX [LAYOUT "
                        "[CONNECTIONS]]]]]\n");
        return 2;
    }
    long rows = argc > 2 ? atol(argv[2]) : 1000000;
    long ncols = argc > 3 ? atol(argv[3]) : 212;
    const char *prefix = argc > 4 ? argv[4] : "bench_";
    const char *layout = argc > 5 ? argv[5] : "auto";
    long connections = argc > 6 ? atol(argv[6]) : 2;
    const size_t chunk = 8192;
    struct tep_error err;
    tep_error_clear(&err);

    /* the stage, configured from YAML as the pipeline does */
    char yaml[4096];
    snprintf(yaml, sizeof yaml,
             "connection_string: '%s'\ntable_prefix: %s\nretry_seconds: 5\nlayout: %s\n"
             "connections: %ld\n",
             argv[1], prefix, layout, connections);
    struct tep_config cfg;
    if (tep_config_load_string(&cfg, "bench", yaml, &err) != 0) return fail(&err);
    struct tep_pipeline_env env = {.chunk_rows = chunk, .quiet = true};
    struct tep_stage st = {.plugin = &tep_store_postgresql_plugin, .env = &env};
    snprintf(st.name, sizeof st.name, "storage");
    st.options = calloc(1, st.plugin->options_size);
    if (!st.options || tep_config_apply(&cfg, tep_config_root(&cfg), st.plugin->config_keys,
                                        st.options, "storage", NULL, &err) != 0)
        return fail(&err);

    struct tep_frame *f = tep_frame_new(chunk);
    if (!f) return 1;
    static const char *const kinds[] = {"", "__roll20_mean", "__roll20_std", "__diff1"};
    for (long i = 0; i < ncols; i++) {
        char name[96];
        snprintf(name, sizeof name, "v%ld%s", i % 53 + 1, kinds[(i / 53) % 4]);
        if (i >= 212) snprintf(name, sizeof name, "extra_%ld", i);
        if (tep_frame_add_column(f, name, -1, &err) < 0) return fail(&err);
    }
    /* one frame of random values, reused for every chunk (only keys change) */
    struct tep_rng rng;
    tep_rng_seed(&rng, 12345);
    for (long i = 0; i < ncols; i++)
        for (size_t r = 0; r < chunk; r++)
            f->cols[i].data[r] = tep_rng_noise(&rng, 100.0);

    double t0 = tep_now_seconds();
    if (st.plugin->init(&st, &err) != 0) return fail(&err);
    double t_init = tep_now_seconds();
    struct tep_run_meta meta;
    memset(&meta, 0, sizeof meta);
    snprintf(meta.run_id, sizeof meta.run_id, "bench_%ld_rows", rows);
    snprintf(meta.source_kind, sizeof meta.source_kind, "bench");
    meta.size_bytes = -1;
    meta.fault_onset_h = meta.seed = meta.hours = NAN;
    meta.started_unix = 1714550400; /* 2024-05-01 */
    if (st.plugin->begin_run(&st, &meta, &err) != 0) return fail(&err);
    double bytes = 0;
    for (long done = 0; done < rows;) {
        size_t n = (size_t)(rows - done) < chunk ? (size_t)(rows - done) : chunk;
        f->nrows = n;
        for (size_t r = 0; r < n; r++) {
            f->sample[r] = done + (long)r + 1;
            f->time_h[r] = (double)(done + (long)r) * 0.05;
            f->fault[r] = 0;
        }
        /* the first rows of a run have no rolling features yet */
        for (long i = 53; i < ncols && done == 0; i++)
            for (size_t r = 0; r < 19 && r < n; r++)
                f->cols[i].data[r] = NAN;
        if (st.plugin->process(&st, f, &meta, &err) < 0) {
            st.plugin->abort_run(&st, &meta);
            return fail(&err);
        }
        if (done == 0)
            for (long i = 53; i < ncols; i++)
                for (size_t r = 0; r < 19 && r < n; r++)
                    f->cols[i].data[r] = tep_rng_noise(&rng, 1.0);
        bytes += (double)n * (2 + 6 * 4 + 8 * 4 + 4 + strlen(meta.run_id) + 12.0 * (double)ncols);
        done += (long)n;
    }
    meta.rows_read = rows;
    meta.finished_unix = meta.started_unix + 1;
    if (st.plugin->end_run(&st, &meta, NULL, &err) != 0) return fail(&err);
    double t1 = tep_now_seconds();
    st.plugin->finish(&st, &err);
    st.plugin->destroy(&st);
    printf("tep postgresql store (layout %s, %ld connection%s): %ld rows x %ld value columns "
           "loaded in %.2f s (connect + tables %.2f s): %.0f rows/s, %.0f MB/s of COPY data\n",
           layout, connections, connections == 1 ? "" : "s", rows, ncols, t1 - t_init, t_init - t0,
           (double)rows / (t1 - t_init), bytes / 1e6 / (t1 - t_init));
    free(st.options);
    tep_frame_free(f);
    tep_config_free(&cfg);
    return 0;
}
