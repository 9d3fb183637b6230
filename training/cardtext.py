"""Text that goes into a model card: no absolute paths of the machine that trained it."""
import re

_ABS = re.compile(r"(^|[\s(=:'\"])(/[^\s()'\",;]+)")


def short_paths(text):
    """Each absolute path cut to its last 3 components (`/work/shared/datasets/casting/train/good`
    -> `casting/train/good`), as src/model/card.ts shortenPaths does for old cards."""
    if text is None:
        return None
    return _ABS.sub(lambda m: m.group(1) + '/'.join([p for p in m.group(2).split('/') if p][-3:]), text)
