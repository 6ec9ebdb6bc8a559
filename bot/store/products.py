"""The demo shop's product catalogue, as data.

The names are shared with the NLU training data (`product` entity examples), so change
them only together with `data/nlu/`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CatalogueEntry:
    sku: str
    name: str
    category: str
    price_cents: int
    description: str
    in_stock: bool = True


CATALOGUE: tuple[CatalogueEntry, ...] = (
    CatalogueEntry(
        "FW-001",
        "Trail Runner 2",
        "footwear",
        8900,
        "Light trail-running shoe with a grippy lug sole.",
    ),
    CatalogueEntry(
        "FW-002",
        "Summit Hiking Boots",
        "footwear",
        14900,
        "Waterproof leather boots with ankle support for long hikes.",
    ),
    CatalogueEntry(
        "FW-003",
        "River Sandals",
        "footwear",
        4500,
        "Quick-drying sandals for river crossings and camp.",
    ),
    CatalogueEntry(
        "AP-001",
        "Alpine Down Jacket",
        "apparel",
        22900,
        "800-fill down jacket that packs into its own pocket.",
    ),
    CatalogueEntry(
        "AP-002",
        "Storm Rain Shell",
        "apparel",
        13900,
        "Three-layer waterproof, breathable rain jacket.",
    ),
    CatalogueEntry(
        "AP-003",
        "Merino Base Layer",
        "apparel",
        6900,
        "Soft merino wool top that stays warm when damp.",
    ),
    CatalogueEntry(
        "AP-004",
        "Trek Fleece Hoodie",
        "apparel",
        5900,
        "Mid-weight fleece hoodie for cool evenings.",
    ),
    CatalogueEntry(
        "AP-005",
        "Wool Hiking Socks",
        "apparel",
        1800,
        "Cushioned wool socks that prevent blisters.",
    ),
    CatalogueEntry(
        "BG-001", "Daypack 22L", "bags", 7900, "22-litre daypack with a hip belt and rain cover."
    ),
    CatalogueEntry(
        "BG-002",
        "Expedition Backpack 55L",
        "bags",
        19900,
        "55-litre backpack with an adjustable back system.",
    ),
    CatalogueEntry(
        "AC-001",
        "Hydration Bladder 2L",
        "accessories",
        2900,
        "2-litre water reservoir with a bite valve.",
    ),
    CatalogueEntry(
        "AC-002",
        "Insulated Water Bottle",
        "accessories",
        2500,
        "Steel bottle that keeps drinks cold for 24 hours.",
    ),
    CatalogueEntry(
        "AC-003",
        "Headlamp 400",
        "accessories",
        3900,
        "400-lumen rechargeable headlamp with a red light mode.",
    ),
    CatalogueEntry(
        "AC-004",
        "Trekking Poles",
        "accessories",
        7900,
        "Collapsible aluminium poles with cork grips.",
    ),
    CatalogueEntry(
        "AC-005",
        "First Aid Kit",
        "accessories",
        3500,
        "Compact first aid kit for one to four people.",
    ),
    CatalogueEntry(
        "AC-006",
        "Trail Gaiters",
        "accessories",
        3200,
        "Low gaiters that keep grit and snow out of your shoes.",
    ),
    CatalogueEntry(
        "CP-001",
        "Camp Stove Mini",
        "camping",
        5500,
        "Pocket-sized gas stove that boils a litre in four minutes.",
    ),
    CatalogueEntry(
        "CP-002",
        "Ultralight Tent 2P",
        "camping",
        34900,
        "Two-person tent weighing 1.2 kg.",
        in_stock=False,
    ),
    CatalogueEntry(
        "CP-003", "Sleeping Bag -5C", "camping", 18900, "Three-season sleeping bag rated to -5 °C."
    ),
    CatalogueEntry(
        "CP-004",
        "Sleeping Pad Air",
        "camping",
        9900,
        "Inflatable sleeping pad with an R-value of 4.",
    ),
    CatalogueEntry(
        "CP-005",
        "Camp Chair Lite",
        "camping",
        6500,
        "Folding chair that packs down to the size of a water bottle.",
    ),
    CatalogueEntry(
        "EL-001",
        "GPS Watch Pro",
        "electronics",
        29900,
        "GPS watch with maps, altimeter and two weeks of battery.",
    ),
    CatalogueEntry(
        "EL-002",
        "Solar Power Bank",
        "electronics",
        4900,
        "10,000 mAh power bank with a solar panel.",
    ),
    CatalogueEntry(
        "EL-003",
        "Compact Binoculars",
        "electronics",
        11900,
        "8x25 binoculars that fit in a jacket pocket.",
        in_stock=False,
    ),
)

CATEGORIES: tuple[str, ...] = tuple(dict.fromkeys(entry.category for entry in CATALOGUE))


def entry_by_name(name: str) -> CatalogueEntry:
    """The seed data refers to products by name; a typo should fail loudly."""
    for entry in CATALOGUE:
        if entry.name == name:
            return entry
    raise KeyError(name)


# What each product is for, in the words customers use for a need ("for a runner", "to stay
# dry", "winter camping"): the recommender matches a request against these, the names,
# categories and descriptions (bot/services/recommendations.py). Keyed by SKU; a product without
# an entry is matched by its name, category and description only.
USES: dict[str, tuple[str, ...]] = {
    "FW-001": ("running", "runner", "trail", "shoe", "trainer", "sneaker", "jogging"),
    "FW-002": ("hiking", "walking", "trek", "trekking", "boot", "waterproof", "mountain"),
    "FW-003": ("summer", "river", "water", "beach", "sandal", "camp"),
    "AP-001": ("winter", "cold", "warm", "snow", "jacket", "coat", "insulated"),
    "AP-002": ("rain", "wet", "dry", "waterproof", "storm", "jacket", "coat", "shower"),
    "AP-003": ("winter", "cold", "warm", "layer", "running", "hiking", "thermal"),
    "AP-004": ("warm", "evening", "camp", "cosy", "cozy", "fleece", "hoodie"),
    "AP-005": ("hiking", "walking", "running", "runner", "blister", "warm", "sock"),
    "BG-001": ("daypack", "school", "commute", "bag", "pack"),
    "BG-002": (
        "multi-day",
        "multiday",
        "expedition",
        "trek",
        "trekking",
        "backpacking",
        "backpack",
        "pack",
        "bag",
        "travel",
    ),
    "AC-001": ("water", "hydration", "drink", "running", "runner", "hiking", "thirst"),
    "AC-002": ("water", "drink", "cold", "hot", "bottle", "hydration", "hiking"),
    "AC-003": ("night", "dark", "light", "running", "runner", "camping", "torch", "lamp"),
    "AC-004": ("hiking", "trekking", "walking", "knee", "pole", "mountain"),
    "AC-005": ("safety", "emergency", "injury", "first", "aid", "hiking", "camping"),
    "AC-006": ("running", "runner", "trail", "snow", "mud", "rain", "wet", "dry"),
    "CP-001": ("cooking", "cook", "food", "coffee", "camping", "winter", "stove", "boil"),
    "CP-002": ("camping", "shelter", "backpacking", "tent", "overnight"),
    "CP-003": ("camping", "winter", "cold", "sleep", "sleeping", "overnight", "warm"),
    "CP-004": ("camping", "winter", "sleep", "sleeping", "mat", "pad", "comfort"),
    "CP-005": ("camping", "festival", "sitting", "chair", "seat", "relax"),
    "EL-001": ("tech", "gadget", "navigation", "running", "runner", "watch", "gps", "fitness"),
    "EL-002": ("tech", "gadget", "charging", "phone", "battery", "power", "festival", "solar"),
    "EL-003": ("birdwatching", "birds", "wildlife", "view", "tech", "gadget", "optics"),
}

# Words customers use for a whole category ("any gadgets?", "camping kit").
CATEGORY_WORDS: dict[str, tuple[str, ...]] = {
    "footwear": ("footwear", "shoe", "shoes", "boot", "boots", "sandal", "sandals"),
    "apparel": ("clothing", "clothes", "apparel", "wear", "jacket", "jackets"),
    "bags": ("bag", "bags", "backpack", "backpacks", "rucksack", "pack", "packs"),
    "accessories": ("accessory", "accessories"),
    "camping": ("camping", "camp", "campsite", "tent", "tents"),
    "electronics": ("electronics", "electronic", "gadget", "gadgets", "tech", "device"),
}
