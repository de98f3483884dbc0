/* SPDX-License-Identifier: Apache-2.0 */
/* matterctl creds: development attestation credentials (PAA, PAI, DAC and
 * a Certification Declaration), without matterd. */

#include "build-config.h"

#include "cmd-creds.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "ctl-util.h"
#include "matter/attestation.h"
#include "matter/crypto.h"

#define DEFAULT_VENDOR_ID 0xFFF1u
#define DEFAULT_PRODUCT_ID 0x8000u
/* Root Node; a CD names the device's primary device type. */
#define DEFAULT_DEVICE_TYPE 0x0016u
/* 2024-01-01T00:00:00Z: fixed, so that clock trouble cannot make a
 * credential that is not yet valid; they never expire. */
#define NOT_BEFORE 1704067200
#define CERTIFICATE_ID "MATTERD-DEV-0000-00"
#define KEY_MODE 0600
#define PUBLIC_MODE 0644

/* What `generate` writes, in this order. */
static const struct {
  const char *file;
  const char *member; /* in --json's "files" */
} outputs[] = {
  { "paa-cert.der", "paa_cert_der" },
  { "paa-cert.pem", "paa_cert_pem" },
  { "paa-key.pem", "paa_key_pem" },
  { "pai-cert.der", "pai_cert_der" },
  { "pai-cert.pem", "pai_cert_pem" },
  { "pai-key.pem", "pai_key_pem" },
  { "dac-cert.der", "dac_cert_der" },
  { "dac-cert.pem", "dac_cert_pem" },
  { "dac-key.pem", "dac_key_pem" },
  { "cd-signing-cert.der", "cd_signing_cert_der" },
  { "cd-signing-cert.pem", "cd_signing_cert_pem" },
  { "cd-signing-key.pem", "cd_signing_key_pem" },
  { "cd.der", "cd" },
};

/* ---- generate ------------------------------------------------------------ */

typedef struct {
  char *dir;
  guint16 vendor_id, product_id;
  guint32 device_type;
  gboolean pai_product_id, force, json;
  char *paa_cert_path, *paa_key_path, *cd_cert_path, *cd_key_path;
} Request;

/* Everything, in memory, before a file is written. */
typedef struct {
  MatterP256Key *paa_key, *pai_key, *dac_key, *cd_key;
  gboolean paa_given, cd_signer_given;
  guint8 paa[MATTER_ATTESTATION_CERT_MAX], pai[MATTER_ATTESTATION_CERT_MAX];
  guint8 dac[MATTER_ATTESTATION_CERT_MAX], cd_cert[MATTER_ATTESTATION_CERT_MAX];
  guint8 cd[MATTER_CD_MAX];
  size_t paa_len, pai_len, dac_len, cd_cert_len, cd_len;
} Credentials;

static void
credentials_clear(Credentials *creds)
{
  matter_p256_free(creds->paa_key);
  matter_p256_free(creds->pai_key);
  matter_p256_free(creds->dac_key);
  matter_p256_free(creds->cd_key);
}

static void
request_clear(Request *req)
{
  g_free(req->dir);
  g_free(req->paa_cert_path);
  g_free(req->paa_key_path);
  g_free(req->cd_cert_path);
  g_free(req->cd_key_path);
}

/* The contents of @path, or NULL after saying why. */
static GBytes *
read_input(const char *path)
{
  g_autoptr(GError) error = NULL;
  char *data = NULL;
  gsize len = 0;

  if (!g_file_get_contents(path, &data, &len, &error)) {
    md_ctl_usage_error(_("cannot read %s: %s"), path, error->message);
    return NULL;
  }
  return g_bytes_new_take(data, len);
}

/* A private key from @path; its bytes are wiped once parsed. */
static MatterP256Key *
read_key(const char *path)
{
  g_autoptr(GBytes) bytes = read_input(path);
  MatterP256Key *key = NULL;
  MatterError err;
  gsize len;
  guint8 *data;

  if (bytes == NULL)
    return NULL;
  data = (guint8 *) g_bytes_get_data(bytes, &len);
  err = matter_attestation_key_parse(data, len, &key);
  matter_secure_zero(data, len);
  if (err != MATTER_OK)
    md_ctl_usage_error(_("%s: not a usable private key: %s"), path, matter_error_str(err));
  return key;
}

