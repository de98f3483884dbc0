/* SPDX-License-Identifier: Apache-2.0 */
/* The generated cluster and device type tables (app-model.h) against the
 * Matter SDK's data model XML itself, kept under
 * tests/vectors/data-model/: ids, names, base types, qualities, access,
 * conformance (compared as functions of the FeatureMap), command fields
 * and responses, events, device types' server clusters and element
 * requirements. Then the look-ups and conformance functions, and the
 * generated D-Bus introspection against the tables. */

#include <string.h>

#include <gio/gio.h>
#include <glib.h>

#include "app-model.h"

/* ---- A small model of the XML ---------------------------------------------- */

/* A conformance expression node: "M", "O", "P", "D", "X", "otherwise",
 * "feature", "not", "or", "and", "unknown" (attributes, conditions,
 * comparisons: what the tables cannot express). */
typedef struct XmlExpr XmlExpr;
struct XmlExpr {
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
  XmlExpr *conformance;
  GPtrArray *fields; /* XmlElem */
} XmlElem;

typedef struct {
  char *kind; /* "enum", "bitmap", "struct" */
  char *name;
  GArray *values; /* guint64: enum values or bitfield bits */
  GPtrArray *fields;
} XmlType;

typedef struct {
  guint bit;
  char *code;
  char *name;
  XmlExpr *conformance;
} XmlFeature;

typedef struct {
  guint32 id;
  guint16 revision;
  char *name;
  GPtrArray *features, *types, *attributes, *commands, *events;
  /* A device type's server clusters: XmlElem with id, name, conformance
   * and, in fields, the element requirements (kind in type). */
  GPtrArray *clusters;
} XmlDoc;

static void
xml_expr_free(XmlExpr *e)
{
  if (!e)
    return;
  g_free(e->kind);
  g_free(e->name);
  g_ptr_array_unref(e->children);
  g_free(e);
}

static XmlExpr *
xml_expr_new(const char *kind, const char *name)
{
  XmlExpr *e = g_new0(XmlExpr, 1);
  e->kind = g_strdup(kind);
  e->name = g_strdup(name);
  e->children = g_ptr_array_new_with_free_func((GDestroyNotify) xml_expr_free);
  return e;
}

static void
xml_elem_free(XmlElem *e)
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
  xml_expr_free(e->conformance);
  g_ptr_array_unref(e->fields);
  g_free(e);
}

static XmlElem *
xml_elem_new(void)
{
  XmlElem *e = g_new0(XmlElem, 1);
  e->fields = g_ptr_array_new_with_free_func((GDestroyNotify) xml_elem_free);
  return e;
}

static void
xml_type_free(XmlType *t)
{
  g_free(t->kind);
  g_free(t->name);
  g_array_unref(t->values);
  g_ptr_array_unref(t->fields);
  g_free(t);
}

static void
xml_feature_free(XmlFeature *f)
{
  g_free(f->code);
  g_free(f->name);
  xml_expr_free(f->conformance);
  g_free(f);
}

static void
xml_doc_free(XmlDoc *d)
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
G_DEFINE_AUTOPTR_CLEANUP_FUNC(XmlDoc, xml_doc_free)

/* ---- Parsing with GMarkupParser ---------------------------------------------- */

typedef struct {
  XmlDoc *doc;
  GPtrArray *stack; /* element names */
  XmlFeature *feature;
  XmlType *type;
  XmlElem *elem;    /* attribute, command, event, device type cluster */
  XmlElem *field;   /* a field, or a device type's element requirement */
  GPtrArray *exprs; /* open conformance nodes (not owned) */
  gboolean in_constraint;
  int constraint_depth;
  /* The stack depth at which the open feature, type, element and field
   * started. */
  guint feature_depth, type_depth, elem_depth, field_depth;
} ParseState;

static const char *
attr(const char **names, const char **values, const char *name)
{
  for (gsize i = 0; names[i]; i++)
    if (strcmp(names[i], name) == 0)
      return values[i];
  return NULL;
}

static gboolean
is_true(const char *v)
{
  return v && strcmp(v, "true") == 0;
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
  g_assert_true(parse_number(text, &v));
  return (guint32) v;
}

