/* SPDX-License-Identifier: Apache-2.0 */
/* Access control (Core spec 6.6): see acl.h. */
#include "matter/acl.h"

#include <string.h>

#define CAT_MASK UINT64_C(0xFFFFFFFF00000000)
#define GROUP_ID_MAX UINT64_C(0xFFFF)
/* The subject of a PASE session: the default commissioning passcode id. */
#define PASE_SUBJECT 0

bool
matter_acl_subject_is_cat(uint64_t subject)
{
  return (subject & CAT_MASK) == MATTER_ACL_CAT_PREFIX;
}

uint64_t
matter_acl_cat_subject(uint32_t cat)
{
  return MATTER_ACL_CAT_PREFIX | cat;
}

static uint16_t
cat_id(uint64_t subject)
{
  return (uint16_t) (subject >> 16);
}

static uint16_t
cat_version(uint64_t subject)
{
  return (uint16_t) subject;
}

void
matter_acl_subject_for_session(const MatterSession *session, bool commissioning,
                               MatterAclSubject *subject)
{
  memset(subject, 0, sizeof(*subject));
  if (session == NULL || session->state != MATTER_SESSION_ACTIVE)
    return;
  switch (session->kind) {
  case MATTER_SESSION_KIND_PASE:
    subject->auth_mode = MATTER_ACL_AUTH_PASE;
    subject->is_commissioning = commissioning;
    subject->fabric_index = session->fabric_index;
    subject->subjects[subject->subject_count++] = PASE_SUBJECT;
    break;
  case MATTER_SESSION_KIND_CASE:
    subject->auth_mode = MATTER_ACL_AUTH_CASE;
    subject->fabric_index = session->fabric_index;
    subject->subjects[subject->subject_count++] = session->peer_node_id;
    for (size_t i = 0; i < MATTER_SESSION_CAT_MAX; i++)
      if (session->peer_cats[i] != 0)
        subject->subjects[subject->subject_count++] = matter_acl_cat_subject(session->peer_cats[i]);
    break;
  case MATTER_SESSION_KIND_UNSECURED:
  default:
    break;
  }
}

/* 6.6.5.2 subject_matches(): the same, or CATs of one identifier with a
 * version at least the entry's. */
static bool
subject_matches(uint64_t acl_subject, uint64_t isd_subject)
{
  if (acl_subject == isd_subject)
    return true;
  return matter_acl_subject_is_cat(acl_subject) && matter_acl_subject_is_cat(isd_subject) &&
         cat_id(acl_subject) == cat_id(isd_subject) &&
         cat_version(isd_subject) >= cat_version(acl_subject);
}

static bool
subjects_match(const MatterAclEntry *entry, const MatterAclSubject *subject)
{
  if (entry->subject_count == 0)
    return true;
  for (size_t i = 0; i < entry->subject_count && i < MATTER_ACL_SUBJECTS_MAX; i++)
    for (size_t j = 0; j < subject->subject_count; j++)
      if (subject_matches(entry->subjects[i], subject->subjects[j]))
        return true;
  return false;
}

static bool
target_matches(const MatterAclTarget *target, uint16_t endpoint, uint32_t cluster,
               MatterAclDeviceTypeFunc device_type, void *user_data)
{
  if (target->has_cluster && target->cluster != cluster)
    return false;
  if (target->has_endpoint && target->endpoint != endpoint)
    return false;
  if (target->has_device_type &&
      (device_type == NULL || !device_type(user_data, endpoint, target->device_type)))
    return false;
  return true;
}

static bool
targets_match(const MatterAclEntry *entry, uint16_t endpoint, uint32_t cluster,
              MatterAclDeviceTypeFunc device_type, void *user_data)
{
  if (entry->target_count == 0)
    return true;
  for (size_t i = 0; i < entry->target_count && i < MATTER_ACL_TARGETS_MAX; i++)
    if (target_matches(&entry->targets[i], endpoint, cluster, device_type, user_data))
      return true;
  return false;
}

/* 6.6.5.2 add_granted_privilege(). */
static MatterAclPrivileges
with_implied(MatterAclPrivilege privilege)
{
  static const MatterAclPrivileges implied[] = {
    [MATTER_ACL_PRIVILEGE_VIEW] = 1u << MATTER_ACL_PRIVILEGE_VIEW,
    [MATTER_ACL_PRIVILEGE_PROXY_VIEW] =
      1u << MATTER_ACL_PRIVILEGE_PROXY_VIEW | 1u << MATTER_ACL_PRIVILEGE_VIEW,
    [MATTER_ACL_PRIVILEGE_OPERATE] =
      1u << MATTER_ACL_PRIVILEGE_OPERATE | 1u << MATTER_ACL_PRIVILEGE_VIEW,
    [MATTER_ACL_PRIVILEGE_MANAGE] = 1u << MATTER_ACL_PRIVILEGE_MANAGE |
                                    1u << MATTER_ACL_PRIVILEGE_OPERATE |
                                    1u << MATTER_ACL_PRIVILEGE_VIEW,
    [MATTER_ACL_PRIVILEGE_ADMINISTER] =
      1u << MATTER_ACL_PRIVILEGE_ADMINISTER | 1u << MATTER_ACL_PRIVILEGE_MANAGE |
      1u << MATTER_ACL_PRIVILEGE_OPERATE | 1u << MATTER_ACL_PRIVILEGE_PROXY_VIEW |
      1u << MATTER_ACL_PRIVILEGE_VIEW,
  };

  if (privilege < MATTER_ACL_PRIVILEGE_VIEW || privilege > MATTER_ACL_PRIVILEGE_ADMINISTER)
    return 0;
  return implied[privilege];
}

