/* plant.c - the Tennessee Eastman plant equations (teprob.f TEFUNC, TEINIT, TESUB1-8).
 *
 * Every equation follows the public teprob.f of the Braatz edition [TP]
 * (github camaramm/tennessee-eastman-profBraatz, see FACTS.md §0); the
 * reference's subroutine and variable names are given in comments so each
 * line can be checked against it. Numbers written there without a D exponent
 * are REAL*4 literals: they are written here as F32(x), the float value
 * widened to double, and constant sub-expressions that Fortran folds in single
 * precision (e.g. 40000.0/1.987) are computed in float, so the results are
 * bit-identical to the gfortran build (FACTS.md §1). Evaluation order inside
 * each expression is kept as Fortran's left-to-right order.
 * Indices: components 0..7 = A..H; streams 0..12 = streams 1..13 of the code.
 *
 * Noise look-ahead: the random numbers do not depend on the plant state (only
 * a shutdown stops the per-step measurement noise), and their serial chain is
 * as long as the model's own arithmetic. When the caller tells the time of
 * the next evaluation (next_time_h) and no analyser sample falls in this one
 * and no disturbance knot in the next, the next evaluation's 22 noise values
 * are drawn here, in small pieces spread through the model code, so the CPU
 * overlaps both chains. A shutdown or an unexpected next time rolls the
 * generator back, so the draw sequence is always the reference's.
 */
#include "sim/plant.h"

#include <math.h>
#include <string.h>

/* A REAL*4 literal of the Fortran source, widened to double. */
#define F32(x) ((double)(x##f))

/* Stream numbers of the code (1-based in Fortran), as array indices. */
enum {
    S_D_FEED = 0,     /* stream 1 of the code: D feed (paper's stream 2) */
    S_E_FEED = 1,     /* 2: E feed (paper 3) */
    S_A_FEED = 2,     /* 3: A feed (paper 1) */
    S_AC_FEED = 3,    /* 4: A and C feed */
    S_STRIP_VAP = 4,  /* 5: stripper overhead */
    S_REACT_FEED = 5, /* 6: reactor feed */
    S_REACT_IN = 6,   /* 7: same as 6 */
    S_REACT_OUT = 7,  /* 8: reactor product */
    S_RECYCLE = 8,    /* 9: recycle */
    S_PURGE = 9,      /* 10: purge */
    S_SEP_LIQ = 10,   /* 11: separator underflow */
    S_STRIP_LIQ = 11, /* 12: stripper feed liquid after split */
    S_PRODUCT = 12,   /* 13: product */
};

const char *tep_shutdown_reason_text(enum tep_shutdown_reason reason)
{
    switch (reason) {
    case TEP_SHUTDOWN_NONE: return "running";
    case TEP_SHUTDOWN_REACTOR_PRESSURE_HIGH: return "high reactor pressure (> 3000 kPa)";
    case TEP_SHUTDOWN_REACTOR_LEVEL_HIGH: return "high reactor liquid level (> 24 m3)";
    case TEP_SHUTDOWN_REACTOR_LEVEL_LOW: return "low reactor liquid level (< 2 m3)";
    case TEP_SHUTDOWN_REACTOR_TEMPERATURE_HIGH: return "high reactor temperature (> 175 degC)";
    case TEP_SHUTDOWN_SEPARATOR_LEVEL_HIGH: return "high separator liquid level (> 12 m3)";
    case TEP_SHUTDOWN_SEPARATOR_LEVEL_LOW: return "low separator liquid level (< 1 m3)";
    case TEP_SHUTDOWN_STRIPPER_LEVEL_HIGH: return "high stripper liquid level (> 8 m3)";
    case TEP_SHUTDOWN_STRIPPER_LEVEL_LOW: return "low stripper liquid level (< 1 m3)";
    }
    return "unknown";
}

/* ---------------------------------------------------------------------------------------
 * Thermodynamics (TESUB1-4)
 */

enum enthalpy_kind { LIQUID = 0, VAPOUR = 1, VAPOUR_PV = 2 }; /* ITY = 0, 1, 2 */

/* TESUB1: molar enthalpy of a mixture with mole fractions z at temperature t (degC). */
static double mixture_enthalpy(const struct tep_plant *p, const double z[TEP_N_COMPONENTS],
                               double t, enum enthalpy_kind kind)
{
    double h = 0.0;
    if (kind == LIQUID) {
        for (int i = 0; i < TEP_N_COMPONENTS; i++) {
            const struct tep_component *c = &p->comp[i];
            double hi = t * (c->liq_h_a + c->liq_h_b * t / 2.0 + c->liq_h_c * (t * t) / 3.0);
            hi = 1.8 * hi;
            h = h + z[i] * c->molar_mass * hi;
        }
    } else {
        for (int i = 0; i < TEP_N_COMPONENTS; i++) {
            const struct tep_component *c = &p->comp[i];
            double hi = t * (c->gas_h_a + c->gas_h_b * t / 2.0 + c->gas_h_c * (t * t) / 3.0);
            hi = 1.8 * hi;
            hi = hi + c->vaporization_heat;
            h = h + z[i] * c->molar_mass * hi;
        }
    }
    if (kind == VAPOUR_PV) {
        double r = 3.57696 / 1.0e6;
        h = h - r * (t + F32(273.15));
    }
    return h;
}

/* TESUB3: derivative of the molar enthalpy with respect to temperature. */
static double mixture_enthalpy_slope(const struct tep_plant *p, const double z[TEP_N_COMPONENTS],
                                     double t, enum enthalpy_kind kind)
{
    double dh = 0.0;
    if (kind == LIQUID) {
        for (int i = 0; i < TEP_N_COMPONENTS; i++) {
            const struct tep_component *c = &p->comp[i];
            double dhi = c->liq_h_a + c->liq_h_b * t + c->liq_h_c * (t * t);
            dhi = 1.8 * dhi;
            dh = dh + z[i] * c->molar_mass * dhi;
        }
    } else {
        for (int i = 0; i < TEP_N_COMPONENTS; i++) {
            const struct tep_component *c = &p->comp[i];
            double dhi = c->gas_h_a + c->gas_h_b * t + c->gas_h_c * (t * t);
            dhi = 1.8 * dhi;
            dh = dh + z[i] * c->molar_mass * dhi;
        }
    }
    if (kind == VAPOUR_PV) {
        double r = 3.57696 / 1.0e6;
        dh = dh - r;
    }
    return dh;
}

/* TESUB2: temperature whose enthalpy is h, by Newton's method from the start
 * value *t (the previous evaluation's temperature). At most 100 iterations,
 * stopping when the step is below 1e-12; without convergence *t is restored. */
