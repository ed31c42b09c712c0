// The REST API with the session cookie (docs/DESKTOP.md): the sign-in
// trades the user name and password once, as HTTP Basic on GET
// /api/v2/me, for the HttpOnly cookie FBSESSIONID and a CSRF token; every
// later request sends the cookie (the browser does) and no Authorization
// header, and every POST the token in X-CSRF-TOKEN.

// ApiError is a failed answer: the HTTP status and the API's statusCode
// and statusMessage (docs/API.md §1).
export class ApiError extends Error {
  constructor(status, code, message, retryAfter) {
    super(message || "HTTP " + status);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

// The sessionStorage key that says this tab signed in: only then does a
// reload ask GET /api/v2/me with the cookie alone.
const signedInKey = "fbsession.signedIn";

// basic is the Authorization value of a user name and password, in UTF-8.
function basic(user, password) {
  const bytes = new TextEncoder().encode(user + ":" + password);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return "Basic " + btoa(bin);
}

export class Api {
  constructor() {
    this.csrf = "";
    this.user = null;
    // onSignedOut is called when an answer says the cookie's session has
    // ended (401): a logout elsewhere, a password change, the idle limit.
    this.onSignedOut = () => {};
  }

  // signIn sends the credentials once; afterwards only the cookie.
  async signIn(user, password) {
    const res = await fetch("/api/v2/me", {
      headers: { Authorization: basic(user, password), Accept: "application/json", "X-Requested-With": "XMLHttpRequest" },
      credentials: "same-origin",
      cache: "no-store",
    });
    const body = await this.read(res, false);
    this.user = body.user;
    this.csrf = res.headers.get("X-CSRF-TOKEN") || "";
    if (!this.csrf) {
      // A cookie this browser already held for this user was kept: the
      // token comes with a read made by the cookie alone.
      await this.resume();
    }
    sessionStorage.setItem(signedInKey, "1");
    return this.user;
  }

  // resume reads the signed-in user and the CSRF token with the cookie
  // alone (a reloaded page); null when this tab never signed in or the
  // session has ended.
  async resume() {
    if (!sessionStorage.getItem(signedInKey) && !this.user) return null;
    const res = await fetch("/api/v2/me", {
      headers: { Accept: "application/json", "X-Requested-With": "XMLHttpRequest" },
      credentials: "same-origin",
      cache: "no-store",
    });
    if (res.status === 401) {
      sessionStorage.removeItem(signedInKey);
      return null;
    }
    const body = await this.read(res, false);
    this.user = body.user;
    this.csrf = res.headers.get("X-CSRF-TOKEN") || "";
    return this.user;
  }

  async get(path) {
    const res = await fetch(path, {
      headers: { Accept: "application/json", "X-Requested-With": "XMLHttpRequest" },
      credentials: "same-origin",
      cache: "no-store",
    });
    return this.read(res, true);
  }

  async post(path, body) {
    const res = await fetch(path, {
      method: "POST",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRF-TOKEN": this.csrf,
        "X-Requested-With": "XMLHttpRequest",
      },
      body: JSON.stringify(body || {}),
      credentials: "same-origin",
      cache: "no-store",
    });
    return this.read(res, true);
  }

  // operate posts an operation to a path of the API.
  operate(path, operationName, params = {}) {
    return this.post(path, { operationName, ...params });
  }

  // signOut ends the cookie's session on the server (the contact-center
  // session stays as it is).
  async signOut() {
    try {
      await this.post("/api/v2/logout", {});
    } finally {
      this.forget();
    }
  }

  forget() {
    this.csrf = "";
    this.user = null;
    sessionStorage.removeItem(signedInKey);
  }

  async read(res, signedIn) {
    let body = null;
    try {
      body = await res.json();
    } catch {
      body = null;
    }
    if (res.ok && body && body.statusCode === 0) return body;
    const code = body && typeof body.statusCode === "number" ? body.statusCode : undefined;
    const message = body && typeof body.statusMessage === "string" ? body.statusMessage : "";
    if (res.status === 401 && signedIn) {
      this.forget();
      this.onSignedOut();
    }
    throw new ApiError(res.status, code, message, Number(res.headers.get("Retry-After")) || undefined);
  }
}

// hasRole and hasFeature read GET /api/v2/me's user.
export function hasRole(user, role) {
  return !!user && Array.isArray(user.roles) && user.roles.includes(role);
}

export function hasFeature(user, feature) {
  return !!user && Array.isArray(user.features) && user.features.includes(feature);
}

// explain says a failure in words for the page.
export function explain(err) {
  if (err instanceof ApiError) {
    if (err.status === 401) return "Wrong user name or password.";
    if (err.status === 429) return "Too many failed sign-ins: try again in " + (err.retryAfter || "a few") + " seconds.";
    if (err.status === 403 && /csrf/i.test(err.message)) return "The page's session token was refused: reload the page.";
    return err.message + (err.status ? " (HTTP " + err.status + ")" : "");
  }
  return "The service cannot be reached: " + (err && err.message ? err.message : String(err));
}
