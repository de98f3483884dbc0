/* SPDX-License-Identifier: Apache-2.0 */
/* The Access Control Privilege Granting algorithm (Core spec 6.6.5) on the
 * Access Control List of the worked examples in 6.6.3 ("Access Control
 * Cluster examples"): an administrator, View for all CASE nodes, Manage
 * for group 1 on some targets, Operate for two subjects (a node and a CAT)
 * on extended color lights; and the rules an entry must meet. */

#include <glib.h>

#include "matter/acl.h"
#include "md-test-core.h"

#define VIEW (1u << MATTER_ACL_PRIVILEGE_VIEW)
#define PROXY (1u << MATTER_ACL_PRIVILEGE_PROXY_VIEW)
#define OPERATE (1u << MATTER_ACL_PRIVILEGE_OPERATE | VIEW)
#define MANAGE (1u << MATTER_ACL_PRIVILEGE_MANAGE | OPERATE)
#define ADMINISTER (1u << MATTER_ACL_PRIVILEGE_ADMINISTER | MANAGE | PROXY)
#define EXTENDED_COLOR_LIGHT 0x010D
#define LIGHT_ENDPOINT 1

static const MatterAclEntry examples[] = {
  { .fabric_index = 1,
    .privilege = MATTER_ACL_PRIVILEGE_ADMINISTER,
    .auth_mode = MATTER_ACL_AUTH_CASE,
    .subject_count = 1,
    .subjects = { UINT64_C(0xAAAAAAAAAAAAAAAA) } },
  { .fabric_index = 1, .privilege = MATTER_ACL_PRIVILEGE_VIEW, .auth_mode = MATTER_ACL_AUTH_CASE },
  { .fabric_index = 1,
    .privilege = MATTER_ACL_PRIVILEGE_MANAGE,
    .auth_mode = MATTER_ACL_AUTH_GROUP,
    .subject_count = 1,
    .subjects = { 1 },
    .target_count = 3,
    .targets = { { .has_endpoint = true, .endpoint = 1 },
                 { .has_endpoint = true, .endpoint = 3, .has_cluster = true, .cluster = 0x0202 },
                 { .has_cluster = true, .cluster = 0x0101 } } },
  { .fabric_index = 1,
    .privilege = MATTER_ACL_PRIVILEGE_OPERATE,
    .auth_mode = MATTER_ACL_AUTH_CASE,
    .subject_count = 2,
    .subjects = { UINT64_C(0x1111111111111111), UINT64_C(0xFFFFFFFDABCD0002) },
    .target_count = 1,
    .targets = { { .has_device_type = true, .device_type = EXTENDED_COLOR_LIGHT } } },
  /* Not valid, never to be stored, but the algorithm must hold anyway:
   * entries of fabric index 0 and Group entries with Administer. */
  { .fabric_index = 0, .privilege = MATTER_ACL_PRIVILEGE_ADMINISTER,
    .auth_mode = MATTER_ACL_AUTH_CASE },
  { .fabric_index = 2,
    .privilege = MATTER_ACL_PRIVILEGE_ADMINISTER,
    .auth_mode = MATTER_ACL_AUTH_GROUP,
    .subject_count = 1,
    .subjects = { 7 } },
};

static bool
has_light(void *user_data, uint16_t endpoint, uint32_t device_type)
{
  return endpoint == LIGHT_ENDPOINT && device_type == EXTENDED_COLOR_LIGHT;
}

typedef struct {
  const char *what;
  MatterAclSubject subject;
  uint16_t endpoint;
  uint32_t cluster;
  MatterAclPrivileges want;
} Case;

#define CASE_NODE(fabric, node) \
  { .auth_mode = MATTER_ACL_AUTH_CASE, .fabric_index = (fabric), .subject_count = 1, \
    .subjects = { (node) } }
#define CASE_CAT(fabric, node, cat) \
  { .auth_mode = MATTER_ACL_AUTH_CASE, .fabric_index = (fabric), .subject_count = 2, \
    .subjects = { (node), (cat) } }

