"""The forms of the action edit page: the action, its sessions, employers and slots, its team.

Each form reads what the organiser typed, calls one plie function inside ui.app.attempt(),
and shows the French message at the form when the domain refuses; what was typed stays.
"""

from datetime import date, datetime, time, timedelta

import streamlit as st

from plie import actions, teams
from plie.dates import PARIS, format_datetime, format_span, paris_instant, today_in_paris
from plie.db import reading, writing
from plie.enums import ActionType, EligibilityScheme, MemberRole, SessionKind
from plie.models import Action, Session
from plie.text import counted
from ui import app


def _instant(day: date | None, clock: time | None) -> datetime | None:
    if day is None or clock is None:
        return None
    return paris_instant(day, clock.hour, clock.minute)


def _paris(moment: datetime) -> datetime:
    return moment.astimezone(PARIS)


def _field_errors(errors: dict, *names: str) -> None:
    for name in names:
        if name in errors:
            st.error(errors[name])


def action_form(user_id: int, action: Action | None) -> int | None:
    """The action's fields; returns the id of the action created or saved, if any."""
    today = today_in_paris()
    current = actions.action_input(action) if action else None
    errors: dict = {}
    with st.form("action_form"):
        title = st.text_input("Libellé *", value=current.title if current else "", max_chars=200)
        left, right = st.columns(2)
        kinds = list(ActionType)
        action_type = left.selectbox(
            "Type d'action *",
            kinds,
            index=kinds.index(current.action_type) if current else 0,
            format_func=lambda kind: kind.label,
        )
        schemes = list(EligibilityScheme)
        scheme = right.selectbox(
            "Éligibilité *",
            schemes,
            index=schemes.index(current.eligibility_scheme) if current else 0,
            format_func=lambda kind: kind.label,
        )
        summary = st.text_area("Résumé", value=current.summary if current else "", max_chars=500)
        description = st.text_area(
            "Description (affichée telle quelle, sans mise en forme)",
            value=current.description if current else "",
            height=160,
        )
        left, middle, right = st.columns(3)
        start = left.date_input(
            "Début de publication *",
            value=current.publication_start if current else today,
            format="DD/MM/YYYY",
        )
        end = middle.date_input(
            "Fin de publication *",
            value=current.publication_end if current else today + timedelta(days=60),
            format="DD/MM/YYYY",
        )
        commune = right.text_input("Commune", value=current.commune if current else "")
        left, middle, right = st.columns(3)
        self_registration = left.checkbox(
            "Les candidats peuvent s'inscrire eux-mêmes",
            value=current.allows_self_registration if current else False,
        )
        auto_validate = middle.checkbox(
            "Validation automatique des inscriptions",
            value=current.auto_validate if current else False,
        )
        max_employers = right.number_input(
            "Nb d'employeurs maximum par candidat",
            min_value=1,
            max_value=20,
            value=current.max_employers_per_candidate if current else 3,
        )
        guide = st.text_input(
            "Lien du document des justificatifs (PDF)",
            value=current.proofs_guide_url if current else "",
            placeholder="https://",
        )
        label = "Enregistrer l'action" if action else "Créer l'action"
        sent = st.form_submit_button(label, type="primary")
    if not sent:
        return None

    data = actions.ActionInput(
        title=title,
        action_type=action_type,
        summary=summary,
        description=description,
        eligibility_scheme=scheme,
        publication_start=start,
        publication_end=end,
        commune=commune,
        allows_self_registration=self_registration,
        auto_validate=auto_validate,
        max_employers_per_candidate=int(max_employers),
        proofs_guide_url=guide,
    )
    with app.attempt(errors), writing() as db:
        if action is None:
            return actions.create_action(db, by=user_id, data=data).id
        return actions.update_action(db, by=user_id, action_id=action.id, data=data).id
    if len(errors) > 1:
        _field_errors(errors, *errors)
    return None


def session_form(user_id: int, action_id: int, session: Session | None) -> bool:
    """Add a session (session None) or change one; True once saved."""
    key = f"session_{session.id if session else 'new'}"
    day = today_in_paris() + timedelta(days=30)
    starts = _paris(session.starts_at) if session else datetime.combine(day, time(9))
    ends = _paris(session.ends_at) if session else datetime.combine(day, time(12))
    errors: dict = {}
    with st.form(key):
        left, right = st.columns([3, 2])
        label = left.text_input("Libellé de la session *", value=session.label if session else "")
        kinds = list(SessionKind)
        kind = right.selectbox(
            "Type de session",
            kinds,
            index=kinds.index(session.kind) if session else 0,
            format_func=lambda value: value.label,
        )
        cols = st.columns(4)
        start_day = cols[0].date_input("Début *", value=starts.date(), format="DD/MM/YYYY")
        start_time = cols[1].time_input("Heure de début *", value=starts.time())
        end_day = cols[2].date_input("Fin *", value=ends.date(), format="DD/MM/YYYY")
        end_time = cols[3].time_input("Heure de fin *", value=ends.time())
        left, middle, right = st.columns([2, 3, 1])
        place = left.text_input("Lieu", value=session.place_name if session else "")
        address = middle.text_input("Adresse", value=session.address if session else "")
        capacity = right.number_input(
            "Capacité *", min_value=0, max_value=10_000, value=session.capacity if session else 20
        )
        deadline = st.date_input(
            "Limite d'inscription *",
            value=session.registration_deadline if session else day - timedelta(days=1),
            format="DD/MM/YYYY",
        )
        sent = st.form_submit_button(
            "Enregistrer la session" if session else "Ajouter la session", type="primary"
        )
    if not sent:
        return False

    data = actions.SessionInput(
        label=label,
        kind=kind,
        starts_at=_instant(start_day, start_time),
        ends_at=_instant(end_day, end_time),
        capacity=int(capacity),
        registration_deadline=deadline,
        place_name=place,
        address=address,
    )
    with app.attempt(errors), writing() as db:
        if session is None:
            actions.add_session(db, by=user_id, action_id=action_id, data=data)
        else:
            actions.update_session(db, by=user_id, session_id=session.id, data=data)
        return True
    if len(errors) > 1:
        _field_errors(errors, *errors)
    return False


