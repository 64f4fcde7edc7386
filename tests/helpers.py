from __future__ import annotations

from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from feedback.filing import answers_file
from feedback.models import Question, Survey
from feedback.services import response_submit


def answer(survey: Survey, score: int, comment: str = "", **options):
    """Submit one response to a default NPS survey through the real service. Its answers
    are filed at once, as without a broker, so the test has its Answer rows whether or
    not tasks run eagerly (where a worker runs, its filing task then finds nothing)."""
    nps, reason = survey.questions.order_by("position")
    raw = {str(nps.uuid): score}
    if comment:
        raw[str(reason.uuid)] = comment
    response = response_submit(survey=survey, raw_answers=raw, **options)
    answers_file([response.pk])
    return response


def with_answered_follow_up(survey: Survey) -> tuple[Question, Question]:
    """The NPS question with a follow-up, and one customer's answers to both."""
    from feedback.builder.services import QuestionInput, question_add

    nps = survey.questions.get(kind="nps")
    follow_up = question_add(
        survey=survey,
        data=QuestionInput(kind="text", prompt="Why low?", show_if_question=nps, show_if_max=6),
    )
    response_submit(survey=survey, raw_answers={str(nps.uuid): 3, str(follow_up.uuid): "Slow"})
    return nps, follow_up


def migrate(targets=None):
    """Migrate the test database to `targets` (the newest migrations when None); the
    apps as they are at that point."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def migrate_logging_sql(targets) -> list[str]:
    """Migrate to `targets`; the SQL statements it ran, in order."""
    statements: list[str] = []

    def log(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(log):
        migrate(targets)
    return statements


def constraints_of(table: str) -> dict[str, dict]:
    """The table's constraints and indexes, as the database's introspection gives them."""
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, table)
