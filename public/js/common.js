// Shared by every page: progressive enhancement switches, and the helpers the live scripts use.
// Plain browser JavaScript, no build step; the CSP allows scripts from this site only.
(function () {
  'use strict';
  document.documentElement.classList.add('js');

  function ready(fn) {
    if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', fn);
    else fn();
  }

  ready(function () {
    document.querySelectorAll('[data-no-js]').forEach(function (el) { el.hidden = true; });
    document.querySelectorAll('[data-js-only]').forEach(function (el) { el.hidden = false; });
    // issue 14: after a failed form, bring its error summary into view and focus it
    var summary = document.querySelector('[data-error-summary]');
    if (summary) {
      summary.scrollIntoView({ block: 'start' });
      summary.focus();
    }
    document.querySelectorAll('[data-reload]').forEach(function (a) {
      a.addEventListener('click', function (e) { e.preventDefault(); location.reload(); });
    });
  });

  /** Shows whether live updates are connected (the dot and its words). */
  function liveState(on) {
    document.querySelectorAll('[data-live-state]').forEach(function (el) {
      el.hidden = false;
      el.classList.toggle('on', on);
      var text = el.querySelector('[data-live-text]');
      if (text) text.textContent = on ? text.getAttribute('data-on') : text.getAttribute('data-off');
    });
  }

  /** Replaces the page's [data-live-section] elements named in `names` with those of `html`. */
  function swapSections(html, names) {
    var doc = new window.DOMParser().parseFromString(html, 'text/html');
    var swapped = 0;
    names.forEach(function (name) {
      var fresh = doc.querySelector('[data-live-section="' + name + '"]');
      var old = document.querySelector('[data-live-section="' + name + '"]');
      if (fresh && old) {
        old.replaceWith(document.importNode(fresh, true));
        swapped++;
      }
    });
    return { doc: doc, swapped: swapped };
  }

  /** Fetches `url` (GET, or POST with `body`) as HTML; resolves with the text, rejects otherwise. */
  function fetchPage(url, body) {
    var init = { credentials: 'same-origin', headers: { Accept: 'text/html' }, cache: 'no-store' };
    if (body) {
      init.method = 'POST';
      init.body = body;
    }
    return fetch(url, init).then(function (res) {
      if (!res.ok) throw new Error('HTTP ' + res.status);
      return res.text();
    });
  }

  /** A debounced function: many calls within `ms` run it once. */
  function debounce(fn, ms) {
    var timer = null;
    return function () {
      if (timer) clearTimeout(timer);
      timer = setTimeout(function () { timer = null; fn(); }, ms);
    };
  }

  window.wuye = { ready: ready, liveState: liveState, swapSections: swapSections, fetchPage: fetchPage, debounce: debounce };
})();
