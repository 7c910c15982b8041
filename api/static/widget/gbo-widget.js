/*
 * GBO chat widget: the citizen's door to the onthaal of the eerstelijnszone Brussel.
 *
 * Embed with one tag (no build step):
 *   <script src="https://API/widget/gbo-widget.js" data-lang="nl" defer></script>
 * Optional attributes: data-lang (nl | fr | en, default: the page's language), data-open="true",
 * data-remember="true" (see below).
 *
 * It talks to the API over socket.io (Rasa's socketio protocol, see api/services/realtime.py) and renders
 * every message with textContent: nothing a message contains is ever interpreted as HTML.
 *
 * The conversation id and its token are kept in sessionStorage: a reload in the same tab resumes the
 * conversation, but closing the tab ends it for this browser, so the next person at a shared computer
 * (a library, a waiting room) never reopens it. A host site whose visitors use their own devices may keep
 * conversations across tabs and visits with data-remember="true" (localStorage). "Forget this
 * conversation" deletes it on the server and the browser's copy in both storages.
 *
 * The interface follows the language the assistant answers in (metadata.lang on its replies) until the
 * citizen picks one with the NL/FR/EN switch; only a picked language is sent along (customData.lang).
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || window.GboWidget) {
    return;
  }
  var WIDGET_BASE = new URL(".", script.src).href;
  var API_ORIGIN = new URL(script.src).origin;
  var LANGS = ["nl", "fr", "en"];
  var STORAGE_KEY = "gbo-widget:" + API_ORIGIN;
  var REMEMBER = script.getAttribute("data-remember") === "true";
  var HUMAN_PAYLOAD = "/request_human";
  var TYPING_TIMEOUT_MS = 15000;
  var MAX_CHARS = 5000;

  // --- small helpers ------------------------------------------------------------------------------
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) {
      var value = attrs[name];
      if (value === null || value === undefined || value === false) {
        return;
      }
      if (name === "text") {
        node.textContent = value;
      } else if (name === "className") {
        node.className = value;
      } else {
        node.setAttribute(name, value === true ? "" : String(value));
      }
    });
    (children || []).forEach(function (child) {
      if (child) {
        node.appendChild(child);
      }
    });
    return node;
  }

  // sessionStorage unless the host site opted in to remembering (data-remember="true").
  function storage() {
    try {
      return REMEMBER ? window.localStorage : window.sessionStorage;
    } catch (e) {
      return null; // storage disabled: the conversation then lasts as long as the page
    }
  }

  function load() {
    try {
      if (!REMEMBER) {
        // A copy kept by an earlier version of the widget (localStorage) must not reopen for the next person.
        window.localStorage.removeItem(STORAGE_KEY);
      }
      return JSON.parse(storage().getItem(STORAGE_KEY) || "{}") || {};
    } catch (e) {
      return {};
    }
  }

  function save(state) {
    try {
      storage().setItem(STORAGE_KEY, JSON.stringify(state));
    } catch (e) {
      /* private mode: the conversation then lasts as long as the page */
    }
  }

  function clearSaved() {
    [function () { return window.sessionStorage; }, function () { return window.localStorage; }].forEach(function (get) {
      try {
        get().removeItem(STORAGE_KEY);
      } catch (e) {
        /* storage disabled: nothing was kept */
      }
    });
  }

  function pageLanguage() {
    var wanted = (script.getAttribute("data-lang") || document.documentElement.lang || "nl").slice(0, 2);
    return LANGS.indexOf(wanted) >= 0 ? wanted : "nl";
  }

  function telHref(number) {
    return "tel:" + String(number).replace(/[^0-9+]/g, "");
  }

  function safeUrl(url) {
    return typeof url === "string" && /^https?:\/\//i.test(url) ? url : null;
  }

  function asText(value) {
    if (value === null || value === undefined) {
      return "";
    }
    if (typeof value === "string" || typeof value === "number") {
      return String(value);
    }
    if (value.text) {
      return String(value.text);
    }
    if (value.name) {
      return String(value.name);
    }
    return "";
  }

  function addressText(address) {
    if (!address) {
      return "";
    }
    if (typeof address === "string") {
      return address;
    }
    var place = [address.postcode, address.city].filter(Boolean).join(" ");
    return [address.street, place].filter(Boolean).join(", ");
  }

  // --- state ----------------------------------------------------------------------------------------
  var stored = load();
  var state = {
    lang: LANGS.indexOf(stored.lang) >= 0 ? stored.lang : pageLanguage(),
    // Only a language the citizen picked with the switch is sent to the assistant (customData.lang);
    // otherwise the assistant follows the language the citizen writes in.
    chosen: stored.chosen === true,
    id: stored.id || null,
    token: stored.token || null,
    texts: {},
    wanted: null, // the language whose texts are on their way
    slowNotice: false, // the status line says the answer takes long
    socket: null,
    confirmed: false, // the server bound this page to a conversation (session_confirm)
    pending: [], // messages written before that, sent right after it
    typingTimer: null,
    handover: false, // a person at the onthaal holds the conversation
    hasMessages: false
  };
  var ui = {};

  function remember() {
    save({
      id: state.id, token: state.token, lang: state.lang, chosen: state.chosen,
      open: Boolean(ui.panel && !ui.panel.hidden)
    });
  }

  function t(key) {
    return state.texts[key] || key;
  }

  function fetchTexts(lang) {
    return fetch(WIDGET_BASE + "i18n/" + lang + ".json", { credentials: "omit" }).then(function (response) {
      if (!response.ok) {
        throw new Error("texts " + response.status);
      }
      return response.json();
    });
  }

  function loadScript(src) {
    return new Promise(function (resolve, reject) {
      if (window.io) {
        resolve();
        return;
      }
      var tag = el("script", { src: src, async: true });
      tag.onload = resolve;
      tag.onerror = reject;
      document.head.appendChild(tag);
    });
  }

  // --- building the widget ------------------------------------------------------------------------
  function build() {
    document.head.appendChild(el("link", { rel: "stylesheet", href: WIDGET_BASE + "gbo-widget.css" }));

    ui.launcher = el("button", {
      type: "button", className: "gbo-launcher", "aria-expanded": "false", "aria-controls": "gbo-panel"
    });
    ui.title = el("h2", { id: "gbo-title", className: "gbo-title" });
    ui.close = el("button", { type: "button", className: "gbo-close" }, [el("span", { "aria-hidden": "true", text: "\u00d7" })]);
    ui.langGroup = el("div", { role: "group", className: "gbo-langs" });
    ui.langButtons = LANGS.map(function (lang) {
      var button = el("button", { type: "button", className: "gbo-lang", lang: lang, "data-lang": lang, text: lang.toUpperCase() });
      button.addEventListener("click", function () {
        switchLanguage(lang);
      });
      ui.langGroup.appendChild(button);
      return button;
    });
    ui.welcome = el("p", { className: "gbo-welcome" });
    ui.privacy = el("p", { id: "gbo-privacy", className: "gbo-privacy" });
    // Before the first message: a greeting in Dutch and French at once (the NL/FR/EN switch offers the choice).
    ui.intro = el("div", { className: "gbo-intro" }, [ui.welcome, ui.privacy]);
    ui.log = el("div", { id: "gbo-log", className: "gbo-log", role: "log", "aria-live": "polite", tabindex: "0" });
    ui.typing = el("div", { className: "gbo-typing", role: "status", hidden: true }, [
      el("span", { className: "gbo-dots", "aria-hidden": "true" }, [el("span"), el("span"), el("span")]),
      el("span", { className: "gbo-typing-text" })
    ]);
    ui.status = el("p", { className: "gbo-status", role: "status" });
    ui.inputLabel = el("label", { "for": "gbo-input", className: "gbo-visually-hidden" });
    ui.input = el("input", {
      id: "gbo-input", type: "text", className: "gbo-input", autocomplete: "off", maxlength: MAX_CHARS,
      "aria-describedby": "gbo-privacy"
    });
    ui.send = el("button", { type: "submit", className: "gbo-send" });
    ui.form = el("form", { className: "gbo-form" }, [ui.inputLabel, ui.input, ui.send]);
    ui.human = el("button", { type: "button", className: "gbo-action gbo-human" });
    ui.forget = el("button", { type: "button", className: "gbo-action gbo-forget" });
    ui.confirmText = el("p", { id: "gbo-confirm-text", className: "gbo-confirm-text" });
    ui.confirmYes = el("button", { type: "button", className: "gbo-action gbo-danger" });
    ui.confirmNo = el("button", { type: "button", className: "gbo-action" });
    ui.confirm = el("div", { className: "gbo-confirm", role: "group", "aria-labelledby": "gbo-confirm-text", hidden: true },
      [ui.confirmText, ui.confirmYes, ui.confirmNo]);
    ui.actions = el("div", { className: "gbo-actions" }, [ui.human, ui.forget]);
    ui.panel = el("section", { id: "gbo-panel", className: "gbo-panel", "aria-labelledby": "gbo-title", hidden: true }, [
      el("header", { className: "gbo-header" }, [ui.title, ui.langGroup, ui.close]),
      ui.intro, ui.log, ui.typing, ui.status, ui.form, ui.actions, ui.confirm
    ]);
    ui.root = el("div", { className: "gbo-widget" }, [ui.launcher, ui.panel]);
    document.body.appendChild(ui.root);

    ui.launcher.addEventListener("click", function () {
      setOpen(ui.panel.hidden);
    });
    ui.close.addEventListener("click", function () {
      setOpen(false);
    });
    ui.panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        setOpen(false);
      }
    });
    ui.form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = ui.input.value.trim();
      if (text) {
        send(text, text);
        ui.input.value = "";
      }
    });
    ui.human.addEventListener("click", function () {
      send(HUMAN_PAYLOAD, t("human"));
    });
    ui.forget.addEventListener("click", function () {
      ui.actions.hidden = true;
      ui.confirm.hidden = false;
      ui.confirmNo.focus();
    });
    ui.confirmNo.addEventListener("click", closeConfirm);
    ui.confirmYes.addEventListener("click", function () {
      closeConfirm();
      forget();
    });
    applyTexts();
  }

  function closeConfirm() {
    ui.confirm.hidden = true;
    ui.actions.hidden = false;
    ui.forget.focus();
  }

  function applyTexts() {
    ui.root.setAttribute("lang", state.lang);
    ui.launcher.textContent = t("launcher");
    ui.title.textContent = t("title");
    ui.close.setAttribute("aria-label", t("close"));
    ui.langGroup.setAttribute("aria-label", t("language"));
    ui.langButtons.forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.getAttribute("data-lang") === state.lang));
    });
    ui.welcome.textContent = state.chosen ? t("welcome") : t("welcome_bilingual");
    ui.privacy.textContent = t("privacy");
    ui.log.setAttribute("aria-label", t("messages"));
    ui.typing.querySelector(".gbo-typing-text").textContent = t("typing");
    ui.inputLabel.textContent = t("input_label");
    ui.input.setAttribute("placeholder", t("input_placeholder"));
    ui.send.textContent = t("send");
    ui.human.textContent = t("human");
    ui.forget.textContent = t("forget");
    ui.confirmText.textContent = t("forget_confirm");
    ui.confirmYes.textContent = t("forget_yes");
    ui.confirmNo.textContent = t("forget_no");
    ui.intro.hidden = state.hasMessages;
  }

  function setOpen(open, moveFocus) {
    ui.panel.hidden = !open;
    ui.launcher.setAttribute("aria-expanded", String(open));
    ui.root.classList.toggle("gbo-open", open);
    remember();
    if (open) {
      connect();
    }
    if (moveFocus !== false) {
      (open ? ui.input : ui.launcher).focus();
    }
  }

  function switchLanguage(lang) {
    if (lang === state.lang) {
      return;
    }
    state.wanted = lang;
    fetchTexts(lang).then(function (texts) {
      state.lang = lang;
      state.chosen = true;
      state.texts = texts;
      remember();
      applyTexts();
    });
  }

  // The assistant answered in another language than the interface's (the citizen wrote in it, or asked
  // for it): the interface follows, without counting as the citizen's pick. A pick always wins.
  function followLanguage(lang) {
    if (state.chosen || LANGS.indexOf(lang) < 0 || lang === state.wanted) {
      return;
    }
    state.wanted = lang; // the latest reply's language wins over texts still on their way
    if (lang === state.lang) {
      return;
    }
    fetchTexts(lang).then(function (texts) {
      if (state.chosen || state.wanted !== lang) {
        return; // the citizen picked a language meanwhile, or a later reply asked for another
      }
      state.lang = lang;
      state.texts = texts;
      remember();
      applyTexts();
    }, function () {
      state.wanted = null; // texts unreachable: the next reply tries again
    });
  }

  // --- rendering messages ---------------------------------------------------------------------------
  function authorLabel(author) {
    return author === "citizen" ? t("you") : author === "worker" ? t("worker") : t("assistant");
  }

  function appendMessage(author, text) {
    state.hasMessages = true;
    ui.intro.hidden = true;
    var bubble = el("div", { className: "gbo-msg gbo-msg-" + (author === "citizen" ? "citizen" : author === "worker" ? "worker" : "bot") }, [
      el("span", { className: "gbo-visually-hidden", text: authorLabel(author) + ": " }),
      el("span", { className: "gbo-msg-text", text: text })
    ]);
    ui.log.appendChild(bubble);
    scrollDown();
    return bubble;
  }

  function scrollDown() {
    ui.log.scrollTop = ui.log.scrollHeight;
  }

  function renderButtons(buttons) {
    var row = el("div", { className: "gbo-buttons" });
    buttons.forEach(function (button) {
      var title = String(button.title || button.payload || "");
      var node = el("button", { type: "button", className: "gbo-choice", text: title });
      node.addEventListener("click", function () {
        send(String(button.payload || title), title);
      });
      row.appendChild(node);
    });
    ui.log.appendChild(row);
  }

  function renderEmergency(custom) {
    var numbers = custom.numbers || custom.emergency_numbers || custom.items || [];
    var list = el("ul", { className: "gbo-emergency-list" });
    numbers.forEach(function (entry) {
      var call = el("a", { className: "gbo-tel gbo-tel-big", href: telHref(entry.number) }, [
        el("span", { className: "gbo-visually-hidden", text: t("call") + " " }),
        el("span", { text: String(entry.number) })
      ]);
      list.appendChild(el("li", {}, [
        call,
        el("strong", { className: "gbo-emergency-name", text: asText(entry.name) }),
        entry.description ? el("span", { className: "gbo-emergency-desc", text: asText(entry.description) }) : null
      ]));
    });
    var box = el("div", { className: "gbo-emergency", role: "alert" }, [
      el("h3", { className: "gbo-emergency-title", text: t("emergency") }), list
    ]);
    ui.log.appendChild(box);
  }

  function renderService(service) {
    var details = el("dl", { className: "gbo-card-details" });
    function row(label, value) {
      if (value) {
        details.appendChild(el("dt", { text: label }));
        details.appendChild(el("dd", {}, [value]));
      }
    }
    var address = addressText(service.address);
    row(t("address"), address ? document.createTextNode(address) : null);
    var phones = (service.phones || []).map(function (phone) {
      var number = typeof phone === "string" ? phone : phone.number;
      return number ? el("a", { className: "gbo-tel", href: telHref(number), text: String(number) }) : null;
    }).filter(Boolean);
    if (phones.length) {
      var span = el("span");
      phones.forEach(function (link, i) {
        if (i) {
          span.appendChild(document.createTextNode(", "));
        }
        span.appendChild(link);
      });
      row(t("phone"), span);
    }
    var hours = asText(service.opening_hours || service.hours);
    row(t("hours"), hours ? document.createTextNode(hours) : null);
    var languages = (service.languages || []).map(asText).filter(Boolean).join(", ");
    row(t("languages"), languages ? document.createTextNode(languages.toUpperCase()) : null);

    var heading = el("h3", { className: "gbo-card-title" });
    var url = safeUrl(service.url);
    var name = asText(service.name);
    heading.appendChild(url ? el("a", { href: url, target: "_blank", rel: "noopener noreferrer", text: name }) : document.createTextNode(name));
    var badge = null;
    if (service.open_now === true || service.open_now === false) {
      badge = el("p", {
        className: "gbo-badge " + (service.open_now ? "gbo-badge-open" : "gbo-badge-closed"),
        text: service.open_now ? t("open_now") : t("closed_now")
      });
    }
    var categories = (service.categories || []).map(asText).filter(Boolean);
    return el("article", { className: "gbo-card" }, [
      heading,
      service.organisation || service.organization
        ? el("p", { className: "gbo-card-org", text: asText(service.organisation || service.organization) }) : null,
      badge,
      details,
      categories.length ? el("p", { className: "gbo-card-cats", text: categories.join(" \u00b7 ") }) : null
    ]);
  }

  function renderServices(custom) {
    var services = custom.services || (custom.service ? [custom.service] : []) || [];
    var list = el("div", { className: "gbo-cards" });
    services.forEach(function (service) {
      if (service && typeof service === "object") {
        list.appendChild(renderService(service));
      }
    });
    ui.log.appendChild(list);
  }

  function renderBotMessage(message) {
    var meta = message.metadata && typeof message.metadata === "object" ? message.metadata : {};
    var author = (message.author || meta.author) === "worker" ? "worker" : "bot";
    if (message.text) {
      appendMessage(author, String(message.text));
    }
    var custom = message.custom && typeof message.custom === "object" ? message.custom : null;
    var type = custom && typeof custom.type === "string" ? custom.type : "";
    if (type.indexOf("emergency") >= 0) {
      renderEmergency(custom);
    } else if (type.indexOf("service") >= 0) {
      renderServices(custom);
    } else if (type.indexOf("handover") >= 0) {
      renderHandover(type);
    }
    var buttons = message.quick_replies || message.buttons;
    if (Array.isArray(buttons) && buttons.length) {
      renderButtons(buttons);
    }
    state.hasMessages = true;
    ui.intro.hidden = true;
    scrollDown();
  }

  // --- handover to a person at the onthaal (api/services/handover.py) -------------------------------
  // While a person holds the conversation, the citizen's messages go to them: no "assistant is typing".
  function renderHandover(type) {
    state.handover = type !== "handover_ended";
    ui.root.classList.toggle("gbo-handover", state.handover);
    var waiting = type === "handover_queued" || type === "handover_callback_offer" || type === "handover_contact_saved";
    ui.status.textContent = waiting ? t("handover_waiting") : "";
    if (type === "handover_callback_offer") {
      ui.log.appendChild(renderCallbackForm());
    } else if (type === "handover_contact_saved" || type === "handover_ended" || type === "handover_claimed") {
      Array.prototype.forEach.call(ui.log.querySelectorAll(".gbo-callback"), function (form) {
        form.parentNode.removeChild(form);
      });
    }
  }

  function renderCallbackForm() {
    var n = ui.log.querySelectorAll(".gbo-callback").length + 1;
    var phone = el("input", { id: "gbo-cb-phone-" + n, type: "tel", className: "gbo-input gbo-cb-phone", autocomplete: "tel", maxlength: "40" });
    var email = el("input", { id: "gbo-cb-email-" + n, type: "email", className: "gbo-input gbo-cb-email", autocomplete: "email", maxlength: "320" });
    var consent = el("input", { id: "gbo-cb-consent-" + n, type: "checkbox", className: "gbo-cb-consent" });
    var error = el("p", { className: "gbo-cb-error", role: "alert" });
    var form = el("form", { className: "gbo-callback", "aria-label": t("callback_title") }, [
      el("p", { className: "gbo-cb-title", text: t("callback_title") }),
      el("label", { "for": "gbo-cb-phone-" + n, text: t("callback_phone") }), phone,
      el("label", { "for": "gbo-cb-email-" + n, text: t("callback_email") }), email,
      el("label", { className: "gbo-cb-consent-label" }, [consent, el("span", { text: t("callback_consent") })]),
      el("button", { type: "submit", className: "gbo-action gbo-cb-send", text: t("callback_send") }),
      error
    ]);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = { phone: phone.value.trim() || null, email: email.value.trim() || null, consent: consent.checked };
      if (!body.phone && !body.email) {
        error.textContent = t("callback_need_contact");
        return;
      }
      if (!body.consent) {
        error.textContent = t("callback_need_consent");
        return;
      }
      fetch(API_ORIGIN + "/api/v1/conversations/" + encodeURIComponent(state.id) + "/callback", {
        method: "POST",
        headers: { Authorization: "Bearer " + state.token, "Content-Type": "application/json" },
        credentials: "omit",
        body: JSON.stringify(body)
      }).then(function (response) {
        if (response.ok) {
          form.parentNode && form.parentNode.removeChild(form); // the confirmation comes over socket.io
        } else {
          error.textContent = response.status === 422 ? t("callback_invalid") : t("offline");
        }
      }, function () {
        error.textContent = t("offline");
      });
    });
    return form;
  }

  function renderHistory(messages) {
    ui.log.textContent = "";
    (messages || []).forEach(function (message) {
      if (message.author === "citizen") {
        appendMessage("citizen", message.text === HUMAN_PAYLOAD ? t("human") : String(message.text || ""));
      } else {
        renderBotMessage(message);
      }
    });
  }

  function showTyping(on) {
    window.clearTimeout(state.typingTimer);
    ui.typing.hidden = !on;
    if (on) {
      state.typingTimer = window.setTimeout(function () {
        ui.typing.hidden = true;
      }, TYPING_TIMEOUT_MS);
    }
  }

  function resetConversation(notice) {
    state.id = null;
    state.token = null;
    state.confirmed = false;
    state.hasMessages = false;
    clearSaved(); // the browser keeps nothing of the forgotten conversation
    ui.log.textContent = "";
    ui.intro.hidden = false;
    showTyping(false);
    if (notice) {
      ui.status.textContent = notice;
    }
  }

  // --- talking to the API -----------------------------------------------------------------------------
  function requestSession() {
    state.socket.emit("session_request", { session_id: state.id, token: state.token });
  }

  function connect() {
    if (state.socket) {
      return;
    }
    var socket = window.io(API_ORIGIN, { path: "/socket.io" });
    state.socket = socket;
    socket.on("connect", function () {
      ui.status.textContent = "";
      requestSession();
    });
    socket.on("disconnect", function () {
      state.confirmed = false;
      ui.status.textContent = t("offline");
    });
    socket.on("connect_error", function () {
      ui.status.textContent = t("offline");
    });
    socket.on("session_credentials", function (data) {
      if (data && data.session_id && data.token) {
        state.id = data.session_id;
        state.token = data.token;
        remember();
      }
    });
    socket.on("session_confirm", function (sessionId) {
      var id = sessionId && sessionId.session_id ? sessionId.session_id : sessionId;
      if (id !== state.id) {
        state.id = id;
        remember();
      }
      state.confirmed = true;
      state.pending.splice(0).forEach(emitMessage);
    });
    socket.on("session_history", function (data) {
      renderHistory(data && data.messages);
    });
    socket.on("bot_uttered", function (message) {
      if (message && message.custom && message.custom.type === "assistant_slow") {
        // "A moment, your message is kept": about the channel, not the conversation (nor kept in it),
        // so a status line while the assistant keeps typing, not a message of the conversation.
        ui.status.textContent = String(message.text || "");
        state.slowNotice = true;
        showTyping(true);
        return;
      }
      showTyping(false);
      if (state.slowNotice) {
        ui.status.textContent = "";
        state.slowNotice = false;
      }
      if (message && typeof message === "object") {
        renderBotMessage(message);
        if (message.metadata && typeof message.metadata === "object") {
          followLanguage(message.metadata.lang);
        }
      }
    });
    socket.on("bot_typing", function (data) {
      // The assistant works on the message (sent by the API; other Rasa widgets ignore the event).
      if (data && data.session_id === state.id && !state.handover) {
        showTyping(Boolean(data.typing));
      }
    });
    socket.on("session_expired", function (data) {
      // The conversation was idle too long: the server starts a new one and sends its credentials.
      if (data && data.session_id === state.id) {
        resetConversation(t("session_expired"));
      }
    });
    socket.on("conversation_forgotten", function (data) {
      if (data && data.session_id === state.id) {
        resetConversation(t("forgotten"));
        requestSession();
      }
    });
  }

  function emitMessage(payload) {
    state.socket.emit("user_uttered", {
      message: payload, session_id: state.id, customData: state.chosen ? { lang: state.lang } : {}
    });
  }

  function send(payload, shown) {
    connect();
    if (!state.handover) {
      ui.status.textContent = "";
    }
    appendMessage("citizen", shown);
    showTyping(!state.handover);
    if (state.confirmed) {
      emitMessage(payload);
    } else {
      state.pending.push(payload); // sent once the conversation is confirmed, never into a stray one
    }
  }

  function forget() {
    var forgotten = state.id;
    if (!forgotten || !state.token) {
      resetConversation(t("forgotten"));
      return;
    }
    fetch(API_ORIGIN + "/api/v1/conversations/" + encodeURIComponent(forgotten), {
      method: "DELETE",
      headers: { Authorization: "Bearer " + state.token },
      credentials: "omit"
    }).then(function (response) {
      if (!response.ok && response.status !== 401) {
        ui.status.textContent = t("offline");
        return;
      }
      // The server also says so over socket.io (conversation_forgotten); whichever comes first acts.
      if (state.id === forgotten) {
        resetConversation(t("forgotten"));
        if (state.socket && state.socket.connected) {
          requestSession();
        }
      }
      ui.input.focus();
    }, function () {
      ui.status.textContent = t("offline");
    });
  }

  // --- start ----------------------------------------------------------------------------------------
  function start() {
    Promise.all([fetchTexts(state.lang), loadScript(WIDGET_BASE + "vendor/socket.io.min.js")]).then(function (results) {
      state.texts = results[0];
      build();
      window.GboWidget = { open: function () { setOpen(true); }, close: function () { setOpen(false); } };
      if (script.getAttribute("data-open") === "true" || state.id) {
        connect();
      }
      if (script.getAttribute("data-open") === "true" || stored.open) {
        setOpen(true, false); // reopened after a reload: the page keeps its focus
      }
    }, function () {
      /* the API is unreachable: the host page simply shows no widget */
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
