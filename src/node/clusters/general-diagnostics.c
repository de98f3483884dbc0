/* SPDX-License-Identifier: Apache-2.0 */
/* General Diagnostics (0x0033), revision 2: Matter SDK
 * data_model/1.4.1/clusters/DiagnosticsGeneral.xml. The SDK's
 * data_model/1.4.2/clusters/ has no General Diagnostics file, so the 1.4.1
 * one is the nearest published revision for 1.4.x;
 * src/app/zap-templates/zcl/data-model/chip/general-diagnostics-
 * cluster.xml agrees (ClusterRevision 2, the same ids and privileges).
 *
 * What a Linux host can report truthfully: the node's starts (RebootCount,
 * kept in the store), its up time and operational hours, the host's
 * interfaces (md_general_diagnostics_set_interfaces(), from the daemon),
 * and a BootReason the daemon tells, "unspecified" unless it knows: the
 * daemon sees no reset cause of the hardware. The fault lists are not
 * offered, since nothing watches for faults. The DataModelTest feature is
 * not advertised, so PayloadTestRequest does not exist; no test event
 * enable key is configured, so TestEventTriggersEnabled is false and every
 * TestEventTrigger fails. */
#define G_LOG_DOMAIN "matterd"

#include "clusters.h"

#include "matter/event-log.h"

#include <inttypes.h>
#include <string.h>

#include "matter/acl.h"
#include "matter/im-engine.h"
#include "md-error.h"

#define KEY_REBOOT_COUNT "general-diagnostics/reboot-count"
#define KEY_OPERATIONAL_MS "general-diagnostics/operational-ms"

#define HOUR_MS (60 * 60 * 1000)
#define ENABLE_KEY_LEN 16

enum {
  ATTR_NETWORK_INTERFACES = 0x0000,
  ATTR_REBOOT_COUNT = 0x0001,
  ATTR_UP_TIME = 0x0002,
  ATTR_TOTAL_OPERATIONAL_HOURS = 0x0003,
  ATTR_BOOT_REASON = 0x0004,
  ATTR_TEST_EVENT_TRIGGERS_ENABLED = 0x0008,
};

enum {
  CMD_TEST_EVENT_TRIGGER = 0x00,
  CMD_TIME_SNAPSHOT = 0x01,
  CMD_TIME_SNAPSHOT_RESPONSE = 0x02,
};

/* NetworkInterface struct fields. */
enum {
  FIELD_NAME = 0,
  FIELD_IS_OPERATIONAL = 1,
  FIELD_OFF_PREMISE_IPV4 = 2,
  FIELD_OFF_PREMISE_IPV6 = 3,
  FIELD_HARDWARE_ADDRESS = 4,
  FIELD_IPV4_ADDRESSES = 5,
  FIELD_IPV6_ADDRESSES = 6,
  FIELD_TYPE = 7,
};

