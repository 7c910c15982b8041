// Onthaal console: the handover queue, one case at a time (summary, transcript, live chat), resolving.
// Live updates by polling: the queue every 3 s, the open case every 2 s (polling the queue also tells the
// API this console is alive, so the worker's claims do not time out).
// Every text from the server is put on the page with textContent, never as HTML.
"use strict";

const QUEUE_POLL_MS = 3000;
const CASE_POLL_MS = 2000;
const state = { me: null, selected: null, detail: null, seenCrisis: null, audio: null, transcriptCount: -1 };
const choices = { barriers: [], endings: [] }; // vocabularies shown as checkboxes and radio buttons

// --- sound cue for a crisis (Web Audio API: no audio file) --------------------------------------------
function unlockAudio() {
  if (!state.audio && window.AudioContext) state.audio = new window.AudioContext();
  if (state.audio && state.audio.state === "suspended") state.audio.resume();
}

function beep() {
  if (!state.audio) return;
  const now = state.audio.currentTime;
  [0, 0.35, 0.7].forEach((offset) => {
    const oscillator = state.audio.createOscillator();
    const gain = state.audio.createGain();
    oscillator.type = "square";
    oscillator.frequency.value = 880;
    gain.gain.setValueAtTime(0.12, now + offset);
    gain.gain.exponentialRampToValueAtTime(0.001, now + offset + 0.25);
    oscillator.connect(gain).connect(state.audio.destination);
    oscillator.start(now + offset);
    oscillator.stop(now + offset + 0.26);
  });
}

// --- the queue ------------------------------------------------------------------------------------------
function communeLabel(item) {
  if (item.commune_name) return item.commune_name[staff.lang] || item.commune_name.nl;
  return item.postcode || item.commune || "—";
}

function waitingLabel(seconds) {
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? minutes + " " + t("minutes")
    : Math.floor(minutes / 60) + " " + t("hours") + " " + (minutes % 60) + " " + t("minutes");
}

function stateLabel(item) {
  if (item.status === "claimed") {
    const mine = state.me && item.claimed_by === state.me.email;
    return label("case_statuses", "claimed") + " " + t("by") + " " + (mine ? t("you") : item.claimed_by);
  }
  return label("case_statuses", item.status);
}

function renderQueue(cases) {
  const list = document.getElementById("queue");
  list.textContent = "";
  document.getElementById("empty").hidden = cases.length > 0;
  cases.forEach((item) => {
    const li = el("li", null, "urgency-" + item.urgency + (item.id === state.selected ? " selected" : ""));
    li.dataset.caseId = String(item.id);
    const button = el("button", null, "case");
    button.type = "button";
    const first = el("span", null, "line");
    first.append(el("span", label("urgencies", item.urgency), "badge " + item.urgency), el("strong", "#" + item.id),
      el("span", waitingLabel(item.waiting_seconds)), el("span", item.language.toUpperCase(), "badge"),
      el("span", communeLabel(item)));
    if (!item.citizen_present && item.status !== "resolved") first.append(el("span", t("gone"), "badge gone"));
    if (item.preferred_contact !== "chat") first.append(el("span", "☎ " + label("contact_channels", item.preferred_contact), "badge"));
    const needs = el("span", item.needs.map((n) => n.name).join(" · "), "line needs");
    button.append(first, needs, el("span", stateLabel(item), "line note"));
    button.addEventListener("click", () => select(item.id));
    li.append(button);
    list.append(li);
  });
}

async function refreshQueue() {
  const status = document.getElementById("f-status").value;
  const data = await api("/api/v1/handovers" + (status ? "?status=" + status : ""));
  const crises = new Set(data.cases.filter((c) => c.urgency === "crisis" && c.status === "waiting").map((c) => c.id));
  if (state.seenCrisis !== null && [...crises].some((id) => !state.seenCrisis.has(id))) {
    say(t("newCrisis"), true);
    beep();
  }
  state.seenCrisis = crises;
  document.title = (crises.size ? "(!) " : "") + t("title") + " — " + t("site");
  renderQueue(data.cases);
}

// --- one case -------------------------------------------------------------------------------------------
function summaryRow(list, label, value) {
  if (value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length)) return;
  list.append(el("dt", label), el("dd", Array.isArray(value) ? value.join(", ") : value));
}

