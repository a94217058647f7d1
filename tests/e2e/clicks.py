"""Counting what a clerk does in the browser tests of the returns desk."""

from playwright.sync_api import Page


class Clicks:
    """Counts what the clerk does: a click, a ticked box, a chosen option."""

    def __init__(self, page: Page):
        self.page, self.count = page, 0

    def click(self, locator):
        self.count += 1
        locator.click()

    def choose(self, locator, **option):
        self.count += 1
        locator.select_option(**option)
