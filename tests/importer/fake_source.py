"""An in-memory source with the methods of ``importer.services.InvenTreeSource``, serving
the handwritten InvenTree response samples in ``samples/``."""

import copy
import json
from pathlib import Path

SAMPLES = Path(__file__).parent / "samples"

# endpoint -> sample file of its list answer
LIST_SAMPLES = {
    "company/": "company.json",
    "company/contact/": "company-contact.json",
    "company/address/": "company-address.json",
    "stock/location/": "stock-location.json",
    "part/category/": "part-category.json",
    "part/": "part.json",
    "stock/": "stock.json",
    "stock/track/": "stock-track.json",
    "user/owner/": "user-owner.json",
    "project-code/": "project-code.json",
    "order/ro/": "order-ro.json",
    "order/ro-line/": "order-ro-line.json",
    "order/ro-extra-line/": "order-ro-extra-line.json",
    "attachment/": "attachment.json",
}
FILE_CONTENT = b"JPEG casing 1001"


def sample(name: str):
    return json.loads((SAMPLES / name).read_text())


class FakeSource:
    """Pages of the samples, filtered by ``order`` like InvenTree's line lists.

    ``fail_after_orders=N`` raises ``Interrupted`` when the engine asks for the lines of the
    (N+1)-th order, as a connection lost mid-way would.
    """

    def __init__(self, *, overrides: dict | None = None, fail_after_orders: int | None = None):
        self.lists = {endpoint: sample(name)["results"] for endpoint, name in LIST_SAMPLES.items()}
        for endpoint, rows in (overrides or {}).items():
            self.lists[endpoint] = rows
        self.stock_details = sample("stock-detail.json")
        self.metadata = sample("order-ro-metadata.json")
        self.fail_after_orders = fail_after_orders
        # Rows the detail endpoints answer where they differ from the list rows.
        self.details: dict[str, list[dict]] = {}
        self.orders_read = 0
        self.requests: list[tuple[str, dict]] = []

    def page(self, endpoint, *, offset, limit, params=None):
        params = dict(params or {})
        self.requests.append((endpoint, params))
        rows = self.lists[endpoint]
        if endpoint in ("order/ro-line/", "order/ro-extra-line/") and "order" in params:
            if endpoint == "order/ro-line/":
                self.orders_read += 1
                if self.fail_after_orders is not None and self.orders_read > self.fail_after_orders:
                    from importer.services import Interrupted

                    raise Interrupted("connection lost")
            rows = [row for row in rows if row["order"] == int(params["order"])]
        if endpoint == "attachment/":
            rows = [
                row
                for row in rows
                if row["model_type"] == params.get("model_type")
                and row["model_id"] == int(params["model_id"])
            ]
        if endpoint == "stock/" and params.get("serialized") == "true":
            rows = [row for row in rows if row.get("serial")]
        return copy.deepcopy(rows[offset : offset + limit]), len(rows)

    def detail(self, endpoint):
        self.requests.append((endpoint, {}))
        parts = endpoint.strip("/").split("/")
        if parts[0] == "stock" and len(parts) == 2:
            pk = parts[1]
            if pk in self.stock_details:
                return copy.deepcopy(self.stock_details[pk])
            row = next((r for r in self.lists["stock/"] if str(r["pk"]) == pk), None)
            return copy.deepcopy(row)
        if parts[:2] == ["order", "ro"] and parts[-1] == "metadata":
            return copy.deepcopy(self.metadata.get(parts[2]))
        if parts[:2] == ["order", "ro"] and len(parts) == 3:
            row = next(
                (r for r in self.details.get("order/ro/", []) if str(r["pk"]) == parts[2]), None
            )
            return copy.deepcopy(row)
        return None

    def download(self, url):
        self.requests.append((url, {}))
        return FILE_CONTENT
