"""A local test PKI: one CA, a server certificate for every site name, client certificates.

Before 2021-04-19 TRAQS was reached with a digital certificate, and the reference-data API kept
"a digital certificate, login id and password" until its own MFA date (seed 001, facilities.md
section 5). The simulator reproduces that with real mutual TLS on loopback:

* a CA made with ``trustme`` (built on ``cryptography``), kept in ``DIR/ca.pem`` and
  ``DIR/ca.key`` so a second ``facsim serve`` over the same data directory reuses it and the
  testers' browsers keep trusting it;
* ``DIR/server.pem`` (key and chain) valid for all the site names (``finratraqs.org``,
  ``beta.finratraqs.org``, ..., plus ``localhost`` and ``127.0.0.1``), reissued when the names
  change;
* one client certificate per configured user in ``DIR/clients/<user>.pem`` (key and
  certificate in one file, what ``curl --cert`` takes) plus ``.crt``/``.key`` halves for tools
  that want them apart and a ``.p12`` bundle (password ``facsim``) to import into a browser.
  The certificate's subject CN and its email SAN are the user name.

The server context uses ``CERT_OPTIONAL``: a browser without a certificate can still connect
(to log in with MFA), a certificate is verified against this CA when one is sent, and a
certificate from any other CA fails the TLS handshake (the client sees the connection closed --
the facility's front end did the same). The web handler reads the verified peer certificate from
the transport (``get_extra_info("peercert")``/``"ssl_object"``) and matches its SHA-256
fingerprint against the account (:meth:`~simulator.entitlement.directory.Directory.
register_certificate`).

Certificates are valid from 2000-01-01 to 3000-01-01 (trustme's defaults): TLS checks validity
against the machine's real clock, whatever the simulated date.
"""

from __future__ import annotations

import hashlib
import json
import re
import ssl
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

CA_ORGANISATION = "facsim local test CA (not a real certificate authority)"
P12_PASSWORD = "facsim"  # protects the .p12 copies testers import into a browser
LOOPBACK_NAMES = ("localhost", "127.0.0.1")
_SAFE = re.compile(r"[^A-Za-z0-9._@-]")


def fingerprint(der: bytes) -> str:
    """SHA-256 of a certificate's DER form, lowercase hex (what the directory stores)."""
    return hashlib.sha256(der).hexdigest()


def _pem_to_der(pem: bytes) -> bytes:
    return x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)


def _safe_name(username: str) -> str:
    return _SAFE.sub("_", username.strip().lower())


def _client_paths(directory: Path, username: str) -> tuple[Path, Path, Path]:
    """``clients/<user>.pem`` (key + certificate), ``.crt`` and ``.key``."""
    stem = _safe_name(username)
    folder = directory / "clients"
    return folder / f"{stem}.pem", folder / f"{stem}.crt", folder / f"{stem}.key"


def _write_p12(path: Path, username: str, cert_pem: bytes, key_pem: bytes) -> None:
    """A PKCS#12 bundle (password :data:`P12_PASSWORD`) for importing into a browser."""
    bundle = pkcs12.serialize_key_and_certificates(
        name=username.encode(),
        key=serialization.load_pem_private_key(key_pem, password=None),  # type: ignore[arg-type]
        cert=x509.load_pem_x509_certificate(cert_pem),
        cas=None,
        encryption_algorithm=serialization.BestAvailableEncryption(P12_PASSWORD.encode()),
    )
    path.write_bytes(bundle)
    path.chmod(0o600)


@dataclass(frozen=True, slots=True)
class ClientCertificate:
    """A client certificate on disk, for one user name."""

    username: str
    pem: Path  # private key + certificate (curl --cert)
    cert: Path
    key: Path
    fingerprint: str


@dataclass(frozen=True, slots=True)
class PeerIdentity:
    """What a verified client certificate says about its holder."""

    common_name: str | None
    emails: tuple[str, ...]
    fingerprint: str

    @property
    def username(self) -> str | None:
        return self.emails[0] if self.emails else self.common_name


def peer_identity(peercert: dict[str, Any] | None, der: bytes | None) -> PeerIdentity | None:
    """Read the subject CN and email SANs of a verified peer certificate (``None`` if absent).

    ``peercert`` is the dict from ``SSLObject.getpeercert()``; it is empty or ``None`` when the
    client sent no certificate (``CERT_OPTIONAL``)."""
    if not peercert or not der:
        return None
    common_name = None
    for rdn in peercert.get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                common_name = value
    emails = tuple(value for kind, value in peercert.get("subjectAltName", ()) if kind == "email")
    return PeerIdentity(common_name, emails, fingerprint(der))


