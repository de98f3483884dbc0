/* SPDX-License-Identifier: Apache-2.0 */
/* matterctl cert: convert Matter operational certificates between Matter
 * TLV, X.509 DER and PEM, print their fields and validate a chain
 * RCAC -> [ICAC ->] NOC, without matterd. */

#include "build-config.h"

#include "cmd-cert.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <string.h>

#include "ctl-util.h"
#include "matter/cert.h"

/* Far more than any certificate in any of the three forms; stops a reader
 * given /dev/zero or a disk image. */
#define MAX_INPUT_LEN (64 * 1024)

#define PEM_ARMOUR "-----BEGIN CERTIFICATE-----"

/* The labels of the text output, padded to one column. */
#define FIELD_WIDTH 20

typedef enum {
  FORMAT_TLV,
  FORMAT_DER,
  FORMAT_PEM,
} Format;

static const char *const format_names[] = {
  [FORMAT_TLV] = "tlv",
  [FORMAT_DER] = "der",
  [FORMAT_PEM] = "pem",
};

static const char *const format_labels[] = {
  [FORMAT_TLV] = N_("Matter TLV"),
  [FORMAT_DER] = N_("X.509 DER"),
  [FORMAT_PEM] = N_("X.509 PEM"),
};

/* Output names whose extension says the format. */
static const struct {
  const char *suffix;
  Format format;
} format_suffixes[] = {
  { ".tlv", FORMAT_TLV }, { ".chip", FORMAT_TLV }, { ".der", FORMAT_DER },
  { ".crt", FORMAT_DER }, { ".pem", FORMAT_PEM },
};

static const char *const role_names[] = {
  [MATTER_CERT_ROLE_NONE] = "none",
  [MATTER_CERT_ROLE_RCAC] = "rcac",
  [MATTER_CERT_ROLE_ICAC] = "icac",
  [MATTER_CERT_ROLE_NOC] = "noc",
  [MATTER_CERT_ROLE_FIRMWARE_SIGNING] = "firmware-signing",
};

/* The spec's names of the DN attributes (6.5.6.1), indexed by TLV tag. */
static const char *const dn_names[] = {
  [MATTER_CERT_DN_COMMON_NAME] = "common-name",
  [MATTER_CERT_DN_SURNAME] = "surname",
  [MATTER_CERT_DN_SERIAL_NUMBER] = "serial-num",
  [MATTER_CERT_DN_COUNTRY_NAME] = "country-name",
  [MATTER_CERT_DN_LOCALITY_NAME] = "locality-name",
  [MATTER_CERT_DN_STATE_OR_PROVINCE_NAME] = "state-or-province-name",
  [MATTER_CERT_DN_ORG_NAME] = "org-name",
  [MATTER_CERT_DN_ORG_UNIT_NAME] = "org-unit-name",
  [MATTER_CERT_DN_TITLE] = "title",
  [MATTER_CERT_DN_NAME] = "name",
  [MATTER_CERT_DN_GIVEN_NAME] = "given-name",
  [MATTER_CERT_DN_INITIALS] = "initials",
  [MATTER_CERT_DN_GEN_QUALIFIER] = "gen-qualifier",
  [MATTER_CERT_DN_DN_QUALIFIER] = "dn-qualifier",
  [MATTER_CERT_DN_PSEUDONYM] = "pseudonym",
  [MATTER_CERT_DN_DOMAIN_COMPONENT] = "domain-component",
  [MATTER_CERT_DN_NODE_ID] = "matter-node-id",
  [MATTER_CERT_DN_FIRMWARE_SIGNING_ID] = "matter-firmware-signing-id",
  [MATTER_CERT_DN_ICAC_ID] = "matter-icac-id",
  [MATTER_CERT_DN_RCAC_ID] = "matter-rcac-id",
  [MATTER_CERT_DN_FABRIC_ID] = "matter-fabric-id",
  [MATTER_CERT_DN_NOC_CAT] = "matter-noc-cat",
};

/* RFC 5280 names, indexed by KeyUsage bit. */
static const char *const key_usage_names[] = {
  "digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment", "keyAgreement",
  "keyCertSign",      "cRLSign",        "encipherOnly",    "decipherOnly",
};

/* Indexed by MatterCertKeyPurpose. */
static const char *const key_purpose_names[] = {
  [MATTER_CERT_KEY_PURPOSE_SERVER_AUTH] = "serverAuth",
  [MATTER_CERT_KEY_PURPOSE_CLIENT_AUTH] = "clientAuth",
  [MATTER_CERT_KEY_PURPOSE_CODE_SIGNING] = "codeSigning",
  [MATTER_CERT_KEY_PURPOSE_EMAIL_PROTECTION] = "emailProtection",
  [MATTER_CERT_KEY_PURPOSE_TIME_STAMPING] = "timeStamping",
  [MATTER_CERT_KEY_PURPOSE_OCSP_SIGNING] = "OCSPSigning",
};

/* A certificate as read: always held as Matter TLV, which @cert points into. */
typedef struct {
  Format format;
  guint8 tlv[MATTER_CERT_MAX_TLV_LEN];
  size_t tlv_len;
  MatterCert cert;
} Loaded;

/* "reason (MATTER_ERROR_NAME)" */
static char *
error_text(MatterError err)
{
  return g_strdup_printf("%s (%s)", matter_error_str(err), matter_error_name(err));
}

static const char *
display_name(const char *path)
{
  return g_str_equal(path, "-") ? _("standard input") : path;
}

/* ---- Times --------------------------------------------------------------- */

