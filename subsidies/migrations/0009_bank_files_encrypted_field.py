# The bank's files (payment files, result files) get the encrypted file field: no change in
# the database; the files themselves are encrypted by 0010.

import membership.pii
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('subsidies', '0008_programme_history'),
    ]

    operations = [
        migrations.AlterField(
            model_name='batch',
            name='payment_file',
            field=membership.pii.EncryptedPIIFileField(blank=True, upload_to='batches/', verbose_name='payment file'),
        ),
        migrations.AlterField(
            model_name='resultupload',
            name='file',
            field=membership.pii.EncryptedPIIFileField(upload_to='bank-results/', verbose_name='file'),
        ),
    ]
