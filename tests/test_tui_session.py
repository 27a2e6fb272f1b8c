"""The session (what the user looks at) is plain state: no Textual, and its history, suspect
cursor and snapshot moves behave as the keys promise."""

from __future__ import annotations

import subprocess
import sys

from tui_support import SERIES, cached_loader

from leaktui.tui.loading import series_loader
from leaktui.tui.session import Session


def test_the_session_imports_no_textual() -> None:
    code = ("import sys, leaktui.tui.session, leaktui.tui.loading\n"
            "print(any(m.split('.')[0] in ('textual', 'rich') for m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.strip() == "False", done.stderr


def test_history_suspects_and_snapshot_moves() -> None:
    loaded = series_loader(cached_loader)(SERIES, lambda *progress: None)
    session = Session()
    session.set_loaded(loaded)
    assert session.current == loaded.last and session.on_last
    holder = loaded.suspects[0].holder
    assert session.step_suspect(1) is loaded.suspects[0] and session.suspect_index == 0
    assert session.suspect_for(holder) is loaded.suspects[0]
    session.object_node = holder
    session.remember(holder)
    session.remember(holder)  # the same entry twice is one entry
    other = int(session.snap.class_members(int(session.snap.class_id[0]))[0])
    session.remember(other)
    assert session.history == [(loaded.last, holder), (loaded.last, other)]
    assert session.step_history(-1) == (loaded.last, holder)
    assert session.step_history(-1) is None and session.history_pos == 0
    keep = session.step_snapshot(-1)  # to the previous snapshot, looking for the same id
    assert keep == int(loaded.snaps[-1].node_id[holder]) and session.current == loaded.last - 1
    assert session.suspect_for(holder) is None  # suspects belong to the last snapshot
