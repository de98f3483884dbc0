#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
//
// A Matter node made with matter.js: the root endpoint alone, with the
// clusters matter.js gives a root node by default, the development vendor
// and product (0xFFF1/0x8000) and matter.js's own test attestation. It is the
// reference peer that commission.mjs is checked against and that benchmarks
// compare matterd with.
//
//   node device.mjs --state-dir DIR --port PORT [--passcode N] [--discriminator N]
//       [--mdns-interface IF] [--log-level debug|info|notice|warn|error]
//
// Once it is commissionable it prints one JSON line on stdout,
//   {"ready":true,"port":5540,"manualPairingCode":"...","qrPairingCode":"MT:..."}
// and it runs until SIGTERM or SIGINT.

import { parseArgs } from "node:util";


function usage(message) {
  process.stderr.write(`device.mjs: ${message}\n`);
  process.exit(2);
}

function numberOption(values, name) {
  const value = Number(values[name]);
  if (!Number.isInteger(value) || value < 0) usage(`--${name} takes a number, not ${values[name]}`);
  return value;
}

function parseArguments() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        "state-dir": { type: "string" },
        port: { type: "string", default: "5540" },
        passcode: { type: "string", default: "20202021" },
        discriminator: { type: "string", default: "3840" },
        "mdns-interface": { type: "string", default: "lo" },
        "log-level": { type: "string", default: "info" },
      },
    }));
  } catch (error) {
    usage(error.message);
  }
  if (values["state-dir"] === undefined) usage("--state-dir is required");
  return values;
}

const values = parseArguments();
// matter.js reads settings from the command line as well (--log-level, for
// one) when it is loaded: it must see none of ours.
process.argv.splice(2);
const { Environment, Logger, ServerNode, VendorId } = await import("@matter/main");

async function main() {

  // matter.js logs to stdout by default; stdout carries the ready line.
  Logger.destinations.default.write = text => process.stderr.write(text + "\n");
  Logger.format = "plain";
  Logger.level = values["log-level"];
  const environment = Environment.default;
  environment.vars.set("storage.path", values["state-dir"]);
  environment.vars.set("mdns.networkInterface", values["mdns-interface"]);
  environment.vars.set("mdns.ipv4", true);

  const port = numberOption(values, "port");
  const node = await ServerNode.create({
    id: "matterd-interop-device",
    environment,
    network: { port },
    commissioning: {
      passcode: numberOption(values, "passcode"),
      discriminator: numberOption(values, "discriminator"),
    },
    productDescription: {
      name: "matterd interop device",
      deviceType: 0x0016, // Root Node
    },
    basicInformation: {
      vendorName: "Test vendor",
      vendorId: VendorId(0xfff1),
      productName: "matterd interop device",
      productId: 0x8000,
      nodeLabel: "",
      serialNumber: "interop-0001",
      uniqueId: "matterd-interop-device",
      hardwareVersion: 1,
      softwareVersion: 1,
    },
  });

  const stop = () => {
    node.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);

  await node.start();
  const { manualPairingCode, qrPairingCode } = node.state.commissioning.pairingCodes;
  process.stdout.write(JSON.stringify({ ready: true, port, manualPairingCode, qrPairingCode }) + "\n");
}

main().catch(error => {
  process.stderr.write(`device.mjs: ${error?.stack ?? error}\n`);
  process.exit(1);
});