static void temperature_from_enthalpy(const struct tep_plant *p, const double z[TEP_N_COMPONENTS],
                                      double *t, double h, enum enthalpy_kind kind)
{
    double t_in = *t;
    double temp = *t;
    for (int iter = 0; iter < 100; iter++) {
        double h_test = mixture_enthalpy(p, z, temp, kind);
        double err = h_test - h;
        double dh = mixture_enthalpy_slope(p, z, temp, kind);
        double dt = -err / dh;
        temp = temp + dt;
        if (fabs(dt) < 1.0e-12) {
            *t = temp;
            return;
        }
    }
    *t = t_in;
}

/* TESUB4: liquid density of a mixture x at temperature t (lb-mol/ft3). */
static double liquid_density(const struct tep_plant *p, const double x[TEP_N_COMPONENTS], double t)
{
    double v = 0.0;
    for (int i = 0; i < TEP_N_COMPONENTS; i++) {
        const struct tep_component *c = &p->comp[i];
        v = v + x[i] * c->molar_mass / (c->density_a + (c->density_b + c->density_c * t) * t);
    }
    return 1.0 / v;
}

/* ---------------------------------------------------------------------------------------
 * Disturbance generators (TESUB5, TESUB8, and the knot handling of TEFUNC)
 */

/* TESUB8: value of walk w at time t. */
static inline double walk_value(const struct tep_walk *w, double t)
{
    double h = t - w->t_last;
    return w->a + h * (w->b + h * (w->c + h * w->d));
}

/* TESUB5: draw the next cubic segment from value s and slope sp at t_last. */
static void walk_next_segment(struct tep_rng *rng, struct tep_walk *w, double s, double sp)
{
    double h = w->h_span * tep_rng_signed(rng) + w->h_zero;
    double s1 = w->s_span * tep_rng_signed(rng) * (double)w->enabled + w->s_zero;
    double s1p = w->slope_span * tep_rng_signed(rng) * (double)w->enabled;
    w->a = s;
    w->b = sp;
    w->c = (3.0 * (s1 - s) - h * (s1p + 2.0 * sp)) / (h * h);
    w->d = (2.0 * (s - s1) + h * (s1p + sp)) / (h * h * h);
    w->t_next = w->t_last + h;
}

/* The knot handling at the top of TEFUNC (loops 900 and 910). */
static void advance_walks(struct tep_plant *p, double time)
{
    for (int i = 0; i < 9; i++) { /* smooth random walks */
        struct tep_walk *w = &p->walk[i];
        if (time >= w->t_next) {
            double h = w->t_next - w->t_last;
            double s = w->a + h * (w->b + h * (w->c + h * w->d));
            double sp = w->b + h * (2.0 * w->c + 3.0 * h * w->d);
            w->t_last = w->t_next;
            walk_next_segment(&p->rng, w, s, sp);
        }
    }
    for (int i = 9; i < 12; i++) { /* random pulses */
        struct tep_walk *w = &p->walk[i];
        if (time >= w->t_next) {
            double h = w->t_next - w->t_last;
            double s = w->a + h * (w->b + h * (w->c + h * w->d));
            double sp = w->b + h * (2.0 * w->c + 3.0 * h * w->d);
            w->t_last = w->t_next;
            if (s > 0.1) { /* bring the pulse back to 0 within 0.1 h */
                w->a = s;
                w->b = sp;
                w->c = -(3.0 * s + 0.2 * sp) / 0.01;
                w->d = (2.0 * s + 0.1 * sp) / 0.001;
                w->t_next = w->t_last + 0.1;
            } else { /* a new quadratic rise over a random duration */
                double hw = w->h_span * tep_rng_signed(&p->rng) + w->h_zero;
                w->a = 0.0;
                w->b = 0.0;
                w->c = (double)w->enabled / (hw * hw);
                w->d = 0.0;
                w->t_next = w->t_last + hw;
            }
        }
    }
    if (time == 0.0) {
        for (int i = 0; i < TEP_N_WALKS; i++) {
            struct tep_walk *w = &p->walk[i];
            w->a = w->s_zero;
            w->b = 0.0;
            w->c = 0.0;
            w->d = 0.0;
            w->t_last = 0.0;
            w->t_next = 0.1;
        }
    }
}

/* ---------------------------------------------------------------------------------------
 * TEFUNC
 */

/* Draw look-ahead noise value k (in order 0..21) when a look-ahead is under way. */
#define LOOKAHEAD(k)                                                                               \
    do {                                                                                           \
        if (ahead) p->noise_next[k] = tep_rng_noise(&p->rng, p->noise_sigma[k]);                   \
    } while (0)

/* May the next evaluation's noise be drawn now? Only when no analyser draws
 * come later in this evaluation and no walk knot draws come first in the next. */
static bool lookahead_allowed(const struct tep_plant *p, double time)
{
    double next = p->next_time_h;
    if (!(next > 0.0)) return false; /* unknown (NAN) or the t = 0 evaluation */
    if (time >= p->next_gas_sample_h || time >= p->next_product_sample_h) return false;
    for (int i = 0; i < TEP_N_WALKS; i++)
        if (next >= p->walk[i].t_next) return false;
    return true;
}

/* Unpack the 9 holdup/energy states of a vessel whose vapour is A, B, C only
 * (reactor at offset 0, separator at offset 9). */
static void unpack_two_phase(struct tep_vessel *v, const double *yy)
{
    for (int i = 0; i < 3; i++) {
        v->vapour_moles[i] = yy[i];
        v->liquid_moles[i] = F32(0.0);
    }
    for (int i = 3; i < TEP_N_COMPONENTS; i++) v->liquid_moles[i] = yy[i];
    v->energy = yy[8];
}

/* Vapour-liquid equilibrium of the reactor or separator: pressures and the
 * vapour holdups of D..H (loops 1110-1140 of TEFUNC). */
static void two_phase_pressure(const struct tep_plant *p, struct tep_vessel *v, double rg)
{
    v->pressure = F32(0.0);
    for (int i = 0; i < 3; i++) {
        v->partial_pressure[i] = v->vapour_moles[i] * rg * v->temp_k / v->vapour_volume;
        v->pressure = v->pressure + v->partial_pressure[i];
    }
    for (int i = 3; i < TEP_N_COMPONENTS; i++) {
        const struct tep_component *c = &p->comp[i];
        double vpr = exp(c->vp_a + c->vp_b / (v->temp_c + c->vp_c));
        v->partial_pressure[i] = vpr * v->liquid_frac[i];
        v->pressure = v->pressure + v->partial_pressure[i];
    }
}

