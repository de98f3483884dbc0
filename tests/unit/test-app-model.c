/* SPDX-License-Identifier: Apache-2.0 */
/* The generated cluster and device type tables (app-model.h) against the
 * facts of the Matter SDK's data model, kept as this project's JSON fact
 * files under tests/vectors/data-model/ (each names the SDK file and
 * commit its facts come from): ids, names, base types, qualities, access,
 * conformance (compared as functions of the FeatureMap), command fields
 * and responses, events, device types' server clusters and element
 * requirements. Then the look-ups and conformance functions, and the
 * generated D-Bus introspection against the tables. */

#include <string.h>

#include <gio/gio.h>
#include <glib.h>
#include <json-glib/json-glib.h>

#include "app-model.h"

/* ---- A small model of the facts --------------------------------------------- */

/* A conformance expression node: "M", "O", "P", "D", "X", "otherwise",
 * "feature", "not", "or", "and", "unknown" (attributes, conditions,
 * comparisons: what the tables cannot express). */
typedef struct FactExpr FactExpr;
struct FactExpr {
  char *kind;
  char *name; /* a feature's code */
  GPtrArray *children;
};

typedef struct {
  char *id_text;
  guint32 id;
  char *name;
  char *type;
  char *entry; /* a list's entry type */
  gboolean nullable, fixed, changes_omitted;
  gboolean write;
  char *read_priv, *write_priv, *invoke_priv;
  gboolean timed, fabric_scoped, fabric_sensitive;
  char *direction, *response, *priority;
  gboolean has_min, has_max;
  gint64 min, max;
  guint32 max_length;
  FactExpr *conformance;
  GPtrArray *fields; /* FactElem */
} FactElem;

typedef struct {
  char *kind; /* "enum", "bitmap", "struct" */
  char *name;
  GArray *values; /* guint64: enum values or bitfield bits */
  GPtrArray *fields;
} FactType;

typedef struct {
  guint bit;
  char *code;
  char *name;
  FactExpr *conformance;
} FactFeature;

typedef struct {
  guint32 id;
  guint16 revision;
  char *name;
  GPtrArray *features, *types, *attributes, *commands, *events;
  /* A device type's server clusters: FactElem with id, name, conformance
   * and, in fields, the element requirements (kind in type). */
  GPtrArray *clusters;
} FactDoc;

static void
fact_expr_free(FactExpr *e)
{
  if (!e)
    return;
  g_free(e->kind);
  g_free(e->name);
  g_ptr_array_unref(e->children);
  g_free(e);
}

static FactExpr *
fact_expr_new(const char *kind, const char *name)
{
  FactExpr *e = g_new0(FactExpr, 1);
  e->kind = g_strdup(kind);
  e->name = g_strdup(name);
  e->children = g_ptr_array_new_with_free_func((GDestroyNotify) fact_expr_free);
  return e;
}

static void
fact_elem_free(FactElem *e)
{
  g_free(e->id_text);
  g_free(e->name);
  g_free(e->type);
  g_free(e->entry);
  g_free(e->read_priv);
  g_free(e->write_priv);
  g_free(e->invoke_priv);
  g_free(e->direction);
  g_free(e->response);
  g_free(e->priority);
  fact_expr_free(e->conformance);
  g_ptr_array_unref(e->fields);
  g_free(e);
}

static FactElem *
fact_elem_new(void)
{
  FactElem *e = g_new0(FactElem, 1);
  e->fields = g_ptr_array_new_with_free_func((GDestroyNotify) fact_elem_free);
  return e;
}

static void
fact_type_free(FactType *t)
{
  g_free(t->kind);
  g_free(t->name);
  g_array_unref(t->values);
  g_ptr_array_unref(t->fields);
  g_free(t);
}

static void
fact_feature_free(FactFeature *f)
{
  g_free(f->code);
  g_free(f->name);
  fact_expr_free(f->conformance);
  g_free(f);
}

static void
fact_doc_free(FactDoc *d)
{
  g_free(d->name);
  g_ptr_array_unref(d->features);
  g_ptr_array_unref(d->types);
  g_ptr_array_unref(d->attributes);
  g_ptr_array_unref(d->commands);
  g_ptr_array_unref(d->events);
  g_ptr_array_unref(d->clusters);
  g_free(d);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FactDoc, fact_doc_free)

/* ---- Reading the fact files with json-glib ------------------------------------ */

/* Every member of @o is one @allowed names: a misspelt quality would
 * otherwise read as absent. */
static void
check_members(JsonObject *o, const char *const *allowed, const char *what)
{
  g_autoptr(GList) members = json_object_get_members(o);

  for (GList *l = members; l; l = l->next)
    if (!g_strv_contains(allowed, l->data))
      g_error("%s: unknown member \"%s\"", what, (const char *) l->data);
}

static JsonNode *
member_of(JsonObject *o, const char *name, GType value_type, const char *what)
{
  JsonNode *n = json_object_get_member(o, name);

  if (n && (!JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != value_type))
    g_error("%s: \"%s\" is not a %s", what, name, g_type_name(value_type));
  return n;
}

static char *
get_string(JsonObject *o, const char *name, const char *what)
{
  JsonNode *n = member_of(o, name, G_TYPE_STRING, what);
  return n ? g_strdup(json_node_get_string(n)) : NULL;
}

static char *
need_string(JsonObject *o, const char *name, const char *what)
{
  char *s = get_string(o, name, what);
  if (!s || !*s)
    g_error("%s: no \"%s\"", what, name);
  return s;
}

static gboolean
get_flag(JsonObject *o, const char *name, const char *what)
{
  JsonNode *n = member_of(o, name, G_TYPE_BOOLEAN, what);
  return n && json_node_get_boolean(n);
}

static gboolean
get_int(JsonObject *o, const char *name, gint64 *out, const char *what)
{
  JsonNode *n = member_of(o, name, G_TYPE_INT64, what);
  if (n)
    *out = json_node_get_int(n);
  return n != NULL;
}

static gint64
need_int(JsonObject *o, const char *name, const char *what)
{
  gint64 v = 0;
  if (!get_int(o, name, &v, what))
    g_error("%s: no \"%s\"", what, name);
  return v;
}

static JsonArray *
get_array(JsonObject *o, const char *name, const char *what)
{
  JsonNode *n = json_object_get_member(o, name);
  if (n && !JSON_NODE_HOLDS_ARRAY(n))
    g_error("%s: \"%s\" is not an array", what, name);
  return n ? json_node_get_array(n) : NULL;
}

static JsonObject *
array_object(JsonArray *a, guint i, const char *what)
{
  JsonNode *n = json_array_get_element(a, i);
  if (!JSON_NODE_HOLDS_OBJECT(n))
    g_error("%s: entry %u is not an object", what, i);
  return json_node_get_object(n);
}

static gboolean
parse_number(const char *text, gint64 *out)
{
  char *end = NULL;

  if (!text || !*text)
    return FALSE;
  if (g_str_has_prefix(text, "0x") || g_str_has_prefix(text, "0X"))
    *out = (gint64) g_ascii_strtoull(text + 2, &end, 16);
  else
    *out = g_ascii_strtoll(text, &end, 10);
  return end && *end == '\0';
}

static guint32
parse_id(const char *text)
{
  gint64 v = 0;
  if (!parse_number(text, &v) || v < 0 || v > G_MAXUINT32)
    g_error("not an id: %s", text ? text : "(none)");
  return (guint32) v;
}

/* ---- Conformance expressions ------------------------------------------------- */

/* The fact files write conformance as the specification's tables do:
 *   conformance := item { "," item }        (more than one: "otherwise")
 *   item        := "M" | "O" | "P" | "D" | "X" | "[" term "]" | term
 *   term        := and { ("|" | "^") and }
 *   and         := unary { "&" unary }
 *   unary       := "!" unary | "(" term ")" | operand [ (">" | "<" | "==") operand ]
 * An operand in capitals and digits is a feature's code; any other name
 * (an attribute, a condition) or number, a comparison and an exclusive
 * or are what the tables cannot express ("unknown"). A bare term is
 * mandatory under it, a bracketed one optional. */
typedef struct {
  const char *text;
  const char *p;
  const char *what;
} ConfParser;

static G_NORETURN void
conf_fail(ConfParser *cp, const char *why)
{
  g_error("%s: conformance \"%s\" at offset %d: %s", cp->what, cp->text, (int) (cp->p - cp->text),
          why);
}

