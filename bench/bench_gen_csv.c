/* bench_gen_csv.c - a large TEP-like CSV for the pipeline benchmark.
 * Usage: bench_gen_csv ROWS OUT.csv
 * Columns: time_h plus the 53 variables (54 in all), values with 7 significant
 * digits (about 380 MB for 1,000,000 rows). The values are a 48 h simulated
 * normal run repeated with a drift, plus 0.1 % missing cells and 0.1 % exact
 * duplicate rows, so the cleaning steps have work to do. */
#include <stdio.h>
#include <stdlib.h>

#include "core/catalog.h"
#include "sim/sim.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: bench_gen_csv ROWS OUT.csv\n");
        return 2;
    }
    long rows = atol(argv[1]);
    FILE *out = fopen(argv[2], "w");
    if (!out || rows < 1) {
        fprintf(stderr, "bench_gen_csv: cannot write %s\n", argv[2]);
        return 1;
    }
    struct tep_sim_options opt;
    tep_sim_options_default(&opt);
    struct tep_error err;
    struct tep_sim *sim = tep_sim_new(&opt, &err);
    double base[960][TEP_N_VARS];
    struct tep_sample s;
    int n = 0;
    while (n < 960 && tep_sim_next_sample(sim, &s) == 1) {
        for (int v = 0; v < TEP_N_XMEAS; v++) base[n][v] = s.xmeas[v];
        for (int v = 0; v < TEP_N_XMV; v++) base[n][TEP_N_XMEAS + v] = s.xmv[v];
        n++;
    }
    tep_sim_free(sim);
    fputs("time_h", out);
    for (int v = 0; v < TEP_N_VARS; v++) fprintf(out, ",%s", tep_catalog[v].name);
    fputc('\n', out);
    unsigned long long state = 88172645463325252ULL;
    long written = 0, r = 0;
    while (written < rows) {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        const double *b = base[r % 960];
        double drift = 1.0 + 1e-4 * (double)((r / 960) % 10);
        char line[2048];
        int len = snprintf(line, sizeof line, "%.6f", (double)(r + 1) * 0.05);
        for (int v = 0; v < TEP_N_VARS; v++) {
            unsigned long long h = state * (unsigned long long)(v + 1) * 0x9E3779B97F4A7C15ULL;
            if ((h >> 54) == 0) /* ~0.1 % missing */
                len += snprintf(line + len, sizeof line - (size_t)len, ",");
            else
                len += snprintf(line + len, sizeof line - (size_t)len, ",%.7g", b[v] * drift);
        }
        line[len++] = '\n';
        fwrite(line, 1, (size_t)len, out);
        written++;
        if ((state & 1023) == 0 && written < rows) { /* ~0.1 % exact duplicate rows */
            fwrite(line, 1, (size_t)len, out);
            written++;
        }
        r++;
    }
    fclose(out);
    return 0;
}
