/* test_pca.c - PCA / DPCA monitoring against independent computations.
 *
 * Eigen-pairs of matrices with known spectra; F quantiles against closed forms
 * (F(2, d2) has an explicit inverse, F(1, d2) = t^2); the T^2 / Q limit formulas recomputed
 * here; T^2 and Q of a tiny data set computed with a Jacobi eigen-solver written in this file;
 * training-set identities (sum of T^2 = (n-1) a); DPCA = static PCA on a hand-built lagged
 * matrix; batch = streaming; JSON save/load bit-exact; contributions that add up; component
 * rules; and the error paths a user can reach.
 */
#include <stdint.h>

#include "analysis/pca.h"
#include "check.h"
#include "core/frame.h"

/* ---- helpers ---- */

/* Deterministic pseudo-random numbers for test data (splitmix64 -> uniform -> normal). */
static uint64_t test_rng_state = 12345;
static double test_uniform(void)
{
    uint64_t z = (test_rng_state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    return ((double)(z >> 11) + 0.5) * 0x1.0p-53;
}
static double test_normal(void)
{
    double u = test_uniform(), v = test_uniform();
    return sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
}

/* n x m data with `factors` latent factors plus noise; column j also has its own scale. */
static double *latent_data(size_t n, size_t m, size_t factors, double noise)
{
    double *w = malloc(factors * m * sizeof *w), *x = malloc(n * m * sizeof *x);
    for (size_t i = 0; i < factors * m; i++) w[i] = test_normal();
    for (size_t i = 0; i < n; i++) {
        double f[16];
        for (size_t k = 0; k < factors; k++) f[k] = test_normal();
        for (size_t j = 0; j < m; j++) {
            double v = noise * test_normal();
            for (size_t k = 0; k < factors; k++) v += w[k * m + j] * f[k];
            x[i * m + j] = 10.0 * (double)(j + 1) + (1.0 + 0.5 * (double)j) * v;
        }
    }
    free(w);
    return x;
}

/* Cyclic Jacobi eigen-solver for a small symmetric matrix (independent of LAPACK). On return
 * a's diagonal holds the eigenvalues and v's columns the eigenvectors. */
static void jacobi_eigen(double *a, double *v, int n)
{
    for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++) v[i * n + j] = i == j;
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0.0;
        for (int p = 0; p < n; p++)
            for (int q = p + 1; q < n; q++) off += a[p * n + q] * a[p * n + q];
        if (off < 1e-30) break;
        for (int p = 0; p < n; p++)
            for (int q = p + 1; q < n; q++) {
                if (fabs(a[p * n + q]) < 1e-300) continue;
                double theta = (a[q * n + q] - a[p * n + p]) / (2.0 * a[p * n + q]);
                double t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1.0));
                double c = 1.0 / sqrt(t * t + 1.0), s = t * c;
                for (int k = 0; k < n; k++) { /* columns p, q */
                    double akp = a[k * n + p], akq = a[k * n + q];
                    a[k * n + p] = c * akp - s * akq;
                    a[k * n + q] = s * akp + c * akq;
                }
                for (int k = 0; k < n; k++) { /* rows p, q */
                    double apk = a[p * n + k], aqk = a[q * n + k];
                    a[p * n + k] = c * apk - s * aqk;
                    a[q * n + k] = s * apk + c * aqk;
                }
                for (int k = 0; k < n; k++) {
                    double vkp = v[k * n + p], vkq = v[k * n + q];
                    v[k * n + p] = c * vkp - s * vkq;
                    v[k * n + q] = s * vkp + c * vkq;
                }
            }
    }
}

/* ---- eigen-decomposition ---- */

static void test_eigh_tridiagonal(void)
{
    /* tridiag(-1, 2, -1) of order 6: eigenvalues 2 - 2 cos(k pi / 7), k = 1..6 */
    enum { N = 6 };
    double a[N * N] = {0}, values[N], vecs[N * N];
    for (int i = 0; i < N; i++) {
        a[i * N + i] = 2.0;
        if (i + 1 < N) a[i * N + i + 1] = a[(i + 1) * N + i] = -1.0;
    }
    struct tep_error err;
    CHECK(tep_pca_eigh(a, N, values, vecs, &err) == 0);
    for (int k = 0; k < N; k++) CHECK_ABS(values[k], 2.0 - 2.0 * cos((N - k) * M_PI / 7.0), 1e-13);
    for (int k = 0; k < N; k++) { /* A v = lambda v, |v| = 1, largest entry positive */
        double norm = 0.0, big = 0.0;
        for (int i = 0; i < N; i++) {
            double av = 0.0;
            for (int j = 0; j < N; j++) av += a[i * N + j] * vecs[j * N + k];
            CHECK_ABS(av, values[k] * vecs[i * N + k], 1e-13);
            norm += vecs[i * N + k] * vecs[i * N + k];
            if (fabs(vecs[i * N + k]) > fabs(big)) big = vecs[i * N + k];
        }
        CHECK_ABS(norm, 1.0, 1e-13);
        CHECK(big > 0.0);
    }
    /* eigenvectors are orthogonal */
    for (int k = 0; k < N; k++)
        for (int l = k + 1; l < N; l++) {
            double d = 0.0;
            for (int i = 0; i < N; i++) d += vecs[i * N + k] * vecs[i * N + l];
            CHECK_ABS(d, 0.0, 1e-13);
        }
}

