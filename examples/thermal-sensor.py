#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""The host's temperature as a Matter Temperature Sensor, through matterd.

    thermal-sensor.py [--session] [--path FILE] [--interval SECONDS]

FILE holds millidegrees Celsius as the kernel's thermal zones do
(default: the first /sys/class/thermal/thermal_zone*/temp). A value that
cannot be read is reported as null (unknown)."""

import argparse
import glob
import sys

from gi.repository import Gio, GLib

from matterd_app import Application, log

TEMPERATURE_SENSOR = (0x0302, 2)
NULL_INT16 = -0x8000


def read_centidegrees(path):
    """MeasuredValue is in 0.01 °C; the kernel gives 0.001 °C."""
    try:
        with open(path) as f:
            millidegrees = int(f.read().strip())
    except (OSError, ValueError) as error:
        log(f"Cannot read {path}: {error}")
        return NULL_INT16
    return max(-27315, min(32767, round(millidegrees / 10)))


def main():
    zones = sorted(glob.glob("/sys/class/thermal/thermal_zone*/temp"))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--session", action="store_true", help="use the session bus")
    parser.add_argument("--path", default=zones[0] if zones else None)
    parser.add_argument("--interval", type=float, default=10)
    parser.add_argument("--unique-id", default="example-thermal-sensor-1")
    args = parser.parse_args()
    if args.path is None:
        parser.error("no thermal zone on this host: give --path")

    app = Application("/org/matterd/example/thermal",
                      bus=Gio.BusType.SESSION if args.session else None)
    ep = app.add_endpoint(args.unique_id, [TEMPERATURE_SENSOR], label="Host temperature",
                          vendor_name="matterd examples", product_name="Thermal sensor")
    identify = ep.add_cluster("Identify", {"IdentifyTime": 0, "IdentifyType": 0}, {
        "Identify": lambda seconds: identify.set("IdentifyTime", seconds),
    })
    temperature = ep.add_cluster("TemperatureMeasurement", {
        "MeasuredValue": read_centidegrees(args.path),
        "MinMeasuredValue": -4000,
        "MaxMeasuredValue": 12500,
    })

    def sample():
        value = read_centidegrees(args.path)
        if value != temperature.get("MeasuredValue"):
            log(f"MeasuredValue {value}")
        temperature.set("MeasuredValue", value)
        return GLib.SOURCE_CONTINUE

    GLib.timeout_add(int(args.interval * 1000), sample)
    return app.run()


if __name__ == "__main__":
    sys.exit(main())
