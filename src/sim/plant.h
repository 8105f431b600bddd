/* plant.h - the Tennessee Eastman plant model (Downs & Vogel 1993), open loop.
 *
 * A faithful C implementation of the plant of teprob.f (Braatz edition [TP]):
 * 50 states, 41 measurements XMEAS, 12 manipulated variables XMV, the 20
 * disturbances IDV and the 12 random-walk disturbance generators. The COMMON
 * blocks of the Fortran become one `struct tep_plant` with named fields, so
 * many plants can run side by side (one per thread). Arithmetic follows the
 * reference exactly, including its single-precision (REAL*4) literals, so a
 * run reproduces the Fortran bit for bit (../shared/tep-model/FACTS.md §1).
 * The closed-loop controllers live in control.h; sim.h drives both.
 */
#ifndef TEP_SIM_PLANT_H
#define TEP_SIM_PLANT_H

#include <stdbool.h>

#include "core/catalog.h"
#include "sim/rng.h"

#define TEP_N_STATES 50
#define TEP_N_WALKS 12
#define TEP_N_COMPONENTS 8 /* A, B, C, D, E, F, G, H */
#define TEP_N_STREAMS 13

/* Why the plant shut itself down (FACTS.md §5); TEP_SHUTDOWN_NONE while running. */
enum tep_shutdown_reason {
    TEP_SHUTDOWN_NONE = 0,
    TEP_SHUTDOWN_REACTOR_PRESSURE_HIGH,
    TEP_SHUTDOWN_REACTOR_LEVEL_HIGH,
    TEP_SHUTDOWN_REACTOR_LEVEL_LOW,
    TEP_SHUTDOWN_REACTOR_TEMPERATURE_HIGH,
    TEP_SHUTDOWN_SEPARATOR_LEVEL_HIGH,
    TEP_SHUTDOWN_SEPARATOR_LEVEL_LOW,
    TEP_SHUTDOWN_STRIPPER_LEVEL_HIGH,
    TEP_SHUTDOWN_STRIPPER_LEVEL_LOW,
};

const char *tep_shutdown_reason_text(enum tep_shutdown_reason reason);

/* Physical properties of one component (TEINIT, COMMON /CONST/). */
struct tep_component {
    double molar_mass;                           /* XMW */
    double vp_a, vp_b, vp_c;                     /* AVP, BVP, CVP: Antoine vapour pressure */
    double liq_h_a, liq_h_b, liq_h_c;            /* AH, BH, CH: liquid heat capacity */
    double gas_h_a, gas_h_b, gas_h_c;            /* AG, BG, CG: vapour heat capacity */
    double vaporization_heat;                    /* AV */
    double density_a, density_b, density_c;      /* AD, BD, CD: liquid density */
};

/* One random-walk / pulse disturbance generator (COMMON /WLK/). The value is
 * the cubic a + b h + c h^2 + d h^3 in h = t - t_last. */
struct tep_walk {
    double a, b, c, d;          /* ADIST, BDIST, CDIST, DDIST */
    double t_last, t_next;      /* TLAST, TNEXT (h) */
    double h_span, h_zero;      /* HSPAN, HZERO: knot spacing */
    double s_span, s_zero;      /* SSPAN, SZERO: target value */
    double slope_span;          /* SPSPAN */
    int enabled;                /* IDVWLK: 0/1 amplitude flag */
};

/* One vessel's thermodynamic state as computed each evaluation (/TEPROC/). */
struct tep_vessel {
    double liquid_moles[TEP_N_COMPONENTS]; /* UCL* */
    double vapour_moles[TEP_N_COMPONENTS]; /* UCV* */
    double liquid_total, vapour_total;     /* UTL*, UTV* */
    double liquid_frac[TEP_N_COMPONENTS];  /* XL* */
    double vapour_frac[TEP_N_COMPONENTS];  /* XV* */
    double energy, specific_energy;        /* ET*, ES* */
    double temp_c, temp_k;                 /* TC*, TK* (TC* is also the Newton start) */
    double liquid_density;                 /* DL* */
    double liquid_volume, vapour_volume;   /* VL*, VV* */
    double total_volume;                   /* VT* */
    double pressure;                       /* PT* (mmHg) */
    double partial_pressure[TEP_N_COMPONENTS]; /* PP* */
};

struct tep_plant {
    /* ---- interface with the controller (COMMON /PV/, /DVEC/) */
    double xmeas[TEP_N_XMEAS];
    double xmv[TEP_N_XMV];
    int idv[TEP_N_IDV]; /* 0/1; anything > 0 is normalised to 1 */

