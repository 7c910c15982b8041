// Shared by the staff screens (login, onthaal console, ELZ dashboard, sociale kaart): texts from the staff
// catalogs (/staff/assets/i18n/<lang>.json, one per language, same keys), the NL/FR switch, one fetch helper,
// the vocabularies the API serves. Text always goes in as text (textContent), never as HTML.
"use strict";

const STAFF_LANGS = ["nl", "fr"];
const LANG_KEY = "gbo-lang"; // the worker's pick, shared by every staff screen

const staff = {
  screen: "common", // the catalog section of this page: "login", "elz", "onthaal" or "kaart"
  lang: pickLanguage(),
  texts: {},
  catalogs: {}, // lang -> catalog, loaded once
  vocabularies: null, // a promise of GET /api/vocabularies
};

function pickLanguage() {
  let stored = null;
  try { stored = localStorage.getItem(LANG_KEY); } catch (_e) { /* storage disabled */ }
  const wanted = stored || (navigator.language || "nl").slice(0, 2);
  return STAFF_LANGS.includes(wanted) ? wanted : "nl";
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function say(text, isError) {
  const message = document.getElementById("message");
  message.textContent = text || "";
  message.className = isError ? "error" : "";
}

// --- texts ----------------------------------------------------------------------------------------
function lookup(node, path) {
  return path.split(".").reduce((at, part) => (at && typeof at === "object" ? at[part] : undefined), node);
}

// The screen's own section first, then "common", then a full path ("vocab.barriers.cost").
function t(key, vars) {
  const texts = staff.texts;
  let value = lookup(texts[staff.screen], key);
  if (value === undefined) value = lookup(texts.common, key);
  if (value === undefined) value = lookup(texts, key);
  if (typeof value !== "string") return key;
  for (const [name, replacement] of Object.entries(vars || {})) value = value.split("{" + name + "}").join(replacement);
  return value;
}

// The label of a vocabulary value (barriers, outcomes, urgencies, ...); the value itself when unknown.
function label(vocabulary, value) {
  const text = lookup(staff.texts, "vocab." + vocabulary + "." + value);
  return typeof text === "string" ? text : String(value);
}

async function loadCatalog(lang) {
  if (!staff.catalogs[lang]) {
    const response = await fetch("/staff/assets/i18n/" + lang + ".json", { credentials: "same-origin" });
    if (!response.ok) throw new Error("texts " + response.status);
    staff.catalogs[lang] = await response.json();
  }
  return staff.catalogs[lang];
}

// Every [data-t] element gets its text; [data-t-label] sets aria-label. The NL/FR switch shows the choice.
function applyTexts() {
  document.documentElement.lang = staff.lang;
  document.title = t("title") + " — " + t("site");
  for (const node of document.querySelectorAll("[data-t]")) node.textContent = t(node.dataset.t);
  for (const node of document.querySelectorAll("[data-t-label]")) node.setAttribute("aria-label", t(node.dataset.tLabel));
  for (const button of document.querySelectorAll("button.lang")) {
    const active = button.dataset.lang === staff.lang;
    button.classList.toggle("active", active);
    button.setAttribute("aria-pressed", String(active));
  }
}

async function setLanguage(lang) {
  staff.texts = await loadCatalog(lang);
  staff.lang = lang;
  try { localStorage.setItem(LANG_KEY, lang); } catch (_e) { /* storage disabled: this page only */ }
  applyTexts();
}

// --- the API ----------------------------------------------------------------------------------------
class ApiError extends Error {
  constructor(status, body) {
    let detail = String(status);
    if (body && typeof body.detail === "string") detail = body.detail;
    else if (body && Array.isArray(body.detail)) detail = body.detail.map((d) => d.field + ": " + d.message).join("; ");
    super(t("error") + ": " + detail);
    this.status = status;
    this.body = body;
  }
}

// fetch with the session cookie. init.json becomes a JSON body. Not signed in: to /login and back here.
// A failure throws ApiError (status, body, a readable message); 204 gives null.
async function api(path, init) {
  const options = { credentials: "same-origin", ...(init || {}) };
  if (options.json !== undefined) {
    options.body = JSON.stringify(options.json);
    options.headers = { ...(options.headers || {}), "Content-Type": "application/json" };
    delete options.json;
  }
  const response = await fetch(path, options);
  if (response.status === 401) {
    window.location.assign("/login?next=" + encodeURIComponent(window.location.pathname));
    throw new ApiError(401, { detail: "not signed in" });
  }
  let body = null;
  if (response.status !== 204) {
    try { body = await response.json(); } catch (_e) { /* not JSON */ }
  }
  if (!response.ok) throw new ApiError(response.status, body);
  return body;
}

// The values of a vocabulary (GET /api/vocabularies, in the API's order). Until the API serves a vocabulary,
// the keys of its labels in the catalog stand in (the catalog test keeps both the same).
async function vocabulary(name) {
  if (!staff.vocabularies) {
    staff.vocabularies = fetch("/api/vocabularies", { credentials: "same-origin" })
      .then((response) => (response.ok ? response.json() : {}))
      .catch(() => ({}));
  }
  const served = (await staff.vocabularies)[name];
  return Array.isArray(served) ? served : Object.keys(lookup(staff.texts, "vocab." + name) || {});
}

// --- the page shell ---------------------------------------------------------------------------------
// Loads the texts, wires the NL/FR switch (onLanguage runs after a switch) and the sign-out button.
async function startScreen(screen, onLanguage) {
  staff.screen = screen;
  await setLanguage(staff.lang);
  for (const button of document.querySelectorAll("button.lang")) {
    button.addEventListener("click", () => {
      setLanguage(button.dataset.lang).then(onLanguage || (() => {})).catch((e) => say(e.message, true));
    });
  }
  const logout = document.getElementById("logout");
  if (logout) {
    logout.addEventListener("click", async () => {
      await fetch("/api/v1/auth/logout", { method: "POST", credentials: "same-origin" });
      window.location.assign("/login?next=" + encodeURIComponent(window.location.pathname));
    });
  }
}

// The signed-in worker ({email, role}), shown in the header.
async function signedIn() {
  const me = await api("/api/v1/auth/me");
  const who = document.getElementById("who");
  if (who) who.textContent = me.email;
  return me;
}