static gboolean
conf_take(ConfParser *cp, const char *token)
{
  while (*cp->p == ' ')
    cp->p++;
  if (!g_str_has_prefix(cp->p, token))
    return FALSE;
  cp->p += strlen(token);
  return TRUE;
}

static FactExpr *conf_term(ConfParser *cp);

static FactExpr *
conf_operand(ConfParser *cp)
{
  const char *start;
  g_autofree char *word = NULL;
  gboolean code = TRUE;

  while (*cp->p == ' ')
    cp->p++;
  start = cp->p;
  while (g_ascii_isalnum(*cp->p) || *cp->p == '_') {
    code = code && (g_ascii_isupper(*cp->p) || g_ascii_isdigit(*cp->p) || *cp->p == '_');
    cp->p++;
  }
  if (cp->p == start)
    conf_fail(cp, "a name or number expected");
  word = g_strndup(start, cp->p - start);
  if (g_ascii_isdigit(word[0]))
    return fact_expr_new("unknown", word);
  return fact_expr_new(code ? "feature" : "unknown", word);
}

static FactExpr *
conf_unary(ConfParser *cp)
{
  FactExpr *e;

  if (conf_take(cp, "!")) {
    e = fact_expr_new("not", NULL);
    g_ptr_array_add(e->children, conf_unary(cp));
    return e;
  }
  if (conf_take(cp, "(")) {
    e = conf_term(cp);
    if (!conf_take(cp, ")"))
      conf_fail(cp, "\")\" expected");
    return e;
  }
  e = conf_operand(cp);
  if (conf_take(cp, "==") || conf_take(cp, ">") || conf_take(cp, "<")) {
    FactExpr *cmp = fact_expr_new("unknown", NULL);
    g_ptr_array_add(cmp->children, e);
    g_ptr_array_add(cmp->children, conf_operand(cp));
    return cmp;
  }
  return e;
}

static FactExpr *
conf_and(ConfParser *cp)
{
  FactExpr *first = conf_unary(cp), *e;

  if (!conf_take(cp, "&"))
    return first;
  e = fact_expr_new("and", NULL);
  g_ptr_array_add(e->children, first);
  do
    g_ptr_array_add(e->children, conf_unary(cp));
  while (conf_take(cp, "&"));
  return e;
}

static FactExpr *
conf_term(ConfParser *cp)
{
  FactExpr *first = conf_and(cp), *e = NULL;

  for (;;) {
    const char *kind = conf_take(cp, "|") ? "or" : conf_take(cp, "^") ? "unknown" : NULL;
    if (!kind)
      return e ? e : first;
    if (!e) {
      e = fact_expr_new(kind, NULL);
      g_ptr_array_add(e->children, first);
    } else if (strcmp(e->kind, kind) != 0) {
      conf_fail(cp, "\"|\" and \"^\" mixed without parentheses");
    }
    g_ptr_array_add(e->children, conf_and(cp));
  }
}

static FactExpr *
conf_item(ConfParser *cp)
{
  static const char *const plain[] = { "M", "O", "P", "D", "X" };
  FactExpr *e;

  while (*cp->p == ' ')
    cp->p++;
  if (conf_take(cp, "[")) {
    e = fact_expr_new("O", NULL);
    g_ptr_array_add(e->children, conf_term(cp));
    if (!conf_take(cp, "]"))
      conf_fail(cp, "\"]\" expected");
    return e;
  }
  for (gsize i = 0; i < G_N_ELEMENTS(plain); i++)
    if (cp->p[0] == plain[i][0] && !g_ascii_isalnum(cp->p[1]) && cp->p[1] != '_') {
      cp->p++;
      return fact_expr_new(plain[i], NULL);
    }
  e = fact_expr_new("M", NULL);
  g_ptr_array_add(e->children, conf_term(cp));
  return e;
}

static FactExpr *
parse_conformance(const char *text, const char *what)
{
  ConfParser cp = { text, text, what };
  FactExpr *first, *e = NULL;

  if (!text)
    return NULL;
  first = conf_item(&cp);
  while (conf_take(&cp, ",")) {
    if (!e) {
      e = fact_expr_new("otherwise", NULL);
      g_ptr_array_add(e->children, first);
    }
    g_ptr_array_add(e->children, conf_item(&cp));
  }
  while (*cp.p == ' ')
    cp.p++;
  if (*cp.p)
    conf_fail(&cp, "trailing text");
  return e ? e : first;
}

/* ---- Loading a fact file ------------------------------------------------------ */

static const char *const attribute_members[] = {
  "id",     "name",        "type", "nullable", "fixed",      "changes_omitted",
  "access", "conformance", "min",  "max",      "max_length", NULL,
};
static const char *const command_members[] = {
  "id", "name", "response", "access", "conformance", "fields", NULL,
};
static const char *const response_members[] = {
  "id", "name", "access", "conformance", "fields", NULL,
};
static const char *const event_members[] = {
  "id", "name", "priority", "access", "conformance", "fields", NULL,
};
static const char *const field_members[] = {
  "id", "name", "type", "nullable", "conformance", "min", "max", "max_length", NULL,
};
static const char *const server_cluster_members[] = {
  "id", "name", "conformance", "features", "attributes", "commands", NULL,
};
static const char *const requirement_members[] = {
  "id", "name", "conformance", "min", "max", "max_length", NULL,
};
static const char *const access_members[] = {
  "read", "write", "invoke", "timed", "fabric_scoped", "fabric_sensitive", NULL,
};

static void load_fields(GPtrArray *into, JsonObject *o, const char *what);

static FactElem *
load_elem(JsonObject *o, const char *const *allowed, const char *what)
{
  FactElem *e = fact_elem_new();
  g_autofree char *conformance = NULL;
  g_autofree char *ewhat = NULL;
  JsonObject *access = NULL;
  JsonNode *id;
  gint64 num;

  e->name = need_string(o, "name", what);
  ewhat = g_strdup_printf("%s %s", what, e->name);
  check_members(o, allowed, ewhat);
  id = json_object_get_member(o, "id");
  if (id && JSON_NODE_HOLDS_VALUE(id) && json_node_get_value_type(id) == G_TYPE_STRING) {
    e->id_text = g_strdup(json_node_get_string(id));
    e->id = parse_id(e->id_text);
  } else if (id) {
    num = need_int(o, "id", ewhat);
    g_assert_cmpint(num, >=, 0);
    e->id = (guint32) num;
  }
  e->type = get_string(o, "type", ewhat);
  if (e->type && g_str_has_prefix(e->type, "list[") && g_str_has_suffix(e->type, "]")) {
    e->entry = g_strndup(e->type + 5, strlen(e->type) - 6);
    g_free(e->type);
    e->type = g_strdup("list");
  }
  e->nullable = get_flag(o, "nullable", ewhat);
  e->fixed = get_flag(o, "fixed", ewhat);
  e->changes_omitted = get_flag(o, "changes_omitted", ewhat);
  e->response = get_string(o, "response", ewhat);
  e->priority = get_string(o, "priority", ewhat);
  if (json_object_has_member(o, "access")) {
    access = json_object_get_object_member(o, "access");
    g_assert_nonnull(access);
    check_members(access, access_members, ewhat);
    e->read_priv = get_string(access, "read", ewhat);
    e->write_priv = get_string(access, "write", ewhat);
    e->write = e->write_priv != NULL;
    e->invoke_priv = get_string(access, "invoke", ewhat);
    e->timed = get_flag(access, "timed", ewhat);
    e->fabric_scoped = get_flag(access, "fabric_scoped", ewhat);
    e->fabric_sensitive = get_flag(access, "fabric_sensitive", ewhat);
  }
  conformance = get_string(o, "conformance", ewhat);
  e->conformance = parse_conformance(conformance, ewhat);
  e->has_min = get_int(o, "min", &e->min, ewhat);
  e->has_max = get_int(o, "max", &e->max, ewhat);
  if (get_int(o, "max_length", &num, ewhat))
    e->max_length = (guint32) num;
  load_fields(e->fields, o, ewhat);
  return e;
}

static void
load_fields(GPtrArray *into, JsonObject *o, const char *what)
{
  JsonArray *a = get_array(o, "fields", what);

  for (guint i = 0; a && i < json_array_get_length(a); i++)
    g_ptr_array_add(into, load_elem(array_object(a, i, what), field_members, what));
}