def employers_section(user_id: int, setup: actions.SessionSetup) -> bool:
    """A recruitment session's employers, their offers and slots; True after a change."""
    session = setup.session
    for entry in setup.employers:
        employer = entry.employer
        st.markdown(f"**{app.plain(employer.name)}**")
        if employer.job_offers:
            st.text(employer.job_offers)
        for slot in entry.slots:
            left, right = st.columns([4, 1])
            left.write(
                f"Créneau {format_datetime(slot.starts_at)} : "
                f"{counted(slot.places_left, 'place restante', 'places restantes')} "
                f"sur {slot.capacity}"
            )
            if right.button("Supprimer", key=f"delete_slot_{slot.id}"):
                with app.attempt(), writing() as db:
                    actions.delete_slot(db, by=user_id, slot_id=slot.id)
                    return True
        if st.button(
            app.plain(f"Supprimer l'employeur {employer.name}"),
            key=f"delete_employer_{employer.id}",
        ):
            with app.attempt(), writing() as db:
                actions.delete_employer(db, by=user_id, employer_id=employer.id)
                return True

    # Emptied only once the employer is added: a refusal keeps what was typed.
    fields = (f"employer_name_{session.id}", f"employer_offers_{session.id}")
    with st.form(f"employer_new_{session.id}"):
        left, right = st.columns([2, 3])
        name = left.text_input("Employeur *", key=fields[0])
        offers = right.text_input("Offres d'emploi", key=fields[1])
        if st.form_submit_button("Ajouter l'employeur"):
            with app.attempt(), writing() as db:
                data = actions.EmployerInput(name=name, job_offers=offers)
                actions.add_employer(db, by=user_id, session_id=session.id, data=data)
                for field in fields:
                    del st.session_state[field]
                return True

    if setup.employers:
        starts = _paris(session.starts_at)
        with st.form(f"slot_new_{session.id}"):
            cols = st.columns(4)
            names = {entry.employer.id: entry.employer.name for entry in setup.employers}
            employer_id = cols[0].selectbox(
                "Employeur du créneau", list(names), format_func=lambda value: names[value]
            )
            day = cols[1].date_input("Jour du créneau", value=starts.date(), format="DD/MM/YYYY")
            clock = cols[2].time_input("Heure du créneau", value=starts.time())
            places = cols[3].number_input("Places du créneau", min_value=0, value=5)
            if st.form_submit_button("Ajouter le créneau"):
                with app.attempt(), writing() as db:
                    data = actions.SlotInput(starts_at=_instant(day, clock), capacity=int(places))
                    actions.add_slot(db, by=user_id, employer_id=employer_id, data=data)
                    return True
    return False


def session_title(setup: actions.SessionSetup) -> str:
    session = setup.session
    return (
        f"{session.label} – {format_span(session.starts_at, session.ends_at)} · "
        f"{counted(session.places_left, 'place restante', 'places restantes')} sur "
        f"{session.capacity} · {counted(setup.registrations, 'inscription')}"
    )


def team_section(user_id: int, action_id: int, may_manage: bool) -> bool:
    """The organisers; the pilot finds professionals by name or email and adds or removes them."""
    with st.container():
        with reading() as db:
            members = teams.team(db, by=user_id, action_id=action_id)
        for member in members:
            left, right = st.columns([4, 1])
            left.markdown(
                app.plain(
                    f"{member['Rôle']} : {member['Nom']} – {member['Structure']} "
                    f"({member['Email']})"
                )
            )
            if may_manage and member["role"] is not MemberRole.PILOT:
                if right.button("Retirer", key=f"remove_member_{member['professional_id']}"):
                    with app.attempt(), writing() as db:
                        teams.remove_member(
                            db,
                            by=user_id,
                            action_id=action_id,
                            professional_id=member["professional_id"],
                        )
                        return True
        if not may_manage:
            st.caption("Seul le pilote de l'action peut gérer ses organisateurs.")
            return False

        query = st.text_input(
            "Rechercher un professionnel (nom ou email)", key="team_search"
        ).strip()
        if not query:
            return False
        found = []
        with app.attempt(), reading() as db:
            found = teams.find_professionals(db, by=user_id, action_id=action_id, query=query)
            if not found:
                st.info("Aucun professionnel ne correspond à cette recherche.")
        roles = [MemberRole.PARTNER, MemberRole.COPILOT]
        for person in found:
            cols = st.columns([3, 1, 1])
            cols[0].markdown(
                app.plain(f"{person['Nom']} – {person['Structure']} ({person['Email']})")
            )
            role = cols[1].selectbox(
                "Rôle",
                roles,
                format_func=lambda value: value.label,
                key=f"role_for_{person['professional_id']}",
                label_visibility="collapsed",
            )
            if cols[2].button("Ajouter", key=f"add_member_{person['professional_id']}"):
                with app.attempt(), writing() as db:
                    teams.add_member(
                        db,
                        by=user_id,
                        action_id=action_id,
                        professional_id=person["professional_id"],
                        role=role,
                    )
                    return True
    return False
