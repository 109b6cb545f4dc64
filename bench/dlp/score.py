#!/usr/bin/env python3
"""Scores redactor outputs against the labelled corpus of gen_corpus.py; prints Markdown tables.

usage: score.py CORPUS.jsonl FLOORGUARD.out REDACT_PII.out [DETAILS.txt]

Line i of each output is the redaction of sample i's text.
- A positive is found by floorguard when its line carries a "[PAN " or "[TRACK" mask AND
  the PAN cannot be read back from the line (Unicode digits mapped to ASCII, zero-width
  characters and the separators space - . / NBSP %20 removed). A mask that leaves the PAN
  readable counts as a miss ("leaked" in the details).
- A positive is found by redact-pii when its line carries CREDIT_CARD_NUMBER and the PAN
  cannot be read back; "removed" also counts lines where another of its rules (PHONE_NUMBER,
  DIGITS, ...) hid the PAN.
- A negative is a false positive of floorguard when its line carries a "[PAN " or "[TRACK"
  mask, of redact-pii when it carries CREDIT_CARD_NUMBER. Other floorguard masks on
  negatives ([IBAN ...] on an IBAN is right) are counted in their own column.
DETAILS.txt (optional) lists every miss and every false positive, input and output.
"""
import collections
import json
import re
import sys
import unicodedata

ZERO_WIDTH = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"}
SEPARATORS = re.compile(r"%20|[ \-./\u00a0]")


def normalise(text):
    out = []
    for ch in text:
        if ch in ZERO_WIDTH:
            continue
        d = unicodedata.decimal(ch, None)
        out.append(str(d) if d is not None else ch)
    return SEPARATORS.sub("", "".join(out))


def fg_masked(line):
    return "[PAN " in line or "[TRACK" in line


def pct(n, d):
    return "%.1f%%" % (100.0 * n / d) if d else "-"


def pct2(n, d):
    return "%.2f%%" % (100.0 * n / d) if d else "-"


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    samples = [json.loads(l) for l in open(argv[0], encoding="utf-8")]
    fg = open(argv[1], encoding="utf-8", errors="replace").read().split("\n")
    rp = open(argv[2], encoding="utf-8", errors="replace").read().split("\n")
    for name, out in (("floorguard", fg), ("redact-pii", rp)):
        if len(out) < len(samples) or any(out[len(samples):]):
            sys.exit("%s wrote %d lines for %d samples: lines are not kept in place"
                     % (name, len(out) - (out[-1] == ""), len(samples)))
    details = open(argv[3], "w", encoding="utf-8") if len(argv) > 3 else None

    by = {k: collections.defaultdict(lambda: [0, 0, 0, 0]) for k in ("brand", "format", "length")}
    neg = collections.defaultdict(lambda: [0, 0, 0, 0])  # n, fg fp, other fg mask, rp fp
    neg_fmt = collections.Counter()
    totals = [0, 0, 0, 0]
    misses = collections.Counter()
    for s, f_out, r_out in zip(samples, fg, rp):
        if s["label"] == "pan":
            pan = s["pan"]
            f_ok = fg_masked(f_out) and pan not in normalise(f_out)
            r_gone = pan not in normalise(r_out)
            r_ok = "CREDIT_CARD_NUMBER" in r_out and r_gone
            fmt = s["format"] + (" (extra)" if s.get("scope") == "extra" else "")
            keys = {"brand": s["brand"], "format": fmt,
                    "length": "%s %d" % (s["brand"], s["length"])}
            for k, v in keys.items():
                if k != "format" and s.get("scope") == "extra":
                    continue
                row = by[k][v]
                row[0] += 1
                row[1] += f_ok
                row[2] += r_ok
                row[3] += r_gone
            if s.get("scope") != "extra":
                totals[0] += 1
                totals[1] += f_ok
                totals[2] += r_ok
                totals[3] += r_gone
            if not f_ok:
                misses[(s["brand"], s["length"], s["format"])] += 1
                if details:
                    why = "leaked" if fg_masked(f_out) else "missed"
                    details.write("FN %s %s %d %s\n  in:  %s\n  out: %s\n" % (
                        why, s["brand"], s["length"], s["format"], s["text"], f_out))
        else:
            row = neg[s["kind"]]
            row[0] += 1
            f_fp = fg_masked(f_out)
            row[1] += f_fp
            row[2] += (not f_fp) and f_out != s["text"]
            row[3] += "CREDIT_CARD_NUMBER" in r_out
            if f_fp:
                neg_fmt[(s["kind"], s["format"])] += 1
                if details:
                    details.write("FP %s %s\n  in:  %s\n  out: %s\n" % (
                        s["kind"], s["format"], s["text"], f_out))

    def recall_table(title, key, rows):
        print("| %s | samples | floorguard recall | redact-pii recall (as card) | "
              "redact-pii: PAN hidden by any rule |" % title)
        print("|---|---:|---:|---:|---:|")
        for name, (n, f, r, g) in rows:
            print("| %s | %d | %s | %s | %s |" % (name, n, pct(f, n), pct(r, n), pct(g, n)))
        print()

    print("### Recall per brand (formats of the issue; extra formats in the format table only)\n")
    recall_table("brand", "brand", list(by["brand"].items()) + [("**all**", totals)])
    print("### Recall per format\n")
    recall_table("format", "format", list(by["format"].items()))
    print("### Recall per brand and length\n")
    recall_table("brand, length", "length", list(by["length"].items()))

    print("### False positives per negative kind\n")
    print("| kind | samples | floorguard FP ([PAN]/[TRACK] mask) | rate | other floorguard masks | "
          "redact-pii FP (CREDIT_CARD_NUMBER) | rate |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    t = [0, 0, 0, 0]
    for kind, (n, f, o, r) in neg.items():
        print("| %s | %d | %d | %s | %d | %d | %s |" % (kind, n, f, pct2(f, n), o, r, pct2(r, n)))
        for i, v in enumerate((n, f, o, r)):
            t[i] += v
    print("| **all hard negatives** | %d | %d | **%s** | %d | %d | %s |" % (
        t[0], t[1], pct2(t[1], t[0]), t[2], t[3], pct2(t[3], t[0])))
    print()
    if misses:
        print("floorguard misses (brand, length, format: count):", file=sys.stderr)
        for k, v in sorted(misses.items()):
            print("  %s %d %s: %d" % (k[0], k[1], k[2], v), file=sys.stderr)
    if neg_fmt:
        print("floorguard false positives (kind, format: count):", file=sys.stderr)
        for k, v in sorted(neg_fmt.items()):
            print("  %s %s: %d" % (k[0], k[1], v), file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
