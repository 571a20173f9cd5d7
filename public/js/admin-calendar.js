// /admin/calendar: a chosen text file is read into the text box (the form works without this: paste).
(function () {
  'use strict';
  var input = document.querySelector('[data-calendar-file]');
  var text = document.getElementById('cal-text');
  if (!input || !text || typeof window.FileReader !== 'function') return;
  var field = input.closest('[data-js-only]');
  if (field) field.hidden = false;
  input.addEventListener('change', function () {
    var file = input.files && input.files[0];
    if (!file) return;
    if (file.size > 100000) return;
    var reader = new window.FileReader();
    reader.onload = function () {
      text.value = String(reader.result || '');
    };
    reader.readAsText(file, 'utf-8');
  });
})();
