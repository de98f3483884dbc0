# SPDX-License-Identifier: Apache-2.0
"""Export Matter endpoints to matterd over D-Bus, with GLib's Gio only.

An application is an object tree under one root with an ObjectManager:
one object per endpoint (org.matterd.Endpoint1) and below it one object
per cluster (org.matterd.cluster.<Name>1), whose properties are the
cluster's attributes, whose methods are its commands and whose signals are
its events (docs/dbus-api.md). The interfaces are read from the
introspection files matterd installs (dbus-1/interfaces), so this module
knows no cluster by itself.

    app = Application("/com/example/lamp")
    ep = app.add_endpoint("lamp-1", [(0x0100, 3)], label="Lamp")
    ep.add_cluster("Identify", {"IdentifyTime": 0, "IdentifyType": 0},
                   {"Identify": lambda seconds: None})
    onoff = ep.add_cluster("OnOff", {"OnOff": False}, {"On": ..., "Off": ...})
    app.run()

matterd sets properties (a controller's writes) through Properties.Set:
an application refuses one by raising Status("ConstraintError") from
its on_write hook, and a command by raising it from the method.
"""

import os
import sys
import xml.etree.ElementTree as ET

import gi

gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

MATTERD = "org.matterd"
MANAGER_PATH = "/org/matterd"
MANAGER_INTERFACE = "org.matterd.EndpointManager1"
ENDPOINT_INTERFACE = "org.matterd.Endpoint1"
CLUSTER_PREFIX = "org.matterd.cluster."
PROPERTIES = "org.freedesktop.DBus.Properties"

ENDPOINT_XML = """<node><interface name="org.matterd.Endpoint1">
  <property name="UniqueId" type="s" access="read"/>
  <property name="DeviceTypes" type="a(qq)" access="read"/>
  <property name="Label" type="s" access="readwrite"/>
  <property name="VendorName" type="s" access="read"/>
  <property name="ProductName" type="s" access="read"/>
  <property name="SerialNumber" type="s" access="read"/>
  <property name="Reachable" type="b" access="read"/>
</interface></node>"""

OBJECT_MANAGER_XML = """<node><interface name="org.freedesktop.DBus.ObjectManager">
  <method name="GetManagedObjects">
    <arg name="objects" type="a{oa{sa{sv}}}" direction="out"/>
  </method>
  <signal name="InterfacesAdded">
    <arg name="object" type="o"/><arg name="interfaces" type="a{sa{sv}}"/>
  </signal>
  <signal name="InterfacesRemoved">
    <arg name="object" type="o"/><arg name="interfaces" type="as"/>
  </signal>
</interface></node>"""

INTERFACE_DIRS = [
    os.environ.get("MATTERD_INTERFACES_DIR", ""),
    "/usr/local/share/dbus-1/interfaces",
    "/usr/share/dbus-1/interfaces",
]


class Status(Exception):
    """A Matter status to answer with: "ConstraintError", "Busy", ..."""

    def __init__(self, name, message=""):
        super().__init__(message or name)
        self.name = name


def log(*args):
    print(*args, flush=True)


def cluster_interface_info(cluster, methods, properties, context=False):
    """The introspection of org.matterd.cluster.<cluster>1, cut down to the
    @methods and @properties the application implements (so that matterd,
    which introspects it, offers just those); with @context, every method
    takes the context dictionary as its last argument."""
    name = CLUSTER_PREFIX + cluster + "1"
    for directory in INTERFACE_DIRS:
        path = os.path.join(directory, name + ".xml") if directory else ""
        if path and os.path.exists(path):
            break
    else:
        raise FileNotFoundError(f"No introspection file for {name}; set MATTERD_INTERFACES_DIR")
    root = ET.parse(path).getroot()
    for interface in root.iter("interface"):
        for element in list(interface):
            if (element.tag == "method" and element.get("name") not in methods) or \
                    (element.tag == "property" and element.get("name") not in properties):
                interface.remove(element)
    if context:
        for method in root.iter("method"):
            ET.SubElement(method, "arg", name="Context", type="a{sv}", direction="in")
    info = Gio.DBusNodeInfo.new_for_xml(ET.tostring(root, encoding="unicode"))
    return info.lookup_interface(name)


