/* catalog.c - the TEP variable and disturbance catalogue (see catalog.h).
 *
 * Names, units and noise sigmas: teprob.f header and TEINIT (XNS), restated in
 * ../shared/tep-model/FACTS.md §2. Base values: the noise-free t=0 outputs of
 * the base case (FACTS.md §2, reference/base_case_t0.csv).
 * Physical range: the measurement noise is a sum of 12 uniforms minus 6, so it
 * never exceeds 6 sigma (FACTS.md §2-3). The range is therefore the physically
 * possible true value widened by 6 sigma: flows from 0 to a little over full
 * valve scale, compositions 0..100 mol%, reactor pressure up to the 3000 kPa
 * shutdown limit, levels within their shutdown limits (FACTS.md §5), valve
 * positions 0..100 % - widened to -10..110 %: the recorded XMV is the
 * controller's command before the clamp that follows each step (temain_mod.f
 * CONSHAND; FACTS.md §6), so it may briefly pass the valve's limits.
 */
#include "catalog.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const struct tep_var_info tep_catalog[TEP_N_VARS] = {
    {"xmeas_1", "XMEAS(1)", "a_feed", "A feed (stream 1)", "kscmh", TEP_VAR_CONTINUOUS, 0, 0, 0.2505213924, 0.0012, -0.0072, 1.0372},
    {"xmeas_2", "XMEAS(2)", "d_feed", "D feed (stream 2)", "kg/h", TEP_VAR_CONTINUOUS, 0, 0, 3664.038851, 18, -108, 6027},
    {"xmeas_3", "XMEAS(3)", "e_feed", "E feed (stream 3)", "kg/h", TEP_VAR_CONTINUOUS, 0, 0, 4509.268197, 22, -132, 8618},
    {"xmeas_4", "XMEAS(4)", "a_and_c_feed", "A and C feed (stream 4)", "kscmh", TEP_VAR_CONTINUOUS, 0, 0, 9.347742627, 0.05, -0.3, 15.9},
    {"xmeas_5", "XMEAS(5)", "recycle_flow", "Recycle flow (stream 8)", "kscmh", TEP_VAR_CONTINUOUS, 0, 0, 26.90248629, 0.2, -1.2, 81.2},
    {"xmeas_6", "XMEAS(6)", "reactor_feed_rate", "Reactor feed rate (stream 6)", "kscmh", TEP_VAR_CONTINUOUS, 0, 0, 42.33884754, 0.21, -1.26, 101.26},
    {"xmeas_7", "XMEAS(7)", "reactor_pressure", "Reactor pressure", "kPa gauge", TEP_VAR_CONTINUOUS, 0, 0, 2704.999984, 0.3, -1.8, 3001.8},
    {"xmeas_8", "XMEAS(8)", "reactor_level", "Reactor level", "%", TEP_VAR_CONTINUOUS, 0, 0, 74.99999674, 0.5, -5.1, 117.44},
    {"xmeas_9", "XMEAS(9)", "reactor_temperature", "Reactor temperature", "degC", TEP_VAR_CONTINUOUS, 0, 0, 120.3999996, 0.01, -0.06, 175.06},
    {"xmeas_10", "XMEAS(10)", "purge_rate", "Purge rate (stream 9)", "kscmh", TEP_VAR_CONTINUOUS, 0, 0, 0.3371170684, 0.0017, -0.0102, 5.0102},
    {"xmeas_11", "XMEAS(11)", "separator_temperature", "Product separator temperature", "degC", TEP_VAR_CONTINUOUS, 0, 0, 80.10940399, 0.01, 0, 200},
    {"xmeas_12", "XMEAS(12)", "separator_level", "Product separator level", "%", TEP_VAR_CONTINUOUS, 0, 0, 50.00000058, 1, -3.31, 142.65},
    {"xmeas_13", "XMEAS(13)", "separator_pressure", "Product separator pressure", "kPa gauge", TEP_VAR_CONTINUOUS, 0, 0, 2633.728051, 0.3, -1.8, 3001.8},
    {"xmeas_14", "XMEAS(14)", "separator_underflow", "Product separator underflow (stream 10)", "m3/h", TEP_VAR_CONTINUOUS, 0, 0, 25.16017248, 0.125, -0.75, 80.75},
    {"xmeas_15", "XMEAS(15)", "stripper_level", "Stripper level", "%", TEP_VAR_CONTINUOUS, 0, 0, 49.99999964, 1, -33.43, 136.52},
    {"xmeas_16", "XMEAS(16)", "stripper_pressure", "Stripper pressure", "kPa gauge", TEP_VAR_CONTINUOUS, 0, 0, 3102.213059, 0.3, -1.8, 4001.8},
    {"xmeas_17", "XMEAS(17)", "stripper_underflow", "Stripper underflow (stream 11, product)", "m3/h", TEP_VAR_CONTINUOUS, 0, 0, 22.9487308, 0.115, -0.69, 80.69},
    {"xmeas_18", "XMEAS(18)", "stripper_temperature", "Stripper temperature", "degC", TEP_VAR_CONTINUOUS, 0, 0, 65.73102977, 0.01, 0, 200},
    {"xmeas_19", "XMEAS(19)", "stripper_steam_flow", "Stripper steam flow", "kg/h", TEP_VAR_CONTINUOUS, 0, 0, 230.307815, 1.15, -6.9, 1006.9},
    {"xmeas_20", "XMEAS(20)", "compressor_work", "Compressor work", "kW", TEP_VAR_CONTINUOUS, 0, 0, 341.4336788, 0.2, -1.2, 1001.2},
    {"xmeas_21", "XMEAS(21)", "reactor_cooling_water_outlet_temperature", "Reactor cooling water outlet temperature", "degC", TEP_VAR_CONTINUOUS, 0, 0, 94.59927368, 0.01, 0, 200},
    {"xmeas_22", "XMEAS(22)", "separator_cooling_water_outlet_temperature", "Separator cooling water outlet temperature", "degC", TEP_VAR_CONTINUOUS, 0, 0, 77.29698181, 0.01, 0, 200},
    {"xmeas_23", "XMEAS(23)", "reactor_feed_a", "Component A in reactor feed (stream 6)", "mol%", TEP_VAR_SAMPLED, 0.1, 0.1, 32.18761338, 0.25, -1.5, 101.5},
    {"xmeas_24", "XMEAS(24)", "reactor_feed_b", "Component B in reactor feed (stream 6)", "mol%", TEP_VAR_SAMPLED, 0.1, 0.1, 8.893272401, 0.1, -0.6, 100.6},
    {"xmeas_25", "XMEAS(25)", "reactor_feed_c", "Component C in reactor feed (stream 6)", "mol%", TEP_VAR_SAMPLED, 0.1, 0.1, 26.38329003, 0.25, -1.5, 101.5},
    {"xmeas_26", "XMEAS(26)", "reactor_feed_d", "Component D in reactor feed (stream 6)", "mol%", TEP_VAR_SAMPLED, 0.1, 0.1, 6.882011757, 0.1, -0.6, 100.6},
    {"xmeas_27", "XMEAS(27)", "reactor_feed_e", "Component E in reactor feed (stream 6)", "mol%", TEP_VAR_SAMPLED, 0.1, 0.1, 18.77630532, 0.25, -1.5, 101.5},
    {"xmeas_28", "XMEAS(28)", "reactor_feed_f", "Component F in reactor feed (stream 6)", "mol%", TEP_VAR_SAMPLED, 0.1, 0.1, 1.656727301, 0.025, -0.15, 100.15},
    {"xmeas_29", "XMEAS(29)", "purge_a", "Component A in purge gas (stream 9)", "mol%", TEP_VAR_SAMPLED, 0.1, 0.1, 32.95753556, 0.25, -1.5, 101.5},
    {"xmeas_30", "XMEAS(30)", "purge_b", "Component B in purge gas (stream 9)", "mol%", TEP_VAR_SAMPLED, 0.1, 0.1, 13.82294501, 0.1, -0.6, 100.6},
    {"xmeas_31", "XMEAS(31)", "purge_c", "Component C in purge gas (stream 9)", "mol%", TEP_VAR_SAMPLED, 0.1, 0.1, 23.97814147, 0.25, -1.5, 101.5},
    {"xmeas_32", "XMEAS(32)", "purge_d", "Component D in purge gas (stream 9)", "mol%", TEP_VAR_SAMPLED, 0.1, 0.1, 1.256542452, 0.1, -0.6, 100.6},
    {"xmeas_33", "XMEAS(33)", "purge_e", "Component E in purge gas (stream 9)", "mol%", TEP_VAR_SAMPLED, 0.1, 0.1, 18.57927571, 0.25, -1.5, 101.5},
    {"xmeas_34", "XMEAS(34)", "purge_f", "Component F in purge gas (stream 9)", "mol%", TEP_VAR_SAMPLED, 0.1, 0.1, 2.263342078, 0.025, -0.15, 100.15},
    {"xmeas_35", "XMEAS(35)", "purge_g", "Component G in purge gas (stream 9)", "mol%", TEP_VAR_SAMPLED, 0.1, 0.1, 4.84364139, 0.05, -0.3, 100.3},
    {"xmeas_36", "XMEAS(36)", "purge_h", "Component H in purge gas (stream 9)", "mol%", TEP_VAR_SAMPLED, 0.1, 0.1, 2.298576322, 0.05, -0.3, 100.3},
    {"xmeas_37", "XMEAS(37)", "product_d", "Component D in product (stream 11)", "mol%", TEP_VAR_SAMPLED, 0.25, 0.25, 0.01786552465, 0.01, -0.06, 100.06},
    {"xmeas_38", "XMEAS(38)", "product_e", "Component E in product (stream 11)", "mol%", TEP_VAR_SAMPLED, 0.25, 0.25, 0.8357022452, 0.01, -0.06, 100.06},
    {"xmeas_39", "XMEAS(39)", "product_f", "Component F in product (stream 11)", "mol%", TEP_VAR_SAMPLED, 0.25, 0.25, 0.0985769118, 0.01, -0.06, 100.06},
    {"xmeas_40", "XMEAS(40)", "product_g", "Component G in product (stream 11)", "mol%", TEP_VAR_SAMPLED, 0.25, 0.25, 53.72397976, 0.5, -3, 103},
    {"xmeas_41", "XMEAS(41)", "product_h", "Component H in product (stream 11)", "mol%", TEP_VAR_SAMPLED, 0.25, 0.25, 43.82802098, 0.5, -3, 103},
    {"xmv_1", "XMV(1)", "d_feed_flow", "D feed flow (stream 2)", "%", TEP_VAR_MANIPULATED, 0, 0, 63.05263039, 0, -10, 110},
    {"xmv_2", "XMV(2)", "e_feed_flow", "E feed flow (stream 3)", "%", TEP_VAR_MANIPULATED, 0, 0, 53.97970677, 0, -10, 110},
    {"xmv_3", "XMV(3)", "a_feed_flow", "A feed flow (stream 1)", "%", TEP_VAR_MANIPULATED, 0, 0, 24.64355755, 0, -10, 110},
    {"xmv_4", "XMV(4)", "a_and_c_feed_flow", "A and C feed flow (stream 4)", "%", TEP_VAR_MANIPULATED, 0, 0, 61.30192144, 0, -10, 110},
    {"xmv_5", "XMV(5)", "compressor_recycle_valve", "Compressor recycle valve", "%", TEP_VAR_MANIPULATED, 0, 0, 22.21, 0, -10, 110},
    {"xmv_6", "XMV(6)", "purge_valve", "Purge valve (stream 9)", "%", TEP_VAR_MANIPULATED, 0, 0, 40.06374673, 0, -10, 110},
    {"xmv_7", "XMV(7)", "separator_pot_liquid_flow", "Separator pot liquid flow (stream 10)", "%", TEP_VAR_MANIPULATED, 0, 0, 38.1003437, 0, -10, 110},
    {"xmv_8", "XMV(8)", "stripper_liquid_product_flow", "Stripper liquid product flow (stream 11)", "%", TEP_VAR_MANIPULATED, 0, 0, 46.53415582, 0, -10, 110},
    {"xmv_9", "XMV(9)", "stripper_steam_valve", "Stripper steam valve", "%", TEP_VAR_MANIPULATED, 0, 0, 47.44573456, 0, -10, 110},
    {"xmv_10", "XMV(10)", "reactor_cooling_water_flow", "Reactor cooling water flow", "%", TEP_VAR_MANIPULATED, 0, 0, 41.10581288, 0, -10, 110},
    {"xmv_11", "XMV(11)", "condenser_cooling_water_flow", "Condenser cooling water flow", "%", TEP_VAR_MANIPULATED, 0, 0, 18.11349055, 0, -10, 110},
    {"xmv_12", "XMV(12)", "agitator_speed", "Agitator speed", "%", TEP_VAR_MANIPULATED, 0, 0, 50, 0, -10, 110},
};

