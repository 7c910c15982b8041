// Keeping the sociale kaart current: the review queue, search, an edit form with a diff before saving,
// history and revert. Texts come from /kaart/assets/i18n/<lang>.json; server text goes in with textContent.
"use strict";

const FIELDS = [
  ["name_nl", "input"], ["name_fr", "input"], ["description_nl", "textarea"], ["description_fr", "textarea"],
  ["email", "input"], ["url", "input"], ["status", "select"], ["phones", "textarea"], ["schedules", "textarea"],
  ["languages", "input"], ["categories", "input"],
];
const STATUSES = ["active", "inactive", "defunct", "temporarily closed"];
const REASONS = ["signal", "missing", "duplicate", "stale"];

let lang = localStorage.getItem("gbo-lang") || (navigator.language || "nl").slice(0, 2);
if (!["nl", "fr"].includes(lang)) lang = "nl";
let texts = {};
let current = null; // the open service: {id, etag, editable, hsds}
let pending = null; // the edit shown in the diff, waiting for "save"

function t(key, vars) {
  let value = key.split(".").reduce((node, part) => (node ? node[part] : undefined), texts);
  if (typeof value !== "string") value = key;
  for (const [name, replacement] of Object.entries(vars || {})) value = value.replace("{" + name + "}", replacement);
  return value;
}

async function loadTexts() {
  const response = await fetch("/kaart/assets/i18n/" + lang + ".json", { credentials: "same-origin" });
  texts = await response.json();
}

async function call(path, init) {
  const response = await fetch(path, { credentials: "same-origin", ...(init || {}) });
  if (response.status === 401) {
    window.location.assign("/login?next=" + encodeURIComponent("/kaart/"));
    throw new Error("not signed in");
  }
  let body = null;
  try { body = await response.json(); } catch (_e) { /* not JSON */ }
  return { status: response.status, ok: response.ok, body };
}

async function api(path, init) {
  const result = await call(path, init);
  if (!result.ok) {
    const detail = result.body && typeof result.body.detail === "string" ? result.body.detail : result.status;
    throw new Error(t("error") + ": " + detail);
  }
  return result.body;
}

function send(method, path, body) {
  const headers = { "Content-Type": "application/json" };
  if (current) headers["If-Match"] = current.etag;
  return call(path, { method, headers, body: JSON.stringify(body) });
}

// ------------------------------------------------------------------------------------ field texts
function asText(field, value) {
  if (value === null || value === undefined) return "";
  if (field === "phones") return value.map((p) => p.number + (p.type && p.type !== "voice" ? " | " + p.type : "")).join("\n");
  if (field === "schedules") {
    return value.map((s) => (s.byday ? s.byday + " " + s.opens_at + "-" + s.closes_at
      : s["description_" + lang] || s.description_nl || s.description_fr || "")).join("\n");
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
      return { ["description_" + lang]: line }; // hours as text only ("by appointment")
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
    const label = el("label");
    label.htmlFor = "f-" + field;
    label.append(el("span", t("fields." + field)));
    let control;
    if (kind === "select") {
      control = el("select");
      STATUSES.forEach((status) => control.append(new Option(t("statuses." + status), status)));
    } else {
      control = el(kind);
      if (kind === "textarea") control.rows = field.startsWith("description") ? 3 : 3;
    }
    control.id = "f-" + field;
    control.name = field;
    const error = el("span", "", "field-error");
    error.id = "e-" + field;
    const described = [error.id];
    if (texts.hints && texts.hints[field]) {
      const hint = el("span", t("hints." + field), "hint");
      hint.id = "h-" + field;
      described.push(hint.id);
      label.append(hint);
    }
    control.setAttribute("aria-describedby", described.join(" "));
    label.append(control, error);
    box.append(label);
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
  const result = await send("PATCH", "/api/v1/directory/services/" + current.id + "?lang=" + lang, patch);
  if (result.status === 422 && Array.isArray(result.body.detail)) { showProblems(result.body.detail); return; }
  if (result.status === 412) { await openService(current.id); say(t("stale"), true); return; }
  if (!result.ok) { say(t("error") + ": " + (result.body && result.body.detail), true); return; }
  document.getElementById("edit-reason").value = "";
  await afterChange(result.body, t("saved", { version: result.body.version }));
}

async function verify() {
  const reason = document.getElementById("edit-reason").value.trim() || null;
  const result = await send("POST", "/api/v1/directory/services/" + current.id + "/verify?lang=" + lang, { reason });
  if (result.status === 412) { await openService(current.id); say(t("stale"), true); return; }
  if (!result.ok) { say(t("error") + ": " + result.status, true); return; }
  await afterChange(result.body, t("verified"));
}

async function revert(version) {
  const result = await send("POST", "/api/v1/directory/services/" + current.id + "/revert?lang=" + lang, { version });
  if (result.status === 412) { await openService(current.id); say(t("stale"), true); return; }
  if (!result.ok) { say(t("error") + ": " + result.status, true); return; }
  await afterChange(result.body, t("reverted", { version: result.body.version }));
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
  document.getElementById("public-link").href = "/hsds/services/" + doc.id + "?lang=" + lang;
  const reasons = document.getElementById("entity-reasons");
  reasons.textContent = "";
  for (const item of (window.queueItems || []).filter((i) => i.entity_id === doc.id)) reasons.append(el("li", why(item)));
  fillForm();
}

async function openService(id) {
  const doc = await api("/api/v1/directory/services/" + encodeURIComponent(id) + "?lang=" + lang);
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
    const when = new Date(version.at).toLocaleString(lang === "fr" ? "fr-BE" : "nl-BE");
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
  return t("reasons." + item.reason) + (detail ? ": " + detail : "");
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
  const params = new URLSearchParams({ lang, limit: "100" });
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
  const data = await api("/hsds/services?" + new URLSearchParams({ search: q, per_page: "20", lang }).toString());
  if (!data.contents.length) list.append(el("li", t("noResults")));
  for (const service of data.contents) {
    list.append(itemButton(service.id, service.name, service.organization ? service.organization.name : ""));
  }
}

function applyTexts() {
  document.documentElement.lang = lang;
  document.title = t("title") + " — ELZ Brussel";
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
  for (const button of document.querySelectorAll("button.lang")) button.classList.toggle("active", button.dataset.lang === lang);
  const select = document.getElementById("f-reason");
  const chosen = select.value;
  select.textContent = "";
  select.append(new Option(t("all"), ""));
  REASONS.forEach((reason) => select.append(new Option(t("reasons." + reason), reason)));
  select.value = chosen;
  buildForm();
  if (current) fillForm();
}

async function refresh() {
  await Promise.all([loadQueue(), searchServices()]);
}

document.addEventListener("DOMContentLoaded", async () => {
  try {
    await loadTexts();
    applyTexts();
    const me = await api("/api/v1/auth/me");
    document.getElementById("who").textContent = me.email;
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
  for (const button of document.querySelectorAll("button.lang")) {
    button.addEventListener("click", async () => {
      lang = button.dataset.lang;
      localStorage.setItem("gbo-lang", lang);
      await loadTexts();
      applyTexts();
      refresh().catch((e) => say(e.message, true));
      if (current) openService(current.id).catch((e) => say(e.message, true));
    });
  }
  document.getElementById("logout").addEventListener("click", async () => {
    await fetch("/api/v1/auth/logout", { method: "POST", credentials: "same-origin" });
    window.location.assign("/login");
  });
});
