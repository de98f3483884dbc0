/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* matterd.conf: a GKeyFile. Every key is optional; documented with its
 * default and range in data/matterd.conf and matterd.conf(5). Unknown
 * groups and keys are warned about and ignored; a bad value is an error
 * (MD_ERROR_INVALID_CONFIG) so the daemon never runs with a half-read
 * configuration. */

#include <glib.h>

typedef enum {
  MD_CONFIG_AUTO,
  MD_CONFIG_YES,
  MD_CONFIG_NO,
} MdConfigSwitch;

typedef struct {
  guint vendor_id;
  guint product_id;
  guint discriminator;
  gboolean has_discriminator; /* else one is chosen at first start and stored */
  guint supported_fabrics;
  guint port;
  gboolean dnssd; /* advertise through avahi-daemon (Core spec 4.3) */
  /* Commissioning over BLE through BlueZ: auto uses it when an adapter is
   * there; yes says so when none is; no never touches BlueZ. */
  MdConfigSwitch bluetooth;
  char *bluetooth_adapter; /* "hci0"; NULL: the first powered adapter */
  /* Members of this group register host applications without asking
   * polkit (org.matterd.register-application); NULL: none. */
  char *app_group;

  /* Basic Information (NULL: the default matterd.conf(5) names). */
  char *vendor_name;
  char *product_name;
  guint hardware_version;
  char *hardware_version_string;
  char *serial_number;
  char *part_number;
  char *product_url;
  char *product_label;
  char *manufacturing_date;

  guint passcode;
  gboolean has_passcode; /* else a random one is chosen at first start and stored */
  guint window_timeout;  /* seconds a basic commissioning window stays open */

  /* Device attestation credentials: all four or none (then the
   * development set is used). Absolute paths. */
  char *dac_certificate;
  char *pai_certificate;
  char *dac_private_key;
  char *certification_declaration;
} MdConfig;

void md_config_init(MdConfig *config);
/* Frees what md_config_load_*() allocated; @config can be loaded again. */
void md_config_clear(MdConfig *config);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(MdConfig, md_config_clear)

/* TRUE when the configuration names attestation credentials. */
gboolean md_config_has_attestation(const MdConfig *config);

/* Reads @path over the defaults already in @config. When @must_exist is
 * FALSE a missing file leaves the defaults in place. */
gboolean md_config_load_file(MdConfig *config, const char *path, gboolean must_exist,
                             GError **error);

/* Same, from memory (@length may be -1 when @data is NUL-terminated);
 * @origin names the source in messages. */
gboolean md_config_load_data(MdConfig *config, const char *data, gsize length,
                             const char *origin, GError **error);