function renderSummary(item) {
  const list = document.getElementById("summary");
  list.textContent = "";
  summaryRow(list, t("urgency"), label("urgencies", item.urgency));
  summaryRow(list, t("crisisKind"), item.crisis_kind);
  summaryRow(list, t("language"), item.language.toUpperCase());
  if (item.commune) summaryRow(list, t("commune"), communeLabel(item) + " (" + item.commune + ")");
  summaryRow(list, t("postcode"), item.postcode);
  summaryRow(list, t("needs"), item.needs.map((n) => n.name));
  summaryRow(list, t("targetGroup"), item.target_group);
  summaryRow(list, t("age"), item.age_band);
  summaryRow(list, t("vulnerability"), item.vulnerability);
  summaryRow(list, t("reasons"), item.complex_reasons);
  summaryRow(list, t("proposed"), item.proposed_services);
  const contact = [label("contact_channels", item.preferred_contact), item.contact_phone, item.contact_email].filter(Boolean).join(" · ");
  summaryRow(list, t("contact"), contact);
  summaryRow(list, t("calledBackAt"), item.called_back_at && new Date(item.called_back_at).toLocaleString());
}

function renderTranscript(messages) {
  const log = document.getElementById("transcript");
  if (messages.length === state.transcriptCount) return; // unchanged: keep the scroll position
  state.transcriptCount = messages.length;
  log.textContent = "";
  messages.forEach((message) => {
    if (!message.text) return; // a message that only carries data for the widget (e.g. handover_requested)
    const bubble = el("div", null, "msg msg-" + message.author);
    const time = new Date(message.at).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    bubble.append(el("span", label("authors", message.author) + " · " + time, "who"), el("span", message.text));
    log.append(bubble);
  });
  log.scrollTop = log.scrollHeight;
}

function renderCase(item) {
  state.detail = item;
  const mine = item.status === "claimed" && state.me && item.claimed_by === state.me.email;
  document.getElementById("case-panel").hidden = false;
  document.getElementById("case-title").textContent = t("case") + " #" + item.id;
  document.getElementById("case-state").textContent = stateLabel(item) +
    (!item.citizen_present && item.status !== "resolved" ? " · " + t("gone") : "");
  renderSummary(item);
  renderTranscript(item.transcript || []);
  document.getElementById("claim").hidden = item.status !== "waiting";
  document.getElementById("release").hidden = !(mine || (item.status === "claimed" && state.me.role === "admin"));
  document.getElementById("called-back").hidden = !mine || item.preferred_contact === "chat";
  document.getElementById("chat").hidden = !mine;
  document.getElementById("resolve").hidden = !mine;
  fillCanned(item.language === "fr" ? "fr" : "nl").catch((e) => say(e.message, true));
}

// Canned replies in the citizen's language (Dutch or French; English citizens get the Dutch ones).
async function fillCanned(citizenLang) {
  const canned = document.getElementById("canned");
  const key = citizenLang + "/" + staff.lang; // the prompt follows the worker's language
  if (canned.dataset.lang === key) return;
  canned.dataset.lang = key;
  const replies = (await loadCatalog(citizenLang)).onthaal.cannedReplies;
  canned.textContent = "";
  canned.append(new Option(t("pickCanned"), ""));
  replies.forEach((text) => canned.append(new Option(text, text)));
}

async function select(caseId) {
  if (state.selected !== caseId) state.transcriptCount = -1;
  state.selected = caseId;
  document.querySelectorAll("#queue li").forEach((li) => li.classList.toggle("selected", li.dataset.caseId === String(caseId)));
  renderCase(await api("/api/v1/handovers/" + caseId));
}

async function refreshCase() {
  if (state.selected === null) return;
  try {
    renderCase(await api("/api/v1/handovers/" + state.selected));
  } catch (error) {
    say(error.message, true);
  }
}

async function act(path, body, done) {
  try {
    const item = await api("/api/v1/handovers/" + state.selected + "/" + path, { method: "POST", json: body });
    say(done);
    await refreshQueue();
    if (item && item.transcript) renderCase(item); else await refreshCase();
  } catch (error) {
    say(error.message, true);
  }
}

async function searchServices() {
  const q = document.getElementById("service-q").value.trim();
  const select = document.getElementById("service");
  select.textContent = "";
  if (!q) return;
  const params = new URLSearchParams({ q, lang: staff.lang, limit: "10" });
  if (state.detail && state.detail.postcode) params.set("postcode", state.detail.postcode);
  try {
    const data = await api("/api/v1/services?" + params.toString());
    data.services.forEach((service) => {
      const org = service.organisation || service.organization;
      const text = service.name + (org && org.name ? " — " + org.name : "");
      select.append(new Option(text, service.id));
    });
  } catch (error) {
    say(error.message, true);
  }
}

