"""The whole team's open tasks by due date, then priority (the tasks page of a manager or an admin): the first rows of
each group are read in order from this index, and the groups' counts read it alone, whoever the tasks are assigned
to. Partial on `assignee_id IS NOT NULL`, the team's condition (accounts.selectors.tasks.Whose.filter), so that the
counts need no visit of the table to leave the unassigned tasks out.

Raw SQL, as 0005: the index is not declared on the model, so it adds no state that a later `makemigrations` would
take back.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("accounts", "0014_ticket_note")]
    operations = [
        migrations.RunSQL(
            "CREATE INDEX task_org_team_due ON accounts_task (organization_id, status, due_date, priority_rank, id) "
            "WHERE assignee_id IS NOT NULL",
            "DROP INDEX IF EXISTS task_org_team_due",
        ),
    ]
