/*
 * GBO chat widget, part 2 of 3: drawing the conversation (messages, buttons, service cards, emergency
 * numbers, the handover's status and call-back form). Loaded by gbo-widget.js; every text goes in with
 * textContent, never as HTML.
 */
(function () {
  "use strict";

  var parts = window.GboWidgetParts = window.GboWidgetParts || {};

  parts.messages = function (w) {
    var state = w.state;
    var ui = w.ui;
    var el = w.el;
    var t = w.t;

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
          w.send(String(button.payload || title), title);
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
      var render = custom && typeof custom.type === "string" && Object.prototype.hasOwnProperty.call(RENDERERS, custom.type)
        ? RENDERERS[custom.type] : null;
      if (render) {
        render(custom); // an unknown type (assistant_unavailable, forget_conversation, ...): the text alone
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
    function renderHandover(custom) {
      var type = custom.type;
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
        fetch(w.API_ORIGIN + "/api/v1/conversations/" + encodeURIComponent(state.id) + "/callback", {
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

    // What the widget draws for a bot message's custom.type, by exact type (the API serves the vocabulary
    // at /api/vocabularies). assistant_slow is a status line, handled by the socket part.
    var RENDERERS = {
      emergency_numbers: renderEmergency,
      service_list: renderServices,
      handover_requested: renderHandover,
      handover_queued: renderHandover,
      handover_callback_offer: renderHandover,
      handover_contact_saved: renderHandover,
      handover_claimed: renderHandover,
      handover_ended: renderHandover
    };

    function renderHistory(messages) {
      ui.log.textContent = "";
      // A button the citizen pressed is shown by its title, as it was when pressed, not by its payload.
      var titles = {};
      (messages || []).forEach(function (message) {
        if (message.author === "citizen") {
          var text = String(message.text || "");
          var shown = Object.prototype.hasOwnProperty.call(titles, text) ? titles[text] : text;
          appendMessage("citizen", text === w.HUMAN_PAYLOAD ? t("human") : shown);
        } else {
          (message.quick_replies || message.buttons || []).forEach(function (button) {
            if (button && button.payload) {
              titles[String(button.payload)] = String(button.title || button.payload);
            }
          });
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
        }, w.TYPING_TIMEOUT_MS);
      }
    }

    function resetConversation(notice) {
      state.id = null;
      state.token = null;
      state.confirmed = false;
      state.hasMessages = false;
      w.clearSaved(); // the browser keeps nothing of the forgotten conversation
      ui.log.textContent = "";
      ui.intro.hidden = false;
      showTyping(false);
      if (notice) {
        ui.status.textContent = notice;
      }
    }

    return {
      appendMessage: appendMessage,
      renderBotMessage: renderBotMessage,
      renderHistory: renderHistory,
      showTyping: showTyping,
      resetConversation: resetConversation,
      customTypes: Object.keys(RENDERERS)
    };
  };
})();
