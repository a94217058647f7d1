"""The import engine: reads the source step by step and writes Boomerang rows.

Steps run in dependency order (owners, companies, ..., return orders). Each step reads its
endpoint page by page; each page is written in one transaction together with the run's
counts, skipped rows and resume cursor, so an interrupted run resumes at the first page that
did not commit, and redoing a page is harmless because the mapping table (``ImportedRow``)
turns a second write of a source row into an update. Writes bypass the services that send
notifications or webhooks: nothing here e-mails a customer.
"""

import datetime
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from djmoney.money import Money

from common.models import Attachment
from companies import services as company_services
from companies.models import Address, Company, Contact
from importer import mapping
from importer.mapping import Refs, Skip
from importer.mapping.base import pk_of
from importer.mapping.companies import ADDRESS, COMPANY, CONTACT
from importer.mapping.orders import ATTACHMENT, EXTRA_LINE, LINE, ORDER, PROJECT_CODE
from importer.mapping.stock import CATEGORY, LOCATION, PART, STOCK_ITEM, TRACKING
from importer.mapping.users import owner_kind
from importer.models import ImportedRow, ImportRun, ImportSkippedRow, ImportSource
from importer.services.client import ImportBusy, scrub
from importer.services.runs import ImportOptions, ImportReport, skipped_rows
from returns.models import (
    ProjectCode,
    ReturnOrder,
    ReturnOrderExtraLine,
    ReturnOrderLineItem,
)
from stock import services as stock_services
from stock.models import Part, PartCategory, StockItem, StockItemTracking, StockLocation
from users.models import Owner

logger = logging.getLogger(__name__)

PAGE_SIZE = 50
# A running import that wrote no page for this long has stopped (see ``claim``).
STALE_AFTER = datetime.timedelta(minutes=10)
COUNT_KEYS = ("created", "updated", "unchanged", "skipped")
Progress = Callable[[str, int, int | None], None]


@dataclass(frozen=True)
class Step:
    name: str  # the resume cursor's name for it
    title: str  # what the progress callback is told
    label: str  # the model label the counts and the mapping table use
    endpoint: str
    params: dict
    option: str | None = None  # an ImportOptions flag the step needs


STEPS = [
    Step("companies", "Companies", COMPANY, "company/", {}),
    Step("contacts", "Contacts", CONTACT, "company/contact/", {}),
    Step("addresses", "Addresses", ADDRESS, "company/address/", {}),
    Step("locations", "Stock locations", LOCATION, "stock/location/", {}),
    Step("categories", "Part categories", CATEGORY, "part/category/", {}),
    Step("parts", "Parts", PART, "part/", {}),
    Step("stock", "Stock items", STOCK_ITEM, "stock/", {"serialized": "true"}),
    Step("project_codes", "Project codes", PROJECT_CODE, "project-code/", {}),
    Step("orders", "Return orders", ORDER, "order/ro/", {}),
    # After the orders: their lines bring in unserialized items, whose history comes too, and
    # the deltas name orders by pk.
    Step("tracking", "Stock tracking", TRACKING, "stock/track/", {}, option="tracking"),
]
# The counts list these in this order (tracking beside its stock items, though its step runs
# last); lines and extra lines come with their orders.
MODEL_ORDER = [
    COMPANY,
    CONTACT,
    ADDRESS,
    LOCATION,
    CATEGORY,
    PART,
    STOCK_ITEM,
    TRACKING,
    PROJECT_CODE,
    ORDER,
    LINE,
    EXTRA_LINE,
    ATTACHMENT,
]
assert set(MODEL_ORDER) >= {step.label for step in STEPS}

MODELS: dict[str, type[models.Model]] = {
    COMPANY: Company,
    CONTACT: Contact,
    ADDRESS: Address,
    LOCATION: StockLocation,
    CATEGORY: PartCategory,
    PART: Part,
    STOCK_ITEM: StockItem,
    TRACKING: StockItemTracking,
    PROJECT_CODE: ProjectCode,
    ORDER: ReturnOrder,
    LINE: ReturnOrderLineItem,
    EXTRA_LINE: ReturnOrderExtraLine,
    ATTACHMENT: Attachment,
}


class Interrupted(Exception):
    """Raised by a progress callback (or a test) to stop a run where it stands."""


def relation_names(model) -> list[str]:
    return [f.name for f in model._meta.concrete_fields if f.is_relation]


def _comparable(value):
    if isinstance(value, Money):
        return value.amount
    return value


