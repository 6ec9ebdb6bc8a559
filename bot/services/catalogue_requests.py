"""What a shopping message asks for, read against the catalogue's own words.

A product question or a request for a recommendation carries more than an intent: the
products it names ("the daypack and the 55L backpack"), the need ("for winter camping",
"to stay dry"), a budget ("under $40", "nothing over 20 dollars", "about 50-60 bucks"), and
sometimes things the shop does not sell at all ("bicycles", "ski boots"). Everything is
matched against the catalogue's names, categories and uses (bot/store/products.py), so a
new product is understood without new code, and nothing here lists the shop's items.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.services.views import ProductView
from bot.store.products import CATEGORY_WORDS, USES

MAX_TEXT_CHARS = 500
# "about $150" and "around 50-60" leave a little room; "under $40" does not.
LOOSE_BUDGET_MARGIN = 1.1
# A recommendation keeps the products that fit the need nearly as well as the best one,
# so one strong match is not diluted by products sharing a single word with the request.
KEEP_SHARE_OF_BEST = 0.75
MAX_THING_WORDS = 3
MAX_LEADING_SKIPPED = 2

_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Words that say how someone asks, not what they want.
STOP_WORDS = frozenset(
    """a an the and or but of for to in on at by with from into about as is are was were be
    been am i me my mine we us our you your u ya yall ye it its this that these those there
    here what which who whom whose when where why how any some anything something stuff
    thing things do does did doing done have has had having got get getting go going can
    could would should will shall may might must need needs want wants wanted like love
    loves looking look find buy sell sells selling stock stocks carry carries offer offers
    recommend recommendation suggest suggestion suggestions advice advise best good great
    nice cool new little small big cheap cheaper please pls plz thanks thank hi hello hey
    guys lot lots one ones also still just really very so too much many more most less
    budget price priced cost costs dollars dollar bucks usd under below over above around
    about up max maximum within nothing not no than gift gifts present presents idea ideas
    kit gear equipment product products item items first time times available moment now
    today next month week year someone somebody something long short keep stay help site
    website shop store online page them they he she him her his partner dad mum mom
    brother sister friend wife husband son daughter kid kids boyfriend girlfriend family
    which whats what's i'm im i've ive let lets if then else other another news update
    info information way chance discount code voucher refund money order orders delivery
    parcel package account anymore women woman womens men man mens ladies lady kid kids
    child children childrens unisex adult adults size sizes colour colours color colors
    black white grey gray blue red green yellow orange pink purple brown navy large medium
    light lightweight heavy proper decent quality spare extra pair pairs set""".split()  # noqa: SIM905
)

_BUDGET = re.compile(
    r"(?P<word>under|below|less than|cheaper than|up to|no more than|not more than|"
    r"nothing over|not over|max(?:imum)?(?: of)?|at most|within|budget(?: is| of)?"
    r"(?: about| around| roughly| of)?|around|about|roughly)?\s*"
    r"(?P<sign>\$|£|€)?\s*(?P<low>\d{1,5}(?:\.\d{2})?)"
    r"(?:\s*(?:-|\u2013|to)\s*(?:\$|£|€)?\s*(?P<high>\d{1,5}(?:\.\d{2})?))?"
    r"\s*(?P<unit>dollars?|bucks|usd|quid|pounds?|euros?)?",
    re.IGNORECASE,
)
_STRICT = ("under", "below", "less", "cheaper", "up", "no", "not", "nothing", "max", "at")

# Where a message names what it asks about: "do you sell X", "have you got any X". The
# shop's own verbs are enough anywhere; "got any", "looking for" only in a product question.
_SHOP_VERBS = r"sell|sells|stock|stocks|carry|carries|do you (?:\w+ )?do|you (?:\w+ )?do any"
_ASKING_WORDS = (
    r"have you got|you got|got any|have any|do you have|looking for|where (?:can|would|do) i find"
)
_THING = r")\s+(?:any|some|a|an|the)?\s*(?P<thing>[a-z][a-z0-9' -]*)"
_ASKING = re.compile(rf"\b(?:{_SHOP_VERBS}|{_ASKING_WORDS}{_THING}", re.IGNORECASE)
_ASKING_THE_SHOP = re.compile(rf"\b(?:{_SHOP_VERBS}{_THING}", re.IGNORECASE)
_SPLIT_THINGS = re.compile(r"\s*(?:,|\band\b|\bor\b|\bplus\b|&|/)\s*")


def stem(word: str) -> str:
    """Forms of one word read alike: boots/boot, batteries/battery, runs/running/runner,
    hikes/hiking/hiker, camps/camping/camper."""
    word = _plural(word)
    for suffix in ("ing", "er"):
        if len(word) >= len(suffix) + 3 and word.endswith(suffix):
            word = word[: -len(suffix)]
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]  # running -> run, not "runn"
            return word
    return word[:-1] if len(word) > 3 and word.endswith("e") else word


def _plural(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def words(text: str) -> list[str]:
    return [stem(word) for word in _WORD.findall(text[:MAX_TEXT_CHARS].lower())]


def _name_words(product: ProductView) -> list[str]:
    return [word for word in words(product.name) if word.isalpha() and len(word) > 2]


@dataclass(frozen=True)
class Budget:
    max_cents: int
    stated: str  # as the customer put it, for the answer: "$40"


def budget_in(text: str) -> Budget | None:
    """The most the customer wants to spend, if the message says so with money in it."""
    for match in _BUDGET.finditer(text[:MAX_TEXT_CHARS]):
        word, sign, unit = match["word"], match["sign"], match["unit"]
        end = match.end("high") if match["high"] else match.end("low")
        glued = text[end : end + 1].isalpha()  # "55L", "2P": a size, not a price
        worded = bool(word) and word.lower().split()[0] in (*_STRICT, "budget")
        if not (sign or unit or (worded and not glued)):
            continue  # "2 person tent", "for 3 days": numbers that are not money
        amount = float(match["high"] or match["low"])
        strict = bool(word) and word.lower().split()[0] in _STRICT and not match["high"]
        limit = amount if strict else amount * LOOSE_BUDGET_MARGIN
        shown = f"${amount:,.0f}" if amount == int(amount) else f"${amount:,.2f}"
        return Budget(round(limit * 100), shown)
    return None


def named_products(text: str, catalogue: Sequence[ProductView]) -> list[ProductView]:
    """Products the message names, in the order it names them: all of a short name's
    words, or all but one of a longer one's ("the fleece hoodie", "ultralight 2 person tent")."""
    said = words(text)
    present = set(said)
    found = []
    for product in catalogue:
        name = _name_words(product)
        hits = [word for word in name if word in present]
        if name and len(hits) >= min(2, len(name)) and len(hits) >= len(name) - 1:
            found.append((min(said.index(word) for word in hits), product))
    return [product for _, product in sorted(found, key=lambda pair: pair[0])]


