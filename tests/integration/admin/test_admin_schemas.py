"""The admin API's bodies and the learner API's share one namespace of schema names."""

from __future__ import annotations

from fastapi import FastAPI


def test_every_schema_has_one_name_and_an_option_is_described_once(app: FastAPI) -> None:
    schemas = app.openapi()["components"]["schemas"]
    # FastAPI qualifies a name by its module when two models share it.
    assert [name for name in schemas if "__" in name] == []
    option_stats = schemas["OptionStatOut"]
    assert option_stats["properties"]["text"] == schemas["OptionOut"]["properties"]["text"]
