"""First-run set-up used by ``make run``: an administrator, and the demo data once."""

import os
import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from returns import demo


def _secret(path: Path) -> str:
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_urlsafe(12)
    path.write_text(value + "\n")
    path.chmod(0o600)
    return value


class Command(BaseCommand):
    help = "Create an administrator if there is none and load the demo data on first run."

    def add_arguments(self, parser):
        parser.add_argument("--no-demo", action="store_true", help="Do not load the demo data.")
        parser.add_argument(
            "--secrets-dir",
            default=str(settings.BASE_DIR / ".local"),
            help="Where the generated local passwords are kept (default: .local/).",
        )

    def handle(self, *args, no_demo=False, secrets_dir=".local", **options):
        secrets_path = Path(secrets_dir)
        base_url = f"http://127.0.0.1:{os.environ.get('PORT', '8000')}/"
        admin_password = None
        if not User.objects.filter(is_superuser=True).exists():
            admin_password = _secret(secrets_path / "admin_password")
            User.objects.create_superuser("admin", "admin@boomerang.example", admin_password)
            self.stdout.write(self.style.SUCCESS("Created the administrator 'admin'."))
        elif (secrets_path / "admin_password").exists() and User.objects.filter(
            username="admin"
        ).exists():
            admin_password = _secret(secrets_path / "admin_password")

        # The clerk keeps the file earlier releases wrote; the viewer has a password of its own.
        demo_password = _secret(secrets_path / "demo_password")
        viewer_password = _secret(secrets_path / "viewer_password")
        while viewer_password == demo_password:  # not in practice, but never the same
            (secrets_path / "viewer_password").unlink()
            viewer_password = _secret(secrets_path / "viewer_password")
        if not no_demo and not demo.demo_data_present():
            # The demo's workflow steps would otherwise print a dozen notification e-mails.
            with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
                demo.load_demo_data(password=demo_password, viewer_password=viewer_password)
            self.stdout.write(self.style.SUCCESS("Loaded the demo data."))
        viewer = User.objects.filter(username="viewer").first()
        if viewer is not None and viewer.check_password(demo_password):
            # Loaded by an earlier release with the clerk's password: give it its own.
            viewer.set_password(viewer_password)
            viewer.save(update_fields=["password"])
            self.stdout.write(self.style.WARNING("The viewer now has its own password."))

        self.stdout.write("")
        self.stdout.write(self.style.MIGRATE_HEADING(f"Boomerang is starting at {base_url}"))
        if admin_password:
            self.stdout.write(f"  administrator:  admin / {admin_password}")
        else:
            self.stdout.write(
                "  administrator:  an administrator already exists (createsuperuser adds one)"
            )
        if User.objects.filter(username="clerk").exists():
            self.stdout.write(f"  returns clerk:  clerk / {demo_password}")
        if viewer is not None and viewer.check_password(viewer_password):
            self.stdout.write(f"  read-only user: viewer / {viewer_password}")
        self.stdout.write("")
