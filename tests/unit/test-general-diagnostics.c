/* SPDX-License-Identifier: Apache-2.0 */
/* General Diagnostics, driven through its class callbacks as the engine
 * calls them once access was granted, on the in-memory storage: the
 * stored counters across starts and storage failures, the NetworkInterface
 * encoding and its change marks, the global lists against the SDK's 1.4.1
 * DiagnosticsGeneral.xml, and the two commands' answers. */

#include <glib.h>
#include <string.h>

#include "clusters/clusters.h"
#include "matter/im-engine.h"
#include "matter/im.h"
#include "md-error.h"
#include "md-test-storage.h"

#define ATTR_NETWORK_INTERFACES 0x0000
#define ATTR_REBOOT_COUNT 0x0001
#define ATTR_UP_TIME 0x0002
#define ATTR_TOTAL_OPERATIONAL_HOURS 0x0003
#define ATTR_BOOT_REASON 0x0004
#define ATTR_ACTIVE_HARDWARE_FAULTS 0x0005
#define ATTR_TEST_EVENT_TRIGGERS_ENABLED 0x0008
#define CMD_TEST_EVENT_TRIGGER 0x00
#define CMD_TIME_SNAPSHOT 0x01
#define CMD_TIME_SNAPSHOT_RESPONSE 0x02
#define CMD_PAYLOAD_TEST_REQUEST 0x03
#define KEY_REBOOT_COUNT "general-diagnostics/reboot-count"
#define KEY_OPERATIONAL_MS "general-diagnostics/operational-ms"
#define HOUR_MS (60 * 60 * 1000)

typedef struct {
  MdTestStorage *storage;
  MdGeneralDiagnostics gd;
  uint64_t ticks[6 + MATTER_DM_GLOBAL_COUNT];
  MatterDmCluster cluster;
  MatterDmCluster *clusters[1];
  MatterDmEndpoint endpoint;
  MatterDmEndpoint *endpoints[1];
  MatterDmNode dm;
  MatterSession session;
  MatterAclSubject subject;
} Test;

/* The cluster on endpoint 0 of a node of its own, bound, not started. */
static void
bind_cluster(Test *t)
{
  g_assert_cmpuint(G_N_ELEMENTS(t->ticks), ==, matter_dm_tick_slots(&md_general_diagnostics_class));
  t->cluster = (MatterDmCluster) {
    .cls = &md_general_diagnostics_class,
    .data_version = 100,
    .ticks = t->ticks,
    .state = &t->gd,
  };
  t->clusters[0] = &t->cluster;
  t->endpoint = (MatterDmEndpoint) { .id = 0, .clusters = t->clusters, .cluster_count = 1 };
  t->endpoints[0] = &t->endpoint;
  t->dm = (MatterDmNode) { t->endpoints, 1, 0 };
  md_general_diagnostics_bind(&t->gd, &t->dm, &t->cluster);
}

static Test *
test_new_with(MdTestStorage *storage, MdBootReason boot_reason)
{
  g_autoptr(GError) error = NULL;
  Test *t = g_new0(Test, 1);

  t->storage = storage;
  g_assert_true(md_general_diagnostics_init(&t->gd, md_test_storage_get(storage), boot_reason,
                                            &error));
  g_assert_no_error(error);
  bind_cluster(t);
  t->subject = (MatterAclSubject) { .auth_mode = MATTER_ACL_AUTH_CASE, .fabric_index = 1 };
  return t;
}

static Test *
test_new(void)
{
  return test_new_with(md_test_storage_new(), MD_BOOT_REASON_UNSPECIFIED);
}

/* Frees the cluster's side; the storage stays for a next start. */
static MdTestStorage *
test_restart(Test *t)
{
  MdTestStorage *storage = t->storage;

  g_free(t);
  return storage;
}

static void
test_free(Test *t)
{
  md_test_storage_free(test_restart(t));
}

static MatterDmRequest
request_at(Test *t, guint64 now_ms)
{
  return (MatterDmRequest) { .session = &t->session, .subject = &t->subject, .now_ms = now_ms };
}

