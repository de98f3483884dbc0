/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The root endpoint's clusters, one file each. Attribute and command
 * tables follow the Matter SDK's data model XML for Matter 1.4.2
 * (data_model/1.4.2/clusters/, one XML file a cluster), cited in each file. */

#include <glib.h>

#include "attestation-creds.h"
#include "fabric-table.h"
#include "fail-safe.h"
#include "matter/dm.h"
#include "matter/event-log.h"
#include "node-storage.h"

/* Descriptor (0x001D): its state is the node's MatterDmNode. */
extern const MatterDmClass md_descriptor_class;

/* Basic Information (0x0028). */
extern const MatterDmClass md_basic_information_class;

typedef struct {
  guint16 vendor_id;
  guint16 product_id;
  const char *vendor_name;
  const char *product_name;
  guint16 hardware_version;
  const char *hardware_version_string;
  guint32 software_version;
  const char *software_version_string;
  const char *serial_number;
  const char *part_number;
  const char *product_url;
  const char *product_label;
  const char *manufacturing_date;
} MdBasicInformationParams;

typedef struct _MdBasicInformation MdBasicInformation;

/* Loads NodeLabel, Location and UniqueID from @storage (UniqueID chosen at
 * random at first start and kept). */
MdBasicInformation *md_basic_information_new(const MdBasicInformationParams *params,
                                             const MdNodeStorage *storage, GError **error);
void md_basic_information_free(MdBasicInformation *info);
/* A write interaction's staged values: stored inside the node's
 * transaction (@storage is in one), made live after it committed. */
gboolean md_basic_information_stage(MdBasicInformation *info, GError **error);
void md_basic_information_apply(MdBasicInformation *info, MatterDmNode *dm,
                                MatterDmCluster *cluster);
void md_basic_information_drop(MdBasicInformation *info);
const char *md_basic_information_get_node_label(MdBasicInformation *info);
const char *md_basic_information_get_location(MdBasicInformation *info);
const char *md_basic_information_get_unique_id(MdBasicInformation *info);
/* The host sets NodeLabel (stored at once, then marked in @cluster of
 * @dm); MD_ERROR_INVALID_ARGUMENT for a label the attribute cannot hold. */
gboolean md_basic_information_set_node_label(MdBasicInformation *info, const char *label,
                                             MatterDmNode *dm, MatterDmCluster *cluster,
                                             GError **error);
/* Factory reset: NodeLabel and Location back to their defaults and a new
 * UniqueID, stored inside the caller's transaction and made live by
 * md_basic_information_apply() once it committed (drop() otherwise). */
gboolean md_basic_information_stage_reset(MdBasicInformation *info, GError **error);

/* General Commissioning (0x0030) and the node's fail-safe context. */
extern const MatterDmClass md_general_commissioning_class;

/* CommissioningErrorEnum. */
typedef enum {
  MD_COMMISSIONING_OK = 0,
  MD_COMMISSIONING_VALUE_OUTSIDE_RANGE = 1,
  MD_COMMISSIONING_INVALID_AUTHENTICATION = 2,
  MD_COMMISSIONING_NO_FAIL_SAFE = 3,
  MD_COMMISSIONING_BUSY_WITH_OTHER_ADMIN = 4,
} MdCommissioningError;

/* RegulatoryLocationTypeEnum. */
enum {
  MD_REGULATORY_INDOOR = 0,
  MD_REGULATORY_OUTDOOR = 1,
  MD_REGULATORY_INDOOR_OUTDOOR = 2,
};

/* What General Commissioning asks of the node. */
typedef struct {
  gboolean (*window_open)(gpointer user_data);
  /* The fail-safe ran out (or was expired by ArmFailSafe(0)): undo what
   * the commissioning did and end its PASE sessions (11.10.7.2.2). */
  void (*expired)(gpointer user_data, guint64 now_ms);
  /* CommissioningComplete from @fabric_index over CASE: make it all
   * permanent. FALSE when that failed (the fail-safe stays armed). */
  gboolean (*complete)(gpointer user_data, guint8 fabric_index, guint64 now_ms);
} MdGeneralCommissioningOps;

