"""The actions a UAT script can contain, each performed by the firm-side clients.

Every handler takes the running :class:`~simulator.harness.rehearsal.Rehearsal` and one script
step, does what a tester would do, and answers a word the script's ``expect`` is compared with
(``accepted``, ``refused``, ``enrolled``, ``logged_in``, ``downloaded``, ...). The checks a
facility makes (deadline, window, entitlement) are the simulator's; a handler never decides
them itself.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from simulator.harness.controller import HarnessError
from simulator.harness.timetext import describe

if TYPE_CHECKING:
    from simulator.harness.rehearsal import Handler, Rehearsal, StepOutcome
    from simulator.harness.uat_script import ScriptStep


def _outcome(result: Any, message: str = "") -> StepOutcome:
    from simulator.harness.rehearsal import StepOutcome

    return StepOutcome(result, message)


def clock(rehearsal: Rehearsal, step: ScriptStep) -> StepOutcome:
    """Only move the clock (``at``); the outcome is the instant reached."""
    return _outcome("ok", f"clock at {describe(rehearsal.sim.now_ns())}")


def _tester(rehearsal: Rehearsal, step: ScriptStep) -> Any:
    return rehearsal.script.tester(str(step.fields["tester"]))


def register(rehearsal: Rehearsal, step: ScriptStep) -> StepOutcome:
    """Register the firm for the script's UAT (firm, MPIDs, testers, web user names)."""
    from simulator.harness.web_client import uat_day

    script = rehearsal.script
    tester = _tester(rehearsal, step) if "tester" in step.fields else script.testers[0]
    answer = _web(rehearsal).register_for_uat(
        tester=tester,
        uat=uat_day(script),
        firm=script.firm.name,
        mpids=list(step.fields.get("mpids") or script.firm.mpids),
        testers=[t.name for t in script.testers],
        usernames=[t.username for t in script.testers],
    )
    return _outcome(answer.result, answer.message)


def enrol_mfa(rehearsal: Rehearsal, step: ScriptStep) -> StepOutcome:
    answer = _web(rehearsal).enrol_mfa(
        _tester(rehearsal, step), factor=str(step.fields.get("factor", "totp"))
    )
    return _outcome(answer.result, answer.message)


def login(rehearsal: Rehearsal, step: ScriptStep) -> StepOutcome:
    answer = _web(rehearsal).login(
        _tester(rehearsal, step),
        route=str(step.fields.get("route", "mfa")),
        site=step.fields.get("site"),
    )
    return _outcome(answer.result, answer.message)


def display(rehearsal: Rehearsal, step: ScriptStep) -> StepOutcome:
    rehearsal.sim.data["uat_refs"] = set(rehearsal.state.get("trades", {}))
    shown = _web(rehearsal).display(_tester(rehearsal, step))
    return _outcome(shown, f"{len(shown)} trades on screen")


def download(rehearsal: Rehearsal, step: ScriptStep) -> StepOutcome:
    """Download a reference-data file: ``site`` (default download2.finratraqs.org) and
    ``auth`` -- ``certificate+password`` (the default: certificate, login ID and password) or
    ``password`` (the same without a certificate, to see it refused)."""
    from simulator.harness.web_client import API

    auth = str(step.fields.get("auth", "certificate+password"))
    answer = _web(rehearsal).download(
        _tester(rehearsal, step),
        str(step.fields.get("site") or API),
        certificate=auth == "certificate+password",
    )
    return _outcome(answer.result, answer.message)


def _web(rehearsal: Rehearsal) -> Any:
    client = rehearsal.state.get("web")
    if client is None:
        from simulator.harness.web_client import TraqsClient

        client = TraqsClient(rehearsal.sim, rehearsal.script)
        rehearsal.state["web"] = client
        rehearsal.sim.data.setdefault("closers", []).append(client.close)
    return client


def _fix(rehearsal: Rehearsal, facility: str, comp_id: str | None) -> Any:
    """The firm's FIX client at ``facility``, logged on the first time it is needed."""
    key = f"fix:{comp_id}:{facility}"
    client = rehearsal.state.get(key)
    if client is None:
        client = rehearsal.sim.fix_client(facility, comp_id)
        rehearsal.state[key] = client
    return client


def _request(step: ScriptStep, mpid_fallback: str) -> Any:
    from simulator.harness.adapter import TradeRequest

    trade = step.trade
    if trade is None:  # pragma: no cover - the loader requires it for 'report'
        raise HarnessError(f"step {step.id} has no trade")
    return TradeRequest(
        facility=trade.facility,
        mpid=trade.mpid or mpid_fallback,
        side=trade.side,
        symbol=trade.security,
        quantity=trade.quantity,
        price=trade.price,
        executed_ns=trade.executed_ns,
        client_ref=trade.ref,
        contra_mpid=trade.contra,
    )


def _verdict(ack: Any) -> StepOutcome:
    if ack.accepted:
        return _outcome("accepted", f"control number {ack.control_number}")
    return _outcome("refused", ack.text or ack.raw)


def _traqs(step: ScriptStep) -> bool:
    return step.fields.get("route") == "traqs"


