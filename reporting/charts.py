"""ECharts options of the dashboards, built from their data (reporting.dashboard).

Each option is a plain dict handed to the page with `json_script` and drawn by
static/js/dashboard.js (the Content Security Policy allows no inline script). Every chart
has a table with the same figures beside or behind it on the page.
"""

from django.utils.translation import gettext as _
from django.utils.translation import pgettext


BLUE, ORANGE, GREY, GREEN = "#1f5fa8", "#d9822b", "#8a8f98", "#2e8b57"


def _migrant():
    return pgettext("dashboard", "Migrant membership rate")


def _founding():
    return pgettext("dashboard", "100+ founding rate")


def _pct(rate):
    """A rate as a number for the chart (2 decimals, half-up as displayed), None if empty."""
    return None if rate is None or rate.pct is None else float(rate.pct)


def _target_lines(milestones):
    return {"silent": True, "symbol": "none", "lineStyle": {"type": "dashed", "color": GREY},
            "label": {"formatter": "{b}", "fontSize": 10},
            "data": [{"name": m.label, "yAxis": float(m.target * 100)}
                     for m in milestones]}


def _base(legend=True):
    option = {
        "animation": False,
        "tooltip": {"trigger": "axis"},
        "grid": {"left": 8, "right": 72, "top": 48, "bottom": 8, "containLabel": True},
    }
    if legend:
        option["legend"] = {"top": 0}
    return option


def rates_by_scope(lines, milestones):
    """Both rates of each scope, as horizontal bars, with the milestone targets."""
    names = [line.name for line in lines]
    value_axis = {"type": "value", "max": 100, "axisLabel": {"formatter": "{value}%"}}
    category_axis = {"type": "category", "data": names, "inverse": True}
    migrant = {"name": _migrant(), "type": "bar", "color": BLUE,
               "data": [_pct(line.migrant) for line in lines]}
    founding = {"name": _founding(), "type": "bar", "color": ORANGE,
                "data": [_pct(line.founding) for line in lines]}
    marks = _target_lines(milestones)
    marks["data"] = [{"name": m.label, "xAxis": float(m.target * 100)} for m in milestones]
    migrant["markLine"] = marks
    option = _base()
    option.update({"xAxis": value_axis, "yAxis": category_axis, "series": [migrant, founding]})
    return option


def trend(trends, milestones):
    """Both rates by ten-day period, of the district and of one street when chosen."""
    dates = sorted({p.as_of for t in trends for p in t.points})
    labels = [f"{d:%m-%d}" for d in dates]
    series = []
    for index, line in enumerate(trends):
        by_date = {p.as_of: p for p in line.points}
        dashed = {"lineStyle": {"type": "dotted"}} if index else {}
        for name, attr, colour in ((_migrant(), "migrant", BLUE),
                                   (_founding(), "founding", ORANGE)):
            series.append({
                "name": f"{line.name} {name}", "type": "line", "color": colour,
                "connectNulls": True, **dashed,
                "data": [_pct(getattr(by_date[d], attr)) if d in by_date else None
                         for d in dates],
            })
    if series:
        series[0]["markLine"] = _target_lines(milestones)
    option = _base()
    option.update({"xAxis": {"type": "category", "data": labels},
                   "yAxis": {"type": "value", "max": 100,
                             "axisLabel": {"formatter": "{value}%"}},
                   "series": series})
    return option


def groups(group_lines, *, with_rate=True):
    """The occupation groups: new members this year, and the migrant rate when known."""
    option = _base()
    names = [g.name for g in group_lines]
    series = [{"name": pgettext("dashboard", "New members this year"), "type": "bar",
               "color": GREEN,
               "data": [g.new_members_this_year for g in group_lines]}]
    axes = [{"type": "value", "name": _("members")}]
    if with_rate:
        series.append({"name": _migrant(), "type": "line", "color": BLUE,
                       "yAxisIndex": 1, "data": [_pct(g.migrant) for g in group_lines]})
        axes.append({"type": "value", "max": 100, "axisLabel": {"formatter": "{value}%"}})
    option.update({"xAxis": {"type": "category", "data": names,
                             "axisLabel": {"interval": 0, "rotate": 30}},
                   "yAxis": axes, "series": series})
    return option


def backlog(lines):
    option = _base()
    option.update({
        "xAxis": {"type": "category", "data": [line.name for line in lines],
                  "axisLabel": {"interval": 0, "rotate": 30}},
        "yAxis": {"type": "value"},
        "series": [{"name": pgettext("dashboard", "Pending"), "type": "bar", "color": BLUE,
                    "data": [line.pending for line in lines]},
                   {"name": pgettext("dashboard", "Pending over 10 days"), "type": "bar",
                    "color": ORANGE,
                    "data": [line.overdue for line in lines]}],
    })
    return option


def subsidies(total):
    """Entitled and paid by funding source (city, district), in yuan."""
    option = _base()
    option.update({
        "xAxis": {"type": "category", "data": [pgettext("dashboard", "City funds"),
                                               pgettext("dashboard", "District funds")]},
        "yAxis": {"type": "value", "name": _("yuan")},
        "series": [{"name": pgettext("dashboard", "Entitled"), "type": "bar", "color": GREY,
                    "data": [float(total.entitled_city), float(total.entitled_district)]},
                   {"name": _("Paid"), "type": "bar", "color": GREEN,
                    "data": [float(total.paid_city), float(total.paid_district)]}],
    })
    return option
