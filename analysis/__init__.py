"""Comparative content analysis of Chinese local news on smart policing (智慧警务).

Stages live in small modules: ``paths`` (where things are), ``encoding`` and
``mojibake`` (bytes → text), ``clean`` (text repair with an audit log),
``articles`` (file → articles, relevance), ``plotting`` (shared CJK style) and
``pipeline`` (the ``python -m analysis run`` command).
"""
