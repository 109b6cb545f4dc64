#!/usr/bin/env python3
"""Turns G.711 audio into an RTP pcap that SIPp plays with <exec play_pcap_audio="..."/>.

usage: rtp_pcap.py IN.wav OUT.pcap [--seconds S] [--pt 0] [--dtmf DIGITS --dtmf-at SEC]
                   [--dtmf-ssrc own|same] [--ssrc N] [--seed N]

IN.wav is 8 kHz mono µ-law or A-law (WAV format 7 or 6, as sox -e u-law/a-law writes it); it
is looped to fill S seconds (default: its own length). Each 20 ms of audio becomes one RTP
packet (160 payload bytes, sequence and timestamp continuing, one SSRC) in an
Ethernet/IPv4/UDP frame to port 6000; SIPp rewrites addresses and ports to the call's.

--dtmf adds RFC 4733 telephone-events (payload type 101) for DIGITS from --dtmf-at seconds:
each digit 100 ms (updates every 20 ms, the first with the marker bit, the end packet sent
three times with new sequence numbers as RFC 4733 2.5.1.4 asks), 100 ms apart.
  --dtmf-ssrc own  (default) events under their own SSRC and timestamp base, as SIPp's own
                   dtmf_2833_*.pcap are, while the audio goes on underneath: a recorder must
                   place them by arrival time and silence audible audio.
  --dtmf-ssrc same events in the audio's SSRC and timeline with the audio suppressed while a
                   digit lasts, as most phones send them.
Standard library only.
"""
import argparse
import random
import struct
import sys

DIGIT_EVENTS = {str(d): d for d in range(10)}
DIGIT_EVENTS.update({"*": 10, "#": 11, "A": 12, "B": 13, "C": 14, "D": 15})
FRAME_MS = 20
SAMPLES = 160


def read_g711_wav(path):
    """Returns (format_tag, data bytes) of an 8 kHz mono G.711 WAV."""
    with open(path, "rb") as f:
        blob = f.read()
    if blob[:4] != b"RIFF" or blob[8:12] != b"WAVE":
        sys.exit(f"rtp_pcap: {path} is not a WAV file")
    pos, fmt, data = 12, None, None
    while pos + 8 <= len(blob):
        cid, size = blob[pos:pos + 4], struct.unpack_from("<I", blob, pos + 4)[0]
        body = blob[pos + 8:pos + 8 + size]
        if cid == b"fmt ":
            fmt = struct.unpack_from("<HHI", body)
        elif cid == b"data":
            data = body
        pos += 8 + size + (size & 1)
    if fmt is None or data is None:
        sys.exit(f"rtp_pcap: {path} has no fmt or data chunk")
    tag, channels, rate = fmt
    if tag not in (6, 7) or channels != 1 or rate != 8000:
        sys.exit(f"rtp_pcap: {path} must be 8 kHz mono A-law/µ-law (format {tag}, "
                 f"{channels} ch, {rate} Hz)")
    return tag, data


class PcapWriter:
    def __init__(self, path):
        self.f = open(path, "wb")
        # classic pcap, microsecond timestamps, LINKTYPE_ETHERNET
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        self.ip_id = 0

    def udp(self, t_us, payload, sport=6000, dport=6000):
        src, dst = bytes([127, 0, 0, 1]), bytes([127, 0, 0, 2])
        udp_len = 8 + len(payload)
        ip_len = 20 + udp_len
        self.ip_id = (self.ip_id + 1) & 0xFFFF
        ip = bytearray(struct.pack("!BBHHHBBH4s4s", 0x45, 0, ip_len, self.ip_id, 0x4000, 64, 17,
                                   0, src, dst))
        s = sum(struct.unpack("!10H", ip))
        while s >> 16:
            s = (s & 0xFFFF) + (s >> 16)
        struct.pack_into("!H", ip, 10, ~s & 0xFFFF)
        frame = (b"\x00\x00\x00\x00\x00\x02" + b"\x00\x00\x00\x00\x00\x01" + b"\x08\x00" +
                 bytes(ip) + struct.pack("!HHHH", sport, dport, udp_len, 0) + payload)
        self.f.write(struct.pack("<IIII", t_us // 1000000, t_us % 1000000, len(frame),
                                 len(frame)))
        self.f.write(frame)

    def close(self):
        self.f.close()