static const Case cases[] = {
  { "the administrator, anywhere", CASE_NODE(1, UINT64_C(0xAAAAAAAAAAAAAAAA)), 0, 0x28,
    ADMINISTER },
  { "the administrator of another fabric", CASE_NODE(2, UINT64_C(0xAAAAAAAAAAAAAAAA)), 0, 0x28,
    0 },
  { "any CASE node may view", CASE_NODE(1, UINT64_C(0x3333333333333333)), 2, 0x06, VIEW },
  { "a listed node operates the light", CASE_NODE(1, UINT64_C(0x1111111111111111)),
    LIGHT_ENDPOINT, 0x0300, OPERATE },
  { "but only views what is not a light", CASE_NODE(1, UINT64_C(0x1111111111111111)), 2, 0x0300,
    VIEW },
  { "a CAT of the right version operates",
    CASE_CAT(1, UINT64_C(0x2222222222222222), UINT64_C(0xFFFFFFFDABCD0002)), LIGHT_ENDPOINT, 6,
    OPERATE },
  { "a later CAT version too",
    CASE_CAT(1, UINT64_C(0x5555555555555555), UINT64_C(0xFFFFFFFDABCD0003)), LIGHT_ENDPOINT, 6,
    OPERATE },
  { "an older CAT version only views",
    CASE_CAT(1, UINT64_C(0x6666666666666666), UINT64_C(0xFFFFFFFDABCD0001)), LIGHT_ENDPOINT, 6,
    VIEW },
  { "another CAT identifier only views",
    CASE_CAT(1, UINT64_C(0x6666666666666666), UINT64_C(0xFFFFFFFDABCE0002)), LIGHT_ENDPOINT, 6,
    VIEW },
  { "group 1 manages endpoint 1",
    { .auth_mode = MATTER_ACL_AUTH_GROUP, .fabric_index = 1, .subject_count = 1, .subjects = { 1 } },
    1, 0x0006, MANAGE },
  { "group 1 manages the pump cluster on endpoint 3",
    { .auth_mode = MATTER_ACL_AUTH_GROUP, .fabric_index = 1, .subject_count = 1, .subjects = { 1 } },
    3, 0x0202, MANAGE },
  { "but nothing else there",
    { .auth_mode = MATTER_ACL_AUTH_GROUP, .fabric_index = 1, .subject_count = 1, .subjects = { 1 } },
    3, 0x0006, 0 },
  { "and door locks anywhere",
    { .auth_mode = MATTER_ACL_AUTH_GROUP, .fabric_index = 1, .subject_count = 1, .subjects = { 1 } },
    9, 0x0101, MANAGE },
  { "group 2 nothing",
    { .auth_mode = MATTER_ACL_AUTH_GROUP, .fabric_index = 1, .subject_count = 1, .subjects = { 2 } },
    1, 0x0006, 0 },
  { "a group never administers",
    { .auth_mode = MATTER_ACL_AUTH_GROUP, .fabric_index = 2, .subject_count = 1, .subjects = { 7 } },
    1, 0x0006, MANAGE | PROXY },
  { "PASE while commissioning administers",
    { .auth_mode = MATTER_ACL_AUTH_PASE, .is_commissioning = true, .subject_count = 1 }, 0, 0x3E,
    ADMINISTER },
  { "PASE after commissioning does not",
    { .auth_mode = MATTER_ACL_AUTH_PASE, .fabric_index = 1, .subject_count = 1 }, 0, 0x3E, 0 },
  { "no authentication, nothing",
    { .auth_mode = MATTER_ACL_AUTH_NONE, .fabric_index = 1 }, 0, 0x28, 0 },
};

static void
test_granting(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    MatterAclPrivileges got =
      matter_acl_granted(examples, G_N_ELEMENTS(examples), &cases[i].subject, cases[i].endpoint,
                         cases[i].cluster, has_light, NULL);

    if (got != cases[i].want)
      g_error("%s: granted 0x%02x, want 0x%02x", cases[i].what, got, cases[i].want);
  }
  g_assert_true(matter_acl_privileges_include(OPERATE, MATTER_ACL_PRIVILEGE_VIEW));
  g_assert_false(matter_acl_privileges_include(OPERATE, MATTER_ACL_PRIVILEGE_PROXY_VIEW));
  g_assert_false(matter_acl_privileges_include(ADMINISTER, 0));
}

