// The case page follows its case live: on case:updated the page is fetched again and its sections
// (status, deadlines, timeline, sessions, agreement, documents, next step, actions) are swapped in place. A form
// someone is typing into is never replaced: a banner offers the reload instead.
(function () {
  'use strict';
  var w = window.wuye;
  w.ready(function () {
    var root = document.querySelector('[data-case-id][data-case-version]');
    if (!root || typeof io !== 'function') return;
    var caseId = root.getAttribute('data-case-id');
    var version = Number(root.getAttribute('data-case-version')) || 0;
    var dirty = false;
    document.addEventListener('input', function (e) {
      if (e.target && e.target.closest && e.target.closest('[data-live-section="actions"], [data-live-section="next-step"]')) dirty = true;
    });
    document.addEventListener('submit', function () { dirty = false; });

    var SECTIONS = ['glance', 'deadlines', 'timeline', 'sessions', 'agreement', 'documents'];
    var refresh = w.debounce(function () {
      w.fetchPage(location.pathname)
        .then(function (html) {
          var names = dirty ? SECTIONS : SECTIONS.concat(['next-step', 'actions']);
          var out = w.swapSections(html, names);
          var fresh = out.doc.querySelector('[data-case-version]');
          if (fresh) {
            version = Math.max(version, Number(fresh.getAttribute('data-case-version')) || 0);
            root.setAttribute('data-case-version', String(version));
          }
          var banner = document.querySelector('[data-live-banner]');
          if (banner) banner.hidden = !dirty;
        })
        .catch(function () {
          var banner = document.querySelector('[data-live-banner]');
          if (banner) banner.hidden = false;
        });
    }, 200);

    var socket = io({ transports: ['websocket', 'polling'] });
    socket.on('connect', function () {
      w.liveState(true);
      socket.emit('resume', { caseId: caseId, afterVersion: version }, function () {});
    });
    socket.on('disconnect', function () { w.liveState(false); });
    socket.on('connect_error', function () { w.liveState(false); });
    socket.on('case:updated', function (msg) {
      if (!msg || msg.id !== caseId || Number(msg.version) <= version) return;
      version = Number(msg.version);
      refresh();
    });
    socket.on('live:unsubscribed', function () { w.liveState(false); });
  });
})();
