/* config.c - YAML configuration: parsing with libyaml and validation from key
 * tables (see config.h). Every message carries the file, line and column of
 * the offending node and says what form was expected. */
#include "core/config.h"

#include <errno.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/text.h"

static void hex_sha256(const unsigned char *data, size_t n, char out[65])
{
    unsigned char digest[32];
    unsigned int len = 0;
    EVP_Digest(data, n, digest, &len, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

/* Fill `err` from a libyaml parser error. */
static int yaml_syntax_error(const yaml_parser_t *parser, const char *name, struct tep_error *err)
{
    return tep_error_set_at(err, TEP_ERR_CONFIG, name, (long)parser->problem_mark.line + 1,
                            (long)parser->problem_mark.column + 1, "invalid YAML: %s%s%s",
                            parser->problem ? parser->problem : "syntax error",
                            parser->context ? " " : "", parser->context ? parser->context : "");
}

/* First pass over the events, before libyaml builds the tree: reject nesting deeper
 * than TEP_CFG_DEPTH_MAX (libyaml's scanner slows down quadratically with the depth:
 * 100k levels took over a minute) and more than TEP_CFG_ANCHORS_MAX anchors or
 * aliases (its loader looks each alias up among all anchors: 20k of each took 3 s),
 * and syntax errors. */
static int check_structure(const char *name, const char *text, size_t len, struct tep_error *err)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return tep_error_set(err, TEP_ERR_NOMEM, "cannot initialise the YAML parser");
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    int depth = 0, anchors = 0, aliases = 0, rc = -1;
    for (;;) {
        yaml_event_t event;
        if (!yaml_parser_parse(&parser, &event)) {
            yaml_syntax_error(&parser, name, err);
            break;
        }
        yaml_event_type_t type = event.type;
        const yaml_char_t *anchor =
            type == YAML_SCALAR_EVENT           ? event.data.scalar.anchor
            : type == YAML_SEQUENCE_START_EVENT ? event.data.sequence_start.anchor
            : type == YAML_MAPPING_START_EVENT  ? event.data.mapping_start.anchor
                                                : NULL;
        if (type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT) depth++;
        if (type == YAML_SEQUENCE_END_EVENT || type == YAML_MAPPING_END_EVENT) depth--;
        anchors += anchor != NULL;
        aliases += type == YAML_ALIAS_EVENT;
        char limit[128] = "";
        if (depth > TEP_CFG_DEPTH_MAX)
            snprintf(limit, sizeof limit,
                     "nesting too deep: expected at most %d levels of nested mappings and lists",
                     TEP_CFG_DEPTH_MAX);
        else if (anchors > TEP_CFG_ANCHORS_MAX || aliases > TEP_CFG_ANCHORS_MAX)
            snprintf(limit, sizeof limit, "too many %s: expected at most %d",
                     anchors > TEP_CFG_ANCHORS_MAX ? "anchors (&name)" : "aliases (*name)",
                     TEP_CFG_ANCHORS_MAX);
        if (limit[0])
            tep_error_set_at(err, TEP_ERR_CONFIG, name, (long)event.start_mark.line + 1,
                             (long)event.start_mark.column + 1, "%s", limit);
        yaml_event_delete(&event);
        if (limit[0]) break;
        if (type == YAML_STREAM_END_EVENT) {
            rc = 0;
            break;
        }
    }
    yaml_parser_delete(&parser);
    return rc;
}

/* A key of a mapping, for finding duplicates: its text and where it is. */
struct key_ref {
    const char *text;
    size_t len;
    const yaml_node_t *node;
    size_t order; /* position in the mapping: the first of equal keys sorts first */
};

static int compare_keys(const void *a, const void *b)
{
    const struct key_ref *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->text, y->text, n);
    if (c) return c;
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Reject a mapping (at any level) that holds the same key twice; libyaml keeps
 * both silently. Each mapping's scalar keys are sorted, so this is O(n log n);
 * the nodes are visited in the document's flat node array, once each, however
 * often aliases refer to them. */
static int check_duplicate_keys(struct tep_config *cfg, struct tep_error *err)
{
    struct key_ref *refs = NULL;
    size_t cap = 0;
    int rc = 0;
    for (yaml_node_t *node = cfg->doc.nodes.start; node < cfg->doc.nodes.top && rc == 0; node++) {
        if (node->type != YAML_MAPPING_NODE) continue;
        size_t n = 0,
               npairs = (size_t)(node->data.mapping.pairs.top - node->data.mapping.pairs.start);
        if (npairs < 2) continue;
        if (npairs > cap) {
            struct key_ref *grown = realloc(refs, npairs * sizeof *refs);
            if (!grown) {
                rc = tep_error_set(err, TEP_ERR_NOMEM, "out of memory checking %s", cfg->path);
                break;
            }
            refs = grown;
            cap = npairs;
        }
        for (size_t i = 0; i < npairs; i++) {
            yaml_node_t *key =
                yaml_document_get_node(&cfg->doc, node->data.mapping.pairs.start[i].key);
            if (!key || key->type != YAML_SCALAR_NODE) continue;
            refs[n++] = (struct key_ref){(const char *)key->data.scalar.value,
                                         key->data.scalar.length, key, i};
        }
        qsort(refs, n, sizeof *refs, compare_keys);
        for (size_t i = 1; i < n && rc == 0; i++) {
            if (refs[i].len != refs[i - 1].len ||
                memcmp(refs[i].text, refs[i - 1].text, refs[i].len) != 0)
                continue;
            const yaml_node_t *first = refs[i - 1].node, *again = refs[i].node;
            /* a long key is shown up to 200 bytes, cut between characters */
            int shown = (int)tep_utf8_cut(refs[i].text, refs[i].len < 200 ? refs[i].len : 200);
            rc = tep_config_error_at(cfg, again, err,
                                     "duplicate key '%.*s%s' (lines %ld and %ld): expected each "
                                     "key once in a mapping",
                                     shown, refs[i].text, (size_t)shown < refs[i].len ? "..." : "",
                                     (long)first->start_mark.line + 1,
                                     (long)again->start_mark.line + 1);
        }
    }
    free(refs);
    return rc;
}

int tep_config_load_string(struct tep_config *cfg, const char *name, const char *text,
                           struct tep_error *err)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->path, sizeof cfg->path, "%s", name);
    size_t len = strlen(text);
    hex_sha256((const unsigned char *)text, len, cfg->sha256);
    if (check_structure(name, text, len, err) != 0) return -1;
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return tep_error_set(err, TEP_ERR_NOMEM, "cannot initialise the YAML parser");
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &cfg->doc)) {
        yaml_syntax_error(&parser, name, err);
        yaml_parser_delete(&parser);
        return -1;
    }
    yaml_parser_delete(&parser);
    cfg->loaded = true;
    yaml_node_t *root = yaml_document_get_root_node(&cfg->doc);
    if (root && root->type != YAML_MAPPING_NODE) {
        int rc = tep_config_error_at(cfg, root, err,
                                     "the configuration must be a mapping of sections "
                                     "(data:, preprocessing:, storage:, ...)");
        tep_config_free(cfg);
        return rc;
    }
    if (check_duplicate_keys(cfg, err) != 0) {
        tep_config_free(cfg);
        return -1;
    }
    return 0;
}