typedef struct {
  const MdNodeStorage *storage; /* not owned */
  const MdGeneralCommissioningOps *ops;
  gpointer user_data;
  MatterDmNode *dm; /* for change marks, once bound */
  MatterDmCluster *cluster;
  MdFailSafe fail_safe;
  gboolean armed_over_pase; /* by the PASE session of this id */
  guint16 armed_session_id;
  guint64 breadcrumb;
  gboolean has_staged_breadcrumb;
  guint64 staged_breadcrumb;
  guint8 location_capability;
  guint8 regulatory_config; /* kept in the store, with the country code */
  char country_code[3];
} MdGeneralCommissioning;

gboolean md_general_commissioning_init(MdGeneralCommissioning *gc, const MdNodeStorage *storage,
                                       const MdGeneralCommissioningOps *ops, gpointer user_data,
                                       GError **error);
void md_general_commissioning_bind(MdGeneralCommissioning *gc, MatterDmNode *dm,
                                   MatterDmCluster *cluster);
guint64 md_general_commissioning_next_deadline(const MdGeneralCommissioning *gc);
void md_general_commissioning_process(MdGeneralCommissioning *gc, guint64 now_ms);
/* Expires an armed fail-safe at @now_ms, i.e. on the next process(), after
 * the response in hand has gone out on the session the cleanup may close. */
void md_general_commissioning_expire_soon(MdGeneralCommissioning *gc, guint64 now_ms);
/* @session is closing, other than by the node's own doing: the fail-safe
 * it armed over PASE expires with it (at the next process()). */
void md_general_commissioning_session_closed(MdGeneralCommissioning *gc,
                                             const MatterSession *session, guint64 now_ms);
/* Whether the fail-safe is armed, and by which fabric (0: over PASE
 * before AddNOC). */
gboolean md_general_commissioning_fail_safe_armed(const MdGeneralCommissioning *gc,
                                                  guint8 *fabric_index);
/* AddNOC: the fail-safe now belongs to the fabric just added (11.18.6.8). */
void md_general_commissioning_move_fail_safe(MdGeneralCommissioning *gc, guint8 fabric_index);
/* A write interaction's Breadcrumb, after it committed or failed. */
void md_general_commissioning_apply_writes(MdGeneralCommissioning *gc);
void md_general_commissioning_drop_writes(MdGeneralCommissioning *gc);

/* Network Commissioning (0x0031), Ethernet feature: the host's interface. */
extern const MatterDmClass md_network_commissioning_class;

#define MD_NETWORK_ID_MAX 32

typedef struct {
  MatterDmNode *dm; /* for change marks, once bound */
  MatterDmCluster *cluster;
  char interface[MD_NETWORK_ID_MAX + 1]; /* "" when there is none */
  gboolean connected;
} MdNetworkCommissioning;

void md_network_commissioning_init(MdNetworkCommissioning *nc);
/* Also sets the cluster's FeatureMap. */
void md_network_commissioning_bind(MdNetworkCommissioning *nc, MatterDmNode *dm,
                                   MatterDmCluster *cluster);
/* The interface the node is reachable on (NULL: none), and whether it has
 * carrier. TRUE, with Networks marked changed, when either differs. */
gboolean md_network_commissioning_set_interface(MdNetworkCommissioning *nc, const char *name,
                                            gboolean connected);

/* Administrator Commissioning (0x003C), Basic feature. */
extern const MatterDmClass md_admin_commissioning_class;

typedef struct _MdCommissioning MdCommissioning;

typedef struct {
  MatterDmNode *dm;
  MatterDmCluster *cluster;
  MdCommissioning *commissioning;  /* the window */
  MdGeneralCommissioning *general; /* the fail-safe */
  MdFabricTable *fabrics;          /* the opener's fabric */
} MdAdminCommissioning;

