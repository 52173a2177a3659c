"""The demo embedding's messages to the instructor."""

from __future__ import annotations

import pytest

from genai_course.plugin.embed import DemoError, render_demo_html
from tests.conftest import ROOT


def test_a_misspelled_demo_is_named_with_the_nearest_and_the_list() -> None:
    with pytest.raises(DemoError) as caught:
        render_demo_html("atention", ROOT / "demos")
    message = str(caught.value)
    assert message.startswith('no demo called "atention" (used as {{ demo("atention") }})')
    assert 'Did you mean {{ demo("attention") }}?' in message
    listed = message.split("The demos are: ")[1].split(", ")
    assert listed == sorted(p.stem for p in (ROOT / "demos").glob("*.py"))
    assert "attention" in listed and "sampling" in listed


def test_a_name_near_nothing_gets_the_list_only() -> None:
    with pytest.raises(DemoError) as caught:
        render_demo_html("fourier", ROOT / "demos")
    assert "Did you mean" not in str(caught.value)
    assert "The demos are: attention, " in str(caught.value)
