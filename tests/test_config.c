/* test_config.c - loading config.yaml (src/core/config.c, issue 9 bug 7).
 *
 * A key given twice in one mapping, at any level, is an error naming the file and
 * both lines (libyaml keeps both silently, and the second one used to win or be
 * ignored depending on the reader); equal keys in different mappings are fine.
 * Nesting deeper than TEP_CFG_DEPTH_MAX levels is an error at the line and column
 * of the first level too many, found before the tree is built (100k levels took
 * over a minute); so are more than TEP_CFG_ANCHORS_MAX anchors or aliases (libyaml
 * resolves aliases in quadratic time). tep_pipeline_configure (tep run -c without side effects)
 * reports both, and frees a store stage whose keys were rejected.
 */
#include <stdbool.h>

#include "check.h"
#include "core/config.h"
#include "pipeline/pipeline.h"

static const char *tmp_dir;

static const char *write_config(const char *name, const char *text)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s", tmp_dir, name);
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        exit(1);
    }
    return path;
}

/* Load `text`; returns the error (code TEP_OK when it loaded). */
static struct tep_error load(const char *name, const char *text)
{
    struct tep_config cfg;
    struct tep_error err;
    tep_error_clear(&err);
    if (tep_config_load_string(&cfg, name, text, &err) == 0) tep_config_free(&cfg);
    return err;
}

static void check_error(const struct tep_error *err, const char *file, long line, long column,
                        const char *message)
{
    CHECK_EQ_INT(err->code, TEP_ERR_CONFIG);
    CHECK_STR(err->file, file);
    CHECK_EQ_INT(err->line, line);
    CHECK_EQ_INT(err->column, column);
    CHECK_STR(err->message, message);
}

static void test_duplicate_keys(void)
{
    struct tep_error err = load("top.yaml", "data:\n"
                                            "  output_dir: x\n"
                                            "storage:\n"
                                            "  type: sqlite\n"
                                            "logging:\n"
                                            "  level: info\n"
                                            "storage:\n"
                                            "  type: parquet\n");
    check_error(&err, "top.yaml", 7, 1,
                "duplicate key 'storage' (lines 3 and 7): expected each key once in a mapping");

    err = load("nested.yaml", "preprocessing:\n"
                              "  steps:\n"
                              "    - clean: {sort: true}\n"
                              "    - missing:\n"
                              "        method: ffill\n"
                              "        max_gap: 10\n"
                              "        method: linear\n");
    check_error(&err, "nested.yaml", 7, 9,
                "duplicate key 'method' (lines 5 and 7): expected each key once in a mapping");

    /* flow style, three times: the first two are named */
    err = load("flow.yaml", "data: {chunk_rows: 16,\n"
                            "  output_dir: a,\n"
                            "  chunk_rows: 32,\n"
                            "  chunk_rows: 64}\n");
    check_error(&err, "flow.yaml", 3, 3,
                "duplicate key 'chunk_rows' (lines 1 and 3): expected each key once in a mapping");

    /* a quoted key is the same key */
    err = load("quoted.yaml", "logging: {level: info}\n\"logging\": {level: warn}\n");
    check_error(&err, "quoted.yaml", 2, 1,
                "duplicate key 'logging' (lines 1 and 2): expected each key once in a mapping");

    /* the same key in different mappings, and keys that only share a prefix */
    err = load("fine.yaml", "data: {output_dir: a}\n"
                            "analysis: {report: r.html, json: j.json}\n"
                            "storage: {type: sqlite, connection_string: x.db}\n"
                            "logging: {level: info, levels: x}\n"
                            "simulator: {faults: [0, 0, 1], seeds: [1, 1]}\n");
    CHECK_MSG(err.code == TEP_OK, "%s", err.message);

    /* a mapping of many keys, the duplicate far apart */
    size_t cap = 1 << 20, used = 0;
    char *big = malloc(cap);
    for (int i = 0; i < 20000; i++)
        used += (size_t)snprintf(big + used, cap - used, "key_%d: %d\n", i, i);
    snprintf(big + used, cap - used, "key_7: again\n");
    err = load("many.yaml", big);
    check_error(&err, "many.yaml", 20001, 1,
                "duplicate key 'key_7' (lines 8 and 20001): expected each key once in a mapping");
    free(big);

    /* a long key is shown up to 200 bytes, cut between characters: here a 2-byte
     * character at bytes 200-201 is left out whole (it used to be cut in two) */
    char key[300], text[700], want[400];
    memset(key, 'k', 199);
    strcpy(key + 199, "\xC3\xA9tail");
    snprintf(text, sizeof text, "%s: 1\n%s: 2\n", key, key);
    err = load("long_key.yaml", text);
    snprintf(want, sizeof want,
             "duplicate key '%.199s...' (lines 1 and 2): expected each key once in a mapping", key);
    check_error(&err, "long_key.yaml", 2, 1, want);
}