static void
load_elems(GPtrArray *into, JsonObject *root, const char *member, const char *const *allowed,
           const char *direction)
{
  JsonArray *a = get_array(root, member, member);

  for (guint i = 0; a && i < json_array_get_length(a); i++) {
    FactElem *e = load_elem(array_object(a, i, member), allowed, member);
    if (!e->id_text)
      g_error("%s %s: no \"id\"", member, e->name);
    e->direction = g_strdup(direction);
    g_ptr_array_add(into, e);
  }
}

static void
load_types(FactDoc *d, JsonObject *root, const char *member, const char *kind)
{
  static const char *const enum_members[] = { "name", "values", NULL };
  static const char *const bitmap_members[] = { "name", "bits", NULL };
  static const char *const struct_members[] = { "name", "fields", NULL };
  static const char *const value_members[] = { "name", "value", NULL };
  static const char *const bit_members[] = { "name", "bit", NULL };
  gboolean is_enum = strcmp(kind, "enum") == 0, is_bitmap = strcmp(kind, "bitmap") == 0;
  JsonArray *a = get_array(root, member, member);

  for (guint i = 0; a && i < json_array_get_length(a); i++) {
    JsonObject *o = array_object(a, i, member);
    FactType *t = g_new0(FactType, 1);
    JsonArray *values;

    t->kind = g_strdup(kind);
    t->name = need_string(o, "name", member);
    t->values = g_array_new(FALSE, FALSE, sizeof(guint64));
    t->fields = g_ptr_array_new_with_free_func((GDestroyNotify) fact_elem_free);
    g_ptr_array_add(d->types, t);
    check_members(o, is_enum ? enum_members : is_bitmap ? bitmap_members : struct_members, t->name);
    if (!is_enum && !is_bitmap) {
      load_fields(t->fields, o, t->name);
      continue;
    }
    values = get_array(o, is_enum ? "values" : "bits", t->name);
    g_assert_nonnull(values);
    for (guint j = 0; j < json_array_get_length(values); j++) {
      JsonObject *v = array_object(values, j, t->name);
      g_autofree char *name = need_string(v, "name", t->name);
      gint64 n = need_int(v, is_enum ? "value" : "bit", t->name);
      guint64 value = (guint64) n;
      check_members(v, is_enum ? value_members : bit_members, name);
      g_assert_cmpint(n, >=, 0);
      g_array_append_val(t->values, value);
    }
  }
}

static void
load_features(FactDoc *d, JsonObject *root)
{
  static const char *const feature_members[] = { "bit", "code", "name", "conformance", NULL };
  JsonArray *a = get_array(root, "features", "features");

  for (guint i = 0; a && i < json_array_get_length(a); i++) {
    JsonObject *o = array_object(a, i, "features");
    FactFeature *f = g_new0(FactFeature, 1);
    g_autofree char *conformance = NULL;

    f->code = need_string(o, "code", "features");
    f->name = need_string(o, "name", f->code);
    f->bit = (guint) need_int(o, "bit", f->code);
    check_members(o, feature_members, f->code);
    conformance = get_string(o, "conformance", f->code);
    f->conformance = parse_conformance(conformance, f->code);
    g_ptr_array_add(d->features, f);
  }
}

/* A device type's server clusters, with the requirements on their
 * features (by name), attributes and commands in the element's fields. */
static void
load_server_clusters(FactDoc *d, JsonObject *root)
{
  static const char *const kinds[][2] = { { "features", "feature" },
                                          { "attributes", "attribute" },
                                          { "commands", "command" } };
  JsonArray *a = get_array(root, "server_clusters", "server_clusters");

  g_assert_nonnull(a);
  for (guint i = 0; i < json_array_get_length(a); i++) {
    JsonObject *o = array_object(a, i, "server_clusters");
    FactElem *c = load_elem(o, server_cluster_members, "server cluster");

    if (!c->id_text)
      g_error("server cluster %s: no \"id\"", c->name);
    for (gsize k = 0; k < G_N_ELEMENTS(kinds); k++) {
      JsonArray *reqs = get_array(o, kinds[k][0], c->name);
      for (guint j = 0; reqs && j < json_array_get_length(reqs); j++) {
        FactElem *r = load_elem(array_object(reqs, j, c->name), requirement_members, c->name);
        r->type = g_strdup(kinds[k][1]);
        if (k > 0 && !r->id_text)
          g_error("%s %s: no \"id\"", c->name, r->name);
        g_ptr_array_add(c->fields, r);
      }
    }
    g_ptr_array_add(d->clusters, c);
  }
}

static FactDoc *
load_doc(const char *kind, const char *file)
{
  static const char *const cluster_members[] = {
    "source",  "id",         "name",     "revision",  "features", "enums", "bitmaps",
    "structs", "attributes", "commands", "responses", "events",   NULL,
  };
  static const char *const device_type_members[] = {
    "source", "id", "name", "revision", "server_clusters", NULL,
  };
  static const char *const source_members[] = { "repository", "path", "commit", NULL };
  g_autofree char *path =
      g_test_build_filename(G_TEST_DIST, "vectors", "data-model", kind, file, NULL);
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autoptr(GError) error = NULL;
  gboolean is_cluster = strcmp(kind, "clusters") == 0;
  FactDoc *d = g_new0(FactDoc, 1);
  JsonObject *root, *source;
  g_autofree char *id = NULL, *repository = NULL, *sdk_path = NULL, *commit = NULL;

  d->features = g_ptr_array_new_with_free_func((GDestroyNotify) fact_feature_free);
  d->types = g_ptr_array_new_with_free_func((GDestroyNotify) fact_type_free);
  d->attributes = g_ptr_array_new_with_free_func((GDestroyNotify) fact_elem_free);
  d->commands = g_ptr_array_new_with_free_func((GDestroyNotify) fact_elem_free);
  d->events = g_ptr_array_new_with_free_func((GDestroyNotify) fact_elem_free);
  d->clusters = g_ptr_array_new_with_free_func((GDestroyNotify) fact_elem_free);
  json_parser_load_from_file(parser, path, &error);
  g_assert_no_error(error);
  g_assert_true(JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)));
  root = json_node_get_object(json_parser_get_root(parser));
  check_members(root, is_cluster ? cluster_members : device_type_members, file);

  /* Where the facts come from: the SDK's file and the commit it was read
   * at. */
  source = json_object_get_object_member(root, "source");
  g_assert_nonnull(source);
  check_members(source, source_members, file);
  repository = need_string(source, "repository", file);
  sdk_path = need_string(source, "path", file);
  commit = need_string(source, "commit", file);
  g_assert_cmpstr(repository, ==, "https://github.com/project-chip/connectedhomeip");
  g_assert_true(g_str_has_prefix(sdk_path, is_cluster ? "data_model/" : "data_model/"));
  g_assert_nonnull(strstr(sdk_path, is_cluster ? "/clusters/" : "/device_types/"));
  g_assert_cmpuint(strlen(commit), >=, 8);
  g_assert_cmpuint(strspn(commit, "0123456789abcdef"), ==, strlen(commit));

  id = need_string(root, "id", file);
  d->id = parse_id(id);
  d->name = need_string(root, "name", file);
  d->revision = (guint16) need_int(root, "revision", file);
  if (is_cluster) {
    load_features(d, root);
    load_types(d, root, "enums", "enum");
    load_types(d, root, "bitmaps", "bitmap");
    load_types(d, root, "structs", "struct");
    load_elems(d->attributes, root, "attributes", attribute_members, NULL);
    load_elems(d->commands, root, "commands", command_members, "commandToServer");
    load_elems(d->commands, root, "responses", response_members, "responseFromServer");
    load_elems(d->events, root, "events", event_members, NULL);
  } else {
    load_server_clusters(d, root);
  }
  return d;
}

/* ---- Conformance as a function of the FeatureMap ------------------------------ */

static const FactFeature *
doc_feature(const FactDoc *d, const char *code)
{
  for (guint i = 0; i < d->features->len; i++) {
    const FactFeature *f = g_ptr_array_index(d->features, i);
    if (strcmp(f->code, code) == 0)
      return f;
  }
  return NULL;
}

/* A term's value; @unknown is what terms the tables cannot express
 * (attributes, conditions) count as. */
