/* SPDX-License-Identifier: Apache-2.0 */
/* The root endpoint's clusters on a real node (in-memory storage,
 * development attestation credentials, no sockets), driven through its
 * Interaction Model engine as a commissioner would drive them: every
 * command and every attribute write of Descriptor, Access Control, Basic
 * Information, General and Network Commissioning, General Diagnostics,
 * Administrator Commissioning, Operational Credentials and Group Key
 * Management gets fields the fuzzer made up. A fresh node per input, its
 * commissioning window open and a PASE session of that window to talk on
 * (TCP, so no acknowledgements are awaited); then time runs out, so the
 * fail-safe and the window expire. Nothing may crash, leak, read out of
 * bounds, do anything undefined or log a critical (FUZZ_VERBOSE=1 shows
 * the node's log, to follow what an input does).
 *
 * Input: up to OPS_MAX operations separated by "MTR|", in order, each a
 * kind byte and what that kind takes (bytes missing at the end read as
 * zero):
 *
 *   kind % 10  what                 then
 *   0 invoke   InvokeRequest        cluster, command, fields (one TLV element)
 *   1 write    WriteRequest         cluster, attribute, TLV elements: the
 *                                   first replaces the value, each one
 *                                   after it is appended (a list written
 *                                   item by item, in one message)
 *   2 append   WriteRequest         cluster, attribute, TLV elements, each
 *                                   appended
 *   3 read     ReadRequest          cluster, fabric filtered (bit 0): every
 *                                   attribute of it, each chunk of the
 *                                   report acknowledged
 *   4 root     AddTrustedRootCertificate with the harness CA's RCAC
 *   5 noc      AddNOC (flags bit 0 clear) or UpdateNOC (set) with a NOC the
 *              harness CA issues for the key of the last CSRRequest:
 *              flags, fabric id offset (1 byte), node id (8, little
 *              endian), CaseAdminSubject (8), AdminVendorId (2), IPK (16)
 *   6 session  a new secure session to go on with: kind (bit 0: CASE, else
 *              PASE), fabric index, peer node id (8), one CAT (4, 0: none);
 *              CASE only on a fabric the node has, PASE on none and
 *              only while the commissioning window is open
 *   7 time     seconds to let pass (2, little endian), then the node's and
 *              the exchanges' timers run
 *   8 fault    the storage's n-th call from now fails (1 byte; 0: none)
 *   9 restart  the node stops without warning and starts again on the same
 *              storage (what it committed is all it finds), with a new
 *              PASE session if it opens its window (on no fabric)
 *
 * Bit 0x80 of the kind byte makes an invoke or a write timed (a
 * TimedRequest first, on the same exchange). A cluster is picked by index
 * among the root endpoint's, a command among its class's commands and an
 * attribute among its writable ones, so that no input is spent on ids
 * that do not exist. Fields that are not one well-formed TLV element
 * cannot be sent: the engine only ever sees whole messages. The harness
 * CA's operations let sequences such as ArmFailSafe, CSRRequest, root,
 * noc, a CASE session of the new fabric and CommissioningComplete reach
 * the states behind them, whose key pairs are new on each run. */

#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "clusters/clusters.h"
#include "commissioning.h"
#include "matter/cert.h"
#include "matter/im-engine.h"
#include "matter/payload.h"
#include "md-test-ca.h"
#include "md-test-storage.h"
#include "node.h"
#include "pase-server.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__ubsan_default_options(void);

/* Undefined behaviour is a finding like a crash: stop at the first, with
 * its input saved, rather than report it and go on. */
const char *
__ubsan_default_options(void)
{
  return "halt_on_error=1:print_stacktrace=1";
}

#define require(cond) \
  do {                \
    if (!(cond))      \
      abort();        \
  } while (0)

