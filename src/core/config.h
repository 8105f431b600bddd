/* config.h - config.yaml loading and validation from key tables.
 *
 * The YAML file is parsed once with libyaml into a node tree that keeps the
 * line and column of every node. Each stage describes its configuration keys
 * with a table of struct tep_cfg_key (name, type, default, range, help and
 * where the value goes in the stage's options struct), as Fluent Bit's config
 * maps do; tep_config_apply() fills the options from a YAML mapping and
 * rejects unknown keys, wrong types and out-of-range values with the file,
 * line, column, the key's path and the expected form. The same tables print
 * the documentation of every key (`tep run --help-config`).
 */
#ifndef TEP_CORE_CONFIG_H
#define TEP_CORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <yaml.h>

#include "core/error.h"

#define TEP_CFG_STRING_MAX 1024
#define TEP_CFG_LIST_MAX 32
#define TEP_CFG_NAME_MAX 128
#define TEP_CFG_COLUMNS_MAX 4096
/* Deepest nesting of mappings and lists a configuration may have (tep's own
 * keys need 5 levels), and most anchors (&name) and most aliases (*name) it may
 * hold; other files are rejected before they are built (libyaml slows down
 * quadratically past these). */
#define TEP_CFG_DEPTH_MAX 64
#define TEP_CFG_ANCHORS_MAX 1000

enum tep_cfg_type {
    TEP_CFG_BOOL,   /* bool */
    TEP_CFG_INT,    /* long */
    TEP_CFG_DOUBLE, /* double */
    TEP_CFG_STRING, /* char[TEP_CFG_STRING_MAX]; with a range min..max, the length in
                       bytes must be in it and the field is char[max + 1] */
    TEP_CFG_ENUM,   /* int: index into the '|'-separated choices */
    /* Lists: a YAML list or a scalar; each scalar (the value, or an item of the
     * list) holds items separated by commas or blanks ("20, 50"; "20"; "" = no
     * item), as default_value writes them. Names are the exception: a scalar is
     * one name. */
    TEP_CFG_INT_LIST,    /* struct tep_cfg_int_list */
    TEP_CFG_DOUBLE_LIST, /* struct tep_cfg_double_list */
    TEP_CFG_NAME_LIST,   /* struct tep_cfg_name_list (a scalar counts as a one-item list) */
    TEP_CFG_FLAGS,       /* unsigned: a list of words of the '|'-separated choices; the i-th
                            word sets bit i; an empty list sets none */
    TEP_CFG_COLUMNS,     /* char[TEP_CFG_COLUMNS_MAX]: a list of column names, kept joined
                            by commas ("xmeas_1,xmeas_9"); "" when none are given (the key's
                            user says what that means, usually every column) */
};

struct tep_cfg_int_list {
    size_t n;
    long v[TEP_CFG_LIST_MAX];
};

struct tep_cfg_double_list {
    size_t n;
    double v[TEP_CFG_LIST_MAX];
};

struct tep_cfg_name_list {
    size_t n;
    char v[TEP_CFG_LIST_MAX][TEP_CFG_NAME_MAX];
};

struct tep_cfg_key {
    const char *name;
    enum tep_cfg_type type;
    const char *default_value; /* text as it would appear in YAML; NULL = empty/zero */
    size_t offset;             /* offsetof(options struct, field) */
    const char *help;
    const char *choices;       /* TEP_CFG_ENUM, TEP_CFG_FLAGS: "ffill|linear|mean|drop" */
    double min, max;           /* numeric range (also list items), string length range;
                                  min > max = unbounded */
};

#define TEP_CFG_UNBOUNDED 1.0, 0.0

struct tep_config {
    char path[4096];
    yaml_document_t doc;
    bool loaded;
    char sha256[65]; /* of the file's bytes: the config hash stored with each run */
};

/* Parse `path`. Syntax errors name the file, line and column; so do a key given
 * twice in one mapping (the message names both lines), nesting deeper than
 * TEP_CFG_DEPTH_MAX and more than TEP_CFG_ANCHORS_MAX anchors or aliases. */
int tep_config_load(struct tep_config *cfg, const char *path, struct tep_error *err);

/* Parse YAML text held in memory (tests, defaults). `name` is used in messages. */
int tep_config_load_string(struct tep_config *cfg, const char *name, const char *text,
                           struct tep_error *err);

void tep_config_free(struct tep_config *cfg);

/* The root node (a mapping), or NULL for an empty document. */
yaml_node_t *tep_config_root(struct tep_config *cfg);

/* Child `key` of a mapping node, or NULL. */
yaml_node_t *tep_config_child(struct tep_config *cfg, yaml_node_t *mapping, const char *key);

/* Node accessors for sequences: count and item i. */
size_t tep_config_seq_len(const yaml_node_t *seq);
yaml_node_t *tep_config_seq_item(struct tep_config *cfg, yaml_node_t *seq, size_t i);

/* Fill `options` with the defaults of `keys`, then with the values in `mapping`
 * (which may be NULL: defaults only). `where` is the dotted path of the mapping
 * ("preprocessing.steps[2].missing") used in messages. Unknown keys are errors
 * unless listed in `ignore` (a NULL-terminated list of keys handled elsewhere). */
int tep_config_apply(struct tep_config *cfg, yaml_node_t *mapping, const struct tep_cfg_key *keys,
                     void *options, const char *where, const char *const *ignore,
                     struct tep_error *err);

/* Only the defaults (no YAML). */
int tep_config_defaults(const struct tep_cfg_key *keys, void *options, struct tep_error *err);

/* Set an error located at `node`. */
int tep_config_error_at(struct tep_config *cfg, const yaml_node_t *node, struct tep_error *err,
                        const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Document a key table: one line per key with type, default, range and help. */
void tep_config_print_keys(FILE *out, const char *section, const struct tep_cfg_key *keys);

/* Scalar text of a node (NULL if not a scalar). */
const char *tep_config_scalar(const yaml_node_t *node);

#endif