static void test_eigh_singular(void)
{
    /* H diag(6, 3, 1, 0) H with the Householder reflector H = I - 2uu'/u'u, u = (1,2,3,4):
     * a singular matrix with known eigenvalues and eigenvectors (the columns of H). */
    enum { N = 4 };
    double u[N] = {1, 2, 3, 4}, uu = 30.0, d[N] = {6, 3, 1, 0}, h[N * N], a[N * N];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) h[i * N + j] = (i == j) - 2.0 * u[i] * u[j] / uu;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            a[i * N + j] = 0.0;
            for (int k = 0; k < N; k++) a[i * N + j] += h[i * N + k] * d[k] * h[j * N + k];
        }
    double values[N], vecs[N * N];
    struct tep_error err;
    CHECK(tep_pca_eigh(a, N, values, vecs, &err) == 0);
    for (int k = 0; k < N; k++) CHECK_ABS(values[k], d[k], 1e-13);
    for (int k = 0; k < N; k++) { /* vecs column k = +/- h column k */
        double dot = 0.0;
        for (int i = 0; i < N; i++) dot += vecs[i * N + k] * h[i * N + k];
        CHECK_ABS(fabs(dot), 1.0, 1e-12);
    }
    double bad[4] = {1, NAN, NAN, 1};
    CHECK(tep_pca_eigh(bad, 2, values, NULL, &err) == -1 && err.code == TEP_ERR_MATH);
}

/* ---- quantiles and limits ---- */

/* F(2, d2) quantile in closed form: P(F <= x) = 1 - (1 + 2x/d2)^(-d2/2). */
/* Quantiles the library gets from GSL, computed independently: mpmath 1.3.0 at 40 digits,
 * bisection on its regularized incomplete beta (F: betainc(d1/2, d2/2, 0, d1 x/(d1 x + d2))
 * = p) and incomplete gamma (chi2: gammainc(k/2, 0, x/2) = p) and z = sqrt(2) erfinv(2p - 1).
 * They agree with the NIST/SEMATECH e-Handbook tables 1.3.6.7.1 (z 0.99 = 2.326) and
 * 1.3.6.7.4 (chi2 0.99, 10 = 23.209) to the tables' digits. */
#define Z_099 2.3263478740408411          /* standard normal, P = 0.99 */
#define F_099_9_491 2.4435285677104706    /* F(9, 491), the Braatz set-up (a = 9, n = 500) */
#define F_099_9_1E4 2.4090985824143560    /* F(9, 10^4) */
#define F_099_30_1E6 1.6964254609547660   /* F(30, 10^6) */
#define CHI2_099_10 23.209251158954360    /* chi2(10) */
#define CHI2_099_60_5 88.985601650947006  /* chi2(60.5) */
static double f2_quantile(double p, double d2) { return 0.5 * d2 * expm1(-(2.0 / d2) * log1p(-p)); }

static void test_f_quantile(void)
{
    struct tep_error err;
    double x;
    CHECK(tep_pca_f_quantile(0.99, 2, 10, &x, &err) == 0);
    CHECK_REL(x, 7.5594321575479011, 1e-12); /* 5 (0.01^-0.2 - 1) */
    CHECK(tep_pca_f_quantile(0.99, 2, 498, &x, &err) == 0);
    CHECK_REL(x, f2_quantile(0.99, 498), 1e-12);
    /* GSL's own inversion fails here: the fallback root finder must still hit the closed form */
    CHECK(tep_pca_f_quantile(0.99, 2, 1e8, &x, &err) == 0);
    CHECK_REL(x, f2_quantile(0.99, 1e8), 1e-10);
    /* F(1, 10) at 0.95 = t(10) at 0.975 squared = 2.2281388519649385^2 */
    CHECK(tep_pca_f_quantile(0.95, 1, 10, &x, &err) == 0);
    CHECK_REL(x, 2.2281388519649385 * 2.2281388519649385, 1e-10);
    /* F(9, 1e4) and F(30, 1e6): GSL's Pinv returns NaN, the fallback root finder must work */
    CHECK(tep_pca_f_quantile(0.99, 9, 1e4, &x, &err) == 0);
    CHECK_REL(x, F_099_9_1E4, 1e-12);
    CHECK(tep_pca_f_quantile(0.99, 30, 1e6, &x, &err) == 0);
    CHECK_REL(x, F_099_30_1E6, 1e-12);
    CHECK(tep_pca_f_quantile(0.99, 9, 491, &x, &err) == 0);
    CHECK_REL(x, F_099_9_491, 1e-12);
    CHECK(tep_pca_f_quantile(1.0, 2, 10, &x, &err) == -1 && err.code == TEP_ERR_ARG);
    CHECK(tep_pca_f_quantile(0.5, 0, 10, &x, &err) == -1);
}

static void test_t2_limit(void)
{
    struct tep_error err;
    double lim;
    /* a = 2, n = 500: 2 * 499 * 501 / (500 * 498) * F_0.99(2, 498) */
    CHECK(tep_pca_t2_limit(2, 500, 0.99, &lim, &err) == 0);
    CHECK_REL(lim, 2.0 * 499.0 * 501.0 / (500.0 * 498.0) * f2_quantile(0.99, 498), 1e-12);
    CHECK_REL(lim, 9.3333351, 1e-7); /* scipy: 2.0080241 x stats.f.ppf(0.99, 2, 498) */
    /* a = 9, n = 500 (the Braatz set-up) */
    CHECK(tep_pca_t2_limit(9, 500, 0.99, &lim, &err) == 0);
    CHECK_REL(lim, 9.0 * 499.0 * 501.0 / (500.0 * 491.0) * F_099_9_491, 1e-12);
    CHECK(tep_pca_t2_limit(5, 5, 0.99, &lim, &err) == -1 && err.code == TEP_ERR_ARG);
    CHECK(tep_pca_t2_limit(2, 50, 0.0, &lim, &err) == -1);
}

