#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Turns the cluster and device type descriptions under clusters/ into what
matterd builds from them (see src/node/app-model.h and docs/clusters.md):

  gen-app-model.py list CLUSTERS_DIR
      the description files and the introspection file of each cluster
      (for meson, one per line: "description<TAB>interface").
  gen-app-model.py tables CLUSTERS_DIR OUT.c
      the static tables of app-model.h.
  gen-app-model.py dbus CLUSTERS_DIR OUT_DIR LIST_FILE
      one org.matterd.cluster.<Name>1.xml per cluster and the plain list of
      their interface names.

Every description is validated first; a problem stops the build with
"file:line: message". Only the standard library is used (tomllib)."""

import os
import re
import sys
import tomllib

INTERFACE_PREFIX = "org.matterd.cluster."
DEVICE_TYPES_FILE = "device-types.toml"


class DescriptionError(Exception):
    pass


class Source:
    """A description file: its parsed content and where its keys are, so
    that errors can name a line."""

    def __init__(self, path):
        self.path = path
        with open(path, "rb") as f:
            raw = f.read()
        try:
            self.data = tomllib.loads(raw.decode("utf-8"))
        except tomllib.TOMLDecodeError as e:
            raise DescriptionError(f"{path}: {e}")
        self.lines = raw.decode("utf-8").splitlines()

    def line_of(self, *needles):
        """The first line holding all of @needles (a key and a value, say)."""
        for number, line in enumerate(self.lines, 1):
            if all(str(n) in line for n in needles):
                return number
        return 1

    def fail(self, message, *needles):
        raise DescriptionError(f"{self.path}:{self.line_of(*needles)}: {message}")


# ---- Types ------------------------------------------------------------------

# Base types: (kind, bits). Enums and bitmaps are unsigned integers.
BASE_TYPES = {"bool": ("BOOL", 0), "single": ("SINGLE", 0), "double": ("DOUBLE", 0),
              "string": ("STRING", 0), "octstr": ("OCTETS", 0)}
for _bits in (8, 16, 24, 32, 40, 48, 56, 64):
    BASE_TYPES[f"uint{_bits}"] = ("UINT", _bits)
    BASE_TYPES[f"int{_bits}"] = ("INT", _bits)
    BASE_TYPES[f"bitmap{_bits}"] = ("UINT", _bits)
BASE_TYPES["enum8"] = ("UINT", 8)
BASE_TYPES["enum16"] = ("UINT", 16)

# Derived types (Core spec 7.19.2) and the base each maps to.
DERIVED_TYPES = {
    "percent": "uint8", "percent100ths": "uint16", "temperature": "int16",
    "elapsed-s": "uint32", "epoch-s": "uint32", "epoch-us": "uint64", "posix-ms": "uint64",
    "systime-ms": "uint64", "systime-us": "uint64", "utc": "uint32",
    "amperage-mA": "int64", "voltage-mV": "int64", "power-mW": "int64", "energy-mWh": "int64",
    "fabric-idx": "uint8", "fabric-id": "uint64", "node-id": "uint64", "vendor-id": "uint16",
    "endpoint-no": "uint16", "group-id": "uint16", "cluster-id": "uint32", "attrib-id": "uint32",
    "devtype-id": "uint32", "event-no": "uint64", "entry-idx": "uint16", "status": "enum8",
    "priority": "enum8", "data-ver": "uint32", "action-id": "uint8", "trans-id": "uint32",
    "tod": "uint32", "date": "uint32",
}

DBUS_UNSIGNED = {8: "y", 16: "q", 24: "u", 32: "u", 40: "t", 48: "t", 56: "t", 64: "t"}
DBUS_SIGNED = {8: "n", 16: "n", 24: "i", 32: "i", 40: "x", 48: "x", 56: "x", 64: "x"}

PRIVILEGES = {"V": "MATTER_ACL_PRIVILEGE_VIEW", "P": "MATTER_ACL_PRIVILEGE_PROXY_VIEW",
              "O": "MATTER_ACL_PRIVILEGE_OPERATE", "M": "MATTER_ACL_PRIVILEGE_MANAGE",
              "A": "MATTER_ACL_PRIVILEGE_ADMINISTER"}
PRIORITIES = {"debug": 0, "info": 1, "critical": 2}


def c_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def snake(name):
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower()


class Cluster:
    def __init__(self, src):
        self.src = src
        d = src.data
        for key in ("id", "name", "revision", "source"):
            if key not in d:
                src.fail(f"missing key '{key}'")
        self.id = d["id"]
        self.name = d["name"]
        if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", self.name):
            src.fail(f"cluster name '{self.name}' is not a D-Bus interface element", "name")
        self.revision = d["revision"]
        self.interface = f"{INTERFACE_PREFIX}{self.name}1"
        self.prefix = "app_" + snake(self.name)
        self.features = d.get("features", [])
        self.feature_bits = {}
        for f in self.features:
            for key in ("bit", "code", "name"):
                if key not in f:
                    src.fail(f"feature without '{key}'", "bit")
            if f["code"] in self.feature_bits:
                src.fail(f"feature {f['code']} twice", f["code"])
            self.feature_bits[f["code"]] = f["bit"]
        self.enums = d.get("enums", {})
        self.bitmaps = d.get("bitmaps", {})
        self.structs = d.get("structs", {})
        for kind, table, bases in (("enum", self.enums, ("enum8", "enum16")),
                                   ("bitmap", self.bitmaps, ("bitmap8", "bitmap16", "bitmap32",
                                                             "bitmap64"))):
            for tname, t in table.items():
                if t.get("base") not in bases:
                    src.fail(f"{kind} {tname}: base must be one of {', '.join(bases)}", tname)
                if kind == "enum" and "range" in t:
                    lo, hi = t["range"]
                    t["values"] = {f"v{v}": v for v in range(lo, hi + 1)}
                values = t.get("values" if kind == "enum" else "bits", {})
                if not values:
                    src.fail(f"{kind} {tname} defines nothing", tname)
                limit = BASE_TYPES[t["base"]][1]
                for vname, v in values.items():
                    # An enum's values fit its width; a bitmap's bits lie in it.
                    top = (1 << limit) - 1 if kind == "enum" else limit - 1
                    if not isinstance(v, int) or not 0 <= v <= top:
                        src.fail(f"{kind} {tname}: {vname} = {v} does not fit {t['base']}", vname)
        self.attributes = d.get("attribute", [])
        self.commands = d.get("command", [])
        self.responses = {r["name"]: r for r in d.get("response", [])}
        self.events = d.get("event", [])
        self.validate()

    # -- validation

    def check_sorted(self, items, what):
        ids = [i.get("id") for i in items]
        for i, item in enumerate(items):
            if "id" not in item or "name" not in item:
                self.src.fail(f"{what} without id or name", item.get("name", "[["))
        for a, b in zip(items, items[1:]):
            if b["id"] <= a["id"]:
                self.src.fail(f"{what} {b['name']} (0x{b['id']:04X}) is not after "
                              f"{a['name']} (0x{a['id']:04X}): ids ascend and are unique",
                              f"\"{b['name']}\"")
        names = [i["name"] for i in items]
        for n in names:
            if names.count(n) > 1:
                self.src.fail(f"{what} name {n} twice", f'"{n}"')
        return ids

    def validate(self):
        self.check_sorted(self.attributes, "attribute")
        self.check_sorted(self.commands, "command")
        self.check_sorted(self.events, "event")
        self.check_sorted(sorted(self.responses.values(), key=lambda r: r["id"]), "response")
        for a in self.attributes:
            self.resolve(a["type"], a["name"])
            self.conformance(a.get("conformance", "M"), a["name"])
            self.access(a.get("access", "R V"), a["name"], "attribute")
        for c in self.commands:
            self.check_fields(c.get("fields", []), c["name"])
            self.conformance(c.get("conformance", "M"), c["name"])
            self.access(c.get("access", "O"), c["name"], "command")
            resp = c.get("response", "Y")
            if resp != "Y" and resp not in self.responses:
                self.src.fail(f"command {c['name']}: response {resp} is not described", resp)
        for r in self.responses.values():
            self.check_fields(r.get("fields", []), r["name"])
        for e in self.events:
            self.check_fields(e.get("fields", []), e["name"])
            self.conformance(e.get("conformance", "M"), e["name"])
            self.access(e.get("access", "V"), e["name"], "event")
            if e.get("priority") not in PRIORITIES:
                self.src.fail(f"event {e['name']}: priority is one of {', '.join(PRIORITIES)}",
                              e["name"])
        for sname, s in self.structs.items():
            self.check_fields(s.get("fields", []), sname)

    def check_fields(self, fields, owner):
        for a, b in zip(fields, fields[1:]):
            if b["id"] <= a["id"]:
                self.src.fail(f"{owner}: field {b['name']} does not follow {a['name']} in id order",
                              b["name"])
        for f in fields:
            self.resolve(f["type"], f"{owner}.{f['name']}")

    def resolve(self, tname, where):
        """(kind, bits, base name, extra) of a type name; extra is the enum,
        bitmap, struct or list element."""
        m = re.fullmatch(r"list\[(.+)\]", tname)
        if m:
            return ("LIST", 0, "list", m.group(1))
        if tname in self.enums:
            base = self.enums[tname]["base"]
            return (*BASE_TYPES[base], base, ("enum", self.enums[tname]))
        if tname in self.bitmaps:
            base = self.bitmaps[tname]["base"]
            return (*BASE_TYPES[base], base, ("bitmap", self.bitmaps[tname]))
        if tname in self.structs:
            return ("STRUCT", 0, "struct", self.structs[tname])
        base = DERIVED_TYPES.get(tname, tname)
        if base in BASE_TYPES:
            return (*BASE_TYPES[base], base, None)
        self.src.fail(f"{where}: unknown type '{tname}'", f'"{tname}"')

    def conformance(self, text, where):
        """(mandatory, any_features, none_features) from "M", "O", "LT",
        "[LT]", "!OFFONLY", "HS|XY", "!(LT|DF)", "LT & !DF"."""
        text = text.strip()
        if text == "M":
            return (True, 0, 0)
        if text == "O":
            return (False, 0, 0)
        mandatory = True
        if text.startswith("[") and text.endswith("]"):
            mandatory = False
            text = text[1:-1].strip()
        any_bits = none_bits = 0
        for part in (p.strip() for p in text.split("&")):
            negated = part.startswith("!")
            if negated:
                part = part[1:].strip()
                if part.startswith("(") and part.endswith(")"):
                    part = part[1:-1]
            bits = 0
            for code in (c.strip() for c in part.split("|")):
                if code not in self.feature_bits:
                    self.src.fail(f"{where}: conformance '{text}' names feature '{code}', "
                                  "which the cluster does not declare", where)
                bits |= 1 << self.feature_bits[code]
            if negated:
                none_bits |= bits
            elif any_bits:
                self.src.fail(f"{where}: conformance '{text}': only one set of features "
                              "may be required (A|B & !C)", where)
            else:
                any_bits = bits
        return (mandatory, any_bits, none_bits)

    def access(self, text, where, kind):
        """Spec-style access: "R V", "RW VO", "RW VM T", "R F V" for an
        attribute; "O", "M T", "A F" for a command; "V", "A S" for an event."""
        out = {"write": False, "timed": False, "fabric_scoped": False, "fabric_sensitive": False,
               "read_priv": None, "write_priv": None}
        for tok in text.split():
            if tok in ("R", "RW") and kind == "attribute":
                out["write"] = tok == "RW"
            elif tok == "T":
                out["timed"] = True
            elif tok == "F":
                out["fabric_scoped"] = True
            elif tok == "S":
                out["fabric_sensitive"] = True
            elif all(c in PRIVILEGES for c in tok):
                out["read_priv"] = tok[0]
                if len(tok) > 1:
                    out["write_priv"] = tok[1]
            else:
                self.src.fail(f"{where}: access '{text}': unknown token '{tok}'", where)
        if out["read_priv"] is None:
            self.src.fail(f"{where}: access '{text}' names no privilege", where)
        if kind == "attribute" and out["write"] and out["write_priv"] is None:
            self.src.fail(f"{where}: a writable attribute needs a write privilege", where)
        return out

    # -- D-Bus signatures

    def signature(self, tname, nullable=False, optional=False):
        kind, bits, _, extra = self.resolve(tname, tname)
        if kind == "BOOL":
            sig = "b"
        elif kind == "UINT":
            sig = DBUS_UNSIGNED[bits]
        elif kind == "INT":
            sig = DBUS_SIGNED[bits]
        elif kind in ("SINGLE", "DOUBLE"):
            sig = "d"
        elif kind == "STRING":
            sig = "s"
        elif kind == "OCTETS":
            sig = "ay"
        elif kind == "LIST":
            sig = "a" + self.signature(extra)
        else:
            sig = "(" + "".join(self.field_signature(f) for f in extra.get("fields", [])) + ")"
        # A nullable integer keeps its width's type, null being the value
        # its nullable range leaves out (null_text); any other nullable
        # value is an array of zero or one element.
        if nullable and kind not in ("UINT", "INT"):
            sig = "a" + sig
        if optional:
            sig = "a" + sig
        return sig

    def field_signature(self, f):
        return self.signature(f["type"], f.get("nullable", False), f.get("optional", False))

    def null_text(self, tname, nullable):
        """How null of a nullable integer is written on D-Bus, or None."""
        if not nullable:
            return None
        kind, bits, _, _ = self.resolve(tname, tname)
        if kind == "UINT":
            return f"0x{(1 << bits) - 1:X}"
        if kind == "INT":
            return str(-(1 << (bits - 1)))
        return None


class DeviceTypes:
    def __init__(self, src, clusters):
        self.src = src
        self.types = src.data.get("device_type", [])
        by_id = {c.id: c for c in clusters}
        for a, b in zip(self.types, self.types[1:]):
            if b.get("id", -1) <= a.get("id", -1):
                src.fail(f"device type {b.get('name')} does not follow {a.get('name')}: "
                         "device types' ids ascend and are unique", f"\"{b.get('name')}\"")
        for t in self.types:
            for key in ("id", "name", "revision", "source", "clusters"):
                if key not in t:
                    src.fail(f"device type without '{key}'", t.get("name", "[[device_type"))
            cids = [c["id"] for c in t["clusters"]]
            if cids != sorted(set(cids)):
                src.fail(f"{t['name']}: cluster ids ascend and are unique", t["name"])
            for c in t["clusters"]:
                c["_features"] = self.resolve_features(t, c, by_id.get(c["id"]))
                c["_attributes"] = self.resolve_elements(t, c, by_id.get(c["id"]), "attributes",
                                                         "attributes")
                c["_commands"] = self.resolve_elements(t, c, by_id.get(c["id"]), "commands",
                                                       "commands")

    def resolve_features(self, t, c, cluster):
        bits = 0
        for f in c.get("features", []):
            if isinstance(f, int):
                bits |= 1 << f
            elif cluster is None or f not in cluster.feature_bits:
                self.src.fail(f"{t['name']}: cluster 0x{c['id']:04X} has no feature '{f}' "
                              "(name it by bit number when the cluster is not described)", f)
            else:
                bits |= 1 << cluster.feature_bits[f]
        return bits

    def resolve_elements(self, t, c, cluster, key, table):
        out = []
        for e in c.get(key, []):
            if isinstance(e, int):
                out.append(e)
                continue
            items = getattr(cluster, table) if cluster else []
            match = [i for i in items if i["name"] == e]
            if not match:
                self.src.fail(f"{t['name']}: cluster 0x{c['id']:04X} has no {key[:-1]} '{e}'", e)
            out.append(match[0]["id"])
        return sorted(out)


def load(directory):
    files = sorted(f for f in os.listdir(directory) if f.endswith(".toml"))
    clusters = [Cluster(Source(os.path.join(directory, f)))
                for f in files if f != DEVICE_TYPES_FILE]
    clusters.sort(key=lambda c: c.id)
    seen = {}
    for c in clusters:
        for key in (c.id, c.name):
            if key in seen:
                c.src.fail(f"cluster 0x{c.id:04X} {c.name} is also described in {seen[key]}",
                           f'name = "{c.name}"')
            seen[key] = c.src.path
    dt_path = os.path.join(directory, DEVICE_TYPES_FILE)
    device_types = DeviceTypes(Source(dt_path), clusters) if os.path.exists(dt_path) else None
    return clusters, device_types


# ---- C tables -----------------------------------------------------------------


class CWriter:
    def __init__(self):
        self.out = []
        self.types = {}  # initializer -> identifier
        self.count = 0

    def emit(self, text):
        self.out.append(text)

    def ident(self, stem):
        self.count += 1
        return f"{stem}_{self.count}"

    def type_ref(self, cluster, tname, c):
        """The address of an MdAppType for @tname with constraints @c (a
        dict: min, max, min_length, max_length)."""
        kind, bits, base, extra = cluster.resolve(tname, tname)
        parts = [f".kind = MD_APP_{kind}", f".name = {c_string(tname)}"]
        if bits:
            parts.append(f".bits = {bits}")
        for key, field, has in (("min", "umin" if kind == "UINT" else "min", "has_min"),
                                ("max", "umax" if kind == "UINT" else "max", "has_max")):
            if key in c:
                value = c[key]
                parts.append(f".{has} = TRUE")
                suffix = "u" if kind == "UINT" else ""
                parts.append(f".{field} = INT64_C({value})" if not suffix
                             else f".{field} = UINT64_C({value})")
        if "min_length" in c:
            parts.append(f".min_length = {c['min_length']}")
        if "max_length" in c:
            parts.append(f".max_length = {c['max_length']}")
        if kind == "LIST":
            parts.append(f".element = {self.type_ref(cluster, extra, c.get('entry', {}))}")
        elif kind == "STRUCT":
            fields = self.fields(cluster, extra.get("fields", []), tname)
            parts.append(f".fields = {fields}, .field_count = {len(extra.get('fields', []))}")
        elif extra and extra[0] == "enum":
            values = sorted(extra[1]["values"].values())
            arr = self.array("guint64", ", ".join(f"{v}" for v in values), f"{cluster.prefix}_enum")
            parts.append(f".enum_values = {arr}, .enum_count = {len(values)}")
        elif extra and extra[0] == "bitmap":
            mask = 0
            for bit in extra[1]["bits"].values():
                mask |= 1 << bit
            parts.append(f".bitmap_bits = 0x{mask:X}")
        init = "{" + ", ".join(parts) + "}"
        if init not in self.types:
            name = self.ident(f"{cluster.prefix}_type")
            self.emit(f"static const MdAppType {name} = {init};")
            self.types[init] = name
        return "&" + self.types[init]

    def array(self, ctype, body, stem):
        key = f"{ctype}[]{body}"
        if key not in self.types:
            name = self.ident(stem)
            self.emit(f"static const {ctype} {name}[] = {{{body}}};")
            self.types[key] = name
        return self.types[key]

    def fields(self, cluster, fields, owner):
        if not fields:
            return "NULL"
        rows = []
        for f in fields:
            flags = []
            if f.get("nullable"):
                flags.append("MD_APP_NULLABLE")
            if f.get("optional"):
                flags.append("MD_APP_OPTIONAL")
            ref = self.type_ref(cluster, f["type"], f)
            rows.append(f"{{{c_string(f['name'])}, {f['id']}, {ref}, {' | '.join(flags) or '0'}}}")
        return self.array("MdAppField", ", ".join(rows), f"{cluster.prefix}_fields")


def conformance_c(conf):
    mandatory, any_bits, none_bits = conf
    return f"{{{'TRUE' if mandatory else 'FALSE'}, 0x{any_bits:X}, 0x{none_bits:X}}}"


def write_cluster(w, cl):
    p = cl.prefix
    if cl.features:
        rows = ", ".join(f"{{{f['bit']}, {c_string(f['code'])}, {c_string(f['name'])}}}"
                         for f in cl.features)
        w.emit(f"static const MdAppFeature {p}_features[] = {{{rows}}};")
    dm_attrs, attrs = [], []
    for a in cl.attributes:
        acc = cl.access(a.get("access", "R V"), a["name"], "attribute")
        kind = cl.resolve(a["type"], a["name"])[0]
        q = []
        if kind == "LIST":
            q.append("MATTER_DM_LIST")
        if acc["fabric_scoped"]:
            q.append("MATTER_DM_FABRIC_SCOPED")
        if acc["fabric_sensitive"]:
            q.append("MATTER_DM_FABRIC_SENSITIVE")
        if acc["timed"]:
            q.append("MATTER_DM_TIMED")
        if a.get("nullable"):
            q.append("MATTER_DM_NULLABLE")
        if a.get("changes_omitted"):
            q.append("MATTER_DM_CHANGES_OMITTED")
        if a.get("fixed"):
            q.append("MATTER_DM_FIXED")
        wp = PRIVILEGES[acc["write_priv"]] if acc["write"] else "0"
        dm_attrs.append(f"  {{0x{a['id']:04X}, {' | '.join(q) or '0'}, "
                        f"{PRIVILEGES[acc['read_priv']]}, {wp}, 0}}, /* {a['name']} */")
        ref = w.type_ref(cl, a["type"], a)
        flags = "MD_APP_NULLABLE" if a.get("nullable") else "0"
        attrs.append(f"  {{{c_string(a['name'])}, {ref}, {flags}, "
                     f"{conformance_c(cl.conformance(a.get('conformance', 'M'), a['name']))}}},")
    dm_cmds, cmds = [], []
    for c in cl.commands:
        acc = cl.access(c.get("access", "O"), c["name"], "command")
        q = []
        if acc["timed"]:
            q.append("MATTER_DM_TIMED")
        if acc["fabric_scoped"]:
            q.append("MATTER_DM_FABRIC_SCOPED")
        resp = c.get("response", "Y")
        rid = "MATTER_DM_NO_RESPONSE" if resp == "Y" else f"0x{cl.responses[resp]['id']:02X}"
        dm_cmds.append(f"  {{0x{c['id']:02X}, {rid}, {PRIVILEGES[acc['read_priv']]}, "
                       f"{' | '.join(q) or '0'}, 0}}, /* {c['name']} */")
        fields = c.get("fields", [])
        rfields = cl.responses[resp].get("fields", []) if resp != "Y" else []
        cmds.append(f"  {{{c_string(c['name'])}, {w.fields(cl, fields, c['name'])}, {len(fields)}, "
                    f"{w.fields(cl, rfields, resp)}, {len(rfields)}, "
                    f"{conformance_c(cl.conformance(c.get('conformance', 'M'), c['name']))}}},")
    dm_events, events = [], []
    for e in cl.events:
        acc = cl.access(e.get("access", "V"), e["name"], "event")
        q = "MATTER_DM_FABRIC_SENSITIVE" if acc["fabric_sensitive"] else "0"
        dm_events.append(f"  {{0x{e['id']:02X}, {PRIVILEGES[acc['read_priv']]}, "
                         f"{PRIORITIES[e['priority']]}, {q}, 0}}, /* {e['name']} */")
        fields = e.get("fields", [])
        events.append(f"  {{{c_string(e['name'])}, {w.fields(cl, fields, e['name'])}, "
                      f"{len(fields)}, "
                      f"{conformance_c(cl.conformance(e.get('conformance', 'M'), e['name']))}}},")

    def table(ctype, name, rows):
        if not rows:
            return "NULL"
        w.emit(f"static const {ctype} {p}_{name}[] = {{\n" + "\n".join(rows) + "\n};")
        return f"{p}_{name}"

    da = table("MatterDmAttribute", "dm_attributes", dm_attrs)
    aa = table("MdAppAttribute", "attributes", attrs)
    dc = table("MatterDmCommand", "dm_commands", dm_cmds)
    ac = table("MdAppCommand", "commands", cmds)
    de = table("MatterDmEvent", "dm_events", dm_events)
    ae = table("MdAppEvent", "events", events)
    feats = f"{p}_features" if cl.features else "NULL"
    w.emit(f"static const MdAppClusterInfo {p} = {{\n"
           f"  0x{cl.id:04X}, {cl.revision}, {c_string(cl.name)}, {c_string(cl.interface)},\n"
           f"  {feats}, {len(cl.features)},\n"
           f"  {da}, {aa}, {len(cl.attributes)},\n"
           f"  {dc}, {ac}, {len(cl.commands)},\n"
           f"  {de}, {ae}, {len(cl.events)},\n}};\n")


def write_device_types(w, dts):
    names = []
    for t in dts.types if dts else []:
        stem = "app_dt_" + snake(t["name"])
        rows = []
        for c in t["clusters"]:
            attrs = cmds = "NULL"
            if c["_attributes"]:
                attrs = w.array("guint32", ", ".join(f"0x{i:04X}" for i in c["_attributes"]),
                                f"{stem}_attributes")
            if c["_commands"]:
                cmds = w.array("guint32", ", ".join(f"0x{i:02X}" for i in c["_commands"]),
                               f"{stem}_commands")
            mandatory = "TRUE" if c.get("mandatory", True) else "FALSE"
            rows.append(f"  {{0x{c['id']:04X}, {mandatory}, 0x{c['_features']:X}, "
                        f"{attrs}, {len(c['_attributes'])}, {cmds}, {len(c['_commands'])}}},"
                        f" /* {c.get('name', '')} */")
        w.emit(f"static const MdAppDeviceCluster {stem}_clusters[] = {{\n" + "\n".join(rows)
               + "\n};")
        w.emit(f"static const MdAppDeviceTypeInfo {stem} = {{0x{t['id']:04X}, {t['revision']}, "
               f"{c_string(t['name'])}, {stem}_clusters, {len(t['clusters'])}}};\n")
        names.append(stem)
    return names


def write_tables(clusters, dts, out_path):
    w = CWriter()
    w.emit("/* Generated by scripts/gen-app-model.py from the descriptions in clusters/: do not edit. */")
    w.emit('#include "app-model.h"\n')
    for cl in clusters:
        write_cluster(w, cl)
    dt_names = write_device_types(w, dts)
    w.emit("const MdAppClusterInfo *const md_app_clusters[] = {\n"
           + "".join(f"  &{cl.prefix},\n" for cl in clusters) + "  NULL,\n};")
    w.emit(f"const gsize md_app_cluster_count = {len(clusters)};\n")
    w.emit("const MdAppDeviceTypeInfo *const md_app_device_types[] = {\n"
           + "".join(f"  &{n},\n" for n in dt_names) + "  NULL,\n};")
    w.emit(f"const gsize md_app_device_type_count = {len(dt_names)};")
    with open(out_path, "w") as f:
        f.write("\n".join(w.out) + "\n")


# ---- D-Bus introspection --------------------------------------------------------


def xml_escape(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def args_xml(cl, fields, direction, indent):
    out = []
    for f in fields:
        d = f' direction="{direction}"' if direction else ""
        null = cl.null_text(f["type"], f.get("nullable", False))
        if null:
            out.append(f"{indent}<!-- {f['name']}: null is {null} -->")
        out.append(f'{indent}<arg name="{f["name"]}" type="{cl.field_signature(f)}"{d}/>')
    return out


def write_introspection(cl, out_dir):
    lines = ['<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"',
             ' "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">',
             f"<!-- Generated by scripts/gen-app-model.py from {os.path.basename(cl.src.path)}:"
             " do not edit. -->",
             "<node>",
             f"  <!-- Matter cluster {xml_escape(cl.name)} 0x{cl.id:04X}, revision {cl.revision};"
             f" facts from the Matter SDK's {xml_escape(cl.src.data['source'])} -->",
             f'  <interface name="{cl.interface}">',
             "    <!-- FeatureMap 0xFFFC: the features the application implements -->",
             '    <property name="FeatureMap" type="u" access="read"/>']
    for a in cl.attributes:
        acc = cl.access(a.get("access", "R V"), a["name"], "attribute")
        sig = cl.signature(a["type"], a.get("nullable", False))
        null = cl.null_text(a["type"], a.get("nullable", False))
        note = f", null is {null}" if null else ""
        lines.append(f"    <!-- attribute 0x{a['id']:04X}{note} -->")
        lines.append(f'    <property name="{a["name"]}" type="{sig}" '
                     f'access="{"readwrite" if acc["write"] else "read"}"/>')
    for c in cl.commands:
        resp = c.get("response", "Y")
        note = f", answered by {resp} 0x{cl.responses[resp]['id']:02X}" if resp != "Y" else ""
        lines.append(f"    <!-- command 0x{c['id']:02X}{note} -->")
        body = args_xml(cl, c.get("fields", []), "in", "      ")
        if resp != "Y":
            body += args_xml(cl, cl.responses[resp].get("fields", []), "out", "      ")
        if body:
            lines += [f'    <method name="{c["name"]}">', *body, "    </method>"]
        else:
            lines.append(f'    <method name="{c["name"]}"/>')
    for e in cl.events:
        lines.append(f"    <!-- event 0x{e['id']:02X}, priority {e['priority']} -->")
        body = args_xml(cl, e.get("fields", []), None, "      ")
        if body:
            lines += [f'    <signal name="{e["name"]}">', *body, "    </signal>"]
        else:
            lines.append(f'    <signal name="{e["name"]}"/>')
    lines += ["  </interface>", "</node>"]
    with open(os.path.join(out_dir, cl.interface + ".xml"), "w") as f:
        f.write("\n".join(lines) + "\n")


def main(argv):
    if len(argv) < 3 or argv[1] not in ("list", "tables", "dbus"):
        print(__doc__, file=sys.stderr)
        return 2
    try:
        clusters, dts = load(argv[2])
    except DescriptionError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    if argv[1] == "list":
        for cl in clusters:
            print(f"{os.path.basename(cl.src.path)}\t{cl.interface}")
    elif argv[1] == "tables":
        write_tables(clusters, dts, argv[3])
    else:
        for cl in clusters:
            write_introspection(cl, argv[3])
        with open(argv[4], "w") as f:
            f.write("".join(cl.interface + "\n" for cl in clusters))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