/* Also sets the cluster's FeatureMap. */
void md_admin_commissioning_bind(MdAdminCommissioning *ac, MdCommissioning *commissioning,
                                 MdGeneralCommissioning *general, MdFabricTable *fabrics,
                                 MatterDmNode *dm, MatterDmCluster *cluster);
/* The window opened or closed, by whatever means: marks the attributes. */
void md_admin_commissioning_window_changed(MdAdminCommissioning *ac);

/* Operational Credentials (0x003E). */
extern const MatterDmClass md_operational_credentials_class;

/* NodeOperationalCertStatusEnum. */
typedef enum {
  MD_NOC_STATUS_OK = 0,
  MD_NOC_STATUS_INVALID_PUBLIC_KEY = 1,
  MD_NOC_STATUS_INVALID_NODE_OP_ID = 2,
  MD_NOC_STATUS_INVALID_NOC = 3,
  MD_NOC_STATUS_MISSING_CSR = 4,
  MD_NOC_STATUS_TABLE_FULL = 5,
  MD_NOC_STATUS_INVALID_ADMIN_SUBJECT = 6,
  MD_NOC_STATUS_FABRIC_CONFLICT = 9,
  MD_NOC_STATUS_LABEL_CONFLICT = 10,
  MD_NOC_STATUS_INVALID_FABRIC_INDEX = 11,
} MdNocStatus;

/* What Operational Credentials asks of the node. */
typedef struct {
  /* AddNOC over PASE: @session goes on with @fabric_index as its
   * accessing fabric (11.18.6.8). */
  void (*bind_session)(gpointer user_data, const MatterSession *session, guint8 fabric_index);
  /* AddNOC added the administrator's entry from CaseAdminSubject. */
  void (*admin_entry_added)(gpointer user_data, const MatterAclEntry *entry,
                            const MatterDmRequest *request);
  /* RemoveFabric: the fabric and everything scoped to it (sessions, ACL
   * entries, group keys, subscriptions); @request's session, when it is
   * the fabric's, only after the response has gone out. */
  gboolean (*remove_fabric)(gpointer user_data, guint8 fabric_index,
                            const MatterDmRequest *request, GError **error);
  /* The view of the fabric table changed (for D-Bus, DNS-SD, the ACL). */
  void (*fabrics_changed)(gpointer user_data);
} MdOperationalCredentialsOps;

typedef struct {
  MdFabricTable *fabrics;          /* not owned */
  MdAttestationCreds *attestation; /* not owned */
  MdGeneralCommissioning *general; /* the fail-safe */
  const MdOperationalCredentialsOps *ops;
  gpointer user_data;
  MatterDmNode *dm;
  MatterDmCluster *cluster;
  /* What this fail-safe period installed, besides the pending fabric. */
  GBytes *pending_root;  /* AddTrustedRootCertificate */
  MatterP256Key *csr_key; /* CSRRequest's key pair ... */
  GBytes *csr_key_bytes;  /* ... and its private key, wiped when dropped */
  gboolean csr_for_update;
  gboolean noc_installed; /* AddNOC or UpdateNOC succeeded */
} MdOperationalCredentials;

void md_operational_credentials_init(MdOperationalCredentials *oc, MdFabricTable *fabrics,
                                     MdAttestationCreds *attestation,
                                     MdGeneralCommissioning *general,
                                     const MdOperationalCredentialsOps *ops, gpointer user_data);
void md_operational_credentials_bind(MdOperationalCredentials *oc, MatterDmNode *dm,
                                     MatterDmCluster *cluster);
/* The fail-safe ended: what it held is dropped (already moved into the
 * table when @committed). */