/* ISO 8601 in UTC, e.g. 2020-10-15T14:23:43Z. */
static char *
matter_time_string(guint32 time)
{
  g_autoptr(GDateTime) date =
      g_date_time_new_from_unix_utc((gint64) time + (gint64) MATTER_CERT_EPOCH_UNIX_OFFSET);

  return g_date_time_format(date, "%Y-%m-%dT%H:%M:%SZ");
}

static gboolean
unix_to_matter_time(gint64 unix_time, guint32 *time)
{
  gint64 matter_time = unix_time - (gint64) MATTER_CERT_EPOCH_UNIX_OFFSET;

  if (matter_time < 0 || matter_time > (gint64) G_MAXUINT32)
    return FALSE;
  *time = (guint32) matter_time;
  return TRUE;
}

/* An ISO 8601 date and time (UTC unless it says otherwise), or a bare date
 * for its midnight UTC, in Matter epoch seconds. */
static gboolean
parse_time(const char *option, const char *text, guint32 *time)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
  g_autoptr(GDateTime) date = NULL;

  if (strlen(text) == 10 && strchr(text, 'T') == NULL) {
    g_autofree char *midnight = g_strconcat(text, "T00:00:00Z", NULL);

    date = g_date_time_new_from_iso8601(midnight, utc);
  } else {
    date = g_date_time_new_from_iso8601(text, utc);
  }
  if (date == NULL) {
    md_ctl_usage_error(_("%s: '%s' is not an ISO 8601 time such as 2024-05-01T12:00:00Z"), option,
                       text);
    return FALSE;
  }
  if (!unix_to_matter_time(g_date_time_to_unix(date), time)) {
    md_ctl_usage_error(
        _("%s: %s is outside the times certificates can hold (2000-01-01 to 2136-02-07)"), option,
        text);
    return FALSE;
  }
  return TRUE;
}

/* ---- Reading and writing ------------------------------------------------- */

/* The contents of @path ("-": standard input), or NULL after saying why. */
static GBytes *
read_input(const char *path)
{
  g_autoptr(GByteArray) data = g_byte_array_new();
  gboolean from_stdin = g_str_equal(path, "-");
  FILE *file = from_stdin ? stdin : g_fopen(path, "rb");
  guint8 chunk[4096];
  size_t n;
  int saved_errno;

  if (file == NULL) {
    saved_errno = errno;
    md_ctl_usage_error(_("cannot read %s: %s"), path, g_strerror(saved_errno));
    return NULL;
  }
  while ((n = fread(chunk, 1, sizeof(chunk), file)) > 0 && data->len <= MAX_INPUT_LEN)
    g_byte_array_append(data, chunk, (guint) n);
  saved_errno = errno;
  if (ferror(file)) {
    md_ctl_usage_error(_("cannot read %s: %s"), display_name(path), g_strerror(saved_errno));
    if (!from_stdin)
      fclose(file);
    return NULL;
  }
  if (!from_stdin)
    fclose(file);
  if (data->len > MAX_INPUT_LEN) {
    md_ctl_usage_error(_("%s: too large to be a certificate"), display_name(path));
    return NULL;
  }
  return g_byte_array_free_to_bytes(g_steal_pointer(&data));
}

/* The DER inside the one CERTIFICATE block of PEM text; blocks of other
 * kinds (the certificate's key, say) are skipped. NULL after saying why. */
static GBytes *
pem_certificate(const char *name, GBytes *input)
{
  gsize len;
  const guint8 *data = g_bytes_get_data(input, &len);
  BIO *bio = BIO_new_mem_buf(data, (int) len);
  GBytes *der = NULL;
  gboolean ok = TRUE;
  char *pem_name = NULL, *header = NULL;
  unsigned char *body = NULL;
  long body_len = 0;
  unsigned long last;

  if (bio == NULL) {
    md_ctl_usage_error(_("%s: %s"), name, matter_error_str(MATTER_ERROR_NO_MEMORY));
    return NULL;
  }
  ERR_clear_error();
  while (ok && PEM_read_bio(bio, &pem_name, &header, &body, &body_len)) {
    if (strcmp(pem_name, PEM_STRING_X509) == 0) {
      if (der != NULL) {
        md_ctl_usage_error(_("%s holds more than one certificate"), name);
        ok = FALSE;
      } else {
        der = g_bytes_new(body, (gsize) body_len);
      }
    }
    OPENSSL_free(pem_name);
    OPENSSL_free(header);
    /* Other blocks may be private keys. */
    OPENSSL_clear_free(body, (size_t) body_len);
  }
  /* Running out of blocks is the normal end; anything else is bad PEM. */
  last = ERR_peek_last_error();
  if (ok && last != 0 &&
      !(ERR_GET_LIB(last) == ERR_LIB_PEM && ERR_GET_REASON(last) == PEM_R_NO_START_LINE)) {
    md_ctl_usage_error(_("%s: malformed PEM: %s"), name, ERR_reason_error_string(last));
    ok = FALSE;
  }
  ERR_clear_error();
  BIO_free(bio);
  if (ok && der == NULL) {
    md_ctl_usage_error(_("%s: malformed PEM certificate"), name);
    ok = FALSE;
  }
  if (!ok)
    g_clear_pointer(&der, g_bytes_unref);
  return der;
}

static MatterError
load_tlv(const guint8 *data, gsize len, Loaded *loaded)
{
  if (len > sizeof(loaded->tlv))
    return MATTER_ERROR_CERT_TOO_LARGE;
  memcpy(loaded->tlv, data, len);
  loaded->tlv_len = len;
  return matter_cert_decode(loaded->tlv, loaded->tlv_len, &loaded->cert);
}

