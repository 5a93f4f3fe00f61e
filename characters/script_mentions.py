"""Assets the script mentions and the prompt leaves out. Only the prompt's @mentions send
reference images, so the reference panel names these and offers to add them to the prompt."""

from characters.mentions import find_mentions
from characters.models import Asset
from projects.models import Cut


def mentions_missing_from_prompt(*, cut: Cut, script: str, prompt: str) -> list[str]:
    """Known handles of the script, in order, that the prompt does not mention."""
    if "@" not in script:
        return []
    handles = list(Asset.objects.filter(project_id=cut.project_id).values_list("handle", flat=True))
    in_prompt = {mention.handle.casefold() for mention in find_mentions(prompt, handles)}
    return [
        mention.handle
        for mention in find_mentions(script, handles)
        if mention.known and mention.handle.casefold() not in in_prompt
    ]
