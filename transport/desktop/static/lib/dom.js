// Building the pages' elements. Every text, the customers' and the
// agents' included, goes in as a text node (textContent): nothing here
// parses HTML, so a message like <img src=x onerror=...> shows as typed.

// el makes an element: el("button", {type: "button", class: "op",
// data: {op: "Accept"}, aria: {label: "..."}, on: {click: f}}, "Accept").
// Children are elements or strings (text nodes); null and false are left
// out.
export function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    switch (k) {
      case "class":
        e.className = v;
        break;
      case "data":
        for (const [dk, dv] of Object.entries(v)) e.dataset[dk] = String(dv);
        break;
      case "aria":
        for (const [ak, av] of Object.entries(v)) e.setAttribute("aria-" + ak, String(av));
        break;
      case "on":
        for (const [ev, f] of Object.entries(v)) e.addEventListener(ev, f);
        break;
      case "text":
        e.textContent = String(v);
        break;
      default:
        // Never an on* attribute: handlers go through "on" above.
        if (k.startsWith("on")) throw new Error("el: event attribute " + k);
        if (v === true) e.setAttribute(k, "");
        else e.setAttribute(k, String(v));
    }
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    e.append(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return e;
}

// $ is the element of id.
export function $(id) {
  const e = document.getElementById(id);
  if (!e) throw new Error("no element #" + id);
  return e;
}

// show and hide by the hidden attribute (the style sheet makes it win).
export function show(e, visible = true) {
  e.hidden = !visible;
}

// replaceChildren empties e and puts children in.
export function fill(e, ...children) {
  e.replaceChildren(...children.filter((c) => c !== null && c !== undefined && c !== false));
}

// announce tells screen readers something that changed out of focus.
export function announce(text) {
  const a = document.getElementById("announce");
  if (a) a.textContent = text;
}

// showError puts a failure in the page's alert region.
export function showError(text) {
  const e = document.getElementById("error");
  if (!e) return;
  e.textContent = text;
  e.hidden = !text;
}

// time formats an RFC 3339 or millisecond time as the reader's local time.
export function time(t) {
  const d = typeof t === "number" ? new Date(t) : new Date(String(t));
  if (Number.isNaN(d.getTime())) return "";
  return d.toLocaleTimeString();
}

// duration formats seconds as "1 min 5 s".
export function duration(seconds) {
  const s = Math.max(0, Math.floor(Number(seconds) || 0));
  if (s < 60) return s + " s";
  const m = Math.floor(s / 60);
  if (m < 60) return m + " min " + (s % 60) + " s";
  return Math.floor(m / 60) + " h " + (m % 60) + " min";
}
