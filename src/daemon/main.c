/* SPDX-License-Identifier: Apache-2.0 */
#define G_LOG_DOMAIN "matterd"

#include "build-config.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <sys/stat.h>

#include "attestation-files.h"
#include "ble-transport.h"
#include "commissioning.h"
#include "config.h"
#include "dbus-service.h"
#include "dnssd.h"
#include "host-network.h"
#include "log.h"
#include "messaging.h"
#include "node.h"
#include "notify.h"
#include "pase-server.h"
#include "store.h"

/* Exit codes, documented in matterd(8). */
enum {
  EXIT_OK = 0,
  EXIT_RUNTIME = 1,
  EXIT_USAGE = 2,
};

#define PORT_UNSET G_MININT

typedef struct {
  char *config_path;
  char *state_dir;
  gboolean session_bus;
  int port;
  gboolean verbose;
  gboolean version;
  gboolean reset_corrupt_state;
} Options;

typedef struct {
  GMainLoop *loop;
  int exit_code;
  MdNode *node; /* for the status systemd shows */
} Daemon;

static void
options_clear(Options *options)
{
  g_free(options->config_path);
  g_free(options->state_dir);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Options, options_clear)

static gboolean
parse_options(int *argc, char ***argv, Options *options, GError **error)
{
  const GOptionEntry entries[] = {
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &options->config_path,
      N_("Configuration file (default: " MATTERD_CONFIG_FILE ")"), N_("FILE") },
    { "state-dir", 's', 0, G_OPTION_ARG_FILENAME, &options->state_dir,
      N_("State directory (default: $STATE_DIRECTORY, else " MATTERD_STATE_DIR ")"), N_("DIR") },
    { "session", 0, 0, G_OPTION_ARG_NONE, &options->session_bus,
      N_("Use the session bus instead of the system bus"), NULL },
    { "port", 'p', 0, G_OPTION_ARG_INT, &options->port,
      N_("UDP port for Matter messages (overrides [Network] Port; 0 picks a free one)"),
      N_("PORT") },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &options->verbose, N_("Log debug messages"), NULL },
    { "reset-corrupt-state", 0, 0, G_OPTION_ARG_NONE, &options->reset_corrupt_state,
      N_("Move a corrupt database aside and start with an empty one"), NULL },
    { "version", 0, 0, G_OPTION_ARG_NONE, &options->version, N_("Print the version and exit"),
      NULL },
    G_OPTION_ENTRY_NULL
  };
  g_autoptr(GOptionContext) context = g_option_context_new(NULL);

  options->port = PORT_UNSET;
  g_option_context_set_summary(context, _("Makes this host a Matter node."));
  g_option_context_add_main_entries(context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse(context, argc, argv, error))
    return FALSE;
  if (*argc > 1) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, _("Unexpected argument: %s"),
                (*argv)[1]);
    return FALSE;
  }
  if (options->port != PORT_UNSET && (options->port < 0 || options->port > 65535)) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                _("--port %d is out of range (0..65535)"), options->port);
    return FALSE;
  }
  return TRUE;
}

/* systemd passes StateDirectory= as a colon-separated list. */
static char *
default_state_dir(void)
{
  const char *env = g_getenv("STATE_DIRECTORY");

  if (env != NULL && *env != '\0') {
    g_auto(GStrv) dirs = g_strsplit(env, ":", 2);
    return g_strdup(dirs[0]);
  }
  return g_strdup(MATTERD_STATE_DIR);
}

static gboolean
load_config(const Options *options, MdConfig *config, GError **error)
{
  md_config_init(config);
  if (!md_config_load_file(config,
                           options->config_path ? options->config_path : MATTERD_CONFIG_FILE,
                           options->config_path != NULL, error))
    return FALSE;
  if (options->port != PORT_UNSET)
    config->port = (guint) options->port;
  return TRUE;
}

static gboolean
on_signal(gpointer user_data)
{
  Daemon *daemon = user_data;

  g_message("Shutting down");
  g_main_loop_quit(daemon->loop);
  return G_SOURCE_CONTINUE;
}

/* The configuration is read once, at start: SIGHUP changes nothing, and
 * says so rather than ending the daemon as its default action would. */
static gboolean
on_sighup(gpointer user_data)
{
  g_message("SIGHUP: matterd reads its configuration only at start; restart it to apply a "
            "change");
  return G_SOURCE_CONTINUE;
}

/* What `systemctl status matterd` shows. */
static const char *
status_text(MdNode *node)
{
  MdWindowKind window = md_commissioning_get_window(md_node_get_commissioning(node));

  return window == MD_WINDOW_CLOSED ? "Running" : "Running, commissioning window open";
}