static const char *
conformance_kind(const char *element)
{
  static const char *const map[][2] = {
    { "mandatoryConform", "M" },  { "optionalConform", "O" }, { "provisionalConform", "P" },
    { "deprecateConform", "D" },  { "disallowConform", "X" }, { "otherwiseConform", "otherwise" },
    { "notTerm", "not" },         { "orTerm", "or" },         { "andTerm", "and" },
    { "feature", "feature" },     { "attribute", "unknown" }, { "condition", "unknown" },
    { "greaterTerm", "unknown" }, { "lessTerm", "unknown" },  { "equalTerm", "unknown" },
    { "xorTerm", "unknown" },     { "literal", "unknown" },
  };
  for (gsize i = 0; i < G_N_ELEMENTS(map); i++)
    if (strcmp(map[i][0], element) == 0)
      return map[i][1];
  return NULL;
}

static void
constraint_value(ParseState *st, XmlElem *e, const char *element, const char **n, const char **v)
{
  gint64 num;
  const char *value = attr(n, v, "value");

  if (strcmp(element, "constraint") == 0) {
    /* The older form: <constraint type="max" value="..."/>. */
    const char *type = attr(n, v, "type");
    if (type && strcmp(type, "max") == 0 && parse_number(value, &num))
      e->has_max = TRUE, e->max = num;
    else if (type && strcmp(type, "min") == 0 && parse_number(value, &num))
      e->has_min = TRUE, e->min = num;
    else if (type && strcmp(type, "between") == 0) {
      if (parse_number(attr(n, v, "from"), &num))
        e->has_min = TRUE, e->min = num;
      if (parse_number(attr(n, v, "to"), &num))
        e->has_max = TRUE, e->max = num;
    }
    return;
  }
  if (strcmp(element, "from") == 0 && parse_number(value, &num))
    e->has_min = TRUE, e->min = num;
  else if (strcmp(element, "to") == 0 && parse_number(value, &num))
    e->has_max = TRUE, e->max = num;
  else if (strcmp(element, "min") == 0 && st->constraint_depth == 1 && parse_number(value, &num))
    e->has_min = TRUE, e->min = num;
  else if (strcmp(element, "max") == 0 && st->constraint_depth == 1 && parse_number(value, &num))
    e->has_max = TRUE, e->max = num;
  else if ((strcmp(element, "maxLength") == 0 || strcmp(element, "maxCount") == 0) &&
           parse_number(value, &num))
    e->max_length = (guint32) num;
}

static const char *
parent(ParseState *st, guint up)
{
  if (st->stack->len < up + 1)
    return "";
  return g_ptr_array_index(st->stack, st->stack->len - 1 - up);
}