#define SEPARATOR "MTR|"
#define OPS_MAX 16
#define CHUNKS_MAX 8
#define CLUSTER_OPERATIONAL_CREDENTIALS 0x003E
#define CMD_ADD_NOC 0x06
#define CMD_UPDATE_NOC 0x07
#define CMD_ADD_TRUSTED_ROOT 0x0B
#define CA_FABRIC_ID G_GUINT64_CONSTANT(0xFAB000000000001D)
#define START_MS 1000
#define PASSCODE 20202021

enum {
  OP_INVOKE,
  OP_WRITE,
  OP_APPEND,
  OP_READ,
  OP_ROOT,
  OP_NOC,
  OP_SESSION,
  OP_TIME,
  OP_FAULT,
  OP_RESTART,
  OP_KINDS,
};
#define OP_TIMED 0x80

/* What lasts for the whole run: the files of the development credentials,
 * the harness CA and the passcode's verifier. */
static GBytes *dac, *pai, *dac_key, *cd;
static MdTestCa *ca;
static MdPaseVerifier verifier;

typedef struct {
  guint64 now;
  MdTestStorage *storage;
  MatterSession secure[MD_NODE_HANDSHAKES_MAX + 8];
  MatterSession unsecured[2];
  MatterSessionTable sessions;
  MatterExchange slots[8];
  MatterExchangeManager exchanges;
  MdNode *node;
  MatterSession *session; /* the one operations go on */
  uint32_t counter;
  uint16_t exchange_id;
  uint8_t message[MATTER_MESSAGE_MAX];
  uint8_t payload[MATTER_IM_PAYLOAD_MAX];
} Fuzz;

/* An operation's bytes after its kind; those past the end read as 0. */
typedef struct {
  const uint8_t *data;
  size_t len;
} Args;

static uint8_t
arg_u8(const Args *a, size_t at)
{
  return at < a->len ? a->data[at] : 0;
}

static uint64_t
arg_le(const Args *a, size_t at, unsigned n)
{
  uint64_t v = 0;

  for (unsigned i = 0; i < n; i++)
    v |= (uint64_t) arg_u8(a, at + i) << (8 * i);
  return v;
}

static Args
arg_rest(const Args *a, size_t at)
{
  return at < a->len ? (Args) { a->data + at, a->len - at } : (Args) { NULL, 0 };
}

/* ---- The run's fixtures ---- */

/* Criticals are bugs (a broken precondition) and abort; the warnings and
 * messages that bad input earns are expected, and dropped unless
 * FUZZ_VERBOSE is set (to follow what an input does). */
static gboolean verbose;

static GLogWriterOutput
log_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  gboolean critical = (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)) != 0;

  if (critical || verbose)
    g_log_writer_standard_streams(level, fields, n_fields, user_data);
  if (critical)
    abort();
  return G_LOG_WRITER_HANDLED;
}

static GBytes *
read_dev_file(const char *name)
{
  g_autofree char *path = g_build_filename(FUZZ_DEV_ATTESTATION_DIR, name, NULL);
  char *contents = NULL;
  gsize len = 0;

  require(g_file_get_contents(path, &contents, &len, NULL));
  return g_bytes_new_take(contents, len);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
  verbose = g_getenv("FUZZ_VERBOSE") != NULL;
  g_log_set_always_fatal(G_LOG_FATAL_MASK);
  g_log_set_writer_func(log_writer, NULL, NULL);
  dac = read_dev_file("dac-cert.der");
  pai = read_dev_file("pai-cert.der");
  dac_key = read_dev_file("dac-key.pem");
  cd = read_dev_file("cd.der");
  ca = md_test_ca_new(CA_FABRIC_ID);
  verifier.salt_len = sizeof(verifier.salt);
  memset(verifier.salt, 0x5A, sizeof(verifier.salt));
  verifier.iterations = MD_PASE_ITERATIONS;
  require(matter_payload_compute_verifier(PASSCODE, verifier.salt, verifier.salt_len,
                                          verifier.iterations, verifier.w0,
                                          verifier.L) == MATTER_OK);
  return 0;
}