class Exported:
    """One object with one interface; its properties are kept as Variants."""

    def __init__(self, app, path, info, values, methods=None, on_write=None):
        self.app = app
        self.path = path
        self.info = info
        self.methods = methods or {}
        self.on_write = on_write
        self.values = {}
        self.registration = 0
        for name, value in values.items():
            self.values[name] = self._variant(name, value)

    def _signature(self, name):
        prop = self.info.lookup_property(name)
        if prop is None:
            raise KeyError(f"{self.info.name} has no property {name}")
        return prop.signature

    def _variant(self, name, value):
        if isinstance(value, GLib.Variant):
            return value
        return GLib.Variant(self._signature(name), value)

    def get(self, name):
        return self.values[name].unpack()

    def set(self, name, value):
        """Changes a property and tells matterd (PropertiesChanged)."""
        variant = self._variant(name, value)
        if self.values.get(name) == variant:
            return
        self.values[name] = variant
        if self.registration and self.app.connection:
            self.app.connection.emit_signal(
                None, self.path, PROPERTIES, "PropertiesChanged",
                GLib.Variant("(sa{sv}as)", (self.info.name, {name: variant}, [])))

    def emit(self, signal, *args):
        """Emits one of the interface's signals (a cluster's event)."""
        info = self.info.lookup_signal(signal)
        signature = "(" + "".join(a.signature for a in info.args) + ")"
        self.app.connection.emit_signal(None, self.path, self.info.name, signal,
                                        GLib.Variant(signature, args))

    def properties(self):
        return dict(self.values)

    def export(self, connection):
        self.registration = connection.register_object(self.path, self.info, self._call,
                                                       None, None)

    def unexport(self, connection):
        if self.registration:
            connection.unregister_object(self.registration)
            self.registration = 0

    # Properties are handled here rather than by GDBus, so that a write can
    # be refused with a Matter status.
    def _properties_call(self, method, params, invocation):
        if method == "Get":
            _, name = params.unpack()
            if name not in self.values:
                invocation.return_dbus_error("org.freedesktop.DBus.Error.UnknownProperty", name)
                return
            invocation.return_value(GLib.Variant("(v)", (self.values[name],)))
        elif method == "GetAll":
            invocation.return_value(GLib.Variant("(a{sv})", (self.properties(),)))
        elif method == "Set":
            name = params.get_child_value(1).get_string()
            variant = params.get_child_value(2).get_variant()
            prop = self.info.lookup_property(name)
            if prop is None or name not in self.values:
                invocation.return_dbus_error("org.freedesktop.DBus.Error.UnknownProperty", name)
                return
            if not prop.flags & Gio.DBusPropertyInfoFlags.WRITABLE:
                invocation.return_dbus_error("org.freedesktop.DBus.Error.PropertyReadOnly", name)
                return
            if variant.get_type_string() != prop.signature:
                invocation.return_dbus_error("org.freedesktop.DBus.Error.InvalidArgs",
                                             f"{name} is {prop.signature}")
                return
            try:
                if self.on_write:
                    self.on_write(name, variant.unpack())
            except Status as status:
                invocation.return_dbus_error("org.matterd.Status." + status.name, str(status))
                return
            self.set(name, variant)
            invocation.return_value(None)

    def _call(self, connection, sender, path, interface, method, params, invocation):
        if interface == PROPERTIES:
            self._properties_call(method, params, invocation)
            return
        handler = self.methods.get(method)
        if handler is None:
            invocation.return_dbus_error("org.matterd.Status.UnsupportedCommand", method)
            return
        try:
            result = handler(*params.unpack())
        except Status as status:
            invocation.return_dbus_error("org.matterd.Status." + status.name, str(status))
            return
        out = self.info.lookup_method(method).out_args
        if not out:
            invocation.return_value(None)
            return
        signature = "(" + "".join(a.signature for a in out) + ")"
        invocation.return_value(GLib.Variant(signature, tuple(result)))


