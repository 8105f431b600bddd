/* test_braatz_pca.c - the literature benchmark: PCA on the Braatz TEP data set.
 *
 * Trains on d00.dat (stored transposed, 52 x 500 -> 500 x 52) with 52 variables, 9
 * components and 99 % limits, scores d01_te ... d21_te (samples 1..160 normal, 161..960
 * faulty) and compares FDR / FAR of T^2 and Q per fault with Xiao, Kordon & Sen (PHM 2023,
 * Tables 2-4, tests/data/published/pca_xiao_kordon_sen_2023.csv). Prints the whole table,
 * then a DPCA and EWMA / CUSUM summary for information. The files are parsed by a small
 * whitespace tokenizer here; the project's real loader lives elsewhere.
 */
#include <time.h>

#include "analysis/charts.h"
#include "analysis/metrics.h"
#include "analysis/pca.h"
#include "check.h"

#define NVARS 52
#define ONSET 160 /* 0-based index of sample 161, the first faulty one */
#define NFAULTS 21

/* Read a whitespace-separated numeric matrix; every line must have the same token count. */
static double *read_matrix(const char *path, size_t *rows, size_t *cols)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0, r = 0, c = 0, line_tokens = 0;
    double *v = malloc(cap * sizeof *v);
    char line[16384];
    while (v && fgets(line, sizeof line, f)) {
        char *p = line, *end;
        line_tokens = 0;
        for (;;) {
            double d = strtod(p, &end);
            if (end == p) break;
            if (n == cap) {
                double *grown = realloc(v, (cap *= 2) * sizeof *v);
                if (!grown) {
                    free(v);
                    fclose(f);
                    return NULL;
                }
                v = grown;
            }
            v[n++] = d;
            line_tokens++;
            p = end;
        }
        if (line_tokens == 0) continue;
        if (c == 0) c = line_tokens;
        if (line_tokens != c) {
            free(v);
            v = NULL;
        }
        r++;
    }
    fclose(f);
    *rows = r;
    *cols = c;
    return v;
}

/* Load a Braatz file as samples x 52, transposing the 52 x 500 d00.dat. */
static double *load_braatz(const char *rel, size_t expect_rows)
{
    size_t r = 0, c = 0;
    const char *path = tep_data_path(rel);
    double *v = read_matrix(path, &r, &c);
    if (v && r == NVARS && c == expect_rows) {
        double *t = malloc(r * c * sizeof *t);
        for (size_t i = 0; i < r; i++)
            for (size_t j = 0; j < c; j++) t[j * r + i] = v[i * c + j];
        free(v);
        return t;
    }
    CHECK_MSG(v && r == expect_rows && c == NVARS, "%s: shape %zu x %zu", rel, r, c);
    if (!(r == expect_rows && c == NVARS)) {
        free(v);
        return NULL;
    }
    return v;
}

struct published {
    double fdr_t2, fdr_q, far_t2, far_q, delay_t2, delay_q;
};

static int read_published(struct published *pub)
{
    const char *path = tep_data_path("published/pca_xiao_kordon_sen_2023.csv");
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char line[512];
    int count = 0;
    if (!fgets(line, sizeof line, f)) count = -1; /* header */
    while (count >= 0 && fgets(line, sizeof line, f)) {
        int fault;
        double fdr_t2, fdr_q, fdr_dae, far_t2, far_q, far_dae, del_t2, del_q;
        if (sscanf(line, "%d,%lf,%lf,%lf,%lf,%lf,%lf,%lf,%lf", &fault, &fdr_t2, &fdr_q, &fdr_dae,
                   &far_t2, &far_q, &far_dae, &del_t2, &del_q) != 9 ||
            fault < 1 || fault > NFAULTS)
            continue;
        pub[fault - 1] = (struct published){fdr_t2, fdr_q, far_t2, far_q, del_t2, del_q};
        count++;
    }
    fclose(f);
    return count;
}

/* Scores of one test file for the four detectors; NULL model entries are skipped. */
struct detectors {
    struct tep_pca_model *pca, *dpca;
    struct tep_chart_model *ewma, *cusum;
};

struct run_result {
    struct tep_detection t2, q, dt2, dq, ewma, cusum;
};

