"""How signals and reports leave the service: JSON shapes, CSV (Excel-friendly for Belgian staff: UTF-8
with BOM, semicolons) and the printable escalation report (HTML, Dutch or French, escaped text only)."""

import csv
import io
from datetime import date
from html import escape

from sqlalchemy.orm import Session

from api.signals.filters import UNKNOWN_COMMUNE
from api.signals.reports import EscalationReport, Report
from dialogue.signal_models import Signal, SignalEvent
from kb import geo, taxonomy

CSV_DELIMITER = ";"

TYPE_LABELS = {
    "nl": {"unmet_need": "Onbeantwoorde nood", "knelpunt": "Knelpunt", "data_quality": "Sociale kaart fout"},
    "fr": {
        "unmet_need": "Besoin non rencontré", "knelpunt": "Obstacle", "data_quality": "Erreur carte sociale"
    },
}


def category_titles(category_id: int | None) -> dict[str, str]:
    category = taxonomy.categories().get(category_id) if category_id is not None else None
    if category is None:
        return {"nl": "", "fr": ""}
    return {"nl": category.title_nl, "fr": category.title_fr}


def commune_names(code: str | None) -> dict[str, str]:
    for commune in geo.communes():
        if commune.code == code:
            return {"nl": commune.name_nl, "fr": commune.name_fr}
    return {"nl": "onbekend", "fr": "inconnue"}


def signal_json(session: Session, signal: Signal, events: list[SignalEvent] | None = None) -> dict:
    out = {
        "id": signal.id,
        "type": signal.signal_type,
        "categories": [
            {"id": c, "title_nl": category_titles(c)["nl"], "title_fr": category_titles(c)["fr"]}
            for c in signal.category_ids
        ],
        "commune": (
            {"code": signal.commune_code, **_prefixed("name_", commune_names(signal.commune_code))}
            if signal.commune_code
            else None
        ),
        "language": signal.language,
        "age_band": signal.age_band,
        "source": signal.source,
        "barrier": signal.barrier,
        "text": signal.text,
        "created_on": signal.created_on.isoformat(),
        "status": signal.status,
        "note": signal.note,
        "status_changed_at": signal.status_changed_at.isoformat() if signal.status_changed_at else None,
        "service": _service_json(session, signal.service_id) if signal.service_id else None,
        "demo": signal.demo,  # found against the DEMO directory: says nothing about the real sociale kaart
    }
    if events is not None:
        out["events"] = [
            {
                "at": e.at.isoformat(), "actor": e.actor, "from": e.from_status, "to": e.to_status,
                "note": e.note,
            }
            for e in events
        ]
    return out


def _prefixed(prefix: str, values: dict[str, str]) -> dict[str, str]:
    return {prefix + k: v for k, v in values.items()}


def _service_json(session: Session, service_id: str) -> dict:
    from kb.models import Service

    service = session.get(Service, service_id)
    if service is None:
        return {"id": service_id, "exists": False}
    return {
        "id": service_id,
        "exists": True,
        "name_nl": service.name_nl,
        "name_fr": service.name_fr,
        "last_verified_at": service.last_verified_at.isoformat() if service.last_verified_at else None,
        "hsds_url": f"/hsds/services/{service_id}",
    }


def _key_columns(dim: str, value: object) -> dict[str, object]:
    if dim == "category":
        titles = category_titles(value)  # type: ignore[arg-type]
        return {"category": value, "category_nl": titles["nl"], "category_fr": titles["fr"]}
    if dim == "commune":
        names = commune_names(value)  # type: ignore[arg-type]
        return {"commune": value or UNKNOWN_COMMUNE, "commune_nl": names["nl"], "commune_fr": names["fr"]}
    return {dim: value}