int tep_config_load(struct tep_config *cfg, const char *path, struct tep_error *err)
{
    memset(cfg, 0, sizeof *cfg);
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    if (!f) return tep_error_set_errno(err, TEP_ERR_CONFIG, "cannot open configuration", path);
    if (fseek(f, 0, SEEK_END) != 0) goto io_fail;
    long size = ftell(f);
    if (size < 0 || size > 16 * 1024 * 1024) {
        fclose(f);
        return tep_error_set_at(err, TEP_ERR_CONFIG, path, 0, 0,
                                "configuration file is not a regular file of at most 16 MiB");
    }
    rewind(f);
    text = malloc((size_t)size + 1);
    if (!text) {
        fclose(f);
        return tep_error_set(err, TEP_ERR_NOMEM, "out of memory reading %s", path);
    }
    if (fread(text, 1, (size_t)size, f) != (size_t)size) goto io_fail;
    text[size] = '\0';
    fclose(f);
    if (strlen(text) != (size_t)size) {
        free(text);
        return tep_error_set_at(err, TEP_ERR_CONFIG, path, 0, 0,
                                "configuration contains a NUL byte; expected YAML text");
    }
    int rc = tep_config_load_string(cfg, path, text, err);
    free(text);
    return rc;
io_fail:
    tep_error_set_errno(err, TEP_ERR_CONFIG, "cannot read configuration", path);
    fclose(f);
    free(text);
    return -1;
}

