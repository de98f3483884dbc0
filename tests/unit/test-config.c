/* SPDX-License-Identifier: Apache-2.0 */
#include <glib/gstdio.h>

#include "config.h"
#include "md-error.h"
#include "md-test.h"

static gboolean
load(MdConfig *config, const char *text, GError **error)
{
  md_config_init(config);
  return md_config_load_data(config, text, strlen(text), "test.conf", error);
}

static void
test_defaults(void)
{
  MdConfig config;

  md_config_init(&config);
  g_assert_cmpuint(config.vendor_id, ==, 0xFFF1);
  g_assert_cmpuint(config.product_id, ==, 0x8000);
  g_assert_false(config.has_discriminator);
  g_assert_cmpuint(config.supported_fabrics, ==, 16);
  g_assert_cmpuint(config.port, ==, 5540);
  g_assert_true(config.dnssd);
  g_assert_false(config.has_passcode);
  g_assert_cmpuint(config.window_timeout, ==, 900);
}

static void
test_empty_file_keeps_defaults(void)
{
  g_autoptr(GError) error = NULL;
  MdConfig config;

  g_assert_true(load(&config, "# nothing set\n", &error));
  g_assert_no_error(error);
  g_assert_cmpuint(config.vendor_id, ==, 0xFFF1);
  g_assert_false(config.has_discriminator);
}

static void
test_all_keys(void)
{
  g_autoptr(GError) error = NULL;
  MdConfig config;

  g_assert_true(load(&config,
                     "[Node]\nVendorId=0xfff4\nProductId=32769\nDiscriminator= 0 \n"
                     "SupportedFabrics=254\n[Network]\nPort=0\nDnsSd=no\n",
                     &error));
  g_assert_no_error(error);
  g_assert_cmpuint(config.vendor_id, ==, 0xFFF4);
  g_assert_cmpuint(config.product_id, ==, 32769);
  g_assert_true(config.has_discriminator);
  g_assert_cmpuint(config.discriminator, ==, 0);
  g_assert_cmpuint(config.supported_fabrics, ==, 254);
  g_assert_cmpuint(config.port, ==, 0);
  g_assert_false(config.dnssd);
}

/* DnsSd is yes or no, nothing else; the last value read wins. */
static void
test_dnssd_switch(void)
{
  static const char *const bad[] = { "1", "0", "true", "Yes", "", "yes please" };
  g_autoptr(GError) error = NULL;
  MdConfig config;

  g_assert_true(load(&config, "[Network]\nDnsSd=no\n", &error));
  g_assert_false(config.dnssd);
  g_assert_true(md_config_load_data(&config, "[Network]\nDnsSd= yes \n", -1, "again", &error));
  g_assert_no_error(error);
  g_assert_true(config.dnssd);
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autofree char *text = g_strdup_printf("[Network]\nDnsSd=%s\n", bad[i]);

    g_assert_false(load(&config, text, &error));
    g_assert_error(error, MD_ERROR, MD_ERROR_INVALID_CONFIG);
    g_assert_nonnull(strstr(error->message, "[Network] DnsSd="));
    g_assert_nonnull(strstr(error->message, "is not yes or no"));
    g_assert_true(config.dnssd);
    g_clear_error(&error);
  }
}

/* [Bluetooth] Enable is auto, yes or no; Adapter names one. */
static void
test_bluetooth_keys(void)
{
  static const char *const bad[] = { "1", "on", "Auto", "", "yes no" };
  g_autoptr(GError) error = NULL;
  MdConfig config;

  g_assert_true(load(&config, "", &error));
  g_assert_cmpint(config.bluetooth, ==, MD_CONFIG_AUTO);
  g_assert_null(config.bluetooth_adapter);
  md_config_clear(&config);
  g_assert_true(load(&config, "[Bluetooth]\nEnable=no\nAdapter=hci1\n", &error));
  g_assert_cmpint(config.bluetooth, ==, MD_CONFIG_NO);
  g_assert_cmpstr(config.bluetooth_adapter, ==, "hci1");
  g_assert_true(md_config_load_data(&config, "[Bluetooth]\nEnable=yes\n", -1, "again", &error));
  g_assert_cmpint(config.bluetooth, ==, MD_CONFIG_YES);
  md_config_clear(&config);
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autofree char *text = g_strdup_printf("[Bluetooth]\nEnable=%s\n", bad[i]);

    g_assert_false(load(&config, text, &error));
    g_assert_error(error, MD_ERROR, MD_ERROR_INVALID_CONFIG);
    g_assert_nonnull(strstr(error->message, "is not auto, yes or no"));
    g_clear_error(&error);
    md_config_clear(&config);
  }
}

