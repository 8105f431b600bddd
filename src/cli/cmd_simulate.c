/* cmd_simulate.c - `tep simulate`: run the closed-loop plant and write its samples
 * (CSV, the Braatz .dat layout or Parquet), and `tep campaign`: many runs (faults x
 * seeds, or the Braatz preset) in parallel. Parquet output has the columns sample
 * (INT64), time_h (DOUBLE), fault (INT32, the active IDV label) and xmeas_1..xmv_12
 * (DOUBLE), one row group per 65536 samples, written through the atomic output
 * writer (core/atomic_file.h), as the CSV writer is. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "core/catalog.h"
#include "core/progress.h"
#include "io/csv_write.h"
#include "io/parquet.h"
#include "sim/campaign.h"
#include "sim/sim.h"

static void simulate_usage(FILE *out)
{
    fputs("usage: tep simulate [options]\n"
          "Run the Tennessee Eastman plant (Downs & Vogel 1993) under the closed-loop control\n"
          "of Russell, Chiang & Braatz and write one row per sample.\n\n"
          "  --idv LIST           disturbances to switch on, e.g. 1 or 1,4 or 6@10.5 (IDV 6 from\n"
          "                       10.5 h); 0 = none (default)\n"
          "  --fault-at HOURS     onset of the disturbances given without @ (default 8)\n"
          "  --hours HOURS        simulated time (default 48)\n"
          "  --seed N             random seed, a positive integer (default 4651207995)\n"
          "  --interval SECONDS   sampling interval, whole seconds (default 180)\n"
          "  --output FILE|-      where to write (default - = stdout); a file is written under\n"
          "                       a temporary name and renamed when complete; a device or\n"
          "                       FIFO is written into, never replaced\n"
          "  --format csv|dat|parquet\n"
          "                       CSV with header sample,time_h,xmeas_1..xmeas_41,xmv_1..xmv_12,\n"
          "                       fault (%.17g), the Braatz .dat layout, or Parquet (sample,\n"
          "                       time_h, fault, xmeas_1..xmv_12; a file, not stdout) (default:\n"
          "                       from the file name, else csv). fault is each row's label: 0\n"
          "                       before the first onset, then the lowest active IDV number\n"
          "  --codec zstd|snappy|none  Parquet compression (default zstd)\n"
          "  --stop-at-shutdown   stop when a shutdown limit trips (default: go on with the\n"
          "                       frozen plant, as the reference does)\n"
          "  --list-faults        list the disturbances IDV(1..20) and exit\n"
          "  --list-variables     list the measured and manipulated variables and exit\n"
          "  --quiet              no progress bar and no summary line\n"
          "  --log-level LEVEL    debug, info, warn, error, off (default info)\n",
          out);
}

static void list_faults(void)
{
    printf("%-5s %-18s %s\n", "idv", "type", "description");
    for (int i = 0; i < TEP_N_IDV; i++)
        printf("%-5d %-18s %s\n", tep_faults[i].idv, tep_faults[i].type, tep_faults[i].description);
}

static void list_variables(void)
{
    static const char *kinds[] = {"continuous", "analyser", "manipulated"};
    printf("%-9s %-10s %-12s %-9s %-9s %s\n", "column", "reference", "kind", "unit",
           "sample_h", "description");
    for (int v = 0; v < TEP_N_VARS; v++) {
        const struct tep_var_info *info = &tep_catalog[v];
        char interval[32] = "-";
        if (info->kind == TEP_VAR_SAMPLED)
            snprintf(interval, sizeof interval, "%g+%g", info->sample_interval_h, info->dead_time_h);
        printf("%-9s %-10s %-12s %-9s %-9s %s\n", info->name, info->ref_name, kinds[info->kind],
               info->unit, interval, info->description);
    }
}

static int parse_format(const char *cmd, const char *text, enum tep_sample_layout *layout)
{
    if (strcmp(text, "csv") == 0) *layout = TEP_LAYOUT_CSV;
    else if (strcmp(text, "dat") == 0) *layout = TEP_LAYOUT_BRAATZ;
    else {
        fprintf(stderr, "tep %s: --format: expected csv or dat, got '%s'\n", cmd, text);
        return -1;
    }
    return 0;
}

static void describe_faults(const struct tep_sim_options *opt, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < TEP_N_IDV && used < n; i++)
        if (opt->fault_onset_h[i] != TEP_NEVER)
            used += (size_t)snprintf(buf + used, n - used, "%sIDV(%d) from %g h", used ? ", " : "",
                                     i + 1, opt->fault_onset_h[i]);
    if (!buf[0]) snprintf(buf, n, "no disturbance");
}

/* ---- Parquet output: samples gathered column-wise, one row group per block ---- */

