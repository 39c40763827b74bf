from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("reporting", "0002_campaigns_snapshots_reports"),
    ]

    operations = [
        migrations.AddField(
            model_name="snapshot",
            name="subsidy_totals",
            field=models.JSONField(blank=True, default=list, verbose_name="subsidy totals"),
        ),
    ]
