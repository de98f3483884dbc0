/* SPDX-License-Identifier: Apache-2.0 */
/* The Access Control cluster over a fabric table on the storage fake:
 * what a write of the ACL attribute stages (a replace and appends, for
 * the accessing fabric only), which entries 6.6 and 9.10.5 refuse, the
 * per-fabric limit, and that nothing changes until the write transaction
 * committed. Reads are fabric-filtered and hide other fabrics'
 * fabric-sensitive fields. */

#include <glib.h>
#include <string.h>

#include "clusters/clusters.h"
#include "fabric-table.h"
#include "matter/event-log.h"
#include "matter/im.h"
#include "md-test-storage.h"

#define CAT_ADMINS G_GUINT64_CONSTANT(0xFFFFFFFD00010001)

typedef struct {
  MdTestStorage *storage;
  MdFabricTable *fabrics;
  MatterEventLog events;
  guint8 event_rings[3][2048];
  MdAccessControl ac;
  MatterDmCluster cluster;
  guint64 ticks[4 + MATTER_DM_GLOBAL_COUNT];
  MatterDmNode dm;
} Test;

static Test *
test_new(void)
{
  g_autoptr(GError) error = NULL;
  Test *t = g_new0(Test, 1);

  t->storage = md_test_storage_new();
  md_test_storage_set_fabrics(t->storage, 2);
  t->fabrics = md_fabric_table_new(md_test_storage_get(t->storage), 5, &error);
  g_assert_no_error(error);
  {
    const MatterEventBuffer buffers[MATTER_EVENT_PRIORITIES] = {
      { t->event_rings[0], sizeof(t->event_rings[0]) },
      { t->event_rings[1], sizeof(t->event_rings[1]) },
      { t->event_rings[2], sizeof(t->event_rings[2]) },
    };

    g_assert_cmpint(matter_event_log_init(&t->events, buffers, 0, 100, NULL, NULL), ==, MATTER_OK);
  }
  md_access_control_init(&t->ac, t->fabrics, &t->events);
  t->cluster = (MatterDmCluster) { .cls = &md_access_control_class, .ticks = t->ticks,
                                   .state = &t->ac };
  md_access_control_bind(&t->ac, &t->dm, &t->cluster);
  return t;
}

static void
test_free(Test *t)
{
  md_access_control_clear(&t->ac);
  md_fabric_table_free(t->fabrics);
  md_test_storage_free(t->storage);
  g_free(t);
}

typedef struct {
  guint8 privilege;
  guint8 auth_mode;
  gsize subject_count; /* G_MAXSIZE: null */
  guint64 subjects[5];
  gsize target_count; /* G_MAXSIZE: null */
  MatterAclTarget targets[4];
} Entry;

static void
put_entry(MatterTlvWriter *w, const Entry *e)
{
  matter_tlv_start_structure(w, matter_tlv_tag_anonymous());
  matter_tlv_put_uint(w, matter_tlv_tag_context(1), e->privilege);
  matter_tlv_put_uint(w, matter_tlv_tag_context(2), e->auth_mode);
  if (e->subject_count == G_MAXSIZE) {
    matter_tlv_put_null(w, matter_tlv_tag_context(3));
  } else {
    matter_tlv_start_array(w, matter_tlv_tag_context(3));
    for (gsize i = 0; i < e->subject_count; i++)
      matter_tlv_put_uint(w, matter_tlv_tag_anonymous(), e->subjects[i]);
    matter_tlv_end_container(w);
  }
  if (e->target_count == G_MAXSIZE) {
    matter_tlv_put_null(w, matter_tlv_tag_context(4));
  } else {
    matter_tlv_start_array(w, matter_tlv_tag_context(4));
    for (gsize i = 0; i < e->target_count; i++) {
      const MatterAclTarget *t = &e->targets[i];

      matter_tlv_start_structure(w, matter_tlv_tag_anonymous());
      if (t->has_cluster)
        matter_tlv_put_uint(w, matter_tlv_tag_context(0), t->cluster);
      else
        matter_tlv_put_null(w, matter_tlv_tag_context(0));
      if (t->has_endpoint)
        matter_tlv_put_uint(w, matter_tlv_tag_context(1), t->endpoint);
      else
        matter_tlv_put_null(w, matter_tlv_tag_context(1));
      if (t->has_device_type)
        matter_tlv_put_uint(w, matter_tlv_tag_context(2), t->device_type);
      else
        matter_tlv_put_null(w, matter_tlv_tag_context(2));
      matter_tlv_end_container(w);
    }
    matter_tlv_end_container(w);
  }
  /* A FabricIndex the server ignores: the accessing fabric's wins. */
  matter_tlv_put_uint(w, matter_tlv_tag_context(0xFE), 7);
  matter_tlv_end_container(w);
}