bool
matter_acl_privileges_include(MatterAclPrivileges granted, MatterAclPrivilege required)
{
  return required >= MATTER_ACL_PRIVILEGE_VIEW && required <= MATTER_ACL_PRIVILEGE_ADMINISTER &&
         (granted & (1u << required)) != 0;
}

MatterAclPrivileges
matter_acl_granted(const MatterAclEntry *entries, size_t count, const MatterAclSubject *subject,
                   uint16_t endpoint, uint32_t cluster, MatterAclDeviceTypeFunc device_type,
                   void *user_data)
{
  MatterAclPrivileges granted = 0;

  if (subject == NULL || (entries == NULL && count > 0))
    return 0;
  if (subject->auth_mode == MATTER_ACL_AUTH_PASE && subject->is_commissioning)
    granted |= with_implied(MATTER_ACL_PRIVILEGE_ADMINISTER);
  for (size_t i = 0; i < count; i++) {
    const MatterAclEntry *entry = &entries[i];

    if (matter_acl_privileges_include(granted, MATTER_ACL_PRIVILEGE_ADMINISTER))
      break;
    if (entry->fabric_index == 0 || entry->fabric_index != subject->fabric_index)
      continue;
    if (entry->auth_mode == MATTER_ACL_AUTH_NONE || entry->auth_mode != subject->auth_mode)
      continue;
    if (!subjects_match(entry, subject) ||
        !targets_match(entry, endpoint, cluster, device_type, user_data))
      continue;
    granted |= with_implied(entry->privilege);
  }
  /* Group messages never administer, whatever an entry says. */
  if (subject->auth_mode == MATTER_ACL_AUTH_GROUP)
    granted &= (MatterAclPrivileges) ~(1u << MATTER_ACL_PRIVILEGE_ADMINISTER);
  return granted;
}

static MatterError
invalid(const char **why, const char *reason)
{
  if (why != NULL)
    *why = reason;
  return MATTER_ERROR_ACL_ENTRY;
}

static bool
case_subject_valid(uint64_t subject)
{
  if (matter_acl_subject_is_cat(subject))
    return cat_version(subject) != 0;
  return subject >= 1 && subject <= MATTER_NODE_ID_OPERATIONAL_MAX;
}

static MatterError
check_subjects(const MatterAclEntry *entry, const char **why)
{
  if (entry->subject_count > MATTER_ACL_SUBJECTS_MAX)
    return invalid(why, "more subjects than an entry holds");
  for (size_t i = 0; i < entry->subject_count; i++) {
    uint64_t s = entry->subjects[i];

    if (entry->auth_mode == MATTER_ACL_AUTH_CASE && !case_subject_valid(s))
      return invalid(why, "a CASE subject that is neither an operational node id nor a CAT");
    if (entry->auth_mode == MATTER_ACL_AUTH_GROUP && (s == 0 || s > GROUP_ID_MAX))
      return invalid(why, "a Group subject that is not a group id");
    for (size_t j = 0; j < i; j++)
      if (entry->subjects[j] == s)
        return invalid(why, "a subject listed twice");
  }
  return MATTER_OK;
}

static MatterError
check_targets(const MatterAclEntry *entry, const char **why)
{
  if (entry->target_count > MATTER_ACL_TARGETS_MAX)
    return invalid(why, "more targets than an entry holds");
  for (size_t i = 0; i < entry->target_count; i++) {
    const MatterAclTarget *t = &entry->targets[i];

    if (!t->has_cluster && !t->has_endpoint && !t->has_device_type)
      return invalid(why, "a target that names nothing");
    if (t->has_endpoint && t->has_device_type)
      return invalid(why, "a target with both an endpoint and a device type");
  }
  return MATTER_OK;
}

MatterError
matter_acl_entry_check(const MatterAclEntry *entry, const char **why)
{
  MatterError err;

  if (entry == NULL)
    return MATTER_ERROR_INVALID_ARGUMENT;
  if (entry->privilege < MATTER_ACL_PRIVILEGE_VIEW ||
      entry->privilege > MATTER_ACL_PRIVILEGE_ADMINISTER)
    return invalid(why, "an unknown privilege");
  if (entry->auth_mode == MATTER_ACL_AUTH_PASE)
    return invalid(why, "AuthMode PASE (only implicit)");
  if (entry->auth_mode != MATTER_ACL_AUTH_CASE && entry->auth_mode != MATTER_ACL_AUTH_GROUP)
    return invalid(why, "an unknown AuthMode");
  if (entry->auth_mode == MATTER_ACL_AUTH_GROUP &&
      entry->privilege == MATTER_ACL_PRIVILEGE_ADMINISTER)
    return invalid(why, "Administer for Group authentication");
  if ((err = check_subjects(entry, why)) != MATTER_OK)
    return err;
  return check_targets(entry, why);
}
