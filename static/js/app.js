// The page's few helpers: copy buttons, the project switcher, local times, and HTMX error
// notices.
// Copy buttons: <button class="copy" data-copy-target="ID" hidden> copies the text of #ID.
// Buttons stay hidden without JavaScript (the text can be selected by hand), and no inline
// script or handler is used, so a CSP without 'unsafe-inline' holds.
// Times: <time datetime="ISO" title="... UTC"> (the `when` template filter) shows UTC without
// JavaScript; with it, the viewer's time zone and how long ago ("12 minutes ago"), or with
// data-when="ends" how long until it ends ("ends in 23 minutes"); data-when="countdown" the
// minutes and seconds left, ticking each second without asking the server. UTC stays on hover.
(function () {
  "use strict";

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    // http://localhost and older browsers: a hidden textarea and execCommand.
    return new Promise(function (resolve, reject) {
      var area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.style.position = "fixed";
      area.style.opacity = "0";
      document.body.appendChild(area);
      area.select();
      try {
        document.execCommand("copy") ? resolve() : reject(new Error("copy refused"));
      } catch (err) {
        reject(err);
      } finally {
        document.body.removeChild(area);
      }
    });
  }

  function announce(button, message) {
    var label = button.dataset.label || button.textContent;
    button.dataset.label = label;
    button.textContent = message;
    window.setTimeout(function () { button.textContent = label; }, 2000);
  }

  function setUp(root) {
    root.querySelectorAll("button.copy[data-copy-target]").forEach(function (button) {
      button.hidden = false;
    });
    root.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      var form = select.form;
      var submit = form && form.querySelector("button[type=submit]");
      // Out of sight until a keyboard reaches it; then it shows, with its focus ring.
      if (submit) submit.classList.add("visually-hidden-focusable");
    });
    showTimes(root);
  }

  var UNITS = [
    ["year", 365 * 24 * 3600],
    ["month", 30 * 24 * 3600],
    ["day", 24 * 3600],
    ["hour", 3600],
    ["minute", 60],
    ["second", 1]
  ];
  var relative = window.Intl && Intl.RelativeTimeFormat
    ? new Intl.RelativeTimeFormat("en", { numeric: "auto" }) : null;
  var local = window.Intl && Intl.DateTimeFormat
    ? new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" }) : null;

  function howLong(date, now) {
    var seconds = Math.round((date.getTime() - now) / 1000);
    for (var i = 0; i < UNITS.length; i++) {
      var unit = UNITS[i];
      if (Math.abs(seconds) >= unit[1] || unit[0] === "second") {
        return relative.format(Math.round(seconds / unit[1]), unit[0]);
      }
    }
    return "";
  }

  function showTimes(root) {
    if (!relative || !local) return;  // the UTC text stays
    var now = Date.now();
    root.querySelectorAll("time[datetime]").forEach(function (element) {
      var date = new Date(element.getAttribute("datetime"));
      if (isNaN(date.getTime())) return;
      if (!element.title) element.title = element.textContent.trim();
      if (element.dataset.when === "countdown") {
        var left = Math.max(0, Math.floor((date.getTime() - now) / 1000));
        var minutes = Math.floor(left / 60), secs = left % 60;
        element.textContent = left > 0
          ? minutes + ":" + (secs < 10 ? "0" : "") + secs + " left"
          : "ended";
        return;
      }
      var ago = howLong(date, now);
      if (element.dataset.when === "ends") {
        ago = date.getTime() > now ? "ends " + ago : "ended " + ago;
      }
      element.textContent = local.format(date) + " · " + ago;
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button.copy[data-copy-target]");
    if (!button) return;
    var source = document.getElementById(button.dataset.copyTarget);
    if (!source) return;
    copyText(source.textContent.trim()).then(
      function () { announce(button, "Copied"); },
      function () { announce(button, "Select and copy by hand"); }
    );
  });

  // The project switcher submits as soon as a project is chosen.
  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-autosubmit]");
    if (select && select.form) select.form.requestSubmit();
  });

  // htmx does not swap in error responses; without this a refused or failed request (your
  // role changed, the session ended, the server is down) would look like nothing happened.
  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    showError(
      status === 403 ? "You are not allowed to do that any more. Reload the page." :
      status === 404 ? "That is no longer there. Reload the page." :
      "The server could not do that (HTTP " + status + "). Try again, or reload the page."
    );
  });
  document.addEventListener("htmx:sendError", function () {
    showError("The server could not be reached. Check your connection and try again.");
  });

  function showError(text) {
    var box = document.getElementById("htmx-error");
    if (!box) return;
    box.textContent = text;
    box.hidden = false;
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUp(document);
    window.setInterval(function () { showTimes(document); }, 30000);
    // A countdown ticks in the page itself: no request to the server.
    if (document.querySelector('time[data-when="countdown"]')) {
      window.setInterval(function () {
        document.querySelectorAll('time[data-when="countdown"]').forEach(function (element) {
          showTimes(element.parentNode);
        });
      }, 1000);
    }
  });
  document.addEventListener("htmx:load", function (event) { setUp(event.target); });
})();