static gboolean
load_paa(const Request *req, Credentials *creds)
{
  g_autoptr(GBytes) cert = read_input(req->paa_cert_path);
  guint8 pub[MATTER_P256_PUBLIC_KEY_LEN];
  MatterAttestationCertInfo info;
  MatterError err;

  if (cert == NULL)
    return FALSE;
  err = matter_attestation_cert_check(g_bytes_get_data(cert, NULL), g_bytes_get_size(cert),
                                      MATTER_ATTESTATION_PAA, &info);
  if (err == MATTER_OK)
    err = matter_attestation_cert_to_der(g_bytes_get_data(cert, NULL), g_bytes_get_size(cert),
                                         creds->paa, sizeof(creds->paa), &creds->paa_len);
  if (err != MATTER_OK) {
    md_ctl_usage_error(_("%s: not a usable PAA certificate: %s"), req->paa_cert_path,
                       matter_error_str(err));
    return FALSE;
  }
  if (info.has_vendor_id && info.vendor_id != req->vendor_id) {
    md_ctl_usage_error(_("%s: the PAA is for vendor id 0x%04X, not 0x%04X"), req->paa_cert_path,
                       info.vendor_id, req->vendor_id);
    return FALSE;
  }
  creds->paa_key = read_key(req->paa_key_path);
  if (creds->paa_key == NULL)
    return FALSE;
  if (matter_p256_export_public(creds->paa_key, pub) != MATTER_OK ||
      memcmp(pub, info.public_key, sizeof(pub)) != 0) {
    md_ctl_usage_error(_("%s is not the key of %s"), req->paa_key_path, req->paa_cert_path);
    return FALSE;
  }
  creds->paa_given = TRUE;
  return TRUE;
}

static gboolean
load_cd_signer(const Request *req, Credentials *creds)
{
  g_autoptr(GBytes) cert = read_input(req->cd_cert_path);
  MatterError err;

  if (cert == NULL)
    return FALSE;
  err = matter_attestation_cert_to_der(g_bytes_get_data(cert, NULL), g_bytes_get_size(cert),
                                       creds->cd_cert, sizeof(creds->cd_cert), &creds->cd_cert_len);
  if (err != MATTER_OK) {
    md_ctl_usage_error(_("%s: not a usable certificate: %s"), req->cd_cert_path,
                       matter_error_str(err));
    return FALSE;
  }
  creds->cd_key = read_key(req->cd_key_path);
  creds->cd_signer_given = creds->cd_key != NULL;
  return creds->cd_key != NULL;
}

/* A new key and a certificate for it, issued by @issuer (NULL: self). */
static MatterError
issue(const MatterAttestationCertParams *params, MatterP256Key **key, const guint8 *issuer,
      size_t issuer_len, MatterP256Key *issuer_key, guint8 *der, size_t *len)
{
  MatterError err = matter_p256_generate(key);

  if (err != MATTER_OK)
    return err;
  return matter_attestation_cert_create(params, *key, issuer, issuer_len,
                                        issuer_key != NULL ? issuer_key : *key, der,
                                        MATTER_ATTESTATION_CERT_MAX, len);
}

static MatterError
make_certificates(const Request *req, Credentials *creds)
{
  MatterAttestationCertParams paa = {
    .role = MATTER_ATTESTATION_PAA,
    .common_name = "matterd Development PAA",
    .has_vendor_id = TRUE,
    .vendor_id = req->vendor_id,
    .not_before = NOT_BEFORE,
    .not_after = MATTER_ATTESTATION_NO_EXPIRY,
  };
  MatterAttestationCertParams pai = {
    .role = MATTER_ATTESTATION_PAI,
    .common_name = "matterd Development PAI",
    .has_vendor_id = TRUE,
    .has_product_id = req->pai_product_id,
    .vendor_id = req->vendor_id,
    .product_id = req->product_id,
    .not_before = NOT_BEFORE,
    .not_after = MATTER_ATTESTATION_NO_EXPIRY,
  };
  MatterAttestationCertParams dac = {
    .role = MATTER_ATTESTATION_DAC,
    .common_name = "matterd Development DAC",
    .has_vendor_id = TRUE,
    .has_product_id = TRUE,
    .vendor_id = req->vendor_id,
    .product_id = req->product_id,
    .not_before = NOT_BEFORE,
    .not_after = MATTER_ATTESTATION_NO_EXPIRY,
  };
  /* Shaped like the CSA's test CD signing certificate: a self-signed CA. */
  MatterAttestationCertParams cd_signer = {
    .role = MATTER_ATTESTATION_PAA,
    .common_name = "matterd Development CD Signing Authority",
    .not_before = NOT_BEFORE,
    .not_after = MATTER_ATTESTATION_NO_EXPIRY,
  };
  MatterError err = MATTER_OK;

  if (!creds->paa_given)
    err = issue(&paa, &creds->paa_key, NULL, 0, NULL, creds->paa, &creds->paa_len);
  if (err == MATTER_OK)
    err = issue(&pai, &creds->pai_key, creds->paa, creds->paa_len, creds->paa_key, creds->pai,
                &creds->pai_len);
  if (err == MATTER_OK)
    err = issue(&dac, &creds->dac_key, creds->pai, creds->pai_len, creds->pai_key, creds->dac,
                &creds->dac_len);
  if (err == MATTER_OK && !creds->cd_signer_given)
    err = issue(&cd_signer, &creds->cd_key, NULL, 0, NULL, creds->cd_cert, &creds->cd_cert_len);
  return err;
}

