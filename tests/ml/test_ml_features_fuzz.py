"""The cached, per-piece featurization equals the step-by-step definition on any text."""

from hypothesis import given, settings
from hypothesis import strategies as st

from vimon.ml.features import FeatureConfig, Featurizer

_FEAT = Featurizer(FeatureConfig(min_df=1))
_ALPHABET = st.sampled_from(list(
    "abcdđeghiklmnoơôpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ"
    "AĐÔƠƯÀÁẠ .-_*!?,;:()\"'\n\t\u00a0\u2000\u0300\u0301\u0303\u0309\u0323😒🙂ΣσςΟΔ0123456789"))


@settings(max_examples=300, deadline=None)
@given(st.lists(_ALPHABET, max_size=80).map("".join))
def test_fast_features_equal_reference(text):
    fast_words, fast_chars = _FEAT._doc_indices(text)
    ref_words, ref_chars = _FEAT._doc_indices_reference(text)
    assert sorted(fast_words) == sorted(ref_words)
    assert sorted(fast_chars.tolist()) == sorted(ref_chars.tolist())


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcđêơưàáạ ,.-_0123456789", max_size=90),
       st.integers(1, 3), st.integers(0, 4))
def test_char_ngrams_are_every_slice_by_length_then_start(word, lo, extra):
    """``char_ngrams`` (spans cached for word-sized strings) equals the plain definition:
    every n-gram of the space-padded word for n in [lo, hi], shorter ones first."""
    from vimon.ml.features import char_ngrams

    hi = lo + extra
    padded = f" {word} "
    plain = [padded[i:i + n] for n in range(lo, min(hi, len(padded)) + 1)
             for i in range(len(padded) - n + 1)]
    assert char_ngrams(word, lo, hi) == plain
