#!/usr/bin/env python3
"""Write the labelled redaction corpus: tests/fixtures/redaction/corpus.jsonl.

Synthetic conversations (every value is made up: test card numbers, 555 and Ofcom drama phone
numbers, example.com-style emails, checksum-valid but invented IBANs), each turn with the exact
character spans of the personal data it holds. Many turns also hold numbers that must NOT be
redacted (prices, order totals, times, appointment dates, plan names, order and ticket numbers,
versions), and voice-style turns are lower-cased, unpunctuated and noisy ("uh", "[noise]").

The corpus is generated (seeded, so it is the same every run) and committed; tests/redaction.rs
scores `core::redact` on it and fails below the targets, and the numbers in BENCHMARKS.md come
from `cargo test --test tests redaction -- --nocapture`.

Each line: {"id", "format", "turns": [{"speaker", "text", "pii": [{"kind", "start", "end"}]}]}
with offsets in characters. Run: python3 scripts/redaction-corpus.py
"""
import json
import os
import random

R = random.Random(20261204)
DIGIT = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]


def luhn_complete(prefix, length):
    body = prefix + "".join(R.choice("0123456789") for _ in range(length - len(prefix) - 1))
    total = 0
    for i, c in enumerate(reversed(body)):
        d = int(c)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return body + str((10 - total % 10) % 10)


def card_number():
    brand = R.choice([("4", 16), ("51", 16), ("55", 16), ("2221", 16), ("34", 15), ("37", 15), ("6011", 16), ("4", 13)])
    return luhn_complete(*brand)


def spoken_digits(digits, oh=False, doubles=False, fillers=False):
    words, i = [], 0
    while i < len(digits):
        d = digits[i]
        if doubles and i + 1 < len(digits) and digits[i + 1] == d and R.random() < 0.5:
            words.append("double " + DIGIT[int(d)])
            i += 2
            continue
        words.append("oh" if (oh and d == "0" and R.random() < 0.6) else DIGIT[int(d)])
        i += 1
    out = []
    for k, w in enumerate(words):
        out.append(w)
        if fillers and k < len(words) - 1 and R.random() < 0.08:
            out.append(R.choice(["uh", "um", "[noise]"]))
    return " ".join(out)


def grouped(digits, sizes, sep):
    parts, i = [], 0
    for s in sizes:
        parts.append(digits[i:i + s])
        i += s
    if i < len(digits):
        parts.append(digits[i:])
    return sep.join(parts)


def card_text():
    n = card_number()
    sizes = [4, 6, 5] if len(n) == 15 else [4, 4, 4, 4]
    style = R.choice(["space", "dash", "compact", "spoken", "spoken_groups", "mixed", "doubles"])
    if style == "space":
        return grouped(n, sizes, " ")
    if style == "dash":
        return grouped(n, sizes, "-")
    if style == "compact":
        return n
    if style == "spoken":
        return spoken_digits(n, oh=True, fillers=True)
    if style == "doubles":
        return spoken_digits(n, doubles=True)
    groups = grouped(n, sizes, " ").split(" ")
    if style == "spoken_groups":
        return ", ".join(spoken_digits(g) for g in groups)
    return ", ".join(g if R.random() < 0.5 else spoken_digits(g) for g in groups)


def phone_text():
    style = R.choice(["paren", "dash", "dot", "plus1", "tollfree", "spoken", "spoken_oh", "uk", "de", "fr", "spoken_plus", "space"])
    area = str(R.choice([212, 312, 415, 617, 646, 702, 808, 917, 503, 206]))
    line = "01" + str(R.randint(0, 99)).zfill(2)
    if style == "paren":
        return f"({area}) 555-{line}"
    if style == "dash":
        return f"{area}-555-{line}"
    if style == "dot":
        return f"{area}.555.{line}"
    if style == "space":
        return f"{area} 555 {line}"
    if style == "plus1":
        return f"+1 {area} 555 {line}"
    if style == "tollfree":
        return f"1-800-555-{line}"
    if style in ("spoken", "spoken_oh"):
        groups = [area, "555", line]
        return ", ".join(spoken_digits(g, oh=style == "spoken_oh") for g in groups)
    if style == "uk":
        return f"+44 20 7946 0{R.randint(0, 999):03d}"
    if style == "de":
        return f"+49 30 {R.randint(1000000, 9999999)}"
    if style == "fr":
        return "+33 1 " + " ".join(f"{R.randint(10, 99)}" for _ in range(4))
    return "plus four four, two oh, " + spoken_digits(f"7946{R.randint(0, 9999):04d}")


