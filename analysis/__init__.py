"""Comparative content analysis of Chinese local news on smart policing (智慧警务).

Stages live in small modules: ``paths`` (where things are); ``encoding``, ``mojibake``,
``clean``, ``articles`` and ``trail`` (raw bytes → clean articles with an audit log);
``segment`` and ``tokenize`` (units and tokens); ``codebook``, ``coder``, ``reliability`` and
``validation`` (frame coding and its validation); ``plotting`` and ``glossary`` (the shared
figure style); ``pipeline`` and ``notebooks`` (the ``python -m analysis`` commands).
"""