static MatterError
load_der(const guint8 *data, gsize len, Loaded *loaded)
{
  MatterError err;

  err = matter_cert_der_to_tlv(data, len, loaded->tlv, sizeof(loaded->tlv), &loaded->tlv_len);
  if (err != MATTER_OK)
    return err;
  return matter_cert_decode(loaded->tlv, loaded->tlv_len, &loaded->cert);
}

/* The certificate in @path, in whichever of the three forms it is: PEM by
 * its armour, X.509 DER when it is a SEQUENCE that converts, Matter TLV
 * otherwise. NULL after saying why. */
static Loaded *
load_cert(const char *path)
{
  const char *name = display_name(path);
  g_autoptr(GBytes) input = read_input(path);
  g_autofree Loaded *loaded = NULL;
  const guint8 *data;
  gsize len;
  MatterError err;

  if (input == NULL)
    return NULL;
  loaded = g_new0(Loaded, 1);
  data = g_bytes_get_data(input, &len);
  if (len == 0) {
    md_ctl_usage_error(_("%s is empty"), name);
    return NULL;
  }
  /* PEM is text: the armour comes before any NUL byte. */
  if (g_strstr_len((const char *) data, (gssize) len, PEM_ARMOUR) != NULL) {
    g_autoptr(GBytes) der = pem_certificate(name, input);

    if (der == NULL)
      return NULL;
    loaded->format = FORMAT_PEM;
    data = g_bytes_get_data(der, &len);
    err = load_der(data, len, loaded);
    if (err != MATTER_OK) {
      md_ctl_usage_error(_("%s: not a Matter certificate in X.509 PEM: %s"), name,
                         matter_error_str(err));
      return NULL;
    }
    return g_steal_pointer(&loaded);
  }
  if (data[0] == 0x30) {
    MatterError der_err = load_der(data, len, loaded);

    if (der_err == MATTER_OK) {
      loaded->format = FORMAT_DER;
      return g_steal_pointer(&loaded);
    }
    loaded->format = FORMAT_TLV;
    if (load_tlv(data, len, loaded) == MATTER_OK)
      return g_steal_pointer(&loaded);
    /* Said of a SEQUENCE, the DER reason is the one that helps. */
    md_ctl_usage_error(_("%s: not a Matter certificate in X.509 DER: %s"), name,
                       matter_error_str(der_err));
    return NULL;
  }
  loaded->format = FORMAT_TLV;
  err = load_tlv(data, len, loaded);
  if (err == MATTER_OK)
    return g_steal_pointer(&loaded);
  /* Every Matter TLV certificate is an anonymous structure, 0x15. */
  if (data[0] == 0x15)
    md_ctl_usage_error(_("%s: not a valid Matter TLV certificate: %s"), name,
                       matter_error_str(err));
  else
    md_ctl_usage_error(_("%s: not a certificate (neither PEM, X.509 DER nor Matter TLV)"), name);
  return NULL;
}

static GBytes *
pem_encode(const guint8 *der, gsize len)
{
  BIO *bio = BIO_new(BIO_s_mem());
  GBytes *pem = NULL;
  char *text;
  long text_len;

  if (bio == NULL)
    return NULL;
  if (PEM_write_bio(bio, PEM_STRING_X509, "", der, (long) len) > 0) {
    text_len = BIO_get_mem_data(bio, &text);
    if (text_len > 0)
      pem = g_bytes_new(text, (gsize) text_len);
  }
  BIO_free(bio);
  ERR_clear_error();
  return pem;
}

/* @loaded in @format, or NULL after saying why. */
static GBytes *
encode_cert(const Loaded *loaded, Format format, const char *name)
{
  guint8 buf[MATTER_CERT_MAX_DER_LEN];
  size_t len = 0;
  MatterError err;
  GBytes *out;

  if (format == FORMAT_TLV)
    err = matter_cert_encode(&loaded->cert, buf, sizeof(buf), &len);
  else
    err = matter_cert_encode_der(&loaded->cert, buf, sizeof(buf), &len);
  if (err != MATTER_OK) {
    md_ctl_failure(_("cannot encode %s as %s: %s"), name, _(format_labels[format]),
                   matter_error_str(err));
    return NULL;
  }
  if (format != FORMAT_PEM)
    return g_bytes_new(buf, len);
  out = pem_encode(buf, len);
  if (out == NULL)
    md_ctl_failure(_("cannot encode %s as %s"), name, _(format_labels[format]));
  return out;
}

/* Writes @data to @path ("-": standard output); FALSE after saying why. */
static gboolean
write_output(const char *path, GBytes *data)
{
  gsize len;
  const char *bytes = g_bytes_get_data(data, &len);

  if (g_str_equal(path, "-")) {
    if (fwrite(bytes, 1, len, stdout) != len || fflush(stdout) != 0) {
      md_ctl_failure(_("cannot write to standard output: %s"), g_strerror(errno));
      return FALSE;
    }
    return TRUE;
  }
  return md_ctl_write_file(path, bytes, len, 0666);
}

/* ---- convert ------------------------------------------------------------- */

static gboolean
parse_format(const char *text, Format *format)
{
  for (gsize i = 0; i < G_N_ELEMENTS(format_names); i++)
    if (g_str_equal(text, format_names[i])) {
      *format = (Format) i;
      return TRUE;
    }
  md_ctl_usage_error(_("unknown format '%s' for --to (use tlv, der or pem)"), text);
  return FALSE;
}