static enum tep_shutdown_reason check_limits(const struct tep_plant *p)
{
    /* Shutdown limits (TEFUNC after XMEAS; FACTS.md §5), on the noise-free values. */
    if (p->xmeas[6] > F32(3000.0)) return TEP_SHUTDOWN_REACTOR_PRESSURE_HIGH;
    if (p->reactor.liquid_volume / F32(35.3145) > F32(24.0)) return TEP_SHUTDOWN_REACTOR_LEVEL_HIGH;
    if (p->reactor.liquid_volume / F32(35.3145) < F32(2.0)) return TEP_SHUTDOWN_REACTOR_LEVEL_LOW;
    if (p->xmeas[8] > F32(175.0)) return TEP_SHUTDOWN_REACTOR_TEMPERATURE_HIGH;
    if (p->separator.liquid_volume / F32(35.3145) > F32(12.0))
        return TEP_SHUTDOWN_SEPARATOR_LEVEL_HIGH;
    if (p->separator.liquid_volume / F32(35.3145) < F32(1.0))
        return TEP_SHUTDOWN_SEPARATOR_LEVEL_LOW;
    if (p->stripper.liquid_volume / F32(35.3145) > F32(8.0))
        return TEP_SHUTDOWN_STRIPPER_LEVEL_HIGH;
    if (p->stripper.liquid_volume / F32(35.3145) < F32(1.0))
        return TEP_SHUTDOWN_STRIPPER_LEVEL_LOW;
    return TEP_SHUTDOWN_NONE;
}

