/* SPDX-License-Identifier: Apache-2.0 */
/* matterctl payload: encode and decode onboarding payloads (QR code and
 * manual pairing code) and compute PASE verifiers, without matterd. */

#include "build-config.h"

#include "cmd-payload.h"

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "ctl-util.h"
#include "matter/crypto.h"
#include "matter/payload.h"

#define DEFAULT_ITERATIONS 1000u
/* The labels of the text output, padded to one column. */
#define FIELD_WIDTH 16

static const struct {
  const char *name;
  guint8 bit;
} rendezvous_names[] = {
  { "soft-ap", MATTER_PAYLOAD_RENDEZVOUS_SOFT_AP },
  { "ble", MATTER_PAYLOAD_RENDEZVOUS_BLE },
  { "on-network", MATTER_PAYLOAD_RENDEZVOUS_ON_NETWORK },
  { "wifi-paf", MATTER_PAYLOAD_RENDEZVOUS_WIFI_PAF },
  { "nfc", MATTER_PAYLOAD_RENDEZVOUS_NFC },
  { "thread", MATTER_PAYLOAD_RENDEZVOUS_THREAD },
};

static const char *const flow_names[] = {
  [MATTER_PAYLOAD_FLOW_STANDARD] = "standard",
  [MATTER_PAYLOAD_FLOW_USER_INTENT] = "user-intent",
  [MATTER_PAYLOAD_FLOW_CUSTOM] = "custom",
};

static gboolean
parse_passcode(const char *text, guint32 *passcode)
{
  guint64 value;

  if (!md_ctl_parse_number("--passcode", text, G_MAXUINT32, &value))
    return FALSE;
  if (!matter_payload_passcode_valid((guint32) value)) {
    md_ctl_usage_error(_("passcode %s is not allowed: use 1..99999998, and not 11111111, 22222222, "
                         "..., 88888888, 12345678 or 87654321"),
                       text);
    return FALSE;
  }
  *passcode = (guint32) value;
  return TRUE;
}

static gboolean
parse_flow(const char *text, MatterPayloadFlow *flow)
{
  for (gsize i = 0; i < G_N_ELEMENTS(flow_names); i++)
    if (g_str_equal(text, flow_names[i])) {
      *flow = (MatterPayloadFlow) i;
      return TRUE;
    }
  md_ctl_usage_error(_("unknown flow '%s' (use standard, user-intent or custom)"), text);
  return FALSE;
}

static gboolean
parse_rendezvous(const char *text, guint8 *rendezvous)
{
  g_auto(GStrv) names = g_strsplit(text, ",", -1);

  *rendezvous = 0;
  if (*text == '\0') {
    md_ctl_usage_error(
        _("--rendezvous needs at least one of soft-ap, ble, on-network, wifi-paf, nfc "
          "or thread"));
    return FALSE;
  }
  for (char **name = names; *name != NULL; name++) {
    gsize i;

    for (i = 0; i < G_N_ELEMENTS(rendezvous_names); i++)
      if (g_str_equal(*name, rendezvous_names[i].name))
        break;
    if (i == G_N_ELEMENTS(rendezvous_names)) {
      md_ctl_usage_error(
          _("unknown rendezvous '%s' (use soft-ap, ble, on-network, wifi-paf, nfc or "
            "thread, separated by commas)"),
          *name);
      return FALSE;
    }
    *rendezvous |= rendezvous_names[i].bit;
  }
  return TRUE;
}

static gboolean
parse_hex(const char *option, const char *text, guint8 *out, gsize min, gsize max, gsize *len)
{
  gsize n = strlen(text) / 2;

  if (strlen(text) % 2 != 0 || n < min || n > max) {
    md_ctl_usage_error(_("%s needs %zu to %zu bytes in hexadecimal"), option, min, max);
    return FALSE;
  }
  for (gsize i = 0; i < n; i++) {
    int high = g_ascii_xdigit_value(text[2 * i]), low = g_ascii_xdigit_value(text[2 * i + 1]);

    if (high < 0 || low < 0) {
      md_ctl_usage_error(_("%s: '%s' is not hexadecimal"), option, text);
      return FALSE;
    }
    out[i] = (guint8) (high << 4 | low);
  }
  *len = n;
  return TRUE;
}

