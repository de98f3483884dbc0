/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Access control (Core spec 6.6): the Access Control Privilege Granting
 * algorithm of 6.6.5 over a list of entries, the Incoming Subject
 * Descriptor of a session (6.6.5.3), and the validity rules an entry must
 * meet before it goes into the list.
 *
 * Privileges imply the lesser ones as 6.6.5's add_granted_privilege()
 * says: Administer > Manage > Operate > View, Administer > ProxyView >
 * View. A PASE session while the node is being commissioned gets the
 * implicit Administer of the commissioning channel (6.6.2.x, "implicit
 * Access Control Entry"); no explicit entry may have AuthMode PASE.
 *
 * Left out: the Access Restriction List of Matter 1.4 (6.6.6, "Access
 * Restrictions"), which is for devices certified with restrictions;
 * matterd declares none, so no action is ever ACCESS_RESTRICTED. ACL
 * extensions are stored but never change the outcome (no extension
 * format is defined that does). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "matter/error.h"
#include "matter/session.h"

/* AccessControlEntryPrivilegeEnum. */
typedef enum {
  MATTER_ACL_PRIVILEGE_VIEW = 1,
  MATTER_ACL_PRIVILEGE_PROXY_VIEW = 2,
  MATTER_ACL_PRIVILEGE_OPERATE = 3,
  MATTER_ACL_PRIVILEGE_MANAGE = 4,
  MATTER_ACL_PRIVILEGE_ADMINISTER = 5,
} MatterAclPrivilege;

/* AccessControlEntryAuthModeEnum; NONE is the conceptual "no auth" of
 * 6.6.5.3 and never in an entry. */
typedef enum {
  MATTER_ACL_AUTH_NONE = 0,
  MATTER_ACL_AUTH_PASE = 1,
  MATTER_ACL_AUTH_CASE = 2,
  MATTER_ACL_AUTH_GROUP = 3,
} MatterAclAuthMode;

/* The per-entry capacities this node offers (Access Control cluster
 * SubjectsPerAccessControlEntry and TargetsPerAccessControlEntry, at least
 * 4 and 3). */
#define MATTER_ACL_SUBJECTS_MAX 4
#define MATTER_ACL_TARGETS_MAX 3

/* CASE Authenticated Tags as subjects: 0xFFFF_FFFD_IIII_VVVV (6.6.2.1.2). */
#define MATTER_ACL_CAT_PREFIX UINT64_C(0xFFFFFFFD00000000)

typedef struct {
  bool has_cluster;
  uint32_t cluster;
  bool has_endpoint;
  uint16_t endpoint;
  bool has_device_type;
  uint32_t device_type;
} MatterAclTarget;

typedef struct {
  uint8_t fabric_index;
  MatterAclPrivilege privilege;
  MatterAclAuthMode auth_mode;
  size_t subject_count; /* 0: any subject of the auth mode */
  uint64_t subjects[MATTER_ACL_SUBJECTS_MAX];
  size_t target_count; /* 0: every cluster on every endpoint */
  MatterAclTarget targets[MATTER_ACL_TARGETS_MAX];
} MatterAclEntry;

/* The Incoming Subject Descriptor: who sent a message. */
typedef struct {
  MatterAclAuthMode auth_mode;
  bool is_commissioning; /* PASE while the node is being commissioned */
  uint8_t fabric_index;
  size_t subject_count;
  uint64_t subjects[1 + MATTER_SESSION_CAT_MAX];
} MatterAclSubject;

/* A set of privileges, bit (1 << privilege) for each. */
typedef uint8_t MatterAclPrivileges;

/* Whether @endpoint holds @device_type (for device-type targets). */
typedef bool (*MatterAclDeviceTypeFunc)(void *user_data, uint16_t endpoint, uint32_t device_type);

/* 6.6.5.3 for a secure session: PASE gives subject 0 (the commissioning
 * passcode) and the session's fabric index, with @commissioning telling
 * whether the node is in its commissioning phase; CASE gives the peer's
 * node id and its CATs as subjects. An unsecured or unknown session gives
 * AuthMode NONE, which no entry matches. */
void matter_acl_subject_for_session(const MatterSession *session, bool commissioning,
                                    MatterAclSubject *subject);

/* 6.6.5.2: every privilege @entries (@count of them) grant @subject on
 * @cluster at @endpoint. @device_type may be NULL when no entry has a
 * device-type target (such a target then matches nothing). */
MatterAclPrivileges matter_acl_granted(const MatterAclEntry *entries, size_t count,
                                       const MatterAclSubject *subject, uint16_t endpoint,
                                       uint32_t cluster, MatterAclDeviceTypeFunc device_type,
                                       void *user_data);

/* Whether @granted includes @required. */
bool matter_acl_privileges_include(MatterAclPrivileges granted, MatterAclPrivilege required);

/* The rules an entry must meet to be stored (Access Control cluster, 9.10.5
 * AccessControlEntryStruct, and 6.6.2): a known privilege; AuthMode CASE
 * or Group (PASE entries are implicit only); no Administer for Group;
 * subjects that are operational node ids or CATs with a non-zero version
 * for CASE, group ids 1..0xFFFF for Group, each at most once; targets
 * that name something and not both an endpoint and a device type.
 * MATTER_OK or MATTER_ERROR_ACL_ENTRY; @why (may be NULL) says which rule
 * for logs. */
MatterError matter_acl_entry_check(const MatterAclEntry *entry, const char **why);

bool matter_acl_subject_is_cat(uint64_t subject);
uint64_t matter_acl_cat_subject(uint32_t cat);
