"""``fold_tokens`` (translate + split) gives the ``[a-z0-9]+`` runs of any text."""

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from vimon.text import fold
from vimon.text.fold import fold_tokens

_RUNS = re.compile(r"[a-z0-9]+")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(max_codepoint=0x1F64F), max_size=60))
def test_fold_tokens_are_the_alphanumeric_runs(text):
    for s in (text, text.lower(), fold(text)):
        assert fold_tokens(s) == _RUNS.findall(s)


def test_fold_tokens_examples():
    assert fold_tokens(fold("“Hà Nội” – 2026: ĐÔNG ĐÚC!")) == ["ha", "noi", "2026", "dong", "duc"]
    assert fold_tokens("a_b😒c ß9") == ["a", "b", "c", "9"]
