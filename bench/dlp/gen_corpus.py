#!/usr/bin/env python3
"""Writes the labelled DLP corpus (issue 5), deterministically (seeded), one JSON line per sample:

    {"text": ..., "label": "pan"|"negative", "brand": ..., "format": ..., "kind": ...}

usage: gen_corpus.py [OUT] [--seed S] [--per-cell N] [--per-kind N]
       (OUT defaults to standard output; N per brand x length x format cell, default 4;
        N per negative kind, default 400)

Positives: every brand and length of the issue's issuer table (Visa 4: 13/16/19; Mastercard
51-55 and 2221-2720: 16; Amex 34/37: 15; Discover 6011, 644-649, 65, 622126-622925: 16-19;
JCB 3528-3589: 16-19; UnionPay 62: 16-19; Diners 300-305, 3095, 36, 38-39: 14-19; Maestro 50,
56-58, 6759, 6761-6763, 6799: 12-19; Mir 2200-2204: 16-19), Luhn-valid, with no run of 7 or
more repeated digits, in every format of FORMATS below. A cell's samples cycle through the
brand's prefix ranges, so every range is covered. kind is "pan" for a bare or embedded
number and "track1"/"track2" for magnetic-stripe strings.

Negatives (label "negative", brand ""): the hard negatives of NEGATIVE_KINDS, each realistic
for its kind and printed in a few formats (bare, in a log line, in a sentence). Some collide
with PAN rules on purpose (IMEIs are 15 digits and Luhn-valid; Amazon-style order ids,
IPv4 addresses and GPS coordinates are digit runs joined by separators that may carry an
issuer prefix and pass Luhn by chance): the benchmark reports what the detector does with
them; it does not tune the generator to avoid them.

No text contains a line break, so the corpus can be fed to a line filter one sample a line.
Python standard library only.
"""
import json
import random
import string
import sys

# brand -> (prefix ranges as (low, high) inclusive strings of equal length, lengths)
ISSUERS = {
    "visa": ([("4", "4")], [13, 16, 19]),
    "mastercard": ([("51", "55"), ("2221", "2720")], [16]),
    "amex": ([("34", "34"), ("37", "37")], [15]),
    "discover": ([("6011", "6011"), ("644", "649"), ("65", "65"), ("622126", "622925")],
                 [16, 17, 18, 19]),
    "jcb": ([("3528", "3589")], [16, 17, 18, 19]),
    # UnionPay 62, outside Discover's co-branded 622126-622925 so the brand label is unambiguous
    "unionpay": ([("620", "621"), ("6220", "6220"), ("622000", "622125"), ("622926", "622999"),
                  ("623", "629")], [16, 17, 18, 19]),
    "diners": ([("300", "305"), ("3095", "3095"), ("36", "36"), ("38", "39")],
               [14, 15, 16, 17, 18, 19]),
    "maestro": ([("50", "50"), ("56", "58"), ("6759", "6759"), ("6761", "6763"),
                 ("6799", "6799")], [12, 13, 14, 15, 16, 17, 18, 19]),
    "mir": ([("2200", "2204")], [16, 17, 18, 19]),
}

ZERO_WIDTH = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"]
NBSP = "\u00a0"
CONTEXT_SENTENCES = [
    "Customer read out her card number {} on the call",
    "please charge my visa {} thanks",
    "Card: {} exp 09/28",
    "credit card number is {}, CVV to follow",
    "agent note: caller gave card {} for the refund",
    "Payment card {} declined, asked for another",
]
PLAIN_SENTENCES = [
    "ref {} noted in ticket",
    "see {} above",
    "value={}",
    "copied {} from the chat window",
    "{} was pasted into the comment box",
    "id {} status open",
]
FIRST = ["JOHN", "MARY", "AHMED", "LI", "SOFIA", "PIERRE", "ANA", "KENJI"]
LAST = ["DOE", "SMITH", "HASSAN", "WANG", "ROSSI", "MARTIN", "SILVA", "TANAKA"]


