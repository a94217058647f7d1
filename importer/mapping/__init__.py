"""The mapping layer: pure functions from one InvenTree JSON row to Boomerang field values.

Each ``map_*`` function takes the row and a ``Refs`` (how source primary keys of related rows
translate to Boomerang's) and returns a dict of model attribute names (``customer_id``, not
``customer``) to values, or raises ``Skip`` with a reason a person can act on. Fields
Boomerang lacks are ignored; nothing here touches the database.
"""

from importer.mapping.base import Refs, Skip
from importer.mapping.companies import map_address, map_company, map_contact
from importer.mapping.orders import (
    map_attachment,
    map_extra_line,
    map_line,
    map_order,
    map_project_code,
)
from importer.mapping.stock import (
    delta_references,
    map_category,
    map_location,
    map_part,
    map_stock_item,
    map_tracking,
)
from importer.mapping.users import OwnerMatch, match_owners

__all__ = [
    "OwnerMatch",
    "Refs",
    "Skip",
    "delta_references",
    "map_address",
    "map_attachment",
    "map_category",
    "map_company",
    "map_contact",
    "map_extra_line",
    "map_line",
    "map_location",
    "map_order",
    "map_part",
    "map_project_code",
    "map_stock_item",
    "map_tracking",
    "match_owners",
]
