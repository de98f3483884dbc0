/* SPDX-License-Identifier: Apache-2.0 */
/* The example applications (examples/) as Matter devices: each runs on
 * the private bus beside a commissioned matterd, registers, and the test
 * commissioner reads, invokes and subscribes over Matter and sees the
 * application's state follow; then the application goes away and comes
 * back, and matterd restarts, and the endpoint keeps its number. */

#include <gio/gio.h>
#include <signal.h>
#include <string.h>

#include "md-test-app.h"
#include "md-test-commission.h"
#include "md-test-core.h"

/* Ids from the Matter SDK's data_model/1.4.2 cluster and device type XML. */
#define CLUSTER_IDENTIFY 0x0003
#define CLUSTER_ON_OFF 0x0006
#define CLUSTER_LEVEL_CONTROL 0x0008
#define CLUSTER_DESCRIPTOR 0x001D
#define CLUSTER_BRIDGED_DEVICE_BASIC_INFORMATION 0x0039
#define CLUSTER_COLOR_CONTROL 0x0300
#define CLUSTER_TEMPERATURE_MEASUREMENT 0x0402
#define ATTR_DEVICE_TYPE_LIST 0x0000
#define ATTR_SERVER_LIST 0x0001
#define ATTR_PARTS_LIST 0x0003
#define ATTR_IDENTIFY_TIME 0x0000
#define ATTR_ON_OFF 0x0000
#define ATTR_CURRENT_LEVEL 0x0000
#define ATTR_COLOR_TEMPERATURE_MIREDS 0x0007
#define ATTR_MEASURED_VALUE 0x0000
#define ATTR_REACHABLE 0x0011
#define ATTR_UNIQUE_ID 0x0012
#define EVENT_REACHABLE_CHANGED 0x03
#define CMD_OFF 0x00
#define CMD_ON 0x01
#define CMD_TOGGLE 0x02
#define CMD_MOVE_TO_LEVEL 0x00
#define CMD_MOVE_TO_COLOR_TEMPERATURE 0x0A
#define DEVICE_TYPE_AGGREGATOR 0x000E
#define DEVICE_TYPE_BRIDGED_NODE 0x0013
#define DEVICE_TYPE_EXTENDED_COLOR_LIGHT 0x010D
#define AGGREGATOR_ENDPOINT 1

typedef struct {
  MdTestNode node;
  MdTestCa *ca;
  MdTestIdentity admin;
  guint8 fabric_index;
  MatterSession *session;
  MdTestApp *app;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
  md_test_node_start(&f->node, MD_TEST_COMMISSION_CONFIG);
  f->ca = md_test_ca_new(FABRIC_ID);
  md_test_admin_init(&f->admin, f->ca);
  f->session = md_test_commission(&f->node, f->ca, &f->admin, &f->fabric_index, NULL);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
  g_clear_pointer(&f->app, md_test_app_free);
  md_test_node_stop(&f->node);
  md_test_identity_clear(&f->admin);
  g_clear_pointer(&f->ca, md_test_ca_free);
}

static char *
example(const char *name)
{
  return g_build_filename(g_getenv("MATTERD_EXAMPLES_DIR"), name, NULL);
}

static void
start_app(Fixture *f, const char *const *argv)
{
  f->app = md_test_app_start(f->node.bus, f->node.dir, argv);
  g_assert_true(md_test_app_wait_output(f->app, "Registered"));
}

/* ---- Reads ---- */

/* Room for one attribute's value here (scalars, and lists of a few
 * entries). */
#define VALUE_MAX 512

/* A reader on the value of one attribute, which must be data, copied to
 * @buf. */