/* Downs & Vogel (1993) Table 8, as listed in teprob.f's header (FACTS.md §4). */
const struct tep_fault_info tep_faults[TEP_N_IDV] = {
    {1, "A/C feed ratio, B composition constant (stream 4)", "step"},
    {2, "B composition, A/C ratio constant (stream 4)", "step"},
    {3, "D feed temperature (stream 2)", "step"},
    {4, "Reactor cooling water inlet temperature", "step"},
    {5, "Condenser cooling water inlet temperature", "step"},
    {6, "A feed loss (stream 1)", "step"},
    {7, "C header pressure loss, reduced availability (stream 4)", "step"},
    {8, "A, B, C feed composition (stream 4)", "random variation"},
    {9, "D feed temperature (stream 2)", "random variation"},
    {10, "C feed temperature (stream 4)", "random variation"},
    {11, "Reactor cooling water inlet temperature", "random variation"},
    {12, "Condenser cooling water inlet temperature", "random variation"},
    {13, "Reaction kinetics", "slow drift"},
    {14, "Reactor cooling water valve", "sticking"},
    {15, "Condenser cooling water valve", "sticking"},
    {16, "Unknown (stripper steam-side heat transfer)", "random variation"},
    {17, "Unknown (reactor heat removal)", "random pulses"},
    {18, "Unknown (condenser heat removal)", "random pulses"},
    {19, "Unknown (valves XMV 5, 7, 8, 9)", "sticking"},
    {20, "Unknown (reactor to separator flow)", "random pulses"},
};

