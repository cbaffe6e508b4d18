#!/usr/bin/env python3
"""make-corpus.py CAPTURES_DIR LINKTYPE_H OUTDIR [--regress DIR]: write the seed corpora of
the fuzz harnesses (OUTDIR/decode, OUTDIR/tcpopt, OUTDIR/pipeline), derived
from the bundled captures, so that no binary seed is committed.

decode:   one file per frame: a selector byte (link type index from
          include/linktype.h, wire-length nibble) + the frame; every frame of
          every capture, re-framed for every link type (SLL, SLL2, NULL, LOOP,
          RAW, IPv4, IPv6), plus VLAN, QinQ, MPLS, PPPoE, IPv4 options,
          IPv6 extension headers, No Next Header and snap-length cuts;
          the tunnel frames of tests/tunnels/tunnel_gen.py (LLC/SNAP,
          IP-in-IP, GRE, VXLAN, GENEVE, Teredo) and their cuts.
tcpopt:   the TCP options area of every segment, plus hand-made oddities.
pipeline: every capture as is, some as pcapng and as big-endian pcap.
pcapng:   pcapng streams of the shapes libpcap 1.10 refuses (issue 15):
          interfaces of different link types (Ethernet, NULL, raw IP) and
          snap lengths, both byte orders, time resolutions and offsets, SPB
          and obsolete PB, several sections, a section without interfaces.
pipeline: every capture as is, some as pcapng and as big-endian pcap, and
          one pcap per tunnel case.
--regress DIR adds DIR/<harness>/*.hex: inputs that once crashed a harness,
kept as hex text (whitespace and #-comments ignored).
File names are the SHA-1 of the contents, as libFuzzer names its units."""
import hashlib
import os
import re
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tunnels"))
import tunnel_gen  # noqa: E402

ETH = 1
LINKTYPE_FILE = {0: "NULL_BSD", 1: "ETHERNET", 101: "RAW", 108: "LOOP", 113: "LINUX_SLL",
                 276: "LINUX_SLL2", 228: "IPV4", 229: "IPV6"}


def link_indices(header):
    text = open(header).read()
    body = text[text.index("#define LINK_TYPE_MAP"):]
    body = body[:body.index("enum link_type")]
    names = re.findall(r"X\((\w+),", body)
    return {n: i for i, n in enumerate(names)}


def read_pcap(path):
    data = open(path, "rb").read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        return None, []
    linktype = struct.unpack(e + "I", data[20:24])[0]
    frames, off = [], 24
    while off + 16 <= len(data):
        sec, frac, caplen, wirelen = struct.unpack(e + "IIII", data[off:off + 16])
        frames.append((sec, frac, data[off + 16:off + 16 + caplen], wirelen))
        off += 16 + caplen
    return linktype, frames


def ip_of(linktype, frame):
    """The IP packet inside a frame of a bundled capture, or None."""
    if linktype == 1 and len(frame) >= 14 and frame[12:14] in (b"\x08\x00", b"\x86\xdd"):
        return frame[14:]
    if linktype == 276 and len(frame) >= 20:
        return frame[20:]
    if linktype == 0 and len(frame) >= 4:
        return frame[4:]
    if linktype == 101:
        return frame
    return None


def ethertype(ip):
    return 0x86DD if ip and ip[0] >> 4 == 6 else 0x0800


