// The Babblefish panel: one night's timeline, its episodes and labels, and what the monitor learnt.
"use strict";

const $ = (id) => document.getElementById(id);
const state = { night: null, data: null, token: null, nights: [] };

function tokenFromPage() {
  const match = location.hash.match(/token=([^&]+)/);
  if (match) {
    localStorage.setItem("babblefishToken", decodeURIComponent(match[1]));
    history.replaceState(null, "", location.pathname + location.search);
  }
  return localStorage.getItem("babblefishToken");
}

async function api(path, options = {}) {
  const headers = Object.assign({}, options.headers || {});
  if (MODE === "token" && state.token) headers.Authorization = "Bearer " + state.token;
  if (options.json !== undefined) {
    headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(options.json);
  }
  const response = await fetch(BASE + "/api/v1" + path, { method: options.method || "GET", headers, body: options.body });
  if (response.status === 401 && MODE === "token") {
    showLogin("That token was not accepted.");
    throw new Error("unauthorized");
  }
  if (options.raw) {
    if (!response.ok) throw new Error((await response.json()).message);
    return response;
  }
  const body = await response.json();
  if (!response.ok) throw new Error(body.message || response.statusText);
  return body;
}

function say(text, error = false) {
  const el = $("message");
  el.textContent = text || "";
  el.className = error ? "error" : "";
}

function showLogin(why) {
  $("login").hidden = false;
  $("night").hidden = true;
  say(why || "", Boolean(why));
}

const clock = (iso) => new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", second: "2-digit" });
const minutes = (s) => (s < 60 ? `${Math.round(s)} s` : `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`);

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child);
  return node;
}

function svg(tag, attrs) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  return node;
}

function span(data) {
  const times = [];
  for (const e of data.episodes) times.push(Date.parse(e.start), Date.parse(e.end || e.start));
  for (const r of data.timeline) times.push(Date.parse(r.t));
  for (const m of data.missed) times.push(Date.parse(m.at));
  const lo = Date.parse(data.start), hi = Math.min(Date.parse(data.end), Date.parse(data.now));
  if (!times.length) return [Math.max(lo, hi - 8 * 3600e3), Math.max(hi, lo + 3600e3)];
  const pad = Math.max(60e3, (Math.max(...times) - Math.min(...times)) * 0.05);
  return [Math.max(lo, Math.min(...times) - pad), Math.max(...times) + pad];
}

function drawTimeline(data) {
  const chart = $("timeline");
  chart.replaceChildren();
  const [t0, t1] = span(data);
  const x = (iso) => ((Date.parse(iso) - t0) / (t1 - t0)) * 1000;
  const bucket = Math.max(2, (10e3 / (t1 - t0)) * 1000);
  for (const r of data.timeline) {
    const cls = r.sound_class === "white_noise" ? "noise" : r.sound_class === "talking" ? "talk" : null;
    if (cls) chart.append(svg("rect", { x: x(r.t), y: 150, width: bucket, height: 14, class: cls, fill: cls === "noise" ? "var(--noise)" : "var(--talk)" }));
  }
  const level = data.timeline.filter((r) => r.rms_dbfs !== null);
  if (level.length) {
    const y = (db) => 140 - Math.max(0, Math.min(1, (db + 90) / 90)) * 100;
    const points = level.map((r) => `${x(r.t).toFixed(1)},${y(r.rms_dbfs).toFixed(1)}`).join(" ");
    chart.append(svg("polyline", { points, fill: "none", stroke: "var(--level)", "stroke-width": 1.5, id: "level-line" }));
  }
  const temps = data.timeline.filter((r) => r.temperature_c !== null);
  if (temps.length) {
    const values = temps.map((r) => r.temperature_c);
    const lo = Math.min(...values) - 0.5, hi = Math.max(...values) + 0.5;
    const y = (c) => 140 - ((c - lo) / (hi - lo)) * 100;
    const points = temps.map((r) => `${x(r.t).toFixed(1)},${y(r.temperature_c).toFixed(1)}`).join(" ");
    chart.append(svg("polyline", { points, fill: "none", stroke: "var(--temp)", "stroke-width": 1.5, id: "temperature-line" }));
    $("temp-range").textContent = ` ${Math.min(...values).toFixed(1)}–${Math.max(...values).toFixed(1)} °C`;
  } else {
    $("temp-range").textContent = " (no sensor)";
  }
  for (const e of data.episodes) {
    const start = x(e.start), width = Math.max(3, x(e.end || e.start) - start);
    const cls = e.label && e.label.verdict === "not_crying" ? "bar not_crying" : "bar";
    const bar = svg("rect", { x: start, y: 8, width, height: 28, rx: 2, class: cls, "data-id": e.id, fill: cls === "bar" ? "var(--cry)" : "var(--ok)" });
    bar.addEventListener("click", () => document.querySelector(`.episode[data-id="${e.id}"]`).scrollIntoView({ behavior: "smooth" }));
    chart.append(bar);
  }
  for (const m of data.missed) chart.append(svg("path", { d: `M${x(m.at)},40 l-6,-10 h12 z`, fill: "var(--cry)", class: "missed-mark" }));
  const axis = $("axis");
  axis.replaceChildren();
  for (let i = 0; i <= 4; i++) {
    const t = t0 + ((t1 - t0) * i) / 4;
    const shift = i === 0 ? "0" : i === 4 ? "-100%" : "-50%";
    axis.append(el("span", { style: `left:${i * 25}%;transform:translateX(${shift})`, text: new Date(t).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) }));
  }
}