static gboolean
format_from_name(const char *path, Format *format)
{
  g_autofree char *lower = g_ascii_strdown(path, -1);

  for (gsize i = 0; i < G_N_ELEMENTS(format_suffixes); i++)
    if (g_str_has_suffix(lower, format_suffixes[i].suffix)) {
      *format = format_suffixes[i].format;
      return TRUE;
    }
  return FALSE;
}

static int
cert_convert(int argc, char **argv)
{
  g_autofree char *to_text = NULL;
  const GOptionEntry entries[] = {
    { "to", 0, 0, G_OPTION_ARG_STRING, &to_text,
      N_("Output format: tlv, der or pem (default: from OUT's extension)"), N_("FORMAT") },
    G_OPTION_ENTRY_NULL
  };
  g_autofree Loaded *loaded = NULL;
  g_autoptr(GBytes) out = NULL;
  const char *in_path, *out_path;
  Format format;

  if (!md_ctl_parse_options(
          _("IN OUT"),
          _("Convert a certificate between Matter TLV, X.509 DER and PEM ('-' for "
            "standard input or output)."),
          entries, &argc, &argv))
    return MD_CTL_EXIT_USAGE;
  if (argc != 3)
    return md_ctl_usage_error(_("cert convert takes an input and an output file"));
  in_path = argv[1];
  out_path = argv[2];
  if (to_text != NULL) {
    if (!parse_format(to_text, &format))
      return MD_CTL_EXIT_USAGE;
  } else if (g_str_equal(out_path, "-")) {
    /* Binary goes to a terminal only when asked for by name. */
    format = FORMAT_PEM;
  } else if (!format_from_name(out_path, &format)) {
    return md_ctl_usage_error(
        _("cannot tell the format of %s from its name (.tlv, .chip, .der, .crt, "
          ".pem): use --to tlv, der or pem"),
        out_path);
  }

  loaded = load_cert(in_path);
  if (loaded == NULL)
    return MD_CTL_EXIT_USAGE;
  out = encode_cert(loaded, format, display_name(in_path));
  if (out == NULL)
    return MD_CTL_EXIT_FAILURE;
  return write_output(out_path, out) ? MD_CTL_EXIT_OK : MD_CTL_EXIT_FAILURE;
}

/* ---- show ---------------------------------------------------------------- */

/* Matter identifiers as their X.509 form writes them: upper-case hex of
 * their fixed width. */
static int
dn_hex_digits(MatterCertDnType type)
{
  switch (type) {
  case MATTER_CERT_DN_NOC_CAT:
    return 8;
  case MATTER_CERT_DN_VENDOR_ID:
  case MATTER_CERT_DN_PRODUCT_ID:
    return 4;
  default:
    return 16;
  }
}

static char *
dn_type_name(const MatterCertDnAttr *attr)
{
  const char *base = NULL;

  if (attr->type == MATTER_CERT_DN_VENDOR_ID)
    base = "matter-vendor-id";
  else if (attr->type == MATTER_CERT_DN_PRODUCT_ID)
    base = "matter-product-id";
  else if ((gsize) attr->type < G_N_ELEMENTS(dn_names))
    base = dn_names[attr->type];
  if (base == NULL)
    return g_strdup_printf("attribute-%d", (int) attr->type);
  /* The spec's TLV names mark PrintableString values with "-ps". */
  if (attr->printable && !matter_cert_dn_type_is_scalar(attr->type))
    return g_strconcat(base, "-ps", NULL);
  return g_strdup(base);
}

static char *
dn_value(const MatterCertDnAttr *attr)
{
  if (matter_cert_dn_type_is_scalar(attr->type))
    return g_strdup_printf("%0*" G_GINT64_MODIFIER "X", dn_hex_digits(attr->type), attr->value);
  return g_strndup(attr->str, attr->len);
}

/* A string value quoted, with quotes, backslashes and control characters
 * escaped so that one DN stays on one line. */
static void
append_quoted(GString *text, const char *str, size_t len)
{
  g_string_append_c(text, '"');
  for (size_t i = 0; i < len; i++) {
    guchar c = (guchar) str[i];

    if (c == '"' || c == '\\')
      g_string_append_printf(text, "\\%c", c);
    else if (c < 0x20 || c == 0x7f)
      g_string_append_printf(text, "\\x%02x", c);
    else
      g_string_append_c(text, (char) c);
  }
  g_string_append_c(text, '"');
}

/* "matter-node-id=DEDEDEDE00010001, matter-fabric-id=FAB000000000001D" */
static char *
dn_string(const MatterCertDn *dn)
{
  GString *text = g_string_new(NULL);

  for (size_t i = 0; i < dn->count; i++) {
    const MatterCertDnAttr *attr = &dn->attrs[i];
    g_autofree char *type = dn_type_name(attr);

    if (i > 0)
      g_string_append(text, ", ");
    g_string_append_printf(text, "%s=", type);
    if (matter_cert_dn_type_is_scalar(attr->type)) {
      g_autofree char *value = dn_value(attr);

      g_string_append(text, value);
    } else {
      append_quoted(text, attr->str, attr->len);
    }
  }
  return g_string_free(text, FALSE);
}

static void
add_dn(JsonBuilder *builder, const char *name, const MatterCertDn *dn)
{
  json_builder_set_member_name(builder, name);
  json_builder_begin_array(builder);
  for (size_t i = 0; i < dn->count; i++) {
    g_autofree char *type = dn_type_name(&dn->attrs[i]);
    g_autofree char *value = dn_value(&dn->attrs[i]);

    json_builder_begin_object(builder);
    md_ctl_json_add_string(builder, "type", type);
    md_ctl_json_add_string(builder, "value", value);
    json_builder_end_object(builder);
  }
  json_builder_end_array(builder);
}