/* "ble,on-network"; bits without a name as "bit-N". */
static char *
rendezvous_string(guint8 rendezvous)
{
  GString *text = g_string_new(NULL);

  for (guint bit = 0; bit < 8; bit++) {
    const char *name = NULL;

    if (!(rendezvous & (1u << bit)))
      continue;
    for (gsize i = 0; i < G_N_ELEMENTS(rendezvous_names); i++)
      if (rendezvous_names[i].bit == (1u << bit))
        name = rendezvous_names[i].name;
    if (text->len > 0)
      g_string_append_c(text, ',');
    if (name != NULL)
      g_string_append(text, name);
    else
      g_string_append_printf(text, "bit-%u", bit);
  }
  if (text->len == 0)
    g_string_append(text, _("none"));
  return g_string_free(text, FALSE);
}

static void
add_rendezvous_list(JsonBuilder *builder, guint8 rendezvous)
{
  json_builder_begin_array(builder);
  for (guint bit = 0; bit < 8; bit++) {
    g_autofree char *name = NULL;

    if (rendezvous & (1u << bit)) {
      name = rendezvous_string((guint8) (1u << bit));
      json_builder_add_string_value(builder, name);
    }
  }
  json_builder_end_array(builder);
}

/* ---- encode ------------------------------------------------------------ */

static int
payload_encode(int argc, char **argv)
{
  g_autofree char *passcode_text = NULL, *discriminator_text = NULL, *vendor_text = NULL;
  g_autofree char *product_text = NULL, *flow_text = NULL, *rendezvous_text = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "passcode", 0, 0, G_OPTION_ARG_STRING, &passcode_text,
      N_("Setup passcode, 1..99999998 (required)"), N_("PASSCODE") },
    { "discriminator", 0, 0, G_OPTION_ARG_STRING, &discriminator_text,
      N_("Discriminator, 0..4095 (required)"), N_("N") },
    { "vendor-id", 0, 0, G_OPTION_ARG_STRING, &vendor_text, N_("Vendor ID (required)"), N_("ID") },
    { "product-id", 0, 0, G_OPTION_ARG_STRING, &product_text, N_("Product ID (required)"),
      N_("ID") },
    { "flow", 0, 0, G_OPTION_ARG_STRING, &flow_text,
      N_("Commissioning flow: standard (default), user-intent or custom"), N_("FLOW") },
    { "rendezvous", 0, 0, G_OPTION_ARG_STRING, &rendezvous_text,
      N_("Discovery capabilities, comma-separated: soft-ap, ble, on-network (default), "
         "wifi-paf, nfc, thread"),
      N_("LIST") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print one JSON object"), NULL },
    G_OPTION_ENTRY_NULL
  };
  MatterSetupPayload payload = {
    .flow = MATTER_PAYLOAD_FLOW_STANDARD,
    .rendezvous = MATTER_PAYLOAD_RENDEZVOUS_ON_NETWORK,
  };
  char qr[MATTER_PAYLOAD_QR_SIZE], manual[MATTER_PAYLOAD_MANUAL_SIZE];
  guint64 value;
  MatterError err;

  if (!md_ctl_parse_options(
          NULL, _("Print the QR code and the manual pairing code of an onboarding payload."),
          entries, &argc, &argv))
    return MD_CTL_EXIT_USAGE;
  if (argc > 1)
    return md_ctl_usage_error(_("payload encode takes options only, not '%s'"), argv[1]);
  if (passcode_text == NULL)
    return md_ctl_usage_error(_("payload encode needs --passcode"));
  if (discriminator_text == NULL)
    return md_ctl_usage_error(_("payload encode needs --discriminator"));
  if (vendor_text == NULL)
    return md_ctl_usage_error(_("payload encode needs --vendor-id"));
  if (product_text == NULL)
    return md_ctl_usage_error(_("payload encode needs --product-id"));

  if (!parse_passcode(passcode_text, &payload.passcode))
    return MD_CTL_EXIT_USAGE;
  if (!md_ctl_parse_number("--discriminator", discriminator_text, MATTER_PAYLOAD_DISCRIMINATOR_MAX,
                           &value))
    return MD_CTL_EXIT_USAGE;
  payload.discriminator = (guint16) value;
  if (!md_ctl_parse_number("--vendor-id", vendor_text, G_MAXUINT16, &value))
    return MD_CTL_EXIT_USAGE;
  payload.vendor_id = (guint16) value;
  if (!md_ctl_parse_number("--product-id", product_text, G_MAXUINT16, &value))
    return MD_CTL_EXIT_USAGE;
  payload.product_id = (guint16) value;
  if (flow_text != NULL && !parse_flow(flow_text, &payload.flow))
    return MD_CTL_EXIT_USAGE;
  if (rendezvous_text != NULL && !parse_rendezvous(rendezvous_text, &payload.rendezvous))
    return MD_CTL_EXIT_USAGE;

  err = matter_payload_qr_encode(&payload, qr, sizeof(qr));
  if (err == MATTER_OK)
    err = matter_payload_manual_encode(&payload, manual);
  if (err != MATTER_OK)
    return md_ctl_failure(_("cannot encode the payload: %s"), matter_error_str(err));

  if (json) {
    g_autoptr(JsonBuilder) builder = json_builder_new();

    json_builder_begin_object(builder);
    json_builder_set_member_name(builder, "qr_code");
    json_builder_add_string_value(builder, qr);
    json_builder_set_member_name(builder, "manual_code");
    json_builder_add_string_value(builder, manual);
    json_builder_set_member_name(builder, "passcode");
    json_builder_add_int_value(builder, payload.passcode);
    json_builder_set_member_name(builder, "discriminator");
    json_builder_add_int_value(builder, payload.discriminator);
    json_builder_set_member_name(builder, "vendor_id");
    json_builder_add_int_value(builder, payload.vendor_id);
    json_builder_set_member_name(builder, "product_id");
    json_builder_add_int_value(builder, payload.product_id);
    json_builder_set_member_name(builder, "flow");
    json_builder_add_string_value(builder, flow_names[payload.flow]);
    json_builder_set_member_name(builder, "rendezvous");
    add_rendezvous_list(builder, payload.rendezvous);
    json_builder_end_object(builder);
    md_ctl_print_json(builder);
  } else {
    md_ctl_print_field(FIELD_WIDTH, _("QR code:"), "%s", qr);
    md_ctl_print_field(FIELD_WIDTH, _("Manual code:"), "%s", manual);
  }
  return MD_CTL_EXIT_OK;
}