def reframe(ip):
    """The same IP packet under every link layer the decoder knows."""
    et = ethertype(ip)
    v6 = et == 0x86DD
    macs = bytes.fromhex("020000000001020000000002")
    out = {
        "ETHERNET": macs + struct.pack(">H", et) + ip,
        "LINUX_SLL": struct.pack(">HHH", 0, 1, 6) + bytes(range(8)) + struct.pack(">H", et) + ip,
        "LINUX_SLL2": struct.pack(">HHIHBB", et, 0, 1, 1, 0, 6) + bytes(8) + ip,
        "NULL_BSD": struct.pack("<I", 30 if v6 else 2) + ip,
        "LOOP": struct.pack(">I", 24 if v6 else 2) + ip,
        "RAW": ip,
        "IPV6" if v6 else "IPV4": ip,
    }
    variants = [
        # 802.1Q, then QinQ (802.1ad outer tag), then the old 0x9100.
        macs + struct.pack(">HHH", 0x8100, 0x0064, et) + ip,
        macs + struct.pack(">HHHHH", 0x88A8, 0x00C8, 0x8100, 0x0064, et) + ip,
        macs + struct.pack(">HHH", 0x9100, 0x0001, et) + ip,
        # MPLS: two labels, S on the second.
        macs + struct.pack(">HII", 0x8847, 0x00010040, 0x00020140) + ip,
        # PPPoE session: ver/type 0x11, code 0, session 1, length, PPP protocol.
        macs + struct.pack(">HBBHHH", 0x8864, 0x11, 0, 1, len(ip) + 2,
                           0x0057 if v6 else 0x0021) + ip,
    ]
    return out, variants


def ipv4_with_options(ip):
    if len(ip) < 20 or ip[0] >> 4 != 4:
        return None
    ihl = (ip[0] & 15) * 4
    tot = struct.unpack(">H", ip[2:4])[0] + 4
    return bytes([0x46]) + ip[1:2] + struct.pack(">H", tot) + ip[4:ihl] + b"\x01\x01\x01\x00" + ip[ihl:]


def ipv6_with_ext(ip, chain):
    """Insert extension headers (list of protocol numbers) after the fixed header."""
    if len(ip) < 40 or ip[0] >> 4 != 6:
        return None
    nh = ip[6]
    plen = struct.unpack(">H", ip[4:6])[0]
    exts = b""
    protos = chain + [nh]
    for i, proto in enumerate(chain):
        nxt = protos[i + 1]
        if proto == 44:    # fragment, offset 0, M clear (atomic)
            exts += struct.pack(">BBHI", nxt, 0, 0, 0x12345678)
        elif proto == 51:  # AH: payload len 4 -> (4 + 2) * 4 = 24 bytes
            exts += struct.pack(">BBH", nxt, 4, 0) + bytes(20)
        else:              # hop-by-hop, routing, destination options: 8 bytes
            exts += struct.pack(">BB", nxt, 0) + b"\x01\x04\x00\x00\x00\x00"
    return (ip[:4] + struct.pack(">H", plen + len(exts)) + bytes([chain[0]]) + ip[7:40] +
            exts + ip[40:])


def tcp_options(ip):
    if len(ip) < 20:
        return None
    if ip[0] >> 4 == 4:
        ihl = (ip[0] & 15) * 4
        if ip[9] != 6:
            return None
        tcp = ip[ihl:]
    elif ip[0] >> 4 == 6 and len(ip) >= 40 and ip[6] == 6:
        tcp = ip[40:]
    else:
        return None
    if len(tcp) < 20:
        return None
    return tcp[20:(tcp[12] >> 4) * 4]


HAND_OPTIONS = [
    b"", b"\x00", b"\x01\x01\x01\x01", b"\x00\x00\x00\x00", b"\x00\x01\x00\x00",
    b"\x02\x04\x05\xb4", b"\x02\x00", b"\x02\x01", b"\x02", b"\x02\x08\x05\xb4",
    b"\x03\x03\x0e", b"\x03\x03\x0f", b"\x04\x02", b"\x08\x0a" + bytes(8),
    b"\x05\x0a" + bytes(8), b"\x05\x22" + bytes(32), b"\x05\x2a" + bytes(40), b"\x05\x03\x00",
    b"\x22\x02", b"\x22\x0a" + bytes(8), b"\x22\x03\x00", b"\x22\x12" + bytes(16),
    b"\xfe\x04\xf9\x89", b"\xfe\x0c\xf9\x89" + bytes(8), b"\xfe\x06\x12\x34\x00\x00",
    b"\x13\x12" + bytes(16), b"\x1e\x04\x00\x00", b"\x1c\x04\x00\x00", b"\x63\x02",
    b"\x02\x04\x05\xb4\x02\x04\x05\xb4", b"\x02\x04\x05\xb4\x04\x02\x08\x0a" + bytes(8) +
    b"\x01\x03\x03\x07", b"\xff\xff", b"\x01" * 40,
]


