/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "matterd"

#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "matter/payload.h"
#include "md-error.h"

typedef enum {
  KEY_UINT,   /* a guint in a range */
  KEY_PATH,   /* an absolute file name (char *) */
  KEY_STRING, /* UTF-8 of min..max bytes (char *) */
  KEY_DATE,   /* a KEY_STRING starting with a valid YYYYMMDD */
  KEY_BOOL,   /* yes or no (gboolean) */
  KEY_SWITCH, /* auto, yes or no (MdConfigSwitch) */
} KeyKind;

typedef struct {
  const char *group;
  const char *key;
  KeyKind kind;
  guint64 min;
  guint64 max;
  gboolean hex;         /* written as 0x... in messages */
  gsize offset;         /* of the value in MdConfig */
  gssize isset_offset;  /* of a gboolean set when present, or -1 */
} ConfigKey;

#define FIELD(name) offsetof(MdConfig, name)
#define UINT_KEY(group, key, min, max, hex, field, isset)                                          \
  { group, key, KEY_UINT, min, max, hex, FIELD(field), isset }
#define PATH_KEY(group, key, field) { group, key, KEY_PATH, 0, 0, FALSE, FIELD(field), -1 }
#define STRING_KEY(group, key, min, max, field) \
  { group, key, KEY_STRING, min, max, FALSE, FIELD(field), -1 }
#define DATE_KEY(group, key, min, max, field) \
  { group, key, KEY_DATE, min, max, FALSE, FIELD(field), -1 }
#define BOOL_KEY(group, key, field) { group, key, KEY_BOOL, 0, 0, FALSE, FIELD(field), -1 }
#define SWITCH_KEY(group, key, field) { group, key, KEY_SWITCH, 0, 0, FALSE, FIELD(field), -1 }

static const ConfigKey config_keys[] = {
  UINT_KEY("Node", "VendorId", 0x0001, 0xFFFE, TRUE, vendor_id, -1),
  UINT_KEY("Node", "ProductId", 0x0001, 0xFFFF, TRUE, product_id, -1),
  UINT_KEY("Node", "Discriminator", 0, 4095, FALSE, discriminator, FIELD(has_discriminator)),
  UINT_KEY("Node", "SupportedFabrics", 5, 254, FALSE, supported_fabrics, -1),
  /* Basic Information attributes, with the lengths its data model gives
   * (Matter SDK data_model/1.4.2/clusters/BasicInformationCluster.xml). */
  STRING_KEY("Node", "VendorName", 1, 32, vendor_name),
  STRING_KEY("Node", "ProductName", 1, 32, product_name),
  UINT_KEY("Node", "HardwareVersion", 0, 65535, FALSE, hardware_version, -1),
  STRING_KEY("Node", "HardwareVersionString", 1, 64, hardware_version_string),
  STRING_KEY("Node", "SerialNumber", 1, 32, serial_number),
  STRING_KEY("Node", "PartNumber", 1, 32, part_number),
  STRING_KEY("Node", "ProductURL", 1, 256, product_url),
  STRING_KEY("Node", "ProductLabel", 1, 64, product_label),
  /* Core spec 11.1.5.19: YYYYMMDD, then up to 8 bytes of vendor data. */
  DATE_KEY("Node", "ManufacturingDate", 8, 16, manufacturing_date),
  UINT_KEY("Network", "Port", 0, 65535, FALSE, port, -1),
  BOOL_KEY("Network", "DnsSd", dnssd),
  UINT_KEY("Commissioning", "Passcode", 1, 99999998, FALSE, passcode, FIELD(has_passcode)),
  /* Core spec 5.4.2.3: a basic window lasts 3 to 15 minutes. */
  UINT_KEY("Commissioning", "WindowTimeout", 180, 900, FALSE, window_timeout, -1),
  PATH_KEY("Attestation", "DACCertificate", dac_certificate),
  PATH_KEY("Attestation", "PAICertificate", pai_certificate),
  PATH_KEY("Attestation", "DACPrivateKey", dac_private_key),
  PATH_KEY("Attestation", "CertificationDeclaration", certification_declaration),
  SWITCH_KEY("Bluetooth", "Enable", bluetooth),
  /* An adapter's object name under /org/bluez, as hciconfig names it. */
  STRING_KEY("Bluetooth", "Adapter", 1, 32, bluetooth_adapter),
  /* A group name as useradd(8) allows it. */
  STRING_KEY("Applications", "Group", 1, 32, app_group),
};

