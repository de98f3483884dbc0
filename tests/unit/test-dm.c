/* SPDX-License-Identifier: Apache-2.0 */
/* The data model's shape (dm.h) on a small node: endpoint 0 with a
 * Basic-Information-like and a diagnostics cluster, endpoints 1 and 2
 * with an On/Off-like cluster without and with its feature, and a vendor
 * cluster on endpoint 1. */

#include <glib.h>
#include <string.h>

#include "matter/acl.h"
#include "matter/dm.h"
#include "md-test-core.h"

#define assert_error md_test_assert_error
#define FEATURE_LIGHTING 0x1
#define VENDOR_CLUSTER 0xFFF1FC00

static const MatterDmAttribute onoff_attributes[] = {
  { 0x0000, 0, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
  { 0x4000, 0, MATTER_ACL_PRIVILEGE_VIEW, 0, FEATURE_LIGHTING },
  { 0x4001, MATTER_DM_NULLABLE, MATTER_ACL_PRIVILEGE_VIEW, MATTER_ACL_PRIVILEGE_OPERATE,
    FEATURE_LIGHTING },
};
static const MatterDmCommand onoff_commands[] = {
  { 0x00, MATTER_DM_NO_RESPONSE, MATTER_ACL_PRIVILEGE_OPERATE, 0, 0 },
  { 0x01, MATTER_DM_NO_RESPONSE, MATTER_ACL_PRIVILEGE_OPERATE, 0, 0 },
  { 0x02, MATTER_DM_NO_RESPONSE, MATTER_ACL_PRIVILEGE_OPERATE, 0, 0 },
  { 0x40, MATTER_DM_NO_RESPONSE, MATTER_ACL_PRIVILEGE_OPERATE, 0, FEATURE_LIGHTING },
};
static const MatterDmClass onoff = {
  .id = 0x0006, .revision = 6, .name = "OnOff",
  .attributes = onoff_attributes, .attribute_count = G_N_ELEMENTS(onoff_attributes),
  .commands = onoff_commands, .command_count = G_N_ELEMENTS(onoff_commands),
};

static const MatterDmAttribute basic_attributes[] = {
  { 0x0000, MATTER_DM_FIXED, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
  { 0x0005, 0, MATTER_ACL_PRIVILEGE_VIEW, MATTER_ACL_PRIVILEGE_MANAGE, 0 },
  { 0x0013, MATTER_DM_CHANGES_OMITTED, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
};
static const MatterDmClass basic = {
  .id = 0x0028, .revision = 4, .name = "BasicInformation",
  .attributes = basic_attributes, .attribute_count = G_N_ELEMENTS(basic_attributes),
};

static const MatterDmAttribute diag_attributes[] = {
  { 0x0000, 0, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
};
static const MatterDmClass diag = {
  .id = 0x0033, .revision = 2, .flags = MATTER_DM_DIAGNOSTICS, .name = "GeneralDiagnostics",
  .attributes = diag_attributes, .attribute_count = G_N_ELEMENTS(diag_attributes),
};

static const MatterDmAttribute vendor_attributes[] = {
  { 0x0001, 0, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
  { 0xFFF10000, 0, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
};
static const MatterDmCommand vendor_commands[] = {
  { 0x00, 0x01, MATTER_ACL_PRIVILEGE_OPERATE, 0, 0 },
  { 0x02, 0x01, MATTER_ACL_PRIVILEGE_OPERATE, 0, 0 },
  { 0x03, 0x04, MATTER_ACL_PRIVILEGE_OPERATE, MATTER_DM_TIMED, 0 },
};
static const MatterDmClass vendor = {
  .id = VENDOR_CLUSTER, .revision = 1, .name = "Vendor",
  .attributes = vendor_attributes, .attribute_count = G_N_ELEMENTS(vendor_attributes),
  .commands = vendor_commands, .command_count = G_N_ELEMENTS(vendor_commands),
};

typedef struct {
  uint64_t ticks[5][8];
  MatterDmCluster basic0, diag0, onoff1, vendor1, onoff2;
  MatterDmCluster *clusters0[2], *clusters1[2], *clusters2[1];
  MatterDmDeviceType types0[1], types1[1];
  MatterDmEndpoint ep0, ep1, ep2;
  MatterDmEndpoint *endpoints[3];
  MatterDmNode node;
} Fixture;

static void
fixture_init(Fixture *f)
{
  memset(f, 0, sizeof(*f));
  f->basic0 = (MatterDmCluster) { &basic, 0, 0, 100, f->ticks[0], NULL };
  f->diag0 = (MatterDmCluster) { &diag, 0, 0, 200, f->ticks[1], NULL };
  f->onoff1 = (MatterDmCluster) { &onoff, 1, 0, 300, f->ticks[2], NULL };
  f->vendor1 = (MatterDmCluster) { &vendor, 1, 0, 400, f->ticks[3], NULL };
  f->onoff2 = (MatterDmCluster) { &onoff, 2, FEATURE_LIGHTING, 500, f->ticks[4], NULL };
  f->clusters0[0] = &f->basic0;
  f->clusters0[1] = &f->diag0;
  f->clusters1[0] = &f->onoff1;
  f->clusters1[1] = &f->vendor1;
  f->clusters2[0] = &f->onoff2;
  f->types0[0] = (MatterDmDeviceType) { 0x0016, 3 };
  f->types1[0] = (MatterDmDeviceType) { 0x0100, 3 };
  f->ep0 = (MatterDmEndpoint) { 0, f->types0, 1, f->clusters0, 2 };
  f->ep1 = (MatterDmEndpoint) { 1, f->types1, 1, f->clusters1, 2 };
  f->ep2 = (MatterDmEndpoint) { 2, f->types1, 1, f->clusters2, 1 };
  f->endpoints[0] = &f->ep0;
  f->endpoints[1] = &f->ep1;
  f->endpoints[2] = &f->ep2;
  f->node = (MatterDmNode) { f->endpoints, 3, 0 };
}

static void
test_statuses(void)
{
  Fixture f;

  fixture_init(&f);
  g_assert_cmphex(matter_dm_attribute_status(&f.node, 9, 6, 0), ==,
                  MATTER_IM_STATUS_UNSUPPORTED_ENDPOINT);
  g_assert_cmphex(matter_dm_attribute_status(&f.node, 1, 0x28, 0), ==,
                  MATTER_IM_STATUS_UNSUPPORTED_CLUSTER);
  g_assert_cmphex(matter_dm_attribute_status(&f.node, 1, 6, 0x4000), ==,
                  MATTER_IM_STATUS_UNSUPPORTED_ATTRIBUTE);
  g_assert_cmphex(matter_dm_attribute_status(&f.node, 2, 6, 0x4000), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmphex(matter_dm_attribute_status(&f.node, 1, 6, MATTER_DM_ATTR_CLUSTER_REVISION), ==,
                  MATTER_IM_STATUS_SUCCESS);
  g_assert_cmphex(matter_dm_attribute_status(&f.node, 1, 6, 0xFFFA), ==,
                  MATTER_IM_STATUS_UNSUPPORTED_ATTRIBUTE);
  g_assert_cmphex(matter_dm_command_status(&f.node, 1, 6, 0x40), ==,
                  MATTER_IM_STATUS_UNSUPPORTED_COMMAND);
  g_assert_cmphex(matter_dm_command_status(&f.node, 2, 6, 0x40), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmphex(matter_dm_event_status(&f.node, 2, 6, 0), ==, MATTER_IM_STATUS_UNSUPPORTED_EVENT);
  g_assert_true(matter_dm_endpoint_has_device_type(&f.node, 1, 0x0100));
  g_assert_false(matter_dm_endpoint_has_device_type(&f.node, 0, 0x0100));
  {
    MatterDmAttribute entry;

    g_assert_true(matter_dm_find_attribute(&f.onoff2, 0x4001, &entry));
    g_assert_cmpuint(entry.write_privilege, ==, MATTER_ACL_PRIVILEGE_OPERATE);
    g_assert_true(matter_dm_find_attribute(&f.onoff2, MATTER_DM_ATTR_ATTRIBUTE_LIST, &entry));
    g_assert_cmpuint(entry.write_privilege, ==, 0);
    g_assert_true(entry.qualities & MATTER_DM_LIST);
  }
}

/* The global list's ids, read back from its TLV. */
static void
assert_global_list(const MatterDmCluster *c, uint32_t attribute, const uint32_t *want, size_t n)
{
  uint8_t buf[128];
  MatterTlvWriter w;
  MatterTlvReader r;
  size_t len, i = 0;
  uint32_t id;

  matter_tlv_writer_init(&w, buf, sizeof(buf));
  assert_error(matter_dm_read_global(c, attribute, &w, matter_tlv_tag_anonymous()), MATTER_OK);
  assert_error(matter_tlv_writer_finish(&w, &len), MATTER_OK);
  matter_tlv_reader_init(&r, buf, len);
  assert_error(matter_tlv_next(&r), MATTER_OK);
  assert_error(matter_tlv_enter(&r), MATTER_OK);
  while (matter_tlv_next(&r) == MATTER_OK) {
    assert_error(matter_tlv_get_u32(&r, &id), MATTER_OK);
    g_assert_cmpuint(i, <, n);
    g_assert_cmphex(id, ==, want[i]);
    i++;
  }
  g_assert_cmpuint(i, ==, n);
}

static void
test_globals(void)
{
  static const uint32_t attrs1[] = { 0, 0xFFF8, 0xFFF9, 0xFFFB, 0xFFFC, 0xFFFD };
  static const uint32_t attrs2[] = { 0, 0x4000, 0x4001, 0xFFF8, 0xFFF9, 0xFFFB, 0xFFFC, 0xFFFD };
  static const uint32_t accepted1[] = { 0, 1, 2 };
  static const uint32_t accepted2[] = { 0, 1, 2, 0x40 };
  static const uint32_t generated_vendor[] = { 1, 4 };
  Fixture f;
  uint8_t buf[16];
  MatterTlvWriter w;
  MatterTlvReader r;
  size_t len;
  uint32_t value;

  fixture_init(&f);
  assert_global_list(&f.onoff1, MATTER_DM_ATTR_ATTRIBUTE_LIST, attrs1, G_N_ELEMENTS(attrs1));
  assert_global_list(&f.onoff2, MATTER_DM_ATTR_ATTRIBUTE_LIST, attrs2, G_N_ELEMENTS(attrs2));
  assert_global_list(&f.onoff1, MATTER_DM_ATTR_ACCEPTED_COMMAND_LIST, accepted1, 3);
  assert_global_list(&f.onoff2, MATTER_DM_ATTR_ACCEPTED_COMMAND_LIST, accepted2, 4);
  assert_global_list(&f.onoff2, MATTER_DM_ATTR_GENERATED_COMMAND_LIST, NULL, 0);
  assert_global_list(&f.vendor1, MATTER_DM_ATTR_GENERATED_COMMAND_LIST, generated_vendor, 2);

  matter_tlv_writer_init(&w, buf, sizeof(buf));
  assert_error(matter_dm_read_global(&f.onoff2, MATTER_DM_ATTR_FEATURE_MAP, &w,
                                     matter_tlv_tag_anonymous()),
               MATTER_OK);
  assert_error(matter_tlv_writer_finish(&w, &len), MATTER_OK);
  matter_tlv_reader_init(&r, buf, len);
  matter_tlv_next(&r);
  assert_error(matter_tlv_get_u32(&r, &value), MATTER_OK);
  g_assert_cmpuint(value, ==, FEATURE_LIGHTING);
  g_assert_cmpint(matter_dm_read_global(&f.onoff2, 0, &w, matter_tlv_tag_anonymous()), ==,
                  MATTER_ERROR_INVALID_ARGUMENT);
}

/* Expands @path into "e/c/a" strings joined by spaces. */
static char *
expand(const Fixture *f, const MatterImAttributePath *path)
{
  GString *out = g_string_new(NULL);
  MatterDmAttributeIter iter;
  uint16_t e;
  uint32_t c, a;

  matter_dm_attribute_iter_init(&iter, path);
  while (matter_dm_attribute_iter_next(&iter, &f->node, &e, &c, &a) == MATTER_OK)
    g_string_append_printf(out, "%s%u/%x/%x", out->len ? " " : "", e, c, a);
  g_assert_cmpint(matter_dm_attribute_iter_next(&iter, &f->node, &e, &c, &a), ==,
                  MATTER_ERROR_TLV_END);
  return g_string_free(out, FALSE);
}

#define GLOBALS(e, c) e "/" c "/fff8 " e "/" c "/fff9 " e "/" c "/fffb " e "/" c "/fffc " e "/" c "/fffd"

static void
test_wildcards(void)
{
  Fixture f;
  MatterImAttributePath path = { 0 };
  g_autofree char *all = NULL, *onoff_attr = NULL, *no_root = NULL, *no_globals = NULL;
  g_autofree char *no_lists = NULL, *no_custom = NULL, *no_diag = NULL, *no_fixed = NULL;
  g_autofree char *no_omitted = NULL, *concrete = NULL, *endpoint2 = NULL;

  fixture_init(&f);
  all = expand(&f, &path);
  g_assert_cmpstr(all, ==,
                  "0/28/0 0/28/5 0/28/13 " GLOBALS("0", "28") " 0/33/0 " GLOBALS("0", "33")
                  " 1/6/0 " GLOBALS("1", "6") " 1/fff1fc00/1 1/fff1fc00/fff10000 "
                  GLOBALS("1", "fff1fc00") " 2/6/0 2/6/4000 2/6/4001 " GLOBALS("2", "6"));

  path = (MatterImAttributePath) { .has_cluster = true, .cluster = 6, .has_attribute = true };
  onoff_attr = expand(&f, &path);
  g_assert_cmpstr(onoff_attr, ==, "1/6/0 2/6/0");

  path = (MatterImAttributePath) { .has_attribute = true, .attribute = 0xFFFD,
                                   .has_wildcard_flags = true,
                                   .wildcard_flags = MATTER_IM_WILDCARD_SKIP_ROOT_NODE };
  no_root = expand(&f, &path);
  g_assert_cmpstr(no_root, ==, "1/6/fffd 1/fff1fc00/fffd 2/6/fffd");

  path = (MatterImAttributePath) { .has_endpoint = true, .endpoint = 1, .has_cluster = true,
                                   .cluster = 6, .has_wildcard_flags = true,
                                   .wildcard_flags = MATTER_IM_WILDCARD_SKIP_GLOBAL_ATTRIBUTES };
  no_globals = expand(&f, &path);
  g_assert_cmpstr(no_globals, ==, "1/6/0 1/6/fffc 1/6/fffd");
  path.wildcard_flags = MATTER_IM_WILDCARD_SKIP_ATTRIBUTE_LIST |
                        MATTER_IM_WILDCARD_SKIP_COMMAND_LISTS;
  no_lists = expand(&f, &path);
  g_assert_cmpstr(no_lists, ==, "1/6/0 1/6/fffc 1/6/fffd");

  path = (MatterImAttributePath) { .has_endpoint = true, .endpoint = 1, .has_attribute = true,
                                   .attribute = 0xFFFC, .has_wildcard_flags = true,
                                   .wildcard_flags = MATTER_IM_WILDCARD_SKIP_CUSTOM_ELEMENTS };
  no_custom = expand(&f, &path);
  g_assert_cmpstr(no_custom, ==, "1/6/fffc");

  path = (MatterImAttributePath) { .has_endpoint = true, .endpoint = 0, .has_attribute = true,
                                   .attribute = 0, .has_wildcard_flags = true,
                                   .wildcard_flags = MATTER_IM_WILDCARD_SKIP_DIAGNOSTICS_CLUSTERS };
  no_diag = expand(&f, &path);
  g_assert_cmpstr(no_diag, ==, "0/28/0");

  path = (MatterImAttributePath) { .has_endpoint = true, .endpoint = 0, .has_cluster = true,
                                   .cluster = 0x28, .has_wildcard_flags = true,
                                   .wildcard_flags = MATTER_IM_WILDCARD_SKIP_FIXED_ATTRIBUTES };
  no_fixed = expand(&f, &path);
  g_assert_cmpstr(no_fixed, ==, "0/28/5 0/28/13");
  path.wildcard_flags = MATTER_IM_WILDCARD_SKIP_CHANGES_OMITTED_ATTRIBUTES;
  no_omitted = expand(&f, &path);
  g_assert_cmpstr(no_omitted, ==, "0/28/0 0/28/5 " GLOBALS("0", "28"));

  /* A concrete path is itself, existing or not. */
  path = (MatterImAttributePath) { .has_endpoint = true, .endpoint = 7, .has_cluster = true,
                                   .cluster = 6, .has_attribute = true, .attribute = 9 };
  concrete = expand(&f, &path);
  g_assert_cmpstr(concrete, ==, "7/6/9");

  path = (MatterImAttributePath) { .has_endpoint = true, .endpoint = 2 };
  endpoint2 = expand(&f, &path);
  g_assert_cmpstr(endpoint2, ==, "2/6/0 2/6/4000 2/6/4001 " GLOBALS("2", "6"));
}

/* An iterator copied mid-way goes on where it was. */
static void
test_resumable(void)
{
  Fixture f;
  MatterImAttributePath path = { 0 };
  MatterDmAttributeIter iter, copy;
  uint16_t e, e2;
  uint32_t c, c2, a, a2;

  fixture_init(&f);
  matter_dm_attribute_iter_init(&iter, &path);
  for (int i = 0; i < 12; i++)
    assert_error(matter_dm_attribute_iter_next(&iter, &f.node, &e, &c, &a), MATTER_OK);
  copy = iter;
  while (matter_dm_attribute_iter_next(&iter, &f.node, &e, &c, &a) == MATTER_OK) {
    assert_error(matter_dm_attribute_iter_next(&copy, &f.node, &e2, &c2, &a2), MATTER_OK);
    g_assert_cmpuint(e, ==, e2);
    g_assert_cmpuint(c, ==, c2);
    g_assert_cmpuint(a, ==, a2);
  }
  assert_error(matter_dm_attribute_iter_next(&copy, &f.node, &e2, &c2, &a2), MATTER_ERROR_TLV_END);
}

/* An instance that leaves out vendor commands 0x00 and 0x03 and event 1
 * (commands and events an owner has no handler for). */
static bool
vendor_command_present(const MatterDmCluster *cluster, uint32_t command)
{
  g_assert_nonnull(cluster);
  return command != 0x00 && command != 0x03;
}

static bool
vendor_event_present(const MatterDmCluster *cluster, uint32_t event)
{
  g_assert_nonnull(cluster);
  return event != 1;
}

static void
test_present(void)
{
  static const MatterDmEvent events[] = {
    { 0, MATTER_ACL_PRIVILEGE_VIEW, 1, 0, 0 },
    { 1, MATTER_ACL_PRIVILEGE_VIEW, 1, 0, 0 },
  };
  static const uint32_t accepted[] = { 0x02 };
  static const uint32_t generated[] = { 0x01 };
  static const uint32_t accepted_all[] = { 0x00, 0x02, 0x03 };
  static const uint32_t generated_all[] = { 0x01, 0x04 };
  MatterDmClass partial = vendor;
  Fixture f;

  partial.events = events;
  partial.event_count = G_N_ELEMENTS(events);
  partial.command_present = vendor_command_present;
  partial.event_present = vendor_event_present;
  fixture_init(&f);
  assert_global_list(&f.vendor1, MATTER_DM_ATTR_ACCEPTED_COMMAND_LIST, accepted_all, 3);
  assert_global_list(&f.vendor1, MATTER_DM_ATTR_GENERATED_COMMAND_LIST, generated_all, 2);
  f.vendor1.cls = &partial;
  g_assert_null(matter_dm_find_command(&f.vendor1, 0x00));
  g_assert_nonnull(matter_dm_find_command(&f.vendor1, 0x02));
  g_assert_cmphex(matter_dm_command_status(&f.node, 1, VENDOR_CLUSTER, 0x03), ==,
                  MATTER_IM_STATUS_UNSUPPORTED_COMMAND);
  g_assert_cmphex(matter_dm_command_status(&f.node, 1, VENDOR_CLUSTER, 0x02), ==,
                  MATTER_IM_STATUS_SUCCESS);
  g_assert_nonnull(matter_dm_find_event(&f.vendor1, 0));
  g_assert_null(matter_dm_find_event(&f.vendor1, 1));
  g_assert_cmphex(matter_dm_event_status(&f.node, 1, VENDOR_CLUSTER, 1), ==,
                  MATTER_IM_STATUS_UNSUPPORTED_EVENT);
  g_assert_cmphex(matter_dm_event_status(&f.node, 1, VENDOR_CLUSTER, 0), ==,
                  MATTER_IM_STATUS_SUCCESS);
  /* 0x02 still answers with 0x01; 0x04 answered only the absent 0x03. */
  assert_global_list(&f.vendor1, MATTER_DM_ATTR_ACCEPTED_COMMAND_LIST, accepted, 1);
  assert_global_list(&f.vendor1, MATTER_DM_ATTR_GENERATED_COMMAND_LIST, generated, 1);
}

static void
test_versions_and_ticks(void)
{
  Fixture f;

  fixture_init(&f);
  g_assert_cmpuint(matter_dm_attribute_tick(&f.basic0, 5), ==, 0);
  matter_dm_mark(&f.node, &f.basic0, 5);
  g_assert_cmpuint(f.basic0.data_version, ==, 101);
  g_assert_cmpuint(matter_dm_attribute_tick(&f.basic0, 5), ==, 1);
  matter_dm_mark(&f.node, &f.onoff2, 0x4001);
  g_assert_cmpuint(matter_dm_attribute_tick(&f.onoff2, 0x4001), ==, 2);
  g_assert_cmpuint(matter_dm_attribute_tick(&f.basic0, 5), ==, 1);
  /* Changes-Omitted: the version moves, the tick does not. */
  matter_dm_mark(&f.node, &f.basic0, 0x13);
  g_assert_cmpuint(f.basic0.data_version, ==, 102);
  g_assert_cmpuint(matter_dm_attribute_tick(&f.basic0, 0x13), ==, 0);
  g_assert_cmpuint(f.node.tick, ==, 2);
  /* Global attributes have ticks of their own (a FeatureMap may change). */
  matter_dm_mark(&f.node, &f.onoff2, MATTER_DM_ATTR_FEATURE_MAP);
  g_assert_cmpuint(matter_dm_attribute_tick(&f.onoff2, MATTER_DM_ATTR_FEATURE_MAP), ==, 3);
  g_assert_cmpuint(matter_dm_tick_slots(&onoff), ==, 3 + MATTER_DM_GLOBAL_COUNT);
  /* The data version wraps as a 32-bit counter. */
  f.onoff1.data_version = UINT32_MAX;
  matter_dm_mark(&f.node, &f.onoff1, 0);
  g_assert_cmpuint(f.onoff1.data_version, ==, 0);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/dm/statuses", test_statuses);
  g_test_add_func("/dm/globals", test_globals);
  g_test_add_func("/dm/wildcards", test_wildcards);
  g_test_add_func("/dm/resumable", test_resumable);
  g_test_add_func("/dm/present", test_present);
  g_test_add_func("/dm/versions-and-ticks", test_versions_and_ticks);
  return g_test_run();
}
