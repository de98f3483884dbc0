/* SPDX-License-Identifier: Apache-2.0 */
/* `matterctl payload` as a user runs it: the built binary (MATTERCTL_BINARY)
 * with its text and JSON output, its exit status and its one-line errors.
 * The vectors are those of tests/unit/test-payload.c. */

#include <json-glib/json-glib.h>

#include "md-test.h"

#define DEFAULT_ARGS                                                                       \
  "payload", "encode", "--passcode", "20202021", "--discriminator", "3840", "--vendor-id", \
      "0xFFF1", "--product-id", "0x8001"

static void
test_encode_text(void)
{
  g_auto(MdTestCtlResult) result = md_test_ctl_run(DEFAULT_ARGS);
  g_autofree char *qr = NULL, *manual = NULL;

  g_assert_cmpint(result.status, ==, 0);
  g_assert_cmpstr(result.err, ==, "");
  qr = md_test_field(result.out, "QR code");
  manual = md_test_field(result.out, "Manual code");
  g_assert_cmpstr(qr, ==, "MT:-24J0AFN00KA0648G00");
  g_assert_cmpstr(manual, ==, "34970112332");
}

static void
test_encode_json(void)
{
  static const char *const on_network[] = { "on-network", NULL };
  static const char *const ble[] = { "ble", NULL };
  g_auto(MdTestCtlResult) result = md_test_ctl_run(DEFAULT_ARGS, "--json");
  g_auto(MdTestCtlResult) with_ble = md_test_ctl_run(DEFAULT_ARGS, "--rendezvous", "ble", "--json");
  g_autoptr(JsonParser) parser = json_parser_new();
  JsonObject *object = md_test_ctl_parse_object(parser, &result, 0);

  g_assert_cmpstr(json_object_get_string_member(object, "qr_code"), ==, "MT:-24J0AFN00KA0648G00");
  g_assert_cmpstr(json_object_get_string_member(object, "manual_code"), ==, "34970112332");
  g_assert_cmpint(json_object_get_int_member(object, "passcode"), ==, 20202021);
  g_assert_cmpint(json_object_get_int_member(object, "discriminator"), ==, 3840);
  g_assert_cmpint(json_object_get_int_member(object, "vendor_id"), ==, 0xFFF1);
  g_assert_cmpint(json_object_get_int_member(object, "product_id"), ==, 0x8001);
  g_assert_cmpstr(json_object_get_string_member(object, "flow"), ==, "standard");
  md_test_assert_strings(json_object_get_array_member(object, "rendezvous"), on_network);

  object = md_test_ctl_parse_object(parser, &with_ble, 0);
  g_assert_cmpstr(json_object_get_string_member(object, "qr_code"), ==, "MT:-24J042C00KA0648G00");
  md_test_assert_strings(json_object_get_array_member(object, "rendezvous"), ble);
}

static void
test_encode_custom_flow(void)
{
  static const char *const both[] = { "ble", "on-network", NULL };
  g_auto(MdTestCtlResult) result =
      md_test_ctl_run("payload", "encode", "--passcode", "20202021", "--discriminator", "3840",
                      "--vendor-id", "65521", "--product-id", "32769", "--flow", "custom",
                      "--rendezvous", "on-network,ble", "--json");
  g_autoptr(JsonParser) parser = json_parser_new();
  JsonObject *object = md_test_ctl_parse_object(parser, &result, 0);

  /* A flow other than the standard one gives the 21-digit code. */
  g_assert_cmpstr(json_object_get_string_member(object, "manual_code"), ==,
                  "749701123365521327694");
  g_assert_cmpstr(json_object_get_string_member(object, "qr_code"), ==, "MT:-24J08M.00KA0648G00");
  g_assert_cmpstr(json_object_get_string_member(object, "flow"), ==, "custom");
  md_test_assert_strings(json_object_get_array_member(object, "rendezvous"), both);
}