FIRST = ["jane", "john", "maria", "li", "ahmed", "sofia", "peter", "ana", "kwame", "olga"]
LAST = ["doe", "smith", "garcia", "chen", "khan", "rossi", "novak", "silva", "mensah", "ivanova"]
DOMAINS = ["example.com", "example.org", "mail.example.net", "company.co.uk", "test.io"]


def email_text():
    f, l = R.choice(FIRST), R.choice(LAST)
    style = R.choice(["plain", "dotted", "plus", "caps", "spoken", "spoken_spelled"])
    d = R.choice(DOMAINS)
    if style == "plain":
        return f"{f}{l}{R.randint(1, 99)}@{d}"
    if style == "dotted":
        return f"{f}.{l}@{d}"
    if style == "plus":
        return f"{f}+billing@{d}"
    if style == "caps":
        return f"{f.capitalize()}.{l.capitalize()}@{d.upper()}"
    spoken_domain = " dot ".join(d.split("."))
    if style == "spoken":
        return f"{f} dot {l} at {spoken_domain}"
    return " ".join(f) + f" at {spoken_domain}"


def ssn_text():
    while True:
        area = R.randint(1, 899)
        if area != 666:
            break
    d = f"{area:03d}{R.randint(1, 99):02d}{R.randint(1, 9999):04d}"
    style = R.choice(["dash", "dash", "spoken"])
    if style == "dash":
        return f"{d[:3]}-{d[3:5]}-{d[5:]}"
    return ", ".join(spoken_digits(g) for g in (d[:3], d[3:5], d[5:]))


IBAN_SHAPES = [("DE", 18), ("GB", 18), ("FR", 23), ("NL", 14), ("ES", 20), ("IT", 23), ("BE", 12)]


def iban_text():
    country, bban_len = R.choice(IBAN_SHAPES)
    if country in ("GB", "NL"):
        bank = "".join(R.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(4))
        bban = bank + "".join(R.choice("0123456789") for _ in range(bban_len - 4))
    elif country == "IT":
        bban = R.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") + "".join(R.choice("0123456789") for _ in range(bban_len - 1))
    else:
        bban = "".join(R.choice("0123456789") for _ in range(bban_len))
    rearranged = bban + country + "00"
    num = "".join(str(int(c, 36)) for c in rearranged)
    check = 98 - int(num) % 97
    iban = f"{country}{check:02d}{bban}"
    if R.random() < 0.6:
        return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))
    return iban


def ip_text():
    if R.random() < 0.7:
        return ".".join(str(R.randint(1, 254)) for _ in range(4))
    return "2001:db8:" + ":".join(f"{R.randint(0, 65535):x}" for _ in range(3)) + "::" + f"{R.randint(1, 999):x}"


MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"]
ORD = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth", "eleventh", "twelfth",
       "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth", "eighteenth", "nineteenth", "twentieth"]


def dob_text():
    y, m, d = R.randint(1940, 2005), R.randint(1, 12), R.randint(1, 28)
    style = R.choice(["us", "iso", "long", "dmy", "spoken"])
    if style == "us":
        return f"{m:02d}/{d:02d}/{y}"
    if style == "iso":
        return f"{y}-{m:02d}-{d:02d}"
    if style == "long":
        suffix = "th" if d in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(d % 10, "th")
        return f"{MONTHS[m - 1]} {d}{suffix}, {y}"
    if style == "dmy":
        return f"{d} {MONTHS[m - 1]} {y}"
    day = ORD[d - 1] if d <= 20 else "twenty " + ORD[d - 21]
    if y >= 2000:
        y = 2000 + y % 10
        year = "two thousand " + R.choice(["", "and "]) + DIGIT[y % 10]
    else:
        tens, unit = divmod(y % 100, 10)
        year = "nineteen " + ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"][tens]
        year += f" {DIGIT[unit]}" if unit else ""
    return f"{MONTHS[m - 1].lower()} {day} {year}"


