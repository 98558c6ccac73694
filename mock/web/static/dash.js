// alipay-mock dashboard: optional live refresh. With "live" ticked, the
// page re-fetches its own URL every 2 s and swaps in the new <main> (and
// the clock in the header). Every page works without this script.
(function () {
  'use strict';
  var box = document.getElementById('live');
  var toggle = document.getElementById('live-toggle');
  if (!box || !toggle || !window.fetch || !window.DOMParser) return;
  toggle.hidden = false;
  var KEY = 'alipay-mock-dashboard-live';
  try { box.checked = window.localStorage.getItem(KEY) === '1'; } catch (e) { /* storage off */ }
  var timer = null;
  var busy = false;

  // editing is true while the user is typing in a form of the page: a
  // swap would throw their input away.
  function editing() {
    var a = document.activeElement;
    var main = document.querySelector('main');
    return !!(a && main && main.contains(a) && /^(INPUT|SELECT|TEXTAREA)$/.test(a.tagName));
  }

  function swap(doc, selector) {
    var fresh = doc.querySelector(selector);
    var old = document.querySelector(selector);
    if (fresh && old) old.replaceWith(document.importNode(fresh, true));
  }

  function tick() {
    if (busy || document.hidden || editing()) return;
    busy = true;
    fetch(window.location.href, { credentials: 'same-origin', cache: 'no-store', headers: { 'X-Dashboard-Live': '1' } })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        if (!box.checked || editing()) return;
        var doc = new DOMParser().parseFromString(html, 'text/html');
        swap(doc, 'main');
        swap(doc, '#hdr-clock');
      })
      .catch(function () { /* the mock may be restarting: try again next tick */ })
      .then(function () { busy = false; });
  }

  function set(on) {
    if (timer) window.clearInterval(timer);
    timer = on ? window.setInterval(tick, 2000) : null;
    try { window.localStorage.setItem(KEY, on ? '1' : '0'); } catch (e) { /* storage off */ }
  }

  box.addEventListener('change', function () { set(box.checked); });
  set(box.checked);
}());
