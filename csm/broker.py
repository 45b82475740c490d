"""kombu's filesystem transport, with messages that appear whole: the broker of `make run` (no Redis).

kombu's own `_put` creates the message file in the queue folder and only then writes it, so a worker polling the
folder can take the file while it is still empty: the worker dies on a JSON error and the message is lost (seen
here: a beat tick and the worker's poll at the same moment stopped `make run`). This transport writes each message
to a hidden file that the reader ignores, then renames it into place, which is atomic on one filesystem.

Selected by `CELERY_BROKER_TRANSPORT` in csm.settings when `REDIS_URL` is not set.
"""

from __future__ import annotations

import os
import uuid
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    # filesystem.Channel's signature; kombu's own base classes disagree about it.
    def _put(self, queue: str, payload: dict[str, Any], **kwargs: Any) -> None:  # type: ignore[override]
        # The reader takes `<ms>_<uuid>.<queue>.msg` in name order; a name that starts with a dot never matches.
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = os.path.join(self.data_folder_out, f".{name}.part")
        try:
            with open(partial, "wb") as file:
                file.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