static GStrv
key_usage_list(guint16 usage)
{
  g_autoptr(GStrvBuilder) list = g_strv_builder_new();

  for (guint bit = 0; bit < 16; bit++) {
    g_autofree char *unnamed = NULL;

    if (!(usage & (1u << bit)))
      continue;
    if (bit < G_N_ELEMENTS(key_usage_names)) {
      g_strv_builder_add(list, key_usage_names[bit]);
    } else {
      unnamed = g_strdup_printf("bit-%u", bit);
      g_strv_builder_add(list, unnamed);
    }
  }
  return g_strv_builder_end(list);
}

static GStrv
key_purpose_list(const MatterCert *cert)
{
  g_autoptr(GStrvBuilder) list = g_strv_builder_new();

  for (size_t i = 0; i < cert->key_purpose_count; i++) {
    guint8 purpose = cert->key_purposes[i];
    g_autofree char *unnamed = NULL;

    if (purpose < G_N_ELEMENTS(key_purpose_names) && key_purpose_names[purpose] != NULL) {
      g_strv_builder_add(list, key_purpose_names[purpose]);
    } else {
      unnamed = g_strdup_printf("purpose-%u", purpose);
      g_strv_builder_add(list, unnamed);
    }
  }
  return g_strv_builder_end(list);
}

/* A future extension's parts, read by OpenSSL from its DER Extension. */
typedef struct {
  char oid[128];
  gboolean critical;
  char *value; /* hex of extnValue's contents */
} FutureExt;

