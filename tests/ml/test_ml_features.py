from vimon.ml import textprep
from vimon.ml.features import FeatureConfig, Featurizer


def test_fold_strips_diacritics_and_maps_d():
    assert textprep.fold("Đường Hoàng Quốc Việt ĐÔNG") == "duong hoang quoc viet dong"
    assert textprep.fold("e\u0301") == "e"  # decomposed input too


def test_tone_key_ignores_tone_mark_placement():
    assert textprep.tone_key("hoà") == textprep.tone_key("hòa") == "hoa2"
    assert textprep.tone_key("thuỷ") == textprep.tone_key("thủy")
    assert textprep.tone_key("ba") == "ba"


def test_squeeze_joins_dotted_letters_and_caps_repeats():
    assert textprep.squeeze("Đ.M thằng này") == "đm thằng này"
    assert "nnn" not in textprep.squeeze("ngonnnnn")


def test_teencode_expansion():
    assert textprep.expand_teencode(["ko", "biết", "dc"]) == ["không", "biết", "được"]


def test_tokens_with_offsets_cover_the_text():
    text = "Thằng chó 😒 vl!"
    for tok, start, end in textprep.tokens_with_offsets(text):
        assert text[start:end] == tok


def test_featurizer_is_deterministic_and_folded_text_shares_features():
    texts = ["con chó này ngu quá", "hôm nay trời đẹp", "ngu như bò", "đẹp quá trời"] * 3
    feat = Featurizer(FeatureConfig(min_df=1)).fit(texts)
    a = feat.transform(["ngu quá"])
    b = Featurizer(FeatureConfig(min_df=1))
    b.load_state(*feat.state().values())
    assert (a != b.transform(["ngu quá"])).nnz == 0
    plain, folded = feat.transform(["hôm nay trời đẹp"]), feat.transform(["hom nay troi dep"])
    shared = set(plain.indices) & set(folded.indices)
    assert len(shared) >= 5  # char n-grams of the folded text match
    assert abs(plain.multiply(plain).sum() - 2.0) < 1e-4  # two blocks, each L2-normalized


# Texts that exercise every step of the preparation: teencode, dotted swear words, letter
# repeats, emoji and punctuation cues, shouting, text without diacritics, decomposed marks,
# a lone combining mark, unusual whitespace, final sigma, and empty text.
_TRICKY = [
    "Đ.M thằng này ngonnnnn 😒 vl!!! ko biết dc",
    "HÔM NAY TRỜI ĐẸP QUÁ",
    "hom nay troi dep qua",
    "Hoa\u0300 bi\u0300nh e\u0301 \u0301 x",
    "",
    "   \n\t ",
    "ΟΔΟΣ Σ ok\u2000hi\u3000x\u00a0y",
    "a.b.c-d *** ?? 🙂🙂 c-ặ-c đ_m",
    "Sở Thông tin và Truyền thông Hà Nội (Sở TT&TT) cho biết: 1.234 tin giả đã bị gỡ.",
]


def test_fast_features_equal_the_step_by_step_definition():
    feat = Featurizer(FeatureConfig(min_df=1))
    texts = _TRICKY + [" ".join(_TRICKY)]
    for text in texts * 2:  # the second pass reads the piece cache
        fast_words, fast_chars = feat._doc_indices(text)
        ref_words, ref_chars = feat._doc_indices_reference(text)
        assert sorted(fast_words) == sorted(ref_words), text
        assert sorted(fast_chars.tolist()) == sorted(ref_chars.tolist()), text


def test_count_matrix_sums_repeated_features_per_text():
    feat = Featurizer(FeatureConfig(min_df=1))
    words, chars = feat.counts(["ngu ngu ngu", "", "ngu"])
    assert words.has_canonical_format and words.shape[0] == 3
    assert words.getnnz(axis=1).tolist()[1] == 1  # an empty text has its length cue only
    assert words[1, feat.word_index("#len0")] == 1.0
    assert chars.getnnz(axis=1).tolist()[1] == 0
    unigram = feat.word_index("ngu")
    assert words[0, unigram] == 3.0 and words[2, unigram] == 1.0
    assert chars.dtype == words.dtype
