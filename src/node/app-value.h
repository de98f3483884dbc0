/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Values of application clusters between Matter TLV and D-Bus (GVariant),
 * both ways, checked against the description's types and constraints
 * (app-model.h). The mapping, documented in docs/dbus-api.md:
 *
 *   bool                          b
 *   uint8, enum8, bitmap8, ...    y    (the unsigned width's D-Bus type:
 *   uint16, enum16, bitmap16      q     8 y, 16 q, 24..32 u, 40..64 t)
 *   uint24, uint32, bitmap32      u
 *   uint40..uint64, bitmap64      t
 *   int8, int16                   n    (D-Bus has no signed byte)
 *   int24, int32                  i
 *   int40..int64                  x
 *   single, double                d
 *   char_string                   s
 *   octet_string                  ay
 *   struct                        (…)  its fields in ascending id
 *   list[T]                       aT
 *   nullable uint, enum, bitmap   its width's type (y q u t); null is the
 *                                 width's all ones: 0xFF, 0xFFFF,
 *                                 0xFFFFFF (uint24 on u), 0xFFFFFFFF, and
 *                                 for 40..64 bits the width's all ones on t
 *   nullable int                  its width's type (n i x); null is the
 *                                 width's most negative value: -128 (int8
 *                                 on n), -32768, -8388608 (int24 on i),
 *                                 INT32_MIN, ..., INT64_MIN
 *   nullable T, any other T       aT   (bool, single, double, strings,
 *                                 octets, structs, lists) no element for
 *                                 null, one for a value
 *   optional field T              aT   no element when left out
 *   optional nullable T           aT   for an integer, with its null
 *                                 inside; aaT for any other T
 *
 * so MoveToLevel is (yqyy), TransitionTime 0xFFFF for null, and
 * `busctl set-property … q 65535` writes null to a nullable uint16,
 * `ab 0` to a nullable bool. A nullable integer never takes its null as a
 * value (8.2.5 of the Core spec: the nullable range leaves it out): from
 * TLV it is CONSTRAINT_ERROR, and an application's values stay inside the
 * nullable range (the null apart). For a value that is not nullable the
 * same number is an ordinary value.
 *
 * Decoding from TLV is what a controller sends (writes, command fields):
 * a value of the wrong TLV type is INVALID_DATA_TYPE, outside its
 * constraints CONSTRAINT_ERROR, a missing mandatory field INVALID_COMMAND
 * (the callers map what they must: a command's field of the wrong type is
 * INVALID_COMMAND too). Checking a GVariant is what an application sends
 * (properties, method replies, signals): FALSE with a message naming the
 * element and the rule, for the log or a D-Bus InvalidArgument. */

#include <glib.h>

#include "app-model.h"
#include "matter/im.h"
#include "matter/tlv.h"

/* The D-Bus signature of a value: e.g. "q", "as", "a(qq)". Free with
 * g_free(). */
char *md_app_value_signature(const MdAppType *type, guint8 flags);
/* A tuple of fields, e.g. "(yqyy)" for MoveToLevel. */
char *md_app_fields_signature(const MdAppField *fields, gsize count);

/* @v as a GVariant of @type's width (y q u t, or n i x), unchecked: for
 * building values of an integer type, e.g. its null sentinel. */
GVariant *md_app_value_new_uint(const MdAppType *type, guint64 v);
GVariant *md_app_value_new_int(const MdAppType *type, gint64 v);

/* The element at @reader (positioned on it, as after matter_tlv_next())
 * as a GVariant of md_app_value_signature(); a new floating-free
 * reference in *@value on SUCCESS. */
MatterImStatus md_app_value_from_tlv(const MdAppType *type, guint8 flags, MatterTlvReader *reader,
                                     GVariant **value);
/* The fields of a structure (@reader inside it: command fields, a struct
 * value) as a tuple of md_app_fields_signature(). Unknown tags are
 * skipped (forward compatibility); a mandatory field missing is
 * INVALID_COMMAND; a field twice INVALID_COMMAND. */
MatterImStatus md_app_fields_from_tlv(const MdAppField *fields, gsize count,
                                      MatterTlvReader *reader, GVariant **tuple);

/* Writes @value (already checked) with @tag; the writer's error when it
 * has no room. */
MatterError md_app_value_to_tlv(const MdAppType *type, guint8 flags, GVariant *value,
                                MatterTlvWriter *w, MatterTlvTag tag);
/* Writes @tuple as a structure with @tag, optional fields left out when
 * absent. */
MatterError md_app_fields_to_tlv(const MdAppField *fields, gsize count, GVariant *tuple,
                                 MatterTlvWriter *w, MatterTlvTag tag);

/* Whether an application's @value fits: the signature, the constraints,
 * UTF-8 strings, no null for a value that is not nullable. @what names
 * the element in the message ("OnOff.OnOff"). MD_ERROR_INVALID_ARGUMENT. */
gboolean md_app_value_check(const MdAppType *type, guint8 flags, GVariant *value, const char *what,
                            GError **error);
gboolean md_app_fields_check(const MdAppField *fields, gsize count, GVariant *tuple,
                             const char *what, GError **error);
