// Onthaal console: the handover queue, one case at a time (summary, transcript, live chat), resolving.
// Live updates by polling: the queue every 3 s, the open case every 2 s (polling the queue also tells the
// API this console is alive, so the worker's claims do not time out).
// Every text from the server is put on the page with textContent, never as HTML.
"use strict";

const QUEUE_POLL_MS = 3000;
const CASE_POLL_MS = 2000;
const KNELPUNTEN = ["waiting_list", "cost", "distance", "language", "accessibility", "refusal", "other"];

const TEXTS = {
  nl: {
    title: "Onthaal", logout: "Afmelden", queue: "Wachtrij", show: "Tonen", open: "Open", resolved: "Afgerond",
    live: "Wordt elke 3 seconden bijgewerkt.", empty: "Niemand wacht.", claim: "Overnemen",
    release: "Terug in de wachtrij", calledBack: "Teruggebeld", transcript: "Gesprek", canned: "Standaardantwoord",
    yourMessage: "Je bericht", send: "Versturen", resolve: "Afronden", outcome: "Resultaat",
    o_referred: "Doorverwezen naar een dienst", o_information: "Informatie gegeven", o_no_contact: "Geen contact",
    o_other: "Andere", service: "Dienst op de sociale kaart", search: "Zoeken",
    knelpunten: "Knelpunten (worden signalen)", note: "Notitie", then: "Daarna", thenBot: "Terug naar de assistent",
    thenClose: "Gesprek afsluiten", resolveButton: "Afronden", case: "Aanvraag", waiting: "wacht",
    claimed: "in behandeling", resolvedState: "afgerond", by: "door", you: "jou", gone: "burger weg",
    crisis: "CRISIS", high: "dringend", normal: "normaal", minutes: "min", language: "Taal", commune: "Gemeente",
    postcode: "Postcode", needs: "Noden", urgency: "Urgentie", crisisKind: "Soort crisis",
    vulnerability: "Kwetsbaarheid", reasons: "Waarom complex", proposed: "Al voorgesteld", age: "Leeftijd",
    targetGroup: "Doelgroep", contact: "Contact", phone: "telefoon", email: "e-mail", chat: "chat",
    calledBackAt: "Teruggebeld om", noService: "Kies een dienst in de lijst.", pickCanned: "— kies —",
    author_citizen: "Burger", author_bot: "Assistent", author_worker: "Onthaal", error: "Er ging iets mis",
    claimedOk: "Je hebt deze aanvraag overgenomen.", resolvedOk: "Afgerond.", releasedOk: "Terug in de wachtrij.",
    calledBackOk: "Gemarkeerd als teruggebeld.", newCrisis: "Nieuwe crisis in de wachtrij!",
    k_waiting_list: "wachtlijst", k_cost: "kost", k_distance: "afstand", k_language: "taal",
    k_accessibility: "toegankelijkheid", k_refusal: "weigering", k_other: "ander",
    wrongData: "Foute gegevens melden", wrongRemark: "Wat klopt er niet aan deze dienst?",
    wrongDone: "Gemeld: het ELZ kijkt de fiche na.",
  },
  fr: {
    title: "Accueil", logout: "Se déconnecter", queue: "File d'attente", show: "Afficher", open: "Ouvertes",
    resolved: "Clôturées", live: "Mise à jour toutes les 3 secondes.", empty: "Personne n'attend.",
    claim: "Prendre en charge", release: "Remettre dans la file", calledBack: "Rappelé·e", transcript: "Conversation",
    canned: "Réponse type", yourMessage: "Votre message", send: "Envoyer", resolve: "Clôturer", outcome: "Résultat",
    o_referred: "Orienté·e vers un service", o_information: "Information donnée", o_no_contact: "Pas de contact",
    o_other: "Autre", service: "Service de la carte sociale", search: "Chercher",
    knelpunten: "Obstacles (deviennent des signaux)", note: "Note", then: "Ensuite",
    thenBot: "Retour à l'assistant", thenClose: "Clore la conversation", resolveButton: "Clôturer",
    case: "Demande", waiting: "attend", claimed: "en cours", resolvedState: "clôturée", by: "par", you: "vous",
    gone: "citoyen·ne parti·e", crisis: "CRISE", high: "urgent", normal: "normal", minutes: "min",
    language: "Langue", commune: "Commune", postcode: "Code postal", needs: "Besoins", urgency: "Urgence",
    crisisKind: "Type de crise", vulnerability: "Vulnérabilité", reasons: "Pourquoi complexe",
    proposed: "Déjà proposé", age: "Âge", targetGroup: "Public", contact: "Contact", phone: "téléphone",
    email: "e-mail", chat: "chat", calledBackAt: "Rappelé·e à", noService: "Choisissez un service dans la liste.",
    pickCanned: "— choisir —", author_citizen: "Citoyen·ne", author_bot: "Assistant", author_worker: "Accueil",
    error: "Une erreur s'est produite", claimedOk: "Vous avez pris cette demande en charge.",
    resolvedOk: "Clôturée.", releasedOk: "Remise dans la file.", calledBackOk: "Marquée comme rappelée.",
    newCrisis: "Nouvelle crise dans la file !",
    k_waiting_list: "liste d'attente", k_cost: "coût", k_distance: "distance", k_language: "langue",
    k_accessibility: "accessibilité", k_refusal: "refus", k_other: "autre",
    wrongData: "Signaler des données erronées", wrongRemark: "Qu'est-ce qui ne va pas dans ce service ?",
    wrongDone: "Signalé : l'ELZ vérifiera la fiche.",
  },
};