static void
put_blob(const MdNodeStorage *storage, const char *key, const guint8 *data, gsize len)
{
  g_autoptr(GBytes) bytes = g_bytes_new(data, len);

  require(md_node_storage_put_bytes(storage, key, bytes, NULL));
}

/* The verifier as a node stores it at its first start (the keys of
 * commissioning.c), so that each node starts as on a restart: a PBKDF2
 * per input would take most of the time. */
static void
store_verifier(const MdNodeStorage *storage)
{
  require(md_node_storage_put_uint64(storage, "commissioning/passcode", PASSCODE, NULL));
  require(md_node_storage_put_uint64(storage, "commissioning/iterations", verifier.iterations,
                                     NULL));
  put_blob(storage, "commissioning/salt", verifier.salt, verifier.salt_len);
  put_blob(storage, "commissioning/w0", verifier.w0, sizeof(verifier.w0));
  put_blob(storage, "commissioning/L", verifier.L, sizeof(verifier.L));
}

/* The run's one set of credentials: parsing them is most of what making
 * a node costs, and they are read-only once made. The target is linked
 * with --wrap=md_attestation_creds_free, so that freeing a node keeps
 * them for the next. */
static MdAttestationCreds *shared_creds;

void __real_md_attestation_creds_free(MdAttestationCreds *creds);
void __wrap_md_attestation_creds_free(MdAttestationCreds *creds);

void
__wrap_md_attestation_creds_free(MdAttestationCreds *creds)
{
  if (creds != shared_creds)
    __real_md_attestation_creds_free(creds);
}

static MdAttestationCreds *
dev_attestation(void)
{
  MdAttestationFiles files = {
    .dac = dac,
    .pai = pai,
    .dac_key = dac_key,
    .cd = cd,
    .dac_name = "dac",
    .pai_name = "pai",
    .dac_key_name = "key",
    .cd_name = "cd",
    .origin = "fuzz",
    .development = TRUE,
  };

  if (shared_creds == NULL)
    shared_creds = md_attestation_creds_new(&files, 0xFFF1, 0x8000, NULL);
  require(shared_creds != NULL);
  return shared_creds;
}

static MatterError
discard(void *user_data, const MatterSession *session, const uint8_t *msg, size_t len)
{
  return MATTER_OK;
}

static MatterSession *
open_session(Fuzz *f, MatterSessionKind kind, uint8_t fabric_index, uint64_t peer_node_id,
             uint32_t cat)
{
  MatterSessionSetup setup = {
    .kind = kind,
    .role = MATTER_SESSION_ROLE_RESPONDER,
    .peer_session_id = 100,
    .fabric_index = fabric_index,
    .peer_node_id = peer_node_id,
    .peer_cats = { cat },
    .peer_address = { .transport = MATTER_TRANSPORT_TCP, .len = 1 },
  };
  MatterSession *session = NULL;

  memset(setup.attestation_challenge, 0xA5, sizeof(setup.attestation_challenge));
  if (matter_session_table_allocate(&f->sessions, f->now, &session) != MATTER_OK ||
      matter_session_activate(&f->sessions, session, &setup, f->now) != MATTER_OK)
    return NULL;
  return session;
}

/* The host's interface as the daemon would report it, so that Network
 * Commissioning and General Diagnostics have one to show. */
static void
set_interfaces(MdNode *node)
{
  MdNetworkInterfaceSnapshot eth0 = {
    .name = "eth0",
    .is_operational = TRUE,
    .hardware_address = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 },
    .hardware_address_len = 6,
    .ipv4 = { { 192, 0, 2, 1 } },
    .ipv4_count = 1,
    .ipv6 = { { 0xfe, 0x80, [15] = 1 } },
    .ipv6_count = 1,
    .type = MD_INTERFACE_TYPE_ETHERNET,
  };

  md_node_set_network_interface(node, "eth0", TRUE);
  md_node_set_network_interfaces(node, &eth0, 1);
}

