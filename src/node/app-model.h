/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* What matterd knows of the clusters and device types that host
 * applications implement over D-Bus (org.matterd.cluster.*): one
 * description per cluster under clusters/ in the source tree, facts from
 * the Matter SDK's data model XML for Matter 1.4.2, turned into these
 * tables at build time by scripts/gen-app-model.py (app-model-tables.c).
 * Adding a cluster is adding its description.
 *
 * A cluster's MatterDmAttribute/MatterDmCommand/MatterDmEvent tables are
 * the engine's (ids, qualities, privileges; their feature masks are 0,
 * since presence is decided per instance from the conformance below and
 * what the application offers); the MdApp* arrays run parallel to them
 * and add what the D-Bus mapping and validation need: names, value types,
 * constraints and conformance. The class itself (its callbacks) is the
 * node's (app-cluster.c), built from these tables.
 *
 * Conformance (Core spec 7.3) is kept in the forms these clusters use:
 * mandatory or optional, only when the FeatureMap has one of
 * @any_features (0: always), and never when it has one of
 * @none_features. Provisional, deprecated and disallowed elements are not
 * in the tables. */

#include <glib.h>

#include "matter/dm.h"

typedef enum {
  MD_APP_BOOL,
  MD_APP_UINT,   /* uint8..uint64, enum8/16, bitmap8..64 and the unsigned derived types */
  MD_APP_INT,    /* int8..int64 and the signed derived types (temperature) */
  MD_APP_SINGLE, /* single: D-Bus "d", range-checked to a float */
  MD_APP_DOUBLE,
  MD_APP_STRING, /* char_string: UTF-8 */
  MD_APP_OCTETS, /* octet_string */
  MD_APP_STRUCT,
  MD_APP_LIST,
} MdAppKind;

/* Field and attribute flags. */
#define MD_APP_NULLABLE 0x01
#define MD_APP_OPTIONAL 0x02 /* a command or event field that may be left out */

typedef struct _MdAppType MdAppType;

typedef struct {
  const char *name; /* the specification's, e.g. "TransitionTime" */
  guint32 id;       /* its context tag */
  const MdAppType *type;
  guint8 flags; /* MD_APP_NULLABLE, MD_APP_OPTIONAL */
} MdAppField;

struct _MdAppType {
  MdAppKind kind;
  const char *name; /* "uint8", "OptionsBitmap", "MoveModeEnum", "temperature" */
  guint8 bits;      /* integers: the width on the wire, 8..64 (24, 40, 48, 56 too) */
  /* Integer and float constraints; without them, the width's range (and
   * for a nullable value the null of its width stays out of it). */
  gboolean has_min, has_max;
  gint64 min, max;     /* MD_APP_INT, MD_APP_SINGLE, MD_APP_DOUBLE (whole numbers) */
  guint64 umin, umax;  /* MD_APP_UINT */
  guint64 bitmap_bits; /* a bitmap: the bits it defines (others are refused); 0: not one */
  const guint64 *enum_values; /* an enum: its values, ascending; NULL: not one */
  gsize enum_count;
  guint32 min_length, max_length; /* strings and octets in bytes, lists in entries; max 0: none */
  const MdAppType *element;       /* MD_APP_LIST */
  const MdAppField *fields;       /* MD_APP_STRUCT, ascending id */
  gsize field_count;
};

typedef struct {
  gboolean mandatory;
  guint32 any_features;  /* present only with one of these FeatureMap bits; 0: always */
  guint32 none_features; /* never with one of these */
} MdAppConformance;

typedef struct {
  const char *name; /* the D-Bus property, the specification's name */
  const MdAppType *type;
  guint8 flags; /* MD_APP_NULLABLE */
  MdAppConformance conformance;
} MdAppAttribute;

typedef struct {
  const char *name; /* the D-Bus method */
  const MdAppField *fields;
  gsize field_count;
  /* The response command's fields, the method's out arguments (none for
   * a command answered with a status). */
  const MdAppField *response_fields;
  gsize response_field_count;
  MdAppConformance conformance;
} MdAppCommand;

typedef struct {
  const char *name; /* the D-Bus signal */
  const MdAppField *fields;
  gsize field_count;
  MdAppConformance conformance;
} MdAppEvent;

typedef struct {
  guint8 bit;
  const char *code; /* "LT" */
  const char *name; /* "Lighting" */
} MdAppFeature;

typedef struct {
  guint32 id;
  guint16 revision;
  const char *name;      /* "OnOff" */
  const char *interface; /* "org.matterd.cluster.OnOff1" */
  const MdAppFeature *features;
  gsize feature_count;
  /* Sorted by id; MdApp* entries parallel to them. */
  const MatterDmAttribute *dm_attributes;
  const MdAppAttribute *attributes;
  gsize attribute_count;
  const MatterDmCommand *dm_commands;
  const MdAppCommand *commands;
  gsize command_count;
  const MatterDmEvent *dm_events;
  const MdAppEvent *events;
  gsize event_count;
} MdAppClusterInfo;

/* A server cluster a device type lists (Device Library), with the
 * element requirements it adds to the cluster's own conformance. */
typedef struct {
  guint32 cluster_id;
  gboolean mandatory;
  guint32 required_features; /* FeatureMap bits the device type needs */
  const guint32 *required_attributes; /* optional attributes it makes mandatory */
  gsize required_attribute_count;
  const guint32 *required_commands;
  gsize required_command_count;
} MdAppDeviceCluster;

typedef struct {
  guint32 id;
  guint16 revision;
  const char *name; /* "ExtendedColorLight" */
  const MdAppDeviceCluster *clusters; /* ascending cluster id */
  gsize cluster_count;
} MdAppDeviceTypeInfo;

/* Every described cluster (ascending id) and device type (ascending id). */
extern const MdAppClusterInfo *const md_app_clusters[];
extern const gsize md_app_cluster_count;
extern const MdAppDeviceTypeInfo *const md_app_device_types[];
extern const gsize md_app_device_type_count;

/* NULL when not described. */
const MdAppClusterInfo *md_app_cluster_by_id(guint32 id);
const MdAppClusterInfo *md_app_cluster_by_interface(const char *interface);
const MdAppDeviceTypeInfo *md_app_device_type_by_id(guint32 id);

/* Index of an element in its cluster's arrays; -1 when not there. */
int md_app_cluster_find_attribute(const MdAppClusterInfo *info, const char *name);
int md_app_cluster_find_command(const MdAppClusterInfo *info, const char *name);
int md_app_cluster_find_event(const MdAppClusterInfo *info, const char *name);

/* Whether an element with @conformance exists under @feature_map, and
 * whether it must. */
gboolean md_app_conformance_allows(const MdAppConformance *conformance, guint32 feature_map);
gboolean md_app_conformance_requires(const MdAppConformance *conformance, guint32 feature_map);