#define PATH_FIELD(config, def) G_STRUCT_MEMBER(char *, config, (def)->offset)

/* Keys whose value the configuration owns as a string. */
static gboolean
owns_string(const ConfigKey *def)
{
  return def->kind == KEY_PATH || def->kind == KEY_STRING || def->kind == KEY_DATE;
}

void
md_config_init(MdConfig *config)
{
  *config = (MdConfig) {
    .vendor_id = 0xFFF1,
    .product_id = 0x8000,
    .discriminator = 0,
    .has_discriminator = FALSE,
    .supported_fabrics = 16,
    .port = 5540,
    .dnssd = TRUE,
    .window_timeout = 900,
    .bluetooth = MD_CONFIG_AUTO,
  };
}

void
md_config_clear(MdConfig *config)
{
  for (gsize i = 0; i < G_N_ELEMENTS(config_keys); i++)
    if (owns_string(&config_keys[i]))
      g_clear_pointer(&PATH_FIELD(config, &config_keys[i]), g_free);
  md_config_init(config);
}

gboolean
md_config_has_attestation(const MdConfig *config)
{
  return config->dac_certificate != NULL;
}

static const ConfigKey *
find_key(const char *group, const char *key)
{
  for (gsize i = 0; i < G_N_ELEMENTS(config_keys); i++)
    if (g_str_equal(config_keys[i].group, group) && g_str_equal(config_keys[i].key, key))
      return &config_keys[i];
  return NULL;
}

static gboolean
group_is_known(const char *group)
{
  for (gsize i = 0; i < G_N_ELEMENTS(config_keys); i++)
    if (g_str_equal(config_keys[i].group, group))
      return TRUE;
  return FALSE;
}

/* Accepts decimal or 0x-prefixed hexadecimal, nothing else. */
static gboolean
parse_unsigned(const char *text, guint64 *value)
{
  const char *digits = text;
  guint base = 10;

  if (g_str_has_prefix(text, "0x") || g_str_has_prefix(text, "0X")) {
    digits = text + 2;
    base = 16;
  }
  return g_ascii_string_to_unsigned(digits, base, 0, G_MAXUINT64, value, NULL);
}

static gboolean
apply_path(MdConfig *config, const ConfigKey *def, const char *text, const char *origin,
           GError **error)
{
  if (!g_path_is_absolute(text)) {
    g_set_error(error, MD_ERROR, MD_ERROR_INVALID_CONFIG,
                "%s: [%s] %s=%s is not an absolute file name", origin, def->group, def->key, text);
    return FALSE;
  }
  PATH_FIELD(config, def) = g_strdup(text);
  return TRUE;
}

static gboolean
apply_string(MdConfig *config, const ConfigKey *def, const char *text, const char *origin,
             GError **error)
{
  gsize len = strlen(text);

  if (!g_utf8_validate(text, -1, NULL) || len < def->min || len > def->max) {
    g_set_error(error, MD_ERROR, MD_ERROR_INVALID_CONFIG,
                "%s: [%s] %s must be UTF-8 of %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT
                " bytes",
                origin, def->group, def->key, def->min, def->max);
    return FALSE;
  }
  PATH_FIELD(config, def) = g_strdup(text);
  return TRUE;
}

/* The YYYYMMDD a date key starts with names a real day. */
static gboolean
starts_with_date(const char *text)
{
  guint year, month, day;

  for (int i = 0; i < 8; i++)
    if (!g_ascii_isdigit(text[i]))
      return FALSE;
  year = (guint) g_ascii_digit_value(text[0]) * 1000 + (guint) g_ascii_digit_value(text[1]) * 100 +
         (guint) g_ascii_digit_value(text[2]) * 10 + (guint) g_ascii_digit_value(text[3]);
  month = (guint) g_ascii_digit_value(text[4]) * 10 + (guint) g_ascii_digit_value(text[5]);
  day = (guint) g_ascii_digit_value(text[6]) * 10 + (guint) g_ascii_digit_value(text[7]);
  return year >= 1 && month >= 1 && month <= 12 && day >= 1 &&
         g_date_valid_dmy((GDateDay) day, (GDateMonth) month, (GDateYear) year);
}