@dataclass
class Pki:
    """The CA, the server certificate and the client certificates under one directory."""

    directory: Path
    ca: trustme.CA
    server_names: tuple[str, ...]
    clients: dict[str, ClientCertificate] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def ca_pem(self) -> Path:
        return self.directory / "ca.pem"

    @property
    def server_pem(self) -> Path:
        return self.directory / "server.pem"

    def server_context(self) -> ssl.SSLContext:
        """TLS server context: server certificate for all names, client certificates optional
        but verified against this CA when presented."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(str(self.server_pem))
        context.load_verify_locations(cafile=str(self.ca_pem))
        context.verify_mode = ssl.CERT_OPTIONAL
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        return context

    def client_context(self, username: str | None = None) -> ssl.SSLContext:
        """A client context trusting this CA, presenting ``username``'s certificate if given."""
        context = ssl.create_default_context(cafile=str(self.ca_pem))
        if username is not None:
            client = self.client(username)
            context.load_cert_chain(str(client.cert), str(client.key))
        return context

    def client(self, username: str) -> ClientCertificate:
        found = self.clients.get(_safe_name(username))
        if found is None:
            raise KeyError(f"no client certificate for {username}")
        return found

    def issue_client(self, username: str) -> ClientCertificate:
        """Issue (or reissue) a client certificate for ``username`` and write its files."""
        with self._lock:
            leaf = self.ca.issue_cert(
                username, common_name=username, organization_name="facsim test user"
            )
            pem, cert, key = _client_paths(self.directory, username)
            pem.parent.mkdir(parents=True, exist_ok=True)
            leaf.private_key_and_cert_chain_pem.write_to_path(str(pem))
            leaf.cert_chain_pems[0].write_to_path(str(cert))
            leaf.private_key_pem.write_to_path(str(key))
            for path in (pem, key):
                path.chmod(0o600)
            _write_p12(
                pem.with_name(pem.name[: -len(".pem")] + ".p12"),
                username,
                leaf.cert_chain_pems[0].bytes(),
                leaf.private_key_pem.bytes(),
            )
            client = ClientCertificate(
                username=username,
                pem=pem,
                cert=cert,
                key=key,
                fingerprint=fingerprint(_pem_to_der(leaf.cert_chain_pems[0].bytes())),
            )
            self.clients[_safe_name(username)] = client
            self._write_manifest()
            return client

    def _write_manifest(self) -> None:
        manifest = {
            "server_names": list(self.server_names),
            "clients": {
                c.username: {"pem": c.pem.name, "fingerprint": c.fingerprint}
                for c in self.clients.values()
            },
        }
        (self.directory / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")

    def describe(self) -> dict[str, Any]:
        return {
            "directory": str(self.directory),
            "ca": str(self.ca_pem),
            "server": str(self.server_pem),
            "server_names": list(self.server_names),
            "clients": {c.username: str(c.pem) for c in self.clients.values()},
        }


def _load_ca(directory: Path) -> trustme.CA | None:
    cert, key = directory / "ca.pem", directory / "ca.key"
    if not (cert.exists() and key.exists()):
        return None
    try:
        return trustme.CA.from_pem(cert.read_bytes(), key.read_bytes())
    except (ValueError, TypeError):
        return None


def _server_names_on_disk(path: Path) -> set[str]:
    if not path.exists():
        return set()
    try:
        certificate = x509.load_pem_x509_certificates(path.read_bytes())[0]
        extension = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except (ValueError, x509.ExtensionNotFound, IndexError):
        return set()
    names = set(extension.value.get_values_for_type(x509.DNSName))
    names |= {str(ip) for ip in extension.value.get_values_for_type(x509.IPAddress)}
    return names


def ensure_pki(directory: Path, server_names: list[str] | tuple[str, ...], users: list[str]) -> Pki:
    """Create or reuse the PKI in ``directory``.

    The CA is reused if present; the server certificate is reissued when it does not cover all
    ``server_names``; each user in ``users`` gets a client certificate unless one is on disk."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    names = tuple(dict.fromkeys([*server_names, *LOOPBACK_NAMES]))
    ca = _load_ca(directory)
    if ca is None:
        ca = trustme.CA(organization_name=CA_ORGANISATION)
        ca.cert_pem.write_to_path(str(directory / "ca.pem"))
        ca.private_key_pem.write_to_path(str(directory / "ca.key"))
        (directory / "ca.key").chmod(0o600)
        for stale in (directory / "server.pem", *directory.glob("clients/*")):
            stale.unlink(missing_ok=True)
    pki = Pki(directory=directory, ca=ca, server_names=names)
    if not set(names) <= _server_names_on_disk(pki.server_pem):
        server = ca.issue_cert(*names, common_name=names[0], organization_name="facsim")
        server.private_key_and_cert_chain_pem.write_to_path(str(pki.server_pem))
        pki.server_pem.chmod(0o600)
    for username in users:
        pem, cert, key = _client_paths(directory, username)
        if pem.exists() and cert.exists() and key.exists():
            pki.clients[_safe_name(username)] = ClientCertificate(
                username, pem, cert, key, fingerprint(_pem_to_der(cert.read_bytes()))
            )
        else:
            pki.issue_client(username)
    pki._write_manifest()
    return pki
