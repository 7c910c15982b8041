/*
 * GBO chat widget, part 3 of 3: the conversation over socket.io (Rasa's socketio protocol, see the API's
 * realtime channel), sending, and forgetting the conversation. Loaded by gbo-widget.js.
 */
(function () {
  "use strict";

  var parts = window.GboWidgetParts = window.GboWidgetParts || {};

  parts.socket = function (w) {
    var state = w.state;
    var ui = w.ui;
    var t = w.t;

    // --- talking to the API -----------------------------------------------------------------------------
    function requestSession() {
      state.socket.emit("session_request", { session_id: state.id, token: state.token });
    }

    function connect() {
      if (state.socket) {
        return;
      }
      var socket = window.io(w.API_ORIGIN, { path: "/socket.io" });
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
          w.remember();
        }
      });
      socket.on("session_confirm", function (sessionId) {
        var id = sessionId && sessionId.session_id ? sessionId.session_id : sessionId;
        if (id !== state.id) {
          state.id = id;
          w.remember();
        }
        state.confirmed = true;
        state.pending.splice(0).forEach(emitMessage);
      });
      socket.on("session_history", function (data) {
        w.renderHistory(data && data.messages);
      });
      socket.on("bot_uttered", function (message) {
        if (message && message.custom && message.custom.type === "assistant_slow") {
          // "A moment, your message is kept": about the channel, not the conversation (nor kept in it),
          // so a status line while the assistant keeps typing, not a message of the conversation.
          ui.status.textContent = String(message.text || "");
          state.slowNotice = true;
          w.showTyping(true);
          return;
        }
        w.showTyping(false);
        if (state.slowNotice) {
          ui.status.textContent = "";
          state.slowNotice = false;
        }
        if (message && typeof message === "object") {
          w.renderBotMessage(message);
          if (message.metadata && typeof message.metadata === "object") {
            w.followLanguage(message.metadata.lang);
          }
        }
      });
      socket.on("bot_typing", function (data) {
        // The assistant works on the message (sent by the API; other Rasa widgets ignore the event).
        if (data && data.session_id === state.id && !state.handover) {
          w.showTyping(Boolean(data.typing));
        }
      });
      socket.on("session_expired", function (data) {
        // The conversation was idle too long: the server starts a new one and sends its credentials.
        if (data && data.session_id === state.id) {
          w.resetConversation(t("session_expired"));
        }
      });
      socket.on("conversation_forgotten", function (data) {
        if (data && data.session_id === state.id) {
          w.resetConversation(t("forgotten"));
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
      w.appendMessage("citizen", shown);
      w.showTyping(!state.handover);
      if (state.confirmed) {
        emitMessage(payload);
      } else {
        state.pending.push(payload); // sent once the conversation is confirmed, never into a stray one
      }
    }

    function forget() {
      var forgotten = state.id;
      if (!forgotten || !state.token) {
        w.resetConversation(t("forgotten"));
        return;
      }
      fetch(w.API_ORIGIN + "/api/v1/conversations/" + encodeURIComponent(forgotten), {
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
          w.resetConversation(t("forgotten"));
          if (state.socket && state.socket.connected) {
            requestSession();
          }
        }
        ui.input.focus();
      }, function () {
        ui.status.textContent = t("offline");
      });
    }

    return { connect: connect, send: send, forget: forget };
  };
})();
