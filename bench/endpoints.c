/* SPDX-License-Identifier: Apache-2.0 */
/* Application endpoints against built-in clusters and bare D-Bus, in one
 * run: a commissioned matterd on a private bus with the example relay
 * (examples/relay.c) registered, and a test controller over UDP on
 * loopback with one CASE session.
 *
 *   bench-endpoints [SECONDS]   time budget per measurement, default 2
 *
 * Prints reads per second of the relay's OnOff attribute (an application
 * cluster, served from matterd's cache) and of Basic Information's
 * NodeLabel (a built-in one) with their ratio, which should be near 1
 * since both read from memory; then Toggle invokes per second, each a
 * D-Bus round trip from matterd to the relay, against bare D-Bus method
 * calls per second to the relay on the same bus (Properties.Get, from
 * this process), with the ratio of their times: what the IM exchange and
 * matterd add around the D-Bus call. Numbers from sanitizer builds are
 * not representative. */

#include <gio/gio.h>
#include <stdio.h>
#include <stdlib.h>

#include "md-test-app.h"
#include "md-test-commission.h"

#define CLUSTER_ON_OFF 0x0006
#define CLUSTER_BASIC_INFORMATION 0x0028
#define CLUSTER_DESCRIPTOR 0x001D
#define ATTR_ON_OFF 0x0000
#define ATTR_NODE_LABEL 0x0005
#define ATTR_PARTS_LIST 0x0003
#define CMD_TOGGLE 0x02
#define AGGREGATOR_ENDPOINT 1
#define RELAY_PATH "/org/matterd/example/relay/ep0/onoff"

typedef struct {
  MdTestNode node;
  MatterSession *session;
  guint16 relay;
} Bench;

typedef void (*Operation)(Bench *b);

static double budget_s = 2.0;

/* Runs @op for the budget; operations per second. */
static double
rate(Bench *b, Operation op)
{
  gint64 start = g_get_monotonic_time(), now;
  guint64 n = 0;

  do {
    op(b);
    n++;
    now = g_get_monotonic_time();
  } while (now - start < (gint64) (budget_s * G_USEC_PER_SEC));
  return n / ((now - start) / (double) G_USEC_PER_SEC);
}

static void
read_one(Bench *b, guint16 endpoint, guint32 cluster, guint32 attribute)
{
  const MatterImAttributePath path = md_test_attribute_path(endpoint, cluster, attribute);
  g_autoptr(GArray) answers =
      md_test_commissioner_read(b->node.commissioner, b->session, &path, 1, TRUE);

  g_assert_cmpuint(answers->len, ==, 1);
  g_assert_false(g_array_index(answers, MdTestAttributeAnswer, 0).is_status);
}

static void
read_application(Bench *b)
{
  read_one(b, b->relay, CLUSTER_ON_OFF, ATTR_ON_OFF);
}

static void
read_builtin(Bench *b)
{
  read_one(b, ROOT_ENDPOINT, CLUSTER_BASIC_INFORMATION, ATTR_NODE_LABEL);
}

static void
invoke_toggle(Bench *b)
{
  g_auto(MdTestInvokeAnswer) answer = { 0 };

  md_test_commissioner_invoke(b->node.commissioner, b->session, b->relay, CLUSTER_ON_OFF,
                              CMD_TOGGLE, NULL, 0, FALSE, &answer);
  g_assert_true(answer.is_status);
  g_assert_cmpuint(answer.status.status, ==, MATTER_IM_STATUS_SUCCESS);
}

static char *relay_name; /* the relay's unique bus name */

static void
bare_call(Bench *b)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync(
      b->node.connection, relay_name, RELAY_PATH, "org.freedesktop.DBus.Properties", "Get",
      g_variant_new("(ss)", "org.matterd.cluster.OnOff1", "OnOff"), NULL, G_DBUS_CALL_FLAGS_NONE,
      -1, NULL, &error);

  g_assert_no_error(error);
  g_assert_nonnull(reply);
}