static void
test_decode_qr(void)
{
  static const char *const on_network[] = { "on-network", NULL };
  g_auto(MdTestCtlResult) text = md_test_ctl_run("payload", "decode", "MT:-24J0AFN00KA0648G00");
  g_auto(MdTestCtlResult) json =
      md_test_ctl_run("payload", "decode", "--json", "MT:-24J0AFN00KA0648G00");
  g_autoptr(JsonParser) parser = json_parser_new();
  const struct {
    const char *label, *value;
  } fields[] = {
    { "Format", "QR code" },        { "Manual code", "34970112332" }, { "Version", "0" },
    { "Vendor ID", "0xFFF1" },      { "Product ID", "0x8001" },       { "Flow", "standard" },
    { "Rendezvous", "on-network" }, { "Discriminator", "3840" },      { "Passcode", "20202021" },
  };
  JsonObject *object;

  g_assert_cmpint(text.status, ==, 0);
  for (gsize i = 0; i < G_N_ELEMENTS(fields); i++) {
    g_autofree char *value = md_test_field(text.out, fields[i].label);

    g_assert_cmpstr(value, ==, fields[i].value);
  }

  object = md_test_ctl_parse_object(parser, &json, 0);
  g_assert_cmpstr(json_object_get_string_member(object, "format"), ==, "qr");
  g_assert_cmpstr(json_object_get_string_member(object, "qr_code"), ==, "MT:-24J0AFN00KA0648G00");
  g_assert_cmpstr(json_object_get_string_member(object, "manual_code"), ==, "34970112332");
  g_assert_cmpint(json_object_get_int_member(object, "version"), ==, 0);
  g_assert_cmpint(json_object_get_int_member(object, "vendor_id"), ==, 0xFFF1);
  g_assert_cmpint(json_object_get_int_member(object, "product_id"), ==, 0x8001);
  g_assert_cmpstr(json_object_get_string_member(object, "flow"), ==, "standard");
  md_test_assert_strings(json_object_get_array_member(object, "rendezvous"), on_network);
  g_assert_cmpint(json_object_get_int_member(object, "discriminator"), ==, 3840);
  g_assert_false(json_object_get_boolean_member(object, "short_discriminator"));
  g_assert_cmpint(json_object_get_int_member(object, "passcode"), ==, 20202021);
  g_assert_true(json_object_get_null_member(object, "extension"));
}

static void
test_decode_manual(void)
{
  g_auto(MdTestCtlResult) text = md_test_ctl_run("payload", "decode", "3497-011-2332");
  g_auto(MdTestCtlResult) json = md_test_ctl_run("payload", "decode", "3497-011-2332", "--json");
  g_auto(MdTestCtlResult) long_code =
      md_test_ctl_run("payload", "decode", "--json", "749701123365521327694");
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autofree char *discriminator = NULL, *passcode = NULL;
  JsonObject *object;

  g_assert_cmpint(text.status, ==, 0);
  discriminator = md_test_field(text.out, "Discriminator");
  passcode = md_test_field(text.out, "Passcode");
  g_assert_true(g_str_has_prefix(discriminator, "15 "));
  g_assert_cmpstr(passcode, ==, "20202021");

  /* An 11-digit code has neither vendor and product id nor rendezvous. */
  object = md_test_ctl_parse_object(parser, &json, 0);
  g_assert_cmpstr(json_object_get_string_member(object, "format"), ==, "manual");
  g_assert_cmpstr(json_object_get_string_member(object, "manual_code"), ==, "34970112332");
  g_assert_true(json_object_get_null_member(object, "qr_code"));
  g_assert_true(json_object_get_null_member(object, "vendor_id"));
  g_assert_true(json_object_get_null_member(object, "product_id"));
  g_assert_true(json_object_get_null_member(object, "rendezvous"));
  g_assert_cmpstr(json_object_get_string_member(object, "flow"), ==, "standard");
  g_assert_cmpint(json_object_get_int_member(object, "discriminator"), ==, 15);
  g_assert_true(json_object_get_boolean_member(object, "short_discriminator"));
  g_assert_cmpint(json_object_get_int_member(object, "passcode"), ==, 20202021);
  g_assert_cmpint(json_object_get_int_member(object, "version"), ==, 0);

  object = md_test_ctl_parse_object(parser, &long_code, 0);
  g_assert_cmpint(json_object_get_int_member(object, "vendor_id"), ==, 0xFFF1);
  g_assert_cmpint(json_object_get_int_member(object, "product_id"), ==, 0x8001);
  g_assert_cmpstr(json_object_get_string_member(object, "flow"), ==, "custom");
  g_assert_cmpint(json_object_get_int_member(object, "discriminator"), ==, 15);
}