void tep_config_free(struct tep_config *cfg)
{
    if (cfg->loaded) yaml_document_delete(&cfg->doc);
    cfg->loaded = false;
}

yaml_node_t *tep_config_root(struct tep_config *cfg)
{
    return cfg->loaded ? yaml_document_get_root_node(&cfg->doc) : NULL;
}

const char *tep_config_scalar(const yaml_node_t *node)
{
    if (!node || node->type != YAML_SCALAR_NODE) return NULL;
    return (const char *)node->data.scalar.value;
}

yaml_node_t *tep_config_child(struct tep_config *cfg, yaml_node_t *mapping, const char *key)
{
    if (!mapping || mapping->type != YAML_MAPPING_NODE) return NULL;
    for (yaml_node_pair_t *p = mapping->data.mapping.pairs.start;
         p < mapping->data.mapping.pairs.top; p++) {
        const char *k = tep_config_scalar(yaml_document_get_node(&cfg->doc, p->key));
        if (k && strcmp(k, key) == 0) return yaml_document_get_node(&cfg->doc, p->value);
    }
    return NULL;
}

size_t tep_config_seq_len(const yaml_node_t *seq)
{
    if (!seq || seq->type != YAML_SEQUENCE_NODE) return 0;
    return (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
}

yaml_node_t *tep_config_seq_item(struct tep_config *cfg, yaml_node_t *seq, size_t i)
{
    if (i >= tep_config_seq_len(seq)) return NULL;
    return yaml_document_get_node(&cfg->doc, seq->data.sequence.items.start[i]);
}

int tep_config_error_at(struct tep_config *cfg, const yaml_node_t *node, struct tep_error *err,
                        const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    long line = node ? (long)node->start_mark.line + 1 : 0;
    long col = node ? (long)node->start_mark.column + 1 : 0;
    return tep_error_set_at(err, TEP_ERR_CONFIG, cfg ? cfg->path : NULL, line, col, "%s", msg);
}

/* ---- scalar conversion ------------------------------------------------------------- */

static const char *type_name(enum tep_cfg_type t)
{
    switch (t) {
    case TEP_CFG_BOOL: return "true or false";
    case TEP_CFG_INT: return "a whole number";
    case TEP_CFG_DOUBLE: return "a number";
    case TEP_CFG_STRING: return "a string";
    case TEP_CFG_ENUM: return "one of";
    case TEP_CFG_INT_LIST: return "a whole number or a list of them";
    case TEP_CFG_DOUBLE_LIST: return "a number or a list of numbers";
    case TEP_CFG_NAME_LIST: return "a name or a list of names";
    case TEP_CFG_FLAGS: return "a list of";
    case TEP_CFG_COLUMNS: return "column names (a list or a comma list)";
    }
    return "?";
}

static bool has_range(const struct tep_cfg_key *k) { return k->min <= k->max; }

/* What a value of `key` must look like, for messages: the type, and the
 * choices of an enum or a flag set. */
static void expected_form(const struct tep_cfg_key *key, char *buf, size_t n)
{
    if (key->choices && (key->type == TEP_CFG_ENUM || key->type == TEP_CFG_FLAGS))
        snprintf(buf, n, "%s %s", type_name(key->type), key->choices);
    else
        snprintf(buf, n, "%s", type_name(key->type));
}

/* Convert one scalar text to a number for `key`; `msg` gets the complaint. */
static int parse_number(const struct tep_cfg_key *key, const char *text, bool integer,
                        double *out, char *msg, size_t msgsize)
{
    char *end = NULL;
    errno = 0;
    double v;
    if (integer) {
        long l = strtol(text, &end, 10);
        v = (double)l;
    } else {
        v = strtod(text, &end);
    }
    if (!text[0] || end == text || *end != '\0' || errno != 0 || !isfinite(v)) {
        snprintf(msg, msgsize, "expected %s, got '%s'", integer ? "a whole number" : "a number",
                 text);
        return -1;
    }
    if (has_range(key) && (v < key->min || v > key->max)) {
        snprintf(msg, msgsize, "value %s is out of range: expected %.15g..%.15g", text, key->min,
                 key->max);
        return -1;
    }
    *out = v;
    return 0;
}

static int parse_bool(const char *text, bool *out)
{
    static const char *yes[] = {"true", "yes", "on", "1"}, *no[] = {"false", "no", "off", "0"};
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(text, yes[i]) == 0) return *out = true, 0;
        if (strcasecmp(text, no[i]) == 0) return *out = false, 0;
    }
    return -1;
}

