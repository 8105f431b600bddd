/* metrics.h - fault-detection metrics as the TEP literature defines them.
 *
 * For one run and one statistic: the fault detection rate (FDR) is the share of faulty
 * samples (label > 0) that raise an alarm, the false alarm rate (FAR) the share of normal
 * samples (label 0) that do, and the detection delay the number of samples from the onset
 * (the first sample whose label is > 0) to the first alarm at or after it; with
 * `consecutive` = k > 1 the delay is to the first sample of the first run of k consecutive
 * alarms that starts at or after the onset (Russell, Chiang & Braatz 2000 use k = 6).
 * Samples without a statistic (DPCA warm-up, NaN) are "unscored": they count in neither
 * rate and break a run of consecutive alarms.
 */
#ifndef TEP_ANALYSIS_METRICS_H
#define TEP_ANALYSIS_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

/* Alarm codes per sample. */
#define TEP_ALARM_NONE 0
#define TEP_ALARM_ON 1
#define TEP_ALARM_UNSCORED (-1)

struct tep_detection {
    size_t n_normal;     /* scored samples labelled normal (fault == 0) */
    size_t n_faulty;     /* scored samples labelled faulty (fault > 0) */
    size_t n_unscored;   /* samples without a statistic */
    size_t false_alarms; /* alarms among the normal samples */
    size_t detections;   /* alarms among the faulty samples */
    double far;          /* false_alarms / n_normal; NaN when n_normal == 0 */
    double fdr;          /* detections / n_faulty; NaN when n_faulty == 0 */
    long onset;          /* 0-based index of the first faulty sample; -1 when none */
    long delay;          /* samples from onset to the detecting alarm; -1 if never detected */
};

/* alarm[i] = 1 when stat[i] > limit (strictly), -1 when stat[i] is NaN, else 0. */
void tep_metrics_alarms(const double *stat, size_t n, double limit, signed char *alarm);

/* Metrics of one run from alarm codes and fault labels (n samples each). consecutive >= 1. */
int tep_metrics_from_alarms(const signed char *alarm, const int32_t *fault, size_t n,
                            size_t consecutive, struct tep_detection *out,
                            struct tep_error *err);

/* Same from a statistic and its limit (alarm = stat > limit), without allocating. */
int tep_metrics_from_stat(const double *stat, double limit, const int32_t *fault, size_t n,
                          size_t consecutive, struct tep_detection *out, struct tep_error *err);

/* Pool the counts of several runs: total += run (rates recomputed from the pooled counts;
 * onset and delay, which are per run, become -1). Start from a zeroed struct. */
void tep_metrics_pool(struct tep_detection *total, const struct tep_detection *run);

#endif