// Checkboxes (barriers, which become signals) or radio buttons (what happens after resolving), one per
// value of the vocabulary, labelled from the catalog; what was ticked stays ticked across a language switch.
function fillChoices(boxId, name, type, vocabulary) {
  const box = document.getElementById(boxId);
  const checked = new Set([...box.querySelectorAll("input:checked")].map((input) => input.value));
  box.querySelectorAll("label").forEach((node) => node.remove());
  choices[vocabulary].forEach((value, index) => {
    const input = document.createElement("input");
    input.type = type;
    input.name = name;
    input.value = value;
    input.defaultChecked = type === "radio" && index === 0; // what the form's reset comes back to
    input.checked = checked.size ? checked.has(value) : input.defaultChecked;
    const choice = el("label", null, type === "radio" ? "inline" : "");
    choice.append(input, el("span", label(vocabulary, value)));
    box.append(choice);
  });
}

function fillAllChoices() {
  fillChoices("knelpunten", "knelpunt", "checkbox", "barriers");
  fillChoices("endings", "then", "radio", "endings");
}

async function fillOutcomes() {
  const outcome = document.getElementById("outcome");
  const chosen = outcome.value;
  outcome.textContent = "";
  (await vocabulary("outcomes")).forEach((value) => outcome.append(new Option(label("outcomes", value), value)));
  if (chosen) outcome.value = chosen;
}

function onLanguage() {
  fillAllChoices();
  fillOutcomes().catch((e) => say(e.message, true));
  refreshQueue().catch((e) => say(e.message, true));
  if (state.detail) renderCase(state.detail);
}

function bind() {
  document.getElementById("f-status").addEventListener("change", () => refreshQueue().catch((e) => say(e.message, true)));
  document.getElementById("claim").addEventListener("click", () => act("claim", undefined, t("claimedOk")));
  document.getElementById("release").addEventListener("click", () => act("release", undefined, t("releasedOk")));
  document.getElementById("called-back").addEventListener("click", () => act("called-back", undefined, t("calledBackOk")));
  document.getElementById("canned").addEventListener("change", (event) => {
    if (event.target.value) document.getElementById("chat-text").value = event.target.value;
    event.target.value = "";
    document.getElementById("chat-text").focus();
  });
  document.getElementById("chat").addEventListener("submit", async (event) => {
    event.preventDefault();
    const box = document.getElementById("chat-text");
    const text = box.value.trim();
    if (!text) return;
    try {
      await api("/api/v1/handovers/" + state.selected + "/messages", { method: "POST", json: { text } });
      box.value = "";
      say("");
      await refreshCase();
    } catch (error) {
      say(error.message, true);
    }
  });
  document.getElementById("chat-text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      document.getElementById("chat").requestSubmit();
    }
  });
  const outcome = document.getElementById("outcome");
  const picker = document.getElementById("service-picker");
  const syncPicker = () => { picker.hidden = outcome.value !== "referred"; };
  outcome.addEventListener("change", syncPicker);
  syncPicker();
  document.getElementById("service-search").addEventListener("click", searchServices);
  document.getElementById("service-q").addEventListener("keydown", (event) => {
    if (event.key === "Enter") { event.preventDefault(); searchServices(); }
  });
  document.getElementById("resolve").addEventListener("submit", (event) => {
    event.preventDefault();
    const body = {
      outcome: outcome.value,
      note: document.getElementById("note").value.trim() || null,
      knelpunten: [...document.querySelectorAll("input[name=knelpunt]:checked")].map((input) => input.value),
      then: document.querySelector("input[name=then]:checked").value,
    };
    if (body.outcome === "referred") {
      body.service_id = document.getElementById("service").value;
      if (!body.service_id) { say(t("noService"), true); return; }
    }
    act("resolve", body, t("resolvedOk")).then(() => {
      document.getElementById("resolve").reset();
      syncPicker();
    });
  });
}

document.addEventListener("DOMContentLoaded", async () => {
  // The worker's first click or key allows sound (browsers refuse it before): listen before anything loads.
  document.addEventListener("click", unlockAudio, { capture: true });
  document.addEventListener("keydown", unlockAudio, { capture: true });
  try {
    await startScreen("onthaal", onLanguage);
    [choices.barriers, choices.endings] = await Promise.all([vocabulary("barriers"), vocabulary("endings")]);
    fillAllChoices();
    await fillOutcomes();
    bind();
    state.me = await signedIn();
    await refreshQueue();
  } catch (error) {
    say(error.message, true);
    return;
  }
  window.setInterval(() => refreshQueue().catch((e) => say(e.message, true)), QUEUE_POLL_MS);
  window.setInterval(refreshCase, CASE_POLL_MS);
});