/* Jackson-Mudholkar written out again, independently of the library. */
static double jm_reference(const double *eig, int dim, int a, double conf)
{
    double t1 = 0, t2 = 0, t3 = 0;
    for (int j = a; j < dim; j++) {
        t1 += eig[j];
        t2 += pow(eig[j], 2);
        t3 += pow(eig[j], 3);
    }
    double h0 = 1.0 - 2.0 * t1 * t3 / (3.0 * t2 * t2);
    CHECK(conf == 0.99); /* z below is the 0.99 quantile */
    double c = Z_099;
    return t1 * pow(c * sqrt(2.0 * t2 * h0 * h0) / t1 + 1.0 + t2 * h0 * (h0 - 1.0) / (t1 * t1),
                    1.0 / h0);
}

static void test_q_limit(void)
{
    struct tep_error err;
    double lim;
    double eig[5] = {3.0, 1.0, 0.5, 0.3, 0.2};
    CHECK(tep_pca_q_limit(eig, 5, 2, 0.99, &lim, &err) == 0);
    CHECK_REL(lim, jm_reference(eig, 5, 2, 0.99), 1e-13);
    /* theta = (1, 0.38, 0.16), h0 = 0.26131117, c = 2.3263479; evaluated with scipy */
    CHECK_REL(lim, 4.2177946, 1e-7);
    /* equal residual eigenvalues l: Q / l is exactly chi2(k); JM approximates it closely */
    double flat[12] = {4, 2, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5};
    CHECK(tep_pca_q_limit(flat, 12, 2, 0.99, &lim, &err) == 0);
    CHECK_REL(lim, 0.5 * CHI2_099_10, 5e-3);
    /* h0 <= 0 (one big and many small residual eigenvalues): Box's g chi2(h) */
    double spread[102];
    spread[0] = 5.0;
    spread[1] = 1.0;
    for (int j = 2; j < 102; j++) spread[j] = 0.1;
    CHECK(tep_pca_q_limit(spread, 102, 1, 0.99, &lim, &err) == 0);
    CHECK_REL(lim, (2.0 / 11.0) * CHI2_099_60_5, 1e-10);
    /* negative round-off eigenvalues count as zero */
    double neg[4] = {2.0, 1.0, 0.5, -1e-17};
    double pos[4] = {2.0, 1.0, 0.5, 0.0};
    double lim2;
    CHECK(tep_pca_q_limit(neg, 4, 2, 0.99, &lim, &err) == 0);
    CHECK(tep_pca_q_limit(pos, 4, 2, 0.99, &lim2, &err) == 0);
    CHECK(lim == lim2);
    double zero[3] = {2.0, 0.0, 0.0};
    CHECK(tep_pca_q_limit(zero, 3, 1, 0.99, &lim, &err) == -1 && err.code == TEP_ERR_MATH);
    CHECK(tep_pca_q_limit(eig, 5, 5, 0.99, &lim, &err) == -1 && err.code == TEP_ERR_ARG);
}

/* ---- T^2 and Q of a tiny data set, computed here from scratch ---- */