static MatterDmRequest
request_for(guint8 fabric_index, MatterAclSubject *subject, gboolean filtered)
{
  *subject = (MatterAclSubject) { .auth_mode = MATTER_ACL_AUTH_CASE,
                                  .fabric_index = fabric_index };
  return (MatterDmRequest) { .subject = subject, .fabric_filtered = filtered };
}

/* A write of the whole list (@append FALSE) or of one appended entry. */
static guint8
write_entries(Test *t, guint8 fabric_index, gboolean append, const Entry *entries, gsize count)
{
  MatterAclSubject subject;
  MatterDmRequest request = request_for(fabric_index, &subject, FALSE);
  MatterImAttributePath path = {
    .attribute = 0,
    .list_index_kind = append ? MATTER_IM_LIST_INDEX_APPEND : MATTER_IM_LIST_INDEX_NONE,
  };
  guint8 buf[2048];
  MatterTlvWriter w;
  MatterTlvReader r;
  gsize len;

  matter_tlv_writer_init(&w, buf, sizeof(buf));
  if (append) {
    g_assert_cmpuint(count, ==, 1);
    put_entry(&w, &entries[0]);
  } else {
    matter_tlv_start_array(&w, matter_tlv_tag_anonymous());
    for (gsize i = 0; i < count; i++)
      put_entry(&w, &entries[i]);
    matter_tlv_end_container(&w);
  }
  g_assert_cmpint(matter_tlv_writer_finish(&w, &len), ==, MATTER_OK);
  matter_tlv_reader_init(&r, buf, len);
  g_assert_cmpint(matter_tlv_next(&r), ==, MATTER_OK);
  return md_access_control_class.write(&t->cluster, &request, &path, &r);
}

/* The engine: the list is complete. */
static void
list_done_of(Test *t, guint32 attribute, gboolean successful)
{
  MatterAclSubject subject;
  MatterDmRequest request = request_for(1, &subject, FALSE);
  MatterImAttributePath path = { .attribute = attribute };

  g_assert_cmpuint(md_access_control_class.list_write_done(&t->cluster, &request, &path,
                                                           successful),
                   ==, MATTER_IM_STATUS_SUCCESS);
}

static void
list_done(Test *t, gboolean successful)
{
  list_done_of(t, 0x0000, successful);
}

/* A write of the Extension attribute: a list of @count AccessControl-
 * ExtensionStructs with @data each (or one appended). */
static guint8
write_extension(Test *t, guint8 fabric_index, gboolean append, const guint8 *data, gsize len,
                guint count)
{
  MatterAclSubject subject;
  MatterDmRequest request = request_for(fabric_index, &subject, FALSE);
  MatterImAttributePath path = {
    .attribute = 0x0001,
    .list_index_kind = append ? MATTER_IM_LIST_INDEX_APPEND : MATTER_IM_LIST_INDEX_NONE,
  };
  guint8 buf[1024];
  MatterTlvWriter w;
  MatterTlvReader r;
  gsize out_len;

  matter_tlv_writer_init(&w, buf, sizeof(buf));
  if (!append)
    matter_tlv_start_array(&w, matter_tlv_tag_anonymous());
  for (guint i = 0; i < count; i++) {
    matter_tlv_start_structure(&w, matter_tlv_tag_anonymous());
    matter_tlv_put_bytes(&w, matter_tlv_tag_context(1), data, len);
    matter_tlv_end_container(&w);
  }
  if (!append)
    matter_tlv_end_container(&w);
  g_assert_cmpint(matter_tlv_writer_finish(&w, &out_len), ==, MATTER_OK);
  matter_tlv_reader_init(&r, buf, out_len);
  g_assert_cmpint(matter_tlv_next(&r), ==, MATTER_OK);
  return md_access_control_class.write(&t->cluster, &request, &path, &r);
}

/* What the node does at the end of the WriteRequest. */
static gboolean
commit_writes(Test *t)
{
  const MdNodeStorage *storage = md_test_storage_get(t->storage);
  g_autoptr(GError) error = NULL;

  list_done(t, TRUE);
  list_done_of(t, 0x0001, TRUE);
  if (!md_node_storage_begin(storage, &error) || !md_access_control_stage(&t->ac, &error) ||
      !md_node_storage_commit(storage, &error)) {
    md_node_storage_rollback(storage);
    md_access_control_drop(&t->ac);
    return FALSE;
  }
  md_access_control_apply(&t->ac, 0);
  return TRUE;
}

