/* sim.c - the closed-loop simulation loop of temain_mod.f (see sim.h).
 *
 * Step I (1-based) does, in the reference's order [TM, FACTS.md §6]:
 *   1. IDV(k) on when I >= onset step;  2. controllers due at I;
 *   3. a record when I is a multiple of the sampling interval (so the record
 *      holds XMEAS of the previous evaluation and XMV after this step's
 *      controllers);  4. one Euler step: evaluate at TIME, TIME += DELTAT,
 *      Y += DELTAT * Y';  5. clamp XMV 1..11.
 */
#include "sim/sim.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void tep_sim_options_default(struct tep_sim_options *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->seed = TEP_DEFAULT_SEED;
    opt->hours = 48.0;
    opt->interval_s = 180;
    for (int i = 0; i < TEP_N_IDV; i++) opt->fault_onset_h[i] = TEP_NEVER;
    opt->stop_at_shutdown = false;
}

int tep_sim_parse_faults(struct tep_sim_options *opt, const char *list, double default_onset_h,
                         struct tep_error *err)
{
    const char *p = list;
    int item = 0;
    while (*p) {
        item++;
        char *end = NULL;
        errno = 0;
        long idv = strtol(p, &end, 10);
        if (end == p || errno != 0)
            return tep_error_set(err, TEP_ERR_ARG,
                                 "fault list '%s', item %d: expected an IDV number 0..20", list,
                                 item);
        if (idv < 0 || idv > TEP_N_IDV)
            return tep_error_set(err, TEP_ERR_ARG,
                                 "fault list '%s', item %d: unknown disturbance IDV(%ld); "
                                 "expected 1..20 (0 = none)",
                                 list, item, idv);
        double onset = default_onset_h;
        p = end;
        if (*p == '@') {
            const char *num = p + 1;
            onset = strtod(num, &end);
            if (end == num || !isfinite(onset) || onset < 0.0)
                return tep_error_set(err, TEP_ERR_ARG,
                                     "fault list '%s', item %d: expected a non-negative onset "
                                     "time in hours after '@'",
                                     list, item);
            p = end;
        }
        if (idv > 0) opt->fault_onset_h[idv - 1] = onset;
        if (*p == ',') {
            p++;
            if (!*p)
                return tep_error_set(err, TEP_ERR_ARG, "fault list '%s' ends with a comma", list);
        } else if (*p) {
            return tep_error_set(err, TEP_ERR_ARG,
                                 "fault list '%s', item %d: unexpected '%c' (expected ',' or "
                                 "'@HOURS')",
                                 list, item, *p);
        }
    }
    if (item == 0) return tep_error_set(err, TEP_ERR_ARG, "empty fault list");
    return 0;
}

static int validate(const struct tep_sim_options *opt, struct tep_error *err)
{
    if (!(opt->seed > 0.0) || opt->seed >= 9007199254740992.0 || opt->seed != floor(opt->seed))
        return tep_error_set(err, TEP_ERR_ARG,
                             "seed %.17g: expected a positive integer below 2^53", opt->seed);
    if (!isfinite(opt->hours) || opt->hours <= 0.0 || opt->hours > 1.0e6)
        return tep_error_set(err, TEP_ERR_ARG,
                             "hours %g: expected a positive number of hours (at most 1e6)",
                             opt->hours);
    if (opt->interval_s < 1)
        return tep_error_set(err, TEP_ERR_ARG,
                             "sampling interval %d s: expected a whole number of seconds >= 1",
                             opt->interval_s);
    for (int i = 0; i < TEP_N_IDV; i++) {
        double t = opt->fault_onset_h[i];
        if (t != TEP_NEVER && (!isfinite(t) || t < 0.0))
            return tep_error_set(err, TEP_ERR_ARG, "IDV(%d) onset %g h: expected >= 0", i + 1, t);
    }
    return 0;
}

int tep_sim_init(struct tep_sim *sim, const struct tep_sim_options *opt, struct tep_error *err)
{
    if (validate(opt, err) != 0) return -1;
    memset(sim, 0, sizeof *sim);
    sim->opt = *opt;
    tep_plant_init(&sim->plant, opt->seed, sim->yy, sim->yp);
    tep_control_init(&sim->control);
    tep_control_initial_xmv(sim->plant.xmv);
    sim->time_h = 0.0;
    sim->step_h = (double)(1.f / 3600.f); /* DELTAT = 1./3600. is a REAL*4 expression */
    sim->total_steps = lround(opt->hours * 3600.0);
    for (int i = 0; i < TEP_N_IDV; i++)
        sim->onset_step[i] =
            opt->fault_onset_h[i] == TEP_NEVER ? -1 : lround(opt->fault_onset_h[i] * 3600.0);
    return 0;
}

struct tep_sim *tep_sim_new(const struct tep_sim_options *opt, struct tep_error *err)
{
    struct tep_sim *sim = malloc(sizeof *sim);
    if (!sim) {
        tep_error_set(err, TEP_ERR_NOMEM, "out of memory creating a simulator");
        return NULL;
    }
    if (tep_sim_init(sim, opt, err) != 0) {
        free(sim);
        return NULL;
    }
    return sim;
}

void tep_sim_free(struct tep_sim *sim) { free(sim); }

bool tep_sim_done(const struct tep_sim *sim)
{
    if (sim->step >= sim->total_steps) return true;
    return sim->opt.stop_at_shutdown && sim->shutdown_step > 0;
}

/* Fault label of data whose XMEAS came from the evaluation of step `step`. */
static int fault_label(const struct tep_sim *sim, long eval_step)
{
    for (int i = 0; i < TEP_N_IDV; i++)
        if (sim->onset_step[i] >= 0 && eval_step >= sim->onset_step[i]) return i + 1;
    return 0;
}

int tep_sim_step(struct tep_sim *sim, struct tep_sample *sample)
{
    struct tep_plant *plant = &sim->plant;
    long step = ++sim->step;
    for (int i = 0; i < TEP_N_IDV; i++)
        if (sim->onset_step[i] >= 0 && step >= sim->onset_step[i]) plant->idv[i] = 1;

    tep_control_step(&sim->control, step, plant->xmeas, plant->xmv);

    int recorded = 0;
    if (step % sim->opt.interval_s == 0) {
        recorded = 1;
        sim->samples++;
        if (sample) {
            sample->index = sim->samples;
            sample->time_h = (double)sim->samples * sim->opt.interval_s / 3600.0;
            sample->fault = fault_label(sim, step - 1);
            memcpy(sample->xmeas, plant->xmeas, sizeof sample->xmeas);
            memcpy(sample->xmv, plant->xmv, sizeof sample->xmv);
        }
    }

    plant->next_time_h = sim->time_h + sim->step_h; /* lets the plant draw noise ahead */
    tep_plant_derivatives(plant, sim->time_h, sim->yy, sim->yp);
    if (plant->shutdown != TEP_SHUTDOWN_NONE && sim->shutdown_step == 0) {
        sim->shutdown_step = step;
        sim->shutdown_time_h = sim->time_h;
        sim->shutdown_reason = plant->shutdown;
    }
    sim->time_h = sim->time_h + sim->step_h;
    for (int i = 0; i < TEP_N_STATES; i++) sim->yy[i] = sim->yy[i] + sim->yp[i] * sim->step_h;
    tep_control_clamp(plant->xmv);
    return recorded;
}

int tep_sim_next_sample(struct tep_sim *sim, struct tep_sample *sample)
{
    while (!tep_sim_done(sim))
        if (tep_sim_step(sim, sample)) return 1;
    return 0;
}
