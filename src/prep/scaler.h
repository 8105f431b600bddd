/* scaler.h - statistics fitted on normal operation, and the normalize step.
 *
 * A scaler model holds, per column, statistics of the fitting rows only
 * (rows with fault == 0, or every row of one named reference run): count,
 * mean and sample std (Welford), min, max, median, MAD and quartiles. It is
 * fitted by streaming chunks through it, saved to / loaded from a JSON file,
 * and applied to later chunks and runs, so test data never leaks into the
 * statistics. The outliers (zscore, mad) and missing (mean) steps read the
 * same model.
 *
 * Robust statistics are exact while a column's fitting values fit in a
 * bounded buffer (`robust_buffer` values, default 200000); past that the
 * buffer becomes a uniform random sample of all values (reservoir sampling,
 * Vitter 1985 "Algorithm R"), and median / MAD / quartiles are those of the
 * sample: rank error about 0.5/sqrt(robust_buffer), i.e. ~0.1 % of the
 * distribution at the median. The model records `robust_exact` per column.
 */
#ifndef TEP_PREP_SCALER_H
#define TEP_PREP_SCALER_H

#include "prep/prep.h"

enum tep_prep_scale_method {
    TEP_PREP_SCALE_ZSCORE = 0, /* (x - mean) / std */
    TEP_PREP_SCALE_MINMAX,     /* (x - min) / (max - min) */
    TEP_PREP_SCALE_ROBUST,     /* (x - median) / (q3 - q1)  (IQR, as sklearn RobustScaler) */
    TEP_PREP_SCALE_MAD,        /* (x - median) / (1.4826 * MAD) */
};
#define TEP_PREP_SCALE_CHOICES "zscore|minmax|robust|mad"

enum tep_prep_fit_on {
    TEP_PREP_FIT_NORMAL = 0, /* rows with fault == 0, from any run */
    TEP_PREP_FIT_RUN,        /* every row of the run named `reference_run` */
};
#define TEP_PREP_FIT_ON_CHOICES "normal|run"

/* Consistency factor turning a MAD into a normal-distribution sigma. */
#define TEP_PREP_MAD_SCALE 1.4826

struct tep_prep_scaler_column {
    char name[TEP_COLUMN_NAME_MAX];
    int var;          /* catalogue index or -1 */
    uint64_t count;   /* valid (non-NaN) fitting values */
    double mean, std; /* std: sample (n-1) standard deviation; 0 when count < 2 */
    double min, max;
    double median, mad;     /* mad: raw median absolute deviation (not scaled by 1.4826) */
    double q1, q3;          /* 25 % / 75 % quantiles, linear interpolation (Hyndman-Fan type 7) */
    bool robust_exact;      /* median/mad/q1/q3 from all values, not a sample */
    uint64_t robust_sample; /* values the robust statistics were computed from */
};

struct tep_prep_fit_state; /* private: accumulators while fitting */

struct tep_prep_scaler {
    int method; /* enum tep_prep_scale_method */
    int fit_on; /* enum tep_prep_fit_on */
    char reference_run[TEP_RUN_ID_MAX];
    uint64_t rows_used; /* fitting rows seen */
    size_t ncols;
    struct tep_prep_scaler_column *cols;
    struct tep_prep_fit_state *fit; /* non-NULL until tep_prep_scaler_fit_finish */
};

struct tep_prep_fit_options {
    int method;                         /* enum tep_prep_scale_method */
    int fit_on;                         /* enum tep_prep_fit_on */
    char reference_run[TEP_RUN_ID_MAX]; /* for TEP_PREP_FIT_RUN */
    char columns[TEP_PREP_COLUMNS_MAX]; /* "" = every catalogue column of the first chunk */
    long robust_buffer;                 /* values kept per column for exact robust stats */
};

void tep_prep_fit_options_init(struct tep_prep_fit_options *opt);

/* A scaler ready to fit. */
struct tep_prep_scaler *tep_prep_scaler_new(const struct tep_prep_fit_options *opt,
                                            struct tep_error *err);
void tep_prep_scaler_free(struct tep_prep_scaler *s);

