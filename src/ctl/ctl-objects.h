/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* matterd's objects as matterctl shows them: one table of fields per
 * interface (Node1, Fabric1, Session1, NodeEndpoint1) that says how each D-Bus property
 * reads as text and which JSON member it is (docs/matterctl.1 lists them;
 * they are a stable interface). status, fabrics, sessions and monitor all
 * print through these tables, so their keys and formats agree. */

#include <gio/gio.h>
#include <json-glib/json-glib.h>

/* How a property's value is written. */
typedef enum {
  MD_CTL_FORMAT_STRING,   /* s: as it is */
  MD_CTL_FORMAT_OPTIONAL, /* s: as it is, "" is none (JSON null) */
  MD_CTL_FORMAT_BOOLEAN,  /* b: yes/no, JSON true/false */
  MD_CTL_FORMAT_NUMBER,   /* y, q, u: decimal, JSON number */
  MD_CTL_FORMAT_INDEX,    /* y: decimal, 0 is none (JSON null) */
  MD_CTL_FORMAT_ID16,     /* q: 0x%04X, JSON number */
  MD_CTL_FORMAT_ID64,     /* t: 0x%016X, JSON "%016X"; 0 is none */
  MD_CTL_FORMAT_HEX64,    /* t: %016X, text and JSON alike */
  MD_CTL_FORMAT_BYTES,    /* ay: lower-case hex */
  MD_CTL_FORMAT_TIME,     /* t, usec since the epoch: local time, JSON
                           * number; 0 is none */
  MD_CTL_FORMAT_DEVICE_TYPES, /* a(qq): "0x0100/3,0x0013/2", JSON
                               * [{"device_type":256,"revision":3},...] */
} MdCtlFormat;

typedef struct {
  const char *property; /* the D-Bus property */
  const char *member;   /* its JSON member */
  const char *label;    /* its text label, marked with N_() */
  MdCtlFormat format;
  gboolean in_table; /* a column of the fabrics or sessions table */
} MdCtlField;

typedef struct {
  const char *interface;
  const char *noun; /* "node", "fabric", "session": monitor's object names */
  const MdCtlField *fields;
  gsize n_fields;
} MdCtlObjectKind;

extern const MdCtlObjectKind md_ctl_node_kind;
extern const MdCtlObjectKind md_ctl_fabric_kind;
extern const MdCtlObjectKind md_ctl_session_kind;
extern const MdCtlObjectKind md_ctl_endpoint_kind;

/* The kind of the interface named @interface, or NULL. */
const MdCtlObjectKind *md_ctl_object_kind_find(const char *interface);
/* The field of @kind for D-Bus property @property, or NULL. */
const MdCtlField *md_ctl_field_find(const MdCtlObjectKind *kind, const char *property);

/* Whether @value is the field's "none" (an empty optional string, a 0
 * index, id or time). */
gboolean md_ctl_field_is_none(const MdCtlField *field, GVariant *value);
/* @value as text ("-" for none); a value of an unexpected type as
 * GVariant text. */
char *md_ctl_field_text(const MdCtlField *field, GVariant *value);
/* Adds @field's member with @value (NULL: null) to @builder's object. */
void md_ctl_field_add_json(JsonBuilder *builder, const MdCtlField *field, GVariant *value);
/* Adds @value (NULL: null) alone, as @field writes it. */
void md_ctl_field_add_json_value(JsonBuilder *builder, const MdCtlField *field, GVariant *value);

/* The session id that ends @path (/org/matterd/session<id>); 0 when
 * @path is no session path. */
guint md_ctl_session_id(const char *path);
/* The fabric index that ends @path (/org/matterd/fabric<index>); 0 when
 * @path is no fabric path. */
guint md_ctl_fabric_index(const char *path);

/* The endpoint number that ends @path (/org/matterd/endpoint<number>); 0
 * when @path is no endpoint path. */
guint md_ctl_endpoint_number(const char *path);

/* Adds the members of @kind's fields from @proxy's cached properties to
 * @builder's object (a session's "id" first, from the path). */
void md_ctl_object_add_json(JsonBuilder *builder, const MdCtlObjectKind *kind, GDBusProxy *proxy);

/* The proxies of @kind in @manager, sorted by fabric index, session id or
 * endpoint number:
 * a GPtrArray that owns them. */
GPtrArray *md_ctl_objects_list(GDBusObjectManager *manager, const MdCtlObjectKind *kind);

/* A byte or integer property of @proxy from its cache, 0 when absent. */
guint64 md_ctl_proxy_uint(GDBusProxy *proxy, const char *property);
/* A string property from the cache; "" when absent. */
char *md_ctl_proxy_string(GDBusProxy *proxy, const char *property);

/* Local time of @usec (since the epoch): "%Y-%m-%d %H:%M:%S". */
char *md_ctl_format_time(guint64 usec);
