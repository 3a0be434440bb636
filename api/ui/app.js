// SPDX-License-Identifier: MIT
// The pxecore dashboard.  Plain JavaScript, no build step and no library:
// every call goes to the daemon's REST API (docs/api.md) with the bearer
// token from sessionStorage; the page is rebuilt from the answers with
// textContent only, so no client-supplied string is ever parsed as HTML.
"use strict";

const KEY = "pxecore.token";
const PHASES = ["dhcp", "loader", "menu", "kernel", "initrd", "rootfs"];
const EVENTS_EVERY_MS = 1000;
const STATE_EVERY_MS = 5000;
const MAX_CLIENTS = 200; // machines shown in the timeline
const MAX_ACTIVITY = 50; // lines in "Other events"

const $ = (id) => document.getElementById(id);
let timers = [];
let lastEventId = 0;
let busy = { events: false, state: false };
const clients = new Map(); // mac -> {timeline, seen}
const ipToMac = new Map(); // from events that carry both

// ---- DOM helpers ----

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("on")) e.addEventListener(k.slice(2), v);
    else if (v === true) e.setAttribute(k, "");
    else if (v !== false && v !== null && v !== undefined) e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : String(c ?? ""));
  return e;
}

// Rebuilds a table's rows from data, only when data changed (so a refresh never
// takes a control away from under the mouse).
const shown = new Map();
function fillBody(table, data, row) {
  const key = JSON.stringify(data);
  if (shown.get(table) === key) return;
  shown.set(table, key);
  $(table).tBodies[0].replaceChildren(...data.map(row));
}

function showError(msg) {
  $("error").textContent = msg || "";
}

// ---- the API ----

class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function api(method, path, body) {
  const headers = { Authorization: "Bearer " + sessionStorage.getItem(KEY) };
  const init = { method, headers, cache: "no-store", credentials: "omit" };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const r = await fetch(path, init);
  const type = r.headers.get("Content-Type") || "";
  const data = type.startsWith("application/json") ? await r.json() : await r.text();
  if (r.status === 401) {
    logout("The token was refused: log in again.");
    throw new ApiError(401, "unauthorized", "unauthorized");
  }
  if (!r.ok) {
    const e = (data && data.error) || {};
    throw new ApiError(r.status, e.code || "error", e.message || "HTTP " + r.status);
  }
  return data;
}

// ---- log in and out ----

async function login(ev) {
  ev.preventDefault();
  const token = $("token").value.trim();
  $("login-error").textContent = "";
  sessionStorage.setItem(KEY, token);
  try {
    await start();
    $("token").value = "";
  } catch (e) {
    sessionStorage.removeItem(KEY);
    $("login-error").textContent = e.status === 401 ? "Wrong token." : "Cannot reach the API: " + e.message;
  }
}

function logout(message) {
  sessionStorage.removeItem(KEY);
  timers.forEach(clearInterval);
  timers = [];
  $("app").hidden = true;
  $("logout").hidden = true;
  $("login").hidden = false;
  $("login-error").textContent = typeof message === "string" ? message : "";
}

async function start() {
  const st = await api("GET", "/api/v1/status");
  $("version").textContent = "version " + st.version;
  $("login").hidden = true;
  $("app").hidden = false;
  $("logout").hidden = false;
  await refreshState();
  await pollEvents();
  timers.push(setInterval(refreshState, STATE_EVERY_MS));
  timers.push(setInterval(pollEvents, EVENTS_EVERY_MS));
}

// ---- methods, images, hosts, leases ----

async function refreshState() {
  if (busy.state || !sessionStorage.getItem(KEY)) return;
  busy.state = true;
  try {
    const [m, i, h] = await Promise.all([
      api("GET", "/api/v1/methods"),
      api("GET", "/api/v1/images"),
      api("GET", "/api/v1/hosts"),
    ]);
    renderMethods(m.methods);
    renderImages(i.images);
    renderHosts(h.hosts);
    fillSelect("host-image", "every image", i.images.map((x) => x.name));
    fillSelect("host-method", "every enabled method", m.methods.map((x) => x.name));
    await refreshLeases();
    showError("");
  } catch (e) {
    if (e.status !== 401) showError("Refresh failed: " + e.message);
  } finally {
    busy.state = false;
  }
}

