"""Trigram indexes for the accounts list's search (name, domains, contact email: `icontains`, which PostgreSQL runs
as `UPPER(column) LIKE UPPER('%term%')`). They lead with organization_id, like every index of a tenant table;
btree_gin lets a GIN index hold that bigint column."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_default_settings")]
    operations = [
        migrations.RunSQL(
            [
                "CREATE EXTENSION IF NOT EXISTS pg_trgm",
                "CREATE EXTENSION IF NOT EXISTS btree_gin",
                "CREATE INDEX account_org_name_trgm ON accounts_account "
                "USING gin (organization_id, upper(name) gin_trgm_ops)",
                "CREATE INDEX account_org_domains_trgm ON accounts_account "
                "USING gin (organization_id, upper(domains) gin_trgm_ops)",
                "CREATE INDEX contact_org_email_trgm ON accounts_contact "
                "USING gin (organization_id, upper(email) gin_trgm_ops)",
            ],
            [
                "DROP INDEX IF EXISTS contact_org_email_trgm",
                "DROP INDEX IF EXISTS account_org_domains_trgm",
                "DROP INDEX IF EXISTS account_org_name_trgm",
            ],
        ),
    ]