static MatterError
make_cd(const Request *req, Credentials *creds)
{
  MatterCd cd = {
    .format_version = MATTER_CD_FORMAT_VERSION,
    .vendor_id = req->vendor_id,
    .product_id_count = 1,
    .product_ids = { req->product_id },
    .device_type_id = req->device_type,
    .certificate_id = CERTIFICATE_ID,
    .version_number = 1,
    .certification_type = MATTER_CD_CERTIFICATION_DEVELOPMENT,
  };
  guint8 content[MATTER_CD_CONTENT_MAX];
  size_t content_len;
  MatterError err = matter_cd_encode(&cd, content, sizeof(content), &content_len);

  if (err != MATTER_OK)
    return err;
  return matter_cd_sign(content, content_len, creds->cd_cert, creds->cd_cert_len, creds->cd_key,
                        creds->cd, sizeof(creds->cd), &creds->cd_len);
}

/* Writes what was made, in the order of outputs[]; adds each path to
 * @written (NULL for a key that was given, not made). */
typedef struct {
  const char *dir;
  GPtrArray *written;
} Writer;

static gboolean
write_file(Writer *w, const char *name, const void *data, gsize len, int mode)
{
  g_autofree char *path = g_build_filename(w->dir, name, NULL);

  if (!md_ctl_write_file(path, data, len, mode))
    return FALSE;
  g_ptr_array_add(w->written, g_steal_pointer(&path));
  return TRUE;
}

static gboolean
write_cert(Writer *w, const char *stem, const guint8 *der, size_t len)
{
  g_autofree char *der_name = g_strconcat(stem, ".der", NULL);
  g_autofree char *pem_name = g_strconcat(stem, ".pem", NULL);
  char pem[MATTER_ATTESTATION_CERT_PEM_MAX];
  size_t pem_len;

  if (matter_attestation_cert_to_pem(der, len, pem, sizeof(pem), &pem_len) != MATTER_OK) {
    md_ctl_failure(_("cannot write %s as PEM"), stem);
    return FALSE;
  }
  return write_file(w, der_name, der, len, PUBLIC_MODE) &&
         write_file(w, pem_name, pem, pem_len, PUBLIC_MODE);
}

static gboolean
write_key(Writer *w, const char *name, const MatterP256Key *key, gboolean given)
{
  char pem[MATTER_ATTESTATION_KEY_PEM_MAX];
  size_t len;
  gboolean ok;

  if (given) {
    g_ptr_array_add(w->written, NULL);
    return TRUE;
  }
  if (matter_attestation_key_to_pem(key, pem, sizeof(pem), &len) != MATTER_OK) {
    md_ctl_failure(_("cannot write %s"), name);
    return FALSE;
  }
  ok = write_file(w, name, pem, len, KEY_MODE);
  matter_secure_zero(pem, sizeof(pem));
  return ok;
}

static gboolean
write_credentials(Writer *w, const Credentials *creds)
{
  return write_cert(w, "paa-cert", creds->paa, creds->paa_len) &&
         write_key(w, "paa-key.pem", creds->paa_key, creds->paa_given) &&
         write_cert(w, "pai-cert", creds->pai, creds->pai_len) &&
         write_key(w, "pai-key.pem", creds->pai_key, FALSE) &&
         write_cert(w, "dac-cert", creds->dac, creds->dac_len) &&
         write_key(w, "dac-key.pem", creds->dac_key, FALSE) &&
         write_cert(w, "cd-signing-cert", creds->cd_cert, creds->cd_cert_len) &&
         write_key(w, "cd-signing-key.pem", creds->cd_key, creds->cd_signer_given) &&
         write_file(w, "cd.der", creds->cd, creds->cd_len, PUBLIC_MODE);
}