function renderMethods(methods) {
  fillBody("methods", methods, (m) => {
    const sw = el("input", {
      type: "checkbox", role: "switch", class: "switch", id: "method-" + m.name,
      "aria-label": "Offer " + m.name, checked: m.enabled, disabled: !m.running,
      onchange: (ev) => switchMethod(m.name, ev.target),
    });
    return el("tr", { "data-method": m.name }, el("td", {}, m.name, el("div", { class: "muted" }, m.description || "")),
      el("td", { class: "state state-" + m.state }, m.state), el("td", {}, m.active_sessions), el("td", {}, sw));
  });
}

async function switchMethod(name, box) {
  box.disabled = true;
  try {
    await api("PUT", "/api/v1/methods/" + encodeURIComponent(name), { enabled: box.checked });
  } catch (e) {
    box.checked = !box.checked;
    box.disabled = false;
    showError("Cannot switch " + name + ": " + e.message);
  }
  await refreshState();
}

function imageKind(img) {
  return img.kind || "none (files only)";
}

function renderImages(images) {
  fillBody("images", images, (i) => el("tr", {},
    el("td", {}, i.name, i.default ? el("span", { class: "tag" }, "default") : ""),
    el("td", { class: "kind" }, imageKind(i)),
    el("td", {}, (i.is_iso ? "ISO " : "directory ") + i.source),
    el("td", {}, i.arch || "—"), el("td", {}, i.volume_id || (i.facts && i.facts.label) || "—"),
    el("td", {}, i.kernel || "—"), el("td", {}, i.rootfs || "—")));
}

function renderHosts(hosts) {
  fillBody("hosts", hosts, (h) => el("tr", { "data-mac": h.mac },
    el("td", { class: "mono" }, h.mac), el("td", {}, h.image || "any"), el("td", {}, h.method || "any"),
    el("td", { class: "mono" }, h.cmdline_extra || ""), el("td", {}, h.boot_once ? "yes" : "no"),
    el("td", {}, h.local_boot ? "yes" : "no"),
    el("td", {},
      el("button", { type: "button", onclick: () => editHost(h) }, "Edit"),
      el("button", { type: "button", onclick: () => bootOnce(h) }, "Boot once"),
      el("button", { type: "button", onclick: () => deleteHost(h.mac) }, "Delete"))));
}

function fillSelect(id, anyLabel, names) {
  const s = $(id);
  const keep = s.value;
  s.replaceChildren(el("option", { value: "" }, anyLabel), ...names.map((n) => el("option", { value: n }, n)));
  s.value = names.includes(keep) ? keep : "";
}

function editHost(h) {
  $("host-mac").value = h.mac || "";
  $("host-image").value = h.image || "";
  $("host-method").value = h.method || "";
  $("host-cmdline").value = h.cmdline_extra || "";
  $("host-boot-once").checked = !!h.boot_once;
  $("host-local").checked = !!h.local_boot;
  $("host-mac").focus();
}

async function putHost(mac, profile) {
  try {
    await api("PUT", "/api/v1/hosts/" + encodeURIComponent(mac), profile);
  } catch (e) {
    showError("Cannot save the profile of " + mac + ": " + e.message);
  }
  await refreshState();
}

function saveHost(ev) {
  ev.preventDefault();
  putHost($("host-mac").value.trim(), {
    image: $("host-image").value || null,
    method: $("host-method").value || null,
    cmdline_extra: $("host-cmdline").value || null,
    boot_once: $("host-boot-once").checked,
    local_boot: $("host-local").checked,
  });
}

// One more network boot, then the local disk.
function bootOnce(h) {
  putHost(h.mac, { image: h.image, method: h.method, cmdline_extra: h.cmdline_extra, boot_once: true, local_boot: false });
}

async function deleteHost(mac) {
  try {
    await api("DELETE", "/api/v1/hosts/" + encodeURIComponent(mac));
  } catch (e) {
    showError("Cannot delete " + mac + ": " + e.message);
  }
  await refreshState();
}

