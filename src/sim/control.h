/* control.h - the closed-loop control scheme behind the classic TEP data sets.
 *
 * The decentralised scheme of Russell, Chiang & Braatz as coded in
 * temain_mod.f [TM]: 19 velocity-form PI/P loops (11 on valves, 8 cascade
 * masters on set points) at periods of 3 s, 6 min and 15 min, plus the
 * separator-pressure override on the purge valve (FACTS.md §6). All gains,
 * spans and set points are REAL*4 literals of the reference, kept as such.
 */
#ifndef TEP_SIM_CONTROL_H
#define TEP_SIM_CONTROL_H

#include "core/catalog.h"

#define TEP_N_LOOPS 19

/* One velocity-form PI loop: dout = K [(e - e_prev) + e * Tc / Ti], with the
 * error in % of span, e = (SP - PV) * 100 / span. */
struct tep_loop {
    int id;             /* loop number of temain_mod.f (CONTRLn) */
    int pv;             /* measured variable: XMEAS index (0-based) */
    double setpoint;    /* SETPT(id) */
    double span;        /* PV span used to scale the error */
    double gain;        /* GAINn */
    double reset_h;     /* TAUIn (h); 0 = proportional only */
    int period_steps;   /* 3 (3 s), 360 (6 min) or 900 (15 min) */
    int out_xmv;        /* valve driven (XMV index, 0-based), or -1 */
    int out_loop;       /* slave loop whose set point is driven (index into loops), or -1 */
    double out_span;    /* slave's span: dSP = dout * out_span / 100 */
    double err_prev;    /* ERROLDn */
};

struct tep_control {
    struct tep_loop loops[TEP_N_LOOPS]; /* in the order temain_mod.f calls them */
    int purge_override;                 /* FLAG: 0 none, 1 forced open, 2 forced shut */
    double step_h;                      /* DELTAT of the controller formulas */
};

/* Set the controllers to temain_mod.f's initial tuning. */
void tep_control_init(struct tep_control *ctl);

/* Initial valve positions XMV(1..11) set by temain_mod.f before the first step. */
void tep_control_initial_xmv(double xmv[TEP_N_XMV]);

/* Run the controllers due at 1-based step `step` (every 3rd step the fast loops,
 * every 360th and 900th the slow ones), reading `xmeas` and moving `xmv`. */
void tep_control_step(struct tep_control *ctl, long step, const double xmeas[TEP_N_XMEAS],
                      double xmv[TEP_N_XMV]);

/* Clamp XMV 1..11 to [0, 100] (CONSHAND, after every integration step). */
void tep_control_clamp(double xmv[TEP_N_XMV]);

#endif
