"""A deterministic generator of ``df_sales.csv`` and ``df_sales_detail.csv`` with the real files' shape.

The originals are not public; the school's public data set of the same schema has 203,847
orders (sale_id from 1000001, dates 2022-02-04 10:00:24 .. 2022-04-01, sorted by date,
6-hex-digit user ids that repeat) and 416,481 order items priced 60..840 rubles, an order's
price being the sum of its items'. Same seed, same bytes.

    python -m infra.sales_data [--sales N] [--out data/]
"""

from __future__ import annotations

import argparse
import csv
import random
from datetime import datetime, timedelta
from pathlib import Path

SALES_ROWS = 203_847
DETAIL_ROWS = 416_481
FIRST_SALE_ID = 1_000_001
FIRST_MOMENT = datetime(2022, 2, 4, 10, 0, 24)
LAST_DAY = datetime(2022, 4, 1)
USER_POOL = 150_000  # ~111k distinct users appear among 203,847 orders, as in the original
PIZZAS = {
    "mexican pizza": (540, 780),
    "chefs pizza": (600, 840),
    "cheese pizza": (420, 660),
    "italian pizza": (480, 720),
    "double pepperoni pizza": (560, 800),
    "chicken bbq pizza": (520, 760),
    "margherita pizza": (390, 600),
    "vegetarian pizza": (450, 690),
}
DRINKS = {"orange juice": (90, 150), "cola": (60, 120), "lemonade": (70, 130), "apple juice": (90, 150)}
DRINK_SHARE = 0.27


def _moments(rng: random.Random, count: int) -> list[datetime]:
    """Order times over the period's opening hours (10:00-23:59), sorted, starting at FIRST_MOMENT."""
    days = (LAST_DAY - FIRST_MOMENT.replace(hour=0, minute=0, second=0)).days + 1
    start = FIRST_MOMENT.replace(hour=10, minute=0, second=0)
    offsets = sorted(rng.randrange(days) * 86_400 + rng.randrange(14 * 3600) for _ in range(count - 1))
    first = [FIRST_MOMENT]
    return first + [max(start + timedelta(seconds=offset), FIRST_MOMENT) for offset in offsets]


def _item_counts(rng: random.Random, orders: int, items: int) -> list[int]:
    """Items per order (1..6), adjusted so they add up to exactly ``items``."""
    counts = [rng.choices((1, 2, 3, 4), weights=(38, 34, 20, 8))[0] for _ in range(orders)]
    difference = items - sum(counts)
    while difference:
        index = rng.randrange(orders)
        if difference > 0 and counts[index] < 6:
            counts[index] += 1
            difference -= 1
        elif difference < 0 and counts[index] > 1:
            counts[index] -= 1
            difference += 1
    return counts


def _price(rng: random.Random, bounds: tuple[int, int]) -> int:
    return rng.randrange(bounds[0], bounds[1] + 1, 30)


def generate(out_dir: Path, sales_rows: int = SALES_ROWS, seed: int = 2022) -> tuple[Path, Path]:
    """Write both files into ``out_dir``; the detail file has ~2.04 rows per sale, as the original."""
    rng = random.Random(seed)
    detail_rows = round(sales_rows * DETAIL_ROWS / SALES_ROWS)
    users = [f"{value:06x}" for value in rng.sample(range(16**5, 16**6), USER_POOL)]
    moments = _moments(rng, sales_rows)
    counts = _item_counts(rng, sales_rows, max(detail_rows, sales_rows))
    out_dir.mkdir(parents=True, exist_ok=True)
    sales_path, detail_path = out_dir / "df_sales.csv", out_dir / "df_sales_detail.csv"
    with sales_path.open("w", newline="") as sales_file, detail_path.open("w", newline="") as detail_file:
        sales = csv.writer(sales_file, lineterminator="\n")
        detail = csv.writer(detail_file, lineterminator="\n")
        sales.writerow(["sale_id", "date", "count_pizza", "count_drink", "price", "user_id"])
        detail.writerow(["sale_id", "good", "price", "date", "user_id"])
        for index, (moment, count) in enumerate(zip(moments, counts, strict=True)):
            sale_id, user, date = FIRST_SALE_ID + index, rng.choice(users), moment.strftime("%Y-%m-%d %H:%M:%S")
            drinks = sum(rng.random() < DRINK_SHARE for _ in range(count - 1))  # at least one pizza
            goods = rng.choices(list(PIZZAS), k=count - drinks) + rng.choices(list(DRINKS), k=drinks)
            prices = [_price(rng, PIZZAS.get(good) or DRINKS[good]) for good in goods]
            sales.writerow([sale_id, date, count - drinks, drinks, sum(prices), user])
            detail.writerows([sale_id, good, price, date, user] for good, price in zip(goods, prices, strict=True))
    return sales_path, detail_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sales", type=int, default=SALES_ROWS, help="number of orders (default: as the original)")
    parser.add_argument("--out", type=Path, default=Path("data"), help="folder to write into")
    parser.add_argument("--seed", type=int, default=2022)
    args = parser.parse_args()
    for path in generate(args.out, args.sales, args.seed):
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
