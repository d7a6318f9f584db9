from vimon.ml import metrics, spans, textprep


def test_tags_and_offsets_round_trip_fills_inner_gaps():
    text = "nói chung là dốt còn nát"
    tokens = textprep.tokens_with_offsets(text)
    gold = list(range(text.index("dốt"), len(text)))
    tags = spans.tags_from_offsets(tokens, gold)
    assert tags == ["O", "O", "O", "T", "T", "T"]
    assert spans.offsets_from_tags(tokens, tags) == gold
    assert spans.ranges(gold) == [[text.index("dốt"), len(text)]]
    assert spans.expand_ranges(spans.ranges(gold)) == gold


def test_span_f1_convention():
    assert metrics.span_f1([], []) == 1.0
    assert metrics.span_f1([1, 2], []) == 0.0
    assert metrics.span_f1([1, 2], [2, 3]) == 0.5


def test_crf_learns_insult_spans(tmp_path, comments):
    texts = [t for t, _, _ in comments]
    offsets = [o for _, _, o in comments]
    path = spans.train_span_tagger(texts, offsets, tmp_path / "s.crfsuite", max_iterations=60)
    tagger = spans.SpanTagger(path)
    text = "cảm ơn bạn đã chia sẻ óc chó luôn"
    found = tagger.spans(text)
    assert found and text[found[0][0] : found[0][1]] == "óc chó"
    assert tagger.spans("cảm ơn bạn đã chia sẻ") == []
