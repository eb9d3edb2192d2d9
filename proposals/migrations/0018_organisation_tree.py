
import django.core.validators
import proposals.validators
from django.db import migrations, models

from proposals import tree


def fill_paths(apps, schema_editor):
    """Today's three levels (city → county → branch) become paths of the tree, nothing else changes."""
    tree.rebuild_paths(apps.get_model("proposals", "Organisation"))


class Migration(migrations.Migration):

    dependencies = [
        ('proposals', '0017_meetings'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='organisation',
            options={'ordering': ['path'], 'verbose_name': 'organisation', 'verbose_name_plural': 'organisations'},
        ),
        migrations.RemoveConstraint(
            model_name='delegate',
            name='delegate_level_valid',
        ),
        migrations.RemoveConstraint(
            model_name='organisation',
            name='organisation_level_valid',
        ),
        migrations.RemoveConstraint(
            model_name='organisation',
            name='organisation_parent_matches_level',
        ),
        migrations.RemoveConstraint(
            model_name='session',
            name='session_level_valid',
        ),
        migrations.AddField(
            model_name='organisation',
            name='path',
            field=models.CharField(default='', editable=False, max_length=255),
        ),
        migrations.AlterField(
            model_name='delegate',
            name='level',
            field=models.CharField(choices=[('province', 'Province'), ('city', 'City'), ('county', 'County'), ('district', 'District')], max_length=8, verbose_name='level'),
        ),
        migrations.AlterField(
            model_name='organisation',
            name='level',
            field=models.CharField(choices=[('province', 'Province committee'), ('city', 'City committee'), ('county', 'County or district committee'), ('branch', 'Branch')], max_length=10, verbose_name='level'),
        ),
        migrations.AlterField(
            model_name='organisation',
            name='name',
            field=models.CharField(max_length=100, validators=[proposals.validators.SingleLineValidator()], verbose_name='name'),
        ),
        migrations.AlterField(
            model_name='organisation',
            name='position',
            field=models.PositiveSmallIntegerField(default=0, help_text='Smaller first among the organisations under one parent; equal ones in the order they were added.', validators=[django.core.validators.MaxValueValidator(99999)], verbose_name='official order'),
        ),
        migrations.AlterField(
            model_name='session',
            name='level',
            field=models.CharField(choices=[('province', 'Province'), ('city', 'City'), ('county', 'County'), ('district', 'District')], max_length=8, verbose_name='level'),
        ),
        migrations.AddIndex(
            model_name='organisation',
            index=models.Index(fields=['path'], name='organisation_path', opclasses=['varchar_pattern_ops']),
        ),
        migrations.AddConstraint(
            model_name='delegate',
            constraint=models.CheckConstraint(condition=models.Q(('level__in', ['province', 'city', 'county', 'district'])), name='delegate_level_valid'),
        ),
        migrations.AddConstraint(
            model_name='organisation',
            constraint=models.CheckConstraint(condition=models.Q(('level__in', ['province', 'city', 'county', 'branch'])), name='organisation_level_valid'),
        ),
        migrations.AddConstraint(
            model_name='organisation',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('level', 'province'), ('parent__isnull', False), _negated=True), models.Q(('level', 'branch'), ('parent__isnull', True), _negated=True)), name='organisation_parent_matches_level'),
        ),
        migrations.AddConstraint(
            model_name='organisation',
            constraint=models.UniqueConstraint(fields=('parent', 'name'), name='organisation_name_unique_among_siblings', violation_error_message='Another organisation under the same parent has this name.'),
        ),
        migrations.AddConstraint(
            model_name='organisation',
            constraint=models.UniqueConstraint(condition=models.Q(('parent__isnull', True)), fields=('name',), name='organisation_root_name_unique', violation_error_message='Another organisation at the top of a tree has this name.'),
        ),
        migrations.AddConstraint(
            model_name='session',
            constraint=models.CheckConstraint(condition=models.Q(('level__in', ['province', 'city', 'county', 'district'])), name='session_level_valid'),
        ),
        migrations.RunPython(fill_paths, migrations.RunPython.noop),
    ]