static void
read_value(Fixture *f, guint16 endpoint, guint32 cluster, guint32 attribute, guint8 buf[VALUE_MAX],
           MatterTlvReader *r)
{
  const MatterImAttributePath path = md_test_attribute_path(endpoint, cluster, attribute);
  g_autoptr(GArray) answers =
      md_test_commissioner_read(f->node.commissioner, f->session, &path, 1, TRUE);
  const MdTestAttributeAnswer *answer;
  gsize len;

  g_assert_cmpuint(answers->len, ==, 1);
  answer = &g_array_index(answers, MdTestAttributeAnswer, 0);
  g_assert_false(answer->is_status);
  len = g_bytes_get_size(answer->value);
  g_assert_cmpuint(len, <=, VALUE_MAX);
  memcpy(buf, g_bytes_get_data(answer->value, NULL), len);
  matter_tlv_reader_init(r, buf, len);
  g_assert_cmpint(matter_tlv_next(r), ==, MATTER_OK);
}

static guint64
read_uint(Fixture *f, guint16 endpoint, guint32 cluster, guint32 attribute)
{
  guint8 buf[VALUE_MAX];
  MatterTlvReader r;
  guint64 value;

  read_value(f, endpoint, cluster, attribute, buf, &r);
  g_assert_cmpint(matter_tlv_get_u64(&r, &value), ==, MATTER_OK);
  return value;
}

static gint64
read_int(Fixture *f, guint16 endpoint, guint32 cluster, guint32 attribute)
{
  guint8 buf[VALUE_MAX];
  MatterTlvReader r;
  gint64 value;

  read_value(f, endpoint, cluster, attribute, buf, &r);
  g_assert_cmpint(matter_tlv_get_i64(&r, &value), ==, MATTER_OK);
  return value;
}

static gboolean
read_bool(Fixture *f, guint16 endpoint, guint32 cluster, guint32 attribute)
{
  guint8 buf[VALUE_MAX];
  MatterTlvReader r;
  bool value;

  read_value(f, endpoint, cluster, attribute, buf, &r);
  g_assert_cmpint(matter_tlv_get_bool(&r, &value), ==, MATTER_OK);
  return value;
}

/* A list of unsigned integers (PartsList, ServerList), or with
 * @of_structs of structures whose field 0 it takes (DeviceTypeList). */
static GArray *
read_list(Fixture *f, guint16 endpoint, guint32 cluster, guint32 attribute, gboolean of_structs)
{
  guint8 buf[VALUE_MAX];
  MatterTlvReader r;
  GArray *values = g_array_new(FALSE, FALSE, sizeof(guint64));
  guint64 value;

  read_value(f, endpoint, cluster, attribute, buf, &r);
  g_assert_cmpint(matter_tlv_enter(&r), ==, MATTER_OK);
  while (matter_tlv_next(&r) == MATTER_OK) {
    MatterTlvReader item = r;

    if (of_structs) {
      g_assert_cmpint(matter_tlv_enter(&item), ==, MATTER_OK);
      g_assert_cmpint(matter_tlv_get_context_u64(&item, 0, &value), ==, MATTER_OK);
    } else {
      g_assert_cmpint(matter_tlv_get_u64(&item, &value), ==, MATTER_OK);
    }
    g_array_append_val(values, value);
  }
  return values;
}

static GArray *
read_uint_list(Fixture *f, guint16 endpoint, guint32 cluster, guint32 attribute)
{
  return read_list(f, endpoint, cluster, attribute, FALSE);
}

/* DeviceTypeList's device type ids. */
static GArray *
read_device_types(Fixture *f, guint16 endpoint)
{
  return read_list(f, endpoint, CLUSTER_DESCRIPTOR, ATTR_DEVICE_TYPE_LIST, TRUE);
}

static gboolean
list_has(GArray *values, guint64 value)
{
  for (guint i = 0; i < values->len; i++)
    if (g_array_index(values, guint64, i) == value)
      return TRUE;
  return FALSE;
}