/* ---- decode ------------------------------------------------------------ */

/* The digits of a manual code as typed, without separators. */
static char *
manual_digits(const char *code)
{
  GString *digits = g_string_new(NULL);

  for (const char *c = code; *c != '\0'; c++)
    if (g_ascii_isdigit(*c))
      g_string_append_c(digits, *c);
  return g_string_free(digits, FALSE);
}

static void
add_payload_members(JsonBuilder *builder, const MatterSetupPayload *payload, gboolean qr,
                    const char *qr_code, const char *manual_code)
{
  gboolean vid_pid = qr || payload->flow != MATTER_PAYLOAD_FLOW_STANDARD;

  json_builder_set_member_name(builder, "format");
  json_builder_add_string_value(builder, qr ? "qr" : "manual");
  md_ctl_json_add_string(builder, "qr_code", qr_code);
  json_builder_set_member_name(builder, "manual_code");
  json_builder_add_string_value(builder, manual_code);
  json_builder_set_member_name(builder, "version");
  json_builder_add_int_value(builder, payload->version);
  json_builder_set_member_name(builder, "vendor_id");
  if (vid_pid)
    json_builder_add_int_value(builder, payload->vendor_id);
  else
    json_builder_add_null_value(builder);
  json_builder_set_member_name(builder, "product_id");
  if (vid_pid)
    json_builder_add_int_value(builder, payload->product_id);
  else
    json_builder_add_null_value(builder);
  json_builder_set_member_name(builder, "flow");
  json_builder_add_string_value(builder, flow_names[payload->flow]);
  json_builder_set_member_name(builder, "rendezvous");
  if (qr)
    add_rendezvous_list(builder, payload->rendezvous);
  else
    json_builder_add_null_value(builder);
  json_builder_set_member_name(builder, "discriminator");
  json_builder_add_int_value(builder, payload->discriminator);
  json_builder_set_member_name(builder, "short_discriminator");
  json_builder_add_boolean_value(builder, payload->short_discriminator);
  json_builder_set_member_name(builder, "passcode");
  json_builder_add_int_value(builder, payload->passcode);
  md_ctl_json_add_hex(builder, "extension", payload->extension_len > 0 ? payload->extension : NULL,
                      payload->extension_len);
}