static int parse_enum(const char *choices, const char *text, int *out)
{
    int index = 0;
    const char *p = choices;
    while (*p) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (strlen(text) == len && strncasecmp(p, text, len) == 0) return *out = index, 0;
        index++;
        p += len + (bar ? 1 : 0);
    }
    return -1;
}

/* Store scalar `text` for `key` into `options`. */
static int store_scalar(const struct tep_cfg_key *key, const char *text, void *options,
                        size_t list_index, char *msg, size_t msgsize)
{
    char *field = (char *)options + key->offset;
    double v;
    switch (key->type) {
    case TEP_CFG_BOOL:
        if (parse_bool(text, (bool *)field) != 0) {
            snprintf(msg, msgsize, "expected true or false, got '%s'", text);
            return -1;
        }
        return 0;
    case TEP_CFG_INT:
        if (parse_number(key, text, true, &v, msg, msgsize)) return -1;
        *(long *)field = (long)v;
        return 0;
    case TEP_CFG_DOUBLE:
        if (parse_number(key, text, false, &v, msg, msgsize)) return -1;
        *(double *)field = v;
        return 0;
    case TEP_CFG_STRING: {
        size_t len = strlen(text);
        double shortest = has_range(key) ? key->min : 0;
        double longest = has_range(key) ? key->max : TEP_CFG_STRING_MAX - 1;
        if ((double)len > longest || (double)len < shortest) {
            snprintf(msg, msgsize, "string is %s than %.0f bytes",
                     (double)len > longest ? "longer" : "shorter",
                     (double)len > longest ? longest : shortest);
            return -1;
        }
        memcpy(field, text, len + 1); /* fits: char[TEP_CFG_STRING_MAX] or char[max + 1] */
        return 0;
    }
    case TEP_CFG_ENUM:
        if (parse_enum(key->choices, text, (int *)field) != 0) {
            snprintf(msg, msgsize, "expected one of %s, got '%s'", key->choices, text);
            return -1;
        }
        return 0;
    case TEP_CFG_INT_LIST: {
        struct tep_cfg_int_list *list = (struct tep_cfg_int_list *)field;
        if (parse_number(key, text, true, &v, msg, msgsize)) return -1;
        list->v[list_index] = (long)v;
        list->n = list_index + 1;
        return 0;
    }
    case TEP_CFG_DOUBLE_LIST: {
        struct tep_cfg_double_list *list = (struct tep_cfg_double_list *)field;
        if (parse_number(key, text, false, &v, msg, msgsize)) return -1;
        list->v[list_index] = v;
        list->n = list_index + 1;
        return 0;
    }
    case TEP_CFG_NAME_LIST: {
        struct tep_cfg_name_list *list = (struct tep_cfg_name_list *)field;
        if (!text[0] || strlen(text) >= TEP_CFG_NAME_MAX) {
            snprintf(msg, msgsize, "expected a name of 1..%d characters", TEP_CFG_NAME_MAX - 1);
            return -1;
        }
        snprintf(list->v[list_index], TEP_CFG_NAME_MAX, "%s", text);
        list->n = list_index + 1;
        return 0;
    }
    case TEP_CFG_FLAGS: {
        int bit;
        if (parse_enum(key->choices, text, &bit) != 0) {
            snprintf(msg, msgsize, "expected one of %s, got '%s'", key->choices, text);
            return -1;
        }
        *(unsigned *)field |= 1u << bit;
        return 0;
    }
    case TEP_CFG_COLUMNS: { /* one name, added to the comma-joined list */
        size_t used = strlen(field), len = strlen(text);
        if (used + len + 2 > TEP_CFG_COLUMNS_MAX) {
            snprintf(msg, msgsize, "column list is longer than %d bytes", TEP_CFG_COLUMNS_MAX - 1);
            return -1;
        }
        if (used) field[used++] = ',';
        memcpy(field + used, text, len + 1);
        return 0;
    }
    }
    snprintf(msg, msgsize, "internal: unknown key type");
    return -1;
}