static gboolean
window_open(Fuzz *f)
{
  return md_commissioning_get_window(md_node_get_commissioning(f->node)) != MD_WINDOW_CLOSED;
}

/* A node on @f's storage, started, and a PASE session to talk to it on:
 * the one of its window, when it opens one (a node on no fabric). */
static void
start_node(Fuzz *f)
{
  static const MatterExchangeCallbacks callbacks = { .send = discard };
  MdNodeParams params = {
    .vendor_id = 0xFFF1,
    .product_id = 0x8000,
    .supported_fabrics = 5,
    .window_timeout = 900,
    .has_passcode = TRUE,
    .passcode = PASSCODE,
    /* The strings the daemon always has (the others are optional). */
    .basic = { .vendor_name = "matterd", .product_name = "fuzz node",
               .hardware_version_string = "0", .software_version = 1,
               .software_version_string = "0.1.0" },
  };

  require(matter_session_table_init(&f->sessions, f->secure, G_N_ELEMENTS(f->secure),
                                    f->unsecured, G_N_ELEMENTS(f->unsecured), NULL) == MATTER_OK);
  require(matter_exchange_manager_init(&f->exchanges, &f->sessions, f->slots,
                                       G_N_ELEMENTS(f->slots), &callbacks, f, NULL) == MATTER_OK);
  f->node = md_node_new(&params, md_test_storage_get(f->storage), dev_attestation(), &f->exchanges,
                        &f->sessions, NULL, NULL, NULL);
  require(f->node != NULL);
  set_interfaces(f->node);
  md_node_start(f->node, f->now);
  f->session = NULL;
  if (window_open(f)) {
    f->session = open_session(f, MATTER_SESSION_KIND_PASE, 0, 0, 0);
    require(f->session != NULL);
  }
}

static void
stop_node(Fuzz *f)
{
  md_node_free(f->node);
  matter_session_table_clear(&f->sessions);
}

static void
fuzz_start(Fuzz *f)
{
  f->now = START_MS;
  f->counter = 1;
  f->storage = md_test_storage_new();
  store_verifier(md_test_storage_get(f->storage));
  start_node(f);
}

static void
fuzz_stop(Fuzz *f)
{
  stop_node(f);
  md_test_storage_free(f->storage);
}

/* ---- Messages to the node ---- */

static void
deliver(Fuzz *f, uint16_t exchange_id, uint8_t opcode, const uint8_t *payload, size_t len)
{
  MatterProtocolHeader protocol = {
    .exchange_flags = MATTER_EXCHANGE_FLAG_I,
    .exchange_id = exchange_id,
    .protocol_id = MATTER_PROTOCOL_INTERACTION_MODEL,
    .opcode = opcode,
  };
  MatterMessageHeader header = {
    .security_flags = MATTER_SESSION_TYPE_UNICAST,
    .counter = f->counter++,
  };
  size_t protocol_len;

  require(matter_protocol_header_encode(&protocol, f->message, sizeof(f->message),
                                        &protocol_len) == MATTER_OK);
  if (len > sizeof(f->message) - protocol_len)
    return;
  memcpy(f->message + protocol_len, payload, len);
  matter_exchange_manager_receive(&f->exchanges, f->session, &header, f->message,
                                  protocol_len + len, f->now);
}

/* A new exchange for an action; timed ones begin with a TimedRequest. */
static uint16_t
begin_action(Fuzz *f, bool timed)
{
  uint16_t exchange_id = ++f->exchange_id;
  uint8_t timed_request[16];
  size_t len;

  if (timed) {
    require(matter_im_timed_request_encode(5000, timed_request, sizeof(timed_request), &len) ==
            MATTER_OK);
    deliver(f, exchange_id, MATTER_IM_OPCODE_TIMED_REQUEST, timed_request, len);
  }
  return exchange_id;
}