/* DIR exists as a directory or can be made; it holds none of our files
 * unless --force. */
static int
prepare_dir(const Request *req)
{
  if (g_file_test(req->dir, G_FILE_TEST_EXISTS) && !g_file_test(req->dir, G_FILE_TEST_IS_DIR))
    return md_ctl_usage_error(_("%s is not a directory"), req->dir);
  for (gsize i = 0; i < G_N_ELEMENTS(outputs) && !req->force; i++) {
    g_autofree char *path = g_build_filename(req->dir, outputs[i].file, NULL);

    if (g_file_test(path, G_FILE_TEST_EXISTS))
      return md_ctl_usage_error(_("%s exists; use --force to replace the credentials in %s"), path,
                                req->dir);
  }
  if (g_mkdir_with_parents(req->dir, 0755) != 0)
    return md_ctl_failure(_("cannot create %s: %s"), req->dir, g_strerror(errno));
  return MD_CTL_EXIT_OK;
}

static void
print_result(const Request *req, GPtrArray *written)
{
  if (req->json) {
    g_autoptr(JsonBuilder) builder = json_builder_new();

    json_builder_begin_object(builder);
    md_ctl_json_add_string(builder, "directory", req->dir);
    json_builder_set_member_name(builder, "vendor_id");
    json_builder_add_int_value(builder, req->vendor_id);
    json_builder_set_member_name(builder, "product_id");
    json_builder_add_int_value(builder, req->product_id);
    json_builder_set_member_name(builder, "files");
    json_builder_begin_object(builder);
    for (guint i = 0; i < written->len; i++)
      md_ctl_json_add_string(builder, outputs[i].member, g_ptr_array_index(written, i));
    json_builder_end_object(builder);
    json_builder_end_object(builder);
    md_ctl_print_json(builder);
    return;
  }
  md_ctl_print_field(12, _("Vendor ID:"), "0x%04X", req->vendor_id);
  md_ctl_print_field(12, _("Product ID:"), "0x%04X", req->product_id);
  for (guint i = 0; i < written->len; i++) {
    const char *path = g_ptr_array_index(written, i);

    if (path != NULL)
      g_print(_("Wrote %s\n"), path);
  }
}

/* Checks the options that need no file. */
static int
parse_ids(Request *req, const char *vendor_text, const char *product_text,
          const char *device_type_text)
{
  guint64 value;

  if (vendor_text != NULL) {
    if (!md_ctl_parse_id("--vendor-id", vendor_text, 0xFFFE, &value))
      return MD_CTL_EXIT_USAGE;
    req->vendor_id = (guint16) value;
  }
  if (product_text != NULL) {
    if (!md_ctl_parse_id("--product-id", product_text, 0xFFFF, &value))
      return MD_CTL_EXIT_USAGE;
    req->product_id = (guint16) value;
  }
  if (device_type_text != NULL) {
    if (!md_ctl_parse_id("--device-type", device_type_text, G_MAXUINT32, &value))
      return MD_CTL_EXIT_USAGE;
    req->device_type = (guint32) value;
  }
  if ((req->paa_cert_path == NULL) != (req->paa_key_path == NULL))
    return md_ctl_usage_error(_("--paa-cert and --paa-key go together"));
  if ((req->cd_cert_path == NULL) != (req->cd_key_path == NULL))
    return md_ctl_usage_error(_("--cd-signing-cert and --cd-signing-key go together"));
  return MD_CTL_EXIT_OK;
}

