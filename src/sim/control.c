/* control.c - the temain_mod.f controllers (see control.h).
 *
 * The loop table below restates temain_mod.f's CONTRL1..CONTRL20 (tuning,
 * spans, cascade structure and call order; FACTS.md §6). Constants are
 * REAL*4 literals there, including the folded products such as
 * GAIN10 = -0.156*10. and TAUI10 = 1452./3600., computed here in float.
 */
#include "sim/control.h"

#include <stddef.h>

#define F32(x) ((double)(x##f))

/* Separator-pressure override of the purge valve (CONTRL6), kPa gauge. */
#define OVERRIDE_OPEN_AT 2950.0
#define OVERRIDE_SHUT_AT 2300.0
#define OVERRIDE_RELEASE F32(2633.7)

/* Indices into the loop table. */
enum {
    L1, L2, L3, L4, L5, L6, L7, L8, L9, L10, L11, L16, L17, L18, L13, L14, L15, L19, L20
};

void tep_control_init(struct tep_control *ctl)
{
    /* id, PV (XMEAS n), SP, span, gain, Ti (h), period, XMV n / slave loop, slave span */
    const struct tep_loop table[TEP_N_LOOPS] = {
        [L1] = {1, 2, F32(3664.0), 5811.0, F32(1.0), 0, 3, 1, -1, 0, 0},
        [L2] = {2, 3, F32(4509.3), 8354.0, F32(1.0), 0, 3, 2, -1, 0, 0},
        [L3] = {3, 1, F32(0.25052), F32(1.017), F32(1.0), 0, 3, 3, -1, 0, 0},
        [L4] = {4, 4, F32(9.3477), 15.25, F32(1.0), 0, 3, 4, -1, 0, 0},
        [L5] = {5, 5, F32(26.902), 53.0, F32(-0.083), (double)(1.f / 3600.f), 3, 5, -1, 0, 0},
        [L6] = {6, 10, F32(0.33712), 1.0, F32(1.22), 0, 3, 6, -1, 0, 0},
        [L7] = {7, 12, 50.0, 70.0, F32(-2.06), 0, 3, 7, -1, 0, 0},
        [L8] = {8, 15, 50.0, 70.0, F32(-1.62), 0, 3, 8, -1, 0, 0},
        [L9] = {9, 19, F32(230.31), 460.0, F32(0.41), 0, 3, 9, -1, 0, 0},
        [L10] = {10, 21, F32(94.599), 150.0, (double)(-0.156f * 10.f), (double)(1452.f / 3600.f),
                 3, 10, -1, 0, 0},
        [L11] = {11, 17, F32(22.949), 46.0, F32(1.09), (double)(2600.f / 3600.f), 3, 11, -1, 0,
                 0},
        [L16] = {16, 18, F32(65.731), 130.0, (double)(1.69f / 10.f), (double)(236.f / 3600.f), 3,
                 0, L9, 460.0, 0},
        [L17] = {17, 8, F32(75.000), 50.0, (double)(11.1f / 10.f), (double)(3168.f / 3600.f), 3,
                 0, L4, 15.25, 0},
        [L18] = {18, 9, F32(120.40), 150.0, (double)(2.83f * 10.f), (double)(982.f / 3600.f), 3, 0,
                 L10, 150.0, 0},
        [L13] = {13, 23, F32(32.188), 100.0, F32(18.0), (double)(3168.f / 3600.f), 360, 0, L3,
                 F32(1.017), 0},
        [L14] = {14, 26, F32(6.8820), 100.0, F32(8.3), (double)(3168.0f / 3600.f), 360, 0, L1,
                 5811.0, 0},
        [L15] = {15, 27, F32(18.776), 100.0, F32(2.37), (double)(5069.f / 3600.f), 360, 0, L2,
                 8354.0, 0},
        [L19] = {19, 30, F32(13.823), 26.0, (double)(-83.2f / 5.f / 3.f),
                 (double)(6336.f / 3600.f), 360, 0, L6, 1.0, 0},
        [L20] = {20, 38, F32(0.83570), F32(1.6), (double)(-16.3f / 5.f),
                 (double)(12408.f / 3600.f), 900, 0, L16, 130.0, 0},
    };
    for (int i = 0; i < TEP_N_LOOPS; i++) {
        ctl->loops[i] = table[i];
        /* the table holds 1-based XMEAS/XMV numbers for readability */
        ctl->loops[i].pv = table[i].pv - 1;
        ctl->loops[i].out_xmv = table[i].out_xmv > 0 ? table[i].out_xmv - 1 : -1;
        if (table[i].out_xmv > 0) ctl->loops[i].out_loop = -1;
        ctl->loops[i].err_prev = 0.0;
    }
    ctl->purge_override = 0;
    ctl->step_h = (double)(1.f / 3600.f); /* DELTAT = 1./3600. (REAL*4) */
}

