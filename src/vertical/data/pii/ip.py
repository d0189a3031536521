"""IP addresses: IPv4 dotted quads and IPv6, validated by the standard library's `ipaddress`.

A dotted quad after "v", "version" or "版本" is a version number, not an address.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator

from vertical.data.pii.entity import PersonalData

_IPV4 = re.compile(r"(?=\d)(?<![A-Za-z0-9.])(?:\d{1,3}\.){3}\d{1,3}(?![A-Za-z0-9]|\.\d)")
_IPV6 = re.compile(
    r"(?=[0-9A-Fa-f:])(?<![A-Za-z0-9:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?:%[A-Za-z0-9]+)?(?![A-Za-z0-9:])"
)
_DOTTED_QUAD = re.compile(r"\d\.\d{1,3}\.\d{1,3}\.\d")
_VERSION_BEFORE = re.compile(r"(?:\b[vV]|version|Version|版本|版本号)\s*:?\s*$")


def find_ips(text: str) -> Iterator[PersonalData]:
    """IPv4 and IPv6 addresses in `text`."""
    if _DOTTED_QUAD.search(text) is not None:  # a fast scan for what every IPv4 address holds
        for match in _IPV4.finditer(text):
            value = match.group()
            if _VERSION_BEFORE.search(text, max(0, match.start() - 10), match.start()):
                continue
            try:
                ipaddress.IPv4Address(value)
            except ValueError:
                continue
            yield PersonalData("IP", match.start(), match.end(), value)
    if "::" in text or text.count(":") >= 7:
        for match in _IPV6.finditer(text):
            value = match.group()
            if value.count(":") < 2 or not any(c.isalnum() for c in value):
                continue
            try:
                ipaddress.IPv6Address(value)
            except ValueError:
                continue
            yield PersonalData("IP", match.start(), match.end(), value)