/* Without a device-type lookup, device-type targets match nothing. */
static void
test_device_type_without_lookup(void)
{
  MatterAclSubject subject = CASE_NODE(1, UINT64_C(0x1111111111111111));

  g_assert_cmphex(matter_acl_granted(examples, G_N_ELEMENTS(examples), &subject, LIGHT_ENDPOINT,
                                     6, NULL, NULL),
                  ==, VIEW);
}

static void
test_subject_for_session(void)
{
  MatterSession session = { .state = MATTER_SESSION_ACTIVE,
                            .kind = MATTER_SESSION_KIND_CASE,
                            .fabric_index = 3,
                            .peer_node_id = 0x42,
                            .peer_cats = { 0xABCD0002, 0, 0x12340001 } };
  MatterAclSubject subject;

  matter_acl_subject_for_session(&session, false, &subject);
  g_assert_cmpint(subject.auth_mode, ==, MATTER_ACL_AUTH_CASE);
  g_assert_cmpuint(subject.fabric_index, ==, 3);
  g_assert_cmpuint(subject.subject_count, ==, 3);
  g_assert_cmphex(subject.subjects[0], ==, 0x42);
  g_assert_cmphex(subject.subjects[1], ==, UINT64_C(0xFFFFFFFDABCD0002));
  g_assert_cmphex(subject.subjects[2], ==, UINT64_C(0xFFFFFFFD12340001));

  session.kind = MATTER_SESSION_KIND_PASE;
  session.fabric_index = 0;
  matter_acl_subject_for_session(&session, true, &subject);
  g_assert_cmpint(subject.auth_mode, ==, MATTER_ACL_AUTH_PASE);
  g_assert_true(subject.is_commissioning);
  g_assert_cmpuint(subject.subject_count, ==, 1);
  g_assert_cmphex(subject.subjects[0], ==, 0);

  session.kind = MATTER_SESSION_KIND_UNSECURED;
  matter_acl_subject_for_session(&session, true, &subject);
  g_assert_cmpint(subject.auth_mode, ==, MATTER_ACL_AUTH_NONE);
  matter_acl_subject_for_session(NULL, true, &subject);
  g_assert_cmpint(subject.auth_mode, ==, MATTER_ACL_AUTH_NONE);
}

typedef struct {
  const char *what;
  MatterAclEntry entry;
  MatterError want;
} EntryCase;

