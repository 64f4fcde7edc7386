"""Surveys and staff interactions name a journey touchpoint instead of a free label.

Each business gets its industry's ready-made journey; a label finds the
touchpoint of the same name (or the ready-made key the old survey templates used), else a
touchpoint of that name is added to the journey's first stage. Nothing heard is lost.
"""

from django.db import migrations, models
import django.db.models.deletion

OLD_TEMPLATE_LABELS = {"after visit": "visit", "after purchase": "purchase", "support": "support"}


def link_labels(apps, schema_editor):
    Survey = apps.get_model("feedback", "Survey")
    Interaction = apps.get_model("feedback", "Interaction")
    Business = apps.get_model("accounts", "Business")
    labelled = set(
        Survey.objects.exclude(touchpoint_label="").values_list("business_id", flat=True)
    )
    labelled |= set(
        Interaction.objects.exclude(touchpoint_label="").values_list("business_id", flat=True)
    )
    for business in Business.objects.filter(pk__in=labelled):
        finder = _touchpoint_finder(apps, business)
        for model in (Survey, Interaction):
            rows = model.objects.filter(business=business).exclude(touchpoint_label="")
            for label in set(rows.values_list("touchpoint_label", flat=True)):
                rows.filter(touchpoint_label=label).update(touchpoint=finder(label))


def _touchpoint_finder(apps, business):
    from journeys.catalog import stages_for

    Journey = apps.get_model("journeys", "Journey")
    Stage = apps.get_model("journeys", "Stage")
    Touchpoint = apps.get_model("journeys", "Touchpoint")
    journey = Journey.objects.filter(business=business).first()
    if journey is None:
        journey = Journey.objects.create(
            business=business, name="Customer journey", template=business.industry
        )
        for position, (stage_name, touchpoints) in enumerate(stages_for(business.industry)):
            stage = Stage.objects.create(
                business=business, journey=journey, name=stage_name, position=position
            )
            for index, (name, key) in enumerate(touchpoints):
                Touchpoint.objects.create(
                    business=business, stage=stage, name=name, key=key, position=index
                )
    first_stage = Stage.objects.filter(journey=journey).order_by("position").first()

    def find(label):
        label = label.strip()
        key = OLD_TEMPLATE_LABELS.get(label.lower())
        found = Touchpoint.objects.filter(business=business, name__iexact=label).first()
        if found is None and key:
            found = Touchpoint.objects.filter(business=business, key=key).first()
        if found is None:
            position = Touchpoint.objects.filter(stage=first_stage).count()
            found = Touchpoint.objects.create(
                business=business, stage=first_stage, name=label[:100], position=position
            )
        return found

    return find


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0002_answer_sentiment_explanation_and_more"),
        ("journeys", "0001_initial"),
    ]

    operations = [
        migrations.RenameField("survey", "touchpoint", "touchpoint_label"),
        migrations.RenameField("interaction", "touchpoint", "touchpoint_label"),
        migrations.AddField(
            model_name="survey",
            name="touchpoint",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="journeys.touchpoint",
            ),
        ),
        migrations.AddField(
            model_name="interaction",
            name="touchpoint",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="journeys.touchpoint",
            ),
        ),
        migrations.RunPython(link_labels, migrations.RunPython.noop),
        migrations.RemoveField("survey", "touchpoint_label"),
        migrations.RemoveField("interaction", "touchpoint_label"),
    ]
