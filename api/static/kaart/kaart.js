// Keeping the sociale kaart current: the review queue, search, an edit form with a diff before saving,
// history and revert. Texts come from the staff catalogs (staff.js); server text goes in with textContent.
"use strict";

const FIELDS = [
  ["name_nl", "input"], ["name_fr", "input"], ["description_nl", "textarea"], ["description_fr", "textarea"],
  ["email", "input"], ["url", "input"], ["status", "select"], ["phones", "textarea"], ["schedules", "textarea"],
  ["languages", "input"], ["categories", "input"],
];
let statuses = []; // the vocabularies service_statuses and review_reasons (staff.js: vocabulary())
let reasons = [];
let current = null; // the open service: {id, etag, editable, hsds}
let pending = null; // the edit shown in the diff, waiting for "save"

// A change to the open service, sent with its ETag. Returns the new document, or null once a stale edit
// (412: the newer version is loaded) or invalid fields (422: shown next to the fields) are dealt with.
async function send(method, path, body) {
  try {
    return await api(path, { method, headers: { "If-Match": current.etag }, json: body });
  } catch (error) {
    if (error.status === 412) { await openService(current.id); say(t("stale"), true); return null; }
    if (error.status === 422 && error.body && Array.isArray(error.body.detail)) { showProblems(error.body.detail); return null; }
    throw error;
  }
}

// ------------------------------------------------------------------------------------ field texts
function asText(field, value) {
  if (value === null || value === undefined) return "";
  if (field === "phones") return value.map((p) => p.number + (p.type && p.type !== "voice" ? " | " + p.type : "")).join("\n");
  if (field === "schedules") {
    return value.map((s) => (s.byday ? s.byday + " " + s.opens_at + "-" + s.closes_at
      : s["description_" + staff.lang] || s.description_nl || s.description_fr || "")).join("\n");
  }
  if (field === "languages" || field === "categories") return value.join(", ");
  return String(value);
}

function lines(text) {
  return text.split("\n").map((line) => line.trim()).filter(Boolean);
}

function fromText(field, text) {
  if (field === "phones") {
    return lines(text).map((line) => {
      const [number, type] = line.split("|").map((part) => part.trim());
      return type ? { number, type } : { number };
    });
  }
  if (field === "schedules") {
    return lines(text).map((line) => {
      const match = line.match(/^(\S+)\s+(\S+?)\s*-\s*(\S+)$/);
      if (match) return { byday: match[1].toUpperCase(), opens_at: match[2], closes_at: match[3] };
      return { ["description_" + staff.lang]: line }; // hours as text only ("by appointment")
    });
  }
  if (field === "languages") return text.split(",").map((v) => v.trim()).filter(Boolean);
  if (field === "categories") return text.split(",").map((v) => v.trim()).filter(Boolean).map((v) => (/^\d+$/.test(v) ? Number(v) : v));
  return text.trim() === "" ? null : text.trim();
}

// ------------------------------------------------------------------------------------ the form
function buildForm() {
  const box = document.getElementById("fields");
  box.textContent = "";
  for (const [field, kind] of FIELDS) {
    const wrapper = el("label");
    wrapper.htmlFor = "f-" + field;
    wrapper.append(el("span", t("fields." + field)));
    let control;
    if (kind === "select") {
      control = el("select");
      statuses.forEach((status) => control.append(new Option(label("service_statuses", status), status)));
    } else {
      control = el(kind);
      if (kind === "textarea") control.rows = 3;
    }
    control.id = "f-" + field;
    control.name = field;
    const error = el("span", "", "field-error");
    error.id = "e-" + field;
    const described = [error.id];
    if (t("hints." + field) !== "hints." + field) {
      const hint = el("span", t("hints." + field), "hint");
      hint.id = "h-" + field;
      described.push(hint.id);
      wrapper.append(hint);
    }
    control.setAttribute("aria-describedby", described.join(" "));
    wrapper.append(control, error);
    box.append(wrapper);
  }
}

function fillForm() {
  for (const [field] of FIELDS) {
    const control = document.getElementById("f-" + field);
    control.value = asText(field, current.editable[field]);
    control.removeAttribute("aria-invalid");
    document.getElementById("e-" + field).textContent = "";
  }
  document.getElementById("form-error").textContent = "";
}

