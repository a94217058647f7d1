"""``{{ text|markdown }}``: notes written in Markdown, shown as sanitised HTML.

Markdown lets raw HTML through, so its output is cleaned with nh3 (an allow-list): scripts and
styles go with their content, event attributes and ``style`` go, links keep only http, https
and mailto addresses and get ``rel="noopener noreferrer"``, images are dropped (a report would
fetch them). Headings become bold paragraphs, so a note cannot break the page's outline.
"""

import re

import markdown as markdown_lib
import nh3
from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "hr",
    "i",
    "li",
    "ol",
    "p",
    "pre",
    "s",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "ol": {"start"}}
URL_SCHEMES = {"http", "https", "mailto"}
EXTENSIONS = ["nl2br", "sane_lists", "fenced_code", "tables"]
HEADING = re.compile(r"<h[1-6][^>]*>(.*?)</h[1-6]>", re.DOTALL)


def render_markdown(text: str | None) -> SafeString:
    """The text as Markdown, converted and sanitised; an empty string for no text."""
    if not text:
        return mark_safe("")
    html = markdown_lib.markdown(str(text), extensions=EXTENSIONS, output_format="html")
    html = HEADING.sub(r"<p><strong>\1</strong></p>", html)
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        clean_content_tags={"script", "style"},
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    return mark_safe(cleaned)  # nh3 has just sanitised it


@register.filter(name="markdown")
def markdown_filter(value) -> SafeString:
    return render_markdown(value)
