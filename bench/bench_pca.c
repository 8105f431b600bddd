/* bench_pca.c - speed of PCA monitoring: fit, batch T^2/Q, and one-sample streaming scores.
 *
 *   bench_pca gen FILE ROWS        write ROWS x 52 reproducible correlated doubles (raw,
 *                                  row-major, native float64) to FILE
 *   bench_pca run FILE [OUT]       time fit (9 components, 99 %) + T^2/Q of every row, then
 *                                  the streaming scorer; OUT receives t2,q pairs (float64) so
 *                                  bench_pca_sklearn.py can compare values
 * The data: 9 AR(1) latent factors (phi 0.50..0.99) mixed into 52 variables with noise, plus
 * columns 48 and 49 made linear in columns 12 and 15 (as XMV 7/8 are in TEP, FORMAT.md).
 * bench_pca.sh runs both this and scikit-learn on the same file.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis/pca.h"

#define NV 52
#define NF 9

struct bench_rng {
    uint64_t state;
};

static double bench_uniform(struct bench_rng *r)
{
    uint64_t z = (r->state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return ((double)(z >> 11) + 0.5) * 0x1.0p-53;
}

static double bench_normal(struct bench_rng *r)
{
    double u = bench_uniform(r), v = bench_uniform(r);
    return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int generate(const char *path, size_t rows)
{
    struct bench_rng rng = {20240601};
    double w[NF][NV], phi[NF], f[NF] = {0}, mean[NV], scale[NV], row[NV];
    for (int k = 0; k < NF; k++) {
        phi[k] = 0.50 + 0.49 * k / (NF - 1);
        for (int j = 0; j < NV; j++) w[k][j] = bench_normal(&rng) / (1.0 + k);
    }
    for (int j = 0; j < NV; j++) {
        mean[j] = 100.0 * bench_uniform(&rng);
        scale[j] = 0.1 + 10.0 * bench_uniform(&rng);
    }
    FILE *out = fopen(path, "wb");
    if (!out) {
        perror(path);
        return 1;
    }
    for (size_t i = 0; i < rows; i++) {
        for (int k = 0; k < NF; k++)
            f[k] = phi[k] * f[k] + sqrt(1.0 - phi[k] * phi[k]) * bench_normal(&rng);
        for (int j = 0; j < NV; j++) {
            double v = 0.3 * bench_normal(&rng);
            for (int k = 0; k < NF; k++) v += w[k][j] * f[k];
            row[j] = mean[j] + scale[j] * v;
        }
        row[47] = 2.9428 * row[11] - 109.04 + 1e-3 * bench_normal(&rng);
        row[48] = 2.3143 * row[14] - 69.18 + 1e-3 * bench_normal(&rng);
        if (fwrite(row, sizeof row, 1, out) != 1) {
            perror(path);
            fclose(out);
            return 1;
        }
    }
    if (fclose(out) != 0) {
        perror(path);
        return 1;
    }
    printf("wrote %zu x %d doubles to %s\n", rows, NV, path);
    return 0;
}

static double *read_data(const char *path, size_t *rows)
{
    FILE *in = fopen(path, "rb");
    if (!in) {
        perror(path);
        return NULL;
    }
    fseek(in, 0, SEEK_END);
    long bytes = ftell(in);
    fseek(in, 0, SEEK_SET);
    *rows = (size_t)bytes / (NV * sizeof(double));
    double *x = malloc((size_t)bytes);
    if (!x || fread(x, sizeof(double) * NV, *rows, in) != *rows) {
        fprintf(stderr, "%s: cannot read %zu rows\n", path, *rows);
        free(x);
        x = NULL;
    }
    fclose(in);
    return x;
}

/* Streaming: push `count` samples through a scorer, report nanoseconds per sample. */
static double time_scorer(const struct tep_pca_model *model, const double *x, size_t rows,
                          size_t count, double *checksum)
{
    struct tep_pca_scorer *s = NULL;
    struct tep_error err;
    if (tep_pca_scorer_new(model, &s, &err) != 0) return -1.0;
    double sum = 0.0, t2, q, t0 = now_s();
    for (size_t i = 0; i < count; i++) {
        if (tep_pca_scorer_push(s, x + (i % rows) * NV, &t2, &q)) sum += t2 + q;
    }
    double dt = now_s() - t0;
    *checksum = sum;
    tep_pca_scorer_free(s);
    return 1e9 * dt / (double)count;
}

