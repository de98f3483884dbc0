/* SPDX-License-Identifier: Apache-2.0 */
/* What the node advertises over DNS-SD (Core spec 4.3), computed without
 * avahi-daemon: instance names, subtypes, TXT keys and which are left out. */
#include <string.h>

#include "dnssd.h"
#include "md-test.h"

/* The node of the spec's examples (4.3.1.13): discriminator 840. */
static MdDnssdState
basic_window_state(void)
{
  return (MdDnssdState){
    .port = 5540,
    .vendor_id = 0xFFF1,
    .product_id = 0x8000,
    .window = MD_WINDOW_BASIC,
    .discriminator = 840,
    .commissionable_id = G_GUINT64_CONSTANT(0xDD200C20D25AE5F7),
  };
}

static void
assert_strv(char **got, const char *const *want)
{
  g_autofree char *got_text = g_strjoinv(" ", got);
  g_autofree char *want_text = g_strjoinv(" ", (char **) want);

  g_assert_cmpstr(got_text, ==, want_text);
}

static const MdDnssdService *
only_service(GPtrArray *services)
{
  g_assert_cmpuint(services->len, ==, 1);
  return services->pdata[0];
}

static void
test_commissionable_basic(void)
{
  MdDnssdState state = basic_window_state();
  g_autoptr(GPtrArray) services = md_dnssd_describe(&state);
  const MdDnssdService *service = only_service(services);

  g_assert_cmpint(service->kind, ==, MD_DNSSD_COMMISSIONABLE);
  g_assert_cmpstr(service->type, ==, "_matterc._udp");
  g_assert_cmpstr(service->name, ==, "DD200C20D25AE5F7");
  g_assert_cmpuint(service->port, ==, 5540);
  /* _S: the upper 4 of the 12 bits (840 = 0x348). */
  assert_strv(service->subtypes, (const char *const[]){ "_L840", "_S3", "_V65521", "_CM", NULL });
  assert_strv(service->txt,
              (const char *const[]){ "D=840", "CM=1", "VP=65521+32768", "PH=1", NULL });
}

/* An administrator's window: CM=2, its own discriminator, and the hint
 * that an administrator opens windows for a commissioned node. */
static void
test_commissionable_enhanced(void)
{
  MdDnssdState state = basic_window_state();
  g_autoptr(GPtrArray) services = NULL;
  const MdDnssdService *service;

  state.window = MD_WINDOW_ENHANCED;
  state.discriminator = 3840;
  state.commissioned = TRUE;
  state.port = 11111;
  services = md_dnssd_describe(&state);
  service = only_service(services);
  g_assert_cmpuint(service->port, ==, 11111);
  assert_strv(service->subtypes, (const char *const[]){ "_L3840", "_S15", "_V65521", "_CM", NULL });
  g_assert_cmpstr(md_dnssd_service_txt(service, "CM"), ==, "2");
  g_assert_cmpstr(md_dnssd_service_txt(service, "D"), ==, "3840");
  g_assert_cmpstr(md_dnssd_service_txt(service, "PH"), ==, "4");
}

/* Fixed-length names keep their leading zeroes; decimal values drop them. */
static void
test_commissionable_zeroes(void)
{
  MdDnssdState state = basic_window_state();
  g_autoptr(GPtrArray) services = NULL;
  const MdDnssdService *service;

  state.discriminator = 0;
  state.vendor_id = 1;
  state.product_id = 2;
  state.commissionable_id = 0x2A;
  services = md_dnssd_describe(&state);
  service = only_service(services);
  g_assert_cmpstr(service->name, ==, "000000000000002A");
  assert_strv(service->subtypes, (const char *const[]){ "_L0", "_S0", "_V1", "_CM", NULL });
  assert_strv(service->txt, (const char *const[]){ "D=0", "CM=1", "VP=1+2", "PH=1", NULL });
}

static void
test_window_closed(void)
{
  MdDnssdState state = basic_window_state();
  g_autoptr(GPtrArray) services = NULL;

  state.window = MD_WINDOW_CLOSED;
  services = md_dnssd_describe(&state);
  g_assert_cmpuint(services->len, ==, 0);
}