static gboolean
apply_date(MdConfig *config, const ConfigKey *def, const char *text, const char *origin,
           GError **error)
{
  if (strlen(text) < 8 || !starts_with_date(text)) {
    g_set_error(error, MD_ERROR, MD_ERROR_INVALID_CONFIG,
                "%s: [%s] %s=%s does not start with a date as YYYYMMDD", origin, def->group,
                def->key, text);
    return FALSE;
  }
  return apply_string(config, def, text, origin, error);
}

/* Exactly "yes" or "no": a misspelt switch must not silently mean either. */
static gboolean
apply_bool(MdConfig *config, const ConfigKey *def, const char *text, const char *origin,
           GError **error)
{
  gboolean value;

  if (g_str_equal(text, "yes"))
    value = TRUE;
  else if (g_str_equal(text, "no"))
    value = FALSE;
  else {
    g_set_error(error, MD_ERROR, MD_ERROR_INVALID_CONFIG, "%s: [%s] %s=%s is not yes or no",
                origin, def->group, def->key, text);
    return FALSE;
  }
  G_STRUCT_MEMBER(gboolean, config, def->offset) = value;
  return TRUE;
}

static gboolean
apply_switch(MdConfig *config, const ConfigKey *def, const char *text, const char *origin,
             GError **error)
{
  MdConfigSwitch value;

  if (g_str_equal(text, "auto"))
    value = MD_CONFIG_AUTO;
  else if (g_str_equal(text, "yes"))
    value = MD_CONFIG_YES;
  else if (g_str_equal(text, "no"))
    value = MD_CONFIG_NO;
  else {
    g_set_error(error, MD_ERROR, MD_ERROR_INVALID_CONFIG,
                "%s: [%s] %s=%s is not auto, yes or no", origin, def->group, def->key, text);
    return FALSE;
  }
  G_STRUCT_MEMBER(MdConfigSwitch, config, def->offset) = value;
  return TRUE;
}

static gboolean
apply_key(MdConfig *config, GKeyFile *file, const ConfigKey *def, const char *origin,
          GError **error)
{
  g_autofree char *raw = g_key_file_get_value(file, def->group, def->key, NULL);
  g_autofree char *text = g_strstrip(g_strdup(raw));
  guint64 value;

  if (def->kind == KEY_PATH)
    return apply_path(config, def, text, origin, error);
  if (def->kind == KEY_STRING)
    return apply_string(config, def, text, origin, error);
  if (def->kind == KEY_DATE)
    return apply_date(config, def, text, origin, error);
  if (def->kind == KEY_BOOL)
    return apply_bool(config, def, text, origin, error);
  if (def->kind == KEY_SWITCH)
    return apply_switch(config, def, text, origin, error);

  if (!parse_unsigned(text, &value)) {
    g_set_error(error, MD_ERROR, MD_ERROR_INVALID_CONFIG,
                "%s: [%s] %s=%s is not a number (write decimal or 0x hexadecimal)", origin,
                def->group, def->key, text);
    return FALSE;
  }
  if (value < def->min || value > def->max) {
    if (def->hex)
      g_set_error(error, MD_ERROR, MD_ERROR_INVALID_CONFIG,
                  "%s: [%s] %s=%s is out of range (0x%04" G_GINT64_MODIFIER
                  "X..0x%04" G_GINT64_MODIFIER "X)",
                  origin, def->group, def->key, text, def->min, def->max);
    else
      g_set_error(error, MD_ERROR, MD_ERROR_INVALID_CONFIG,
                  "%s: [%s] %s=%s is out of range (%" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT ")",
                  origin, def->group, def->key, text, def->min, def->max);
    return FALSE;
  }

  G_STRUCT_MEMBER(guint, config, def->offset) = (guint) value;
  if (def->isset_offset >= 0)
    G_STRUCT_MEMBER(gboolean, config, def->isset_offset) = TRUE;
  return TRUE;
}

static void
warn_unknown(GKeyFile *file, const char *origin)
{
  g_auto(GStrv) groups = g_key_file_get_groups(file, NULL);

  for (gsize g = 0; groups[g] != NULL; g++) {
    g_auto(GStrv) keys = NULL;

    if (!group_is_known(groups[g])) {
      g_warning("%s: unknown group [%s] ignored", origin, groups[g]);
      continue;
    }
    keys = g_key_file_get_keys(file, groups[g], NULL, NULL);
    for (gsize k = 0; keys[k] != NULL; k++)
      if (find_key(groups[g], keys[k]) == NULL)
        g_warning("%s: unknown key %s in [%s] ignored", origin, keys[k], groups[g]);
  }
}