void tep_plant_derivatives(struct tep_plant *p, double time, const double yy[TEP_N_STATES],
                           double yp[TEP_N_STATES])
{
    struct tep_vessel *r = &p->reactor, *s = &p->separator, *c = &p->stripper, *v = &p->header;
    double(*xst)[TEP_N_COMPONENTS] = p->stream_frac;
    double(*fcm)[TEP_N_COMPONENTS] = p->stream_comp_flow;
    double *ftm = p->stream_flow, *hst = p->stream_enthalpy, *tst = p->stream_temp;
    double *xmws = p->stream_molar_mass, *sfr = p->split_frac;

    for (int i = 0; i < TEP_N_IDV; i++) p->idv[i] = p->idv[i] > 0 ? 1 : 0;
    /* IDVWLK: which IDV gives each walk its amplitude */
    static const int walk_idv[TEP_N_WALKS] = {8, 8, 9, 10, 11, 12, 13, 13, 16, 17, 18, 20};
    for (int i = 0; i < TEP_N_WALKS; i++) p->walk[i].enabled = p->idv[walk_idv[i] - 1];

    /* Noise of this evaluation: drawn ahead by the previous one, or drawn now. */
    bool have_ahead = p->noise_next_time_h == time;
    if (!have_ahead && !isnan(p->noise_next_time_h)) p->rng = p->rng_before_next; /* stale: undo */
    p->noise_next_time_h = NAN;
    advance_walks(p, time);
    struct tep_rng rng_before_noise = have_ahead ? p->rng_before_next : p->rng;
    bool noisy = time > F32(0.0);
    if (noisy) {
        if (have_ahead)
            memcpy(p->noise_now, p->noise_next, sizeof p->noise_now);
        else
            for (int i = 0; i < 22; i++) p->noise_now[i] = tep_rng_noise(&p->rng, p->noise_sigma[i]);
    }
    bool ahead = noisy && lookahead_allowed(p, time);
    if (ahead) p->rng_before_next = p->rng;

    const int *idv = p->idv;
    /* Feed disturbances */
    xst[S_AC_FEED][0] = walk_value(&p->walk[0], time) - idv[0] * 0.03 - idv[1] * 2.43719e-3;
    xst[S_AC_FEED][1] = walk_value(&p->walk[1], time) + idv[1] * 0.005;
    xst[S_AC_FEED][2] = 1.0 - xst[S_AC_FEED][0] - xst[S_AC_FEED][1];
    tst[S_D_FEED] = walk_value(&p->walk[2], time) + idv[2] * 5.0;
    tst[S_AC_FEED] = walk_value(&p->walk[3], time);
    p->cw_inlet_reactor = walk_value(&p->walk[4], time) + idv[3] * 5.0;
    p->cw_inlet_separator = walk_value(&p->walk[5], time) + idv[4] * 5.0;
    double kinetics1 = walk_value(&p->walk[6], time); /* R1F */
    double kinetics2 = walk_value(&p->walk[7], time); /* R2F */

    /* States -> holdups */
    unpack_two_phase(r, yy);
    unpack_two_phase(s, yy + 9);
    for (int i = 0; i < TEP_N_COMPONENTS; i++) {
        c->liquid_moles[i] = yy[i + 18];
        v->vapour_moles[i] = yy[i + 27];
    }
    c->energy = yy[26];
    v->energy = yy[35];
    p->reactor_cw_temp = yy[36];
    p->separator_cw_temp = yy[37];
    const double *vpos = yy + 38; /* valve positions */

    r->liquid_total = F32(0.0);
    s->liquid_total = F32(0.0);
    c->liquid_total = F32(0.0);
    v->vapour_total = F32(0.0);
    for (int i = 0; i < TEP_N_COMPONENTS; i++) {
        r->liquid_total = r->liquid_total + r->liquid_moles[i];
        s->liquid_total = s->liquid_total + s->liquid_moles[i];
        c->liquid_total = c->liquid_total + c->liquid_moles[i];
        v->vapour_total = v->vapour_total + v->vapour_moles[i];
    }
    for (int i = 0; i < TEP_N_COMPONENTS; i++) {
        r->liquid_frac[i] = r->liquid_moles[i] / r->liquid_total;
        s->liquid_frac[i] = s->liquid_moles[i] / s->liquid_total;
        c->liquid_frac[i] = c->liquid_moles[i] / c->liquid_total;
        v->vapour_frac[i] = v->vapour_moles[i] / v->vapour_total;
    }
    r->specific_energy = r->energy / r->liquid_total;
    s->specific_energy = s->energy / s->liquid_total;
    c->specific_energy = c->energy / c->liquid_total;
    v->specific_energy = v->energy / v->vapour_total;

    LOOKAHEAD(0);
    temperature_from_enthalpy(p, r->liquid_frac, &r->temp_c, r->specific_energy, LIQUID);
    LOOKAHEAD(1);
    r->temp_k = r->temp_c + F32(273.15);
    temperature_from_enthalpy(p, s->liquid_frac, &s->temp_c, s->specific_energy, LIQUID);
    LOOKAHEAD(2);
    s->temp_k = s->temp_c + F32(273.15);
    temperature_from_enthalpy(p, c->liquid_frac, &c->temp_c, c->specific_energy, LIQUID);
    LOOKAHEAD(3);
    temperature_from_enthalpy(p, v->vapour_frac, &v->temp_c, v->specific_energy, VAPOUR_PV);
    LOOKAHEAD(4);
    v->temp_k = v->temp_c + F32(273.15);

    r->liquid_density = liquid_density(p, r->liquid_frac, r->temp_c);
    s->liquid_density = liquid_density(p, s->liquid_frac, s->temp_c);
    c->liquid_density = liquid_density(p, c->liquid_frac, c->temp_c);
    r->liquid_volume = r->liquid_total / r->liquid_density;
    s->liquid_volume = s->liquid_total / s->liquid_density;
    c->liquid_volume = c->liquid_total / c->liquid_density;
    r->vapour_volume = r->total_volume - r->liquid_volume;
    s->vapour_volume = s->total_volume - s->liquid_volume;

    const double rg = F32(998.9); /* RG */
    two_phase_pressure(p, r, rg);
    LOOKAHEAD(5);
    two_phase_pressure(p, s, rg);
    LOOKAHEAD(6);
    v->pressure = v->vapour_total * rg * v->temp_k / v->total_volume;
    for (int i = 0; i < TEP_N_COMPONENTS; i++) {
        r->vapour_frac[i] = r->partial_pressure[i] / r->pressure;
        s->vapour_frac[i] = s->partial_pressure[i] / s->pressure;
    }
    r->vapour_total = r->pressure * r->vapour_volume / rg / r->temp_k;
    s->vapour_total = s->pressure * s->vapour_volume / rg / s->temp_k;
    for (int i = 3; i < TEP_N_COMPONENTS; i++) {
        r->vapour_moles[i] = r->vapour_total * r->vapour_frac[i];
        s->vapour_moles[i] = s->vapour_total * s->vapour_frac[i];
    }

    /* Reaction kinetics (Arrhenius; 40000.0/1.987 etc. folded in single precision) */
    double *rr = p->reaction_rate;
    const double *ppr = r->partial_pressure;
    LOOKAHEAD(7);
    rr[0] = exp(F32(31.5859536) - (double)(40000.0f / 1.987f) / r->temp_k) * kinetics1;
    rr[1] = exp(F32(3.00094014) - (double)(20000.0f / 1.987f) / r->temp_k) * kinetics2;
    rr[2] = exp(F32(53.4060443) - (double)(60000.0f / 1.987f) / r->temp_k);
    rr[3] = rr[2] * 0.767488334;
    if (ppr[0] > F32(0.0) && ppr[2] > F32(0.0)) {
        double f1 = pow(ppr[0], F32(1.1544));
        double f2 = pow(ppr[2], F32(0.3735));
        rr[0] = rr[0] * f1 * f2 * ppr[3];
        rr[1] = rr[1] * f1 * f2 * ppr[4];
    } else {
        rr[0] = F32(0.0);
        rr[1] = F32(0.0);
    }
    rr[2] = rr[2] * ppr[0] * ppr[4];
    rr[3] = rr[3] * ppr[0] * ppr[3];
    for (int i = 0; i < 4; i++) rr[i] = rr[i] * r->vapour_volume;
    double *crxr = p->reaction_change;
    crxr[0] = -rr[0] - rr[1] - rr[2];
    crxr[2] = -rr[0] - rr[1];
    crxr[3] = -rr[0] - 1.5 * rr[3];
    crxr[4] = -rr[1] - rr[2];
    crxr[5] = rr[2] + rr[3];
    crxr[6] = rr[0];
    crxr[7] = rr[1];
    p->reaction_heat_rate = rr[0] * p->reaction_heat[0] + rr[1] * p->reaction_heat[1];

    /* Stream compositions and molar masses (loop 2010) */
    xmws[S_D_FEED] = F32(0.0);
    xmws[S_E_FEED] = F32(0.0);
    xmws[S_REACT_FEED] = F32(0.0);
    xmws[S_REACT_OUT] = F32(0.0);
    xmws[S_RECYCLE] = F32(0.0);
    xmws[S_PURGE] = F32(0.0);
    for (int i = 0; i < TEP_N_COMPONENTS; i++) {
        double mw = p->comp[i].molar_mass;
        xst[S_REACT_FEED][i] = v->vapour_frac[i];
        xst[S_REACT_OUT][i] = r->vapour_frac[i];
        xst[S_RECYCLE][i] = s->vapour_frac[i];
        xst[S_PURGE][i] = s->vapour_frac[i];
        xst[S_SEP_LIQ][i] = s->liquid_frac[i];
        xst[S_PRODUCT][i] = c->liquid_frac[i];
        xmws[S_D_FEED] = xmws[S_D_FEED] + xst[S_D_FEED][i] * mw;
        xmws[S_E_FEED] = xmws[S_E_FEED] + xst[S_E_FEED][i] * mw;
        xmws[S_REACT_FEED] = xmws[S_REACT_FEED] + xst[S_REACT_FEED][i] * mw;
        xmws[S_REACT_OUT] = xmws[S_REACT_OUT] + xst[S_REACT_OUT][i] * mw;
        xmws[S_RECYCLE] = xmws[S_RECYCLE] + xst[S_RECYCLE][i] * mw;
        xmws[S_PURGE] = xmws[S_PURGE] + xst[S_PURGE][i] * mw;
    }
    tst[S_REACT_FEED] = v->temp_c;
    tst[S_REACT_OUT] = r->temp_c;
    tst[S_RECYCLE] = s->temp_c;
    tst[S_PURGE] = s->temp_c;
    tst[S_SEP_LIQ] = s->temp_c;
    tst[S_PRODUCT] = c->temp_c;
    LOOKAHEAD(8);
    hst[S_D_FEED] = mixture_enthalpy(p, xst[S_D_FEED], tst[S_D_FEED], VAPOUR);
    hst[S_E_FEED] = mixture_enthalpy(p, xst[S_E_FEED], tst[S_E_FEED], VAPOUR);
    LOOKAHEAD(9);
    hst[S_A_FEED] = mixture_enthalpy(p, xst[S_A_FEED], tst[S_A_FEED], VAPOUR);
    hst[S_AC_FEED] = mixture_enthalpy(p, xst[S_AC_FEED], tst[S_AC_FEED], VAPOUR);
    LOOKAHEAD(10);
    hst[S_REACT_FEED] = mixture_enthalpy(p, xst[S_REACT_FEED], tst[S_REACT_FEED], VAPOUR);
    hst[S_REACT_OUT] = mixture_enthalpy(p, xst[S_REACT_OUT], tst[S_REACT_OUT], VAPOUR);
    LOOKAHEAD(11);
    hst[S_RECYCLE] = mixture_enthalpy(p, xst[S_RECYCLE], tst[S_RECYCLE], VAPOUR);
    hst[S_PURGE] = hst[S_RECYCLE];
    hst[S_SEP_LIQ] = mixture_enthalpy(p, xst[S_SEP_LIQ], tst[S_SEP_LIQ], LIQUID);
    LOOKAHEAD(12);
    hst[S_PRODUCT] = mixture_enthalpy(p, xst[S_PRODUCT], tst[S_PRODUCT], LIQUID);
    LOOKAHEAD(13);

    /* Flows through the valves */
    const double *vrng = p->valve_range;
    ftm[S_D_FEED] = vpos[0] * vrng[0] / F32(100.0);
    ftm[S_E_FEED] = vpos[1] * vrng[1] / F32(100.0);
    ftm[S_A_FEED] = vpos[2] * (1.0 - idv[5]) * vrng[2] / F32(100.0);
    ftm[S_AC_FEED] = vpos[3] * (1.0 - idv[6] * 0.2) * vrng[3] / F32(100.0) + 1.0e-10;
    ftm[S_SEP_LIQ] = vpos[6] * vrng[6] / F32(100.0);
    ftm[S_PRODUCT] = vpos[7] * vrng[7] / F32(100.0);
    p->stripper_steam_ua = vpos[8] * vrng[8] * (1.0 + walk_value(&p->walk[8], time)) / F32(100.0);
    p->reactor_cw_flow = vpos[9] * vrng[9] / F32(100.0);
    p->separator_cw_flow = vpos[10] * vrng[10] / F32(100.0);
    p->agitator_speed = (vpos[11] + F32(150.0)) / F32(100.0);

    double dlp = v->pressure - r->pressure; /* header -> reactor */
    if (dlp < F32(0.0)) dlp = F32(0.0);
    double flms = 1937.6 * sqrt(dlp);
    ftm[S_REACT_FEED] = flms / xmws[S_REACT_FEED];
    dlp = r->pressure - s->pressure; /* reactor -> separator */
    if (dlp < F32(0.0)) dlp = F32(0.0);
    flms = 4574.21 * sqrt(dlp) * (1.0 - 0.25 * walk_value(&p->walk[11], time));
    ftm[S_REACT_OUT] = flms / xmws[S_REACT_OUT];
    dlp = s->pressure - F32(760.0); /* purge */
    if (dlp < F32(0.0)) dlp = F32(0.0);
    flms = vpos[5] * 0.151169 * sqrt(dlp);
    ftm[S_PURGE] = flms / xmws[S_PURGE];

    LOOKAHEAD(14);
    /* Compressor */
    double pr = v->pressure / s->pressure;
    if (pr < F32(1.0)) pr = F32(1.0);
    if (pr > p->compressor_max_ratio) pr = p->compressor_max_ratio;
    double flcoef = p->compressor_max_flow / 1.197;
    flms = p->compressor_max_flow + flcoef * (F32(1.0) - pr * pr * pr);
    p->compressor_head = flms * (s->temp_c + 273.15) * 1.8e-6 * 1.9872 *
                         (v->pressure - s->pressure) / (xmws[S_RECYCLE] * s->pressure);
    dlp = v->pressure - s->pressure;
    if (dlp < F32(0.0)) dlp = F32(0.0);
    flms = flms - vpos[4] * 53.349 * sqrt(dlp);
    if (flms < 1.0e-3) flms = 1.0e-3;
    ftm[S_RECYCLE] = flms / xmws[S_RECYCLE];
    hst[S_RECYCLE] = hst[S_RECYCLE] + p->compressor_head / ftm[S_RECYCLE];

    static const int streams_with_flow[] = {S_D_FEED,    S_E_FEED, S_A_FEED, S_AC_FEED,
                                            S_REACT_FEED, S_REACT_OUT, S_RECYCLE, S_PURGE,
                                            S_SEP_LIQ,   S_PRODUCT};
    for (int i = 0; i < TEP_N_COMPONENTS; i++)
        for (size_t k = 0; k < sizeof streams_with_flow / sizeof streams_with_flow[0]; k++) {
            int st = streams_with_flow[k];
            fcm[st][i] = xst[st][i] * ftm[st];
        }

    LOOKAHEAD(15);
    /* Stripper separation factors */
    if (ftm[S_SEP_LIQ] > F32(0.1)) {
        double tmpfac;
        if (c->temp_c > F32(170.0))
            tmpfac = c->temp_c - F32(120.262);
        else if (c->temp_c < F32(5.292))
            tmpfac = F32(0.1);
        else
            tmpfac = F32(363.744) / (F32(177.0) - c->temp_c) - F32(2.22579488);
        double vovrl = ftm[S_AC_FEED] / ftm[S_SEP_LIQ] * tmpfac;
        sfr[3] = F32(8.5010) * vovrl / (F32(1.0) + F32(8.5010) * vovrl);
        sfr[4] = F32(11.402) * vovrl / (F32(1.0) + F32(11.402) * vovrl);
        sfr[5] = F32(11.795) * vovrl / (F32(1.0) + F32(11.795) * vovrl);
        sfr[6] = F32(0.0480) * vovrl / (F32(1.0) + F32(0.0480) * vovrl);
        sfr[7] = F32(0.0242) * vovrl / (F32(1.0) + F32(0.0242) * vovrl);
    } else {
        sfr[3] = F32(0.9999);
        sfr[4] = F32(0.999);
        sfr[5] = F32(0.999);
        sfr[6] = F32(0.99);
        sfr[7] = F32(0.98);
    }
    double fin[TEP_N_COMPONENTS];
    for (int i = 0; i < TEP_N_COMPONENTS; i++) {
        fin[i] = F32(0.0);
        fin[i] = fin[i] + fcm[S_AC_FEED][i];
        fin[i] = fin[i] + fcm[S_SEP_LIQ][i];
    }
    ftm[S_STRIP_VAP] = F32(0.0);
    ftm[S_STRIP_LIQ] = F32(0.0);
    for (int i = 0; i < TEP_N_COMPONENTS; i++) {
        fcm[S_STRIP_VAP][i] = sfr[i] * fin[i];
        fcm[S_STRIP_LIQ][i] = fin[i] - fcm[S_STRIP_VAP][i];
        ftm[S_STRIP_VAP] = ftm[S_STRIP_VAP] + fcm[S_STRIP_VAP][i];
        ftm[S_STRIP_LIQ] = ftm[S_STRIP_LIQ] + fcm[S_STRIP_LIQ][i];
    }
    for (int i = 0; i < TEP_N_COMPONENTS; i++) {
        xst[S_STRIP_VAP][i] = fcm[S_STRIP_VAP][i] / ftm[S_STRIP_VAP];
        xst[S_STRIP_LIQ][i] = fcm[S_STRIP_LIQ][i] / ftm[S_STRIP_LIQ];
    }
    tst[S_STRIP_VAP] = c->temp_c;
    tst[S_STRIP_LIQ] = c->temp_c;
    LOOKAHEAD(16);
    hst[S_STRIP_VAP] = mixture_enthalpy(p, xst[S_STRIP_VAP], tst[S_STRIP_VAP], VAPOUR);
    LOOKAHEAD(17);
    hst[S_STRIP_LIQ] = mixture_enthalpy(p, xst[S_STRIP_LIQ], tst[S_STRIP_LIQ], LIQUID);
    LOOKAHEAD(18);
    ftm[S_REACT_IN] = ftm[S_REACT_FEED];
    hst[S_REACT_IN] = hst[S_REACT_FEED];
    tst[S_REACT_IN] = tst[S_REACT_FEED];
    for (int i = 0; i < TEP_N_COMPONENTS; i++) {
        xst[S_REACT_IN][i] = xst[S_REACT_FEED][i];
        fcm[S_REACT_IN][i] = fcm[S_REACT_FEED][i];
    }

    LOOKAHEAD(19);
    /* Heat transfer */
    double uarlev;
    if (r->liquid_volume / F32(7.8) > F32(50.0))
        uarlev = F32(1.0);
    else if (r->liquid_volume / F32(7.8) < F32(10.0))
        uarlev = F32(0.0);
    else
        uarlev = F32(0.025) * r->liquid_volume / F32(7.8) - F32(0.25);
    double agsp = p->agitator_speed;
    p->reactor_ua = uarlev * (-(F32(0.5) * (agsp * agsp)) + F32(2.75) * agsp - F32(2.5)) * 855490.e-6;
    p->reactor_heat_removed = p->reactor_ua * (p->reactor_cw_temp - r->temp_c) *
                              (1.0 - 0.35 * walk_value(&p->walk[9], time));
    double ratio = ftm[S_REACT_OUT] / F32(3528.73);
    double ratio2 = ratio * ratio;
    double uas = F32(0.404655) * (F32(1.0) - F32(1.0) / (F32(1.0) + ratio2 * ratio2));
    p->separator_heat_removed = uas * (p->separator_cw_temp - tst[S_REACT_OUT]) *
                                (1.0 - 0.25 * walk_value(&p->walk[10], time));
    p->stripper_steam_heat = 0.0;
    if (c->temp_c < F32(100.0)) p->stripper_steam_heat = p->stripper_steam_ua * (F32(100.0) - c->temp_c);

    LOOKAHEAD(20);
    /* Continuous measurements, noise-free */
    double *xmeas = p->xmeas;
    xmeas[0] = ftm[S_A_FEED] * F32(0.359) / F32(35.3145);
    xmeas[1] = ftm[S_D_FEED] * xmws[S_D_FEED] * F32(0.454);
    xmeas[2] = ftm[S_E_FEED] * xmws[S_E_FEED] * F32(0.454);
    xmeas[3] = ftm[S_AC_FEED] * F32(0.359) / F32(35.3145);
    xmeas[4] = ftm[S_RECYCLE] * F32(0.359) / F32(35.3145);
    xmeas[5] = ftm[S_REACT_FEED] * F32(0.359) / F32(35.3145);
    xmeas[6] = (r->pressure - F32(760.0)) / F32(760.0) * F32(101.325);
    xmeas[7] = (r->liquid_volume - F32(84.6)) / F32(666.7) * F32(100.0);
    xmeas[8] = r->temp_c;
    xmeas[9] = ftm[S_PURGE] * F32(0.359) / F32(35.3145);
    xmeas[10] = s->temp_c;
    xmeas[11] = (s->liquid_volume - F32(27.5)) / F32(290.0) * F32(100.0);
    xmeas[12] = (s->pressure - F32(760.0)) / F32(760.0) * F32(101.325);
    xmeas[13] = ftm[S_SEP_LIQ] / s->liquid_density / F32(35.3145);
    xmeas[14] = (c->liquid_volume - F32(78.25)) / c->total_volume * F32(100.0);
    xmeas[15] = (v->pressure - F32(760.0)) / F32(760.0) * F32(101.325);
    xmeas[16] = ftm[S_PRODUCT] / c->liquid_density / F32(35.3145);
    xmeas[17] = c->temp_c;
    xmeas[18] = p->stripper_steam_heat * 1.04e3 * F32(0.454);
    xmeas[19] = p->compressor_head * 0.29307e3; /* the second of the two assignments in [TP] */
    xmeas[20] = p->reactor_cw_temp;
    xmeas[21] = p->separator_cw_temp;

    LOOKAHEAD(21);
    if (ahead) p->noise_next_time_h = p->next_time_h;

    p->shutdown = check_limits(p);
    if (p->shutdown != TEP_SHUTDOWN_NONE) { /* a frozen plant draws no measurement noise */
        p->rng = rng_before_noise;
        p->noise_next_time_h = NAN;
    } else if (noisy) {
        for (int i = 0; i < 22; i++) xmeas[i] = xmeas[i] + p->noise_now[i];
    }

    /* Analysers: true compositions now, published after the dead time */
    double xcmp[TEP_N_XMEAS];
    for (int i = 0; i < 6; i++) xcmp[22 + i] = xst[S_REACT_IN][i] * F32(100.0);
    for (int i = 0; i < 8; i++) xcmp[28 + i] = xst[S_PURGE][i] * F32(100.0);
    for (int i = 0; i < 5; i++) xcmp[36 + i] = xst[S_PRODUCT][3 + i] * F32(100.0);
    if (time == 0.0) {
        for (int i = 22; i < TEP_N_XMEAS; i++) {
            p->analyser_pending[i] = xcmp[i];
            xmeas[i] = xcmp[i];
        }
        p->next_gas_sample_h = F32(0.1);
        p->next_product_sample_h = F32(0.25);
    }
    if (time >= p->next_gas_sample_h) {
        for (int i = 22; i < 36; i++) {
            xmeas[i] = p->analyser_pending[i];
            xmeas[i] = xmeas[i] + tep_rng_noise(&p->rng, p->noise_sigma[i]);
            p->analyser_pending[i] = xcmp[i];
        }
        p->next_gas_sample_h = p->next_gas_sample_h + F32(0.1);
    }
    if (time >= p->next_product_sample_h) {
        for (int i = 36; i < 41; i++) {
            xmeas[i] = p->analyser_pending[i];
            xmeas[i] = xmeas[i] + tep_rng_noise(&p->rng, p->noise_sigma[i]);
            p->analyser_pending[i] = xcmp[i];
        }
        p->next_product_sample_h = p->next_product_sample_h + F32(0.25);
    }

    /* Derivatives: material balances (loop 9010) */
    for (int i = 0; i < TEP_N_COMPONENTS; i++) {
        yp[i] = fcm[S_REACT_IN][i] - fcm[S_REACT_OUT][i] + crxr[i];
        yp[i + 9] = fcm[S_REACT_OUT][i] - fcm[S_RECYCLE][i] - fcm[S_PURGE][i] - fcm[S_SEP_LIQ][i];
        yp[i + 18] = fcm[S_STRIP_LIQ][i] - fcm[S_PRODUCT][i];
        yp[i + 27] = fcm[S_D_FEED][i] + fcm[S_E_FEED][i] + fcm[S_A_FEED][i] +
                     fcm[S_STRIP_VAP][i] + fcm[S_RECYCLE][i] - fcm[S_REACT_FEED][i];
    }
    /* energy balances */
    yp[8] = hst[S_REACT_IN] * ftm[S_REACT_IN] - hst[S_REACT_OUT] * ftm[S_REACT_OUT] +
            p->reaction_heat_rate + p->reactor_heat_removed;
    yp[17] = hst[S_REACT_OUT] * ftm[S_REACT_OUT] - hst[S_RECYCLE] * ftm[S_RECYCLE] -
             hst[S_PURGE] * ftm[S_PURGE] - hst[S_SEP_LIQ] * ftm[S_SEP_LIQ] +
             p->separator_heat_removed;
    yp[26] = hst[S_AC_FEED] * ftm[S_AC_FEED] + hst[S_SEP_LIQ] * ftm[S_SEP_LIQ] -
             hst[S_STRIP_VAP] * ftm[S_STRIP_VAP] - hst[S_PRODUCT] * ftm[S_PRODUCT] +
             p->stripper_steam_heat;
    yp[35] = hst[S_D_FEED] * ftm[S_D_FEED] + hst[S_E_FEED] * ftm[S_E_FEED] +
             hst[S_A_FEED] * ftm[S_A_FEED] + hst[S_STRIP_VAP] * ftm[S_STRIP_VAP] +
             hst[S_RECYCLE] * ftm[S_RECYCLE] - hst[S_REACT_FEED] * ftm[S_REACT_FEED];
    /* cooling water outlet temperatures */
    yp[36] = (p->reactor_cw_flow * F32(500.53) * (p->cw_inlet_reactor - p->reactor_cw_temp) -
              p->reactor_heat_removed * 1.0e6 / F32(1.8)) /
             p->reactor_cw_holdup;
    yp[37] = (p->separator_cw_flow * F32(500.53) * (p->cw_inlet_separator - p->separator_cw_temp) -
              p->separator_heat_removed * 1.0e6 / F32(1.8)) /
             p->separator_cw_holdup;

    /* Valves: first-order lags, with sticking for IDV 14, 15, 19 */
    p->valve_sticks[9] = idv[13];
    p->valve_sticks[10] = idv[14];
    p->valve_sticks[4] = idv[18];
    p->valve_sticks[6] = idv[18];
    p->valve_sticks[7] = idv[18];
    p->valve_sticks[8] = idv[18];
    for (int i = 0; i < TEP_N_XMV; i++) {
        if (time == 0.0 ||
            fabs(p->valve_command[i] - p->xmv[i]) > p->valve_stick_band[i] * p->valve_sticks[i])
            p->valve_command[i] = p->xmv[i];
        if (p->valve_command[i] < F32(0.0)) p->valve_command[i] = F32(0.0);
        if (p->valve_command[i] > F32(100.0)) p->valve_command[i] = F32(100.0);
        yp[i + 38] = (p->valve_command[i] - vpos[i]) / p->valve_tau_h[i];
    }

    if (p->shutdown != TEP_SHUTDOWN_NONE)
        for (int i = 0; i < TEP_N_STATES; i++) yp[i] = F32(0.0);
}

