// ELZ dashboard: filters, trend chart (Chart.js), table per commune, triage, CSV downloads.
// Every text from the server is put on the page with textContent, never as HTML.
"use strict";

const TYPE_COLOURS = { unmet_need: "#005a8c", knelpunt: "#c8553d", data_quality: "#5a8c00" };

let options = null; // GET /api/v1/signals/options: the filters' values and the triage transitions
let chart = null;
let listOffset = 0;

function filterParams() {
  const params = new URLSearchParams();
  const from = document.getElementById("f-from").value;
  const to = document.getElementById("f-to").value;
  if (from) params.set("from", from);
  if (to) params.set("to", to);
  for (const [id, name] of [["f-type", "type"], ["f-commune", "commune"], ["f-category", "category"]]) {
    const value = document.getElementById(id).value;
    if (value) params.set(name, value);
  }
  const demo = document.getElementById("f-demo").value;
  if (demo && demo !== "include") params.set("demo", demo);
  return params;
}

function fillSelect(select, items, keep) {
  const previous = keep ? select.value : "";
  select.replaceChildren(el("option", t("all")));
  select.firstChild.value = "";
  for (const [value, label] of items) {
    const option = el("option", label);
    option.value = value;
    select.appendChild(option);
  }
  select.value = previous;
}

function communeName(code) {
  if (!code || code === "unknown") return t("unknown");
  const commune = options.communes.find((c) => c.code === code);
  return commune ? commune["name_" + staff.lang] : code;
}

function categoryName(id) {
  const category = options.categories.find((c) => c.id === id);
  return category ? category["title_" + staff.lang] : String(id);
}

const typeLabel = (value) => label("signal_types", value);
const statusLabel = (value) => label("signal_statuses", value);

function applyOptions() {
  if (!options) return;
  fillSelect(document.getElementById("f-type"), options.types.map((v) => [v, typeLabel(v)]), true);
  fillSelect(document.getElementById("f-commune"),
    [...options.communes.map((c) => [c.code, c["name_" + staff.lang]]), ["unknown", t("unknown")]], true);
  fillSelect(document.getElementById("f-category"),
    options.categories.map((c) => [String(c.id), c["title_" + staff.lang]]), true);
  fillSelect(document.getElementById("f-status"), options.statuses.map((v) => [v, statusLabel(v)]), true);
}

function updateLinks() {
  const params = filterParams();
  const report = new URLSearchParams(params);
  report.set("group_by", "type,category,commune,month");
  report.set("format", "csv");
  document.getElementById("csv").href = "/api/v1/signals/report?" + report;
  const escalation = new URLSearchParams(params);
  escalation.set("lang", staff.lang);
  document.getElementById("escalation").href = "/api/v1/signals/escalations?" + escalation;
  escalation.set("format", "csv");
  document.getElementById("escalation-csv").href = "/api/v1/signals/escalations?" + escalation;
}

async function loadTrend(params, generation) {
  const query = new URLSearchParams(params);
  query.set("group_by", "month,type");
  const report = await api("/api/v1/signals/report?" + query);
  if (generation !== refreshes) return;  // a later refresh is under way: its figures, not these, are shown
  const months = [];
  for (let m = report.from; m <= report.to; m = nextMonth(m)) months.push(m);
  const byType = {};
  for (const row of report.rows) {
    byType[row.type] = byType[row.type] || {};
    byType[row.type][row.month] = row;
  }
  const datasets = options.types.filter((type) => byType[type]).map((type) => ({
    label: typeLabel(type),
    data: months.map((m) => (byType[type][m] ? byType[type][m].count : 0)),
    displays: months.map((m) => (byType[type][m] ? byType[type][m].display : "0")),
    borderColor: TYPE_COLOURS[type],
    backgroundColor: TYPE_COLOURS[type],
    spanGaps: false,
  }));
  if (chart) chart.destroy();
  chart = new window.Chart(document.getElementById("trend"), {
    type: "line",
    data: { labels: months, datasets },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
      plugins: {
        tooltip: {
          callbacks: {
            // A hidden cell ("< 5" or "x") is a gap in the line; the tooltip says why.
            label: (item) => item.dataset.label + ": " + item.dataset.displays[item.dataIndex],
          },
        },
      },
    },
  });
  document.getElementById("trend").dataset.points = String(report.rows.length);
}

