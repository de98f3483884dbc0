#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
//
// An independent Matter controller (matter.js) that commissions a node over
// UDP, then operates it from a second process, as a real administrator
// would after a restart, and from a third one after the node restarted
// (a test restarts it between the two). Every step prints one JSON line on
// stdout:
//
//   {"step":"pase","ok":true,...}              the step passed, with what it saw
//   {"step":"case","ok":false,"error":"..."}   the step failed, and why
//   {"step":"case","skipped":true,"reason":"..."}
//   {"done":true,"passed":N,"skipped":M}       the last line of a run that passed
//
// The first failure ends the run with exit status 1; matter.js's own log goes
// to stderr. Usage:
//
//   node commission.mjs [all|commission|operate|after-restart] --code MANUAL-CODE
//       --address IP --port PORT --state-dir DIR
//       [--paa DER --cd-signer DER]... [--trust-matterjs-test-pki] [--host-light]
//       [--operational-address IP:PORT] [--until STEP] [--step-timeout S]
//       [--log-level debug|info|notice|warn|error]
//
// "all" (the default) commissions, then runs "operate" and "after-restart",
// each in a new process on the same storage (without restarting the node in
// between: a test that does runs the three modes itself). --until STEP stops successfully after that step and
// reports the later ones as skipped (for a node that does not get further yet).
// Commissioning goes to the given address (no commissionable discovery); CASE
// finds the node's operational address over mDNS (_matter._tcp), or uses
// --operational-address when given.
//
//   node commission.mjs resume-subscription --state-dir DIR [--operational-address IP:PORT]
//
// subscribes to NodeLabel ({"step":"subscribe-for-resume",...}), waits for a
// line on stdin saying the node was restarted, then reports whether the node
// resumed that subscription ("resumed-report": a report under the same id,
// with no SubscribeRequest of ours) and whether a write reaches it
// ("report-after-resume").
//
//   node commission.mjs bench --state-dir DIR --count N [--operational-address IP:PORT]
//
// measures, on a node commissioned on that storage, N full CASE handshakes,
// N resumed ones and N single-attribute reads. Before each batch it prints
// {"batch":NAME,"ready":true} and waits for a line on stdin (so a caller can
// sample the node's CPU time), then prints {"batch":NAME,"n":N,"ms":...,
// "sessions":{"New":n,"Resumed":m}}: how matter.js's log says each session
// came about.

import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

// Every step, in order, named as the JSON lines name them. The commissioning
// steps up to "commissioning-complete" run in the first process.
const COMMISSION_STEPS = [
  "pase",
  "read-commissioning-info",
  "arm-fail-safe",
  "regulatory-config",
  "time-sync",
  "attestation",
  "csr",
  "add-trusted-root",
  "addnoc",
  "access-control",
  "case",
  "commissioning-complete",
];
const OPERATE_STEPS = [
  "case-reconnect",
  "read-basic-information",
  "read-operational-credentials",
  "read-acl",
  "write-node-label",
  "update-fabric-label",
  "subscribe-node-label",
];
// With --host-light: examples/light.py, registered with matterd by the test
// before the operate phase.
const APP_STEPS = ["app-endpoints", "app-toggle", "app-level-color", "app-subscribe"];
OPERATE_STEPS.push(...APP_STEPS);
// After the node restarted: what it kept, then leaving its fabric.
const AFTER_RESTART_STEPS = ["case-after-restart", "read-after-restart", "remove-fabric", "case-refused"];
const ALL_STEPS = [...COMMISSION_STEPS, ...OPERATE_STEPS, ...AFTER_RESTART_STEPS];
const LAST_NODE_LABEL = "interop-2";

// matter.js's names for its commissioning steps and commands.
const FLOW_STEP_NAMES = {
  GetInitialData: "read-commissioning-info",
  "GeneralCommissioning.ArmFailsafe": "arm-fail-safe",
  "GeneralCommissioning.ConfigureRegulatoryInformation": "regulatory-config",
  "TimeSynchronization.SynchronizeTime": "time-sync",
  "OperationalCredentials.DeviceAttestation": "attestation",
  AccessControl: "access-control",
  Reconnect: "case",
  "GeneralCommissioning.Complete": "commissioning-complete",
};
const CERTIFICATE_COMMANDS = {
  csrRequest: "csr",
  addTrustedRootCertificate: "add-trusted-root",
  addNoc: "addnoc",
};

const CONTROLLER_ID = "matterd-interop";
const FABRIC_LABEL = "matterd interop";
const UPDATED_FABRIC_LABEL = "matterd interop 2";
const ROOT_ENDPOINT = 0;
const AGGREGATOR_ENDPOINT = 1;
// Device type ids: Matter SDK data_model/1.4.2/device_types/.
const DEVICE_TYPE_AGGREGATOR = 0x000e;
const DEVICE_TYPE_BRIDGED_NODE = 0x0013;
const DEVICE_TYPE_EXTENDED_COLOR_LIGHT = 0x010d;
/* Access Control: data_model/1.4.2/clusters/ACL-Cluster.xml
 * (AccessControlEntryPrivilegeEnum, AccessControlEntryAuthModeEnum). */
const PRIVILEGE_ADMINISTER = 5;
const AUTH_MODE_CASE = 2;

// ---- Output ---------------------------------------------------------------

let passed = 0;
let skipped = 0;
let until;

class StepFailure extends Error {}
// Thrown through matter.js's commissioning flow to leave it after --until.
class StopHere extends Error {}

function emit(record) {
  process.stdout.write(JSON.stringify(record, jsonValue) + "\n");
}

// Bigints (node and fabric ids) and byte strings, readably.
function jsonValue(_key, value) {
  if (typeof value === "bigint") return `0x${value.toString(16).toUpperCase()}`;
  if (value instanceof Uint8Array) return Buffer.from(value).toString("hex");
  // What Buffer.toJSON made of it before we saw it.
  if (value?.type === "Buffer" && Array.isArray(value.data)) return Buffer.from(value.data).toString("hex");
  return value;
}

