/* Progressive enhancement only: every page works without this file.
   - the case page's sections become tabs (the hash names the tab: #timeline, #notes ...);
   - a select marked data-autosubmit submits its form;
   - after htmx swaps the page body, the tabs are set again and the message is announced. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function panelFor(tabs, hash) {
    var id = (hash || "").replace(/^#/, "");
    if (id) {
      var target = document.getElementById(decodeURIComponent(id));
      var panel = target && target.closest(".tab-panel");
      if (panel) return panel;
    }
    return null;
  }

  function setTabs() {
    var nav = document.querySelector("[data-tabs]");
    if (!nav) return;
    var panels = Array.prototype.slice.call(document.querySelectorAll(".tab-panel"));
    if (!panels.length) return;
    var active = panelFor(nav, window.location.hash) || panels[0];
    panels.forEach(function (p) { p.classList.toggle("active", p === active); });
    Array.prototype.forEach.call(nav.querySelectorAll("a"), function (a) {
      var panel = panelFor(nav, a.getAttribute("href"));
      if (panel === active) a.setAttribute("aria-current", "true");
      else a.removeAttribute("aria-current");
    });
  }

  document.addEventListener("DOMContentLoaded", setTabs);
  window.addEventListener("hashchange", setTabs);
  document.addEventListener("htmx:afterSettle", function (event) {
    setTabs();
    var message = document.querySelector("main .messages li");
    if (message && event.detail && event.detail.target && event.detail.target.tagName === "MAIN") {
      message.setAttribute("tabindex", "-1");
      message.focus();
    }
  });
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) el.form.submit();
  });
  // One open inline form at a time in an action bar.
  document.addEventListener("toggle", function (event) {
    var el = event.target;
    if (!(el.matches && el.matches("details.action")) || !el.open) return;
    var bar = el.parentElement;
    Array.prototype.forEach.call(bar.querySelectorAll(":scope > details.action[open]"), function (d) {
      if (d !== el) d.open = false;
    });
  }, true);
})();