def main():
    captures, linktype_h, outdir = sys.argv[1:4]
    regress = sys.argv[5] if len(sys.argv) > 5 and sys.argv[4] == "--regress" else None
    idx = link_indices(linktype_h)
    count = {}

    def put(harness, blob):
        d = os.path.join(outdir, harness)
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, hashlib.sha1(blob).hexdigest())
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.write(blob)
            count[harness] = count.get(harness, 0) + 1

    def put_frame(lt_name, frame, wire_nibble=0):
        put("decode", bytes([idx[lt_name] | wire_nibble << 4]) + frame)

    for name in sorted(os.listdir(captures)):
        if not name.endswith(".pcap"):
            continue
        path = os.path.join(captures, name)
        blob = open(path, "rb").read()
        put("pipeline", blob)
        linktype, frames = read_pcap(path)
        lt_name = LINKTYPE_FILE.get(linktype)
        if lt_name is None:
            continue
        for i, (sec, frac, frame, wirelen) in enumerate(frames):
            put_frame(lt_name, frame, 1 if wirelen > len(frame) else 0)
            ip = ip_of(linktype, frame)
            if ip is None:
                continue
            same, variants = reframe(ip)
            for lt, fr in same.items():
                put_frame(lt, fr)
            for fr in variants:
                put_frame("ETHERNET", fr)
            if ip[0] >> 4 == 6 and len(ip) >= 40:
                put_frame("RAW", ip[:6] + b"\x3b" + ip[7:])  # No Next Header (59)
            for fr in (ipv4_with_options(ip), ipv6_with_ext(ip, [0]), ipv6_with_ext(ip, [60, 43]),
                       ipv6_with_ext(ip, [0, 44]), ipv6_with_ext(ip, [51]),
                       ipv6_with_ext(ip, [0, 60, 43, 44, 51, 60])):
                if fr:
                    put_frame("RAW", fr)
            if i == 0:
                # Snap-length cuts of the first frame: inside every layer.
                eth = same["ETHERNET"]
                for cut in (0, 1, 13, 14, 15, 33, 34, 40, 53, 54, 60, 70):
                    if cut < len(eth):
                        put_frame("ETHERNET", eth[:cut], 2)
            opts = tcp_options(ip)
            if opts:
                put("tcpopt", b"\x00" + opts)
                put("tcpopt", b"\x41" + opts[:len(opts) // 2])
        # The same capture as pcapng (SHB, IDB with if_tsresol 9, EPBs) and
        # as big-endian microsecond pcap, for the first few captures.
        if name in ("handshake-ipv4.pcap", "mixed.pcap", "null-loopback.pcap", "tfo.pcap"):
            put("pipeline", to_pcapng(linktype, frames))
        if name in ("handshake-ipv6.pcap", "sll2-any.pcap"):
            put("pipeline", to_pcap_be_us(linktype, frames))
        if linktype == 1 and name in ("handshake-ipv4.pcap", "handshake-ipv6.pcap", "mixed.pcap",
                                      "refused.pcap", "simultaneous-open.pcap"):
            for order in ("<", ">"):
                for blob in ng_multi(frames[:24], order):
                    put("pcapng", blob)
    put("pcapng", ng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)))
    # Tunnels and LLC/SNAP (tests/tunnels/tunnel_gen.py): every frame, its
    # snap-length cuts at every 7th byte, and each case as a pcap.
    for frames in tunnel_gen.cases().values():
        put("pipeline", tunnel_gen.pcap(frames))
        for fr in frames:
            put_frame("ETHERNET", fr)
            for cut in range(0, len(fr), 7):
                put_frame("ETHERNET", fr[:cut], 2)
    for o in HAND_OPTIONS:
        put("tcpopt", b"\x00" + o)
        put("tcpopt", b"\x01" + o)
        put("tcpopt", b"\x10" + o)
    if regress and os.path.isdir(regress):
        for h in sorted(os.listdir(regress)):
            for name in sorted(os.listdir(os.path.join(regress, h))):
                if name.endswith(".hex"):
                    text = open(os.path.join(regress, h, name)).read()
                    text = re.sub(r"#.*", "", text)
                    put(h, bytes.fromhex("".join(text.split())))
    for h in ("decode", "tcpopt", "pipeline", "pcapng"):
        print("%s: %d seeds" % (h, count.get(h, 0)))


