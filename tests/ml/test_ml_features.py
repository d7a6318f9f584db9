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