function nextMonth(month) {
  const [year, m] = month.split("-").map(Number);
  return m === 12 ? `${year + 1}-01` : `${year}-${String(m + 1).padStart(2, "0")}`;
}

async function loadCommunes(params, generation) {
  const byType = new URLSearchParams(params);
  byType.set("group_by", "commune,type");
  const totals = new URLSearchParams(params);
  totals.set("group_by", "commune");
  const [cells, sums] = await Promise.all([
    api("/api/v1/signals/report?" + byType), api("/api/v1/signals/report?" + totals),
  ]);
  if (generation !== refreshes) return;
  const table = document.getElementById("communes");
  const head = el("tr");
  head.appendChild(el("th", t("commune")));
  for (const type of options.types) head.appendChild(el("th", typeLabel(type), "num"));
  head.appendChild(el("th", t("total"), "num"));
  const withDemo = sums.total.demo_display !== undefined;  // only when demo signals are counted in
  if (withDemo) head.appendChild(el("th", t("ofWhichDemo"), "num demo"));
  table.tHead.replaceChildren(head);
  const rows = {};
  for (const row of cells.rows) {
    rows[row.commune] = rows[row.commune] || {};
    rows[row.commune][row.type] = row.display;
  }
  const totalOf = Object.fromEntries(sums.rows.map((row) => [row.commune, row.display]));
  const demoOf = Object.fromEntries(sums.rows.map((row) => [row.commune, row.demo_display]));
  const body = table.tBodies[0];
  body.replaceChildren();
  const codes = Object.keys(rows).sort((a, b) => communeName(a).localeCompare(communeName(b)));
  for (const code of codes) {
    const tr = el("tr");
    tr.appendChild(el("td", communeName(code)));
    for (const type of options.types) tr.appendChild(el("td", rows[code][type] || "0", "num"));
    tr.appendChild(el("td", totalOf[code] || "0", "num"));
    if (withDemo) tr.appendChild(el("td", demoOf[code] || "0", "num demo"));
    body.appendChild(tr);
  }
  const total = el("tr");
  total.appendChild(el("th", t("total")));
  for (let i = 0; i < options.types.length; i++) total.appendChild(el("td", ""));
  total.appendChild(el("th", sums.total.display, "num"));
  if (withDemo) total.appendChild(el("th", sums.total.demo_display, "num demo"));
  body.appendChild(total);
}

async function loadSignals(params, append, generation = refreshes) {
  const query = new URLSearchParams(params);
  const status = document.getElementById("f-status").value;
  if (status) query.set("status", status);
  if (!append) listOffset = 0;
  query.set("offset", String(listOffset));
  query.set("limit", "50");
  const page = await api("/api/v1/signals?" + query);
  if (generation !== refreshes) return;  // a later refresh lists other signals
  const body = document.querySelector("#signals tbody");
  if (!append) body.replaceChildren();
  if (!append && page.items.length === 0) {
    const tr = el("tr");
    const td = el("td", t("none"));
    td.colSpan = 7;
    tr.appendChild(td);
    body.appendChild(tr);
  }
  for (const signal of page.items) body.appendChild(signalRow(signal));
  listOffset += page.items.length;
  document.getElementById("more").hidden = listOffset >= page.total;
}