/* 4.3.2.1 and 4.3.2.3, with the spec's example identifiers. */
static void
test_operational(void)
{
  const MdDnssdFabric fabrics[] = {
    { G_GUINT64_CONSTANT(0x87E1B004E235A130), G_GUINT64_CONSTANT(0x8FC7772401CD0696) },
    { 0x1, 0x2 },
  };
  MdDnssdState state = basic_window_state();
  g_autoptr(GPtrArray) services = NULL;
  const MdDnssdService *service;

  state.window = MD_WINDOW_CLOSED;
  state.commissioned = TRUE;
  state.fabrics = fabrics;
  state.fabric_count = G_N_ELEMENTS(fabrics);
  services = md_dnssd_describe(&state);
  g_assert_cmpuint(services->len, ==, 2);

  service = services->pdata[0];
  g_assert_cmpint(service->kind, ==, MD_DNSSD_OPERATIONAL);
  g_assert_cmpstr(service->type, ==, "_matter._tcp");
  g_assert_cmpstr(service->name, ==, "87E1B004E235A130-8FC7772401CD0696");
  g_assert_cmpuint(service->port, ==, 5540);
  assert_strv(service->subtypes, (const char *const[]){ "_I87E1B004E235A130", NULL });
  /* Only the common keys, and the node announces none of them. */
  assert_strv(service->txt, (const char *const[]){ NULL });

  service = services->pdata[1];
  g_assert_cmpstr(service->name, ==, "0000000000000001-0000000000000002");
  assert_strv(service->subtypes, (const char *const[]){ "_I0000000000000001", NULL });
}

/* While a window is open the commissionable service comes first, and the
 * operational ones stay as they are: a window does not change them. */
static void
test_window_and_fabrics(void)
{
  const MdDnssdFabric fabric = { 0xABCDEF, 0x42 };
  MdDnssdState state = basic_window_state();
  g_autoptr(GPtrArray) open = NULL;
  g_autoptr(GPtrArray) closed = NULL;

  state.fabrics = &fabric;
  state.fabric_count = 1;
  state.commissioned = TRUE;
  open = md_dnssd_describe(&state);
  g_assert_cmpuint(open->len, ==, 2);
  g_assert_cmpint(((MdDnssdService *) open->pdata[0])->kind, ==, MD_DNSSD_COMMISSIONABLE);
  g_assert_cmpint(((MdDnssdService *) open->pdata[1])->kind, ==, MD_DNSSD_OPERATIONAL);

  state.window = MD_WINDOW_CLOSED;
  closed = md_dnssd_describe(&state);
  g_assert_cmpuint(closed->len, ==, 1);
  g_assert_true(md_dnssd_service_equal(open->pdata[1], closed->pdata[0]));
  g_assert_false(md_dnssd_service_equal(open->pdata[0], closed->pdata[0]));
}

/* The same compressed fabric id and node id twice would be one name. */
static void
test_duplicate_fabric(void)
{
  const MdDnssdFabric fabrics[] = { { 7, 9 }, { 7, 9 }, { 7, 10 } };
  MdDnssdState state = basic_window_state();
  g_autoptr(GPtrArray) services = NULL;

  state.window = MD_WINDOW_CLOSED;
  state.fabrics = fabrics;
  state.fabric_count = G_N_ELEMENTS(fabrics);
  services = md_dnssd_describe(&state);
  g_assert_cmpuint(services->len, ==, 2);
  g_assert_cmpstr(((MdDnssdService *) services->pdata[0])->name, ==,
                  "0000000000000007-0000000000000009");
  g_assert_cmpstr(((MdDnssdService *) services->pdata[1])->name, ==,
                  "0000000000000007-000000000000000A");
}

/* SII, SAI and SAT say what the node announces in session establishment,
 * on both services, and only that; SII and SAI never above an hour. */
static void
test_session_parameters(void)
{
  const MdDnssdFabric fabric = { 1, 1 };
  MdDnssdState state = basic_window_state();
  g_autoptr(GPtrArray) services = NULL;

  state.fabrics = &fabric;
  state.fabric_count = 1;
  state.session_params = (MatterSessionParams){
    .present = MATTER_SESSION_PARAM_IDLE_INTERVAL | MATTER_SESSION_PARAM_ACTIVE_INTERVAL |
               MATTER_SESSION_PARAM_ACTIVE_THRESHOLD,
    .idle_interval_ms = 5300,
    .active_interval_ms = 7200000,
    .active_threshold_ms = 4000,
  };
  services = md_dnssd_describe(&state);
  g_assert_cmpuint(services->len, ==, 2);
  assert_strv(((MdDnssdService *) services->pdata[0])->txt,
              (const char *const[]){ "D=840", "CM=1", "VP=65521+32768", "SII=5300", "SAI=3600000",
                                     "SAT=4000", "PH=1", NULL });
  assert_strv(((MdDnssdService *) services->pdata[1])->txt,
              (const char *const[]){ "SII=5300", "SAI=3600000", "SAT=4000", NULL });

  /* One present, the others not. */
  g_clear_pointer(&services, g_ptr_array_unref);
  state.session_params.present = MATTER_SESSION_PARAM_ACTIVE_THRESHOLD;
  services = md_dnssd_describe(&state);
  assert_strv(((MdDnssdService *) services->pdata[1])->txt,
              (const char *const[]){ "SAT=4000", NULL });
  g_assert_null(md_dnssd_service_txt(services->pdata[0], "SII"));
  g_assert_null(md_dnssd_service_txt(services->pdata[0], "SAI"));
}

