#!/usr/bin/env python3
"""Writes a pcap of N concurrent G.711 calls for the recording benchmark and tests (issue 6).

usage: gen_pcap.py --calls 1000 --seconds 60 --out FILE [--loss 0.01] [--reorder 0.01]
                   [--duplicate] [--seq-start N] [--ts-start N] [--start-time EPOCH]
                   [--seed 1] [--json]

Classic pcap (microsecond timestamps, Ethernet / IPv4 / UDP). Each call: INVITE with SDP
(PCMU 0, PCMA 8, telephone-event 101), 100, 180, 200 with SDP (PCMU 0, 101), ACK, then RTP
both ways at 50 packets/s (payload type 0, 160-byte µ-law payloads: 1000 Hz from the caller,
600 Hz from the callee; sequence, timestamp and a random SSRC per direction correct), then BYE
and 200. Calls start staggered across the first second and all overlap, so --calls is the
number of concurrent calls. SIP runs between a trunk 127.1.0.1:5060 and a PBX 127.2.0.1:5060;
each call's media uses its own addresses 127.1.X.Y / 127.2.X.Y (port 10000 + 2 k / 20000 +
2 k). Addresses are loopback so that nothing replayed from the file leaves the host.

--loss P drops each RTP packet but a stream's first and last with probability P (its
sequence number is skipped, so a receiver can count it),
--reorder P swaps a packet with the next one of its stream with probability P, and
--duplicate writes every RTP packet twice as a loopback capture does (and as a span port
may), and --start-time puts the capture's first packet at that Unix time (default
1,700,000,000; tests that match calls to agents logged on now pass the current time). The summary (stderr, or stdout as JSON with --json) gives the counts to expect:
{"calls","packets","rtp_packets","rtp_generated","rtp_lost","rtp_reordered","rtp_duplicates",
"media_seconds" (both directions), "call_media_seconds", "capture_span_s" (first to last
packet: the real time the file stands for), "seconds","bytes","generate_s"}. Standard library only; precomputed frames patched with
struct.pack_into, written a 20 ms window at a time.
"""
import argparse
import json
import math
import random
import struct
import sys
import time

ETH_HDR = b"\x00\x00\x5e\x00\x01\x02" + b"\x00\x00\x5e\x00\x01\x01" + b"\x08\x00"
REC = struct.Struct("<IIII")  # pcap record header
SEQ_TS = struct.Struct("!HI")  # RTP sequence number and timestamp
PKT_US = 20000
SAMPLES = 160
TS_BASE = 1_700_000_000  # capture start, seconds since the epoch (--start-time)


def ulaw_encode(sample):
    """ITU-T G.711 µ-law of a 16-bit linear sample."""
    bias, clip = 0x84, 32635
    sign = 0x80 if sample < 0 else 0
    if sample < 0:
        sample = -sample
    sample = min(sample, clip) + bias
    exponent = 7
    mask = 0x4000
    while exponent > 0 and not sample & mask:
        exponent -= 1
        mask >>= 1
    mantissa = (sample >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def tone_payload(hz):
    # 1000 Hz and 600 Hz complete whole periods in 160 samples, so one payload repeats.
    return bytes(ulaw_encode(int(16000 * math.sin(2 * math.pi * hz * n / 8000)))
                 for n in range(SAMPLES))


def ip_checksum(header):
    s = sum(struct.unpack("!10H", header))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def udp_frame(src, sport, dst, dport, payload, ip_id=0):
    """Ethernet/IPv4/UDP frame; UDP checksum 0 (none), which IPv4 allows."""
    udp_len = 8 + len(payload)
    ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + udp_len, ip_id, 0x4000, 64, 17, 0,
                               bytes(src), bytes(dst)))
    struct.pack_into("!H", ip, 10, ip_checksum(ip))
    return ETH_HDR + bytes(ip) + struct.pack("!HHHH", sport, dport, udp_len, 0) + payload


