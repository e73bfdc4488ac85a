"""Build the demo tenants' SQLite databases with deterministic, plausible rows."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path

from hugdata.tenants.models import Tier

_COUNTRIES = ["US", "DE", "FR", "GB", "NL", "ES", "CA", "BR", "IN", "JP"]
_FIRST = ["Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kara", "Liam"]
_LAST = ["Nguyen", "Schmidt", "Garcia", "Okafor", "Rossi", "Kowalski", "Silva", "Tanaka", "Dubois", "Patel"]
_START = datetime(2024, 1, 1)


@dataclass(frozen=True)
class DemoTenant:
    project_id: str
    name: str
    tier: Tier
    schema_file: str
    fill: Callable[[sqlite3.Connection, random.Random], None]


def _when(rng: random.Random, days: int = 700) -> str:
    return (_START + timedelta(days=rng.randrange(days), minutes=rng.randrange(1440))).isoformat(sep=" ")


def _fill_shop(db: sqlite3.Connection, rng: random.Random) -> None:
    categories = ["Electronics", "Books", "Kitchen", "Garden", "Toys", "Sports"]
    db.executemany("INSERT INTO categories (id, name) VALUES (?, ?)", list(enumerate(categories, 1)))
    products = [
        (
            i,
            f"SKU-{i:05d}",
            f"{rng.choice(['Smart', 'Classic', 'Eco', 'Pro'])} item {i}",
            rng.randint(1, 6),
            round(rng.uniform(3, 400), 2),
            rng.random() > 0.1,
            _when(rng, 300),
        )
        for i in range(1, 121)
    ]
    db.executemany("INSERT INTO products VALUES (?, ?, ?, ?, ?, ?, ?)", products)
    customers = [
        (i, f"customer{i}@example.com", rng.choice(_FIRST), rng.choice(_LAST), rng.choice(_COUNTRIES), _when(rng))
        for i in range(1, 401)
    ]
    db.executemany("INSERT INTO customers VALUES (?, ?, ?, ?, ?, ?)", customers)
    item_id = 0
    for order_id in range(1, 1501):
        lines = []
        for _ in range(rng.randint(1, 4)):
            item_id += 1
            product = rng.choice(products)
            lines.append((item_id, order_id, product[0], rng.randint(1, 3), product[4]))
        total = round(sum(q * p for _, _, _, q, p in lines), 2)
        status = rng.choices(["paid", "shipped", "pending", "cancelled", "refunded"], [40, 40, 10, 6, 4])[0]
        db.execute(
            "INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?)",
            (order_id, rng.randint(1, 400), status, _when(rng), rng.choice(_COUNTRIES), total),
        )
        db.executemany("INSERT INTO order_items VALUES (?, ?, ?, ?, ?)", lines)
    reviews = [
        (
            i,
            rng.randint(1, 120),
            rng.randint(1, 400),
            rng.choices([1, 2, 3, 4, 5], [5, 5, 15, 35, 40])[0],
            rng.choice([None, "Great value", "Broke after a week", "As described"]),
            _when(rng),
        )
        for i in range(1, 601)
    ]
    db.executemany("INSERT INTO product_reviews VALUES (?, ?, ?, ?, ?, ?)", reviews)


def _fill_billing(db: sqlite3.Connection, rng: random.Random) -> None:
    plans = [(1, "starter", "Starter", 29, 5), (2, "team", "Team", 99, 25), (3, "business", "Business", 399, None)]
    db.executemany("INSERT INTO plans VALUES (?, ?, ?, ?, ?)", plans)
    industries = ["retail", "fintech", "healthcare", "education", "logistics", None]
    db.executemany(
        "INSERT INTO accounts VALUES (?, ?, ?, ?, ?, ?)",
        [
            (
                i,
                f"Company {i} Ltd",
                f"billing@company{i}.example",
                rng.choice(industries),
                rng.choice(_COUNTRIES),
                _when(rng, 200),
            )
            for i in range(1, 251)
        ],
    )
    invoice_id = line_id = payment_id = 0
    for sub_id in range(1, 301):
        plan = rng.choice(plans)
        started = _START + timedelta(days=rng.randrange(300))
        status = rng.choices(["active", "trialing", "past_due", "canceled"], [70, 10, 8, 12])[0]
        ended = started + timedelta(days=rng.randrange(30, 300))
        canceled = ended.isoformat(sep=" ") if status == "canceled" else None
        seats = rng.randint(1, plan[4] or 200)
        db.execute(
            "INSERT INTO subscriptions VALUES (?, ?, ?, ?, ?, ?, ?)",
            (sub_id, rng.randint(1, 250), plan[0], seats, status, started.isoformat(sep=" "), canceled),
        )
        for month in range(rng.randint(1, 12)):
            invoice_id += 1
            issued = started + timedelta(days=30 * month)
            amount = round(plan[3] * (1 if plan[0] == 3 else max(1, seats // 5)), 2)
            inv_status = rng.choices(["paid", "open", "void", "uncollectible"], [85, 8, 4, 3])[0]
            db.execute(
                "INSERT INTO invoices VALUES (?, ?, ?, ?, ?, ?)",
                (
                    invoice_id,
                    sub_id,
                    issued.isoformat(sep=" "),
                    (issued + timedelta(days=14)).isoformat(sep=" "),
                    amount,
                    inv_status,
                ),
            )
            line_id += 1
            db.execute(
                "INSERT INTO invoice_lines VALUES (?, ?, ?, ?, ?)",
                (line_id, invoice_id, f"{plan[2]} plan, monthly", 1, amount),
            )
            if inv_status == "paid":
                payment_id += 1
                db.execute(
                    "INSERT INTO payments VALUES (?, ?, ?, ?, ?)",
                    (
                        payment_id,
                        invoice_id,
                        (issued + timedelta(days=rng.randrange(14))).isoformat(sep=" "),
                        amount,
                        rng.choice(["card", "bank_transfer", "paypal"]),
                    ),
                )


def _fill_hr(db: sqlite3.Connection, rng: random.Random) -> None:
    departments = ["Engineering", "Sales", "Marketing", "Finance", "People", "Support"]
    db.executemany(
        "INSERT INTO departments (id, name, cost_center) VALUES (?, ?, ?)",
        [(i, name, f"CC-{100 + i}") for i, name in enumerate(departments, 1)],
    )
    titles = [
        (1, "Associate", 1),
        (2, "Specialist", 2),
        (3, "Senior Specialist", 3),
        (4, "Manager", 4),
        (5, "Director", 5),
    ]
    db.executemany("INSERT INTO job_titles VALUES (?, ?, ?)", titles)
    for emp_id in range(1, 181):
        hired = date(2015, 1, 1) + timedelta(days=rng.randrange(3500))
        terminated = hired + timedelta(days=rng.randrange(200, 1500)) if rng.random() < 0.12 else None
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        db.execute(
            "INSERT INTO employees VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                emp_id,
                first,
                last,
                f"{first}.{last}.{emp_id}@corp.example".lower(),
                rng.randint(1, 6),
                rng.choices([1, 2, 3, 4, 5], [30, 30, 20, 15, 5])[0],
                rng.randint(1, emp_id - 1) if emp_id > 6 else None,
                hired.isoformat(),
                terminated.isoformat() if terminated else None,
            ),
        )
        db.execute(
            "INSERT INTO salaries (employee_id, annual_amount, currency, effective_from) VALUES (?, ?, ?, ?)",
            (emp_id, round(rng.uniform(38_000, 190_000), 2), rng.choice(["USD", "EUR", "GBP"]), hired.isoformat()),
        )
        for _ in range(rng.randint(0, 4)):
            start = hired + timedelta(days=rng.randrange(30, 900))
            db.execute(
                "INSERT INTO time_off_requests (employee_id, kind, starts_on, ends_on, approved)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    emp_id,
                    rng.choice(["vacation", "sick", "parental", "unpaid"]),
                    start.isoformat(),
                    (start + timedelta(days=rng.randint(1, 15))).isoformat(),
                    rng.choice([True, True, False, None]),
                ),
            )
    db.executemany("UPDATE departments SET head_employee_id = ? WHERE id = ?", [(i, i) for i in range(1, 7)])


DEMO_TENANTS = (
    DemoTenant("demo-shop", "Demo: online shop", Tier.standard, "shop.sql", _fill_shop),
    DemoTenant("demo-billing", "Demo: SaaS billing", Tier.enterprise, "billing.sql", _fill_billing),
    DemoTenant("demo-hr", "Demo: HR system", Tier.free, "hr.sql", _fill_hr),
)


def build_demo_database(tenant: DemoTenant, folder: Path) -> Path:
    """Create the tenant's SQLite file under ``folder`` unless it already exists; return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{tenant.project_id}.sqlite"
    if path.exists():
        return path
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    ddl = resources.files("hugdata.demo").joinpath(tenant.schema_file).read_text()
    with sqlite3.connect(partial) as db:
        db.execute("PRAGMA foreign_keys = ON")
        db.executescript(ddl)
        tenant.fill(db, random.Random(tenant.project_id))
    db.close()
    # Renamed into place only when complete, so a crash never leaves a half-filled demo database behind.
    partial.rename(path)
    return path
