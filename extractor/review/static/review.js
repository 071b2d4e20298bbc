// The document view: decisions grouped by cause, live identity checks, keyboard review. Actions go
// through the JSON API and the page updates in place from the state each answer carries (no reloads:
// focus and scroll stay). Document text is only ever written with textContent.
"use strict";

(() => {
  const dataNode = document.getElementById("review-data");
  if (!dataNode) return;
  const data = JSON.parse(dataNode.textContent); // what does not change: labels, identities
  let state = JSON.parse(document.getElementById("review-state").textContent); // what actions change
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  // The prefix the app is mounted under ("" when served on its own): every URL below starts with it.
  const base = document.body.dataset.base;
  const api = base + "/api/doc/" + data.document + "/";
  const textKeys = new Set(data.textKeys);
  const cells = Array.from(document.querySelectorAll("td.cell[data-key]"));
  const byKey = new Map(cells.map((td) => [td.dataset.key, td]));
  let values = Object.assign({}, state.values); // live values: saved ones plus the edit in progress
  const eqList = document.getElementById("equations");
  const help = document.getElementById("help");
  const reason = document.getElementById("reason");
  const note = document.getElementById("note");
  let focused = null; // the focused cell
  let current = null; // the id of the decision (group) being made
  let editing = null;
  let busy = false; // one action at a time: a second key press waits for the first answer
  let suspects = new Set();
  let leaving = false;

  // ---- small DOM helpers ----------------------------------------------------------------------
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  const show = (v) => (v === null || v === undefined || v === "" ? "—" : String(v));
  const label = (key) => data.labels[key] || key;

  function toast(message, kind) {
    const node = document.getElementById("toast");
    node.textContent = message;
    node.className = kind || "";
    node.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { node.hidden = true; }, kind === "error" ? 9000 : 3000);
  }

  // ---- identities -------------------------------------------------------------------------------
  const asInt = (v) => (typeof v === "number" && Number.isInteger(v) ? v : null);

  function evaluate(eq) {
    let left = 0;
    let right = 0;
    for (const k of eq.lhs) { const v = asInt(values[k]); if (v === null) return null; left += v; }
    for (const k of eq.rhs) { const v = asInt(values[k]); if (v === null) return null; right += v; }
    return [left, right];
  }

  const equations = data.equations.map((eq) => {
    const li = el("li", "eq");
    li.dataset.rule = eq.rule;
    li.dataset.name = eq.name;
    const badge = el("span", "badge");
    const head = el("div", "eq-head");
    head.append(badge, el("span", "eq-title", eq.title));
    const lhs = el("div", "eq-side");
    const rhs = el("div", "eq-side");
    li.append(head, lhs, el("div", "eq-equals", "="), rhs);
    return { eq, li, badge, lhs, rhs, state: "unknown", lr: null };
  });

  function renderSide(container, keys, total) {
    container.replaceChildren();
    keys.forEach((k, i) => {
      if (i) container.append(el("span", "op", "+"));
      const term = el("button", "term");
      term.type = "button";
      term.dataset.key = k;
      if (focused && focused.dataset.key === k) term.classList.add("current");
      term.append(el("span", "term-label", label(k)), el("span", "term-value", show(values[k])));
      term.addEventListener("click", () => focusKey(k));
      container.append(term);
    });
    container.append(el("span", "sum", "Σ " + show(total)));
  }

  function recompute() {
    const failing = new Map();
    for (const e of equations) {
      e.lr = evaluate(e.eq);
      e.state = e.lr === null ? "unknown" : e.lr[0] === e.lr[1] ? "ok" : "fail";
      if (e.state === "fail") {
        for (const k of e.eq.lhs.concat(e.eq.rhs)) failing.set(k, (failing.get(k) || 0) + 1);
      }
    }
    // In each failing identity the likely culprits are the cells most failing identities share.
    suspects = new Set();
    for (const e of equations) {
      if (e.state !== "fail") continue;
      const keys = e.eq.lhs.concat(e.eq.rhs);
      const top = Math.max(...keys.map((k) => failing.get(k)));
      keys.forEach((k) => { if (failing.get(k) === top) suspects.add(k); });
    }
    for (const td of cells) {
      td.classList.toggle("eq-fail", failing.has(td.dataset.key));
      td.classList.toggle("suspect", suspects.has(td.dataset.key));
    }
    renderEquations();
  }

  function renderEquations() {
    const key = focused ? focused.dataset.key : null;
    const visible = equations.filter((e) => e.state === "fail" || (key && e.eq.lhs.concat(e.eq.rhs).includes(key)));
    visible.sort((a, b) => (a.state === "fail" ? 0 : 1) - (b.state === "fail" ? 0 : 1));
    for (const e of visible) {
      e.li.dataset.state = e.state;
      e.li.className = "eq " + e.state;
      e.badge.textContent = e.state === "ok" ? "✓ holds" : e.state === "fail" ? "✗ fails by " + (e.lr[0] - e.lr[1]) : "? incomplete";
      renderSide(e.lhs, e.eq.lhs, e.lr ? e.lr[0] : null);
      renderSide(e.rhs, e.eq.rhs, e.lr ? e.lr[1] : null);
    }
    eqList.replaceChildren(...visible.map((e) => e.li));
    const failingCount = equations.filter((e) => e.state === "fail").length;
    const summary = failingCount ? failingCount + " failing" : "all hold";
    document.getElementById("eq-summary").textContent = "(" + summary + ")";
    document.getElementById("live-status").textContent = failingCount ? failingCount + " identities fail" : "all identities hold";
    if (!visible.length) eqList.append(el("li", "empty", "Every identity holds. Select a cell to see the identities through it."));
  }

  // ---- the state from the server ----------------------------------------------------------------
  const groupById = (id) => state.groups.find((g) => g.id === id) || null;
  const openGroups = () => state.groups.filter((g) => g.status === "open");

  // The open decision a cell belongs to: the group holding its own item, else a failing identity.
  function groupOfKey(key) {
    const live = state.groups.filter((g) => g.status !== "settled" && g.keys.includes(key));
    return live.find((g) => g.kind !== "identity") || live[0] || null;
  }

  function applyState(next) {
    state = next;
    values = Object.assign({}, state.values);
    if (editing) values[editing.key] = parseInput(editing.key, editing.input.value);
    for (const td of cells) {
      const key = td.dataset.key;
      const keep = ["focus", "in-group", "eq-fail", "suspect"].filter((c) => td.classList.contains(c));
      const has = Object.prototype.hasOwnProperty.call(state.values, key);
      td.className = ["cell", has ? state.classes[key] || "" : "absent"].concat(keep).join(" ").trim();
      const v = state.values[key];
      td.querySelector(".v").textContent = v === null || v === undefined ? "" : String(v);
    }
    document.getElementById("version").textContent = "version " + state.version;
    document.getElementById("saved-by").textContent = state.savedBy;
    document.getElementById("open-count").textContent = state.counts.decisionsOpen + " decision(s) open";
    renderLease();
    renderGroups();
    renderAudit();
    recompute();
    markGroup();
    if (focused) showCell(focused.dataset.key);
  }

  function renderLease() {
    const banner = document.getElementById("lease-banner");
    const lease = state.lease;
    banner.hidden = !lease || lease.mine;
    if (lease && !lease.mine) {
      banner.textContent = lease.holder + " is working on this document (until " + lease.until +
        " at the latest): your changes are refused until they finish or leave it.";
    }
  }

  const STATUS_TEXT = { accepted: "accepted", corrected: "corrected", source_error: "source error", resolved: "resolved" };

  function groupBadge(g) {
    if (g.status !== "settled") return g.status === "open" ? "to decide" : "skipped";
    return g.resolutions.map((r) => STATUS_TEXT[r] || r).join(" + ") || "settled";
  }

  // a decision on failing identities: accepting it says the document prints them that way
  const asPrinted = (g) => g.items.some((id) => state.items[id] && state.items[id].kind === "identity");

  function renderGroups() {
    const list = document.getElementById("groups");
    list.replaceChildren();
    state.groups.forEach((g) => {
      const li = el("li", "group " + g.status);
      li.dataset.group = g.id;
      li.dataset.status = g.status;
      if (g.id === current) li.classList.add("current");
      const head = el("div", "group-head");
      head.append(el("span", "badge " + g.status + " " + g.resolutions.join(" "), groupBadge(g)),
        el("span", "group-message", g.message));
      const chips = el("div", "chips");
      chips.hidden = true;
      const open = el("button", "link", g.keys.length + (g.keys.length === 1 ? " cell" : " cells"));
      open.type = "button";
      open.addEventListener("click", () => { chips.hidden = !chips.hidden; });
      head.append(open);
      if (g.status !== "settled") {
        const accept = el("button", "", asPrinted(g) ? "Accept as printed" : "Accept all");
        accept.type = "button";
        accept.dataset.groupAction = "accept";
        accept.addEventListener("click", () => { focusGroup(g); decideGroup("accept", g); });
        head.append(accept);
        if (g.status === "open") {
          const skipButton = el("button", "", "Skip");
          skipButton.type = "button";
          skipButton.dataset.groupAction = "skip";
          skipButton.addEventListener("click", () => { focusGroup(g); decideGroup("skip", g); });
          head.append(skipButton);
        }
      }
      g.keys.forEach((k) => {
        const chip = el("button", "chip", label(k));
        chip.type = "button";
        chip.dataset.key = k;
        chip.addEventListener("click", () => focusKey(k));
        chips.append(chip);
      });
      head.querySelector(".group-message").addEventListener("click", () => focusGroup(g));
      li.append(head, chips);
      list.append(li);
    });
    const open = openGroups().length;
    document.getElementById("groups-summary").textContent =
      "(" + open + " open of " + state.groups.length + ")";
    if (!state.groups.length) list.append(el("li", "empty", "Nothing to review in this document."));
    renderDecisionPanel();
  }

  function renderDecisionPanel() {
    const g = groupById(current);
    const open = openGroups();
    const position = g ? open.indexOf(g) : -1;
    document.getElementById("decision-position").textContent = g
      ? (position >= 0 ? "Decision " + (position + 1) + " of " + open.length : "Decision")
      : (open.length ? open.length + " decision(s) open" : "All decided");
    document.getElementById("decision-state").textContent = g ? "(" + groupBadge(g) + ")" : "";
    document.getElementById("decision-message").textContent = g ? g.message
      : (open.length ? "Press n for the next decision." : "Every decision of this document is made.");
    document.getElementById("decision-panel").dataset.group = g ? g.id : "";
    document.getElementById("accept-label").textContent = g && asPrinted(g) ? "Accept as printed" : "Accept all";
  }

  function renderAudit() {
    const body = document.getElementById("audit-body");
    body.replaceChildren();
    for (const d of state.audit) {
      const tr = el("tr", "audit-entry");
      const keys = d.changes.map((c) => c.key).filter((k) => k);
      tr.dataset.key = keys[0] || "";
      tr.dataset.keys = keys.join(" ");
      tr.dataset.decision = String(d.decision);
      const what = d.changes.length === 1
        ? (d.changes[0].key ? d.changes[0].label + " " + d.changes[0].key : d.changes[0].label)
        : d.changes.length + " cells: " + d.changes.slice(0, 3).map((c) => c.label).join("、") + (d.changes.length > 3 ? " …" : "");
      const change = d.changes.length === 1 ? show(d.changes[0].old) + " → " + show(d.changes[0].new) : "";
      [d.at, d.reviewer, String(d.version), what, change, d.reason, d.sourceError ? "yes" : "no", d.note]
        .forEach((text, i) => tr.append(el("td", i === 2 ? "num" : i === 4 ? "change" : "", text)));
      body.append(tr);
    }
    document.getElementById("audit-empty").hidden = state.audit.length > 0;
  }

  // ---- focus: the decision and the cell ---------------------------------------------------------
  function markGroup() {
    const g = groupById(current);
    const members = new Set(g ? g.keys : []);
    for (const td of cells) td.classList.toggle("in-group", members.has(td.dataset.key));
    document.querySelectorAll("#groups li.group").forEach((li) => li.classList.toggle("current", li.dataset.group === current));
    renderDecisionPanel();
  }

  function focusGroup(g) {
    current = g ? g.id : null;
    const td = g ? byKey.get(g.focus) || g.keys.map((k) => byKey.get(k)).find((x) => x) : null;
    if (td) focusCell(td, true); else markGroup();
  }

  function focusKey(key) {
    const td = byKey.get(key);
    if (td) focusCell(td);
  }

  function focusCell(td, keepGroup) {
    if (editing) cancelEdit();
    if (focused) focused.classList.remove("focus");
    focused = td;
    td.classList.add("focus");
    td.focus({ preventScroll: true });
    td.scrollIntoView({ block: "nearest", inline: "nearest" });
    const key = td.dataset.key;
    if (!keepGroup) {
      const g = groupOfKey(key);
      if (g) current = g.id;
    }
    markGroup();
    showCell(key);
    showSource(key);
    renderEquations();
    history.replaceState(null, "", location.pathname + "?focus=" + encodeURIComponent(key));
  }

  function showCell(key) {
    const d = state.details[key] || {};
    const own = Object.values(state.items).filter((i) => i.kind === "cell" && i.keys[0] === key);
    const g = groupOfKey(key);
    document.getElementById("cell-label").textContent = label(key);
    document.getElementById("cell-key").textContent = key;
    document.getElementById("cell-value").textContent = show(values[key]);
    document.getElementById("cell-raw").textContent = d.raw === null || d.raw === undefined ? "(not printed)" : JSON.stringify(d.raw);
    document.getElementById("cell-method").textContent = show(d.method) + (d.note ? " · note: " + d.note : "");
    document.getElementById("cell-flags").textContent = (d.flags || []).join(", ") || "—";
    const states = own.map((i) => i.status === "settled" ? (STATUS_TEXT[i.resolution] || i.resolution) + " by " + i.decidedBy : i.status);
    document.getElementById("cell-item").textContent =
      (states.join("; ") || "no flag of its own") + (g ? " · decision: " + g.message : "");
  }

  // ---- the source pane --------------------------------------------------------------------------
  const pdf = { zoom: 1, page: 0, key: null };

  function showSource(key) {
    const where = state.where[key];
    const lines = document.getElementById("source-lines");
    const blocks = document.getElementById("source-blocks");
    if (lines) return showLines(lines, where);
    if (blocks) return showBlocks(blocks, where);
    if (document.getElementById("page-image") && where && where.page) {
      pdf.key = key;
      showPage(where.page);
    }
  }

  function showLines(list, where) {
    list.querySelectorAll("li.hl").forEach((li) => li.classList.remove("hl"));
    if (!where || !where.line) return;
    for (let n = where.line; n <= (where.line_end || where.line); n++) {
      const li = document.getElementById("L" + n);
      if (li) li.classList.add("hl");
    }
    const first = document.getElementById("L" + where.line);
    if (first) list.scrollTop = first.offsetTop - list.clientHeight / 2;
  }

  // HTML and DOCX: the sanitized re-reading of the source, positions as the extractor saw them.
  function showBlocks(container, where) {
    container.querySelectorAll(".hl, .hl-row").forEach((n) => n.classList.remove("hl", "hl-row"));
    if (!where) return;
    let target = null;
    if (where.table !== null && where.table !== undefined) {
      const table = container.querySelector('table.src[data-table="' + where.table + '"]');
      if (table && where.approximate) {
        table.querySelectorAll('td[data-r="' + where.row + '"]').forEach((td) => td.classList.add("hl-row"));
        target = table.querySelector('td[data-r="' + where.row + '"]');
      } else if (table) {
        target = Array.from(table.querySelectorAll("td")).find((td) => {
          const r = +td.dataset.r, c = +td.dataset.c;
          return where.row >= r && where.row < r + +td.dataset.rs && where.col >= c && where.col < c + +td.dataset.cs;
        });
        if (target) target.classList.add("hl");
      }
    } else if (where.line) {
      target = Array.from(container.querySelectorAll("p.src")).find((p) =>
        +p.dataset.line <= where.line && where.line <= +(p.dataset.lineEnd || p.dataset.line));
      if (target) target.classList.add("hl");
    }
    if (target) {
      const offset = target.getBoundingClientRect().top - container.getBoundingClientRect().top;
      container.scrollTop += offset - container.clientHeight / 2;
    }
  }

  function showPage(page) {
    const img = document.getElementById("page-image");
    const frame = document.getElementById("page-frame");
    const where = pdf.key ? state.where[pdf.key] : null;
    pdf.page = page;
    document.getElementById("page-select").value = String(page);
    document.getElementById("page-note").textContent = where && where.approximate && where.page === page ? "(row of an inferred cell)" : "";
    document.getElementById("zoom-level").textContent = Math.round(pdf.zoom * 100) + "%";
    // the image is rendered at the pixels it is shown at: sharp at any zoom, never larger than needed
    const cssWidth = Math.max(200, frame.clientWidth * pdf.zoom);
    const width = Math.round(cssWidth * (window.devicePixelRatio || 1));
    img.style.width = cssWidth + "px";
    img.onload = () => scrollToBox(img, frame, where && where.page === page ? where : null);
    const query = "?width=" + width + (pdf.key ? "&key=" + encodeURIComponent(pdf.key) : "");
    img.src = base + "/doc/" + data.document + "/page/" + page + ".png" + query;
  }

  function scrollToBox(img, frame, where) {
    const size = (data.pageSizes || [])[pdf.page - 1];
    if (!size || !where || !where.bbox) return;
    const x = ((where.bbox[0] + where.bbox[2]) / 2 / size[0]) * img.clientWidth;
    const y = ((where.bbox[1] + where.bbox[3]) / 2 / size[1]) * img.clientHeight;
    frame.scrollLeft = x - frame.clientWidth / 2;
    frame.scrollTop = y - frame.clientHeight / 2;
  }

  function zoom(factor) {
    if (!document.getElementById("page-image")) return;
    pdf.zoom = Math.min(4, Math.max(1, pdf.zoom * factor));
    showPage(pdf.page || 1);
  }

  // ---- navigation -------------------------------------------------------------------------------
  function moveGroup(step) {
    const order = openGroups();
    if (!order.length) { toast("No open decisions left in this document. N opens the next one."); return; }
    const at = order.findIndex((g) => g.id === current);
    const next = at < 0 ? (step > 0 ? 0 : order.length - 1) : (at + step + order.length) % order.length;
    focusGroup(order[next]);
  }

  // After a decision: stay on the group while part of it is open (a cell corrected alone), else the
  // next open one; when none is left, the next document opens by itself.
  function advance(previousOrder) {
    const g = groupById(current);
    if (g && g.status === "open") { focusGroup(g); return; }
    const open = openGroups();
    if (!open.length) { nextDocument(true); return; }
    const at = previousOrder.indexOf(current);
    const after = previousOrder.slice(at + 1).concat(previousOrder.slice(0, Math.max(at, 0)));
    const next = after.map(groupById).find((x) => x && x.status === "open") || open[0];
    focusGroup(next);
  }

  function arrow(dx, dy) {
    if (!focused) { if (cells.length) focusCell(cells[0]); return; }
    if (dx) {
      const i = cells.indexOf(focused) + dx;
      if (i >= 0 && i < cells.length) focusCell(cells[i]);
      return;
    }
    const col = focused.dataset.col;
    let row = focused.parentElement;
    for (row = dy > 0 ? row.nextElementSibling : row.previousElementSibling; row;
      row = dy > 0 ? row.nextElementSibling : row.previousElementSibling) {
      const td = row.querySelector('td.cell[data-col="' + col + '"]');
      if (td) { focusCell(td); return; }
    }
  }

  async function nextDocument(finished) {
    leaving = true;
    if (finished) toast("Document done: opening the next one.");
    await release();
    location.assign(base + "/next?after=" + data.document);
  }

  // ---- talking to the server --------------------------------------------------------------------
  async function post(path, body, keepalive) {
    try {
      const response = await fetch(api + path, {
        method: "POST", credentials: "same-origin", keepalive: !!keepalive,
        headers: { "content-type": "application/json", "x-csrf-token": csrf },
        body: JSON.stringify(body || {}),
      });
      return await response.json().catch(() => ({ ok: false, error: "HTTP " + response.status }));
    } catch (err) {
      return { ok: false, error: "network error: " + err.message };
    }
  }

  // One decision: post it, take the new state, move on. A refusal shows why, and the state it
  // carries (someone else's version or lease) replaces the stale one.
  async function act(path, body, done) {
    // one decision at a time, each on what the reviewer saw: a key pressed while the last one is
    // being saved is dropped (and said so), never applied to a decision not yet on screen
    if (busy) { toast("Still saving the last decision…"); return false; }
    busy = true;
    document.body.dataset.busy = "1";
    const order = openGroups().map((g) => g.id);
    try {
      const answer = await post(path, Object.assign({ version: state.version }, body));
      if (answer.ok && done) done();
      if (answer.state) applyState(answer.state);
      if (!answer.ok) { toast(answer.error, "error"); return false; }
      advance(order);
      return true;
    } finally {
      busy = false;
      delete document.body.dataset.busy;
    }
  }

  function release() {
    if (!state.lease || !state.lease.mine) return Promise.resolve();
    return post("release", {}, true);
  }

  async function refresh() {
    if (editing || busy || document.hidden || leaving) return;
    try {
      const response = await fetch(api + "state", { credentials: "same-origin" });
      const answer = await response.json();
      const lease = (s) => JSON.stringify(s.lease);
      if (answer.ok && (answer.state.version !== state.version || lease(answer.state) !== lease(state) ||
          JSON.stringify(answer.state.counts) !== JSON.stringify(state.counts))) applyState(answer.state);
    } catch (err) { /* the next poll tries again */ }
  }

  // ---- decisions --------------------------------------------------------------------------------
  function decideGroup(action, g) {
    g = g || groupById(current);
    if (!g || g.status === "settled") { toast("Nothing to decide here. n goes to the next open decision."); return; }
    act(action, action === "accept" ? { group: g.id, note: note.value } : { group: g.id });
  }

  function acceptCell() {
    if (!focused) return;
    act("accept", { key: focused.dataset.key, note: note.value });
  }

  function sourceError() {
    if (!focused) return;
    act("source-error", { key: focused.dataset.key, note: note.value });
  }

  // ---- editing ----------------------------------------------------------------------------------
  function parseInput(key, text) {
    const t = text.trim().replace(/[,，]/g, "");
    if (textKeys.has(key)) return t;
    return /^-?\d+$/.test(t) ? parseInt(t, 10) : null;
  }

  function startEdit(initial, selectAll) {
    if (!focused || editing) return;
    const td = focused;
    const key = td.dataset.key;
    const input = el("input", "edit");
    input.value = initial;
    input.setAttribute("aria-label", "new value for " + label(key));
    td.querySelector(".v").hidden = true;
    td.append(input);
    editing = { td, input, key, original: state.values[key] === undefined ? null : state.values[key], saving: false };
    input.addEventListener("input", () => { values[key] = parseInput(key, input.value); recompute(); });
    input.addEventListener("keydown", (ev) => {
      ev.stopPropagation();
      if (ev.key === "Enter") { ev.preventDefault(); commitEdit(); }
      if (ev.key === "Escape") { ev.preventDefault(); cancelEdit(); }
    });
    input.addEventListener("blur", () => { if (editing && editing.input === input && !editing.saving) cancelEdit(); });
    input.focus();
    if (selectAll) input.select();
    values[key] = parseInput(key, input.value);
    recompute();
    // starting an edit is the first action on a document: hold it, so nobody changes it under us
    if (!state.lease || !state.lease.mine) {
      post("lease", {}).then((answer) => {
        if (answer.state) state.lease = answer.state.lease;
        renderLease();
        if (!answer.ok) { toast(answer.error, "error"); if (editing && editing.input === input) cancelEdit(); }
      });
    }
  }

  function cancelEdit() {
    if (!editing) return;
    const { td, input, key, original } = editing;
    editing = null;
    values[key] = original;
    input.remove();
    td.querySelector(".v").hidden = false;
    recompute();
    td.focus({ preventScroll: true });
  }

  async function commitEdit() {
    const { input, key, original, td } = editing;
    const text = input.value.trim();
    if (parseInput(key, text) === original || (text === "" && original === null)) { cancelEdit(); return; }
    editing.saving = true;
    const close = () => { // saved: the editor goes, the saved value stays (no restoring the old one)
      editing = null;
      input.remove();
      td.querySelector(".v").hidden = false;
    };
    const saved = await act("correct", { key, value: text, reason: reason.value, note: note.value }, close);
    if (!saved && editing && editing.input === input) { editing.saving = false; input.focus(); }
  }

  // ---- keys -------------------------------------------------------------------------------------
  const commands = {
    edit: () => {
      const v = focused ? values[focused.dataset.key] : null;
      startEdit(v === null || v === undefined ? "" : String(v), true);
    },
    accept: () => decideGroup("accept"), skip: () => decideGroup("skip"), next: () => moveGroup(1),
    "accept-cell": acceptCell, "source-error": sourceError,
  };

  function toggleHelp(open) {
    help.hidden = open === undefined ? !help.hidden : !open;
  }

  function onKey(ev) {
    if (ev.target.closest && ev.target.closest("input, textarea, select")) return; // typing in a field
    if (ev.key === "Enter" && ev.target.closest && ev.target.closest("button, a")) return; // activates it
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (!help.hidden) {
      if (ev.key === "Escape" || ev.key === "?") { toggleHelp(false); ev.preventDefault(); }
      return;
    }
    const keys = {
      "?": () => toggleHelp(true), n: () => moveGroup(1), j: () => moveGroup(1), p: () => moveGroup(-1),
      N: () => nextDocument(false), a: commands.accept, A: acceptCell, s: sourceError, k: commands.skip,
      Enter: commands.edit, F2: commands.edit, "+": () => zoom(1.5), "=": () => zoom(1.5), "-": () => zoom(1 / 1.5),
      ArrowLeft: () => arrow(-1, 0), ArrowRight: () => arrow(1, 0),
      ArrowUp: () => arrow(0, -1), ArrowDown: () => arrow(0, 1),
    };
    if (keys[ev.key]) keys[ev.key]();
    else if (/^[0-9.\-]$/.test(ev.key) && focused) startEdit(ev.key, false);
    else return;
    ev.preventDefault();
  }

  // ---- wiring -----------------------------------------------------------------------------------
  document.addEventListener("keydown", onKey);
  cells.forEach((td) => td.addEventListener("click", () => { if (!editing || editing.td !== td) focusCell(td); }));
  document.querySelectorAll("[data-command]").forEach((b) => b.addEventListener("click", () => commands[b.dataset.command]()));
  document.getElementById("help-button").addEventListener("click", () => toggleHelp());
  document.getElementById("help-close").addEventListener("click", () => toggleHelp(false));
  document.getElementById("next-doc").addEventListener("click", () => nextDocument(false));
  const pageSelect = document.getElementById("page-select");
  if (pageSelect) {
    pageSelect.addEventListener("change", () => showPage(+pageSelect.value));
    document.getElementById("zoom-in").addEventListener("click", () => zoom(1.5));
    document.getElementById("zoom-out").addEventListener("click", () => zoom(1 / 1.5));
  }
  // the Reason stays as the reviewer set it, across decisions and documents, until changed
  const savedReason = localStorage.getItem("review.reason");
  if (savedReason && Array.from(reason.options).some((o) => o.value === savedReason)) reason.value = savedReason;
  reason.addEventListener("change", () => localStorage.setItem("review.reason", reason.value));
  // leaving the document (closing the tab, following a link) gives it back to the others
  window.addEventListener("pagehide", () => { if (!leaving) release(); });
  setInterval(refresh, 20000);

  applyState(state);
  const wanted = new URLSearchParams(location.search).get("focus");
  if (wanted && byKey.has(wanted)) focusKey(wanted);
  else if (openGroups().length) focusGroup(openGroups()[0]);
  else if (cells.length) focusCell(cells[0]);
  if (pageSelect && !pdf.page) showPage(1);
  document.body.dataset.ready = "1"; // lets tests wait for the script
})();
