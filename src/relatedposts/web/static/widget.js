/*! relatedposts widget: <div data-relatedposts></div>
 * <script src="https://SERVICE/widget.js" async></script>
 * Div options: data-limit (1-20, 5), data-heading ("" for none), data-timeout
 * (ms, 3000), data-api (service URL), data-site (with several sites). Classes:
 * .rp-block .rp-heading .rp-list .rp-item .rp-link .rp-image .rp-title
 * .rp-summary. On failure the div stays empty. Clicks go to SERVICE/api/events. */
(function () {
  "use strict";
  var me = document.currentScript;
  var home = me && me.src;

  function webUrl(value, base) {
    try {
      var u = new URL(value, base || location.href);
      return u.protocol === "https:" || u.protocol === "http:" ? u : null;
    } catch (e) {
      return null;
    }
  }

  function make(tag, cls, text) {
    var el = document.createElement(tag);
    el.className = cls;
    if (text) el.textContent = text;
    return el;
  }

  // text/plain: no preflight; nothing about the reader.
  function beacon(base, from, post, pos, sq) {
    try {
      navigator.sendBeacon(new URL("api/events?" + sq, base).href, JSON.stringify(
        { type: "click", list: "related", from: from, to: post.url, position: pos }));
    } catch (e) {}
  }

  function item(post) {
    var link = post && typeof post.title === "string" && post.title && webUrl(post.url);
    if (!link) return null;
    var li = make("li", "rp-item");
    var a = make("a", "rp-link");
    a.setAttribute("href", link.href);
    var src = typeof post.image === "string" && webUrl(post.image);
    if (src) {
      var img = make("img", "rp-image");
      img.setAttribute("src", src.href);
      img.setAttribute("alt", "");
      img.setAttribute("loading", "lazy");
      img.setAttribute("width", "320");
      img.setAttribute("height", "180");
      img.addEventListener("error", function () {
        if (img.parentNode) img.parentNode.removeChild(img);
      });
      a.appendChild(img);
    }
    a.appendChild(make("span", "rp-title", post.title));
    li.appendChild(a);
    if (typeof post.summary === "string" && post.summary) {
      li.appendChild(make("p", "rp-summary", post.summary));
    }
    return li;
  }

  function render(box, posts, heading, base, from) {
    var list = make("ul", "rp-list");
    var sq = box.rpSite;
    for (var i = 0; i < posts.length; i++) {
      var li = item(posts[i]);
      if (!li) continue;
      list.appendChild(li);
      (function (post, pos) {
        var go = function (e) { if (e.button < 2) beacon(base, from, post, pos, sq); };
        li.firstChild.addEventListener("click", go);
        li.firstChild.addEventListener("auxclick", go);
      })(posts[i], list.childNodes.length);
    }
    if (!list.firstChild) return;
    var block = make("section", "rp-block");
    if (heading) block.appendChild(make("h2", "rp-heading", heading));
    block.appendChild(list);
    box.textContent = "";
    box.appendChild(block);
  }

  function load(box) {
    if (box.getAttribute("data-rp-state")) return;
    box.setAttribute("data-rp-state", "loading");
    var custom = box.getAttribute("data-api");
    var base = custom ? webUrl(custom.replace(/\/?$/, "/")) : home && webUrl(".", home);
    var canon = document.querySelector('link[rel~="canonical"][href]');
    var page = (canon && webUrl(canon.getAttribute("href"))) || webUrl(location.href);
    if (!base || !page || !window.fetch) {
      box.setAttribute("data-rp-state", "done");
      return;
    }
    page.hash = "";
    var limit = Math.min(20, Math.max(1, parseInt(box.getAttribute("data-limit"), 10) || 5));
    var heading = box.getAttribute("data-heading");
    var wait = parseInt(box.getAttribute("data-timeout"), 10) || 3000;
    var api = new URL("api/related", base);
    var site = box.getAttribute("data-site");
    box.rpSite = site ? "site=" + encodeURIComponent(site) : "";
    api.search = "url=" + encodeURIComponent(page.href) + "&limit=" + limit + "&" + box.rpSite;
    var ctl = window.AbortController ? new AbortController() : null;
    var timer = ctl && setTimeout(function () { ctl.abort(); }, wait);
    fetch(api.href, ctl ? { signal: ctl.signal, credentials: "omit" } : { credentials: "omit" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (data && Array.isArray(data.results)) {
          render(box, data.results.slice(0, limit),
                 heading === null ? "You Might Also Enjoy..." : heading, base,
                 (data.article || {}).url || page.href);
        }
      })
      .catch(function () {})
      .then(function () {
        clearTimeout(timer);
        box.setAttribute("data-rp-state", "done");
      });
  }

  function start() {
    var boxes = document.querySelectorAll("[data-relatedposts]");
    for (var i = 0; i < boxes.length; i++) load(boxes[i]);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
