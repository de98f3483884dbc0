/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The root endpoint's clusters, one file each. Attribute and command
 * tables follow the Matter SDK's data model XML for Matter 1.4.2
 * (data_model/1.4.2/clusters/, one XML file a cluster), cited in each file. */

#include <glib.h>

#include "matter/dm.h"
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
