// The document view: live identity checks, keyboard review, calls to the JSON endpoints.
// Document text is only ever written with textContent; the server re-checks everything on save.
"use strict";

(() => {
  const dataNode = document.getElementById("review-data");
  if (!dataNode) return;
  const data = JSON.parse(dataNode.textContent);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  // The prefix the app is mounted under ("" when served on its own): every URL below starts with it.
  const base = document.body.dataset.base;
  const textKeys = new Set(data.textKeys);
  const equationRules = new Set(data.equationRules);
  const cells = Array.from(document.querySelectorAll("td.cell[data-key]"));
  const byKey = new Map(cells.map((td) => [td.dataset.key, td]));
  const values = Object.assign({}, data.values); // live values: saved ones plus the edit in progress
  const eqList = document.getElementById("equations");
  const help = document.getElementById("help");
  let focused = null;
  let editing = null;
  let suspects = new Set();

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

  // ---- the focused cell -------------------------------------------------------------------------
  function focusKey(key) {
    const td = byKey.get(key);
    if (td) focusCell(td);
  }

  function focusCell(td) {
    if (editing) cancelEdit();
    if (focused) focused.classList.remove("focus");
    focused = td;
    td.classList.add("focus");
    td.focus({ preventScroll: true });
    td.scrollIntoView({ block: "nearest", inline: "nearest" });
    const key = td.dataset.key;
    showCell(key);
    showSource(key);
    renderEquations();
    history.replaceState(null, "", location.pathname + "?focus=" + encodeURIComponent(key));
  }

  function showCell(key) {
    const d = data.details[key] || {};
    const own = data.cellItems[key];
    const items = own ? [own] : acceptable(key);
    document.getElementById("cell-label").textContent = label(key);
    document.getElementById("cell-key").textContent = key;
    document.getElementById("cell-value").textContent = show(values[key]);
    document.getElementById("cell-raw").textContent = d.raw === null || d.raw === undefined ? "(not printed)" : JSON.stringify(d.raw);
    document.getElementById("cell-method").textContent = show(d.method) + (d.note ? " · note: " + d.note : "");
    document.getElementById("cell-flags").textContent = (d.flags || []).join(", ") || "—";
    document.getElementById("cell-item").textContent =
      items.map((i) => "#" + i.id + " " + i.rule + " (" + i.status + ")").join("; ") || "—";
  }

  function showSource(key) {
    const where = data.where[key];
    const list = document.getElementById("source-lines");
    if (list) {
      list.querySelectorAll("li.hl").forEach((li) => li.classList.remove("hl"));
      if (!where || !where.line) return;
      for (let n = where.line; n <= (where.line_end || where.line); n++) {
        const li = document.getElementById("L" + n);
        if (li) li.classList.add("hl");
      }
      const first = document.getElementById("L" + where.line);
      if (first) list.scrollTop = first.offsetTop - list.clientHeight / 2;
      return;
    }
    const img = document.getElementById("page-image");
    if (img && where && where.page) {
      document.getElementById("page-select").value = String(where.page);
      document.getElementById("page-note").textContent = where.approximate ? "(row of an inferred cell)" : "";
      img.onload = () => scrollToBox(img, where);
      img.src = base + "/doc/" + data.document + "/page/" + where.page + ".png?key=" + encodeURIComponent(key);
    }
  }

  function scrollToBox(img, where) {
    const size = (data.pageSizes || [])[where.page - 1];
    if (!size || !where.bbox) return;
    const frame = img.parentElement;
    const middle = ((where.bbox[1] + where.bbox[3]) / 2 / size[1]) * img.clientHeight;
    frame.scrollTop = middle - frame.clientHeight / 2;
  }

  // ---- navigation -------------------------------------------------------------------------------
  function navigable() {
    const first = cells.filter((td) => suspects.has(td.dataset.key));
    const then = cells.filter((td) => td.classList.contains("flagged") && !suspects.has(td.dataset.key));
    return first.concat(then);
  }

  function move(step) {
    const order = navigable();
    if (!order.length) { toast("No flagged cells left in this document."); return; }
    const at = focused ? order.indexOf(focused) : -1;
    const next = at < 0 ? (step > 0 ? 0 : order.length - 1) : (at + step + order.length) % order.length;
    focusCell(order[next]);
  }

  function nextAfterCurrent() {
    const order = navigable().filter((td) => td !== focused);
    return order.length ? order[0].dataset.key : (focused ? focused.dataset.key : "");
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
    editing = { td, input, key, original: values[key], saving: false };
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
    const { input, key, original } = editing;
    const text = input.value.trim();
    if (parseInput(key, text) === original || (text === "" && original === null)) { cancelEdit(); return; }
    editing.saving = true;
    const answer = await post(base + "/api/doc/" + data.document + "/correct", {
      version: data.version, key, value: text,
      reason: document.getElementById("reason").value, note: document.getElementById("note").value,
    });
    if (answer.ok) { reloadAt(key); return; }
    editing.saving = false;
    toast(answer.error, "error");
    input.focus();
  }

  // ---- review actions ---------------------------------------------------------------------------
  async function post(url, body) {
    try {
      const response = await fetch(url, {
        method: "POST", credentials: "same-origin",
        headers: { "content-type": "application/json", "x-csrf-token": csrf },
        body: JSON.stringify(body),
      });
      return await response.json().catch(() => ({ ok: false, error: "HTTP " + response.status }));
    } catch (err) {
      return { ok: false, error: "network error: " + err.message };
    }
  }

  function reloadAt(key) {
    location.replace(location.pathname + "?focus=" + encodeURIComponent(key));
  }

  async function act(url, body, focusAfter) {
    const answer = await post(url, body);
    if (answer.ok) reloadAt(focusAfter); else toast(answer.error, "error");
  }

  // What 'accept' settles on a cell: its own item, else the non-arithmetic findings through it
  // (prose vs table). A failing equation is accepted as printed from its row under Review items.
  function acceptable(key) {
    const own = data.cellItems[key];
    if (own && own.status !== "settled") return [own];
    return data.identityItems.filter((i) => i.status !== "settled" && i.keys.includes(key) && !equationRules.has(i.rule));
  }

  async function accept() {
    if (!focused) return;
    const items = acceptable(focused.dataset.key);
    if (!items.length) {
      toast("This cell has no open flag to accept. A failing identity is accepted from its row under Review items.");
      return;
    }
    const next = nextAfterCurrent();
    for (const item of items) {
      const answer = await post(base + "/api/items/" + item.id + "/accept", { note: document.getElementById("note").value });
      if (!answer.ok) { toast(answer.error, "error"); return; }
    }
    reloadAt(next);
  }

  function sourceError() {
    if (!focused) return;
    act(base + "/api/doc/" + data.document + "/source-error",
      { version: data.version, key: focused.dataset.key, note: document.getElementById("note").value }, nextAfterCurrent());
  }

  function skip() {
    if (!focused) return;
    act(base + "/api/doc/" + data.document + "/skip", { key: focused.dataset.key }, nextAfterCurrent());
  }

  const commands = {
    edit: () => {
      const v = focused ? values[focused.dataset.key] : null;
      startEdit(v === null || v === undefined ? "" : String(v), true);
    },
    accept, "source-error": sourceError, skip,
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
      "?": () => toggleHelp(true), n: () => move(1), j: () => move(1), p: () => move(-1),
      a: accept, s: sourceError, k: skip, Enter: commands.edit, F2: commands.edit,
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
  document.querySelectorAll("[data-item-action]").forEach((b) => b.addEventListener("click", () => {
    const url = base + "/api/items/" + b.dataset.item + "/" + b.dataset.itemAction;
    act(url, { note: document.getElementById("note").value }, focused ? focused.dataset.key : "");
  }));
  document.querySelectorAll("a.key-link").forEach((a) => a.addEventListener("click", (ev) => {
    ev.preventDefault();
    focusKey(a.dataset.key);
  }));
  document.getElementById("help-button").addEventListener("click", () => toggleHelp());
  document.getElementById("help-close").addEventListener("click", () => toggleHelp(false));
  const pageSelect = document.getElementById("page-select");
  if (pageSelect) {
    pageSelect.addEventListener("change", () => {
      document.getElementById("page-image").src = base + "/doc/" + data.document + "/page/" + pageSelect.value + ".png";
    });
  }

  recompute();
  const wanted = new URLSearchParams(location.search).get("focus");
  if (wanted && byKey.has(wanted)) focusKey(wanted);
  else if (navigable().length) move(1);
  else if (cells.length) focusCell(cells[0]);
  document.body.dataset.ready = "1"; // lets tests wait for the script
})();