static void
on_start(GMarkupParseContext *ctx, const char *element, const char **n, const char **v,
         gpointer user_data, GError **error)
{
  ParseState *st = user_data;
  XmlDoc *d = st->doc;
  const char *kind = conformance_kind(element);
  XmlElem *target = st->field ? st->field : st->elem;

  g_ptr_array_add(st->stack, g_strdup(element));

  /* Conformance: inside features, elements and fields, never in
   * constraints. */
  if (kind && !st->in_constraint && (st->exprs->len > 0 || strstr(element, "Conform"))) {
    XmlExpr *e = xml_expr_new(kind, attr(n, v, "name"));
    if (st->exprs->len > 0) {
      XmlExpr *top = g_ptr_array_index(st->exprs, st->exprs->len - 1);
      g_ptr_array_add(top->children, e);
    } else if (st->feature && !st->elem) {
      st->feature->conformance = e;
    } else if (target && !target->conformance) {
      target->conformance = e;
    } else {
      xml_expr_free(e);
      e = NULL;
    }
    /* A second conformance of the same element (none in these files) is
     * parsed into a node that on_end() drops. */
    g_ptr_array_add(st->exprs, e ? e : xml_expr_new("ignored", NULL));
    return;
  }

  if (strcmp(element, "constraint") == 0) {
    st->in_constraint = TRUE;
    st->constraint_depth = 0;
    if (target)
      constraint_value(st, target, element, n, v);
    return;
  }
  if (st->in_constraint) {
    st->constraint_depth++;
    if (target)
      constraint_value(st, target, element, n, v);
    return;
  }

  if ((strcmp(element, "cluster") == 0 || strcmp(element, "deviceType") == 0) &&
      st->stack->len == 1) {
    if (attr(n, v, "id"))
      d->id = parse_id(attr(n, v, "id"));
    d->revision = (guint16) parse_id(attr(n, v, "revision"));
    d->name = g_strdup(attr(n, v, "name"));
  } else if (strcmp(element, "clusterId") == 0) {
    d->id = parse_id(attr(n, v, "id"));
    g_free(d->name);
    d->name = g_strdup(attr(n, v, "name"));
  } else if (strcmp(element, "feature") == 0 && strcmp(parent(st, 1), "features") == 0 &&
             !st->elem) {
    st->feature = g_new0(XmlFeature, 1);
    st->feature->bit = parse_id(attr(n, v, "bit"));
    st->feature->code = g_strdup(attr(n, v, "code"));
    st->feature->name = g_strdup(attr(n, v, "name"));
    g_ptr_array_add(d->features, st->feature);
    st->feature_depth = st->stack->len;
  } else if (strcmp(element, "enum") == 0 || strcmp(element, "bitmap") == 0 ||
             strcmp(element, "struct") == 0) {
    st->type = g_new0(XmlType, 1);
    st->type->kind = g_strdup(element);
    st->type->name = g_strdup(attr(n, v, "name"));
    st->type->values = g_array_new(FALSE, FALSE, sizeof(guint64));
    st->type->fields = g_ptr_array_new_with_free_func((GDestroyNotify) xml_elem_free);
    g_ptr_array_add(d->types, st->type);
    st->type_depth = st->stack->len;
  } else if (strcmp(element, "item") == 0 && st->type) {
    guint64 value = parse_id(attr(n, v, "value"));
    g_array_append_val(st->type->values, value);
  } else if (strcmp(element, "bitfield") == 0 && st->type) {
    guint64 bit = parse_id(attr(n, v, "bit"));
    g_array_append_val(st->type->values, bit);
  } else if ((strcmp(element, "attribute") == 0 || strcmp(element, "command") == 0 ||
              strcmp(element, "event") == 0 || strcmp(element, "cluster") == 0) &&
             !st->elem) {
    XmlElem *e = xml_elem_new();
    const char *id = attr(n, v, "id");
    e->id_text = g_strdup(id);
    e->id = parse_id(id);
    e->name = g_strdup(attr(n, v, "name"));
    e->type = g_strdup(attr(n, v, "type"));
    e->direction = g_strdup(attr(n, v, "direction"));
    e->response = g_strdup(attr(n, v, "response"));
    e->priority = g_strdup(attr(n, v, "priority"));
    if (strcmp(element, "cluster") == 0) {
      if (g_strcmp0(attr(n, v, "side"), "server") != 0) {
        xml_elem_free(e);
        return;
      }
      g_ptr_array_add(d->clusters, e);
    } else {
      g_ptr_array_add(strcmp(element, "attribute") == 0 ? d->attributes
                      : strcmp(element, "command") == 0 ? d->commands
                                                        : d->events,
                      e);
    }
    st->elem = e;
    st->elem_depth = st->stack->len;
  } else if (strcmp(element, "field") == 0 && (st->elem || st->type)) {
    XmlElem *f = xml_elem_new();
    f->id = parse_id(attr(n, v, "id"));
    f->name = g_strdup(attr(n, v, "name"));
    f->type = g_strdup(attr(n, v, "type"));
    g_ptr_array_add(st->elem ? st->elem->fields : st->type->fields, f);
    st->field = f;
    st->field_depth = st->stack->len;
  } else if (st->elem && d->clusters->len > 0 &&
             st->elem == g_ptr_array_index(d->clusters, d->clusters->len - 1) &&
             (strcmp(element, "feature") == 0 || strcmp(element, "attribute") == 0 ||
              strcmp(element, "command") == 0)) {
    /* A device type's requirement on an element of its cluster. */
    XmlElem *r = xml_elem_new();
    r->type = g_strdup(element);
    r->name = g_strdup(attr(n, v, "name"));
    r->id_text = g_strdup(attr(n, v, element[0] == 'a' ? "code" : "id"));
    g_ptr_array_add(st->elem->fields, r);
    st->field = r;
    st->field_depth = st->stack->len;
  } else if (strcmp(element, "entry") == 0 && target) {
    target->entry = g_strdup(attr(n, v, "type"));
  } else if (strcmp(element, "access") == 0 && target) {
    target->write = is_true(attr(n, v, "write"));
    target->read_priv = g_strdup(attr(n, v, "readPrivilege"));
    target->write_priv = g_strdup(attr(n, v, "writePrivilege"));
    target->invoke_priv = g_strdup(attr(n, v, "invokePrivilege"));
    target->timed = is_true(attr(n, v, "timed"));
    target->fabric_scoped = is_true(attr(n, v, "fabricScoped"));
    target->fabric_sensitive = is_true(attr(n, v, "fabricSensitive"));
  } else if (strcmp(element, "quality") == 0 && target) {
    target->nullable = is_true(attr(n, v, "nullable"));
    target->fixed = g_strcmp0(attr(n, v, "persistence"), "fixed") == 0;
    target->changes_omitted = is_true(attr(n, v, "changeOmitted"));
  }
}

