#!/usr/bin/env python3
"""Regenerate assets/prices.json from pydantic's genai-prices data (a pinned PyPI version).

Debrief ships a price and context-window table so estimates work offline. Hand-kept tables go
stale (the one this replaces lacked the models people run today), so the table is generated
from a maintained source: the `genai-prices` package carries its data in
`genai_prices/data.py`. That file is Python source built from constructor calls; it is read
here with `ast` instead of being imported, because importing it needs pydantic and this script
must run on a bare Python 3.11 (standard library only).

Only the providers Debrief speaks are kept (OpenAI, Anthropic, Google Gemini), and only text
chat models. Models the previous table had that the source lacks are kept, marked
`"origin": "earlier table"`, so a refresh never silently drops a model someone relies on.

Usage:
    scripts/refresh-prices.py                    # download the pinned version with pip
    scripts/refresh-prices.py --version 0.2.4    # another version (update PINNED too)
    scripts/refresh-prices.py --wheel FILE.whl   # a wheel already downloaded
"""

from __future__ import annotations

import argparse
import ast
import datetime
import hashlib
import json
import pathlib
import subprocess
import sys
import tempfile
import zipfile

PINNED = "0.2.3"
PACKAGE = "genai-prices"
ROOT = pathlib.Path(__file__).resolve().parent.parent
OUT = ROOT / "assets" / "prices.json"
# The hand-kept table this file replaced; read once so nothing it covered is lost.
LEGACY = ROOT / "assets" / "pricing.json"

# genai-prices provider id → Debrief's provider name (as `assets/pricing.json` spelled it).
PROVIDERS = {"openai": "openai", "anthropic": "anthropic", "google": "google"}

# Words in a model id that mark a non-chat or non-text model Debrief cannot use for analysis.
NOT_CHAT = (
    "embedding", "tts", "transcribe", "whisper", "realtime", "audio", "image", "live",
    "moderation", "davinci", "babbage", "curie", "search", "vision", "computer-use",
    "robotics", "omni", "nano-banana", "ft:", ".ft-", ":", "gpt-oss", "instruct",
)
# Plain names of the first generation (ada, claude-v1, …) that the words above do not catch.
RETIRED = {"ada", "claude-v1", "claude-2", "gemini-pro", "gemini-flash-1.5", "gemini-pro-1.5",
           "gemini-flash-1.5-8b", "gemini-1.0-pro-vision-001", "gpt-3.5-0301"}

# Context windows the source does not record, from the providers' model pages. Marked in the
# output so nobody mistakes them for source data.
CONTEXT_FALLBACK = {
    "gemini-2.5-pro": 1_048_576,
    "gemini-3.1-pro-preview": 1_048_576,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default=PINNED, help=f"genai-prices version (default {PINNED})")
    parser.add_argument("--wheel", type=pathlib.Path, help="use this wheel instead of downloading")
    parser.add_argument("--date", help="the as-of date written and used for dated prices (default today, UTC)")
    args = parser.parse_args()
    as_of = args.date or datetime.datetime.now(datetime.timezone.utc).date().isoformat()

    with tempfile.TemporaryDirectory() as tmp:
        wheel = args.wheel or download(args.version, pathlib.Path(tmp))
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        with zipfile.ZipFile(wheel) as z:
            source = z.read("genai_prices/data.py").decode("utf-8")
    providers = read_providers(source)

    models = []
    for provider in providers:
        ours = PROVIDERS.get(provider["id"])
        if ours is None:
            continue
        for model in provider.get("models", []):
            entry = convert(model, ours, as_of)
            if entry is not None:
                models.append(entry)
    kept = keep_legacy(models)
    models.sort(key=lambda m: (m["provider"], m["model"]))

    header = {
        "currency": "USD",
        "unit": "per 1M tokens",
        "as_of": as_of,
        "source": f"pydantic genai-prices {args.version} (https://pypi.org/project/{PACKAGE}/{args.version}/, "
                  "genai_prices/data.py): standard-tier text prices; long-context tiers in notes",
        "source_package": PACKAGE,
        "source_version": args.version,
        "source_sha256": digest,
        "generated_by": "scripts/refresh-prices.py",
    }
    write(header, models)
    print(f"wrote {OUT.relative_to(ROOT)}: {len(models)} models ({kept} kept from the earlier table)")
    return 0


def download(version: str, into: pathlib.Path) -> pathlib.Path:
    """`pip download` the wheel of one version (pip is the registry's ordinary client)."""
    subprocess.run(
        [sys.executable, "-m", "pip", "download", f"{PACKAGE}=={version}", "--no-deps",
         "--only-binary", ":all:", "-d", str(into), "-q"],
        check=True,
    )
    wheels = sorted(into.glob("genai_prices-*.whl"))
    if not wheels:
        sys.exit(f"pip downloaded no wheel of {PACKAGE} {version}")
    return wheels[0]


def read_providers(source: str) -> list[dict]:
    """The `providers = [...]` list of data.py as plain dicts (`_t` holds the class name)."""
    for node in ast.parse(source).body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", None) == "providers":
            return evaluate(node.value)
    sys.exit("genai_prices/data.py has no `providers` list; has the format changed?")