static void test_tiny_scores(void)
{
    enum { N = 8, M = 3, A = 2 };
    const double x[N * M] = {
        1.0, 2.0, 0.5,  2.0, 3.9, 1.1,  3.0, 6.2, 1.4,  4.0, 8.1, 2.2,
        5.0, 9.8, 2.4,  6.0, 12.1, 3.1, 7.0, 14.2, 3.3, 8.0, 15.8, 4.1,
    };
    const double probe[3 * M] = {4.5, 9.0, 2.25, 2.0, 9.0, 1.0, 9.0, 18.0, 0.0};
    /* reference: mean, sample std, correlation, Jacobi eigen-pairs */
    double mean[M] = {0}, sd[M] = {0}, r[M * M] = {0}, v[M * M];
    for (int j = 0; j < M; j++) {
        for (int i = 0; i < N; i++) mean[j] += x[i * M + j] / N;
        for (int i = 0; i < N; i++) sd[j] += pow(x[i * M + j] - mean[j], 2) / (N - 1);
        sd[j] = sqrt(sd[j]);
    }
    for (int p = 0; p < M; p++)
        for (int q = 0; q < M; q++)
            for (int i = 0; i < N; i++)
                r[p * M + q] += (x[i * M + p] - mean[p]) / sd[p] * (x[i * M + q] - mean[q]) /
                                sd[q] / (N - 1);
    jacobi_eigen(r, v, M);
    int order[M] = {0, 1, 2}; /* sort eigenvalues descending */
    for (int i = 0; i < M; i++)
        for (int j = i + 1; j < M; j++)
            if (r[order[j] * M + order[j]] > r[order[i] * M + order[i]]) {
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
    double lam[M];
    for (int k = 0; k < M; k++) lam[k] = r[order[k] * M + order[k]];

    struct tep_pca_options opt;
    tep_pca_options_default(&opt);
    opt.ncomp = A;
    struct tep_pca_model *model = NULL;
    struct tep_error err;
    CHECK(tep_pca_fit(x, N, M, &opt, &model, &err) == 0);
    if (!model) return;
    CHECK_EQ_INT(model->ncomp, A);
    CHECK_EQ_INT(model->ntrain, N);
    for (int k = 0; k < M; k++) CHECK_REL(model->eigenvalues[k], lam[k], 1e-11);
    for (int j = 0; j < M; j++) {
        CHECK_REL(model->mean[j], mean[j], 1e-14);
        CHECK_REL(model->std[j], sd[j], 1e-14);
    }
    /* limits: a = 2 makes F(2, n - 2) closed-form; one residual eigenvalue gives h0 = 1/3 */
    CHECK_REL(model->t2_limit, 2.0 * 7.0 * 9.0 / (8.0 * 6.0) * f2_quantile(0.99, 6), 1e-12);
    CHECK_REL(model->q_limit, jm_reference(lam, M, A, 0.99), 1e-10);

    double t2[3], q[3], st2, sq;
    CHECK(tep_pca_score(model, probe, 3, t2, q, &err) == 0);
    struct tep_pca_scorer *scorer = NULL;
    CHECK(tep_pca_scorer_new(model, &scorer, &err) == 0);
    for (int s = 0; s < 3; s++) {
        double z[M], t2_ref = 0.0, q_ref = 0.0;
        for (int j = 0; j < M; j++) z[j] = (probe[s * M + j] - mean[j]) / sd[j];
        double resid[M] = {z[0], z[1], z[2]};
        for (int k = 0; k < A; k++) {
            double t = 0.0;
            for (int j = 0; j < M; j++) t += v[j * M + order[k]] * z[j];
            t2_ref += t * t / lam[k];
            for (int j = 0; j < M; j++) resid[j] -= t * v[j * M + order[k]];
        }
        for (int j = 0; j < M; j++) q_ref += resid[j] * resid[j];
        CHECK_REL(t2[s], t2_ref, 1e-10);
        CHECK_REL(q[s], q_ref, 1e-9);
        CHECK(tep_pca_scorer_push(scorer, probe + s * M, &st2, &sq) == 1);
        CHECK_REL(st2, t2_ref, 1e-10);
        CHECK_REL(sq, q_ref, 1e-9);
    }
    tep_pca_scorer_free(scorer);
    tep_pca_model_free(model);
}

/* Sum of T^2 over the training rows is (n-1) a, and of Q (n-1) times the residual eigenvalues. */
static void test_training_identities(void)
{
    enum { N = 300, M = 8 };
    double *x = latent_data(N, M, 3, 0.3);
    struct tep_pca_options opt;
    tep_pca_options_default(&opt);
    opt.ncomp = 3;
    struct tep_pca_model *model = NULL;
    struct tep_error err;
    CHECK(tep_pca_fit(x, N, M, &opt, &model, &err) == 0);
    double t2[N], q[N], sum_t2 = 0.0, sum_q = 0.0, resid = 0.0;
    CHECK(tep_pca_score(model, x, N, t2, q, &err) == 0);
    for (int i = 0; i < N; i++) {
        sum_t2 += t2[i];
        sum_q += q[i];
    }
    for (int k = 3; k < M; k++) resid += model->eigenvalues[k];
    CHECK_REL(sum_t2, (N - 1) * 3.0, 1e-10);
    CHECK_REL(sum_q, (N - 1) * resid, 1e-10);
    double total = 0.0; /* trace of a correlation matrix = number of variables */
    for (int k = 0; k < M; k++) total += model->eigenvalues[k];
    CHECK_REL(total, M, 1e-12);
    tep_pca_model_free(model);
    free(x);
}

/* ---- dynamic PCA ---- */

static void test_dpca_equals_augmented_pca(void)
{
    enum { N = 200, M = 4, L = 2, D = M * (L + 1) };
    double *x = latent_data(N, M, 2, 0.4);
    double *aug = malloc((N - L) * D * sizeof *aug); /* [x(t), x(t-1), x(t-2)] */
    for (int i = 0; i < N - L; i++)
        for (int l = 0; l <= L; l++)
            for (int j = 0; j < M; j++) aug[i * D + l * M + j] = x[(i + L - l) * M + j];
    struct tep_pca_options opt;
    tep_pca_options_default(&opt);
    opt.ncomp = 5;
    struct tep_pca_model *dyn = NULL, *flat = NULL;
    struct tep_error err;
    opt.lags = L;
    CHECK(tep_pca_fit(x, N, M, &opt, &dyn, &err) == 0);
    opt.lags = 0;
    CHECK(tep_pca_fit(aug, N - L, D, &opt, &flat, &err) == 0);
    if (!dyn || !flat) goto done;
    CHECK_EQ_INT(dyn->dim, D);
    CHECK_EQ_INT(dyn->ntrain, N - L);
    CHECK_REL(dyn->t2_limit, flat->t2_limit, 1e-14);
    CHECK_REL(dyn->q_limit, flat->q_limit, 1e-11);
    for (int k = 0; k < D; k++) CHECK_ABS(dyn->eigenvalues[k], flat->eigenvalues[k], 1e-12);
    double t2d[N], qd[N], t2f[N - L], qf[N - L];
    CHECK(tep_pca_score(dyn, x, N, t2d, qd, &err) == 0);
    CHECK(tep_pca_score(flat, aug, N - L, t2f, qf, &err) == 0);
    CHECK(isnan(t2d[0]) && isnan(t2d[1]) && isnan(qd[0]) && isnan(qd[1]));
    for (int i = 0; i < N - L; i++) {
        CHECK_REL(t2d[i + L], t2f[i], 1e-9);
        CHECK_REL(qd[i + L], qf[i], 1e-9);
    }
    /* streaming: warm-up of L samples, then the batch values; a NaN spoils L+1 windows */
    struct tep_pca_scorer *s = NULL;
    CHECK(tep_pca_scorer_new(dyn, &s, &err) == 0);
    double st2, sq;
    int scored = 0;
    for (int i = 0; i < N; i++) {
        int rc = tep_pca_scorer_push(s, x + i * M, &st2, &sq);
        scored += rc;
        if (i < L) {
            CHECK(rc == 0 && isnan(st2) && isnan(sq));
        } else {
            CHECK_REL(st2, t2d[i], 1e-12);
            CHECK_REL(sq, qd[i], 1e-12);
        }
    }
    CHECK_EQ_INT(scored, N - L);
    tep_pca_scorer_reset(s);
    double row[M];
    int after_nan = 0;
    for (int i = 0; i < 10; i++) {
        memcpy(row, x + i * M, sizeof row);
        if (i == 4) row[1] = NAN;
        after_nan += tep_pca_scorer_push(s, row, &st2, &sq);
    }
    CHECK_EQ_INT(after_nan, 10 - L - (L + 1)); /* warm-up 0,1 and windows 4,5,6 unscored */
    tep_pca_scorer_free(s);
    /* lags = 0 is exactly static PCA */
done:
    tep_pca_model_free(dyn);
    tep_pca_model_free(flat);
    free(aug);
    free(x);
}

/* ---- model files ---- */

static int models_identical(const struct tep_pca_model *a, const struct tep_pca_model *b)
{
    if (a->nvars != b->nvars || a->lags != b->lags || a->dim != b->dim || a->ncomp != b->ncomp ||
        a->ntrain != b->ntrain || a->rule != b->rule)
        return 0;
    if (memcmp(&a->confidence, &b->confidence, sizeof(double)) ||
        memcmp(&a->t2_limit, &b->t2_limit, sizeof(double)) ||
        memcmp(&a->q_limit, &b->q_limit, sizeof(double)))
        return 0;
    size_t d = a->dim * sizeof(double);
    if (memcmp(a->mean, b->mean, d) || memcmp(a->std, b->std, d) ||
        memcmp(a->eigenvalues, b->eigenvalues, d) ||
        memcmp(a->loadings, b->loadings, d * a->ncomp))
        return 0;
    if (!a->var_names != !b->var_names) return 0;
    for (size_t j = 0; a->var_names && j < a->nvars; j++)
        if (strcmp(a->var_names[j], b->var_names[j]) != 0) return 0;
    return 1;
}

static void roundtrip_case(size_t lags, const char *const *names, const char *file)
{
    enum { N = 400, M = 6 };
    double *x = latent_data(N, M, 3, 0.2), *probe = latent_data(N, M, 3, 0.5);
    struct tep_pca_options opt;
    tep_pca_options_default(&opt);
    opt.ncomp = 3;
    opt.lags = lags;
    opt.var_names = names;
    struct tep_pca_model *model = NULL, *loaded = NULL, *parsed = NULL;
    struct tep_error err;
    char path[1200], *text = NULL;
    snprintf(path, sizeof path, "%s/%s", tep_test_tmpdir("test_pca_json"), file);
    CHECK(tep_pca_fit(x, N, M, &opt, &model, &err) == 0);
    CHECK(tep_pca_model_save(model, path, &err) == 0);
    CHECK_MSG(tep_pca_model_load(path, &loaded, &err) == 0, "%s", err.message);
    text = tep_pca_model_to_json(model, &err);
    CHECK(text != NULL);
    CHECK(text && tep_pca_model_from_json(text, &parsed, &err) == 0);
    if (!model || !loaded || !parsed) goto done;
    CHECK(models_identical(model, loaded));
    CHECK(models_identical(model, parsed));
    CHECK(strstr(text, lags ? "\"dpca\"" : "\"pca\"") != NULL);
    double t2a[N], qa[N], t2b[N], qb[N];
    CHECK(tep_pca_score(model, probe, N, t2a, qa, &err) == 0);
    CHECK(tep_pca_score(loaded, probe, N, t2b, qb, &err) == 0);
    CHECK(memcmp(t2a, t2b, sizeof t2a) == 0);
    CHECK(memcmp(qa, qb, sizeof qa) == 0);
    struct tep_pca_scorer *sa = NULL, *sb = NULL;
    CHECK(tep_pca_scorer_new(model, &sa, &err) == 0 && tep_pca_scorer_new(loaded, &sb, &err) == 0);
    int same = 1;
    for (int i = 0; i < N; i++) {
        double a2, aq, b2, bq;
        tep_pca_scorer_push(sa, probe + i * M, &a2, &aq);
        tep_pca_scorer_push(sb, probe + i * M, &b2, &bq);
        same &= memcmp(&a2, &b2, sizeof a2) == 0 && memcmp(&aq, &bq, sizeof aq) == 0;
    }
    CHECK(same);
    tep_pca_scorer_free(sa);
    tep_pca_scorer_free(sb);
done:
    free(text);
    tep_pca_model_free(model);
    tep_pca_model_free(loaded);
    tep_pca_model_free(parsed);
    free(x);
    free(probe);
}

static void test_json_roundtrip(void)
{
    static const char *const names[6] = {"xmeas_1", "xmeas_2", "xmeas_9", "xmv_3", "xmv_7",
                                         "reactor \"quoted\" name"};
    roundtrip_case(0, names, "pca.json");
    roundtrip_case(2, NULL, "dpca.json");
}

static void test_json_errors(void)
{
    struct tep_pca_model *m = NULL;
    struct tep_error err;
    CHECK(tep_pca_model_load("/nonexistent/dir/model.json", &m, &err) == -1);
    CHECK_EQ_INT(err.code, TEP_ERR_IO);
    CHECK(tep_pca_model_from_json("{\"format\": \"tep-pca-model\",\n \"version\": }", &m, &err) ==
          -1);
    CHECK(err.code == TEP_ERR_PARSE && err.line == 2);
    CHECK(tep_pca_model_from_json("[1, 2]", &m, &err) == -1 && err.code == TEP_ERR_PARSE);
    CHECK(tep_pca_model_from_json("{\"format\": \"other\"}", &m, &err) == -1);
    CHECK(strstr(err.message, "format") != NULL);

    /* start from a valid model text and break one field at a time */
    enum { N = 100, M = 3 };
    double *x = latent_data(N, M, 1, 0.3);
    struct tep_pca_options opt;
    tep_pca_options_default(&opt);
    opt.ncomp = 1;
    struct tep_pca_model *model = NULL;
    CHECK(tep_pca_fit(x, N, M, &opt, &model, &err) == 0);
    char *text = tep_pca_model_to_json(model, &err);
    CHECK(text != NULL);
    if (text) {
        struct {
            const char *from, *to, *expect;
            int code;
        } cases[] = {
            {"\"version\": 1", "\"version\": 2", "version 2", TEP_ERR_UNSUPPORTED},
            {"\"method\": \"pca\"", "\"method\": \"dpca\"", "method", TEP_ERR_PARSE},
            {"\"components\": 1", "\"components\": 3", "loadings row 1", TEP_ERR_PARSE},
            {"\"mean\": [", "\"mean\": [1.0, ", "mean", TEP_ERR_PARSE},
            {"\"std\": [", "\"std\": [-1.0, 7, ", "std", TEP_ERR_PARSE},
            {"\"limits\"", "\"limitz\"", "limits", TEP_ERR_PARSE},
            {"\"alpha\": 0.98999999999999999", "\"alpha\": 1.5", "confidence", TEP_ERR_ARG},
        };
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            const char *at = strstr(text, cases[c].from);
            CHECK_MSG(at != NULL, "case %zu: '%s' not in the model text", c, cases[c].from);
            if (!at) continue;
            size_t len = strlen(text) + strlen(cases[c].to) + 1;
            char *bad = malloc(len);
            snprintf(bad, len, "%.*s%s%s", (int)(at - text), text, cases[c].to,
                     at + strlen(cases[c].from));
            CHECK_MSG(tep_pca_model_from_json(bad, &m, &err) == -1, "case %zu accepted", c);
            CHECK_MSG(err.code == cases[c].code && strstr(err.message, cases[c].expect),
                      "case %zu: code %d message '%s'", c, err.code, err.message);
            CHECK(m == NULL);
            free(bad);
        }
    }
    free(text);
    /* a model whose invariants do not hold is refused by the writer and by scoring */
    model->std[0] = -1.0;
    CHECK(tep_pca_model_to_json(model, &err) == NULL && strstr(err.message, "std[0]"));
    CHECK(tep_pca_score(model, x, N, NULL, NULL, &err) == -1 && err.code == TEP_ERR_ARG);
    model->std[0] = 1.0;
    model->eigenvalues[2] = 10.0;
    CHECK(tep_pca_model_to_json(model, &err) == NULL && strstr(err.message, "descending"));
    tep_pca_model_free(model);
    free(x);
}