void md_operational_credentials_fail_safe_ended(MdOperationalCredentials *oc, gboolean committed);
/* Marks the attributes that show the fabric table. */
void md_operational_credentials_fabrics_changed(MdOperationalCredentials *oc);
/* Wipes the CSR key and forgets the pending root. */
void md_operational_credentials_free_pending(MdOperationalCredentials *oc);

/* Access Control (0x001F): the ACL of the fabric table. */
extern const MatterDmClass md_access_control_class;

/* Who changed an entry: a CASE administrator's node id, or the passcode
 * id of a PASE commissioner (AdminNodeID / AdminPasscodeID). */
typedef struct {
  gboolean is_node;
  guint64 node_id;
  guint16 passcode_id;
} MdAclAdmin;

typedef struct {
  MdFabricTable *fabrics; /* not owned */
  MatterEventLog *events; /* not owned; AccessControlEntryChanged */
  MatterDmNode *dm;
  MatterDmCluster *cluster;
  /* The accessing fabric's list as the write in progress builds it ... */
  gboolean has_staged;
  guint8 staged_fabric;
  MdAclAdmin staged_admin;
  GArray *staged; /* MatterAclEntry */
  /* ... and once complete, for the transaction to store. */
  gboolean has_ready;
  guint8 ready_fabric;
  MdAclAdmin ready_admin;
  GArray *ready;
  /* The same two stages for the Extension list (NULL: no extension). */
  gboolean ext_has_staged;
  guint8 ext_fabric;
  MdAclAdmin ext_admin;
  GBytes *ext_staged;
  gboolean ext_has_ready;
  guint8 ext_ready_fabric;
  MdAclAdmin ext_ready_admin;
  GBytes *ext_ready;
} MdAccessControl;

void md_access_control_init(MdAccessControl *ac, MdFabricTable *fabrics, MatterEventLog *events);
void md_access_control_clear(MdAccessControl *ac);
void md_access_control_bind(MdAccessControl *ac, MatterDmNode *dm, MatterDmCluster *cluster);
/* The ACL changed other than by a write (AddNOC, RemoveFabric, rollback). */
void md_access_control_changed(MdAccessControl *ac);
/* A write interaction's entries: stored inside the node's transaction,
 * made live (TRUE: the ACL changed) once it committed, or dropped. */
gboolean md_access_control_stage(MdAccessControl *ac, GError **error);
gboolean md_access_control_apply(MdAccessControl *ac, guint64 now_ms);
/* AddNOC's administrator entry (not a write of the list). */
void md_access_control_entry_added(MdAccessControl *ac, const MatterAclEntry *entry,
                                   const MatterDmRequest *request);
void md_access_control_drop(MdAccessControl *ac);
/* General Diagnostics (0x0033): the node's starts, up time, operational
 * hours and the host's network interfaces as the daemon sees them. */
extern const MatterDmClass md_general_diagnostics_class;

/* The BootReason event's id, in the class's event table. */
#define MD_GENERAL_DIAGNOSTICS_EVENT_BOOT_REASON 0x03

/* BootReasonEnum. */
typedef enum {
  MD_BOOT_REASON_UNSPECIFIED = 0,
  MD_BOOT_REASON_POWER_ON_REBOOT = 1,
  MD_BOOT_REASON_BROWN_OUT_RESET = 2,
  MD_BOOT_REASON_SOFTWARE_WATCHDOG_RESET = 3,
  MD_BOOT_REASON_HARDWARE_WATCHDOG_RESET = 4,
  MD_BOOT_REASON_SOFTWARE_UPDATE_COMPLETED = 5,
  MD_BOOT_REASON_SOFTWARE_RESET = 6,
} MdBootReason;

/* InterfaceTypeEnum. */
typedef enum {
  MD_INTERFACE_TYPE_UNSPECIFIED = 0,
  MD_INTERFACE_TYPE_WIFI = 1,
  MD_INTERFACE_TYPE_ETHERNET = 2,
  MD_INTERFACE_TYPE_CELLULAR = 3,
  MD_INTERFACE_TYPE_THREAD = 4,
} MdInterfaceType;

