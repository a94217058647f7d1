"""Boomerang's own settings, plus what the benchmark needs to see inside each request.

Only the benchmark serves with these (``DJANGO_SETTINGS_MODULE=bench.suite.settings``): the
product is unchanged, with one middleware in front of all others that counts the request's SQL
queries, and a URL configuration that adds the reference views next to the product's.
"""

from config.settings import *  # noqa: F403
from config.settings import MIDDLEWARE

# Outermost, so that the session, authentication and every other middleware's queries count.
MIDDLEWARE = ["bench.suite.middleware.QueryCountMiddleware", *MIDDLEWARE]
ROOT_URLCONF = "bench.suite.urls"