// Canned replies, in the citizen's language (Dutch or French; English citizens get the Dutch ones).
const CANNED = {
  nl: [
    "Dag, ik ben van het onthaal van de eerstelijnszone. Ik heb je samenvatting gelezen.",
    "Mag ik je even bellen? Op welk nummer en wanneer kan dat?",
    "Ik zoek even de juiste dienst voor je op, een ogenblik.",
    "Is er nu direct gevaar? Bel dan meteen 112.",
    "Dank je. Ik geef je de gegevens van een dienst die je kan helpen.",
    "Ik sluit het gesprek nu af. Je kunt altijd opnieuw een bericht sturen.",
  ],
  fr: [
    "Bonjour, je suis de l'accueil de la zone de première ligne. J'ai lu votre résumé.",
    "Puis-je vous appeler ? À quel numéro et à quel moment ?",
    "Je cherche le bon service pour vous, un instant.",
    "Y a-t-il un danger immédiat ? Appelez tout de suite le 112.",
    "Merci. Je vous donne les coordonnées d'un service qui peut vous aider.",
    "Je clôture la conversation. Vous pouvez toujours nous réécrire.",
  ],
};

let lang = localStorage.getItem("gbo-lang") || (navigator.language || "nl").slice(0, 2);
if (!TEXTS[lang]) lang = "nl";
const t = (key) => TEXTS[lang][key] || key;
const state = { me: null, selected: null, detail: null, seenCrisis: null, audio: null, transcriptCount: -1 };

async function api(path, init) {
  const options = { credentials: "same-origin", ...(init || {}) };
  if (options.json !== undefined) {
    options.body = JSON.stringify(options.json);
    options.headers = { "Content-Type": "application/json" };
    delete options.json;
  }
  const response = await fetch(path, options);
  if (response.status === 401) {
    window.location.assign("/login?next=" + encodeURIComponent("/onthaal/"));
    throw new Error("not signed in");
  }
  if (!response.ok) {
    let detail = String(response.status);
    try {
      const body = await response.json();
      if (typeof body.detail === "string") detail = body.detail;
      else if (Array.isArray(body.detail)) detail = body.detail.map((d) => d.field + ": " + d.message).join("; ");
    } catch (_e) { /* not JSON */ }
    throw new Error(t("error") + ": " + detail);
  }
  return response.status === 204 ? null : response.json();
}

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
  if (item.commune_name) return item.commune_name[lang] || item.commune_name.nl;
  return item.postcode || item.commune || "—";
}