function errorText(error) {
  const parts = [];
  for (let e = error; e !== undefined && e !== null; e = e.cause) {
    parts.push(e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e));
    if (parts.length > 5) break;
  }
  return parts.join(" <- caused by: ");
}

// Each step says when it ended, in ms since the controller started: the
// commissioning time a controller sees is commissioning-complete's.
function pass(step, details = {}) {
  passed++;
  emit({ step, ok: true, atMs: Math.round(performance.now()), ...details });
}

// A failed step carries matter.js's last log lines: what a peer answered (or
// that it never did) is often only there.
function fail(step, error, details = {}) {
  const text = error instanceof Error ? errorText(error) : String(error);
  emit({ step, ok: false, error: text, ...details, log: recentLog });
  throw new StepFailure(step);
}

const RECENT_LOG_LINES = 12;
const recentLog = [];
function keepRecentLog() {
  Logger.destinations.recent = LogDestination({
    level: LogLevel.INFO,
    write: text => {
      recentLog.push(text.trim().slice(0, 400));
      if (recentLog.length > RECENT_LOG_LINES) recentLog.shift();
    },
  });
}

function check(step, condition, what, details) {
  if (!condition) fail(step, `expected ${what}`, details);
}

// After the --until step, every later one is reported skipped and the run
// ends successfully.
function reachedUntil(step) {
  return until !== undefined && step === until;
}

function skipRest(after) {
  const rest = ALL_STEPS.slice(ALL_STEPS.indexOf(after) + 1);
  for (const step of rest) {
    skipped++;
    emit({ step, skipped: true, reason: `--until ${until}: not run yet` });
  }
}

// Watches matter.js's log for a line matching @pattern: what a peer answered
// is sometimes only logged.
function watchLog(pattern) {
  let found;
  const seen = new Promise(resolve => (found = resolve));
  Logger.destinations.watch = LogDestination({
    level: LogLevel.DEBUG,
    write: text => {
      if (pattern.test(text)) found(text.trim());
    },
  });
  return { seen, stop: () => delete Logger.destinations.watch };
}