async function refreshLeases() {
  let leases = [];
  try {
    leases = (await api("GET", "/api/v1/leases")).leases;
    $("leases-note").textContent = leases.length ? "" : "No leases.";
  } catch (e) {
    if (e.status === 401) throw e;
    $("leases-note").textContent = e.code === "no_dhcp" ? "No DHCP plugin is running." : "Leases: " + e.message;
  }
  fillBody("leases", leases, (l) => el("tr", { "data-mac": l.mac },
    el("td", { class: "mono" }, l.mac), el("td", { class: "mono" }, l.ip), el("td", {}, l.state || ""),
    el("td", {}, l.hostname || ""), el("td", {}, new Date(l.expires * 1000).toLocaleString()),
    el("td", {}, el("button", { type: "button", onclick: () => editHost({ mac: l.mac }) }, "Profile…"))));
}

// ---- the live boot timeline ----

async function pollEvents() {
  if (busy.events || !sessionStorage.getItem(KEY)) return;
  busy.events = true;
  try {
    const r = await api("GET", "/api/v1/events?since=" + lastEventId + "&limit=1000");
    lastEventId = r.last_id;
    const touched = noteEvents(r.events);
    for (const mac of [...touched].slice(-MAX_CLIENTS)) {
      const t = await api("GET", "/api/v1/clients/" + encodeURIComponent(mac) + "/timeline");
      clients.set(mac, { timeline: t, seen: Date.now() });
    }
    trimClients();
    if (touched.size) renderClients();
    $("live").textContent = "live · event " + lastEventId;
  } catch (e) {
    if (e.status !== 401) $("live").textContent = "events: " + e.message;
  } finally {
    busy.events = false;
  }
}

// The machines whose timelines new events changed; the rest go to "Other events".
function noteEvents(events) {
  const touched = new Set();
  for (const e of events) {
    if (e.mac && e.ip) ipToMac.set(e.ip, e.mac);
    const mac = e.mac || ipToMac.get(e.ip);
    if (mac && e.source !== "api") touched.add(mac);
    else addActivity(e);
  }
  return touched;
}

function addActivity(e) {
  const list = $("activity");
  list.prepend(el("li", { "data-kind": e.kind }, el("time", {}, new Date(e.time * 1000).toLocaleTimeString()), " ",
    el("strong", {}, e.kind), " ", e.mac || e.ip || "", " ", e.message || ""));
  while (list.children.length > MAX_ACTIVITY) list.lastChild.remove();
}

function trimClients() {
  const old = [...clients.entries()].sort((a, b) => a[1].seen - b[1].seen);
  while (old.length > MAX_CLIENTS) clients.delete(old.shift()[0]);
}

function renderClients() {
  const sorted = [...clients.values()].sort((a, b) => b.seen - a.seen);
  $("clients").replaceChildren(...sorted.map((c) => clientCard(c.timeline)));
}

function clientCard(t) {
  // a phase with its own events is "done"; one passed without a report (a loader
  // fetched from another server, say) is "passed"
  const reached = PHASES.indexOf(t.phase);
  const seen = new Set(t.events.map((e) => e.phase));
  const steps = el("ol", { class: "phases" }, ...PHASES.map((p, i) =>
    el("li", { class: seen.has(p) ? "done" : i < reached ? "passed" : "", "data-phase": p }, p)));
  const rows = t.events.map((e) => el("tr", { "data-kind": e.kind },
    el("td", { class: "num" }, "+" + e.offset_s.toFixed(2) + " s"), el("td", {}, e.source),
    el("td", {}, e.kind), el("td", {}, e.phase === "none" ? "" : e.phase),
    el("td", { class: "mono" }, e.ip || ""), el("td", {}, e.message || "")));
  return el("article", { class: "client", "data-mac": t.mac },
    el("h3", {}, el("span", { class: "mono" }, t.mac), " ", el("span", { class: "tag" }, t.phase),
      el("button", { type: "button", onclick: () => editHost({ mac: t.mac }) }, "Profile…")),
    steps, el("table", { class: "events" }, el("tbody", {}, ...rows)));
}

// ---- wiring ----

document.addEventListener("DOMContentLoaded", () => {
  $("login-form").addEventListener("submit", login);
  $("logout").addEventListener("click", () => logout(""));
  $("host-form").addEventListener("submit", saveHost);
  if (sessionStorage.getItem(KEY)) start().catch(() => logout("Log in again."));
});