MAKERS = {"card": card_text, "phone": phone_text, "email": email_text, "ssn": ssn_text, "iban": iban_text, "ip": ip_text, "dob": dob_text}

INTROS = {
    "card": ["my card number is {}", "sure, it's {}", "the card is {} expiring next year", "ok the number is {}", "visa {}",
             "uh yeah it's {} and the code on the back", "charge it to {} please", "card {} thanks"],
    "phone": ["you can reach me at {}", "my number is {}", "call me back on {}", "my cell is {} after five",
              "the best number is {}", "text me at {}", "it's {}", "phone {}"],
    "email": ["my email is {}", "send it to {} please", "email {}", "it's {} thanks", "you can write to {}"],
    "ssn": ["my social security number is {}", "ssn {}", "social is {}", "the SSN on file is {}"],
    "iban": ["my IBAN is {}", "please refund to {}", "the account IBAN is {} thanks", "iban {}"],
    "ip": ["my IP address is {}", "the router shows {}", "it connects from {}", "ip {} and it still fails"],
    "dob": ["my date of birth is {}", "date of birth {}", "I was born on {}", "DOB is {}", "my birthday is {}", "born {}"],
}

NEGATIVES = [
    "the total comes to ${}.99 with tax", "that's {} dollars a month", "your order number is {}", "ticket {} is still open",
    "we can call you at {}:30 tomorrow", "the appointment is on March {}, 2025", "you're on the Unlimited {} plan",
    "I have the iPhone 15 Pro with {} GB", "version 2.{}.1 of the app", "it was about {} percent off",
    "the invoice was $1,{}.00", "it was delivered on 04/{}/2024", "store number {} on Main Street", "we have {} items in the cart",
    "I called at ten thirty and at {} fifteen", "the confirmation number is {}", "my zip is {}", "room {} on the second floor",
    "it costs twenty three ninety nine plus {} for shipping", "order total {}.50",
]


def negative():
    t = R.choice(NEGATIVES)
    if "order number" in t or "confirmation" in t:
        v = str(R.randint(10 ** 9, 10 ** 10 - 1))
    elif "zip" in t or "ticket" in t or "store" in t:
        v = str(R.randint(10000, 99999))
    elif "March" in t or "04/" in t:
        v = str(R.randint(1, 28))
    elif "Unlimited" in t:
        v = str(R.choice([500, 1000, 5000]))
    else:
        v = str(R.randint(2, 120))
    return t.format(v)


def noisy(text):
    """ASR style: lower case, no final punctuation, the odd filler and repeated word."""
    if R.random() < 0.5:
        text = text.lower().rstrip(".")
    if R.random() < 0.3:
        text = R.choice(["uh ", "um ", "[noise] ", "so ", "yeah "]) + text
    return text


def turn_with(kind):
    value = MAKERS[kind]()
    intro = R.choice(INTROS[kind])
    before, after = intro.split("{}")
    if kind not in ("email", "iban", "ip") and R.random() < 0.5:
        before = noisy(before) if before.strip() else before
    if R.random() < 0.4:
        after = after + " and " + negative()
    text = before + value + after
    return text, [{"kind": kind, "start": len(before), "end": len(before) + len(value)}]


AGENT = ["How can I help you today?", "Thanks, one moment please.", "Could you confirm that for me?",
         "Let me pull up your account.", "Is there anything else?", "I can help with that.", "Okay &amp; thank you."]


def conversation(i, fmt):
    turns = []
    kinds = list(MAKERS)
    for _ in range(R.randint(3, 6)):
        turns.append({"speaker": "agent", "text": R.choice(AGENT), "pii": []})
        r = R.random()
        if r < 0.65:
            text, pii = turn_with(R.choice(kinds))
        else:
            text, pii = noisy(negative()), []
        turns.append({"speaker": "customer", "text": text, "pii": pii})
    return {"id": f"redact-{i:04d}", "format": fmt, "turns": turns}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = os.path.join(here, "..", "tests", "fixtures", "redaction", "corpus.jsonl")
    os.makedirs(os.path.dirname(out), exist_ok=True)
    formats = ["txt", "json", "vtt", "srt", "csv"]
    with open(out, "w", encoding="utf-8") as f:
        for i in range(600):
            f.write(json.dumps(conversation(i, formats[i % len(formats)]), ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
