"""Return reasons and arrival conditions: two configurable lists, a line's choice of each.

Seeds the four default conditions, and grants the new models' permissions to every group
whose rule sets grant the return order role (Django creates the permissions only after all
migrations ran, so they are created here first).
"""

import django.db.models.deletion
from django.db import migrations, models


DEFAULT_CONDITIONS = [
    ("unopened", "Unopened"),
    ("opened", "Opened"),
    ("damaged", "Damaged"),
    ("missing-parts", "Missing parts"),
]
ACTIONS = ("view", "add", "change", "delete")
NEW_MODELS = ("returnreason", "returncondition")


def seed_conditions(apps, schema_editor):
    ReturnCondition = apps.get_model("returns", "ReturnCondition")
    for order, (code, label) in enumerate(DEFAULT_CONDITIONS, start=1):
        ReturnCondition.objects.get_or_create(
            code=code, defaults={"label": label, "sort_order": order * 10}
        )


def unseed_conditions(apps, schema_editor):
    ReturnCondition = apps.get_model("returns", "ReturnCondition")
    codes = [code for code, _label in DEFAULT_CONDITIONS]
    ReturnCondition.objects.filter(code__in=codes, lines__isnull=True).delete()


def grant_role_permissions(apps, schema_editor):
    """Each action a group's ``return_order`` rule set grants, on the two new models (any
    action also grants view, as the roles do)."""
    from django.contrib.auth.management import create_permissions

    app_config = apps.get_app_config("returns")
    app_config.models_module = getattr(app_config, "models_module", None) or True
    create_permissions(app_config, apps=apps, verbosity=0)
    Permission = apps.get_model("auth", "Permission")
    RuleSet = apps.get_model("users", "RuleSet")
    by_action = {action: [] for action in ACTIONS}
    for pk, codename in Permission.objects.filter(
        content_type__app_label="returns", content_type__model__in=NEW_MODELS
    ).values_list("pk", "codename"):
        action = codename.split("_", 1)[0]
        if action in by_action:
            by_action[action].append(pk)
    for rule_set in RuleSet.objects.filter(name="return_order").select_related("group"):
        granted = {action for action in ACTIONS if getattr(rule_set, f"can_{action}")}
        if granted:
            granted.add("view")
        pks = [pk for action in granted for pk in by_action[action]]
        if pks:
            rule_set.group.permissions.add(*pks)


class Migration(migrations.Migration):
    dependencies = [
        ("returns", "0008_return_order_authorization"),
        ("users", "0003_reapply_role_permissions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="ReturnCondition",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code", models.SlugField(unique=True, verbose_name="code")),
                ("label", models.CharField(max_length=100, verbose_name="label")),
                ("active", models.BooleanField(default=True, verbose_name="active")),
                (
                    "sort_order",
                    models.PositiveIntegerField(
                        default=0,
                        help_text="Lower numbers are listed first",
                        verbose_name="sort order",
                    ),
                ),
            ],
            options={
                "verbose_name": "return condition",
                "ordering": ["sort_order", "label", "pk"],
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="ReturnReason",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code", models.SlugField(unique=True, verbose_name="code")),
                ("label", models.CharField(max_length=100, verbose_name="label")),
                ("active", models.BooleanField(default=True, verbose_name="active")),
                (
                    "sort_order",
                    models.PositiveIntegerField(
                        default=0,
                        help_text="Lower numbers are listed first",
                        verbose_name="sort order",
                    ),
                ),
            ],
            options={
                "verbose_name": "return reason",
                "ordering": ["sort_order", "label", "pk"],
                "abstract": False,
            },
        ),
        migrations.AddField(
            model_name="returnorderlineitem",
            name="condition",
            field=models.ForeignKey(
                blank=True,
                help_text="The condition the item arrived in (recorded at receipt)",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="lines",
                to="returns.returncondition",
                verbose_name="condition",
            ),
        ),
        migrations.AddField(
            model_name="returnorderlineitem",
            name="reason",
            field=models.ForeignKey(
                blank=True,
                help_text="Why the item is returned",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="lines",
                to="returns.returnreason",
                verbose_name="reason",
            ),
        ),
        migrations.RunPython(seed_conditions, unseed_conditions),
        migrations.RunPython(grant_role_permissions, migrations.RunPython.noop),
    ]
