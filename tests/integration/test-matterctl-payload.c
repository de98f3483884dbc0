/* SPDX-License-Identifier: Apache-2.0 */
/* `matterctl payload` as a user runs it: the built binary (MATTERCTL_BINARY)
 * with its text and JSON output, its exit status and its one-line errors.
 * The vectors are those of tests/unit/test-payload.c. */

#include <json-glib/json-glib.h>

#include "md-test.h"

typedef struct {
  int status;
  char *out;
  char *err;
} Result;

static void
result_clear(Result *result)
{
  g_clear_pointer(&result->out, g_free);
  g_clear_pointer(&result->err, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Result, result_clear)

/* Runs matterctl with the NULL-terminated arguments that follow. */
static Result
run(const char *first, ...)
{
  const char *binary = g_getenv("MATTERCTL_BINARY");
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_autoptr(GError) error = NULL;
  Result result = { 0 };
  va_list args;

  g_assert_nonnull(binary);
  g_ptr_array_add(argv, (char *) binary);
  va_start(args, first);
  for (const char *arg = first; arg != NULL; arg = va_arg(args, const char *))
    g_ptr_array_add(argv, (char *) arg);
  va_end(args);
  g_ptr_array_add(argv, NULL);

  launcher =
      g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv(launcher, "LC_ALL", "C", TRUE);
  process = g_subprocess_launcher_spawnv(launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error(error);
  g_subprocess_communicate_utf8(process, NULL, NULL, &result.out, &result.err, &error);
  g_assert_no_error(error);
  g_assert_true(g_subprocess_get_if_exited(process));
  result.status = g_subprocess_get_exit_status(process);
  g_test_message("exit %d\nstdout: %s\nstderr: %s", result.status, result.out, result.err);
  return result;
}

/* The value after "LABEL:" on its line of @text, e.g. field(out, "QR code"). */
static char *
field(const char *text, const char *label)
{
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  g_autofree char *prefix = g_strconcat(label, ":", NULL);

  for (char **line = lines; *line != NULL; line++)
    if (g_str_has_prefix(*line, prefix))
      return g_strstrip(g_strdup(*line + strlen(prefix)));
  g_error("no '%s' line in:\n%s", label, text);
  return NULL;
}

/* The single JSON object on stdout. */
static JsonObject *
parse_object(JsonParser *parser, const Result *result)
{
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  g_assert_cmpint(result->status, ==, 0);
  g_assert_cmpstr(result->err, ==, "");
  /* One object, on one line. */
  g_assert_true(g_str_has_suffix(result->out, "}\n"));
  g_assert_true(strchr(result->out, '\n') == result->out + strlen(result->out) - 1);
  json_parser_load_from_data(parser, result->out, -1, &error);
  g_assert_no_error(error);
  root = json_parser_get_root(parser);
  g_assert_true(JSON_NODE_HOLDS_OBJECT(root));
  return json_node_get_object(root);
}

static void
assert_strings(JsonArray *array, const char *const *expected)
{
  guint n = 0;

  while (expected[n] != NULL)
    n++;
  g_assert_cmpuint(json_array_get_length(array), ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpstr(json_array_get_string_element(array, i), ==, expected[i]);
}

/* Exit status 2, nothing on stdout, and one line "matterctl: ..." on stderr
 * that contains @needle. */
static void
assert_usage_error(const Result *result, const char *needle)
{
  g_assert_cmpint(result->status, ==, 2);
  g_assert_cmpstr(result->out, ==, "");
  g_assert_true(g_str_has_prefix(result->err, "matterctl: "));
  g_assert_true(g_str_has_suffix(result->err, "\n"));
  g_assert_true(strchr(result->err, '\n') == result->err + strlen(result->err) - 1);
  g_assert_nonnull(strstr(result->err, needle));
}

#define DEFAULT_ARGS                                                                       \
  "payload", "encode", "--passcode", "20202021", "--discriminator", "3840", "--vendor-id", \
      "0xFFF1", "--product-id", "0x8001"

static void
test_encode_text(void)
{
  g_auto(Result) result = run(DEFAULT_ARGS, NULL);
  g_autofree char *qr = NULL, *manual = NULL;

  g_assert_cmpint(result.status, ==, 0);
  g_assert_cmpstr(result.err, ==, "");
  qr = field(result.out, "QR code");
  manual = field(result.out, "Manual code");
  g_assert_cmpstr(qr, ==, "MT:-24J0AFN00KA0648G00");
  g_assert_cmpstr(manual, ==, "34970112332");
}

static void
test_encode_json(void)
{
  static const char *const on_network[] = { "on-network", NULL };
  static const char *const ble[] = { "ble", NULL };
  g_auto(Result) result = run(DEFAULT_ARGS, "--json", NULL);
  g_auto(Result) with_ble = run(DEFAULT_ARGS, "--rendezvous", "ble", "--json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new();
  JsonObject *object = parse_object(parser, &result);

  g_assert_cmpstr(json_object_get_string_member(object, "qr_code"), ==, "MT:-24J0AFN00KA0648G00");
  g_assert_cmpstr(json_object_get_string_member(object, "manual_code"), ==, "34970112332");
  g_assert_cmpint(json_object_get_int_member(object, "passcode"), ==, 20202021);
  g_assert_cmpint(json_object_get_int_member(object, "discriminator"), ==, 3840);
  g_assert_cmpint(json_object_get_int_member(object, "vendor_id"), ==, 0xFFF1);
  g_assert_cmpint(json_object_get_int_member(object, "product_id"), ==, 0x8001);
  g_assert_cmpstr(json_object_get_string_member(object, "flow"), ==, "standard");
  assert_strings(json_object_get_array_member(object, "rendezvous"), on_network);

  object = parse_object(parser, &with_ble);
  g_assert_cmpstr(json_object_get_string_member(object, "qr_code"), ==, "MT:-24J042C00KA0648G00");
  assert_strings(json_object_get_array_member(object, "rendezvous"), ble);
}

static void
test_encode_custom_flow(void)
{
  static const char *const both[] = { "ble", "on-network", NULL };
  g_auto(Result) result = run("payload", "encode", "--passcode", "20202021", "--discriminator",
                              "3840", "--vendor-id", "65521", "--product-id", "32769", "--flow",
                              "custom", "--rendezvous", "on-network,ble", "--json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new();
  JsonObject *object = parse_object(parser, &result);

  /* A flow other than the standard one gives the 21-digit code. */
  g_assert_cmpstr(json_object_get_string_member(object, "manual_code"), ==,
                  "749701123365521327694");
  g_assert_cmpstr(json_object_get_string_member(object, "qr_code"), ==, "MT:-24J08M.00KA0648G00");
  g_assert_cmpstr(json_object_get_string_member(object, "flow"), ==, "custom");
  assert_strings(json_object_get_array_member(object, "rendezvous"), both);
}

static void
test_decode_qr(void)
{
  static const char *const on_network[] = { "on-network", NULL };
  g_auto(Result) text = run("payload", "decode", "MT:-24J0AFN00KA0648G00", NULL);
  g_auto(Result) json = run("payload", "decode", "--json", "MT:-24J0AFN00KA0648G00", NULL);
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
    g_autofree char *value = field(text.out, fields[i].label);

    g_assert_cmpstr(value, ==, fields[i].value);
  }

  object = parse_object(parser, &json);
  g_assert_cmpstr(json_object_get_string_member(object, "format"), ==, "qr");
  g_assert_cmpstr(json_object_get_string_member(object, "qr_code"), ==, "MT:-24J0AFN00KA0648G00");
  g_assert_cmpstr(json_object_get_string_member(object, "manual_code"), ==, "34970112332");
  g_assert_cmpint(json_object_get_int_member(object, "version"), ==, 0);
  g_assert_cmpint(json_object_get_int_member(object, "vendor_id"), ==, 0xFFF1);
  g_assert_cmpint(json_object_get_int_member(object, "product_id"), ==, 0x8001);
  g_assert_cmpstr(json_object_get_string_member(object, "flow"), ==, "standard");
  assert_strings(json_object_get_array_member(object, "rendezvous"), on_network);
  g_assert_cmpint(json_object_get_int_member(object, "discriminator"), ==, 3840);
  g_assert_false(json_object_get_boolean_member(object, "short_discriminator"));
  g_assert_cmpint(json_object_get_int_member(object, "passcode"), ==, 20202021);
  g_assert_true(json_object_get_null_member(object, "extension"));
}

static void
test_decode_manual(void)
{
  g_auto(Result) text = run("payload", "decode", "3497-011-2332", NULL);
  g_auto(Result) json = run("payload", "decode", "3497-011-2332", "--json", NULL);
  g_auto(Result) long_code = run("payload", "decode", "--json", "749701123365521327694", NULL);
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autofree char *discriminator = NULL, *passcode = NULL;
  JsonObject *object;

  g_assert_cmpint(text.status, ==, 0);
  discriminator = field(text.out, "Discriminator");
  passcode = field(text.out, "Passcode");
  g_assert_true(g_str_has_prefix(discriminator, "15 "));
  g_assert_cmpstr(passcode, ==, "20202021");

  /* An 11-digit code has neither vendor and product id nor rendezvous. */
  object = parse_object(parser, &json);
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

  object = parse_object(parser, &long_code);
  g_assert_cmpint(json_object_get_int_member(object, "vendor_id"), ==, 0xFFF1);
  g_assert_cmpint(json_object_get_int_member(object, "product_id"), ==, 0x8001);
  g_assert_cmpstr(json_object_get_string_member(object, "flow"), ==, "custom");
  g_assert_cmpint(json_object_get_int_member(object, "discriminator"), ==, 15);
}

static void
test_decode_concatenated(void)
{
  const char *code = "MT:M5L90MP500K64J00000*M5L90U.D010K4J00000";
  g_auto(Result) json = run("payload", "decode", "--json", code, NULL);
  g_auto(Result) text = run("payload", "decode", code, NULL);
  g_autoptr(JsonParser) parser = json_parser_new();
  JsonObject *object = parse_object(parser, &json);
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
  g_assert_nonnull(strstr(text.out, "Payload 2 of 2:"));
}

static void
test_verifier(void)
{
  /* "SPAKE2P Key Salt" */
  const char *salt = "5350414b453250204b65792053616c74";
  const char *w0 = "b96170aae803346884724fe9a3b287c30330c2a660375d17bb205a8cf1aecb35";
  const char *L = "0457f8ab79ee253ab6a8e46bb09e543ae422736de501e3db37d441fe344920d095"
                  "48e4c18240630c4ff4913c53513839b7c07fcc0627a1b8573a149fcd1fa466cf";
  g_auto(Result) text = run("payload", "verifier", "--passcode", "20202021", "--salt", salt, NULL);
  g_auto(Result) json = run("payload", "verifier", "--passcode", "20202021", "--salt", salt,
                            "--iterations", "1000", "--json", NULL);
  g_autoptr(JsonParser) parser = json_parser_new();
  g_autofree char *text_w0 = NULL, *text_L = NULL, *text_salt = NULL, *text_iterations = NULL;
  JsonObject *object;

  g_assert_cmpint(text.status, ==, 0);
  text_w0 = field(text.out, "w0");
  text_L = field(text.out, "L");
  text_salt = field(text.out, "Salt");
  text_iterations = field(text.out, "Iterations");
  g_assert_cmpstr(text_w0, ==, w0);
  g_assert_cmpstr(text_L, ==, L);
  g_assert_cmpstr(text_salt, ==, salt);
  g_assert_cmpstr(text_iterations, ==, "1000");

  object = parse_object(parser, &json);
  g_assert_cmpstr(json_object_get_string_member(object, "salt"), ==, salt);
  g_assert_cmpint(json_object_get_int_member(object, "iterations"), ==, 1000);
  g_assert_cmpstr(json_object_get_string_member(object, "w0"), ==, w0);
  g_assert_cmpstr(json_object_get_string_member(object, "l"), ==, L);
}

static void
test_verifier_defaults(void)
{
  g_auto(Result) first = run("payload", "verifier", "--passcode", "0x1344225", "--json", NULL);
  g_auto(Result) second = run("payload", "verifier", "--passcode", "20202021", "--json",
                              "--random-salt", "--iterations", "0x3E8", NULL);
  g_autoptr(JsonParser) parser1 = json_parser_new(), parser2 = json_parser_new();
  JsonObject *a = parse_object(parser1, &first), *b = parse_object(parser2, &second);

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
    g_auto(Result) result = run("payload", "decode", "34970112333", NULL);
    assert_usage_error(&result, "check digit");
  }
  {
    g_auto(Result) result = run("payload", "decode", "3497-011-2333", "--json", NULL);
    assert_usage_error(&result, "check digit");
  }
  {
    g_auto(Result) result = run("payload", "decode", "MT:-24J0AFN00KA0648G0", NULL);
    assert_usage_error(&result, "malformed");
  }
  {
    g_auto(Result) result = run("payload", "decode", "84970112331", NULL);
    assert_usage_error(&result, "version");
  }
  for (gsize i = 0; i < G_N_ELEMENTS(forbidden); i++) {
    g_auto(Result) encode = run("payload", "encode", "--passcode", forbidden[i], "--discriminator",
                                "1", "--vendor-id", "1", "--product-id", "1", NULL);
    g_auto(Result) verifier = run("payload", "verifier", "--passcode", forbidden[i], NULL);

    assert_usage_error(&encode, "passcode");
    assert_usage_error(&verifier, "passcode");
  }
  {
    g_auto(Result) result = run("payload", "encode", "--passcode", "20202021", "--discriminator",
                                "4096", "--vendor-id", "1", "--product-id", "1", NULL);
    assert_usage_error(&result, "--discriminator");
  }
  {
    g_auto(Result) result = run(DEFAULT_ARGS, "--bogus", NULL);
    assert_usage_error(&result, "--bogus");
  }
  {
    g_auto(Result) result = run("payload", "frobnicate", NULL);
    assert_usage_error(&result, "frobnicate");
  }
  {
    g_auto(Result) result = run("payload", NULL);
    assert_usage_error(&result, "encode");
  }
  {
    g_auto(Result) result = run("payload", "encode", "--passcode", "20202021", NULL);
    assert_usage_error(&result, "--discriminator");
  }
  {
    g_auto(Result) result = run("payload", "encode", "--passcode", "20202021", "--discriminator",
                                "1", "--vendor-id", "0x10000", "--product-id", "1", NULL);
    assert_usage_error(&result, "--vendor-id");
  }
  {
    g_auto(Result) result = run(DEFAULT_ARGS, "--rendezvous", "ble,carrier-pigeon", NULL);
    assert_usage_error(&result, "carrier-pigeon");
  }
  {
    g_auto(Result) result = run(DEFAULT_ARGS, "--flow", "sideways", NULL);
    assert_usage_error(&result, "sideways");
  }
  {
    g_auto(Result) result =
        run("payload", "verifier", "--passcode", "20202021", "--salt", "00112233", NULL);
    assert_usage_error(&result, "--salt");
  }
  {
    g_auto(Result) result =
        run("payload", "verifier", "--passcode", "20202021", "--iterations", "100001", NULL);
    assert_usage_error(&result, "--iterations");
  }
  {
    g_auto(Result) result = run("payload", "decode", NULL);
    assert_usage_error(&result, "decode");
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