def validation_reason(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        return "; ".join(
            f"{name}: {' '.join(str(m) for m in messages)}"
            for name, messages in exc.message_dict.items()
        )
    return " ".join(exc.messages)


def assign_values(obj, values: dict) -> bool:
    """Set ``values`` on ``obj``; True when something differed."""
    changed = False
    # A MoneyField's currency goes first, so the amount is read in it.
    for name in sorted(values, key=lambda key: not key.endswith("_currency")):
        value = values[name]
        if obj.pk is None or _comparable(getattr(obj, name, None)) != _comparable(value):
            changed = True
        setattr(obj, name, value)
    return changed


class Engine:
    """One execution of a run against an open source."""

    def __init__(self, run: ImportRun, source, *, token: str, progress: Progress | None):
        self.run = run
        self.source = source
        self.token = token
        self.options = ImportOptions(dry_run=run.dry_run, **run.options)
        self.progress = progress or (lambda label, done, total: None)
        self.refs = Refs()
        self.counts: dict[str, dict[str, int]] = {
            label: {key: int((run.counts.get(label) or {}).get(key, 0)) for key in COUNT_KEYS}
            for label in MODEL_ORDER
        }
        self.page_skips: list[ImportSkippedRow] = []
        self.new_rows: list[ImportedRow] = []
        self.currencies = tuple(settings.CURRENCIES)
        self.default_currency = settings.DEFAULT_CURRENCY
        self.company_currency: dict[int, str] = {}
        # The company of each local contact and address an order names, by their pks.
        self.company_of: dict[str, dict[int, int]] = {CONTACT: {}, ADDRESS: {}}

    # -- bookkeeping -----------------------------------------------------------------------

    def count(self, label: str, outcome: str, n: int = 1) -> None:
        self.counts[label][outcome] += n

    def skip(self, label: str, source_pk, reason: str) -> None:
        self.count(label, "skipped")
        self.page_skips.append(
            ImportSkippedRow(
                run=self.run,
                model=label,
                source_pk=pk_of(source_pk),
                reason=scrub(reason, self.token)[:2000],
            )
        )

    def remember(self, label: str, source_pk: int, target_pk: int) -> None:
        self.refs.targets.setdefault(label, {})[source_pk] = target_pk
        self.new_rows.append(
            ImportedRow(
                source=self.run.source,
                model=label,
                source_pk=source_pk,
                target_pk=target_pk,
                updated=timezone.now(),
            )
        )

    def load_targets(self, label: str, source_pks: Iterable) -> dict[int, int]:
        """Fill the cache of ``label``'s mapped pks for ``source_pks``: one query at most."""
        known = self.refs.targets.setdefault(label, {})
        wanted = {int(pk) for pk in source_pks if pk is not None} - set(known)
        if wanted:
            known.update(
                ImportedRow.objects.filter(
                    source=self.run.source, model=label, source_pk__in=wanted
                ).values_list("source_pk", "target_pk")
            )
        return known

    def load_customers(self, company_pks: Iterable[int | None]) -> None:
        wanted = {pk for pk in company_pks if pk is not None} - set(self.company_currency)
        if wanted:
            for pk, is_customer, currency in Company.objects.filter(pk__in=wanted).values_list(
                "pk", "is_customer", "currency"
            ):
                self.company_currency[pk] = (currency or "").upper() or self.default_currency
                if is_customer:
                    self.refs.customers.add(pk)

    def load_companies_of(self, label: str, target_pks: Iterable[int | None]) -> None:
        known = self.company_of[label]
        wanted = {pk for pk in target_pks if pk is not None} - set(known)
        if wanted:
            known.update(
                MODELS[label].objects.filter(pk__in=wanted).values_list("pk", "company_id")
            )

    def flush(self, cursor: dict) -> None:
        """Write the page's bookkeeping: mapping rows, skipped rows, counts and cursor."""
        if self.new_rows:
            # A row deleted here since it was imported is created again: its mapping row
            # then points at the new row.
            ImportedRow.objects.bulk_create(
                self.new_rows,
                update_conflicts=True,
                unique_fields=["source", "model", "source_pk"],
                update_fields=["target_pk", "updated"],
            )
            self.new_rows = []
        if self.page_skips:
            ImportSkippedRow.objects.bulk_create(self.page_skips)
            self.page_skips = []
        self.run.counts = self.counts
        self.run.cursor = cursor
        self.run.unmatched_owners = sorted(set(self.run.unmatched_owners) | self.refs.unmatched)
        self.run.heartbeat = timezone.now()
        self.run.save(update_fields=["counts", "cursor", "unmatched_owners", "heartbeat"])

    # -- the run ---------------------------------------------------------------------------

    def execute(self) -> None:
        self.match_owners()
        cursor = dict(self.run.cursor or {})
        done = list(cursor.get("done", []))
        for step in STEPS:
            if step.name in done:
                continue
            if step.option and not getattr(self.options, step.option):
                continue
            offset = cursor.get("offset", 0) if cursor.get("step") == step.name else 0
            writer = getattr(self, f"write_{step.name}")
            if step.name in ("locations", "categories"):
                self.run_tree_step(step, writer, offset, done)
            else:
                self.run_step(step, writer, offset, done)
            done.append(step.name)
            cursor = {"done": done}
            with transaction.atomic():
                self.flush(cursor)

    def run_step(self, step: Step, writer, offset: int, done: list[str]) -> None:
        total = None
        while True:
            rows, total = self.source.page(
                step.endpoint, offset=offset, limit=PAGE_SIZE, params=step.params
            )
            if not rows:
                break
            with transaction.atomic():
                writer(rows)
                offset += len(rows)
                self.flush({"done": done, "step": step.name, "offset": offset})
            self.progress(step.title, offset, total)
            if len(rows) < PAGE_SIZE or (total is not None and offset >= total):
                break
        self.progress(step.title, offset, total if total is not None else offset)

    def run_tree_step(self, step: Step, writer, offset: int, done: list[str]) -> None:
        """A tree is read whole, then written parents first in pages of the sorted rows."""
        rows = self.read_all(step.endpoint, step.params)
        ordered = _parents_first(rows)
        total = len(ordered)
        while offset < total:
            page = ordered[offset : offset + PAGE_SIZE]
            with transaction.atomic():
                writer(page)
                offset += len(page)
                self.flush({"done": done, "step": step.name, "offset": offset})
            self.progress(step.title, offset, total)
        self.progress(step.title, total, total)

    def read_all(self, endpoint: str, params: dict) -> list[dict]:
        rows, offset = [], 0
        while True:
            page, total = self.source.page(endpoint, offset=offset, limit=PAGE_SIZE, params=params)
            rows.extend(page)
            offset += len(page)
            if not page or len(page) < PAGE_SIZE or (total is not None and offset >= total):
                return rows

    # -- owners ----------------------------------------------------------------------------

    def match_owners(self) -> None:
        """Match the source's owners to local users (by username) and groups (by name)."""
        rows = self.read_all("user/owner/", {})
        user_type = ContentType.objects.get_for_model(User)
        group_type = ContentType.objects.get_for_model(Group)
        names = {str(row.get("name") or "") for row in rows}
        users = dict(User.objects.filter(username__in=names).values_list("pk", "username"))
        groups = dict(Group.objects.filter(name__in=names).values_list("pk", "name"))
        owners = Owner.objects.filter(
            models.Q(owner_type=user_type, owner_id__in=users)
            | models.Q(owner_type=group_type, owner_id__in=groups)
        ).values_list("pk", "owner_type_id", "owner_id")
        user_owners, group_owners = {}, {}
        for pk, type_id, owner_id in owners:
            if type_id == user_type.pk:
                user_owners[users[owner_id]] = pk
            else:
                group_owners[groups[owner_id]] = pk
        for match in mapping.match_owners(rows, users=user_owners, groups=group_owners):
            self.refs.owners[match.source_pk] = match.target_pk
            self.refs.owner_names[match.source_pk] = match.name
        # Tracking entries name users by the source's user pk, which owner rows carry.
        local_users = {username: pk for pk, username in users.items()}
        self.refs.targets["auth.user"] = {
            int(row["owner_id"]): local_users[str(row.get("name") or "")]
            for row in rows
            if owner_kind(row) == "user"
            and row.get("owner_id") is not None
            and str(row.get("name") or "") in local_users
        }

    # -- generic rows ----------------------------------------------------------------------

    def write_rows(
        self,
        label: str,
        rows: list[dict],
        mapper: Callable[[dict], dict],
        save: Callable[[models.Model], Any] | None = None,
        *,
        clean_exclude: Iterable[str] = (),
    ) -> None:
        """Map and write one page of rows of one model, row by row in savepoints."""
        model = MODELS[label]
        existing = self.load_targets(label, [row.get("pk") for row in rows])
        instances = model.objects.in_bulk(
            [existing[int(r["pk"])] for r in rows if int(r["pk"]) in existing]
        )
        exclude = [*relation_names(model), *clean_exclude]
        for row in rows:
            self.write_row(label, row, mapper, save, instances, exclude)

    def write_row(self, label, row, mapper, save, instances, exclude) -> models.Model | None:
        """Write one row; its Boomerang row, or None when it was skipped."""
        model = MODELS[label]
        source_pk = int(row["pk"])
        try:
            values = mapper(row)
        except Skip as exc:
            self.skip(label, source_pk, exc.reason)
            return None
        target = self.refs.target(label, source_pk)
        obj = instances.get(target) if target is not None else None
        if target is not None and obj is None:
            obj = model.objects.filter(pk=target).first()
        created = obj is None
        if created:
            obj = model()
        changed = assign_values(obj, values)
        if not changed:
            self.count(label, "unchanged")
            return obj
        try:
            with transaction.atomic():
                obj.full_clean(exclude=exclude)
                if save is not None:
                    save(obj)
                else:
                    obj.save()
        except ValidationError as exc:
            self.skip(label, source_pk, validation_reason(exc))
            return None
        except IntegrityError as exc:
            self.skip(label, source_pk, f"the database refused the row: {exc}".splitlines()[0])
            return None
        if created:
            self.remember(label, source_pk, obj.pk)
            self.count(label, "created")
        else:
            self.count(label, "updated")
        return obj

    # -- one writer per step ---------------------------------------------------------------

    def write_companies(self, rows: list[dict]) -> None:
        self.write_rows(
            COMPANY,
            rows,
            lambda row: mapping.map_company(
                row, self.refs, currencies=self.currencies, default_currency=self.default_currency
            ),
            lambda company: company_services.company_save(company=company),
            clean_exclude=["image"],
        )

    def write_contacts(self, rows: list[dict]) -> None:
        self.load_targets(COMPANY, [pk_of(row.get("company")) for row in rows])
        self.write_rows(CONTACT, rows, lambda row: mapping.map_contact(row, self.refs))

    def write_addresses(self, rows: list[dict]) -> None:
        self.load_targets(COMPANY, [pk_of(row.get("company")) for row in rows])
        self.write_rows(
            ADDRESS,
            rows,
            lambda row: mapping.map_address(row, self.refs),
            lambda address: company_services.address_save(address=address),
        )

    def write_locations(self, rows: list[dict]) -> None:
        self.load_targets(LOCATION, [pk_of(row.get("parent")) for row in rows])
        self.write_rows(
            LOCATION,
            rows,
            lambda row: mapping.map_location(row, self.refs),
            lambda location: stock_services.location_save(location=location),
            clean_exclude=["pathstring"],
        )

    def write_categories(self, rows: list[dict]) -> None:
        self.load_targets(CATEGORY, [pk_of(row.get("parent")) for row in rows])
        self.load_targets(LOCATION, [pk_of(row.get("default_location")) for row in rows])
        self.write_rows(
            CATEGORY,
            rows,
            lambda row: mapping.map_category(row, self.refs),
            lambda category: stock_services.category_save(category=category),
            clean_exclude=["pathstring"],
        )

    def write_parts(self, rows: list[dict]) -> None:
        self.load_targets(CATEGORY, [pk_of(row.get("category")) for row in rows])
        self.write_rows(
            PART,
            rows,
            lambda row: mapping.map_part(row, self.refs),
            lambda part: stock_services.part_save(part=part),
            clean_exclude=["image"],
        )

    def prepare_stock(self, rows: list[dict]) -> None:
        self.load_targets(PART, [pk_of(row.get("part")) for row in rows])
        self.load_targets(LOCATION, [pk_of(row.get("location")) for row in rows])
        pks = [pk_of(row.get(key)) for row in rows for key in ("parent", "belongs_to")]
        self.load_targets(STOCK_ITEM, pks)
        companies = self.load_targets(COMPANY, [pk_of(row.get("customer")) for row in rows])
        self.load_customers(companies.get(pk_of(row.get("customer"))) for row in rows)

    def write_stock(self, rows: list[dict]) -> None:
        self.prepare_stock(rows)
        self.write_rows(STOCK_ITEM, rows, lambda row: mapping.map_stock_item(row, self.refs))

    def write_tracking(self, rows: list[dict]) -> None:
        named: dict[str, list[int]] = {STOCK_ITEM: [pk_of(row.get("item")) for row in rows]}
        for row in rows:
            for label, source_pk in mapping.delta_references(row.get("deltas")):
                named.setdefault(label, []).append(source_pk)
        for label, source_pks in named.items():
            self.load_targets(label, source_pks)
        self.write_rows(TRACKING, rows, lambda row: mapping.map_tracking(row, self.refs))

    def write_project_codes(self, rows: list[dict]) -> None:
        self.write_rows(PROJECT_CODE, rows, lambda row: mapping.map_project_code(row, self.refs))

    def write_orders(self, rows: list[dict]) -> None:
        from importer.services.orders import write_order_page

        write_order_page(self, rows)


def _parents_first(rows: list[dict]) -> list[dict]:
    """Tree rows sorted so that every parent comes before its children (then by pk).

    A row whose parent is not among the rows keeps its place at its depth; the mapping
    skips it when its parent was not imported.
    """
    by_pk = {int(row["pk"]): row for row in rows}
    depth: dict[int, int] = {}

    def depth_of(pk: int, seen: frozenset = frozenset()) -> int:
        if pk in depth:
            return depth[pk]
        parent = pk_of(by_pk[pk].get("parent"))
        if parent is None or parent not in by_pk or parent in seen:
            depth[pk] = 0
        else:
            depth[pk] = depth_of(parent, seen | {pk}) + 1
        return depth[pk]

    return sorted(rows, key=lambda row: (depth_of(int(row["pk"])), int(row["pk"])))


def report_for(run: ImportRun, counts: dict | None = None) -> ImportReport:
    counts = counts if counts is not None else run.counts
    ordered = {label: dict(counts[label]) for label in MODEL_ORDER if label in counts}
    return ImportReport(
        run=run,
        counts=ordered,
        skipped=skipped_rows(run),
        unmatched_owners=list(run.unmatched_owners),
        dry_run=run.dry_run,
    )


def claim(run: ImportRun) -> None:
    """Mark ``run`` running, unless an import from the same source is running already.

    Claims of one source are serialised by a lock on its row. A running import beats on every
    page it writes (``heartbeat``); one that has not beaten for ``STALE_AFTER`` stopped without
    saying so (its process was killed), and may be resumed. A refused run is left failed with
    the reason (unless it is the running one itself). A dry run writes nothing that stays, so
    it is never refused and refuses nothing.
    """
    now = timezone.now()
    busy = None
    with transaction.atomic():
        if not run.dry_run:
            ImportSource.objects.select_for_update().filter(pk=run.source_id).first()
            busy = (
                ImportRun.objects.filter(
                    source_id=run.source_id,
                    dry_run=False,
                    state=ImportRun.State.RUNNING,
                    heartbeat__gte=now - STALE_AFTER,
                )
                .order_by("-heartbeat")
                .first()
            )
        if busy is None:
            run.state = ImportRun.State.RUNNING
            run.started = run.started or now
            run.heartbeat = now
            run.error = ""
            run.save(update_fields=["state", "started", "heartbeat", "error"])
            return
    message = (
        f"Import #{busy.pk} from {busy.url} is running (last active "
        f"{busy.heartbeat:%Y-%m-%d %H:%M:%S %Z}). Wait for it to end; if its process was "
        f"stopped, it can be resumed {int(STALE_AFTER.total_seconds() // 60)} minutes after "
        "it was last active."
    )
    if busy.pk != run.pk:
        run.state = ImportRun.State.FAILED
        run.error = message
        run.token = ""
        run.finished = now
        run.save(update_fields=["state", "error", "token", "finished"])
    raise ImportBusy(message)


def execute_run(run: ImportRun, source, *, token: str, progress: Progress | None) -> ImportReport:
    """Run (or resume) ``run``. Its state, error and token are kept up to date."""
    claim(run)
    engine = Engine(run, source, token=token, progress=progress)
    try:
        engine.execute()
    except BaseException as exc:
        interrupted = isinstance(exc, Interrupted | KeyboardInterrupt | SystemExit)
        run.state = ImportRun.State.INTERRUPTED if interrupted else ImportRun.State.FAILED
        run.error = scrub(str(exc) or type(exc).__name__, token)[:5000]
        run.token = ""
        run.finished = timezone.now()
        if not run.dry_run:
            # The page that was being written rolled back; what committed before stays.
            run.save(update_fields=["state", "error", "token", "finished"])
        raise
    run.state = ImportRun.State.SUCCEEDED
    run.token = ""
    run.finished = timezone.now()
    run.save(update_fields=["state", "token", "finished"])
    logger.info("Import #%s from %s finished", run.pk, run.url)
    return report_for(run, engine.counts)