static int run(const char *path, const char *out_path)
{
    size_t rows = 0;
    struct tep_error err;
    struct tep_pca_model *model = NULL, *dyn = NULL;
    double *t2 = NULL, *q = NULL;
    int rc = 1;
    double *x = read_data(path, &rows);
    if (!x) return 1;
    t2 = malloc(rows * sizeof *t2);
    q = malloc(rows * sizeof *q);
    if (!t2 || !q) goto done;

    struct tep_pca_options opt;
    tep_pca_options_default(&opt);
    double t0 = now_s();
    if (tep_pca_fit(x, rows, NV, &opt, &model, &err) != 0) {
        fprintf(stderr, "fit: %s\n", err.message);
        goto done;
    }
    double t1 = now_s();
    if (tep_pca_score(model, x, rows, t2, q, &err) != 0) {
        fprintf(stderr, "score: %s\n", err.message);
        goto done;
    }
    double t2_time = now_s();
    size_t t2_alarms = 0, q_alarms = 0;
    for (size_t i = 0; i < rows; i++) {
        t2_alarms += t2[i] > model->t2_limit;
        q_alarms += q[i] > model->q_limit;
    }
    printf("tep: %zu x %d rows, 9 PCs: fit %.3f s, score (T2+Q of all rows) %.3f s, "
           "total %.3f s\n",
           rows, NV, t1 - t0, t2_time - t1, t2_time - t0);
    printf("tep: limits T2 %.4f Q %.4f; alarms T2 %.3f %%, Q %.3f %%\n", model->t2_limit,
           model->q_limit, 100.0 * t2_alarms / rows, 100.0 * q_alarms / rows);
    printf("TEP_TOTAL_S %.6f\n", t2_time - t0);

    if (out_path) {
        FILE *out = fopen(out_path, "wb");
        for (size_t i = 0; out && i < rows; i++) {
            double pair[2] = {t2[i], q[i]};
            fwrite(pair, sizeof pair, 1, out);
        }
        if (!out || fclose(out) != 0) perror(out_path);
    }

    /* streaming scorer, 52 variables, 9 components; and DPCA with 2 lags (156 columns) */
    size_t count = rows < 2000000 ? 2000000 : rows;
    double check;
    double ns = time_scorer(model, x, rows, count, &check);
    printf("tep: streaming scorer (52 vars, 9 PCs): %.0f ns per sample (%zu samples, "
           "checksum %.6g)\n",
           ns, count, check);
    printf("TEP_STREAM_NS %.1f\n", ns);
    opt.lags = 2;
    size_t fit_rows = rows < 100000 ? rows : 100000;
    if (tep_pca_fit(x, fit_rows, NV, &opt, &dyn, &err) == 0) {
        ns = time_scorer(dyn, x, rows, count / 4, &check);
        printf("tep: streaming DPCA scorer (2 lags = 156 columns, 9 PCs): %.0f ns per sample\n",
               ns);
    }
    rc = 0;
done:
    tep_pca_model_free(model);
    tep_pca_model_free(dyn);
    free(x);
    free(t2);
    free(q);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && strcmp(argv[1], "gen") == 0)
        return generate(argv[2], strtoull(argv[3], NULL, 10));
    if (argc >= 3 && strcmp(argv[1], "run") == 0) return run(argv[2], argc >= 4 ? argv[3] : NULL);
    fprintf(stderr, "usage: %s gen FILE ROWS | run FILE [T2Q_OUT]\n", argv[0]);
    return 2;
}
