/*! relatedposts: the search box as a WAI-ARIA 1.2 combobox of completions (GET /api/suggest).
 * Without this script the form is a plain GET form; with it, typing lists completions in a
 * listbox: Down/Up move through them (aria-activedescendant), Enter searches the one chosen,
 * Escape closes the list. A polite live region says how many completions there are and, on a
 * results page, how many results the search found. */
(function () {
  "use strict";
  var input = document.querySelector("form.search input[name=q]");
  var status = document.getElementById("search-status");
  if (!input || !status || !window.fetch || !window.encodeURIComponent) return;
  var form = input.form;
  var site = form.querySelector("input[name=site]");
  var wrap = document.createElement("div");
  var list = document.createElement("ul");
  var items = [], active = -1, timer = null, asked = 0;
  wrap.className = "combo";
  list.id = input.id + "-listbox";
  list.className = "suggestions";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "Suggestions");
  list.hidden = true;
  input.parentNode.insertBefore(wrap, input);
  wrap.appendChild(input);
  wrap.appendChild(list);
  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);

  function announce(text) { status.textContent = text; }

  function setActive(i) {
    if (active >= 0 && items[active]) items[active].el.setAttribute("aria-selected", "false");
    active = i;
    if (i < 0) { input.removeAttribute("aria-activedescendant"); return; }
    items[i].el.setAttribute("aria-selected", "true");
    input.setAttribute("aria-activedescendant", items[i].el.id);
    if (items[i].el.scrollIntoView) items[i].el.scrollIntoView({ block: "nearest" });
  }

  function close() {
    setActive(-1);
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
  }

  function open() {
    if (!items.length) return;
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function choose(i) {
    input.value = items[i].text;
    close();
    form.submit();
  }

  function render(suggestions) {
    while (list.firstChild) list.removeChild(list.firstChild);
    items = [];
    active = -1;
    input.removeAttribute("aria-activedescendant");
    for (var i = 0; i < suggestions.length; i++) {
      var li = document.createElement("li");
      li.id = list.id + "-" + i;
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      li.textContent = suggestions[i].text;  // text, never markup
      (function (n) {
        // mousedown, not click: the input keeps focus, so blur does not close the list first.
        li.addEventListener("mousedown", function (e) { e.preventDefault(); choose(n); });
      })(i);
      list.appendChild(li);
      items.push({ el: li, text: suggestions[i].text });
    }
    var n = items.length;
    announce(n ? n + (n === 1 ? " suggestion" : " suggestions") +
                 ". Use the up and down arrows to choose one." : "No suggestions.");
    if (n) open(); else close();
  }

  function ask() {
    var q = input.value;
    if (!q.trim()) { render([]); announce(""); return; }
    var mine = ++asked;  // only the latest answer is shown: replies may arrive out of order
    var url = "/api/suggest?q=" + encodeURIComponent(q.slice(0, 100)) +
              (site ? "&site=" + encodeURIComponent(site.value) : "");
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (body) { if (body && mine === asked) render(body.suggestions || []); })
      .catch(function () { /* no completions: the form still searches */ });
  }

  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, 120);  // one request per pause in typing, not per key
  });
  input.addEventListener("keydown", function (e) {
    var key = e.key;
    if (key === "ArrowDown" || key === "Down") {
      e.preventDefault();
      if (list.hidden) { if (items.length) open(); else ask(); return; }
      setActive(active + 1 < items.length ? active + 1 : 0);
    } else if (key === "ArrowUp" || key === "Up") {
      if (list.hidden) return;
      e.preventDefault();
      setActive(active > 0 ? active - 1 : items.length - 1);
    } else if (key === "Enter") {
      if (!list.hidden && active >= 0) { e.preventDefault(); choose(active); }
    } else if (key === "Escape" || key === "Esc") {
      if (!list.hidden) { e.preventDefault(); close(); }
    }
  });
  input.addEventListener("blur", function () { close(); });

  // A results page: say how many results the search found (after load, so it is heard).
  var count = document.getElementById("count") || document.getElementById("filtered-empty") ||
              document.getElementById("empty-heading");
  if (count) setTimeout(function () { announce(count.textContent.replace(/\s+/g, " ").trim()); }, 300);
})();