/* Paths in @parsed that differ from @config's were allocated for @parsed:
 * free those of the one that is dropped. */
static void
free_replaced_paths(MdConfig *dropped, const MdConfig *kept)
{
  for (gsize i = 0; i < G_N_ELEMENTS(config_keys); i++) {
    const ConfigKey *def = &config_keys[i];

    if (owns_string(def) && PATH_FIELD(dropped, def) != PATH_FIELD(kept, def))
      g_free(PATH_FIELD(dropped, def));
  }
}

/* Attestation credentials come as a set: a DAC without its key, PAI or CD
 * cannot attest. */
static gboolean
check_attestation_set(const MdConfig *config, const char *origin, GError **error)
{
  const char *const paths[] = { config->dac_certificate, config->pai_certificate,
                                config->dac_private_key, config->certification_declaration };
  guint set = 0;

  for (gsize i = 0; i < G_N_ELEMENTS(paths); i++)
    set += paths[i] != NULL;
  if (set != 0 && set != G_N_ELEMENTS(paths)) {
    g_set_error(error, MD_ERROR, MD_ERROR_INVALID_CONFIG,
                "%s: [Attestation] needs all of DACCertificate, PAICertificate, DACPrivateKey "
                "and CertificationDeclaration, or none",
                origin);
    return FALSE;
  }
  return TRUE;
}

/* Trivial passcodes (11111111, 12345678, ...) are forbidden (Core spec
 * 5.1.7.1) even inside the range. */
static gboolean
check_passcode(const MdConfig *config, const char *origin, GError **error)
{
  if (config->has_passcode && !matter_payload_passcode_valid(config->passcode)) {
    g_set_error(error, MD_ERROR, MD_ERROR_INVALID_CONFIG,
                "%s: [Commissioning] Passcode=%08u is not allowed: trivial passcodes such as "
                "11111111 or 12345678 are forbidden",
                origin, config->passcode);
    return FALSE;
  }
  return TRUE;
}

static gboolean
apply_file(MdConfig *config, GKeyFile *file, const char *origin, GError **error)
{
  MdConfig parsed = *config;

  warn_unknown(file, origin);
  for (gsize i = 0; i < G_N_ELEMENTS(config_keys); i++) {
    const ConfigKey *def = &config_keys[i];

    if (g_key_file_has_key(file, def->group, def->key, NULL) &&
        !apply_key(&parsed, file, def, origin, error)) {
      free_replaced_paths(&parsed, config);
      return FALSE;
    }
  }
  if (!check_attestation_set(&parsed, origin, error) || !check_passcode(&parsed, origin, error)) {
    free_replaced_paths(&parsed, config);
    return FALSE;
  }
  free_replaced_paths(config, &parsed);
  *config = parsed;
  return TRUE;
}

gboolean
md_config_load_data(MdConfig *config, const char *data, gsize length, const char *origin,
                    GError **error)
{
  g_autoptr(GKeyFile) file = g_key_file_new();
  g_autoptr(GError) local_error = NULL;

  if (!g_key_file_load_from_data(file, data, length, G_KEY_FILE_NONE, &local_error)) {
    g_set_error(error, MD_ERROR, MD_ERROR_INVALID_CONFIG, "%s: %s", origin,
                local_error->message);
    return FALSE;
  }
  return apply_file(config, file, origin, error);
}

gboolean
md_config_load_file(MdConfig *config, const char *path, gboolean must_exist, GError **error)
{
  g_autofree char *data = NULL;
  g_autoptr(GError) local_error = NULL;
  gsize length;

  if (!g_file_get_contents(path, &data, &length, &local_error)) {
    if (!must_exist && g_error_matches(local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
      g_debug("No configuration at %s, using defaults", path);
      return TRUE;
    }
    g_set_error(error, MD_ERROR, MD_ERROR_INVALID_CONFIG, "Cannot read configuration: %s",
                local_error->message);
    return FALSE;
  }
  return md_config_load_data(config, data, length, path, error);
}
