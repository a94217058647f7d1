"""Re-derive every group's role permissions now that add and delete no longer imply change.

Before this migration a group whose rule set granted add (or delete) on a role also received
the change permission on every model of that role. This recomputes the role-managed
permissions of every group from its rule sets with the current rule: each flag grants its own
action, and any flag grants view. Permissions on models that no role manages are left alone.

The rule is written out here rather than imported, so that this migration keeps meaning what
it meant when it was written.
"""

from django.db import migrations
from django.db.models import Q

ACTIONS = ("view", "add", "change", "delete")


def _granted_actions(rule_set) -> set[str]:
    granted = {a for a in ACTIONS if getattr(rule_set, f"can_{a}")}
    if granted:
        granted.add("view")
    return granted


def reapply_role_permissions(apps, schema_editor):
    from users.roles import ROLES

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    RuleSet = apps.get_model("users", "RuleSet")

    # app_label.codename -> pk, for every permission some role manages.
    by_role: dict[str, dict[str, list[int]]] = {}
    managed: set[int] = set()
    for role, spec in ROLES.items():
        query = Q(pk__in=[])
        for label in spec["models"]:
            app_label, model_name = label.split(".")
            query |= Q(content_type__app_label=app_label, content_type__model=model_name)
        actions: dict[str, list[int]] = {action: [] for action in ACTIONS}
        for pk, codename in Permission.objects.filter(query).values_list("pk", "codename"):
            action = codename.split("_", 1)[0]
            if action in actions:
                actions[action].append(pk)
                managed.add(pk)
        by_role[role] = actions

    rule_sets: dict[int, list] = {}
    for rule_set in RuleSet.objects.all():
        rule_sets.setdefault(rule_set.group_id, []).append(rule_set)

    for group in Group.objects.filter(pk__in=list(rule_sets)):
        granted: set[int] = set()
        for rule_set in rule_sets[group.pk]:
            actions = by_role.get(rule_set.name)
            if actions is None:
                continue
            for action in _granted_actions(rule_set):
                granted.update(actions[action])
        current = set(group.permissions.values_list("pk", flat=True))
        group.permissions.remove(*((current & managed) - granted))
        group.permissions.add(*(granted - current))


class Migration(migrations.Migration):
    dependencies = [
        ("users", "0002_calendartoken"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    # Reversing keeps the narrower permissions: re-granting change to every group that holds
    # add or delete would reopen the hole this migration closes.
    operations = [migrations.RunPython(reapply_role_permissions, migrations.RunPython.noop)]
