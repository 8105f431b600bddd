/* catalog.h - the TEP variable catalogue: XMEAS(1..41) and XMV(1..12).
 *
 * Every stage uses it for column names (`xmeas_1` ... `xmv_12`), units,
 * descriptions, analyser timing, the noise level of each measurement and its
 * physical range. Index 0..40 are XMEAS 1..41, index 41..52 are XMV 1..12.
 * Facts are from Downs & Vogel (1993) as restated in teprob.f's header and
 * TEINIT (see ../shared/tep-model/FACTS.md §2 and §5).
 */
#ifndef TEP_CORE_CATALOG_H
#define TEP_CORE_CATALOG_H

#include <stdbool.h>

#define TEP_N_XMEAS 41
#define TEP_N_XMV 12
#define TEP_N_VARS (TEP_N_XMEAS + TEP_N_XMV)
#define TEP_N_IDV 20

enum tep_var_kind {
    TEP_VAR_CONTINUOUS = 0, /* XMEAS 1..22: measured every step with noise */
    TEP_VAR_SAMPLED = 1,    /* XMEAS 23..41: analyser, sampled with dead time */
    TEP_VAR_MANIPULATED = 2 /* XMV 1..12: valve positions / set by the controllers */
};

struct tep_var_info {
    const char *name;        /* column name: "xmeas_1", "xmv_12" */
    const char *ref_name;    /* reference notation: "XMEAS(1)", "XMV(12)" */
    const char *key;         /* descriptive snake_case alias: "a_feed" */
    const char *description; /* "A feed (stream 1)" */
    const char *unit;        /* "kscmh", "%", "degC", ... */
    enum tep_var_kind kind;
    double sample_interval_h; /* analysers: 0.1 or 0.25; 0 otherwise */
    double dead_time_h;       /* analysers: 0.1 or 0.25; 0 otherwise */
    double base_value;        /* noise-free value at t=0 of the base case */
    double noise_sigma;       /* measurement noise std-dev (XNS); 0 for XMV */
    double range_lo;          /* physical range: values outside are flagged */
    double range_hi;
};

extern const struct tep_var_info tep_catalog[TEP_N_VARS];

struct tep_fault_info {
    int idv;                 /* 1..20 */
    const char *description; /* "A/C feed ratio, B composition constant (stream 4)" */
    const char *type;        /* "step", "random variation", "slow drift", "sticking", ... */
};

extern const struct tep_fault_info tep_faults[TEP_N_IDV];

/* Catalogue index of a column name, or -1. Accepts `xmeas_1`, `XMEAS_1`,
 * `XMEAS(1)`, `xmeas1`, `xmv_3`, the descriptive key (`reactor_pressure`)
 * and the description itself, all case-insensitively. */
int tep_catalog_lookup(const char *name);

/* Catalogue index of XMEAS(n) (n = 1..41) or XMV(n) (n = 1..12). */
static inline int tep_xmeas_index(int n) { return n - 1; }
static inline int tep_xmv_index(int n) { return TEP_N_XMEAS + n - 1; }

#endif
