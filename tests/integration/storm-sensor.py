#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""A Temperature Sensor that, on SIGUSR1, changes MeasuredValue 500 times
as fast as it can, ending at 1234 (test-app-examples: subscribers get the
storm coalesced to their minimum interval)."""

import os
import signal
import sys

sys.path.insert(0, os.environ["MATTERD_EXAMPLES_DIR"])

from gi.repository import GLib  # noqa: E402

from matterd_app import Application, log  # noqa: E402

app = Application("/org/matterd/test/storm")
ep = app.add_endpoint("storm-sensor-1", [(0x0302, 2)], label="Storm")
ep.add_cluster("Identify", {"IdentifyTime": 0, "IdentifyType": 0},
               {"Identify": lambda seconds: None})
temperature = ep.add_cluster("TemperatureMeasurement", {
    "MeasuredValue": 0, "MinMeasuredValue": -4000, "MaxMeasuredValue": 12500})


def storm():
    for value in range(500):
        temperature.set("MeasuredValue", value)
    temperature.set("MeasuredValue", 1234)
    log("Storm over")
    return GLib.SOURCE_CONTINUE


GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGUSR1, storm)
sys.exit(app.run())