/* Keys the node has nothing truthful for are never published: T (no TCP,
 * which absence says), ICD (not an intermittently connected device), DT
 * and _T (no application device type), DN (no user-set advertising
 * name), RI (no rotating identifier), PI (no hint that needs it). */
static void
test_omitted_keys(void)
{
  static const char *const absent[] = { "T", "ICD", "DT", "DN", "RI", "PI" };
  const MdDnssdFabric fabric = { 1, 1 };
  MdDnssdState state = basic_window_state();
  g_autoptr(GPtrArray) services = NULL;

  state.fabrics = &fabric;
  state.fabric_count = 1;
  services = md_dnssd_describe(&state);
  for (guint i = 0; i < services->len; i++) {
    const MdDnssdService *service = services->pdata[i];

    for (gsize k = 0; k < G_N_ELEMENTS(absent); k++)
      g_assert_null(md_dnssd_service_txt(service, absent[k]));
    for (char **sub = service->subtypes; *sub != NULL; sub++)
      g_assert_false(g_str_has_prefix(*sub, "_T"));
  }
}

/* A key is matched whole: "D" is not "DN". */
static void
test_txt_lookup(void)
{
  char *txt[] = { "DN=Kitchen", "D=840", "CM", NULL };
  MdDnssdService service = { .txt = txt };

  g_assert_cmpstr(md_dnssd_service_txt(&service, "D"), ==, "840");
  g_assert_cmpstr(md_dnssd_service_txt(&service, "DN"), ==, "Kitchen");
  g_assert_null(md_dnssd_service_txt(&service, "CM"));
  g_assert_null(md_dnssd_service_txt(&service, "VP"));
}

/* Equality covers every part of a description. */
static void
test_equal(void)
{
  MdDnssdState state = basic_window_state();
  g_autoptr(GPtrArray) a = md_dnssd_describe(&state);
  g_autoptr(GPtrArray) b = md_dnssd_describe(&state);
  g_autoptr(GPtrArray) other_port = NULL, other_name = NULL, other_txt = NULL, other_vendor = NULL;

  g_assert_true(md_dnssd_service_equal(a->pdata[0], b->pdata[0]));
  state.port = 5541;
  other_port = md_dnssd_describe(&state);
  state = basic_window_state();
  state.commissionable_id++;
  other_name = md_dnssd_describe(&state);
  state = basic_window_state();
  state.product_id++;
  other_txt = md_dnssd_describe(&state);
  state = basic_window_state();
  state.vendor_id++;
  other_vendor = md_dnssd_describe(&state);
  g_assert_false(md_dnssd_service_equal(a->pdata[0], other_port->pdata[0]));
  g_assert_false(md_dnssd_service_equal(a->pdata[0], other_name->pdata[0]));
  g_assert_false(md_dnssd_service_equal(a->pdata[0], other_txt->pdata[0]));
  g_assert_false(md_dnssd_service_equal(a->pdata[0], other_vendor->pdata[0]));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/dnssd/commissionable/basic", test_commissionable_basic);
  g_test_add_func("/dnssd/commissionable/enhanced", test_commissionable_enhanced);
  g_test_add_func("/dnssd/commissionable/zeroes", test_commissionable_zeroes);
  g_test_add_func("/dnssd/commissionable/window-closed", test_window_closed);
  g_test_add_func("/dnssd/operational", test_operational);
  g_test_add_func("/dnssd/window-and-fabrics", test_window_and_fabrics);
  g_test_add_func("/dnssd/duplicate-fabric", test_duplicate_fabric);
  g_test_add_func("/dnssd/session-parameters", test_session_parameters);
  g_test_add_func("/dnssd/omitted-keys", test_omitted_keys);
  g_test_add_func("/dnssd/txt-lookup", test_txt_lookup);
  g_test_add_func("/dnssd/equal", test_equal);
  return g_test_run();
}
