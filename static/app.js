// torch-quiz in the browser: the live countdown, keyboard shortcuts, "Run it"'s editor
// (Ctrl+Enter runs, Reset restores the snippet) and focus after partial updates. Everything else works without JavaScript; the server owns the clock,
// so this only displays the remaining time it was given and asks again at zero.
(function () {
  "use strict";

  var ANNOUNCE_AT = [60, 30, 10];
  var REFRESH_TRIES = 6;
  var active = null;
  var refreshes = 0;

  function format(seconds) {
    var whole = Math.max(0, Math.ceil(seconds - 0.001));
    var secs = whole % 60;
    return Math.floor(whole / 60) + ":" + (secs < 10 ? "0" : "") + secs;
  }

  function say(text) {
    var region = document.getElementById("timer-announcer");
    if (region) region.textContent = text;
  }

  function phrase(seconds) {
    return seconds === 60 ? "1 minute remaining" : seconds + " seconds remaining";
  }

  function disableAnswers() {
    var form = document.querySelector("[data-answer-form]");
    if (!form) return;
    form.querySelectorAll("input, button").forEach(function (el) { el.disabled = true; });
  }

  function refresh(url) {
    // The server ends the problem at its deadline plus a 2 s grace; ask it after that.
    if (refreshes >= REFRESH_TRIES || !window.htmx) return;
    var delay = refreshes === 0 ? 2300 : 1500;
    refreshes += 1;
    window.setTimeout(function () {
      window.htmx.ajax("GET", url, { target: "#main", swap: "innerHTML" });
    }, delay);
  }

  function startTimer(el) {
    if (el.dataset.started) return;
    el.dataset.started = "1";
    if (active) active.stop();
    var remaining = parseFloat(el.dataset.remaining);
    var limit = parseFloat(el.dataset.limit) || remaining || 1;
    var end = performance.now() + remaining * 1000;
    var value = el.querySelector(".timer-value");
    var label = el.querySelector(".timer-label");
    var bar = el.querySelector(".timer-bar span");
    // Thresholds already behind us when the page loads are not announced.
    var announced = ANNOUNCE_AT.filter(function (s) { return remaining <= s; });
    var handle = null;
    var timer = { stop: function () { window.clearInterval(handle); } };

    function expire() {
      timer.stop();
      value.textContent = "Time's up";
      if (label) label.hidden = true;
      el.classList.remove("low", "critical");
      el.classList.add("done");
      say("Time's up");
      disableAnswers();
      refresh(el.dataset.refresh);
    }

    function tick() {
      if (!el.isConnected) { timer.stop(); return; }
      var left = (end - performance.now()) / 1000;
      if (left <= 0) { expire(); return; }
      value.textContent = format(left);
      if (bar) bar.style.width = Math.max(0, (100 * left) / limit).toFixed(1) + "%";
      el.classList.toggle("low", left <= 30 && left > 10);
      el.classList.toggle("critical", left <= 10);
      ANNOUNCE_AT.forEach(function (s) {
        if (left <= s && announced.indexOf(s) < 0) { announced.push(s); say(phrase(s)); }
      });
    }

    handle = window.setInterval(tick, 250);
    active = timer;
    tick();
  }

  function localTimes() {
    // The server writes UTC ("15:42 UTC"); the learner reads their own clock's time.
    document.querySelectorAll("time[data-local-time]").forEach(function (el) {
      var at = new Date(el.getAttribute("datetime"));
      if (isNaN(at)) return;
      el.textContent = at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      el.removeAttribute("data-local-time");
    });
  }

  function init() {
    localTimes();
    var timer = document.querySelector("[role=timer][data-remaining]");
    if (timer) startTimer(timer);
    else if (active) { active.stop(); active = null; }
    var problem = document.getElementById("problem");
    if (problem && problem.dataset.outcome !== "pending") refreshes = 0;
  }

  function typing(target) {
    return target.closest && target.closest("input:not([type=radio]), textarea, select, [contenteditable]");
  }

  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    var target = event.target;
    if (typing(target)) return;
    var card = target.closest && target.closest("details[data-flashcard][open]");
    if (card && /^[1-4]$/.test(event.key)) {
      var rate = card.querySelector('button[name=rating][value="' + event.key + '"]');
      if (rate) { event.preventDefault(); rate.click(); }
      return;
    }
    var form = document.querySelector("[data-answer-form]");
    if (form && /^[1-9]$/.test(event.key)) {
      var radio = form.querySelectorAll("input[type=radio]")[Number(event.key) - 1];
      if (radio && !radio.disabled) { event.preventDefault(); radio.checked = true; radio.focus(); }
      return;
    }
    if (event.key === "Enter" && !target.closest("a, button, summary, textarea")) {
      if (form && !form.querySelector("button[type=submit]:disabled") && form.querySelector("button[type=submit]")) {
        event.preventDefault();
        form.requestSubmit();
        return;
      }
      var next = document.querySelector("[data-next]");
      if (next) { event.preventDefault(); next.click(); }
    }
  }

  function onRunKey(event) {
    // Ctrl+Enter (Cmd+Enter) in the editor runs it; plain Enter is a new line.
    if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
    var code = event.target.closest && event.target.closest("[data-run-code]");
    if (!code) return;
    event.preventDefault();
    code.form.requestSubmit();
  }

  function onClick(event) {
    // Without JavaScript, Reset is a link that reloads the page with the snippet as it was.
    var reset = event.target.closest && event.target.closest("[data-reset-code]");
    var code = reset && document.querySelector("[data-run-code]");
    if (!code) return;
    event.preventDefault();
    code.value = code.dataset.original;
    code.focus();
    code.setSelectionRange(0, 0);
    code.scrollTop = 0;
  }

  function afterSwap(event) {
    var target = event.detail && event.detail.target;
    if (!target) return;
    if (target.id === "main") {
      var feedback = document.getElementById("feedback");
      var focusable = feedback && feedback.textContent.trim() ? feedback : document.getElementById("main");
      focusable.setAttribute("tabindex", "-1");
      focusable.focus({ preventScroll: true });
      if (feedback && feedback.textContent.trim()) feedback.scrollIntoView({ block: "nearest" });
    } else if (target.id === "run-output") {
      target.scrollIntoView({ block: "nearest" });
    }
  }

  function afterSettle(event) {
    // A swapped-out button takes the focus with it; give it to the new content instead.
    if (document.activeElement && document.activeElement !== document.body) return;
    var target = event.detail && event.detail.target;
    if (target && target.id === "run-output") {
      // The Run button was disabled while running, which dropped the focus.
      var run = document.querySelector("[data-run-form] button[type=submit]");
      if (run) { run.focus({ preventScroll: true }); return; }
    }
    var hint = document.querySelector("#hint[tabindex]");
    var rated = document.querySelector(".rated");
    if (hint) hint.focus();
    else if (rated) { rated.setAttribute("tabindex", "-1"); rated.focus(); }
  }

  document.addEventListener("keydown", onKey);
  document.addEventListener("keydown", onRunKey);
  document.addEventListener("click", onClick);
  document.addEventListener("htmx:load", init);
  document.addEventListener("htmx:afterSwap", afterSwap);
  document.addEventListener("htmx:afterSettle", afterSettle);
  document.addEventListener("DOMContentLoaded", init);
})();