static void
future_ext_clear(FutureExt *future)
{
  g_clear_pointer(&future->value, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(FutureExt, future_ext_clear)

static void
future_ext_parse(const MatterCertExt *ext, FutureExt *future)
{
  const unsigned char *p = ext->der;
  X509_EXTENSION *x = d2i_X509_EXTENSION(NULL, &p, (long) ext->der_len);
  const ASN1_OCTET_STRING *data;

  if (x == NULL ||
      OBJ_obj2txt(future->oid, sizeof(future->oid), X509_EXTENSION_get_object(x), 1) <= 0) {
    /* The format check admits one DER Extension only, so this is a bug;
     * still say what there is. */
    g_strlcpy(future->oid, "?", sizeof(future->oid));
    future->critical = FALSE;
    future->value = md_ctl_hex(ext->der, ext->der_len);
  } else {
    future->critical = X509_EXTENSION_get_critical(x) > 0;
    data = X509_EXTENSION_get_data(x);
    future->value = md_ctl_hex(ASN1_STRING_get0_data(data), (gsize) ASN1_STRING_length(data));
  }
  X509_EXTENSION_free(x);
  ERR_clear_error();
}

/* The role the subject names and how the role rules judge it:
 * MATTER_OK, the rule broken, or MATTER_ERROR_COUNT_ for no role. */
static MatterError
role_check(const MatterCert *cert, MatterCertRole *role)
{
  *role = matter_cert_get_role(cert);
  if (*role == MATTER_CERT_ROLE_NONE)
    return MATTER_ERROR_COUNT_;
  return matter_cert_check_role(cert, *role);
}

static void
print_extensions(const MatterCert *cert)
{
  for (size_t i = 0; i < cert->ext_count; i++) {
    const MatterCertExt *ext = &cert->exts[i];

    switch (ext->kind) {
    case MATTER_CERT_EXT_BASIC_CONSTRAINTS:
      if (cert->has_path_len)
        md_ctl_print_field(FIELD_WIDTH, _("Basic constraints:"), "is-ca=%s, path-len=%u",
                           cert->is_ca ? "true" : "false", cert->path_len);
      else
        md_ctl_print_field(FIELD_WIDTH, _("Basic constraints:"), "is-ca=%s",
                           cert->is_ca ? "true" : "false");
      break;
    case MATTER_CERT_EXT_KEY_USAGE: {
      g_auto(GStrv) names = key_usage_list(cert->key_usage);
      g_autofree char *text = g_strjoinv(", ", names);

      md_ctl_print_field(FIELD_WIDTH, _("Key usage:"), "%s", text);
      break;
    }
    case MATTER_CERT_EXT_EXTENDED_KEY_USAGE: {
      g_auto(GStrv) names = key_purpose_list(cert);
      g_autofree char *text = g_strjoinv(", ", names);

      md_ctl_print_field(FIELD_WIDTH, _("Extended key usage:"), "%s", text);
      break;
    }
    case MATTER_CERT_EXT_SUBJECT_KEY_ID: {
      g_autofree char *hex = md_ctl_hex(cert->subject_key_id, MATTER_CERT_KEY_ID_LEN);

      md_ctl_print_field(FIELD_WIDTH, _("Subject key id:"), "%s", hex);
      break;
    }
    case MATTER_CERT_EXT_AUTHORITY_KEY_ID: {
      g_autofree char *hex = md_ctl_hex(cert->authority_key_id, MATTER_CERT_KEY_ID_LEN);

      md_ctl_print_field(FIELD_WIDTH, _("Authority key id:"), "%s", hex);
      break;
    }
    case MATTER_CERT_EXT_FUTURE: {
      g_auto(FutureExt) future = { 0 };

      future_ext_parse(ext, &future);
      md_ctl_print_field(FIELD_WIDTH, _("Extension:"), "%s%s %s", future.oid,
                         future.critical ? _(" (critical)") : "", future.value);
      break;
    }
    }
  }
}

static void
print_cert(const Loaded *loaded)
{
  const MatterCert *cert = &loaded->cert;
  g_autofree char *serial = md_ctl_hex(cert->serial, cert->serial_len);
  g_autofree char *issuer = dn_string(&cert->issuer);
  g_autofree char *subject = dn_string(&cert->subject);
  g_autofree char *not_before = matter_time_string(cert->not_before);
  g_autofree char *not_after = cert->not_after == MATTER_CERT_NO_EXPIRY
                                   ? g_strdup(_("no expiry"))
                                   : matter_time_string(cert->not_after);
  g_autofree char *key = md_ctl_hex(cert->public_key, MATTER_P256_PUBLIC_KEY_LEN);
  g_autofree char *signature = md_ctl_hex(cert->signature, MATTER_P256_SIGNATURE_LEN);
  MatterCertRole role;
  MatterError err = role_check(cert, &role);

  md_ctl_print_field(FIELD_WIDTH, _("Format:"), "%s", _(format_labels[loaded->format]));
  md_ctl_print_field(FIELD_WIDTH, _("Serial:"), "%s", serial);
  md_ctl_print_field(FIELD_WIDTH, _("Issuer:"), "%s", issuer);
  md_ctl_print_field(FIELD_WIDTH, _("Subject:"), "%s", subject);
  md_ctl_print_field(FIELD_WIDTH, _("Not before:"), "%s", not_before);
  md_ctl_print_field(FIELD_WIDTH, _("Not after:"), "%s", not_after);
  md_ctl_print_field(FIELD_WIDTH, _("Public key:"), "%s", key);
  print_extensions(cert);
  md_ctl_print_field(FIELD_WIDTH, _("Signature:"), "%s", signature);
  md_ctl_print_field(FIELD_WIDTH, _("Role:"), "%s", role_names[role]);
  if (err == MATTER_OK) {
    md_ctl_print_field(FIELD_WIDTH, _("Role check:"), "%s", _("ok"));
  } else if (err == MATTER_ERROR_COUNT_) {
    md_ctl_print_field(FIELD_WIDTH, _("Role check:"), "%s",
                       _("no role: the subject names no certificate type, or more than one"));
  } else {
    g_autofree char *reason = error_text(err);

    md_ctl_print_field(FIELD_WIDTH, _("Role check:"), _("fails: %s"), reason);
  }
}

static void
add_strv(JsonBuilder *builder, const char *name, char **values)
{
  json_builder_set_member_name(builder, name);
  json_builder_begin_array(builder);
  for (char **value = values; *value != NULL; value++)
    json_builder_add_string_value(builder, *value);
  json_builder_end_array(builder);
}

/* The known extensions by name (null when absent), future ones in order. */
static void
add_extensions(JsonBuilder *builder, const MatterCert *cert)
{
  gboolean has[MATTER_CERT_EXT_FUTURE + 1] = { FALSE };

  for (size_t i = 0; i < cert->ext_count; i++)
    if (cert->exts[i].kind >= MATTER_CERT_EXT_BASIC_CONSTRAINTS &&
        cert->exts[i].kind <= MATTER_CERT_EXT_FUTURE)
      has[cert->exts[i].kind] = TRUE;

  json_builder_set_member_name(builder, "extensions");
  json_builder_begin_object(builder);

  json_builder_set_member_name(builder, "basic_constraints");
  if (has[MATTER_CERT_EXT_BASIC_CONSTRAINTS]) {
    json_builder_begin_object(builder);
    json_builder_set_member_name(builder, "is_ca");
    json_builder_add_boolean_value(builder, cert->is_ca);
    json_builder_set_member_name(builder, "path_len");
    if (cert->has_path_len)
      json_builder_add_int_value(builder, cert->path_len);
    else
      json_builder_add_null_value(builder);
    json_builder_end_object(builder);
  } else {
    json_builder_add_null_value(builder);
  }

  if (has[MATTER_CERT_EXT_KEY_USAGE]) {
    g_auto(GStrv) names = key_usage_list(cert->key_usage);

    add_strv(builder, "key_usage", names);
  } else {
    md_ctl_json_add_string(builder, "key_usage", NULL);
  }
  if (has[MATTER_CERT_EXT_EXTENDED_KEY_USAGE]) {
    g_auto(GStrv) names = key_purpose_list(cert);

    add_strv(builder, "extended_key_usage", names);
  } else {
    md_ctl_json_add_string(builder, "extended_key_usage", NULL);
  }
  md_ctl_json_add_hex(builder, "subject_key_id",
                      has[MATTER_CERT_EXT_SUBJECT_KEY_ID] ? cert->subject_key_id : NULL,
                      MATTER_CERT_KEY_ID_LEN);
  md_ctl_json_add_hex(builder, "authority_key_id",
                      has[MATTER_CERT_EXT_AUTHORITY_KEY_ID] ? cert->authority_key_id : NULL,
                      MATTER_CERT_KEY_ID_LEN);

  json_builder_set_member_name(builder, "future");
  json_builder_begin_array(builder);
  for (size_t i = 0; i < cert->ext_count; i++) {
    g_auto(FutureExt) future = { 0 };

    if (cert->exts[i].kind != MATTER_CERT_EXT_FUTURE)
      continue;
    future_ext_parse(&cert->exts[i], &future);
    json_builder_begin_object(builder);
    md_ctl_json_add_string(builder, "oid", future.oid);
    json_builder_set_member_name(builder, "critical");
    json_builder_add_boolean_value(builder, future.critical);
    md_ctl_json_add_string(builder, "value", future.value);
    json_builder_end_object(builder);
  }
  json_builder_end_array(builder);

  json_builder_end_object(builder);
}

static void
print_cert_json(const Loaded *loaded)
{
  const MatterCert *cert = &loaded->cert;
  g_autoptr(JsonBuilder) builder = json_builder_new();
  g_autofree char *not_before = matter_time_string(cert->not_before);
  g_autofree char *not_after =
      cert->not_after == MATTER_CERT_NO_EXPIRY ? NULL : matter_time_string(cert->not_after);
  MatterCertRole role;
  MatterError err = role_check(cert, &role);
  gboolean known_error = err != MATTER_OK && err != MATTER_ERROR_COUNT_;

  json_builder_begin_object(builder);
  md_ctl_json_add_string(builder, "format", format_names[loaded->format]);
  md_ctl_json_add_hex(builder, "serial", cert->serial, cert->serial_len);
  add_dn(builder, "issuer", &cert->issuer);
  add_dn(builder, "subject", &cert->subject);
  md_ctl_json_add_string(builder, "not_before", not_before);
  md_ctl_json_add_string(builder, "not_after", not_after);
  md_ctl_json_add_hex(builder, "public_key", cert->public_key, MATTER_P256_PUBLIC_KEY_LEN);
  add_extensions(builder, cert);
  md_ctl_json_add_hex(builder, "signature", cert->signature, MATTER_P256_SIGNATURE_LEN);
  md_ctl_json_add_string(builder, "role", role_names[role]);
  json_builder_set_member_name(builder, "role_valid");
  json_builder_add_boolean_value(builder, err == MATTER_OK);
  md_ctl_json_add_string(builder, "role_error", known_error ? matter_error_name(err) : NULL);
  md_ctl_json_add_string(builder, "role_reason", known_error ? matter_error_str(err) : NULL);
  json_builder_end_object(builder);
  md_ctl_print_json(builder);
}

static int
cert_show(int argc, char **argv)
{
  gboolean json = FALSE;
  const GOptionEntry entries[] = { { "json", 0, 0, G_OPTION_ARG_NONE, &json,
                                     N_("Print one JSON object"), NULL },
                                   G_OPTION_ENTRY_NULL };
  g_autofree Loaded *loaded = NULL;

  if (!md_ctl_parse_options(
          _("FILE"),
          _("Print the fields of a certificate in Matter TLV, X.509 DER or PEM ('-' "
            "for standard input)."),
          entries, &argc, &argv))
    return MD_CTL_EXIT_USAGE;
  if (argc != 2)
    return md_ctl_usage_error(_("cert show takes one certificate file"));
  loaded = load_cert(argv[1]);
  if (loaded == NULL)
    return MD_CTL_EXIT_USAGE;
  if (json)
    print_cert_json(loaded);
  else
    print_cert(loaded);
  return MD_CTL_EXIT_OK;
}

/* ---- validate ------------------------------------------------------------ */

static const char *const time_source_names[] = {
  [MATTER_CERT_TIME_UNKNOWN] = "unknown",
  [MATTER_CERT_TIME_CURRENT] = "current",
  [MATTER_CERT_TIME_LAST_KNOWN_GOOD] = "last-known-good",
};

static char *
cat_list(const MatterCertChainInfo *info)
{
  GString *text = g_string_new(NULL);

  for (size_t i = 0; i < info->cat_count; i++)
    g_string_append_printf(text, "%s%08X", i > 0 ? ", " : "", info->cats[i]);
  if (text->len == 0)
    g_string_append(text, _("none"));
  return g_string_free(text, FALSE);
}

static void
print_validation_json(MatterError err, const MatterCertChainInfo *info, MatterCertTimeSource source,
                      const char *time)
{
  g_autoptr(JsonBuilder) builder = json_builder_new();

  json_builder_begin_object(builder);
  json_builder_set_member_name(builder, "valid");
  json_builder_add_boolean_value(builder, err == MATTER_OK);
  md_ctl_json_add_string(builder, "error", err != MATTER_OK ? matter_error_name(err) : NULL);
  md_ctl_json_add_string(builder, "reason", err != MATTER_OK ? matter_error_str(err) : NULL);
  md_ctl_json_add_string(builder, "time", time);
  md_ctl_json_add_string(builder, "time_source", time_source_names[source]);
  if (err == MATTER_OK) {
    g_autofree char *fabric = g_strdup_printf("%016" G_GINT64_MODIFIER "X", info->fabric_id);
    g_autofree char *node = g_strdup_printf("%016" G_GINT64_MODIFIER "X", info->node_id);

    md_ctl_json_add_string(builder, "fabric_id", fabric);
    md_ctl_json_add_string(builder, "node_id", node);
    json_builder_set_member_name(builder, "cats");
    json_builder_begin_array(builder);
    for (size_t i = 0; i < info->cat_count; i++) {
      g_autofree char *cat = g_strdup_printf("%08X", info->cats[i]);

      json_builder_add_string_value(builder, cat);
    }
    json_builder_end_array(builder);
    md_ctl_json_add_hex(builder, "root_public_key", info->root_public_key,
                        sizeof(info->root_public_key));
    md_ctl_json_add_hex(builder, "noc_public_key", info->noc_public_key,
                        sizeof(info->noc_public_key));
  }
  json_builder_end_object(builder);
  md_ctl_print_json(builder);
}

static void
print_validation(MatterError err, const MatterCertChainInfo *info, MatterCertTimeSource source,
                 const char *time)
{
  g_autofree char *cats = NULL, *root_key = NULL, *noc_key = NULL;

  if (err != MATTER_OK) {
    g_autofree char *reason = error_text(err);

    g_print(_("invalid: %s\n"), reason);
    return;
  }
  cats = cat_list(info);
  root_key = md_ctl_hex(info->root_public_key, sizeof(info->root_public_key));
  noc_key = md_ctl_hex(info->noc_public_key, sizeof(info->noc_public_key));
  g_print("%s\n", _("valid"));
  md_ctl_print_field(FIELD_WIDTH, _("Fabric ID:"), "%016" G_GINT64_MODIFIER "X", info->fabric_id);
  md_ctl_print_field(FIELD_WIDTH, _("Node ID:"), "%016" G_GINT64_MODIFIER "X", info->node_id);
  md_ctl_print_field(FIELD_WIDTH, _("CATs:"), "%s", cats);
  md_ctl_print_field(FIELD_WIDTH, _("Root public key:"), "%s", root_key);
  md_ctl_print_field(FIELD_WIDTH, _("NOC public key:"), "%s", noc_key);
  if (source == MATTER_CERT_TIME_LAST_KNOWN_GOOD)
    md_ctl_print_field(FIELD_WIDTH, _("Checked at:"), _("%s (last known good time)"), time);
  else
    md_ctl_print_field(FIELD_WIDTH, _("Checked at:"), "%s", time);
}

static int
cert_validate(int argc, char **argv)
{
  g_autofree char *rcac_path = NULL, *icac_path = NULL, *noc_path = NULL;
  g_autofree char *time_text = NULL, *lkg_text = NULL;
  gboolean json = FALSE;
  const GOptionEntry entries[] = {
    { "rcac", 0, 0, G_OPTION_ARG_FILENAME, &rcac_path, N_("Root CA certificate (required)"),
      N_("FILE") },
    { "icac", 0, 0, G_OPTION_ARG_FILENAME, &icac_path, N_("Intermediate CA certificate"),
      N_("FILE") },
    { "noc", 0, 0, G_OPTION_ARG_FILENAME, &noc_path, N_("Node operational certificate (required)"),
      N_("FILE") },
    { "time", 0, 0, G_OPTION_ARG_STRING, &time_text,
      N_("Check validity periods at this time (default: now)"), N_("ISO8601") },
    { "last-known-good", 0, 0, G_OPTION_ARG_STRING, &lkg_text,
      N_("Check expiry only, against a Last Known Good UTC Time"), N_("ISO8601") },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_("Print one JSON object"), NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autofree Loaded *rcac = NULL, *icac = NULL, *noc = NULL;
  g_autofree char *time_string = NULL;
  MatterCertTimeSource source = MATTER_CERT_TIME_CURRENT;
  MatterCertChainInfo info = { 0 };
  guint32 time;
  MatterError err;

  if (!md_ctl_parse_options(
          NULL,
          _("Validate an operational certificate chain RCAC -> [ICAC ->] NOC; each "
            "file in Matter TLV, X.509 DER or PEM."),
          entries, &argc, &argv))
    return MD_CTL_EXIT_USAGE;
  if (argc > 1)
    return md_ctl_usage_error(_("cert validate takes options only, not '%s'"), argv[1]);
  if (rcac_path == NULL)
    return md_ctl_usage_error(_("cert validate needs --rcac"));
  if (noc_path == NULL)
    return md_ctl_usage_error(_("cert validate needs --noc"));
  if (time_text != NULL && lkg_text != NULL)
    return md_ctl_usage_error(_("--time and --last-known-good exclude each other"));
  if (time_text != NULL) {
    if (!parse_time("--time", time_text, &time))
      return MD_CTL_EXIT_USAGE;
  } else if (lkg_text != NULL) {
    if (!parse_time("--last-known-good", lkg_text, &time))
      return MD_CTL_EXIT_USAGE;
    source = MATTER_CERT_TIME_LAST_KNOWN_GOOD;
  } else if (!unix_to_matter_time(g_get_real_time() / G_USEC_PER_SEC, &time)) {
    return md_ctl_usage_error(_("the system clock is outside the times certificates can hold; use "
                                "--time or --last-known-good"));
  }

  rcac = load_cert(rcac_path);
  if (rcac == NULL)
    return MD_CTL_EXIT_USAGE;
  if (icac_path != NULL) {
    icac = load_cert(icac_path);
    if (icac == NULL)
      return MD_CTL_EXIT_USAGE;
  }
  noc = load_cert(noc_path);
  if (noc == NULL)
    return MD_CTL_EXIT_USAGE;

  err = matter_cert_chain_validate(rcac->tlv, rcac->tlv_len, icac != NULL ? icac->tlv : NULL,
                                   icac != NULL ? icac->tlv_len : 0, noc->tlv, noc->tlv_len, source,
                                   time, &info);
  time_string = matter_time_string(time);
  if (json)
    print_validation_json(err, &info, source, time_string);
  else
    print_validation(err, &info, source, time_string);
  return err == MATTER_OK ? MD_CTL_EXIT_OK : MD_CTL_EXIT_FAILURE;
}

/* ---- dispatch ------------------------------------------------------------ */

static const MdCtlCommand subcommands[] = {
  { "convert", cert_convert, N_("Convert a certificate between Matter TLV, X.509 DER and PEM") },
  { "show", cert_show, N_("Print the fields of a certificate") },
  { "validate", cert_validate, N_("Validate an operational chain RCAC -> [ICAC ->] NOC") },
};

int
md_ctl_cert_run(int argc, char **argv)
{
  return md_ctl_run_command("cert", _("convert, show or validate"), subcommands,
                            G_N_ELEMENTS(subcommands), argc, argv);
}