    /* ---- random numbers (COMMON /RANDSD/) */
    struct tep_rng rng;

    /* ---- constants set by TEINIT */
    struct tep_component comp[TEP_N_COMPONENTS];
    double valve_range[TEP_N_XMV];    /* VRNG */
    double valve_tau_h[TEP_N_XMV];    /* VTAU (h) */
    double valve_stick_band[TEP_N_XMV]; /* VST */
    double noise_sigma[TEP_N_XMEAS];  /* XNS */
    double reaction_heat[3];          /* HTR */
    double reactor_cw_holdup;         /* HWR */
    double separator_cw_holdup;       /* HWS */
    double compressor_max_flow;       /* CPFLMX */
    double compressor_max_ratio;      /* CPPRMX */

    /* ---- model variables kept between evaluations (COMMON /TEPROC/) */
    struct tep_vessel reactor, separator, stripper, header; /* R, S, C, V */
    double stream_flow[TEP_N_STREAMS];                      /* FTM */
    double stream_comp_flow[TEP_N_STREAMS][TEP_N_COMPONENTS]; /* FCM(i,k) stored [k][i] */
    double stream_frac[TEP_N_STREAMS][TEP_N_COMPONENTS];    /* XST(i,k) stored [k][i] */
    double stream_molar_mass[TEP_N_STREAMS];                /* XMWS */
    double stream_enthalpy[TEP_N_STREAMS];                  /* HST */
    double stream_temp[TEP_N_STREAMS];                      /* TST */
    double split_frac[TEP_N_COMPONENTS];                    /* SFR */
    double reaction_rate[4];                                /* RR */
    double reaction_change[TEP_N_COMPONENTS];               /* CRXR */
    double reaction_heat_rate;                              /* RH */
    double reactor_cw_flow, reactor_cw_temp, reactor_heat_removed, reactor_ua; /* FWR TWR QUR UAR */
    double separator_cw_flow, separator_cw_temp, separator_heat_removed; /* FWS TWS QUS */
    double stripper_steam_heat, stripper_steam_ua;          /* QUC, UAC */
    double compressor_head;                                 /* CPDH */
    double cw_inlet_reactor, cw_inlet_separator;            /* TCWR, TCWS */
    double agitator_speed;                                  /* AGSP */
    double valve_command[TEP_N_XMV];                        /* VCV */
    int valve_sticks[TEP_N_XMV];                            /* IVST */
    double analyser_pending[TEP_N_XMEAS];                   /* XDEL: sample awaiting dead time */
    double next_gas_sample_h, next_product_sample_h;        /* TGAS, TPROD */

    /* ---- disturbance generators (COMMON /WLK/) */
    struct tep_walk walk[TEP_N_WALKS];

    /* ---- measurement-noise look-ahead (plant.c, "noise look-ahead") */
    double next_time_h;             /* caller's hint: time of the next evaluation, NAN if unknown */
    double noise_now[22];           /* XMEAS 1..22 noise of the current evaluation */
    double noise_next[22];          /* drawn ahead for the evaluation at noise_next_time_h */
    double noise_next_time_h;       /* NAN when nothing has been drawn ahead */
    struct tep_rng rng_before_next; /* generator state before the look-ahead draws */

    /* ---- shutdown status of the last evaluation */
    enum tep_shutdown_reason shutdown; /* first limit found by the last evaluation */
};

/* Set every constant and the base-case initial state (TEINIT), seed the
 * generator, and evaluate once at t = 0 as TEINIT does. `yy` receives the 50
 * initial states and `yp` their derivatives. */
void tep_plant_init(struct tep_plant *plant, double seed, double yy[TEP_N_STATES],
                    double yp[TEP_N_STATES]);

/* The generator state G as the reference holds it after the last evaluation
 * (look-ahead draws not counted). */
double tep_plant_rng_state(const struct tep_plant *plant);

/* Evaluate the model at `time_h` for states `yy` (TEFUNC): fills the
 * derivatives `yp`, updates XMEAS (with noise), the disturbance generators,
 * the analysers and `plant->shutdown`. When a shutdown limit is exceeded all
 * derivatives are zero (the plant freezes, as in the reference). */
void tep_plant_derivatives(struct tep_plant *plant, double time_h, const double yy[TEP_N_STATES],
                           double yp[TEP_N_STATES]);

#endif
