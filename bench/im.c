/* SPDX-License-Identifier: Apache-2.0 */
/* Attribute reads per second through the Interaction Model engine, a
 * client and the node in one process over two exchange managers and one
 * CASE session, every message sealed and opened as on the wire; against
 * the AES-CCM seal + open of the same messages, measured in the same run.
 *
 *   bench-im [SECONDS]   time budget per measurement, default 2
 *
 * Three reads: one attribute, a wildcard read of an endpoint of 20
 * attributes, and a 7 KB list that goes out in chunks (ReportData,
 * StatusResponse, ...). Each run of a read is the whole interaction:
 * request, reports, flow control and acknowledgements. The ratio printed
 * is (time of the interaction - time of its seals and opens) / time of
 * its seals and opens: what the message layer, codec, engine and data
 * model add to the encryption they cannot avoid. Below 1, the engine
 * costs less than the crypto around it. The client's own work (encoding
 * the request, finding MoreChunkedMessages, its side of the message
 * layer) counts on the engine's side, so the ratio is an upper bound. Numbers from sanitizer builds are
 * not representative. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ec-bench.h"
#include "matter/crypto.h"
#include "matter/im-engine.h"

#define ATTRIBUTES 20
#define LIST_ATTRIBUTE 0
#define LIST_ITEMS 90 /* 7.4 KB: under MATTER_IM_VALUE_MAX */
#define LIST_ITEM_LEN 80
#define QUEUE_MAX 8
#define MESSAGES_MAX 64

/* ---- The node's data model: two clusters on endpoint 1 ---- */

static MatterDmAttribute attributes[ATTRIBUTES];
static const MatterDmAttribute list_attributes[] = {
  { LIST_ATTRIBUTE, MATTER_DM_LIST, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 },
};

static uint8_t
cluster_read(MatterDmCluster *cluster, const MatterDmRequest *request, uint32_t attribute,
             MatterTlvWriter *w, MatterTlvTag tag)
{
  static const uint8_t item[LIST_ITEM_LEN];

  if (cluster->cls->attributes == list_attributes) {
    matter_tlv_start_array(w, tag);
    for (int i = 0; i < LIST_ITEMS; i++)
      matter_tlv_put_bytes(w, matter_tlv_tag_anonymous(), item, sizeof(item));
    matter_tlv_end_container(w);
  } else {
    matter_tlv_put_uint(w, tag, 1000u + attribute);
  }
  return MATTER_IM_STATUS_SUCCESS;
}

static const MatterDmClass bench_class = {
  .id = 0xFFF1FC02,
  .revision = 1,
  .name = "Bench",
  .attributes = attributes,
  .attribute_count = ATTRIBUTES,
  .read = cluster_read,
};

static const MatterDmClass list_class = {
  .id = 0xFFF1FC03,
  .revision = 1,
  .name = "Bench list",
  .attributes = list_attributes,
  .attribute_count = 1,
  .read = cluster_read,
};

static const MatterAclEntry acl[] = {
  { .fabric_index = 1, .privilege = MATTER_ACL_PRIVILEGE_VIEW, .auth_mode = MATTER_ACL_AUTH_CASE },
};

static const MatterAclEntry *
owner_acl(void *user_data, size_t *count)
{
  *count = sizeof(acl) / sizeof(acl[0]);
  return acl;
}

/* ---- Two peers in memory ---- */

typedef struct Peer Peer;

typedef struct {
  uint8_t data[MATTER_MESSAGE_MAX];
  size_t len;
} Datagram;

struct Peer {
  MatterSession secure[1], unsecured[1];
  MatterSessionTable sessions;
  MatterExchange slots[8];
  MatterExchangeManager manager;
  MatterSession *session;
  Peer *other;
  Datagram queue[QUEUE_MAX]; /* sent by this peer, not yet delivered */
  size_t queued;
  struct Bench *bench; /* records message sizes */
};

