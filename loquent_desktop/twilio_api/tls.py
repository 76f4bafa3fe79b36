"""TLS for every HTTPS request: certificates are checked against the operating system's trust
store, through `truststore`.

Python's default context trusts whatever CA folder its OpenSSL was compiled with. A frozen
macOS app has no such folder, and a root certificate that a company's TLS-inspecting proxy
relies on is installed in the OS store (Keychain, Windows certificate store, the
distribution's CA bundle), not in Python's. `truststore` asks the OS itself on Windows and
macOS; on Linux it points OpenSSL at the distribution's bundle (honouring `SSL_CERT_FILE` and
`SSL_CERT_DIR`).
"""

from __future__ import annotations

import os
import re
import ssl
import sys

import truststore

# As truststore's Linux fallback (truststore/_openssl.py): hashed certificate names in a CA
# folder, and the bundles it tries when OpenSSL's own paths hold nothing.
_HASHED_NAME = re.compile(r"^[0-9a-fA-F]{8}\.[0-9]$")
_CA_FILE_CANDIDATES = (
    "/etc/ssl/cert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/pki/tls/cert.pem",
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/ssl/ca-bundle.pem",
)


def ssl_context() -> ssl.SSLContext:
    """A client context that verifies servers against the OS trust store."""
    return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)


def trust_store_description() -> str:
    """Where certificates are checked, in words for a self-test report or an error."""
    if sys.platform == "darwin":
        return "the macOS Keychain (Security framework)"
    if sys.platform == "win32":
        return "the Windows certificate store (CryptoAPI)"
    found = linux_ca_locations()
    return "the system CA store " + (", ".join(found) if found else "(none found)")


def linux_ca_locations() -> list[str]:
    """The CA file/folder OpenSSL reads on Linux, chosen as truststore chooses it: SSL_CERT_FILE
    or SSL_CERT_DIR, else OpenSSL's compiled-in paths, else the first usual distribution bundle
    that exists (a bundled OpenSSL from another distribution looks in the wrong place)."""
    defaults = ssl.get_default_verify_paths()
    capath_has_certs = bool(defaults.capath) and any(
        _HASHED_NAME.match(name) for name in _listdir(defaults.capath)
    )
    if defaults.cafile or capath_has_certs:
        return [
            path for path in (defaults.cafile, defaults.capath) if path and os.path.exists(path)
        ]
    return [path for path in _CA_FILE_CANDIDATES if os.path.isfile(path)][:1]


def _listdir(path: str | None) -> list[str]:
    try:
        return os.listdir(path) if path else []
    except OSError:
        return []


def is_certificate_error(exc: BaseException) -> bool:
    """Whether a connection failed because the server's certificate was not trusted."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ssl.SSLCertVerificationError):
            return True
        if "CERTIFICATE_VERIFY_FAILED" in str(current):
            return True
        current = current.__cause__ or current.__context__
    return False


def untrusted_message(host: str, reason: str = "") -> str:
    """What to tell the user when a server's certificate is not trusted by this computer."""
    detail = f" ({reason})" if reason else ""
    return (
        f"The certificate of {host} is not trusted by this computer{detail}. Loquent Desktop "
        f"checks certificates against {trust_store_description()}. If your network inspects "
        "HTTPS (a company proxy or security software), ask your IT team to install its root "
        "certificate in the system's trust store; otherwise check the computer's date and "
        "time, and try again."
    )
