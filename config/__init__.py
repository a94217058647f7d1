# The Celery app loads with Django, so that tasks are bound to it wherever they are queued.
from config.celery import app as celery_app

__all__ = ("celery_app",)