typedef struct Bench {
  Peer client, node;
  uint64_t ticks[ATTRIBUTES + MATTER_DM_GLOBAL_COUNT];
  uint64_t list_ticks[1 + MATTER_DM_GLOBAL_COUNT];
  MatterDmCluster cluster;
  MatterDmCluster list_cluster;
  MatterDmCluster *clusters[2];
  MatterDmEndpoint endpoint;
  MatterDmEndpoint *endpoints[1];
  MatterDmNode dm;
  MatterImEngine engine;
  uint64_t now;
  /* The read in progress. */
  bool done;
  bool failed;
  unsigned reports;
  /* Message sizes of one interaction, recorded once (calibration). */
  bool recording;
  size_t sizes[MESSAGES_MAX];
  size_t n_sizes;
} Bench;

static MatterError
queue_datagram(void *user_data, const MatterSession *session, const uint8_t *msg, size_t len)
{
  Peer *peer = user_data;

  if (peer->queued == QUEUE_MAX || len > MATTER_MESSAGE_MAX)
    return MATTER_ERROR_NO_MEMORY;
  memcpy(peer->queue[peer->queued].data, msg, len);
  peer->queue[peer->queued].len = len;
  peer->queued++;
  if (peer->bench->recording && peer->bench->n_sizes < MESSAGES_MAX)
    peer->bench->sizes[peer->bench->n_sizes++] = len;
  return MATTER_OK;
}

static MatterError
fill_fixed(void *user_data, uint8_t *buf, size_t len)
{
  static uint8_t n;

  memset(buf, ++n, len);
  return MATTER_OK;
}

static bool
peer_init(Peer *peer, Peer *other, Bench *bench)
{
  static const MatterExchangeCallbacks callbacks = { .send = queue_datagram };
  const MatterRandomSource rng = { .fill = fill_fixed };

  peer->other = other;
  peer->bench = bench;
  return matter_session_table_init(&peer->sessions, peer->secure, 1, peer->unsecured, 1, &rng) ==
           MATTER_OK &&
         matter_exchange_manager_init(&peer->manager, &peer->sessions, peer->slots, 8, &callbacks,
                                      peer, &rng) == MATTER_OK &&
         matter_session_table_allocate(&peer->sessions, 0, &peer->session) == MATTER_OK;
}

static bool
peer_activate(Peer *peer, MatterSessionRole role)
{
  MatterSessionSetup setup = {
    .kind = MATTER_SESSION_KIND_CASE,
    .role = role,
    .peer_session_id = peer->other->session->local_session_id,
    .fabric_index = 1,
    .local_node_id = role == MATTER_SESSION_ROLE_RESPONDER ? 2 : 1,
    .peer_node_id = role == MATTER_SESSION_ROLE_RESPONDER ? 1 : 2,
    .peer_address = { .transport = MATTER_TRANSPORT_UDP, .len = 1 },
  };

  memset(setup.i2r_key, 0x11, sizeof(setup.i2r_key));
  memset(setup.r2i_key, 0x22, sizeof(setup.r2i_key));
  return matter_session_activate(&peer->sessions, peer->session, &setup, 0) == MATTER_OK;
}

/* Delivers what both peers sent until neither has anything left. */
static void
pump(Bench *b)
{
  for (int round = 0; round < 256; round++) {
    Peer *peers[] = { &b->client, &b->node };
    bool moved = false;

    for (int p = 0; p < 2; p++) {
      Peer *from = peers[p];
      Datagram batch[QUEUE_MAX];
      size_t n = from->queued;

      memcpy(batch, from->queue, n * sizeof(*batch));
      from->queued = 0;
      for (size_t i = 0; i < n; i++) {
        matter_exchange_manager_receive_raw(&from->other->manager,
                                            &from->other->session->peer_address, batch[i].data,
                                            batch[i].len, b->now);
        moved = true;
      }
    }
    if (!moved)
      return;
  }
}

/* ---- The client's side of a read ---- */

/* MoreChunkedMessages [3] of a ReportData. The client reads nothing
 * else: its costs count against the engine's in the ratio, so it does as
 * little as a client can. */
static bool
report_has_more_chunks(const uint8_t *payload, size_t len, bool *more)
{
  MatterTlvReader reader;
  MatterError err;

  *more = false;
  matter_tlv_reader_init(&reader, payload, len);
  if (matter_tlv_next(&reader) != MATTER_OK || matter_tlv_enter(&reader) != MATTER_OK)
    return false;
  err = matter_tlv_get_context_bool(&reader, 3, more);
  return err == MATTER_OK || err == MATTER_ERROR_TLV_NOT_FOUND;
}