function waitingLabel(seconds) {
  const minutes = Math.floor(seconds / 60);
  return minutes < 60 ? minutes + " " + t("minutes") : Math.floor(minutes / 60) + " u " + (minutes % 60) + " " + t("minutes");
}

function stateLabel(item) {
  if (item.status === "claimed") {
    const mine = state.me && item.claimed_by === state.me.email;
    return t("claimed") + " " + t("by") + " " + (mine ? t("you") : item.claimed_by);
  }
  return item.status === "resolved" ? t("resolvedState") : t("waiting");
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
    first.append(el("span", t(item.urgency), "badge " + item.urgency), el("strong", "#" + item.id),
      el("span", waitingLabel(item.waiting_seconds)), el("span", item.language.toUpperCase(), "badge"),
      el("span", communeLabel(item)));
    if (!item.citizen_present && item.status !== "resolved") first.append(el("span", t("gone"), "badge gone"));
    if (item.preferred_contact !== "chat") first.append(el("span", "☎ " + t(item.preferred_contact), "badge"));
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
  document.title = (crises.size ? "(!) " : "") + t("title") + " — GBO Brussel";
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
  summaryRow(list, t("urgency"), t(item.urgency));
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
  const contact = [t(item.preferred_contact), item.contact_phone, item.contact_email].filter(Boolean).join(" · ");
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
    bubble.append(el("span", t("author_" + message.author) + " · " + time, "who"), el("span", message.text));
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
  const canned = document.getElementById("canned");
  const cannedLang = item.language === "fr" ? "fr" : "nl";
  if (canned.dataset.lang !== cannedLang) {
    canned.dataset.lang = cannedLang;
    canned.textContent = "";
    canned.append(new Option(t("pickCanned"), ""));
    CANNED[cannedLang].forEach((text) => canned.append(new Option(text, text)));
  }
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
  const params = new URLSearchParams({ q, lang: lang, limit: "10" });
  if (state.detail && state.detail.postcode) params.set("postcode", state.detail.postcode);
  try {
    const data = await api("/api/v1/services?" + params.toString());
    data.services.forEach((service) => {
      const org = service.organisation || service.organization;
      const label = service.name + (org && org.name ? " — " + org.name : "");
      select.append(new Option(label, service.id));
    });
  } catch (error) {
    say(error.message, true);
  }
}

function applyTexts() {
  document.documentElement.lang = lang;
  document.querySelectorAll("[data-t]").forEach((node) => { node.textContent = t(node.dataset.t); });
  document.querySelectorAll("button.lang").forEach((b) => b.classList.toggle("active", b.dataset.lang === lang));
  const box = document.getElementById("knelpunten");
  box.querySelectorAll("label").forEach((label) => label.remove());
  KNELPUNTEN.forEach((code) => {
    const input = document.createElement("input");
    input.type = "checkbox";
    input.name = "knelpunt";
    input.value = code;
    const label = el("label");
    label.append(input, el("span", t("k_" + code)));
    box.append(label);
  });
}

function bind() {
  document.addEventListener("click", unlockAudio, { capture: true });
  document.addEventListener("keydown", unlockAudio, { capture: true });
  document.querySelectorAll("button.lang").forEach((button) => button.addEventListener("click", () => {
    lang = button.dataset.lang;
    localStorage.setItem("gbo-lang", lang);
    applyTexts();
    refreshQueue().catch((e) => say(e.message, true));
    if (state.detail) renderCase(state.detail);
  }));
  document.getElementById("logout").addEventListener("click", async () => {
    await fetch("/api/v1/auth/logout", { method: "POST", credentials: "same-origin" });
    window.location.assign("/login?next=" + encodeURIComponent("/onthaal/"));
  });
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
  applyTexts();
  bind();
  try {
    state.me = await api("/api/v1/auth/me");
    document.getElementById("who").textContent = state.me.email;
    await refreshQueue();
  } catch (error) {
    say(error.message, true);
    return;
  }
  window.setInterval(() => refreshQueue().catch((e) => say(e.message, true)), QUEUE_POLL_MS);
  window.setInterval(refreshCase, CASE_POLL_MS);
});
