"""The e-mail backend of the multi-process test's worker: Django's file backend, writing every
message into the folder named by ``DEPLOY_TEST_MAIL_DIR`` (the settings read no
EMAIL_FILE_PATH), where the test reads what was sent."""

import os

from django.core.mail.backends import filebased


class EmailBackend(filebased.EmailBackend):
    def __init__(self, *args, **kwargs):
        kwargs["file_path"] = os.environ["DEPLOY_TEST_MAIL_DIR"]
        super().__init__(*args, **kwargs)
