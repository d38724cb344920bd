#!/usr/bin/env python3
"""Build a .gtpack with tools unrelated to the Swift code, to prove interoperability.

Follows only docs/reference §4 (greentic-runner-v0.3.9.md "Pack artifact format"):
  - ZIP written by Python's zipfile, entries DEFLATE-compressed (one stored), in NON-sorted order;
  - manifest.cbor = self-describe tag 55799 + CBOR map (cbor2), manifest.json = pretty JSON;
  - sbom.json = {"format": "greentic-sbom-v1", "files": [{path, size, hash_blake3, media_type}]}
    covering every file except sbom.json and signatures/*;
  - signing digest = BLAKE3(manifest.cbor || sbom.json || for each SBOM entry sorted by path:
    path + "\n" + hash_hex); Ed25519 signature over the 32 raw digest bytes (cryptography);
  - signatures/pack.sig = {"alg":"ed25519","sig":<base64url no pad>,"digest":<hex>,
    "signed_at_utc", "key_fingerprint"}; signatures/chain.pem = one self-signed Ed25519 X.509
    certificate (CN=foreign-python-signer, so strict verification accepts it).

The key is derived from a fixed seed so the output is reproducible.

Usage: scripts/make-foreign-gtpack.py OUT_DIR   (writes foreign.gtpack and foreign.pub)
Needs: pip install cbor2 blake3 cryptography
"""
import base64
import datetime
import hashlib
import io
import json
import os
import sys
import zipfile

import blake3
import cbor2
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID

SEED = hashlib.sha256(b"greentic-runner foreign fixture key v1").digest()
TIMESTAMP = "2025-11-12T00:00:00Z"

FLOW_YAML = """id: hello
type: messaging
start: greet
nodes:
  greet:
    qa.process:
      welcome: Hello from Python
    routing:
      - out: true
"""
FLOW_DOC = {
    "id": "hello",
    "type": "messaging",
    "start": "greet",
    "nodes": {"greet": {"qa.process": {"welcome": "Hello from Python"}, "routing": [{"out": True}]}},
}
WASM = b"\x00asm\x01\x00\x00\x00"


def b3(data: bytes) -> str:
    return blake3.blake3(data).hexdigest()


def main(out_dir: str) -> None:
    key = Ed25519PrivateKey.from_private_bytes(SEED)
    raw_public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    flow_json = json.dumps(FLOW_DOC, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    payload = {
        "flows/hello/flow.yaml": (FLOW_YAML.encode(), "application/yaml"),
        "flows/hello/flow.json": (flow_json, "application/json"),
        "components/echo@0.2.0/component.wasm": (WASM, "application/wasm"),
        "assets/notes.txt": (b"made by make-foreign-gtpack.py\n", "application/octet-stream"),
    }
    manifest = {
        "meta": {
            "pack_id": "dev.greentic.foreign",
            "version": "0.2.0",
            "name": "Foreign Pack",
            "description": "built by Python, not by greentic-runner",
            "authors": ["interop-test"],
            "license": "MIT",
            "imports": [],
            "entry_flows": ["hello"],
            "created_at_utc": TIMESTAMP,
            "annotations": {"origin": "python"},
        },
        "flows": [
            {
                "id": "hello",
                "kind": "messaging",
                "entry": "greet",
                "file_yaml": "flows/hello/flow.yaml",
                "file_json": "flows/hello/flow.json",
                "hash_blake3": b3(flow_json),
            }
        ],
        "components": [
            {
                "name": "echo",
                "version": "0.2.0",
                "file_wasm": "components/echo@0.2.0/component.wasm",
                "hash_blake3": b3(WASM),
                "schema_file": None,
                "manifest_file": None,
                "world": "greentic:component/component@0.6.0",
                "capabilities": None,
            }
        ],
    }
    manifest_cbor = cbor2.dumps(cbor2.CBORTag(55799, manifest))
    payload["manifest.cbor"] = (manifest_cbor, "application/cbor")
    payload["manifest.json"] = (json.dumps(manifest, indent=2).encode(), "application/json")
    provenance = {"builder": "make-foreign-gtpack.py", "built_at_utc": TIMESTAMP}
    payload["provenance.json"] = (json.dumps(provenance, indent=2).encode(), "application/json")

    entries = [
        {"path": path, "size": len(data), "hash_blake3": b3(data), "media_type": media}
        for path, (data, media) in payload.items()
    ]
    sbom_json = json.dumps({"format": "greentic-sbom-v1", "files": entries}, indent=2).encode()

    hasher = blake3.blake3()
    hasher.update(manifest_cbor)
    hasher.update(sbom_json)
    for entry in sorted(entries, key=lambda e: e["path"].encode()):
        hasher.update(entry["path"].encode() + b"\n" + entry["hash_blake3"].encode())
    digest = hasher.digest()
    signature = key.sign(digest)
    pack_sig = {
        "alg": "ed25519",
        "sig": base64.urlsafe_b64encode(signature).rstrip(b"=").decode(),
        "digest": digest.hex(),
        "signed_at_utc": TIMESTAMP,
        "key_fingerprint": b3(raw_public),
    }

    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "foreign-python-signer")])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(0x1234_5678_9ABC_DEF0)
        .not_valid_before(datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc))
        .not_valid_after(datetime.datetime(2035, 1, 1, tzinfo=datetime.timezone.utc))
        .sign(key, None)
    )
    chain_pem = certificate.public_bytes(serialization.Encoding.PEM)

    files = dict((path, data) for path, (data, _) in payload.items())
    files["sbom.json"] = sbom_json
    files["signatures/pack.sig"] = json.dumps(pack_sig, indent=2).encode()
    files["signatures/chain.pem"] = chain_pem

    # Deliberately not sorted: signatures first, manifest last.
    order = sorted(files, key=lambda p: (not p.startswith("signatures/"), p.startswith("manifest"), p), reverse=False)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in order:
            info = zipfile.ZipInfo(path, date_time=(2025, 11, 12, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED if path == "provenance.json" else zipfile.ZIP_DEFLATED
            info.external_attr = 0o100644 << 16
            archive.writestr(info, files[path])

    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "foreign.gtpack"), "wb") as handle:
        handle.write(buffer.getvalue())
    with open(os.path.join(out_dir, "foreign.pub"), "w") as handle:
        handle.write("ed25519:" + base64.b64encode(raw_public).decode() + "\n")
    print("wrote", os.path.join(out_dir, "foreign.gtpack"), len(buffer.getvalue()), "bytes;", "entry order:", order)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "Tests/RunnerPacksTests/Fixtures/foreign")