static void
on_dbus_ready(gpointer user_data)
{
  Daemon *daemon = user_data;

  g_message("Ready, serving on D-Bus as " MD_DBUS_NAME);
  md_notify_ready(status_text(daemon->node));
}

static void
on_dbus_failed(const char *reason, gpointer user_data)
{
  Daemon *daemon = user_data;

  g_warning("D-Bus: %s; exiting", reason);
  daemon->exit_code = EXIT_RUNTIME;
  g_main_loop_quit(daemon->loop);
}

/* Said once, at start, where the operator looks: development credentials
 * are public and a production commissioner refuses them. */
static void
warn_if_development(MdAttestationCreds *attestation)
{
  if (md_attestation_creds_is_development(attestation))
    g_warning("Running with DEVELOPMENT attestation credentials (test vendor id) from %s: for "
              "development only; commissioners that trust production roots refuse this node. "
              "Name production credentials in [Attestation] of matterd.conf.",
              md_attestation_creds_origin(attestation));
  else
    g_message("Attestation credentials from %s", md_attestation_creds_origin(attestation));
}

/* What the node and the message layer report, told to D-Bus, systemd and
 * DNS-SD. */
typedef struct {
  MdNode *node;
  MdMessaging *messaging;
  MdDBusService *service;
  MdDnssd *dnssd; /* NULL: [Network] DnsSd=no */
  MdBleTransport *ble; /* NULL: [Bluetooth] Enable=no */
} Wiring;

/* Cables, DHCP and NetworkManager change the host's interfaces; a
 * getifaddrs() every few seconds keeps the node's view of them current. */
#define HOST_NETWORK_REFRESH_S 5

static gboolean
refresh_host_network(gpointer user_data)
{
  Wiring *wiring = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) interfaces = NULL;
  MdHostInterface primary;

  if (!md_host_network_primary(&primary, &error)) {
    g_warning("%s", error->message);
    return G_SOURCE_CONTINUE;
  }
  if (md_node_set_network_interface(wiring->node, primary.found ? primary.name : NULL,
                                    primary.connected))
    md_messaging_reschedule(wiring->messaging);
  interfaces = md_host_network_interfaces(&error);
  if (interfaces == NULL)
    g_warning("%s", error->message);
  else if (md_node_set_network_interfaces(wiring->node,
                                          (const MdNetworkInterfaceSnapshot *) interfaces->data,
                                          interfaces->len))
    md_messaging_reschedule(wiring->messaging);
  return G_SOURCE_CONTINUE;
}

static void
on_node_changed(MdNodeChange change, gpointer user_data)
{
  Wiring *wiring = user_data;

  /* The advertisements follow the window and the fabric table's view. */
  if (wiring->dnssd != NULL && wiring->node != NULL &&
      (change == MD_NODE_CHANGE_WINDOW || change == MD_NODE_CHANGE_FABRICS))
    md_dnssd_sync(wiring->dnssd, wiring->node);
  if (change == MD_NODE_CHANGE_WINDOW)
    md_ble_transport_sync(wiring->ble);
  if (wiring->service == NULL)
    return;
  switch (change) {
  case MD_NODE_CHANGE_WINDOW:
    md_dbus_service_refresh(wiring->service);
    md_notify_status(status_text(wiring->node));
    break;
  case MD_NODE_CHANGE_FABRICS:
  case MD_NODE_CHANGE_IDENTITY:
    md_dbus_service_refresh(wiring->service);
    break;
  case MD_NODE_CHANGE_SESSIONS:
    md_dbus_service_sessions_changed(wiring->service);
    break;
  case MD_NODE_CHANGE_ENDPOINTS:
    md_dbus_service_endpoints_changed(wiring->service);
    break;
  }
}

/* The node's requests for application endpoints go to the endpoint
 * manager, which exists once matterd is on the bus. Before that no
 * application is there to answer: FAILURE, at once (the node takes an
 * answer before the request returns). */
static MdEndpointManager *
endpoint_manager(Wiring *wiring, guint32 token)
{
  MdEndpointManager *manager =
    wiring->service != NULL ? md_dbus_service_get_endpoint_manager(wiring->service) : NULL;

  if (manager == NULL) {
    g_message("A request for an application endpoint before matterd is on the bus: FAILURE");
    md_node_app_complete(wiring->node, token, MATTER_IM_STATUS_FAILURE, NULL,
                         md_messaging_now_ms());
  }
  return manager;
}

