/* bench_sim.c - simulator speed: one 48 h run on one core, and the 22-run Braatz
 * campaign on all cores. Prints median wall times and per-step costs.
 * Usage: bench_sim [repeats] [campaign_out_dir]  (run via `make bench`). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/progress.h"
#include "sim/campaign.h"
#include "sim/sim.h"

static int compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int repeats = argc > 1 ? atoi(argv[1]) : 7;
    const char *out_dir = argc > 2 ? argv[2] : "/tmp/tep-bench-campaign";
    if (repeats < 1 || repeats > 100) repeats = 7;
    struct tep_sim_options opt;
    tep_sim_options_default(&opt);
    opt.fault_onset_h[0] = 8.0; /* IDV(1) from 8 h, as the demo */
    struct tep_error err;
    double times[100];
    long samples = 0;
    for (int r = 0; r < repeats; r++) {
        struct tep_sim *sim = tep_sim_new(&opt, &err);
        struct tep_sample s;
        double t0 = tep_now_seconds();
        samples = 0;
        while (tep_sim_next_sample(sim, &s) == 1) samples++;
        times[r] = tep_now_seconds() - t0;
        tep_sim_free(sim);
    }
    qsort(times, (size_t)repeats, sizeof times[0], compare);
    double median = times[repeats / 2];
    printf("simulate 48 h (172800 steps, %ld samples), one core: median %.3f s, best %.3f s "
           "(%.2f us/step) over %d runs\n",
           samples, median, times[0], median / 172800 * 1e6, repeats);

    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    for (int r = 0; r < 3; r++) {
        struct tep_campaign c = {.out_dir = out_dir, .layout = TEP_LAYOUT_BRAATZ,
                                 .extension = ".dat", .jobs = (int)cores, .quiet = true};
        if (tep_campaign_braatz_preset(&c.runs, &c.nruns, &err) != 0) return 1;
        double t0 = tep_now_seconds();
        if (tep_campaign_execute(&c, &err) != 0) {
            char buf[2048];
            fprintf(stderr, "campaign failed: %s\n", tep_error_format(&err, buf, sizeof buf));
            return 1;
        }
        times[r] = tep_now_seconds() - t0;
        free(c.runs);
    }
    qsort(times, 3, sizeof times[0], compare);
    printf("campaign: 22 Braatz runs (19 x 48 h + 3 x 25 h) written as .dat, %ld cores: median "
           "%.3f s\n",
           cores, times[1]);
    printf("BENCH sim_48h_s=%.4f campaign22_s=%.4f\n", median, times[1]);
    return 0;
}
