/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The root endpoint's clusters, one file each. Attribute and command
 * tables follow the Matter SDK's data model XML for Matter 1.4.2
 * (data_model/1.4.2/clusters/, one XML file a cluster), cited in each file. */

#include <glib.h>

#include "matter/dm.h"
#include "fail-safe.h"
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
} MdAdminCommissioning;

/* Also sets the cluster's FeatureMap. */
void md_admin_commissioning_bind(MdAdminCommissioning *ac, MdCommissioning *commissioning,
                                 MdGeneralCommissioning *general, MatterDmNode *dm,
                                 MatterDmCluster *cluster);
/* The window opened or closed, by whatever means: marks the attributes. */
void md_admin_commissioning_window_changed(MdAdminCommissioning *ac);

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

typedef struct _MdGroupKeyManagement MdGroupKeyManagement;

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
/* RemoveFabric: forgets the fabric's key sets and map entries (its rows
 * in the store go with delete_fabric()). */
void md_group_key_management_remove_fabric(MdGroupKeyManagement *gkm, guint8 fabric_index);