static void
print_payload(const MatterSetupPayload *payload, gboolean qr, const char *qr_code,
              const char *manual_code)
{
  gboolean long_code = payload->flow != MATTER_PAYLOAD_FLOW_STANDARD;
  g_autofree char *rendezvous = rendezvous_string(payload->rendezvous);

  if (qr)
    md_ctl_print_field(FIELD_WIDTH, _("Format:"), "%s", _("QR code"));
  else
    md_ctl_print_field(FIELD_WIDTH, _("Format:"), _("manual pairing code (%u digits)"),
                       long_code ? 21u : 11u);
  if (qr_code != NULL)
    md_ctl_print_field(FIELD_WIDTH, _("QR code:"), "%s", qr_code);
  md_ctl_print_field(FIELD_WIDTH, _("Manual code:"), "%s", manual_code);
  md_ctl_print_field(FIELD_WIDTH, _("Version:"), "%u", payload->version);
  if (qr || long_code) {
    md_ctl_print_field(FIELD_WIDTH, _("Vendor ID:"), "0x%04X", payload->vendor_id);
    md_ctl_print_field(FIELD_WIDTH, _("Product ID:"), "0x%04X", payload->product_id);
  } else {
    md_ctl_print_field(FIELD_WIDTH, _("Vendor ID:"), "%s", _("(not in an 11-digit code)"));
    md_ctl_print_field(FIELD_WIDTH, _("Product ID:"), "%s", _("(not in an 11-digit code)"));
  }
  if (qr || !long_code)
    md_ctl_print_field(FIELD_WIDTH, _("Flow:"), "%s", flow_names[payload->flow]);
  else
    md_ctl_print_field(FIELD_WIDTH, _("Flow:"), "%s",
                       _("custom (a 21-digit code says only: not standard)"));
  if (qr)
    md_ctl_print_field(FIELD_WIDTH, _("Rendezvous:"), "%s", rendezvous);
  else
    md_ctl_print_field(FIELD_WIDTH, _("Rendezvous:"), "%s", _("(not in a manual code)"));
  if (payload->short_discriminator)
    md_ctl_print_field(FIELD_WIDTH, _("Discriminator:"), _("%u (short: the top 4 of 12 bits)"),
                       payload->discriminator);
  else
    md_ctl_print_field(FIELD_WIDTH, _("Discriminator:"), "%u", payload->discriminator);
  md_ctl_print_field(FIELD_WIDTH, _("Passcode:"), "%08u", payload->passcode);
  if (payload->extension_len > 0) {
    g_autofree char *hex = md_ctl_hex(payload->extension, payload->extension_len);

    md_ctl_print_field(FIELD_WIDTH, _("Extension data:"), "%s", hex);
  }
}

static int
decode_error(const char *code, MatterError err)
{
  return md_ctl_usage_error(_("cannot decode '%s': %s"), code, matter_error_str(err));
}

static int
decode_manual(const char *code, gboolean json)
{
  MatterSetupPayload payload;
  g_autofree char *digits = NULL;
  MatterError err;

  err = matter_payload_manual_decode(code, &payload);
  if (err != MATTER_OK)
    return decode_error(code, err);
  digits = manual_digits(code);
  if (json) {
    g_autoptr(JsonBuilder) builder = json_builder_new();

    json_builder_begin_object(builder);
    add_payload_members(builder, &payload, FALSE, NULL, digits);
    json_builder_end_object(builder);
    md_ctl_print_json(builder);
  } else {
    print_payload(&payload, FALSE, NULL, digits);
  }
  return MD_CTL_EXIT_OK;
}