static void
app_write(gpointer user_data, guint16 endpoint, const MdAppClusterInfo *cluster,
          const char *property, GVariant *value, guint32 token)
{
  MdEndpointManager *manager = endpoint_manager(user_data, token);

  if (manager != NULL)
    md_endpoint_manager_write(manager, endpoint, cluster, property, value, token);
  else
    g_variant_unref(g_variant_ref_sink(value));
}

static void
app_invoke(gpointer user_data, guint16 endpoint, const MdAppClusterInfo *cluster,
           const MdAppCommand *command, GVariant *args, guint32 token)
{
  MdEndpointManager *manager = endpoint_manager(user_data, token);

  if (manager != NULL)
    md_endpoint_manager_invoke(manager, endpoint, cluster, command, args, token);
  else
    g_variant_unref(g_variant_ref_sink(args));
}

static void
on_ble_state(const char *state, gpointer user_data)
{
  Wiring *wiring = user_data;

  if (wiring->service != NULL)
    md_dbus_service_set_bluetooth_state(wiring->service, state);
}

static char *
peer_to_string(const MatterPeerAddress *peer, gpointer user_data)
{
  return md_messaging_peer_to_string(peer);
}

static void
on_sessions_changed(MdMessaging *messaging, gpointer user_data)
{
  on_node_changed(MD_NODE_CHANGE_SESSIONS, user_data);
}

static guint64
node_deadline(gpointer node)
{
  return md_node_next_deadline(node);
}

static void
node_process(gpointer node, guint64 now_ms)
{
  md_node_process(node, now_ms);
}

/* SoftwareVersion: a number that grows with every release (major,
 * minor and micro of PACKAGE_VERSION, two decimal digits each). */
static guint32
software_version(void)
{
  guint major = 0, minor = 0, micro = 0;

  sscanf(PACKAGE_VERSION, "%u.%u.%u", &major, &minor, &micro);
  return major * 10000 + minor * 100 + micro;
}

static void
node_params_from_config(const MdConfig *config, MdNodeParams *params)
{
  *params = (MdNodeParams) {
    .vendor_id = (guint16) config->vendor_id,
    .product_id = (guint16) config->product_id,
    .has_discriminator = config->has_discriminator,
    .discriminator = (guint16) config->discriminator,
    .supported_fabrics = (guint8) config->supported_fabrics,
    .window_timeout = config->window_timeout,
    .has_passcode = config->has_passcode,
    .passcode = config->passcode,
    .basic = {
      .vendor_name = config->vendor_name != NULL ? config->vendor_name : "matterd",
      .product_name = config->product_name != NULL ? config->product_name : "matterd node",
      .hardware_version = (guint16) config->hardware_version,
      .hardware_version_string =
        config->hardware_version_string != NULL ? config->hardware_version_string : "0",
      .software_version = software_version(),
      .software_version_string = PACKAGE_VERSION,
      .serial_number = config->serial_number,
      .part_number = config->part_number,
      .product_url = config->product_url,
      .product_label = config->product_label,
      .manufacturing_date = config->manufacturing_date,
    },
  };
}