static void
on_end(GMarkupParseContext *ctx, const char *element, gpointer user_data, GError **error)
{
  ParseState *st = user_data;
  const char *kind = conformance_kind(element);

  guint depth = st->stack->len;

  g_ptr_array_remove_index(st->stack, st->stack->len - 1);
  if (kind && st->exprs->len > 0) {
    XmlExpr *top = g_ptr_array_index(st->exprs, st->exprs->len - 1);
    if (strcmp(top->kind, "ignored") == 0)
      xml_expr_free(top);
    g_ptr_array_remove_index(st->exprs, st->exprs->len - 1);
    return;
  }
  if (strcmp(element, "constraint") == 0) {
    st->in_constraint = FALSE;
    return;
  }
  if (st->in_constraint) {
    st->constraint_depth--;
    return;
  }
  if (st->field && depth == st->field_depth)
    st->field = NULL;
  else if (st->elem && depth == st->elem_depth)
    st->elem = NULL;
  else if (st->type && depth == st->type_depth)
    st->type = NULL;
  else if (st->feature && depth == st->feature_depth)
    st->feature = NULL;
}

static XmlDoc *
load_doc(const char *kind, const char *file)
{
  g_autofree char *path =
      g_test_build_filename(G_TEST_DIST, "vectors", "data-model", kind, file, NULL);
  g_autofree char *text = NULL;
  gsize len = 0;
  g_autoptr(GError) error = NULL;
  GMarkupParser parser = { on_start, on_end, NULL, NULL, NULL };
  XmlDoc *d = g_new0(XmlDoc, 1);
  ParseState st = { 0 };
  GMarkupParseContext *ctx;

  st.doc = d;
  st.stack = g_ptr_array_new_with_free_func(g_free);
  st.exprs = g_ptr_array_new();
  d->features = g_ptr_array_new_with_free_func((GDestroyNotify) xml_feature_free);
  d->types = g_ptr_array_new_with_free_func((GDestroyNotify) xml_type_free);
  d->attributes = g_ptr_array_new_with_free_func((GDestroyNotify) xml_elem_free);
  d->commands = g_ptr_array_new_with_free_func((GDestroyNotify) xml_elem_free);
  d->events = g_ptr_array_new_with_free_func((GDestroyNotify) xml_elem_free);
  d->clusters = g_ptr_array_new_with_free_func((GDestroyNotify) xml_elem_free);
  g_assert_true(g_file_get_contents(path, &text, &len, &error));
  ctx = g_markup_parse_context_new(&parser, 0, &st, NULL);
  /* GMarkup knows no <?xml?> declaration: start at the root element. */
  {
    const char *start = strstr(text, "-->");
    g_assert_nonnull(start);
    start += 3;
    g_assert_true(g_markup_parse_context_parse(ctx, start, -1, &error));
    g_assert_no_error(error);
    g_assert_true(g_markup_parse_context_end_parse(ctx, &error));
  }
  g_markup_parse_context_free(ctx);
  g_ptr_array_unref(st.stack);
  g_ptr_array_unref(st.exprs);
  return d;
}

/* ---- Conformance as a function of the FeatureMap ------------------------------ */

static const XmlFeature *
doc_feature(const XmlDoc *d, const char *code)
{
  for (guint i = 0; i < d->features->len; i++) {
    const XmlFeature *f = g_ptr_array_index(d->features, i);
    if (strcmp(f->code, code) == 0)
      return f;
  }
  return NULL;
}

