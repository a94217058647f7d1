"""Search, ordering and filters that behave like InvenTree's list endpoints, and that answer
bad input with a 400 rather than a query the database cannot run."""

from decimal import Decimal, InvalidOperation
from functools import cache

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import BooleanField, Expression
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as df
from rest_framework import exceptions, filters

from common import validators

# Primary keys and integer columns are signed 64-bit at most. SQLite cannot bind a larger
# Python int (OverflowError) and PostgreSQL refuses it, so a filter value outside this range
# is an error before any query is built.
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1

# Each search term adds one OR over every search field to the query: SQLite refuses the
# statement somewhere past a few hundred ("Expression tree is too large"), and a long search
# is a cheap way to make the database work hard. Nobody types more than this.
SEARCH_MAX_TERMS = 32
SEARCH_MAX_LENGTH = 1000


def search_terms(text: str | None, *, terms: list[str] | None = None) -> list[str]:
    """The whitespace-separated terms of a search (or the already split ``terms``).

    Raises ``ValidationError`` when the search has more than ``SEARCH_MAX_TERMS`` terms or
    more than ``SEARCH_MAX_LENGTH`` characters.
    """
    text = text or ""
    if len(text) > SEARCH_MAX_LENGTH:
        raise ValidationError(
            _("Search for at most %(limit)d characters."),
            code="search_too_long",
            params={"limit": SEARCH_MAX_LENGTH},
        )
    found = text.split() if terms is None else list(terms)
    if len(found) > SEARCH_MAX_TERMS:
        raise ValidationError(
            _("Search for at most %(limit)d words."),
            code="search_too_many_terms",
            params={"limit": SEARCH_MAX_TERMS},
        )
    return found


def search_truncated(text: str | None) -> tuple[str, bool]:
    """The leading part of a search that is within the limits, and whether it had to be cut
    (for pages that would rather search less than refuse)."""
    text = (text or "").strip()
    kept = " ".join(text[:SEARCH_MAX_LENGTH].split()[:SEARCH_MAX_TERMS])
    return kept, kept != " ".join(text.split())


class InSubquery(Expression):
    """``column IN (subquery)``, written for PostgreSQL as ``column = ANY(ARRAY(subquery))``.

    PostgreSQL plans ``IN (subquery)`` as a semi-join (building every row of the outer query
    to probe it) or, inside an ``OR``, as a filter no index can serve; ``ARRAY(subquery)``
    runs once, before the outer query, which then reads the matches through an index on
    ``column``. SQLite runs ``IN (subquery)`` once and reads the matches by index already.
    """

    conditional = True
    output_field = BooleanField()

    def __init__(self, key, keys):
        super().__init__()
        self.key, self.keys = key, keys

    def get_source_expressions(self):
        return [self.key, self.keys]

    def set_source_expressions(self, exprs):
        self.key, self.keys = exprs

    def as_sql(self, compiler, connection):
        key, key_params = compiler.compile(self.key)
        keys, keys_params = compiler.compile(self.keys)
        return f"{key} IN {keys}", (*key_params, *keys_params)

    def as_postgresql(self, compiler, connection):
        key, key_params = compiler.compile(self.key)
        keys, keys_params = compiler.compile(self.keys)
        return f"{key} = ANY(ARRAY{keys})", (*key_params, *keys_params)


class SearchFilter(filters.SearchFilter):
    """``?search=a b``: every whitespace-separated term must match one of ``search_fields``.

    At most ``SEARCH_MAX_TERMS`` terms and ``SEARCH_MAX_LENGTH`` characters, else a 400.
    """

    def get_search_terms(self, request):
        terms = super().get_search_terms(request)
        text = request.query_params.get(self.search_param, "")
        try:
            return search_terms(text, terms=terms)
        except ValidationError as exc:
            raise exceptions.ValidationError({self.search_param: exc.messages}) from exc


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


# --- integer filters bounded to 64 bits ----------------------------------------------------