def luhn_check_digit(body):
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:  # these digits are doubled once the check digit is appended
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def luhn_valid(number):
    return luhn_check_digit(number[:-1]) == number[-1]


def has_repeat(number, n=7):
    run = 1
    for a, b in zip(number, number[1:]):
        run = run + 1 if a == b else 1
        if run >= n:
            return True
    return False


def make_pan(rng, low, high, length):
    while True:
        prefix = str(rng.randint(int(low), int(high))).zfill(len(low))
        body = prefix + "".join(rng.choice(string.digits)
                                for _ in range(length - 1 - len(prefix)))
        pan = body + luhn_check_digit(body)
        if not has_repeat(pan):
            return pan


def groups(number, sizes):
    out, i = [], 0
    for size in sizes:
        if i >= len(number):
            break
        out.append(number[i:i + size])
        i += size
    if i < len(number):
        out.append(number[i:])
    return out


def g4(number):
    return groups(number, [4] * 5)


def g46(number):  # 4-6-rest: the Amex/Diners layout, used as "another grouping" for all
    return groups(number, [4, 6])


def map_digits(text, zero):
    return "".join(chr(ord(zero) + int(c)) if c.isdigit() else c for c in text)


def with_zero_width(rng, number):
    out = []
    for i, ch in enumerate(number):
        out.append(ch)
        if i < len(number) - 1 and rng.random() < 0.3:
            out.append(rng.choice(ZERO_WIDTH))
    if not any(z in "".join(out) for z in ZERO_WIDTH):
        out.insert(len(out) // 2, rng.choice(ZERO_WIDTH))
    return "".join(out)


def expiry(rng):
    return "%02d%02d" % (rng.randint(25, 34), rng.randint(1, 12))


def track1(rng, pan):
    name = "%s/%s" % (rng.choice(LAST), rng.choice(FIRST))
    disc = "".join(rng.choice(string.digits) for _ in range(rng.randint(8, 14)))
    return "%%B%s^%s^%s%s%s?" % (pan, name, expiry(rng), rng.choice(["101", "201", "121"]), disc)


def track2(rng, pan, sep="="):
    disc = "".join(rng.choice(string.digits) for _ in range(rng.randint(8, 13)))
    return "%s%s%s%s" % (pan, sep, expiry(rng) + rng.choice(["101", "201", "121"]), disc)


# format name -> function(rng, pan) -> text
FORMATS = {
    "plain": lambda r, p: p,
    "space_4444": lambda r, p: " ".join(g4(p)),
    "dash_4444": lambda r, p: "-".join(g4(p)),
    "dot_4444": lambda r, p: ".".join(g4(p)),
    "slash_4444": lambda r, p: "/".join(g4(p)),
    "nbsp_4444": lambda r, p: NBSP.join(g4(p)),
    "pct20_4444": lambda r, p: "%20".join(g4(p)),
    "space_46rest": lambda r, p: " ".join(g46(p)),
    "dash_46rest": lambda r, p: "-".join(g46(p)),
    "space_irregular": lambda r, p: " ".join(groups(p, [3, 5, 2, 4, 3])),
    "fullwidth": lambda r, p: map_digits(p, "\uff10"),
    "fullwidth_space_4444": lambda r, p: map_digits(" ".join(g4(p)), "\uff10"),
    "arabic_indic": lambda r, p: map_digits(p, "\u0660"),
    "arabic_indic_space_4444": lambda r, p: map_digits(" ".join(g4(p)), "\u0660"),
    "extended_arabic_indic": lambda r, p: map_digits(p, "\u06f0"),
    "devanagari": lambda r, p: map_digits(p, "\u0966"),
    "zero_width": lambda r, p: with_zero_width(r, p),
    "zero_width_space_4444": lambda r, p: " ".join(with_zero_width(r, g) if len(g) > 1 else g
                                                   for g in g4(p)),
    "sentence_context": lambda r, p: r.choice(CONTEXT_SENTENCES).format(" ".join(g4(p))),
    "sentence_no_context": lambda r, p: r.choice(PLAIN_SENTENCES).format(p),
    "json_field": lambda r, p: '{"ts":"2024-06-01T10:00:00Z","note":"%s"}' % p,
    "url_query": lambda r, p: "GET /checkout?item=42&pan=%s&amount=19.99 HTTP/1.1" % p,
    "track1": lambda r, p: track1(r, p),
    "track2": lambda r, p: ";%s?" % track2(r, p),
    "track2_no_sentinels": lambda r, p: "swipe data %s" % track2(r, p),
    "track2_emv_tag57": lambda r, p: "tag57=%sF" % track2(r, p, "D"),
}
TRACK_FORMATS = {"track1": "track1", "track2": "track2", "track2_no_sentinels": "track2",
                 "track2_emv_tag57": "track2"}
# Formats beyond the issue's list, reported apart from its recall target: EMV tag 57 (track 2
# equivalent data, 'D' between PAN and expiry, as terminals log it in hex).
EXTRA_FORMATS = {"track2_emv_tag57"}
# Well-known test PANs (published by card networks and payment processors), printed plainly:
# many contain 7+ repeated digits, and the issue's own example (4111 1111 1111 1111) must be
# masked, so they check that the repeated-digit rule does not swallow them.
WELL_KNOWN_TEST_PANS = {
    "visa": ["4111111111111111", "4012888888881881", "4222222222222", "4000000000000002",
             "4242424242424242", "4000056655665556"],
    "mastercard": ["5555555555554444", "5105105105105100", "2223003122003222"],
    "amex": ["378282246310005", "371449635398431", "378734493671000"],
    "discover": ["6011111111111117", "6011000990139424", "6011000000000004"],
    "jcb": ["3530111333300000", "3566002020360505"],
    "diners": ["30569309025904", "38520000023237", "36227206271667", "3056930009020004"],
    "unionpay": ["6200000000000005", "6205500000000000004"],
    "maestro": ["6759649826438453", "6799990100000000019"],
    "mir": ["2200000000000004", "2201382000000013"],
}


def positives(rng, per_cell):
    for brand, (ranges, lengths) in ISSUERS.items():
        for length in lengths:
            for fmt, render in FORMATS.items():
                for i in range(per_cell):
                    low, high = ranges[i % len(ranges)]
                    pan = make_pan(rng, low, high, length)
                    yield {"text": render(rng, pan), "label": "pan", "brand": brand,
                           "format": fmt, "kind": TRACK_FORMATS.get(fmt, "pan"),
                           "scope": "extra" if fmt in EXTRA_FORMATS else "issue",
                           "pan": pan, "length": length}
    for brand, pans in WELL_KNOWN_TEST_PANS.items():
        for pan in pans:
            yield {"text": "test card %s" % pan, "label": "pan", "brand": brand,
                   "format": "well_known_test", "kind": "pan", "scope": "issue", "pan": pan,
                   "length": len(pan)}


# ---- hard negatives -------------------------------------------------------------------------

def digits(rng, n):
    return "".join(rng.choice(string.digits) for _ in range(n))


def neg_phone_e164(rng):
    cc, rest = rng.choice([("1", 10), ("44", 10), ("49", 11), ("33", 9), ("91", 10),
                           ("86", 11), ("55", 11), ("61", 9), ("234", 10), ("971", 9)])
    national = str(rng.randint(2, 9)) + digits(rng, rest - 1)
    full = cc + national
    if rng.random() < 0.5:  # make it Luhn-valid: the + prefix must be what rules it out
        full = full[:-1] + luhn_check_digit(full[:-1])
    style = rng.randrange(3)
    if style == 0:
        return "plain", "+" + full
    if style == 1:
        n = full[len(cc):]
        return "spaced", "+%s %s %s %s" % (cc, n[:3], n[3:6], n[6:])
    return "dashed", "+%s-%s-%s" % (cc, full[len(cc):len(cc) + 4], full[len(cc) + 4:])


def neg_phone_national(rng):
    style = rng.randrange(6)
    if style == 0:
        return "us", "(%s) %s-%s" % (digits(rng, 3), digits(rng, 3), digits(rng, 4))
    if style == 1:
        return "us_dashed", "%d%s-%s-%s" % (rng.randint(2, 9), digits(rng, 2), digits(rng, 3),
                                            digits(rng, 4))
    if style == 2:
        return "uk", "0%s %s %s" % (digits(rng, 2), digits(rng, 4), digits(rng, 4))
    if style == 3:
        return "fr", "0%d %s %s %s %s" % (rng.randint(1, 9), digits(rng, 2), digits(rng, 2),
                                          digits(rng, 2), digits(rng, 2))
    if style == 4:
        return "de", "0%s %s" % (digits(rng, 3), digits(rng, 8))
    return "intl_00", "00%s %s %s %s" % (rng.choice(["44", "49", "33", "34"]), digits(rng, 2),
                                         digits(rng, 4), digits(rng, 4))


def neg_order_id(rng):
    style = rng.randrange(4)
    if style == 0:
        return "prefixed", "ORD-%d-%s" % (rng.randint(2019, 2025), digits(rng, 9))
    if style == 1:  # Amazon style 3-7-7 (17 digits joined by '-')
        return "amazon_3_7_7", "%s-%s-%s" % (rng.choice(["111", "112", "113", "114", "171", "202",
                                                         "203", "204", "205", "206", "302", "304",
                                                         "305", "306", "401", "402", "403",
                                                         "404", "405", "407"]),
                                             digits(rng, 7), digits(rng, 7))
    if style == 2:
        return "hash_number", "order #%d%s" % (rng.randint(1, 9), digits(rng, rng.randint(7, 11)))
    return "shop", "SO%s" % digits(rng, 12)


def neg_epoch_ms(rng):
    ms = rng.randint(1_262_304_000_000, 1_893_456_000_000)  # 2010..2030
    style = rng.randrange(3)
    if style == 0:
        return "ms", str(ms)
    if style == 1:
        return "us", str(ms * 1000 + rng.randint(0, 999))
    return "ns", str(ms * 1_000_000 + rng.randint(0, 999_999))


def neg_uuid(rng):
    if rng.random() < 0.7:
        h = "%032x" % rng.getrandbits(128)
        h = h[:12] + "4" + h[13:16] + rng.choice("89ab") + h[17:]
        return "v4", "%s-%s-%s-%s-%s" % (h[:8], h[8:12], h[12:16], h[16:20], h[20:])
    # digit-heavy: the first three groups happen to be decimal digits only
    return "digit_heavy", "%s-%s-4%s-%s%s-%012x" % (digits(rng, 8), digits(rng, 4), digits(rng, 3),
                                                    rng.choice("89ab"), digits(rng, 3),
                                                    rng.getrandbits(48))


IBAN_FORMATS = {  # country -> BBAN pattern: n digits, a upper letters, c alnum
    "DE": "8n10n", "GB": "4a6n8n", "FR": "5n5n11c2n", "ES": "4n4n1n1n10n", "IT": "1a5n5n12c",
    "NL": "4a10n", "BE": "3n7n2n", "AT": "5n11n", "CH": "5n12c", "PL": "8n16n", "PT": "4n4n11n2n",
    "SE": "3n16n1n", "IE": "4a6n8n", "DK": "4n9n1n",
}


def bban(rng, pattern):
    out, num = [], ""
    for ch in pattern:
        if ch.isdigit():
            num += ch
            continue
        n = int(num)
        num = ""
        pool = {"n": string.digits, "a": string.ascii_uppercase,
                "c": string.digits + string.ascii_uppercase}[ch]
        out.append("".join(rng.choice(pool) for _ in range(n)))
    return "".join(out)


def iban_check(country, b):
    rearranged = b + country + "00"
    value = int("".join(str(int(c, 36)) for c in rearranged))
    return "%02d" % (98 - value % 97)


def neg_iban(rng):
    country = rng.choice(sorted(IBAN_FORMATS))
    b = bban(rng, IBAN_FORMATS[country])
    iban = country + iban_check(country, b) + b
    if rng.random() < 0.5:
        return "compact", iban
    return "grouped", " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))


def ups_check(body):  # body = 15 chars after 1Z; letters map to (ord-63)%10
    total = 0
    for i, c in enumerate(body):
        v = int(c) if c.isdigit() else (ord(c) - 63) % 10
        total += v * (2 if i % 2 else 1)
    return str((10 - total % 10) % 10)


def neg_tracking(rng):
    style = rng.randrange(5)
    if style == 0:
        shipper = "".join(rng.choice(string.ascii_uppercase + string.digits) for _ in range(6))
        if shipper.isdigit():
            shipper = shipper[:3] + rng.choice(string.ascii_uppercase) + shipper[4:]
        body = shipper + rng.choice(["01", "02", "03", "12", "13"]) + digits(rng, 7)
        return "ups_1z", "1Z" + body + ups_check(body)
    if style == 1:
        return "fedex_12", rng.choice("77777533") + digits(rng, 11)
    if style == 2:
        return "fedex_15", rng.choice("0004679") + digits(rng, 14)
    if style == 3:
        return "fedex_20", "9612" + digits(rng, 16)
    return "usps_22", "9400 1%s %s %s %s %s" % (digits(rng, 3), digits(rng, 4), digits(rng, 4),
                                                digits(rng, 4), digits(rng, 2))


def neg_ip(rng):
    style = rng.randrange(4)
    if style == 0:
        return "ipv4", "%d.%d.%d.%d" % (rng.choice([10, 172, 192]), rng.randint(0, 255),
                                        rng.randint(0, 255), rng.randint(1, 254))
    if style == 1:  # public, any first octet: 3-digit octets make 12-digit runs
        return "ipv4_public", "%d.%d.%d.%d" % (rng.randint(1, 223), rng.randint(100, 255),
                                               rng.randint(100, 255), rng.randint(100, 254))
    if style == 2:
        return "ipv4_port", "%d.%d.%d.%d:%d" % (rng.randint(1, 223), rng.randint(0, 255),
                                                rng.randint(0, 255), rng.randint(1, 254),
                                                rng.randint(1024, 65535))
    parts = ["%x" % rng.randint(0, 0xFFFF) for _ in range(8)]
    if rng.random() < 0.5:
        return "ipv6", "2001:db8:" + ":".join(parts[2:])
    return "ipv6_compressed", "fe80::%s:%s" % (parts[0], parts[1])


def isbn10_check(d9):
    s = sum((10 - i) * int(c) for i, c in enumerate(d9))
    c = (11 - s % 11) % 11
    return "X" if c == 10 else str(c)


def isbn13_check(d12):
    s = sum(int(c) * (1 if i % 2 == 0 else 3) for i, c in enumerate(d12))
    return str((10 - s % 10) % 10)


def neg_isbn(rng):
    if rng.random() < 0.5:
        d12 = rng.choice(["978", "979"]) + digits(rng, 9)
        isbn = d12 + isbn13_check(d12)
        if rng.random() < 0.5:
            return "isbn13", "ISBN " + isbn
        return "isbn13_dashed", "ISBN %s-%s-%s-%s-%s" % (isbn[:3], isbn[3], isbn[4:7],
                                                         isbn[7:12], isbn[12])
    d9 = digits(rng, 9)
    isbn = d9 + isbn10_check(d9)
    if rng.random() < 0.5:
        return "isbn10", "ISBN " + isbn
    return "isbn10_dashed", "ISBN %s-%s-%s-%s" % (isbn[0], isbn[1:4], isbn[4:9], isbn[9])


def neg_imei(rng):
    # Realistic reporting-body TAC prefixes: 35 (BABT, most handsets), 86 (China), 01 (CTIA),
    # 99 (GHA). 15 digits, Luhn-valid like a PAN.
    tac = rng.choices(["35", "86", "01", "99"], weights=[50, 25, 15, 10])[0] + digits(rng, 6)
    body = tac + digits(rng, 6)
    imei = body + luhn_check_digit(body)
    style = rng.randrange(3)
    if style == 0:
        return "plain", imei
    if style == 1:
        return "labelled", "IMEI: " + imei
    return "dashed", "%s-%s-%s-%s" % (imei[:2], imei[2:8], imei[8:14], imei[14])


def neg_long_decimal(rng):
    style = rng.randrange(4)
    if style == 0:
        return "float_repr", repr(rng.random())
    if style == 1:
        return "float_scaled", repr(rng.random() * 10 ** rng.randint(1, 4))
    if style == 2:
        return "gps", "%.12f,%.12f" % (rng.uniform(-60, 70), rng.uniform(-180, 180))
    return "pi_like", "%d.%s" % (rng.randint(0, 9), digits(rng, rng.randint(15, 25)))


def neg_amount(rng):
    v = rng.uniform(0.5, 5_000_000)
    style = rng.randrange(4)
    if style == 0:
        return "usd", "$%s" % format(v, ",.2f")
    if style == 1:
        return "eur_de", "%s EUR" % format(v, ",.2f").replace(",", "X").replace(".", ",").replace("X", ".")
    if style == 2:
        return "space_thousands", "%s CHF" % format(v, ",.2f").replace(",", " ")
    return "plain", "amount=%.2f" % v


def neg_masked_pan(rng):
    brand = rng.choice(sorted(ISSUERS))
    ranges, lengths = ISSUERS[brand]
    low, high = rng.choice(ranges)
    pan = make_pan(rng, low, high, rng.choice(lengths))
    style = rng.randrange(5)
    if style == 0:
        return "first6_last4", pan[:6] + "*" * (len(pan) - 10) + pan[-4:]
    if style == 1:
        return "last4_stars", "****" + pan[-4:]
    if style == 2:
        return "all_stars_last4", "*" * (len(pan) - 4) + pan[-4:]
    if style == 3:
        m = pan[:6] + "X" * (len(pan) - 10) + pan[-4:]
        return "x_grouped", " ".join(g4(m))
    return "card_ending", "card ending in %s" % pan[-4:]


def neg_hash(rng):
    style = rng.randrange(4)
    bits = [128, 160, 256, 28][style]
    name = ["md5", "sha1", "sha256", "git_short"][style]
    return name, "%0*x" % (bits // 4, rng.getrandbits(bits))


def neg_invoice(rng):
    style = rng.randrange(4)
    if style == 0:
        return "inv_dash", "INV-%d-%s" % (rng.randint(2019, 2025), digits(rng, 6))
    if style == 1:
        return "slashed", "Invoice No. %d/%s/%s" % (rng.randint(2019, 2025), digits(rng, 6),
                                                    digits(rng, 2))
    if style == 2:
        return "numeric", "invoice %s" % digits(rng, rng.randint(8, 11))
    return "bill", "Bill %s-%s" % (digits(rng, 4), digits(rng, 6))


def neg_version(rng):
    style = rng.randrange(5)
    if style == 0:
        return "semver", "%d.%d.%d" % (rng.randint(0, 30), rng.randint(0, 99), rng.randint(0, 999))
    if style == 1:
        return "windows_build", "10.0.%d.%d" % (rng.randint(17000, 26000), rng.randint(1, 9999))
    if style == 2:
        return "chrome", "%d.0.%d.%d" % (rng.randint(100, 130), rng.randint(5000, 6999),
                                         rng.randint(1, 300))
    if style == 3:
        return "kernel", "%d.%d.0-%d-generic" % (rng.randint(4, 6), rng.randint(1, 19),
                                                 rng.randint(10, 200))
    return "debian", "%d.%d.%d-%d+deb12u%d" % (rng.randint(1, 9), rng.randint(0, 40),
                                              rng.randint(0, 20), rng.randint(1, 5),
                                              rng.randint(1, 9))


def neg_luhn_invalid(rng):  # a brand prefix and length, but the check digit is wrong
    brand = rng.choice(sorted(ISSUERS))
    ranges, lengths = ISSUERS[brand]
    low, high = rng.choice(ranges)
    pan = make_pan(rng, low, high, rng.choice(lengths))
    bad = pan[:-1] + str((int(pan[-1]) + rng.randint(1, 9)) % 10)
    if rng.random() < 0.5:
        return "plain", bad
    return "space_4444", " ".join(g4(bad))


def neg_embedded_in_long_run(rng):  # a valid PAN inside a run of 20+ digits: never a window
    pan = make_pan(rng, "4", "4", 16)
    before, after = digits(rng, rng.randint(1, 4)), digits(rng, rng.randint(0, 4))
    if len(before) + len(after) < 4:
        after += digits(rng, 4 - len(before) - len(after))
    if rng.random() < 0.5:
        return "longer_run", before + pan + after
    return "longer_run_grouped", " ".join(g4(before + pan + after))


def neg_repeated_digits(rng):  # placeholder values: one digit repeated over a PAN's length
    number = rng.choice("0123456789") * rng.randint(12, 19)
    style = rng.randrange(3)
    if style == 0:
        return "placeholder", number
    return "placeholder_grouped", (" " if style == 1 else "-").join(g4(number))


NEGATIVE_KINDS = {
    "phone_e164": neg_phone_e164,
    "phone_national": neg_phone_national,
    "order_id": neg_order_id,
    "epoch_ms": neg_epoch_ms,
    "uuid": neg_uuid,
    "iban": neg_iban,
    "tracking_number": neg_tracking,
    "ip_address": neg_ip,
    "isbn": neg_isbn,
    "imei": neg_imei,
    "long_decimal": neg_long_decimal,
    "amount": neg_amount,
    "masked_pan": neg_masked_pan,
    "hash": neg_hash,
    "invoice_number": neg_invoice,
    "version_string": neg_version,
    "luhn_invalid": neg_luhn_invalid,
    "embedded_in_long_run": neg_embedded_in_long_run,
    "repeated_digits": neg_repeated_digits,
}
NEG_CONTEXTS = [
    "{}",
    "Jun  1 10:00:01 pbx1 app[2211]: processed {} ok",
    '10.1.2.3 - - [01/Jun/2024:10:00:01 +0000] "GET /api/v1/items?q={} HTTP/1.1" 200 512',
    "Caller mentioned {} during the call",
    '{{"level":"info","msg":"lookup","value":"{}"}}',
]


def negatives(rng, per_kind):
    for kind, make in NEGATIVE_KINDS.items():
        for i in range(per_kind):
            fmt, value = make(rng)
            context = NEG_CONTEXTS[i % len(NEG_CONTEXTS)]
            yield {"text": context.format(value), "label": "negative", "brand": "",
                   "format": fmt, "kind": kind}


def main(argv):
    out_path, seed, per_cell, per_kind = None, 20240605, 4, 400
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == "--seed":
            seed = int(args.pop(0))
        elif a == "--per-cell":
            per_cell = int(args.pop(0))
        elif a == "--per-kind":
            per_kind = int(args.pop(0))
        elif out_path is None:
            out_path = a
        else:
            sys.exit(__doc__)
    rng = random.Random(seed)
    out = open(out_path, "w", encoding="utf-8") if out_path else sys.stdout
    n = 0
    for sample in list(positives(rng, per_cell)) + list(negatives(rng, per_kind)):
        assert "\n" not in sample["text"] and "\r" not in sample["text"]
        if sample["label"] == "pan":
            assert luhn_valid(sample["pan"])
        out.write(json.dumps(sample, ensure_ascii=False) + "\n")
        n += 1
    if out_path:
        out.close()
    print("samples %d" % n, file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