static void
test_decode_concatenated(void)
{
  const char *code = "MT:M5L90MP500K64J00000*M5L90U.D010K4J00000";
  g_auto(MdTestCtlResult) json = md_test_ctl_run("payload", "decode", "--json", code);
  g_auto(MdTestCtlResult) text = md_test_ctl_run("payload", "decode", code);
  g_autoptr(JsonParser) parser = json_parser_new();
  JsonObject *object = md_test_ctl_parse_object(parser, &json, 0);
  JsonArray *payloads;

  g_assert_cmpstr(json_object_get_string_member(object, "qr_code"), ==, code);
  payloads = json_object_get_array_member(object, "payloads");
  g_assert_cmpuint(json_array_get_length(payloads), ==, 2);
  for (guint i = 0; i < 2; i++) {
    JsonObject *payload = json_array_get_object_element(payloads, i);

    g_assert_cmpint(json_object_get_int_member(payload, "vendor_id"), ==, 12);
    g_assert_cmpint(json_object_get_int_member(payload, "discriminator"), ==, 128 + i);
    g_assert_cmpint(json_object_get_int_member(payload, "passcode"), ==, 2048 + i);
  }
  g_assert_cmpstr(
      json_object_get_string_member(json_array_get_object_element(payloads, 1), "qr_code"), ==,
      "MT:M5L90U.D010K4J00000");

  g_assert_cmpint(text.status, ==, 0);
  g_assert_nonnull(strstr(md_test_ctl_text(&text), "Payload 2 of 2:"));
}

static void
test_verifier(void)
{
  /* "SPAKE2P Key Salt" */
  const char *salt = "5350414b453250204b65792053616c74";
  const char *w0 = "b96170aae803346884724fe9a3b287c30330c2a660375d17bb205a8cf1aecb35";
  const char *L = "0457f8ab79ee253ab6a8e46bb09e543ae422736de501e3db37d441fe344920d095"
                  "48e4c18240630c4ff4913c53513839b7c07fcc0627a1b8573a149fcd1fa466cf";
  g_auto(MdTestCtlResult) text =
      md_test_ctl_run("payload", "verifier", "--passcode", "20202021", "--salt", salt);
  g_auto(MdTestCtlResult) json = md_test_ctl_run("payload", "verifier", "--passcode", "20202021",
                                                 "--salt", salt, "--iterations", "1000", "--json");
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autofree char *text_w0 = NULL, *text_L = NULL, *text_salt = NULL, *text_iterations = NULL;
  JsonObject *object;

  g_assert_cmpint(text.status, ==, 0);
  text_w0 = md_test_field(text.out, "w0");
  text_L = md_test_field(text.out, "L");
  text_salt = md_test_field(text.out, "Salt");
  text_iterations = md_test_field(text.out, "Iterations");
  g_assert_cmpstr(text_w0, ==, w0);
  g_assert_cmpstr(text_L, ==, L);
  g_assert_cmpstr(text_salt, ==, salt);
  g_assert_cmpstr(text_iterations, ==, "1000");

  object = md_test_ctl_parse_object(parser, &json, 0);
  g_assert_cmpstr(json_object_get_string_member(object, "salt"), ==, salt);
  g_assert_cmpint(json_object_get_int_member(object, "iterations"), ==, 1000);
  g_assert_cmpstr(json_object_get_string_member(object, "w0"), ==, w0);
  g_assert_cmpstr(json_object_get_string_member(object, "l"), ==, L);
}

static void
test_verifier_defaults(void)
{
  g_auto(MdTestCtlResult) first =
      md_test_ctl_run("payload", "verifier", "--passcode", "0x1344225", "--json");
  g_auto(MdTestCtlResult) second =
      md_test_ctl_run("payload", "verifier", "--passcode", "20202021", "--json", "--random-salt",
                      "--iterations", "0x3E8");
  g_autoptr(JsonParser) parser1 = json_parser_new(), parser2 = json_parser_new();
  JsonObject *a = md_test_ctl_parse_object(parser1, &first, 0),
             *b = md_test_ctl_parse_object(parser2, &second, 0);

  /* A random 32-byte salt each time, 1000 iterations by default. */
  g_assert_cmpint(json_object_get_int_member(a, "passcode"), ==, 20202021);
  g_assert_cmpuint(strlen(json_object_get_string_member(a, "salt")), ==, 64);
  g_assert_cmpint(json_object_get_int_member(a, "iterations"), ==, 1000);
  g_assert_cmpint(json_object_get_int_member(b, "iterations"), ==, 1000);
  g_assert_cmpstr(json_object_get_string_member(a, "salt"), !=,
                  json_object_get_string_member(b, "salt"));
  g_assert_cmpstr(json_object_get_string_member(a, "w0"), !=,
                  json_object_get_string_member(b, "w0"));
  g_assert_cmpuint(strlen(json_object_get_string_member(a, "l")), ==, 130);
}