static gsize
acl_count(Test *t, guint8 fabric_index)
{
  const MdFabric *fabric = md_fabric_table_get(t->fabrics, fabric_index);

  return fabric->acl->len;
}

static const Entry admin = { MATTER_ACL_PRIVILEGE_ADMINISTER, MATTER_ACL_AUTH_CASE, 1,
                             { 0x1111 }, G_MAXSIZE };
static const Entry operate = { MATTER_ACL_PRIVILEGE_OPERATE, MATTER_ACL_AUTH_CASE, 2,
                               { 0x2222, CAT_ADMINS }, 1,
                               { { .has_cluster = true, .cluster = 0x0006 } } };
static const Entry group_view = { MATTER_ACL_PRIVILEGE_VIEW, MATTER_ACL_AUTH_GROUP, 1,
                                  { 0x0101 }, 1,
                                  { { .has_endpoint = true, .endpoint = 1 } } };

static void
test_replace_and_append(void)
{
  Test *t = test_new();
  const Entry list[] = { admin, operate };
  guint32 version = t->cluster.data_version;
  const MdFabric *fabric;
  g_autoptr(GError) error = NULL;
  g_autoptr(MdFabricTable) reloaded = NULL;

  g_assert_cmpuint(write_entries(t, 1, FALSE, list, 2), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(write_entries(t, 1, TRUE, &group_view, 1), ==, MATTER_IM_STATUS_SUCCESS);
  /* Staged only. */
  g_assert_cmpuint(acl_count(t, 1), ==, 0);
  g_assert_cmpuint(t->cluster.data_version, ==, version);
  g_assert_true(commit_writes(t));
  g_assert_cmpuint(acl_count(t, 1), ==, 3);
  g_assert_cmpuint(acl_count(t, 2), ==, 0);
  g_assert_cmpuint(t->cluster.data_version, ==, version + 1);
  fabric = md_fabric_table_get(t->fabrics, 1);
  g_assert_cmpuint(g_array_index(fabric->acl, MatterAclEntry, 0).fabric_index, ==, 1);
  g_assert_cmpuint(g_array_index(fabric->acl, MatterAclEntry, 1).subjects[1], ==, CAT_ADMINS);
  g_assert_cmpuint(g_array_index(fabric->acl, MatterAclEntry, 1).targets[0].cluster, ==, 6);
  g_assert_cmpuint(g_array_index(fabric->acl, MatterAclEntry, 2).auth_mode, ==,
                   MATTER_ACL_AUTH_GROUP);
  /* Stored: a restart reads the same. */
  reloaded = md_fabric_table_new(md_test_storage_get(t->storage), 5, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(md_fabric_table_get(reloaded, 1)->acl->len, ==, 3);
  /* An append alone starts from the entries in force. */
  g_assert_cmpuint(write_entries(t, 1, TRUE, &admin, 1), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_true(commit_writes(t));
  g_assert_cmpuint(acl_count(t, 1), ==, 4);
  test_free(t);
}

static void
test_invalid_entries(void)
{
  Entry pase = admin, group_admin = group_view, empty_target = operate, both = operate;
  Entry bad_subject = admin, too_many = admin, bad_privilege = admin, cat_v0 = admin;
  const Entry *invalid[] = { &pase, &group_admin, &empty_target, &both, &bad_subject,
                             &bad_privilege, &cat_v0 };
  Test *t = test_new();

  pase.auth_mode = MATTER_ACL_AUTH_PASE;
  group_admin.privilege = MATTER_ACL_PRIVILEGE_ADMINISTER;
  empty_target.targets[0] = (MatterAclTarget) { 0 };
  both.targets[0] = (MatterAclTarget) { .has_endpoint = true, .has_device_type = true };
  bad_subject.subjects[0] = 0; /* not an operational node id */
  too_many.subject_count = 5;
  bad_privilege.privilege = 6;
  cat_v0.subjects[0] = G_GUINT64_CONSTANT(0xFFFFFFFD00010000);
  for (gsize i = 0; i < G_N_ELEMENTS(invalid); i++) {
    g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, "Access Control: *");
    g_assert_cmpuint(write_entries(t, 1, FALSE, invalid[i], 1), ==,
                     MATTER_IM_STATUS_CONSTRAINT_ERROR);
    g_test_assert_expected_messages();
    g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, "Access Control: *");
    g_assert_cmpuint(write_entries(t, 1, TRUE, invalid[i], 1), ==,
                     MATTER_IM_STATUS_CONSTRAINT_ERROR);
    g_test_assert_expected_messages();
  }
  /* More subjects than an entry holds: RESOURCE_EXHAUSTED (9.10.5.6.3). */
  g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, "Access Control: *");
  g_assert_cmpuint(write_entries(t, 1, FALSE, &too_many, 1), ==,
                   MATTER_IM_STATUS_RESOURCE_EXHAUSTED);
  g_test_assert_expected_messages();
  g_assert_cmpuint(acl_count(t, 1), ==, 0);
  test_free(t);
}