/* The NetworkInterface struct's constraints. */
#define MD_NETWORK_INTERFACES_MAX 8
#define MD_INTERFACE_NAME_MAX 32
#define MD_INTERFACE_HARDWARE_ADDRESS_MAX 8 /* 6 (EUI-48) or 8 (EUI-64) bytes */
#define MD_INTERFACE_IPV4_MAX 4
#define MD_INTERFACE_IPV6_MAX 8

/* One host interface as the daemon found it: plain data, no I/O. */
typedef struct {
  char name[MD_INTERFACE_NAME_MAX + 1]; /* UTF-8, not empty */
  gboolean is_operational;              /* up, with carrier */
  guint8 hardware_address[MD_INTERFACE_HARDWARE_ADDRESS_MAX];
  gsize hardware_address_len; /* 6 or 8 */
  guint8 ipv4[MD_INTERFACE_IPV4_MAX][4];
  gsize ipv4_count;
  guint8 ipv6[MD_INTERFACE_IPV6_MAX][16];
  gsize ipv6_count;
  MdInterfaceType type;
} MdNetworkInterfaceSnapshot;

typedef struct {
  const MdNodeStorage *storage; /* not owned */
  MatterDmNode *dm;             /* for change marks, once bound */
  MatterDmCluster *cluster;
  MdBootReason boot_reason;
  guint16 reboot_count; /* this start included */
  gboolean started;
  guint64 start_ms;
  guint64 operational_ms_before; /* stored total of the earlier runs */
  guint64 next_save_ms;
  gboolean knows_posix_time;
  gint64 posix_offset_ms; /* POSIX time minus now_ms */
  MdNetworkInterfaceSnapshot interfaces[MD_NETWORK_INTERFACES_MAX];
  gsize interface_count;
} MdGeneralDiagnostics;

/* Counts this start in the stored RebootCount and loads the operational
 * time of earlier runs. @boot_reason is what the daemon knows of why the
 * node started (MD_BOOT_REASON_UNSPECIFIED unless it knows). FALSE with
 * @error set when the store fails. */
gboolean md_general_diagnostics_init(MdGeneralDiagnostics *gd, const MdNodeStorage *storage,
                                     MdBootReason boot_reason, GError **error);
void md_general_diagnostics_bind(MdGeneralDiagnostics *gd, MatterDmNode *dm,
                                 MatterDmCluster *cluster);
/* The node started at @now_ms: UpTime and the operational hours count from
 * here. The node records the BootReason event here too, once events exist
 * (md_general_diagnostics_encode_boot_reason_event()). */
void md_general_diagnostics_start(MdGeneralDiagnostics *gd, guint64 now_ms);
/* The operational time is stored once an hour: when that is next due
 * (G_MAXUINT64 before start), and process() storing it then. */
guint64 md_general_diagnostics_next_deadline(const MdGeneralDiagnostics *gd);
void md_general_diagnostics_process(MdGeneralDiagnostics *gd, guint64 now_ms);
/* Stores the operational time up to @now_ms, on a clean shutdown, so the
 * last partial hour is not lost. */
gboolean md_general_diagnostics_stop(MdGeneralDiagnostics *gd, guint64 now_ms, GError **error);
/* The host's interfaces, in the order to report them (the first
 * MD_NETWORK_INTERFACES_MAX; entries that break the struct's constraints
 * are left out with a warning). TRUE, with NetworkInterfaces marked
 * changed, when they differ from the last ones. */
gboolean md_general_diagnostics_set_interfaces(MdGeneralDiagnostics *gd,
                                               const MdNetworkInterfaceSnapshot *snapshot,
                                               gsize count);
/* The host's clock is synchronized to UTC and reads @posix_ms at @now_ms
 * (@known), or is not (TimeSnapshot then answers a null PosixTimeMs). */