#define SIM_PQ_ROW_GROUP 65536

struct sim_parquet {
    struct tep_pq_writer *w;
    size_t rows;
    int64_t sample[SIM_PQ_ROW_GROUP];
    double time_h[SIM_PQ_ROW_GROUP];
    int32_t fault[SIM_PQ_ROW_GROUP];
    double values[TEP_N_VARS][SIM_PQ_ROW_GROUP];
};

static struct sim_parquet *sim_parquet_open(const char *path, enum tep_pq_codec codec,
                                            struct tep_error *err)
{
    struct tep_pq_column_def defs[3 + TEP_N_VARS] = {
        {"sample", TEP_PQ_INT64, false}, {"time_h", TEP_PQ_DOUBLE, false},
        {"fault", TEP_PQ_INT32, false}};
    for (int v = 0; v < TEP_N_VARS; v++)
        defs[3 + v] = (struct tep_pq_column_def){tep_catalog[v].name, TEP_PQ_DOUBLE, false};
    struct tep_pq_writer_options opt;
    tep_pq_writer_options_default(&opt);
    opt.codec = codec;
    opt.created_by = "tep simulate";
    struct sim_parquet *p = calloc(1, sizeof *p);
    if (!p) {
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory");
        return NULL;
    }
    p->w = tep_pq_writer_open(path, defs, 3 + TEP_N_VARS, &opt, err);
    if (!p->w) {
        free(p);
        return NULL;
    }
    return p;
}

static int sim_parquet_flush(struct sim_parquet *p, struct tep_error *err)
{
    if (p->rows == 0) return 0;
    struct tep_pq_column_data cols[3 + TEP_N_VARS] = {{p->sample, NULL, false},
                                                      {p->time_h, NULL, false},
                                                      {p->fault, NULL, false}};
    for (int v = 0; v < TEP_N_VARS; v++)
        cols[3 + v] = (struct tep_pq_column_data){p->values[v], NULL, false};
    int rc = tep_pq_write_row_group(p->w, cols, p->rows, err);
    p->rows = 0;
    return rc;
}

static int sim_parquet_row(struct sim_parquet *p, const struct tep_sample *s, struct tep_error *err)
{
    size_t r = p->rows++;
    p->sample[r] = s->index;
    p->time_h[r] = s->time_h;
    p->fault[r] = s->fault;
    for (int v = 0; v < TEP_N_XMEAS; v++) p->values[v][r] = s->xmeas[v];
    for (int v = 0; v < TEP_N_XMV; v++) p->values[TEP_N_XMEAS + v][r] = s->xmv[v];
    return p->rows == SIM_PQ_ROW_GROUP ? sim_parquet_flush(p, err) : 0;
}

/* Write what is left and rename into place; frees p. */
static int sim_parquet_close(struct sim_parquet *p, struct tep_error *err)
{
    int rc = sim_parquet_flush(p, err);
    if (rc == 0)
        rc = tep_pq_writer_close(p->w, err);
    else
        tep_pq_writer_abort(p->w);
    free(p);
    return rc;
}

static void sim_parquet_abort(struct sim_parquet *p)
{
    tep_pq_writer_abort(p->w);
    free(p);
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n > k && strcmp(s + n - k, suffix) == 0;
}

/* The options `simulate` and `campaign` share (--fault-at, --hours, --seed,
 * --interval), checked the same way for both. Returns 1 when `c` was one of them,
 * 0 when it was not, -1 (message printed) when its value is not valid. */
static int shared_sim_option(const char *cmd, int c, const char *arg, struct tep_sim_options *opt,
                             double *fault_at)
{
    long n;
    switch (c) {
    case 'f':
        if (tep_cli_double(cmd, "--fault-at", arg, fault_at)) return -1;
        if (*fault_at < 0) {
            fprintf(stderr, "tep %s: --fault-at: expected hours >= 0, got %s\n", cmd, arg);
            return -1;
        }
        return 1;
    case 'H':
        if (tep_cli_double(cmd, "--hours", arg, &opt->hours)) return -1;
        if (opt->hours <= 0) {
            fprintf(stderr, "tep %s: --hours: expected a positive number of hours, got %s\n", cmd,
                    arg);
            return -1;
        }
        return 1;
    case 's':
        if (tep_cli_double(cmd, "--seed", arg, &opt->seed)) return -1;
        return 1;
    case 'I':
        if (tep_cli_long(cmd, "--interval", arg, &n)) return -1;
        if (n < 1 || n > 86400) {
            fprintf(stderr, "tep %s: --interval: expected 1..86400 seconds, got %s\n", cmd, arg);
            return -1;
        }
        opt->interval_s = (int)n;
        return 1;
    default: return 0;
    }
}