/* `levels` nested flow mappings {a: {a: ... 1}} under the key `data`. */
static char *nested_flow(int levels)
{
    char *text = malloc((size_t)levels * 5 + 16), *p = text;
    p += sprintf(p, "data: ");
    for (int i = 0; i < levels; i++)
        p += sprintf(p, "{a: ");
    *p++ = '1';
    for (int i = 0; i < levels; i++)
        *p++ = '}';
    strcpy(p, "\n");
    return text;
}

static void test_nesting_depth(void)
{
    /* the root mapping is level 1: 63 nested mappings under data: is the limit */
    char *text = nested_flow(TEP_CFG_DEPTH_MAX - 1);
    struct tep_error err = load("deep_ok.yaml", text);
    CHECK_MSG(err.code == TEP_OK, "%s", err.message);
    free(text);

    text = nested_flow(TEP_CFG_DEPTH_MAX);
    err = load("deep.yaml", text);
    /* "data: " then 63 "{a: " before the 64th nested '{' (column 7 + 4 * 63) */
    check_error(&err, "deep.yaml", 1, 7 + 4 * (TEP_CFG_DEPTH_MAX - 1),
                "nesting too deep: expected at most 64 levels of nested mappings and lists");
    free(text);

    text = nested_flow(100000); /* 500 KB: stops at the same place */
    err = load("deeper.yaml", text);
    check_error(&err, "deeper.yaml", 1, 7 + 4 * (TEP_CFG_DEPTH_MAX - 1),
                "nesting too deep: expected at most 64 levels of nested mappings and lists");
    free(text);

    /* block style: lists in lists, one level per line */
    size_t cap = 1 << 16, used = 0;
    char *block = malloc(cap);
    for (int i = 0; i < 100; i++)
        used += (size_t)snprintf(block + used, cap - used, "%*s-\n", i, "");
    snprintf(block + used, cap - used, "%*s- x\n", 100, "");
    err = load("block.yaml", block);
    check_error(&err, "block.yaml", 65, 65, /* the list on line k is level k */
                "nesting too deep: expected at most 64 levels of nested mappings and lists");
    free(block);

    /* a syntax error is still reported where it is */
    err = load("syntax.yaml", "data: {a: 1\n");
    CHECK_EQ_INT(err.code, TEP_ERR_CONFIG);
    CHECK_EQ_INT(err.line, 2);
    CHECK_MSG(strstr(err.message, "invalid YAML: did not find expected ',' or '}'"), "%s",
              err.message);
}

/* `n` keys k<i> with an anchor each, then `m` keys r<i> aliasing the last anchor. */
static char *anchors_and_aliases(int n, int m)
{
    size_t cap = (size_t)(n + m) * 32 + 1, used = 0;
    char *text = malloc(cap);
    text[0] = '\0';
    for (int i = 0; i < n; i++)
        used += (size_t)snprintf(text + used, cap - used, "k%d: &a%d x\n", i, i);
    for (int i = 0; i < m; i++)
        used += (size_t)snprintf(text + used, cap - used, "r%d: *a%d\n", i, n - 1);
    return text;
}