def _out_of_int64_range(raw) -> bool:
    try:
        number = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        return False  # not a number: the field itself says what is wrong with it
    return number.is_finite() and not (INT64_MIN <= number <= INT64_MAX)


def _raw_values(value) -> list:
    values = value if isinstance(value, list | tuple) else [value]
    split = []
    for item in values:
        split.extend(item.split(",") if isinstance(item, str) else [item])
    return split


class Int64BoundsMixin:
    """For a filter's form field: a number outside the signed 64-bit range is a validation
    error, raised before the field looks anything up in the database."""

    default_error_messages = {
        "int64_range": _("Ensure this value is between %(min)s and %(max)s."),
    }

    def _takes_integers(self) -> bool:
        if isinstance(self, forms.ModelChoiceField):
            opts = self.queryset.model._meta
            key = opts.get_field(self.to_field_name) if self.to_field_name else opts.pk
            return isinstance(key, models.IntegerField)
        return True

    def clean(self, value):
        if self._takes_integers() and any(map(_out_of_int64_range, _raw_values(value))):
            raise ValidationError(
                self.error_messages["int64_range"],
                code="int64_range",
                params={"min": INT64_MIN, "max": INT64_MAX},
            )
        return super().clean(value)


_NUMERIC_FIELDS = (forms.IntegerField, forms.DecimalField, forms.FloatField, forms.ModelChoiceField)


@cache
def _bounded_field_class(field_class: type) -> type:
    if not issubclass(field_class, _NUMERIC_FIELDS) or issubclass(field_class, Int64BoundsMixin):
        return field_class
    return type(f"Int64{field_class.__name__}", (Int64BoundsMixin, field_class), {})


def bound_integer_filters(filterset) -> None:
    """Give every numeric and model-choice filter of a FilterSet instance the 64-bit bounds.

    ``filterset.filters`` is the instance's own copy, so the class is left as it is.
    """
    for filter_ in filterset.filters.values():
        bounded = _bounded_field_class(filter_.field_class)
        if bounded is not filter_.field_class:
            filter_.field_class = bounded
            filter_.__dict__.pop("_field", None)  # built from the old class, if it was


class FilterSet(df.FilterSet):
    """Base of every FilterSet: integer and primary-key filters take only values that fit a
    signed 64-bit column, so ``?location=99999999999999999999`` is a 400, not a 500; dates
    out of range are a 400 too (API) or a message beside the field (pages).

    The form class is made once per FilterSet class, not once per request as django-filter
    does (a tenth of a list request's cost): its fields depend only on the class's filters,
    and each form instance copies them, as any Django form does.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        bound_integer_filters(self)

    @classmethod
    def reads_nothing_from(cls, data) -> bool:
        """Whether the form would find no value of its own in ``data`` (the query string of a
        request that filters nothing: every field empty, so every filter is skipped and the
        queryset comes back as it went in). False until the form class is made."""
        form_class = cls.__dict__.get("_form_class")
        if form_class is None:
            return False
        return all(
            not field.required and field.widget.value_omitted_from_data(data, {}, name)
            for name, field in form_class.base_fields.items()
        )

    def get_form_class(self):
        cls = type(self)
        form_class = cls.__dict__.get("_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            validators.bound_form_dates(form_class.base_fields.values())
            cls._form_class = form_class
        return form_class


class DjangoFilterBackend(df.DjangoFilterBackend):
    """django-filter's backend; ``filterset_fields`` build on ``FilterSet`` above, and a
    FilterSet declared on another base gets the same bounds."""

    filterset_base = FilterSet

    def filter_queryset(self, request, queryset, view):
        # A list read without filters (an integration paging through everything) skips making
        # and validating a form whose every field would be empty.
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is None or (
            issubclass(filterset_class, FilterSet)
            and filterset_class.reads_nothing_from(request.query_params)
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        if filterset is not None and not isinstance(filterset, FilterSet):
            bound_integer_filters(filterset)
        return filterset
