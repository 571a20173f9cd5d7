// Intake form: add a party without a round trip, and show only the fields a party's kind needs
// (an organisation's type, a group's households and representative). Without JavaScript every field
// is shown and "add a party" asks the server for the form again.
(function () {
  'use strict';
  var w = window.wuye;
  w.ready(function () {
    var form = document.querySelector('[data-intake-form]');
    if (!form) return;
    var list = form.querySelector('[data-parties]');
    var countInput = form.querySelector('[data-party-count]');
    var addButton = form.querySelector('[data-add-party]');

    function applyKind(card) {
      var select = card.querySelector('[data-party-kind]');
      var kind = select ? select.value : 'person';
      card.querySelectorAll('[data-when-kind]').forEach(function (el) {
        el.hidden = el.getAttribute('data-when-kind').split(' ').indexOf(kind) === -1;
      });
    }

    function wire(card) {
      var select = card.querySelector('[data-party-kind]');
      if (select) select.addEventListener('change', function () { applyKind(card); });
      applyKind(card);
    }

    list.querySelectorAll('[data-party]').forEach(wire);

    if (addButton) {
      addButton.addEventListener('click', function (e) {
        var cards = list.querySelectorAll('[data-party]');
        var last = cards[cards.length - 1];
        if (!last || cards.length >= 30) return;
        e.preventDefault();
        var n = cards.length;
        var from = Number(last.getAttribute('data-party'));
        var card = last.cloneNode(true);
        card.setAttribute('data-party', String(n));
        var legend = card.querySelector('legend');
        if (legend) legend.textContent = legend.textContent.replace(/\d+/, String(n + 1));
        card.querySelectorAll('[name], [id], [for], [aria-describedby]').forEach(function (el) {
          ['name', 'id', 'for', 'aria-describedby'].forEach(function (attr) {
            var v = el.getAttribute(attr);
            if (v) el.setAttribute(attr, v.split('p' + from + '.').join('p' + n + '.').split('p' + from + '-').join('p' + n + '-'));
          });
          if (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA') el.value = '';
          el.removeAttribute('aria-invalid');
        });
        card.querySelectorAll('.error').forEach(function (el) { el.remove(); });
        card.querySelectorAll('.has-error').forEach(function (el) { el.classList.remove('has-error'); });
        card.querySelectorAll('button[name="op"]').forEach(function (b) { b.remove(); });
        list.appendChild(card);
        countInput.value = String(n + 1);
        wire(card);
        var name = card.querySelector('input[name$=".name"]');
        if (name) name.focus();
      });
    }

    // issue 14: say at once when the entries make the dispute major (routed to the district
    // committee), by the rules the server printed (workflows/routing.ts decides on submission)
    var rules = form.querySelector('[data-routing]');
    var notice = form.querySelector('[data-routes-district]');
    if (rules && notice) {
      var num = function (sel) { var el = form.querySelector(sel); var v = el ? Number(el.value) : NaN; return isNaN(v) ? 0 : v; };
      var check = function () {
        var category = (form.querySelector('[name="category"]') || {}).value || '';
        var major = num('[name="disputedAmount"]') >= Number(rules.getAttribute('data-major-amount')) ||
          num('[name="householdsInvolved"]') >= Number(rules.getAttribute('data-major-households')) ||
          (rules.getAttribute('data-major-categories') || '').split(' ').indexOf(category) !== -1 ||
          Boolean((form.querySelector('[name="escalationRisk"]') || {}).checked);
        notice.hidden = !major;
      };
      form.addEventListener('input', check);
      form.addEventListener('change', check);
      check();
    }
  });
})();