function signalRow(signal) {
  const tr = el("tr");
  tr.dataset.id = String(signal.id);
  tr.appendChild(el("td", signal.created_on));
  const type = el("td", typeLabel(signal.type) + (signal.barrier ? " · " + label("barriers", signal.barrier) : ""));
  if (signal.demo) type.appendChild(el("span", t("demoBadge"), "badge demo"));
  tr.appendChild(type);
  tr.appendChild(el("td", signal.categories.map((c) => c["title_" + staff.lang]).join(", ")));
  tr.appendChild(el("td", signal.commune ? signal.commune["name_" + staff.lang] : t("unknown")));
  const text = el("td", signal.text || "");
  if (signal.service) {
    const service = el("div", "", "service");
    const link = el("a", (signal.service["name_" + staff.lang] || signal.service.id) + " (" + t("sheet") + ")");
    link.href = signal.service.hsds_url || "#";
    link.target = "_blank";
    link.rel = "noopener";
    service.appendChild(link);
    text.appendChild(service);
  }
  tr.appendChild(text);
  const status = el("td", statusLabel(signal.status), "status status-" + signal.status);
  if (signal.note) status.appendChild(el("div", signal.note, "note"));
  tr.appendChild(status);
  tr.appendChild(triageCell(signal));
  return tr;
}

function triageCell(signal) {
  const td = el("td");
  const form = el("form", undefined, "triage");
  const select = el("select");
  select.name = "status";
  select.setAttribute("aria-label", t("status"));
  const keep = el("option", "—");  // no status change: only a note
  keep.value = "";
  select.appendChild(keep);
  for (const next of options.transitions[signal.status] || []) {
    const option = el("option", statusLabel(next));
    option.value = next;
    select.appendChild(option);
  }
  const note = el("input");
  note.name = "note";
  note.maxLength = 2000;
  note.placeholder = t("note");
  note.setAttribute("aria-label", t("note"));
  const save = el("button", t("save"));
  save.type = "submit";
  form.append(select, note, save);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const updated = await api("/api/v1/signals/" + signal.id, {
        method: "PATCH", json: { status: select.value || null, note: note.value || null },
      });
      td.parentNode.replaceWith(signalRow(updated));
      say(t("saved"));
    } catch (error) {
      say(error.message, true);
    }
  });
  td.appendChild(form);
  if (signal.type === "data_quality" && signal.service && signal.service.exists) {
    const verify = el("button", t("verified"));
    verify.type = "button";
    verify.addEventListener("click", async () => {
      try {
        await api("/api/v1/signals/" + signal.id + "/service-verified", { method: "POST" });
        say(t("verifiedDone"));
      } catch (error) {
        say(error.message, true);
      }
    });
    td.appendChild(verify);
  }
  return td;
}

// Each refresh is numbered: the answers of an earlier one that arrive late are dropped (filtering right after the
// page opened once showed the filtered table beside the unfiltered chart). aria-busy is set while one runs.
let refreshes = 0;

async function refresh() {
  const generation = ++refreshes;
  const report = document.getElementById("report");
  report.setAttribute("aria-busy", "true");
  say(t("loading"));
  const params = filterParams();
  updateLinks();
  try {
    await Promise.all([loadTrend(params, generation), loadCommunes(params, generation), loadSignals(params, false, generation)]);
    if (generation === refreshes) say("");
  } catch (error) {
    say(error.message, true);
  } finally {
    if (generation === refreshes) report.removeAttribute("aria-busy");
  }
}

document.addEventListener("DOMContentLoaded", async () => {
  try {
    await startScreen("elz", () => { applyOptions(); refresh(); });
    await signedIn();
    options = await api("/api/v1/signals/options");
  } catch (error) {
    say(error.message, true);
    return;
  }
  applyOptions();
  document.getElementById("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    refresh();
  });
  document.getElementById("f-status").addEventListener("change", () => {
    loadSignals(filterParams(), false).catch((error) => say(error.message, true));
  });
  document.getElementById("more").addEventListener("click", () => {
    loadSignals(filterParams(), true).catch((error) => say(error.message, true));
  });
  refresh();
});
