"""The employer × time-slot grid of a recruitment session, with the places left in each slot."""

import streamlit as st

from plie.recruitment import Grid
from plie.text import counted
from ui import app


def slot_grid(grid: Grid, *, prefix: str, disabled: bool = False) -> list[int]:
    """One row per employer, one column per time; return the slots ticked."""
    st.markdown(f"**{app.plain(grid.session_label)}**")
    widths = [3] + [2] * len(grid.times)
    header = st.columns(widths)
    header[0].caption("Employeur")
    for column, label in zip(header[1:], grid.time_labels(), strict=True):
        column.caption(label)
    ticked = []
    for employer in grid.employers:
        row = st.columns(widths)
        row[0].markdown(app.plain(employer.name))
        for column, moment in zip(row[1:], grid.times, strict=True):
            cell = grid.cells.get((employer.id, moment))
            if cell is None:
                column.caption("—")
                continue
            full = cell.places_left <= 0 and not cell.chosen
            places = (
                "complet"
                if full
                else counted(cell.places_left, "place restante", "places restantes")
            )
            if column.checkbox(
                places,
                value=cell.chosen,
                disabled=disabled or full,
                key=f"{prefix}_slot_{cell.slot_id}",
            ):
                ticked.append(cell.slot_id)
    st.caption(
        "Nb d'employeurs maximum que peut rencontrer un candidat par session : "
        f"{grid.max_employers}"
    )
    return ticked