def ng_block(btype, body, order="<"):
    pad = (-len(body)) % 4
    total = 12 + len(body) + pad
    return struct.pack(order + "II", btype, total) + body + bytes(pad) + struct.pack(order + "I", total)


def ng_idb(linktype, snaplen, order, tsresol=None, tsoffset=None):
    opts = b""
    if tsresol is not None:
        opts += struct.pack(order + "HHB3x", 9, 1, tsresol)
    if tsoffset is not None:
        opts += struct.pack(order + "HHq", 14, 8, tsoffset)
    return ng_block(1, struct.pack(order + "HHI", linktype, 0, snaplen) + opts +
                    struct.pack(order + "HH", 0, 0), order)


def ng_multi(frames, order):
    """Ethernet frames spread over interfaces libpcap 1.10 would refuse:
    (a) Ethernet + NULL + raw IP, the later IDBs mid-stream; (b) two
    Ethernet interfaces of different snap lengths and resolutions, with an
    SPB and an obsolete PB; (c) two sections, the first without interfaces."""
    shb = ng_block(0x0A0D0D0A, struct.pack(order + "IHHq", 0x1A2B3C4D, 1, 0, -1), order)

    def epb(ifid, ts, frame):
        return ng_block(6, struct.pack(order + "IIIII", ifid, ts >> 32, ts & 0xFFFFFFFF,
                                       len(frame), len(frame)) + frame, order)

    ns = [(sec * 1000000000 + frac, frame) for sec, frac, frame, _ in frames]
    a = shb + ng_idb(1, 65535, order, 9)
    for i, (ts, fr) in enumerate(ns):
        if i == 2:
            a += ng_idb(0, 65535, order, 9) + ng_idb(101, 262144, order, 0x80 | 30)
        if i >= 2 and i % 3 == 1 and len(fr) > 14:
            a += epb(1, ts, struct.pack(order + "I", 2 if fr[12:14] == b"\x08\x00" else 30) + fr[14:])
        elif i >= 2 and i % 3 == 2 and len(fr) > 14:
            a += epb(2, (ts * (1 << 30)) // 1000000000, fr[14:])
        else:
            a += epb(0, ts, fr)
    b = shb + ng_idb(1, 65535, order) + ng_idb(1, 60, order, 3, tsoffset=-5)
    for i, (ts, fr) in enumerate(ns):
        if i == 3:
            b += ng_block(3, struct.pack(order + "I", len(fr)) + fr, order)  # SPB
        elif i == 4:
            ms = ts // 1000000 + 5000  # interface 1: milliseconds, offset -5 s
            b += ng_block(2, struct.pack(order + "HHIIII", 1, 0, ms >> 32, ms & 0xFFFFFFFF, len(fr),
                                         len(fr)) + fr, order)  # obsolete PB
        else:
            b += epb(i % 2, ts // 1000 if i % 2 == 0 else ts // 1000000 + 5000, fr)
    c = shb + ng_block(5, struct.pack(order + "I", 0), order) + shb + ng_idb(1, 0, order, 9)
    for ts, fr in ns[:6]:
        c += epb(0, ts, fr)
    return a, b, c


def to_pcapng(linktype, frames):
    out = ng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    opts = struct.pack("<HHB3x", 9, 1, 9) + struct.pack("<HH", 0, 0)
    out += ng_block(1, struct.pack("<HHI", linktype, 0, 262144) + opts)
    for sec, frac, frame, wirelen in frames:
        ts = sec * 1000000000 + frac
        out += ng_block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, len(frame),
                                       wirelen) + frame)
    return out


def to_pcap_be_us(linktype, frames):
    out = struct.pack(">IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, linktype)
    for sec, frac, frame, wirelen in frames:
        out += struct.pack(">IIII", sec, frac // 1000, len(frame), wirelen) + frame
    return out


if __name__ == "__main__":
    main()