static void
on_client_message(void *user_data, MatterExchange *exchange, const MatterProtocolHeader *header,
                  const uint8_t *payload, size_t len, uint64_t now)
{
  Bench *b = user_data;
  uint8_t status[16];
  size_t status_len;
  bool more;

  if (header->opcode != MATTER_IM_OPCODE_REPORT_DATA ||
      !report_has_more_chunks(payload, len, &more)) {
    b->failed = true;
    return;
  }
  b->reports++;
  if (more) {
    if (matter_im_status_response_encode(MATTER_IM_STATUS_SUCCESS, status, sizeof(status),
                                         &status_len) != MATTER_OK ||
        matter_exchange_send(exchange, MATTER_PROTOCOL_INTERACTION_MODEL,
                             MATTER_IM_OPCODE_STATUS_RESPONSE, status, status_len,
                             MATTER_EXCHANGE_SEND_RELIABLE, now) != MATTER_OK)
      b->failed = true;
    return;
  }
  /* The last report: closing acknowledges it. */
  b->done = true;
  matter_exchange_close(exchange, now);
}

static void
on_client_error(void *user_data, MatterExchange *exchange, MatterError err, uint64_t now)
{
  ((Bench *) user_data)->failed = true;
}

static const MatterExchangeHandler client_handler = {
  .on_message = on_client_message,
  .on_error = on_client_error,
};

typedef struct {
  Bench *bench;
  MatterImReadRequest request;
  unsigned min_reports;
} ReadBench;

static bool
read_step(void *data, unsigned long i)
{
  ReadBench *rb = data;
  Bench *b = rb->bench;
  MatterExchange *exchange = NULL;
  uint8_t buf[MATTER_MESSAGE_MAX];
  size_t len;

  b->done = false;
  b->failed = false;
  b->reports = 0;
  b->now += 10;
  if (matter_im_read_request_encode(&rb->request, buf, sizeof(buf), &len) != MATTER_OK ||
      matter_exchange_new(&b->client.manager, b->client.session, &client_handler, b, &exchange) !=
        MATTER_OK ||
      matter_exchange_send(exchange, MATTER_PROTOCOL_INTERACTION_MODEL,
                           MATTER_IM_OPCODE_READ_REQUEST, buf, len, MATTER_EXCHANGE_SEND_RELIABLE,
                           b->now) != MATTER_OK)
    return false;
  pump(b);
  /* Both sides must be back to no open exchange, or slots run out. */
  return b->done && !b->failed && b->reports >= rb->min_reports &&
         matter_exchange_manager_count(&b->client.manager, b->client.session) == 0 &&
         matter_exchange_manager_count(&b->node.manager, b->node.session) == 0;
}

/* ---- The crypto alone: seal and open each message of one interaction ---- */

typedef struct {
  const size_t *sizes;
  size_t n;
} CryptoBench;

static bool
crypto_step(void *data, unsigned long i)
{
  const CryptoBench *cb = data;
  static const uint8_t key[MATTER_AES128_KEY_LEN] = { 0x33 };
  static const uint8_t aad[8] = { 0 };
  uint8_t nonce[13] = { 0 }, tag[16];
  uint8_t plain[MATTER_MESSAGE_MAX], sealed[MATTER_MESSAGE_MAX];

  memcpy(nonce, &i, sizeof(i) < sizeof(nonce) ? sizeof(i) : sizeof(nonce));
  for (size_t m = 0; m < cb->n; m++) {
    /* The header and tag travel in the clear; the rest is sealed. */
    size_t len = cb->sizes[m] > sizeof(aad) + sizeof(tag) ? cb->sizes[m] - sizeof(aad) - sizeof(tag)
                                                          : 0;

    memset(plain, (int) m, len);
    if (matter_aes_ccm_encrypt(key, nonce, sizeof(nonce), aad, sizeof(aad), plain, len, sealed,
                               tag, sizeof(tag)) != MATTER_OK ||
        matter_aes_ccm_decrypt(key, nonce, sizeof(nonce), aad, sizeof(aad), sealed, len, tag,
                               sizeof(tag), plain) != MATTER_OK)
      return false;
  }
  return true;
}

