#!/usr/bin/env python3
"""hostile_gen.py: byte-level builders for hostile captures (pcap, pcapng,
Ethernet/IPv4/IPv6/TCP frames with valid checksums), shared by hostile.py.
Everything is generated at test time: no binary capture is committed."""
import struct

T0 = 1704067200  # 2024-01-01T00:00:00Z, as the bundled captures


def csum(data):
    if len(data) % 2:
        data += b"\x00"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


FIN, SYN, RST, PSH, ACK, URG, ECE, CWR, AE = 1, 2, 4, 8, 16, 32, 64, 128, 256


def tcp(sport, dport, seq, ack, flags, opts=b"", payload=b"", doff=None, win=64240):
    """A TCP header (checksum 0, filled by ipv4()/ipv6()); doff in words
    overrides the data offset computed from the options."""
    if doff is None:
        assert len(opts) % 4 == 0
        doff = 5 + len(opts) // 4
    b12 = (doff << 4) | ((flags >> 8) & 1)
    return struct.pack("!HHIIBBHHH", sport, dport, seq, ack, b12, flags & 0xFF, win, 0, 0) + opts + payload


def _tcp_csum(pseudo, seg):
    if len(seg) < 18:
        return seg
    c = csum(pseudo + seg)
    return seg[:16] + struct.pack("!H", c) + seg[18:]


def ipv4(src, dst, payload, proto=6, ihl=5, total=None, ttl=64, frag=0x4000, opts=b""):
    """IPv4 header (RFC 791); total/ihl override the honest values."""
    s, d = bytes(map(int, src.split("."))), bytes(map(int, dst.split(".")))
    if proto == 6:
        payload = _tcp_csum(s + d + struct.pack("!BBH", 0, 6, len(payload)), payload)
    hdr_len = 20 + len(opts)
    if total is None:
        total = hdr_len + len(payload)
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, total, 1, frag, ttl, proto, 0, s, d) + opts
    h = h[:10] + struct.pack("!H", csum(h)) + h[12:]
    return h + payload


def v6addr(tail):
    return bytes.fromhex("20010db8000000000000000000000000")[:15] + bytes([tail])


def ipv6(src_tail, dst_tail, payload, nh=6, plen=None, ext=b""):
    """IPv6 header (RFC 8200) + raw extension header bytes `ext`; `nh` is
    the first next-header value."""
    s, d = v6addr(src_tail), v6addr(dst_tail)
    if nh == 6 and not ext:
        payload = _tcp_csum(s + d + struct.pack("!IxxxB", len(payload), 6), payload)
    if plen is None:
        plen = len(ext) + len(payload)
    return struct.pack("!IHBB", 0x60000000, plen, nh, 64) + s + d + ext + payload


def eth(ip):
    et = 0x86DD if ip[0] >> 4 == 6 else 0x0800
    return bytes.fromhex("020000000002020000000001") + struct.pack("!H", et) + ip


def pcap_header(linktype=1, snaplen=65535, magic=0xA1B2C3D4, version=(2, 4)):
    return struct.pack("<IHHiIII", magic, version[0], version[1], 0, 0, snaplen, linktype)


def pcap_record(frame, t_us, caplen=None, wirelen=None):
    """A record (microsecond pcap, little-endian); caplen/wirelen override the
    honest lengths (the bytes written are always `frame`)."""
    if caplen is None:
        caplen = len(frame)
    if wirelen is None:
        wirelen = max(len(frame), caplen)
    return struct.pack("<IIII", T0 + t_us // 1000000, t_us % 1000000, caplen, wirelen) + frame


def ng_block(btype, body, total=None, trailer=None):
    pad = (-len(body)) % 4
    honest = 12 + len(body) + pad
    total = honest if total is None else total
    trailer = total if trailer is None else trailer
    return struct.pack("<II", btype, total) + body + bytes(pad) + struct.pack("<I", trailer)


def ng_shb():
    return ng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))


def ng_idb(linktype=1, snaplen=65535):
    return ng_block(1, struct.pack("<HHI", linktype, 0, snaplen))


def ng_epb(frame, t_us, ifid=0, **kw):
    ts = (T0 * 1000000 + t_us)
    return ng_block(6, struct.pack("<IIIII", ifid, ts >> 32, ts & 0xFFFFFFFF, len(frame),
                                   len(frame)) + frame, **kw)


# A good handshake that every hostile file starts with, so that the results
# before the fault can be checked: 10.0.0.1:40000 -> 10.0.0.2:80.
CLI, SRV = ("10.0.0.1", 40000), ("10.0.0.2", 80)
ISN_C, ISN_S = 1000, 5000


def handshake_frames():
    return [
        eth(ipv4(CLI[0], SRV[0], tcp(CLI[1], SRV[1], ISN_C, 0, SYN, b"\x02\x04\x05\xb4"))),
        eth(ipv4(SRV[0], CLI[0], tcp(SRV[1], CLI[1], ISN_S, ISN_C + 1, SYN | ACK, b"\x02\x04\x05\xb4"))),
        eth(ipv4(CLI[0], SRV[0], tcp(CLI[1], SRV[1], ISN_C + 1, ISN_S + 1, ACK))),
    ]


def good_pcap_records():
    return b"".join(pcap_record(f, 100 + 100 * i) for i, f in enumerate(handshake_frames()))


def other_segment(flags, **kw):
    """A segment on another 4-tuple (10.0.0.3:40001 -> 10.0.0.2:80)."""
    return tcp(40001, 80, 7000, 0, flags, **kw)