/* The relay's endpoint: the one part of the Aggregator. */
static guint16
relay_endpoint(Bench *b)
{
  const MatterImAttributePath path =
      md_test_attribute_path(AGGREGATOR_ENDPOINT, CLUSTER_DESCRIPTOR, ATTR_PARTS_LIST);
  g_autoptr(GArray) answers =
      md_test_commissioner_read(b->node.commissioner, b->session, &path, 1, TRUE);
  MatterTlvReader r;
  guint64 endpoint;

  md_test_attribute_answer_reader(&g_array_index(answers, MdTestAttributeAnswer, 0), &r);
  g_assert_cmpint(matter_tlv_enter(&r), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_next(&r), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_get_u64(&r, &endpoint), ==, MATTER_OK);
  return (guint16) endpoint;
}

/* The unique name of the one client that exported the relay's object. */
static char *
find_relay_name(Bench *b)
{
  g_autoptr(GVariant) names = g_dbus_connection_call_sync(
      b->node.connection, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
      "ListNames", NULL, G_VARIANT_TYPE("(as)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL);
  g_autoptr(GVariantIter) iter = NULL;
  const char *name;

  g_variant_get(names, "(as)", &iter);
  while (g_variant_iter_next(iter, "&s", &name)) {
    g_autoptr(GVariant) reply = NULL;

    if (name[0] != ':')
      continue;
    reply = g_dbus_connection_call_sync(
        b->node.connection, name, RELAY_PATH, "org.freedesktop.DBus.Properties", "Get",
        g_variant_new("(ss)", "org.matterd.cluster.OnOff1", "OnOff"), NULL, G_DBUS_CALL_FLAGS_NONE,
        1000, NULL, NULL);
    if (reply != NULL)
      return g_strdup(name);
  }
  g_error("the relay is not on the bus");
  return NULL;
}

int
main(int argc, char **argv)
{
  g_autoptr(MdTestCa) ca = md_test_ca_new(FABRIC_ID);
  g_auto(MdTestIdentity) admin = { 0 };
  g_autoptr(MdTestApp) relay = NULL;
  const char *relay_argv[] = { g_getenv("MATTERD_EXAMPLE_RELAY"), "--session", NULL };
  Bench b = { 0 };
  double app_reads, builtin_reads, invokes, calls;
  guint8 index;

  /* The test helpers find their files through GTest's paths. */
  g_test_init(&argc, &argv, NULL);
  if (argc > 1)
    budget_s = g_ascii_strtod(argv[1], NULL);
  if (relay_argv[0] == NULL || g_getenv("MATTERD_BINARY") == NULL) {
    fprintf(stderr,
            "bench-endpoints runs from `meson test --suite bench` (it needs the test "
            "environment: MATTERD_BINARY, MATTERD_EXAMPLE_RELAY, MATTERD_INTERFACES_DIR)\n");
    return 77;
  }
  md_test_node_start(&b.node, MD_TEST_COMMISSION_CONFIG);
  md_test_admin_init(&admin, ca);
  b.session = md_test_commission(&b.node, ca, &admin, &index, NULL);
  relay = md_test_app_start(b.node.bus, b.node.dir, relay_argv);
  g_assert_true(md_test_app_wait_output(relay, "Registered"));
  b.relay = relay_endpoint(&b);
  relay_name = find_relay_name(&b);

  app_reads = rate(&b, read_application);
  builtin_reads = rate(&b, read_builtin);
  invokes = rate(&b, invoke_toggle);
  calls = rate(&b, bare_call);

  printf("reads/s, application cluster (OnOff):    %10.0f\n", app_reads);
  printf("reads/s, built-in cluster (NodeLabel):    %10.0f\n", builtin_reads);
  printf("  ratio application/built-in:             %10.2f\n", app_reads / builtin_reads);
  printf("invokes/s through D-Bus (Toggle):         %10.0f\n", invokes);
  printf("bare D-Bus calls/s on the same bus:       %10.0f\n", calls);
  printf("  time of an invoke / a bare call:        %10.2f\n", calls / invokes);

  g_clear_pointer(&relay, md_test_app_free);
  g_free(relay_name);
  md_test_node_stop(&b.node);
  return 0;
}
