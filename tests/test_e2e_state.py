"""Reading positions survive a hung-up terminal and kill -9, with the real `dubao` in tmux."""

from __future__ import annotations

import os
import random
import signal
import time
from pathlib import Path

import pytest

from tui.core.layout import Anchor
from tui.store.state import StateStore

from .dubao_term import DUBAO, showing, user_dirs
from .tmux import Tmux

SCROLLBAR = " ▁▂▃▄▅▆▇█▔▐▌"  # the scrollbar's thumb moves with the position: not text
PARAGRAPH = "读者合上电脑或断开连接以后,再次打开时应当回到原来读到的地方。" * 12


@pytest.fixture
def paper(tmp_path: Path) -> Path:
    folder = tmp_path / "paper" / "2025-12-10"
    folder.mkdir(parents=True)
    paragraphs = "".join(f"第{n}段:{PARAGRAPH}\n\n" for n in range(1, 41))
    (folder / "01.md").write_text(f"## 长文章\n\n{paragraphs}## 第二篇\n\n短。\n", encoding="utf-8")
    return tmp_path / "paper"


def article_lines(screen: str) -> list[str]:
    """The article pane's rows (right of the sidebar's border)."""
    rows = [line.split("▕", 1)[1] for line in screen.splitlines() if "▕" in line]
    return [row.rstrip(SCROLLBAR).strip() for row in rows]


def scrolled(screen: str) -> bool:
    """The article's headline has left the article pane (it stays in the sidebar)."""
    return not any("长文章" in line for line in article_lines(screen))


def open_store(home: Path) -> StateStore:
    return StateStore.open(home / "data" / "dubao" / "state.sqlite3")


def test_hangup_saves_and_the_next_launch_is_at_the_same_place(home: Path, paper: Path) -> None:
    command = [DUBAO, str(paper)]
    with Tmux(command, 80, 24, env=user_dirs(home), socket_dir=home) as term:
        term.wait_for(showing("长文章", "Article 1 of 2", "第1段"))
        term.send("space", "space", "space", "j", "j")
        term.wait_for(scrolled)  # the keys have been read
        before = article_lines(term.wait_stable())
        assert any("第" in line for line in before)
        os.kill(term.pane_pid(), signal.SIGHUP)  # what a dropped SSH link delivers
        assert term.wait_for_exit(10) == 0
        term.respawn(command, env=user_dirs(home))
        # The same rows of text at the top of the article pane (a timeout shows the screen).
        term.wait_for(lambda screen: article_lines(screen)[:5] == before[:5])


def test_sigterm_saves_and_exits_cleanly(home: Path, paper: Path) -> None:
    command = [DUBAO, str(paper)]
    with Tmux(command, 100, 30, env=user_dirs(home), socket_dir=home) as term:
        term.wait_for(showing("长文章", "Article 1 of 2", "第1段"))
        term.send("space", "space")
        term.wait_for(scrolled)
        term.wait_stable()
        os.kill(term.pane_pid(), signal.SIGTERM)
        assert term.wait_for_exit(10) == 0
    store = open_store(home)
    key = StateStore.library_key([paper])
    article_id = store.last_article(key)
    assert article_id is not None
    state = store.position(article_id)
    assert state is not None and state.anchor.block >= 1
    store.close()


def test_kill_9_while_scrolling_loses_at_most_about_a_second(home: Path, paper: Path) -> None:
    """30 times: scroll, kill -9 at a random moment; the store opens with a recent position."""
    rng = random.Random(20261129)
    command = [DUBAO, str(paper)]
    key = StateStore.library_key([paper])
    with Tmux(command, 80, 24, env=user_dirs(home), socket_dir=home) as term:
        for attempt in range(30):
            if attempt:
                term.respawn(command, env=user_dirs(home))
            term.wait_for(showing("Article 1 of 2"))
            term.send("g")
            scroll_for = rng.uniform(0.3, 2.0)
            started = time.time()
            while time.time() - started < scroll_for:
                term.send("j")
                time.sleep(0.04)
            os.kill(term.pane_pid(), signal.SIGKILL)
            killed = time.time()
            term.wait_for_exit(10)
            store = open_store(home)
            try:
                assert store.notice is None, store.notice
                article_id = store.last_article(key)
                assert article_id is not None
                state = store.position(article_id)
                assert state is not None, f"attempt {attempt}: nothing saved"
                if scroll_for >= 1.5:  # a save has happened since scrolling began
                    assert state.anchor != Anchor(-1, 0), f"attempt {attempt}: still at the top"
                age = killed - state.updated
                assert age <= 1.6, f"attempt {attempt}: saved position {age:.2f} s old"
            finally:
                store.close()