/* A list the engine gave up on (a chunk failed, the write timed out) is
 * never stored. */
static void
test_abandoned_list(void)
{
  Test *t = test_new();
  const Entry list[] = { admin, operate };

  g_assert_cmpuint(write_entries(t, 1, FALSE, list, 2), ==, MATTER_IM_STATUS_SUCCESS);
  list_done(t, FALSE);
  g_assert_true(commit_writes(t));
  g_assert_cmpuint(acl_count(t, 1), ==, 0);
  test_free(t);
}

/* AccessControlEntriesPerFabric: past it, RESOURCE_EXHAUSTED. */
static void
test_per_fabric_limit(void)
{
  Test *t = test_new();
  Entry list[MD_FABRIC_ACL_ENTRIES_MAX + 1];

  for (gsize i = 0; i < G_N_ELEMENTS(list); i++) {
    list[i] = admin;
    list[i].subjects[0] = 0x1000 + i;
  }
  g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, "*more than 8 entries*");
  g_assert_cmpuint(write_entries(t, 1, FALSE, list, G_N_ELEMENTS(list)), ==,
                   MATTER_IM_STATUS_RESOURCE_EXHAUSTED);
  g_test_assert_expected_messages();
  g_assert_cmpuint(write_entries(t, 1, FALSE, list, MD_FABRIC_ACL_ENTRIES_MAX), ==,
                   MATTER_IM_STATUS_SUCCESS);
  g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, "*more than 8 entries*");
  g_assert_cmpuint(write_entries(t, 1, TRUE, &list[MD_FABRIC_ACL_ENTRIES_MAX], 1), ==,
                   MATTER_IM_STATUS_RESOURCE_EXHAUSTED);
  g_test_assert_expected_messages();
  g_assert_true(commit_writes(t));
  g_assert_cmpuint(acl_count(t, 1), ==, MD_FABRIC_ACL_ENTRIES_MAX);
  test_free(t);
}