/* Accumulate the fitting rows of `chunk` (others are ignored). The first chunk
 * fixes the columns; later chunks must have them (any order). */
int tep_prep_scaler_fit_chunk(struct tep_prep_scaler *s, const struct tep_frame *chunk,
                              struct tep_error *err);
/* Compute the statistics; fails if no fitting row was seen or a column had no
 * valid value. After this the model can be applied and saved. */
int tep_prep_scaler_fit_finish(struct tep_prep_scaler *s, struct tep_error *err);

/* Statistics of column `name`, or NULL. */
const struct tep_prep_scaler_column *tep_prep_scaler_find(const struct tep_prep_scaler *s,
                                                          const char *name);

/* Centre and scale `apply` uses for a column under `method`; a zero or
 * non-finite scale becomes 1 (constant columns map to x - centre, as in
 * scikit-learn). */
void tep_prep_scaler_center_scale(const struct tep_prep_scaler_column *c, int method,
                                  double *center, double *scale);

/* Scale, in place, every column of `chunk` that the model has; a model column
 * absent from the chunk is an error naming it and the run. */
int tep_prep_scaler_apply(const struct tep_prep_scaler *s, struct tep_frame *chunk,
                          struct tep_error *err);
/* Undo apply: x * scale + centre. */
int tep_prep_scaler_inverse(const struct tep_prep_scaler *s, struct tep_frame *chunk,
                            struct tep_error *err);

/* JSON model file (jansson, doubles with 17 significant digits, so a load
 * gives back bit-identical values). Written atomically (core/atomic_file.h). */
int tep_prep_scaler_save(const struct tep_prep_scaler *s, const char *path, struct tep_error *err);
struct tep_prep_scaler *tep_prep_scaler_load(const char *path, struct tep_error *err);

/* --------------------------------------------------------- normalize step */

enum tep_prep_normalize_mode {
    TEP_PREP_NORMALIZE_APPLY = 0, /* scale with a fitted model */
    TEP_PREP_NORMALIZE_FIT,       /* pass rows through unchanged, fit a model on them */
};

/* Defaults: tep_prep_normalize_ops.options (tep_prep_normalize_options_init). */
struct tep_prep_normalize_options {
    int mode;   /* enum tep_prep_normalize_mode */
    int method; /* enum tep_prep_scale_method; in apply mode must match the model's */
    int fit_on; /* enum tep_prep_fit_on */
    char reference_run[TEP_RUN_ID_MAX];
    char columns[TEP_PREP_COLUMNS_MAX]; /* fit: columns to fit; apply: "" = all model columns */
    long robust_buffer;
    char model[TEP_PREP_PATH_MAX];        /* apply: loaded when `scaler` is NULL; fit: saved to */
    const struct tep_prep_scaler *scaler; /* apply: model to use (borrowed), or NULL */
};

struct tep_prep_normalize;

void tep_prep_normalize_options_init(struct tep_prep_normalize_options *opt);
struct tep_prep_normalize *tep_prep_normalize_new(const struct tep_prep_normalize_options *opt,
                                                  struct tep_error *err);
void tep_prep_normalize_free(struct tep_prep_normalize *ctx);
int tep_prep_normalize_begin_run(struct tep_prep_normalize *ctx, const struct tep_frame *schema,
                                 struct tep_error *err);
int tep_prep_normalize_process(struct tep_prep_normalize *ctx, struct tep_frame *chunk,
                               struct tep_prep_metrics *m, struct tep_error *err);
int tep_prep_normalize_end_run(struct tep_prep_normalize *ctx, struct tep_frame *tail_out,
                               struct tep_prep_metrics *m, struct tep_error *err);
/* Fit mode: finish the fit after the last training run and save it to the
 * `model` path when one is set. */
int tep_prep_normalize_finish_fit(struct tep_prep_normalize *ctx, struct tep_error *err);
/* The model in use (apply) or fitted (fit, after finish_fit); NULL before. */
const struct tep_prep_scaler *tep_prep_normalize_scaler(const struct tep_prep_normalize *ctx);

#endif
