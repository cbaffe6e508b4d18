#!/usr/bin/env python3
"""tunnel_gen.py: one capture per encapsulation tcpshake decodes (802.3
LLC/SNAP, 4in4, 6in4, 4in6, 6in6, GRE, GRE with key and Ethernet
bridging, VXLAN, GENEVE, Teredo, GRE in VXLAN; and a PPPoE length
shorter than the IP length), each a three-way handshake
10.0.0.1:40000 -> 10.0.0.2:80 (or 2001:db8::1 -> ::2) inside the tunnel.
Used by tunnels.py (golden outputs, tshark comparison) and by the fuzz
seed corpus (tests/fuzz/make-corpus.py). Everything is generated at test
time: no binary capture is committed."""
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "hostile"))
from hostile_gen import (ACK, SYN, eth, ipv4, ipv6, pcap_header,  # noqa: E402
                         pcap_record, tcp)

MSS = b"\x02\x04\x05\xb4"
OUT_V4 = ("192.0.2.1", "192.0.2.2")  # the tunnel endpoints


def handshake(v6):
    """The three inner IP packets, client, server, client."""
    def ip(fwd, seg):
        if v6:
            return ipv6(1, 2, seg) if fwd else ipv6(2, 1, seg)
        return ipv4("10.0.0.1", "10.0.0.2", seg) if fwd else ipv4("10.0.0.2", "10.0.0.1", seg)
    return [
        ip(True, tcp(40000, 80, 1000, 0, SYN, MSS)),
        ip(False, tcp(80, 40000, 5000, 1001, SYN | ACK, MSS)),
        ip(True, tcp(40000, 80, 1001, 5001, ACK)),
    ]


def outer4(fwd, proto, payload):
    s, d = OUT_V4 if fwd else OUT_V4[::-1]
    return ipv4(s, d, payload, proto=proto)


def outer6(fwd, proto, payload):
    return ipv6(0x11, 0x12, payload, nh=proto) if fwd else ipv6(0x12, 0x11, payload, nh=proto)


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def inner_eth(ip):
    et = 0x86DD if ip[0] >> 4 == 6 else 0x0800
    return bytes.fromhex("0200000000bb0200000000aa") + struct.pack("!H", et) + ip


def llc_snap(ip):
    et = 0x86DD if ip[0] >> 4 == 6 else 0x0800
    body = b"\xaa\xaa\x03\x00\x00\x00" + struct.pack("!H", et) + ip
    frame = bytes.fromhex("020000000002020000000001") + struct.pack("!H", len(body)) + body
    return frame + bytes(max(0, 60 - len(frame)))  # Ethernet minimum: padded


def gre(ip, key=None, teb=False):
    flags = 0x2000 if key is not None else 0
    proto = 0x6558 if teb else (0x86DD if ip[0] >> 4 == 6 else 0x0800)
    hdr = struct.pack("!HH", flags, proto) + (struct.pack("!I", key) if key is not None else b"")
    return hdr + (inner_eth(ip) if teb else ip)


def vxlan(inner_frame, vni):
    return struct.pack("!II", 0x08000000, vni << 8) + inner_frame


def geneve(ip, vni):
    opt = struct.pack("!HBB", 0x0102, 0x03, 1) + b"\xca\xfe\xf0\x0d"
    return struct.pack("!BBHI", len(opt) // 4, 0, 0x6558, vni << 8) + opt + inner_eth(ip)


def teredo(ip6):
    origin = b"\x00\x00" + struct.pack("!H", 40000 ^ 0xFFFF) + bytes(b ^ 0xFF for b in (198, 51, 100, 7))
    return origin + ip6


def cases():
    """name -> list of Ethernet frames (client, server, client)."""
    c = {}
    h4, h6 = handshake(False), handshake(True)
    fwd = (True, False, True)
    c["llc-snap"] = [llc_snap(p) for p in h4]
    c["4in4"] = [eth(outer4(f, 4, p)) for f, p in zip(fwd, h4)]
    c["6in4"] = [eth(outer4(f, 41, p)) for f, p in zip(fwd, h6)]
    c["4in6"] = [eth(outer6(f, 4, p)) for f, p in zip(fwd, h4)]
    c["6in6"] = [eth(outer6(f, 41, p)) for f, p in zip(fwd, h6)]
    c["gre"] = [eth(outer4(f, 47, gre(p))) for f, p in zip(fwd, h4)]
    c["gre-key-teb"] = [eth(outer6(f, 47, gre(p, key=7, teb=True))) for f, p in zip(fwd, h6)]
    c["vxlan"] = [eth(outer4(f, 17, udp(51000 + i, 4789, vxlan(inner_eth(p), 42))))
                  for i, (f, p) in enumerate(zip(fwd, h4))]
    c["geneve"] = [eth(outer4(f, 17, udp(52000, 6081, geneve(p, 0x1234)))) for f, p in zip(fwd, h4)]
    c["teredo"] = [eth(outer4(f, 17, udp(3544, 40001, teredo(p)) if f else udp(40001, 3544, p)))
                   for f, p in zip(fwd, h6)]
    # Two deep: GRE (key 9) inside VXLAN 5.
    c["vxlan-gre"] = [eth(outer4(f, 17, udp(53000, 4789, vxlan(inner_eth(
        ipv4("172.16.0.1", "172.16.0.2", gre(p, key=9), proto=47)), 5)))) for f, p in zip(fwd, h4)]
    # PPPoE whose LENGTH covers only the IP header (20 bytes): decoded by the
    # IP total length with anomaly link-len-short, as tshark does.
    c["pppoe-len-short"] = [bytes.fromhex("020000000002020000000001") + struct.pack(
        "!HBBHHH", 0x8864, 0x11, 0, 1, 2 + 20, 0x0021) + p for p in h4]
    return c


def pcap(frames):
    return pcap_header() + b"".join(pcap_record(fr, 100 + 100 * i) for i, fr in enumerate(frames))


if __name__ == "__main__":
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for name, frames in cases().items():
        with open(os.path.join(out, name + ".pcap"), "wb") as f:
            f.write(pcap(frames))
