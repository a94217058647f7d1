"""Notes are Markdown, shown as sanitised HTML: on the order page with ``|markdown``."""

import pytest
from django.template import Context, Template
from django.test import Client

from common import site_settings
from common.templatetags.markdown import render_markdown
from tests.pages.factories import OrderFactory

HOSTILE = (
    "**Call** the customer\n"
    "<script>alert('x')</script>\n"
    '<img src="x" onerror="alert(1)">\n'
    '<a href="/returns/" onclick="steal()">our list</a> '
    "[click](javascript:alert(1)) [docs](https://example.com/docs)\n"
    '<p style="color:red" onmouseover="alert(2)">styled</p>'
)


def test_markdown_is_converted():
    html = render_markdown("# Title\n**bold** and *it*\n\n- one\n- two\n\n`code`")
    assert "<strong>bold</strong>" in html and "<em>it</em>" in html
    assert "<ul>" in html and "<li>one</li>" in html and "<code>code</code>" in html
    # A heading would break the page outline under "Notes": it becomes a bold paragraph.
    assert "<h1>" not in html and "<p><strong>Title</strong></p>" in html


def test_plain_line_breaks_are_kept():
    """Notes written before Markdown keep their lines."""
    assert "first<br" in render_markdown("first\nsecond")


def test_scripts_event_attributes_styles_and_javascript_links_are_removed():
    html = render_markdown(HOSTILE)
    assert "<script" not in html and "alert('x')" not in html
    assert "onerror" not in html and "onclick" not in html and "onmouseover" not in html
    assert "<img" not in html
    assert "style=" not in html
    assert "javascript:" not in html
    assert "<strong>Call</strong>" in html and "styled" in html


def test_links_get_rel_noopener():
    html = render_markdown("[docs](https://example.com/docs) <a href='/returns/'>list</a>")
    assert '<a href="https://example.com/docs" rel="noopener noreferrer">docs</a>' in html
    assert '<a href="/returns/" rel="noopener noreferrer">list</a>' in html


def test_text_is_escaped_not_interpreted():
    assert "a &lt; b &amp;&amp; c" in render_markdown("a < b && c")


def test_empty_notes_render_nothing():
    assert render_markdown(None) == "" and render_markdown("") == ""


def test_the_filter_is_safe_html_in_an_autoescaping_template():
    html = Template("{% load markdown %}{{ notes|markdown }}").render(
        Context({"notes": "**x** <b onclick=1>y</b>"})
    )
    assert html == "<p><strong>x</strong> <b>y</b></p>"


@pytest.fixture
def page_as(make_user):
    """A client for a clerk (may edit the notes) or a viewer, return orders switched on."""
    site_settings.set_value("RETURNORDER_ENABLED", True)

    def _client(who):
        actions = ["view", "add", "change"] if who == "clerk" else ["view"]
        client = Client()
        client.force_login(make_user(return_order=actions))
        return client

    return _client


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["clerk", "viewer"])
def test_order_page_shows_notes_as_sanitised_markdown(page_as, who):
    client = page_as(who)
    order = OrderFactory(notes=HOSTILE)
    content = client.get(f"/returns/{order.pk}/").content.decode()
    start = content.index('id="notes-heading"')
    section = content[start : content.index("</section>", start)]
    assert '<div class="notes-markdown' in section
    notes = section[section.index("notes-markdown") : section.index("</div>")]
    assert "<strong>Call</strong>" in notes
    assert '<a href="https://example.com/docs" rel="noopener noreferrer">docs</a>' in notes
    for bad in ("<script", "onerror", "onclick", "onmouseover", "javascript:", "style="):
        assert bad not in notes
    if who == "clerk":  # the raw text is still what the editor edits
        assert "&lt;script&gt;" in section and 'name="notes"' in section


@pytest.mark.django_db
def test_order_page_without_notes_says_so(page_as):
    order = OrderFactory(notes="")
    content = page_as("viewer").get(f"/returns/{order.pk}/").content.decode()
    assert "No notes." in content and "notes-markdown" not in content
