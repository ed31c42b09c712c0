// What both pages share around their content: the sign-in form, the
// header with the signed-in user, the live indicator and sign-out.
import { Api, explain, hasFeature, hasRole } from "./api.js";
import { $, show, showError } from "./dom.js";

const liveText = {
  connecting: "Connecting…",
  connected: "Live",
  reconnecting: "Reconnecting…",
  offline: "Offline",
};

// setLive shows the notifications' state in the header.
export function setLive(state) {
  const e = $("live");
  e.dataset.state = state;
  e.textContent = liveText[state] || state;
}

// start wires the page: role and feature are what the page needs (or
// ""), enter is called with the user once signed in, leave once signed
// out (to stop CometD and clear what was shown). It returns the Api and
// signedOut.
export function start({ role, feature, enter, leave }) {
  const api = new Api();
  const form = $("signin-form");
  const failure = $("signin-error");

  const signedIn = (user) => {
    const lacks = role && !hasRole(user, role) ? "the " + role + " role" : feature && !hasFeature(user, feature) ? "the " + feature + " feature" : "";
    if (lacks) {
      failure.textContent = "This page needs " + lacks + "; " + user.userName + " does not have it.";
      api.signOut().catch(() => {});
      return;
    }
    failure.textContent = "";
    $("user-name").textContent = user.userName;
    show($("who"));
    show($("sign-out"));
    show($("signin"), false);
    show($("workspace"));
    enter(api, user);
  };
  const signedOut = (why) => {
    leave();
    showError("");
    show($("workspace"), false);
    show($("who"), false);
    show($("sign-out"), false);
    show($("signin"));
    setLive("offline");
    failure.textContent = why || "";
    $("password").value = "";
    $("user").focus();
  };
  api.onSignedOut = () => signedOut("Your session has ended: sign in again.");

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    failure.textContent = "";
    try {
      const user = await api.signIn($("user").value, $("password").value);
      $("password").value = "";
      signedIn(user);
    } catch (err) {
      failure.textContent = explain(err);
    } finally {
      button.disabled = false;
    }
  });
  $("sign-out").addEventListener("click", async () => {
    try {
      await api.signOut();
    } catch (err) {
      console.warn("sign-out: " + explain(err));
    }
    signedOut("Signed out.");
  });

  api
    .resume()
    .then((user) => (user ? signedIn(user) : $("user").focus()))
    .catch((err) => (failure.textContent = explain(err)));
  return { api, signedOut };
}

// guard runs an action of a button, showing its failure in the alert
// region; the button is disabled while it runs.
export async function guard(button, action) {
  if (button) button.disabled = true;
  showError("");
  try {
    return await action();
  } catch (err) {
    showError(explain(err));
    return undefined;
  } finally {
    if (button) button.disabled = false;
  }
}