double tep_plant_rng_state(const struct tep_plant *p)
{
    return tep_rng_state(isnan(p->noise_next_time_h) ? &p->rng : &p->rng_before_next);
}

/* ---------------------------------------------------------------------------------------
 * TEINIT
 */

/* Base-case initial states YY(1..50) [TP TEINIT]. All are REAL*4 literals except
 * YY(20), YY(22) and YY(24), which carry a D exponent (FACTS.md §1). */
static const float initial_state_r4[TEP_N_STATES] = {
    10.40491389f, 4.363996017f, 7.570059737f, 0.4230042431f, 24.15513437f, 2.942597645f,
    154.3770655f, 159.1865960f, 2.808522723f, 63.75581199f, 26.74026066f, 46.38532432f,
    0.2464521543f, 15.20484404f, 1.852266172f, 52.44639459f, 41.20394008f, 0.5699317760f,
    0.4306056376f, 0.0f /* YY(20), double below */, 0.9056036089f, 0.0f /* YY(22) */,
    0.7509759687f, 0.0f /* YY(24) */, 48.27726193f, 39.38459028f, 0.3755297257f,
    107.7562698f, 29.77250546f, 88.32481135f, 23.03929507f, 62.85848794f, 5.546318688f,
    11.92244772f, 5.555448243f, 0.9218489762f, 94.59927549f, 77.29698353f, 63.05263039f,
    53.97970677f, 24.64355755f, 61.30192144f, 22.21000000f, 40.06374673f, 38.10034370f,
    46.53415582f, 47.44573456f, 41.10581288f, 18.11349055f, 50.00000000f,
};

