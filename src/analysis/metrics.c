/* metrics.c - FDR, FAR and detection delay of one run (definitions in metrics.h).
 *
 * Both entry points share one pass over the samples; the alarm of sample i comes either
 * from an alarm-code array or from comparing a statistic with its limit, so scoring code
 * can compute metrics without materialising alarms.
 */
#include "metrics.h"

#include <math.h>

/* Where the alarms come from: codes, or stat > limit. */
struct alarm_source {
    const signed char *codes;
    const double *stat;
    double limit;
};

static int alarm_at(const struct alarm_source *src, size_t i)
{
    if (src->codes) return src->codes[i];
    double s = src->stat[i];
    if (isnan(s)) return TEP_ALARM_UNSCORED;
    return s > src->limit ? TEP_ALARM_ON : TEP_ALARM_NONE;
}

void tep_metrics_alarms(const double *stat, size_t n, double limit, signed char *alarm)
{
    struct alarm_source src = {NULL, stat, limit};
    for (size_t i = 0; i < n; i++) alarm[i] = (signed char)alarm_at(&src, i);
}

static int compute(const struct alarm_source *src, const int32_t *fault, size_t n,
                   size_t consecutive, struct tep_detection *out, struct tep_error *err)
{
    if (!out || (n > 0 && !fault))
        return tep_error_set(err, TEP_ERR_ARG, "metrics: missing labels or output");
    if (consecutive < 1)
        return tep_error_set(err, TEP_ERR_ARG,
                             "metrics: consecutive alarms must be >= 1 (1 = first alarm)");
    struct tep_detection d = {0};
    d.onset = -1;
    d.delay = -1;
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        if (fault[i] < 0)
            return tep_error_set_at(err, TEP_ERR_ARG, NULL, (long)i + 1, 0,
                                    "metrics: fault label %d is negative; expected 0 (normal) "
                                    "or a fault number",
                                    (int)fault[i]);
        int a = alarm_at(src, i);
        if (a != TEP_ALARM_NONE && a != TEP_ALARM_ON && a != TEP_ALARM_UNSCORED)
            return tep_error_set_at(err, TEP_ERR_ARG, NULL, (long)i + 1, 0,
                                    "metrics: alarm code %d is not 0, 1 or -1", a);
        if (fault[i] > 0 && d.onset < 0) d.onset = (long)i;
        if (a == TEP_ALARM_UNSCORED) {
            d.n_unscored++;
        } else if (fault[i] == 0) {
            d.n_normal++;
            if (a == TEP_ALARM_ON) d.false_alarms++;
        } else {
            d.n_faulty++;
            if (a == TEP_ALARM_ON) d.detections++;
        }
        /* detection delay: runs of alarms counted from the onset on */
        if (d.onset >= 0 && d.delay < 0) {
            run = a == TEP_ALARM_ON ? run + 1 : 0;
            if (run == consecutive) d.delay = (long)(i + 1 - consecutive) - d.onset;
        }
    }
    d.far = d.n_normal ? (double)d.false_alarms / (double)d.n_normal : NAN;
    d.fdr = d.n_faulty ? (double)d.detections / (double)d.n_faulty : NAN;
    *out = d;
    return 0;
}

int tep_metrics_from_alarms(const signed char *alarm, const int32_t *fault, size_t n,
                            size_t consecutive, struct tep_detection *out,
                            struct tep_error *err)
{
    if (n > 0 && !alarm) return tep_error_set(err, TEP_ERR_ARG, "metrics: no alarms");
    struct alarm_source src = {alarm, NULL, 0.0};
    return compute(&src, fault, n, consecutive, out, err);
}

int tep_metrics_from_stat(const double *stat, double limit, const int32_t *fault, size_t n,
                          size_t consecutive, struct tep_detection *out, struct tep_error *err)
{
    if (n > 0 && !stat) return tep_error_set(err, TEP_ERR_ARG, "metrics: no statistic");
    if (isnan(limit)) return tep_error_set(err, TEP_ERR_ARG, "metrics: the limit is NaN");
    struct alarm_source src = {NULL, stat, limit};
    return compute(&src, fault, n, consecutive, out, err);
}

void tep_metrics_pool(struct tep_detection *total, const struct tep_detection *run)
{
    total->n_normal += run->n_normal;
    total->n_faulty += run->n_faulty;
    total->n_unscored += run->n_unscored;
    total->false_alarms += run->false_alarms;
    total->detections += run->detections;
    total->far = total->n_normal ? (double)total->false_alarms / (double)total->n_normal : NAN;
    total->fdr = total->n_faulty ? (double)total->detections / (double)total->n_faulty : NAN;
    total->onset = -1;
    total->delay = -1;
}
