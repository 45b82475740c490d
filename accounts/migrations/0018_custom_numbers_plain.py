# The account form kept a whole custom number such as 2400 as "2.4E+3" (Decimal.normalize's string): rewrite
# those as plain decimals, as the form and the import now keep them. One UPDATE per number field, whatever the
# number of accounts; values that are not numbers are left alone.

from django.db import migrations

REWRITE = """
UPDATE accounts_account
SET custom_fields = jsonb_set(custom_fields, ARRAY[%s], to_jsonb(trim_scale((custom_fields->>%s)::numeric)::text))
WHERE organization_id = %s
  AND custom_fields->>%s ~* '^[+-]?[0-9]+(\\.[0-9]+)?e[+-]?[0-9]+$'
"""


def rewrite(apps, schema_editor):
    CustomField = apps.get_model("accounts", "CustomField")
    with schema_editor.connection.cursor() as cursor:
        for organization_id, key in (
            CustomField.objects.using(schema_editor.connection.alias)
            .filter(field_type="number")
            .values_list("organization_id", "key")
        ):
            cursor.execute(REWRITE, [key, key, organization_id, key])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0017_bulk_change")]

    operations = [migrations.RunPython(rewrite, migrations.RunPython.noop)]