/* Lists held in a struct tep_cfg_*_list: at most TEP_CFG_LIST_MAX items. */
static bool is_counted_list(enum tep_cfg_type t)
{
    return t == TEP_CFG_INT_LIST || t == TEP_CFG_DOUBLE_LIST || t == TEP_CFG_NAME_LIST;
}

/* Keys whose value may be a YAML list (each item stored in turn). */
static bool is_list_type(enum tep_cfg_type t)
{
    return is_counted_list(t) || t == TEP_CFG_FLAGS || t == TEP_CFG_COLUMNS;
}

static void clear_list(const struct tep_cfg_key *key, void *options)
{
    char *field = (char *)options + key->offset;
    if (key->type == TEP_CFG_FLAGS)
        *(unsigned *)field = 0;
    else if (key->type == TEP_CFG_COLUMNS)
        field[0] = '\0';
    else
        *(size_t *)field = 0; /* every list struct starts with its count */
}

/* Add the items of list text "a, b c" (separated by commas or blanks; none
 * when empty) to the list `key` after those it holds. */
static int store_items(const struct tep_cfg_key *key, const char *text, void *options, char *msg,
                       size_t msgsize)
{
    size_t n = is_counted_list(key->type) ? *(size_t *)((char *)options + key->offset) : 0;
    char item[TEP_CFG_COLUMNS_MAX];
    for (const char *p = text + strspn(text, ", \t"); *p; p += strspn(p, ", \t")) {
        size_t len = strcspn(p, ", \t");
        if (is_counted_list(key->type) && n == TEP_CFG_LIST_MAX) {
            snprintf(msg, msgsize, "at most %d items", TEP_CFG_LIST_MAX);
            return -1;
        }
        if (len >= sizeof item) {
            snprintf(msg, msgsize, "an item is longer than %zu bytes", sizeof item - 1);
            return -1;
        }
        memcpy(item, p, len);
        item[len] = '\0';
        if (store_scalar(key, item, options, n++, msg, msgsize)) return -1;
        p += len;
    }
    return 0;
}

/* Store one scalar of the YAML value of `key`: the items it holds for a list
 * ("20, 50"), else the value itself (a name: the `index`-th of its list). */
static int store_text(const struct tep_cfg_key *key, const char *text, void *options, size_t index,
                      char *msg, size_t msgsize)
{
    if (is_list_type(key->type) && key->type != TEP_CFG_NAME_LIST)
        return store_items(key, text, options, msg, msgsize);
    return store_scalar(key, text, options, index, msg, msgsize);
}

/* Defaults: "a, b, c" for lists, plain text otherwise. */
static int apply_default(const struct tep_cfg_key *key, void *options, struct tep_error *err)
{
    char msg[512];
    if (is_list_type(key->type)) {
        clear_list(key, options);
        if (key->default_value && store_items(key, key->default_value, options, msg, sizeof msg))
            return tep_error_set(err, TEP_ERR_INTERNAL, "bad default for '%s': %s", key->name, msg);
        return 0;
    }
    const char *text = key->default_value;
    if (!text) {
        char *field = (char *)options + key->offset;
        switch (key->type) {
        case TEP_CFG_BOOL: *(bool *)field = false; break;
        case TEP_CFG_INT: *(long *)field = 0; break;
        case TEP_CFG_DOUBLE: *(double *)field = 0; break;
        case TEP_CFG_STRING: field[0] = '\0'; break;
        case TEP_CFG_ENUM: *(int *)field = 0; break;
        default: break;
        }
        return 0;
    }
    if (store_scalar(key, text, options, 0, msg, sizeof msg))
        return tep_error_set(err, TEP_ERR_INTERNAL, "bad default for '%s': %s", key->name, msg);
    return 0;
}

int tep_config_defaults(const struct tep_cfg_key *keys, void *options, struct tep_error *err)
{
    for (const struct tep_cfg_key *k = keys; k->name; k++)
        if (apply_default(k, options, err) != 0) return -1;
    return 0;
}

static void list_key_names(const struct tep_cfg_key *keys, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    for (const struct tep_cfg_key *k = keys; k->name && used < n; k++)
        used += (size_t)snprintf(buf + used, n - used, "%s%s", used ? ", " : "", k->name);
}