/* The one application endpoint the Aggregator has. */
static guint16
bridged_endpoint(Fixture *f)
{
  g_autoptr(GArray) root_parts =
      read_uint_list(f, ROOT_ENDPOINT, CLUSTER_DESCRIPTOR, ATTR_PARTS_LIST);
  g_autoptr(GArray) parts =
      read_uint_list(f, AGGREGATOR_ENDPOINT, CLUSTER_DESCRIPTOR, ATTR_PARTS_LIST);
  g_autoptr(GArray) aggregator = read_device_types(f, AGGREGATOR_ENDPOINT);
  guint16 endpoint;

  g_assert_true(list_has(aggregator, DEVICE_TYPE_AGGREGATOR));
  g_assert_cmpuint(parts->len, ==, 1);
  endpoint = (guint16) g_array_index(parts, guint64, 0);
  g_assert_cmpuint(endpoint, >=, 2);
  g_assert_true(list_has(root_parts, AGGREGATOR_ENDPOINT));
  g_assert_true(list_has(root_parts, endpoint));
  return endpoint;
}

/* ---- Invokes ---- */

static guint8
invoke(Fixture *f, guint16 endpoint, guint32 cluster, guint32 command, const MdTestFields *fields)
{
  g_auto(MdTestInvokeAnswer) answer = { 0 };

  md_test_commissioner_invoke(f->node.commissioner, f->session, endpoint, cluster, command,
                              fields != NULL ? fields->buf : NULL, fields != NULL ? fields->len : 0,
                              FALSE, &answer);
  g_assert_true(answer.is_status);
  return answer.status.status;
}

static guint8
move_to_level(Fixture *f, guint16 endpoint, guint8 level)
{
  MdTestFields fields;
  MatterTlvWriter *w = md_test_fields_begin(&fields);

  matter_tlv_put_uint(w, matter_tlv_tag_context(0), level);
  matter_tlv_put_null(w, matter_tlv_tag_context(1));
  matter_tlv_put_uint(w, matter_tlv_tag_context(2), 0);
  matter_tlv_put_uint(w, matter_tlv_tag_context(3), 0);
  md_test_fields_end(&fields);
  return invoke(f, endpoint, CLUSTER_LEVEL_CONTROL, CMD_MOVE_TO_LEVEL, &fields);
}

static guint8
move_to_color_temperature(Fixture *f, guint16 endpoint, guint16 mireds)
{
  MdTestFields fields;
  MatterTlvWriter *w = md_test_fields_begin(&fields);

  matter_tlv_put_uint(w, matter_tlv_tag_context(0), mireds);
  matter_tlv_put_uint(w, matter_tlv_tag_context(1), 0);
  matter_tlv_put_uint(w, matter_tlv_tag_context(2), 0);
  matter_tlv_put_uint(w, matter_tlv_tag_context(3), 0);
  md_test_fields_end(&fields);
  return invoke(f, endpoint, CLUSTER_COLOR_CONTROL, CMD_MOVE_TO_COLOR_TEMPERATURE, &fields);
}

/* ---- Subscriptions ---- */

/* The value of @attribute in a report, which must have it. */
static GBytes *
reported(GBytes *report, guint32 cluster, guint32 attribute)
{
  g_autoptr(GArray) answers = md_test_report_attributes(report);

  for (guint i = 0; i < answers->len; i++) {
    MdTestAttributeAnswer *a = &g_array_index(answers, MdTestAttributeAnswer, i);

    if (!a->is_status && a->path.cluster == cluster && a->path.attribute == attribute)
      return g_bytes_ref(a->value);
  }
  return NULL;
}

static gboolean
reported_bool(GBytes *report, guint32 cluster, guint32 attribute, gboolean *value)
{
  g_autoptr(GBytes) data = reported(report, cluster, attribute);
  MatterTlvReader r;
  bool b;

  if (data == NULL)
    return FALSE;
  matter_tlv_reader_init(&r, g_bytes_get_data(data, NULL), g_bytes_get_size(data));
  g_assert_cmpint(matter_tlv_next(&r), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_get_bool(&r, &b), ==, MATTER_OK);
  *value = b;
  return TRUE;
}

static gboolean
has_event(GBytes *report, guint16 endpoint, guint32 cluster, guint32 event)
{
  g_autoptr(GArray) events = md_test_report_events(report);

  for (guint i = 0; i < events->len; i++) {
    MdTestEventAnswer *e = &g_array_index(events, MdTestEventAnswer, i);

    if (e->path.endpoint == endpoint && e->path.cluster == cluster && e->path.event == event)
      return TRUE;
  }
  return FALSE;
}