def report(rehearsal: Rehearsal, step: ScriptStep) -> StepOutcome:
    if _traqs(step):
        assert step.trade is not None
        answer = _web(rehearsal).report(_tester(rehearsal, step), step.trade)
        if answer.result == "accepted":
            rehearsal.state.setdefault("web_trades", set()).add(step.trade.ref)
        return _outcome(answer.result, answer.message)
    trade = _request(step, rehearsal.script.firm.mpids[0])
    client = _fix(rehearsal, trade.facility, rehearsal.script.firm.fix_comp_id)
    ack = client.report(trade)
    rehearsal.state.setdefault("trades", {})[trade.client_ref] = (trade, client)
    return _verdict(ack)


def _original(rehearsal: Rehearsal, step: ScriptStep) -> tuple[Any, Any]:
    ref = str(step.fields["ref"])
    try:
        return rehearsal.state["trades"][ref]
    except KeyError:
        raise HarnessError(f"no trade {ref!r} was reported earlier in the script") from None


def cancel(rehearsal: Rehearsal, step: ScriptStep) -> StepOutcome:
    if _traqs(step):
        ref = str(step.fields["ref"])
        web = _web(rehearsal)
        live = f"{ref}R" if f"{ref}R" in web.trades else ref  # the correction, if any, is live
        answer = web.cancel(_tester(rehearsal, step), live)
        return _outcome(answer.result, answer.message)
    trade, client = _original(rehearsal, step)
    return _verdict(client.cancel(trade))


def correct(rehearsal: Rehearsal, step: ScriptStep) -> StepOutcome:
    import dataclasses

    changes = {str(k): v for k, v in dict(step.fields["changes"]).items()}
    if _traqs(step):
        ref = str(step.fields["ref"])
        answer = _web(rehearsal).correct(_tester(rehearsal, step), ref, changes)
        return _outcome(answer.result, answer.message)
    trade, client = _original(rehearsal, step)
    ack = client.correct(trade, **changes)
    if ack.accepted:
        # later steps name the trade by its first reference; it now lives on as the correction
        fixed = {k: Decimal(str(v)) for k, v in changes.items() if k in ("price", "quantity")}
        replacement = dataclasses.replace(trade, client_ref=f"{trade.client_ref}R", **fixed)
        rehearsal.state["trades"][str(step.fields["ref"])] = (replacement, client)
    return _verdict(ack)


def bystander_acknowledgements(rehearsal: Rehearsal, step: ScriptStep) -> StepOutcome:
    """The bystander's FIX client sends a transaction during the window: it is acknowledged,
    journaled as a UAT test transaction (not production), and the delivery is recorded."""
    from simulator.harness.adapter import TradeRequest

    bystander = rehearsal.script.bystander
    if bystander is None:
        raise HarnessError("the script names no bystander firm")
    sim = rehearsal.sim
    trade = TradeRequest(
        facility="trace-ca",
        mpid=bystander.mpids[0],
        side="S",
        symbol="037833100",
        quantity=Decimal(1000),
        price=Decimal(100),
        executed_ns=sim.now_ns() - 60 * 1_000_000_000,
        client_ref="BYSTANDER1",
    )
    ack = _fix(rehearsal, trade.facility, bystander.fix_comp_id).report(trade)
    if not ack.accepted:
        return _outcome("refused", ack.text or ack.raw)
    as_test = trade.client_ref in sim.journal_refs(environment="uat")
    in_production = trade.client_ref in sim.journal_refs(environment="production")
    if not as_test or in_production:
        return _outcome("acknowledged_as_production", "the journal books it as production")
    # the journal records whom the acknowledgement went to, and that the firm had not
    # registered for the test (seed 000: it must ignore such acknowledgements on Monday)
    delivered = [
        d
        for d in sim.deliveries(recipient=bystander.name, environment="uat")
        if str(d["msg_type"]).startswith("AE")
    ]
    if not delivered or any(d["registered"] is not False for d in delivered):
        return _outcome("acknowledged_unrecorded", f"deliveries: {delivered}")
    return _outcome(
        "acknowledged_as_test",
        f"control number {ack.control_number}, UAT; delivered to {bystander.name} "
        f"(not registered) at {delivered[-1]['at']}",
    )


def production_journal(rehearsal: Rehearsal, step: ScriptStep) -> StepOutcome:
    """Whether any of the script's trades reached the production journal."""
    refs = set(rehearsal.state.get("trades", {})) | {"BYSTANDER1"}
    refs |= set(rehearsal.state.get("web_trades", set()))
    booked = sorted(refs & set(rehearsal.sim.journal_refs(environment="production")))
    if booked:
        return _outcome("test_transactions_in_production", ", ".join(booked))
    return _outcome("no_test_transactions")


HANDLERS: dict[str, Handler] = {
    "clock": clock,
    "register": register,
    "enrol_mfa": enrol_mfa,
    "login": login,
    "report": report,
    "cancel": cancel,
    "correct": correct,
    "display": display,
    "download": download,
    "bystander_acknowledgements": bystander_acknowledgements,
    "production_journal": production_journal,
}