static int
run_generate(Request *req)
{
  Credentials creds = { 0 };
  g_autoptr(GPtrArray) written = g_ptr_array_new_with_free_func(g_free);
  Writer writer = { req->dir, written };
  MatterError err;
  int status = MD_CTL_EXIT_OK;

  if (req->paa_cert_path != NULL && !load_paa(req, &creds))
    status = MD_CTL_EXIT_USAGE;
  if (status == MD_CTL_EXIT_OK && req->cd_cert_path != NULL && !load_cd_signer(req, &creds))
    status = MD_CTL_EXIT_USAGE;
  if (status == MD_CTL_EXIT_OK) {
    err = make_certificates(req, &creds);
    if (err != MATTER_OK)
      status = md_ctl_failure(_("cannot make the certificates: %s"), matter_error_str(err));
  }
  if (status == MD_CTL_EXIT_OK) {
    err = make_cd(req, &creds);
    if (err == MATTER_ERROR_INVALID_KEY || err == MATTER_ERROR_ATTESTATION_KEY_ID)
      status = md_ctl_usage_error(_("%s cannot sign a Certification Declaration with %s: %s"),
                                  req->cd_cert_path, req->cd_key_path, matter_error_str(err));
    else if (err != MATTER_OK)
      status =
          md_ctl_failure(_("cannot make the Certification Declaration: %s"), matter_error_str(err));
  }
  if (status == MD_CTL_EXIT_OK)
    status = prepare_dir(req);
  if (status == MD_CTL_EXIT_OK && !write_credentials(&writer, &creds))
    status = MD_CTL_EXIT_FAILURE;
  if (status == MD_CTL_EXIT_OK)
    print_result(req, written);
  credentials_clear(&creds);
  return status;
}

static int
creds_generate(int argc, char **argv)
{
  g_autofree char *vendor_text = NULL, *product_text = NULL, *device_type_text = NULL;
  Request req = { .vendor_id = DEFAULT_VENDOR_ID,
                  .product_id = DEFAULT_PRODUCT_ID,
                  .device_type = DEFAULT_DEVICE_TYPE };
  const GOptionEntry entries[] = {
    { "vendor-id", 0, 0, G_OPTION_ARG_STRING, &vendor_text,
      N_("Vendor ID (default 0xFFF1, a test vendor)"), N_("ID") },
    { "product-id", 0, 0, G_OPTION_ARG_STRING, &product_text, N_("Product ID (default 0x8000)"),
      N_("ID") },
    { "pai-product-id", 0, 0, G_OPTION_ARG_NONE, &req.pai_product_id,
      N_("Scope the PAI to the product id too"), NULL },
    { "device-type", 0, 0, G_OPTION_ARG_STRING, &device_type_text,
      N_("Device type in the Certification Declaration (default 0x0016)"), N_("ID") },
    { "paa-cert", 0, 0, G_OPTION_ARG_FILENAME, &req.paa_cert_path,
      N_("Issue the PAI under this PAA certificate instead of a new one"), N_("FILE") },
    { "paa-key", 0, 0, G_OPTION_ARG_FILENAME, &req.paa_key_path, N_("The PAA's private key"),
      N_("FILE") },
    { "cd-signing-cert", 0, 0, G_OPTION_ARG_FILENAME, &req.cd_cert_path,
      N_("Sign the Certification Declaration as this certificate's subject"), N_("FILE") },
    { "cd-signing-key", 0, 0, G_OPTION_ARG_FILENAME, &req.cd_key_path,
      N_("The CD signing certificate's private key"), N_("FILE") },
    { "force", 0, 0, G_OPTION_ARG_NONE, &req.force, N_("Replace credentials already in DIR"),
      NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &req.json, N_("Print one JSON object"), NULL },
    G_OPTION_ENTRY_NULL
  };
  int status;

  if (!md_ctl_parse_options("DIR",
                            _("Write development attestation credentials (PAA, PAI, DAC and a "
                              "Certification Declaration) to DIR."),
                            entries, &argc, &argv)) {
    request_clear(&req);
    return MD_CTL_EXIT_USAGE;
  }
  if (argc != 2)
    status = md_ctl_usage_error(_("creds generate takes one directory"));
  else
    status = parse_ids(&req, vendor_text, product_text, device_type_text);
  if (status == MD_CTL_EXIT_OK) {
    req.dir = g_strdup(argv[1]);
    status = run_generate(&req);
  }
  request_clear(&req);
  return status;
}

/* ---- dispatch ---------------------------------------------------------- */

static const MdCtlCommand subcommands[] = {
  { "generate", creds_generate,
    N_("Write development PAA, PAI, DAC and Certification Declaration files") },
};

int
md_ctl_creds_run(int argc, char **argv)
{
  return md_ctl_run_command("creds", _("generate"), subcommands, G_N_ELEMENTS(subcommands), argc,
                            argv);
}
