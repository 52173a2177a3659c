"""The plugin writes the data's session and topic pages into the nav config, in data order."""

from __future__ import annotations

from genai_course.plugin.nav import place_in_nav


def test_pages_are_appended_to_their_section_in_order() -> None:
    nav: list[object] = [
        "index.md",
        {"Sessions": ["sessions/index.md"]},
        {"Topics": ["topics/index.md", {"Attention, first": "topics/attention.md"}]},
        {"Resources": ["resources.md"]},
    ]
    place_in_nav(
        nav,
        {
            "Sessions": ["sessions/session-01.md", "sessions/session-02.md"],
            "Topics": ["topics/attention.md", "topics/transformer.md"],
        },
    )
    assert nav == [
        "index.md",
        {"Sessions": ["sessions/index.md", "sessions/session-01.md", "sessions/session-02.md"]},
        # a page the instructor already placed (here with a title) is not listed twice
        {
            "Topics": [
                "topics/index.md",
                {"Attention, first": "topics/attention.md"},
                "topics/transformer.md",
            ]
        },
        {"Resources": ["resources.md"]},
    ]


def test_a_nav_without_the_sections_is_left_alone() -> None:
    nav: list[object] = ["index.md", {"Resources": ["resources.md"]}]
    place_in_nav(nav, {"Sessions": ["sessions/session-01.md"]})
    assert nav == ["index.md", {"Resources": ["resources.md"]}]
    place_in_nav(None, {"Sessions": ["sessions/session-01.md"]})  # no nav: MkDocs lists all pages
