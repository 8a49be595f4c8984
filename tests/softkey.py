"""A software passkey for tests: answers WebAuthn registration and sign-in challenges as a
browser with a security key would (P-256, "none" attestation), so the server's real checks run."""

import hashlib
import json
import os
import struct

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from fido2 import cbor
from fido2.cose import ES256
from fido2.utils import websafe_decode, websafe_encode

FLAG_USER_PRESENT = 0x01
FLAG_USER_VERIFIED = 0x04
FLAG_ATTESTED = 0x40


class SoftKey:
    def __init__(self, origin):
        self.origin = origin
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.credential_id = os.urandom(32)
        self.sign_count = 0

    def _client_data(self, kind, challenge):
        data = {"type": kind, "challenge": challenge, "origin": self.origin}
        return json.dumps(data).encode()

    def _auth_data(self, rp_id, attested=b""):
        self.sign_count += 1
        flags = FLAG_USER_PRESENT | FLAG_USER_VERIFIED | (FLAG_ATTESTED if attested else 0)
        rp_hash = hashlib.sha256(rp_id.encode()).digest()
        return rp_hash + bytes([flags]) + struct.pack(">I", self.sign_count) + attested

    def register(self, creation_options):
        """The credential a browser posts after navigator.credentials.create()."""
        options = creation_options["publicKey"]
        cose_key = cbor.encode(dict(ES256.from_cryptography_key(self.key.public_key())))
        attested = (
            bytes(16) + struct.pack(">H", len(self.credential_id)) + self.credential_id + cose_key
        )
        auth_data = self._auth_data(options["rp"]["id"], attested)
        attestation = cbor.encode({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self._client_data("webauthn.create", options["challenge"])
        response = {
            "clientDataJSON": websafe_encode(client_data),
            "attestationObject": websafe_encode(attestation),
            "transports": ["usb"],
        }
        return self._credential(response, {"credProps": {"rk": False}})

    def _credential(self, response, extensions):
        raw_id = websafe_encode(self.credential_id)
        return {
            "type": "public-key",
            "id": raw_id,
            "rawId": raw_id,
            "authenticatorAttachment": "cross-platform",
            "response": response,
            "clientExtensionResults": extensions,
        }

    def sign_in(self, request_options):
        """The assertion a browser posts after navigator.credentials.get()."""
        options = request_options["publicKey"]
        allowed = [websafe_decode(c["id"]) for c in options.get("allowCredentials", [])]
        assert self.credential_id in allowed, "the server did not offer this key"
        auth_data = self._auth_data(options["rpId"])
        client_data = self._client_data("webauthn.get", options["challenge"])
        signature = self.key.sign(
            auth_data + hashlib.sha256(client_data).digest(), ec.ECDSA(hashes.SHA256())
        )
        response = {
            "clientDataJSON": websafe_encode(client_data),
            "authenticatorData": websafe_encode(auth_data),
            "signature": websafe_encode(signature),
            "userHandle": None,
        }
        return self._credential(response, {})
