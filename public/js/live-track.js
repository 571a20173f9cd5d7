// A resident's tracking page updates itself: the socket is opened with the case number and access
// code the resident typed; on case:updated the status changes at once (plain words from the
// message) and the rest of the page is fetched again. No reload needed.
(function () {
  'use strict';
  var w = window.wuye;
  w.ready(function () {
    var root = document.querySelector('[data-track]');
    if (!root || typeof io !== 'function') return;
    var caseNo = root.getAttribute('data-case-no');
    var accessCode = root.getAttribute('data-access-code');
    var version = Number(root.getAttribute('data-version')) || 0;
    var lang = document.body.getAttribute('data-lang') === 'en' ? 'en' : 'zh';
    var form = document.querySelector('[data-track-refresh]');

    function highlight() {
      var status = document.querySelector('[data-live-section="track"] [data-status]');
      if (status) {
        status.classList.remove('flash-change');
        void status.offsetWidth;
        status.classList.add('flash-change');
      }
    }

    var refresh = w.debounce(function () {
      if (!form) return;
      w.fetchPage('/track', new window.URLSearchParams(new FormData(form)))
        .then(function (html) {
          w.swapSections(html, ['track']);
          highlight();
        })
        .catch(function () {});
    }, 200);

    var socket = io({ auth: { caseNo: caseNo, accessCode: accessCode }, transports: ['websocket', 'polling'] });
    socket.on('connect', function () { w.liveState(true); });
    socket.on('disconnect', function () { w.liveState(false); });
    socket.on('connect_error', function () { w.liveState(false); });
    socket.on('case:state', function (s) {
      if (s && Number(s.version) > version) {
        version = Number(s.version);
        refresh();
      }
    });
    socket.on('case:updated', function (msg) {
      if (!msg || Number(msg.version) <= version) return;
      version = Number(msg.version);
      var label = document.querySelector('[data-status-label]');
      var status = document.querySelector('[data-live-section="track"] [data-status]');
      if (msg.statusLabel && label) label.textContent = msg.statusLabel[lang] || label.textContent;
      if (status && msg.status) {
        status.className = status.className.replace(/status-[a-z_]+/, 'status-' + msg.status);
        status.setAttribute('data-status', msg.status);
      }
      highlight();
      refresh();
    });
  });
})();
