// Workbench and court inbox: when something lands in the queue (inbox:updated) or a listed case
// changes (case:updated), the list is fetched again and swapped in place. Without JavaScript the
// page is the same list; reloading it shows the changes.
(function () {
  'use strict';
  var w = window.wuye;
  w.ready(function () {
    if (typeof io !== 'function' || !document.querySelector('[data-live-section="queue"]')) return;
    var socket = io({ transports: ['websocket', 'polling'] });
    var subscribed = {};

    function subscribeListed() {
      document.querySelectorAll('[data-case-id]').forEach(function (el) {
        var id = el.getAttribute('data-case-id');
        if (!id || subscribed[id]) return;
        subscribed[id] = true;
        socket.emit('subscribe', { caseId: id }, function () {});
      });
    }

    var refresh = w.debounce(function () {
      w.fetchPage(location.href)
        .then(function (html) {
          w.swapSections(html, ['queue']);
          subscribeListed();
        })
        .catch(function () {
          var banner = document.querySelector('[data-live-banner]');
          if (banner) banner.hidden = false;
        });
    }, 300);

    socket.on('connect', function () {
      w.liveState(true);
      subscribed = {};
      subscribeListed();
    });
    socket.on('disconnect', function () { w.liveState(false); });
    socket.on('connect_error', function () { w.liveState(false); });
    socket.on('inbox:updated', refresh);
    socket.on('case:updated', refresh);
  });
})();
