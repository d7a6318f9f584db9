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
