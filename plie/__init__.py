"""PLIE Connect – Actions: the domain of the PLIE's orientation module.

This package never imports Streamlit; the pages in ``pages/`` call it.
"""