static bool in_list(const char *const *list, const char *name)
{
    for (; list && *list; list++)
        if (strcmp(*list, name) == 0) return true;
    return false;
}

int tep_config_apply(struct tep_config *cfg, yaml_node_t *mapping, const struct tep_cfg_key *keys,
                     void *options, const char *where, const char *const *ignore,
                     struct tep_error *err)
{
    if (tep_config_defaults(keys, options, err) != 0) return -1;
    if (!mapping) return 0;
    if (mapping->type == YAML_SCALAR_NODE && !tep_config_scalar(mapping)[0]) return 0; /* "key:" */
    if (mapping->type != YAML_MAPPING_NODE)
        return tep_config_error_at(cfg, mapping, err, "%s: expected a mapping of keys", where);
    char msg[512], form[256];
    for (yaml_node_pair_t *p = mapping->data.mapping.pairs.start;
         p < mapping->data.mapping.pairs.top; p++) {
        yaml_node_t *knode = yaml_document_get_node(&cfg->doc, p->key);
        yaml_node_t *vnode = yaml_document_get_node(&cfg->doc, p->value);
        const char *name = tep_config_scalar(knode);
        if (!name) return tep_config_error_at(cfg, knode, err, "%s: expected a key name", where);
        const struct tep_cfg_key *key = NULL;
        for (const struct tep_cfg_key *k = keys; k->name; k++)
            if (strcmp(k->name, name) == 0) key = k;
        if (!key) {
            if (in_list(ignore, name)) continue;
            char names[1024];
            list_key_names(keys, names, sizeof names);
            return tep_config_error_at(cfg, knode, err, "%s: unknown key '%s' (expected one of: %s)",
                                       where, name, names);
        }
        if (is_list_type(key->type) && vnode->type == YAML_SEQUENCE_NODE) {
            clear_list(key, options);
            size_t n = tep_config_seq_len(vnode);
            if (is_counted_list(key->type) && n > TEP_CFG_LIST_MAX)
                return tep_config_error_at(cfg, vnode, err, "%s.%s: at most %d items", where, name,
                                           TEP_CFG_LIST_MAX);
            for (size_t i = 0; i < n; i++) {
                yaml_node_t *item = tep_config_seq_item(cfg, vnode, i);
                const char *text = tep_config_scalar(item);
                if (!text) {
                    expected_form(key, form, sizeof form);
                    return tep_config_error_at(cfg, item, err, "%s.%s[%zu]: expected %s", where,
                                               name, i, form);
                }
                if (store_text(key, text, options, i, msg, sizeof msg))
                    return tep_config_error_at(cfg, item, err, "%s.%s[%zu]: %s", where, name, i,
                                               msg);
            }
            continue;
        }
        const char *text = tep_config_scalar(vnode);
        if (!text) {
            expected_form(key, form, sizeof form);
            return tep_config_error_at(cfg, vnode, err, "%s.%s: expected %s", where, name, form);
        }
        if (is_list_type(key->type)) clear_list(key, options);
        if (store_text(key, text, options, 0, msg, sizeof msg))
            return tep_config_error_at(cfg, vnode, err, "%s.%s: %s", where, name, msg);
    }
    return 0;
}

void tep_config_print_keys(FILE *out, const char *section, const struct tep_cfg_key *keys)
{
    for (const struct tep_cfg_key *k = keys; k->name; k++) {
        char full[256], form[256];
        snprintf(full, sizeof full, "%s.%s", section, k->name);
        if (k->type == TEP_CFG_ENUM)
            snprintf(form, sizeof form, "%s", k->choices);
        else if (k->type == TEP_CFG_STRING && has_range(k))
            snprintf(form, sizeof form, "a string of %.15g..%.15g bytes", k->min, k->max);
        else if (has_range(k))
            snprintf(form, sizeof form, "%s, %.15g..%.15g", type_name(k->type), k->min, k->max);
        else
            expected_form(k, form, sizeof form);
        const char *def = "none";
        if (k->default_value && k->default_value[0])
            def = k->default_value;
        else if (k->type == TEP_CFG_COLUMNS)
            def = "empty"; /* the key's help says what no names mean */
        fprintf(out, "  %-40s %s (default: %s)\n      %s\n", full, form, def, k->help);
    }
}
