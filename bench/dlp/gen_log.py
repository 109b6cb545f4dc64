#!/usr/bin/env python3
"""Writes a typical call-center server log of about SIZE bytes with sparse card numbers,
deterministically (seeded), for bench/dlp_speed.sh.

usage: gen_log.py SIZE_MIB OUT [--seed S] [--pan-every KIB]

The mix: rsyslog lines (sshd, CRON, systemd, kernel, a PBX), nginx access lines (IPs,
timestamps, paths with numeric ids, status, bytes, request times, user agents), and JSON
application lines (epoch-millisecond timestamps, request ids, UUIDs, durations, amounts) —
digits everywhere, as in real logs, so a digit pre-filter has work to do. About one line per
--pan-every KiB (default 100) carries a Luhn-valid PAN (random brand, plain or separated by
spaces or dashes). Prints "bytes N", "lines N" and "pans N" on standard output.
"""
import random
import string
import sys

sys.path.insert(0, __import__("os").path.dirname(__file__))
from gen_corpus import ISSUERS, g4, make_pan  # noqa: E402

HOSTS = ["pbx1", "web2", "api3", "db1", "edge4"]
PATHS = ["/api/v1/calls/%d", "/api/v1/agents/%d/status", "/static/app.%x.js", "/api/v1/tickets/%d",
         "/healthz", "/api/v1/queues/%d/stats", "/login", "/api/v1/recordings/%d"]
AGENTS = ["Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/124.0.6367.207 Safari/537.36",
          "Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0",
          "curl/7.88.1", "kube-probe/1.29", "python-requests/2.31.0"]
MSGS = ["call answered", "call transferred to queue", "agent state changed", "ticket updated",
        "recording stored", "payment step reached", "IVR menu selected", "session refreshed"]
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def pan_text(rng):
    brand = rng.choice(sorted(ISSUERS))
    ranges, lengths = ISSUERS[brand]
    low, high = rng.choice(ranges)
    pan = make_pan(rng, low, high, rng.choice(lengths))
    style = rng.randrange(3)
    return pan if style == 0 else (" " if style == 1 else "-").join(g4(pan))


def main(argv):
    size_mib, out_path = int(argv[0]), argv[1]
    seed, pan_every = 20240605, 100
    rest = argv[2:]
    while rest:
        a = rest.pop(0)
        if a == "--seed":
            seed = int(rest.pop(0))
        elif a == "--pan-every":
            pan_every = int(rest.pop(0))
        else:
            sys.exit(__doc__)
    rng = random.Random(seed)
    target = size_mib << 20
    next_pan = pan_every * 1024
    written = lines = pans = 0
    ms = 1_717_200_000_000
    r, ch, hx = rng.randrange, rng.choice, rng.getrandbits
    buf = []
    with open(out_path, "w", encoding="utf-8", newline="\n") as out:
        while written < target:
            ms += r(1, 40)
            sec = (ms // 1000) % 86400
            hms = "%02d:%02d:%02d" % (sec // 3600, sec // 60 % 60, sec % 60)
            kind = r(10)
            if kind < 4:
                ip = "%d.%d.%d.%d" % (r(1, 224), r(256), r(256), r(1, 255))
                path = ch(PATHS)
                path = path % r(1, 10 ** r(2, 9)) if "%" in path else path
                line = ('%s - - [01/Jun/2024:%s +0000] "%s %s HTTP/1.1" %d %d "-" "%s" rt=%d.%03d '
                        'uct="0.%03d"' % (ip, hms, ch(["GET", "GET", "POST", "PUT"]), path,
                                          ch([200, 200, 200, 204, 301, 404, 500]), r(0, 99999),
                                          ch(AGENTS), r(0, 3), r(1000), r(1000)))
            elif kind < 7:
                line = ('{"ts":%d,"level":"%s","host":"%s","req":"%032x","agent":%d,"call":%d,'
                        '"msg":"%s","dur_ms":%d.%d,"amount":"%d.%02d"}'
                        % (ms, ch(["info", "info", "warn", "debug"]), ch(HOSTS), hx(128), r(1000, 9999),
                           r(10 ** 8, 10 ** 9), ch(MSGS), r(5000), r(10), r(1000), r(100)))
            else:
                host = ch(HOSTS)
                which = r(4)
                if which == 0:
                    msg = "sshd[%d]: Accepted publickey for deploy from %d.%d.%d.%d port %d ssh2" % (
                        r(1000, 99999), r(1, 224), r(256), r(256), r(1, 255), r(1024, 65535))
                elif which == 1:
                    msg = "CRON[%d]: (root) CMD (/usr/lib/floorguard/rotate --max %d)" % (
                        r(1000, 99999), r(100))
                elif which == 2:
                    msg = "kernel: [%d.%06d] eth0: link up, 1000Mbps, full-duplex, lpa 0x%04X" % (
                        r(100000), r(10 ** 6), r(65536))
                else:
                    msg = "asterisk[%d]: channel SIP/%d-%08x answered by %d on queue %d" % (
                        r(1000, 9999), r(1000, 9999), hx(32), r(1000, 9999), r(100))
                line = "%s %2d %s %s %s" % (ch(MONTHS), r(1, 29), hms, host, msg)
            if written >= next_pan:
                line += " note=customer read card %s" % pan_text(rng)
                pans += 1
                next_pan += pan_every * 1024
            buf.append(line)
            written += len(line) + 1
            lines += 1
            if len(buf) >= 4096:
                out.write("\n".join(buf) + "\n")
                buf = []
        if buf:
            out.write("\n".join(buf) + "\n")
    print("bytes %d\nlines %d\npans %d" % (written, lines, pans))


if __name__ == "__main__":
    main(sys.argv[1:])
