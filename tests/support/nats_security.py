"""Security material for real nats-server set-ups, minted in the test run.

A self-signed CA with server and client certificates (``cryptography``), nkey pairs and an
operator → account → user JWT chain (``nkeys``), and ``.creds`` files as ``nsc`` writes them.
Nothing here is faked: nats-server checks every signature and certificate.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import ipaddress
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import nkeys
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class Pki:
    """PEM files of one CA and the certificates it signed."""

    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> Path:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path


def _sign(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: tuple[x509.Name, ec.EllipticCurvePrivateKey] | None,
    *,
    hosts: tuple[str, ...] = (),
    client: bool = False,
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.timezone.utc)
    issuer_name, issuer_key = issuer or (_name(subject), key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=issuer is None, path_length=None), critical=True)
    )
    if hosts:
        names: list[x509.GeneralName] = []
        for host in hosts:
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(host)))
            except ValueError:
                names.append(x509.DNSName(host))
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    if issuer is not None:
        usage = x509.oid.ExtendedKeyUsageOID
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([usage.CLIENT_AUTH if client else usage.SERVER_AUTH]),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256())


def make_pki(directory: Path, *, server_hosts: tuple[str, ...] = ("127.0.0.1", "localhost")) -> Pki:
    """A CA, a server certificate for ``server_hosts`` and a client certificate, as PEM files."""
    directory.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = _sign("pytest-asyncapi test CA", ca_key, None)
    files = {}
    for role, hosts in (("server", server_hosts), ("client", ())):
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _sign(f"test {role}", key, (ca.subject, ca_key), hosts=hosts, client=not hosts)
        files[f"{role}_cert"] = directory / f"{role}.pem"
        files[f"{role}_cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        files[f"{role}_key"] = _write_key(key, directory / f"{role}-key.pem")
    ca_path = directory / "ca.pem"
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    return Pki(ca=ca_path, **files)


# -- nkeys and JWTs ---------------------------------------------------------------------------


def new_keypair(prefix: int) -> nkeys.KeyPair:
    """A fresh nkey pair of the given role (``nkeys.PREFIX_BYTE_USER`` ...)."""
    return nkeys.from_seed(nkeys.encode_seed(os.urandom(32), prefix))


def public(kp: nkeys.KeyPair) -> str:
    return str(kp.public_key.decode())


def seed(kp: nkeys.KeyPair) -> str:
    return str(kp.seed.decode())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def encode_jwt(claims: dict[str, object], issuer: nkeys.KeyPair) -> str:
    """A NATS v2 JWT of ``claims`` signed by ``issuer`` (what ``nsc`` produces)."""
    body = {"iat": int(time.time()), "iss": public(issuer), **claims}
    body["jti"] = ""
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).digest()
    body["jti"] = base64.b32encode(digest).decode().rstrip("=")
    header = _b64(json.dumps({"typ": "JWT", "alg": "ed25519-nkey"}).encode())
    payload = _b64(json.dumps(body).encode())
    signature = issuer.sign(f"{header}.{payload}".encode())
    return f"{header}.{payload}.{_b64(signature)}"


_UNLIMITED = {"subs": -1, "data": -1, "payload": -1}


@dataclass(frozen=True)
class Operator:
    """An operator with one account; ``server_config`` is the nats-server config for them."""

    operator: nkeys.KeyPair
    account: nkeys.KeyPair
    operator_jwt: str
    account_jwt: str

    def server_config(self) -> str:
        return (
            f"operator: {self.operator_jwt}\n"
            "resolver: MEMORY\n"
            f"resolver_preload: {{\n  {public(self.account)}: {self.account_jwt}\n}}\n"
        )

    def user_creds(self, path: Path, name: str = "capture") -> Path:
        """A ``.creds`` file (user JWT + seed) for a new user of the account."""
        user = new_keypair(nkeys.PREFIX_BYTE_USER)
        user_jwt = encode_jwt(
            {
                "sub": public(user),
                "name": name,
                "nats": {"type": "user", "version": 2, "pub": {}, "sub": {}, **_UNLIMITED},
            },
            self.account,
        )
        path.write_text(
            "-----BEGIN NATS USER JWT-----\n"
            f"{user_jwt}\n"
            "------END NATS USER JWT------\n\n"
            "************************* IMPORTANT *************************\n"
            "NKEY Seed printed below can be used to sign and prove identity.\n"
            "NKEYs are sensitive and should be treated as secrets.\n\n"
            "-----BEGIN USER NKEY SEED-----\n"
            f"{seed(user)}\n"
            "------END USER NKEY SEED------\n"
        )
        return path


def make_operator() -> Operator:
    """An operator, an account it signs, and their JWTs."""
    operator = new_keypair(nkeys.PREFIX_BYTE_OPERATOR)
    account = new_keypair(nkeys.PREFIX_BYTE_ACCOUNT)
    operator_jwt = encode_jwt(
        {
            "sub": public(operator),
            "name": "test-operator",
            "nats": {"type": "operator", "version": 2},
        },
        operator,
    )
    limits = {**_UNLIMITED, "imports": -1, "exports": -1, "wildcards": True, "conn": -1, "leaf": -1}
    account_jwt = encode_jwt(
        {
            "sub": public(account),
            "name": "test-account",
            "nats": {"type": "account", "version": 2, "limits": limits},
        },
        operator,
    )
    return Operator(operator, account, operator_jwt, account_jwt)