def report_json(report: Report) -> dict:
    return {
        "group_by": report.group_by,
        "from": report.month_from.strftime("%Y-%m"),
        "to": report.month_to.strftime("%Y-%m"),
        "small_cell_rule": "counts 1-4 are shown as '< 5'; 'x' hides a cell that would reveal one",
        "demo_filter": report.demo_filter,
        "demo_rule": DEMO_RULE,
        "rows": [
            {
                **{k: v for dim, value in row.key.items() for k, v in _key_columns(dim, value).items()},
                "count": row.published.count,
                "display": row.published.display,
                **_demo_json(row.demo),
            }
            for row in report.rows
        ],
        "total": {
            "count": report.total.count, "display": report.total.display, **_demo_json(report.demo_total)
        },
    }


DEMO_RULE = (
    "demo: signals found against the DEMO directory (fictitious services); they say nothing about the real "
    "sociale kaart. demo=include counts them (with how many in demo_count), exclude leaves them out, only "
    "counts them alone."
)


def _demo_json(published) -> dict:
    if published is None:
        return {}
    return {"demo_count": published.count, "demo_display": published.display}


def _csv_text(header: list[str], rows: list[list[object]]) -> str:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # BOM: Excel then reads UTF-8
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_safe(v) for v in row])
    return buffer.getvalue()