/* Normalise a name for comparison: lower case, keep letters and digits only,
 * so "XMEAS(1)", "xmeas_1", "XMEAS 1" and "xmeas1" all become "xmeas1". */
static void normalise(const char *in, char *out, size_t outsize)
{
    size_t n = 0;
    for (; *in && n + 1 < outsize; in++) {
        unsigned char c = (unsigned char)*in;
        if (isalnum(c)) out[n++] = (char)tolower(c);
    }
    out[n] = '\0';
}

int tep_catalog_lookup(const char *name)
{
    if (!name) return -1;
    char want[256];
    normalise(name, want, sizeof want);
    if (!want[0]) return -1;
    /* xmeasN / xmvN with N in range */
    const char *digits = NULL;
    int base = 0, limit = 0;
    if (strncmp(want, "xmeas", 5) == 0) {
        digits = want + 5;
        base = 0;
        limit = TEP_N_XMEAS;
    } else if (strncmp(want, "xmv", 3) == 0) {
        digits = want + 3;
        base = TEP_N_XMEAS;
        limit = TEP_N_XMV;
    }
    if (digits && *digits) {
        char *end = NULL;
        long n = strtol(digits, &end, 10);
        if (*end == '\0' && digits[0] != '0' && n >= 1 && n <= limit) return base + (int)n - 1;
        return -1;
    }
    char cand[256];
    for (int i = 0; i < TEP_N_VARS; i++) {
        normalise(tep_catalog[i].key, cand, sizeof cand);
        if (strcmp(cand, want) == 0) return i;
        normalise(tep_catalog[i].description, cand, sizeof cand);
        if (strcmp(cand, want) == 0) return i;
    }
    return -1;
}