static void
test_bad_input(void)
{
  static const char *const forbidden[] = {
    "0",        "11111111", "22222222", "33333333", "44444444", "55555555",  "66666666",
    "77777777", "88888888", "99999999", "12345678", "87654321", "100000000",
  };

  {
    g_auto(MdTestCtlResult) result = md_test_ctl_run("payload", "decode", "34970112333");
    md_test_ctl_assert_error(&result, 2, "check digit");
  }
  {
    g_auto(MdTestCtlResult) result =
        md_test_ctl_run("payload", "decode", "3497-011-2333", "--json");
    md_test_ctl_assert_error(&result, 2, "check digit");
  }
  {
    g_auto(MdTestCtlResult) result = md_test_ctl_run("payload", "decode", "MT:-24J0AFN00KA0648G0");
    md_test_ctl_assert_error(&result, 2, "malformed");
  }
  {
    g_auto(MdTestCtlResult) result = md_test_ctl_run("payload", "decode", "84970112331");
    md_test_ctl_assert_error(&result, 2, "version");
  }
  for (gsize i = 0; i < G_N_ELEMENTS(forbidden); i++) {
    g_auto(MdTestCtlResult) encode =
        md_test_ctl_run("payload", "encode", "--passcode", forbidden[i], "--discriminator", "1",
                        "--vendor-id", "1", "--product-id", "1");
    g_auto(MdTestCtlResult) verifier =
        md_test_ctl_run("payload", "verifier", "--passcode", forbidden[i]);

    md_test_ctl_assert_error(&encode, 2, "passcode");
    md_test_ctl_assert_error(&verifier, 2, "passcode");
  }
  {
    g_auto(MdTestCtlResult) result =
        md_test_ctl_run("payload", "encode", "--passcode", "20202021", "--discriminator", "4096",
                        "--vendor-id", "1", "--product-id", "1");
    md_test_ctl_assert_error(&result, 2, "--discriminator");
  }
  {
    g_auto(MdTestCtlResult) result = md_test_ctl_run(DEFAULT_ARGS, "--bogus");
    md_test_ctl_assert_error(&result, 2, "--bogus");
  }
  {
    g_auto(MdTestCtlResult) result = md_test_ctl_run("payload", "frobnicate");
    md_test_ctl_assert_error(&result, 2, "frobnicate");
  }
  {
    g_auto(MdTestCtlResult) result = md_test_ctl_run("payload");
    md_test_ctl_assert_error(&result, 2, "encode");
  }
  {
    g_auto(MdTestCtlResult) result = md_test_ctl_run("payload", "encode", "--passcode", "20202021");
    md_test_ctl_assert_error(&result, 2, "--discriminator");
  }
  {
    g_auto(MdTestCtlResult) result =
        md_test_ctl_run("payload", "encode", "--passcode", "20202021", "--discriminator", "1",
                        "--vendor-id", "0x10000", "--product-id", "1");
    md_test_ctl_assert_error(&result, 2, "--vendor-id");
  }
  {
    g_auto(MdTestCtlResult) result =
        md_test_ctl_run(DEFAULT_ARGS, "--rendezvous", "ble,carrier-pigeon");
    md_test_ctl_assert_error(&result, 2, "carrier-pigeon");
  }
  {
    g_auto(MdTestCtlResult) result = md_test_ctl_run(DEFAULT_ARGS, "--flow", "sideways");
    md_test_ctl_assert_error(&result, 2, "sideways");
  }
  {
    g_auto(MdTestCtlResult) result =
        md_test_ctl_run("payload", "verifier", "--passcode", "20202021", "--salt", "00112233");
    md_test_ctl_assert_error(&result, 2, "--salt");
  }
  {
    g_auto(MdTestCtlResult) result =
        md_test_ctl_run("payload", "verifier", "--passcode", "20202021", "--iterations", "100001");
    md_test_ctl_assert_error(&result, 2, "--iterations");
  }
  {
    g_auto(MdTestCtlResult) result = md_test_ctl_run("payload", "decode");
    md_test_ctl_assert_error(&result, 2, "decode");
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);

  g_test_add_func("/matterctl/payload/encode-text", test_encode_text);
  g_test_add_func("/matterctl/payload/encode-json", test_encode_json);
  g_test_add_func("/matterctl/payload/encode-custom-flow", test_encode_custom_flow);
  g_test_add_func("/matterctl/payload/decode-qr", test_decode_qr);
  g_test_add_func("/matterctl/payload/decode-manual", test_decode_manual);
  g_test_add_func("/matterctl/payload/decode-concatenated", test_decode_concatenated);
  g_test_add_func("/matterctl/payload/verifier", test_verifier);
  g_test_add_func("/matterctl/payload/verifier-defaults", test_verifier_defaults);
  g_test_add_func("/matterctl/payload/bad-input", test_bad_input);
  return g_test_run();
}
