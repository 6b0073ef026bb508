"""Client IP: the socket, or X-Forwarded-For walked right to left over trusted proxies only."""

from __future__ import annotations

import ipaddress

import pytest

from herald.kit.netaddr import client_ip

TRUSTED = [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("::1/128")]


@pytest.mark.parametrize(
    ("peer", "xff", "expected"),
    [
        ("203.0.113.5", None, "203.0.113.5"),
        ("203.0.113.5", "1.2.3.4", "203.0.113.5"),  # untrusted peer: header ignored
        ("10.0.0.2", "198.51.100.7", "198.51.100.7"),
        ("10.0.0.2", "6.6.6.6, 198.51.100.7", "198.51.100.7"),  # spoofed left part ignored
        ("10.0.0.2", "198.51.100.7, 10.0.0.3", "198.51.100.7"),  # chain of trusted proxies
        ("10.0.0.2", "10.0.0.9", "10.0.0.9"),  # only proxies: the leftmost one
        ("10.0.0.2", "garbage", "10.0.0.2"),
        ("::1", "2001:db8::1", "2001:db8::1"),
        ("not-an-ip", None, "0.0.0.0"),
    ],
)
def test_client_ip(peer: str, xff: str | None, expected: str) -> None:
    assert client_ip(peer, xff, TRUSTED) == expected
