"""accounts.ApiKey rebuilt on djangorestframework-api-key's abstract model.

The old table held only SHA-256 hashes of the keys, so its keys cannot be carried over:
the table is replaced and every client gets a new key (docs/operations.md). Going back
drops the new keys the same way.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0004_api_keys'),
    ]

    operations = [
        migrations.DeleteModel(name='ApiKey'),
        migrations.CreateModel(
            name='ApiKey',
            fields=[
                ('id', models.CharField(editable=False, max_length=150, primary_key=True, serialize=False, unique=True)),
                ('hashed_key', models.CharField(editable=False, max_length=150)),
                ('expiry_date', models.DateTimeField(blank=True, help_text='Once API key expires, clients cannot use it anymore.', null=True, verbose_name='Expires')),
                ('name', models.CharField(max_length=64, unique=True, verbose_name='client')),
                ('prefix', models.CharField(editable=False, max_length=8, unique=True, verbose_name='prefix')),
                ('created', models.DateTimeField(auto_now_add=True, db_index=True, verbose_name='created at')),
                ('revoked', models.BooleanField(blank=True, default=False, help_text='A revoked key is refused at once. Revoking cannot be undone: make a new key instead.', verbose_name='revoked')),
                ('last_used_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='last used')),
            ],
            options={
                'verbose_name': 'API key',
                'verbose_name_plural': 'API keys',
                'ordering': ['name'],
            },
        ),
    ]
