"""Script breakdown: a whole script (plain text or Fountain) becomes proposed cuts and assets.

``reading`` turns an upload or a paste into beats, ``offline`` and ``gemini`` propose a
``Breakdown`` from them, ``linking`` puts the @mentions in, and ``services`` writes a reviewed
breakdown to the project in one transaction.
"""
