"""A consumer nobody on the project wrote the decoding of: fastavro, with its own Parsing
Canonical Form fingerprints, reading Avro single-object frames. Same protocol as
StandardDecode.java (JSON lines in, one JSON line per message out); the *Reader fields
are ignored: each frame is decoded with the schema its fingerprint names, as fastavro's
fingerprint() computes it, and logical types convert as fastavro does by default.

Usage: python3 standard_decode.py --framing single-object
       python3 standard_decode.py --framing confluent --registry <url>

With --framing confluent (00, 4-byte schema id big-endian, Avro body) each id's schema is
fetched once from the registry's Confluent API (GET <url>/schemas/ids/{id}, urllib) and
the body read with fastavro.schemaless_reader; schema lines are not needed.
"""
import base64
import datetime
import decimal
import io
import json
import struct
import sys
import urllib.request

import fastavro
from fastavro.schema import fingerprint, to_parsing_canonical_form


def scalar(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if -(2**31) <= value < 2**31 else str(value)
    if isinstance(value, float):
        return format(decimal.Decimal(value), "f")
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    if isinstance(value, datetime.datetime):
        text = value.strftime("%Y-%m-%dT%H:%M:%S.%f")
        return text + "Z" if value.tzinfo is not None else text
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, datetime.time):
        return value.strftime("%H:%M:%S.%f")
    return value


def to_json(value):
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json(v) for v in value]
    return scalar(value)


def decode_single_object(frame, schemas):
    if len(frame) < 10 or frame[0:2] != b"\xc3\x01":
        raise ValueError("not a single-object frame")
    fp = "%016x" % struct.unpack("<Q", frame[2:10])[0]
    if fp not in schemas:
        raise KeyError("no schema with fingerprint " + fp)
    return fastavro.schemaless_reader(io.BytesIO(frame[10:]), schemas[fp], None)


class ConfluentSchemas:
    """Each id's schema from the registry, fetched once; parsed apart, since a subject's
    versions share record names."""

    def __init__(self, url):
        self.url = url.rstrip("/")
        self.by_id = {}

    def decode(self, frame):
        if len(frame) < 5 or frame[0] != 0:
            raise ValueError("not a Confluent frame")
        schema_id = struct.unpack(">I", frame[1:5])[0]
        if schema_id not in self.by_id:
            request = urllib.request.Request(
                "%s/schemas/ids/%d" % (self.url, schema_id),
                headers={"Accept": "application/vnd.schemaregistry.v1+json, application/json"},
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                text = json.loads(response.read().decode("utf-8"))["schema"]
            self.by_id[schema_id] = fastavro.parse_schema(json.loads(text), named_schemas={})
        return fastavro.schemaless_reader(io.BytesIO(frame[5:]), self.by_id[schema_id], None)


def main():
    args = sys.argv[1:]
    if args == ["--framing", "single-object"]:
        confluent = None
    elif len(args) == 4 and args[:2] == ["--framing", "confluent"] and args[2] == "--registry":
        confluent = ConfluentSchemas(args[3])
    else:
        print("usage: standard_decode.py --framing single-object | --framing confluent --registry <url>", file=sys.stderr)
        sys.exit(2)
    schemas = {}
    out = sys.stdout
    for line in sys.stdin:
        if not line.strip():
            continue
        message = json.loads(line)
        if "schema" in message:
            parsed = fastavro.parse_schema(json.loads(message["schema"]), named_schemas={})
            # fastavro spells the CRC-64-AVRO as the hex of its 8 bytes little-endian.
            le = bytes.fromhex(fingerprint(to_parsing_canonical_form(parsed), "CRC-64-AVRO"))
            schemas["%016x" % struct.unpack("<Q", le)[0]] = parsed
            continue
        result = {"id": message.get("id")}
        for part in ("key", "value"):
            data = message.get(part)
            result[part] = None
            if data is None:
                continue
            try:
                frame = base64.b64decode(data)
                decoded = confluent.decode(frame) if confluent else decode_single_object(frame, schemas)
                result[part] = to_json(decoded)
            except Exception as e:  # noqa: BLE001 - reported per message, like the Java decoder
                result[part + "Error"] = "%s: %s" % (type(e).__name__, e)
        out.write(json.dumps(result, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
