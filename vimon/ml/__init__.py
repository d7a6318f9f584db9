"""Trainable Vietnamese text classifiers, offensive spans and the model registry.

Entry points for the rest of vimon live in ``vimon.ml.service`` (train, classify_file,
evaluate, predict_active, registry functions) and ``vimon.ml.commands`` (Typer commands).
"""
