#!/usr/bin/env python3
"""Verify .gtpack files with Python's zipfile, cbor2, blake3 and cryptography, following only §4
of the reference: an interoperability check for packs the Swift builder writes.

Usage: scripts/verify-gtpack.py PACK...   (needs: pip install cbor2 blake3 cryptography)
Prints OK per pack, or raises on the first problem.
"""
import base64
import json
import sys
import zipfile

import blake3
import cbor2
from cryptography import x509


def verify(path: str) -> None:
    archive = zipfile.ZipFile(path)
    files = {info.filename: archive.read(info) for info in archive.infolist()}
    raw_manifest = files["manifest.cbor"]
    assert raw_manifest[:3] == b"\xd9\xd9\xf7", "manifest.cbor lacks the self-describe tag"
    manifest = cbor2.loads(raw_manifest)
    sbom = json.loads(files["sbom.json"])
    assert sbom["format"] == "greentic-sbom-v1"
    listed = {entry["path"] for entry in sbom["files"]}
    for entry in sbom["files"]:
        data = files[entry["path"]]
        assert blake3.blake3(data).hexdigest() == entry["hash_blake3"].lower(), entry["path"]
        assert len(data) == entry["size"], entry["path"]
    for name in files:
        assert name in listed or name in ("sbom.json", "signatures/pack.sig", "signatures/chain.pem"), name
    hasher = blake3.blake3()
    hasher.update(raw_manifest)
    hasher.update(files["sbom.json"])
    for entry in sorted(sbom["files"], key=lambda e: e["path"].encode()):
        hasher.update(entry["path"].encode() + b"\n" + entry["hash_blake3"].encode())
    signature = json.loads(files["signatures/pack.sig"])
    assert signature["alg"] == "ed25519"
    assert signature["digest"].lower() == hasher.hexdigest(), "digest mismatch"
    certificate = x509.load_pem_x509_certificate(files["signatures/chain.pem"])
    raw = base64.urlsafe_b64decode(signature["sig"] + "=" * (-len(signature["sig"]) % 4))
    certificate.public_key().verify(raw, hasher.digest())
    print(f"OK {path}: {manifest['meta']['pack_id']}@{manifest['meta']['version']}, "
          f"signer {certificate.subject.rfc4514_string()}")


if __name__ == "__main__":
    for pack in sys.argv[1:]:
        verify(pack)