static gboolean
eval_term(const FactDoc *d, const FactExpr *e, guint32 fm, gboolean unknown)
{
  if (strcmp(e->kind, "feature") == 0) {
    const FactFeature *f = doc_feature(d, e->name);
    g_assert_nonnull(f);
    return (fm >> f->bit) & 1;
  }
  if (strcmp(e->kind, "unknown") == 0)
    return unknown;
  if (strcmp(e->kind, "not") == 0)
    return !eval_term(d, g_ptr_array_index(e->children, 0), fm, !unknown);
  if (strcmp(e->kind, "or") == 0) {
    for (guint i = 0; i < e->children->len; i++)
      if (eval_term(d, g_ptr_array_index(e->children, i), fm, unknown))
        return TRUE;
    return FALSE;
  }
  if (strcmp(e->kind, "and") == 0) {
    for (guint i = 0; i < e->children->len; i++)
      if (!eval_term(d, g_ptr_array_index(e->children, i), fm, unknown))
        return FALSE;
    return TRUE;
  }
  g_error("unexpected conformance term %s", e->kind);
}

/* What a conformance says under @fm: 'M', 'O' or 0 (not allowed, or
 * provisional, deprecated, disallowed: not in the tables). */
static char
eval_conformance(const FactDoc *d, const FactExpr *e, guint32 fm, gboolean unknown)
{
  gboolean holds = TRUE;

  if (!e)
    return 'M';
  if (strcmp(e->kind, "otherwise") == 0) {
    for (guint i = 0; i < e->children->len; i++) {
      char c = eval_conformance(d, g_ptr_array_index(e->children, i), fm, unknown);
      const FactExpr *child = g_ptr_array_index(e->children, i);
      if (c || strchr("PDX", child->kind[0]))
        return c;
    }
    return 0;
  }
  if (strchr("PDX", e->kind[0]))
    return 0;
  for (guint i = 0; i < e->children->len; i++)
    holds = holds && eval_term(d, g_ptr_array_index(e->children, i), fm, unknown);
  return holds ? e->kind[0] : 0;
}

static gboolean
has_unknown(const FactExpr *e)
{
  if (!e)
    return FALSE;
  if (strcmp(e->kind, "unknown") == 0)
    return TRUE;
  for (guint i = 0; i < e->children->len; i++)
    if (has_unknown(g_ptr_array_index(e->children, i)))
      return TRUE;
  return FALSE;
}

/* The FeatureMap bits of features that are not provisional: the tables
 * leave provisional features, and what only they bring, out. */
static guint32
usable_features(const FactDoc *d)
{
  guint32 mask = 0;
  for (guint i = 0; i < d->features->len; i++) {
    const FactFeature *f = g_ptr_array_index(d->features, i);
    if (!f->conformance || strcmp(f->conformance->kind, "P") != 0)
      mask |= 1u << f->bit;
  }
  return mask;
}

/* Whether the element exists in the tables at all (not when provisional,
 * deprecated or only with provisional features), and checks the table's
 * conformance against the data model's, one description or several merged, as
 * functions of the FeatureMap. Where the data model names what the tables cannot
 * express (attributes, conditions) or describes the element twice, the
 * tables may widen it to optional, never narrow it. */
static gboolean
check_conformance(const FactDoc *d, FactElem *const *descs, guint n_descs,
                  const MdAppConformance *conf, const char *what)
{
  guint32 usable = usable_features(d);
  gboolean exists = FALSE, widened = n_descs > 1;

  for (guint i = 0; i < n_descs; i++)
    widened = widened || has_unknown(descs[i]->conformance);
  if (conf && widened && conf->mandatory)
    g_error("%s: a widened conformance is optional", what);
  for (guint32 fm = 0; fm <= usable; fm++) {
    char want = 0;
    gboolean allows;

    if (fm & ~usable)
      continue;
    for (guint i = 0; i < n_descs; i++) {
      char c = eval_conformance(d, descs[i]->conformance, fm, TRUE);
      if (c == 'M' || (c == 'O' && want == 0))
        want = c;
    }
    exists = exists || want != 0;
    if (!conf)
      continue;
    allows = md_app_conformance_allows(conf, fm);
    if (want && !allows)
      g_error("%s: the data model allows it under FeatureMap 0x%X, the tables do not", what, fm);
    if (widened)
      continue;
    if (!want && allows)
      g_error("%s: the tables allow it under FeatureMap 0x%X, the data model does not", what, fm);
    if (want && (want == 'M') != md_app_conformance_requires(conf, fm))
      g_error("%s: under FeatureMap 0x%X the data model says %c", what, fm, want);
  }
  return exists;
}

/* ---- Types -------------------------------------------------------------------- */

static const FactType *
doc_type(const FactDoc *d, const char *name)
{
  for (guint i = 0; i < d->types->len; i++) {
    const FactType *t = g_ptr_array_index(d->types, i);
    if (strcmp(t->name, name) == 0)
      return t;
  }
  return NULL;
}

/* The base of a derived type (Core spec 7.19.2), the ones these clusters
 * use. */
