"""Tasks by name: a report names its tasks by code (the API and the CSV keep the codes); the
pages show each task's title and the group it belongs to, as the plan names them."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from motcua.monitoring import repository


@dataclass(frozen=True)
class TaskName:
    code: str
    title: str
    group: str | None
    title_en: str | None = None  # English mode's words; None: the Vietnamese
    group_en: str | None = None


async def task_names(session: AsyncSession) -> dict[str, TaskName]:
    """Every task's title and group label, by task code."""
    return {
        task.code: TaskName(
            task.code,
            task.title,
            (plan.groups or {}).get(task.group_key) if task.group_key else None,
            task.title_en,
            (plan.groups_en or {}).get(task.group_key) if task.group_key else None,
        )
        for task, _, plan in await repository.tasks_with_indicators(session)
    }