/* Reads @attribute at @now_ms into @buf; @r is on the value. */
static void
read_value(Test *t, guint32 attribute, guint64 now_ms, guint8 *buf, gsize size, MatterTlvReader *r)
{
  MatterDmRequest request = request_at(t, now_ms);
  MatterTlvWriter w;
  size_t len;

  matter_tlv_writer_init(&w, buf, size);
  if (matter_dm_is_global(attribute))
    g_assert_cmpint(matter_dm_read_global(&t->cluster, attribute, &w, matter_tlv_tag_anonymous()),
                    ==, MATTER_OK);
  else
    g_assert_cmpuint(t->cluster.cls->read(&t->cluster, &request, attribute, &w,
                                          matter_tlv_tag_anonymous()),
                     ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpint(matter_tlv_writer_finish(&w, &len), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_check(buf, len), ==, MATTER_OK);
  matter_tlv_reader_init(r, buf, len);
  g_assert_cmpint(matter_tlv_next(r), ==, MATTER_OK);
}

static guint64
read_uint(Test *t, guint32 attribute, guint64 now_ms)
{
  guint8 buf[32];
  MatterTlvReader r;
  guint64 value;

  read_value(t, attribute, now_ms, buf, sizeof(buf), &r);
  g_assert_cmpint(matter_tlv_get_u64(&r, &value), ==, MATTER_OK);
  return value;
}

/* A list of unsigned integers, as a string "a b c" for one comparison. */
static char *
read_uint_list(Test *t, guint32 attribute)
{
  g_autoptr(GString) out = g_string_new(NULL);
  guint8 buf[128];
  MatterTlvReader r;
  guint64 value;

  read_value(t, attribute, 0, buf, sizeof(buf), &r);
  g_assert_cmpint(matter_tlv_get_type(&r), ==, MATTER_TLV_TYPE_ARRAY);
  g_assert_cmpint(matter_tlv_enter(&r), ==, MATTER_OK);
  while (matter_tlv_next(&r) == MATTER_OK) {
    g_assert_cmpint(matter_tlv_get_u64(&r, &value), ==, MATTER_OK);
    g_string_append_printf(out, "%s0x%04" G_GINT64_MODIFIER "X", out->len > 0 ? " " : "", value);
  }
  return g_string_free(g_steal_pointer(&out), FALSE);
}

/* ---- RebootCount and the stored counters ---- */

/* Each start counts once, in the store, so a second start on the same
 * store reads one more; the first start after a factory reset reads 1. */
static void
test_reboot_count(void)
{
  Test *t = test_new();
  MdTestStorage *storage;

  g_assert_cmpuint(read_uint(t, ATTR_REBOOT_COUNT, 0), ==, 1);
  g_assert_cmpuint(md_test_storage_uint64(t->storage, KEY_REBOOT_COUNT), ==, 1);
  storage = test_restart(t);
  t = test_new_with(storage, MD_BOOT_REASON_UNSPECIFIED);
  g_assert_cmpuint(read_uint(t, ATTR_REBOOT_COUNT, 0), ==, 2);
  g_assert_cmpuint(md_test_storage_uint64(t->storage, KEY_REBOOT_COUNT), ==, 2);
  test_free(t);
}

/* A uint16 attribute: the count stops at its maximum instead of wrapping
 * to a small number. */
static void
test_reboot_count_saturates(void)
{
  MdTestStorage *storage = md_test_storage_new();
  Test *t;

  g_assert_true(md_node_storage_put_uint64(md_test_storage_get(storage), KEY_REBOOT_COUNT,
                                           G_MAXUINT16 - 1, NULL));
  t = test_new_with(storage, MD_BOOT_REASON_UNSPECIFIED);
  g_assert_cmpuint(read_uint(t, ATTR_REBOOT_COUNT, 0), ==, G_MAXUINT16);
  storage = test_restart(t);
  t = test_new_with(storage, MD_BOOT_REASON_UNSPECIFIED);
  g_assert_cmpuint(read_uint(t, ATTR_REBOOT_COUNT, 0), ==, G_MAXUINT16);
  g_assert_cmpuint(md_test_storage_uint64(t->storage, KEY_REBOOT_COUNT), ==, G_MAXUINT16);
  test_free(t);
}

/* Whichever of the start's storage calls fails, init says so with the
 * store's error and counts nothing. */
static void
test_init_storage_failure(void)
{
  g_autoptr(MdTestStorage) storage = md_test_storage_new();
  guint calls;

  {
    Test *t = test_new_with(storage, MD_BOOT_REASON_UNSPECIFIED);

    g_free(t);
  }
  calls = md_test_storage_calls(storage);
  g_assert_cmpuint(calls, ==, 3); /* two reads, one write */
  for (guint n = 1; n <= calls; n++) {
    g_autoptr(GError) error = NULL;
    MdGeneralDiagnostics gd;

    g_test_message("storage call %u fails", n);
    md_test_storage_fail_at(storage, n);
    g_assert_false(md_general_diagnostics_init(&gd, md_test_storage_get(storage),
                                               MD_BOOT_REASON_UNSPECIFIED, &error));
    g_assert_error(error, MD_ERROR, MD_ERROR_STORE);
    g_assert_cmpuint(md_test_storage_uint64(storage, KEY_REBOOT_COUNT), ==, 1);
  }
}

/* UpTime counts seconds from start(); the operational time of earlier runs
 * comes from the store and is written back once an hour and at stop(). */
static void
test_up_time_and_operational_hours(void)
{
  Test *t = test_new();
  const guint64 start = 5000;
  MdTestStorage *storage;
  guint calls;

  g_assert_cmpuint(md_general_diagnostics_next_deadline(&t->gd), ==, G_MAXUINT64);
  g_assert_cmpuint(read_uint(t, ATTR_UP_TIME, 9000), ==, 0); /* not started */
  md_general_diagnostics_start(&t->gd, start);
  g_assert_cmpuint(read_uint(t, ATTR_UP_TIME, start), ==, 0);
  g_assert_cmpuint(read_uint(t, ATTR_UP_TIME, start + 61999), ==, 61);
  g_assert_cmpuint(read_uint(t, ATTR_TOTAL_OPERATIONAL_HOURS, start + HOUR_MS - 1), ==, 0);
  g_assert_cmpuint(md_general_diagnostics_next_deadline(&t->gd), ==, start + HOUR_MS);

  /* Not yet due: nothing is written. */
  calls = md_test_storage_calls(t->storage);
  md_general_diagnostics_process(&t->gd, start + HOUR_MS - 1);
  g_assert_cmpuint(md_test_storage_calls(t->storage), ==, calls);
  g_assert_false(md_test_storage_has(t->storage, KEY_OPERATIONAL_MS));

  md_general_diagnostics_process(&t->gd, start + HOUR_MS);
  g_assert_cmpuint(md_test_storage_uint64(t->storage, KEY_OPERATIONAL_MS), ==, HOUR_MS);
  g_assert_cmpuint(md_general_diagnostics_next_deadline(&t->gd), ==, start + 2 * HOUR_MS);
  g_assert_cmpuint(read_uint(t, ATTR_TOTAL_OPERATIONAL_HOURS, start + HOUR_MS), ==, 1);
  g_assert_cmpuint(read_uint(t, ATTR_UP_TIME, start + HOUR_MS), ==, 3600);

  g_assert_true(md_general_diagnostics_stop(&t->gd, start + 90 * 60 * 1000, NULL));
  g_assert_cmpuint(md_test_storage_uint64(t->storage, KEY_OPERATIONAL_MS), ==, 90 * 60 * 1000);

  /* The next run goes on from 90 minutes, on a clock that started again. */
  storage = test_restart(t);
  t = test_new_with(storage, MD_BOOT_REASON_UNSPECIFIED);
  g_assert_cmpuint(read_uint(t, ATTR_TOTAL_OPERATIONAL_HOURS, 0), ==, 1);
  md_general_diagnostics_start(&t->gd, 1000);
  g_assert_cmpuint(read_uint(t, ATTR_UP_TIME, 1000 + 30 * 60 * 1000), ==, 1800);
  g_assert_cmpuint(read_uint(t, ATTR_TOTAL_OPERATIONAL_HOURS, 1000 + 30 * 60 * 1000 - 1), ==, 1);
  g_assert_cmpuint(read_uint(t, ATTR_TOTAL_OPERATIONAL_HOURS, 1000 + 30 * 60 * 1000), ==, 2);
  test_free(t);
}

/* A failed hourly write is reported and tried again an hour later with
 * the whole count, which went on in memory. */
static void
test_operational_time_storage_failure(void)
{
  Test *t = test_new();

  md_general_diagnostics_start(&t->gd, 0);
  md_test_storage_fail_at(t->storage, 1);
  g_test_expect_message("matterd", G_LOG_LEVEL_WARNING, "Cannot store the operational time: *");
  md_general_diagnostics_process(&t->gd, HOUR_MS);
  g_test_assert_expected_messages();
  g_assert_false(md_test_storage_has(t->storage, KEY_OPERATIONAL_MS));
  g_assert_cmpuint(md_general_diagnostics_next_deadline(&t->gd), ==, 2 * HOUR_MS);
  g_assert_cmpuint(read_uint(t, ATTR_TOTAL_OPERATIONAL_HOURS, HOUR_MS), ==, 1);

  md_general_diagnostics_process(&t->gd, 2 * HOUR_MS + 5);
  g_assert_cmpuint(md_test_storage_uint64(t->storage, KEY_OPERATIONAL_MS), ==, 2 * HOUR_MS + 5);

  md_test_storage_fail_at(t->storage, 1);
  {
    g_autoptr(GError) error = NULL;

    g_assert_false(md_general_diagnostics_stop(&t->gd, 3 * HOUR_MS, &error));
    g_assert_error(error, MD_ERROR, MD_ERROR_STORE);
  }
  test_free(t);
}

/* ---- BootReason and TestEventTriggersEnabled ---- */

static void
test_boot_reason(void)
{
  Test *t = test_new();
  MdTestStorage *storage;
  guint8 buf[16];
  MatterTlvWriter w;
  MatterTlvReader r;
  size_t len;
  guint8 reason;

  g_assert_cmpuint(read_uint(t, ATTR_BOOT_REASON, 0), ==, MD_BOOT_REASON_UNSPECIFIED);
  storage = test_restart(t);
  t = test_new_with(storage, MD_BOOT_REASON_SOFTWARE_UPDATE_COMPLETED);
  g_assert_cmpuint(read_uint(t, ATTR_BOOT_REASON, 0), ==, 5);

  /* The event's fields: BootReason [0]. */
  matter_tlv_writer_init(&w, buf, sizeof(buf));
  g_assert_cmpint(md_general_diagnostics_encode_boot_reason_event(&t->gd, &w,
                                                                  matter_tlv_tag_anonymous()),
                  ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_writer_finish(&w, &len), ==, MATTER_OK);
  matter_tlv_reader_init(&r, buf, len);
  g_assert_cmpint(matter_tlv_next(&r), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_enter(&r), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_get_context_u8(&r, 0, &reason), ==, MATTER_OK);
  g_assert_cmpuint(reason, ==, 5);
  /* No room: the writer's error, not a crash. */
  matter_tlv_writer_init(&w, buf, 2);
  g_assert_cmpint(md_general_diagnostics_encode_boot_reason_event(&t->gd, &w,
                                                                  matter_tlv_tag_anonymous()),
                  ==, MATTER_ERROR_BUFFER_TOO_SMALL);
  test_free(t);
}

static void
test_test_event_triggers_disabled(void)
{
  Test *t = test_new();
  guint8 buf[8];
  MatterTlvReader r;
  bool enabled = true;

  read_value(t, ATTR_TEST_EVENT_TRIGGERS_ENABLED, 0, buf, sizeof(buf), &r);
  g_assert_cmpint(matter_tlv_get_bool(&r, &enabled), ==, MATTER_OK);
  g_assert_false(enabled);
  test_free(t);
}

/* ---- The tables against DiagnosticsGeneral.xml ---- */

static void
test_global_lists(void)
{
  Test *t = test_new();
  g_autofree char *attributes = read_uint_list(t, MATTER_DM_ATTR_ATTRIBUTE_LIST);
  g_autofree char *accepted = read_uint_list(t, MATTER_DM_ATTR_ACCEPTED_COMMAND_LIST);
  g_autofree char *generated = read_uint_list(t, MATTER_DM_ATTR_GENERATED_COMMAND_LIST);
  MatterDmAttribute entry;
  const MatterDmEvent *event;

  g_assert_cmpuint(md_general_diagnostics_class.id, ==, 0x0033);
  g_assert_true(md_general_diagnostics_class.flags & MATTER_DM_DIAGNOSTICS);
  g_assert_cmpstr(attributes, ==,
                  "0x0000 0x0001 0x0002 0x0003 0x0004 0x0008 "
                  "0xFFF8 0xFFF9 0xFFFB 0xFFFC 0xFFFD");
  /* No DataModelTest feature: no PayloadTestRequest nor its response. */
  g_assert_cmpstr(accepted, ==, "0x0000 0x0001");
  g_assert_cmpstr(generated, ==, "0x0002");
  g_assert_cmpuint(read_uint(t, MATTER_DM_ATTR_FEATURE_MAP, 0), ==, 0);
  g_assert_cmpuint(read_uint(t, MATTER_DM_ATTR_CLUSTER_REVISION, 0), ==, 2);
  g_assert_null(matter_dm_find_command(&t->cluster, CMD_PAYLOAD_TEST_REQUEST));

  /* Privileges and qualities. */
  for (gsize i = 0; i < md_general_diagnostics_class.attribute_count; i++) {
    const MatterDmAttribute *a = &md_general_diagnostics_class.attributes[i];

    g_assert_cmpuint(a->read_privilege, ==, MATTER_ACL_PRIVILEGE_VIEW);
    g_assert_cmpuint(a->write_privilege, ==, 0);
    g_assert_false(a->qualities & (MATTER_DM_FABRIC_SCOPED | MATTER_DM_FABRIC_SENSITIVE));
  }
  g_assert_true(matter_dm_find_attribute(&t->cluster, ATTR_NETWORK_INTERFACES, &entry));
  g_assert_cmpuint(entry.qualities, ==, MATTER_DM_LIST);
  g_assert_true(matter_dm_find_attribute(&t->cluster, ATTR_UP_TIME, &entry));
  g_assert_cmpuint(entry.qualities, ==, MATTER_DM_CHANGES_OMITTED);
  g_assert_true(matter_dm_find_attribute(&t->cluster, ATTR_TOTAL_OPERATIONAL_HOURS, &entry));
  g_assert_cmpuint(entry.qualities, ==, MATTER_DM_CHANGES_OMITTED);
  g_assert_cmpuint(matter_dm_find_command(&t->cluster, CMD_TEST_EVENT_TRIGGER)->privilege, ==,
                   MATTER_ACL_PRIVILEGE_MANAGE);
  g_assert_cmpuint(matter_dm_find_command(&t->cluster, CMD_TEST_EVENT_TRIGGER)->response_id, ==,
                   MATTER_DM_NO_RESPONSE);
  g_assert_cmpuint(matter_dm_find_command(&t->cluster, CMD_TIME_SNAPSHOT)->privilege, ==,
                   MATTER_ACL_PRIVILEGE_OPERATE);

  /* Events: BootReason only, critical, View. */
  g_assert_cmpuint(md_general_diagnostics_class.event_count, ==, 1);
  event = matter_dm_find_event(&t->cluster, MD_GENERAL_DIAGNOSTICS_EVENT_BOOT_REASON);
  g_assert_nonnull(event);
  g_assert_cmpuint(event->priority, ==, 2);
  g_assert_cmpuint(event->privilege, ==, MATTER_ACL_PRIVILEGE_VIEW);
  g_assert_null(matter_dm_find_event(&t->cluster, 0x00));

  /* An optional attribute that is not offered. */
  g_assert_false(matter_dm_find_attribute(&t->cluster, ATTR_ACTIVE_HARDWARE_FAULTS, &entry));
  {
    MatterDmRequest request = request_at(t, 0);
    guint8 buf[8];
    MatterTlvWriter w;

    matter_tlv_writer_init(&w, buf, sizeof(buf));
    g_assert_cmpuint(t->cluster.cls->read(&t->cluster, &request, ATTR_ACTIVE_HARDWARE_FAULTS, &w,
                                          matter_tlv_tag_anonymous()),
                     ==, MATTER_IM_STATUS_UNSUPPORTED_ATTRIBUTE);
  }
  test_free(t);
}

/* ---- NetworkInterfaces ---- */

static MdNetworkInterfaceSnapshot
ethernet(const char *name, guint8 last)
{
  MdNetworkInterfaceSnapshot nif = {
    .is_operational = TRUE,
    .hardware_address = { 0x02, 0x00, 0x5E, 0x10, 0x20, last },
    .hardware_address_len = 6,
    .ipv4 = { { 192, 168, 1, last }, { 10, 0, 0, last } },
    .ipv4_count = 2,
    .ipv6 = { { 0xFE, 0x80, [15] = last } },
    .ipv6_count = 1,
    .type = MD_INTERFACE_TYPE_ETHERNET,
  };

  g_strlcpy(nif.name, name, sizeof(nif.name));
  return nif;
}

static MdNetworkInterfaceSnapshot
wifi(void)
{
  MdNetworkInterfaceSnapshot nif = {
    .name = "wlan0",
    .is_operational = FALSE,
    .hardware_address = { 1, 2, 3, 4, 5, 6, 7, 8 },
    .hardware_address_len = 8,
    .ipv6 = { { 0xFD, 0x00, [15] = 1 }, { 0x20, 0x01, 0x0D, 0xB8, [15] = 2 } },
    .ipv6_count = 2,
    .type = MD_INTERFACE_TYPE_WIFI,
  };

  return nif;
}

static void
assert_null_field(MatterTlvReader *r, guint8 tag)
{
  g_assert_cmpint(matter_tlv_find_context(r, tag), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_get_null(r), ==, MATTER_OK);
}

/* An array field of octet strings of @size bytes each: their count. */
static gsize
check_address_list(MatterTlvReader *r, guint8 tag, gsize size, const guint8 *want,
                   gsize want_count)
{
  const guint8 *data;
  size_t len;
  gsize count = 0;

  g_assert_cmpint(matter_tlv_enter_context(r, tag, MATTER_TLV_TYPE_ARRAY), ==, MATTER_OK);
  while (matter_tlv_next(r) == MATTER_OK) {
    g_assert_cmpint(matter_tlv_get_bytes(r, &data, &len), ==, MATTER_OK);
    g_assert_cmpuint(count, <, want_count);
    g_assert_cmpmem(data, len, want + count * size, size);
    count++;
  }
  g_assert_cmpint(matter_tlv_exit(r), ==, MATTER_OK);
  return count;
}

/* One NetworkInterface struct as read, against @want. */
static void
check_interface(MatterTlvReader *r, const MdNetworkInterfaceSnapshot *want)
{
  gsize ipv4_count = MIN(want->ipv4_count, MD_INTERFACE_IPV4_MAX);
  gsize ipv6_count = MIN(want->ipv6_count, MD_INTERFACE_IPV6_MAX);
  const char *name;
  const guint8 *hw;
  size_t len;
  bool operational;
  guint8 type;

  g_assert_cmpint(matter_tlv_get_type(r), ==, MATTER_TLV_TYPE_STRUCTURE);
  g_assert_cmpint(matter_tlv_enter(r), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_get_context_utf8(r, 0, &name, &len), ==, MATTER_OK);
  g_assert_cmpmem(name, len, want->name, strlen(want->name));
  g_assert_cmpint(matter_tlv_get_context_bool(r, 1, &operational), ==, MATTER_OK);
  g_assert_cmpint(operational, ==, want->is_operational);
  assert_null_field(r, 2);
  assert_null_field(r, 3);
  g_assert_cmpint(matter_tlv_get_context_bytes(r, 4, &hw, &len), ==, MATTER_OK);
  g_assert_cmpmem(hw, len, want->hardware_address, want->hardware_address_len);
  g_assert_cmpuint(check_address_list(r, 5, 4, &want->ipv4[0][0], ipv4_count), ==, ipv4_count);
  g_assert_cmpuint(check_address_list(r, 6, 16, &want->ipv6[0][0], ipv6_count), ==, ipv6_count);
  g_assert_cmpint(matter_tlv_get_context_u8(r, 7, &type), ==, MATTER_OK);
  g_assert_cmpuint(type, ==, want->type);
  g_assert_cmpint(matter_tlv_exit(r), ==, MATTER_OK);
}

/* Reads NetworkInterfaces and checks it is @want, in order. */
static void
check_interfaces(Test *t, const MdNetworkInterfaceSnapshot *want, gsize count)
{
  guint8 buf[4096];
  MatterTlvReader r;
  gsize i = 0;

  read_value(t, ATTR_NETWORK_INTERFACES, 0, buf, sizeof(buf), &r);
  g_assert_cmpint(matter_tlv_get_type(&r), ==, MATTER_TLV_TYPE_ARRAY);
  g_assert_cmpint(matter_tlv_enter(&r), ==, MATTER_OK);
  while (matter_tlv_next(&r) == MATTER_OK) {
    g_assert_cmpuint(i, <, count);
    check_interface(&r, &want[i++]);
  }
  g_assert_cmpuint(i, ==, count);
}

/* Each field with its type and tag; addresses as octet strings of 4 and
 * 16 bytes; off-premise reachability null (unknown). */
static void
test_network_interfaces_encoding(void)
{
  Test *t = test_new();
  MdNetworkInterfaceSnapshot ifs[2] = { ethernet("eth0", 7), wifi() };

  check_interfaces(t, NULL, 0);
  g_assert_true(md_general_diagnostics_set_interfaces(&t->gd, ifs, G_N_ELEMENTS(ifs)));
  check_interfaces(t, ifs, G_N_ELEMENTS(ifs));
  test_free(t);
}

/* TRUE, a new data version and a change tick only when the reported
 * values differ; what lies past a list's count is no difference. */
static void
test_network_interfaces_changes(void)
{
  Test *t = test_new();
  MdNetworkInterfaceSnapshot ifs[2] = { ethernet("eth0", 7), wifi() };
  guint32 version = t->cluster.data_version;
  guint64 tick;

  g_assert_cmpuint(matter_dm_attribute_tick(&t->cluster, ATTR_NETWORK_INTERFACES), ==, 0);
  g_assert_true(md_general_diagnostics_set_interfaces(&t->gd, ifs, 2));
  g_assert_cmpuint(t->cluster.data_version, ==, version + 1);
  tick = matter_dm_attribute_tick(&t->cluster, ATTR_NETWORK_INTERFACES);
  g_assert_cmpuint(tick, >, 0);

  g_assert_false(md_general_diagnostics_set_interfaces(&t->gd, ifs, 2));
  ifs[0].ipv4[3][0] = 99; /* past ipv4_count */
  ifs[0].hardware_address[7] = 42; /* past the 6-byte address */
  g_assert_false(md_general_diagnostics_set_interfaces(&t->gd, ifs, 2));
  g_assert_cmpuint(t->cluster.data_version, ==, version + 1);

  ifs[1].ipv6[1][15] = 3;
  g_assert_true(md_general_diagnostics_set_interfaces(&t->gd, ifs, 2));
  g_assert_cmpuint(t->cluster.data_version, ==, version + 2);
  g_assert_cmpuint(matter_dm_attribute_tick(&t->cluster, ATTR_NETWORK_INTERFACES), >, tick);
  ifs[0].is_operational = FALSE;
  g_assert_true(md_general_diagnostics_set_interfaces(&t->gd, ifs, 2));
  /* Order matters: it is the order reported. */
  {
    MdNetworkInterfaceSnapshot swapped[2] = { ifs[1], ifs[0] };

    g_assert_true(md_general_diagnostics_set_interfaces(&t->gd, swapped, 2));
    check_interfaces(t, swapped, 2);
  }
  g_assert_true(md_general_diagnostics_set_interfaces(&t->gd, NULL, 0));
  g_assert_false(md_general_diagnostics_set_interfaces(&t->gd, NULL, 0));
  check_interfaces(t, NULL, 0);
  g_assert_cmpuint(t->cluster.data_version, ==, version + 5);
  test_free(t);
}

/* The list and the address lists stop at their maximum counts; entries
 * the struct cannot carry are left out with a warning; an unknown type is
 * reported as Unspecified. */
static void
test_network_interfaces_limits(void)
{
  Test *t = test_new();
  MdNetworkInterfaceSnapshot ifs[12], want[MD_NETWORK_INTERFACES_MAX];
  MdNetworkInterfaceSnapshot *many = &ifs[0], *bad_hw = &ifs[1], *no_name = &ifs[2],
                             *long_name = &ifs[3], *bad_utf8 = &ifs[4];
  gsize w = 0;

  for (gsize i = 0; i < G_N_ELEMENTS(ifs); i++) {
    g_autofree char *name = g_strdup_printf("veth%" G_GSIZE_FORMAT, i);

    ifs[i] = ethernet(name, (guint8) i);
  }
  many->ipv4_count = 6; /* more than the struct's 4, and than the array */
  many->ipv6_count = MD_INTERFACE_IPV6_MAX + 3;
  many->type = (MdInterfaceType) 99;
  bad_hw->hardware_address_len = 0;
  no_name->name[0] = '\0';
  memset(long_name->name, 'a', sizeof(long_name->name)); /* no terminating NUL */
  bad_utf8->name[0] = (char) 0xFF;
  ifs[5].hardware_address_len = 8; /* EUI-64 is fine */

  want[w] = *many;
  want[w].ipv4_count = MD_INTERFACE_IPV4_MAX;
  want[w].ipv6_count = MD_INTERFACE_IPV6_MAX;
  want[w++].type = MD_INTERFACE_TYPE_UNSPECIFIED;
  for (gsize i = 5; w < MD_NETWORK_INTERFACES_MAX; i++)
    want[w++] = ifs[i];

  for (guint i = 0; i < 4; i++)
    g_test_expect_message("matterd", G_LOG_LEVEL_WARNING,
                          "Host interface * left out of NetworkInterfaces: *");
  g_assert_true(md_general_diagnostics_set_interfaces(&t->gd, ifs, G_N_ELEMENTS(ifs)));
  g_test_assert_expected_messages();
  g_assert_cmpuint(t->gd.interface_count, ==, MD_NETWORK_INTERFACES_MAX);
  check_interfaces(t, want, MD_NETWORK_INTERFACES_MAX);
  test_free(t);
}

/* The largest value the struct's limits allow fits the engine's value
 * buffer, and each item fits one report message with room to spare, so
 * the engine can chunk the list item by item. */
static void
test_network_interfaces_largest(void)
{
  Test *t = test_new();
  MdNetworkInterfaceSnapshot ifs[MD_NETWORK_INTERFACES_MAX];
  g_autofree guint8 *buf = g_malloc(MATTER_IM_VALUE_MAX);
  MatterTlvReader r;
  const guint8 *item;
  size_t len;

  for (gsize i = 0; i < G_N_ELEMENTS(ifs); i++) {
    ifs[i] = ethernet("", (guint8) i);
    memset(ifs[i].name, 'a' + (char) i, MD_INTERFACE_NAME_MAX);
    ifs[i].name[MD_INTERFACE_NAME_MAX] = '\0';
    ifs[i].hardware_address_len = 8;
    ifs[i].ipv4_count = MD_INTERFACE_IPV4_MAX;
    ifs[i].ipv6_count = MD_INTERFACE_IPV6_MAX;
  }
  g_assert_true(md_general_diagnostics_set_interfaces(&t->gd, ifs, G_N_ELEMENTS(ifs)));
  read_value(t, ATTR_NETWORK_INTERFACES, 0, buf, MATTER_IM_VALUE_MAX, &r);
  check_interfaces(t, ifs, G_N_ELEMENTS(ifs));
  g_assert_cmpint(matter_tlv_get_element(&r, &item, &len), ==, MATTER_OK);
  g_test_message("largest NetworkInterfaces: %zu bytes", len);
  g_assert_cmpint(matter_tlv_enter(&r), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_next(&r), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_get_element(&r, &item, &len), ==, MATTER_OK);
  g_test_message("largest NetworkInterface: %zu bytes", len);
  g_assert_cmpuint(len, <, 400);
  test_free(t);
}

/* ---- Commands ---- */

typedef struct {
  guint8 status;
  gboolean has_response;
  guint32 response_id;
  guint8 response[64];
  gsize response_len;
} Answer;

static Answer
invoke(Test *t, guint32 command, const guint8 *fields, gsize fields_len, guint64 now_ms)
{
  MatterDmRequest request = request_at(t, now_ms);
  MatterTlvWriter w;
  MatterTlvReader reader, *fields_reader = NULL;
  MatterDmInvokeResult result;
  Answer answer = { 0 };

  if (fields != NULL) {
    matter_tlv_reader_init(&reader, fields, fields_len);
    g_assert_cmpint(matter_tlv_next(&reader), ==, MATTER_OK);
    g_assert_cmpint(matter_tlv_enter(&reader), ==, MATTER_OK);
    fields_reader = &reader;
  }
  matter_tlv_writer_init(&w, answer.response, sizeof(answer.response));
  result = t->cluster.cls->invoke(&t->cluster, &request, command, fields_reader, &w,
                                  matter_tlv_tag_anonymous());
  g_assert_false(result.has_cluster_status);
  answer.status = result.status;
  answer.has_response = result.has_response;
  answer.response_id = result.response_id;
  if (result.has_response)
    g_assert_cmpint(matter_tlv_writer_finish(&w, &answer.response_len), ==, MATTER_OK);
  return answer;
}

typedef enum { FIELD_ABSENT, FIELD_BYTES, FIELD_UINT } FieldKind;

/* TestEventTrigger's fields: EnableKey [0] and EventTrigger [1], each
 * absent, or of the right or of the other type. */
static gsize
trigger_fields(guint8 *buf, gsize size, FieldKind key_kind, gsize key_len, guint8 key_byte,
               FieldKind trigger_kind)
{
  guint8 key[32];
  MatterTlvWriter w;
  size_t len;

  memset(key, key_byte, sizeof(key));
  matter_tlv_writer_init(&w, buf, size);
  matter_tlv_start_structure(&w, matter_tlv_tag_anonymous());
  if (key_kind == FIELD_BYTES)
    matter_tlv_put_bytes(&w, matter_tlv_tag_context(0), key, key_len);
  else if (key_kind == FIELD_UINT)
    matter_tlv_put_uint(&w, matter_tlv_tag_context(0), 7);
  if (trigger_kind == FIELD_UINT)
    matter_tlv_put_uint(&w, matter_tlv_tag_context(1), G_GUINT64_CONSTANT(0x0033000000000001));
  else if (trigger_kind == FIELD_BYTES)
    matter_tlv_put_bytes(&w, matter_tlv_tag_context(1), key, 8);
  matter_tlv_end_container(&w);
  g_assert_cmpint(matter_tlv_writer_finish(&w, &len), ==, MATTER_OK);
  return len;
}

static void
assert_trigger_status(Test *t, FieldKind key_kind, gsize key_len, guint8 key_byte,
                      FieldKind trigger_kind, guint8 status)
{
  guint8 fields[64];
  gsize len = trigger_fields(fields, sizeof(fields), key_kind, key_len, key_byte, trigger_kind);
  Answer answer = invoke(t, CMD_TEST_EVENT_TRIGGER, fields, len, 0);

  g_assert_false(answer.has_response);
  g_assert_cmpuint(answer.status, ==, status);
}

/* Malformed fields are INVALID_COMMAND; a key of another length than 16
 * bytes breaks the field's constraint; any well-formed key fails with
 * CONSTRAINT_ERROR, as no key is configured and triggers are disabled. */
static void
test_test_event_trigger(void)
{
  Test *t = test_new();
  Answer answer = invoke(t, CMD_TEST_EVENT_TRIGGER, NULL, 0, 0);

  g_assert_cmpuint(answer.status, ==, MATTER_IM_STATUS_INVALID_COMMAND);
  g_assert_false(answer.has_response);
  assert_trigger_status(t, FIELD_ABSENT, 0, 0, FIELD_UINT, MATTER_IM_STATUS_INVALID_COMMAND);
  assert_trigger_status(t, FIELD_UINT, 0, 0, FIELD_UINT, MATTER_IM_STATUS_INVALID_COMMAND);
  assert_trigger_status(t, FIELD_BYTES, 16, 1, FIELD_ABSENT, MATTER_IM_STATUS_INVALID_COMMAND);
  assert_trigger_status(t, FIELD_BYTES, 16, 1, FIELD_BYTES, MATTER_IM_STATUS_INVALID_COMMAND);
  assert_trigger_status(t, FIELD_BYTES, 15, 1, FIELD_UINT, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  assert_trigger_status(t, FIELD_BYTES, 17, 1, FIELD_UINT, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  assert_trigger_status(t, FIELD_BYTES, 0, 1, FIELD_UINT, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  assert_trigger_status(t, FIELD_BYTES, 16, 0, FIELD_UINT, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  assert_trigger_status(t, FIELD_BYTES, 16, 0xA5, FIELD_UINT, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  test_free(t);
}

/* The response's SystemTimeMs [0] and PosixTimeMs [1] (-1 for null). */
static void
read_time_snapshot(const Answer *answer, guint64 *system_ms, gint64 *posix_ms)
{
  MatterTlvReader r;
  guint64 posix;

  g_assert_cmpuint(answer->status, ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_true(answer->has_response);
  g_assert_cmpuint(answer->response_id, ==, CMD_TIME_SNAPSHOT_RESPONSE);
  matter_tlv_reader_init(&r, answer->response, answer->response_len);
  g_assert_cmpint(matter_tlv_next(&r), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_enter(&r), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_get_context_u64(&r, 0, system_ms), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_find_context(&r, 1), ==, MATTER_OK);
  if (matter_tlv_get_null(&r) == MATTER_OK) {
    *posix_ms = -1;
    return;
  }
  g_assert_cmpint(matter_tlv_get_u64(&r, &posix), ==, MATTER_OK);
  *posix_ms = (gint64) posix;
}

/* SystemTimeMs is the node's clock; PosixTimeMs is null until the daemon
 * says the host's clock is on UTC, and follows the node's clock after. */
static void
test_time_snapshot(void)
{
  static const guint8 empty_fields[] = { 0x15, 0x18 };
  const guint64 posix = G_GUINT64_CONSTANT(1760000000000);
  Test *t = test_new();
  Answer answer;
  guint64 system_ms;
  gint64 posix_ms;

  answer = invoke(t, CMD_TIME_SNAPSHOT, NULL, 0, 123456);
  read_time_snapshot(&answer, &system_ms, &posix_ms);
  g_assert_cmpuint(system_ms, ==, 123456);
  g_assert_cmpint(posix_ms, ==, -1);

  md_general_diagnostics_set_posix_time(&t->gd, TRUE, posix, 200000);
  answer = invoke(t, CMD_TIME_SNAPSHOT, empty_fields, sizeof(empty_fields), 200500);
  read_time_snapshot(&answer, &system_ms, &posix_ms);
  g_assert_cmpuint(system_ms, ==, 200500);
  g_assert_cmpint(posix_ms, ==, (gint64) posix + 500);

  md_general_diagnostics_set_posix_time(&t->gd, FALSE, 0, 0);
  answer = invoke(t, CMD_TIME_SNAPSHOT, NULL, 0, 300000);
  read_time_snapshot(&answer, &system_ms, &posix_ms);
  g_assert_cmpint(posix_ms, ==, -1);

  g_assert_cmpuint(invoke(t, CMD_PAYLOAD_TEST_REQUEST, NULL, 0, 0).status, ==,
                   MATTER_IM_STATUS_UNSUPPORTED_COMMAND);
  test_free(t);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/general-diagnostics/reboot-count", test_reboot_count);
  g_test_add_func("/general-diagnostics/reboot-count-saturates", test_reboot_count_saturates);
  g_test_add_func("/general-diagnostics/init-storage-failure", test_init_storage_failure);
  g_test_add_func("/general-diagnostics/up-time-and-operational-hours",
                  test_up_time_and_operational_hours);
  g_test_add_func("/general-diagnostics/operational-time-storage-failure",
                  test_operational_time_storage_failure);
  g_test_add_func("/general-diagnostics/boot-reason", test_boot_reason);
  g_test_add_func("/general-diagnostics/test-event-triggers-disabled",
                  test_test_event_triggers_disabled);
  g_test_add_func("/general-diagnostics/global-lists", test_global_lists);
  g_test_add_func("/general-diagnostics/network-interfaces-encoding",
                  test_network_interfaces_encoding);
  g_test_add_func("/general-diagnostics/network-interfaces-changes",
                  test_network_interfaces_changes);
  g_test_add_func("/general-diagnostics/network-interfaces-limits",
                  test_network_interfaces_limits);
  g_test_add_func("/general-diagnostics/network-interfaces-largest",
                  test_network_interfaces_largest);
  g_test_add_func("/general-diagnostics/test-event-trigger", test_test_event_trigger);
  g_test_add_func("/general-diagnostics/time-snapshot", test_time_snapshot);
  return g_test_run();
}
