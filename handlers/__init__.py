"""Slack in and out: one package per feature, each declaring `FEATURE = Feature(...)`
(`bot.feature`). `bot.features` lists them."""