/* ---- contributions ---- */

static void test_contributions(void)
{
    enum { N = 300, M = 6, A = 2 };
    double *x = latent_data(N, M, 2, 0.2);
    struct tep_pca_options opt;
    tep_pca_options_default(&opt);
    opt.ncomp = A;
    struct tep_pca_model *model = NULL;
    struct tep_error err;
    CHECK(tep_pca_fit(x, N, M, &opt, &model, &err) == 0);
    if (!model) goto done;
    /* a normal sample with variable 4 pushed 8 standard deviations up */
    double sample[M];
    memcpy(sample, x + 17 * M, sizeof sample);
    sample[4] += 8.0 * model->std[4];
    struct tep_pca_contrib ct[M], cq[M];
    double t2, q, bt2, bq;
    CHECK(tep_pca_contributions(model, sample, 1, 0, ct, cq, &t2, &q, &err) == 0);
    CHECK(tep_pca_score(model, sample, 1, &bt2, &bq, &err) == 0);
    CHECK_REL(t2, bt2, 1e-12);
    CHECK_REL(q, bq, 1e-12);
    double st = 0.0, sq = 0.0;
    for (int j = 0; j < M; j++) {
        st += ct[j].value;
        sq += cq[j].value;
        if (j > 0) CHECK(ct[j - 1].value >= ct[j].value && cq[j - 1].value >= cq[j].value);
    }
    CHECK_REL(st, t2, 1e-12);
    CHECK_REL(sq, q, 1e-12);
    CHECK_EQ_INT(cq[0].var, 4);
    /* T^2 complete decomposition, recomputed: w = P diag(lambda^-1/2) P' z, c_i = w_i^2 */
    double z[M], w[M] = {0};
    for (int j = 0; j < M; j++) z[j] = (sample[j] - model->mean[j]) / model->std[j];
    for (int k = 0; k < A; k++) {
        double t = 0.0;
        for (int j = 0; j < M; j++) t += model->loadings[j * A + k] * z[j];
        double u = t / sqrt(model->eigenvalues[k]);
        for (int j = 0; j < M; j++) w[j] += model->loadings[j * A + k] * u;
    }
    for (int r = 0; r < M; r++) CHECK_REL(ct[r].value, w[ct[r].var] * w[ct[r].var], 1e-10);
    /* the scorer explains its latest sample the same way */
    struct tep_pca_scorer *s = NULL;
    struct tep_pca_contrib st2c[M], sqc[M];
    CHECK(tep_pca_scorer_new(model, &s, &err) == 0);
    CHECK(tep_pca_scorer_contributions(s, st2c, sqc, &err) == -1); /* nothing pushed yet */
    tep_pca_scorer_push(s, sample, NULL, NULL);
    CHECK(tep_pca_scorer_contributions(s, st2c, sqc, &err) == 0);
    for (int r = 0; r < M; r++) {
        CHECK(st2c[r].var == ct[r].var && sqc[r].var == cq[r].var);
        CHECK_REL(st2c[r].value, ct[r].value, 1e-12);
        CHECK_REL(sqc[r].value, cq[r].value, 1e-12);
    }
    tep_pca_scorer_free(s);
    CHECK(tep_pca_contributions(model, sample, 1, 1, ct, cq, NULL, NULL, &err) == -1);
done:
    tep_pca_model_free(model);
    free(x);
}

