"""Writes and rendering for reports: templates, PDFs and the outputs users download."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.template import Context
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from reports import engine, registry
from reports.context import Record, user_record
from reports.models import ReportOutput, ReportTemplate

# A print of up to REPORT_PRINT_JOB_THRESHOLD items renders in the request, at about 0.15 s
# per one-page order on one core (bench/report_render.py); this caps one rendered in a
# request well under a minute. A larger print runs as a job (``report_print_start``), uncapped.
MAX_PRINT_ITEMS = 100
PRINT_JOB_KIND = "report.print"

# Changing any of these changes what the template prints, so the revision goes up.
RENDERING_FIELDS = ("source", "filename_pattern", "page_size", "landscape", "merge", "model_type")
TEMPLATE_FIELDS = (
    "name",
    "description",
    "model_type",
    "source",
    "filename_pattern",
    "page_size",
    "landscape",
    "merge",
    "enabled",
)


@dataclass(frozen=True)
class RenderedReport:
    pdf: bytes
    filename: str
    pages: int


class ReportRenderError(ValidationError):
    """A template that does not compile or fails while rendering: a 400 naming both."""

    def __init__(self, template: ReportTemplate, error: BaseException | str):
        detail = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
        message = _(
            'Report template "%(name)s" (id %(pk)s, revision %(revision)s) could not be '
            "rendered: %(error)s"
        ) % {
            "name": template.name,
            "pk": template.pk,
            "revision": template.revision,
            "error": detail,
        }
        super().__init__({"template": [message]}, code="report_error")


# -- rendering ------------------------------------------------------------------------------


def template_record(template: ReportTemplate) -> Record:
    """The template being printed, as its report may show it (not the model instance: from
    that a template could reach every output ever printed from it, and their users)."""
    return Record(
        template.name,
        pk=template.pk,
        name=template.name,
        description=template.description,
        model_type=template.model_type,
        revision=template.revision,
        page_size=template.page_size,
        landscape=template.landscape,
        merge=template.merge,
    )


def report_base_context(*, template: ReportTemplate, user) -> dict:
    """The variables every report receives, whatever it prints (see README, "Reports").

    Plain values and read-only records only: no model instance, so a template cannot walk
    to rows a report has no business printing (password hashes, tokens, other users).
    """
    now = timezone.localtime()
    return {
        "base_url": settings.BOOMERANG_BASE_URL,
        "instance_name": settings.BOOMERANG_INSTANCE_NAME,
        "date": now.date(),
        "datetime": now,
        "template": template_record(template),
        "template_name": template.name,
        "template_description": template.description,
        "template_revision": template.revision,
        "user": user_record(user),
        "page_size": template.page_size_css,
        "landscape": template.landscape,
        "merge": template.merge,
    }


def _compile(template: ReportTemplate, source: str):
    try:
        return engine.compile_source(source)
    except Exception as exc:
        raise ReportRenderError(template, exc) from exc


def _render(template: ReportTemplate, compiled, context: dict) -> str:
    """Render in the report sandbox; any failure (a missing include, a filter raising, a
    template including itself) is a ReportRenderError naming the template."""
    try:
        return compiled.render(Context(context, autoescape=True))
    except Exception as exc:
        raise ReportRenderError(template, exc) from exc


def _render_html(template: ReportTemplate, compiled, context: dict) -> str:
    html = _render(template, compiled, context)
    if not html.strip():
        raise ReportRenderError(template, _("the template produced an empty document"))
    return html


def _filename(template: ReportTemplate, context: dict) -> str:
    compiled = _compile(template, template.effective_filename_pattern)
    rendered = _render(template, compiled, context)
    name = get_valid_filename(" ".join(rendered.split())) if rendered.strip() else ""
    name = name or "report.pdf"
    return name if name.lower().endswith(".pdf") else f"{name}.pdf"


def report_render(
    *, template: ReportTemplate, instances: Sequence, user, on_rendered=None
) -> RenderedReport:
    """Render ``template`` for ``instances`` into one PDF.

    Without ``merge`` each instance is rendered as its own document and the pages are joined;
    with it, the template renders once and loops over ``instances``. Runs no query of its own
    beyond what the registered context builder reads. A template that fails to compile or to
    render raises ``ReportRenderError`` (a ValidationError naming the template and the error).
    """
    entry = registry.get(template.model_type)
    if entry is None:
        raise ReportRenderError(template, _("model type %s is not available") % template.model_type)
    if not instances:
        raise ValidationError({"items": [_("Select at least one item to print.")]})
    compiled = _compile(template, template.source)
    base = report_base_context(template=template, user=user)
    per_instance = [{**base, **entry.context(instance)} for instance in instances]
    contexts = [{**base, "instances": per_instance}] if template.merge else per_instance
    from reports import pdf  # WeasyPrint is heavy to import: load it on the first print

    def htmls():
        for done, context in enumerate(contexts, start=1):
            html = _render_html(template, compiled, context)
            if on_rendered is not None:
                on_rendered(done, len(contexts))
            yield html

    try:
        data, pages = pdf.html_to_pdf(htmls())
    except ReportRenderError:
        raise
    except Exception as exc:
        raise ReportRenderError(template, exc) from exc
    return RenderedReport(pdf=data, filename=_filename(template, per_instance[0]), pages=pages)


def report_instances(
    *, template: ReportTemplate, items: Sequence[int], user, limited: bool = True
) -> list:
    """The objects ``items`` names, loaded for the template's context, in the order given.

    Raises PermissionDenied unless ``user`` may view that model, and a ValidationError on
    ``items`` for a disabled template, too many items (more than MAX_PRINT_ITEMS, unless not
    ``limited``) or ids that do not exist.
    """
    entry = registry.get(template.model_type)
    if entry is None:
        raise ValidationError({"template": [_("This template's model type is not available.")]})
    if not (user.is_superuser or user.has_perm(entry.view_permission)):
        raise PermissionDenied
    if not template.enabled:
        message = _('Report template "%s" is disabled.') % template.name
        raise ValidationError({"template": [message]})
    pks = list(dict.fromkeys(int(pk) for pk in items))
    if not pks:
        raise ValidationError({"items": [_("Select at least one item to print.")]})
    if limited and len(pks) > MAX_PRINT_ITEMS:
        raise ValidationError({"items": [_("Print at most %d items at once.") % MAX_PRINT_ITEMS]})
    found = {instance.pk: instance for instance in entry.queryset().filter(pk__in=pks)}
    missing = [pk for pk in pks if pk not in found]
    if missing:
        raise ValidationError(
            {
                "items": [
                    _("No %(model)s with id %(ids)s.")
                    % {"model": entry.name, "ids": ", ".join(map(str, missing))}
                ]
            }
        )
    return [found[pk] for pk in pks]


def report_print(*, template: ReportTemplate, items: Sequence[int], user) -> ReportOutput:
    """Render ``template`` for the objects ``items`` names and keep the PDF for ``user``.

    Needs the view permission on the template's model (PermissionDenied otherwise); errors
    in the request or the template are ValidationErrors (see ``report_instances`` and
    ``report_render``).
    """
    instances = report_instances(template=template, items=items, user=user)
    rendered = report_render(template=template, instances=instances, user=user)
    output = ReportOutput(
        user=user,
        template=template,
        model_type=template.model_type,
        items=[instance.pk for instance in instances],
        filename=rendered.filename,
    )
    output.output.save(rendered.filename, ContentFile(rendered.pdf), save=False)
    try:
        output.save()
    except Exception:
        output.output.delete(save=False)
        raise
    return output


def print_runs_as_job(items: Sequence[int]) -> bool:
    """Whether a print of ``items`` runs as a job: more of them than REPORT_PRINT_JOB_THRESHOLD,
    or more than a request may render (MAX_PRINT_ITEMS), whatever the threshold says."""
    count = len(set(items))
    return count > settings.REPORT_PRINT_JOB_THRESHOLD or count > MAX_PRINT_ITEMS


def report_print_start(*, template: ReportTemplate, items: Sequence[int], user):
    """Check a print as ``report_print`` does, with no cap on its size, and run it as a job
    whose result is the PDF (see ``report_print_job``). Returns the job."""
    from jobs.services import job_start

    instances = report_instances(template=template, items=items, user=user, limited=False)
    with transaction.atomic():
        return job_start(
            kind=PRINT_JOB_KIND,
            user=user,
            params={"template": template.pk, "items": [instance.pk for instance in instances]},
        )


def print_job_permissions(job) -> tuple[str, ...] | None:
    """What downloading a print job's PDF needs: view on the model of the template printed
    (None once the template is gone: nobody can tell what the PDF shows)."""
    model_type = (
        ReportTemplate.objects.filter(pk=job.params.get("template"))
        .values_list("model_type", flat=True)
        .first()
    )
    entry = registry.get(model_type) if model_type else None
    return (entry.view_permission,) if entry is not None else None


def report_print_job(job, progress):
    """The job of a large print: render every order, reporting each, and keep the PDF."""
    from jobs.registry import JobResult

    template = ReportTemplate.objects.filter(pk=job.params.get("template")).first()
    if template is None:
        raise ValidationError({"template": [_("The report template no longer exists.")]})
    instances = report_instances(
        template=template, items=job.params.get("items", []), user=job.user, limited=False
    )
    progress(1, _("Rendering %d documents") % len(instances))

    def rendered(done: int, total: int) -> None:
        # Rendering the HTML is most of the work; writing the PDF is the last 10 %.
        progress(done * 90 // total, _("Rendered %(done)d of %(total)d") % locals())

    result = report_render(
        template=template, instances=instances, user=job.user, on_rendered=rendered
    )
    progress(95, _("Writing the PDF (%d pages)") % result.pages)
    return JobResult(filename=result.filename, content=result.pdf)


def report_outputs_prune_job(job, progress):
    days = settings.REPORT_OUTPUT_DAYS
    count = report_outputs_prune(older_than=datetime.timedelta(days=days))
    progress(100, _("Deleted %(count)d report output(s) older than %(days)d day(s).") % locals())


def report_outputs_prune(*, older_than: datetime.timedelta) -> int:
    """Delete outputs (and their files) created more than ``older_than`` ago; return how many."""
    cutoff = timezone.now() - older_than
    count = 0
    for output in ReportOutput.objects.filter(created__lt=cutoff).iterator(chunk_size=500):
        output.output.delete(save=False)
        output.delete()
        count += 1
    return count


# -- templates ------------------------------------------------------------------------------


def report_template_create(*, user, **fields) -> ReportTemplate:
    """Create a template after validating every field (syntax included)."""
    template = ReportTemplate(**{k: v for k, v in fields.items() if k in TEMPLATE_FIELDS})
    template.full_clean()
    with transaction.atomic():
        template.save()
    return template


@transaction.atomic
def report_template_update(*, template: ReportTemplate, user, data: dict) -> ReportTemplate:
    """Change a template; its revision goes up when anything that affects the output changes."""
    locked = ReportTemplate.objects.select_for_update().get(pk=template.pk)
    changed = False
    for field, value in data.items():
        if field not in TEMPLATE_FIELDS:
            continue
        if field in RENDERING_FIELDS and getattr(locked, field) != value:
            changed = True
        setattr(locked, field, value)
    if changed:
        locked.revision += 1
    locked.full_clean()
    locked.save()
    return locked


@transaction.atomic
def report_template_delete(*, template: ReportTemplate, user) -> None:
    template.delete()
