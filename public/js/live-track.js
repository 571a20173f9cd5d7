// A resident's tracking page updates itself: the socket is opened with the case number and access
// code the resident typed; on case:updated the whole view (status, 下一步, deadlines, timeline) is
// fetched again and swapped in one piece. Nothing is patched on its own: a status that changed
// while 下一步 still described the old state was issue 14's inconsistent page. Until the new view
// has arrived the page keeps showing the old version whole. No reload needed.
(function () {
  'use strict';
  var w = window.wuye;
  w.ready(function () {
    var root = document.querySelector('[data-track]');
    if (!root || typeof io !== 'function') return;
    var caseNo = root.getAttribute('data-case-no');
    var accessCode = root.getAttribute('data-access-code');
    var form = document.querySelector('[data-track-refresh]');
    // the newest version announced, and the one the page shows
    var wanted = Number(root.getAttribute('data-version')) || 0;
    var attempts = 0;
    var retryTimer = null;

    function shown() {
      var section = document.querySelector('[data-live-section="track"]');
      return section ? Number(section.getAttribute('data-version')) || 0 : 0;
    }
    function statusOf(doc) {
      var s = doc.querySelector('[data-live-section="track"] [data-status]');
      return s ? s.getAttribute('data-status') : '';
    }

    function highlight() {
      var status = document.querySelector('[data-live-section="track"] [data-status]');
      if (status) {
        status.classList.remove('flash-change');
        void status.offsetWidth;
        status.classList.add('flash-change');
      }
    }

    // a failed or stale fetch is tried again, a little later each time (0.5 s, 1 s, 2 s … 30 s)
    function retry() {
      if (retryTimer) return;
      var delay = Math.min(30000, 500 * Math.pow(2, attempts++));
      retryTimer = setTimeout(function () { retryTimer = null; refresh(); }, delay);
    }

    var refresh = w.debounce(function () {
      if (!form || shown() >= wanted) return;
      var before = statusOf(document);
      w.fetchPage('/track', new window.URLSearchParams(new FormData(form)))
        .then(function (html) {
          var doc = new window.DOMParser().parseFromString(html, 'text/html');
          var fresh = doc.querySelector('[data-live-section="track"]');
          var freshVersion = fresh ? Number(fresh.getAttribute('data-version')) || 0 : 0;
          if (freshVersion > shown()) {
            w.swapSections(html, ['track']);
            if (statusOf(document) !== before) highlight();
          }
          if (freshVersion < wanted) return retry(); // read before the change was visible: again
          attempts = 0;
        })
        .catch(retry);
    }, 50);

    function announce(v) {
      if (Number(v) > wanted) {
        wanted = Number(v);
        refresh();
      }
    }

    var socket = io({ auth: { caseNo: caseNo, accessCode: accessCode }, transports: ['websocket', 'polling'] });
    socket.on('connect', function () { w.liveState(true); });
    socket.on('disconnect', function () { w.liveState(false); });
    socket.on('connect_error', function () { w.liveState(false); });
    socket.on('case:state', function (s) { if (s) announce(s.version); });
    socket.on('case:updated', function (msg) { if (msg) announce(msg.version); });
  });
})();