static void
invoke(Fuzz *f, bool timed, uint32_t cluster, uint32_t command, const uint8_t *fields,
       size_t fields_len)
{
  MatterImCommandData cmd = {
    .path = { .has_endpoint = true, .endpoint = 0, .cluster = cluster, .command = command },
    .has_fields = fields_len > 0,
    .fields = { fields, fields_len },
  };
  uint16_t exchange_id = begin_action(f, timed);
  size_t len;

  if (matter_im_invoke_request_encode(false, timed, &cmd, 1, f->payload, sizeof(f->payload),
                                      &len) != MATTER_OK)
    return;
  deliver(f, exchange_id, MATTER_IM_OPCODE_INVOKE_REQUEST, f->payload, len);
}

/* One WriteRequest of @values' elements to one attribute, the first a
 * replace unless @append_only. */
static void
write_values(Fuzz *f, bool timed, uint32_t cluster, uint32_t attribute, Args values,
             bool append_only)
{
  MatterImAttributeData writes[MATTER_IM_WRITES_MAX];
  MatterTlvReader r;
  size_t count = 0, len;
  uint16_t exchange_id;

  matter_tlv_reader_init(&r, values.data, values.len);
  while (count < G_N_ELEMENTS(writes) && matter_tlv_next(&r) == MATTER_OK) {
    MatterImAttributeData *w = &writes[count];

    *w = (MatterImAttributeData) {
      .path = { .has_endpoint = true, .endpoint = 0, .has_cluster = true, .cluster = cluster,
                .has_attribute = true, .attribute = attribute,
                .list_index_kind = append_only || count > 0 ? MATTER_IM_LIST_INDEX_APPEND
                                                            : MATTER_IM_LIST_INDEX_NONE },
    };
    if (matter_tlv_get_element(&r, &w->data.tlv, &w->data.len) != MATTER_OK)
      break;
    count++;
  }
  if (count == 0)
    return;
  exchange_id = begin_action(f, timed);
  if (matter_im_write_request_encode(false, timed, writes, count, false, f->payload,
                                     sizeof(f->payload), &len) != MATTER_OK)
    return;
  deliver(f, exchange_id, MATTER_IM_OPCODE_WRITE_REQUEST, f->payload, len);
}

/* Every attribute of @cluster, with a StatusResponse for each chunk, as
 * a client reads a report that does not fit one message. */
static void
read_cluster(Fuzz *f, uint32_t cluster, bool fabric_filtered)
{
  MatterImReadRequest request = {
    .has_attribute_requests = true,
    .attribute_path_count = 1,
    .attribute_paths = { { .has_endpoint = true, .endpoint = 0, .has_cluster = true,
                           .cluster = cluster } },
    .fabric_filtered = fabric_filtered,
  };
  uint16_t exchange_id = ++f->exchange_id;
  uint8_t ack[16];
  size_t len, ack_len;

  require(matter_im_read_request_encode(&request, f->payload, sizeof(f->payload), &len) ==
          MATTER_OK);
  deliver(f, exchange_id, MATTER_IM_OPCODE_READ_REQUEST, f->payload, len);
  require(matter_im_status_response_encode(MATTER_IM_STATUS_SUCCESS, ack, sizeof(ack),
                                           &ack_len) == MATTER_OK);
  for (int i = 0; i < CHUNKS_MAX && matter_exchange_manager_count(&f->exchanges, f->session) > 0;
       i++)
    deliver(f, exchange_id, MATTER_IM_OPCODE_STATUS_RESPONSE, ack, ack_len);
}

/* ---- The harness CA's commissioning steps ---- */

static void
add_trusted_root(Fuzz *f, bool timed)
{
  uint8_t fields[MATTER_CERT_MAX_TLV_LEN + 16];
  MatterTlvWriter w;
  size_t len;

  matter_tlv_writer_init(&w, fields, sizeof(fields));
  matter_tlv_start_structure(&w, matter_tlv_tag_anonymous());
  matter_tlv_put_bytes(&w, matter_tlv_tag_context(0), g_bytes_get_data(ca->rcac, NULL),
                       g_bytes_get_size(ca->rcac));
  matter_tlv_end_container(&w);
  require(matter_tlv_writer_finish(&w, &len) == MATTER_OK);
  invoke(f, timed, CLUSTER_OPERATIONAL_CREDENTIALS, CMD_ADD_TRUSTED_ROOT, fields, len);
}

