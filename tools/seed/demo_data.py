"""Fixed inputs of the demo seed: the three demo customers and the pools of
names and places the random customers are drawn from.

End-to-end tests and the demo shop rely on the fixed customers; keep them stable.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoOrder:
    number: str
    status: str
    items: tuple[tuple[str, int], ...]  # (product name, quantity)
    placed_days_ago: float
    shipped_days_ago: float | None = None
    delivered_days_ago: float | None = None
    eta_in_days: int | None = None
    carrier: str | None = None
    tracking_number: str | None = None
    refund_status: str | None = None
    refund_reason: str = ""


@dataclass(frozen=True)
class DemoCustomer:
    public_id: str
    first_name: str
    last_name: str
    email: str
    phone: str
    tier: str
    points: int
    address: tuple[str, str, str, str]  # line1, city, postcode, country
    member_days: int
    orders: tuple[DemoOrder, ...]


DEMO_CUSTOMERS: tuple[DemoCustomer, ...] = (
    DemoCustomer(
        "C0001",
        "Maria",
        "Garcia",
        "maria.garcia@example.com",
        "+1 555 0101",
        "gold",
        2450,
        ("12 Oak Street", "Springfield", "62701", "US"),
        900,
        (
            DemoOrder("100001", "processing", (("Trail Runner 2", 1), ("Wool Hiking Socks", 2)), 1),
            DemoOrder(
                "100002",
                "in_transit",
                (("Alpine Down Jacket", 1),),
                3,
                shipped_days_ago=2,
                eta_in_days=2,
                carrier="UPS",
                tracking_number="1Z999AA10123456784",
            ),
            DemoOrder(
                "100003",
                "delivered",
                (("Daypack 22L", 1),),
                25,
                shipped_days_ago=23,
                delivered_days_ago=20,
                refund_status="approved",
                refund_reason="The shoulder strap tore on the first hike.",
                carrier="USPS",
                tracking_number="9400100000000000000001",
            ),
        ),
    ),
    DemoCustomer(
        "C0002",
        "James",
        "Smith",
        "james.smith@example.com",
        "+1 555 0102",
        "standard",
        120,
        ("48 Pine Avenue", "Portland", "97205", "US"),
        400,
        (
            DemoOrder(
                "100004",
                "shipped",
                (("Summit Hiking Boots", 1),),
                2,
                shipped_days_ago=1,
                eta_in_days=3,
                carrier="DHL",
                tracking_number="JD014600003828041234",
            ),
            DemoOrder(
                "100005",
                "delivered",
                (("Headlamp 400", 1),),
                45,
                shipped_days_ago=43,
                delivered_days_ago=40,
                carrier="FedEx",
                tracking_number="612999000000",
            ),
            DemoOrder("100006", "cancelled", (("River Sandals", 1),), 12),
        ),
    ),
    DemoCustomer(
        "C0003",
        "Aiko",
        "Tanaka",
        "aiko.tanaka@example.com",
        "+1 555 0103",
        "vip",
        9800,
        ("7 Cedar Lane", "Seattle", "98101", "US"),
        1500,
        (
            DemoOrder("100007", "pending", (("GPS Watch Pro", 1),), 0.1),
            DemoOrder(
                "100008",
                "delivered",
                (("Storm Rain Shell", 1),),
                9,
                shipped_days_ago=7,
                delivered_days_ago=5,
                carrier="UPS",
                tracking_number="1Z999AA10123456791",
            ),
        ),
    ),
)

FIRST_NAMES: tuple[str, ...] = (
    "Olivia",
    "Liam",
    "Emma",
    "Noah",
    "Ava",
    "Elijah",
    "Sophia",
    "Lucas",
    "Isabella",
    "Mateo",
    "Mia",
    "Levi",
    "Amelia",
    "Ethan",
    "Harper",
    "Oliver",
    "Evelyn",
    "Aiden",
    "Abigail",
    "Leo",
    "Emily",
    "Jack",
    "Ella",
    "Henry",
    "Chloé",
    "Samuel",
    "Zoë",
    "José",
    "Léa",
    "Björn",
    "Priya",
    "Arjun",
    "Mei",
    "Wei",
    "Fatima",
    "Omar",
    "Ingrid",
    "Lars",
    "Siobhan",
    "Connor",
    "Yuki",
    "Hiro",
    "Ana",
    "Diego",
    "Nina",
    "Tomás",
    "Grace",
    "Daniel",
    "Hannah",
    "Kofi",
)

LAST_NAMES: tuple[str, ...] = (
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Clark",
    "Lewis",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "O'Brien",
    "Nguyen",
    "Patel",
    "Kim",
    "Müller",
    "Schmidt",
    "Rossi",
    "Dubois",
    "Nakamura",
    "Okafor",
    "Novak",
    "Larsen",
)

STREETS: tuple[str, ...] = (
    "Maple Street",
    "Elm Street",
    "Birch Road",
    "Lakeview Drive",
    "Hillcrest Avenue",
    "Main Street",
    "River Road",
    "Sunset Boulevard",
    "Forest Lane",
    "Meadow Way",
    "Granite Court",
    "Canyon Road",
    "Aspen Drive",
    "Willow Street",
    "Summit Avenue",
)

# (city, postcode, country)
PLACES: tuple[tuple[str, str, str], ...] = (
    ("Denver", "80202", "US"),
    ("Boulder", "80302", "US"),
    ("Seattle", "98101", "US"),
    ("Portland", "97205", "US"),
    ("Salt Lake City", "84101", "US"),
    ("Boise", "83702", "US"),
    ("Austin", "78701", "US"),
    ("Burlington", "05401", "US"),
    ("Asheville", "28801", "US"),
    ("Bend", "97701", "US"),
    ("Flagstaff", "86001", "US"),
    ("Missoula", "59802", "US"),
    ("Vancouver", "V6B 1A1", "CA"),
    ("Calgary", "T2P 1J9", "CA"),
)

CARRIERS: tuple[str, ...] = ("UPS", "DHL", "FedEx", "USPS")

REFUND_REASONS: tuple[str, ...] = (
    "Wrong size.",
    "Arrived damaged.",
    "Not as described.",
    "Changed my mind.",
    "Item stopped working.",
)