void md_general_diagnostics_set_posix_time(MdGeneralDiagnostics *gd, gboolean known,
                                           guint64 posix_ms, guint64 now_ms);
/* The BootReason event's fields (a structure with @tag), for the event
 * log: priority critical, read privilege View. */
MatterError md_general_diagnostics_encode_boot_reason_event(const MdGeneralDiagnostics *gd,
                                                            MatterTlvWriter *w, MatterTlvTag tag);
/* Groups (0x0004), GroupNames feature: the node's Group Table, one
 * object for the node, and a cluster instance on each endpoint whose
 * device types call for it, sharing it. Membership is fabric-scoped, per
 * endpoint, kept in the store (group_membership rows, deleted with their
 * fabric) and shown by Group Key Management's GroupTable. AddGroup needs
 * the group in the accessing fabric's GroupKeyMap. */
extern const MatterDmClass md_groups_class;

/* Distinct groups a fabric may have in the Group Table (MaxGroupsPerFabric
 * of Group Key Management), and endpoints a group may have. */
#define MD_GROUPS_PER_FABRIC_MAX 4
#define MD_GROUP_ENDPOINTS_MAX 128

typedef struct _MdGroupKeyManagement MdGroupKeyManagement;
typedef struct _MdGroups MdGroups;

typedef struct {
  /* Whether @endpoint is identifying (its Identify cluster's IdentifyTime
   * is above 0), for AddGroupIfIdentifying; NULL: no endpoint ever is. */
  gboolean (*identifying)(gpointer user_data, guint16 endpoint);
} MdGroupsOps;

/* Loads the memberships from @storage (its errors when that fails) and
 * becomes @group_keys' GroupTable (until freed). @ops may be NULL. */
MdGroups *md_groups_new(const MdNodeStorage *storage, MdGroupKeyManagement *group_keys,
                        const MdGroupsOps *ops, gpointer user_data, GError **error);
void md_groups_free(MdGroups *groups);
/* Replaces the ops given to md_groups_new() (e.g. once the application
 * endpoints exist, whose Identify clusters say who is identifying). */
void md_groups_set_ops(MdGroups *groups, const MdGroupsOps *ops, gpointer user_data);
/* Makes @cluster the Groups cluster of @endpoint (class, endpoint,
 * FeatureMap, a random data version, @ticks of matter_dm_tick_slots()
 * entries, state), ready for the endpoint's cluster list. */
void md_groups_cluster_init(MdGroups *groups, MatterDmCluster *cluster, guint16 endpoint,
                            uint64_t *ticks);
/* @endpoint is gone for good: its memberships in every fabric are
 * deleted (store and memory). FALSE with @error when the store fails,
 * nothing changed then. */
gboolean md_groups_remove_endpoint(MdGroups *groups, guint16 endpoint, GError **error);
/* The same in two halves, for a caller's own transaction: the rows'
 * deletion inside it, then memory once it committed. */
gboolean md_groups_stage_remove_endpoint(MdGroups *groups, guint16 endpoint, GError **error);
void md_groups_apply_remove_endpoint(MdGroups *groups, guint16 endpoint);
/* RemoveFabric: forgets the fabric's memberships (its rows go with
 * delete_fabric()). */
void md_groups_remove_fabric(MdGroups *groups, guint8 fabric_index);
/* Whether @endpoint of @fabric_index is in @group_id (for group-addressed
 * messages). */
gboolean md_groups_is_member(const MdGroups *groups, guint8 fabric_index, guint16 group_id,
                             guint16 endpoint);
/* The GroupTable attribute's value: a list of GroupInfoMapStruct, every
 * fabric's or the accessing fabric's when @request is fabric filtered. */
void md_groups_put_group_table(const MdGroups *groups, const MatterDmRequest *request,
                               MatterTlvWriter *w, MatterTlvTag tag);

/* Group Key Management (0x003F): the fabrics' group key sets and their
 * GroupKeyMap, loaded from the store at start. Key set 0, the IPK, lives
 * with its fabric; the cluster asks for it through the ops. */