static void test_anchors_and_aliases(void)
{
    char *text = anchors_and_aliases(TEP_CFG_ANCHORS_MAX, TEP_CFG_ANCHORS_MAX);
    struct tep_error err = load("many_ok.yaml", text);
    CHECK_MSG(err.code == TEP_OK, "%s", err.message);
    free(text);

    text = anchors_and_aliases(TEP_CFG_ANCHORS_MAX + 1, 0);
    err = load("anchors.yaml", text);
    /* line 1001 is "k1000: &a1000 x": the anchor starts at column 8 */
    check_error(&err, "anchors.yaml", TEP_CFG_ANCHORS_MAX + 1, 8,
                "too many anchors (&name): expected at most 1000");
    free(text);

    text = anchors_and_aliases(1, 20000); /* 20k of each took 3 s before the limit */
    err = load("aliases.yaml", text);
    /* line 1002 is "r1000: *a0", the 1001st alias, at column 8 */
    check_error(&err, "aliases.yaml", TEP_CFG_ANCHORS_MAX + 2, 8,
                "too many aliases (*name): expected at most 1000");
    free(text);
}

static void test_pipeline_configure(void)
{
    struct tep_pipeline p;
    struct tep_error err;
    const char *path = write_config("dup.yaml", "storage:\n  type: sqlite\nstorage:\n  type: x\n");
    tep_error_clear(&err);
    CHECK_EQ_INT(tep_pipeline_configure(&p, path, true, &err), -1);
    tep_pipeline_close(&p);
    check_error(&err, path, 3, 1,
                "duplicate key 'storage' (lines 1 and 3): expected each key once in a mapping");

    /* a store whose keys are rejected: its stage is freed by close (LeakSanitizer) */
    path = write_config("store_key.yaml", "storage: {type: sqlite, measurement: x}\n");
    tep_error_clear(&err);
    CHECK_EQ_INT(tep_pipeline_configure(&p, path, true, &err), -1);
    CHECK_EQ_INT(err.line, 1);
    CHECK_MSG(strstr(err.message, "storage: unknown key 'measurement'"), "%s", err.message);
    tep_pipeline_close(&p);

    /* a valid configuration: every key table applied, nothing created */
    char out_dir[1100];
    snprintf(out_dir, sizeof out_dir, "%s/never_created", tmp_dir);
    char yaml[2400];
    snprintf(yaml, sizeof yaml,
             "data: {input_dir: %s/in, file_format: csv, output_dir: %s, chunk_rows: 64}\n"
             "preprocessing:\n  steps:\n    - missing: {method: linear}\n"
             "storage: {type: sqlite, connection_string: %s/x.db}\n"
             "analysis: {method: dpca, lags: 3}\n",
             tmp_dir, out_dir, out_dir);
    path = write_config("good.yaml", yaml);
    tep_error_clear(&err);
    CHECK_MSG(tep_pipeline_configure(&p, path, true, &err) == 0, "%s", err.message);
    CHECK_EQ_INT(p.env.chunk_rows, 64);
    CHECK_STR(p.env.output_dir, out_dir);
    CHECK_EQ_INT(p.noutputs, 1);
    CHECK_EQ_INT(p.analysis.method, 1);
    CHECK_EQ_INT(p.analysis.lags, 3);
    struct stat st;
    CHECK(stat(out_dir, &st) != 0);
    tep_pipeline_close(&p);
}

int main(void)
{
    tmp_dir = tep_test_tmpdir("test_config");
    RUN(test_duplicate_keys);
    RUN(test_nesting_depth);
    RUN(test_anchors_and_aliases);
    RUN(test_pipeline_configure);
    CHECK_DONE();
}
