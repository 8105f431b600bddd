/* campaign.c - parallel simulator runs into a folder (see campaign.h). */
#include "sim/campaign.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/atomic_file.h"
#include "core/progress.h"

/* Seeds that regenerate the Braatz files with the reference model
 * (../shared/tep-model/braatz-seeds.csv; FACTS.md §7). d00_te, d15_te and
 * d21_te have no known seed, and the training files d03..d21 were not verified. */
static const struct {
    const char *name;
    int idv;
    double seed;
    double hours;
    double fault_h;  /* < 0: none */
    long skip_rows;  /* samples dropped before the file starts */
    bool transposed;
} braatz_runs[] = {
    {"d00", 0, 4243534565.0, 25, -1, 0, true},
    {"d01", 1, 7854912354.0, 25, 1, 20, false},
    {"d02", 2, 3456432354.0, 25, 1, 20, false},
    {"d01_te", 1, 2994833239.0, 48, 8, 0, false},
    {"d02_te", 2, 2891123453.0, 48, 8, 0, false},
    {"d03_te", 3, 3420494299.0, 48, 8, 0, false},
    {"d04_te", 4, 5658678765.0, 48, 8, 0, false},
    {"d05_te", 5, 5658678765.0, 48, 8, 0, false},
    {"d06_te", 6, 6678322168.0, 48, 8, 0, false},
    {"d07_te", 7, 7327843434.0, 48, 8, 0, false},
    {"d08_te", 8, 8943242344.0, 48, 8, 0, false},
    {"d09_te", 9, 9343430004.0, 48, 8, 0, false},
    {"d10_te", 10, 1039839281.0, 48, 8, 0, false},
    {"d11_te", 11, 1134345551.0, 48, 8, 0, false},
    {"d12_te", 12, 2232323236.0, 48, 8, 0, false},
    {"d13_te", 13, 3454354353.0, 48, 8, 0, false},
    {"d14_te", 14, 4545445883.0, 48, 8, 0, false},
    {"d16_te", 16, 6284545932.0, 48, 8, 0, false},
    {"d17_te", 17, 4342232344.0, 48, 8, 0, false},
    {"d18_te", 18, 5635346588.0, 48, 8, 0, false},
    {"d19_te", 19, 9445382439.0, 48, 8, 0, false},
    {"d20_te", 20, 8322308324.0, 48, 8, 0, false},
};

int tep_campaign_braatz_preset(struct tep_campaign_run **runs, size_t *nruns,
                               struct tep_error *err)
{
    size_t n = sizeof braatz_runs / sizeof braatz_runs[0];
    struct tep_campaign_run *r = calloc(n, sizeof *r);
    if (!r) return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        snprintf(r[i].name, sizeof r[i].name, "%s", braatz_runs[i].name);
        r[i].idv = braatz_runs[i].idv;
        tep_sim_options_default(&r[i].opt);
        r[i].opt.seed = braatz_runs[i].seed;
        r[i].opt.hours = braatz_runs[i].hours;
        if (braatz_runs[i].idv > 0)
            r[i].opt.fault_onset_h[braatz_runs[i].idv - 1] = braatz_runs[i].fault_h;
        r[i].skip_rows = braatz_runs[i].skip_rows;
        r[i].transposed = braatz_runs[i].transposed;
    }
    *runs = r;
    *nruns = n;
    return 0;
}

int tep_campaign_grid(struct tep_campaign_run **runs, size_t *nruns, const int *idvs, size_t nidv,
                      size_t nseeds, double base_seed, const struct tep_sim_options *base,
                      double fault_at_h, struct tep_error *err)
{
    if (nidv == 0 || nseeds == 0)
        return tep_error_set(err, TEP_ERR_ARG, "a campaign needs at least one fault and one seed");
    struct tep_campaign_run *r = calloc(nidv * nseeds, sizeof *r);
    if (!r) return tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
    size_t k = 0;
    for (size_t i = 0; i < nidv; i++)
        for (size_t s = 0; s < nseeds; s++, k++) {
            r[k].opt = *base;
            for (int f = 0; f < TEP_N_IDV; f++) r[k].opt.fault_onset_h[f] = TEP_NEVER;
            r[k].opt.seed = base_seed + 1000003.0 * (double)s;
            r[k].idv = idvs[i];
            if (idvs[i] > 0) r[k].opt.fault_onset_h[idvs[i] - 1] = fault_at_h;
            snprintf(r[k].name, sizeof r[k].name, "idv%02d_seed%.0f", idvs[i], r[k].opt.seed);
        }
    *runs = r;
    *nruns = k;
    return 0;
}

struct worker_shared {
    struct tep_campaign *campaign;
    atomic_size_t next;
    atomic_size_t finished;
};