static int
run(const Options *options, const MdConfig *config)
{
  static const MdDBusServiceCallbacks dbus_callbacks = {
    .ready = on_dbus_ready,
    .failed = on_dbus_failed,
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *state_dir = options->state_dir ? g_strdup(options->state_dir)
                                                  : default_state_dir();
  static const MdAppHost app_host = {
    .write = app_write,
    .invoke = app_invoke,
  };
  static const MdNodeHost node_host = {
    .changed = on_node_changed,
    .peer_to_string = peer_to_string,
    .apps = &app_host,
  };
  static const MdMessagingTimerClient node_timer = {
    .next_deadline = node_deadline,
    .process = node_process,
  };
  g_autoptr(MdStore) store = NULL;
  g_autoptr(MdAttestationCreds) attestation = NULL;
  g_autoptr(MdMessaging) messaging = NULL;
  g_autoptr(MdNode) node = NULL;
  g_autoptr(MdDBusService) service = NULL;
  g_autoptr(MdDnssd) dnssd = NULL;
  g_autoptr(MdBleTransport) ble = NULL;
  MdNodeStorage storage;
  MdNodeParams params;
  Wiring wiring = { 0 };
  Daemon daemon = { .exit_code = EXIT_OK };
  guint sigterm_id, sigint_id, sighup_id, watchdog_id, network_id;

  store = md_store_open(state_dir, options->reset_corrupt_state ? MD_STORE_OPEN_RESET_CORRUPT
                                                                : MD_STORE_OPEN_DEFAULT,
                        &error);
  if (store == NULL) {
    g_warning("Cannot open the state in %s: %s", state_dir, error->message);
    return EXIT_RUNTIME;
  }
  md_store_get_node_storage(store, &storage);
  attestation = md_attestation_files_load(config, state_dir, &error);
  if (attestation == NULL) {
    g_warning("%s", error->message);
    return g_error_matches(error, MD_ERROR, MD_ERROR_INVALID_CONFIG) ? EXIT_USAGE : EXIT_RUNTIME;
  }
  warn_if_development(attestation);
  messaging = md_messaging_new(store, (guint16) config->port, config->supported_fabrics,
                               MD_NODE_HANDSHAKES_MAX, &error);
  if (messaging == NULL) {
    g_warning("Cannot start the message layer: %s", error->message);
    return EXIT_RUNTIME;
  }
  node_params_from_config(config, &params);
  node = md_node_new(&params, &storage, g_steal_pointer(&attestation),
                     md_messaging_get_exchanges(messaging), md_messaging_get_sessions(messaging),
                     &node_host, &wiring, &error);
  if (node == NULL) {
    g_warning("Cannot load the node: %s", error->message);
    return EXIT_RUNTIME;
  }
  wiring.node = node;
  wiring.messaging = messaging;
  daemon.node = node;
  md_messaging_set_timer_client(messaging, &node_timer, node);
  g_message("matterd %s starting: vendor 0x%04X, product 0x%04X, discriminator %u, state in %s",
            PACKAGE_VERSION, md_node_get_vendor_id(node), md_node_get_product_id(node),
            md_node_get_discriminator(node), state_dir);

  daemon.loop = g_main_loop_new(NULL, FALSE);
  sigterm_id = g_unix_signal_add(SIGTERM, on_signal, &daemon);
  sigint_id = g_unix_signal_add(SIGINT, on_signal, &daemon);
  sighup_id = g_unix_signal_add(SIGHUP, on_sighup, NULL);
  watchdog_id = md_notify_watchdog_start();
  service = md_dbus_service_new(node, messaging,
                                options->session_bus ? G_BUS_TYPE_SESSION : G_BUS_TYPE_SYSTEM,
                                config->app_group, &dbus_callbacks, &daemon);
  wiring.service = service;
  md_messaging_set_sessions_changed_func(messaging, on_sessions_changed, &wiring);
  if (config->dnssd)
    dnssd = md_dnssd_new(md_messaging_get_port(messaging));
  wiring.dnssd = dnssd;
  ble = md_ble_transport_new(config, node, messaging, on_ble_state, &wiring);
  wiring.ble = ble;
  md_node_start(node, md_messaging_now_ms());
  /* The fabrics loaded at start were no change: publish them now. */
  if (dnssd != NULL)
    md_dnssd_sync(dnssd, node);
  refresh_host_network(&wiring);
  network_id = g_timeout_add_seconds(HOST_NETWORK_REFRESH_S, refresh_host_network, &wiring);
  md_messaging_reschedule(messaging);

  g_main_loop_run(daemon.loop);

  md_notify_stopping();
  g_source_remove(network_id);
  wiring.ble = NULL;
  g_clear_pointer(&ble, md_ble_transport_free);
  wiring.dnssd = NULL;
  g_clear_pointer(&dnssd, md_dnssd_free);
  wiring.service = NULL;
  g_clear_pointer(&service, md_dbus_service_free);
  /* The node goes before the message layer it serves on. */
  md_messaging_set_timer_client(messaging, NULL, NULL);
  g_clear_error(&error);
  if (!md_node_stop(node, md_messaging_now_ms(), &error))
    g_warning("%s", error->message);
  g_clear_pointer(&node, md_node_free);
  g_source_remove(sigterm_id);
  g_source_remove(sigint_id);
  g_source_remove(sighup_id);
  if (watchdog_id != 0)
    g_source_remove(watchdog_id);
  g_main_loop_unref(daemon.loop);
  return daemon.exit_code;
}

int
main(int argc, char **argv)
{
  g_auto(Options) options = { 0 };
  g_autoptr(GError) error = NULL;
  g_auto(MdConfig) config = { 0 };

  setlocale(LC_ALL, "");
  bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
  textdomain(GETTEXT_PACKAGE);
  /* Keys and state are for the daemon's eyes only. */
  umask(0077);

  if (!parse_options(&argc, &argv, &options, &error)) {
    g_printerr("matterd: %s\n", error->message);
    return EXIT_USAGE;
  }
  if (options.version) {
    g_print("matterd %s\n", PACKAGE_VERSION);
    return EXIT_OK;
  }

  md_log_init(options.verbose);
  if (!load_config(&options, &config, &error)) {
    g_printerr("matterd: %s\n", error->message);
    return EXIT_USAGE;
  }
  return run(&options, &config);
}