def rtp(pt, marker, seq, ts, ssrc, payload):
    return struct.pack("!BBHII", 0x80, (0x80 if marker else 0) | pt, seq & 0xFFFF,
                       ts & 0xFFFFFFFF, ssrc) + payload


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("wav")
    ap.add_argument("out")
    ap.add_argument("--seconds", type=float)
    ap.add_argument("--pt", type=int, help="payload type (default 0 for µ-law, 8 for A-law)")
    ap.add_argument("--dtmf", default="")
    ap.add_argument("--dtmf-at", type=float, default=None)
    ap.add_argument("--dtmf-ssrc", choices=("own", "same"), default="own")
    ap.add_argument("--event-pt", type=int, default=101)
    ap.add_argument("--ssrc", type=lambda v: int(v, 0))
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    rng = random.Random(args.seed)
    tag, audio = read_g711_wav(args.wav)
    pt = args.pt if args.pt is not None else (0 if tag == 7 else 8)
    frames = int(round((args.seconds if args.seconds else len(audio) / 8000) * 1000 / FRAME_MS))
    if not audio:
        sys.exit("rtp_pcap: empty audio")
    looped = audio * (frames * SAMPLES // len(audio) + 1)
    for d in args.dtmf:
        if d not in DIGIT_EVENTS:
            sys.exit(f"rtp_pcap: bad DTMF digit {d!r}")
    dtmf_at = args.dtmf_at if args.dtmf_at is not None else frames * FRAME_MS / 2000

    ssrc = args.ssrc if args.ssrc is not None else rng.getrandbits(32)
    seq, ts0 = rng.getrandbits(16), rng.getrandbits(32)
    ev_ssrc = ssrc if args.dtmf_ssrc == "same" else (ssrc ^ 0x5A5A5A5A)
    ev_seq, ev_ts0 = (rng.getrandbits(16), rng.getrandbits(32))

    # Events: (frame index, bytes) keyed by the 20 ms slot they leave in.
    events = {}
    muted = set()
    start_frame = int(round(dtmf_at * 1000 / FRAME_MS))
    for i, d in enumerate(args.dtmf):
        f0 = start_frame + i * 10  # 100 ms tone + 100 ms gap
        code = DIGIT_EVENTS[d]
        for k in range(5):
            end = k == 4
            dur = (k + 1) * SAMPLES
            for copy in range(3 if end else 1):
                events.setdefault(f0 + k + copy, []).append((k == 0, code, end, dur, f0))
        if args.dtmf_ssrc == "same":
            muted.update(range(f0, f0 + 7))

    w = PcapWriter(args.out)
    base_us = 1_000_000
    sent = 0
    for f in range(frames + 10):
        t_us = base_us + f * FRAME_MS * 1000
        if f < frames and f not in muted:
            payload = looped[f * SAMPLES:(f + 1) * SAMPLES]
            w.udp(t_us, rtp(pt, f == 0, seq, ts0 + f * SAMPLES, ssrc, payload))
            seq += 1
            sent += 1
        for marker, code, end, dur, f0 in events.get(f, []):
            body = struct.pack("!BBH", code, (0x80 if end else 0) | 10, dur)
            if args.dtmf_ssrc == "same":
                w.udp(t_us + 1, rtp(args.event_pt, marker, seq, ts0 + f0 * SAMPLES, ssrc, body))
                seq += 1
            else:
                w.udp(t_us + 1, rtp(args.event_pt, marker, ev_seq, ev_ts0 + f0 * SAMPLES,
                                    ev_ssrc, body))
                ev_seq += 1
            sent += 1
    w.close()
    print(f"rtp_pcap: {args.out}: {frames} frames of PT {pt} SSRC {ssrc:#010x}, "
          f"{len(args.dtmf)} digits at {start_frame * FRAME_MS} ms ({args.dtmf_ssrc} SSRC), "
          f"{sent} packets")


if __name__ == "__main__":
    main()