/* The public key of the node's last CSRRequest, or the CA's own when it
 * made none (the node answers MissingCsr before looking at the NOC). */
static void
csr_public_key(Fuzz *f, guint8 key[MATTER_P256_PUBLIC_KEY_LEN])
{
  MatterDmCluster *cluster =
      matter_dm_find_cluster(md_node_get_dm(f->node), 0, CLUSTER_OPERATIONAL_CREDENTIALS);
  const MdOperationalCredentials *oc = cluster->state;

  if (oc->csr_key == NULL || matter_p256_export_public(oc->csr_key, key) != MATTER_OK)
    memcpy(key, ca->public_key, MATTER_P256_PUBLIC_KEY_LEN);
}

static void
add_or_update_noc(Fuzz *f, bool timed, const Args *a)
{
  bool update = arg_u8(a, 0) & 1;
  guint64 fabric_id = CA_FABRIC_ID + arg_u8(a, 1);
  guint8 key[MATTER_P256_PUBLIC_KEY_LEN], ipk[MATTER_AES128_KEY_LEN];
  uint8_t fields[MATTER_CERT_MAX_TLV_LEN + 64];
  g_autoptr(GBytes) noc = NULL;
  MatterTlvWriter w;
  size_t len;

  csr_public_key(f, key);
  noc = md_test_ca_issue_noc(ca, key, arg_le(a, 2, 8), fabric_id, NULL, 0);
  for (size_t i = 0; i < sizeof(ipk); i++)
    ipk[i] = arg_u8(a, 20 + i);
  matter_tlv_writer_init(&w, fields, sizeof(fields));
  matter_tlv_start_structure(&w, matter_tlv_tag_anonymous());
  matter_tlv_put_bytes(&w, matter_tlv_tag_context(0), g_bytes_get_data(noc, NULL),
                       g_bytes_get_size(noc));
  if (!update) {
    matter_tlv_put_bytes(&w, matter_tlv_tag_context(2), ipk, sizeof(ipk));
    matter_tlv_put_uint(&w, matter_tlv_tag_context(3), arg_le(a, 10, 8));
    matter_tlv_put_uint(&w, matter_tlv_tag_context(4), arg_le(a, 18, 2));
  }
  matter_tlv_end_container(&w);
  require(matter_tlv_writer_finish(&w, &len) == MATTER_OK);
  invoke(f, timed, CLUSTER_OPERATIONAL_CREDENTIALS, update ? CMD_UPDATE_NOC : CMD_ADD_NOC, fields,
         len);
}

/* ---- Operations ---- */

static MatterDmCluster *
pick_cluster(Fuzz *f, uint8_t index)
{
  const MatterDmEndpoint *root = matter_dm_find_endpoint(md_node_get_dm(f->node), 0);

  return root->clusters[index % root->cluster_count];
}

/* The @index-th writable attribute of @cls (modulo their number); FALSE
 * when it has none. */
static gboolean
pick_writable(const MatterDmClass *cls, uint8_t index, uint32_t *attribute)
{
  size_t writable = 0, n;

  for (size_t i = 0; i < cls->attribute_count; i++)
    writable += cls->attributes[i].write_privilege != 0;
  if (writable == 0)
    return FALSE;
  n = index % writable;
  for (size_t i = 0; i < cls->attribute_count; i++) {
    if (cls->attributes[i].write_privilege == 0)
      continue;
    if (n-- == 0) {
      *attribute = cls->attributes[i].id;
      break;
    }
  }
  return TRUE;
}

