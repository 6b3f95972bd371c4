from __future__ import annotations

import pytest

from sqtui.domain.cooldown import CooldownLeft, Cooldowns


def test_nothing_blocks_before_any_create() -> None:
    assert Cooldowns().remaining("a", now=1000.0) is None


def test_user_cooldown_blocks_every_resource_for_five_seconds() -> None:
    cooldowns = Cooldowns()
    cooldowns.record("a", now=100.0)
    left = cooldowns.remaining("b", now=102.0)
    assert left == CooldownLeft("user", pytest.approx(3.0))
    assert cooldowns.remaining("b", now=105.0) is None


def test_resource_cooldown_is_180_seconds_and_wins_over_user() -> None:
    cooldowns = Cooldowns()
    cooldowns.record("a", now=100.0)
    left = cooldowns.remaining("a", now=101.0)
    assert left is not None and left.scope == "resource"
    assert left.seconds == pytest.approx(179.0)
    assert cooldowns.remaining("a", now=279.9) is not None
    assert cooldowns.remaining("a", now=280.0) is None


def test_server_keep_calm_uses_the_seconds_it_names() -> None:
    cooldowns = Cooldowns()
    cooldowns.record_server_cooldown("a", now=50.0, message="Wait 42 seconds before that")
    left = cooldowns.remaining("a", now=52.0)
    assert left is not None and left.seconds == pytest.approx(40.0)


def test_server_keep_calm_without_a_number_assumes_the_user_cooldown() -> None:
    cooldowns = Cooldowns()
    cooldowns.record_server_cooldown("a", now=50.0, message="Keep calm!")
    left = cooldowns.remaining("a", now=51.0)
    assert left is not None and left.seconds == pytest.approx(4.0)


def test_human_text_names_the_wait_and_the_scope() -> None:
    assert CooldownLeft("resource", 160.2).human() == "wait 2 min 40 s (cooldown of this resource)"
    assert CooldownLeft("user", 0.2).human() == "wait 1 s (cooldown of your account)"


def test_undo_forgets_a_refused_create() -> None:
    cooldowns = Cooldowns()
    saved = cooldowns.snapshot("a")
    cooldowns.record("a", now=10.0)
    cooldowns.undo("a", saved)
    assert cooldowns.remaining("a", now=10.5) is None
