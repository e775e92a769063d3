"""Prints total sales per region and the best-selling product from data/sales.csv."""
import csv
from collections import defaultdict
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data" / "sales.csv"


def load_sales(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def totals_by_region(rows: list[dict[str, str]]) -> dict[str, float]:
    totals: dict[str, float] = defaultdict(float)
    for row in rows:
        totals[row["region"]] += float(row["quantity"]) * float(row["unit_price"])
    return dict(totals)


def best_seller(rows: list[dict[str, str]]) -> tuple[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for row in rows:
        counts[row["product"]] += int(row["quantity"])
    product = max(counts, key=counts.__getitem__)
    return product, counts[product]


def main() -> None:
    rows = load_sales(DATA)
    for region, total in sorted(totals_by_region(rows).items()):
        print(f"{region:<10} {total:>10.2f}")
    product, count = best_seller(rows)
    print(f"Best seller: {product} ({count} sold)")


if __name__ == "__main__":
    main()