extern const MatterDmClass md_group_key_management_class;

typedef struct {
  /* Whether fabric @fabric_index has an IPK and, when @key is not NULL,
   * its epoch key copied into @key (MATTER_AES128_KEY_LEN bytes), which
   * the caller wipes. */
  gboolean (*ipk)(gpointer user_data, guint8 fabric_index, guint8 *key);
} MdGroupKeyManagementOps;

/* Loads the key sets and the GroupKeyMap from @storage; its errors
 * (MD_ERROR_STORE_CORRUPT for a damaged row) when that fails. @ops may be
 * NULL (no fabric has an IPK). */
MdGroupKeyManagement *md_group_key_management_new(const MdNodeStorage *storage,
                                                  const MdGroupKeyManagementOps *ops,
                                                  gpointer user_data, GError **error);
void md_group_key_management_free(MdGroupKeyManagement *gkm);
/* Where committed changes are marked (matter_dm_mark()). */
void md_group_key_management_bind(MdGroupKeyManagement *gkm, MatterDmNode *dm,
                                  MatterDmCluster *cluster);
/* A write interaction's GroupKeyMap: stored inside the node's transaction
 * (@storage is in one), made live and marked after it committed, or
 * dropped. */
gboolean md_group_key_management_stage(MdGroupKeyManagement *gkm, GError **error);
void md_group_key_management_apply(MdGroupKeyManagement *gkm);
void md_group_key_management_drop(MdGroupKeyManagement *gkm);
/* The Groups clusters' membership, shown as GroupTable (NULL: none);
 * md_groups_new() sets it. */
void md_group_key_management_set_groups(MdGroupKeyManagement *gkm, MdGroups *groups);
/* The membership changed: marks GroupTable. */
void md_group_key_management_group_table_changed(MdGroupKeyManagement *gkm);
/* Whether the committed GroupKeyMap of @fabric_index maps @group_id to a
 * key set. */
gboolean md_group_key_management_group_has_key(const MdGroupKeyManagement *gkm, guint8 fabric_index,
                                               guint16 group_id);
/* RemoveFabric: forgets the fabric's key sets and map entries (its rows
 * in the store go with delete_fabric()). */
void md_group_key_management_remove_fabric(MdGroupKeyManagement *gkm, guint8 fabric_index);

/* Bridged Device Basic Information (0x0039) of an application's bridged
 * endpoint: its values are the Endpoint1 object's (app-endpoints.h), and
 * a write of NodeLabel goes to the application (its Label). */
extern const MatterDmClass md_bridged_basic_class;

#define MD_BRIDGED_BASIC_ATTR_NODE_LABEL 0x0005
#define MD_BRIDGED_BASIC_ATTR_REACHABLE 0x0011
#define MD_BRIDGED_BASIC_EVENT_REACHABLE_CHANGED 0x03
#define MD_BRIDGED_BASIC_STRING_MAX 32

typedef struct {
  /* Forwards a NodeLabel write (@label checked) to the application:
   * MATTER_DM_STATUS_PENDING, or the status to answer now. */
  guint8 (*write_label)(gpointer user_data, const MatterDmRequest *request, const char *label);
} MdBridgedBasicOps;

/* The instance's state; the strings are the owner's (NULL: absent, the
 * attribute then absent too, NodeLabel then ""). */
typedef struct {
  const char *vendor_name;
  const char *product_name;
  const char *node_label;
  const char *serial_number;
  const char *unique_id;
  gboolean reachable;
  const MdBridgedBasicOps *ops;
  gpointer user_data;
} MdBridgedBasic;

/* ReachableChanged's fields ([0] ReachableNewValue) for @reachable. */
MatterError md_bridged_basic_encode_reachable_changed(gboolean reachable, MatterTlvWriter *w,
                                                      MatterTlvTag tag);