static int
decode_qr(const char *code, gboolean json)
{
  g_autofree MatterSetupPayload *payloads = NULL;
  g_autoptr(JsonBuilder) builder = json ? json_builder_new() : NULL;
  g_auto(GStrv) parts = NULL;
  size_t count;
  MatterError err;

  /* Count first, then decode into an array of the right size. */
  err = matter_payload_qr_decode_all(code, NULL, 0, &count);
  if (err != MATTER_ERROR_BUFFER_TOO_SMALL)
    return decode_error(code, err);
  payloads = g_new0(MatterSetupPayload, count);
  err = matter_payload_qr_decode_all(code, payloads, count, &count);
  if (err != MATTER_OK)
    return decode_error(code, err);
  /* Each payload has one spelling, so its QR code is its part of the text. */
  parts = g_strsplit(code + strlen(MATTER_PAYLOAD_QR_PREFIX), "*", -1);
  if (g_strv_length(parts) != count)
    return decode_error(code, MATTER_ERROR_PAYLOAD_FORMAT);

  if (json) {
    json_builder_begin_object(builder);
    if (count > 1) {
      json_builder_set_member_name(builder, "qr_code");
      json_builder_add_string_value(builder, code);
      json_builder_set_member_name(builder, "payloads");
      json_builder_begin_array(builder);
    }
  }
  for (size_t i = 0; i < count; i++) {
    g_autofree char *qr = g_strconcat(MATTER_PAYLOAD_QR_PREFIX, parts[i], NULL);
    char manual[MATTER_PAYLOAD_MANUAL_SIZE];

    /* Whatever decodes as a QR code has all a manual code needs. */
    err = matter_payload_manual_encode(&payloads[i], manual);
    if (err != MATTER_OK)
      return md_ctl_failure(_("cannot make the manual code: %s"), matter_error_str(err));
    if (json) {
      if (count > 1)
        json_builder_begin_object(builder);
      add_payload_members(builder, &payloads[i], TRUE, qr, manual);
      if (count > 1)
        json_builder_end_object(builder);
    } else {
      if (count > 1)
        g_print(_("%sPayload %zu of %zu:\n"), i > 0 ? "\n" : "", i + 1, count);
      print_payload(&payloads[i], TRUE, qr, manual);
    }
  }
  if (json) {
    if (count > 1)
      json_builder_end_array(builder);
    json_builder_end_object(builder);
    md_ctl_print_json(builder);
  }
  return MD_CTL_EXIT_OK;
}

static int
payload_decode(int argc, char **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print one JSON object"), NULL },
    G_OPTION_ENTRY_NULL,
  };

  if (!md_ctl_parse_options(NULL,
                            _("Print every field of a QR code (MT:...) or a manual pairing code."),
                            entries, &argc, &argv))
    return MD_CTL_EXIT_USAGE;
  if (argc != 2)
    return md_ctl_usage_error(_("payload decode takes one QR code or manual pairing code"));
  if (g_str_has_prefix(argv[1], MATTER_PAYLOAD_QR_PREFIX))
    return decode_qr(argv[1], json);
  return decode_manual(argv[1], json);
}

/* ---- verifier ---------------------------------------------------------- */