def _vocabulary(product: ProductView) -> dict[str, float]:
    """Each word that points at the product, with how strongly: its name's words most, its
    uses next; a word for its category adds to either ("camping" for a camping stove)."""
    weights: dict[str, float] = {}
    for word in USES.get(product.sku, ()):
        weights[stem(word)] = 1.5
    for word in _name_words(product):
        weights[word] = 2.0
    for word in (*CATEGORY_WORDS.get(product.category, ()), product.category):
        weights[stem(word)] = weights.get(stem(word), 0.0) + 1.0
    return weights


def need_words(text: str, catalogue: Sequence[ProductView]) -> list[str]:
    """The message's words the catalogue knows, asking words left out."""
    known = {word for product in catalogue for word in _vocabulary(product)}
    raw = _WORD.findall(text[:MAX_TEXT_CHARS].lower())
    stems = (stem(word) for word in raw if word not in STOP_WORDS)
    return [word for word in dict.fromkeys(stems) if word in known]


def fitting(
    needs: Iterable[str],
    catalogue: Sequence[ProductView],
    *,
    in_stock_only: bool = True,
    max_cents: int | None = None,
) -> list[ProductView]:
    """Products that fit the need nearly as well as the best one within the budget, best
    first (the order of `catalogue` among equals: pass it best sellers first)."""
    wanted = list(needs)
    vocabularies = [(product, _vocabulary(product)) for product in catalogue]
    rarity = _rarity(wanted, [vocabulary for _, vocabulary in vocabularies])
    scored = []
    for product, vocabulary in vocabularies:
        if in_stock_only and not product.in_stock:
            continue
        if max_cents is not None and product.price_cents > max_cents:
            continue
        score = sum(vocabulary.get(word, 0.0) * rarity[word] for word in wanted)
        if score > 0:
            scored.append((score, product))
    if not scored:
        return []
    best = max(score for score, _ in scored)
    kept = [(score, p) for score, p in scored if score >= best * KEEP_SHARE_OF_BEST]
    return [product for _, product in sorted(kept, key=lambda pair: -pair[0])]


def _rarity(words: Sequence[str], vocabularies: Sequence[dict[str, float]]) -> dict[str, float]:
    """How much a word tells products apart: "watch" names one product, "running" suits
    seven, so "a watch for running" is about the watch."""
    total = len(vocabularies)
    counts = {word: sum(word in vocabulary for vocabulary in vocabularies) for word in words}
    return {word: math.log(1 + total / max(count, 1)) for word, count in counts.items()}


@dataclass(frozen=True)
class AskedThing:
    """Something the customer asked for by a word of their own: "bicycles", "ski boots"."""

    text: str
    sold: bool
    matches: tuple[ProductView, ...]


def asked_things(
    text: str, catalogue: Sequence[ProductView], *, shop_verbs_only: bool = False
) -> list[AskedThing]:
    """The things a "do you sell X / have you got X" message asks about. A thing is sold
    when its words are the catalogue's; "ski boots" is not, though boots are (an unknown
    word in front of a known one names another kind of thing), and the boots we do have
    are its alternative."""
    known = {word for product in catalogue for word in _vocabulary(product)}
    known |= {word for product in catalogue for word in words(product.description)}
    found: list[AskedThing] = []
    asking = _ASKING_THE_SHOP if shop_verbs_only else _ASKING
    for match in asking.finditer(text[:MAX_TEXT_CHARS].lower()):
        for part in _SPLIT_THINGS.split(match["thing"]):
            cut = _thing_words(part)
            if not cut:
                continue
            stems = [stem(word) for word in cut]
            matches = tuple(fitting(stems, catalogue, in_stock_only=False))
            unknown = [word for word in stems if word not in known]
            sold = bool(matches) and not unknown
            found.append(AskedThing(" ".join(cut), sold, matches))
    return found


def _thing_words(part: str) -> list[str]:
    """The noun phrase at the start of `part`: its words up to the first asking word."""
    taken: list[str] = []
    skipped = 0
    for word in _WORD.findall(part):
        if word in STOP_WORDS or word.isdigit() or len(word) < 3:
            skipped += 1
            if taken or skipped > MAX_LEADING_SKIPPED:  # "any good tents", not a clause
                break
            continue
        taken.append(word)
        if len(taken) == MAX_THING_WORDS:
            break
    return taken