function changedFields() {
  const out = [];
  for (const [field] of FIELDS) {
    const before = asText(field, current.editable[field]);
    const after = document.getElementById("f-" + field).value;
    if (after.trim() !== before.trim()) out.push({ field, before, after });
  }
  return out;
}

function showProblems(problems) {
  document.getElementById("form-error").textContent = t("invalid");
  let first = null;
  for (const problem of problems) {
    const base = String(problem.field).split(/[.[]/)[0];
    const control = document.getElementById("f-" + base);
    const error = document.getElementById("e-" + base);
    if (!control || !error) continue;
    control.setAttribute("aria-invalid", "true");
    error.textContent = (error.textContent ? error.textContent + "; " : "") + problem.field + ": " + problem.message;
    first = first || control;
  }
  hideDiff();
  if (first) first.focus();
}

function showDiff(event) {
  event.preventDefault();
  const changes = changedFields();
  if (!changes.length) { say(t("noChanges")); return; }
  const body = document.querySelector("#diff-table tbody");
  body.textContent = "";
  for (const change of changes) {
    const row = el("tr");
    row.append(el("th", t("fields." + change.field)), el("td", change.before || t("empty"), "before"),
      el("td", change.after || t("empty"), "after"));
    body.append(row);
  }
  pending = changes;
  document.getElementById("diff").hidden = false;
  document.getElementById("diff-title").focus();
}

function hideDiff() {
  pending = null;
  document.getElementById("diff").hidden = true;
}

async function save() {
  if (!pending) return;
  const patch = {};
  for (const change of pending) patch[change.field] = fromText(change.field, change.after);
  const reason = document.getElementById("edit-reason").value.trim();
  if (reason) patch.reason = reason;
  const doc = await send("PATCH", "/api/v1/directory/services/" + current.id + "?lang=" + staff.lang, patch);
  if (!doc) return;
  document.getElementById("edit-reason").value = "";
  await afterChange(doc, t("saved", { version: doc.version }));
}

async function verify() {
  const reason = document.getElementById("edit-reason").value.trim() || null;
  const doc = await send("POST", "/api/v1/directory/services/" + current.id + "/verify?lang=" + staff.lang, { reason });
  if (doc) await afterChange(doc, t("verified"));
}

async function revert(version) {
  const doc = await send("POST", "/api/v1/directory/services/" + current.id + "/revert?lang=" + staff.lang, { version });
  if (doc) await afterChange(doc, t("reverted", { version: doc.version }));
}

async function afterChange(doc, message) {
  hideDiff();
  show(doc);
  await Promise.all([loadHistory(), loadQueue()]);
  say(message);
}

// ------------------------------------------------------------------------------------ service, history
function show(doc) {
  current = doc;
  document.getElementById("editor").hidden = false;
  document.getElementById("entity-name").textContent = doc.hsds.name || doc.id;
  document.getElementById("public-link").href = "/hsds/services/" + doc.id + "?lang=" + staff.lang;
  const reasons = document.getElementById("entity-reasons");
  reasons.textContent = "";
  for (const item of (window.queueItems || []).filter((i) => i.entity_id === doc.id)) reasons.append(el("li", why(item)));
  fillForm();
}

async function openService(id) {
  const doc = await api("/api/v1/directory/services/" + encodeURIComponent(id) + "?lang=" + staff.lang);
  hideDiff();
  show(doc);
  document.getElementById("entity-name").focus();
  await loadHistory();
}

async function loadHistory() {
  const data = await api("/api/v1/directory/services/" + current.id + "/history");
  const list = document.getElementById("history");
  list.textContent = "";
  if (!data.versions.length) list.append(el("li", t("noHistory")));
  data.versions.forEach((version, index) => {
    const item = el("li");
    const when = new Date(version.at).toLocaleString(staff.lang === "fr" ? "fr-BE" : "nl-BE");
    item.append(el("strong", t("version", { version: version.version }) + " — " + t("actions." + version.action)
      + " — " + version.editor + " — " + when));
    if (version.reason) item.append(el("div", version.reason, "note"));
    const changes = el("ul");
    for (const change of version.changes) {
      changes.append(el("li", t("fields." + change.field) + ": " + (asText(change.field, change.before) || t("empty"))
        + " → " + (asText(change.field, change.after) || t("empty"))));
    }
    item.append(changes);
    if (index > 0 || version.action === "verify") {
      const button = el("button", t("revertTo", { version: version.version }), "secondary revert");
      button.type = "button";
      button.dataset.version = String(version.version);
      button.addEventListener("click", () => revert(version.version).catch((e) => say(e.message, true)));
      item.append(button);
    }
    list.append(item);
  });
}

// ------------------------------------------------------------------------------------ queue, search
function why(item) {
  let detail = "";
  if (item.reason === "signal") detail = item.remark || "";
  if (item.reason === "missing") detail = item.missing.map((m) => t("missingParts." + m)).join(", ");
  if (item.reason === "duplicate") detail = t("duplicateOf") + " " + item.duplicates.join(", ");
  if (item.reason === "stale") {
    detail = item.last_verified_at ? t("verifiedOn") + " " + item.last_verified_at.slice(0, 10) : t("neverVerified");
  }
  return label("review_reasons", item.reason) + (detail ? ": " + detail : "");
}

function itemButton(id, name, detail) {
  const li = el("li");
  const button = el("button");
  button.type = "button";
  button.dataset.id = id;
  button.append(document.createTextNode(name || id), el("span", detail, "why"));
  button.addEventListener("click", () => openService(id).catch((e) => say(e.message, true)));
  li.append(button);
  return li;
}

async function loadQueue() {
  const params = new URLSearchParams({ lang: staff.lang, limit: "100" });
  const reason = document.getElementById("f-reason").value;
  const q = document.getElementById("q").value.trim();
  if (reason) params.set("reason", reason);
  if (q) params.set("q", q);
  const data = await api("/api/v1/directory/review?" + params.toString());
  window.queueItems = data.items;
  document.getElementById("counts").textContent = t("counts", data.counts);
  const list = document.getElementById("queue");
  list.textContent = "";
  if (!data.items.length) list.append(el("li", t("noItems")));
  for (const item of data.items) list.append(itemButton(item.entity_id, item.name, why(item)));
}

async function searchServices() {
  const q = document.getElementById("q").value.trim();
  const list = document.getElementById("results");
  list.textContent = "";
  if (!q) return;
  const data = await api("/hsds/services?" + new URLSearchParams({ search: q, per_page: "20", lang: staff.lang }).toString());
  if (!data.contents.length) list.append(el("li", t("noResults")));
  for (const service of data.contents) {
    list.append(itemButton(service.id, service.name, service.organization ? service.organization.name : ""));
  }
}

function applyScreenTexts() {
  const select = document.getElementById("f-reason");
  const chosen = select.value;
  select.textContent = "";
  select.append(new Option(t("all"), ""));
  reasons.forEach((reason) => select.append(new Option(label("review_reasons", reason), reason)));
  select.value = chosen;
  buildForm();
  if (current) fillForm();
}

async function refresh() {
  await Promise.all([loadQueue(), searchServices()]);
}

function onLanguage() {
  applyScreenTexts();
  refresh().catch((e) => say(e.message, true));
  if (current) openService(current.id).catch((e) => say(e.message, true));
}

document.addEventListener("DOMContentLoaded", async () => {
  try {
    await startScreen("kaart", onLanguage);
    [statuses, reasons] = await Promise.all([vocabulary("service_statuses"), vocabulary("review_reasons")]);
    applyScreenTexts();
    await signedIn();
    await refresh();
  } catch (error) {
    say(error.message, true);
    return;
  }
  document.getElementById("queue-filter").addEventListener("submit", (event) => {
    event.preventDefault();
    refresh().catch((e) => say(e.message, true));
  });
  document.getElementById("f-reason").addEventListener("change", () => loadQueue().catch((e) => say(e.message, true)));
  document.getElementById("edit-form").addEventListener("submit", showDiff);
  document.getElementById("save").addEventListener("click", () => save().catch((e) => say(e.message, true)));
  document.getElementById("cancel").addEventListener("click", () => { hideDiff(); document.getElementById("preview").focus(); });
  document.getElementById("verify").addEventListener("click", () => verify().catch((e) => say(e.message, true)));
});