static void test_dpca_contributions_fold_lags(void)
{
    enum { N = 200, M = 4, L = 1 };
    double *x = latent_data(N, M, 2, 0.3);
    struct tep_pca_options opt;
    tep_pca_options_default(&opt);
    opt.ncomp = 3;
    opt.lags = L;
    struct tep_pca_model *model = NULL;
    struct tep_error err;
    CHECK(tep_pca_fit(x, N, M, &opt, &model, &err) == 0);
    struct tep_pca_contrib ct[M], cq[M];
    double t2, q, bt2[N], bq[N];
    CHECK(tep_pca_contributions(model, x, N, 50, ct, cq, &t2, &q, &err) == 0);
    CHECK(tep_pca_score(model, x, N, bt2, bq, &err) == 0);
    double st = 0.0, sq = 0.0;
    for (int j = 0; j < M; j++) {
        st += ct[j].value;
        sq += cq[j].value;
    }
    CHECK_REL(st, bt2[50], 1e-10);
    CHECK_REL(sq, bq[50], 1e-10);
    CHECK(tep_pca_contributions(model, x, N, 0, ct, cq, &t2, &q, &err) == -1); /* no history */
    tep_pca_model_free(model);
    free(x);
}

/* ---- component rules ---- */

static void test_component_rules(void)
{
    const double eig[5] = {4.0, 2.0, 1.0, 0.5, 0.5};
    struct tep_pca_options opt;
    tep_pca_options_default(&opt);
    struct tep_error err;
    size_t a = 0;
    opt.rule = TEP_PCA_RULE_VARIANCE;
    double fractions[] = {0.5, 0.75, 0.76, 0.875, 0.9, 1.0};
    size_t expect[] = {1, 2, 3, 3, 4, 4}; /* cumulative 0.5, 0.75, 0.875, 0.9375, (1.0) */
    for (int c = 0; c < 6; c++) {
        opt.variance = fractions[c];
        CHECK(tep_pca_choose_ncomp(eig, 5, 100, &opt, &a, &err) == 0);
        CHECK_EQ_INT(a, expect[c]);
    }
    opt.variance = 0.0;
    CHECK(tep_pca_choose_ncomp(eig, 5, 100, &opt, &a, &err) == -1);
    opt.rule = TEP_PCA_RULE_FIXED;
    opt.ncomp = 5;
    CHECK(tep_pca_choose_ncomp(eig, 5, 100, &opt, &a, &err) == -1 && err.code == TEP_ERR_ARG);

    /* parallel analysis on data with 3 latent factors finds 3; reproducible by seed */
    enum { N = 400, M = 10 };
    double *x = latent_data(N, M, 3, 0.5);
    tep_pca_options_default(&opt);
    opt.rule = TEP_PCA_RULE_PARALLEL;
    struct tep_pca_model *model = NULL;
    CHECK(tep_pca_fit(x, N, M, &opt, &model, &err) == 0);
    CHECK(model && model->ncomp == 3);
    double thr1[M], thr2[M], thr3[M];
    CHECK(tep_pca_parallel_threshold(N, M, 20, 0.95, 7, thr1, &err) == 0);
    CHECK(tep_pca_parallel_threshold(N, M, 20, 0.95, 7, thr2, &err) == 0);
    CHECK(tep_pca_parallel_threshold(N, M, 20, 0.95, 8, thr3, &err) == 0);
    CHECK(memcmp(thr1, thr2, sizeof thr1) == 0);
    CHECK(memcmp(thr1, thr3, sizeof thr1) != 0);
    /* random correlation eigenvalues spread around 1 by about 2 sqrt(M/N) (Marchenko-Pastur
     * edges (1 +/- sqrt(M/N))^2 = 1.17 / 0.71 for M/N = 0.025) */
    CHECK(thr1[0] > 1.1 && thr1[0] < 1.35);
    CHECK(thr1[M - 1] > 0.6 && thr1[M - 1] < 0.9);
    for (int k = 1; k < M; k++) CHECK(thr1[k] <= thr1[k - 1]);
    tep_pca_model_free(model);
    free(x);
}

