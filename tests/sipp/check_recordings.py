#!/usr/bin/env python3
"""Checks what floorguard recorded from the sipp calls (issue 6, "Tests with real traffic").

usage: check_recordings.py DATA_DIR FLOORGUARD_BIN --expect-calls N [--caller-hz 1000]
         [--callee-hz 600] [--dtmf] [--seconds S] [--max-loss-pct 1] [--edge-ms 30]
         [--dtmf-at SEC [--dtmf-len 0.7]] [--keep-wav DIR]

Lists the calls (`floorguard calls list --data-dir DATA_DIR --json`), requires N calls each
with a recording, exports each (`floorguard recording export ... --format wav`), and on the
decrypted stereo WAV checks:
  - tones: the dominant frequency of each channel (Goertzel scan, 200-2000 Hz, over 400 ms
    windows away from the middle of the call where the digits are) is the caller's on one
    channel and the callee's on the other. Which channel is the remote party depends on the
    call's direction, so either mapping passes, but the two channels must differ as sent.
  - length: with --seconds, the recording lasts S seconds give or take 1.5 s.
  - loss: the recording's loss_pct is at most --max-loss-pct.
  - with --dtmf: the recording has masked spans; inside each, less --edge-ms (default 30) at
    both ends for a fade, the caller's channel is silent (RMS below 1% of full scale); outside them (200 ms margins, ends trimmed) at least 90% of
    100 ms windows carry sound; and no 50 ms window outside the spans sounds like a keypad
    digit (a low and a high DTMF frequency each holding a quarter of the window's energy),
    so no digit is audible in the recording. With --dtmf-at, the spans must also cover the
    time the digits were sent: from dtmf-at s after the caller's first sound, dtmf-len long
    (60 ms slack at each end).
Exits 0 when all hold, 1 with one line per failure otherwise, 2 on usage or tool errors.
Standard library only (no numpy).
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import wave

DTMF_LOW = (697, 770, 852, 941)
DTMF_HIGH = (1209, 1336, 1477, 1633)
SILENCE_RMS = 0.01 * 32768


def goertzel_power(samples, rate, hz):
    """|X(hz)|^2 of the samples."""
    w = 2 * math.pi * hz / rate
    coeff = 2 * math.cos(w)
    s1 = s2 = 0.0
    for x in samples:
        s0 = x + coeff * s1 - s2
        s2, s1 = s1, s0
    return s1 * s1 + s2 * s2 - coeff * s1 * s2


def energy_share(samples, rate, hz):
    """Share of the window's energy at hz: 1.0 for a pure tone at hz."""
    total = sum(x * x for x in samples)
    if total <= 0:
        return 0.0
    return 2 * goertzel_power(samples, rate, hz) / (len(samples) * total)


def dominant_hz(samples, rate):
    best = max(range(200, 2001, 25), key=lambda f: goertzel_power(samples, rate, f))
    return max(range(best - 25, best + 26, 5), key=lambda f: goertzel_power(samples, rate, f))


def rms(samples):
    return math.sqrt(sum(x * x for x in samples) / len(samples)) if samples else 0.0


def read_wav(path):
    with wave.open(path, "rb") as w:
        channels, width, rate, n = (w.getnchannels(), w.getsampwidth(), w.getframerate(),
                                    w.getnframes())
        raw = w.readframes(n)
    if width != 2:
        raise ValueError(f"{path}: {8 * width}-bit samples, expected 16-bit PCM")
    if channels != 2:
        raise ValueError(f"{path}: {channels} channel(s), expected stereo")
    import array
    a = array.array("h")
    a.frombytes(raw)
    if sys.byteorder == "big":
        a.byteswap()
    return rate, list(a[0::2]), list(a[1::2])


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr.strip()[:400]}")
    return p.stdout


def near(hz, want):
    return abs(hz - want) <= max(30, 0.03 * want)


