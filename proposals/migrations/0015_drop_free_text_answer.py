# The free-text handling units, answer and rating now live in Handling, Answer and AnswerRating (0014 moved them).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('proposals', '0014_handling_from_free_text'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='proposal',
            name='proposal_rating_valid',
        ),
        migrations.RemoveField(
            model_name='proposal',
            name='answer',
        ),
        migrations.RemoveField(
            model_name='proposal',
            name='answered_on',
        ),
        migrations.RemoveField(
            model_name='proposal',
            name='handling_units',
        ),
        migrations.RemoveField(
            model_name='proposal',
            name='rating',
        ),
    ]
