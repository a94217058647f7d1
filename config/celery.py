"""The Celery application: ``celery -A config worker`` runs tasks, ``celery -A config beat``
queues the scheduled ones (``CELERY_BEAT_SCHEDULE`` in config/settings.py).

With no ``CELERY_BROKER_URL`` there is no worker: tasks run in the process that queues them
(Celery's eager mode), which queues them only after its transaction commits.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("boomerang")
# The app of every thread: shared tasks queued from a thread other than the one that imported
# this module (gunicorn's threads, the live test server) would otherwise resolve against
# Celery's unconfigured fallback app.
app.set_default()
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
