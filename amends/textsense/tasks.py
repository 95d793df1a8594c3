from django_tasks import task

from . import services


@task()
def analyse_feedback_task(feedback_id: int) -> bool:
    """Read a feedback's free text in the worker (never during intake); True when there was text to read.

    Idempotent: the same model version never reads the same feedback twice.
    """
    return services.feedback_analyse(feedback_id=feedback_id) is not None


@task()
def analyse_feedback_many_task(feedback_ids: list[int]) -> int:
    """Read many feedback texts in one pass of the model (an import's chunk); returns how many have a reading.

    Idempotent as `analyse_feedback_task`.
    """
    return len(services.feedback_analyse_many(feedback_ids=feedback_ids))


@task()
def textsense_retrain_task() -> int:
    """Retrain the business's text model with its agents' corrections; returns how many went in."""
    model = services.textsense_retrain()
    return model.corrections if model is not None else 0