def addr(s):
    return bytes(int(p) for p in s.split("."))


class Call:
    __slots__ = ("index", "call_id", "caller_ip", "callee_ip", "caller_port", "callee_port",
                 "invite_us", "answer_us", "media_us", "bye_us", "from_user", "to_user")


def sip_messages(call, seconds):
    """(time_us, src, sport, dst, dport, text) of the call's signalling."""
    trunk, pbx = "127.1.0.1", "127.2.0.1"
    tag_a, tag_b = f"a{call.index}x", f"b{call.index}y"
    branch = f"z9hG4bK-{call.index}"
    via = f"Via: SIP/2.0/UDP {trunk}:5060;branch={branch}"
    from_h = f"From: \"Customer {call.index}\" <sip:{call.from_user}@{trunk}>;tag={tag_a}"
    to_h = f"To: <sip:{call.to_user}@{pbx}>"
    to_tagged = f"{to_h};tag={tag_b}"
    cid = f"Call-ID: {call.call_id}"

    def sdp(ip, port, pts):
        maps = {0: "a=rtpmap:0 PCMU/8000", 8: "a=rtpmap:8 PCMA/8000",
                101: "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16"}
        return ("v=0\r\n"
                f"o=- {call.index} 1 IN IP4 {ip}\r\n"
                "s=-\r\n"
                f"c=IN IP4 {ip}\r\n"
                "t=0 0\r\n"
                f"m=audio {port} RTP/AVP {' '.join(str(p) for p in pts)}\r\n" +
                "\r\n".join(maps[p] for p in pts) + "\r\na=ptime:20\r\na=sendrecv\r\n")

    def msg(first, headers, body=""):
        extra = ["Content-Type: application/sdp"] if body else []
        lines = [first] + headers + extra + [f"Content-Length: {len(body.encode())}", "", ""]
        return ("\r\n".join(lines) + body).encode()

    contact_a = f"Contact: <sip:{call.from_user}@{trunk}:5060>"
    contact_b = f"Contact: <sip:{call.to_user}@{pbx}:5060>"
    ruri = f"sip:{call.to_user}@{pbx}:5060"
    offer = sdp(call.caller_ip, call.caller_port, (0, 8, 101))
    answer = sdp(call.callee_ip, call.callee_port, (0, 101))
    t0, ta, tb = call.invite_us, call.answer_us, call.bye_us
    fwd = (trunk, 5060, pbx, 5060)
    back = (pbx, 5060, trunk, 5060)
    inv_hdrs = [via, "Max-Forwards: 70", from_h, to_h, cid, "CSeq: 1 INVITE", contact_a]
    return [
        (t0, *fwd, msg(f"INVITE {ruri} SIP/2.0", inv_hdrs, offer)),
        (t0 + 1000, *back, msg("SIP/2.0 100 Trying", [via, from_h, to_h, cid, "CSeq: 1 INVITE"])),
        (t0 + 2000, *back, msg("SIP/2.0 180 Ringing",
                               [via, from_h, to_tagged, cid, "CSeq: 1 INVITE", contact_b])),
        (ta, *back, msg("SIP/2.0 200 OK",
                        [via, from_h, to_tagged, cid, "CSeq: 1 INVITE", contact_b], answer)),
        (ta + 1000, *fwd, msg(f"ACK sip:{call.to_user}@{pbx}:5060 SIP/2.0",
                              [f"Via: SIP/2.0/UDP {trunk}:5060;branch={branch}-ack",
                               "Max-Forwards: 70", from_h, to_tagged, cid, "CSeq: 1 ACK"])),
        (tb, *fwd, msg(f"BYE sip:{call.to_user}@{pbx}:5060 SIP/2.0",
                       [f"Via: SIP/2.0/UDP {trunk}:5060;branch={branch}-bye",
                        "Max-Forwards: 70", from_h, to_tagged, cid, "CSeq: 2 BYE"])),
        (tb + 1000, *back, msg("SIP/2.0 200 OK",
                               [f"Via: SIP/2.0/UDP {trunk}:5060;branch={branch}-bye",
                                from_h, to_tagged, cid, "CSeq: 2 BYE"])),
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calls", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--out", required=True)
    ap.add_argument("--loss", type=float, default=0.0)
    ap.add_argument("--reorder", type=float, default=0.0)
    ap.add_argument("--duplicate", action="store_true")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--seq-start", type=int, help="first RTP sequence number of every stream "
                    "(e.g. 65500 to wrap it); default random")
    ap.add_argument("--ts-start", type=int, help="first RTP timestamp of every stream "
                    "(e.g. 4294967000 to wrap it); default random")
    ap.add_argument("--start-time", type=int, help="Unix time of the first packet")
    ap.add_argument("--json", action="store_true", help="summary as JSON on stdout")
    args = ap.parse_args()
    if args.calls < 1 or args.calls > 40000 or args.seconds <= 0:
        sys.exit("gen_pcap: --calls must be 1..40000 and --seconds > 0")
    if args.start_time is not None:
        if not 0 < args.start_time < 2**32 - 86400:
            sys.exit("gen_pcap: --start-time must be a Unix time that fits a classic pcap")
        global TS_BASE
        TS_BASE = args.start_time
    rng = random.Random(args.seed)
    started = time.monotonic()
    packets_per_stream = int(round(args.seconds * 1000000 / PKT_US))

    calls = []
    for i in range(args.calls):
        c = Call()
        c.index = i
        c.call_id = f"{rng.getrandbits(64):016x}-{i}@127.1.0.1"
        c.caller_ip = f"127.1.{1 + i // 200}.{1 + i % 200}"
        c.callee_ip = f"127.2.{1 + i // 200}.{1 + i % 200}"
        c.caller_port = 10000 + 2 * (i % 5000)
        c.callee_port = 20000 + 2 * (i % 5000)
        c.from_user = f"+1555{i:07d}"
        c.to_user = f"{1000 + i % 9000}"
        c.invite_us = 100000 + i * 1000000 // args.calls  # staggered over the first second
        c.answer_us = c.invite_us + 200000
        c.media_us = c.answer_us + 10000
        c.bye_us = c.media_us + packets_per_stream * PKT_US + 50000
        calls.append(c)

    # RTP streams: two per call, callee 7 ms after the caller. Each stream is one record
    # template (pcap header + frame) patched with time, sequence number and timestamp.
    caller_payload, callee_payload = tone_payload(1000), tone_payload(600)
    streams = []  # [start_window, phase_us, template, seq0, ts0]
    for c in calls:
        for src, sport, dst, dport, payload, offset in (
                (c.caller_ip, c.caller_port, c.callee_ip, c.callee_port, caller_payload, 0),
                (c.callee_ip, c.callee_port, c.caller_ip, c.caller_port, callee_payload, 7000)):
            ssrc = rng.getrandbits(32)
            rtp = struct.pack("!BBHII", 0x80, 0, 0, 0, ssrc) + payload
            frame = udp_frame(addr(src), sport, addr(dst), dport, rtp)
            rec = bytearray(REC.pack(0, 0, len(frame), len(frame)) + frame)
            start = c.media_us + offset
            seq0, ts0 = rng.getrandbits(16), rng.getrandbits(32)
            if args.seq_start is not None:
                seq0 = args.seq_start & 0xFFFF
            if args.ts_start is not None:
                ts0 = args.ts_start & 0xFFFFFFFF
            streams.append([start // PKT_US, start % PKT_US, rec, seq0, ts0])
    streams.sort(key=lambda s: s[1])
    rec_len = len(streams[0][2])
    seq_off = 16 + 14 + 20 + 8 + 2

    sip = []
    for c in calls:
        for t, src, sport, dst, dport, text in sip_messages(c, args.seconds):
            frame = udp_frame(addr(src), sport, addr(dst), dport, text)
            sip.append((t, REC.pack(0, 0, len(frame), len(frame)) + frame))
    sip.sort(key=lambda m: m[0])

    lossy = args.loss > 0 or args.reorder > 0 or args.duplicate
    counts = {"rtp_packets": 0, "rtp_generated": 0, "rtp_lost": 0, "rtp_reordered": 0,
              "rtp_duplicates": 0}
    held = {}  # stream index -> (seq, ts) of a packet that leaves after its successor
    out = open(args.out, "wb")
    out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
    total_bytes = 24
    packets = 0
    last_window = max(s[0] for s in streams) + packets_per_stream
    sip_i = 0
    rec_pack = REC.pack_into
    seq_pack = SEQ_TS.pack_into
    for w in range(min(s[0] for s in streams), last_window + 1):
        base = w * PKT_US
        buf = bytearray()
        for si, (start, phase, rec, seq0, ts0) in enumerate(streams):
            k = w - start
            if k < 0 or k >= packets_per_stream:
                continue
            t = base + phase
            while sip_i < len(sip) and sip[sip_i][0] <= t:
                st, blob = sip[sip_i]
                b = bytearray(blob)
                rec_pack(b, 0, TS_BASE + st // 1000000, st % 1000000, len(blob) - 16,
                         len(blob) - 16)
                buf += b
                packets += 1
                sip_i += 1
            sec, usec = TS_BASE + t // 1000000, t % 1000000
            if not lossy:
                rec_pack(rec, 0, sec, usec, rec_len - 16, rec_len - 16)
                seq_pack(rec, seq_off, (seq0 + k) & 0xFFFF, (ts0 + k * SAMPLES) & 0xFFFFFFFF)
                buf += rec
                packets += 1
                continue
            counts["rtp_generated"] += 1
            this = ((seq0 + k) & 0xFFFF, (ts0 + k * SAMPLES) & 0xFFFFFFFF)
            order = [this]
            # The first and last packets are never dropped: no receiver could tell they were sent.
            if 0 < k < packets_per_stream - 1 and rng.random() < args.loss:
                counts["rtp_lost"] += 1
                order = []
            elif si not in held and k + 1 < packets_per_stream and rng.random() < args.reorder:
                held[si] = this
                counts["rtp_reordered"] += 1
                continue
            if si in held:
                order.append(held.pop(si))
            for seq, ts in order:
                rec_pack(rec, 0, sec, usec, rec_len - 16, rec_len - 16)
                seq_pack(rec, seq_off, seq, ts)
                for _ in range(2 if args.duplicate else 1):
                    buf += rec
                    packets += 1
                    counts["rtp_packets"] += 1
                if args.duplicate:
                    counts["rtp_duplicates"] += 1
        out.write(buf)
        total_bytes += len(buf)
    for st, blob in sip[sip_i:]:
        b = bytearray(blob)
        rec_pack(b, 0, TS_BASE + st // 1000000, st % 1000000, len(blob) - 16, len(blob) - 16)
        out.write(b)
        total_bytes += len(b)
        packets += 1
    out.close()

    if not lossy:
        counts["rtp_generated"] = counts["rtp_packets"] = 2 * args.calls * packets_per_stream
    summary = {"calls": args.calls, "packets": packets, **counts,
               "media_seconds": round(2 * args.calls * packets_per_stream * PKT_US / 1e6, 3),
               "call_media_seconds": round(args.calls * packets_per_stream * PKT_US / 1e6, 3),
               "seconds": args.seconds, "bytes": total_bytes,
               "capture_span_s": round((max(c.bye_us for c in calls) + 1000 -
                                        min(c.invite_us for c in calls)) / 1e6, 3),
               "generate_s": round(time.monotonic() - started, 2)}
    if args.json:
        print(json.dumps(summary))
    else:
        print("gen_pcap: " + " ".join(f"{k}={v}" for k, v in summary.items()), file=sys.stderr)


if __name__ == "__main__":
    main()
