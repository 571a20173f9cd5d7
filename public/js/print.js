// The intake slip: a print button (printing works from the browser menu without JavaScript too).
(function () {
  'use strict';
  window.wuye.ready(function () {
    document.querySelectorAll('[data-print]').forEach(function (btn) {
      btn.hidden = false;
      btn.addEventListener('click', function () { window.print(); });
    });
  });
})();
