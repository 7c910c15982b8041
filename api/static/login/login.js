// Staff sign-in: posts the OAuth2 password form; the API sets the HttpOnly session cookie.
"use strict";

function safeNext() {
  // Only a path on this site: never an absolute or protocol-relative URL (open redirect).
  const next = new URLSearchParams(window.location.search).get("next") || "/elz/";
  return /^\/(?!\/)[\w\-./?=&%]*$/.test(next) ? next : "/elz/";
}

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("login-form");
  const error = document.getElementById("login-error");
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
      error.textContent = "Geen verbinding · Pas de connexion";
      error.hidden = false;
      return;
    }
    if (response.ok) {
      window.location.assign(safeNext());
      return;
    }
    error.textContent = response.status === 401
      ? "Verkeerd e-mailadres of wachtwoord · Courriel ou mot de passe incorrect"
      : "Aanmelden mislukt · La connexion a échoué (" + response.status + ")";
    error.hidden = false;
  });
});