/* Waits for a report of @subscription that has @attribute at @want;
 * whether that report or one before it had ReachableChanged of
 * @endpoint. */
static gboolean
wait_reported_bool(Fixture *f, guint32 subscription, guint16 endpoint, guint32 cluster,
                   guint32 attribute, gboolean want)
{
  guint64 end = md_test_now_ms() + MD_TEST_TIMEOUT_MS;
  gboolean event = FALSE;

  while (md_test_now_ms() < end) {
    g_autoptr(GBytes) report =
        md_test_commissioner_wait_report(f->node.commissioner, subscription, 1000);
    gboolean value;

    if (report == NULL)
      continue;
    event = event || has_event(report, endpoint, CLUSTER_BRIDGED_DEVICE_BASIC_INFORMATION,
                               EVENT_REACHABLE_CHANGED);
    if (reported_bool(report, cluster, attribute, &value) && value == want)
      return event;
  }
  g_assert_not_reached();
}

/* ---- The light ---- */

static void
test_light(Fixture *f, gconstpointer data)
{
  g_autofree char *light = example("light.py");
  const char *argv[] = { light, "--session", NULL };
  g_autoptr(GArray) types = NULL;
  g_autoptr(GArray) servers = NULL;
  guint16 ep;

  start_app(f, argv);
  ep = bridged_endpoint(f);
  types = read_device_types(f, ep);
  g_assert_true(list_has(types, DEVICE_TYPE_EXTENDED_COLOR_LIGHT));
  g_assert_true(list_has(types, DEVICE_TYPE_BRIDGED_NODE));
  servers = read_uint_list(f, ep, CLUSTER_DESCRIPTOR, ATTR_SERVER_LIST);
  g_assert_true(list_has(servers, CLUSTER_IDENTIFY));
  g_assert_true(list_has(servers, CLUSTER_ON_OFF));
  g_assert_true(list_has(servers, CLUSTER_LEVEL_CONTROL));
  g_assert_true(list_has(servers, CLUSTER_COLOR_CONTROL));
  g_assert_true(list_has(servers, CLUSTER_DESCRIPTOR));
  g_assert_true(list_has(servers, CLUSTER_BRIDGED_DEVICE_BASIC_INFORMATION));
  g_assert_true(read_bool(f, ep, CLUSTER_BRIDGED_DEVICE_BASIC_INFORMATION, ATTR_REACHABLE));

  /* Commands reach the application, and its state comes back in reads. */
  g_assert_false(read_bool(f, ep, CLUSTER_ON_OFF, ATTR_ON_OFF));
  g_assert_cmpuint(invoke(f, ep, CLUSTER_ON_OFF, CMD_ON, NULL), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_true(md_test_app_wait_output(f->app, "OnOff.On()"));
  g_assert_true(read_bool(f, ep, CLUSTER_ON_OFF, ATTR_ON_OFF));
  g_assert_cmpuint(invoke(f, ep, CLUSTER_ON_OFF, CMD_TOGGLE, NULL), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_false(read_bool(f, ep, CLUSTER_ON_OFF, ATTR_ON_OFF));
  g_assert_cmpuint(move_to_level(f, ep, 100), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_true(md_test_app_wait_output(f->app, "LevelControl.MoveToLevel(100"));
  g_assert_cmpuint(read_uint(f, ep, CLUSTER_LEVEL_CONTROL, ATTR_CURRENT_LEVEL), ==, 100);
  g_assert_cmpuint(move_to_color_temperature(f, ep, 300), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(read_uint(f, ep, CLUSTER_COLOR_CONTROL, ATTR_COLOR_TEMPERATURE_MIREDS), ==, 300);
  /* The application refuses with org.matterd.Status.ConstraintError. */
  g_assert_cmpuint(move_to_color_temperature(f, ep, 1000), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  g_assert_cmpuint(read_uint(f, ep, CLUSTER_COLOR_CONTROL, ATTR_COLOR_TEMPERATURE_MIREDS), ==, 300);
  /* A field out of the description's constraints never reaches it. */
  g_assert_cmpuint(move_to_level(f, ep, 255), ==, MATTER_IM_STATUS_CONSTRAINT_ERROR);
  g_assert_cmpuint(read_uint(f, ep, CLUSTER_LEVEL_CONTROL, ATTR_CURRENT_LEVEL), ==, 100);
}

static guint8
write_identify_time(Fixture *f, guint16 ep, guint16 seconds)
{
  const MatterImAttributePath path =
      md_test_attribute_path(ep, CLUSTER_IDENTIFY, ATTR_IDENTIFY_TIME);
  guint8 buf[16];
  MatterTlvWriter w;
  gsize len;

  matter_tlv_writer_init(&w, buf, sizeof(buf));
  matter_tlv_put_uint(&w, matter_tlv_tag_context(2), seconds);
  g_assert_cmpint(matter_tlv_writer_finish(&w, &len), ==, MATTER_OK);
  return md_test_commissioner_write(f->node.commissioner, f->session, &path, buf, len, FALSE);
}

static void
test_light_write(Fixture *f, gconstpointer data)
{
  g_autofree char *light = example("light.py");
  const char *argv[] = { light, "--session", NULL };
  guint16 ep;

  start_app(f, argv);
  ep = bridged_endpoint(f);
  /* Properties.Set on the application, which starts identifying. */
  g_assert_cmpuint(write_identify_time(f, ep, 30), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_cmpuint(read_uint(f, ep, CLUSTER_IDENTIFY, ATTR_IDENTIFY_TIME), >, 20);
}

static void
test_light_subscription(Fixture *f, gconstpointer data)
{
  g_autofree char *light = example("light.py");
  const char *argv[] = { light, "--session", NULL };
  MatterImAttributePath paths[2];
  MatterImEventPath event = { .has_endpoint = TRUE,
                              .has_cluster = TRUE,
                              .cluster = CLUSTER_BRIDGED_DEVICE_BASIC_INFORMATION,
                              .has_event = TRUE,
                              .event = EVENT_REACHABLE_CHANGED,
                              .is_urgent = TRUE };
  guint32 subscription;
  guint16 ep;

  start_app(f, argv);
  ep = bridged_endpoint(f);
  paths[0] = md_test_attribute_path(ep, CLUSTER_ON_OFF, ATTR_ON_OFF);
  paths[1] = md_test_attribute_path(ep, CLUSTER_BRIDGED_DEVICE_BASIC_INFORMATION, ATTR_REACHABLE);
  event.endpoint = ep;
  subscription = md_test_commissioner_subscribe(f->node.commissioner, f->session, paths, 2, &event,
                                                1, 0, 60, NULL);

  /* The application changes OnOff on its own (a wall switch). */
  md_test_app_signal(f->app, SIGUSR1);
  g_assert_true(md_test_app_wait_output(f->app, "Toggled locally: on"));
  (void) wait_reported_bool(f, subscription, ep, CLUSTER_ON_OFF, ATTR_ON_OFF, TRUE);

  /* It dies: the endpoint stays, unreachable, and the event says so. */
  md_test_app_kill(f->app);
  g_clear_pointer(&f->app, md_test_app_free);
  g_assert_true(wait_reported_bool(f, subscription, ep, CLUSTER_BRIDGED_DEVICE_BASIC_INFORMATION,
                                   ATTR_REACHABLE, FALSE));
  g_assert_cmpuint(bridged_endpoint(f), ==, ep);
  g_assert_false(read_bool(f, ep, CLUSTER_BRIDGED_DEVICE_BASIC_INFORMATION, ATTR_REACHABLE));

  /* It comes back: the same endpoint, reachable again. */
  start_app(f, argv);
  g_assert_true(wait_reported_bool(f, subscription, ep, CLUSTER_BRIDGED_DEVICE_BASIC_INFORMATION,
                                   ATTR_REACHABLE, TRUE));
  g_assert_cmpuint(bridged_endpoint(f), ==, ep);
}

static void
test_light_daemon_restart(Fixture *f, gconstpointer data)
{
  g_autofree char *light = example("light.py");
  const char *argv[] = { light, "--session", NULL };
  guint16 ep;

  start_app(f, argv);
  ep = bridged_endpoint(f);
  md_test_node_restart(&f->node);
  /* The application registers again when matterd is back. */
  g_assert_true(md_test_app_wait_output(f->app, "matterd left the bus"));
  for (guint64 end = md_test_now_ms() + MD_TEST_TIMEOUT_MS;
       md_test_app_count_output(f->app, "Registered") < 2 && md_test_now_ms() < end;)
    g_usleep(20 * 1000);
  g_assert_cmpuint(md_test_app_count_output(f->app, "Registered"), ==, 2);
  f->session = md_test_case_session(&f->node, &f->admin, NULL, NULL);
  g_assert_cmpuint(bridged_endpoint(f), ==, ep);
  g_assert_true(read_bool(f, ep, CLUSTER_BRIDGED_DEVICE_BASIC_INFORMATION, ATTR_REACHABLE));
  g_assert_cmpuint(invoke(f, ep, CLUSTER_ON_OFF, CMD_ON, NULL), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_true(read_bool(f, ep, CLUSTER_ON_OFF, ATTR_ON_OFF));
}

/* ---- The relay and the sensor ---- */

static char *
file_text(const char *path)
{
  g_autofree char *text = NULL;

  g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
  return g_strstrip(g_steal_pointer(&text));
}

static void
test_relay(Fixture *f, gconstpointer data)
{
  g_autofree char *output = g_build_filename(f->node.dir, "relay-value", NULL);
  const char *argv[] = { g_getenv("MATTERD_EXAMPLE_RELAY"), "--session", "--output", output, NULL };
  g_autofree char *on = NULL, *off = NULL;
  guint16 ep;

  start_app(f, argv);
  ep = bridged_endpoint(f);
  g_assert_cmpuint(invoke(f, ep, CLUSTER_ON_OFF, CMD_ON, NULL), ==, MATTER_IM_STATUS_SUCCESS);
  on = file_text(output);
  g_assert_cmpstr(on, ==, "1");
  g_assert_true(read_bool(f, ep, CLUSTER_ON_OFF, ATTR_ON_OFF));
  g_assert_cmpuint(invoke(f, ep, CLUSTER_ON_OFF, CMD_TOGGLE, NULL), ==, MATTER_IM_STATUS_SUCCESS);
  off = file_text(output);
  g_assert_cmpstr(off, ==, "0");
  g_assert_cmpuint(invoke(f, ep, CLUSTER_ON_OFF, CMD_OFF, NULL), ==, MATTER_IM_STATUS_SUCCESS);
  g_assert_false(read_bool(f, ep, CLUSTER_ON_OFF, ATTR_ON_OFF));
}

static void
test_thermal_sensor(Fixture *f, gconstpointer data)
{
  g_autofree char *sensor = example("thermal-sensor.py");
  g_autofree char *zone = g_build_filename(f->node.dir, "temp", NULL);
  const char *argv[] = { sensor, "--session", "--path", zone, "--interval", "0.1", NULL };
  guint64 end;
  guint16 ep;

  g_assert_true(g_file_set_contents(zone, "23456\n", -1, NULL));
  start_app(f, argv);
  ep = bridged_endpoint(f);
  g_assert_cmpint(read_int(f, ep, CLUSTER_TEMPERATURE_MEASUREMENT, ATTR_MEASURED_VALUE), ==, 2346);
  g_assert_true(g_file_set_contents(zone, "-5000\n", -1, NULL));
  for (end = md_test_now_ms() + MD_TEST_TIMEOUT_MS; md_test_now_ms() < end;) {
    if (read_int(f, ep, CLUSTER_TEMPERATURE_MEASUREMENT, ATTR_MEASURED_VALUE) == -500)
      break;
    md_test_commissioner_run_for(f->node.commissioner, 100);
  }
  g_assert_cmpint(read_int(f, ep, CLUSTER_TEMPERATURE_MEASUREMENT, ATTR_MEASURED_VALUE), ==, -500);
}

/* ---- An application that never answers ---- */

static void
test_silent_application(Fixture *f, gconstpointer data)
{
  g_autofree char *silent =
      g_test_build_filename(G_TEST_DIST, "integration", "silent-plug.py", NULL);
  const char *argv[] = { silent, NULL };
  guint16 ep;

  start_app(f, argv);
  ep = bridged_endpoint(f);
  /* matterd answers TIMEOUT itself; the exchange is not left hanging,
   * and the node goes on serving. */
  g_assert_cmpuint(invoke(f, ep, CLUSTER_ON_OFF, CMD_ON, NULL), ==, MATTER_IM_STATUS_TIMEOUT);
  g_assert_false(read_bool(f, ep, CLUSTER_ON_OFF, ATTR_ON_OFF));
  g_assert_cmpuint(invoke(f, ep, CLUSTER_ON_OFF, CMD_OFF, NULL), ==, MATTER_IM_STATUS_SUCCESS);
}

/* ---- A storm of changes ---- */

static gint64
reported_int(GBytes *report, guint32 cluster, guint32 attribute, gboolean *found)
{
  g_autoptr(GBytes) data = reported(report, cluster, attribute);
  MatterTlvReader r;
  gint64 value = 0;

  *found = data != NULL;
  if (data == NULL)
    return 0;
  matter_tlv_reader_init(&r, g_bytes_get_data(data, NULL), g_bytes_get_size(data));
  g_assert_cmpint(matter_tlv_next(&r), ==, MATTER_OK);
  g_assert_cmpint(matter_tlv_get_i64(&r, &value), ==, MATTER_OK);
  return value;
}

static void
test_change_storm(Fixture *f, gconstpointer data)
{
  g_autofree char *storm =
      g_test_build_filename(G_TEST_DIST, "integration", "storm-sensor.py", NULL);
  const char *argv[] = { storm, NULL };
  MatterImAttributePath path;
  guint32 subscription;
  guint reports = 0;
  gint64 last = 0;
  guint16 ep;

  start_app(f, argv);
  ep = bridged_endpoint(f);
  path = md_test_attribute_path(ep, CLUSTER_TEMPERATURE_MEASUREMENT, ATTR_MEASURED_VALUE);
  /* A min interval of 2 s: 501 changes in well under a second make at
   * most two reports (one may be due at once, the rest wait), and the
   * last one carries the final value. */
  subscription = md_test_commissioner_subscribe(f->node.commissioner, f->session, &path, 1, NULL, 0,
                                                2, 60, NULL);
  md_test_app_signal(f->app, SIGUSR1);
  g_assert_true(md_test_app_wait_output(f->app, "Storm over"));
  for (guint64 end = md_test_now_ms() + 4500; md_test_now_ms() < end;) {
    g_autoptr(GBytes) report =
        md_test_commissioner_wait_report(f->node.commissioner, subscription, 200);
    gboolean found;
    gint64 value;

    if (report == NULL)
      continue;
    value = reported_int(report, CLUSTER_TEMPERATURE_MEASUREMENT, ATTR_MEASURED_VALUE, &found);
    if (found) {
      reports++;
      last = value;
    }
  }
  g_assert_cmpuint(reports, >=, 1);
  g_assert_cmpuint(reports, <=, 3);
  g_assert_cmpint(last, ==, 1234);
}

static void
add_test(const char *path, void (*func)(Fixture *, gconstpointer))
{
  g_test_add(path, Fixture, NULL, fixture_setup, func, fixture_teardown);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  add_test("/app-examples/light", test_light);
  add_test("/app-examples/light-write", test_light_write);
  add_test("/app-examples/light-subscription", test_light_subscription);
  add_test("/app-examples/light-daemon-restart", test_light_daemon_restart);
  add_test("/app-examples/relay", test_relay);
  add_test("/app-examples/thermal-sensor", test_thermal_sensor);
  add_test("/app-examples/silent-application", test_silent_application);
  add_test("/app-examples/change-storm", test_change_storm);
  return g_test_run();
}
