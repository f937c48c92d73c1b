"""Revue's pipeline: corpus → articles, sentences, mentions, entities, events, quotes tables.

Stages are functions from tables to tables (pandas DataFrames) with no UI and no printing;
`pipeline.build.build` chains them and `pipeline.cli` is the command line over it.
"""
