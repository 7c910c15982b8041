// Staff sign-in: posts the OAuth2 password form; the API sets the HttpOnly session cookie.
// Texts from the staff catalogs (staff.js), in the language of the NL/FR switch.
"use strict";

function safeNext() {
  // Only a path on this site: never an absolute or protocol-relative URL (open redirect).
  const next = new URLSearchParams(window.location.search).get("next") || "/elz/";
  return /^\/(?!\/)[\w\-./?=&%]*$/.test(next) ? next : "/elz/";
}

document.addEventListener("DOMContentLoaded", async () => {
  const form = document.getElementById("login-form");
  const error = document.getElementById("login-error");
  const fail = (text) => { error.textContent = text; error.hidden = false; };
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.hidden = true;
    const body = new URLSearchParams();
    body.set("username", document.getElementById("email").value.trim());
    body.set("password", document.getElementById("password").value);
    let response;
    try {
      response = await fetch("/api/v1/auth/token", {
        method: "POST",
        body,
        credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
      });
    } catch (_e) {
      fail(t("offline"));
      return;
    }
    if (response.ok) {
      window.location.assign(safeNext());
      return;
    }
    fail(response.status === 401 ? t("wrong") : t("failed", { status: response.status }));
  });
  try {
    await startScreen("login");
  } catch (_e) {
    /* texts unreachable: the page keeps the Dutch texts it was served with */
  }
});