/* Lets @ms pass: due timers run. */
static void
advance(Fuzz *f, guint64 ms)
{
  f->now += ms;
  matter_exchange_manager_process(&f->exchanges, f->now);
  md_node_process(f->node, f->now);
}

/* PASE only ever runs in a commissioning window and begins on no
 * fabric; CASE only on a fabric the node has (committed, or the one the
 * fail-safe holds). */
static void
new_session(Fuzz *f, const Args *a)
{
  gboolean is_case = arg_u8(a, 0) & 1;
  guint8 fabric_index = is_case ? arg_u8(a, 1) : 0;
  MatterSession *session;

  if (is_case ? md_fabric_table_get(md_node_get_fabrics(f->node), fabric_index) == NULL
              : !window_open(f))
    return;
  session = open_session(f, is_case ? MATTER_SESSION_KIND_CASE : MATTER_SESSION_KIND_PASE,
                         fabric_index, is_case ? arg_le(a, 2, 8) : 0,
                         is_case ? (uint32_t) arg_le(a, 10, 4) : 0);
  if (session != NULL)
    f->session = session;
}

static void
run_op(Fuzz *f, const uint8_t *data, size_t len)
{
  Args a = { data + 1, len - 1 };
  bool timed = data[0] & OP_TIMED;
  unsigned kind = (data[0] & ~OP_TIMED) % OP_KINDS;
  const MatterDmClass *cls = pick_cluster(f, arg_u8(&a, 0))->cls;
  Args rest = arg_rest(&a, 2);
  uint32_t attribute;

  /* Nothing reaches the node on a session that ended (the fail-safe's
   * expiry and CommissioningComplete end PASE sessions), or before there
   * is one. */
  if (kind <= OP_NOC && (f->session == NULL || f->session->state != MATTER_SESSION_ACTIVE))
    return;
  switch (kind) {
  case OP_INVOKE:
    if (cls->command_count > 0)
      invoke(f, timed, cls->id, cls->commands[arg_u8(&a, 1) % cls->command_count].id, rest.data,
             rest.len);
    break;
  case OP_WRITE:
  case OP_APPEND:
    if (pick_writable(cls, arg_u8(&a, 1), &attribute))
      write_values(f, timed, cls->id, attribute, rest, kind == OP_APPEND);
    break;
  case OP_READ:
    read_cluster(f, cls->id, arg_u8(&a, 1) & 1);
    break;
  case OP_ROOT:
    add_trusted_root(f, timed);
    break;
  case OP_NOC:
    add_or_update_noc(f, timed, &a);
    break;
  case OP_SESSION:
    new_session(f, &a);
    break;
  case OP_TIME:
    advance(f, arg_le(&a, 0, 2) * 1000);
    break;
  case OP_FAULT:
    md_test_storage_fail_at(f->storage, arg_u8(&a, 0));
    break;
  case OP_RESTART:
    md_test_storage_fail_at(f->storage, 0);
    stop_node(f);
    start_node(f);
    break;
  }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  Fuzz *f = g_new0(Fuzz, 1);

  fuzz_start(f);
  for (int i = 0; i < OPS_MAX && size > 0; i++) {
    const uint8_t *sep = memmem(data, size, SEPARATOR, strlen(SEPARATOR));
    size_t len = sep != NULL ? (size_t) (sep - data) : size;

    if (len > 0)
      run_op(f, data, len);
    if (sep == NULL)
      break;
    data = sep + strlen(SEPARATOR);
    size -= len + strlen(SEPARATOR);
  }
  /* Whatever waits on a timer (the fail-safe, the window) runs out. */
  for (int i = 0; i < 4; i++) {
    guint64 deadline = MIN(md_node_next_deadline(f->node),
                           matter_exchange_manager_next_deadline(&f->exchanges));

    if (deadline == MD_NODE_NEVER || deadline == MATTER_MRP_NEVER)
      break;
    advance(f, deadline > f->now ? deadline - f->now + 1 : 1);
  }
  fuzz_stop(f);
  g_free(f);
  return 0;
}
