"""Search and ordering that behave like InvenTree's list endpoints."""

from rest_framework import filters


class SearchFilter(filters.SearchFilter):
    """``?search=a b``: every whitespace-separated term must match one of ``search_fields``."""


class OrderingFilter(filters.OrderingFilter):
    """``?ordering=a,-b`` with aliases, and ``pk`` appended so pages never shuffle.

    Views declare ``ordering_field_aliases = {"reference": ["reference_int", "reference"]}``;
    an alias may also be used in ``ordering_fields``. Unknown fields are ignored.
    """

    def get_valid_fields(self, queryset, view, context=None):
        fields = super().get_valid_fields(queryset, view, context or {})
        aliases = getattr(view, "ordering_field_aliases", {})
        known = {name for name, _ in fields}
        return fields + [(alias, alias) for alias in aliases if alias not in known]

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if not ordering:
            return ordering
        aliases = getattr(view, "ordering_field_aliases", {})
        expanded = []
        for term in ordering:
            descending = term.startswith("-")
            name = term.lstrip("-")
            for field in aliases.get(name, [name]):
                expanded.append(f"-{field}" if descending else field)
        if not any(term.lstrip("-") in {"pk", "id"} for term in expanded):
            descending = any(term.startswith("-") for term in expanded)
            expanded.append("-pk" if descending else "pk")
        return expanded
