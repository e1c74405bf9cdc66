"""The passphrase that encrypts issuer private keys at rest, and loading keys for signing.

``CERTIFICATE_KEY_PASSPHRASE`` (environment or setting) wins; without it the embedded default
generates a random passphrase once into ``var/certificate_key_passphrase`` (mode 0600). Every
web node and worker must see the same passphrase: in a scaled-out deployment set the variable.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import threading
from pathlib import Path

from django.conf import settings

from certificates import signing
from certificates.models import IssuerKey

PASSPHRASE_FILE_NAME = "certificate_key_passphrase"  # noqa: S105 - a file name, not a secret

_lock = threading.Lock()
_private_keys: dict[str, signing.PrivateKey] = {}


def _passphrase_file() -> Path:
    return Path(settings.VAR_DIR) / PASSPHRASE_FILE_NAME


def key_passphrase() -> str:
    """The passphrase for issuer private keys (see the module docstring)."""
    configured = os.environ.get("CERTIFICATE_KEY_PASSPHRASE") or getattr(settings, "CERTIFICATE_KEY_PASSPHRASE", "")
    if configured:
        return configured
    path = _passphrase_file()
    with _lock:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(32))
        return path.read_text().strip()


def private_key_for(key: IssuerKey) -> signing.PrivateKey:
    """Decrypt an issuer key once per process (decryption runs a slow KDF on purpose)."""
    cache_key = hashlib.sha256(key.private_key_pem.encode("ascii")).hexdigest()
    cached = _private_keys.get(cache_key)
    if cached is None:
        cached = signing.load_private_key(key.private_key_pem, key_passphrase())
        _private_keys[cache_key] = cached
    return cached


def clear_key_cache() -> None:
    _private_keys.clear()