static const MatterDmAttribute attributes[] = {
  { ATTR_NETWORK_INTERFACES, MATTER_DM_LIST, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
  { ATTR_REBOOT_COUNT, 0, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
  { ATTR_UP_TIME, MATTER_DM_CHANGES_OMITTED, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
  { ATTR_TOTAL_OPERATIONAL_HOURS, MATTER_DM_CHANGES_OMITTED, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
  { ATTR_BOOT_REASON, 0, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
  { ATTR_TEST_EVENT_TRIGGERS_ENABLED, 0, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
};

static const MatterDmCommand commands[] = {
  { CMD_TEST_EVENT_TRIGGER, MATTER_DM_NO_RESPONSE, MATTER_ACL_PRIVILEGE_MANAGE, 0, 0 },
  { CMD_TIME_SNAPSHOT, CMD_TIME_SNAPSHOT_RESPONSE, MATTER_ACL_PRIVILEGE_OPERATE, 0, 0 },
};

static const MatterDmEvent events[] = {
  { MD_GENERAL_DIAGNOSTICS_EVENT_BOOT_REASON, MATTER_ACL_PRIVILEGE_VIEW,
    MATTER_EVENT_PRIORITY_CRITICAL, 0, 0 },
};

/* ---- Start, stop and the stored counters ---- */

/* @value from the store, 0 when it was never stored. */
static gboolean
load_uint64(const MdNodeStorage *storage, const char *key, guint64 *value, GError **error)
{
  g_autoptr(GError) local_error = NULL;

  if (md_node_storage_get_uint64(storage, key, value, &local_error))
    return TRUE;
  if (!g_error_matches(local_error, MD_ERROR, MD_ERROR_NOT_FOUND)) {
    g_propagate_error(error, g_steal_pointer(&local_error));
    return FALSE;
  }
  *value = 0;
  return TRUE;
}

/* RebootCount is a uint16: it stays at its maximum rather than wrap to a
 * count that looks like a fresh node. */
static gboolean
count_this_start(MdGeneralDiagnostics *gd, GError **error)
{
  guint64 count;

  if (!load_uint64(gd->storage, KEY_REBOOT_COUNT, &count, error))
    return FALSE;
  count = MIN(count + 1, G_MAXUINT16);
  if (!md_node_storage_put_uint64(gd->storage, KEY_REBOOT_COUNT, count, error))
    return FALSE;
  gd->reboot_count = (guint16) count;
  return TRUE;
}

gboolean
md_general_diagnostics_init(MdGeneralDiagnostics *gd, const MdNodeStorage *storage,
                            MdBootReason boot_reason, GError **error)
{
  *gd = (MdGeneralDiagnostics) {
    .storage = storage,
    .boot_reason = boot_reason,
    .next_save_ms = G_MAXUINT64,
  };
  return load_uint64(storage, KEY_OPERATIONAL_MS, &gd->operational_ms_before, error) &&
         count_this_start(gd, error);
}

void
md_general_diagnostics_bind(MdGeneralDiagnostics *gd, MatterDmNode *dm, MatterDmCluster *cluster)
{
  gd->dm = dm;
  gd->cluster = cluster;
}

void
md_general_diagnostics_start(MdGeneralDiagnostics *gd, guint64 now_ms)
{
  gd->started = TRUE;
  gd->start_ms = now_ms;
  gd->next_save_ms = now_ms + HOUR_MS;
  g_debug("Start %u of this node (boot reason %d)", gd->reboot_count, gd->boot_reason);
}

static guint64
up_time_ms(const MdGeneralDiagnostics *gd, guint64 now_ms)
{
  return gd->started && now_ms > gd->start_ms ? now_ms - gd->start_ms : 0;
}

static guint64
operational_ms(const MdGeneralDiagnostics *gd, guint64 now_ms)
{
  return gd->operational_ms_before + up_time_ms(gd, now_ms);
}

guint64
md_general_diagnostics_next_deadline(const MdGeneralDiagnostics *gd)
{
  return gd->next_save_ms;
}

/* Once an hour, so a crash loses less than an hour of the count and the
 * store sees one write an hour; a failed write is tried again an hour
 * later, the count going on in memory meanwhile. */
void
md_general_diagnostics_process(MdGeneralDiagnostics *gd, guint64 now_ms)
{
  g_autoptr(GError) error = NULL;

  if (now_ms < gd->next_save_ms)
    return;
  gd->next_save_ms = now_ms + HOUR_MS;
  if (!md_node_storage_put_uint64(gd->storage, KEY_OPERATIONAL_MS, operational_ms(gd, now_ms),
                                  &error))
    g_warning("Cannot store the operational time: %s", error->message);
}

gboolean
md_general_diagnostics_stop(MdGeneralDiagnostics *gd, guint64 now_ms, GError **error)
{
  if (!gd->started)
    return TRUE;
  return md_node_storage_put_uint64(gd->storage, KEY_OPERATIONAL_MS, operational_ms(gd, now_ms),
                                    error);
}

void
md_general_diagnostics_set_posix_time(MdGeneralDiagnostics *gd, gboolean known, guint64 posix_ms,
                                      guint64 now_ms)
{
  gd->knows_posix_time = known;
  gd->posix_offset_ms = known ? (gint64) posix_ms - (gint64) now_ms : 0;
}

MatterError
md_general_diagnostics_encode_boot_reason_event(const MdGeneralDiagnostics *gd, MatterTlvWriter *w,
                                                MatterTlvTag tag)
{
  matter_tlv_start_structure(w, tag);
  matter_tlv_put_uint(w, matter_tlv_tag_context(0), gd->boot_reason);
  return matter_tlv_end_container(w);
}

/* ---- The host's interfaces ---- */

/* What NetworkInterface cannot carry: a name that is empty, longer than
 * 32 bytes or not UTF-8, a hardware address that is neither EUI-48 nor
 * EUI-64. */
static gboolean
interface_reportable(const MdNetworkInterfaceSnapshot *in)
{
  gsize name_len = strnlen(in->name, sizeof(in->name));

  return name_len > 0 && name_len <= MD_INTERFACE_NAME_MAX &&
         g_utf8_validate(in->name, (gssize) name_len, NULL) &&
         (in->hardware_address_len == 6 || in->hardware_address_len == 8);
}

/* A copy with the lists cut to the struct's maximum counts and nothing
 * but the values set. */
static void
copy_interface(MdNetworkInterfaceSnapshot *out, const MdNetworkInterfaceSnapshot *in)
{
  *out = (MdNetworkInterfaceSnapshot) {
    .is_operational = in->is_operational != FALSE,
    .hardware_address_len = in->hardware_address_len,
    .ipv4_count = MIN(in->ipv4_count, MD_INTERFACE_IPV4_MAX),
    .ipv6_count = MIN(in->ipv6_count, MD_INTERFACE_IPV6_MAX),
    .type = (guint) in->type <= MD_INTERFACE_TYPE_THREAD ? in->type : MD_INTERFACE_TYPE_UNSPECIFIED,
  };
  g_strlcpy(out->name, in->name, sizeof(out->name));
  memcpy(out->hardware_address, in->hardware_address, in->hardware_address_len);
  memcpy(out->ipv4, in->ipv4, out->ipv4_count * sizeof(out->ipv4[0]));
  memcpy(out->ipv6, in->ipv6, out->ipv6_count * sizeof(out->ipv6[0]));
}

static gboolean
interface_equal(const MdNetworkInterfaceSnapshot *a, const MdNetworkInterfaceSnapshot *b)
{
  return strcmp(a->name, b->name) == 0 && a->is_operational == b->is_operational &&
         a->hardware_address_len == b->hardware_address_len &&
         memcmp(a->hardware_address, b->hardware_address, a->hardware_address_len) == 0 &&
         a->ipv4_count == b->ipv4_count &&
         memcmp(a->ipv4, b->ipv4, a->ipv4_count * sizeof(a->ipv4[0])) == 0 &&
         a->ipv6_count == b->ipv6_count &&
         memcmp(a->ipv6, b->ipv6, a->ipv6_count * sizeof(a->ipv6[0])) == 0 && a->type == b->type;
}

static gboolean
interfaces_equal(const MdNetworkInterfaceSnapshot *a, gsize a_count,
                 const MdNetworkInterfaceSnapshot *b, gsize b_count)
{
  if (a_count != b_count)
    return FALSE;
  for (gsize i = 0; i < a_count; i++)
    if (!interface_equal(&a[i], &b[i]))
      return FALSE;
  return TRUE;
}

gboolean
md_general_diagnostics_set_interfaces(MdGeneralDiagnostics *gd,
                                      const MdNetworkInterfaceSnapshot *snapshot, gsize count)
{
  MdNetworkInterfaceSnapshot next[MD_NETWORK_INTERFACES_MAX];
  gsize next_count = 0;

  for (gsize i = 0; i < count && next_count < MD_NETWORK_INTERFACES_MAX; i++) {
    if (!interface_reportable(&snapshot[i])) {
      g_warning("Host interface %" G_GSIZE_FORMAT " left out of NetworkInterfaces: "
                "its name or hardware address does not fit",
                i);
      continue;
    }
    copy_interface(&next[next_count++], &snapshot[i]);
  }
  if (interfaces_equal(next, next_count, gd->interfaces, gd->interface_count))
    return FALSE;
  memcpy(gd->interfaces, next, next_count * sizeof(next[0]));
  gd->interface_count = next_count;
  g_debug("%" G_GSIZE_FORMAT " network interfaces to report", next_count);
  if (gd->dm != NULL)
    matter_dm_mark(gd->dm, gd->cluster, ATTR_NETWORK_INTERFACES);
  return TRUE;
}

/* ---- Attributes ---- */

/* NetworkInterface: whether off-premise services are reachable is not
 * something the host tells, hence null (unknown) for both families. */
static void
put_interface(MatterTlvWriter *w, const MdNetworkInterfaceSnapshot *nif)
{
  matter_tlv_start_structure(w, matter_tlv_tag_anonymous());
  matter_tlv_put_string(w, matter_tlv_tag_context(FIELD_NAME), nif->name);
  matter_tlv_put_bool(w, matter_tlv_tag_context(FIELD_IS_OPERATIONAL), nif->is_operational);
  matter_tlv_put_null(w, matter_tlv_tag_context(FIELD_OFF_PREMISE_IPV4));
  matter_tlv_put_null(w, matter_tlv_tag_context(FIELD_OFF_PREMISE_IPV6));
  matter_tlv_put_bytes(w, matter_tlv_tag_context(FIELD_HARDWARE_ADDRESS), nif->hardware_address,
                       nif->hardware_address_len);
  matter_tlv_start_array(w, matter_tlv_tag_context(FIELD_IPV4_ADDRESSES));
  for (gsize i = 0; i < nif->ipv4_count; i++)
    matter_tlv_put_bytes(w, matter_tlv_tag_anonymous(), nif->ipv4[i], sizeof(nif->ipv4[i]));
  matter_tlv_end_container(w);
  matter_tlv_start_array(w, matter_tlv_tag_context(FIELD_IPV6_ADDRESSES));
  for (gsize i = 0; i < nif->ipv6_count; i++)
    matter_tlv_put_bytes(w, matter_tlv_tag_anonymous(), nif->ipv6[i], sizeof(nif->ipv6[i]));
  matter_tlv_end_container(w);
  matter_tlv_put_uint(w, matter_tlv_tag_context(FIELD_TYPE), nif->type);
  matter_tlv_end_container(w);
}

static uint8_t
read_attribute(MatterDmCluster *cluster, const MatterDmRequest *request, uint32_t attribute,
               MatterTlvWriter *w, MatterTlvTag tag)
{
  MdGeneralDiagnostics *gd = cluster->state;

  switch (attribute) {
  case ATTR_NETWORK_INTERFACES:
    matter_tlv_start_array(w, tag);
    for (gsize i = 0; i < gd->interface_count; i++)
      put_interface(w, &gd->interfaces[i]);
    matter_tlv_end_container(w);
    break;
  case ATTR_REBOOT_COUNT:
    matter_tlv_put_uint(w, tag, gd->reboot_count);
    break;
  case ATTR_UP_TIME:
    matter_tlv_put_uint(w, tag, up_time_ms(gd, request->now_ms) / 1000);
    break;
  case ATTR_TOTAL_OPERATIONAL_HOURS:
    matter_tlv_put_uint(w, tag, MIN(operational_ms(gd, request->now_ms) / HOUR_MS, G_MAXUINT32));
    break;
  case ATTR_BOOT_REASON:
    matter_tlv_put_uint(w, tag, gd->boot_reason);
    break;
  case ATTR_TEST_EVENT_TRIGGERS_ENABLED:
    matter_tlv_put_bool(w, tag, false);
    break;
  default:
    return MATTER_IM_STATUS_UNSUPPORTED_ATTRIBUTE;
  }
  return MATTER_IM_STATUS_SUCCESS;
}

/* ---- Commands ---- */

static MatterDmInvokeResult
status_result(uint8_t status)
{
  return (MatterDmInvokeResult) { .status = status };
}

/* 11.12.7.1: an EnableKey that does not match the configured one, or any
 * key while TestEventTriggersEnabled is false, fails with CONSTRAINT_ERROR;
 * no key is configured here, so every well-formed request does. */
static MatterDmInvokeResult
test_event_trigger(MatterTlvReader *fields)
{
  const uint8_t *key;
  size_t key_len;
  uint64_t trigger;

  if (fields == NULL || matter_tlv_get_context_bytes(fields, 0, &key, &key_len) != MATTER_OK ||
      matter_tlv_get_context_u64(fields, 1, &trigger) != MATTER_OK)
    return status_result(MATTER_IM_STATUS_INVALID_COMMAND);
  if (key_len != ENABLE_KEY_LEN)
    return status_result(MATTER_IM_STATUS_CONSTRAINT_ERROR);
  g_debug("TestEventTrigger 0x%016" PRIx64 " refused: test event triggers are disabled", trigger);
  return status_result(MATTER_IM_STATUS_CONSTRAINT_ERROR);
}

/* TimeSnapshotResponse: the node's system time is its monotonic clock;
 * the POSIX time only when the host's clock is known to be on UTC. */
static MatterDmInvokeResult
time_snapshot(MdGeneralDiagnostics *gd, const MatterDmRequest *request, MatterTlvWriter *response,
              MatterTlvTag tag)
{
  gint64 posix_ms = (gint64) request->now_ms + gd->posix_offset_ms;

  matter_tlv_start_structure(response, tag);
  matter_tlv_put_uint(response, matter_tlv_tag_context(0), request->now_ms);
  if (gd->knows_posix_time && posix_ms >= 0)
    matter_tlv_put_uint(response, matter_tlv_tag_context(1), (guint64) posix_ms);
  else
    matter_tlv_put_null(response, matter_tlv_tag_context(1));
  matter_tlv_end_container(response);
  return (MatterDmInvokeResult) {
    .status = MATTER_IM_STATUS_SUCCESS,
    .has_response = true,
    .response_id = CMD_TIME_SNAPSHOT_RESPONSE,
  };
}

static MatterDmInvokeResult
invoke(MatterDmCluster *cluster, const MatterDmRequest *request, uint32_t command,
       MatterTlvReader *fields, MatterTlvWriter *response, MatterTlvTag tag)
{
  MdGeneralDiagnostics *gd = cluster->state;

  switch (command) {
  case CMD_TEST_EVENT_TRIGGER:
    return test_event_trigger(fields);
  case CMD_TIME_SNAPSHOT:
    return time_snapshot(gd, request, response, tag);
  default:
    return status_result(MATTER_IM_STATUS_UNSUPPORTED_COMMAND);
  }
}

const MatterDmClass md_general_diagnostics_class = {
  .id = 0x0033,
  .revision = 2,
  .flags = MATTER_DM_DIAGNOSTICS,
  .name = "General Diagnostics",
  .attributes = attributes,
  .attribute_count = G_N_ELEMENTS(attributes),
  .commands = commands,
  .command_count = G_N_ELEMENTS(commands),
  .events = events,
  .event_count = G_N_ELEMENTS(events),
  .read = read_attribute,
  .invoke = invoke,
};