static MatterImAttributePath
path_of(uint32_t cluster, bool concrete_attribute, uint32_t attribute)
{
  return (MatterImAttributePath) {
    .has_endpoint = true,
    .endpoint = 1,
    .has_cluster = true,
    .cluster = cluster,
    .has_attribute = concrete_attribute,
    .attribute = attribute,
  };
}

static bool
bench_setup(Bench *b)
{
  static const MatterImEngineOwner owner = { .acl = owner_acl };

  for (uint32_t a = 0; a < ATTRIBUTES; a++)
    attributes[a] = (MatterDmAttribute) { a, 0, MATTER_ACL_PRIVILEGE_VIEW, 0, 0 };
  b->now = 1000;
  b->cluster = (MatterDmCluster) { &bench_class, 1, 0, 1, b->ticks, NULL };
  b->list_cluster = (MatterDmCluster) { &list_class, 1, 0, 1, b->list_ticks, NULL };
  b->clusters[0] = &b->cluster;
  b->clusters[1] = &b->list_cluster; /* sorted by class id */
  b->endpoint = (MatterDmEndpoint) { 1, NULL, 0, b->clusters, 2 };
  b->endpoints[0] = &b->endpoint;
  b->dm = (MatterDmNode) { b->endpoints, 1, 0 };
  return peer_init(&b->client, &b->node, b) && peer_init(&b->node, &b->client, b) &&
         peer_activate(&b->client, MATTER_SESSION_ROLE_INITIATOR) &&
         peer_activate(&b->node, MATTER_SESSION_ROLE_RESPONDER) &&
         matter_im_engine_init(&b->engine, &b->node.manager, &b->dm, &owner, NULL) == MATTER_OK;
}

/* Measures one kind of read and the crypto of its messages. */
static bool
run_read(Bench *b, const char *name, MatterImAttributePath path, unsigned min_reports,
         double budget)
{
  ReadBench rb = { .bench = b, .min_reports = min_reports };
  CryptoBench cb;
  char label[128];
  double reads, seals, crypto_share;

  rb.request.has_attribute_requests = true;
  rb.request.fabric_filtered = true;
  rb.request.attribute_paths[0] = path;
  rb.request.attribute_path_count = 1;

  b->recording = true;
  b->n_sizes = 0;
  if (!read_step(&rb, 0)) {
    fprintf(stderr, "bench-im: %s: the read did not complete\n", name);
    return false;
  }
  b->recording = false;
  cb = (CryptoBench) { b->sizes, b->n_sizes };

  snprintf(label, sizeof(label), "%s (%zu messages, %u reports)", name, b->n_sizes, b->reports);
  reads = bench_measure(label, budget, read_step, &rb);
  snprintf(label, sizeof(label), "  AES-CCM seal+open of the same %zu messages", b->n_sizes);
  seals = bench_measure(label, budget, crypto_step, &cb);
  /* Time per interaction minus its crypto, over its crypto. */
  crypto_share = (1.0 / reads - 1.0 / seals) / (1.0 / seals);
  printf("  engine, codec and message layer / encryption: %.2f\n", crypto_share);
  return true;
}

int
main(int argc, char **argv)
{
  static Bench b;
  double budget;
  int status;
  bool ok;

  if (!bench_parse_budget(argc, argv, &budget, &status))
    return status;
  if (!bench_setup(&b)) {
    fprintf(stderr, "%s: setup failed\n", argv[0]);
    return EXIT_FAILURE;
  }
  ok = run_read(&b, "read of one attribute", path_of(bench_class.id, true, 3), 1, budget) &&
       run_read(&b, "wildcard read of a cluster of 20 attributes", path_of(bench_class.id, false, 0),
                1, budget) &&
       run_read(&b, "chunked read of a 7 KB list", path_of(list_class.id, true, LIST_ATTRIBUTE), 2,
                budget);
  matter_im_engine_deinit(&b.engine);
  matter_session_table_clear(&b.client.sessions);
  matter_session_table_clear(&b.node.sessions);
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