def check_call(args, call, wav_path, failures):
    label = f"call {call.get('call_id') or call.get('id')}"
    rec = call["recording"]
    rate, left, right = read_wav(wav_path)
    n = len(left)
    dur = n / rate
    if args.seconds is not None and abs(dur - args.seconds) > 1.5:
        failures.append(f"{label}: recording lasts {dur:.2f} s, expected {args.seconds} s")
    loss = rec.get("loss_pct")
    if loss is not None and loss > args.max_loss_pct:
        failures.append(f"{label}: loss {loss}% above {args.max_loss_pct}%")

    # Tones: windows at 15%, 30%, 75% and 90% of the call, clear of the digits at 50%.
    win = int(0.4 * rate)
    spots = [int(f * n) for f in (0.15, 0.3, 0.75, 0.9) if int(f * n) + win <= n]
    if not spots:
        failures.append(f"{label}: recording too short ({dur:.2f} s) to measure tones")
        return None
    measured = []
    for name, ch in (("left", left), ("right", right)):
        votes = [dominant_hz(ch[s:s + win], rate) for s in spots if rms(ch[s:s + win]) > SILENCE_RMS]
        if not votes:
            failures.append(f"{label}: {name} channel is silent")
            measured.append(None)
            continue
        votes.sort()
        measured.append(votes[len(votes) // 2])
    lhz, rhz = measured
    caller_ch = None
    if lhz is not None and rhz is not None:
        if near(lhz, args.caller_hz) and near(rhz, args.callee_hz):
            caller_ch = left
        elif near(lhz, args.callee_hz) and near(rhz, args.caller_hz):
            caller_ch = right
        else:
            failures.append(f"{label}: channels hold {lhz} Hz / {rhz} Hz, expected "
                            f"{args.caller_hz} and {args.callee_hz} Hz one on each side")
    print(f"  {label}: {dur:.2f} s at {rate} Hz, left {lhz} Hz, right {rhz} Hz, "
          f"loss {loss}%, masked {len(rec.get('masked_spans') or [])} span(s)")
    if not args.dtmf or caller_ch is None:
        return caller_ch

    spans = [(int(s["start_ms"]) * rate // 1000, int(s["end_ms"]) * rate // 1000)
             for s in rec.get("masked_spans") or []]
    if not spans:
        failures.append(f"{label}: no masked span although DTMF was sent")
        return caller_ch
    edge = int(args.edge_ms * rate / 1000)
    for (a, b), s in zip(spans, rec["masked_spans"]):
        inside = caller_ch[max(0, a + edge):min(n, b - edge)]
        if not inside:
            failures.append(f"{label}: masked span {s} lies outside the recording")
            continue
        level = rms(inside)
        if level >= SILENCE_RMS:
            failures.append(f"{label}: masked span {s['start_ms']}-{s['end_ms']} ms is not "
                            f"silent (RMS {level:.0f})")
    if args.dtmf_at is not None:
        # The digits were sent dtmf_at s after the caller's first packet: find that packet as
        # the caller channel's first sound, and require the spans to cover the digits.
        onset = next((s for s in range(0, n - 80, 80) if rms(caller_ch[s:s + 80]) >= SILENCE_RMS),
                     0)
        want_a = onset + int(args.dtmf_at * rate)
        want_b = want_a + int(args.dtmf_len * rate)
        slack = int(0.06 * rate)
        covered = sum(1 for t in range(want_a + slack, want_b - slack, 80)
                      if any(a <= t < b for a, b in spans))
        needed = len(range(want_a + slack, want_b - slack, 80))
        if covered < needed:
            failures.append(f"{label}: the digits sent at {1000 * want_a // rate}-"
                            f"{1000 * want_b // rate} ms are only {covered}/{needed} covered by "
                            f"masked spans {[(x['start_ms'], x['end_ms']) for x in rec['masked_spans']]}")
    margin, trim = int(0.2 * rate), int(0.3 * rate)
    step = int(0.1 * rate)
    loud = total = 0
    for s in range(trim, n - trim - step, step):
        if any(s + step > a - margin and s < b + margin for a, b in spans):
            continue
        total += 1
        loud += rms(caller_ch[s:s + step]) >= SILENCE_RMS
    if total and loud < 0.9 * total:
        failures.append(f"{label}: only {loud} of {total} windows outside the masked spans "
                        f"carry sound")
    short = int(0.05 * rate)
    for s in range(0, n - short, short):
        if any(s + short > a and s < b for a, b in spans):
            continue
        w = caller_ch[s:s + short]
        if rms(w) < SILENCE_RMS:
            continue
        low = max(energy_share(w, rate, f) for f in DTMF_LOW)
        high = max(energy_share(w, rate, f) for f in DTMF_HIGH)
        if low > 0.25 and high > 0.25:
            failures.append(f"{label}: a keypad digit is audible at {1000 * s // rate} ms, "
                            f"outside every masked span")
            break
    return caller_ch


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data_dir")
    ap.add_argument("floorguard")
    ap.add_argument("--expect-calls", type=int, required=True)
    ap.add_argument("--caller-hz", type=float, default=1000)
    ap.add_argument("--callee-hz", type=float, default=600)
    ap.add_argument("--dtmf", action="store_true")
    ap.add_argument("--seconds", type=float)
    ap.add_argument("--max-loss-pct", type=float, default=1.0)
    ap.add_argument("--dtmf-at", type=float,
                    help="seconds from the caller's first packet to the first digit")
    ap.add_argument("--dtmf-len", type=float, default=0.7,
                    help="seconds from the first digit's start to the last one's end")
    ap.add_argument("--edge-ms", type=float, default=30,
                    help="fade allowance at each end of a masked span")
    ap.add_argument("--keep-wav", help="directory to keep the exported WAV files in")
    args = ap.parse_args()

    try:
        calls = json.loads(run([args.floorguard, "calls", "list", "--data-dir", args.data_dir,
                                "--json", "--limit", str(max(1000, 2 * args.expect_calls))]))
    except (RuntimeError, ValueError) as e:
        print(f"check_recordings: cannot list calls: {e}", file=sys.stderr)
        return 2
    if isinstance(calls, dict):  # tolerate {"calls": [...]}
        calls = calls.get("calls", [])
    failures = []
    recorded = [c for c in calls if c.get("recording")]
    print(f"check_recordings: {len(calls)} call(s), {len(recorded)} recorded, "
          f"expected {args.expect_calls}")
    if len(calls) != args.expect_calls:
        failures.append(f"{len(calls)} calls listed, expected {args.expect_calls}")
    for c in calls:
        if not c.get("recording"):
            failures.append(f"call {c.get('call_id')} ({c.get('from')} -> {c.get('to')}) has "
                            f"no recording")

    out_dir = args.keep_wav or tempfile.mkdtemp(prefix="fg-check-")
    os.makedirs(out_dir, exist_ok=True)
    for i, c in enumerate(recorded):
        wav_path = os.path.join(out_dir, f"call{i}.wav")
        exported = False
        errors = []
        # `recording export` takes the call's id; the recording's id is a fallback.
        for ident in (c.get("id"), c["recording"].get("id")):
            if ident is None:
                continue
            try:
                run([args.floorguard, "recording", "export", "--data-dir", args.data_dir,
                     "--reason", "sipp live test: check recorded audio", "--format", "wav",
                     "--out", wav_path, str(ident)])
                exported = True
                break
            except RuntimeError as e:
                errors.append(str(e))
        if not exported:
            failures.append(f"call {c.get('call_id')}: export failed: {' | '.join(errors)}")
            continue
        try:
            check_call(args, c, wav_path, failures)
        except (ValueError, wave.Error, EOFError) as e:
            failures.append(f"call {c.get('call_id')}: unreadable WAV: {e}")
        if not args.keep_wav:
            os.remove(wav_path)
    if not args.keep_wav:
        os.rmdir(out_dir)

    if failures:
        for f in failures:
            print(f"FAIL: {f}", file=sys.stderr)
        return 1
    print(f"check_recordings: all {len(recorded)} recordings hold the expected audio")
    return 0


if __name__ == "__main__":
    sys.exit(main())
