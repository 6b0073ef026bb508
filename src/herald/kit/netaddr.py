"""Client IP from the socket, or from X-Forwarded-For walked right to left over trusted proxies.

A raw ``X-Forwarded-For`` is attacker-controlled: its leftmost entry is whatever the client wrote.
Only hops appended by proxies we trust are believed; the first untrusted hop is the client.
"""

from __future__ import annotations

import ipaddress

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _parse(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(addr: ipaddress.IPv4Address | ipaddress.IPv6Address, nets: list[Network]) -> bool:
    return any(addr in net for net in nets)


def client_ip(peer: str | None, forwarded_for: str | None, trusted: list[Network]) -> str:
    peer_addr = _parse(peer or "")
    if peer_addr is None:
        return "0.0.0.0"  # noqa: S104 - an unknown peer, never a bind address
    if not forwarded_for or not _trusted(peer_addr, trusted):
        return str(peer_addr)
    current = peer_addr
    for hop in reversed(forwarded_for.split(",")):
        addr = _parse(hop)
        if addr is None:
            break
        current = addr
        if not _trusted(addr, trusted):
            break
    return str(current)
