"""Time and peak memory to render return order reports to PDF with the default template.

    .venv/bin/python bench/report_render.py [--lines 50] [--orders 100] [--repeat 3]

Builds a throwaway SQLite database of its own (the project's database is never touched) with
one order of 50 priced lines and 100 orders of three lines and an extra line each, then runs
each scenario in a fresh child process so the figures do not mix:

* one order with 50 lines, as ``POST /api/report/print/`` renders it in the request;
* 100 orders in one request, merged into one PDF.

The merged print lays the orders out 20 at a time and joins the parts (``reports.pdf``), so
its memory follows the batch, not the number of orders. For each scenario it prints the pages,
the PDF size, the first (cold: WeasyPrint's import and font set-up included) and the median
warm time, the peak of Python allocations (tracemalloc, measured in a separate pass;
WeasyPrint's C libraries are not traced) and the process's peak resident set size
(``ru_maxrss``, which covers everything).
"""

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django(folder: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ["MEDIA_ROOT"] = str(folder / "media")
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["LOG_LEVEL"] = "WARNING"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def build(lines: int, orders: int) -> None:
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from djmoney.money import Money

    from companies.models import Address, Company, Contact
    from returns.models import ReturnOrder, ReturnOrderExtraLine, ReturnOrderLineItem
    from stock.models import Part, StockItem

    call_command("migrate", verbosity=0)
    User.objects.create_superuser("bench", "bench@example.com", None)
    customer = Company.objects.create(
        name="Höfler Feinmechanik AG", is_customer=True, is_supplier=False, currency="CHF"
    )
    address = Address.objects.create(
        company=customer, title="Werk", line1="Seestrasse 12", postal_code="8002",
        postal_city="Zürich", country="Schweiz",
    )  # fmt: skip
    contact = Contact.objects.create(company=customer, name="Jürgen Höfler", email="j@h.example")
    part = Part.objects.create(name="Servo drive", IPN="SD-100", trackable=True, salable=True)

    def order(number: int, count: int) -> None:
        ro = ReturnOrder.objects.create(
            reference=f"RMA-{number:04d}", reference_int=number, customer=customer,
            address=address, contact=contact, description="Housing cracked",
            total_price=Money(Decimal("99.50") * count, "CHF"),
        )  # fmt: skip
        items = StockItem.objects.bulk_create(
            StockItem(part=part, serial=f"SN-{number:04d}-{i:03d}", customer=customer)
            for i in range(count)
        )
        ReturnOrderLineItem.objects.bulk_create(
            ReturnOrderLineItem(order=ro, item=item, price=Money(Decimal("99.50"), "CHF"))
            for item in items
        )
        ReturnOrderExtraLine.objects.create(
            order=ro, reference="Freight", description="Return shipping",
            price=Money(Decimal("20"), "CHF"),
        )  # fmt: skip

    order(1, lines)
    for number in range(2, orders + 2):
        order(number, 3)


def render(pks: list[int]):
    from django.contrib.auth.models import User

    from reports import services
    from reports.models import ReportTemplate

    template = ReportTemplate.objects.get(name="Boomerang Return Order")
    user = User.objects.get(username="bench")
    instances = services.report_instances(template=template, items=pks, user=user)
    return services.report_render(template=template, instances=instances, user=user)


def child(folder: Path, scenario: str, repeat: int) -> None:
    setup_django(folder)
    from returns.models import ReturnOrder

    if scenario == "one":
        pks = [ReturnOrder.objects.get(reference_int=1).pk]
        label = f"1 order, {ReturnOrder.objects.get(reference_int=1).lines.count()} lines"
    else:
        pks = list(
            ReturnOrder.objects.exclude(reference_int=1).order_by("pk").values_list("pk", flat=True)
        )
        label = f"{len(pks)} orders merged"
    started = time.perf_counter()
    rendered = render(pks)
    cold = time.perf_counter() - started
    warm = []
    for _ in range(repeat):
        started = time.perf_counter()
        render(pks)
        warm.append(time.perf_counter() - started)
    rss = max_rss_mib()
    tracemalloc.start()
    render(pks)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"{label:<22}{rendered.pages:>6}{len(rendered.pdf) / 1024:>10.0f}{cold:>9.2f}"
        f"{statistics.median(warm):>9.2f}{peak / 2**20:>13.1f}{rss:>12.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=50)
    parser.add_argument("--orders", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--child", nargs=2, metavar=("FOLDER", "SCENARIO"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child[0]), args.child[1], args.repeat)
        return

    folder = Path(tempfile.mkdtemp(prefix="boomerang-bench-"))
    try:
        setup_django(folder)
        build(args.lines, args.orders)
        import weasyprint

        print(f"WeasyPrint {weasyprint.__version__}, default return order report\n")
        print(
            f"{'scenario':<22}{'pages':>6}{'PDF KiB':>10}{'cold s':>9}{'warm s':>9}"
            f"{'traced MiB':>13}{'maxrss MiB':>12}"
        )
        for scenario in ("one", "merged"):
            command = [sys.executable, __file__, "--child", str(folder), scenario]
            subprocess.run([*command, "--repeat", str(args.repeat)], check=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
