"""Search by `ILIKE` on the raw columns (csm.lookups): the trigram indexes move from `upper(col)` to `col`."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("accounts", "0003_search_indexes")]
    operations = [
        migrations.RunSQL(
            [
                "DROP INDEX IF EXISTS account_org_name_trgm",
                "DROP INDEX IF EXISTS account_org_domains_trgm",
                "DROP INDEX IF EXISTS contact_org_email_trgm",
                "CREATE INDEX account_org_name_trgm ON accounts_account USING gin (organization_id, name gin_trgm_ops)",
                "CREATE INDEX account_org_domains_trgm ON accounts_account "
                "USING gin (organization_id, domains gin_trgm_ops)",
                "CREATE INDEX contact_org_email_trgm ON accounts_contact USING gin (organization_id, email gin_trgm_ops)",
                "CREATE INDEX ticket_org_subject_trgm ON accounts_ticket USING gin (organization_id, subject gin_trgm_ops)",
            ],
            [
                "DROP INDEX IF EXISTS ticket_org_subject_trgm",
                "DROP INDEX IF EXISTS contact_org_email_trgm",
                "DROP INDEX IF EXISTS account_org_domains_trgm",
                "DROP INDEX IF EXISTS account_org_name_trgm",
                "CREATE INDEX account_org_name_trgm ON accounts_account "
                "USING gin (organization_id, upper(name) gin_trgm_ops)",
                "CREATE INDEX account_org_domains_trgm ON accounts_account "
                "USING gin (organization_id, upper(domains) gin_trgm_ops)",
                "CREATE INDEX contact_org_email_trgm ON accounts_contact "
                "USING gin (organization_id, upper(email) gin_trgm_ops)",
            ],
        ),
    ]