static const EntryCase entry_cases[] = {
  { "an administrator", { .privilege = MATTER_ACL_PRIVILEGE_ADMINISTER,
                          .auth_mode = MATTER_ACL_AUTH_CASE, .subject_count = 1,
                          .subjects = { 0x1 } }, MATTER_OK },
  { "view for any CASE node", { .privilege = MATTER_ACL_PRIVILEGE_VIEW,
                                .auth_mode = MATTER_ACL_AUTH_CASE }, MATTER_OK },
  { "a CAT", { .privilege = MATTER_ACL_PRIVILEGE_OPERATE, .auth_mode = MATTER_ACL_AUTH_CASE,
               .subject_count = 1, .subjects = { UINT64_C(0xFFFFFFFDABCD0001) } }, MATTER_OK },
  { "a group", { .privilege = MATTER_ACL_PRIVILEGE_MANAGE, .auth_mode = MATTER_ACL_AUTH_GROUP,
                 .subject_count = 1, .subjects = { 0xFFFF } }, MATTER_OK },
  { "privilege 0", { .privilege = 0, .auth_mode = MATTER_ACL_AUTH_CASE }, MATTER_ERROR_ACL_ENTRY },
  { "privilege 6", { .privilege = 6, .auth_mode = MATTER_ACL_AUTH_CASE }, MATTER_ERROR_ACL_ENTRY },
  { "PASE", { .privilege = MATTER_ACL_PRIVILEGE_VIEW, .auth_mode = MATTER_ACL_AUTH_PASE },
    MATTER_ERROR_ACL_ENTRY },
  { "auth mode 4", { .privilege = MATTER_ACL_PRIVILEGE_VIEW, .auth_mode = 4 },
    MATTER_ERROR_ACL_ENTRY },
  { "Group administers", { .privilege = MATTER_ACL_PRIVILEGE_ADMINISTER,
                           .auth_mode = MATTER_ACL_AUTH_GROUP }, MATTER_ERROR_ACL_ENTRY },
  { "node id 0", { .privilege = MATTER_ACL_PRIVILEGE_VIEW, .auth_mode = MATTER_ACL_AUTH_CASE,
                   .subject_count = 1, .subjects = { 0 } }, MATTER_ERROR_ACL_ENTRY },
  { "a temporary local node id", { .privilege = MATTER_ACL_PRIVILEGE_VIEW,
                                   .auth_mode = MATTER_ACL_AUTH_CASE, .subject_count = 1,
                                   .subjects = { UINT64_C(0xFFFFFFFE00000001) } },
    MATTER_ERROR_ACL_ENTRY },
  { "a CAT of version 0", { .privilege = MATTER_ACL_PRIVILEGE_VIEW,
                            .auth_mode = MATTER_ACL_AUTH_CASE, .subject_count = 1,
                            .subjects = { UINT64_C(0xFFFFFFFDABCD0000) } },
    MATTER_ERROR_ACL_ENTRY },
  { "group id 0", { .privilege = MATTER_ACL_PRIVILEGE_VIEW, .auth_mode = MATTER_ACL_AUTH_GROUP,
                    .subject_count = 1, .subjects = { 0 } }, MATTER_ERROR_ACL_ENTRY },
  { "a group id past 16 bits", { .privilege = MATTER_ACL_PRIVILEGE_VIEW,
                                 .auth_mode = MATTER_ACL_AUTH_GROUP, .subject_count = 1,
                                 .subjects = { 0x10000 } }, MATTER_ERROR_ACL_ENTRY },
  { "a subject twice", { .privilege = MATTER_ACL_PRIVILEGE_VIEW, .auth_mode = MATTER_ACL_AUTH_CASE,
                         .subject_count = 2, .subjects = { 5, 5 } }, MATTER_ERROR_ACL_ENTRY },
  { "too many subjects", { .privilege = MATTER_ACL_PRIVILEGE_VIEW,
                           .auth_mode = MATTER_ACL_AUTH_CASE,
                           .subject_count = MATTER_ACL_SUBJECTS_MAX + 1 }, MATTER_ERROR_ACL_ENTRY },
  { "an empty target", { .privilege = MATTER_ACL_PRIVILEGE_VIEW, .auth_mode = MATTER_ACL_AUTH_CASE,
                         .target_count = 1 }, MATTER_ERROR_ACL_ENTRY },
  { "a target with endpoint and device type",
    { .privilege = MATTER_ACL_PRIVILEGE_VIEW, .auth_mode = MATTER_ACL_AUTH_CASE, .target_count = 1,
      .targets = { { .has_endpoint = true, .has_device_type = true } } },
    MATTER_ERROR_ACL_ENTRY },
};

static void
test_entry_rules(void)
{
  for (gsize i = 0; i < G_N_ELEMENTS(entry_cases); i++) {
    const char *why = NULL;
    MatterError got = matter_acl_entry_check(&entry_cases[i].entry, &why);

    if (got != entry_cases[i].want)
      g_error("%s: got %s", entry_cases[i].what, matter_error_name(got));
    if (got != MATTER_OK)
      g_assert_nonnull(why);
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/acl/granting", test_granting);
  g_test_add_func("/acl/device-type-without-lookup", test_device_type_without_lookup);
  g_test_add_func("/acl/subject-for-session", test_subject_for_session);
  g_test_add_func("/acl/entry-rules", test_entry_rules);
  return g_test_run();
}
