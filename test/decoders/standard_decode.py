"""A consumer nobody on the project wrote the decoding of: fastavro, with its own Parsing
Canonical Form fingerprints, reading Avro single-object frames. Same protocol as
StandardDecode.java (JSON lines in, one JSON line per message out); the *Reader fields
are ignored: each frame is decoded with the schema its fingerprint names, as fastavro's
fingerprint() computes it, and logical types convert as fastavro does by default.

Usage: python3 standard_decode.py --framing single-object
"""
import base64
import datetime
import decimal
import io
import json
import struct
import sys

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


def main():
    if sys.argv[1:] != ["--framing", "single-object"]:
        print("usage: standard_decode.py --framing single-object", file=sys.stderr)
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
                result[part] = to_json(decode_single_object(base64.b64decode(data), schemas))
            except Exception as e:  # noqa: BLE001 - reported per message, like the Java decoder
                result[part + "Error"] = "%s: %s" % (type(e).__name__, e)
        out.write(json.dumps(result, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
