/*
 * GBO chat widget: the citizen's door to the onthaal of the eerstelijnszone Brussel.
 *
 * Embed with one tag (no build step):
 *   <script src="https://API/widget/gbo-widget.js" data-lang="nl" defer></script>
 * Optional attributes: data-lang (nl | fr | en, default: the page's language), data-open="true",
 * data-remember="true" (see below).
 *
 * This file (state, texts, the panel) loads the rest from its own folder: gbo-widget-messages.js (drawing
 * the conversation), gbo-widget-socket.js (the socket.io transport), the socket.io client, and the
 * stylesheets gbo-widget.css and gbo-widget-messages.css. The parts register in window.GboWidgetParts.
 *
 * It talks to the API over socket.io (Rasa's socketio protocol, see api/channel/realtime.py) and renders
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
  var PARTS = ["gbo-widget-messages.js", "gbo-widget-socket.js"];

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

  // What the parts (gbo-widget-messages.js, gbo-widget-socket.js) share; each adds its own functions.
  var w = {
    API_ORIGIN: API_ORIGIN, HUMAN_PAYLOAD: HUMAN_PAYLOAD, TYPING_TIMEOUT_MS: TYPING_TIMEOUT_MS,
    state: state, ui: ui, el: el, t: t, remember: remember, clearSaved: clearSaved, followLanguage: followLanguage
  };

  function fetchTexts(lang) {
    return fetch(WIDGET_BASE + "i18n/" + lang + ".json", { credentials: "omit" }).then(function (response) {
      if (!response.ok) {
        throw new Error("texts " + response.status);
      }
      return response.json();
    });
  }

  function loadScript(src, isLoaded) {
    return new Promise(function (resolve, reject) {
      if (isLoaded && isLoaded()) {
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
    ["gbo-widget.css", "gbo-widget-messages.css"].forEach(function (name) {
      document.head.appendChild(el("link", { rel: "stylesheet", href: WIDGET_BASE + name }));
    });

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
        w.send(text, text);
        ui.input.value = "";
      }
    });
    ui.human.addEventListener("click", function () {
      w.send(HUMAN_PAYLOAD, t("human"));
    });
    ui.forget.addEventListener("click", function () {
      ui.actions.hidden = true;
      ui.confirm.hidden = false;
      ui.confirmNo.focus();
    });
    ui.confirmNo.addEventListener("click", closeConfirm);
    ui.confirmYes.addEventListener("click", function () {
      closeConfirm();
      w.forget();
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
      w.connect();
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

  // --- start ----------------------------------------------------------------------------------------
  function start() {
    var loading = [
      fetchTexts(state.lang),
      loadScript(WIDGET_BASE + "vendor/socket.io.min.js", function () { return Boolean(window.io); })
    ].concat(PARTS.map(function (name) { return loadScript(WIDGET_BASE + name); }));
    Promise.all(loading).then(function (results) {
      state.texts = results[0];
      var parts = window.GboWidgetParts;
      Object.keys(parts).forEach(function (name) {
        var made = parts[name](w);
        Object.keys(made).forEach(function (key) { w[key] = made[key]; });
      });
      build();
      window.GboWidget = {
        open: function () { setOpen(true); },
        close: function () { setOpen(false); },
        customTypes: w.customTypes.concat(["assistant_slow"]) // the custom.type values drawn specially
      };
      if (script.getAttribute("data-open") === "true" || state.id) {
        w.connect();
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