static const char *
base_of(const char *type)
{
  static const char *const derived[][2] = {
    { "temperature", "int16" }, { "percent", "uint8" },  { "percent100ths", "uint16" },
    { "elapsed-s", "uint32" },  { "epoch-s", "uint32" }, { "endpoint-no", "uint16" },
    { "vendor-id", "uint16" },  { "node-id", "uint64" }, { "fabric-idx", "uint8" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(derived); i++)
    if (strcmp(derived[i][0], type) == 0)
      return derived[i][1];
  return type;
}

static void
check_type(const FactDoc *d, const char *fact_type, const char *entry, const MdAppType *t,
           const char *what)
{
  const FactType *named;
  const char *base;

  if (strcmp(fact_type, "list") == 0) {
    g_assert_cmpint(t->kind, ==, MD_APP_LIST);
    g_assert_nonnull(entry);
    check_type(d, entry, NULL, t->element, what);
    return;
  }
  named = doc_type(d, fact_type);
  if (named) {
    g_assert_cmpstr(t->name, ==, fact_type);
    if (strcmp(named->kind, "enum") == 0) {
      const GArray *values = named->values;
      g_assert_cmpint(t->kind, ==, MD_APP_UINT);
      g_assert_cmpuint(t->enum_count, ==, values->len);
      for (guint i = 0; i < values->len; i++) {
        gboolean found = FALSE;
        for (gsize j = 0; j < t->enum_count; j++)
          found = found || t->enum_values[j] == g_array_index(values, guint64, i);
        if (!found)
          g_error("%s: enum %s lacks %" G_GUINT64_FORMAT, what, fact_type,
                  g_array_index(values, guint64, i));
      }
      for (gsize j = 1; j < t->enum_count; j++)
        g_assert_cmpuint(t->enum_values[j - 1], <, t->enum_values[j]);
    } else if (strcmp(named->kind, "bitmap") == 0) {
      guint64 mask = 0;
      for (guint i = 0; i < named->values->len; i++)
        mask |= G_GUINT64_CONSTANT(1) << g_array_index(named->values, guint64, i);
      g_assert_cmpint(t->kind, ==, MD_APP_UINT);
      g_assert_cmphex(t->bitmap_bits, ==, mask);
    } else {
      g_assert_cmpint(t->kind, ==, MD_APP_STRUCT);
      g_assert_cmpuint(t->field_count, ==, named->fields->len);
      for (guint i = 0; i < named->fields->len; i++) {
        const FactElem *f = g_ptr_array_index(named->fields, i);
        g_assert_cmpuint(t->fields[i].id, ==, f->id);
        g_assert_cmpstr(t->fields[i].name, ==, f->name);
        check_type(d, f->type, f->entry, t->fields[i].type, what);
      }
    }
    return;
  }
  base = base_of(fact_type);
  if (strcmp(base, "bool") == 0)
    g_assert_cmpint(t->kind, ==, MD_APP_BOOL);
  else if (strcmp(base, "string") == 0)
    g_assert_cmpint(t->kind, ==, MD_APP_STRING);
  else if (strcmp(base, "octstr") == 0)
    g_assert_cmpint(t->kind, ==, MD_APP_OCTETS);
  else if (strcmp(base, "single") == 0)
    g_assert_cmpint(t->kind, ==, MD_APP_SINGLE);
  else if (strcmp(base, "double") == 0)
    g_assert_cmpint(t->kind, ==, MD_APP_DOUBLE);
  else {
    guint bits = 0;
    if (g_str_has_prefix(base, "uint") || g_str_has_prefix(base, "enum") ||
        g_str_has_prefix(base, "bitmap"))
      g_assert_cmpint(t->kind, ==, MD_APP_UINT);
    else if (g_str_has_prefix(base, "int"))
      g_assert_cmpint(t->kind, ==, MD_APP_INT);
    else
      g_error("%s: type %s is not known to the test", what, fact_type);
    bits = (guint) g_ascii_strtoull(base + strcspn(base, "0123456789"), NULL, 10);
    g_assert_cmpuint(t->bits, ==, bits);
  }
}

static gboolean
is_bitmap(const FactDoc *d, const char *type)
{
  const FactType *t = type ? doc_type(d, type) : NULL;
  return (t && strcmp(t->kind, "bitmap") == 0) || (type && g_str_has_prefix(type, "bitmap"));
}

static void
check_constraints(const FactDoc *d, const FactElem *x, const MdAppType *t, const char *what)
{
  if (is_bitmap(d, x->type))
    return; /* a bitmap's range is its defined bits */
  if (x->has_min && !(t->kind == MD_APP_UINT && x->min == 0)) {
    if (!t->has_min)
      g_error("%s: the data model has a minimum of %" G_GINT64_FORMAT, what, x->min);
    if (t->kind == MD_APP_UINT)
      g_assert_cmpuint(t->umin, ==, (guint64) x->min);
    else
      g_assert_cmpint(t->min, ==, x->min);
  }
  if (x->has_max) {
    if (!t->has_max)
      g_error("%s: the data model has a maximum of %" G_GINT64_FORMAT, what, x->max);
    if (t->kind == MD_APP_UINT)
      g_assert_cmpuint(t->umax, ==, (guint64) x->max);
    else
      g_assert_cmpint(t->max, ==, x->max);
  }
  if (x->max_length)
    g_assert_cmpuint(t->max_length, ==, x->max_length);
}

static guint8
privilege(const char *name)
{
  if (!name)
    return 0;
  if (strcmp(name, "view") == 0)
    return MATTER_ACL_PRIVILEGE_VIEW;
  if (strcmp(name, "operate") == 0)
    return MATTER_ACL_PRIVILEGE_OPERATE;
  if (strcmp(name, "manage") == 0)
    return MATTER_ACL_PRIVILEGE_MANAGE;
  if (strcmp(name, "admin") == 0)
    return MATTER_ACL_PRIVILEGE_ADMINISTER;
  g_error("unknown privilege %s", name);
}

static void
check_fields(const FactDoc *d, const GPtrArray *fact_fields, const MdAppField *fields, gsize count,
             const char *what)
{
  g_assert_cmpuint(count, ==, fact_fields->len);
  for (guint i = 0; i < fact_fields->len; i++) {
    const FactElem *f = g_ptr_array_index(fact_fields, i);
    g_autofree char *fwhat = g_strdup_printf("%s.%s", what, f->name);
    gboolean optional = f->conformance && strcmp(f->conformance->kind, "O") == 0;
    g_assert_cmpuint(fields[i].id, ==, f->id);
    g_assert_cmpstr(fields[i].name, ==, f->name);
    check_type(d, f->type, f->entry, fields[i].type, fwhat);
    g_assert_cmpint(!!(fields[i].flags & MD_APP_NULLABLE), ==, f->nullable);
    g_assert_cmpint(!!(fields[i].flags & MD_APP_OPTIONAL), ==, optional);
    check_constraints(d, f, fields[i].type, fwhat);
  }
}

/* ---- Clusters against their facts --------------------------------------------- */

static char *
squash(const char *name)
{
  GString *s = g_string_new(NULL);
  for (const char *p = name; *p; p++)
    if (g_ascii_isalnum(*p))
      g_string_append_c(s, g_ascii_tolower(*p));
  return g_string_free(s, FALSE);
}

/* The data model lists no fields for these; the specification gives them
 * their counterparts' fields. */
static const char *
same_fields_as(const char *command)
{
  static const char *const map[][2] = {
    { "MoveToLevelWithOnOff", "MoveToLevel" },
    { "MoveWithOnOff", "Move" },
    { "StepWithOnOff", "Step" },
    { "StopWithOnOff", "Stop" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(map); i++)
    if (strcmp(map[i][0], command) == 0)
      return map[i][1];
  return NULL;
}

static const FactElem *
find_elem(const GPtrArray *elems, const char *name, const char *direction)
{
  for (guint i = 0; i < elems->len; i++) {
    const FactElem *e = g_ptr_array_index(elems, i);
    if (strcmp(e->name, name) == 0 && (!direction || g_strcmp0(e->direction, direction) == 0))
      return e;
  }
  return NULL;
}

static void
check_attributes(const FactDoc *d, const MdAppClusterInfo *info)
{
  gsize at = 0;

  for (guint i = 0; i < d->attributes->len;) {
    FactElem *descs[4];
    guint n = 0;
    FactElem *x = g_ptr_array_index(d->attributes, i);
    g_autofree char *what = g_strdup_printf("%s.%s", info->name, x->name);
    const MdAppConformance *conf = NULL;

    while (i < d->attributes->len && n < G_N_ELEMENTS(descs) &&
           ((FactElem *) g_ptr_array_index(d->attributes, i))->id == x->id)
      descs[n++] = g_ptr_array_index(d->attributes, i++);
    if (at < info->attribute_count && info->dm_attributes[at].id == x->id)
      conf = &info->attributes[at].conformance;
    if (!check_conformance(d, descs, n, conf, what)) {
      g_assert_null(conf); /* provisional or deprecated: left out */
      continue;
    }
    if (!conf)
      g_error("%s (0x%04X) is missing from the tables", what, x->id);
    {
      const MatterDmAttribute *dm = &info->dm_attributes[at];
      const MdAppAttribute *a = &info->attributes[at];
      g_assert_cmpstr(a->name, ==, x->name);
      check_type(d, x->type, x->entry, a->type, what);
      g_assert_cmpint(!!(a->flags & MD_APP_NULLABLE), ==, x->nullable);
      g_assert_cmpint(!!(dm->qualities & MATTER_DM_NULLABLE), ==, x->nullable);
      g_assert_cmpint(!!(dm->qualities & MATTER_DM_LIST), ==, strcmp(x->type, "list") == 0);
      g_assert_cmpint(!!(dm->qualities & MATTER_DM_FIXED), ==, x->fixed);
      g_assert_cmpint(!!(dm->qualities & MATTER_DM_CHANGES_OMITTED), ==, x->changes_omitted);
      g_assert_cmpint(!!(dm->qualities & MATTER_DM_TIMED), ==, x->timed);
      g_assert_cmpint(!!(dm->qualities & MATTER_DM_FABRIC_SCOPED), ==, x->fabric_scoped);
      g_assert_cmpint(!!(dm->qualities & MATTER_DM_FABRIC_SENSITIVE), ==, x->fabric_sensitive);
      g_assert_cmpuint(dm->read_privilege, ==, privilege(x->read_priv));
      g_assert_cmpuint(dm->write_privilege, ==, x->write ? privilege(x->write_priv) : 0);
      g_assert_cmpuint(dm->features, ==, 0);
      if (n == 1)
        check_constraints(d, x, a->type, what);
    }
    at++;
  }
  g_assert_cmpuint(at, ==, info->attribute_count);
}

static void
check_commands(const FactDoc *d, const MdAppClusterInfo *info)
{
  gsize at = 0;

  for (guint i = 0; i < d->commands->len; i++) {
    FactElem *x = g_ptr_array_index(d->commands, i);
    g_autofree char *what = g_strdup_printf("%s.%s()", info->name, x->name);
    const MdAppConformance *conf = NULL;
    const FactElem *fields_from = x;

    if (g_strcmp0(x->direction, "commandToServer") != 0)
      continue;
    if (at < info->command_count && info->dm_commands[at].id == x->id)
      conf = &info->commands[at].conformance;
    if (!check_conformance(d, &x, 1, conf, what)) {
      g_assert_null(conf);
      continue;
    }
    if (!conf)
      g_error("%s (0x%02X) is missing from the tables", what, x->id);
    {
      const MatterDmCommand *dm = &info->dm_commands[at];
      const MdAppCommand *c = &info->commands[at];
      g_assert_cmpstr(c->name, ==, x->name);
      g_assert_cmpuint(dm->privilege, ==, privilege(x->invoke_priv));
      g_assert_cmpint(!!(dm->qualities & MATTER_DM_TIMED), ==, x->timed);
      g_assert_cmpint(!!(dm->qualities & MATTER_DM_FABRIC_SCOPED), ==, x->fabric_scoped);
      g_assert_cmpuint(dm->features, ==, 0);
      if (x->fields->len == 0 && same_fields_as(x->name))
        fields_from = find_elem(d->commands, same_fields_as(x->name), "commandToServer");
      check_fields(d, fields_from->fields, c->fields, c->field_count, what);
      if (!x->response) { /* a status */
        g_assert_cmpuint(dm->response_id, ==, MATTER_DM_NO_RESPONSE);
        g_assert_cmpuint(c->response_field_count, ==, 0);
      } else {
        const FactElem *r = find_elem(d->commands, x->response, "responseFromServer");
        g_assert_nonnull(r);
        g_assert_cmpuint(dm->response_id, ==, r->id);
        check_fields(d, r->fields, c->response_fields, c->response_field_count, what);
      }
    }
    at++;
  }
  g_assert_cmpuint(at, ==, info->command_count);
}

static guint8
priority(const char *name)
{
  if (g_strcmp0(name, "debug") == 0)
    return 0;
  if (g_strcmp0(name, "info") == 0)
    return 1;
  g_assert_cmpstr(name, ==, "critical");
  return 2;
}

static void
check_events(const FactDoc *d, const MdAppClusterInfo *info)
{
  gsize at = 0;

  for (guint i = 0; i < d->events->len; i++) {
    FactElem *x = g_ptr_array_index(d->events, i);
    g_autofree char *what = g_strdup_printf("%s.%s!", info->name, x->name);
    const MdAppConformance *conf = NULL;

    if (at < info->event_count && info->dm_events[at].id == x->id)
      conf = &info->events[at].conformance;
    if (!check_conformance(d, &x, 1, conf, what)) {
      g_assert_null(conf);
      continue;
    }
    if (!conf)
      g_error("%s (0x%02X) is missing from the tables", what, x->id);
    g_assert_cmpstr(info->events[at].name, ==, x->name);
    g_assert_cmpuint(info->dm_events[at].priority, ==, priority(x->priority));
    g_assert_cmpuint(info->dm_events[at].privilege, ==, privilege(x->read_priv));
    g_assert_cmpint(!!(info->dm_events[at].qualities & MATTER_DM_FABRIC_SENSITIVE), ==,
                    x->fabric_sensitive);
    check_fields(d, x->fields, info->events[at].fields, info->events[at].field_count, what);
    at++;
  }
  g_assert_cmpuint(at, ==, info->event_count);
}

static void
check_cluster(gconstpointer data)
{
  const char *file = data;
  g_autoptr(FactDoc) d = load_doc("clusters", file);
  const MdAppClusterInfo *info = md_app_cluster_by_id(d->id);
  g_autofree char *want = NULL, *have = NULL;
  guint32 usable = usable_features(d);
  gsize nf = 0;

  g_assert_nonnull(info);
  want = squash(d->name);
  have = squash(info->name);
  g_assert_cmpstr(have, ==, want);
  g_assert_cmpuint(info->revision, ==, d->revision);
  for (guint i = 0; i < d->features->len; i++) {
    const FactFeature *f = g_ptr_array_index(d->features, i);
    if (!(usable & (1u << f->bit)))
      continue;
    g_assert_cmpuint(nf, <, info->feature_count);
    g_assert_cmpuint(info->features[nf].bit, ==, f->bit);
    g_assert_cmpstr(info->features[nf].code, ==, f->code);
    g_assert_cmpstr(info->features[nf].name, ==, f->name);
    nf++;
  }
  g_assert_cmpuint(nf, ==, info->feature_count);
  check_attributes(d, info);
  check_commands(d, info);
  check_events(d, info);
}

/* ---- Device types against their facts -------------------------------------------- */

static gboolean
mandatory_plain(const FactExpr *e)
{
  /* A bare "M"; one with a condition, or "P, M", is not
   * mandatory for matterd. */
  return e && strcmp(e->kind, "M") == 0 && e->children->len == 0;
}

static gboolean
deprecated(const FactExpr *e)
{
  if (!e)
    return FALSE;
  if (strcmp(e->kind, "D") == 0)
    return TRUE;
  for (guint i = 0; i < e->children->len; i++)
    if (deprecated(g_ptr_array_index(e->children, i)))
      return TRUE;
  return FALSE;
}

static void
check_device_type(gconstpointer data)
{
  const char *file = data;
  g_autoptr(FactDoc) d = load_doc("device_types", file);
  const MdAppDeviceTypeInfo *info = md_app_device_type_by_id(d->id);
  g_autofree char *want = NULL, *have = NULL;
  gsize at = 0;

  g_assert_nonnull(info);
  want = squash(d->name);
  have = squash(info->name);
  g_assert_cmpstr(have, ==, want);
  g_assert_cmpuint(info->revision, ==, d->revision);
  for (guint i = 0; i < d->clusters->len; i++) {
    const FactElem *x = g_ptr_array_index(d->clusters, i);
    const MdAppDeviceCluster *c;
    const MdAppClusterInfo *cinfo = md_app_cluster_by_id(x->id);
    guint32 features = 0;
    g_autoptr(GArray) attrs = g_array_new(FALSE, FALSE, sizeof(guint32));
    g_autoptr(GArray) cmds = g_array_new(FALSE, FALSE, sizeof(guint32));

    if (deprecated(x->conformance))
      continue;
    g_assert_cmpuint(at, <, info->cluster_count);
    c = &info->clusters[at++];
    g_assert_cmphex(c->cluster_id, ==, x->id);
    g_assert_cmpint(c->mandatory, ==, mandatory_plain(x->conformance));
    for (guint j = 0; j < x->fields->len; j++) {
      const FactElem *r = g_ptr_array_index(x->fields, j);
      if (!mandatory_plain(r->conformance))
        continue;
      if (strcmp(r->type, "feature") == 0) {
        gboolean found = FALSE;
        g_assert_nonnull(cinfo);
        for (gsize k = 0; k < cinfo->feature_count; k++)
          if (strcmp(cinfo->features[k].name, r->name) == 0) {
            features |= 1u << cinfo->features[k].bit;
            found = TRUE;
          }
        g_assert_true(found);
      } else {
        guint32 id = parse_id(r->id_text);
        g_array_append_val(strcmp(r->type, "attribute") == 0 ? attrs : cmds, id);
      }
    }
    g_assert_cmphex(c->required_features, ==, features);
    g_assert_cmpuint(c->required_attribute_count, ==, attrs->len);
    for (guint j = 0; j < attrs->len; j++)
      g_assert_cmphex(c->required_attributes[j], ==, g_array_index(attrs, guint32, j));
    g_assert_cmpuint(c->required_command_count, ==, cmds->len);
    for (guint j = 0; j < cmds->len; j++)
      g_assert_cmphex(c->required_commands[j], ==, g_array_index(cmds, guint32, j));
  }
  g_assert_cmpuint(at, ==, info->cluster_count);
}

/* ---- Look-ups and conformance ------------------------------------------------------ */

static void
test_lookups(void)
{
  const MdAppClusterInfo *on_off = md_app_cluster_by_id(0x0006);
  const MdAppDeviceTypeInfo *ecl = md_app_device_type_by_id(0x010D);
  int i;

  g_assert_nonnull(on_off);
  g_assert_cmpstr(on_off->name, ==, "OnOff");
  g_assert_cmpstr(on_off->interface, ==, "org.matterd.cluster.OnOff1");
  g_assert_true(md_app_cluster_by_interface("org.matterd.cluster.OnOff1") == on_off);
  g_assert_null(md_app_cluster_by_interface("org.matterd.cluster.OnOff2"));
  g_assert_null(md_app_cluster_by_interface("org.matterd.Node1"));
  g_assert_null(md_app_cluster_by_id(0x0005));
  g_assert_null(md_app_cluster_by_id(0xFFFFFFFF));
  g_assert_null(md_app_device_type_by_id(0x0016));

  i = md_app_cluster_find_attribute(on_off, "StartUpOnOff");
  g_assert_cmpint(i, >=, 0);
  g_assert_cmphex(on_off->dm_attributes[i].id, ==, 0x4003);
  g_assert_cmpint(md_app_cluster_find_attribute(on_off, "onoff"), ==, -1);
  i = md_app_cluster_find_command(on_off, "Toggle");
  g_assert_cmphex(on_off->dm_commands[i].id, ==, 0x02);
  g_assert_cmpint(md_app_cluster_find_command(on_off, "MoveToLevel"), ==, -1);
  g_assert_cmpint(md_app_cluster_find_event(on_off, "StateChange"), ==, -1);
  i = md_app_cluster_find_event(md_app_cluster_by_id(0x003B), "MultiPressComplete");
  g_assert_cmphex(md_app_cluster_by_id(0x003B)->dm_events[i].id, ==, 0x06);

  g_assert_nonnull(ecl);
  g_assert_cmpstr(ecl->name, ==, "ExtendedColorLight");
  /* Every table ascends by id, and the look-ups find each entry. */
  for (gsize k = 0; k < md_app_cluster_count; k++) {
    const MdAppClusterInfo *c = md_app_clusters[k];
    if (k > 0)
      g_assert_cmphex(md_app_clusters[k - 1]->id, <, c->id);
    g_assert_true(md_app_cluster_by_id(c->id) == c);
    g_assert_true(md_app_cluster_by_interface(c->interface) == c);
    for (gsize a = 0; a < c->attribute_count; a++) {
      if (a > 0)
        g_assert_cmphex(c->dm_attributes[a - 1].id, <, c->dm_attributes[a].id);
      g_assert_cmpint(md_app_cluster_find_attribute(c, c->attributes[a].name), ==, (int) a);
    }
    for (gsize a = 0; a < c->command_count; a++) {
      if (a > 0)
        g_assert_cmphex(c->dm_commands[a - 1].id, <, c->dm_commands[a].id);
      g_assert_cmpint(md_app_cluster_find_command(c, c->commands[a].name), ==, (int) a);
    }
    for (gsize a = 0; a < c->event_count; a++) {
      if (a > 0)
        g_assert_cmphex(c->dm_events[a - 1].id, <, c->dm_events[a].id);
      g_assert_cmpint(md_app_cluster_find_event(c, c->events[a].name), ==, (int) a);
    }
  }
  g_assert_null(md_app_clusters[md_app_cluster_count]);
  for (gsize k = 0; k < md_app_device_type_count; k++) {
    const MdAppDeviceTypeInfo *t = md_app_device_types[k];
    if (k > 0)
      g_assert_cmphex(md_app_device_types[k - 1]->id, <, t->id);
    g_assert_true(md_app_device_type_by_id(t->id) == t);
    for (gsize c = 1; c < t->cluster_count; c++)
      g_assert_cmphex(t->clusters[c - 1].cluster_id, <, t->clusters[c].cluster_id);
  }
}

static void
test_conformance(void)
{
  const MdAppConformance always = { TRUE, 0, 0 };
  const MdAppConformance optional = { FALSE, 0, 0 };
  const MdAppConformance lt = { TRUE, 0x1, 0 };             /* LT */
  const MdAppConformance not_offonly = { TRUE, 0, 0x4 };    /* !OFFONLY */
  const MdAppConformance any_of = { TRUE, 0x19, 0 };        /* HS | XY | CT */
  const MdAppConformance msm_not_as = { TRUE, 0x10, 0x20 }; /* MSM & !AS */
  const MdAppConformance opt_ext = { FALSE, 0x1, 0 };       /* [EXT] */

  for (guint32 fm = 0; fm < 64; fm++) {
    g_assert_true(md_app_conformance_allows(&always, fm));
    g_assert_true(md_app_conformance_requires(&always, fm));
    g_assert_true(md_app_conformance_allows(&optional, fm));
    g_assert_false(md_app_conformance_requires(&optional, fm));
    g_assert_cmpint(md_app_conformance_requires(&lt, fm), ==, (fm & 1) != 0);
    g_assert_cmpint(md_app_conformance_allows(&not_offonly, fm), ==, (fm & 4) == 0);
    g_assert_cmpint(md_app_conformance_requires(&any_of, fm), ==, (fm & 0x19) != 0);
    g_assert_cmpint(md_app_conformance_requires(&msm_not_as, fm), ==, (fm & 0x10) && !(fm & 0x20));
    g_assert_cmpint(md_app_conformance_allows(&opt_ext, fm), ==, (fm & 1) != 0);
    g_assert_false(md_app_conformance_requires(&opt_ext, fm));
  }
  /* From the tables: On/Off's On is absent with OffOnly, OnTime only
   * with Lighting. */
  {
    const MdAppClusterInfo *c = md_app_cluster_by_id(0x0006);
    int on = md_app_cluster_find_command(c, "On");
    int on_time = md_app_cluster_find_attribute(c, "OnTime");
    g_assert_true(md_app_conformance_requires(&c->commands[on].conformance, 0));
    g_assert_false(md_app_conformance_allows(&c->commands[on].conformance, 0x4));
    g_assert_false(md_app_conformance_allows(&c->attributes[on_time].conformance, 0));
    g_assert_true(md_app_conformance_requires(&c->attributes[on_time].conformance, 0x1));
  }
}

/* ---- The generated introspection ------------------------------------------------------ */

static void append_signature(GString *s, const MdAppType *t, guint8 flags);

static void
append_fields(GString *s, const MdAppField *fields, gsize count)
{
  for (gsize i = 0; i < count; i++)
    append_signature(s, fields[i].type, fields[i].flags);
}

/* The mapping of app-value.h, written out again: a nullable integer keeps
 * its width's type (null is the value its nullable range leaves out), any
 * other nullable value is an array of zero or one element, and so is an
 * optional field. */
static void
append_signature(GString *s, const MdAppType *t, guint8 flags)
{
  if (flags & MD_APP_OPTIONAL)
    g_string_append_c(s, 'a');
  if ((flags & MD_APP_NULLABLE) && t->kind != MD_APP_UINT && t->kind != MD_APP_INT)
    g_string_append_c(s, 'a');
  switch (t->kind) {
  case MD_APP_BOOL:
    g_string_append_c(s, 'b');
    break;
  case MD_APP_UINT:
    g_string_append_c(s, t->bits <= 8 ? 'y' : t->bits <= 16 ? 'q' : t->bits <= 32 ? 'u' : 't');
    break;
  case MD_APP_INT:
    g_string_append_c(s, t->bits <= 16 ? 'n' : t->bits <= 32 ? 'i' : 'x');
    break;
  case MD_APP_SINGLE:
  case MD_APP_DOUBLE:
    g_string_append_c(s, 'd');
    break;
  case MD_APP_STRING:
    g_string_append_c(s, 's');
    break;
  case MD_APP_OCTETS:
    g_string_append(s, "ay");
    break;
  case MD_APP_STRUCT:
    g_string_append_c(s, '(');
    append_fields(s, t->fields, t->field_count);
    g_string_append_c(s, ')');
    break;
  case MD_APP_LIST:
    g_string_append_c(s, 'a');
    append_signature(s, t->element, 0);
    break;
  }
}

static void
check_args(GDBusArgInfo **args, const MdAppField *fields, gsize count)
{
  gsize n = 0;
  for (; args && args[n]; n++) {
    g_autoptr(GString) sig = g_string_new(NULL);
    g_assert_cmpuint(n, <, count);
    append_signature(sig, fields[n].type, fields[n].flags);
    g_assert_cmpstr(args[n]->name, ==, fields[n].name);
    g_assert_cmpstr(args[n]->signature, ==, sig->str);
  }
  g_assert_cmpuint(n, ==, count);
}

static void
test_introspection(void)
{
  g_autofree char *list_path =
      g_test_build_filename(G_TEST_BUILT, "..", "clusters", "cluster-interfaces.list", NULL);
  g_autofree char *list = NULL;
  g_auto(GStrv) names = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true(g_file_get_contents(list_path, &list, NULL, &error));
  names = g_strsplit(g_strstrip(list), "\n", -1);
  g_assert_cmpuint(g_strv_length(names), ==, md_app_cluster_count);
  for (gsize k = 0; k < md_app_cluster_count; k++) {
    const MdAppClusterInfo *c = md_app_clusters[k];
    g_autofree char *file = g_strconcat(c->interface, ".xml", NULL);
    g_autofree char *path = g_test_build_filename(G_TEST_BUILT, "..", "clusters", file, NULL);
    g_autofree char *xml = NULL;
    g_autoptr(GDBusNodeInfo) node = NULL;
    GDBusInterfaceInfo *iface;
    gsize n;

    g_assert_true(g_strv_contains((const char *const *) names, c->interface));
    g_assert_true(g_file_get_contents(path, &xml, NULL, &error));
    node = g_dbus_node_info_new_for_xml(xml, &error);
    g_assert_no_error(error);
    iface = g_dbus_node_info_lookup_interface(node, c->interface);
    g_assert_nonnull(iface);

    /* FeatureMap, then the attributes in order. */
    g_assert_cmpstr(iface->properties[0]->name, ==, "FeatureMap");
    g_assert_cmpstr(iface->properties[0]->signature, ==, "u");
    g_assert_cmpint(iface->properties[0]->flags, ==, G_DBUS_PROPERTY_INFO_FLAGS_READABLE);
    for (n = 0; iface->properties[n + 1]; n++) {
      GDBusPropertyInfo *p = iface->properties[n + 1];
      g_autoptr(GString) sig = g_string_new(NULL);
      GDBusPropertyInfoFlags want = G_DBUS_PROPERTY_INFO_FLAGS_READABLE;
      g_assert_cmpuint(n, <, c->attribute_count);
      append_signature(sig, c->attributes[n].type, c->attributes[n].flags);
      if (c->dm_attributes[n].qualities & MATTER_DM_LIST)
        g_assert_cmpint(c->attributes[n].type->kind, ==, MD_APP_LIST);
      if (c->dm_attributes[n].write_privilege)
        want |= G_DBUS_PROPERTY_INFO_FLAGS_WRITABLE;
      g_assert_cmpstr(p->name, ==, c->attributes[n].name);
      g_assert_cmpstr(p->signature, ==, sig->str);
      g_assert_cmpint(p->flags, ==, want);
    }
    g_assert_cmpuint(n, ==, c->attribute_count);
    for (n = 0; iface->methods && iface->methods[n]; n++) {
      g_assert_cmpuint(n, <, c->command_count);
      g_assert_cmpstr(iface->methods[n]->name, ==, c->commands[n].name);
      check_args(iface->methods[n]->in_args, c->commands[n].fields, c->commands[n].field_count);
      check_args(iface->methods[n]->out_args, c->commands[n].response_fields,
                 c->commands[n].response_field_count);
    }
    g_assert_cmpuint(n, ==, c->command_count);
    for (n = 0; iface->signals && iface->signals[n]; n++) {
      g_assert_cmpuint(n, <, c->event_count);
      g_assert_cmpstr(iface->signals[n]->name, ==, c->events[n].name);
      check_args(iface->signals[n]->args, c->events[n].fields, c->events[n].field_count);
    }
    g_assert_cmpuint(n, ==, c->event_count);
  }
}

/* Known answers, written out rather than recomputed: nullable integers
 * keep their width's type, null being all ones (unsigned) or the most
 * negative value (signed), and the introspection says so. */
static GDBusNodeInfo *
load_interface(const char *interface, char **xml_out)
{
  g_autofree char *file = g_strconcat(interface, ".xml", NULL);
  g_autofree char *path = g_test_build_filename(G_TEST_BUILT, "..", "clusters", file, NULL);
  g_autoptr(GError) error = NULL;
  GDBusNodeInfo *node;

  g_assert_true(g_file_get_contents(path, xml_out, NULL, &error));
  node = g_dbus_node_info_new_for_xml(*xml_out, &error);
  g_assert_no_error(error);
  g_assert_nonnull(g_dbus_node_info_lookup_interface(node, interface));
  return node;
}

static void
test_null_signatures(void)
{
  g_autofree char *level_xml = NULL, *temp_xml = NULL;
  g_autoptr(GDBusNodeInfo) level_node =
      load_interface("org.matterd.cluster.LevelControl1", &level_xml);
  g_autoptr(GDBusNodeInfo) temp_node =
      load_interface("org.matterd.cluster.TemperatureMeasurement1", &temp_xml);
  GDBusInterfaceInfo *level = level_node->interfaces[0];
  GDBusInterfaceInfo *temp = temp_node->interfaces[0];
  GDBusMethodInfo *move_to_level = g_dbus_interface_info_lookup_method(level, "MoveToLevel");
  static const char *const args[][2] = {
    { "Level", "y" }, { "TransitionTime", "q" }, { "OptionsMask", "y" }, { "OptionsOverride", "y" }
  };

  g_assert_nonnull(move_to_level);
  for (gsize i = 0; i < G_N_ELEMENTS(args); i++) {
    g_assert_nonnull(move_to_level->in_args[i]);
    g_assert_cmpstr(move_to_level->in_args[i]->name, ==, args[i][0]);
    g_assert_cmpstr(move_to_level->in_args[i]->signature, ==, args[i][1]);
  }
  g_assert_null(move_to_level->in_args[G_N_ELEMENTS(args)]);
  g_assert_cmpstr(g_dbus_interface_info_lookup_property(level, "CurrentLevel")->signature, ==, "y");
  g_assert_cmpstr(g_dbus_interface_info_lookup_property(level, "OnLevel")->signature, ==, "y");
  g_assert_cmpstr(g_dbus_interface_info_lookup_property(temp, "MeasuredValue")->signature, ==, "n");
  g_assert_nonnull(strstr(level_xml, "<!-- TransitionTime: null is 0xFFFF -->"));
  g_assert_nonnull(strstr(level_xml, "<!-- attribute 0x0000, null is 0xFF -->"));
  g_assert_nonnull(strstr(temp_xml, "<!-- attribute 0x0000, null is -32768 -->"));
}

/* ---- Registration --------------------------------------------------------------------- */

/* Every vector names a described cluster or device type, and every
 * described one has its vector. */
static GPtrArray *
vector_files(const char *kind)
{
  g_autofree char *dir_path =
      g_test_build_filename(G_TEST_DIST, "vectors", "data-model", kind, NULL);
  g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
  GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
  const char *name;

  g_assert_nonnull(dir);
  while ((name = g_dir_read_name(dir)))
    if (g_str_has_suffix(name, ".json"))
      g_ptr_array_add(files, g_strdup(name));
  g_ptr_array_sort(files, (GCompareFunc) g_strcmp0);
  return files;
}

static void
test_coverage(void)
{
  g_autoptr(GPtrArray) clusters = vector_files("clusters");
  g_autoptr(GPtrArray) types = vector_files("device_types");
  g_autoptr(GHashTable) seen = g_hash_table_new(g_direct_hash, g_direct_equal);

  for (guint i = 0; i < clusters->len; i++) {
    g_autoptr(FactDoc) d = load_doc("clusters", g_ptr_array_index(clusters, i));
    g_assert_nonnull(md_app_cluster_by_id(d->id));
    g_hash_table_add(seen, GUINT_TO_POINTER(d->id));
  }
  for (gsize k = 0; k < md_app_cluster_count; k++)
    if (!g_hash_table_contains(seen, GUINT_TO_POINTER(md_app_clusters[k]->id)))
      g_error("cluster %s has no data model vector", md_app_clusters[k]->name);
  g_hash_table_remove_all(seen);
  for (guint i = 0; i < types->len; i++) {
    g_autoptr(FactDoc) d = load_doc("device_types", g_ptr_array_index(types, i));
    g_assert_nonnull(md_app_device_type_by_id(d->id));
    g_hash_table_add(seen, GUINT_TO_POINTER(d->id));
  }
  for (gsize k = 0; k < md_app_device_type_count; k++)
    if (!g_hash_table_contains(seen, GUINT_TO_POINTER(md_app_device_types[k]->id)))
      g_error("device type %s has no data model vector", md_app_device_types[k]->name);
}

int
main(int argc, char **argv)
{
  g_autoptr(GPtrArray) clusters = NULL;
  g_autoptr(GPtrArray) types = NULL;

  g_test_init(&argc, &argv, NULL);
  clusters = vector_files("clusters");
  types = vector_files("device_types");
  for (guint i = 0; i < clusters->len; i++) {
    g_autofree char *path = g_strdup_printf("/app-model/data-model/cluster/%s",
                                            (char *) g_ptr_array_index(clusters, i));
    g_test_add_data_func(path, g_ptr_array_index(clusters, i), check_cluster);
  }
  for (guint i = 0; i < types->len; i++) {
    g_autofree char *path = g_strdup_printf("/app-model/data-model/device-type/%s",
                                            (char *) g_ptr_array_index(types, i));
    g_test_add_data_func(path, g_ptr_array_index(types, i), check_device_type);
  }
  g_test_add_func("/app-model/data-model/coverage", test_coverage);
  g_test_add_func("/app-model/lookups", test_lookups);
  g_test_add_func("/app-model/conformance", test_conformance);
  g_test_add_func("/app-model/introspection", test_introspection);
  g_test_add_func("/app-model/null-signatures", test_null_signatures);
  return g_test_run();
}