void tep_control_initial_xmv(double xmv[TEP_N_XMV])
{
    static const float initial[11] = {63.053f, 53.980f, 24.644f, 61.302f, 22.210f, 40.064f,
                                      38.100f, 46.534f, 47.446f, 41.106f, 18.114f};
    for (int i = 0; i < 11; i++) xmv[i] = initial[i];
}

/* One velocity-form PI update; returns the output increment. */
static double loop_increment(struct tep_loop *loop, double step_h, const double *xmeas)
{
    double err = (loop->setpoint - xmeas[loop->pv]) * 100.0 / loop->span;
    double dout;
    if (loop->reset_h > 0.0)
        dout = loop->gain *
               ((err - loop->err_prev) + err * step_h * (double)loop->period_steps / loop->reset_h);
    else
        dout = loop->gain * (err - loop->err_prev);
    loop->err_prev = err;
    return dout;
}

/* CONTRL6: purge valve on B-in-purge set point, with the separator-pressure override.
 * Returns 1 when the PI law should run. */
static int purge_override(struct tep_control *ctl, const double *xmeas, double *xmv)
{
    struct tep_loop *loop = &ctl->loops[L6];
    double sep_pressure = xmeas[12];
    if (sep_pressure >= OVERRIDE_OPEN_AT) {
        xmv[5] = F32(100.0);
        ctl->purge_override = 1;
    } else if (ctl->purge_override == 1 && sep_pressure >= OVERRIDE_RELEASE) {
        xmv[5] = F32(100.0);
    } else if (ctl->purge_override == 1 && sep_pressure <= OVERRIDE_RELEASE) {
        xmv[5] = F32(40.060);
        loop->setpoint = F32(0.33712);
        loop->err_prev = 0.0;
        ctl->purge_override = 0;
    } else if (sep_pressure <= OVERRIDE_SHUT_AT) {
        xmv[5] = 0.0;
        ctl->purge_override = 2;
    } else if (ctl->purge_override == 2 && sep_pressure <= OVERRIDE_RELEASE) {
        xmv[5] = 0.0;
    } else if (ctl->purge_override == 2 && sep_pressure >= OVERRIDE_RELEASE) {
        xmv[5] = F32(40.060);
        loop->setpoint = F32(0.33712);
        loop->err_prev = 0.0;
        ctl->purge_override = 0;
    } else {
        ctl->purge_override = 0;
        return 1;
    }
    return 0;
}

void tep_control_step(struct tep_control *ctl, long step, const double xmeas[TEP_N_XMEAS],
                      double xmv[TEP_N_XMV])
{
    if (step % 3 != 0) return; /* every loop period is a multiple of 3 s */
    for (int i = 0; i < TEP_N_LOOPS; i++) {
        struct tep_loop *loop = &ctl->loops[i];
        if (step % loop->period_steps != 0) continue;
        if (i == L6 && !purge_override(ctl, xmeas, xmv)) continue;
        double dout = loop_increment(loop, ctl->step_h, xmeas);
        if (loop->out_xmv >= 0) {
            xmv[loop->out_xmv] = xmv[loop->out_xmv] + dout;
        } else {
            struct tep_loop *slave = &ctl->loops[loop->out_loop];
            slave->setpoint = slave->setpoint + dout * loop->out_span / 100.0;
        }
    }
}

void tep_control_clamp(double xmv[TEP_N_XMV])
{
    for (int i = 0; i < 11; i++) {
        if (xmv[i] <= 0.0) xmv[i] = 0.0;
        if (xmv[i] >= 100.0) xmv[i] = 100.0;
    }
}