async function play(episode, button, card) {
  let audio = card.querySelector("audio");
  if (!audio) {
    button.textContent = "Loading…";
    const response = await api(`/episodes/${episode.id}/clip`, { raw: true });
    const url = URL.createObjectURL(await response.blob());
    audio = el("audio", { controls: "", src: url });
    audio.addEventListener("playing", () => { button.textContent = "Playing"; button.dataset.state = "playing"; });
    audio.addEventListener("ended", () => { button.textContent = "Play again"; button.dataset.state = "ended"; });
    audio.addEventListener("error", () => { button.textContent = "Cannot play"; button.dataset.state = "error"; });
    card.append(audio);
  }
  await audio.play();
}

async function label(episode, verdict, card) {
  const what = card.querySelector("select.what").value || null;
  const note = card.querySelector("input.note").value || null;
  const body = await api("/labels", { method: "POST", json: { episode_id: episode.id, verdict, what, note } });
  say(body.message || `Saved: ${verdict === "crying" ? "crying" : "not crying"}. ${body.adaptation.reason}`);
  await load(state.night);
}

function episodeCard(e, data) {
  const card = el("li", { class: `episode ${e.label ? e.label.verdict : ""}`, "data-id": e.id });
  card.append(el("div", { class: "facts" },
    el("b", { text: clock(e.start) }),
    el("span", { text: `lasted ${minutes(e.duration_s)}` }),
    el("span", { text: `peak score ${e.peak_score.toFixed(2)}` }),
    el("span", { class: "verdict", text: e.label ? (e.label.verdict === "crying" ? "✓ crying" : `✗ not crying${e.label.what ? " (" + e.label.what + ")" : ""}`) : "not labelled" })));
  const what = el("select", { class: "what", "aria-label": "What was it?" }, el("option", { value: "", text: "what was it? (optional)" }));
  for (const name of data.labels) if (name !== data.cry_label) what.append(el("option", { value: name, text: name.replace("_", " ") }));
  if (e.label && e.label.what) what.value = e.label.what;
  const row = el("div", { class: "row" });
  if (e.clip) {
    const button = el("button", { class: "play", type: "button", text: "▶ Play" });
    button.addEventListener("click", () => play(e, button, card).catch((err) => say(err.message, true)));
    row.append(button);
  }
  const chosen = (v) => (e.label && e.label.verdict === v ? " chosen" : "");
  row.append(
    el("button", { class: "crying" + chosen("crying"), type: "button", text: "Crying", onclick: () => label(e, "crying", card).catch((err) => say(err.message, true)) }),
    el("button", { class: "not-crying" + chosen("not_crying"), type: "button", text: "Not crying", onclick: () => label(e, "not_crying", card).catch((err) => say(err.message, true)) }),
    what,
    el("input", { class: "note", maxlength: 200, placeholder: "note", value: (e.label && e.label.note) || "" }));
  if (e.label) row.append(el("button", { class: "forget", type: "button", text: "Remove label", onclick: () => forget(e.label.id) }));
  card.append(row);
  return card;
}

async function forget(id) {
  try {
    const body = await api(`/labels/${id}`, { method: "DELETE" });
    say(`Label removed. ${body.adaptation.reason}`);
    await load(state.night);
  } catch (err) { say(err.message, true); }
}

