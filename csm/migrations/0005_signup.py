"""Pending sign-ups (security audit, issue 8 item 16): sign-up keeps what was typed until the emailed link proves
the address, and only then creates the person and the organization (csm.services.request_sign_up).

A global table like csm_user: no organization yet, so no row-level security; `grant_privileges` gives it to the app
role after `migrate`. People with an account keep it as it is: the check applies to sign-ups from now on (those who
signed up before it, or came in by an invitation's link, or were created by an operator, count as confirmed).
"""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('csm', '0004_rls_organization'),
    ]

    operations = [
        migrations.CreateModel(
            name='SignUp',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('email', models.EmailField(max_length=254, unique=True)),
                ('password', models.CharField(max_length=128)),
                ('full_name', models.CharField(blank=True, max_length=150)),
                ('organization_name', models.CharField(max_length=120)),
                ('organization_slug', models.SlugField(db_index=False)),
                ('nonce', models.CharField(max_length=64)),
                ('mailed_nonce', models.CharField(blank=True, max_length=64)),
                ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('link_sent_at', models.DateTimeField(default=django.utils.timezone.now)),
                ('sent_times', models.JSONField(blank=True, default=list)),
            ],
            options={
                'indexes': [models.Index(fields=['link_sent_at'], name='signup_link_sent')],
            },
        ),
    ]