function withTimeout(promise, seconds, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${seconds} s`)), seconds * 1000);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---- Arguments --------------------------------------------------------------

function parseArguments(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        code: { type: "string" },
        address: { type: "string", default: "127.0.0.1" },
        port: { type: "string" },
        "state-dir": { type: "string" },
        paa: { type: "string", multiple: true, default: [] },
        "cd-signer": { type: "string", multiple: true, default: [] },
        "trust-matterjs-test-pki": { type: "boolean", default: false },
        "host-light": { type: "boolean", default: false },
        "operational-address": { type: "string" },
        "mdns-interface": { type: "string", default: "lo" },
        until: { type: "string" },
        count: { type: "string", default: "10" },
        "step-timeout": { type: "string", default: "20" },
        "log-level": { type: "string", default: "info" },
      },
    });
  } catch (error) {
    usage(error.message);
  }
  const { values, positionals } = parsed;
  const mode = positionals[0] ?? "all";
  if (!["all", "commission", "operate", "after-restart", "resume-subscription", "bench"].includes(mode)) usage(`unknown mode ${mode}`);
  if (values["state-dir"] === undefined) usage("--state-dir is required");
  if ((mode === "all" || mode === "commission") && (values.code === undefined || values.port === undefined))
    usage("--code and --port are required to commission");
  if (values.until !== undefined && !ALL_STEPS.includes(values.until))
    usage(`--until takes one of: ${ALL_STEPS.join(", ")}`);
  const count = Number(values.count);
  if (!Number.isInteger(count) || count < 1) usage(`--count takes a positive number, not ${values.count}`);
  return { mode, ...values, count, stepTimeout: Number(values["step-timeout"]) };
}

function usage(message) {
  process.stderr.write(`commission.mjs: ${message}\n`);
  process.exit(2);
}

function parseAddress(text) {
  const match = /^\[?([^\]]+?)\]?:(\d+)$/.exec(text);
  if (match === null) usage(`not an IP:PORT: ${text}`);
  return { ip: match[1], port: Number(match[2]), type: "udp" };
}

// ---- The controller -----------------------------------------------------------

// matter.js logs to stdout by default; stdout carries the results.
function logToStderr(options) {
  Logger.destinations.default.write = text => process.stderr.write(text + "\n");
  Logger.format = "plain";
  Logger.level = options["log-level"];
  keepRecentLog();
}

function controllerEnvironment(options) {
  logToStderr(options);
  const environment = Environment.default;
  environment.vars.set("storage.path", options["state-dir"]);
  // IPv4 mDNS only, on one interface: Avahi on loopback answers over IPv4.
  environment.vars.set("mdns.networkInterface", options["mdns-interface"]);
  environment.vars.set("mdns.ipv4", true);
  return environment;
}

// The attestation trust store holds exactly the roots and CD signers given:
// no DCL or GitHub download (its production lookups go to a closed local port,
// so they fail at once and no traffic leaves the machine).
async function trustStore(environment, options) {
  const service = new DclCertificateService(environment, {
    fetchTestCertificates: false,
    fetchGithubCertificates: false,
    acceptTestCertificates: true,
    updateInterval: null,
    timeout: Seconds(1),
    dclConfig: { url: "http://127.0.0.1:9" },
    testDclConfig: { url: "http://127.0.0.1:9" },
  });
  await service.construction;
  const paas = options.paa.map(path => readFileSync(path));
  const signers = options["cd-signer"].map(path => readFileSync(path));
  if (options["trust-matterjs-test-pki"]) {
    paas.push(TestCert_PAA_FFF1_Cert, TestCert_PAA_NoVID_Cert);
    signers.push(CertificationDeclaration.testSignerCertificate());
  }
  for (const der of paas) await service.addCertificate(new Uint8Array(der), "PAA");
  for (const der of signers) await service.addCertificate(new Uint8Array(der), "CDSigner");
  return service;
}

function newController(environment) {
  return new CommissioningController({
    environment: { environment, id: CONTROLLER_ID },
    autoConnect: false,
    adminFabricLabel: FABRIC_LABEL,
  });
}

// Only info-level findings (a test CD, a trust store filled after the DAC
// was issued) are acceptable: anything else means a check did not run.
function attestationPolicy(findings) {
  const refused = findings.filter(f => f.level !== "info");
  attestationFindings = findings.map(f => `${f.level} ${f.type}: ${f.message}`);
  if (refused.length === 0) return true;
  return `attestation refused: ${refused.map(f => `${f.type} (${f.message})`).join("; ")}`;
}
let attestationFindings = [];

// The stock commissioning flow, with every step and certificate command
// reported as it ends, a bound on the CASE step, and a stop after --until.
function reportingFlow(options, operationalAddress, controller) {
  return class ReportingFlow extends ControllerCommissioningFlow {
    constructor(interaction, ...rest) {
      super(interaction, ...rest);
      // matter.js builds this flow once PASE is established.
      pass("pase", { peer: interaction.address?.toString() });
      // Commissioning by known address does not pass the policy on, and
      // without one matter.js accepts any finding, failed checks included.
      const { attestation } = this.commissioningOptions;
      if (attestation.dclCertificateService === undefined)
        fail("attestation", "matter.js does not use the trust store of --paa and --cd-signer");
      attestation.onFailure = attestationPolicy;
      if (reachedUntil("pase")) throw new StopHere();
      this.#wrapInvoke();
      for (const step of this.commissioningSteps) this.#wrapStep(step);
    }

    // Remembers which certificate commands went out, to report them one by one.
    #certificateCommands = [];
    #wrapInvoke() {
      const interaction = this.interaction;
      const invoke = interaction.invoke.bind(interaction);
      const commands = this.#certificateCommands;
      interaction.invoke = function (request) {
        for (const command of request.commands?.values?.() ?? []) {
          const name = CERTIFICATE_COMMANDS[command.command];
          if (name !== undefined) commands.push(name);
        }
        return invoke(request);
      };
    }

    #wrapStep(step) {
      const logic = step.stepLogic;
      if (step.name === "OperationalCredentials.Certificates") {
        step.stepLogic = () => this.#certificates(logic);
        return;
      }
      const name = FLOW_STEP_NAMES[step.name];
      if (name === undefined) return; // reported elsewhere (fabric label) or not used
      step.stepLogic = async () => {
        const details = {};
        if (name === "case") {
          // The DNS-SD instance the node must publish for CASE to find it.
          const { nodeId } = this.interaction.address;
          details.operationalInstance = getOperationalDeviceQname(this.fabric.globalId, nodeId);
          process.stderr.write(`commission.mjs: CASE looks for ${details.operationalInstance}\n`);
          if (operationalAddress !== undefined) {
            this.#setOperationalAddress();
            details.operationalAddress = options["operational-address"];
          }
        }
        let result;
        try {
          const running = logic();
          result = name === "case" ? await withTimeout(running, options.stepTimeout, "CASE") : await running;
        } catch (error) {
          if (name === "attestation") details.findings = attestationFindings;
          fail(name, error, details);
        }
        details.result = ["success", "failure", "skipped", "stop"][result.code];
        if (name === "attestation") details.findings = attestationFindings;
        pass(name, details);
        if (reachedUntil(name)) throw new StopHere();
        return result;
      };
    }

    // CSRRequest, AddTrustedRootCertificate and AddNOC run in one matter.js
    // step; a failure belongs to the last command that went out.
    async #certificates(logic) {
      let result, failure;
      try {
        result = await logic();
      } catch (error) {
        failure = error;
      }
      const sent = this.#certificateCommands;
      for (const [i, name] of sent.entries()) {
        if (failure !== undefined && i === sent.length - 1) fail(name, failure);
        pass(name);
        if (reachedUntil(name)) throw new StopHere();
      }
      if (failure !== undefined) fail("csr", failure);
      return result;
    }

    // The address CASE falls back to when mDNS finds nothing.
    #setOperationalAddress() {
      const peer = controller.node.env.get(PeerSet).for(this.interaction.address);
      peer.descriptor.operationalAddress = operationalAddress;
    }
  };
}

async function commission(options) {
  const environment = controllerEnvironment(options);
  const trusted = await trustStore(environment, options);
  const controller = newController(environment);
  await controller.start();
  try {
    const pairing = ManualPairingCodeCodec.decode(options.code.replace(/-/g, ""));
    const operationalAddress =
      options["operational-address"] !== undefined ? parseAddress(options["operational-address"]) : undefined;
    let nodeId;
    try {
      nodeId = await controller.commissionNode(
        {
          passcode: pairing.passcode,
          discovery: {
            identifierData: { shortDiscriminator: pairing.shortDiscriminator },
            knownAddress: { ip: options.address, port: Number(options.port), type: "udp" },
            discoveryCapabilities: { onIpNetwork: true },
            timeout: Seconds(options.stepTimeout),
          },
          commissioning: {
            regulatoryLocation: 2, // IndoorOutdoor
            regulatoryCountryCode: "XX",
          },
        },
        {
          connectNodeAfterCommissioning: false,
          commissioningFlowImpl: reportingFlow(options, operationalAddress, controller),
        },
      );
    } catch (error) {
      if (error instanceof StopHere || causedBy(error, StopHere)) return "stopped";
      if (error instanceof StepFailure || causedBy(error, StepFailure)) throw unwrap(error, StepFailure);
      // Nothing was reported yet: PASE (or finding the node) failed.
      fail(passed === 0 ? "pase" : "commissioning", error);
    }
    check("commissioning-complete", controller.isNodeCommissioned(nodeId), "the node in the controller's list");
    return nodeId;
  } finally {
    // Releases the storage for the next process.
    await controller.close();
    await trusted.close();
  }
}

function causedBy(error, kind) {
  for (let e = error; e !== undefined && e !== null; e = e.cause) if (e instanceof kind) return true;
  return false;
}

function unwrap(error, kind) {
  for (let e = error; e !== undefined && e !== null; e = e.cause) if (e instanceof kind) return e;
  return error;
}

// ---- Operating the commissioned node from a fresh process ----------------------

// A controller on the stored fabric, started, with the one node it holds.
async function storedController(options, firstStep) {
  const environment = controllerEnvironment(options);
  const trusted = await trustStore(environment, options);
  const controller = newController(environment);
  await controller.start();
  const nodes = controller.getCommissionedNodes();
  if (nodes.length !== 1) {
    await controller.close();
    await trusted.close();
    fail(firstStep, `one commissioned node in the storage, found ${nodes.length}`);
  }
  const close = async () => {
    await controller.close().catch(error => process.stderr.write(`closing the controller: ${error}\n`));
    await trusted.close();
  };
  return { controller, nodeId: nodes[0], close };
}

function sessionManager(controller) {
  return controller.node.env.get(SessionManager);
}

// A CASE session to the node, over mDNS alone unless told the address: the
// one kept from commissioning must not hide a node that no longer announces
// itself. Says whether matter.js held a resumption record to offer and
// whether its log calls the session new or resumed.
async function connect(controller, nodeId, options) {
  const address = PeerAddress({ fabricIndex: controller.fabric.fabricIndex, nodeId });
  const offered = sessionManager(controller).findResumptionRecordByAddress(address) !== undefined;
  const session = watchLog(/(New|Resumed) session with/);
  try {
    let discovery = NodeDiscoveryType.FullDiscovery;
    if (options["operational-address"] !== undefined) {
      const peer = controller.node.env.get(PeerSet).for(address);
      peer.descriptor.operationalAddress = parseAddress(options["operational-address"]);
      discovery = NodeDiscoveryType.TimedDiscovery;
    }
    const client = await controller.createInteractionClient(nodeId, discovery, {
      discoveryTimeout: Seconds(options.stepTimeout),
      forcedConnection: true,
    });
    // matter.js opens the session with the first interaction.
    await ClusterClient(BasicInformation.Cluster, EndpointNumber(ROOT_ENDPOINT), client).getVendorIdAttribute(true);
    const line = await withTimeout(session.seen, options.stepTimeout, "matter.js's log of the new session");
    return [client, { nodeId, resumptionOffered: offered, session: /Resumed session/.test(line) ? "resumed" : "new" }];
  } finally {
    session.stop();
  }
}

async function operate(options) {
  const { controller, nodeId, close } = await storedController(options, "case-reconnect");
  try {
    const client = await step("case-reconnect", options, () => connect(controller, nodeId, options));
    const basic = ClusterClient(BasicInformation.Cluster, EndpointNumber(ROOT_ENDPOINT), client);
    const opcreds = ClusterClient(OperationalCredentials.Cluster, EndpointNumber(ROOT_ENDPOINT), client);
    const acl = ClusterClient(AccessControl.Cluster, EndpointNumber(ROOT_ENDPOINT), client);
    const fabric = controller.fabric;

    await step("read-basic-information", options, async () => {
      const info = {
        dataModelRevision: await basic.getDataModelRevisionAttribute(true),
        vendorName: await basic.getVendorNameAttribute(true),
        vendorId: await basic.getVendorIdAttribute(true),
        productName: await basic.getProductNameAttribute(true),
        productId: await basic.getProductIdAttribute(true),
        nodeLabel: await basic.getNodeLabelAttribute(true),
        location: await basic.getLocationAttribute(true),
        hardwareVersion: await basic.getHardwareVersionAttribute(true),
        softwareVersion: await basic.getSoftwareVersionAttribute(true),
        softwareVersionString: await basic.getSoftwareVersionStringAttribute(true),
        capabilityMinima: await basic.getCapabilityMinimaAttribute(true),
      };
      const where = "read-basic-information";
      check(where, info.vendorId === 0xfff1, "VendorID 0xFFF1 (the development attestation's)", info);
      check(where, info.productId === 0x8000, "ProductID 0x8000 (the development attestation's)", info);
      check(where, typeof info.vendorName === "string" && info.vendorName.length > 0, "a VendorName", info);
      check(where, typeof info.productName === "string" && info.productName.length > 0, "a ProductName", info);
      check(where, info.dataModelRevision >= 17, "DataModelRevision >= 17 (Matter 1.2 or later)", info);
      check(where, info.capabilityMinima?.caseSessionsPerFabric >= 3, "CapabilityMinima.CaseSessionsPerFabric >= 3", info);
      return [undefined, info];
    });

    let fabricIndex;
    await step("read-operational-credentials", options, async () => {
      const nocs = await opcreds.getNocsAttribute(true);
      const fabrics = await opcreds.getFabricsAttribute(true);
      const supportedFabrics = await opcreds.getSupportedFabricsAttribute(true);
      const commissionedFabrics = await opcreds.getCommissionedFabricsAttribute(true);
      const trustedRoots = await opcreds.getTrustedRootCertificatesAttribute(true);
      const currentFabricIndex = await opcreds.getCurrentFabricIndexAttribute(true);
      const seen = { nocs, fabrics, supportedFabrics, commissionedFabrics, trustedRoots, currentFabricIndex };
      const where = "read-operational-credentials";
      check(where, nocs.length === 1 && nocs[0].noc.length > 0, "one NOC, ours", seen);
      check(where, fabrics.length === 1, "one fabric descriptor", seen);
      const ours = fabrics[0];
      check(where, BigInt(ours.fabricId) === BigInt(fabric.fabricId), `FabricID ${fabric.fabricId}`, seen);
      check(where, BigInt(ours.nodeId) === BigInt(nodeId), `NodeID ${nodeId}`, seen);
      check(where, ours.vendorId === fabric.rootVendorId, `VendorID ${fabric.rootVendorId}`, seen);
      check(where, Buffer.from(ours.rootPublicKey).equals(Buffer.from(fabric.rootPublicKey)), "our root public key", seen);
      check(where, ours.label === FABRIC_LABEL, `the label "${FABRIC_LABEL}" set while commissioning`, seen);
      check(where, supportedFabrics >= 5, "SupportedFabrics >= 5", seen);
      check(where, commissionedFabrics === 1, "CommissionedFabrics 1", seen);
      check(where, trustedRoots.length === 1, "one trusted root", seen);
      check(where, currentFabricIndex === ours.fabricIndex && currentFabricIndex >= 1, "CurrentFabricIndex naming our fabric", seen);
      fabricIndex = currentFabricIndex;
      return [undefined, seen];
    });

    await step("read-acl", options, async () => {
      const entries = await acl.getAclAttribute(true);
      const where = "read-acl";
      const seen = { acl: entries };
      check(where, entries.length === 1, "one ACL entry (the one AddNOC made)", seen);
      const [entry] = entries;
      check(where, entry.privilege === PRIVILEGE_ADMINISTER, "privilege Administer", seen);
      check(where, entry.authMode === AUTH_MODE_CASE, "auth mode CASE", seen);
      check(where, entry.subjects?.length === 1 && BigInt(entry.subjects[0]) === BigInt(controller.nodeId),
        `subjects [${controller.nodeId}] (the CaseAdminSubject)`, seen);
      check(where, entry.targets === null, "no targets (the whole node)", seen);
      check(where, entry.fabricIndex === fabricIndex, `fabric index ${fabricIndex}`, seen);
      return [undefined, seen];
    });

    await step("write-node-label", options, async () => {
      await basic.setNodeLabelAttribute("interop-1");
      const nodeLabel = await basic.getNodeLabelAttribute(true);
      check("write-node-label", nodeLabel === "interop-1", 'NodeLabel "interop-1" read back', { nodeLabel });
      return [undefined, { nodeLabel }];
    });

    await step("update-fabric-label", options, async () => {
      const response = await opcreds.updateFabricLabel({ label: UPDATED_FABRIC_LABEL });
      const fabrics = await opcreds.getFabricsAttribute(true);
      const seen = { response, fabrics };
      check("update-fabric-label", response.statusCode === OperationalCredentials.NodeOperationalCertStatus.Ok,
        "NOCResponse status Ok", seen);
      check("update-fabric-label", response.fabricIndex === fabricIndex, `NOCResponse fabric index ${fabricIndex}`, seen);
      check("update-fabric-label", fabrics[0]?.label === UPDATED_FABRIC_LABEL, `label "${UPDATED_FABRIC_LABEL}" read back`, seen);
      return [undefined, seen];
    });

    await step("subscribe-node-label", options, async () => {
      const reports = [];
      let wake;
      const second = new Promise(resolve => (wake = resolve));
      await basic.subscribeNodeLabelAttribute(
        value => {
          reports.push(value);
          if (value === LAST_NODE_LABEL) wake();
        },
        0,
        60,
      );
      await basic.setNodeLabelAttribute(LAST_NODE_LABEL);
      await withTimeout(second, options.stepTimeout, "report of NodeLabel after the write");
      return [undefined, { reports }];
    });

    if (options["host-light"]) {
      await operateLight(client, options);
    } else {
      for (const step of APP_STEPS) {
        skipped++;
        emit({ step, skipped: true, reason: "no --host-light: the node has no host application's light" });
      }
    }
  } finally {
    await close();
  }
}

// ---- A host application's light: examples/light.py through matterd ----------------

async function operateLight(client, options) {
  // Every endpoint's Descriptor in one wildcard read, as a controller
  // learns a node's composition (matter.js builds its view of the
  // endpoint tree from what it reads).
  const light = await step("app-endpoints", options, async () => {
    const reports = await client.getMultipleAttributes({ attributes: [{ clusterId: Descriptor.Cluster.id }] });
    const attribute = (endpoint, id) =>
      reports.find(r => r.path.endpointId === endpoint && r.path.attributeId === id)?.value;
    const deviceTypes = endpoint => (attribute(endpoint, Descriptor.Cluster.attributes.deviceTypeList.id) ?? []).map(t => t.deviceType);
    const partsList = endpoint => attribute(endpoint, Descriptor.Cluster.attributes.partsList.id) ?? [];
    const rootParts = partsList(ROOT_ENDPOINT);
    const bridged = partsList(AGGREGATOR_ENDPOINT);
    const seen = { rootParts, aggregatorTypes: deviceTypes(AGGREGATOR_ENDPOINT), bridged, devices: {} };
    const where = "app-endpoints";
    check(where, seen.aggregatorTypes.includes(DEVICE_TYPE_AGGREGATOR), "an Aggregator on endpoint 1", seen);
    let found;
    for (const endpoint of bridged) {
      seen.devices[endpoint] = deviceTypes(endpoint);
      if (seen.devices[endpoint].includes(DEVICE_TYPE_EXTENDED_COLOR_LIGHT)) found = endpoint;
    }
    check(where, found !== undefined, "an Extended Color Light among the bridged endpoints", seen);
    check(where, seen.devices[found].includes(DEVICE_TYPE_BRIDGED_NODE), "the light is a Bridged Node", seen);
    check(where, rootParts.includes(found) && rootParts.includes(AGGREGATOR_ENDPOINT), "the root's PartsList names both", seen);
    return [found, seen];
  });

  const onOff = ClusterClient(OnOff.Cluster, EndpointNumber(light), client);
  await step("app-toggle", options, async () => {
    const before = await onOff.getOnOffAttribute(true);
    await onOff.toggle();
    const toggled = await onOff.getOnOffAttribute(true);
    await onOff.on();
    const on = await onOff.getOnOffAttribute(true);
    const seen = { endpoint: light, before, toggled, on };
    check("app-toggle", toggled === !before, "Toggle changed OnOff", seen);
    check("app-toggle", on === true, "On turned it on", seen);
    return [undefined, seen];
  });

  await step("app-level-color", options, async () => {
    const level = ClusterClient(LevelControl.Cluster, EndpointNumber(light), client);
    const color = ClusterClient(ColorControl.Cluster.with("ColorTemperature"), EndpointNumber(light), client);
    await level.moveToLevel({ level: 42, transitionTime: null, optionsMask: {}, optionsOverride: {} });
    await color.moveToColorTemperature({ colorTemperatureMireds: 300, transitionTime: 0, optionsMask: {}, optionsOverride: {} });
    const seen = {
      currentLevel: await level.getCurrentLevelAttribute(true),
      colorTemperatureMireds: await color.getColorTemperatureMiredsAttribute(true),
    };
    check("app-level-color", seen.currentLevel === 42, "CurrentLevel 42 after MoveToLevel", seen);
    check("app-level-color", seen.colorTemperatureMireds === 300, "300 mireds after MoveToColorTemperature", seen);
    return [undefined, seen];
  });

  await step("app-subscribe", options, async () => {
    const reports = [];
    let wake;
    const off = new Promise(resolve => (wake = resolve));
    await onOff.subscribeOnOffAttribute(
      value => {
        reports.push(value);
        if (value === false) wake();
      },
      0,
      60,
    );
    await onOff.off();
    await withTimeout(off, options.stepTimeout, "report of OnOff after Off");
    return [undefined, { reports }];
  });
}

// ---- After the node restarted ------------------------------------------------------

async function afterRestart(options) {
  const { controller, nodeId, close } = await storedController(options, "case-after-restart");
  try {
    const client = await step("case-after-restart", options, () => connect(controller, nodeId, options));
    const basic = ClusterClient(BasicInformation.Cluster, EndpointNumber(ROOT_ENDPOINT), client);
    const opcreds = ClusterClient(OperationalCredentials.Cluster, EndpointNumber(ROOT_ENDPOINT), client);
    const fabric = controller.fabric;

    // The fabric and the labels written before the restart, as the node
    // keeps them.
    const fabricIndex = await step("read-after-restart", options, async () => {
      const fabrics = await opcreds.getFabricsAttribute(true);
      const commissionedFabrics = await opcreds.getCommissionedFabricsAttribute(true);
      const currentFabricIndex = await opcreds.getCurrentFabricIndexAttribute(true);
      const nodeLabel = await basic.getNodeLabelAttribute(true);
      const seen = { fabrics, commissionedFabrics, currentFabricIndex, nodeLabel };
      const where = "read-after-restart";
      check(where, fabrics.length === 1 && commissionedFabrics === 1, "one fabric", seen);
      const ours = fabrics[0];
      check(where, BigInt(ours.fabricId) === BigInt(fabric.fabricId), `FabricID ${fabric.fabricId}`, seen);
      check(where, BigInt(ours.nodeId) === BigInt(nodeId), `NodeID ${nodeId}`, seen);
      check(where, Buffer.from(ours.rootPublicKey).equals(Buffer.from(fabric.rootPublicKey)), "our root public key", seen);
      check(where, ours.label === UPDATED_FABRIC_LABEL, `the label "${UPDATED_FABRIC_LABEL}"`, seen);
      check(where, currentFabricIndex === ours.fabricIndex, "CurrentFabricIndex naming our fabric", seen);
      check(where, nodeLabel === LAST_NODE_LABEL, `NodeLabel "${LAST_NODE_LABEL}"`, seen);
      return [currentFabricIndex, seen];
    });

    await step("remove-fabric", options, async () => {
      const response = await opcreds.removeFabric({ fabricIndex: FabricIndex(fabricIndex) });
      check("remove-fabric", response.statusCode === OperationalCredentials.NodeOperationalCertStatus.Ok,
        "NOCResponse status Ok", { response });
      return [undefined, { response }];
    });

    await step("case-refused", options, async () => {
      // A controller restarted on the same storage holds no session, so it
      // must run a CASE handshake to the address the node had. The node must
      // answer it with NoSharedTrustRoots, which matter.js only logs (it then
      // waits minutes before it tries again).
      await controller.close();
      await controller.start();
      const refusal = watchLog(/NoSharedTrustRoots/);
      try {
        const fresh = await controller.createInteractionClient(nodeId, NodeDiscoveryType.None, {
          discoveryTimeout: Seconds(5),
          forcedConnection: true,
        });
        const read = ClusterClient(BasicInformation.Cluster, EndpointNumber(ROOT_ENDPOINT), fresh).getVendorIdAttribute(true);
        const outcome = await withTimeout(
          Promise.race([read.then(vendorId => ({ vendorId })), refusal.seen.then(line => ({ line }))]),
          options.stepTimeout,
          "an answer to CASE after RemoveFabric",
        );
        read.catch(() => {}); // abandoned once refused
        if (outcome.line === undefined)
          fail("case-refused", `a CASE session after RemoveFabric, which read VendorID ${outcome.vendorId}`);
        return [undefined, { refusal: outcome.line }];
      } catch (error) {
        if (error instanceof StepFailure) throw error;
        fail("case-refused", error, { expected: "the node answers Sigma1 with NoSharedTrustRoots" });
      } finally {
        refusal.stop();
      }
    });
  } finally {
    await close();
  }
}

// ---- A subscription the node resumes after its restart -----------------------

// Subscribes to NodeLabel and keeps this process (and its CASE responder on
// the same UDP port) running while the caller restarts the node; the line
// on stdin says the restart is over. The node must then open CASE to us
// and resume the subscription under its old id: matter.js files reports by
// peer and subscription id, not by session. Then a write on the session the
// node opened must reach us as a report of that same subscription.
async function resumeSubscription(options) {
  const { controller, nodeId, close } = await storedController(options, "subscribe-for-resume");
  const nextLine = stdinLines();
  const subscriptions = controller.node.env.get(ClientSubscriptions);
  const ids = () => [...subscriptions].map(s => s.subscriptionId).filter(id => id !== undefined);
  const reports = [];
  // What matter.js logs of it: the sessions the node opened to us (its
  // CaseServer answering), reports it refused as of no subscription it
  // knows, subscriptions that timed out, and SubscribeRequests it sent.
  const events = { acceptedSessions: [], ignored: [], ignoredIds: [], timedOut: [], subscribeSent: 0 };
  Logger.destinations.resume = LogDestination({
    level: LogLevel.INFO,
    write: text => {
      const line = text.trim().slice(0, 300);
      const ignored = /Ignoring data report for unknown subscription ID ([0-9a-f]+)/.exec(line);
      if (ignored !== null) {
        events.ignored.push(line);
        events.ignoredIds.push(Number.parseInt(ignored[1], 16));
      } else if (/timed out after/.test(line)) events.timedOut.push(line);
      else if (/CaseServer .*(New|Resumed) session with/.test(line)) events.acceptedSessions.push(line);
      if (/Subscribe »/.test(line)) events.subscribeSent++;
    },
  });
  try {
    const [client] = await withTimeout(connect(controller, nodeId, options), options.stepTimeout, "CASE");
    const basic = ClusterClient(BasicInformation.Cluster, EndpointNumber(ROOT_ENDPOINT), client);
    let wake;
    let waitingFor;
    await basic.subscribeNodeLabelAttribute(
      value => {
        reports.push({ value, atMs: Math.round(performance.now()) });
        if (value === waitingFor) wake();
      },
      0,
      60,
    );
    const original = ids();
    check("subscribe-for-resume", original.length === 1, "one subscription", { original });
    const [subscriptionId] = original;
    const peer = () => [...subscriptions].find(s => s.subscriptionId === subscriptionId);
    pass("subscribe-for-resume", { subscriptionId });

    // The caller restarted the node.
    if ((await nextLine()) === undefined) fail("resumed-report", "stdin closed before the restart");
    const restartedAt = Time.nowMs;
    const subscribeBefore = events.subscribeSent;
    const deadline = Date.now() + options.stepTimeout * 1000;
    while (Date.now() < deadline && !(peer()?.lastReportStartedAt >= restartedAt)) await sleep(100);
    const seen = {
      subscriptionId,
      active: ids(),
      reportStarted: peer()?.lastReportStartedAt >= restartedAt,
      resubscribed: events.subscribeSent > subscribeBefore,
      ...events,
    };
    check("resumed-report", seen.reportStarted, `a report of subscription ${subscriptionId} after the restart`,
      { ...seen, log: recentLog });
    check("resumed-report", seen.acceptedSessions.length >= 1, "a CASE session the node opened to us", seen);
    check("resumed-report", !seen.resubscribed && seen.active.length === 1 && seen.active[0] === subscriptionId,
      "no subscription but the original", seen);
    pass("resumed-report", seen);

    // A change after the resumption: reported on the original subscription.
    const changed = new Promise(resolve => (wake = resolve));
    waitingFor = "interop-resumed";
    await basic.setNodeLabelAttribute(waitingFor);
    await withTimeout(changed, options.stepTimeout, "report of NodeLabel on the resumed subscription");
    // Back to what the after-restart phase expects.
    const restored = new Promise(resolve => (wake = resolve));
    waitingFor = LAST_NODE_LABEL;
    await basic.setNodeLabelAttribute(waitingFor);
    await withTimeout(restored, options.stepTimeout, "report of the restored NodeLabel");
    const after = {
      subscriptionId,
      active: ids(),
      reports,
      resubscribed: events.subscribeSent > subscribeBefore,
      ignoredIds: events.ignoredIds,
    };
    check("report-after-resume", !after.resubscribed && after.active.length === 1 && after.active[0] === subscriptionId,
      "the reports on the original subscription", after);
    pass("report-after-resume", after);
  } catch (error) {
    if (error instanceof StepFailure) throw error;
    fail("resume-subscription", error, { reports, ...events });
  } finally {
    delete Logger.destinations.resume;
    await close();
  }
}

function sleep(ms) {
  return new Promise(resolve => setTimeout(resolve, ms));
}

// ---- Benchmark loops -------------------------------------------------------------

// One line from stdin: the caller's go-ahead for the next batch.
function stdinLines() {
  const waiting = [];
  const lines = [];
  let buffer = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", chunk => {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      const next = waiting.shift();
      if (next !== undefined) next(line);
      else lines.push(line);
    }
  });
  process.stdin.on("end", () => {
    for (const next of waiting.splice(0)) next(undefined);
  });
  return () => (lines.length > 0 ? Promise.resolve(lines.shift()) : new Promise(resolve => waiting.push(resolve)));
}

async function bench(options) {
  const { controller, nodeId, close } = await storedController(options, "bench");
  const nextLine = stdinLines();
  const sessions = sessionManager(controller);
  const address = PeerAddress({ fabricIndex: controller.fabric.fabricIndex, nodeId });
  try {
    const [first] = await withTimeout(connect(controller, nodeId, options), options.stepTimeout, "bench: CASE");
    let client = first;

    // Every handshake starts with no session to the node (each closed with
    // CloseSession) and, for a full one, no resumption record to offer; the
    // read of VendorID on the new session is part of what is timed.
    const closeSessions = async () => {
      for (const session of sessions.sessionsFor(address)) await session.initiateClose();
    };
    const handshake = async resume => {
      await closeSessions();
      if (!resume) await sessions.deleteResumptionRecord(address);
      client = await controller.createInteractionClient(nodeId, NodeDiscoveryType.None, { forcedConnection: true });
      await ClusterClient(BasicInformation.Cluster, EndpointNumber(ROOT_ENDPOINT), client).getVendorIdAttribute(true);
    };
    const read = () =>
      ClusterClient(BasicInformation.Cluster, EndpointNumber(ROOT_ENDPOINT), client).getVendorIdAttribute(true);
    const batches = [
      ["case", () => handshake(false)],
      ["case-resumed", () => handshake(true)],
      ["read", read],
    ];
    for (const [batch, operation] of batches) {
      // The session the resumed batch resumes must have been made with a
      // record: the full batch deleted the last one before its handshake.
      emit({ batch, ready: true });
      if ((await nextLine()) === undefined) break;
      const counted = { New: 0, Resumed: 0 };
      Logger.destinations.bench = LogDestination({
        level: LogLevel.INFO,
        write: text => {
          const match = /(New|Resumed) session with/.exec(text);
          if (match !== null) counted[match[1]]++;
        },
      });
      const start = process.hrtime.bigint();
      for (let i = 0; i < options.count; i++) await withTimeout(operation(), options.stepTimeout, `bench ${batch}`);
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      delete Logger.destinations.bench;
      emit({ batch, n: options.count, ms, sessions: counted });
    }
  } finally {
    await close();
  }
}

// Runs one named step: reports it, and stops the run after --until.
async function step(name, options, body) {
  let result, details;
  try {
    [result, details] = await withTimeout(body(), options.stepTimeout * 2, name);
  } catch (error) {
    if (error instanceof StepFailure) throw error;
    fail(name, error);
  }
  pass(name, details);
  if (reachedUntil(name)) throw new StopHere();
  return result;
}

// ---- Main ------------------------------------------------------------------------

// A later phase (operate, after-restart), in a process of its own with the
// same arguments.
function runPhaseProcess(mode, argv) {
  const script = fileURLToPath(import.meta.url);
  const args = argv.filter((arg, i) => !(i === 0 && ["all", "commission"].includes(arg)));
  return new Promise(resolve => {
    const child = spawn(process.execPath, [script, mode, ...args], { stdio: ["ignore", "pipe", "inherit"] });
    let buffer = "";
    let stoppedEarly = false;
    child.stdout.on("data", chunk => {
      buffer += chunk;
      let newline;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        // Counted here, printed as the child printed it, but for its summary.
        try {
          const record = JSON.parse(line);
          if (record.done) {
            stoppedEarly = record.until !== undefined;
            passed += record.passed;
            skipped += record.skipped;
            continue;
          }
        } catch {
          // not JSON: pass it on
        }
        process.stdout.write(line + "\n");
      }
    });
    child.on("exit", code => resolve({ code: code ?? 1, stopped: stoppedEarly }));
  });
}

const argv = process.argv.slice(2);
const options = parseArguments(argv);
// matter.js reads settings from the command line as well (--log-level, for
// one) when it is loaded: it must see none of ours.
process.argv.splice(2);
const { Environment, LogDestination, Logger, LogLevel, Seconds, Time } = await import("@matter/main");
const {
  AccessControl,
  BasicInformation,
  ColorControl,
  Descriptor,
  LevelControl,
  OnOff,
  OperationalCredentials,
} = await import("@matter/main/clusters");
const {
  CertificationDeclaration,
  ClientSubscriptions,
  ControllerCommissioningFlow,
  DclCertificateService,
  getOperationalDeviceQname,
  PeerAddress,
  PeerSet,
  SessionManager,
  TestCert_PAA_FFF1_Cert,
  TestCert_PAA_NoVID_Cert,
} = await import("@matter/main/protocol");
const { EndpointNumber, FabricIndex, ManualPairingCodeCodec } = await import("@matter/main/types");
const { CommissioningController } = await import("@project-chip/matter.js");
const { ClusterClient, NodeDiscoveryType } = await import("@project-chip/matter.js/cluster");

async function main() {
  until = options.until;
  try {
    if (options.mode === "operate") {
      await operate(options);
    } else if (options.mode === "after-restart") {
      await afterRestart(options);
    } else if (options.mode === "bench") {
      await bench(options);
    } else if (options.mode === "resume-subscription") {
      await resumeSubscription(options);
    } else {
      const result = await commission(options);
      if (result === "stopped") {
        skipRest(until);
      } else if (options.mode === "all") {
        for (const mode of ["operate", "after-restart"]) {
          const { code, stopped } = await runPhaseProcess(mode, argv);
          if (code !== 0) {
            process.exitCode = code;
            return;
          }
          if (stopped) break;
        }
      }
    }
  } catch (error) {
    if (error instanceof StopHere) {
      skipRest(until);
    } else if (error instanceof StepFailure) {
      process.exitCode = 1;
      return;
    } else {
      emit({ step: "internal", ok: false, error: errorText(error), stack: error?.stack });
      process.exitCode = 1;
      return;
    }
  }
  emit({ done: true, passed, skipped, ...(until !== undefined ? { until } : {}) });
}

// matter.js keeps timers (mDNS, retransmissions) running after close; the
// result is known, so end the process once stdout is flushed.
main()
  .catch(error => {
    emit({ step: "internal", ok: false, error: errorText(error), stack: error?.stack });
    process.exitCode = 1;
  })
  .finally(() => process.stdout.write("", () => process.exit()));