int tep_cmd_simulate(int argc, char **argv)
{
    const char *cmd = "simulate";
    static const struct option options[] = {
        {"idv", required_argument, 0, 'i'},      {"fault-at", required_argument, 0, 'f'},
        {"hours", required_argument, 0, 'H'},    {"seed", required_argument, 0, 's'},
        {"interval", required_argument, 0, 'I'}, {"output", required_argument, 0, 'o'},
        {"format", required_argument, 0, 'F'},   {"stop-at-shutdown", no_argument, 0, 'S'},
        {"list-faults", no_argument, 0, 'L'},    {"list-variables", no_argument, 0, 'V'},
        {"quiet", no_argument, 0, 'q'},          {"log-level", required_argument, 0, 'l'},
        {"codec", required_argument, 0, 'c'},    {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    struct tep_sim_options opt;
    tep_sim_options_default(&opt);
    const char *idv_list = NULL, *output = "-", *format = NULL, *codec_name = NULL;
    double fault_at = 8.0;
    bool quiet = false;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        int shared = shared_sim_option(cmd, c, optarg, &opt, &fault_at);
        if (shared < 0) return 2;
        if (shared) continue;
        switch (c) {
        case 'i': idv_list = optarg; break;
        case 'o': output = optarg; break;
        case 'F': format = optarg; break;
        case 'c': codec_name = optarg; break;
        case 'S': opt.stop_at_shutdown = true; break;
        case 'L': list_faults(); return 0;
        case 'V': list_variables(); return 0;
        case 'q': quiet = true; break;
        case 'l':
            if (tep_cli_log_level(cmd, optarg)) return 2;
            break;
        case 'h': simulate_usage(stdout); return 0;
        default: simulate_usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "tep %s: unexpected argument '%s'\n", cmd, argv[optind]);
        return 2;
    }
    struct tep_error err;
    tep_error_clear(&err);
    if (idv_list && tep_sim_parse_faults(&opt, idv_list, fault_at, &err) != 0) {
        tep_cli_report(cmd, &err);
        return 2;
    }
    enum tep_sample_layout layout = TEP_LAYOUT_CSV;
    bool parquet = false;
    if (format) {
        if (strcmp(format, "parquet") == 0) parquet = true;
        else if (strcmp(format, "csv") != 0 && strcmp(format, "dat") != 0) {
            fprintf(stderr, "tep %s: --format: expected csv or dat, or parquet, got '%s'\n", cmd,
                    format);
            return 2;
        } else if (parse_format(cmd, format, &layout)) return 2;
    } else {
        if (ends_with(output, ".dat")) layout = TEP_LAYOUT_BRAATZ;
        if (ends_with(output, ".parquet")) parquet = true;
    }
    enum tep_pq_codec codec = TEP_PQ_ZSTD;
    if (codec_name) {
        if (strcmp(codec_name, "zstd") == 0) codec = TEP_PQ_ZSTD;
        else if (strcmp(codec_name, "snappy") == 0) codec = TEP_PQ_SNAPPY;
        else if (strcmp(codec_name, "none") == 0) codec = TEP_PQ_UNCOMPRESSED;
        else {
            fprintf(stderr, "tep %s: --codec: expected zstd, snappy or none, got '%s'\n", cmd,
                    codec_name);
            return 2;
        }
        if (!parquet) {
            fprintf(stderr, "tep %s: --codec applies to Parquet output only (--format parquet or "
                            "an --output name ending in .parquet)\n", cmd);
            return 2;
        }
    }
    if (parquet && strcmp(output, "-") == 0) {
        fprintf(stderr, "tep %s: Parquet output needs a file (--output FILE.parquet), not "
                        "stdout\n", cmd);
        return 2;
    }

    double t0 = tep_now_seconds();
    struct tep_sim *sim = tep_sim_new(&opt, &err);
    if (!sim) {
        tep_cli_report(cmd, &err);
        return 2;
    }
    struct tep_csv_writer *w = NULL;
    struct sim_parquet *pq = NULL;
    if (parquet)
        pq = sim_parquet_open(output, codec, &err);
    else
        w = tep_csv_writer_open(output, layout, &err);
    if (!w && !pq) {
        tep_cli_report(cmd, &err);
        tep_sim_free(sim);
        return 1;
    }
    struct tep_progress progress;
    tep_progress_start(&progress, "simulating", (double)sim->total_steps,
                       quiet || strcmp(output, "-") == 0);
    struct tep_sample s;
    long rows = 0;
    while (tep_sim_next_sample(sim, &s) == 1) {
        int rc = pq ? sim_parquet_row(pq, &s, &err)
                    : tep_csv_writer_row(w, s.index, s.time_h, s.xmeas, s.xmv, s.fault, &err);
        if (rc != 0) {
            if (pq) sim_parquet_abort(pq);
            else tep_csv_writer_abort(w);
            tep_cli_report(cmd, &err);
            tep_sim_free(sim);
            return 1;
        }
        rows++;
        tep_progress_update(&progress, (double)sim->step);
    }
    tep_progress_finish(&progress);
    if ((pq ? sim_parquet_close(pq, &err) : tep_csv_writer_close(w, &err)) != 0) {
        tep_cli_report(cmd, &err);
        tep_sim_free(sim);
        return 1;
    }
    if (!quiet) {
        char faults[256];
        describe_faults(&opt, faults, sizeof faults);
        fprintf(stderr, "tep simulate: %ld samples, %g h, %s, seed %.0f -> %s in %.2f s; ", rows,
                opt.hours, faults, opt.seed, strcmp(output, "-") == 0 ? "stdout" : output,
                tep_now_seconds() - t0);
        if (sim->shutdown_step > 0)
            fprintf(stderr, "SHUTDOWN at %.3f h: %s%s\n", sim->shutdown_time_h,
                    tep_shutdown_reason_text(sim->shutdown_reason),
                    opt.stop_at_shutdown ? " (stopped)" : " (plant frozen from then on)");
        else
            fprintf(stderr, "no shutdown\n");
    }
    tep_sim_free(sim);
    return 0;
}

static void campaign_usage(FILE *out)
{
    fputs("usage: tep campaign --out-dir DIR [options]\n"
          "Run many simulations (faults x seeds) in parallel, one file per run, plus a\n"
          "manifest DIR/campaign.csv.\n\n"
          "  --preset braatz      regenerate the classic Braatz data set (d00.dat, d01.dat,\n"
          "                       d02.dat and d01_te..d20_te except d15_te) from the seeds that\n"
          "                       reproduce it, in the .dat layout\n"
          "  --idv LIST           faults to run, e.g. 0,1,2 or 0-20 (default 0-20)\n"
          "  --seeds N            seeds per fault (default 1): seed, seed+1000003, ...\n"
          "  --seed N             first seed (default 4651207995)\n"
          "  --hours, --fault-at, --interval, --stop-at-shutdown   as for tep simulate\n"
          "  --format csv|dat     file layout (default csv; dat for the braatz preset)\n"
          "  --jobs N             worker threads (default: number of cores)\n"
          "  --quiet              no progress bar and no summary\n",
          out);
}

/* "0,1,2" or "0-20" or "1,4-6" -> list of IDV numbers. */
static int parse_idv_ranges(const char *text, int *idvs, size_t *n)
{
    *n = 0;
    const char *p = text;
    while (*p) {
        char *end;
        long a = strtol(p, &end, 10), b;
        if (end == p || a < 0 || a > TEP_N_IDV) return -1;
        b = a;
        p = end;
        if (*p == '-') {
            b = strtol(p + 1, &end, 10);
            if (end == p + 1 || b < a || b > TEP_N_IDV) return -1;
            p = end;
        }
        for (long k = a; k <= b; k++) {
            if (*n >= 64) return -1;
            idvs[(*n)++] = (int)k;
        }
        if (*p == ',') p++;
        else if (*p) return -1;
    }
    return *n ? 0 : -1;
}

int tep_cmd_campaign(int argc, char **argv)
{
    const char *cmd = "campaign";
    static const struct option options[] = {
        {"preset", required_argument, 0, 'p'},   {"idv", required_argument, 0, 'i'},
        {"seeds", required_argument, 0, 'n'},    {"seed", required_argument, 0, 's'},
        {"hours", required_argument, 0, 'H'},    {"fault-at", required_argument, 0, 'f'},
        {"interval", required_argument, 0, 'I'}, {"stop-at-shutdown", no_argument, 0, 'S'},
        {"format", required_argument, 0, 'F'},   {"jobs", required_argument, 0, 'j'},
        {"out-dir", required_argument, 0, 'o'},  {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},           {0, 0, 0, 0}};
    struct tep_sim_options base;
    tep_sim_options_default(&base);
    const char *preset = NULL, *idv_text = "0-20", *out_dir = NULL, *format = NULL;
    long nseeds = 1, jobs = sysconf(_SC_NPROCESSORS_ONLN);
    double fault_at = 8.0;
    bool quiet = false;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        int shared = shared_sim_option(cmd, c, optarg, &base, &fault_at);
        if (shared < 0) return 2;
        if (shared) continue;
        switch (c) {
        case 'p': preset = optarg; break;
        case 'i': idv_text = optarg; break;
        case 'n':
            if (tep_cli_long(cmd, "--seeds", optarg, &nseeds)) return 2;
            if (nseeds < 1 || nseeds > 100000) {
                fprintf(stderr, "tep %s: --seeds: expected 1..100000, got %s\n", cmd, optarg);
                return 2;
            }
            break;
        case 'S': base.stop_at_shutdown = true; break;
        case 'F': format = optarg; break;
        case 'j':
            if (tep_cli_long(cmd, "--jobs", optarg, &jobs)) return 2;
            if (jobs < 1 || jobs > 64) {
                fprintf(stderr, "tep %s: --jobs: expected 1..64, got %s\n", cmd, optarg);
                return 2;
            }
            break;
        case 'o': out_dir = optarg; break;
        case 'q': quiet = true; break;
        case 'h': campaign_usage(stdout); return 0;
        default: campaign_usage(stderr); return 2;
        }
    }
    if (!out_dir) {
        fprintf(stderr, "tep %s: --out-dir DIR is required\n", cmd);
        return 2;
    }
    struct tep_error err;
    tep_error_clear(&err);
    struct tep_campaign camp = {.out_dir = out_dir, .jobs = (int)jobs, .quiet = quiet};
    enum tep_sample_layout layout = TEP_LAYOUT_CSV;
    if (preset) {
        if (strcmp(preset, "braatz") != 0) {
            fprintf(stderr, "tep %s: --preset: expected 'braatz', got '%s'\n", cmd, preset);
            return 2;
        }
        layout = TEP_LAYOUT_BRAATZ;
        if (tep_campaign_braatz_preset(&camp.runs, &camp.nruns, &err) != 0) goto fail;
    } else {
        int idvs[64];
        size_t nidv;
        if (parse_idv_ranges(idv_text, idvs, &nidv) != 0) {
            fprintf(stderr, "tep %s: --idv: expected IDV numbers 0..20 as a list or ranges "
                            "(e.g. 0,1,4-6), got '%s'\n", cmd, idv_text);
            return 2;
        }
        if (tep_campaign_grid(&camp.runs, &camp.nruns, idvs, nidv, (size_t)nseeds, base.seed,
                              &base, fault_at, &err) != 0)
            goto fail;
    }
    if (format && parse_format(cmd, format, &layout)) {
        free(camp.runs);
        return 2;
    }
    camp.layout = layout;
    camp.extension = layout == TEP_LAYOUT_BRAATZ ? ".dat" : ".csv";
    for (size_t i = 0; i < camp.nruns; i++) /* the transposed layout only exists for .dat */
        if (layout != TEP_LAYOUT_BRAATZ) camp.runs[i].transposed = false;
    double t0 = tep_now_seconds();
    if (tep_campaign_execute(&camp, &err) != 0) goto fail;
    if (!quiet) {
        int shutdowns = 0;
        long rows = 0;
        for (size_t i = 0; i < camp.nruns; i++) {
            rows += camp.runs[i].rows_written;
            if (camp.runs[i].shutdown_step > 0) shutdowns++;
        }
        fprintf(stderr, "tep campaign: %zu runs, %ld samples, %d shut down -> %s/ (manifest "
                        "campaign.csv) in %.2f s with %ld jobs\n",
                camp.nruns, rows, shutdowns, out_dir, tep_now_seconds() - t0, jobs);
    }
    free(camp.runs);
    return 0;
fail:
    tep_cli_report(cmd, &err);
    free(camp.runs);
    return 1;
}