void tep_plant_init(struct tep_plant *p, double seed, double yy[TEP_N_STATES],
                    double yp[TEP_N_STATES])
{
    memset(p, 0, sizeof *p); /* COMMON blocks start at zero */
    p->next_time_h = NAN;
    p->noise_next_time_h = NAN;

    /* Component data (COMMON /CONST/): molar masses, Antoine and density
     * coefficients are REAL*4 literals; heat capacities carry D exponents. */
    static const float molar_mass[8] = {2.0f, 25.4f, 28.0f, 32.0f, 46.0f, 48.0f, 62.0f, 76.0f};
    static const float vp_a[8] = {0.0f, 0.0f, 0.0f, 15.92f, 16.35f, 16.35f, 16.43f, 17.21f};
    static const float vp_b[8] = {0.0f, 0.0f, 0.0f, -1444.0f, -2114.0f, -2114.0f, -2748.0f, -3318.0f};
    static const float vp_c[8] = {0.0f, 0.0f, 0.0f, 259.0f, 265.5f, 265.5f, 232.9f, 249.6f};
    static const float dens_a[8] = {1.0f, 1.0f, 1.0f, 23.3f, 33.9f, 32.8f, 49.9f, 50.5f};
    static const float dens_b[8] = {0.0f, 0.0f, 0.0f, -0.0700f, -0.0957f, -0.0995f, -0.0191f, -0.0541f};
    static const float dens_c[8] = {0.0f,       0.0f,       0.0f,       -0.0002f,
                                    -0.000152f, -0.000233f, -0.000425f, -0.000150f};
    static const double liq_a[8] = {1.0e-6, 1.0e-6, 1.0e-6, 0.960e-6, 0.573e-6, 0.652e-6, 0.515e-6, 0.471e-6};
    static const double liq_b[8] = {0.0, 0.0, 0.0, 8.70e-9, 2.41e-9, 2.18e-9, 5.65e-10, 8.70e-10};
    static const double liq_c[8] = {0.0, 0.0, 0.0, 4.81e-11, 1.82e-11, 1.94e-11, 3.82e-12, 2.62e-12};
    static const double vap_h[8] = {1.0e-6, 1.0e-6, 1.0e-6, 86.7e-6, 160.e-6, 160.e-6, 225.e-6, 209.e-6};
    static const double gas_a[8] = {3.411e-6, 0.3799e-6, 0.2491e-6, 0.3567e-6, 0.3463e-6, 0.3930e-6, 0.170e-6, 0.150e-6};
    static const double gas_b[8] = {7.18e-10, 1.08e-9, 1.36e-11, 8.51e-10, 8.96e-10, 1.02e-9, 0.0, 0.0};
    static const double gas_c[8] = {6.0e-13, -3.98e-13, -3.93e-14, -3.12e-13, -3.27e-13, -3.12e-13, 0.0, 0.0};
    for (int i = 0; i < TEP_N_COMPONENTS; i++) {
        struct tep_component *c = &p->comp[i];
        c->molar_mass = molar_mass[i];
        c->vp_a = vp_a[i];
        c->vp_b = vp_b[i];
        c->vp_c = vp_c[i];
        c->density_a = dens_a[i];
        c->density_b = dens_b[i];
        c->density_c = dens_c[i];
        c->liq_h_a = liq_a[i];
        c->liq_h_b = liq_b[i];
        c->liq_h_c = liq_c[i];
        c->vaporization_heat = vap_h[i];
        c->gas_h_a = gas_a[i];
        c->gas_h_b = gas_b[i];
        c->gas_h_c = gas_c[i];
    }

    for (int i = 0; i < TEP_N_STATES; i++) yy[i] = initial_state_r4[i];
    yy[19] = 7.9906200783e-03;
    yy[21] = 1.6054258216e-02;
    yy[23] = 8.8582855955e-02;

    for (int i = 0; i < TEP_N_XMV; i++) {
        p->xmv[i] = yy[i + 38];
        p->valve_command[i] = p->xmv[i];
        p->valve_stick_band[i] = 2.0;
        p->valve_sticks[i] = 0;
    }
    /* Valve full scale (VRNG); XMV 5, 6, 12 have none. */
    static const float valve_range[TEP_N_XMV] = {400.00f, 400.00f, 100.00f, 1500.00f, 0.0f, 0.0f,
                                                 1500.00f, 1000.00f, 0.03f, 1000.0f, 1200.0f, 0.0f};
    /* Valve time constants (VTAU, s), converted to hours in double as TEINIT does. */
    static const float valve_tau_s[TEP_N_XMV] = {8.f, 8.f, 6.f, 9.f, 7.f, 5.f,
                                                 5.f, 5.f, 120.f, 5.f, 5.f, 5.f};
    for (int i = 0; i < TEP_N_XMV; i++) {
        p->valve_range[i] = valve_range[i];
        p->valve_tau_h[i] = (double)valve_tau_s[i] / F32(3600.0);
    }
    p->reactor.total_volume = F32(1300.0);   /* VTR */
    p->separator.total_volume = F32(3500.0); /* VTS */
    p->stripper.total_volume = F32(156.5);   /* VTC */
    p->header.total_volume = F32(5000.0);    /* VTV */
    p->reaction_heat[0] = 0.06899381054;     /* HTR */
    p->reaction_heat[1] = 0.05;
    p->reactor_cw_holdup = F32(7060.0);    /* HWR */
    p->separator_cw_holdup = F32(11138.0); /* HWS */
    static const float split_r4[6] = {0.99500f, 0.99100f, 0.99000f, 0.91600f, 0.93600f, 0.93800f};
    for (int i = 0; i < 6; i++) p->split_frac[i] = split_r4[i];
    p->split_frac[6] = 5.80000e-02;
    p->split_frac[7] = 3.01000e-02;

    /* Feed stream compositions and temperatures (XST, TST of streams 1-4). */
    double(*xst)[TEP_N_COMPONENTS] = p->stream_frac;
    xst[S_D_FEED][1] = F32(0.0001);
    xst[S_D_FEED][3] = F32(0.9999);
    p->stream_temp[S_D_FEED] = F32(45.0);
    xst[S_E_FEED][4] = F32(0.9999);
    xst[S_E_FEED][5] = F32(0.0001);
    p->stream_temp[S_E_FEED] = F32(45.0);
    xst[S_A_FEED][0] = F32(0.9999);
    xst[S_A_FEED][1] = F32(0.0001);
    p->stream_temp[S_A_FEED] = F32(45.0);
    xst[S_AC_FEED][0] = F32(0.4850);
    xst[S_AC_FEED][1] = F32(0.0050);
    xst[S_AC_FEED][2] = F32(0.5100);
    p->stream_temp[S_AC_FEED] = F32(45.0);
    p->compressor_max_flow = F32(280275.0);
    p->compressor_max_ratio = F32(1.3);

    tep_rng_seed(&p->rng, seed);

    /* Measurement noise standard deviations (XNS, D literals). */
    static const double noise[TEP_N_XMEAS] = {
        0.0012, 18.000, 22.000, 0.0500, 0.2000, 0.2100, 0.3000, 0.5000, 0.0100, 0.0017, 0.0100,
        1.0000, 0.3000, 0.1250, 1.0000, 0.3000, 0.1150, 0.0100, 1.1500, 0.2000, 0.0100, 0.0100,
        0.250,  0.100,  0.250,  0.100,  0.250,  0.025,  0.250,  0.100,  0.250,  0.100,  0.250,
        0.025,  0.050,  0.050,  0.010,  0.010,  0.010,  0.500,  0.500};
    memcpy(p->noise_sigma, noise, sizeof noise);

    /* Disturbance generators: HSPAN, HZERO, SSPAN, SZERO (D literals); SPSPAN = 0. */
    static const double walk_params[TEP_N_WALKS][4] = {
        {0.2, 0.5, 0.03, 0.485}, {0.7, 1.0, .003, .005}, {0.25, 0.5, 10.0, 45.0},
        {0.7, 1.0, 10.0, 45.0},  {0.15, 0.25, 10.0, 35.0}, {0.15, 0.25, 10.0, 40.0},
        {1.0, 2.0, 0.25, 1.0},   {1.0, 2.0, 0.25, 1.0},  {0.4, 0.5, 0.25, 0.0},
        {1.5, 2.0, 0.0, 0.0},    {2.0, 3.0, 0.0, 0.0},   {1.5, 2.0, 0.0, 0.0}};
    for (int i = 0; i < TEP_N_WALKS; i++) {
        struct tep_walk *w = &p->walk[i];
        w->h_span = walk_params[i][0];
        w->h_zero = walk_params[i][1];
        w->s_span = walk_params[i][2];
        w->s_zero = walk_params[i][3];
        w->slope_span = 0.0;
        w->t_last = 0.0;
        w->t_next = 0.1;
        w->a = w->s_zero;
    }
    tep_plant_derivatives(p, 0.0, yy, yp);
}