function drawLearnt(a) {
  const box = $("learnt");
  box.replaceChildren(
    el("p", { class: a.status === "refused" ? "refused" : "", text: a.status === "undone" ? "Undone: the monitor is back to the shipped model (your labels are kept)." : a.reason }),
    el("p", { text: `${a.labels} labels (${a.false_alarms_labelled} not crying, ${a.cries_labelled} crying). ` +
      `False alarms it would now keep quiet: ${a.false_alarms_removed} of ${a.false_alarms_used}. ` +
      `Cries checked: ${a.cries_kept} of ${a.cries_checked} kept (${a.reference_cries} reference cries shipped with the monitor).` }),
    el("p", { class: "small", text: `It compares: ${a.representation}.` }));
  if (a.store_problem) box.append(el("p", { class: "refused", text: a.store_problem }));
  const undo = $("undo");
  undo.textContent = a.enabled ? "Undo what it learnt" : "Apply what it learnt again";
  undo.dataset.enabled = a.enabled ? "1" : "0";
}

async function load(night) {
  const query = night ? `?date=${night}` : "";
  const data = await api(`/night${query}`);
  state.data = data;
  state.night = data.night;
  $("login").hidden = true;
  $("night").hidden = false;
  $("title").textContent = `Night of ${new Date(data.night + "T12:00").toLocaleDateString([], { weekday: "long", day: "numeric", month: "long" })}`;
  drawTimeline(data);
  const list = $("episodes");
  list.replaceChildren(...data.episodes.map((e) => episodeCard(e, data)));
  if (!data.episodes.length) list.append(el("li", { text: "No cry episodes this night." }));
  $("missed-list").replaceChildren(...data.missed.map((m) => el("li", { class: "missed-item", text: `Missed cry at ${clock(m.at)}${m.note ? " — " + m.note : ""} ` },
    el("button", { type: "button", text: "Remove", onclick: () => forget(m.id) }))));
  drawLearnt(data.adaptation);
  if (!$("missed-time").value) $("missed-time").value = new Date(data.now).toTimeString().slice(0, 8);
  $("nights").value = data.night;
}

async function loadNights() {
  const body = await api("/nights?count=14");
  state.nights = body.nights;
  $("nights").replaceChildren(...body.nights.map((n) => el("option", { value: n.night, text: `${n.night === body.tonight ? "Tonight" : n.night} (${n.episodes})` })));
}

function step(delta) {
  const i = state.nights.findIndex((n) => n.night === state.night) - delta;
  if (i >= 0 && i < state.nights.length) load(state.nights[i].night).catch((err) => say(err.message, true));
}

async function markMissed(event) {
  event.preventDefault();
  const [h, m, s] = $("missed-time").value.split(":").map(Number);
  const at = new Date(state.data.now);
  at.setHours(h, m, s || 0, 0);
  if (at > new Date(state.data.now)) at.setDate(at.getDate() - 1);
  try {
    const body = await api("/labels", { method: "POST", json: { kind: "missed", at: at.toISOString(), note: $("missed-note").value || null } });
    say(body.message || `Missed cry at ${clock(body.label.at)} saved. ${body.adaptation.reason}`);
    await load(state.night);
  } catch (err) { say(err.message, true); }
}

async function start() {
  $("prev").addEventListener("click", () => step(-1));
  $("next").addEventListener("click", () => step(1));
  $("nights").addEventListener("change", (e) => load(e.target.value).catch((err) => say(err.message, true)));
  $("missed").addEventListener("submit", markMissed);
  $("undo").addEventListener("click", async () => {
    const enabled = $("undo").dataset.enabled !== "1";
    try { drawLearnt(await api("/adaptation", { method: "POST", json: { enabled } })); } catch (err) { say(err.message, true); }
  });
  $("delete-all").addEventListener("click", async () => {
    if (!confirm("Delete every label and its audio? This cannot be undone.")) return;
    try { const body = await api("/labels", { method: "DELETE" }); say(`${body.deleted} labels deleted.`); await load(state.night); } catch (err) { say(err.message, true); }
  });
  $("export").addEventListener("click", async () => {
    try {
      const response = await api("/labels/export", { raw: true });
      const link = el("a", { href: URL.createObjectURL(await response.blob()), download: "babblefish-labels.zip" });
      document.body.append(link); link.click(); link.remove();
    } catch (err) { say(err.message, true); }
  });
  $("login").addEventListener("submit", (event) => {
    event.preventDefault();
    state.token = $("token").value.trim();
    localStorage.setItem("babblefishToken", state.token);
    boot();
  });
  if (MODE === "token") {
    state.token = tokenFromPage();
    if (!state.token) { showLogin(); return; }
  }
  boot();
}

async function boot() {
  try {
    await loadNights();
    await load(null);
    say("");
  } catch (err) {
    if (err.message !== "unauthorized") say(err.message, true);
  }
}

document.addEventListener("DOMContentLoaded", start);
