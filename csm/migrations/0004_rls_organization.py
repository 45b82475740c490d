"""Row-level security on the organizations table (security audit, issue 8 item 18).

Every organization stays readable and anyone may create one (sign-up), but the app role may update or delete only
the row of the organization that `csm.tenancy.activate` made current. The memberships table's writes were already
limited to the current organization by its tenant policy (0001); its extra policy opens reading only.
"""

from django.db import migrations

from csm.tenancy.rls import TenantRLS


class Migration(migrations.Migration):
    dependencies = [
        ("csm", "0003_outbound_email"),
    ]

    operations = [
        TenantRLS(
            "Organization",
            # Sign-in and the switcher list a person's organizations, an invitation link names its organization,
            # sign-up checks that a slug is free: every row stays readable, as before.
            select_also="true",
            # Sign-up adds an organization before any is active; its id is fresh from the sequence.
            insert_also="true",
            column="id",
        ),
    ]