/* [Applications] Group names a group, 1..32 bytes; none by default. */
static void
test_applications_group(void)
{
  g_autoptr(GError) error = NULL;
  MdConfig config;

  g_assert_true(load(&config, "", &error));
  g_assert_null(config.app_group);
  md_config_clear(&config);
  g_assert_true(load(&config, "[Applications]\nGroup=matter\n", &error));
  g_assert_cmpstr(config.app_group, ==, "matter");
  md_config_clear(&config);
  g_assert_false(load(&config, "[Applications]\nGroup=\n", &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_INVALID_CONFIG);
  g_assert_nonnull(strstr(error->message, "[Applications] Group must be UTF-8 of 1 to 32 bytes"));
  g_clear_error(&error);
  md_config_clear(&config);
  g_assert_false(load(&config, "[Applications]\nGroup=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_INVALID_CONFIG);
  md_config_clear(&config);
}

static void
test_basic_information_keys(void)
{
  g_autoptr(GError) error = NULL;
  MdConfig config;

  g_assert_true(load(&config,
                     "[Node]\nVendorName=Example Works\nProductName=Gateway 2\n"
                     "HardwareVersion=3\nHardwareVersionString=rev C\nSerialNumber=SN-0042\n"
                     "PartNumber=GW2-EU\nProductURL=https://example.com/gw2\n"
                     "ProductLabel=Gateway\nManufacturingDate=20261130\n",
                     &error));
  g_assert_no_error(error);
  g_assert_cmpstr(config.vendor_name, ==, "Example Works");
  g_assert_cmpstr(config.product_name, ==, "Gateway 2");
  g_assert_cmpuint(config.hardware_version, ==, 3);
  g_assert_cmpstr(config.hardware_version_string, ==, "rev C");
  g_assert_cmpstr(config.serial_number, ==, "SN-0042");
  g_assert_cmpstr(config.part_number, ==, "GW2-EU");
  g_assert_cmpstr(config.product_url, ==, "https://example.com/gw2");
  g_assert_cmpstr(config.product_label, ==, "Gateway");
  g_assert_cmpstr(config.manufacturing_date, ==, "20261130");
  md_config_clear(&config);
  g_assert_null(config.vendor_name);
}

static void
test_bounds(void)
{
  static const struct {
    const char *text;
    gboolean ok;
  } cases[] = {
    { "[Node]\nVendorId=0\n", FALSE },
    { "[Node]\nVendorId=1\n", TRUE },
    { "[Node]\nVendorId=0xFFFE\n", TRUE },
    { "[Node]\nVendorId=0xFFFF\n", FALSE },
    { "[Node]\nProductId=0\n", FALSE },
    { "[Node]\nProductId=65535\n", TRUE },
    { "[Node]\nProductId=65536\n", FALSE },
    { "[Node]\nDiscriminator=4095\n", TRUE },
    { "[Node]\nDiscriminator=4096\n", FALSE },
    { "[Node]\nSupportedFabrics=4\n", FALSE },
    { "[Node]\nSupportedFabrics=5\n", TRUE },
    { "[Node]\nSupportedFabrics=255\n", FALSE },
    { "[Network]\nPort=65535\n", TRUE },
    { "[Network]\nPort=65536\n", FALSE },
    { "[Network]\nPort=-1\n", FALSE },
    { "[Network]\nPort=\n", FALSE },
    { "[Network]\nPort=5540x\n", FALSE },
    { "[Network]\nPort=0x\n", FALSE },
    { "[Network]\nPort=99999999999999999999999\n", FALSE },
    { "[Node]\nVendorId=0xG\n", FALSE },
    { "[Commissioning]\nPasscode=20202021\n", TRUE },
    { "[Commissioning]\nPasscode=0\n", FALSE },
    { "[Commissioning]\nPasscode=99999998\n", TRUE },
    { "[Commissioning]\nPasscode=99999999\n", FALSE },
    { "[Commissioning]\nPasscode=12345678\n", FALSE },
    { "[Commissioning]\nPasscode=11111111\n", FALSE },
    { "[Commissioning]\nWindowTimeout=179\n", FALSE },
    { "[Commissioning]\nWindowTimeout=180\n", TRUE },
    { "[Commissioning]\nWindowTimeout=900\n", TRUE },
    { "[Commissioning]\nWindowTimeout=901\n", FALSE },
    { "[Node]\nVendorName=\n", FALSE },
    { "[Node]\nVendorName=12345678901234567890123456789012\n", TRUE },
    { "[Node]\nVendorName=123456789012345678901234567890123\n", FALSE },
    { "[Node]\nHardwareVersion=65536\n", FALSE },
    { "[Node]\nManufacturingDate=2026113\n", FALSE },
    { "[Node]\nManufacturingDate=2026-11-30\n", FALSE },
    { "[Node]\nManufacturingDate=20261130A1\n", TRUE },
    { "[Node]\nManufacturingDate=20260230\n", FALSE },
    { "[Node]\nManufacturingDate=20261130123456789\n", FALSE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autoptr(GError) error = NULL;
    MdConfig config;
    gboolean ok = load(&config, cases[i].text, &error);

    g_test_message("case %zu: %s", i, cases[i].text);
    g_assert_cmpint(ok, ==, cases[i].ok);
    if (ok)
      g_assert_no_error(error);
    else
      g_assert_error(error, MD_ERROR, MD_ERROR_INVALID_CONFIG);
    md_config_clear(&config);
  }
}

/* A bad value anywhere leaves the configuration as it was. */
static void
test_error_is_atomic(void)
{
  g_autoptr(GError) error = NULL;
  const char *text = "[Node]\nVendorId=0xFFF2\n[Network]\nPort=nope\n";
  MdConfig config;

  md_config_init(&config);
  g_assert_false(md_config_load_data(&config, text, strlen(text), "test.conf", &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_INVALID_CONFIG);
  g_assert_nonnull(strstr(error->message, "test.conf: [Network] Port=nope is not a number"));
  g_assert_cmpuint(config.vendor_id, ==, 0xFFF1);
}

static void
test_error_messages(void)
{
  g_autoptr(GError) error = NULL;
  MdConfig config;

  g_assert_false(load(&config, "[Node]\nVendorId=0x1FFFF\n", &error));
  g_assert_cmpstr(error->message, ==,
                  "test.conf: [Node] VendorId=0x1FFFF is out of range (0x0001..0xFFFE)");
  g_clear_error(&error);
  g_assert_false(load(&config, "[Node]\nSupportedFabrics=300\n", &error));
  g_assert_cmpstr(error->message, ==, "test.conf: [Node] SupportedFabrics=300 is out of range (5..254)");
  g_clear_error(&error);
  g_assert_false(load(&config, "not a key file", &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_INVALID_CONFIG);
  g_assert_true(g_str_has_prefix(error->message, "test.conf: "));
}

static void
test_unknown_keys_warn(void)
{
  g_autoptr(GError) error = NULL;
  MdConfig config;

  g_test_expect_message("matterd", G_LOG_LEVEL_WARNING,
                        "test.conf: unknown group [Radio] ignored");
  g_test_expect_message("matterd", G_LOG_LEVEL_WARNING,
                        "test.conf: unknown key Colour in [Node] ignored");
  g_assert_true(load(&config, "[Radio]\nPower=1\n[Node]\nColour=red\nVendorId=2\n", &error));
  g_test_assert_expected_messages();
  g_assert_no_error(error);
  g_assert_cmpuint(config.vendor_id, ==, 2);
}

static void
test_attestation_paths(void)
{
  g_autoptr(GError) error = NULL;
  g_auto(MdConfig) config = { 0 };

  g_assert_true(load(&config,
                     "[Attestation]\nDACCertificate=/etc/matterd/dac.der\n"
                     "PAICertificate=/etc/matterd/pai.der\nDACPrivateKey=/etc/matterd/dac-key.pem\n"
                     "CertificationDeclaration=/etc/matterd/cd.der\n",
                     &error));
  g_assert_no_error(error);
  g_assert_true(md_config_has_attestation(&config));
  g_assert_cmpstr(config.dac_certificate, ==, "/etc/matterd/dac.der");
  g_assert_cmpstr(config.pai_certificate, ==, "/etc/matterd/pai.der");
  g_assert_cmpstr(config.dac_private_key, ==, "/etc/matterd/dac-key.pem");
  g_assert_cmpstr(config.certification_declaration, ==, "/etc/matterd/cd.der");

  /* Loading again replaces, and a failing load keeps what was there. */
  g_assert_true(md_config_load_data(&config, "[Attestation]\nDACCertificate=/other/dac.der\n", -1,
                                    "second.conf", &error));
  g_assert_cmpstr(config.dac_certificate, ==, "/other/dac.der");
  g_assert_false(md_config_load_data(&config,
                                     "[Attestation]\nPAICertificate=/x/pai.der\n[Network]\nPort=x\n",
                                     -1, "third.conf", &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_INVALID_CONFIG);
  g_assert_cmpstr(config.pai_certificate, ==, "/etc/matterd/pai.der");
}

static void
test_attestation_rules(void)
{
  static const char *const bad[] = {
    ("[Attestation]\nDACCertificate=dac.der\nPAICertificate=/p\nDACPrivateKey=/k\n"
     "CertificationDeclaration=/c\n"),
    "[Attestation]\nDACCertificate=/etc/dac.der\n",
    "[Attestation]\nDACCertificate=/d\nPAICertificate=/p\nDACPrivateKey=/k\n",
  };

  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) error = NULL;
    g_auto(MdConfig) config = { 0 };

    g_assert_false(load(&config, bad[i], &error));
    g_assert_error(error, MD_ERROR, MD_ERROR_INVALID_CONFIG);
    g_assert_false(md_config_has_attestation(&config));
  }
}

static void
test_file(void)
{
  g_autofree char *dir = md_test_mkdtemp();
  g_autofree char *path = g_build_filename(dir, "matterd.conf", NULL);
  g_autoptr(GError) error = NULL;
  MdConfig config;

  md_config_init(&config);
  g_assert_true(md_config_load_file(&config, path, FALSE, &error));
  g_assert_no_error(error);
  g_assert_false(md_config_load_file(&config, path, TRUE, &error));
  g_assert_error(error, MD_ERROR, MD_ERROR_INVALID_CONFIG);
  g_clear_error(&error);

  g_file_set_contents(path, "[Node]\nProductId=0x8002\n", -1, &error);
  g_assert_no_error(error);
  g_assert_true(md_config_load_file(&config, path, TRUE, &error));
  g_assert_no_error(error);
  g_assert_cmpuint(config.product_id, ==, 0x8002);
  md_test_rmtree(dir);
}

/* The shipped default file documents every key and sets none. */
static void
test_shipped_default(void)
{
  g_autofree char *path = g_test_build_filename(G_TEST_DIST, "..", "data", "matterd.conf", NULL);
  g_autoptr(GError) error = NULL;
  MdConfig config, defaults;

  md_config_init(&defaults);
  md_config_init(&config);
  g_assert_true(md_config_load_file(&config, path, TRUE, &error));
  g_assert_no_error(error);
  g_assert_cmpmem(&config, sizeof(config), &defaults, sizeof(defaults));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/config/defaults", test_defaults);
  g_test_add_func("/config/empty-file", test_empty_file_keeps_defaults);
  g_test_add_func("/config/all-keys", test_all_keys);
  g_test_add_func("/config/dnssd-switch", test_dnssd_switch);
  g_test_add_func("/config/bluetooth-keys", test_bluetooth_keys);
  g_test_add_func("/config/applications-group", test_applications_group);
  g_test_add_func("/config/basic-information-keys", test_basic_information_keys);
  g_test_add_func("/config/bounds", test_bounds);
  g_test_add_func("/config/error-is-atomic", test_error_is_atomic);
  g_test_add_func("/config/error-messages", test_error_messages);
  g_test_add_func("/config/unknown-keys-warn", test_unknown_keys_warn);
  g_test_add_func("/config/attestation-paths", test_attestation_paths);
  g_test_add_func("/config/attestation-rules", test_attestation_rules);
  g_test_add_func("/config/file", test_file);
  g_test_add_func("/config/shipped-default", test_shipped_default);
  return g_test_run();
}