/* A storage failure anywhere in the transaction changes nothing. */
static void
test_storage_failure(void)
{
  const Entry list[] = { admin, operate };

  for (guint call = 1; call <= 3; call++) {
    Test *t = test_new();
    guint32 version = t->cluster.data_version;
    g_autoptr(GError) error = NULL;
    g_autoptr(MdFabricTable) reloaded = NULL;

    g_assert_cmpuint(write_entries(t, 1, FALSE, list, 2), ==, MATTER_IM_STATUS_SUCCESS);
    md_test_storage_fail_at(t->storage, call);
    g_assert_false(commit_writes(t));
    g_assert_false(md_test_storage_in_transaction(t->storage));
    g_assert_cmpuint(acl_count(t, 1), ==, 0);
    g_assert_cmpuint(t->cluster.data_version, ==, version);
    reloaded = md_fabric_table_new(md_test_storage_get(t->storage), 5, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(md_fabric_table_get(reloaded, 1)->acl->len, ==, 0);
    test_free(t);
  }
}

/* Fabric 1 reads its entries whole; fabric 2's only by index, and not at
 * all when the read is fabric-filtered. */
static void
test_read_scoping(void)
{
  Test *t = test_new();
  guint8 buf[2048];
  MatterAclSubject subject;
  MatterDmRequest request;
  MatterTlvWriter w;
  MatterTlvReader r;
  gsize len, n = 0;
  guint8 index;

  g_assert_cmpuint(write_entries(t, 1, FALSE, &admin, 1), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_true(commit_writes(t));
  g_assert_cmpuint(write_entries(t, 2, FALSE, &operate, 1), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_true(commit_writes(t));

  for (int filtered = 0; filtered <= 1; filtered++) {
    request = request_for(1, &subject, filtered);
    matter_tlv_writer_init(&w, buf, sizeof(buf));
    g_assert_cmpuint(md_access_control_class.read(&t->cluster, &request, 0, &w,
                                                  matter_tlv_tag_anonymous()),
                     ==, MATTER_IM_STATUS_SUCCESS);
    g_assert_cmpint(matter_tlv_writer_finish(&w, &len), ==, MATTER_OK);
    matter_tlv_reader_init(&r, buf, len);
    g_assert_cmpint(matter_tlv_next(&r), ==, MATTER_OK);
    g_assert_cmpint(matter_tlv_enter(&r), ==, MATTER_OK);
    for (n = 0; matter_tlv_next(&r) == MATTER_OK; n++) {
      guint8 privilege;

      g_assert_cmpint(matter_tlv_enter(&r), ==, MATTER_OK);
      g_assert_cmpint(matter_tlv_get_context_u8(&r, 0xFE, &index), ==, MATTER_OK);
      g_assert_cmpuint(index, ==, n + 1);
      /* Privilege is fabric-sensitive. */
      g_assert_cmpint(matter_tlv_get_context_u8(&r, 1, &privilege), ==,
                      index == 1 ? MATTER_OK : MATTER_ERROR_TLV_NOT_FOUND);
      g_assert_cmpint(matter_tlv_exit(&r), ==, MATTER_OK);
    }
    g_assert_cmpuint(n, ==, filtered ? 1 : 2);
  }
  test_free(t);
}

/* ---- Events and the Extension list ---- */

/* The (event id, ChangeType) pairs logged for fabric 1 from @min on. */
static GArray *
changes(Test *t, guint64 *min)
{
  GArray *found = g_array_new(FALSE, FALSE, sizeof(guint));
  MatterEventInfo info;

  while (matter_event_log_next(&t->events, *min, 1, &info) == MATTER_OK) {
    guint8 ib[1200];
    MatterTlvReader r;
    guint8 change;
    guint pair;

    g_assert_cmpuint(info.fabric_index, ==, 1);
    g_assert_cmpint(matter_event_log_copy(&t->events, &info, ib, sizeof(ib)), ==, MATTER_OK);
    /* EventDataIB: the fields are the structure with context tag 7. */
    matter_tlv_reader_init(&r, ib, info.len);
    g_assert_cmpint(matter_tlv_next(&r), ==, MATTER_OK);
    g_assert_cmpint(matter_tlv_enter(&r), ==, MATTER_OK);
    g_assert_cmpint(matter_tlv_enter_context(&r, 7, MATTER_TLV_TYPE_STRUCTURE), ==, MATTER_OK);
    g_assert_cmpint(matter_tlv_get_context_u8(&r, 3, &change), ==, MATTER_OK);
    pair = info.event << 8 | change;
    g_array_append_val(found, pair);
    *min = info.number + 1;
  }
  return found;
}

static void
assert_changes(Test *t, guint64 *min, const guint *want, gsize count)
{
  g_autoptr(GArray) got = changes(t, min);

  g_assert_cmpmem(got->data, got->len * sizeof(guint), want, count * sizeof(guint));
}

/* One AccessControlEntryChanged per entry added, changed or removed. */
static void
test_entry_changed_events(void)
{
  Test *t = test_new();
  const Entry two[] = { admin, operate }, changed[] = { admin, group_view };
  const guint added[] = { 0x0001, 0x0001 }, one_changed[] = { 0x0000 }, removed[] = { 0x0002 };
  guint64 min = 0;

  g_assert_cmpuint(write_entries(t, 1, FALSE, two, 2), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_true(commit_writes(t));
  assert_changes(t, &min, added, 2);
  g_assert_cmpuint(write_entries(t, 1, FALSE, changed, 2), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_true(commit_writes(t));
  assert_changes(t, &min, one_changed, 1);
  g_assert_cmpuint(write_entries(t, 1, FALSE, &admin, 1), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_true(commit_writes(t));
  assert_changes(t, &min, removed, 1);
  /* The same list again: nothing changed, nothing logged. */
  g_assert_cmpuint(write_entries(t, 1, FALSE, &admin, 1), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_true(commit_writes(t));
  assert_changes(t, &min, NULL, 0);
  test_free(t);
}

/* A list with one element of a fully-qualified tag (vendor 0xFFF1). */
static gsize
extension_data(guint8 *buf, gsize size, guint32 value)
{
  MatterTlvWriter w;
  gsize len;

  matter_tlv_writer_init(&w, buf, size);
  matter_tlv_start_list(&w, matter_tlv_tag_anonymous());
  matter_tlv_put_uint(&w, matter_tlv_tag_fully_qualified(0xFFF1, 0xDEED, 1), value);
  matter_tlv_end_container(&w);
  g_assert_cmpint(matter_tlv_writer_finish(&w, &len), ==, MATTER_OK);
  return len;
}

static void
test_extension(void)
{
  Test *t = test_new();
  guint8 data[64], other[64], context_tagged[] = { 0x17, 0x24, 0x01, 0x05, 0x18 };
  guint8 big[130];
  gsize len = extension_data(data, sizeof(data), 1);
  gsize other_len = extension_data(other, sizeof(other), 2);
  const guint added[] = { 0x0101 }, changed[] = { 0x0100 }, removed[] = { 0x0102 };
  g_autoptr(GError) error = NULL;
  guint64 min = 0;

  g_assert_cmpuint(t->cluster.feature_map, ==, 0x1);
  g_assert_cmpuint(write_extension(t, 1, FALSE, data, len, 1), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_true(commit_writes(t));
  g_assert_cmpmem(g_bytes_get_data(md_fabric_table_get(t->fabrics, 1)->acl_extension, NULL), len,
                  data, len);
  assert_changes(t, &min, added, 1);
  /* One per fabric. */
  g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, "*has an extension already*");
  g_assert_cmpuint(write_extension(t, 1, TRUE, other, other_len, 1), ==,
                   MATTER_IM_STATUS_RESOURCE_EXHAUSTED);
  g_test_assert_expected_messages();
  list_done_of(t, 0x0001, FALSE);
  g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, "*has an extension already*");
  g_assert_cmpuint(write_extension(t, 2, FALSE, other, other_len, 2), ==,
                   MATTER_IM_STATUS_RESOURCE_EXHAUSTED);
  g_test_assert_expected_messages();
  list_done_of(t, 0x0001, FALSE);
  /* Not a list of fully-qualified elements, or too long. */
  memset(big, 0, sizeof(big));
  big[0] = 0x17, big[sizeof(big) - 1] = 0x18;
  g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, "*fully-qualified*");
  g_assert_cmpuint(write_extension(t, 2, FALSE, context_tagged, sizeof(context_tagged), 1), ==,
                   MATTER_IM_STATUS_CONSTRAINT_ERROR);
  g_test_assert_expected_messages();
  g_test_expect_message("matterd", G_LOG_LEVEL_MESSAGE, "*fully-qualified*");
  g_assert_cmpuint(write_extension(t, 2, FALSE, big, sizeof(big), 1), ==,
                   MATTER_IM_STATUS_CONSTRAINT_ERROR);
  g_test_assert_expected_messages();
  list_done_of(t, 0x0001, FALSE);
  g_assert_null(md_fabric_table_get(t->fabrics, 2)->acl_extension);

  g_assert_cmpuint(write_extension(t, 1, FALSE, other, other_len, 1), ==,
                   MATTER_IM_STATUS_SUCCESS);
  g_assert_true(commit_writes(t));
  assert_changes(t, &min, changed, 1);
  {
    g_autoptr(MdFabricTable) reloaded = md_fabric_table_new(md_test_storage_get(t->storage), 5,
                                                            &error);

    g_assert_no_error(error);
    g_assert_cmpmem(g_bytes_get_data(md_fabric_table_get(reloaded, 1)->acl_extension, NULL),
                    other_len, other, other_len);
  }
  g_assert_cmpuint(write_extension(t, 1, FALSE, NULL, 0, 0), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_true(commit_writes(t));
  g_assert_null(md_fabric_table_get(t->fabrics, 1)->acl_extension);
  assert_changes(t, &min, removed, 1);
  test_free(t);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/access-control/replace-and-append", test_replace_and_append);
  g_test_add_func("/access-control/invalid-entries", test_invalid_entries);
  g_test_add_func("/access-control/abandoned-list", test_abandoned_list);
  g_test_add_func("/access-control/per-fabric-limit", test_per_fabric_limit);
  g_test_add_func("/access-control/storage-failure", test_storage_failure);
  g_test_add_func("/access-control/read-scoping", test_read_scoping);
  g_test_add_func("/access-control/entry-changed-events", test_entry_changed_events);
  g_test_add_func("/access-control/extension", test_extension);
  return g_test_run();
}