static int evaluate(const struct detectors *det, const double *x, const int32_t *labels,
                    struct run_result *res, struct tep_error *err)
{
    double t2[960], q[960];
    if (tep_pca_score(det->pca, x, 960, t2, q, err) ||
        tep_metrics_from_stat(t2, det->pca->t2_limit, labels, 960, 1, &res->t2, err) ||
        tep_metrics_from_stat(q, det->pca->q_limit, labels, 960, 1, &res->q, err) ||
        tep_pca_score(det->dpca, x, 960, t2, q, err) ||
        tep_metrics_from_stat(t2, det->dpca->t2_limit, labels, 960, 1, &res->dt2, err) ||
        tep_metrics_from_stat(q, det->dpca->q_limit, labels, 960, 1, &res->dq, err) ||
        tep_chart_run(det->ewma, x, 960, t2, NULL, err) ||
        tep_metrics_from_stat(t2, 1.0, labels, 960, 1, &res->ewma, err) ||
        tep_chart_run(det->cusum, x, 960, t2, NULL, err) ||
        tep_metrics_from_stat(t2, 1.0, labels, 960, 1, &res->cusum, err))
        return -1;
    return 0;
}

/* delay in minutes (3 min per sample), or -1 when never detected */
static double minutes(const struct tep_detection *d)
{
    return d->delay < 0 ? -1.0 : 3.0 * (double)d->delay;
}