static int run_one(const struct tep_campaign *c, struct tep_campaign_run *run)
{
    struct tep_error *err = &run->err;
    double t0 = tep_now_seconds();
    char path[4096];
    snprintf(path, sizeof path, "%s/%s%s", c->out_dir, run->name, c->extension);
    struct tep_sim *sim = tep_sim_new(&run->opt, err);
    struct tep_csv_writer *w = NULL;
    double *matrix = NULL;
    if (!sim) goto fail;
    if (run->transposed) {
        long cap = (long)(sim->total_steps / run->opt.interval_s) + 1;
        matrix = malloc(sizeof(double) * 52 * (size_t)cap);
        if (!matrix) {
            tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
            goto fail;
        }
    } else {
        w = tep_csv_writer_open(path, c->layout, err);
        if (!w) goto fail;
    }
    struct tep_sample s;
    long rows = 0;
    while (tep_sim_next_sample(sim, &s) == 1) {
        if (s.index <= run->skip_rows) continue;
        if (matrix) {
            memcpy(matrix + rows * 52, s.xmeas, 41 * sizeof(double));
            memcpy(matrix + rows * 52 + 41, s.xmv, 11 * sizeof(double));
        } else if (tep_csv_writer_row(w, s.index - run->skip_rows, s.time_h, s.xmeas, s.xmv,
                                      s.fault, err) != 0) {
            goto fail;
        }
        rows++;
    }
    if (matrix) {
        if (tep_braatz_write_transposed(path, matrix, rows, err) != 0) goto fail;
    } else {
        int rc = tep_csv_writer_close(w, err);
        w = NULL;
        if (rc != 0) goto fail;
    }
    run->rows_written = rows;
    run->shutdown_step = sim->shutdown_step;
    run->shutdown_time_h = sim->shutdown_time_h;
    run->shutdown_reason = sim->shutdown_reason;
    run->seconds = tep_now_seconds() - t0;
    run->status = 0;
    free(matrix);
    tep_sim_free(sim);
    return 0;
fail:
    tep_error_prefix(err, "run %s", run->name);
    tep_csv_writer_abort(w);
    free(matrix);
    tep_sim_free(sim);
    run->status = -1;
    return -1;
}

static void *worker(void *arg)
{
    struct worker_shared *shared = arg;
    struct tep_campaign *c = shared->campaign;
    for (;;) {
        size_t i = atomic_fetch_add(&shared->next, 1);
        if (i >= c->nruns) break;
        run_one(c, &c->runs[i]);
        atomic_fetch_add(&shared->finished, 1);
    }
    return NULL;
}

static int write_manifest(const struct tep_campaign *c, struct tep_error *err)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/campaign.csv", c->out_dir);
    struct tep_atomic_file out;
    if (tep_atomic_open(&out, path, 0, err) != 0) return -1;
    fputs("file,idv,seed,hours,fault_h,interval_s,rows,shutdown_time_h,shutdown_reason,seconds\n",
          out.file);
    for (size_t i = 0; i < c->nruns; i++) {
        const struct tep_campaign_run *r = &c->runs[i];
        double fault_h = r->idv > 0 ? r->opt.fault_onset_h[r->idv - 1] : -1;
        fprintf(out.file, "%s%s,%d,%.0f,%g,", r->name, c->extension, r->idv, r->opt.seed,
                r->opt.hours);
        if (fault_h >= 0) fprintf(out.file, "%g", fault_h);
        fprintf(out.file, ",%d,%ld,", r->opt.interval_s, r->rows_written);
        if (r->shutdown_step > 0) fprintf(out.file, "%.6f", r->shutdown_time_h);
        fprintf(out.file, ",%s,%.3f\n",
                r->shutdown_step > 0 ? tep_shutdown_reason_text(r->shutdown_reason) : "",
                r->seconds);
    }
    return tep_atomic_commit(&out, err);
}

int tep_campaign_execute(struct tep_campaign *c, struct tep_error *err)
{
    if (mkdir(c->out_dir, 0777) != 0 && errno != EEXIST)
        return tep_error_set_errno(err, TEP_ERR_IO, "cannot create output folder", c->out_dir);
    struct stat st;
    if (stat(c->out_dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return tep_error_set_at(err, TEP_ERR_IO, c->out_dir, 0, 0, "not a folder");
    int jobs = c->jobs < 1 ? 1 : c->jobs;
    if ((size_t)jobs > c->nruns) jobs = (int)c->nruns;
    struct worker_shared shared = {.campaign = c};
    atomic_init(&shared.next, 0);
    atomic_init(&shared.finished, 0);
    pthread_t threads[64];
    if (jobs > 64) jobs = 64;
    int started = 0;
    for (; started < jobs; started++)
        if (pthread_create(&threads[started], NULL, worker, &shared) != 0) break;
    if (started == 0) worker(&shared); /* no threads available: run inline */
    struct tep_progress progress;
    tep_progress_start(&progress, "campaign", (double)c->nruns, c->quiet);
    while (started > 0 && atomic_load(&shared.finished) < c->nruns) {
        tep_progress_update(&progress, (double)atomic_load(&shared.finished));
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    for (int i = 0; i < started; i++) pthread_join(threads[i], NULL);
    tep_progress_finish(&progress);
    for (size_t i = 0; i < c->nruns; i++)
        if (c->runs[i].status != 0) {
            *err = c->runs[i].err;
            write_manifest(c, NULL);
            return -1;
        }
    return write_manifest(c, err);
}
