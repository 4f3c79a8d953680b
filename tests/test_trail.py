"""The audit trail keeps exact accounting and maps positions back to the raw text."""
import pytest

from analysis.trail import Edit, Trail


def test_positions_map_back_through_several_stages():
    raw = "AAxxBBccDD"
    trail = Trail("f", raw)
    trail.apply("one", [Edit(2, 4, "", "k", "drop xx")])          # AABBccDD
    trail.apply("two", [Edit(4, 6, "YYYY", "k", "grow cc")])       # AABBYYYYDD
    trail.apply("three", [Edit(8, 10, "", "k", "drop DD")])        # AABBYYYY
    assert trail.text == "AABBYYYY"
    assert [r.position for r in trail.rows] == [2, 6, 8]
    assert raw[8:10] == "DD"
    assert trail.balance() == len(trail.text)


def test_overlapping_edits_are_refused():
    trail = Trail("f", "abcdef")
    with pytest.raises(ValueError, match="overlapping"):
        trail.apply("s", [Edit(0, 3, "", "k", "r"), Edit(2, 4, "", "k", "r")])


def test_no_op_edits_are_not_logged():
    trail = Trail("f", "abc")
    trail.apply("s", [Edit(0, 1, "a", "k", "same")])
    assert trail.rows == []
