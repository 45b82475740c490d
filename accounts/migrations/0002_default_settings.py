"""Give organizations created before the accounts app their default tiers, stages and onboarding template."""

from django.db import migrations

TIERS = ["Tech-touch", "SMB", "Enterprise"]
STAGES = [
    ("Trial", "trial"),
    ("Onboarding", "onboarding"),
    ("Adoption", "adoption"),
    ("Mature", "mature"),
    ("Renewal", "renewal"),
    ("Churned", "churned"),
]


def forwards(apps, schema_editor):
    alias = schema_editor.connection.alias
    Organization = apps.get_model("csm", "Organization")
    Tier = apps.get_model("accounts", "Tier")
    LifecycleStage = apps.get_model("accounts", "LifecycleStage")
    # Historical models have plain managers: this runs as the owner, across organizations, on purpose.
    for organization in Organization.objects.using(alias).all():
        if not Tier.objects.using(alias).filter(organization=organization).exists():
            Tier.objects.using(alias).bulk_create(
                Tier(organization=organization, name=name, position=i) for i, name in enumerate(TIERS)
            )
        if not LifecycleStage.objects.using(alias).filter(organization=organization).exists():
            LifecycleStage.objects.using(alias).bulk_create(
                LifecycleStage(organization=organization, name=name, category=category, position=i)
                for i, (name, category) in enumerate(STAGES)
            )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
