"""Write THIRD-PARTY-NOTICES.txt for a frozen build: every Python distribution the app ships,
its version, licence and licence texts, and how the LGPL's terms for Qt / PySide6 are met.

It runs in the build venv (the spec calls it, so all three systems ship the same file) and
walks loquent-desktop's requirements from the installed metadata, so build tools (PyInstaller,
pip) are left out and a new dependency appears without editing anything.

    python packaging/third_party_notices.py OUT.txt [--extra postgres] [--common-licenses DIR]

With --common-licenses (the .deb's copyright file) the GPL-3.0 and LGPL-3.0 texts are named
by their path in DIR (Debian's /usr/share/common-licenses) instead of copied in full.
"""

from __future__ import annotations

import argparse
import re
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement

HERE = Path(__file__).resolve().parent
LICENSE_FILE = re.compile(r"(LICEN[CS]E|COPYING|NOTICE|AUTHORS)", re.IGNORECASE)

QT_NOTICE = """\
Qt 6 and Qt for Python (PySide6, Shiboken6)
===========================================
Loquent Desktop uses Qt 6 and PySide6 {version} under the GNU Lesser General Public License
version 3 (LGPL-3.0-only; full texts of the LGPL-3.0 and the GPL-3.0 it builds on are at the
end of this file). The Qt and PySide6 libraries are shipped unmodified, as the separate shared
libraries in the PySide6 and shiboken6 folders of the installation (on macOS inside
Contents/Frameworks), exactly as published on PyPI (pyside6-essentials=={version},
pyside6-addons=={version} for Qt Multimedia, shiboken6=={version}). Qt Multimedia plays
recordings through the FFmpeg libraries (libavcodec, libavformat, libavutil, libswresample,
libswscale) that pyside6-addons ships, used under the GNU Lesser General Public License
version 2.1 or later (source: https://ffmpeg.org/download.html and the Qt sources below).
You may replace them with your own build of the same version
(the source code is at https://download.qt.io/official_releases/QtForPython/ and
https://code.qt.io/qt/qt5.git); Loquent Desktop loads whatever copies are in that folder.
On request, Loquent provides the source code of these libraries for three years from the
date you received this program: write to support@loquent.invalid.
"""


def runtime_distributions(extras: list[str]) -> list[metadata.Distribution]:
    """loquent-desktop's requirements (with `extras`), recursively, as installed."""
    seen: dict[str, metadata.Distribution] = {}
    pending = [("loquent-desktop", set(extras))]
    while pending:
        name, wanted = pending.pop()
        key = _key(name)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        if key in seen and not wanted:
            continue
        seen[key] = dist
        for text in dist.requires or []:
            req = Requirement(text)
            envs = [{"extra": e} for e in wanted] or [{"extra": ""}]
            applies = req.marker is None or any(req.marker.evaluate(env) for env in envs)
            if applies and _key(req.name) not in seen:
                pending.append((req.name, set(req.extras)))
    seen.pop("loquent-desktop", None)
    return sorted(seen.values(), key=lambda d: _key(d.metadata["Name"]))


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def licence_of(dist: metadata.Distribution) -> str:
    meta = dist.metadata
    expression = meta.get("License-Expression")
    if expression:
        return expression
    text = (meta.get("License") or "").strip()
    if text and "\n" not in text and len(text) < 100:
        return text
    classifiers = [
        c.split(" :: ")[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")
    ]
    return ", ".join(classifiers) or (text.splitlines()[0] if text else "see the text below")


def licence_texts(dist: metadata.Distribution) -> list[tuple[str, str]]:
    texts = []
    for file in dist.files or []:
        parts = file.parts
        in_metadata = parts[0].endswith(".dist-info")
        if in_metadata and LICENSE_FILE.search(file.name) and not file.name.endswith(".py"):
            path = Path(str(file.locate()))
            if path.is_file():
                texts.append((file.name, path.read_text(encoding="utf-8", errors="replace")))
    return texts


# First lines of licence texts Debian keeps in /usr/share/common-licenses (its policy asks to
# refer to them there rather than repeat them).
COMMON_LICENSES = {
    "Apache-2.0": re.compile(r"Apache License\s+Version 2\.0, January 2004"),
    "GPL-3": re.compile(r"GNU GENERAL PUBLIC LICENSE\s+Version 3, 29 June 2007"),
    "GPL-2": re.compile(r"GNU GENERAL PUBLIC LICENSE\s+Version 2, June 1991"),
    "LGPL-3": re.compile(r"GNU LESSER GENERAL PUBLIC LICENSE\s+Version 3, 29 June 2007"),
    "LGPL-2.1": re.compile(r"GNU LESSER GENERAL PUBLIC LICENSE\s+Version 2\.1, February 1999"),
    "MPL-2.0": re.compile(r"Mozilla Public License Version 2\.0"),
}


def _shortened(text: str, common_licenses: str | None) -> str:
    if common_licenses:
        for name, pattern in COMMON_LICENSES.items():
            if pattern.search(text[:3000]):
                prefix = text[: pattern.search(text).start()].rstrip()  # a copyright line, if any
                note = f"The full text of the {name} licence is in {common_licenses}/{name}."
                return f"{prefix}\n\n{note}".strip()
    return text


def render(extras: list[str], common_licenses: str | None = None) -> str:
    dists = runtime_distributions(extras)
    out = [
        "Third-party software in Loquent Desktop",
        "=======================================",
        "",
        "Loquent Desktop is proprietary software of Loquent. It contains the following",
        "open-source components, each under its own licence (listed first, texts below).",
        f"Python {sys.version.split()[0]} itself is under the PSF License Agreement (PSF-2.0).",
        "",
    ]
    for dist in dists:
        meta = dist.metadata
        out.append(f"- {meta['Name']} {dist.version}: {licence_of(dist)}")
    pyside = next((d.version for d in dists if _key(d.metadata["Name"]) == "shiboken6"), "6")
    out += ["", QT_NOTICE.format(version=pyside)]
    for dist in dists:
        texts = licence_texts(dist)
        if not texts:
            continue
        meta = dist.metadata
        out.append(f"\n{'=' * 78}\n{meta['Name']} {dist.version}\n{'=' * 78}")
        for name, text in texts:
            out += [f"--- {name} ---", _shortened(text, common_licenses).rstrip(), ""]
    for name, file in (("LGPL-3.0", "LGPL-3.0.txt"), ("GPL-3.0", "GPL-3.0.txt")):
        if common_licenses:
            out.append(f"\nThe full text of the {name} is in {common_licenses}/{name[:-2]}.")
            continue
        text = (HERE / "licenses" / file).read_text(encoding="utf-8")
        out.append(f"\n{'=' * 78}\n{name} (Qt, PySide6, Shiboken6)\n{'=' * 78}\n{text.rstrip()}")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--extra", action="append", default=[])
    parser.add_argument("--common-licenses", metavar="DIR")
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(args.extra, args.common_licenses), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