static void test_braatz_pca(void)
{
    struct published pub[NFAULTS];
    struct run_result res[NFAULTS + 1];
    struct detectors det = {0};
    struct tep_error err;
    int32_t labels[960];
    double *x = NULL;
    CHECK_EQ_INT(read_published(pub), NFAULTS);
    clock_t start = clock();
    double *train = load_braatz("braatz/d00.dat", 500);
    if (!train) return;
    /* d00.dat line 1 (XMEAS(1)) starts 2.4987000e-01 2.5118000e-01 and line 2 (XMEAS(2))
     * 3.6426000e+03: after the transpose, samples 1 and 2 of column 0 and sample 1 of column 1 */
    CHECK_ABS(train[0], 0.24987, 1e-12);
    CHECK_ABS(train[NVARS], 0.25118, 1e-12);
    CHECK_ABS(train[1], 3642.6, 1e-9);

    struct tep_pca_options opt;
    tep_pca_options_default(&opt); /* 9 components, 99 % limits */
    CHECK_MSG(tep_pca_fit(train, 500, NVARS, &opt, &det.pca, &err) == 0, "%s", err.message);
    /* for information: DPCA with 2 lags (Ku, Storer & Georgakis 1995; Russell et al. 2000),
     * components by parallel analysis; EWMA and CUSUM with default parameters */
    opt.lags = 2;
    opt.rule = TEP_PCA_RULE_PARALLEL;
    CHECK_MSG(tep_pca_fit(train, 500, NVARS, &opt, &det.dpca, &err) == 0, "%s", err.message);
    struct tep_chart_options copt;
    tep_chart_options_default(&copt, TEP_CHART_EWMA);
    CHECK(tep_chart_fit(train, 500, NVARS, &copt, &det.ewma, &err) == 0);
    tep_chart_options_default(&copt, TEP_CHART_CUSUM);
    CHECK(tep_chart_fit(train, 500, NVARS, &copt, &det.cusum, &err) == 0);
    if (!det.pca || !det.dpca || !det.ewma || !det.cusum) goto done;

    /* FORMAT.md: two eigenvalues of about 4e-8 (XMV 7, 8 are linear in XMEAS 12, 15) */
    const double *eig = det.pca->eigenvalues;
    CHECK(eig[51] > 0.0 && eig[51] < 1e-6 && eig[50] < 1e-6 && eig[49] > 1e-6);
    double explained = 0.0;
    for (int k = 0; k < 9; k++) explained += eig[k];
    fprintf(stderr,
            "\nPCA on Braatz d00 (500 x 52): 9 PCs explain %.1f %%, eigenvalues 1, 9, 10, 52: "
            "%.4g %.4g %.4g %.3g\n99 %% limits: T2 %.4f, Q %.4f. DPCA (2 lags): %zu PCs by "
            "parallel analysis, T2 %.3f, Q %.3f\n",
            100.0 * explained / NVARS, eig[0], eig[8], eig[9], eig[51], det.pca->t2_limit,
            det.pca->q_limit, det.dpca->ncomp, det.dpca->t2_limit, det.dpca->q_limit);

    /* limits and scores against numpy: (X - mean) / std(ddof=1), eigh of Z'Z/(n-1), scipy F and
     * normal quantiles; d01_te samples 1 and 200 */
    CHECK_REL(det.pca->t2_limit, 22.39477509405858, 1e-10);
    CHECK_REL(det.pca->q_limit, 46.306668365516146, 1e-9);
    x = load_braatz("braatz/d01_te.dat", 960);
    if (x) {
        double t2[960], q[960];
        CHECK(tep_pca_score(det.pca, x, 960, t2, q, &err) == 0);
        CHECK_REL(t2[0], 4.242671876517956, 1e-9);
        CHECK_REL(q[0], 8.918856529549112, 1e-9);
        CHECK_REL(t2[199], 766.1822682264443, 1e-9);
        CHECK_REL(q[199], 1271.6552599605411, 1e-9);
        free(x);
        x = NULL;
    }

    /* d00_te: all normal, 960 samples */
    for (int i = 0; i < 960; i++) labels[i] = 0;
    x = load_braatz("braatz/d00_te.dat", 960);
    CHECK(x && evaluate(&det, x, labels, &res[NFAULTS], &err) == 0);
    free(x);
    x = NULL;

    int fdr_t2_5 = 0, fdr_q_5 = 0, far_t2_5 = 0, far_q_5 = 0, off10 = 0;
    int delay_t2 = 0, delay_q = 0;
    fprintf(stderr,
            "\nfault | FDR T2  pub | FDR Q   pub | FAR T2  pub | FAR Q   pub | delay T2 pub | "
            "delay Q  pub  (%%, delays in min)\n");
    for (int f = 1; f <= NFAULTS; f++) {
        char rel[64];
        snprintf(rel, sizeof rel, "braatz/d%02d_te.dat", f);
        x = load_braatz(rel, 960);
        if (!x) goto done;
        for (int i = 0; i < 960; i++) labels[i] = i < ONSET ? 0 : f;
        struct run_result *r = &res[f - 1];
        CHECK_MSG(evaluate(&det, x, labels, r, &err) == 0, "%s", err.message);
        free(x);
        x = NULL;
        CHECK(r->t2.n_faulty == 800 && r->t2.n_normal == 160 && r->t2.onset == ONSET);
        const struct published *p = &pub[f - 1];
        double ft2 = 100 * r->t2.fdr, fq = 100 * r->q.fdr;
        double at2 = 100 * r->t2.far, aq = 100 * r->q.far;
        fdr_t2_5 += fabs(ft2 - p->fdr_t2) <= 5.0;
        fdr_q_5 += fabs(fq - p->fdr_q) <= 5.0;
        far_t2_5 += fabs(at2 - p->far_t2) <= 5.0;
        far_q_5 += fabs(aq - p->far_q) <= 5.0;
        delay_t2 += fabs(minutes(&r->t2) - p->delay_t2) <= 3.0; /* one sample */
        delay_q += fabs(minutes(&r->q) - p->delay_q) <= 3.0;
        int far_off = fabs(ft2 - p->fdr_t2) > 10.0 || fabs(fq - p->fdr_q) > 10.0;
        off10 += far_off;
        fprintf(stderr,
                "%5d | %5.1f %5.1f | %5.1f %5.1f | %5.1f %5.1f | %5.1f %5.1f | %5.0f %5.0f | "
                "%5.0f %5.0f%s\n",
                f, ft2, p->fdr_t2, fq, p->fdr_q, at2, p->far_t2, aq, p->far_q, minutes(&r->t2),
                p->delay_t2, minutes(&r->q), p->delay_q, far_off ? "  <- >10 points" : "");
    }
    fprintf(stderr, "FDR within 5 points of the paper: T2 %d/21, Q %d/21; FAR within 5 points: "
            "T2 %d/21, Q %d/21; faults with an FDR > 10 points off: %d\n",
            fdr_t2_5, fdr_q_5, far_t2_5, far_q_5, off10);
    fprintf(stderr, "delay (first alarm at or after sample 161) within one sample of the paper: "
            "T2 %d/21, Q %d/21\n", delay_t2, delay_q);
    fprintf(stderr, "d00_te (960 normal samples) FAR: T2 %.1f %%, Q %.1f %%\n",
            100 * res[NFAULTS].t2.far, 100 * res[NFAULTS].q.far);

    fprintf(stderr, "\nfor information (not compared): FDR / FAR %% per detector\n"
            "fault | DPCA T2     | DPCA Q      | EWMA        | CUSUM\n");
    for (int f = 1; f <= NFAULTS + 1; f++) {
        const struct run_result *r = &res[f - 1];
        char name[8];
        snprintf(name, sizeof name, f <= NFAULTS ? "%5d" : "  d00", f);
        fprintf(stderr, "%s | %5.1f %5.1f | %5.1f %5.1f | %5.1f %5.1f | %5.1f %5.1f\n", name,
                f <= NFAULTS ? 100 * r->dt2.fdr : NAN, 100 * r->dt2.far,
                f <= NFAULTS ? 100 * r->dq.fdr : NAN, 100 * r->dq.far,
                f <= NFAULTS ? 100 * r->ewma.fdr : NAN, 100 * r->ewma.far,
                f <= NFAULTS ? 100 * r->cusum.fdr : NAN, 100 * r->cusum.far);
    }
    fprintf(stderr, "(%.2f s CPU)\n", (double)(clock() - start) / CLOCKS_PER_SEC);

    /* What the comparison supports (deterministic numbers; slack of one fault for BLAS
     * differences): FDR within 5 points of the paper for 17/21 faults with each statistic,
     * within 10 points for both statistics on 18/21 faults (7, 10, 16 are the exceptions: their
     * statistics hover around the limit, so a 10-20 % change of the limit moves the FDR by
     * 10-15 points), FAR within 5 points everywhere. */
    CHECK_MSG(fdr_t2_5 >= 16 && fdr_q_5 >= 16, "FDR within 5 points: T2 %d, Q %d of 21",
              fdr_t2_5, fdr_q_5);
    CHECK_MSG(NFAULTS - off10 >= 17, "%d faults with an FDR more than 10 points off", off10);
    CHECK(far_t2_5 >= 20 && far_q_5 >= 20);
    /* the paper's delays are first alarms (k = 1): Q matches to one sample on 15/21 faults,
     * T2 on 10/21 (T2 delays of weakly detected faults depend on single samples) */
    CHECK_MSG(delay_q >= 14 && delay_t2 >= 9, "delays within one sample: T2 %d, Q %d", delay_t2,
              delay_q);
    /* the classic hard faults 3, 9, 15 stay near the false alarm level */
    for (int f = 3; f <= 15; f += 6) /* 3, 9, 15 */
        CHECK_MSG(res[f - 1].t2.fdr < 0.12 && res[f - 1].q.fdr < 0.12, "fault %d", f);
    /* fault 1 counts, confirmed with numpy (np.linalg.eigh on the same standardisation) */
    CHECK(res[0].t2.detections == 794 && res[0].q.detections == 798);
    CHECK(res[0].t2.false_alarms == 2 && res[0].q.false_alarms == 7);
    /* normal test run d00_te: 960 samples */
    CHECK(res[NFAULTS].t2.far > 0.005 && res[NFAULTS].t2.far < 0.03);
    CHECK(res[NFAULTS].q.far > 0.02 && res[NFAULTS].q.far < 0.07);
    /* DPCA: parallel analysis picks 29 components for 2 lags with the default seed */
    CHECK_EQ_INT(det.dpca->ncomp, 29);
done:
    free(x);
    tep_pca_model_free(det.pca);
    tep_pca_model_free(det.dpca);
    tep_chart_model_free(det.ewma);
    tep_chart_model_free(det.cusum);
    free(train);
}

int main(void)
{
    RUN(test_braatz_pca);
    CHECK_DONE();
}