/* ---- errors a user can reach ---- */

static void test_fit_errors(void)
{
    enum { N = 50, M = 4 };
    double *x = latent_data(N, M, 2, 0.3);
    struct tep_pca_options opt;
    tep_pca_options_default(&opt);
    opt.ncomp = 2;
    struct tep_pca_model *model = NULL;
    struct tep_error err;
    static const char *const names[M] = {"a", "b", "c", "xmv_12"};

    x[7 * M + 2] = NAN;
    CHECK(tep_pca_fit(x, N, M, &opt, &model, &err) == -1 && model == NULL);
    CHECK(err.line == 8 && err.column == 3);
    x[7 * M + 2] = 1.0;

    for (int i = 0; i < N; i++) x[i * M + 3] = 100.0; /* constant column */
    opt.var_names = names;
    CHECK(tep_pca_fit(x, N, M, &opt, &model, &err) == -1);
    CHECK(strstr(err.message, "'xmv_12'") && strstr(err.message, "constant"));
    opt.var_names = NULL;

    for (int i = 0; i < N; i++) x[i * M + 3] = 2.0 * x[i * M + 0] - x[i * M + 1]; /* rank 3 */
    opt.ncomp = 3;
    CHECK(tep_pca_fit(x, N, M, &opt, &model, &err) == 0); /* 3 real directions: fine */
    tep_pca_model_free(model);
    model = NULL;
    for (int i = 0; i < N; i++) x[i * M + 2] = x[i * M + 0] + x[i * M + 1]; /* rank 2 */
    CHECK(tep_pca_fit(x, N, M, &opt, &model, &err) == -1 && err.code == TEP_ERR_MATH);
    CHECK(strstr(err.message, "fewer components") != NULL);

    opt.ncomp = 4;
    CHECK(tep_pca_fit(x, N, M, &opt, &model, &err) == -1 && err.code == TEP_ERR_ARG);
    opt.ncomp = 2;
    opt.confidence = 1.0;
    CHECK(tep_pca_fit(x, N, M, &opt, &model, &err) == -1 && err.code == TEP_ERR_ARG);
    opt.confidence = 0.99;
    opt.lags = 48;
    CHECK(tep_pca_fit(x, N, M, &opt, &model, &err) == -1 && strstr(err.message, "rows"));
    CHECK(tep_pca_fit(x, 0, M, &opt, &model, &err) == -1);
    CHECK(tep_pca_score(NULL, x, N, NULL, NULL, &err) == -1);
    free(x);
}

