"""The privacy interfaces a mini-program source folder declares or calls, as privacy keys.

WeChat detects them in the committed code and lists them in `getprivacysetting`'s `privacy_list`;
before a commit only the folder can tell. Two sources, both read without running anything:

- `app.json`'s `requiredPrivateInfos` (the location APIs must be declared there, else 61040);
- calls of the APIs the privacy guide doc lists per key (`wx.chooseAddress(` ...) in .js/.ts files,
  and the `open-type` buttons in .wxml files.

The table follows "小程序用户隐私保护指引内容介绍"
(https://developers.weixin.qq.com/miniprogram/dev/framework/user-privacy/miniprogram-intro.html);
it names the common APIs of each key, not every one, so the scan can miss an interface (WeChat's
own `privacy_list` after the commit is the truth) but never invents one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

# privacy key -> the APIs (wx.<name>) and components that use it
API_KEYS: dict[str, tuple[str, ...]] = {
    "UserInfo": ("getUserProfile", "getUserInfo"),
    "Location": ("getLocation", "getFuzzyLocation", "startLocationUpdate", "startLocationUpdateBackground",
                 "onLocationChange", "chooseLocation", "choosePoi"),
    "Address": ("chooseAddress",),
    "Invoice": ("chooseInvoice", "chooseInvoiceTitle"),
    "RunData": ("getWeRunData",),
    "Record": ("startRecord", "getRecorderManager", "joinVoIPChat"),
    "Album": ("chooseImage", "chooseMedia", "chooseVideo"),
    "AlbumWriteOnly": ("saveImageToPhotosAlbum", "saveVideoToPhotosAlbum"),
    "Camera": ("createCameraContext", "createVKSession"),
    "Contact": ("addPhoneContact",),
    "BlueTooth": ("openBluetoothAdapter", "createBLEPeripheralServer"),
    "CalendarWriteOnly": ("addPhoneCalendar", "addPhoneRepeatCalendar"),
    "MessageFile": ("chooseMessageFile",),
    "LicensePlate": ("chooseLicensePlate",),
}
OPEN_TYPES: dict[str, str] = {"getPhoneNumber": "PhoneNumber", "getRealtimePhoneNumber": "PhoneNumber",
                              "chooseAvatar": "UserInfo"}
REQUIRED_PRIVATE_INFOS: dict[str, str] = {
    "getFuzzyLocation": "Location", "getLocation": "Location", "onLocationChange": "Location",
    "startLocationUpdate": "Location", "startLocationUpdateBackground": "Location",
    "chooseLocation": "Location", "choosePoi": "Location", "chooseAddress": "Address",
}
_API_KEY = {api: key for key, apis in API_KEYS.items() for api in apis}
_CALL = re.compile(r"\b(?:wx|uni|Taro)\s*\.\s*([A-Za-z]+)\s*\(")
_OPEN_TYPE = re.compile(r"open-type\s*=\s*[\"']([A-Za-z]+)[\"']")
_INPUT_NICKNAME = re.compile(r"<input[^>]*type\s*=\s*[\"']nickname[\"']")
SKIPPED_DIRS = frozenset({"node_modules", "miniprogram_npm", ".git"})
MAX_FILE_BYTES = 2_000_000
MAX_FILES = 5_000


def declared_privacy_keys(folder: str | Path) -> list[str]:
    """The privacy keys the folder's code declares or calls, sorted."""
    root = Path(folder)
    keys: set[str] = set()
    keys |= _required_private_infos(root)
    for path in _files(root):
        text = _read(path)
        if path.suffix in (".js", ".ts"):
            keys |= {_API_KEY[name] for name in _CALL.findall(text) if name in _API_KEY}
        elif path.suffix == ".wxml":
            keys |= {OPEN_TYPES[kind] for kind in _OPEN_TYPE.findall(text) if kind in OPEN_TYPES}
            if _INPUT_NICKNAME.search(text):
                keys.add("UserInfo")
    return sorted(keys)


def _required_private_infos(root: Path) -> set[str]:
    try:
        app = json.loads(_read(root / "app.json") or "{}")
    except ValueError:
        return set()
    infos = app.get("requiredPrivateInfos") if isinstance(app, dict) else None
    return {REQUIRED_PRIVATE_INFOS[item] for item in infos or [] if item in REQUIRED_PRIVATE_INFOS}


def _files(root: Path) -> Iterator[Path]:
    count = 0
    stack = [root]
    while stack and count < MAX_FILES:
        folder = stack.pop()
        try:
            entries = sorted(folder.iterdir())
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir() and not entry.is_symlink():
                if entry.name not in SKIPPED_DIRS:
                    stack.append(entry)
            elif entry.suffix in (".js", ".ts", ".wxml") and entry.is_file():
                count += 1
                yield entry


def _read(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            return handle.read(MAX_FILE_BYTES).decode("utf-8", errors="replace")
    except OSError:
        return ""