static int
payload_verifier(int argc, char **argv)
{
  g_autofree char *passcode_text = NULL, *salt_text = NULL, *iterations_text = NULL;
  gboolean random_salt = FALSE, json = FALSE;
  const GOptionEntry entries[] = {
    { "passcode", 0, 0, G_OPTION_ARG_STRING, &passcode_text,
      N_("Setup passcode, 1..99999998 (required)"), N_("PASSCODE") },
    { "salt", 0, 0, G_OPTION_ARG_STRING, &salt_text, N_("PBKDF2 salt, 16 to 32 bytes in hex"),
      N_("HEX") },
    { "random-salt", 0, 0, G_OPTION_ARG_NONE, &random_salt,
      N_("Use a random 32-byte salt (the default)"), NULL },
    { "iterations", 0, 0, G_OPTION_ARG_STRING, &iterations_text,
      N_("PBKDF2 iterations, 1000..100000 (default 1000)"), N_("N") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print one JSON object"), NULL },
    G_OPTION_ENTRY_NULL
  };
  guint8 salt[MATTER_PAYLOAD_SALT_MAX], w0[MATTER_SPAKE2P_W_LEN], L[MATTER_SPAKE2P_POINT_LEN];
  guint8 verifier[sizeof(w0) + sizeof(L)];
  g_autofree char *salt_hex = NULL, *w0_hex = NULL, *L_hex = NULL, *verifier_b64 = NULL;
  gsize salt_len = sizeof(salt);
  guint32 passcode, iterations = DEFAULT_ITERATIONS;
  guint64 value;
  MatterError err;

  if (!md_ctl_parse_options(
          NULL, _("Print the PASE verifier (w0 and L) of a passcode, as a node stores it."),
          entries, &argc, &argv))
    return MD_CTL_EXIT_USAGE;
  if (argc > 1)
    return md_ctl_usage_error(_("payload verifier takes options only, not '%s'"), argv[1]);
  if (passcode_text == NULL)
    return md_ctl_usage_error(_("payload verifier needs --passcode"));
  if (salt_text != NULL && random_salt)
    return md_ctl_usage_error(_("--salt and --random-salt exclude each other"));
  if (!parse_passcode(passcode_text, &passcode))
    return MD_CTL_EXIT_USAGE;
  if (iterations_text != NULL) {
    if (!md_ctl_parse_number("--iterations", iterations_text, G_MAXUINT32, &value))
      return MD_CTL_EXIT_USAGE;
    if (value < MATTER_PAYLOAD_ITERATIONS_MIN || value > MATTER_PAYLOAD_ITERATIONS_MAX)
      return md_ctl_usage_error(_("--iterations must be 1000..100000, not %s"), iterations_text);
    iterations = (guint32) value;
  }
  if (salt_text != NULL) {
    if (!parse_hex("--salt", salt_text, salt, MATTER_PAYLOAD_SALT_MIN, MATTER_PAYLOAD_SALT_MAX,
                   &salt_len))
      return MD_CTL_EXIT_USAGE;
  } else {
    err = matter_random(salt, salt_len);
    if (err != MATTER_OK)
      return md_ctl_failure(_("cannot make a random salt: %s"), matter_error_str(err));
  }

  err = matter_payload_compute_verifier(passcode, salt, salt_len, iterations, w0, L);
  if (err != MATTER_OK)
    return md_ctl_failure(_("cannot compute the verifier: %s"), matter_error_str(err));
  salt_hex = md_ctl_hex(salt, salt_len);
  w0_hex = md_ctl_hex(w0, sizeof(w0));
  L_hex = md_ctl_hex(L, sizeof(L));
  /* The SDK's tools and factory data carry w0 || L in base64. */
  memcpy(verifier, w0, sizeof(w0));
  memcpy(verifier + sizeof(w0), L, sizeof(L));
  verifier_b64 = g_base64_encode(verifier, sizeof(verifier));

  if (json) {
    g_autoptr(JsonBuilder) builder = json_builder_new();

    json_builder_begin_object(builder);
    json_builder_set_member_name(builder, "passcode");
    json_builder_add_int_value(builder, passcode);
    json_builder_set_member_name(builder, "salt");
    json_builder_add_string_value(builder, salt_hex);
    json_builder_set_member_name(builder, "iterations");
    json_builder_add_int_value(builder, iterations);
    json_builder_set_member_name(builder, "w0");
    json_builder_add_string_value(builder, w0_hex);
    json_builder_set_member_name(builder, "l");
    json_builder_add_string_value(builder, L_hex);
    json_builder_set_member_name(builder, "verifier");
    json_builder_add_string_value(builder, verifier_b64);
    json_builder_end_object(builder);
    md_ctl_print_json(builder);
  } else {
    md_ctl_print_field(FIELD_WIDTH, _("Passcode:"), "%08u", passcode);
    md_ctl_print_field(FIELD_WIDTH, _("Salt:"), "%s", salt_hex);
    md_ctl_print_field(FIELD_WIDTH, _("Iterations:"), "%u", iterations);
    md_ctl_print_field(FIELD_WIDTH, "w0:", "%s", w0_hex);
    md_ctl_print_field(FIELD_WIDTH, "L:", "%s", L_hex);
    md_ctl_print_field(FIELD_WIDTH, _("Verifier:"), "%s", verifier_b64);
  }
  return MD_CTL_EXIT_OK;
}

/* ---- dispatch ---------------------------------------------------------- */

static const MdCtlCommand subcommands[] = {
  { "encode", payload_encode, N_("Print the QR code and manual pairing code of a payload") },
  { "decode", payload_decode, N_("Print every field of a QR code or manual pairing code") },
  { "verifier", payload_verifier, N_("Print the PASE verifier (w0, L) of a passcode") },
};

int
md_ctl_payload_run(int argc, char **argv)
{
  return md_ctl_run_command("payload", _("encode, decode or verifier"), subcommands,
                            G_N_ELEMENTS(subcommands), argc, argv);
}
