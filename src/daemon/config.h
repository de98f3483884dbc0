/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* matterd.conf: a GKeyFile. Every key is optional; documented with its
 * default and range in data/matterd.conf and matterd.conf(5). Unknown
 * groups and keys are warned about and ignored; a bad value is an error
 * (MD_ERROR_INVALID_CONFIG) so the daemon never runs with a half-read
 * configuration. */

#include <glib.h>

typedef struct {
  guint vendor_id;
  guint product_id;
  guint discriminator;
  gboolean has_discriminator; /* else one is chosen at first start and stored */
  guint supported_fabrics;
  guint port;
} MdConfig;

void md_config_init(MdConfig *config);

/* Reads @path over the defaults already in @config. When @must_exist is
 * FALSE a missing file leaves the defaults in place. */
gboolean md_config_load_file(MdConfig *config, const char *path, gboolean must_exist,
                             GError **error);

/* Same, from memory; @origin names the source in messages. */
gboolean md_config_load_data(MdConfig *config, const char *data, gsize length,
                             const char *origin, GError **error);