def _csv_safe(value: object) -> object:
    """No spreadsheet formulas from data: a cell starting with = + - @ gets a leading quote."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return "" if value is None else value


def report_csv(report: Report) -> str:
    header: list[str] = []
    for dim in report.group_by:
        header.extend(_key_columns(dim, None).keys())
    header.append("count")
    with_demo = report.demo_total is not None
    if with_demo:
        header.append("of_which_demo")
    rows = []
    for row in report.rows:
        cells = [v for dim, value in row.key.items() for v in _key_columns(dim, value).values()]
        rows.append([*cells, row.published.display, *([row.demo.display] if with_demo else [])])
    last = [report.total.display, *([report.demo_total.display] if with_demo else [])]
    rows.append(["total"] + [""] * (len(header) - 1 - len(last)) + last)
    if report.demo_filter != "include":
        rows.append([f"demo={report.demo_filter}"] + [""] * (len(header) - 1))
    return _csv_text(header, rows)


def escalation_csv(report: EscalationReport) -> str:
    with_demo = report.demo_total is not None
    header = ["type", "category", "category_nl", "category_fr", "commune", "commune_nl", "commune_fr",
              *report.months, "total", *(["of_which_demo"] if with_demo else []), "trend"]
    rows = []
    for g in report.groups:
        titles, names = category_titles(g.category_id), commune_names(g.commune_code)
        rows.append([
            g.signal_type, g.category_id, titles["nl"], titles["fr"], g.commune_code or UNKNOWN_COMMUNE,
            names["nl"], names["fr"], *[g.months[m].display if m in g.months else 0 for m in report.months],
            g.total.display, *([g.demo.display] if with_demo and g.demo else []), g.trend,
        ])
    last = [report.total.display, *([report.demo_total.display] if with_demo else []), ""]
    rows.append(["total"] + [""] * (len(header) - 1 - len(last)) + last)
    if report.demo_filter != "include":
        rows.append([f"demo={report.demo_filter}"] + [""] * (len(header) - 1))
    return _csv_text(header, rows)


ESCALATION_TEXTS = {
    "nl": {
        "title": "Escalatierapport signalen",
        "intro": "Signalen die de eerstelijnszone Brussel doorgeeft aan de regionale zorgzone (zorgraad).",
        "period": "Periode",
        "type": "Soort",
        "category": "Categorie",
        "commune": "Gemeente",
        "total": "Totaal",
        "trend": "Trend",
        "notes": "Toelichting",
        "none": "Geen geëscaleerde signalen in deze periode.",
        "rule": (
            "Aantallen van 1 tot 4 staan als '< 5'; 'x' verbergt een cel die een kleine cel zou verraden."
        ),
        "up": "stijgend",
        "down": "dalend",
        "stable": "stabiel",
        "print": "Afgedrukt op",
        "demo": "Waarvan demo",
        "demo_note": (
            "Demo: signalen die tegen de DEMO-sociale kaart (fictieve diensten) zijn gevonden; ze zeggen niets "
            "over de echte sociale kaart."
        ),
        "demo_exclude": "Zonder demosignalen.",
        "demo_only": "Alleen demosignalen: dit zegt niets over de echte sociale kaart.",
    },
    "fr": {
        "title": "Rapport d'escalade des signaux",
        "intro": "Signaux que la zone de première ligne de Bruxelles transmet à la zone de soins régionale.",
        "period": "Période",
        "type": "Type",
        "category": "Catégorie",
        "commune": "Commune",
        "total": "Total",
        "trend": "Tendance",
        "notes": "Explications",
        "none": "Aucun signal escaladé pendant cette période.",
        "rule": (
            "Les nombres de 1 à 4 sont affichés '< 5' ; 'x' masque une cellule qui révélerait une petite "
            "cellule."
        ),
        "up": "en hausse",
        "down": "en baisse",
        "stable": "stable",
        "print": "Imprimé le",
        "demo": "Dont démo",
        "demo_note": (
            "Démo : signaux trouvés avec la carte sociale de DÉMO (services fictifs) ; ils ne disent rien de la "
            "vraie carte sociale."
        ),
        "demo_exclude": "Sans les signaux de démo.",
        "demo_only": "Uniquement les signaux de démo : cela ne dit rien de la vraie carte sociale.",
    },
}


def _demo_td(published) -> str:
    return f"<td class=\"num demo\">{escape(published.display) if published else '0'}</td>"


def escalation_html(report: EscalationReport, lang: str, today: date) -> str:
    t = ESCALATION_TEXTS[lang]
    period = f"{report.month_from:%Y-%m} – {report.month_to:%Y-%m}"
    head = "".join(f"<th>{escape(m)}</th>" for m in report.months)
    with_demo = report.demo_total is not None
    demo_head = f"<th>{t['demo']}</th>" if with_demo else ""
    demo_total = f" · <strong>{t['demo']}:</strong> {escape(report.demo_total.display)}" if with_demo else ""
    demo_note = {"include": t["demo_note"], "exclude": t["demo_exclude"], "only": t["demo_only"]}[
        report.demo_filter
    ]
    body = []
    for g in report.groups:
        months = "".join(
            f"<td class=\"num\">{escape(g.months[m].display) if m in g.months else '0'}</td>"
            for m in report.months
        )
        notes = "".join(f"<li>{escape(n)}</li>" for n in g.notes)
        body.append(
            "<tr>"
            f"<td>{escape(TYPE_LABELS[lang][g.signal_type])}</td>"
            f"<td>{escape(category_titles(g.category_id)[lang])}</td>"
            f"<td>{escape(commune_names(g.commune_code)[lang])}</td>"
            f"{months}<td class=\"num total\">{escape(g.total.display)}</td>"
            f"{_demo_td(g.demo) if with_demo else ''}"
            f"<td>{escape(t.get(g.trend, ''))}</td>"
            f"<td>{'<ul>' + notes + '</ul>' if notes else ''}</td>"
            "</tr>"
        )
    table = (
        f"<table><thead><tr><th>{t['type']}</th><th>{t['category']}</th><th>{t['commune']}</th>{head}"
        f"<th>{t['total']}</th>{demo_head}<th>{t['trend']}</th><th>{t['notes']}</th></tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>"
        if body
        else f"<p>{t['none']}</p>"
    )
    return (
        f"<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">"
        f"<title>{escape(t['title'])} {escape(period)}</title>"
        "<link rel=\"stylesheet\" href=\"/elz/assets/print.css\"></head><body>"
        f"<h1>{escape(t['title'])}</h1><p>{escape(t['intro'])}</p>"
        f"<p><strong>{t['period']}:</strong> {escape(period)} · <strong>{t['total']}:</strong> "
        f"{escape(report.total.display)}{demo_total}</p>"
        f"{table}<p class=\"rule\">{escape(t['rule'])}</p><p class=\"rule demo\">{escape(demo_note)}</p>"
        f"<p class=\"rule\">{t['print']} {today:%Y-%m-%d}</p></body></html>"
    )