/* ---- frame adapter ---- */

static void test_frame_adapter(void)
{
    enum { N = 120, M = 5 };
    double *x = latent_data(N, M, 2, 0.3);
    struct tep_frame *frame = tep_frame_new(N);
    struct tep_error err;
    const char *names[M] = {"xmeas_1", "xmeas_2", "xmeas_3", "xmv_1", "xmv_2"};
    CHECK(tep_frame_add_column(frame, "xmeas_7", 6, &err) == 0); /* not used by the model */
    for (int j = M - 1; j >= 0; j--) CHECK(tep_frame_add_column(frame, names[j], -1, &err) >= 0);
    for (int i = 0; i < N; i++) {
        double row[M + 1];
        row[0] = -1.0;
        for (int j = 0; j < M; j++) row[1 + (M - 1 - j)] = x[i * M + j];
        CHECK(tep_frame_push_row(frame, 0.05 * i, i + 1, 0, row, &err) == 0);
    }
    struct tep_pca_options opt;
    tep_pca_options_default(&opt);
    opt.ncomp = 2;
    opt.lags = 1;
    struct tep_pca_model *fm = NULL, *xm = NULL;
    CHECK(tep_pca_fit_frame(frame, names, M, &opt, &fm, &err) == 0);
    CHECK(tep_pca_fit(x, N, M, &opt, &xm, &err) == 0);
    if (!fm || !xm) goto done;
    CHECK_STR(fm->var_names[3], "xmv_1");
    CHECK(memcmp(fm->eigenvalues, xm->eigenvalues, fm->dim * sizeof(double)) == 0);
    double t2[N], q[N], ft2[N], fq[N];
    CHECK(tep_pca_score(xm, x, N, t2, q, &err) == 0);
    struct tep_pca_scorer *s = NULL;
    CHECK(tep_pca_scorer_new(fm, &s, &err) == 0);
    /* two chunks of one run: the lag history carries over */
    frame->nrows = 70;
    CHECK(tep_pca_scorer_push_frame(s, frame, ft2, fq, &err) == 0);
    struct tep_frame *rest = tep_frame_new(N);
    CHECK(tep_frame_copy_schema(rest, frame, &err) == 0);
    for (int i = 70; i < N; i++) {
        double row[M + 1];
        for (int c = 0; c < M + 1; c++) row[c] = frame->cols[c].data[i];
        tep_frame_push_row(rest, 0.05 * i, i + 1, 0, row, &err);
    }
    CHECK(tep_pca_scorer_push_frame(s, rest, ft2 + 70, fq + 70, &err) == 0);
    CHECK(isnan(ft2[0]));
    for (int i = 1; i < N; i++) {
        CHECK_REL(ft2[i], t2[i], 1e-11);
        CHECK_REL(fq[i], q[i], 1e-11);
    }
    tep_pca_scorer_free(s);
    /* a frame without one of the model's columns */
    struct tep_frame *other = tep_frame_new(4);
    CHECK(tep_frame_add_column(other, "xmeas_1", 0, &err) == 0);
    CHECK(tep_pca_scorer_new(fm, &s, &err) == 0);
    CHECK(tep_pca_scorer_push_frame(s, other, ft2, fq, &err) == -1);
    CHECK(strstr(err.message, "'xmeas_2'") != NULL);
    const char *missing[2] = {"xmeas_1", "nope"};
    struct tep_pca_model *bad = NULL;
    CHECK(tep_pca_fit_frame(frame, missing, 2, &opt, &bad, &err) == -1 && bad == NULL);
    tep_pca_scorer_free(s);
    tep_frame_free(other);
    tep_frame_free(rest);
    frame->nrows = N;
done:
    tep_pca_model_free(fm);
    tep_pca_model_free(xm);
    tep_frame_free(frame);
    free(x);
}

int main(void)
{
    RUN(test_eigh_tridiagonal);
    RUN(test_eigh_singular);
    RUN(test_f_quantile);
    RUN(test_t2_limit);
    RUN(test_q_limit);
    RUN(test_tiny_scores);
    RUN(test_training_identities);
    RUN(test_dpca_equals_augmented_pca);
    RUN(test_json_roundtrip);
    RUN(test_json_errors);
    RUN(test_contributions);
    RUN(test_dpca_contributions_fold_lags);
    RUN(test_component_rules);
    RUN(test_fit_errors);
    RUN(test_frame_adapter);
    CHECK_DONE();
}
