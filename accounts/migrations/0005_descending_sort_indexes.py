"""Indexes for the descending sorts of the list (renewal, health, start date): they keep the accounts without a value
last, which a backward scan of the ascending indexes cannot give."""

from django.db import migrations

INDEXES = {
    "account_org_renewal_desc": "renewal_date",
    "account_org_health_desc": "health_score",
    "account_org_start_desc": "start_date",
}


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_trigram_on_raw_columns")]
    operations = [
        migrations.RunSQL(
            [
                f"CREATE INDEX {name} ON accounts_account (organization_id, {column} DESC NULLS LAST, id DESC)"
                for name, column in INDEXES.items()
            ],
            [f"DROP INDEX IF EXISTS {name}" for name in INDEXES],
        ),
    ]