class Endpoint(Exported):
    def __init__(self, app, path, unique_id, device_types, **props):
        info = Gio.DBusNodeInfo.new_for_xml(ENDPOINT_XML).interfaces[0]
        values = {"UniqueId": unique_id, "DeviceTypes": device_types}
        names = {"label": "Label", "vendor_name": "VendorName",
                 "product_name": "ProductName", "serial_number": "SerialNumber",
                 "reachable": "Reachable"}
        for key, value in props.items():
            values[names[key]] = value
        super().__init__(app, path, info, values,
                         on_write=lambda name, value: log(f"{path}: {name} set to {value!r}"))
        self.clusters = []

    def add_cluster(self, name, values, methods=None, feature_map=0, on_write=None):
        values = dict(values, FeatureMap=feature_map)
        info = cluster_interface_info(name, methods or {}, values, self.app.context)
        cluster = Exported(self.app, f"{self.path}/{name.lower()}", info, values, methods,
                           on_write)
        self.clusters.append(cluster)
        return cluster


class Application:
    """An object tree registered with matterd, registered again whenever
    matterd (re)appears on the bus."""

    def __init__(self, root, bridged=True, context=False, bus=None):
        self.root = root
        self.bridged = bridged
        self.context = context
        self.endpoints = []
        if bus is None:
            bus = Gio.BusType.SESSION if os.environ.get("MATTERD_BUS") == "session" \
                else Gio.BusType.SYSTEM
        self.bus = bus
        self.connection = None
        self.loop = GLib.MainLoop()

    def add_endpoint(self, unique_id, device_types, **props):
        path = f"{self.root}/ep{len(self.endpoints)}"
        endpoint = Endpoint(self, path, unique_id, device_types, **props)
        self.endpoints.append(endpoint)
        return endpoint

    def objects(self):
        for endpoint in self.endpoints:
            yield endpoint
            yield from endpoint.clusters

    def _managed_objects(self):
        return {o.path: {o.info.name: o.properties()} for o in self.objects()}

    def _manager_call(self, connection, sender, path, interface, method, params, invocation):
        invocation.return_value(GLib.Variant("(a{oa{sa{sv}}})", (self._managed_objects(),)))

    def _registered(self, connection, result):
        try:
            connection.call_finish(result)
            log(f"Registered {self.root} with matterd")
        except GLib.Error as error:
            log(f"matterd refused {self.root}: {error.message}")
            self.loop.quit()
            self.exit_code = 1

    def _matterd_appeared(self, connection, name, owner):
        options = {"Bridged": GLib.Variant("b", self.bridged),
                   "Context": GLib.Variant("b", self.context)}
        connection.call(MATTERD, MANAGER_PATH, MANAGER_INTERFACE, "RegisterApplication",
                        GLib.Variant("(oa{sv})", (self.root, options)), None,
                        Gio.DBusCallFlags.NONE, -1, None, self._registered)

    def run(self):
        self.exit_code = 0
        self.connection = Gio.bus_get_sync(self.bus, None)
        info = Gio.DBusNodeInfo.new_for_xml(OBJECT_MANAGER_XML).interfaces[0]
        self.connection.register_object(self.root, info, self._manager_call, None, None)
        for obj in self.objects():
            obj.export(self.connection)
        Gio.bus_watch_name_on_connection(self.connection, MATTERD,
                                         Gio.BusNameWatcherFlags.NONE,
                                         self._matterd_appeared,
                                         lambda *_: log("matterd left the bus"))
        for signum in (2, 15):
            GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signum, self._quit)
        self.loop.run()
        return self.exit_code

    def _quit(self):
        self.loop.quit()
        return GLib.SOURCE_REMOVE





if __name__ == "__main__":
    sys.exit("This is a module: run light.py or thermal-sensor.py")