def evaluate(node: ast.AST):
    """Evaluate the literal subset data.py is written in, without executing anything."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.List):
        return [evaluate(e) for e in node.elts]
    if isinstance(node, ast.Dict):
        return {evaluate(k): evaluate(v) for k, v in zip(node.keys, node.values)}
    if isinstance(node, ast.Call):
        name = ast.unparse(node.func)
        args = [evaluate(a) for a in node.args]
        if name == "Decimal":
            return float(args[0])
        if name == "datetime.date":
            return datetime.date(*args).isoformat()
        if name == "datetime.time":
            return datetime.time(*args).isoformat()
        out = {"_t": name}
        out.update({k.arg: evaluate(k.value) for k in node.keywords})
        return out
    sys.exit(f"unexpected syntax in data.py: {ast.unparse(node)[:80]}")


def is_chat_text_model(model: dict, provider: str) -> bool:
    mid = model["id"]
    if provider == "google" and not mid.startswith("gemini-"):
        return False  # Vertex resells Claude; Debrief reaches Claude through Anthropic.
    if model.get("deprecated") or mid in RETIRED:
        return False
    return not any(word in mid for word in NOT_CHAT)


def active(constraint, as_of: str) -> bool:
    """Whether a dated price applies on `as_of`; time-of-day discounts never count as the list price."""
    if constraint is None:
        return True
    if constraint.get("_t") == "StartDateConstraint":
        return constraint["start_date"] <= as_of
    return False


def current_prices(prices, as_of: str) -> dict | None:
    """The list price in force on `as_of` (data.py: the last active conditional price)."""
    if isinstance(prices, dict):
        return prices
    chosen = None
    for conditional in prices or []:
        if active(conditional.get("constraint"), as_of):
            chosen = conditional["prices"]
    return chosen


def base(value):
    """A tiered price's base rate; a plain price as it is."""
    return value["base"] if isinstance(value, dict) else value


def tier_note(prices: dict) -> str | None:
    tiered = {k: v for k, v in prices.items() if isinstance(v, dict) and v.get("_t") == "TieredPrices"}
    if not tiered:
        return None
    start = min(t["start"] for v in tiered.values() for t in v["tiers"])
    parts = []
    for key, label in (("input_mtok", "input"), ("cache_read_mtok", "cached"), ("output_mtok", "output")):
        if key in tiered:
            parts.append(f"{label} {tiered[key]['tiers'][0]['price']:g}")
    return f"prompts over {start:,} tokens cost more ({', '.join(parts)} per 1M)"


def aliases(match: dict, model_id: str) -> list[str]:
    """Exact names the source matches besides the id: `equals` values and `starts_with`
    prefixes that are whole model names. Regex and substring rules are not carried over; dated
    snapshot names are handled by Debrief's own lookup."""
    found: list[str] = []

    def walk(clause):
        kind = clause.get("_t")
        if kind in ("ClauseOr",):
            for c in clause.get("or_", []):
                walk(c)
        elif kind == "ClauseEquals":
            found.append(clause["equals"])
        elif kind == "ClauseStartsWith":
            prefix = clause["starts_with"]
            if prefix[-1:] not in ("-", "@", ".") and prefix[-4:] != "2025":
                found.append(prefix)
        # And/Regex/Contains/EndsWith: no exact name to take.

    walk(match)
    out = []
    for name in found:
        # `ft:` and `provider:` names are fine-tunes and routing names, not models to price.
        if name != model_id and ":" not in name and name not in out:
            out.append(name)
    return out


def convert(model: dict, provider: str, as_of: str) -> dict | None:
    source_provider = {v: k for k, v in PROVIDERS.items()}[provider]
    if not is_chat_text_model(model, source_provider):
        return None
    prices = current_prices(model.get("prices"), as_of)
    if not prices or "input_mtok" not in prices or "output_mtok" not in prices:
        return None
    entry = {
        "model": model["id"],
        "provider": provider,
        "input": base(prices["input_mtok"]),
        "cached_input": base(prices.get("cache_read_mtok", prices["input_mtok"])),
        "output": base(prices["output_mtok"]),
    }
    if "cache_write_mtok" in prices:
        entry["cache_write"] = base(prices["cache_write_mtok"])
    for variant in model.get("price_variants") or []:
        if variant.get("when") == {"processing": "batch"} and active(variant.get("constraint"), as_of):
            batch = variant["prices"]
            if "input_mtok" in batch:
                entry["batch_input"] = base(batch["input_mtok"])
            if "output_mtok" in batch:
                entry["batch_output"] = base(batch["output_mtok"])
    window = model.get("context_window")
    if window:
        entry["context_window"] = window
    elif model["id"] in CONTEXT_FALLBACK:
        entry["context_window"] = CONTEXT_FALLBACK[model["id"]]
        entry["context_window_source"] = "provider's model page (not in genai-prices)"
    names = aliases(model["match"], model["id"])
    if names:
        entry["aliases"] = names
    notes = [n for n in (tier_note(prices),) if n]
    if "cache_read_mtok" not in prices:
        notes.append("no cached-input discount listed")
    if notes:
        entry["note"] = "; ".join(notes)
    entry["origin"] = "genai-prices"
    return entry


def keep_legacy(models: list[dict]) -> int:
    """Add the earlier table's models the source does not cover (by name or alias)."""
    known = set()
    for m in models:
        known.add(m["model"])
        known.update(m.get("aliases", []))
    earlier = []
    for path in (OUT, LEGACY):
        if path.exists():
            earlier = json.loads(path.read_text(encoding="utf-8"))["models"]
            break
    kept = 0
    for old in earlier:
        if old.get("origin", "earlier table") == "genai-prices" or old["model"] in known:
            continue
        old = dict(old)
        old["origin"] = "earlier table"
        models.append(old)
        known.add(old["model"])
        kept += 1
    return kept


def write(header: dict, models: list[dict]) -> None:
    """One model per line, so a price change is a one-line diff."""
    lines = ["{"]
    for key, value in header.items():
        lines.append(f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},")
    lines.append('  "models": [')
    rows = [f"    {json.dumps(m, ensure_ascii=False)}" for m in models]
    lines.append(",\n".join(rows))
    lines.append("  ]")
    lines.append("}")
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