/* A term's value; @unknown is what terms the tables cannot express
 * (attributes, conditions) count as. */
static gboolean
eval_term(const XmlDoc *d, const XmlExpr *e, guint32 fm, gboolean unknown)
{
  if (strcmp(e->kind, "feature") == 0) {
    const XmlFeature *f = doc_feature(d, e->name);
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
eval_conformance(const XmlDoc *d, const XmlExpr *e, guint32 fm, gboolean unknown)
{
  gboolean holds = TRUE;

  if (!e)
    return 'M';
  if (strcmp(e->kind, "otherwise") == 0) {
    for (guint i = 0; i < e->children->len; i++) {
      char c = eval_conformance(d, g_ptr_array_index(e->children, i), fm, unknown);
      const XmlExpr *child = g_ptr_array_index(e->children, i);
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
has_unknown(const XmlExpr *e)
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
usable_features(const XmlDoc *d)
{
  guint32 mask = 0;
  for (guint i = 0; i < d->features->len; i++) {
    const XmlFeature *f = g_ptr_array_index(d->features, i);
    if (!f->conformance || strcmp(f->conformance->kind, "P") != 0)
      mask |= 1u << f->bit;
  }
  return mask;
}

/* Whether the element exists in the tables at all (not when provisional,
 * deprecated or only with provisional features), and checks the table's
 * conformance against the XML's, one description or several merged, as
 * functions of the FeatureMap. Where the XML names what the tables cannot
 * express (attributes, conditions) or describes the element twice, the
 * tables may widen it to optional, never narrow it. */
static gboolean
check_conformance(const XmlDoc *d, XmlElem *const *descs, guint n_descs,
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

static const XmlType *
doc_type(const XmlDoc *d, const char *name)
{
  for (guint i = 0; i < d->types->len; i++) {
    const XmlType *t = g_ptr_array_index(d->types, i);
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
check_type(const XmlDoc *d, const char *xml_type, const char *entry, const MdAppType *t,
           const char *what)
{
  const XmlType *named;
  const char *base;

  if (strcmp(xml_type, "list") == 0) {
    g_assert_cmpint(t->kind, ==, MD_APP_LIST);
    g_assert_nonnull(entry);
    check_type(d, entry, NULL, t->element, what);
    return;
  }
  named = doc_type(d, xml_type);
  if (named) {
    g_assert_cmpstr(t->name, ==, xml_type);
    if (strcmp(named->kind, "enum") == 0) {
      const GArray *values = named->values;
      g_assert_cmpint(t->kind, ==, MD_APP_UINT);
      g_assert_cmpuint(t->enum_count, ==, values->len);
      for (guint i = 0; i < values->len; i++) {
        gboolean found = FALSE;
        for (gsize j = 0; j < t->enum_count; j++)
          found = found || t->enum_values[j] == g_array_index(values, guint64, i);
        if (!found)
          g_error("%s: enum %s lacks %" G_GUINT64_FORMAT, what, xml_type,
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
        const XmlElem *f = g_ptr_array_index(named->fields, i);
        g_assert_cmpuint(t->fields[i].id, ==, f->id);
        g_assert_cmpstr(t->fields[i].name, ==, f->name);
        check_type(d, f->type, f->entry, t->fields[i].type, what);
      }
    }
    return;
  }
  base = base_of(xml_type);
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
      g_error("%s: type %s is not known to the test", what, xml_type);
    bits = (guint) g_ascii_strtoull(base + strcspn(base, "0123456789"), NULL, 10);
    g_assert_cmpuint(t->bits, ==, bits);
  }
}

static gboolean
is_bitmap(const XmlDoc *d, const char *type)
{
  const XmlType *t = type ? doc_type(d, type) : NULL;
  return (t && strcmp(t->kind, "bitmap") == 0) || (type && g_str_has_prefix(type, "bitmap"));
}

static void
check_constraints(const XmlDoc *d, const XmlElem *x, const MdAppType *t, const char *what)
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
check_fields(const XmlDoc *d, const GPtrArray *xml_fields, const MdAppField *fields, gsize count,
             const char *what)
{
  g_assert_cmpuint(count, ==, xml_fields->len);
  for (guint i = 0; i < xml_fields->len; i++) {
    const XmlElem *f = g_ptr_array_index(xml_fields, i);
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

/* ---- Clusters against their XML ---------------------------------------------- */

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

static const XmlElem *
find_elem(const GPtrArray *elems, const char *name, const char *direction)
{
  for (guint i = 0; i < elems->len; i++) {
    const XmlElem *e = g_ptr_array_index(elems, i);
    if (strcmp(e->name, name) == 0 && (!direction || g_strcmp0(e->direction, direction) == 0))
      return e;
  }
  return NULL;
}

static void
check_attributes(const XmlDoc *d, const MdAppClusterInfo *info)
{
  gsize at = 0;

  for (guint i = 0; i < d->attributes->len;) {
    XmlElem *descs[4];
    guint n = 0;
    XmlElem *x = g_ptr_array_index(d->attributes, i);
    g_autofree char *what = g_strdup_printf("%s.%s", info->name, x->name);
    const MdAppConformance *conf = NULL;

    while (i < d->attributes->len && n < G_N_ELEMENTS(descs) &&
           ((XmlElem *) g_ptr_array_index(d->attributes, i))->id == x->id)
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
check_commands(const XmlDoc *d, const MdAppClusterInfo *info)
{
  gsize at = 0;

  for (guint i = 0; i < d->commands->len; i++) {
    XmlElem *x = g_ptr_array_index(d->commands, i);
    g_autofree char *what = g_strdup_printf("%s.%s()", info->name, x->name);
    const MdAppConformance *conf = NULL;
    const XmlElem *fields_from = x;

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
      if (g_strcmp0(x->response, "Y") == 0) {
        g_assert_cmpuint(dm->response_id, ==, MATTER_DM_NO_RESPONSE);
        g_assert_cmpuint(c->response_field_count, ==, 0);
      } else {
        const XmlElem *r = find_elem(d->commands, x->response, "responseFromServer");
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
check_events(const XmlDoc *d, const MdAppClusterInfo *info)
{
  gsize at = 0;

  for (guint i = 0; i < d->events->len; i++) {
    XmlElem *x = g_ptr_array_index(d->events, i);
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
  g_autoptr(XmlDoc) d = load_doc("clusters", file);
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
    const XmlFeature *f = g_ptr_array_index(d->features, i);
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

/* ---- Device types against their XML --------------------------------------------- */

static gboolean
mandatory_plain(const XmlExpr *e)
{
  /* A bare <mandatoryConform/>; one with a condition, or "P, M", is not
   * mandatory for matterd. */
  return e && strcmp(e->kind, "M") == 0 && e->children->len == 0;
}

static gboolean
deprecated(const XmlExpr *e)
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
  g_autoptr(XmlDoc) d = load_doc("device_types", file);
  const MdAppDeviceTypeInfo *info = md_app_device_type_by_id(d->id);
  g_autofree char *want = NULL, *have = NULL;
  gsize at = 0;

  g_assert_nonnull(info);
  want = squash(d->name);
  have = squash(info->name);
  g_assert_cmpstr(have, ==, want);
  g_assert_cmpuint(info->revision, ==, d->revision);
  for (guint i = 0; i < d->clusters->len; i++) {
    const XmlElem *x = g_ptr_array_index(d->clusters, i);
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
      const XmlElem *r = g_ptr_array_index(x->fields, j);
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

/* The mapping of app-value.h, written out again. */
static void
append_signature(GString *s, const MdAppType *t, guint8 flags)
{
  if (flags & MD_APP_OPTIONAL)
    g_string_append_c(s, 'a');
  if (flags & MD_APP_NULLABLE)
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
    if (g_str_has_suffix(name, ".xml"))
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
    g_autoptr(XmlDoc) d = load_doc("clusters", g_ptr_array_index(clusters, i));
    g_assert_nonnull(md_app_cluster_by_id(d->id));
    g_hash_table_add(seen, GUINT_TO_POINTER(d->id));
  }
  for (gsize k = 0; k < md_app_cluster_count; k++)
    if (!g_hash_table_contains(seen, GUINT_TO_POINTER(md_app_clusters[k]->id)))
      g_error("cluster %s has no data model vector", md_app_clusters[k]->name);
  g_hash_table_remove_all(seen);
  for (guint i = 0; i < types->len; i++) {
    g_autoptr(XmlDoc) d = load_doc("device_types", g_ptr_array_index(types, i));
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
  return g_test_run();
}
